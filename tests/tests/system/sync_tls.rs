//! The server over TLS (rustls) with a certificate the device is told to trust; a device that
//! does not trust it refuses to talk.

use punkt_sync_server::{Engine, SqliteStorage, Storage};
use punkt_system_tests::{FAST, PASS};

#[test]
fn devices_sync_over_tls_and_refuse_an_untrusted_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let ca = dir.path().join("server.pem");
    std::fs::write(&ca, cert.cert.pem()).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let engine = Engine::new(SqliteStorage::open(&dir.path().join("server.db")).unwrap());
    rt.block_on(async {
        engine.store.add_org("Fundacja A").await.unwrap();
        engine
            .store
            .add_user("Fundacja A", "anna", "lawyer")
            .await
            .unwrap();
    });
    let handle = axum_server::Handle::new();
    let h = handle.clone();
    let e = engine.clone();
    let (cert_pem, key_pem) = (
        cert.cert.pem().into_bytes(),
        cert.key_pair.serialize_pem().into_bytes(),
    );
    rt.spawn(async move {
        punkt_sync_server::http::serve_tls(e, "127.0.0.1:0".parse().unwrap(), cert_pem, key_pem, h)
            .await
            .unwrap();
    });
    let addr = rt.block_on(handle.listening()).expect("listening");
    let url = format!("https://localhost:{}", addr.port());

    let code = rt.block_on(engine.make_enrol_code("anna", 1)).unwrap();
    let mut p =
        punkt_core::Punkt::init_with(&dir.path().join("a"), PASS, "Fundacja A", FAST).unwrap();
    // Without trusting the certificate, nothing is sent.
    let err = p.enroll(&url, &code, "laptop", None).unwrap_err();
    assert_eq!(err.code(), "server_unreachable", "{err}");
    p.enroll(&url, &code, "laptop", Some(&ca)).unwrap();
    p.add_client(
        punkt_core::ClientInput::from_json(r#"{"given_names":"Olena","family_name":"Bondar"}"#)
            .unwrap(),
    )
    .unwrap();
    let mut t = p.transport(Some(&ca)).unwrap();
    let s = p.sync_with(&mut t, &mut |_| {}).unwrap();
    assert_eq!(s.sent, 1);
    // Graceful shutdown: the server stops accepting.
    handle.graceful_shutdown(Some(std::time::Duration::from_secs(1)));
    std::thread::sleep(std::time::Duration::from_millis(300));
    let mut t = p.transport(Some(&ca)).unwrap();
    assert_eq!(
        p.sync_with(&mut t, &mut |_| {}).unwrap_err().code(),
        "server_unreachable"
    );
}

//! The `punkt-sync-server` command: admin tasks on a database, and `serve` refusing what it
//! must refuse.

use std::process::{Command, Output};

use serde_json::Value;

fn server(db: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_punkt-sync-server"))
        .args(args)
        .env("PUNKT_SERVER_DB", db)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

fn ok(db: &std::path::Path, args: &[&str]) -> Value {
    let out = server(db, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn fails(db: &std::path::Path, args: &[&str], needle: &str) {
    let out = server(db, args);
    assert!(!out.status.success(), "{args:?} should fail");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(needle), "{args:?}: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
}

#[test]
fn organisations_people_codes_devices_and_the_audit_log() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    ok(&db, &["admin", "org", "add", "Fundacja A"]);
    fails(
        &db,
        &["admin", "org", "add", "Fundacja A"],
        "already exists",
    );
    ok(
        &db,
        &[
            "admin",
            "user",
            "add",
            "--org",
            "Fundacja A",
            "--name",
            "anna",
            "--role",
            "lawyer",
        ],
    );
    fails(
        &db,
        &[
            "admin",
            "user",
            "add",
            "--org",
            "Fundacja A",
            "--name",
            "x",
            "--role",
            "wizard",
        ],
        "unknown role",
    );
    fails(
        &db,
        &[
            "admin", "user", "add", "--org", "Nope", "--name", "y", "--role", "lawyer",
        ],
        "no organisation",
    );
    let code = ok(
        &db,
        &["admin", "enroll", "--user", "anna", "--expires", "2"],
    );
    let code = code["code"].as_str().unwrap();
    assert_eq!(code.len(), 14, "XXXX-XXXX-XXXX: {code}");
    fails(&db, &["admin", "enroll", "--user", "nobody"], "no user");
    fails(&db, &["admin", "org", "add", "  "], "1 to 200 bytes");
    fails(
        &db,
        &["admin", "org", "add", &"Ж".repeat(101)],
        "1 to 200 bytes",
    );
    fails(
        &db,
        &["admin", "enroll", "--user", "anna", "--expires", "0"],
        "between 1 and 720",
    );
    assert_eq!(ok(&db, &["admin", "devices"]), serde_json::json!([]));
    fails(&db, &["admin", "revoke", "0000"], "no device");
    let audit = ok(&db, &["admin", "audit"]);
    assert_eq!(audit[0]["action"], "enrol_code");
    let g1 = ok(&db, &["admin", "restored"])["generation"]
        .as_str()
        .unwrap()
        .to_string();
    let g2 = ok(&db, &["admin", "restored"])["generation"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(g1, g2);
    assert_eq!(ok(&db, &["admin", "audit"])[0]["action"], "restored");
}

/// `serve` on a free loopback port over plain HTTP (the development flag): the process and
/// its port.
fn serve_plain(db: &std::path::Path) -> (std::process::Child, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_punkt-sync-server"))
        .args([
            "serve",
            "--db",
            db.to_str().unwrap(),
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--insecure-http",
        ])
        .env("RUST_LOG", "warn")
        .spawn()
        .unwrap();
    (child, port)
}

#[test]
fn serve_refuses_plain_http_off_loopback_and_serves_on_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    fails(
        &db,
        &[
            "serve",
            "--db",
            db.to_str().unwrap(),
            "--listen",
            "0.0.0.0:0",
            "--insecure-http",
        ],
        "loopback",
    );
    fails(
        &db,
        &[
            "serve",
            "--db",
            db.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ],
        "--tls-cert",
    );
    fails(
        &db,
        &[
            "serve",
            "--db",
            db.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
            "--tls-cert",
            "/no/cert.pem",
            "--tls-key",
            "/no/key.pem",
        ],
        "cannot read",
    );
    // A real serve on a free port answers /v1/health and stops on SIGTERM.
    let (mut child, port) = serve_plain(&db);
    let mut healthy = false;
    for _ in 0..50 {
        std::thread::sleep(std::time::Duration::from_millis(100));
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            s.write_all(b"GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .unwrap();
            let mut resp = String::new();
            let _ = s.read_to_string(&mut resp);
            healthy = resp.starts_with("HTTP/1.1 200") && resp.ends_with("ok");
            break;
        }
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let status = child.wait().unwrap();
    assert!(healthy, "the server answered its health check");
    assert!(
        status.success(),
        "a graceful shutdown exits cleanly: {status:?}"
    );
}

/// The database holds people's files: a new one (and its WAL) is the owner's alone, and an
/// existing one other users may read is refused at start, with the fix in the message.
#[cfg(unix)]
#[test]
fn the_database_is_private_and_a_readable_one_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    ok(&db, &["admin", "org", "add", "Fundacja A"]);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&db), 0o600);
    for companion in ["server.db-wal", "server.db-shm"] {
        let p = dir.path().join(companion);
        if p.exists() {
            assert_eq!(mode(&p), 0o600, "{companion}");
        }
    }
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    fails(&db, &["admin", "devices"], "chmod 600");
    // Nothing was changed: made private again, the database opens with its organisation.
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o600)).unwrap();
    fails(
        &db,
        &["admin", "org", "add", "Fundacja A"],
        "already exists",
    );
}

/// One HTTP/1.1 request to the server on 127.0.0.1:`port`; the status and the body.
fn http(
    port: u16,
    path: &str,
    token: Option<&str>,
    content_type: &str,
    body: &[u8],
) -> (u16, Vec<u8>) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: {content_type}\r\n{auth}Content-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).to_lowercase();
    let status = head[9..12].parse().unwrap();
    let mut rest = &raw[split + 4..];
    if !head.contains("transfer-encoding: chunked") {
        return (status, rest.to_vec());
    }
    let mut body = Vec::new();
    loop {
        let end = rest.windows(2).position(|w| w == b"\r\n").unwrap();
        let n =
            usize::from_str_radix(std::str::from_utf8(&rest[..end]).unwrap().trim(), 16).unwrap();
        if n == 0 {
            return (status, body);
        }
        body.extend_from_slice(&rest[end + 2..end + 2 + n]);
        rest = &rest[end + 2 + n + 2..];
    }
}

/// The most memory the process `pid` has held (its peak resident set), in MiB.
fn peak_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace()
        .nth(1)
        .unwrap()
        .parse::<u64>()
        .unwrap()
        / 1024
}

/// The blind server (protocol 6) never inflates or parses what laptops send: a sealed change
/// that would inflate to 512 MiB (a few hundred KB on the wire) is stored as the ciphertext it
/// is, another laptop is served as usual, and the real server's memory stays under 300 MB.
/// (The laptop that receives it refuses it before Automerge sees it: `sync_refusals.rs`.)
#[cfg(target_os = "linux")]
#[test]
fn a_sealed_compression_bomb_costs_the_server_nothing() {
    use punkt_sync::wire::{DocPush, Outcome, Push, PutKeys, ScopeEpoch, SealedChange, WrappedKey};
    use punkt_sync::{decode_response, encode_request, Hash, Request, Response};

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    ok(&db, &["admin", "org", "add", "Fundacja A"]);
    for user in ["mallory", "anna"] {
        ok(
            &db,
            &[
                "admin",
                "user",
                "add",
                "--org",
                "Fundacja A",
                "--name",
                user,
                "--role",
                "counsellor",
            ],
        );
    }
    /// Ends the server however the test ends.
    struct Killed(std::process::Child);
    impl Drop for Killed {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let (child, port) = serve_plain(&db);
    let child = Killed(child);
    let mut up = false;
    for _ in 0..100 {
        std::thread::sleep(std::time::Duration::from_millis(50));
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            up = true;
            break;
        }
    }
    assert!(up, "the server started");
    let token = |user: &str| {
        let code = ok(&db, &["admin", "enroll", "--user", user])["code"]
            .as_str()
            .unwrap()
            .to_string();
        let req = serde_json::json!({ "code": code, "device_name": format!("{user}'s laptop") });
        let (status, body) = http(
            port,
            "/v1/enroll",
            None,
            "application/json",
            req.to_string().as_bytes(),
        );
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let reply: Value = serde_json::from_slice(&body).unwrap();
        reply["token"].as_str().unwrap().to_string()
    };
    let (mallory, anna) = (token("mallory"), token("anna"));
    let ask = |token: &str, req: &Request| -> Response {
        let (status, body) = http(
            port,
            "/v1/sync",
            Some(token),
            "application/x-punkt-sync",
            &encode_request(req),
        );
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        decode_response(&body).unwrap()
    };
    // The organisation's first key (what a laptop's first sync does), so documents can be
    // pushed with a wrapped key.
    let started = ask(
        &mallory,
        &Request::PutKeys(PutKeys {
            public_key: Some(vec![7; 32].into()),
            new_epochs: vec![ScopeEpoch {
                org: "Fundacja A".into(),
                scope: "org".into(),
                epoch: 1,
                public_key: Some(vec![9; 32].into()),
            }],
            ..PutKeys::default()
        }),
    );
    assert!(matches!(started, Response::Keys(_)), "{started:?}");
    let push = |token: &str, doc_id: &str, sealed: Vec<u8>, n: u8| -> Outcome {
        let req = Request::Push(Push {
            cursor: 0,
            page_limit: 10,
            docs: vec![DocPush {
                doc_id: doc_id.into(),
                kind: "client_file".into(),
                owner_org: "Fundacja A".into(),
                base_heads: vec![],
                changes: vec![SealedChange {
                    hash: Hash([n; 32]),
                    deps: vec![],
                    sealed: sealed.into(),
                }],
                keys: vec![WrappedKey {
                    org: "Fundacja A".into(),
                    scope: "org".into(),
                    epoch: 1,
                    sealed_to_org: false,
                    wrapped: vec![1; 73].into(),
                }],
                referral_to: None,
                merges_away: false,
                replaces_legacy: false,
                snapshot: None,
            }],
        });
        match ask(token, &req) {
            Response::Push(mut r) => r.results.remove(0).outcome,
            other => panic!("not a push answer: {other:?}"),
        }
    };

    let bomb = punkt_sync::bounds::hostile::compressed_change(512 << 20);
    assert!(bomb.len() < 2 << 20, "{} bytes on the wire", bomb.len());
    assert!(matches!(
        push(&mallory, "bomb", bomb, 1),
        Outcome::Applied { .. }
    ));
    // Another laptop syncs as usual.
    assert!(matches!(
        push(&anna, "real", vec![0xAB; 200], 2),
        Outcome::Applied { .. }
    ));
    let peak = peak_mib(child.0.id());
    drop(child);
    eprintln!("server peak memory with a sealed 512 MiB compression bomb stored: {peak} MiB");
    assert!(peak < 300, "the server's memory peaked at {peak} MiB");
}

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
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_punkt-sync-server"))
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

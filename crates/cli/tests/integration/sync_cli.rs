//! `punkt enroll`, `punkt sync`, `sync status`, `client conflicts`/`resolve`, `sync export`/
//! `import`, against a real sync server on 127.0.0.1 (run in this test process).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use punkt_sync_server::{Engine, SqliteStorage, Storage};
use serde_json::Value;

const PASS: &str = "a long enough passphrase";

struct Server {
    url: String,
    engine: Engine<SqliteStorage>,
    rt: tokio::runtime::Runtime,
}

fn server(dir: &Path) -> Server {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let engine = Engine::new(SqliteStorage::open(&dir.join("server.db")).unwrap());
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let e = engine.clone();
    rt.spawn(async move {
        punkt_sync_server::http::serve_http(e, listener, std::future::pending()).await
    });
    rt.block_on(async {
        engine.store.add_org("Fundacja A").await.unwrap();
        engine
            .store
            .add_user("Fundacja A", "anna", "lawyer")
            .await
            .unwrap();
        engine
            .store
            .add_user("Fundacja A", "bartek", "counsellor")
            .await
            .unwrap();
        engine
            .store
            .add_user("Fundacja A", "cora", "coordinator")
            .await
            .unwrap();
    });
    Server { url, engine, rt }
}

fn punkt(data: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let mut c = Command::new(env!("CARGO_BIN_EXE_punkt"));
    c.arg("--data").arg(data).args(args);
    c.env("PUNKT_PASSPHRASE", PASS)
        .env("PUNKT_TEST_FAST_KDF", "1")
        .env("PUNKT_FILE_PASSPHRASE", "usb stick passphrase");
    c.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    child.wait_with_output().unwrap()
}

fn ok(data: &Path, args: &[&str], stdin: Option<&str>) -> Value {
    let out = punkt(data, args, stdin);
    assert!(
        out.status.success(),
        "punkt {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&out.stdout).into()))
}

fn laptop(dir: &Path, name: &str, s: &Server, user: &str) -> PathBuf {
    let data = dir.join(name);
    ok(&data, &["init", "--organisation", "Fundacja A"], None);
    let code = s.rt.block_on(s.engine.make_enrol_code(user, 1)).unwrap();
    let e = ok(
        &data,
        &[
            "enroll", "--server", &s.url, "--code", &code, "--name", name,
        ],
        None,
    );
    assert_eq!(e["organisation"], "Fundacja A");
    data
}

#[test]
fn laptops_sync_show_conflicts_resolve_and_carry_files() {
    let dir = tempfile::tempdir().unwrap();
    let s = server(dir.path());
    let a = laptop(dir.path(), "a", &s, "anna");
    let b = laptop(dir.path(), "b", &s, "bartek");
    let id = ok(
        &a,
        &["client", "add", "--json", "-"],
        Some(r#"{"given_names":"Olena","family_name":"Bondar"}"#),
    )["id"]
        .as_str()
        .unwrap()
        .to_string();
    let status = ok(&a, &["sync", "status"], None);
    assert_eq!(status["pending_documents"], 1);
    let summary = ok(&a, &["sync", "--json"], None);
    assert_eq!(summary["sent"], 1);
    // b has no keys yet: its sync says so, with its check code; a lists it as waiting, and
    // gives it keys once the codes match.
    let out = punkt(&b, &["sync"], None);
    assert!(out.status.success());
    let said = String::from_utf8_lossy(&out.stdout);
    let b_status = ok(&b, &["sync", "status"], None);
    let check = b_status["check_code"].as_str().unwrap().to_string();
    assert!(said.contains("no keys") && said.contains(&check), "{said}");
    let waiting = ok(&a, &["team", "keys"], None);
    let b_id = b_status["enrolment"]["device_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        waiting["waiting"][0]["device_id"],
        b_id.as_str(),
        "{waiting}"
    );
    assert!(
        waiting["waiting"][0].get("check_code").is_none(),
        "the code to compare is read off the other laptop, never printed here"
    );
    let wrong = punkt(&a, &["team", "keys", &b_id, "000 000"], None);
    assert!(!wrong.status.success(), "a wrong check code gives nothing");
    assert_eq!(
        ok(&a, &["team", "keys", &b_id, &check], None)["given"],
        serde_json::json!(["org"])
    );
    let out = punkt(&b, &["sync"], None);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 received (1 new)"));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("sync: receive"),
        "progress is shown"
    );
    assert_eq!(ok(&a, &["sync", "status"], None)["pending_documents"], 0);
    // The sync brought the member organisations, for referrals.
    let orgs = ok(&a, &["referral", "organisations"], None);
    assert_eq!(
        orgs["organisations"],
        serde_json::json!(["Fundacja A"]),
        "{orgs}"
    );

    // The same field on both laptops.
    ok(
        &a,
        &["client", "update", &id, "--json", "-"],
        Some(r#"{"family_name":"Bondarenko"}"#),
    );
    ok(
        &b,
        &["client", "update", &id, "--json", "-"],
        Some(r#"{"family_name":"Bondar-Kowalenko"}"#),
    );
    for d in [&a, &b, &a] {
        ok(d, &["sync", "--json"], None);
    }
    let conflicts = ok(&a, &["client", "conflicts", &id], None);
    assert_eq!(conflicts[0]["path"], "person.family_name");
    assert_eq!(conflicts[0]["values"].as_array().unwrap().len(), 2);
    let shown = ok(&b, &["client", "show", &id], None);
    assert_eq!(
        shown["conflicts"], conflicts,
        "the client file's JSON lists them"
    );
    let resolved = ok(
        &b,
        &[
            "client",
            "resolve",
            &id,
            "person.family_name",
            "--value",
            "\"Bondarenko\"",
        ],
        None,
    );
    assert_eq!(resolved["conflicts"], serde_json::json!([]));
    assert_eq!(resolved["person"]["family_name"], "Bondarenko");
    let out = punkt(
        &b,
        &[
            "client",
            "resolve",
            &id,
            "person.family_name",
            "--value",
            "\"X\"",
        ],
        None,
    );
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("punkt: error[invalid_input]"));
    ok(&b, &["sync"], None);
    ok(&a, &["sync"], None);
    assert_eq!(
        ok(&a, &["client", "conflicts", &id], None),
        serde_json::json!([])
    );

    // A USB stick from a centre to the office.
    ok(
        &a,
        &["consultation", "add", &id, "--json", "-"],
        Some(
            r#"{"date":"2026-11-02","place":{"kind":"centre","centre":"Przemyśl"},"services":["legal"]}"#,
        ),
    );
    let file = dir.path().join("stick.punkt");
    let e = ok(
        &a,
        &["sync", "export", "--out", file.to_str().unwrap()],
        None,
    );
    assert_eq!(e["documents"], 1);
    let i = ok(&b, &["sync", "import", file.to_str().unwrap()], None);
    assert_eq!(i["changed"], 1);
    assert_eq!(
        ok(&b, &["client", "show", &id], None)["consultations"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    std::fs::write(&file, b"PKSEALED garbage").unwrap();
    let out = punkt(&b, &["sync", "import", file.to_str().unwrap()], None);
    assert!(!out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1);

    // The coordinator's laptop: the team, a code for a new laptop, and laptop "a" revoked. A
    // counsellor may not.
    let k = laptop(dir.path(), "k", &s, "cora");
    let team = ok(&k, &["team"], None);
    let device_id = team["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "a")
        .unwrap()["device_id"]
        .as_str()
        .unwrap()
        .to_string();
    let code = ok(&k, &["team", "code", "bartek", "--hours", "4"], None);
    assert_eq!(code["code"].as_str().unwrap().len(), 14, "{code}");
    let out = punkt(&b, &["team"], None);
    assert!(
        String::from_utf8_lossy(&out.stderr).starts_with("punkt: error[forbidden]"),
        "{out:?}"
    );
    let team = ok(&k, &["team", "revoke", &device_id], None);
    assert!(team["devices"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["device_id"] == device_id.as_str() && !d["revoked_at"].is_null()));
    // Revoked: refused, and the laptop's store is wiped.
    let out = punkt(&a, &["sync"], None);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(err.starts_with("punkt: error[device_revoked]"), "{err}");
    assert!(err.contains("wiped"), "{err}");
    assert!(!a.join("punkt.key").exists() && !a.join("punkt.db").exists());
    // Not enrolled: a clear error.
    let c = dir.path().join("c");
    ok(&c, &["init", "--organisation", "Fundacja A"], None);
    let out = punkt(&c, &["sync"], None);
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("punkt: error[not_enrolled]"));
}

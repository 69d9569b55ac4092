//! The `punkt` command end to end: a real binary on a real encrypted store.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const PASS: &str = "a long enough passphrase";

struct Env {
    _dir: tempfile::TempDir,
    data: PathBuf,
    root: PathBuf,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("store");
        let root = dir.path().to_path_buf();
        Env {
            _dir: dir,
            data,
            root,
        }
    }

    fn cmd(&self, args: &[&str], pass: Option<&str>, stdin: Option<&str>) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_punkt"));
        c.arg("--data").arg(&self.data).args(args);
        c.env_remove("PUNKT_PASSPHRASE").env_remove("PUNKT_DATA");
        c.env("PUNKT_TEST_FAST_KDF", "1");
        if let Some(p) = pass {
            c.env("PUNKT_PASSPHRASE", p);
        }
        c.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        c.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        if let Some(s) = stdin {
            child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
        }
        child.wait_with_output().unwrap()
    }

    fn ok(&self, args: &[&str], stdin: Option<&str>) -> Value {
        let out = self.cmd(args, Some(PASS), stdin);
        assert!(
            out.status.success(),
            "punkt {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "punkt {args:?} printed no JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    /// Run a command that must fail: one line on stderr, with `code`, and no stdout.
    fn fails(&self, args: &[&str], pass: Option<&str>, stdin: Option<&str>, code: &str) -> String {
        let out = self.cmd(args, pass, stdin);
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(!out.status.success(), "punkt {args:?} should fail");
        assert_eq!(err.lines().count(), 1, "one line on stderr, got: {err:?}");
        assert!(
            err.starts_with(&format!("punkt: error[{code}]: ")),
            "{args:?}: {err}"
        );
        err
    }

    fn file(&self, name: &str, content: &str) -> String {
        let p = self.root.join(name);
        std::fs::write(&p, content).unwrap();
        p.display().to_string()
    }

    /// Everything a person could see in the store, to check that a failure changed nothing.
    fn state(&self) -> String {
        let list = self.ok(&["client", "list", "--limit", "1000"], None);
        let mut s = list.to_string();
        for c in list.as_array().unwrap() {
            s.push_str(
                &self
                    .ok(&["client", "show", c["id"].as_str().unwrap()], None)
                    .to_string(),
            );
        }
        s.push_str(&self.ok(&["deadlines"], None).to_string());
        s
    }
}

const TARAS: &str = r#"{"given_names":"Taras","family_name":"Shevchenko","names_original":"Тарас Шевченко",
  "birth_date":"1990-05-12","sex":"male","citizenships":["UA"],"languages":["uk","ru"]}"#;

fn with_client() -> (Env, String) {
    let env = Env::new();
    env.ok(&["init", "--organisation", "Fundacja Pomocy Prawnej"], None);
    let id = env.ok(&["client", "add", "--json", "-"], Some(TARAS))["id"]
        .as_str()
        .unwrap()
        .to_string();
    (env, id)
}

#[test]
fn a_day_of_work_through_the_command() {
    let (env, id) = with_client();
    let file = env.ok(&["client", "show", &id], None);
    assert_eq!(file["person"]["family_name_original"], "Шевченко");
    assert_eq!(file["person"]["birth_date"], "1990-05-12");

    let upd = env.file(
        "u.json",
        r#"{"birth_date":"1990","contact":{"phone":"+48 600 100 200"}}"#,
    );
    let file = env.ok(&["client", "update", &id, "--json", &upd], None);
    assert_eq!(file["person"]["birth_date"], "1990");
    assert_eq!(
        file["person"]["given_names"], "Taras",
        "keys not given are left"
    );
    assert_eq!(file["person"]["contact"]["phone"], "+48 600 100 200");

    let c = env.ok(
        &["consultation", "add", &id, "--json", "-"],
        Some(r#"{"date":"2026-11-02","place":{"kind":"centre","centre":"Przemyśl"},"services":["legal"],"language":"uk","interpreter":true,"duration_minutes":40,"note":"decision shown"}"#),
    );
    assert!(c["id"].is_string());

    let d = env.ok(
        &[
            "deadline",
            "add",
            &id,
            "--rule",
            "return-appeal",
            "--from",
            "2026-11-04",
        ],
        None,
    );
    assert_eq!(d["due"], "2026-11-12");
    assert_eq!(d["moved_over"][0]["date"], "2026-11-11");

    let hits = env.ok(&["client", "search", "Szewczenko"], None);
    assert_eq!(hits[0]["id"], id.as_str());
    assert!(hits[0]["score"].as_f64().unwrap() > 0.8);
    assert!(hits[0]["display_name"]
        .as_str()
        .unwrap()
        .contains("Shevchenko"));

    let board = env.ok(&["deadlines"], None);
    assert_eq!(board[0]["due"], "2026-11-12");
    assert_eq!(board[0]["client_id"], id.as_str());

    let out = env.root.join("r.csv").display().to_string();
    let r = env.ok(
        &[
            "report",
            "--from",
            "2026-01-01",
            "--to",
            "2026-12-31",
            "--format",
            "csv",
            "--out",
            &out,
        ],
        None,
    );
    assert_eq!(r["people"], 1);
    let csv = std::fs::read_to_string(&out).unwrap();
    // Leaving the organisation by default: one person is "<5".
    assert!(csv.contains("place,Przemyśl (centre),legal,<5,<5"), "{csv}");
    env.ok(
        &[
            "report",
            "--from",
            "2026-01-01",
            "--to",
            "2026-12-31",
            "--format",
            "csv",
            "--out",
            &out,
            "--internal",
            "--age-bands",
            "0,18,65",
        ],
        None,
    );
    let csv = std::fs::read_to_string(&out).unwrap();
    assert!(csv.contains("place,Przemyśl (centre),legal,1,1"), "{csv}");
    let bad = env.fails(
        &[
            "report",
            "--from",
            "2026-01-01",
            "--to",
            "2026-12-31",
            "--format",
            "csv",
            "--out",
            &out,
            "--age-bands",
            "18,65",
        ],
        Some(PASS),
        None,
        "invalid_input",
    );
    assert!(bad.contains("the first band starts at 0"), "{bad}");

    // A project, and a group activity under it.
    let settings = env.ok(
        &[
            "project",
            "put",
            "--code",
            "AMIF-26",
            "--name",
            "Legal aid",
            "--funder",
            "AMIF",
        ],
        None,
    );
    assert_eq!(settings["projects"][0]["code"], "AMIF-26");
    let training = env.ok(
        &["activity", "add", "--json", "-"],
        Some(r#"{"kind":"training","date":"2026-11-10","place":{"kind":"point","city":"Lublin"},"topic":"work permits","participants":12,"project":"AMIF-26"}"#),
    );
    let listed = env.ok(
        &[
            "activity",
            "list",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
        ],
        None,
    );
    assert_eq!(listed[0]["id"], training["id"]);
    let bad = env.fails(
        &["activity", "add", "--json", "-"],
        Some(PASS),
        Some(r#"{"kind":"training","date":"2026-11-10","place":{"kind":"remote"},"topic":"x","participants":2,"project":"NOPE"}"#),
        "invalid_input",
    );
    assert!(bad.contains("not a project of this organisation"), "{bad}");
    let r = env.ok(
        &[
            "report",
            "--from",
            "2026-01-01",
            "--to",
            "2026-12-31",
            "--format",
            "json",
            "--out",
            &out,
            "--project",
            "AMIF-26",
        ],
        None,
    );
    assert_eq!(r["people"], 0, "no consultation was tagged");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(json["activities"]["participants"], 12);
    assert_eq!(json["project"], "AMIF-26");

    // The organisation's GDPR documents.
    env.ok(
        &[
            "gdpr",
            "controller",
            "--legal-name",
            "Fundacja Testowa",
            "--contact",
            "rodo@test.org",
        ],
        None,
    );
    let record = env.root.join("record.html").display().to_string();
    env.ok(&["gdpr", "record", "--lang", "en", "--out", &record], None);
    let html = std::fs::read_to_string(&record).unwrap();
    assert!(html.contains("Record of processing activities") && html.contains("rodo@test.org"));
    let dpia = env.root.join("dpia.html").display().to_string();
    env.ok(&["gdpr", "dpia", "--out", &dpia], None);
    assert!(std::fs::read_to_string(&dpia)
        .unwrap()
        .contains("Ocena skutków"));
    for f in ["xlsx", "json"] {
        let out = env.root.join(format!("r.{f}")).display().to_string();
        env.ok(
            &[
                "report",
                "--from",
                "2026-01-01",
                "--to",
                "2026-12-31",
                "--format",
                f,
                "--out",
                &out,
            ],
            None,
        );
        assert!(std::fs::metadata(&out).unwrap().len() > 100);
    }

    // The same person typed again, names swapped and spelled the Polish way: a warning.
    let again = env.ok(
        &["client", "add", "--json", "-"],
        Some(r#"{"given_names":"Szewczenko","family_name":"Taras","birth_date":"1990"}"#),
    );
    assert_eq!(again["possible_duplicates"][0]["id"], id.as_str());
    // Demo people never go into a store with real files.
    env.fails(
        &["demo", "--clients", "5"],
        Some(PASS),
        None,
        "invalid_input",
    );
    assert_eq!(env.ok(&["index", "check"], None)["consistent"], true);
}

#[test]
fn demo_data_fills_an_empty_store() {
    let env = Env::new();
    env.ok(&["init"], None);
    let demo = env.ok(&["demo", "--clients", "50"], None);
    assert_eq!(demo["clients"], 50);
    env.ok(&["demo", "--clients", "10"], None);
    let list = env.ok(&["client", "list", "--limit", "100"], None);
    assert_eq!(list.as_array().unwrap().len(), 60);
    assert_eq!(env.ok(&["index", "check"], None)["consistent"], true);
    assert!(!env.ok(&["deadlines"], None).as_array().unwrap().is_empty());
}

#[test]
fn deadline_compute_needs_no_store() {
    let env = Env::new();
    let out = env.cmd(
        &[
            "deadline",
            "compute",
            "--rule",
            "refugee-board-appeal",
            "--from",
            "2025-12-10",
            "--uncertain",
        ],
        None,
        None,
    );
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["due"], "2025-12-29");
    assert_eq!(v["uncertain"], true);
    assert!(v["explanation"]
        .as_str()
        .unwrap()
        .contains("earliest possible"));
    assert!(!env.data.exists(), "no store was made");
    let out = env.cmd(
        &[
            "deadline",
            "compute",
            "--rule",
            "refugee-board-appeal",
            "--notice",
            "2026-03-02",
        ],
        None,
        None,
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["deemed_delivery"], "2026-03-16");
    assert_eq!(v["due"], "2026-03-30");
    // A limit the decision set: 30 days for voluntary departure, from Thursday 5 November
    // 2026, end Saturday 5 December and move to Monday the 7th; without a note, refused.
    let out = env.cmd(
        &[
            "deadline",
            "compute",
            "--rule",
            "custom-days",
            "--days",
            "30",
            "--from",
            "2026-11-05",
            "--note",
            "voluntary departure",
        ],
        None,
        None,
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["rule"].as_str(), v["due"].as_str()),
        (Some("custom-days"), Some("2026-12-07"))
    );
    let err = env.fails(
        &[
            "deadline",
            "compute",
            "--rule",
            "custom-date",
            "--due",
            "2026-12-01",
            "--from",
            "2026-11-05",
        ],
        None,
        None,
        "invalid_input",
    );
    assert!(err.contains("invalid note"), "{err}");
    env.fails(
        &["deadline", "compute", "--rule", "wsa-complaint"],
        None,
        None,
        "usage",
    );
    env.fails(
        &[
            "deadline",
            "compute",
            "--rule",
            "wsa-complaint",
            "--from",
            "1066-10-14",
        ],
        None,
        None,
        "invalid_date",
    );
    env.fails(
        &[
            "deadline",
            "compute",
            "--rule",
            "appeal-to-the-moon",
            "--from",
            "2025-12-10",
        ],
        None,
        None,
        "unknown_rule",
    );
    env.fails(
        &[
            "deadline",
            "compute",
            "--rule",
            "wsa-complaint",
            "--from",
            "2025-02-30",
        ],
        None,
        None,
        "invalid_date",
    );
}

#[test]
fn every_failure_is_one_line_and_changes_nothing() {
    let (env, id) = with_client();
    env.ok(
        &[
            "deadline",
            "add",
            &id,
            "--rule",
            "wsa-complaint",
            "--from",
            "2026-11-01",
        ],
        None,
    );
    let before = env.state();

    env.fails(
        &["client", "show", &id],
        Some("the wrong passphrase"),
        None,
        "wrong_passphrase",
    );
    env.fails(
        &["client", "add", "--json", "-"],
        Some(PASS),
        Some(r#"{"given_names": "A""#),
        "invalid_input",
    );
    env.fails(
        &["client", "add", "--json", "-"],
        Some(PASS),
        Some(r#"{"given_name": "A"}"#),
        "invalid_input",
    );
    env.fails(
        &["client", "add", "--json", "-"],
        Some(PASS),
        Some(r#"{"family_name": "A", "birth_date": "1990-02-30"}"#),
        "invalid_date",
    );
    env.fails(
        &["client", "add", "--json", "-"],
        Some(PASS),
        Some(r#"{"family_name": "A", "citizenships": ["Ukraine"]}"#),
        "invalid_input",
    );
    env.fails(
        &["client", "add", "--json", "-"],
        Some(PASS),
        Some(r#"{"birth_date": "1990"}"#),
        "invalid_input",
    );
    env.fails(
        &["client", "show", "01nosuchclient00000000000"],
        Some(PASS),
        None,
        "unknown_client",
    );
    env.fails(
        &[
            "client",
            "update",
            "01nosuchclient00000000000",
            "--json",
            "-",
        ],
        Some(PASS),
        Some("{}"),
        "unknown_client",
    );
    env.fails(
        &["consultation", "add", &id, "--json", "-"],
        Some(PASS),
        Some(r#"{"date":"2026-13-01","place":{"kind":"remote"},"services":["legal"]}"#),
        "invalid_date",
    );
    env.fails(
        &["consultation", "add", &id, "--json", "-"],
        Some(PASS),
        Some(r#"{"date":"2026-11-01","place":{"kind":"moon"},"services":["legal"]}"#),
        "invalid_input",
    );
    env.fails(
        &["consultation", "add", &id, "--json", "-"],
        Some(PASS),
        Some(r#"{"date":"2026-11-01","place":{"kind":"remote"},"services":["magic"]}"#),
        "invalid_input",
    );
    env.fails(
        &[
            "deadline",
            "add",
            &id,
            "--rule",
            "nope",
            "--from",
            "2026-11-01",
        ],
        Some(PASS),
        None,
        "unknown_rule",
    );
    env.fails(
        &[
            "deadline",
            "add",
            &id,
            "--rule",
            "wsa-complaint",
            "--from",
            "2026-11-31",
        ],
        Some(PASS),
        None,
        "invalid_date",
    );
    env.fails(
        &[
            "deadline",
            "add",
            "01nosuchclient00000000000",
            "--rule",
            "wsa-complaint",
            "--from",
            "2026-11-01",
        ],
        Some(PASS),
        None,
        "unknown_client",
    );
    env.fails(
        &[
            "report",
            "--from",
            "2026-12-31",
            "--to",
            "2026-01-01",
            "--format",
            "csv",
            "--out",
            "/tmp/x.csv",
        ],
        Some(PASS),
        None,
        "invalid_input",
    );
    let bad = env.file("bad.csv", "family_name,birth_date\nKowalski,1990-99-99\n");
    let out = env.cmd(&["import", "csv", &bad], Some(PASS), None);
    assert!(!out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["rejected"][0]["row"], 2);
    env.fails(
        &["client", "add", "--json", "/no/such/file.json"],
        Some(PASS),
        None,
        "error",
    );
    env.fails(&["init"], Some(PASS), None, "store_exists");

    assert_eq!(env.state(), before, "the store is as it was");
}

#[test]
fn no_store_and_a_corrupt_store_are_named() {
    let env = Env::new();
    let e = env.fails(&["client", "list"], Some(PASS), None, "no_store");
    assert!(e.contains("punkt init"), "{e}");
    env.fails(&["init"], Some("short"), None, "weak_passphrase");
    assert!(
        !env.data.join("punkt.db").exists(),
        "a refused init leaves nothing"
    );

    let (env, _) = with_client();
    let db = env.data.join("punkt.db");
    let mut bytes = std::fs::read(&db).unwrap();
    let n = bytes.len();
    for b in &mut bytes[..n.min(4096)] {
        *b = !*b;
    }
    std::fs::write(&db, &bytes).unwrap();
    let _ = std::fs::remove_file(env.data.join("punkt.db-wal"));
    env.fails(&["client", "list"], Some(PASS), None, "corrupt_store");
    std::fs::write(env.data.join("punkt.key"), "{}").unwrap();
    env.fails(&["client", "list"], Some(PASS), None, "bad_key_file");
}

/// By default a new passphrase comes with a new data key: a copy of the old key file, with
/// the old passphrase, no longer opens the store; a weak new passphrase is refused.
#[test]
fn a_passphrase_change_rotates_the_data_key() {
    let (env, id) = with_client();
    let old_key_file = std::fs::read(env.data.join("punkt.key")).unwrap();
    let change = |new: &str| {
        Command::new(env!("CARGO_BIN_EXE_punkt"))
            .arg("--data")
            .arg(&env.data)
            .args(["passphrase", "change"])
            .env("PUNKT_PASSPHRASE", PASS)
            .env("PUNKT_NEW_PASSPHRASE", new)
            .env("PUNKT_TEST_FAST_KDF", "1")
            .output()
            .unwrap()
    };
    let weak = change("password1234");
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("weak_passphrase"));
    let out = change("zielony parasol nad Wisłą");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["key_rotated"], true);
    assert!(String::from_utf8_lossy(&out.stderr).contains("key rotation: reencrypt"));
    assert!(env
        .cmd(
            &["client", "show", &id],
            Some("zielony parasol nad Wisłą"),
            None
        )
        .status
        .success());
    let rotated = std::fs::read(env.data.join("punkt.key")).unwrap();
    std::fs::write(env.data.join("punkt.key"), &old_key_file).unwrap();
    env.fails(&["client", "show", &id], Some(PASS), None, "corrupt_store");
    std::fs::write(env.data.join("punkt.key"), rotated).unwrap();
}

#[test]
fn the_passphrase_changes_without_re_encrypting() {
    let (env, id) = with_client();
    let db = std::fs::read(env.data.join("punkt.db")).unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_punkt"));
    let out = c
        .args(["--data"])
        .arg(&env.data)
        .args(["passphrase", "change", "--keep-key"])
        .env("PUNKT_PASSPHRASE", PASS)
        .env("PUNKT_NEW_PASSPHRASE", "another long passphrase")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read(env.data.join("punkt.db")).unwrap(),
        db,
        "the database is untouched"
    );
    env.fails(
        &["client", "show", &id],
        Some(PASS),
        None,
        "wrong_passphrase",
    );
    let out = env.cmd(
        &["client", "show", &id],
        Some("another long passphrase"),
        None,
    );
    assert!(out.status.success());
    // A wrong current passphrase changes nothing.
    let out = Command::new(env!("CARGO_BIN_EXE_punkt"))
        .arg("--data")
        .arg(&env.data)
        .args(["passphrase", "change"])
        .env("PUNKT_PASSPHRASE", "not it at all")
        .env("PUNKT_NEW_PASSPHRASE", "a third passphrase")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(env
        .cmd(
            &["client", "show", &id],
            Some("another long passphrase"),
            None
        )
        .status
        .success());
}

#[test]
fn duplicates_and_merge_through_the_command() {
    let (env, taras) = with_client();
    let again = env.ok(
        &["client", "add", "--json", "-"],
        Some(r#"{"given_names":"Taras","family_name":"Szewczenko","birth_date":"1990-05-12","citizenships":["UA"]}"#),
    )["id"]
        .as_str()
        .unwrap()
        .to_string();
    let pairs = env.ok(&["client", "duplicates"], None);
    let pairs = pairs.as_array().unwrap();
    assert_eq!(pairs.len(), 1, "{pairs:?}");
    assert!(pairs[0]["score"].as_f64().unwrap() >= 0.5);
    assert!(pairs[0]["reasons"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!("same_names_and_birth_date")));

    // Refusals first, each leaving the store as it was.
    let before = env.state();
    env.fails(
        &["client", "merge", &taras, &taras],
        Some(PASS),
        None,
        "invalid_input",
    );
    env.fails(
        &["client", "merge", &taras, "01NOSUCHFILE00000000000000"],
        Some(PASS),
        None,
        "unknown_client",
    );
    assert_eq!(env.state(), before);

    let merged = env.ok(&["client", "merge", &taras, &again], None);
    assert_eq!(merged["kept"], taras.as_str());
    assert_eq!(
        env.ok(&["client", "show", &again], None)["id"],
        taras.as_str()
    );
    assert_eq!(
        env.ok(&["client", "duplicates"], None),
        serde_json::json!([])
    );
}

#[test]
fn erase_shows_the_plan_then_erases_with_yes() {
    let (env, taras) = with_client();
    let plan = env.ok(&["client", "erase", &taras], None);
    assert_eq!(plan["documents"], 1);
    assert_eq!(plan["display_name"], "Taras Shevchenko (Тарас Шевченко)");
    // Without --yes nothing changed.
    assert_eq!(
        env.ok(&["client", "show", &taras], None)["id"],
        taras.as_str()
    );

    let done = env.ok(&["client", "erase", &taras, "--yes"], None);
    assert_eq!(done["documents"], serde_json::json!([taras.clone()]));
    env.fails(&["client", "show", &taras], Some(PASS), None, "erased");
    env.fails(
        &["client", "erase", &taras, "--yes"],
        Some(PASS),
        None,
        "erased",
    );
    assert_eq!(
        env.ok(&["client", "search", "Shevchenko"], None),
        serde_json::json!([])
    );
}

#[test]
fn retention_consortium_key_and_the_local_audit_through_the_command() {
    let (env, taras) = with_client();
    assert_eq!(env.ok(&["retention", "rule"], None), Value::Null);
    env.fails(&["retention", "run"], Some(PASS), None, "invalid_input");
    env.fails(
        &["retention", "rule", "--years", "0", "--action", "erase"],
        Some(PASS),
        None,
        "invalid_input",
    );
    let rule = env.ok(
        &["retention", "rule", "--years", "5", "--action", "anonymise"],
        None,
    );
    assert_eq!(
        rule,
        serde_json::json!({"closed_years": 5, "action": "anonymise"})
    );
    // The file was opened today: nothing is due, and a dry run changes nothing.
    let plan = env.ok(&["retention", "run"], None);
    assert_eq!(plan["examined"], 1);
    assert_eq!(plan["due"], serde_json::json!([]));
    assert_eq!(plan["applied"], false);
    let done = env.ok(&["retention", "run", "--apply"], None);
    assert_eq!(done["applied"], true);
    env.ok(&["retention", "rule", "--clear"], None);
    assert_eq!(env.ok(&["retention", "rule"], None), Value::Null);

    // The consortium key: made here, shown by its id only; the tally needs it.
    assert_eq!(
        env.ok(&["consortium", "key", "show"], None)["key_id"],
        Value::Null
    );
    env.fails(
        &[
            "consortium",
            "tally",
            "--from",
            "2026-01",
            "--to",
            "2026-12",
        ],
        Some(PASS),
        None,
        "invalid_input",
    );
    let made = env.ok(&["consortium", "key", "new"], None);
    let id = made["key_id"].as_str().unwrap().to_string();
    assert_eq!(env.ok(&["consortium", "key", "show"], None)["key_id"], id);
    let months = env.ok(
        &[
            "consortium",
            "tally",
            "--from",
            "2026-01",
            "--to",
            "2026-03",
        ],
        None,
    );
    assert_eq!(months.as_array().unwrap().len(), 3);
    env.fails(
        &[
            "consortium",
            "tally",
            "--from",
            "2026-04",
            "--to",
            "2026-01",
        ],
        Some(PASS),
        None,
        "invalid_input",
    );
    env.fails(
        &[
            "consortium",
            "count",
            "--from",
            "2026-01",
            "--to",
            "2026-03",
        ],
        Some(PASS),
        None,
        "not_enrolled",
    );

    // Exports are recorded for the audit log, without names.
    env.ok(&["client", "access", &taras], None);
    let events = env.ok(&["audit", "--local"], None);
    assert_eq!(events[0]["action"], "export");
    assert_eq!(events[0]["doc_id"], taras.as_str());
    assert!(!events.to_string().contains("Shevchenko"));
    let timeline = env.ok(&["audit", "--file", &taras], None);
    assert_eq!(timeline["server_unavailable"], "not_enrolled");
    assert!(timeline["lines"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["source"] == "laptop" && l["action"] == "export"));
}

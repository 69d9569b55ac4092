//! Issue 13's migration: a server database and four laptops' stores written by protocol 5
//! (`tests/fixtures/v5`: three organisations, demo files, restricted sections, an attachment,
//! a referral, a held erasure, unsent work on two laptops) move to the blind server with one
//! command on the server and the next syncs of the laptops. Nothing is lost, and afterwards
//! nothing of the people is left in the server's files.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicI64;
use std::sync::Arc;

use punkt_core::Punkt;
use punkt_system_tests::{files_containing, TestServer, PASS};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/v5")
}

/// Copy a fixture file readable by its owner only, as the deployment kept it (git checks files
/// out readable by all, and the server refuses to open a database others can read).
fn copy_private(from: &Path, to: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::copy(from, to).unwrap();
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o600)).unwrap();
}

struct Laptop {
    punkt: Punkt,
    url: String,
}

impl Laptop {
    fn open(dir: &Path, name: &str, server: &TestServer) -> Laptop {
        let to = dir.join("laptops").join(name);
        std::fs::create_dir_all(&to).unwrap();
        for f in ["punkt.db", "punkt.key"] {
            copy_private(&fixture().join("laptops").join(name).join(f), &to.join(f));
        }
        Laptop {
            punkt: Punkt::open(&to, PASS).unwrap(),
            url: server.url.clone(),
        }
    }

    fn sync(&mut self) -> punkt_core::sync::SyncSummary {
        let mut t = self.punkt.transport_to(&self.url, None).unwrap();
        self.punkt.sync_with(&mut t, &mut |_| {}).unwrap()
    }

    fn family(&self, id: &str) -> String {
        self.punkt.client(id).unwrap().person.family_name
    }

    fn find(&self, name: &str) -> usize {
        self.punkt.search(name, 10).unwrap().len()
    }
}

fn in_clear(server: &TestServer) -> u64 {
    server
        .migration_status()
        .values()
        .flat_map(|kinds| kinds.values())
        .sum()
}

#[test]
fn a_protocol_5_deployment_moves_to_the_blind_server_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server_dir = dir.path().join("server");
    std::fs::create_dir_all(&server_dir).unwrap();
    let db = server_dir.join("server.db");
    copy_private(&fixture().join("server.db"), &db);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture().join("manifest.json")).unwrap()).unwrap();
    let id = |k: &str| manifest[k].as_str().unwrap().to_string();
    let (amina, referral, erased) = (id("amina"), id("referral"), id("erased"));

    let server = TestServer::start_with(&db, Arc::new(AtomicI64::new(0)));
    // One command on the server.
    let report = server.migrate_blind();
    assert_eq!(report.held_erasures_purged, 1, "{report:?}");
    let before = in_clear(&server);
    assert_eq!(before, 47, "{report:?}");

    // The laptops, opened by the new build (their stores move to schema 7), sync as usual.
    let mut zofia = Laptop::open(dir.path(), "zofia", &server);
    let mut pola = Laptop::open(dir.path(), "pola", &server);
    let mut olga = Laptop::open(dir.path(), "olga", &server);
    let mut celina = Laptop::open(dir.path(), "celina", &server);
    let mut migrated = 0;
    let s = zofia.sync();
    assert!(s.migrated >= 40, "A's client files and attachment: {s:?}");
    assert_eq!(s.pending_after, 0, "{s:?}");
    migrated += s.migrated;
    migrated += olga.sync().migrated;
    migrated += celina.sync().migrated;
    // Pola's laptop waits for keys until a coordinator compares its check code.
    let s = pola.sync();
    let check = s.awaiting_keys.clone().expect("waits for keys");
    assert_eq!(s.migrated, 0);
    let pola_id = pola.punkt.enrolment().unwrap().unwrap().device_id;
    let mut t = zofia.punkt.transport_to(&server.url, None).unwrap();
    assert_eq!(
        zofia.punkt.give_keys(&mut t, &pola_id, &check).unwrap(),
        ["org"]
    );
    // Then it starts the restricted sections' keys and seals the two sections (only a
    // psychologist may), and the referral, now that B's laptop has made B's key.
    let s = pola.sync();
    assert!(s.migrated >= 2, "{s:?}");
    migrated += s.migrated;
    for l in [&mut zofia, &mut pola, &mut olga, &mut celina] {
        let s = l.sync();
        migrated += s.migrated;
        assert!(s.refused.is_empty(), "{s:?}");
        assert_eq!(s.pending_after, 0);
    }
    assert_eq!(migrated, before, "each file replaced once");
    assert_eq!(
        in_clear(&server),
        0,
        "everything replaced by its sealed history"
    );

    // Nothing lost: each laptop's files, the unsent work, the notes, the referral's answer.
    assert_eq!(zofia.punkt.store().count_clients().unwrap(), 42);
    assert_eq!(pola.punkt.store().count_clients().unwrap(), 42);
    for l in [&zofia, &pola] {
        assert_eq!(l.find("Al-Khatib"), 1, "zofia's unsent intake reached pola");
        assert_eq!(
            l.punkt.client_view(&amina).unwrap().summary,
            "Released from Lesznowola; appeal pending at the Refugee Board"
        );
        assert!(
            l.punkt.client(&erased).is_err(),
            "the erased file stays erased"
        );
    }
    let sections = pola.punkt.client_view(&amina).unwrap().sections;
    let psych = sections
        .iter()
        .find(|s| s.section == "psychological")
        .unwrap();
    assert!(pola.punkt.section(&amina, &psych.id).unwrap().notes[0]
        .text
        .contains("Nightmares"));
    assert_eq!(olga.punkt.referral(&referral).unwrap().status, "accepted");
    assert_eq!(zofia.punkt.referral(&referral).unwrap().status, "accepted");
    assert_eq!(
        celina.find("Melnychuk"),
        1,
        "celina's unsent intake was kept and sent"
    );
    assert_eq!(celina.find("Kvitkovska"), 1);
    assert_eq!(zofia.family(&amina), "Haidari");

    // A laptop enrolled after the migration receives everything, sealed.
    // And nothing of the people is left in the server's files.
    server.kill();
    let mut secrets: Vec<String> = manifest["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    secrets.extend(
        manifest["demo_family_names"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string()),
    );
    secrets.extend(["Al-Khatib".to_string(), "Melnychuk".to_string()]);
    for s in &secrets {
        assert_eq!(
            files_containing(&server_dir, s.as_bytes()),
            Vec::<String>::new(),
            "{s} left in the server's files"
        );
    }
    assert_eq!(
        crate::blind_server::decodable_blobs(&db),
        Vec::<String>::new()
    );
}

//! The store keeps its promises: the index is a function of the documents, nothing personal
//! reaches the disk in clear, and documents survive reopening.

use crate::common;

use common::*;
use punkt_core::ClientInput;

fn populate(p: &mut punkt_core::Punkt) -> Vec<String> {
    p.demo(120, 7).unwrap();
    let mut ids = vec![client(
        p,
        r#"{"given_names":"Taras","family_name":"Shevchenko","names_original":"Тарас Шевченко",
            "birth_date":"1990-05-12","sex":"male","citizenships":["UA"],"languages":["uk"],
            "identifiers":[{"kind":"passport","number":"FA 123456"}],
            "legal_status":[{"status":"temporary_protection","from":"2022-03"}]}"#,
    )];
    ids.push(client(
        p,
        r#"{"given_names":"Mohammed","family_name":"Al-Hassan","names_original":{"given_names":"محمد","family_name":"الحسن"},
            "birth_date":"1985","sex":"male","citizenships":["SY"]}"#,
    ));
    consult(
        p,
        &ids[0],
        r#"{"date":"2026-11-02","place":{"kind":"point","city":"Lublin"},"services":["legal","social"],"language":"uk","interpreter":true,"duration_minutes":45,"note":"first visit"}"#,
    );
    consult(
        p,
        &ids[1],
        r#"{"date":"2026-10-10","place":{"kind":"centre","centre":"Przemysl"},"services":["legal"]}"#,
    );
    p.add_deadline(
        &ids[1],
        punkt_core::DeadlineRequest::from_event(
            "return-appeal",
            "2026-11-16".parse().unwrap(),
            true,
        ),
    )
    .unwrap();
    // An edit that renames: keys and skeleton neighbours must follow.
    p.update_client(
        &ids[0],
        ClientInput::from_json(
            r#"{"family_name":"Szewczenko","summary":"Sprawa ochrony czasowej."}"#,
        )
        .unwrap(),
    )
    .unwrap();
    ids
}

#[test]
fn rebuilding_the_index_gives_exactly_the_incremental_rows() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    populate(&mut p);
    let incremental = p.store().index_dump().unwrap();
    assert!(incremental.contains("Szewczenko"));
    assert!(
        incremental.lines().count() > 1000,
        "the dump has real content"
    );
    // The 122 client files and the medical sections the demo's sensitive flags went to.
    let sections = p
        .store()
        .count_documents(&punkt_sync::access::section_kind(
            punkt_sync::access::SENSITIVE_FLAGS_SECTION,
        ))
        .unwrap();
    assert!(sections > 0, "the demo set has medical sections");
    let n = p.rebuild_index().unwrap();
    assert_eq!(n, 122 + sections);
    let rebuilt = p.store().index_dump().unwrap();
    if incremental != rebuilt {
        let a: Vec<&str> = incremental.lines().collect();
        let b: Vec<&str> = rebuilt.lines().collect();
        let first = a.iter().zip(&b).position(|(x, y)| x != y);
        panic!(
            "index differs at line {first:?} ({} vs {} lines)",
            a.len(),
            b.len()
        );
    }
}

#[test]
fn renaming_drops_old_keys_and_their_typo_neighbours() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    let id = client(
        &mut p,
        r#"{"given_names":"Xanthippa","family_name":"Quorvath"}"#,
    );
    assert_eq!(p.search("Quorvat", 5).unwrap().len(), 1, "typo finds it");
    p.update_client(
        &id,
        ClientInput::from_json(r#"{"family_name":"Brennick"}"#).unwrap(),
    )
    .unwrap();
    assert!(p.search("Quorvath", 5).unwrap().is_empty());
    assert!(p.search("Quorvat", 5).unwrap().is_empty());
    let dump = p.store().index_dump().unwrap();
    assert!(
        !dump.contains("quorvath") && !dump.contains("kvorvat"),
        "no key of the old name is left"
    );
    assert_eq!(p.search("Brenick", 5).unwrap()[0].id, id);
}

fn files_contain(dir: &std::path::Path, needle: &[u8]) -> Vec<String> {
    let mut hits = Vec::new();
    for entry in walk(dir) {
        let bytes = std::fs::read(&entry).unwrap();
        if bytes.windows(needle.len()).any(|w| w == needle) {
            hits.push(entry.display().to_string());
        }
    }
    hits
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn nothing_personal_reaches_the_disk_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    let id = client(
        &mut p,
        r#"{"given_names":"Zbigniewqx","family_name":"Unikalnazwiskoqx","names_original":"Збігнєвщ Унікальнеїщ",
            "identifiers":[{"kind":"passport","number":"QX7788990"}],"summary":"Tajemnicaqx sprawy"}"#,
    );
    consult(
        &mut p,
        &id,
        r#"{"date":"2026-11-02","place":{"kind":"remote"},"services":["psychological"],"note":"Notatkaqx poufna"}"#,
    );
    // Queries that sort and group (temporary b-trees) while the WAL is live.
    p.search("Unikalnazwiskoqx", 5).unwrap();
    p.report(
        "2026-01-01".parse().unwrap(),
        "2026-12-31".parse().unwrap(),
        &Default::default(),
    )
    .unwrap();
    let secrets: [&[u8]; 7] = [
        b"Zbigniewqx",
        b"Unikalnazwiskoqx",
        b"unikalnazwiskoqx",
        "Унікальнеїщ".as_bytes(),
        b"QX7788990",
        b"Tajemnicaqx",
        b"Notatkaqx",
    ];
    let check = |when: &str| {
        for s in secrets {
            let hits = files_contain(dir.path(), s);
            assert!(
                hits.is_empty(),
                "{when}: {:?} found in clear in {hits:?}",
                String::from_utf8_lossy(s)
            );
        }
    };
    assert!(
        dir.path().join("store/punkt.db-wal").exists(),
        "the WAL is in use"
    );
    check("store open");
    drop(p);
    check("store closed");
    // And it is all still there behind the passphrase.
    let p = reopen(dir.path());
    assert_eq!(
        p.client(&id).unwrap().person.family_name,
        "Unikalnazwiskoqx"
    );
}

#[test]
fn documents_survive_reopening_and_compaction() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    let ids = populate(&mut p);
    let before = p.client_view(&ids[0]).unwrap();
    for i in 0..5 {
        p.update_client(
            &ids[0],
            ClientInput::from_json(&format!(r#"{{"contact":{{"phone":"+48 600 000 00{i}"}}}}"#))
                .unwrap(),
        )
        .unwrap();
    }
    assert_eq!(p.compact(3).unwrap(), 1);
    drop(p);
    let p = reopen(dir.path());
    let after = p.client_view(&ids[0]).unwrap();
    assert_eq!(after.person.contact["phone"], "+48 600 000 004");
    assert_eq!(after.person.family_name, before.person.family_name);
    assert_eq!(after.consultations.len(), 1);
    assert_eq!(after.summary, "Sprawa ochrony czasowej.");
    p.store().integrity_check().unwrap();
}

#[test]
fn two_processes_editing_one_file_at_once_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    let id = client(
        &mut p,
        r#"{"given_names":"Olena","family_name":"Kovalenko"}"#,
    );
    drop(p);
    // Two handles on one store, as the desktop app and the `punkt` command would be.
    let workers: Vec<_> = (0..2)
        .map(|w| {
            let dir = dir.path().to_path_buf();
            let id = id.clone();
            std::thread::spawn(move || {
                let mut p = reopen(&dir);
                for i in 0..25 {
                    consult(
                        &mut p,
                        &id,
                        &format!(r#"{{"date":"2026-11-{:02}","place":{{"kind":"remote"}},"services":["legal"],"note":"worker {w} visit {i}"}}"#, i + 1),
                    );
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let mut p = reopen(dir.path());
    let file = p.client_view(&id).unwrap();
    assert_eq!(
        file.consultations.len(),
        50,
        "every consultation of both writers is kept"
    );
    let before = p.store().index_dump().unwrap();
    assert!(before.matches(&id).count() >= 50);
    p.rebuild_index().unwrap();
    assert_eq!(
        p.store().index_dump().unwrap(),
        before,
        "and the index saw every one"
    );
}

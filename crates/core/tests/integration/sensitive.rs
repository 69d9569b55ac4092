//! Sensitive vulnerability flags (health, torture, sexual orientation) follow the restricted
//! medical section's roles (issue 14, item 7): they are kept in the section, not in the client
//! file every role receives; a role that does not read it neither sees nor records them, and
//! its edits leave them alone; flags recorded in files before are moved on opening.

use crate::common;

use common::*;
use punkt_core::ClientInput;

fn set(p: &mut punkt_core::Punkt, id: &str, flags: &str) -> punkt_core::Result<()> {
    p.update_client(
        id,
        ClientInput::from_json(&format!(r#"{{"vulnerabilities":{flags}}}"#)).unwrap(),
    )
    .map(|_| ())
}

fn client_doc_text(p: &punkt_core::Punkt, id: &str) -> String {
    let stored = p.store().load_document(id).unwrap();
    let mut doc = automerge::AutoCommit::load(&stored.snapshot).unwrap();
    for c in &stored.changes {
        doc.load_incremental(c).unwrap();
    }
    doc.get_changes(&[])
        .iter()
        .map(|c| format!("{:?}", c.clone().decode()))
        .collect()
}

#[test]
fn sensitive_flags_live_in_the_medical_section_and_only_its_roles_see_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    p.set_local_role("lawyer").unwrap();
    let id = client(
        &mut p,
        r#"{"given_names":"Ahmad","family_name":"Rahimi","vulnerabilities":["torture_survivor","single_parent"]}"#,
    );
    let v = p.client_view(&id).unwrap();
    assert_eq!(v.vulnerabilities, ["single_parent", "torture_survivor"]);
    assert!(v.sensitive_visible);
    // The client file holds the ordinary flag only; the sensitive one is in the section.
    let file = p.client(&id).unwrap();
    assert_eq!(
        file.vulnerabilities.keys().collect::<Vec<_>>(),
        ["single_parent"]
    );
    assert!(file.sections.values().any(|s| s.section == "medical"));
    assert!(
        !client_doc_text(&p, &id).contains("torture"),
        "the client file's history names it"
    );

    // A counsellor sees only the ordinary flag, cannot record a sensitive one, and their edit
    // leaves the sensitive flag alone.
    p.set_local_role("counsellor").unwrap();
    let v = p.client_view(&id).unwrap();
    assert_eq!(v.vulnerabilities, ["single_parent"]);
    assert!(!v.sensitive_visible);
    let e = set(&mut p, &id, r#"["single_parent","lgbt"]"#).unwrap_err();
    assert_eq!(e.code(), "forbidden");
    assert!(e.to_string().contains("psychologist, lawyer"), "{e}");
    set(&mut p, &id, r#"["single_parent","elderly"]"#).unwrap();
    let report = p
        .report(
            "2026-01-01".parse().unwrap(),
            "2026-12-31".parse().unwrap(),
            &Default::default(),
        )
        .unwrap();
    assert!(!report.sensitive_counted);

    p.set_local_role("psychologist").unwrap();
    let doc = p.access_document(&id, "en").unwrap();
    assert!(
        !doc.contains("will be given by a lawyer"),
        "withheld from a reader"
    );
    assert!(
        doc.contains("Torture survivor"),
        "a reader's export names it"
    );
    let v = p.client_view(&id).unwrap();
    assert_eq!(
        v.vulnerabilities,
        ["elderly", "single_parent", "torture_survivor"]
    );
    // The whole set replaces the sensitive ones too: a flag recorded by mistake is removed.
    set(&mut p, &id, r#"["elderly","single_parent","pregnancy"]"#).unwrap();
    assert_eq!(
        p.client_view(&id).unwrap().vulnerabilities,
        ["elderly", "pregnancy", "single_parent"]
    );
    // The index kept as things happened equals one rebuilt from the documents.
    let kept = p.store().index_dump().unwrap();
    assert!(kept.contains("pregnancy"));
    p.rebuild_index().unwrap();
    assert_eq!(p.store().index_dump().unwrap(), kept);
}

#[test]
fn flags_recorded_in_files_before_are_hidden_from_other_roles_and_moved_by_a_reader() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    // A counsellor's demo files keep their flags in the file, as an older release recorded
    // them; a reader counts them there.
    p.set_local_role("counsellor").unwrap();
    p.demo(60, 7).unwrap();
    p.set_local_role("psychologist").unwrap();
    let before = p
        .report(
            "2000-01-01".parse().unwrap(),
            "2030-12-31".parse().unwrap(),
            &Default::default(),
        )
        .unwrap();
    let count = |r: &punkt_core::report::Report, v: &str| {
        r.rows
            .iter()
            .find(|x| x.dimension == "vulnerability" && x.value == v && x.service == "all")
            .map(|x| x.people)
            .unwrap_or(0)
    };
    let sensitive = [
        "illness_or_disability",
        "torture_survivor",
        "lgbt",
        "pregnancy",
    ];
    let total: u64 = sensitive.iter().map(|v| count(&before, v)).sum();
    // A counsellor's laptop neither shows nor counts them, and its save keeps them.
    p.set_local_role("counsellor").unwrap();
    let hidden = p
        .report(
            "2000-01-01".parse().unwrap(),
            "2030-12-31".parse().unwrap(),
            &Default::default(),
        )
        .unwrap();
    for v in sensitive {
        assert_eq!(count(&hidden, v), 0, "{v} counted for a counsellor");
    }
    let with_flag = p
        .store()
        .clients_with_flags(&sensitive)
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
    let view = p.client_view(&with_flag).unwrap();
    assert!(view
        .vulnerabilities
        .iter()
        .all(|v| !sensitive.contains(&v.as_str())));
    let ordinary = serde_json::to_string(&view.vulnerabilities).unwrap();
    set(&mut p, &with_flag, &ordinary).unwrap();
    assert_eq!(
        p.store().clients_with_flags(&sensitive).unwrap().first(),
        Some(&with_flag)
    );
    drop(p);
    // Opening moves nothing (a store opens at once); a reader's sync does, a few hundred at a
    // time, and a run with a small limit leaves the rest for the next.
    let mut p = reopen(dir.path());
    assert!(!p.store().clients_with_flags(&sensitive).unwrap().is_empty());
    assert_eq!(
        p.move_sensitive_flags(3).unwrap().0,
        0,
        "not on a counsellor's laptop"
    );
    p.set_local_role("psychologist").unwrap();
    let (moved, left) = p.move_sensitive_flags(3).unwrap();
    assert_eq!(moved, 3);
    let (_, none_left) = p.move_sensitive_flags(usize::MAX).unwrap();
    assert_eq!(none_left, 0);
    assert!(left > 0);
    let after = p
        .report(
            "2000-01-01".parse().unwrap(),
            "2030-12-31".parse().unwrap(),
            &Default::default(),
        )
        .unwrap();
    for v in sensitive {
        assert_eq!(count(&after, v), count(&before, v), "{v}");
    }
    assert!(total > 0, "the demo set has sensitive flags to move");
    // No client file holds one any more.
    let dump = p.store().index_dump().unwrap();
    let in_files = dump
        .split("client_vulnerabilities")
        .nth(1)
        .and_then(|s| s.split("group_activities").next())
        .unwrap_or("");
    for v in sensitive {
        assert!(!in_files.contains(v), "{v} still in a client file");
    }
}

#[test]
fn demo_files_on_a_readers_laptop_keep_their_sensitive_flags_in_the_medical_section() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    p.demo(60, 7).unwrap();
    let sensitive = [
        "illness_or_disability",
        "torture_survivor",
        "lgbt",
        "pregnancy",
    ];
    assert!(p.store().clients_with_flags(&sensitive).unwrap().is_empty());
    // They were not dropped: the report counts them from the sections.
    let report = p
        .report(
            "2000-01-01".parse().unwrap(),
            "2030-12-31".parse().unwrap(),
            &Default::default(),
        )
        .unwrap();
    let counted: u64 = report
        .rows
        .iter()
        .filter(|x| {
            x.dimension == "vulnerability"
                && sensitive.contains(&x.value.as_str())
                && x.service == "all"
        })
        .map(|x| x.people)
        .sum();
    assert!(counted > 0, "the demo set has sensitive flags");
    // And nothing is left for a sync to move.
    assert_eq!(p.move_sensitive_flags(usize::MAX).unwrap(), (0, 0));
}

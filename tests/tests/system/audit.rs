//! The audit view (issue 5): a coordinator sees who read, changed, exported, merged or erased
//! a file of their organisation, from the server's log and the file's history; nobody else
//! may ask, and no organisation sees another's log or writes into it.

use punkt_core::audit::FileAudit;
use punkt_core::error::CoreError;
use punkt_sync::wire::Code;
use punkt_sync::wire::LocalEvent;
use punkt_sync::{Request, Response};
use punkt_system_tests::{Device, TestServer};

const PERSON: &str = r#"{"given_names":"Oksana","family_name":"Melnyk","birth_date":"1985-01-20","citizenships":["UA"]}"#;
const TWIN: &str = r#"{"given_names":"Oksana","family_name":"Melnyk","birth_date":"1985-01-20","citizenships":["UA"],"contact":{"phone":"+48 600 100 200"}}"#;

fn file_audit(d: &Device, server: &TestServer, id: &str) -> FileAudit {
    let mut t = d.transport(server);
    d.punkt.file_audit(Some(&mut t), id).unwrap()
}

fn has(a: &FileAudit, source: &str, action: &str, who: &str) -> bool {
    a.lines
        .iter()
        .any(|l| l.source == source && l.action == action && l.who.as_deref() == Some(who))
}

#[test]
fn a_coordinator_sees_who_read_changed_exported_merged_and_erased_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    server.people(&[
        ("Fundacja A", "ala", "coordinator"),
        ("Fundacja A", "bartek", "counsellor"),
        ("Fundacja B", "basia", "lawyer"),
        ("Fundacja B", "bogna", "coordinator"),
    ]);
    let mut coord = Device::enrolled(&server, "Fundacja A", "ala");
    let mut bartek = Device::enrolled(&server, "Fundacja A", "bartek");
    let basia = Device::enrolled(&server, "Fundacja B", "basia");
    let bogna = Device::enrolled(&server, "Fundacja B", "bogna");
    bartek.punkt.set_author("Bartek Nowak").unwrap();

    let id = bartek.add(PERSON);
    bartek.consult(&id, "first visit");
    // Smallest valid PNG: the attachment is a document of its own.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
    bartek
        .punkt
        .add_attachment(&id, "decision.png", png)
        .unwrap();
    let twin = bartek.add(TWIN);
    bartek.punkt.merge_clients(&id, &twin).unwrap();
    bartek.punkt.access_request(&id).unwrap();
    bartek.punkt.access_document(&id, "uk").unwrap();
    // Recorded here until the next sync, and shown here meanwhile.
    let before = bartek.punkt.file_audit(None, &id).unwrap();
    assert_eq!(before.server_unavailable.as_deref(), Some("not_enrolled"));
    assert_eq!(
        before.lines.iter().filter(|l| l.source == "laptop").count(),
        3,
        "{before:?}"
    );
    assert!(has(&before, "history", "change", "Bartek Nowak"));
    let sent = bartek.sync(&server);
    assert_eq!(sent.events_sent, 3);
    assert!(bartek
        .punkt
        .local_events(Some(&id), 10)
        .unwrap()
        .iter()
        .all(|e| e.synced));

    // Another organisation's lawyer asks for the file: refused, and the owner's coordinator
    // sees it.
    let Response::Pull(reply) = basia.ask(
        &server,
        Request::Pull(punkt_sync::wire::Pull {
            docs: vec![punkt_sync::wire::DocWant {
                doc_id: id.clone(),
                have_heads: vec![],
                need_key: true,
            }],
        }),
    ) else {
        panic!("not a pull answer")
    };
    assert!(reply.docs.is_empty());

    coord.sync(&server);
    let a = file_audit(&coord, &server, &id);
    assert_eq!(a.server_unavailable, None);
    assert!(has(&a, "server", "export", "bartek"), "{a:#?}");
    assert!(has(&a, "server", "merge", "bartek"));
    assert!(
        has(&a, "server", "read", "ala"),
        "the coordinator's laptop received it"
    );
    // The file's timeline includes its attachment's document, not only the file's own.
    assert!(
        a.lines
            .iter()
            .any(|l| l.action == "read" && l.detail.starts_with("attachment")),
        "{a:#?}"
    );
    assert!(has(&a, "server", "refused", "basia"));
    assert!(has(&a, "history", "change", "Bartek Nowak"));
    let exports: Vec<_> = a
        .lines
        .iter()
        .filter(|l| l.action == "export")
        .map(|l| l.detail.as_str())
        .collect();
    assert!(
        exports
            .iter()
            .any(|d| d.starts_with("access request (document, uk)")),
        "{exports:?}"
    );
    // Newest first.
    assert!(a.lines.windows(2).all(|w| w[0].at >= w[1].at));
    // No name in the log: ids and kinds only.
    assert!(!format!("{:?}", server.audit()).contains("Melnyk"));

    // Organisation B's coordinator sees B's people (the refused request) and nothing of A's.
    let mut t = bogna.transport(&server);
    let b_log = bogna.punkt.server_audit(&mut t, &[], 1000).unwrap();
    assert!(b_log.iter().any(|e| e.user.as_deref() == Some("basia")));
    assert!(
        b_log
            .iter()
            .all(|e| e.organisation.as_deref() == Some("Fundacja B")),
        "{b_log:?}"
    );

    // A counsellor may not read the log; the refusal is itself logged.
    let mut t = bartek.transport(&server);
    match bartek.punkt.server_audit(&mut t, &[], 10) {
        Err(CoreError::SyncRefused { code, .. }) => assert_eq!(code, Code::Forbidden),
        other => panic!("{other:?}"),
    }
    let a_view = bartek.punkt.file_audit(Some(&mut t), &id).unwrap();
    assert_eq!(a_view.server_unavailable.as_deref(), Some("forbidden"));

    // A recorded event sent twice is logged once; one about another organisation's file is
    // not logged at all (B's laptop cannot write into A's log).
    let event = LocalEvent {
        id: "retry-1".into(),
        at: "2026-11-22T10:00:00Z".into(),
        action: "export".into(),
        doc_id: Some(id.clone()),
        detail: "access request (JSON)".into(),
    };
    let once = |d: &Device, e: &LocalEvent| match d.ask(&server, Request::Record(vec![e.clone()])) {
        Response::Recorded(n) => n,
        other => panic!("{other:?}"),
    };
    assert_eq!(once(&bartek, &event), 1);
    assert_eq!(once(&bartek, &event), 0);
    assert_eq!(
        once(
            &basia,
            &LocalEvent {
                id: "x".into(),
                ..event.clone()
            }
        ),
        0
    );
    assert!(!server
        .audit()
        .iter()
        .any(|e| e.action == "export" && e.user.as_deref() == Some("basia")));

    // After the erasure the file's history is gone with it; the server's log keeps who
    // erased it, read it and exported it (ids only).
    coord.punkt.erase_client(&id).unwrap();
    coord.sync(&server);
    let a = file_audit(&coord, &server, &id);
    assert!(has(&a, "server", "erase", "ala"));
    assert!(has(&a, "server", "export", "bartek"));
    assert!(a.lines.iter().all(|l| l.source != "history"));
    // Erased or not, another organisation's laptop cannot write into A's log about the file.
    assert_eq!(
        once(
            &basia,
            &LocalEvent {
                id: "after-erasure".into(),
                ..event.clone()
            }
        ),
        0
    );
    assert_eq!(
        once(
            &bartek,
            &LocalEvent {
                id: "after-erasure".into(),
                ..event.clone()
            }
        ),
        1,
        "the owner organisation still records about its erased file"
    );

    // An administrator revokes Bartek's laptop: A's coordinator sees it in A's log, B's does
    // not.
    server.revoke(&bartek.device_id);
    let mut t = coord.transport(&server);
    let a_log = coord.punkt.server_audit(&mut t, &[], 1000).unwrap();
    assert!(
        a_log.iter().any(|e| e.action == "revoke"
            && e.user.is_none()
            && e.detail.starts_with("bartek's laptop")
            && e.device_id.as_deref() == Some(bartek.device_id.as_str())),
        "{a_log:#?}"
    );
    let mut t = bogna.transport(&server);
    let b_log = bogna.punkt.server_audit(&mut t, &[], 1000).unwrap();
    assert!(b_log.iter().all(|e| e.action != "revoke"), "{b_log:#?}");
}

//! The server's storage through its trait alone, one suite for both back-ends: it runs on
//! SQLite in the whole-system suite and on PostgreSQL when `scripts/test.sh` runs that suite
//! again with the `postgres` feature. The statements the two share (`storage/sql.rs`) and the
//! checks (`check_role`, `usable_code`) are held to the same answers here.

use punkt_sync::Hash;
use punkt_sync_server::storage::{
    AuditEvent, DocWrite, NewDevice, Storage, StorageError, TallyUpload, WriteOutcome,
};
use punkt_system_tests::{Backend, TestBackend};

fn hash(b: u8) -> Hash {
    Hash([b; 32])
}

fn new_doc(id: &str, owner: &str, change: u8) -> DocWrite {
    DocWrite {
        id: id.into(),
        kind: "client".into(),
        owner_org: owner.into(),
        expected_heads: None,
        snapshot: Some(vec![1, 2, 3]),
        changes: vec![(hash(change), vec![change; 4])],
        heads: vec![hash(change)],
        created_by: "laptop".into(),
        created_at: 1_000,
    }
}

fn device(id: &str, token: u8) -> NewDevice {
    NewDevice {
        device_id: id.into(),
        name: format!("{id}'s laptop"),
        token_hash: [token; 32],
        public_key: None,
        proof: None,
    }
}

fn invalid<T: std::fmt::Debug>(r: Result<T, StorageError>) -> String {
    match r {
        Err(StorageError::Invalid(m)) => m,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn the_storage_keeps_people_codes_documents_tallies_and_the_log_the_same_on_either_back_end() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let s = Backend::open_at(&rt, &dir.path().join("storage.db"));
    rt.block_on(async {
        // People: a role that does not exist is refused, naming the ones that do.
        s.add_org("Fundacja A").await.unwrap();
        s.add_org("Fundacja B").await.unwrap();
        let refused = invalid(s.add_user("Fundacja A", "anna", "wizard").await);
        assert!(refused.contains("unknown role 'wizard'") && refused.contains("counsellor"));
        s.add_user("Fundacja A", "anna", "counsellor")
            .await
            .unwrap();
        s.add_user("Fundacja B", "bogdan", "lawyer").await.unwrap();
        assert!(
            s.add_user("Fundacja A", "anna", "lawyer").await.is_err(),
            "a name is one person"
        );
        assert_eq!(
            s.users().await.unwrap(),
            [
                ("anna".into(), "Fundacja A".into(), "counsellor".into()),
                ("bogdan".into(), "Fundacja B".into(), "lawyer".into())
            ]
        );
        assert_eq!(
            s.organisations().await.unwrap(),
            ["Fundacja A", "Fundacja B"]
        );

        // Enrolment codes: unknown, expired and used ones are refused, each with its reason.
        let now = 10_000;
        s.add_enrol_code("anna", [1; 32], now + 60).await.unwrap();
        s.add_enrol_code("anna", [2; 32], now - 1).await.unwrap();
        assert_eq!(
            invalid(s.enrol([9; 32], now, device("x", 9)).await),
            "unknown enrolment code"
        );
        assert_eq!(
            invalid(s.enrol([2; 32], now, device("x", 9)).await),
            "this enrolment code has expired"
        );
        let laptop = s.enrol([1; 32], now, device("dev-a", 7)).await.unwrap();
        assert_eq!(
            (
                laptop.user.as_str(),
                laptop.organisation.as_str(),
                laptop.role.as_str()
            ),
            ("anna", "Fundacja A", "counsellor")
        );
        assert_eq!(
            invalid(s.enrol([1; 32], now, device("dev-b", 8)).await),
            "this enrolment code was already used"
        );
        let by_token = s.device_by_token([7; 32]).await.unwrap().unwrap();
        assert_eq!(by_token.device_id, "dev-a");
        assert!(
            s.device_by_token([8; 32]).await.unwrap().is_none(),
            "nothing half enrolled"
        );
        s.touch_device("dev-a", now + 5).await.unwrap();
        s.revoke("dev-a", now + 10).await.unwrap();
        let revoked = s.device_by_token([7; 32]).await.unwrap().unwrap();
        assert!(revoked.last_seen.is_some() && revoked.revoked_at.is_some());

        // Documents: a new one is stored once; a write expecting other heads is a conflict;
        // "what changed" lists an organisation's own and what it was given, in order.
        let first = s
            .write_doc(new_doc("doc-a", "Fundacja A", 1))
            .await
            .unwrap();
        assert!(matches!(first, WriteOutcome::Stored(_)));
        assert_eq!(
            s.write_doc(new_doc("doc-a", "Fundacja A", 1))
                .await
                .unwrap(),
            WriteOutcome::Conflict
        );
        let mut next = new_doc("doc-a", "Fundacja A", 2);
        next.snapshot = None;
        next.expected_heads = Some(vec![hash(9)]);
        assert_eq!(
            s.write_doc(next.clone()).await.unwrap(),
            WriteOutcome::Conflict
        );
        next.expected_heads = Some(vec![hash(1)]);
        assert!(matches!(
            s.write_doc(next).await.unwrap(),
            WriteOutcome::Stored(_)
        ));
        let doc = s.load_doc("doc-a").await.unwrap().unwrap();
        assert_eq!((doc.heads, doc.changes.len()), (vec![hash(2)], 2));
        s.write_doc(new_doc("doc-b", "Fundacja B", 3))
            .await
            .unwrap();
        let seen = |org: &'static str| {
            let s = &s;
            async move {
                s.changed_since(org, 0, 100)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|c| c.id)
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(seen("Fundacja A").await, ["doc-a"]);
        assert_eq!(seen("Fundacja B").await, ["doc-b"]);
        s.grant("doc-a", "Fundacja B").await.unwrap();
        assert_eq!(seen("Fundacja B").await, ["doc-b", "doc-a"]);
        assert_eq!(
            s.load_doc("doc-a").await.unwrap().unwrap().access,
            ["Fundacja B"]
        );
        assert!(s.current_seq().await.unwrap() >= 3);

        // Tallies: replaced whole per organisation and month, each person and service once.
        let person = |b: u8| ([b; 32], vec!["legal".to_string(), "social".to_string()]);
        let tally = |month: &str, people, only_if_present| TallyUpload {
            org: "Fundacja A".into(),
            month: month.into(),
            key_id: "k1".into(),
            sent_at: "t".into(),
            people,
            only_if_present,
        };
        assert!(s
            .replace_tally(tally("2026-11", vec![person(1), person(2)], false))
            .await
            .unwrap());
        assert!(
            !s.replace_tally(tally("2026-10", vec![person(3)], true))
                .await
                .unwrap(),
            "only if present: no tally of that month, nothing stored"
        );
        s.replace_tally(tally("2026-11", vec![person(1)], false))
            .await
            .unwrap();
        let (months, rows) = s.tallies("2026-01", "2026-12").await.unwrap();
        assert_eq!((months.len(), months[0].people, rows.len()), (1, 1, 2));
        assert_eq!(s.delete_tallies_before("2026-12").await.unwrap(), 1);
        assert!(s.tallies("2026-01", "2026-12").await.unwrap().0.is_empty());

        // The log: an event a laptop recorded is kept once, however often it is sent.
        let event = AuditEvent {
            at: "2026-12-05T10:00:00Z".into(),
            action: "export".into(),
            device_id: Some("dev-a".into()),
            user: Some("anna".into()),
            organisation: Some("Fundacja A".into()),
            doc_id: Some("doc-a".into()),
            detail: "report".into(),
            event_id: Some("ev-1".into()),
        };
        assert!(s.audit(event.clone()).await.unwrap());
        assert!(!s.audit(event.clone()).await.unwrap());
        let log = s.audit_for("Fundacja A", &[], 10).await.unwrap();
        assert_eq!(
            log.iter()
                .filter(|e| e.event_id.as_deref() == Some("ev-1"))
                .count(),
            1
        );
        assert!(s
            .audit_for("Fundacja B", &[], 10)
            .await
            .unwrap()
            .iter()
            .all(|e| e.event_id.is_none()));
    });
}

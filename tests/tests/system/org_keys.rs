//! Organisations' keys followed without trusting the server (issue 13, `docs/e2e.md`): a
//! laptop of another organisation trusts the first keys it sees of an organisation, follows
//! its rotations by their signatures (across epochs retired while it was away), refuses an
//! epoch the server made up, and seals nothing to that organisation until it is listed right.
//! Coordinators compare what their laptops show by phone: the same fingerprint on both sides.

use punkt_core::org_keys::TrustedOrgKey;
use punkt_core::referrals::ReferralInput;
use punkt_sync::wire::Code;
use punkt_sync::wire::{OrgKeys, PutKeys};
use punkt_sync::{Request, Response};
use punkt_sync_server::Storage;
use punkt_system_tests::{Device, SqlValue, TestServer};

const A: &str = "Fundacja A";
const B: &str = "Stowarzyszenie B";
const PERSON: &str = r#"{"given_names":"Amina","family_name":"Haidari","consents":[{"clause":"Klauzula RODO 2026","language":"fa","given_on":"2026-11-02"}]}"#;

fn trusted(d: &Device, org: &str) -> Option<TrustedOrgKey> {
    d.punkt
        .trusted_org_keys()
        .unwrap()
        .into_iter()
        .find(|k| k.organisation == org)
}

fn refer(a: &mut Device, to: &str) -> String {
    let id = a.add(PERSON);
    let consent = a.punkt.client_view(&id).unwrap().consents[0].id.clone();
    a.punkt
        .refer(
            &id,
            ReferralInput::from_json(&format!(
                r#"{{"to_organisation":"{to}","service":"psychological","consent_id":"{consent}","reason":"trauma","share":{{}}}}"#
            ))
            .unwrap(),
        )
        .unwrap()
        .id
}

fn key_changed(s: &punkt_core::sync::SyncSummary) -> Vec<&str> {
    s.org_keys_refused
        .iter()
        .map(|r| r.message.as_str())
        .collect()
}

#[test]
fn rotations_are_followed_by_their_signatures_and_a_made_up_epoch_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    server.people(&[
        (A, "anna", "lawyer"),
        (B, "olga", "coordinator"),
        (B, "oskar", "counsellor"),
        (B, "oliwia", "counsellor"),
    ]);
    let mut a = Device::enrolled(&server, A, "anna");
    let mut b = Device::enrolled(&server, B, "olga");
    let b2 = Device::enrolled(&server, B, "oskar");
    let b3 = Device::enrolled(&server, B, "oliwia");
    b.add(r#"{"given_names":"Olena","family_name":"Bondar"}"#);
    b.sync(&server);
    a.sync(&server);

    // First sight: A trusts B's epoch 1, and both coordinators read the same fingerprint.
    let seen = trusted(&a, B).expect("A knows B's keys");
    let own = trusted(&b, B).expect("B's own keys");
    assert!(own.own && !seen.own);
    assert_eq!((seen.epoch, &seen.fingerprint), (1, &own.fingerprint));

    // B rotates twice while A is away (two laptops revoked), and retires the older epochs.
    for lost in [&b2, &b3] {
        server.revoke(&lost.device_id);
        let s = b.sync(&server);
        assert_eq!(s.keys_rotated, 1, "{s:?}");
    }
    let listed: Vec<u32> = server
        .block(server.engine.store.key_epochs())
        .unwrap()
        .into_iter()
        .filter(|e| e.org == B && e.scope == "org")
        .map(|e| e.epoch)
        .collect();
    assert_eq!(listed, vec![3], "epochs 1 and 2 retired");

    // A follows 1 → 2 → 3 by the links (epoch 2 is no longer listed: asked for), and seals a
    // referral to epoch 3, which B opens.
    let s = a.sync(&server);
    assert_eq!(key_changed(&s), Vec::<&str>::new(), "{s:?}");
    let seen = trusted(&a, B).unwrap();
    let own = trusted(&b, B).unwrap();
    assert_eq!((seen.epoch, &seen.fingerprint), (3, &own.fingerprint));
    let sent = refer(&mut a, B);
    a.sync(&server);
    b.sync(&server);
    assert_eq!(b.punkt.referrals().unwrap()[0].id, sent);

    // The operator makes up an epoch 4 of B with keys of its own (a link it cannot sign).
    server.execute(
        "INSERT INTO key_epochs(org, scope, epoch, public_key, created_by, created_at)
         VALUES (?1, 'org', 4, ?2, 'operator', 0)",
        &[SqlValue::Text(B), SqlValue::Bytes(&[0x42; 32])],
    );
    server.execute(
        "INSERT INTO org_keys(org, epoch, public_key, signing_key, link, created_by, created_at)
         VALUES (?1, 4, ?2, ?3, ?4, 'operator', 0)",
        &[
            SqlValue::Text(B),
            SqlValue::Bytes(&[0x42; 32]),
            SqlValue::Bytes(&[0x43; 32]),
            SqlValue::Bytes(&[0x44; 64]),
        ],
    );
    let s = a.sync(&server);
    let changed = key_changed(&s);
    assert_eq!(changed.len(), 1, "{s:?}");
    assert!(
        changed[0].contains(B) && changed[0].contains("epoch 4"),
        "{changed:?}"
    );
    // Still trusted at 3 (what the two coordinators compare), and nothing new is sealed to
    // B: a referral written now waits.
    assert_eq!(trusted(&a, B).unwrap().epoch, 3);
    let waiting = refer(&mut a, B);
    let s = a.sync(&server);
    assert!(!key_changed(&s).is_empty());
    b.sync(&server);
    assert!(b.punkt.referrals().unwrap().iter().all(|r| r.id != waiting));

    // The made-up epoch removed: the referral goes, to epoch 3, and B opens it.
    server.execute("DELETE FROM org_keys WHERE epoch = 4", &[]);
    server.execute("DELETE FROM key_epochs WHERE epoch = 4", &[]);
    let s = a.sync(&server);
    assert_eq!(key_changed(&s), Vec::<&str>::new(), "{s:?}");
    a.sync(&server);
    b.sync(&server);
    assert!(b.punkt.referrals().unwrap().iter().any(|r| r.id == waiting));
}

#[test]
fn a_laptop_publishes_only_its_own_organisations_keys_as_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    server.people(&[(A, "anna", "lawyer"), (B, "olga", "coordinator")]);
    let mut a = Device::enrolled(&server, A, "anna");
    let mut b = Device::enrolled(&server, B, "olga");
    a.sync(&server);
    b.sync(&server);
    let published = |org: &str| -> OrgKeys {
        match a.ask(
            &server,
            Request::OrgKeyChain {
                org: org.into(),
                after: 0,
            },
        ) {
            Response::OrgKeys(k) => k.into_iter().next().expect("published"),
            other => panic!("{other:?}"),
        }
    };
    let mine = published(A);
    let theirs = published(B);
    assert!(
        mine.link.is_empty(),
        "the first epoch has nothing to be signed by"
    );
    let put = |d: &Device, k: OrgKeys| {
        d.ask(
            &server,
            Request::PutKeys(PutKeys {
                org_keys: vec![k],
                ..PutKeys::default()
            }),
        )
    };
    let refused = |r: Response| match r {
        Response::Refused(r) => r.code,
        other => panic!("accepted: {other:?}"),
    };
    // Another organisation's keys, an epoch that does not exist, a public key other than
    // the epoch's, and other keys for an epoch published already: refused.
    for (bad, code) in [
        (theirs.clone(), "forbidden"),
        (
            OrgKeys {
                epoch: 2,
                ..mine.clone()
            },
            "forbidden",
        ),
        (
            OrgKeys {
                public_key: vec![0x42; 32].into(),
                ..mine.clone()
            },
            "forbidden",
        ),
        (
            OrgKeys {
                signing_key: vec![0x42; 32].into(),
                ..mine.clone()
            },
            "exists",
        ),
    ] {
        assert_eq!(refused(put(&a, bad)).as_str(), code);
    }
    // Malformed: a signing key or a link of the wrong length never reaches the server's
    // checks.
    for bad in [
        OrgKeys {
            signing_key: vec![1; 31].into(),
            ..mine.clone()
        },
        OrgKeys {
            link: vec![1; 63].into(),
            ..mine.clone()
        },
    ] {
        assert_eq!(refused(put(&a, bad)), Code::Malformed);
    }
    // The same keys again: accepted, nothing changed.
    assert!(matches!(put(&a, mine.clone()), Response::Keys(_)));
    assert_eq!(published(A), mine);
    // And B's laptop, whose keys these are, still agrees with what is published.
    let s = b.sync(&server);
    assert_eq!(key_changed(&s), Vec::<&str>::new(), "{s:?}");
}

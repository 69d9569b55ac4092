//! Key rotation on the blind server (issue 13): when a laptop that held a scope key is
//! revoked, or erased files are purged, the next laptop holding the key starts its next
//! epoch, gives it to the organisation's other laptops it can vouch for (no one compares check
//! codes again), and wraps every document key under it; the server then drops the older
//! epoch and the laptops forget it. A revoked laptop cannot open what comes after; a backup of
//! the server made before an erasure holds nothing any laptop can open.

use punkt_sync::access::ORG_SCOPE;
use punkt_sync::wire::Code;
use punkt_sync_server::Storage;
use punkt_system_tests::{Device, TestServer};

const ORG: &str = "Fundacja A";

fn epochs_on_server<S: Storage>(server: &TestServer<S>, scope: &str) -> Vec<u32> {
    server
        .block(server.engine.store.key_epochs())
        .unwrap()
        .into_iter()
        .filter(|e| e.org == ORG && e.scope == scope)
        .map(|e| e.epoch)
        .collect()
}

fn epochs_held(d: &Device, scope: &str) -> Vec<u32> {
    d.punkt
        .store()
        .scope_epochs()
        .unwrap()
        .into_iter()
        .filter(|(o, s, _)| o == ORG && s == scope)
        .map(|(_, _, e)| e)
        .collect()
}

fn people<S: Storage>(server: &TestServer<S>) {
    server.people(&[
        (ORG, "ola", "coordinator"),
        (ORG, "bartek", "counsellor"),
        (ORG, "celina", "counsellor"),
        (ORG, "dawid", "lawyer"),
    ]);
}

fn a_revoked_laptop_cannot_open_what_comes_after<S: Storage>(server: &TestServer<S>) {
    let mut a = Device::enrolled(server, ORG, "ola");
    let mut b = Device::enrolled(server, ORG, "bartek");
    let mut c = Device::enrolled(server, ORG, "celina");
    let mut d = Device::enrolled(server, ORG, "dawid");
    let before = a.add(r#"{"given_names":"Amina","family_name":"Haidari"}"#);
    for x in [&mut a, &mut b, &mut c, &mut d] {
        x.sync(server);
    }
    assert_eq!(epochs_on_server(server, ORG_SCOPE), vec![1]);

    // Celina's laptop is stolen and revoked. Dawid is in a closed centre, offline, and
    // records a new file there.
    server.revoke(&c.device_id);
    let offline = d.add(r#"{"given_names":"Olena","family_name":"Bondar"}"#);

    // Ola's next sync rotates: epoch 2, given to Bartek's and Dawid's laptops on the strength
    // of the endorsements made when they first got keys, every document key rewrapped.
    let s = a.sync(server);
    assert_eq!(s.keys_rotated, 1, "{s:?}");
    assert!(s.keys_rewrapped >= 1, "{s:?}");
    assert_eq!(s.refused, vec![]);
    // Every laptop not revoked holds epoch 2 (given, waiting on the server for the offline
    // one) and no document is wrapped under epoch 1 only: epoch 1 is gone from the server.
    assert_eq!(epochs_on_server(server, ORG_SCOPE), vec![2]);
    assert_eq!(epochs_held(&a, ORG_SCOPE), vec![2]);
    for w in server.block(server.engine.store.doc_keys(&before)).unwrap() {
        assert_eq!((w.org.as_str(), w.epoch), (ORG, 2), "{w:?}");
    }

    // A file made after the rotation: Bartek opens it with no check code compared.
    let after = a.add(r#"{"given_names":"Taras","family_name":"Shevchenko"}"#);
    a.sync(server);
    let got = b.sync(server);
    assert_eq!(got.refused, vec![], "{got:?}");
    assert!(b.punkt.client_view(&after).is_ok());
    assert_eq!(epochs_held(&b, ORG_SCOPE), vec![2]);

    // Celina's laptop, as the thief has it: its keys open nothing of the new file's wraps.
    assert_eq!(epochs_held(&c, ORG_SCOPE), vec![1]);
    let (_, key1) = c
        .punkt
        .store()
        .newest_scope_key(ORG, ORG_SCOPE)
        .unwrap()
        .unwrap();
    let key1 = punkt_e2e::SecretKey::from_bytes(key1.as_ref()).unwrap();
    for w in server.block(server.engine.store.doc_keys(&after)).unwrap() {
        assert!(
            punkt_e2e::unwrap_doc_key(&key1, &after, &w.scope, w.epoch, &w.wrapped).is_err()
                && punkt_e2e::unwrap_doc_key(&key1, &after, &w.scope, 1, &w.wrapped).is_err()
        );
    }
    // And the server refuses it.
    let mut ct = c.transport(server);
    assert!(c.punkt.sync_with(&mut ct, &mut |_| {}).is_err());

    // Dawid comes back: his keys round opens epoch 2 and forgets 1, his offline file goes up
    // under epoch 2, and the others receive it.
    let back = d.sync(server);
    assert_eq!(back.refused, vec![], "{back:?}");
    assert_eq!(back.sent, 1);
    assert_eq!(epochs_held(&d, ORG_SCOPE), vec![2]);
    for w in server
        .block(server.engine.store.doc_keys(&offline))
        .unwrap()
    {
        assert_eq!(w.epoch, 2);
    }
    let got = a.sync(server);
    assert_eq!(got.refused, vec![]);
    assert!(a.punkt.client_view(&offline).is_ok());
    b.sync(server);
    punkt_system_tests::assert_converged(&[&a, &b, &d]);
}

#[test]
fn a_revoked_laptop_cannot_open_what_comes_after_the_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    people(&server);
    a_revoked_laptop_cannot_open_what_comes_after(&server);
}

#[test]
fn after_an_erasure_is_purged_a_backup_made_before_opens_with_nothing_a_laptop_holds() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    people(&server);
    let mut a = Device::enrolled(&server, ORG, "ola");
    let mut b = Device::enrolled(&server, ORG, "bartek");
    let erased = a.add(r#"{"given_names":"Amina","family_name":"Haidari"}"#);
    let kept = a.add(r#"{"given_names":"Olena","family_name":"Bondar"}"#);
    a.sync(&server);
    b.sync(&server);

    // What a backup of the server made now holds of the file: its sealed form and key wraps.
    let backup_wraps = server.block(server.engine.store.doc_keys(&erased)).unwrap();
    assert!(!backup_wraps.is_empty());

    a.punkt.erase_client(&erased).unwrap();
    a.sync(&server);
    b.sync(&server);
    // Within the grace period nothing rotates (the erasure may be undone).
    assert_eq!(epochs_on_server(&server, ORG_SCOPE), vec![1]);
    server.advance_clock(punkt_sync::wire::ERASURE_GRACE_SECS + 60);
    assert_eq!(server.purge_erasures(), 1);

    let s = a.sync(&server);
    assert_eq!(s.keys_rotated, 1, "{s:?}");
    assert_eq!(epochs_on_server(&server, ORG_SCOPE), vec![2]);
    b.sync(&server);
    assert!(b.punkt.client_view(&kept).is_ok());

    // Neither laptop holds epoch 1 or the erased file's key any more: the backup's wraps open
    // with nothing either has.
    for d in [&a, &b] {
        assert_eq!(epochs_held(d, ORG_SCOPE), vec![2]);
        assert!(d.punkt.store().doc_key(&erased).unwrap().is_none());
        for (org, scope, epoch) in d.punkt.store().scope_epochs().unwrap() {
            let k = d
                .punkt
                .store()
                .scope_key(&org, &scope, epoch)
                .unwrap()
                .unwrap();
            let k = punkt_e2e::SecretKey::from_bytes(k.as_ref()).unwrap();
            for w in &backup_wraps {
                assert!(
                    punkt_e2e::unwrap_doc_key(&k, &erased, &w.scope, w.epoch, &w.wrapped).is_err()
                );
            }
        }
    }
    // The file kept opens for a new laptop, whose keys came after the rotation.
    let mut c = Device::enrolled(&server, ORG, "celina");
    let first = c.sync(&server);
    assert_eq!(first.refused, vec![]);
    assert!(c.punkt.client_view(&kept).is_ok());
}

#[test]
fn hostile_key_and_snapshot_requests_are_refused_and_change_nothing() {
    use punkt_sync::wire::{
        DocPush, Outcome, Push, PutKeys, ScopeEpoch, SealedSnapshot, SharedKey, WrappedKey,
    };
    use punkt_sync::{Hash, Request, Response};

    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    people(&server);
    server.people(&[("Fundacja B", "zofia", "coordinator")]);
    let mut a = Device::enrolled(&server, ORG, "ola");
    let mut b = Device::enrolled(&server, ORG, "bartek");
    let mut z = Device::enrolled(&server, "Fundacja B", "zofia");
    let id = a.add(r#"{"given_names":"Amina","family_name":"Haidari"}"#);
    a.sync(&server);
    b.sync(&server);
    z.sync(&server);
    let wraps_before = server.block(server.engine.store.doc_keys(&id)).unwrap();
    let content_before = b.contents();

    let refused = |d: &Device, req: Request, code: &str| match d.ask(&server, req) {
        Response::Refused(r) => assert_eq!(r.code.as_str(), code, "{r:?}"),
        other => panic!("expected a refusal ({code}), got {other:?}"),
    };
    let wrap = |org: &str, epoch: u32| SharedKey {
        doc_id: id.clone(),
        key: WrappedKey {
            org: org.into(),
            scope: ORG_SCOPE.into(),
            epoch,
            sealed_to_org: false,
            wrapped: vec![0; 72].into(),
        },
    };
    // Another organisation "rewraps" a key of a file it never had a key of.
    refused(
        &z,
        Request::PutKeys(PutKeys {
            rewrapped: vec![wrap("Fundacja A", 1), wrap("Fundacja B", 1)],
            ..PutKeys::default()
        }),
        "forbidden",
    );
    // A laptop of the organisation replaces the wrap under the same (newest) epoch.
    refused(
        &b,
        Request::PutKeys(PutKeys {
            rewrapped: vec![wrap(ORG, 1)],
            ..PutKeys::default()
        }),
        "forbidden",
    );
    // Or skips an epoch.
    refused(
        &b,
        Request::PutKeys(PutKeys {
            new_epochs: vec![ScopeEpoch {
                org: ORG.into(),
                scope: ORG_SCOPE.into(),
                epoch: 3,
                public_key: Some(vec![1; 32].into()),
            }],
            ..PutKeys::default()
        }),
        "exists",
    );
    // A snapshot that names changes the file does not have, or that comes for a file of
    // another organisation.
    let heads: Vec<Hash> = {
        let (h, _) = a.punkt.store().document_heads(&id).unwrap().unwrap();
        punkt_sync::docs::heads_from_bytes(&h)
    };
    let push = |d: &Device, owner: &str| {
        let req = Request::Push(Push {
            cursor: 0,
            page_limit: 1,
            docs: vec![DocPush {
                doc_id: id.clone(),
                kind: "client_file".into(),
                owner_org: owner.into(),
                base_heads: heads.clone(),
                changes: vec![],
                keys: vec![],
                referral_to: None,
                merges_away: false,
                replaces_legacy: false,
                snapshot: Some(SealedSnapshot {
                    heads: vec![Hash([9; 32])],
                    sealed: vec![1; 64].into(),
                }),
            }],
        });
        match d.ask(&server, req) {
            Response::Push(r) => r.results[0].outcome.clone(),
            other => panic!("{other:?}"),
        }
    };
    assert!(
        matches!(push(&b, ORG), Outcome::Refused(r) if r.code == Code::Malformed),
        "unknown heads"
    );
    assert!(
        matches!(push(&z, "Fundacja B"), Outcome::Refused(r) if r.code == Code::Forbidden),
        "another organisation's file"
    );

    // Nothing changed: the same wraps, the same single epoch, the file whole on a new laptop.
    assert_eq!(
        server.block(server.engine.store.doc_keys(&id)).unwrap(),
        wraps_before
    );
    assert_eq!(epochs_on_server(&server, ORG_SCOPE), vec![1]);
    let mut c = Device::enrolled(&server, ORG, "celina");
    let first = c.sync(&server);
    assert_eq!(first.refused, vec![]);
    assert_eq!(c.contents(), content_before);
}

//! Refusals: a revoked device, an expired or reused code, a wrong token, a device of another
//! organisation asking for a file it may not read, a malformed or oversized message. Each is
//! refused with a clear, classified error and logged, and the server keeps serving the others.

use punkt_sync::wire::Code;
use std::sync::atomic::Ordering;

use punkt_core::sync::{HttpTransport, Transport, TransportError};
use punkt_core::CoreError;
use punkt_sync::wire::{DocPush, DocWant, Outcome, Pull, Push};
use punkt_sync::{decode_response, encode_request, Request, Response};
use punkt_system_tests::{Device, TestServer, FAST, PASS};

fn refusal_code(r: Result<punkt_core::sync::SyncSummary, CoreError>) -> (String, bool) {
    match r {
        Err(CoreError::SyncRefused { code, wipe, .. }) => (code.to_string(), wipe),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn raw(server: &TestServer, device: &Device) -> HttpTransport {
    let token = device
        .punkt
        .store()
        .meta_value("sync_token")
        .unwrap()
        .unwrap();
    HttpTransport::new(&server.url, &token, None).unwrap()
}

fn setup() -> (tempfile::TempDir, TestServer) {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    server.org("Fundacja A");
    server.org("Stowarzyszenie B");
    server.user("Fundacja A", "anna", "lawyer");
    server.user("Fundacja A", "adam", "counsellor");
    server.user("Stowarzyszenie B", "beata", "psychologist");
    (dir, server)
}

#[test]
fn a_revoked_device_is_refused_and_told_to_wipe() {
    let (_dir, server) = setup();
    let mut anna = Device::enrolled(&server, "Fundacja A", "anna");
    let mut adam = Device::enrolled(&server, "Fundacja A", "adam");
    anna.add(r#"{"given_names":"Olena","family_name":"Bondar"}"#);
    anna.sync(&server);
    server.revoke(&anna.device_id);
    let mut t = anna.transport(&server);
    let (code, wipe) = refusal_code(anna.punkt.sync_with(&mut t, &mut |_| {}));
    assert_eq!((code.as_str(), wipe), ("device_revoked", true));
    // The laptop does as told: the store is gone, key file first.
    let dir = anna.store_dir();
    let punkt = std::mem::replace(
        &mut anna.punkt,
        punkt_core::Punkt::init_with(
            &tempfile::tempdir().unwrap().path().join("x"),
            PASS,
            "Fundacja A",
            FAST,
        )
        .unwrap(),
    );
    punkt.wipe().unwrap();
    assert!(!dir.join("punkt.key").exists() && !dir.join("punkt.db").exists());
    // Others carry on.
    assert_eq!(adam.sync(&server).new_documents, 1);
    let audit = server.audit();
    assert!(audit.iter().any(|e| e.action == "refused"
        && e.detail == "revoked device"
        && e.device_id.as_deref() == Some(anna.device_id.as_str())));
}

#[test]
fn expired_reused_and_unknown_codes_and_wrong_tokens_are_refused() {
    let (_dir, server) = setup();
    let code = server.code("anna");
    server.clock_offset.store(25 * 3600, Ordering::SeqCst); // 25 hours later
    let dir = tempfile::tempdir().unwrap();
    let mut p =
        punkt_core::Punkt::init_with(&dir.path().join("s"), PASS, "Fundacja A", FAST).unwrap();
    let err = p
        .enroll(&server.url, &code, "late laptop", None)
        .unwrap_err();
    assert_eq!(err.code(), "bad_enrolment_code");
    assert!(err.to_string().contains("expired"), "{err}");
    server.clock_offset.store(0, Ordering::SeqCst);
    let code = server.code("anna");
    p.enroll(&server.url, &code, "laptop", None).unwrap();
    let err = p
        .enroll(&server.url, &code, "second try", None)
        .unwrap_err();
    assert!(err.to_string().contains("already used"), "{err}");
    let err = p
        .enroll(&server.url, "AAAA-BBBB-CCCC", "guess", None)
        .unwrap_err();
    assert!(err.to_string().contains("unknown enrolment code"), "{err}");
    // A device with a token the server never issued.
    let mut t = HttpTransport::new(&server.url, "00112233", None).unwrap();
    let (code, wipe) = refusal_code(p.sync_with(&mut t, &mut |_| {}));
    assert_eq!((code.as_str(), wipe), ("unauthorized", false));
    let audit = server.audit();
    assert!(audit.iter().filter(|e| e.action == "enrol_refused").count() >= 3);
    assert!(audit.iter().any(|e| e.detail == "unknown device token"));
    // Plain HTTP to a remote server is refused before anything is sent.
    let err = p
        .enroll("http://192.0.2.1:8443", "X", "l", None)
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input");
}

#[test]
fn another_organisation_never_reads_or_writes_a_file() {
    let (_dir, server) = setup();
    let mut anna = Device::enrolled(&server, "Fundacja A", "anna");
    let mut beata = Device::enrolled(&server, "Stowarzyszenie B", "beata");
    let secret = anna.add(r#"{"given_names":"Olena","family_name":"Bondar"}"#);
    anna.sync(&server);
    let s = beata.sync(&server);
    assert_eq!(s.new_documents, 0, "B is sent nothing of A's");
    assert!(beata.punkt.client(&secret).is_err());
    // B asks for A's file by id, and tries to write to it.
    let mut t = raw(&server, &beata);
    let ask = encode_request(&Request::Pull(Pull {
        docs: vec![DocWant {
            doc_id: secret.clone(),
            have_heads: vec![],
            need_key: true,
        }],
    }));
    let Ok(Response::Pull(reply)) = decode_response(&t.exchange(&ask).unwrap()) else {
        panic!("a pull reply")
    };
    assert!(reply.docs.is_empty());
    assert!(matches!(&reply.refused[0].outcome, Outcome::Refused(r) if r.code == Code::Forbidden));
    let push = encode_request(&Request::Push(Push {
        cursor: 0,
        page_limit: 10,
        docs: vec![DocPush {
            doc_id: secret.clone(),
            kind: "client_file".into(),
            owner_org: "Fundacja A".into(),
            base_heads: vec![],
            changes: vec![punkt_sync::wire::SealedChange {
                hash: punkt_sync::Hash([1; 32]),
                deps: vec![],
                sealed: vec![0; 64].into(),
            }],
            keys: vec![],
            referral_to: None,
            merges_away: false,
            replaces_legacy: false,
            snapshot: None,
        }],
    }));
    let Ok(Response::Push(reply)) = decode_response(&t.exchange(&push).unwrap()) else {
        panic!("a push reply")
    };
    assert!(matches!(&reply.results[0].outcome, Outcome::Refused(r) if r.code == Code::Forbidden));
    assert!(
        reply.changed.is_empty(),
        "and the listing shows B nothing of A's"
    );
    let audit = server.audit();
    let refused: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "refused" && e.doc_id.as_deref() == Some(secret.as_str()))
        .collect();
    assert_eq!(refused.len(), 2, "{refused:?}");
    assert!(refused
        .iter()
        .all(|e| e.organisation.as_deref() == Some("Stowarzyszenie B")));
    // Once A grants access (and A's laptop seals the file's key to B: the server cannot),
    // B gets it.
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        use punkt_sync_server::Storage;
        server
            .engine
            .store
            .grant(&secret, "Stowarzyszenie B")
            .await
            .unwrap();
    });
    let early = beata.sync(&server);
    assert_eq!(early.new_documents, 0, "no key for B yet: {early:?}");
    assert!(early.refused.iter().any(|r| r.code == "no_key"));
    anna.sync(&server);
    assert_eq!(
        beata.sync(&server).new_documents,
        1,
        "asked again once the key is there"
    );
    assert!(beata.punkt.client(&secret).is_ok());
}

#[test]
fn malformed_and_oversized_messages_are_refused_and_logged() {
    let (_dir, server) = setup();
    let mut anna = Device::enrolled(&server, "Fundacja A", "anna");
    let mut t = raw(&server, &anna);
    for (body, status, code) in [
        (b"not a sync message".to_vec(), 400, "malformed"),
        (
            [
                b"PKSY".as_slice(),
                &punkt_sync::wire::VERSION.to_be_bytes(),
                b"\xff\xff\xff\xff\xff",
            ]
            .concat(),
            400,
            "malformed",
        ),
        (b"PKSY\x00\x09".to_vec(), 400, "version"),
        (
            vec![0u8; punkt_sync::wire::limits::MAX_MESSAGE_BYTES + 1],
            413,
            "too_large",
        ),
    ] {
        match t.exchange(&body) {
            Err(TransportError::Http { status: s, body }) => {
                assert_eq!(s, status);
                let Ok(Response::Refused(r)) = decode_response(&body) else {
                    panic!("a binary refusal")
                };
                assert_eq!(r.code.as_str(), code);
            }
            other => panic!("expected HTTP {status}, got {other:?}"),
        }
    }
    let audit = server.audit();
    assert!(
        audit
            .iter()
            .filter(|e| e.action == "refused"
                && e.device_id.as_deref() == Some(anna.device_id.as_str()))
            .count()
            >= 4
    );
    // The server keeps serving.
    anna.add(r#"{"given_names":"Still","family_name":"Working"}"#);
    assert_eq!(anna.sync(&server).sent, 1);
}

/// A bounded flood from 127.0.0.1 (1,200 requests with tokens the server never issued, 60
/// enrolments with guessed codes) while two real laptops sync from the same address: the
/// flood is slowed down (429, `rate_limited`, nothing looked up or written once an address is
/// over its allowance), the audit log takes at most a minute's cap of rows from it, and the
/// laptops sync as if nothing happened.
#[test]
fn a_flood_from_one_address_does_not_stop_real_laptops_syncing_from_it() {
    let (_dir, server) = setup();
    let mut anna = Device::enrolled(&server, "Fundacja A", "anna");
    let mut adam = Device::enrolled(&server, "Fundacja A", "adam");
    let before = server.audit().len();
    let flood = |n: usize| {
        let url = server.url.clone();
        std::thread::spawn(move || {
            let mut slowed = 0;
            let body = encode_request(&Request::Directory);
            for i in 0..n {
                let mut t = HttpTransport::new(&url, &format!("forged-{i}"), None).unwrap();
                match t.exchange(&body) {
                    Err(TransportError::Http { status: 429, body }) => {
                        match decode_response(&body).unwrap() {
                            Response::Refused(r) => assert_eq!(r.code, Code::RateLimited),
                            other => panic!("{other:?}"),
                        }
                        slowed += 1;
                    }
                    Err(TransportError::Http { status: 401, .. }) => {}
                    other => panic!("a forged token was answered {other:?}"),
                }
            }
            slowed
        })
    };
    let floods: Vec<_> = (0..4).map(|_| flood(300)).collect();
    let guesses = {
        let url = server.url.clone();
        std::thread::spawn(move || {
            let dir = tempfile::tempdir().unwrap();
            let mut p =
                punkt_core::Punkt::init_with(&dir.path().join("s"), PASS, "Fundacja A", FAST)
                    .unwrap();
            (0..60)
                .filter(|i| {
                    let e = p
                        .enroll(&url, &format!("GUES-SCOD-E{i:03}"), "guess", None)
                        .unwrap_err();
                    e.to_string().contains("too many")
                })
                .count()
        })
    };
    // Meanwhile, real work from the same address.
    for i in 0..5 {
        let id = anna.add(&format!(
            r#"{{"given_names":"Osoba{i}","family_name":"Realna"}}"#
        ));
        anna.consult(&id, "during the flood");
        assert!(anna.sync(&server).refused.is_empty());
        adam.sync(&server);
    }
    let slowed: usize = floods.into_iter().map(|f| f.join().unwrap()).sum();
    let guesses_slowed = guesses.join().unwrap();
    assert!(
        slowed > 1_000,
        "most of the flood was slowed down: {slowed}"
    );
    assert!(
        guesses_slowed > 40,
        "guessing codes was slowed down: {guesses_slowed}"
    );
    assert_eq!(adam.punkt.search("Realna", 10).unwrap().len(), 5);

    let anonymous = server.audit()[..server.audit().len() - before]
        .iter()
        .filter(|e| {
            e.device_id.is_none() && matches!(e.action.as_str(), "refused" | "enrol_refused")
        })
        .count();
    // 30 rows a minute; the flood may straddle two minutes.
    assert!(anonymous <= 60, "{anonymous} audit rows from the flood");
    assert!(
        anonymous >= 10,
        "the first failures are logged: {anonymous}"
    );
}

/// A laptop revoked while it held work not yet sent hands that work to the server before it
/// wipes itself (item 9 of issue 12): a colleague then has it; a revoked laptop can do
/// nothing else.
#[test]
fn a_revoked_laptop_hands_over_its_unsent_work_before_the_wipe() {
    let (_dir, server) = setup();
    let mut anna = Device::enrolled(&server, "Fundacja A", "anna");
    let mut adam = Device::enrolled(&server, "Fundacja A", "adam");
    let known = anna.add(r#"{"given_names":"Olena","family_name":"Bondar"}"#);
    anna.sync(&server);
    // Work done in a centre, not synced yet.
    anna.consult(&known, "visit in Przemyśl, not synced");
    let fresh = anna.add(r#"{"given_names":"Mariam","family_name":"Haidari"}"#);
    server.revoke(&anna.device_id);
    let mut t = anna.transport(&server);
    match anna.punkt.sync_with(&mut t, &mut |_| {}) {
        Err(CoreError::SyncRefused {
            code,
            message,
            wipe,
        }) => {
            assert_eq!((code.as_str(), wipe), ("device_revoked", true));
            assert!(
                message.contains("2 documents not sent yet were handed to the server first"),
                "{message}"
            );
        }
        other => panic!("expected the wipe, got {other:?}"),
    }
    adam.sync(&server);
    assert_eq!(
        adam.punkt.client(&fresh).unwrap().person.family_name,
        "Haidari"
    );
    assert_eq!(adam.punkt.client(&known).unwrap().consultations.len(), 1);
    assert!(server.audit().iter().any(|e| e.action == "final_push"
        && e.device_id.as_deref() == Some(anna.device_id.as_str())
        && e.detail.contains("2 of 2")));
    // Anything else from it is refused as before; and its last push is one window, not a
    // door: ten minutes on, a push in its name is refused and changes nothing.
    let (code, wipe) = refusal_code(anna.punkt.sync_with(&mut t, &mut |_| {}));
    assert_eq!((code.as_str(), wipe), ("device_revoked", true));
    server.advance_clock(punkt_sync_server::engine::FINAL_PUSH_WINDOW_SECS + 1);
    anna.consult(&known, "written by whoever has the laptop now");
    let (code, _) = refusal_code(anna.punkt.sync_with(&mut t, &mut |_| {}));
    assert_eq!(code, "device_revoked");
    adam.sync(&server);
    assert_eq!(adam.punkt.client(&known).unwrap().consultations.len(), 1);
    let answer = raw(&server, &anna).exchange(&encode_request(&Request::Directory));
    assert!(matches!(
        answer,
        Err(TransportError::Http { status: 403, .. })
    ));
}

/// An enrolled laptop of the organisation (modified, or stolen) seals a compression bomb under
/// a proper key: the blind server stores it as the ciphertext it is; a laptop that receives it
/// refuses it before Automerge inflates it, reports it, and takes the rest of the sync.
#[test]
fn a_sealed_bomb_from_an_enrolled_laptop_is_refused_by_the_laptop_that_receives_it() {
    let (_dir, server) = setup();
    let mut anna = Device::enrolled(&server, "Fundacja A", "anna");
    let mut adam = Device::enrolled(&server, "Fundacja A", "adam");
    let real = anna.add(r#"{"given_names":"Olena","family_name":"Bondar"}"#);
    anna.sync(&server);

    // The bomb, sealed and wrapped as a real laptop would (its key under the org key).
    let org = anna
        .punkt
        .store()
        .newest_scope_key("Fundacja A", "org")
        .unwrap()
        .unwrap();
    let org_key = punkt_e2e::SecretKey::from_bytes(org.1.as_ref()).unwrap();
    let doc_key = punkt_e2e::SecretKey::random();
    let id = "01bombbombbombbombbombbomb";
    let bomb = punkt_sync::bounds::hostile::compressed_change(512 << 20);
    let hash = punkt_sync::Hash([0xB0; 32]);
    let push = Request::Push(Push {
        cursor: 0,
        page_limit: 10,
        docs: vec![DocPush {
            doc_id: id.into(),
            kind: "client_file".into(),
            owner_org: "Fundacja A".into(),
            base_heads: vec![],
            changes: vec![punkt_sync::wire::SealedChange {
                hash,
                deps: vec![],
                sealed: punkt_e2e::seal_change(&doc_key, id, &hash.0, &bomb).into(),
            }],
            keys: vec![punkt_sync::wire::WrappedKey {
                org: "Fundacja A".into(),
                scope: "org".into(),
                epoch: org.0,
                sealed_to_org: false,
                wrapped: punkt_e2e::wrap_doc_key(&org_key, id, "org", org.0, &doc_key).into(),
            }],
            referral_to: None,
            merges_away: false,
            replaces_legacy: false,
            snapshot: None,
        }],
    });
    let Response::Push(reply) = anna.ask(&server, push) else {
        panic!("not a push answer")
    };
    assert!(
        matches!(
            reply.results[0].outcome,
            punkt_sync::wire::Outcome::Applied { .. }
        ),
        "the server cannot tell ciphertext from ciphertext: {:?}",
        reply.results
    );
    let s = adam.sync(&server);
    assert!(
        s.refused
            .iter()
            .any(|r| r.doc_id == id && r.code == "damaged" && r.message.contains("inflate")),
        "{s:?}"
    );
    assert!(!adam.punkt.store().has_document(id).unwrap());
    assert_eq!(
        adam.punkt.client(&real).unwrap().person.family_name,
        "Bondar",
        "the rest of the sync went through"
    );
}

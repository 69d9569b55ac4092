//! What goes to whom (issue 5): restricted sections reach only the roles allowed, referrals
//! reach only the receiving organisation (and never the client file), and the refusals: a
//! counsellor asking for a psychologist's notes, an organisation asking for another's file.

use punkt_core::referrals::ReferralInput;
use punkt_core::sections::SectionNoteInput;
use punkt_sync::wire::Code;
use punkt_sync::wire::{DocPush, DocWant, Outcome, Pull, Push};
use punkt_sync::{Request, Response};
use punkt_system_tests::{Device, SqlValue, TestServer};

const PERSON: &str = r#"{"given_names":"Amina","family_name":"Haidari","names_original":"امینه حیدری","birth_date":"1994-02-11","citizenships":["AF"],"languages":["fa"],"contact":{"phone":"+48 700 111 222"},"consents":[{"clause":"Klauzula RODO 2026","language":"fa","given_on":"2026-11-02"}]}"#;

fn note(text: &str) -> SectionNoteInput {
    SectionNoteInput {
        date: Some("2026-11-03".into()),
        text: text.into(),
    }
}

fn pull_refusal(device: &Device, server: &TestServer, id: &str) -> Option<String> {
    let Response::Pull(reply) = device.ask(
        server,
        Request::Pull(Pull {
            docs: vec![DocWant {
                doc_id: id.to_string(),
                have_heads: Vec::new(),
                need_key: true,
            }],
        }),
    ) else {
        panic!("not a pull answer")
    };
    assert!(reply.docs.is_empty(), "the document was sent");
    match &reply.refused[0].outcome {
        Outcome::Refused(r) => Some(r.code.to_string()),
        _ => None,
    }
}

#[test]
fn psychological_notes_reach_only_psychologists_and_the_file_shows_they_exist() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    server.org("Fundacja A");
    server.user("Fundacja A", "pola", "psychologist");
    server.user("Fundacja A", "bartek", "counsellor");
    server.user("Fundacja A", "anna", "lawyer");
    let mut psych = Device::enrolled(&server, "Fundacja A", "pola");
    let mut counsellor = Device::enrolled(&server, "Fundacja A", "bartek");
    let mut lawyer = Device::enrolled(&server, "Fundacja A", "anna");

    let id = counsellor.add(PERSON);
    counsellor.sync(&server);
    psych.sync(&server);
    let psy = psych
        .punkt
        .add_section_note(&id, "psychological", note("nightmares since the crossing"))
        .unwrap();
    let med = psych
        .punkt
        .add_section_note(&id, "medical", note("scars documented, Istanbul Protocol"))
        .unwrap();
    // A second note goes into the same section document.
    let psy2 = psych
        .punkt
        .add_section_note(&id, "psychological", note("sleeping better"))
        .unwrap();
    assert_eq!((psy2.id.as_str(), psy2.notes.len()), (psy.id.as_str(), 2));
    psych.sync(&server);
    counsellor.sync(&server);
    lawyer.sync(&server);

    // The counsellor's laptop knows the sections exist, holds neither, may open neither.
    let view = counsellor.punkt.client_view(&id).unwrap();
    let mut listed: Vec<(String, bool)> = view
        .sections
        .iter()
        .map(|s| (s.section.clone(), s.readable))
        .collect();
    listed.sort();
    assert_eq!(
        listed,
        vec![("medical".into(), false), ("psychological".into(), false)]
    );
    for s in [&psy.id, &med.id] {
        assert!(!counsellor.punkt.store().has_document(s).unwrap());
    }
    assert_eq!(
        counsellor.punkt.section(&id, &psy.id).unwrap_err().code(),
        "forbidden"
    );
    assert_eq!(
        counsellor
            .punkt
            .add_section_note(&id, "psychological", note("x"))
            .unwrap_err()
            .code(),
        "forbidden"
    );
    // Asking the server directly: refused, and logged.
    assert_eq!(
        pull_refusal(&counsellor, &server, &psy.id).as_deref(),
        Some("forbidden")
    );
    assert!(server
        .audit()
        .iter()
        .any(|e| e.action == "refused" && e.doc_id.as_deref() == Some(psy.id.as_str())));
    // Nor can a counsellor's laptop create a section on the server.
    let mut doc = automerge::AutoCommit::new();
    automerge::transaction::Transactable::put(&mut doc, automerge::ROOT, "kind", "section")
        .unwrap();
    doc.commit();
    let key = punkt_e2e::SecretKey::random();
    let changes =
        punkt_core::e2e::seal_changes(&key, "01counsellorsection", &mut doc.get_changes(&[]));
    let Response::Push(reply) = counsellor.ask(
        &server,
        Request::Push(Push {
            cursor: 0,
            page_limit: 10,
            docs: vec![DocPush {
                doc_id: "01counsellorsection".into(),
                kind: "section:psychological".into(),
                owner_org: "Fundacja A".into(),
                base_heads: Vec::new(),
                changes,
                keys: Vec::new(),
                referral_to: None,
                merges_away: false,
                replaces_legacy: false,
                snapshot: None,
            }],
        }),
    ) else {
        panic!("not a push answer")
    };
    assert!(
        matches!(&reply.results[0].outcome, Outcome::Refused(r) if r.code == Code::Forbidden),
        "{:?}",
        reply.results
    );
    // The lawyer reads the medical section, not the psychological one.
    assert!(lawyer.punkt.store().has_document(&med.id).unwrap());
    assert!(!lawyer.punkt.store().has_document(&psy.id).unwrap());
    assert_eq!(
        lawyer.punkt.section(&id, &med.id).unwrap().notes[0].text,
        "scars documented, Istanbul Protocol"
    );
    assert_eq!(
        lawyer.punkt.section(&id, &psy.id).unwrap_err().code(),
        "forbidden"
    );
    // The psychologist reads both.
    let back = psych.punkt.section(&id, &psy.id).unwrap();
    assert_eq!(
        back.notes
            .iter()
            .map(|n| n.text.as_str())
            .collect::<Vec<_>>(),
        vec!["nightmares since the crossing", "sleeping better"]
    );
}

#[test]
fn a_referral_reaches_only_the_receiving_organisation_and_never_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    for o in ["Fundacja A", "Fundacja B", "Fundacja C"] {
        server.org(o);
    }
    server.user("Fundacja A", "anna", "lawyer");
    server.user("Fundacja B", "olga", "psychologist");
    server.user("Fundacja C", "celina", "counsellor");
    let mut a = Device::enrolled(&server, "Fundacja A", "anna");
    let mut b = Device::enrolled(&server, "Fundacja B", "olga");
    let mut c = Device::enrolled(&server, "Fundacja C", "celina");

    let id = a.add(PERSON);
    let consent_id = a.punkt.client_view(&id).unwrap().consents[0].id.clone();
    let input = |consent: &str| {
        ReferralInput::from_json(&format!(
            r#"{{"to_organisation":"Fundacja B","service":"psychological","consent_id":"{consent}","reason":"trauma after detention","share":{{"birth_date":true,"languages":true}}}}"#
        ))
        .unwrap()
    };
    // Without the person's recorded consent, no referral.
    assert_eq!(
        a.punkt
            .refer(&id, input("no-such-consent"))
            .unwrap_err()
            .code(),
        "invalid_input"
    );
    let sent = a.punkt.refer(&id, input(&consent_id)).unwrap();
    assert_eq!(
        (sent.status.as_str(), sent.direction.as_str()),
        ("sent", "outgoing")
    );
    assert_eq!(
        a.punkt.client_view(&id).unwrap().referrals[0].to_organisation,
        "Fundacja B"
    );
    a.sync(&server);
    b.sync(&server);
    c.sync(&server);

    // B holds the referral, with only what was agreed, and not the file.
    let got = b.punkt.referrals().unwrap();
    assert_eq!(got.len(), 1);
    let r = &got[0];
    assert_eq!(r.direction, "incoming");
    assert_eq!(
        (r.given_names.as_str(), r.family_name.as_str()),
        ("Amina", "Haidari")
    );
    assert_eq!(r.birth_date.as_deref(), Some("1994-02-11"));
    assert_eq!(r.languages, vec!["fa".to_string()]);
    assert_eq!((r.phone.clone(), r.names_original.clone()), (None, None));
    assert!(r.citizenships.is_empty());
    assert_eq!(r.consent_clause, "Klauzula RODO 2026");
    assert!(b
        .punkt
        .store()
        .document_ids("client_file")
        .unwrap()
        .is_empty());
    // B asking the server for A's file: refused.
    assert_eq!(pull_refusal(&b, &server, &id).as_deref(), Some("forbidden"));
    // C, not addressed, has nothing.
    assert!(c.punkt.referrals().unwrap().is_empty());
    assert_eq!(
        pull_refusal(&c, &server, &sent.id).as_deref(),
        Some("forbidden")
    );

    // Only the receiving side accepts and reports back; only the sender withdraws.
    assert_eq!(
        b.punkt
            .respond_referral(&sent.id, "withdrawn", "")
            .unwrap_err()
            .code(),
        "forbidden"
    );
    assert_eq!(
        a.punkt
            .respond_referral(&sent.id, "accepted", "")
            .unwrap_err()
            .code(),
        "forbidden"
    );
    b.punkt
        .respond_referral(&sent.id, "accepted", "first session on 10 November")
        .unwrap();
    b.punkt
        .respond_referral(&sent.id, "closed", "six sessions; stable; no further need")
        .unwrap();
    b.sync(&server);
    a.sync(&server);
    let back = a.punkt.referral(&sent.id).unwrap();
    assert_eq!(back.status, "closed");
    assert_eq!(
        back.events
            .iter()
            .map(|e| e.status.as_str())
            .collect::<Vec<_>>(),
        vec!["sent", "accepted", "closed"]
    );
    assert_eq!(back.events[2].note, "six sessions; stable; no further need");
    assert_eq!(back.events[2].organisation, "Fundacja B");
    assert!(server
        .audit()
        .iter()
        .any(|e| e.action == "referral" && e.doc_id.as_deref() == Some(sent.id.as_str())));

    // Erasing the person at A erases the referral at B too.
    a.punkt.erase_client(&id).unwrap();
    a.sync(&server);
    let gone = b.sync(&server);
    assert_eq!(gone.erased.len(), 1);
    assert!(b.punkt.referrals().unwrap().is_empty());
}

#[test]
fn a_referral_to_an_unknown_organisation_is_refused_by_the_server_and_can_be_discarded() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    server.org("Fundacja A");
    server.user("Fundacja A", "anna", "lawyer");
    let mut a = Device::enrolled(&server, "Fundacja A", "anna");
    let id = a.add(PERSON);
    let consent_id = a.punkt.client_view(&id).unwrap().consents[0].id.clone();
    let refer = |d: &mut Device, to: &str| {
        d.punkt
            .refer(
                &id,
                ReferralInput::from_json(&format!(
                    r#"{{"to_organisation":"{to}","service":"legal","consent_id":"{consent_id}","reason":"asylum appeal"}}"#
                ))
                .unwrap(),
            )
            .unwrap()
    };
    // Before the first sync the laptop has no list of members: the name is taken as typed and
    // the server decides.
    assert!(a.punkt.organisations().unwrap().is_empty());
    let r = refer(&mut a, "Fundacja Nieznana");
    let s = a.sync(&server);
    assert_eq!(s.refused.len(), 1, "{s:?}");
    assert_eq!(s.directory_error, None);
    assert_eq!(a.punkt.organisations().unwrap(), ["Fundacja A"]);
    assert_eq!(s.refused[0].doc_id, r.id);
    assert_eq!(server.stored(&r.id), None);
    // Refused again at every sync until the referral is discarded: then it leaves the file,
    // and the next sync is clean.
    assert_eq!(a.sync(&server).refused.len(), 1);
    a.punkt.discard_referral(&id, &r.id).unwrap();
    assert!(a.punkt.client_view(&id).unwrap().referrals.is_empty());
    assert!(a.punkt.referrals().unwrap().is_empty());
    a.punkt.access_request(&id).unwrap();
    let s = a.sync(&server);
    assert!(s.refused.is_empty(), "{s:?}");
    assert_eq!(s.pending_after, 0);

    // A referral the server took may have reached the other organisation: it is withdrawn,
    // never discarded.
    // Once the server has listed the members, a name outside the list is refused on the
    // laptop, before anything is written.
    let unknown = a
        .punkt
        .refer(
            &id,
            ReferralInput::from_json(&format!(
                r#"{{"to_organisation":"Fundacja B","service":"legal","consent_id":"{consent_id}","reason":"asylum appeal"}}"#
            ))
            .unwrap(),
        )
        .unwrap_err();
    assert!(
        matches!(&unknown, punkt_core::CoreError::Invalid(m) if m.contains("not a member") && m.contains("Fundacja A")),
        "{unknown:?}"
    );
    assert!(a.punkt.client_view(&id).unwrap().referrals.is_empty());
    server.org("Fundacja B");
    // A referral is sealed to the receiving organisation's key: one of its laptops has
    // enrolled (and so made the key) before anything can be sent to it.
    server.user("Fundacja B", "beata", "counsellor");
    let _b = Device::enrolled(&server, "Fundacja B", "beata");
    a.sync(&server);
    assert_eq!(
        a.punkt.organisations().unwrap(),
        ["Fundacja A", "Fundacja B"]
    );
    let sent = refer(&mut a, "Fundacja B");
    a.sync(&server);
    assert_eq!(
        a.punkt.discard_referral(&id, &sent.id).unwrap_err().code(),
        "referral_on_server"
    );
    assert!(matches!(
        a.punkt.discard_referral(&id, "01NOSUCHREFERRAL"),
        Err(punkt_core::CoreError::Invalid(_))
    ));
}

#[test]
fn a_public_key_the_server_swaps_is_refused_and_the_referral_waits() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    server.people(&[
        ("Fundacja A", "anna", "lawyer"),
        ("Fundacja B", "olga", "psychologist"),
    ]);
    let mut a = Device::enrolled(&server, "Fundacja A", "anna");
    let mut b = Device::enrolled(&server, "Fundacja B", "olga");
    a.sync(&server);
    b.sync(&server);
    a.sync(&server); // learns Fundacja B's public key
    let key_of = |org: &str| -> Vec<u8> {
        let keys = server
            .blobs(&format!(
                "SELECT public_key FROM key_epochs WHERE org = '{org}' AND scope = 'org'"
            ))
            .unwrap();
        assert_eq!(keys.len(), 1);
        keys[0].clone()
    };
    let set_key = |org: &str, key: &[u8]| {
        server.execute(
            "UPDATE key_epochs SET public_key = ?2 WHERE org = ?1 AND scope = 'org'",
            &[SqlValue::Text(org), SqlValue::Bytes(key)],
        );
    };
    let (b_key, a_key) = (key_of("Fundacja B"), key_of("Fundacja A"));

    // The operator lists a key of their own for B (and for A): the laptop refuses both,
    // keeps what it knew, and the referral written meanwhile is not sealed to the false one.
    set_key("Fundacja B", &[0x42; 32]);
    set_key("Fundacja A", &[0x43; 32]);
    let id = a.add(PERSON);
    let consent = a.punkt.client_view(&id).unwrap().consents[0].id.clone();
    let sent = a
        .punkt
        .refer(
            &id,
            ReferralInput::from_json(&format!(
                r#"{{"to_organisation":"Fundacja B","service":"psychological","consent_id":"{consent}","reason":"trauma","share":{{}}}}"#
            ))
            .unwrap(),
        )
        .unwrap();
    let s = a.sync(&server);
    let changed: Vec<&str> = s
        .org_keys_refused
        .iter()
        .map(|r| r.message.as_str())
        .collect();
    assert_eq!(changed.len(), 2, "{s:?}");
    assert!(changed.iter().any(|m| m.contains("Fundacja B")));
    // Nothing the server holds for B is sealed to the false key: the referral waits.
    assert!(b.sync(&server).new_documents == 0);
    assert!(b.punkt.referrals().unwrap().is_empty());

    // The real keys back: the referral goes, and B opens it.
    set_key("Fundacja B", &b_key);
    set_key("Fundacja A", &a_key);
    let s = a.sync(&server);
    assert!(s.org_keys_refused.is_empty(), "{s:?}");
    a.sync(&server);
    b.sync(&server);
    let got = b.punkt.referrals().unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].id, sent.id);
}

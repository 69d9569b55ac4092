//! Consortium-wide unique counting (issue 5): three organisations send keyed hashes of the
//! people they helped; the server counts a person helped by two of them once, never holds a
//! name, and refuses what it must (a counsellor, tallies made with different keys).

use punkt_core::error::CoreError;
use punkt_core::ConsultationInput;
use punkt_sync::wire::Code;
use punkt_sync::wire::{ConsortiumCount, ServiceCount};
use punkt_system_tests::{Device, TestServer};
use sha2::{Digest, Sha256};

const OLENA_A: &str = r#"{"given_names":"Olena","family_name":"Kovalenko","names_original":"Олена Коваленко","birth_date":"1990-05-03","citizenships":["UA"]}"#;
/// The same woman at another organisation, spelled the Polish way and recorded in the other
/// order of her names.
const OLENA_B: &str = r#"{"given_names":"Kowalenko","family_name":"Ołena","birth_date":"1990-05-03","citizenships":["UA"]}"#;
const AMINA: &str = r#"{"given_names":"Amina","family_name":"Haidari","birth_date":"1994-02-11","citizenships":["AF"]}"#;
const DMYTRO: &str = r#"{"given_names":"Dmytro","family_name":"Savchuk","birth_date":"1979-09-30","citizenships":["UA"]}"#;
/// A different person who shares Olena's name and birth date but not her citizenship.
const OLENA_BY: &str = r#"{"given_names":"Olena","family_name":"Kovalenko","birth_date":"1990-05-03","citizenships":["BY"]}"#;

fn consult(d: &mut Device, id: &str, date: &str, service: &str) {
    let json = format!(
        r#"{{"date":"{date}","place":{{"kind":"point","city":"Warszawa"}},"services":["{service}"]}}"#
    );
    d.punkt
        .add_consultation(id, ConsultationInput::from_json(&json).unwrap())
        .unwrap();
}

fn send(d: &mut Device, server: &TestServer, from: &str, to: &str) {
    let mut t = d.transport(server);
    let receipts = d.punkt.send_consortium_tally(&mut t, from, to).unwrap();
    assert_eq!(
        receipts.len(),
        punkt_sync::wire::months(from, to).unwrap().len()
    );
}

fn count(d: &Device, server: &TestServer) -> Result<ConsortiumCount, CoreError> {
    let mut t = d.transport(server);
    d.punkt.consortium_count(&mut t, "2026-03", "2026-04")
}

fn service<'a>(c: &'a ConsortiumCount, name: &str) -> &'a ServiceCount {
    c.services
        .iter()
        .find(|s| s.service == name)
        .unwrap_or_else(|| panic!("no {name} in {c:?}"))
}

fn refusal_code(r: Result<impl std::fmt::Debug, CoreError>) -> String {
    match r {
        Err(CoreError::SyncRefused { code, .. }) => code.to_string(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_person_helped_by_two_organisations_counts_once_and_the_server_never_holds_a_name() {
    let dir = tempfile::tempdir().unwrap();
    let server_dir = dir.path().join("server");
    std::fs::create_dir_all(&server_dir).unwrap();
    let server = TestServer::start(&server_dir);
    for (org, coord) in [
        ("Fundacja A", "ala"),
        ("Fundacja B", "bea"),
        ("Fundacja C", "cyl"),
    ] {
        server.org(org);
        server.user(org, coord, "coordinator");
    }
    server.user("Fundacja A", "bartek", "counsellor");
    let mut a = Device::enrolled(&server, "Fundacja A", "ala");
    let mut b = Device::enrolled(&server, "Fundacja B", "bea");
    let mut c = Device::enrolled(&server, "Fundacja C", "cyl");
    let mut counsellor = Device::enrolled(&server, "Fundacja A", "bartek");
    // An organisation with no coordinator cannot send a tally: the count does not list it as
    // missing.
    server.org("Fundacja D");
    server.user("Fundacja D", "dorota", "counsellor");
    let _dorota = Device::enrolled(&server, "Fundacja D", "dorota");

    // One coordinator makes the key; the others type it in. The ids match.
    let key = punkt_core::consortium::new_key();
    let id_a = a.punkt.set_consortium_key(&key).unwrap();
    assert_eq!(
        b.punkt.set_consortium_key(&key.to_uppercase()).unwrap(),
        id_a
    );
    assert_eq!(b.punkt.consortium_key_id().unwrap(), Some(id_a.clone()));

    let olena_a = a.add(OLENA_A);
    consult(&mut a, &olena_a, "2026-03-04", "legal");
    consult(&mut a, &olena_a, "2026-04-09", "legal");
    let amina = a.add(AMINA);
    consult(&mut a, &amina, "2026-03-10", "legal");
    consult(&mut a, &amina, "2026-04-02", "psychological");
    let outside = a.add(DMYTRO);
    consult(&mut a, &outside, "2026-05-20", "legal"); // after the period

    let olena_b = b.add(OLENA_B);
    consult(&mut b, &olena_b, "2026-03-18", "social");
    let dmytro = b.add(DMYTRO);
    consult(&mut b, &dmytro, "2026-04-22", "housing");
    let olena_by = b.add(OLENA_BY);
    consult(&mut b, &olena_by, "2026-04-23", "social");

    // What A would send: people per month, counted locally.
    let tally = a.punkt.consortium_tally("2026-03", "2026-04").unwrap();
    assert_eq!(
        tally
            .iter()
            .map(|t| (t.month.as_str(), t.people.len()))
            .collect::<Vec<_>>(),
        [("2026-03", 2), ("2026-04", 2)]
    );

    send(&mut a, &server, "2026-03", "2026-04");
    send(&mut b, &server, "2026-03", "2026-04");
    let n = count(&a, &server).unwrap();
    let all = service(&n, "all");
    // Olena (A and B), Amina (A), Dmytro (B), the other Olena (B).
    assert_eq!(all.unique_people, 4, "{n:?}");
    assert_eq!(all.sum_of_organisations, 5);
    assert_eq!(all.in_several_organisations, 1);
    assert_eq!(
        all.per_organisation,
        [("Fundacja A".to_string(), 2), ("Fundacja B".to_string(), 3)]
    );
    assert_eq!(service(&n, "legal").unique_people, 2);
    assert_eq!(service(&n, "social").unique_people, 2);
    assert_eq!(service(&n, "social").in_several_organisations, 0);
    assert_eq!(service(&n, "housing").unique_people, 1);
    // C sent nothing: the count says it is incomplete.
    let c_part = n
        .contributions
        .iter()
        .find(|x| x.organisation == "Fundacja C")
        .unwrap();
    assert_eq!(c_part.missing_months, ["2026-03", "2026-04"]);
    assert!(c_part.months.is_empty());
    assert_eq!(
        n.contributions
            .iter()
            .map(|x| x.organisation.as_str())
            .collect::<Vec<_>>(),
        ["Fundacja A", "Fundacja B", "Fundacja C"]
    );

    // Sending again replaces: nothing counts twice. B's coordinator sees the same numbers.
    send(&mut a, &server, "2026-03", "2026-04");
    assert_eq!(count(&b, &server).unwrap().services, n.services);

    // The server's files hold no name, no identity text, and not even an unkeyed hash of one.
    let on_server = |needle: &[u8]| server.holds(needle);
    for needle in [
        "Olena",
        "Kovalenko",
        "Kowalenko",
        "Amina",
        "Haidari",
        "Savchuk",
        "olena",
        "haidari",
    ] {
        assert!(!on_server(needle.as_bytes()), "{needle} on the server");
    }
    assert!(
        on_server(b"Fundacja A"),
        "the search reads the server's database"
    );
    let identity = "amina haidari|1994-02-11\nAF";
    let unkeyed: [u8; 32] = Sha256::digest(identity.as_bytes()).into();
    assert!(!on_server(&unkeyed));
    let keyed = punkt_core::consortium::person_hash(
        &hex_key(&key),
        Some("amina haidari|1994-02-11"),
        Some("AF"),
        "",
    );
    assert!(
        on_server(&keyed.0),
        "the hash under the consortium key is what is stored"
    );

    // A coordinator with a different key: the server refuses to mix the two.
    c.punkt
        .set_consortium_key(&punkt_core::consortium::new_key())
        .unwrap();
    let c_olena = c.add(OLENA_A);
    consult(&mut c, &c_olena, "2026-03-30", "legal");
    send(&mut c, &server, "2026-03", "2026-03");
    assert_eq!(refusal_code(count(&a, &server)), "key_mismatch");
    // With the right key, sent again: Olena is now helped by three organisations.
    c.punkt.set_consortium_key(&key).unwrap();
    send(&mut c, &server, "2026-03", "2026-04");
    let n = count(&a, &server).unwrap();
    assert_eq!(service(&n, "all").unique_people, 4);
    assert_eq!(service(&n, "all").in_several_organisations, 1);
    assert_eq!(service(&n, "legal").unique_people, 2);

    // Erasing a person takes them out of the count: the coordinator's laptop sends the months
    // that held them again at its next sync, by itself.
    a.punkt.erase_client(&amina).unwrap();
    assert_eq!(
        a.punkt.stale_tally_months().unwrap(),
        ["2026-03", "2026-04"]
    );
    let s = a.sync(&server);
    assert_eq!((s.tallies_resent, s.tally_error.as_deref()), (2, None));
    assert!(a.punkt.stale_tally_months().unwrap().is_empty());
    assert_eq!(
        service(&count(&a, &server).unwrap(), "all").unique_people,
        3
    );
    let amina_hash = punkt_core::consortium::person_hash(
        &hex_key(&key),
        Some("amina haidari|1994-02-11"),
        Some("AF"),
        "",
    );
    assert!(
        !on_server(&amina_hash.0),
        "the erased person's hash stays on the server"
    );
    // The same when the erasure is made on another laptop of the organisation: the
    // coordinator's laptop learns of it by syncing, and sends again.
    // (Erasing a colleague's file is a coordinator's decision: a second coordinator of the
    // organisation, whose laptop never sent a tally.)
    server.user("Fundacja A", "adam", "coordinator");
    let mut second = Device::enrolled(&server, "Fundacja A", "adam");
    second.sync(&server);
    second.punkt.erase_client(&olena_a).unwrap();
    assert!(
        second.punkt.stale_tally_months().unwrap().is_empty(),
        "a laptop that never sent a tally has none to send again"
    );
    second.sync(&server);
    let s = a.sync(&server);
    assert_eq!(s.erased.len(), 1);
    assert_eq!(s.tallies_resent, 2);
    let all = service(&count(&a, &server).unwrap(), "all").clone();
    assert!(
        all.per_organisation.iter().all(|(o, _)| o != "Fundacja A"),
        "{all:?}"
    );
    assert_eq!(all.unique_people, 3, "Olena is still helped by B and C");
    assert_eq!(all.in_several_organisations, 1);

    // A counsellor may neither send nor ask; both refusals are logged.
    counsellor.punkt.set_consortium_key(&key).unwrap();
    let mut t = counsellor.transport(&server);
    assert_eq!(
        refusal_code(
            counsellor
                .punkt
                .send_consortium_tally(&mut t, "2026-03", "2026-03")
        ),
        "forbidden"
    );
    assert_eq!(refusal_code(count(&counsellor, &server)), "forbidden");
    let refused: Vec<_> = server
        .audit()
        .into_iter()
        .filter(|e| e.action == "refused" && e.user.as_deref() == Some("bartek"))
        .collect();
    assert_eq!(refused.len(), 2, "{refused:?}");
    assert!(server
        .audit()
        .iter()
        .any(|e| e.action == "consortium_count" && e.user.as_deref() == Some("ala")));

    // The administrator deletes tallies no longer needed; the count then says what is missing.
    let yusuf = a.add(
        r#"{"given_names":"Yusuf","family_name":"Rahimi","birth_date":"2001-07-07","citizenships":["AF"]}"#,
    );
    consult(&mut a, &yusuf, "2026-03-05", "legal");
    consult(&mut a, &yusuf, "2026-04-05", "legal");
    send(&mut a, &server, "2026-03", "2026-04");
    assert_eq!(server.delete_tallies_before("2026-04"), 3);
    let n = count(&a, &server).unwrap();
    assert!(n
        .contributions
        .iter()
        .all(|c| c.missing_months == ["2026-03"]));
    // Erasing someone counted in a deleted month does not send that month back: only the
    // month the server still has is sent again.
    a.punkt.erase_client(&yusuf).unwrap();
    assert_eq!(
        a.punkt.stale_tally_months().unwrap(),
        ["2026-03", "2026-04"]
    );
    let s = a.sync(&server);
    assert_eq!((s.tallies_resent, s.tally_error.as_deref()), (1, None));
    assert!(a.punkt.stale_tally_months().unwrap().is_empty());
    let n = count(&a, &server).unwrap();
    let mine = n
        .contributions
        .iter()
        .find(|c| c.organisation == "Fundacja A")
        .unwrap();
    assert_eq!(
        (mine.months.as_slice(), mine.missing_months.as_slice()),
        (&["2026-04".to_string()][..], &["2026-03".to_string()][..])
    );
    assert!(server.audit().iter().any(
        |e| e.action == "tally" && e.detail == "2026-03: not sent again (no tally of it here)"
    ));

    // A coordinator's laptop that is revoked is no longer expected to send; forgetting the key
    // forgets what this laptop sent.
    server.org("Fundacja E");
    server.user("Fundacja E", "ewa", "coordinator");
    let e = Device::enrolled(&server, "Fundacja E", "ewa");
    let expected = |n: &ConsortiumCount| {
        n.contributions
            .iter()
            .any(|c| c.organisation == "Fundacja E")
    };
    assert!(expected(&count(&a, &server).unwrap()));
    server.revoke(&e.device_id);
    assert!(!expected(&count(&a, &server).unwrap()));
    // (April was sent from this laptop, so erasing Farid would note it, were the key kept.)
    let farid = a.add(r#"{"given_names":"Farid","family_name":"Nazari","citizenships":["AF"]}"#);
    consult(&mut a, &farid, "2026-04-10", "legal");
    a.punkt.forget_consortium_key().unwrap();
    a.punkt.erase_client(&farid).unwrap();
    assert!(a.punkt.stale_tally_months().unwrap().is_empty());
    a.punkt.set_consortium_key(&key).unwrap();

    // A tally naming a service outside the vocabulary (or "all", the total's name) is refused:
    // free text would reach every coordinator's screen.
    for bad in ["all", "<b>free text</b>"] {
        let req = punkt_sync::Request::Tally(punkt_sync::wire::Tally {
            resend: false,
            key_id: id_a.clone(),
            month: "2026-03".into(),
            people: vec![punkt_sync::wire::TallyPerson {
                person: punkt_sync::Hash([9; 32]),
                services: vec![bad.into()],
            }],
        });
        match a.ask(&server, req) {
            punkt_sync::Response::Refused(r) => assert_eq!(r.code, Code::Malformed, "{bad}"),
            other => panic!("{bad}: {other:?}"),
        }
    }

    // Bad input is refused before anything is sent.
    assert!(matches!(
        a.punkt
            .consortium_count(&mut a.transport(&server), "2026-13", "2026-14"),
        Err(CoreError::Invalid(_))
    ));
    assert!(matches!(
        a.punkt.set_consortium_key("not a key"),
        Err(CoreError::Invalid(_))
    ));
    a.punkt.forget_consortium_key().unwrap();
    assert!(matches!(
        a.punkt.consortium_tally("2026-03", "2026-04"),
        Err(CoreError::Invalid(_))
    ));
}

fn hex_key(key: &str) -> [u8; 32] {
    let digits: String = key.chars().filter(|c| *c != '-').collect();
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&digits[2 * i..2 * i + 2], 16).unwrap();
    }
    out
}

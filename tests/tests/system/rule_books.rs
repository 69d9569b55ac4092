//! The rule book of deadlines distributed at sync (issue 14, `docs/deadlines.md`): a
//! coordinator publishes a newer book signed by their organisation; every laptop of the
//! consortium fetches it, checks the signature against the keys it follows, and counts with
//! it, saying which version. A book the operator changed, a forged or malformed one, an older
//! one, or one from a laptop that is not a coordinator's is refused with the reason, and the
//! book in use stays.

use punkt_core::DeadlineRequest;
use punkt_model::deadlines::RuleBook;
use punkt_sync::wire::SignedRuleBook;
use punkt_sync::{Request, Response};
use punkt_system_tests::{Device, TestServer};

const A: &str = "Fundacja A";
const B: &str = "Stowarzyszenie B";

/// The built-in book as a coordinator would correct it: a new version and serial, the
/// complaint to the administrative court stated as `days`.
fn corrected(serial: u64, days: u32) -> String {
    let built_in = RuleBook::built_in_json();
    let book = built_in
        .replace("\"version\": \"2026.1\"", &format!("\"version\": \"2026.{serial}\""))
        .replace("\"serial\": 1,", &format!("\"serial\": {serial},"))
        .replacen(
            "\"limit\": 30,\n      \"unit\": \"days\",\n      \"runs_from\": \"delivery\",\n      \"shift\": \"ppsa\"",
            &format!("\"limit\": {days},\n      \"unit\": \"days\",\n      \"runs_from\": \"delivery\",\n      \"shift\": \"ppsa\""),
            1,
        );
    assert_ne!(book, built_in);
    book
}

fn wsa_limit(d: &Device) -> (u32, String) {
    let due = d
        .punkt
        .compute_deadline(&DeadlineRequest::from_event(
            "wsa-complaint",
            "2026-12-01".parse().unwrap(),
            false,
        ))
        .unwrap();
    (due.limit, due.rules_version)
}

fn refused(r: Response) -> String {
    match r {
        Response::Refused(r) => r.code.to_string(),
        other => panic!("accepted: {other:?}"),
    }
}

#[test]
fn a_book_a_coordinator_publishes_reaches_every_organisation_and_a_changed_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    server.people(&[
        (A, "anna", "coordinator"),
        (A, "marek", "lawyer"),
        (B, "olga", "coordinator"),
    ]);
    let mut anna = Device::enrolled(&server, A, "anna");
    let mut marek = Device::enrolled(&server, A, "marek");
    let mut olga = Device::enrolled(&server, B, "olga");
    for d in [&mut anna, &mut marek, &mut olga] {
        d.sync(&server);
    }
    anna.sync(&server);
    assert_eq!(wsa_limit(&olga), (30, "2026.1".into()));

    // A lawyer's laptop may not publish.
    let mut t = marek.transport(&server);
    let e = marek
        .punkt
        .publish_rule_book(&mut t, &corrected(2, 31))
        .unwrap_err();
    assert_eq!(e.code(), "forbidden", "{e}");

    // The coordinator publishes 2026.2: used at once on her laptop, at the next sync on every
    // other, in both organisations.
    let mut t = anna.transport(&server);
    let published = anna
        .punkt
        .publish_rule_book(&mut t, &corrected(2, 31))
        .unwrap();
    assert_eq!(published.version, "2026.2");
    assert_eq!(wsa_limit(&anna), (31, "2026.2".into()));
    for d in [&mut marek, &mut olga] {
        let s = d.sync(&server);
        assert_eq!(
            s.rule_book.as_ref().map(|b| b.version.as_str()),
            Some("2026.2"),
            "{s:?}"
        );
        assert_eq!(s.rule_book_error, None);
        assert_eq!(wsa_limit(d), (31, "2026.2".into()));
    }
    // Nothing newer: no request for the book, nothing said (once the install went to the
    // server's audit log).
    let s = olga.sync(&server);
    assert_eq!(s.events_sent, 1, "{s:?}");
    let s = olga.sync(&server);
    assert_eq!(
        (s.rule_book.clone(), s.rule_book_error.clone()),
        (None, None)
    );
    assert_eq!(s.round_trips, 1, "{s:?}");
    // The same serial again, or an older one: refused by the server.
    let mut t = anna.transport(&server);
    let e = anna
        .punkt
        .publish_rule_book(&mut t, &corrected(2, 32))
        .unwrap_err();
    assert_eq!(e.code(), "rule_book_not_newer", "{e}");

    // 2026.3, then the operator changes the text the server hands out: every laptop refuses
    // it, says why, and keeps counting with 2026.2.
    anna.punkt
        .publish_rule_book(&mut anna.transport(&server), &corrected(3, 33))
        .unwrap();
    assert_eq!(
        server.execute(
            "UPDATE rule_books SET book = replace(book, '\"limit\": 33', '\"limit\": 90')
             WHERE serial = 3",
            &[],
        ),
        1
    );
    for d in [&mut marek, &mut olga] {
        let s = d.sync(&server);
        assert_eq!(s.rule_book, None);
        let why = s.rule_book_error.clone().unwrap();
        assert!(why.contains("does not check"), "{why}");
        assert_eq!(wsa_limit(d), (31, "2026.2".into()));
    }
    // And a restart keeps the book in use.
    let store = olga.store_dir();
    olga.punkt = punkt_core::Punkt::open(&store, punkt_system_tests::PASS).unwrap();
    assert_eq!(wsa_limit(&olga).1, "2026.2");
}

#[test]
fn forged_malformed_and_foreign_books_are_refused_by_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    server.people(&[(A, "anna", "coordinator"), (B, "olga", "coordinator")]);
    let mut anna = Device::enrolled(&server, A, "anna");
    let mut olga = Device::enrolled(&server, B, "olga");
    anna.sync(&server);
    olga.sync(&server);
    let book = corrected(2, 31);
    let put = |d: &Device, b: SignedRuleBook| d.ask(&server, Request::PutRuleBook(b));
    let signed = |serial: u64, text: &str| SignedRuleBook {
        org: A.into(),
        epoch: 1,
        serial,
        book: text.into(),
        signature: vec![7; 64].into(),
    };
    // A signature that is not A's: forbidden.
    assert_eq!(refused(put(&anna, signed(2, &book))), "forbidden");
    // Signed for another organisation than the laptop's: forbidden.
    assert_eq!(refused(put(&olga, signed(2, &book))), "forbidden");
    // Not a rule book, or a serial the text does not say: malformed.
    assert_eq!(
        refused(put(&anna, signed(2, "{\"format\": 1}"))),
        "malformed"
    );
    assert_eq!(refused(put(&anna, signed(5, &book))), "malformed");
    // A signature of the wrong length never reaches the server's checks.
    let mut short = signed(2, &book);
    short.signature = vec![7; 63].into();
    assert_eq!(refused(put(&anna, short)), "malformed");
    // Nothing was kept: laptops count with the built-in book.
    assert!(matches!(
        anna.ask(&server, Request::RuleBook),
        Response::RuleBook(None)
    ));
    let s = olga.sync(&server);
    assert_eq!((s.rule_book, s.rule_book_error), (None, None));
}

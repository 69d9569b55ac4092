//! What the desktop app relies on in punkt-core: a file's history, attachments, drafts, the
//! home screen's lists, the intake duplicate warning, the calculator and the strength meter.

use crate::common;

use common::{client, consult, reopen, store};
use punkt_core::dto::DeadlineInput;
use punkt_core::home::passphrase_strength;
use punkt_core::{ClientInput, CoreError, Punkt};

const TARAS: &str = r#"{"given_names":"Taras","family_name":"Shevchenko","names_original":"Тарас Шевченко","birth_date":"1990-03-09","citizenships":["UA"]}"#;
const VISIT: &str = r#"{"date":"2026-11-02","place":{"kind":"centre","centre":"Przemyśl"},"services":["legal"],"note":"decision shown"}"#;

/// Smallest valid PNG: the signature is what Punkt checks.
const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

#[test]
fn history_names_the_author_and_the_parts_each_change_touched() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    p.set_author("Anna Nowak").unwrap();
    let id = client(&mut p, TARAS);
    consult(&mut p, &id, VISIT);
    p.set_author("").unwrap();
    p.update_client(
        &id,
        punkt_core::ClientInput::from_json(r#"{"summary":"Appeal drafted."}"#).unwrap(),
    )
    .unwrap();

    let history = p.client_history(&id).unwrap();
    assert_eq!(history.len(), 3, "{history:#?}");
    // Newest first.
    assert_eq!(history[0].author, None);
    assert_eq!(history[0].sections, vec!["summary"]);
    assert_eq!(history[1].author.as_deref(), Some("Anna Nowak"));
    assert_eq!(history[1].sections, vec!["consultations"]);
    assert!(history[2].sections.contains(&"person".to_string()));
    assert!(history.iter().all(|h| h.this_device && h.device.len() == 8));
    assert_eq!(history[1].time, "2026-11-20T10:00:00Z");

    // The author survives a restart (kept in the store).
    p.set_author("Piotr").unwrap();
    drop(p);
    assert_eq!(reopen(dir.path()).author(), Some("Piotr"));
}

#[test]
fn attachments_are_kept_encrypted_listed_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    let id = client(&mut p, TARAS);
    let mut photo = PNG.to_vec();
    photo.extend(std::iter::repeat_n(7u8, 4096));
    let a = p
        .add_attachment(&id, "C:\\Users\\anna\\decyzja UdSC.png", &photo)
        .unwrap();
    assert_eq!(a.name, "decyzja UdSC.png", "directories are dropped");
    assert_eq!(a.mime, "image/png");
    assert_eq!(a.size, photo.len() as u64);

    let view = p.client_view(&id).unwrap();
    assert_eq!(view.attachments, vec![a.clone()]);
    let back = p.attachment(&id, &a.id).unwrap();
    assert_eq!(back.bytes, photo);
    assert!(p.client_history(&id).unwrap()[0]
        .sections
        .contains(&"attachments".to_string()));

    // Refusals: not an image or PDF, empty, too large, unknown attachment; nothing written.
    let refused = |r: Result<_, CoreError>| r.unwrap_err().code();
    assert_eq!(
        refused(p.add_attachment(&id, "notes.txt", b"hello")),
        "invalid_input"
    );
    assert_eq!(
        refused(p.add_attachment(&id, "empty.png", b"")),
        "invalid_input"
    );
    let mut huge = PNG.to_vec();
    huge.resize(punkt_core::attachments::MAX_ATTACHMENT_BYTES + 1, 0);
    assert_eq!(
        refused(p.add_attachment(&id, "huge.png", &huge)),
        "invalid_input"
    );
    assert_eq!(
        refused(p.add_attachment("01NOSUCHCLIENT", "x.png", PNG)),
        "unknown_client"
    );
    assert_eq!(
        p.attachment(&id, "01NOSUCHATTACHMENT").unwrap_err().code(),
        "invalid_input"
    );
    assert_eq!(p.client_view(&id).unwrap().attachments.len(), 1);
}

#[test]
fn drafts_survive_a_restart_and_refuse_bad_names_and_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let p = store(dir.path());
    let draft = serde_json::json!({"centre": "Przemyśl", "seen": [{"name": "Тарас"}], "note": "half typed"});
    p.save_draft("visit", &draft).unwrap();
    drop(p);
    let p = reopen(dir.path());
    assert_eq!(p.draft("visit").unwrap(), Some(draft));
    assert_eq!(p.draft("intake").unwrap(), None);
    assert_eq!(
        p.save_draft("../etc", &serde_json::json!(1))
            .unwrap_err()
            .code(),
        "invalid_input"
    );
    let big = serde_json::json!("x".repeat(punkt_core::drafts::MAX_DRAFT_BYTES));
    assert_eq!(
        p.save_draft("visit", &big).unwrap_err().code(),
        "invalid_input"
    );
    p.delete_draft("visit").unwrap();
    assert_eq!(p.draft("visit").unwrap(), None);
}

#[test]
fn intake_warns_before_saving_and_home_lists_recent_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    let first = client(&mut p, TARAS);
    // The same person typed from the Polish spelling of the passport.
    let again = punkt_core::ClientInput::from_json(
        r#"{"given_names":"Taras","family_name":"Szewczenko","birth_date":"1990-03-09"}"#,
    )
    .unwrap();
    let same = p.likely_same_as(&again).unwrap();
    assert_eq!(
        same.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        vec![first.as_str()]
    );
    let other = punkt_core::ClientInput::from_json(
        r#"{"family_name":"Szewczenko","birth_date":"1991-03-09"}"#,
    )
    .unwrap();
    assert!(p.likely_same_as(&other).unwrap().is_empty());

    let home = p.home(10).unwrap();
    assert_eq!(home.clients, 1);
    assert_eq!(home.recent[0].id, first);
    assert!(home.conflicted.is_empty());
    assert_eq!(home.sync.enrolment, None);
}

#[test]
fn the_calculator_explains_without_recording() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    let id = client(&mut p, TARAS);
    let input = DeadlineInput {
        rule: "return-appeal".into(),
        // Delivered Thursday 12 November 2026: 7 days end Thursday 19 November.
        start: "2026-11-12".into(),
        first_notice: false,
        uncertain: false,
        start_latest: None,
        time: None,
        matter_id: None,
        note: None,
        days: None,
        due: None,
    };
    let due = p
        .compute_deadline(&input.clone().into_request().unwrap())
        .unwrap();
    assert_eq!(due.due, "2026-11-19");
    assert!(
        p.client_view(&id).unwrap().deadlines.is_empty(),
        "the calculator records nothing"
    );
    // From a first notice: delivery deemed 14 days later, then 7 days, off the weekend.
    let notice = DeadlineInput {
        first_notice: true,
        ..input.clone()
    };
    let due = p.compute_deadline(&notice.into_request().unwrap()).unwrap();
    assert_eq!(due.deemed_delivery.as_deref(), Some("2026-11-26"));
    assert_eq!(due.due, "2026-12-03");
    let bad = DeadlineInput {
        start: "2026-13-40".into(),
        ..input
    };
    assert_eq!(bad.into_request().unwrap_err().code(), "invalid_date");
}

#[test]
fn strength_meter_scores_guessable_passphrases_low() {
    assert_eq!(passphrase_strength("", &[]).score, 0);
    let short = passphrase_strength("anna123", &[]);
    assert!(!short.long_enough);
    let named = passphrase_strength("FundacjaPomocy", &["Fundacja Pomocy", "Fundacja", "Pomocy"]);
    let random = passphrase_strength("kret-ogórek-7-lampa-wiosło", &[]);
    assert!(named.score <= 2, "{named:?}");
    assert_eq!(random.score, 4, "{random:?}");
    assert!(random.long_enough && random.guesses_log10 > named.guesses_log10);
}

#[test]
fn the_board_comes_in_pages_with_its_total() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    let id = client(&mut p, TARAS);
    for start in ["2026-11-01", "2026-11-05", "2026-11-10"] {
        p.add_deadline(&id, common::deadline("return-appeal", start))
            .unwrap();
    }
    let page = p.board_page(None, 2).unwrap();
    assert_eq!(page.total, 3);
    assert_eq!(
        page.entries
            .iter()
            .map(|e| e.due.as_str())
            .collect::<Vec<_>>(),
        vec!["2026-11-09", "2026-11-12"]
    );
    let home = p.home(10).unwrap();
    assert_eq!((home.board.len(), home.board_total), (3, 3));
    assert!(home.board[0].overdue && home.board[0].days_left == -11);
}

#[test]
fn an_access_request_holds_the_file_its_history_and_attachment_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    p.set_author("Anna Nowak").unwrap();
    let id = client(&mut p, TARAS);
    consult(&mut p, &id, VISIT);
    let a = p.add_attachment(&id, "decision.png", PNG).unwrap();
    let req = p.access_request(&id).unwrap();
    assert_eq!(req.organisation, "Fundacja Pomocy Prawnej");
    assert_eq!(
        req.file.person.family_name_original.as_deref(),
        Some("Шевченко")
    );
    assert_eq!(req.file.consultations.len(), 1);
    assert_eq!(req.history.len(), 3, "intake, consultation, attachment");
    assert!(req
        .history
        .iter()
        .all(|h| h.author.as_deref() == Some("Anna Nowak")));
    assert_eq!(req.attachments[0].id, a.id);
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(req.attachments[0].base64.as_deref().unwrap())
        .unwrap();
    assert_eq!(bytes, PNG);
    assert_eq!(
        p.access_request("01NOSUCHFILE").unwrap_err().code(),
        "unknown_client"
    );
}

#[test]
fn the_access_document_is_in_the_persons_language_and_escapes_what_was_typed() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    let id = client(&mut p, TARAS);
    p.update_client(
        &id,
        punkt_core::ClientInput::from_json(
            r#"{"legal_status":[{"status":"asylum_seeker","from":"2026-01-10"}],"summary":"<script>alert(1)</script>"}"#,
        )
        .unwrap(),
    )
    .unwrap();
    consult(&mut p, &id, VISIT);
    let uk = p.access_document(&id, "uk").unwrap();
    assert!(uk.contains("<html lang=\"uk\">"));
    assert!(uk.contains("Інформація про ваші дані"));
    assert!(uk.contains("Шевченко"));
    assert!(
        uk.contains("Шукач захисту"),
        "legal status named in Ukrainian"
    );
    assert!(uk.contains("Охоронюваний центр, Przemyśl"));
    assert!(!uk.contains("<script>") && uk.contains("&lt;script&gt;"));
    let pl = p.access_document(&id, "pl").unwrap();
    assert!(pl.contains("Wnioskodawca o ochronę") && pl.contains("Fundacja Pomocy Prawnej"));
    assert_eq!(
        p.access_document(&id, "de").unwrap_err().code(),
        "invalid_input"
    );
}

#[test]
fn an_access_request_holds_the_sections_the_role_may_read_and_the_referrals_and_is_recorded() {
    use punkt_core::referrals::ReferralInput;
    use punkt_core::sections::SectionNoteInput;
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    let id = client(
        &mut p,
        r#"{"given_names":"Taras","family_name":"Shevchenko","birth_date":"1990-03-09","consents":[{"clause":"Klauzula 2026","language":"uk","given_on":"2026-11-02"}]}"#,
    );
    p.set_local_role("psychologist").unwrap();
    let note = |text: &str| SectionNoteInput {
        date: Some("2026-11-03".into()),
        text: text.into(),
    };
    p.add_section_note(&id, "psychological", note("nightmares since the crossing"))
        .unwrap();
    p.add_section_note(&id, "medical", note("scar on the left forearm"))
        .unwrap();
    let consent = p.client_view(&id).unwrap().consents[0].id.clone();
    p.refer(
        &id,
        ReferralInput::from_json(&format!(
            r#"{{"to_organisation":"Fundacja B","service":"housing","consent_id":"{consent}","reason":"needs a room","share":{{"phone":false,"birth_date":true}}}}"#
        ))
        .unwrap(),
    )
    .unwrap();

    let req = p.access_request(&id).unwrap();
    assert_eq!(req.sections.len(), 2);
    assert_eq!(req.referrals.len(), 1);
    assert_eq!(req.referrals[0].reason, "needs a room");
    let doc = p.access_document(&id, "en").unwrap();
    assert!(doc.contains("nightmares since the crossing") && doc.contains("Fundacja B"));

    // A lawyer reads the medical notes, not the psychological ones: those are listed as
    // withheld, never shown.
    p.set_local_role("lawyer").unwrap();
    let req = p.access_request(&id).unwrap();
    assert_eq!(
        req.sections
            .iter()
            .map(|s| s.section.as_str())
            .collect::<Vec<_>>(),
        ["medical"]
    );
    let doc = p.access_document(&id, "pl").unwrap();
    assert!(doc.contains("scar on the left forearm"));
    assert!(!doc.contains("nightmares"));
    assert!(doc.contains("tylko dla uprawnionych"));

    // Each export is recorded for the audit log (ids and kinds, no names).
    let events = p.local_events(Some(&id), 10).unwrap();
    assert_eq!(events.len(), 4, "{events:?}");
    assert!(events.iter().all(|e| e.action == "export" && !e.synced));
    assert!(events.iter().all(|e| !e.detail.contains("Taras")));
}

/// What the file's tabs send: consents (recorded by this laptop's author unless said), the
/// whole set of special needs, a matter closed and then edited without its state; dates out of
/// order and empty clauses refused with the field named, nothing saved.
#[test]
fn consents_special_needs_and_matters_are_edited_as_the_app_sends_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    p.set_author("Anna Nowak").unwrap();
    let id = client(&mut p, r#"{"given_names":"Olena","family_name":"Bondar"}"#);
    let update = |p: &mut Punkt, json: &str| {
        p.update_client(&id, ClientInput::from_json(json).unwrap())
            .map(drop)
    };
    let field = |r: Result<(), CoreError>| match r {
        Err(e) => (e.code().to_string(), e.field().map(str::to_string)),
        Ok(()) => panic!("accepted"),
    };

    update(
        &mut p,
        r#"{"consents":[{"clause":"Klauzula RODO 2026","language":"uk","given_on":"2026-11-02"}]}"#,
    )
    .unwrap();
    let c = p.client_view(&id).unwrap().consents[0].clone();
    assert_eq!(c.recorded_by.as_deref(), Some("Anna Nowak"));
    let before = p.client_view(&id).unwrap();
    for (json, f) in [
        (
            r#"{"consents":[{"clause":"  ","language":"uk","given_on":"2026-11-02"}]}"#,
            "consents.clause",
        ),
        (
            r#"{"consents":[{"clause":"K","language":"uk","given_on":"2026-02-30"}]}"#,
            "consents.given_on",
        ),
        (
            r#"{"consents":[{"clause":"K","language":"uk","given_on":"2026-11-02","withdrawn_on":"2026-10-01"}]}"#,
            "consents.withdrawn_on",
        ),
        (
            r#"{"matters":[{"kind":"international_protection","opened":"2026-05-01","closed":"2026-04-01"}]}"#,
            "matters.closed",
        ),
        (
            r#"{"legal_status":[{"status":"asylum_seeker","from":"2026-05-01","until":"2026-04-30"}]}"#,
            "legal_status.until",
        ),
    ] {
        assert_eq!(
            field(update(&mut p, json)),
            ("invalid_input".to_string(), Some(f.to_string())),
            "{json}"
        );
    }
    assert_eq!(
        serde_json::to_value(p.client_view(&id).unwrap()).unwrap(),
        serde_json::to_value(&before).unwrap(),
        "a refused update changes nothing"
    );
    // Withdrawn by its id, the rest unchanged.
    let withdraw = format!(
        r#"{{"consents":[{{"id":"{}","clause":"Klauzula RODO 2026","language":"uk","given_on":"2026-11-02","recorded_by":"Anna Nowak","withdrawn_on":"2026-11-20"}}]}}"#,
        c.id
    );
    update(&mut p, &withdraw).unwrap();
    let v = p.client_view(&id).unwrap();
    assert_eq!(v.consents.len(), 1);
    assert_eq!(v.consents[0].withdrawn_on.as_deref(), Some("2026-11-20"));

    // Special needs: the list given is the set.
    update(
        &mut p,
        r#"{"vulnerabilities":["torture_survivor","elderly"]}"#,
    )
    .unwrap();
    update(&mut p, r#"{"vulnerabilities":["elderly"]}"#).unwrap();
    assert_eq!(p.client_view(&id).unwrap().vulnerabilities, ["elderly"]);

    // A matter closed, then edited without its state: it stays closed.
    update(
        &mut p,
        r#"{"matters":[{"kind":"international_protection","opened":"2026-05-01"}]}"#,
    )
    .unwrap();
    let m = p.client_view(&id).unwrap().matters[0].clone();
    assert_eq!(m.status, "open");
    let closed = format!(
        r#"{{"matters":[{{"id":"{}","kind":"international_protection","opened":"2026-05-01","status":"won","closed":"2026-11-19"}}]}}"#,
        m.id
    );
    update(&mut p, &closed).unwrap();
    let note = format!(
        r#"{{"matters":[{{"id":"{}","kind":"international_protection","opened":"2026-05-01","closed":"2026-11-19","note":"decision delivered"}}]}}"#,
        m.id
    );
    update(&mut p, &note).unwrap();
    let m = p.client_view(&id).unwrap().matters[0].clone();
    assert_eq!(
        (m.status.as_str(), m.closed.as_deref()),
        ("won", Some("2026-11-19"))
    );
}

/// A limit the decision or the court set: in days (a court's order to pay a fee or complete a
/// complaint), counted like any limit; or on a named day, kept as named and flagged when it is
/// not a working day. Both need to say what they are for.
#[test]
fn deadlines_set_by_the_decision_or_the_court() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    let id = client(&mut p, TARAS);
    let input = |json: &str| DeadlineInput::from_json(json).unwrap().into_request();
    // 30 days from Thursday 5 November 2026 end Saturday 5 December: moved to Monday the 7th.
    let days = input(
        r#"{"rule":"custom-days","start":"2026-11-05","days":30,"note":"pay the court fee (court order)"}"#,
    )
    .unwrap();
    let rec = p.add_deadline(&id, days).unwrap();
    assert_eq!(rec.due.due, "2026-12-07", "{}", rec.due.explanation);
    assert_eq!(rec.due.limit, 30);
    // A letter not collected: deemed delivered 14 days after the first notice.
    let notice = input(
        r#"{"rule":"custom-days","start":"2026-11-02","first_notice":true,"days":7,"note":"complete the complaint (court order)"}"#,
    )
    .unwrap();
    let due = p.compute_deadline(&notice).unwrap();
    assert_eq!(due.deemed_delivery.as_deref(), Some("2026-11-16"));
    assert_eq!(due.due, "2026-11-23");
    // A named day, kept as named; a Sunday is flagged for the lawyer.
    let named = input(
        r#"{"rule":"custom-date","start":"2026-11-10","due":"2026-11-29","note":"hearing at the court"}"#,
    )
    .unwrap();
    let rec = p.add_deadline(&id, named).unwrap();
    assert_eq!(rec.due.due, "2026-11-29");
    assert!(
        rec.due.explanation.contains("Sunday"),
        "{}",
        rec.due.explanation
    );
    assert_eq!(rec.due.day_off.as_deref(), Some("Sunday"));
    // The board says what each is for, from the index.
    let board = p.deadline_board(None).unwrap();
    let notes: Vec<_> = board
        .iter()
        .map(|b| (b.rule.as_str(), b.note.as_deref()))
        .collect();
    assert_eq!(
        notes,
        [
            ("custom-date", Some("hearing at the court")),
            ("custom-days", Some("pay the court fee (court order)"))
        ]
    );
    let v = p.client_view(&id).unwrap();
    let mut rules: Vec<_> = v
        .deadlines
        .iter()
        .map(|d| (d.rule.as_str(), d.due.as_str()))
        .collect();
    rules.sort();
    assert_eq!(
        rules,
        [("custom-date", "2026-11-29"), ("custom-days", "2026-12-07")]
    );

    // Refused, the field named: no note, no days, no day, days out of range, a day before
    // the letter, a bad day.
    for (json, field) in [
        (
            r#"{"rule":"custom-days","start":"2026-11-05","days":30}"#,
            "note",
        ),
        (
            r#"{"rule":"custom-days","start":"2026-11-05","note":"x"}"#,
            "days",
        ),
        (
            r#"{"rule":"custom-date","start":"2026-11-05","note":"x"}"#,
            "due",
        ),
        (
            r#"{"rule":"custom-days","start":"2026-11-05","days":0,"note":"x"}"#,
            "days",
        ),
        (
            r#"{"rule":"custom-days","start":"2026-11-05","days":400,"note":"x"}"#,
            "days",
        ),
        (
            r#"{"rule":"custom-date","start":"2026-11-05","first_notice":true,"due":"2026-12-01","note":"x"}"#,
            "first_notice",
        ),
        (
            r#"{"rule":"custom-date","start":"2026-11-05","due":"2300-01-01","note":"x"}"#,
            "due",
        ),
        (
            r#"{"rule":"custom-date","start":"2026-11-05","due":"2026-11-01","note":"x"}"#,
            "due",
        ),
    ] {
        let e = input(json)
            .and_then(|r| p.compute_deadline(&r))
            .unwrap_err();
        assert_eq!(
            (e.code(), e.field()),
            ("invalid_input", Some(field)),
            "{json}: {e}"
        );
    }
    let e = input(r#"{"rule":"custom-date","start":"2026-11-05","due":"2026-02-30","note":"x"}"#)
        .unwrap_err();
    assert_eq!(e.field(), Some("due"));
    assert_eq!(
        p.client_view(&id).unwrap().deadlines.len(),
        2,
        "nothing refused was saved"
    );
}

/// Voluntary departure: the days the decision set, 8 to 30 since 7 April 2023, never moved to a
/// working day; a start known only within a range gives both deadlines, the earliest recorded;
/// a limit in hours needs the hour; every recorded deadline keeps the rule book it was counted
/// with.
#[test]
fn departure_ranges_of_starts_and_hours_are_recorded_as_counted() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    let id = client(&mut p, TARAS);
    let input = |json: &str| {
        DeadlineInput::from_json(json)
            .unwrap()
            .into_request()
            .unwrap()
    };
    // Delivered Tue 16 Dec 2025 with 8 days: Wed 24 Dec 2025, a holiday, and it stays.
    let rec = p
        .add_deadline(
            &id,
            input(r#"{"rule":"voluntary-departure","start":"2025-12-16","days":8}"#),
        )
        .unwrap();
    assert_eq!(rec.due.due, "2025-12-24", "{}", rec.due.explanation);
    let refused = p
        .compute_deadline(&input(
            r#"{"rule":"voluntary-departure","start":"2025-12-16","days":5}"#,
        ))
        .unwrap_err();
    assert!(refused.to_string().contains("8 to 30"), "{refused}");
    // The person got the letter some day between Mon 2 and Fri 6 March 2026: the 14-day appeal
    // ends between Mon 16 and Fri 20 March; the earliest is the one to keep.
    let rec = p
        .add_deadline(
            &id,
            input(
                r#"{"rule":"residence-appeal","start":"2026-03-02","start_latest":"2026-03-06"}"#,
            ),
        )
        .unwrap();
    assert_eq!(rec.due.due, "2026-03-16");
    assert!(rec.due.uncertain);
    let latest = rec.due.latest.clone().unwrap();
    assert_eq!(
        (latest.from.as_str(), latest.due.as_str()),
        ("2026-03-06", "2026-03-20")
    );
    let backwards = p
        .compute_deadline(&input(
            r#"{"rule":"residence-appeal","start":"2026-03-06","start_latest":"2026-03-02"}"#,
        ))
        .unwrap_err();
    assert!(
        backwards.to_string().contains("start_latest"),
        "{backwards}"
    );
    // Arrested Thu 24 Dec 2026 at 10:30: 48 hours end Sat 26 Dec at 10:30.
    let rec = p
        .add_deadline(
            &id,
            input(r#"{"rule":"arrest-48h","start":"2026-12-24","time":"10:30"}"#),
        )
        .unwrap();
    assert_eq!(
        (rec.due.due.as_str(), rec.due.due_time.as_deref()),
        ("2026-12-26", Some("10:30"))
    );
    let no_hour = p
        .compute_deadline(&input(r#"{"rule":"arrest-48h","start":"2026-12-24"}"#))
        .unwrap_err();
    assert!(no_hour.to_string().contains("hour"), "{no_hour}");
    assert!(DeadlineInput::from_json(
        r#"{"rule":"arrest-48h","start":"2026-12-24","time":"25:00"}"#
    )
    .unwrap()
    .into_request()
    .is_err());
    // The file keeps all of it, with the rule book's version.
    let file = p.client(&id).unwrap();
    let version = p.rules().version.clone();
    let mut kept: Vec<String> = file
        .deadlines
        .values()
        .map(|d| {
            format!(
                "{} {} {:?} {:?} {:?}",
                d.rule,
                d.due,
                d.due_time,
                d.due_latest.map(|l| l.to_string()),
                d.rules_version
            )
        })
        .collect();
    kept.sort();
    let v = format!("Some({version:?})");
    assert_eq!(
        kept,
        [
            format!("arrest-48h 2026-12-26 Some(\"10:30\") None {v}"),
            format!("residence-appeal 2026-03-16 None Some(\"2026-03-20\") {v}"),
            format!("voluntary-departure 2025-12-24 None None {v}"),
        ]
    );
}

/// A newer rule book installed here is used from then on and kept across a restart; a book that
/// does not read, or is not newer, is refused with the reason and the one in use stays.
/// Deadlines recorded before keep the version they were counted with.
#[test]
fn a_newer_rule_book_is_installed_and_a_bad_one_refused_keeping_the_last() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    let id = client(&mut p, TARAS);
    let built_in = punkt_model::deadlines::RuleBook::built_in_json();
    let before = p.rule_book();
    let recorded = p
        .add_deadline(&id, common::deadline("wsa-complaint", "2026-12-01"))
        .unwrap();
    assert_eq!(recorded.due.rules_version, before.version);
    // A corrected book: the complaint to the administrative court stated as 31 days.
    let newer = built_in
        .replace("\"version\": \"2026.1\"", "\"version\": \"2026.2\"")
        .replace("\"serial\": 1,", "\"serial\": 2,")
        .replacen("\"limit\": 30,\n      \"unit\": \"days\",\n      \"runs_from\": \"delivery\",\n      \"shift\": \"ppsa\"", "\"limit\": 31,\n      \"unit\": \"days\",\n      \"runs_from\": \"delivery\",\n      \"shift\": \"ppsa\"", 1);
    assert_ne!(newer, built_in);
    // Bad books first: refused, the built-in one stays.
    for (bad, why) in [
        ("{\"format\": 1}".to_string(), "rule book"),
        (built_in.to_string(), "not newer"),
        (
            newer.replace("\"limit\": 31", "\"limit\": 0"),
            "impossible limit",
        ),
    ] {
        let e = p.install_rule_book(&bad).unwrap_err().to_string();
        assert!(e.contains(why), "{e}");
        assert_eq!(p.rule_book(), before);
    }
    let installed = p.install_rule_book(&newer).unwrap();
    assert_eq!(
        (installed.version.as_str(), installed.serial),
        ("2026.2", 2)
    );
    let due = p
        .compute_deadline(&common::deadline("wsa-complaint", "2026-12-01"))
        .unwrap();
    assert_eq!((due.limit, due.rules_version.as_str()), (31, "2026.2"));
    // The same book again is not newer.
    assert!(p.install_rule_book(&newer).is_err());
    drop(p);
    let p = reopen(dir.path());
    assert_eq!(p.rule_book().version, "2026.2");
    // The deadline recorded before keeps its version and its day.
    let file = p.client(&id).unwrap();
    let kept = file.deadlines.values().next().unwrap();
    assert_eq!(kept.rules_version.as_deref(), Some(before.version.as_str()));
    assert_eq!(kept.due.to_string(), recorded.due.due);
}

/// Residence, detention, return and Dublin run side by side: a detained asylum seeker has two
/// statuses in force; a residence permit keeps its purpose, which no other status takes.
#[test]
fn statuses_in_force_per_track_and_a_permits_purpose() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    let id = client(&mut p, TARAS);
    let update =
        |p: &mut Punkt, json: &str| p.update_client(&id, ClientInput::from_json(json).unwrap());
    update(
        &mut p,
        r#"{"legal_status":[{"status":"asylum_seeker","from":"2026-09-01"},{"status":"detained","from":"2026-10-15","centre":"Przemyśl"}]}"#,
    )
    .unwrap();
    let v = p.client_view(&id).unwrap();
    assert_eq!(v.current_status.as_deref(), Some("asylum_seeker"));
    assert_eq!(v.statuses_in_force, ["asylum_seeker", "detained"]);
    let tracks: Vec<&str> = v.legal_status.iter().map(|s| s.track.as_str()).collect();
    assert_eq!(tracks, ["residence", "detention"]);
    // A purpose only for a residence permit.
    let e = update(
        &mut p,
        r#"{"legal_status":[{"status":"refugee_status","from":"2026-11-01","purpose":"work"}]}"#,
    )
    .unwrap_err();
    assert!(
        matches!(&e, CoreError::Model(m) if m.field_name() == Some("legal_status.purpose")),
        "{e}"
    );
    let e = update(
        &mut p,
        r#"{"legal_status":[{"status":"temporary_residence","from":"2026-11-01","purpose":"tourism"}]}"#,
    )
    .unwrap_err();
    assert!(e.to_string().contains("residence purpose"), "{e}");
    update(
        &mut p,
        r#"{"legal_status":[{"status":"temporary_residence","from":"2026-11-01","purpose":"family"}]}"#,
    )
    .unwrap();
    let v = p.client_view(&id).unwrap();
    let permit = v
        .legal_status
        .iter()
        .find(|s| s.status == "temporary_residence")
        .unwrap();
    assert_eq!(permit.purpose.as_deref(), Some("family"));
    assert_eq!(v.statuses_in_force, ["temporary_residence", "detained"]);
}

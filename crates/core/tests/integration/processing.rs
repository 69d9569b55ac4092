//! Legal bases of processing (issue 14, item 7): consent is one basis among several; each
//! purpose has its basis, checked against the file's consents; a withdrawn consent ends the
//! basis resting on it; the access document tells the person what Art. 15(1) GDPR requires.

use crate::common;

use common::*;
use punkt_core::retention::{RetentionAction, RetentionRule};
use punkt_core::ClientInput;

fn bases(
    p: &mut punkt_core::Punkt,
    id: &str,
    json: &str,
) -> punkt_core::Result<punkt_core::ClientView> {
    p.update_client(
        id,
        ClientInput::from_json(&format!(r#"{{"processing":{json}}}"#)).unwrap(),
    )?;
    p.client_view(id)
}

#[test]
fn each_purpose_has_a_basis_checked_against_the_consents() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    p.set_author("Anna").unwrap();
    let id = client(
        &mut p,
        r#"{"given_names":"Taras","family_name":"Shevchenko","consents":[{"clause":"Klauzula 2026","language":"uk","given_on":"2026-11-02"}]}"#,
    );
    let consent = p.client_view(&id).unwrap().consents[0].id.clone();

    // Detained and represented without a consent form: legal claims.
    let v = bases(
        &mut p,
        &id,
        r#"[{"purpose":"representation","basis":"legal_claims","since":"2026-11-01"}]"#,
    )
    .unwrap();
    assert_eq!(v.processing.len(), 1);
    assert_eq!(v.processing[0].articles, "Art. 6(1)(f), 9(2)(f)");
    assert_eq!(
        v.processing[0].recorded_by.as_deref(),
        Some("Anna"),
        "who relied on it"
    );
    assert!(v.processing[0].in_force);

    for (json, field, why) in [
        (
            r#"[{"purpose":"social_support","basis":"consent","since":"2026-11-03"}]"#,
            "processing.consent_id",
            "names the consent",
        ),
        (
            r#"[{"purpose":"social_support","basis":"consent","since":"2026-11-03","consent_id":"nope"}]"#,
            "processing.consent_id",
            "no consent nope",
        ),
        (
            &format!(
                r#"[{{"purpose":"social_support","basis":"consent","since":"2026-11-01","consent_id":"{consent}"}}]"#
            ),
            "processing.since",
            "given on 2026-11-02",
        ),
        (
            &format!(
                r#"[{{"purpose":"legal_aid","basis":"legal_claims","since":"2026-11-03","consent_id":"{consent}"}}]"#
            ),
            "processing.consent_id",
            "only a basis of consent",
        ),
        (
            r#"[{"purpose":"psychological_support","basis":"legitimate_interest","since":"2026-11-03"}]"#,
            "processing.basis",
            "health data",
        ),
        (
            r#"[{"purpose":"legal_aid","basis":"legal_claims","since":"2026-11-03","ended_on":"2026-11-02"}]"#,
            "processing.ended_on",
            "ends before it starts",
        ),
        (
            r#"[{"purpose":"marketing","basis":"consent","since":"2026-11-03"}]"#,
            "processing purpose",
            "not one of",
        ),
        (
            r#"[{"purpose":"legal_aid","basis":"whim","since":"2026-11-03"}]"#,
            "legal basis",
            "not one of",
        ),
    ] {
        let e = bases(&mut p, &id, json).unwrap_err();
        assert_eq!(e.field(), Some(field), "{json}: {e}");
        assert!(e.to_string().contains(why), "{e}");
    }
    assert_eq!(
        p.client_view(&id).unwrap().processing.len(),
        1,
        "nothing written"
    );

    // Psychological support on consent; withdrawing the consent ends it.
    let v = bases(
        &mut p,
        &id,
        &format!(r#"[{{"purpose":"psychological_support","basis":"consent","since":"2026-11-03","consent_id":"{consent}"}}]"#),
    )
    .unwrap();
    assert!(v.processing.iter().all(|b| b.in_force));
    p.update_client(
        &id,
        ClientInput::from_json(&format!(
            r#"{{"consents":[{{"id":"{consent}","clause":"Klauzula 2026","language":"uk","given_on":"2026-11-02","withdrawn_on":"2026-11-10"}}]}}"#
        ))
        .unwrap(),
    )
    .unwrap();
    let v = p.client_view(&id).unwrap();
    let psych = v
        .processing
        .iter()
        .find(|b| b.purpose == "psychological_support")
        .unwrap();
    assert!(!psych.in_force);
    assert_eq!(psych.consent_withdrawn_on.as_deref(), Some("2026-11-10"));
    let rep = v
        .processing
        .iter()
        .find(|b| b.purpose == "representation")
        .unwrap();
    assert!(rep.in_force, "legal claims do not rest on the consent");
}

#[test]
fn the_access_document_gives_purposes_bases_recipients_retention_and_rights() {
    use punkt_core::referrals::ReferralInput;
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    let id = client(
        &mut p,
        r#"{"given_names":"Taras","family_name":"Shevchenko","consents":[{"clause":"Klauzula 2026","language":"uk","given_on":"2026-11-02"}]}"#,
    );
    let consent = p.client_view(&id).unwrap().consents[0].id.clone();
    bases(
        &mut p,
        &id,
        &format!(r#"[{{"purpose":"legal_aid","basis":"legal_claims","since":"2026-11-02"}},{{"purpose":"referral","basis":"consent","since":"2026-11-02","consent_id":"{consent}"}}]"#),
    )
    .unwrap();
    let pl = p.access_document(&id, "pl").unwrap();
    for expected in [
        "Cele i podstawy prawne przetwarzania",
        "Pomoc prawna",
        "Ustalenie, dochodzenie lub obrona roszczeń (art. 6 ust. 1 lit. f, art. 9 ust. 2 lit. f RODO)",
        "Skierowanie do innej organizacji",
        "Zgoda (art. 6 ust. 1 lit. a",
        "art. 15 ust. 1 RODO",
        "Nie przekazaliśmy Twoich danych innym organizacjom.",
        "nie ustaliła jeszcze stałego okresu",
        "Prezesa Urzędu Ochrony Danych Osobowych",
        "w sposób zautomatyzowany",
        "Europejskiego Obszaru Gospodarczego",
    ] {
        assert!(pl.contains(expected), "missing: {expected}");
    }

    p.refer(
        &id,
        ReferralInput::from_json(&format!(
            r#"{{"to_organisation":"Fundacja B","service":"housing","consent_id":"{consent}","reason":"needs a room","share":{{"phone":false,"birth_date":true}}}}"#
        ))
        .unwrap(),
    )
    .unwrap();
    p.set_retention_rule(Some(RetentionRule {
        closed_years: 5,
        action: RetentionAction::Anonymise,
    }))
    .unwrap();
    let req = p.access_request(&id).unwrap();
    assert_eq!(req.article_15.recipients, ["Fundacja B"]);
    assert_eq!(req.article_15.retention.unwrap().closed_years, 5);
    let en = p.access_document(&id, "en").unwrap();
    assert!(en.contains("you were referred to: Fundacja B."), "{en}");
    assert!(en.contains("for 5 years are anonymised"), "{en}");
    for lang in ["uk", "ru"] {
        let doc = p.access_document(&id, lang).unwrap();
        assert!(
            doc.contains("GDPR") && doc.contains("Fundacja B") && doc.contains("Stawki 2"),
            "{lang}"
        );
    }
}

#[test]
fn the_record_of_processing_and_the_dpia_template_come_from_the_settings() {
    use punkt_core::organisation::ControllerInput;
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    // Nothing set yet: the record says what to fill in.
    let pl = p.processing_record("pl").unwrap();
    assert!(
        pl.contains("Rejestr czynności przetwarzania") && pl.contains("Fundacja Pomocy Prawnej")
    );
    assert!(pl.contains("nie podano – uzupełnij") && pl.contains("nie wyznaczono"));
    assert!(pl.contains("nie ustaliła jeszcze okresu przechowywania"));

    let view = p
        .put_controller(ControllerInput {
            legal_name: "Fundacja Pomocy Prawnej <Lublin>".into(),
            address: Some("ul. Narutowicza 1, 20-001 Lublin".into()),
            contact: Some("rodo@fpp.example.org".into()),
            registry: Some("0000123456".into()),
            dpo: None,
        })
        .unwrap();
    assert_eq!(view.controller.registry.as_deref(), Some("0000123456"));
    p.set_retention_rule(Some(RetentionRule {
        closed_years: 10,
        action: RetentionAction::Erase,
    }))
    .unwrap();
    let pl = p.processing_record("pl").unwrap();
    for expected in [
        "Fundacja Pomocy Prawnej &lt;Lublin&gt;",
        "ul. Narutowicza 1",
        "rodo@fpp.example.org",
        "0000123456",
        "Pomoc prawna",
        "Wsparcie psychologiczne",
        "art. 9 ust. 2 lit. f",
        "przez 10 lat są usuwane",
        "SQLCipher",
    ] {
        assert!(pl.contains(expected), "record lacks {expected}");
    }
    assert!(!pl.contains("<Lublin>"), "typed text is escaped");
    let en = p.processing_record("en").unwrap();
    assert!(
        en.contains("Record of processing activities") && en.contains("for 10 years are erased")
    );

    client(
        &mut p,
        r#"{"given_names":"Taras","family_name":"Shevchenko"}"#,
    );
    let dpia = p.dpia_template("pl").unwrap();
    for expected in [
        "Ocena skutków",
        "art. 35",
        "Utrata, kradzież",
        "<td>1</td>",
        "…",
    ] {
        assert!(dpia.contains(expected), "DPIA lacks {expected}");
    }
    for lang in ["uk", "ru"] {
        let r = p.processing_record(lang).unwrap();
        let d = p.dpia_template(lang).unwrap();
        assert!(r.contains("GDPR") && d.contains("GDPR"), "{lang}");
        assert!(
            !r.contains("measure_") && !d.contains("risk_"),
            "{lang}: an untranslated key"
        );
    }
    assert_eq!(
        p.processing_record("de").unwrap_err().code(),
        "invalid_input"
    );

    // Only a coordinator changes the controller.
    p.set_local_role("counsellor").unwrap();
    let e = p.put_controller(ControllerInput::default()).unwrap_err();
    assert_eq!(e.code(), "forbidden");
    assert_eq!(
        p.org_settings().unwrap().controller.contact.as_deref(),
        Some("rodo@fpp.example.org")
    );
}

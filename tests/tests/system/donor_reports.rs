//! Projects and group activities travel through the server like any other work (issue 14,
//! item 6): the organisation's projects, set by a coordinator, reach every laptop of the
//! organisation and tag their consultations and activities; the organisation's report then
//! counts everyone's work. Only a coordinator's changes to the settings are taken: a laptop
//! whose role was tampered with is refused by the server, and the settings stay as they were.

use punkt_core::activities::ActivityInput;
use punkt_core::organisation::ProjectInput;
use punkt_core::report::ReportOptions;
use punkt_core::ConsultationInput;
use punkt_sync::wire::Outcome;
use punkt_system_tests::{Device, TestServer};

const A: &str = "Fundacja A";
const B: &str = "Stowarzyszenie B";

fn project(code: &str) -> ProjectInput {
    ProjectInput {
        code: code.into(),
        name: format!("Project {code}"),
        funder: Some("UNHCR".into()),
        ..Default::default()
    }
}

fn training(project: &str, participants: u64) -> ActivityInput {
    ActivityInput::from_json(&format!(
        r#"{{"kind":"training","date":"2026-11-10","place":{{"kind":"point","city":"Lublin"}},"topic":"work permits","participants":{participants},"project":"{project}"}}"#
    ))
    .unwrap()
}

fn day(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

#[test]
fn projects_and_activities_reach_the_organisation_and_only_a_coordinator_changes_projects() {
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

    anna.punkt.put_project(project("AMIF-26")).unwrap();
    anna.punkt.record_activity(training("AMIF-26", 12)).unwrap();
    assert!(anna.sync(&server).refused.is_empty());
    // Olga's organisation holds none of it.
    olga.sync(&server);
    assert!(olga.punkt.org_settings().unwrap().projects.is_empty());
    assert!(olga
        .punkt
        .activities(day("2026-01-01"), day("2026-12-31"))
        .unwrap()
        .is_empty());

    // Marek's laptop has the project and the training after a sync, tags his own work with it,
    // and cannot change the projects.
    marek.sync(&server);
    let settings = marek.punkt.org_settings_view().unwrap();
    assert_eq!(settings.projects[0].code, "AMIF-26");
    assert!(!settings.editable);
    assert_eq!(
        marek.punkt.put_project(project("MINE")).unwrap_err().code(),
        "forbidden"
    );
    assert_eq!(
        marek
            .punkt
            .activities(day("2026-01-01"), day("2026-12-31"))
            .unwrap()
            .len(),
        1
    );
    let person = marek.add(r#"{"given_names":"Ahmad","family_name":"Rahimi","languages":["prs"]}"#);
    marek
        .punkt
        .add_consultation(
            &person,
            ConsultationInput::from_json(
                r#"{"date":"2026-11-11","place":{"kind":"point","city":"Lublin"},"services":["legal"],"project":"AMIF-26"}"#,
            )
            .unwrap(),
        )
        .unwrap();
    marek.punkt.record_activity(training("AMIF-26", 8)).unwrap();
    assert!(marek.sync(&server).refused.is_empty());

    // The coordinator's report for the project counts both laptops' work.
    anna.sync(&server);
    let r = anna
        .punkt
        .report(
            day("2026-01-01"),
            day("2026-12-31"),
            &ReportOptions {
                age_bands: None,
                project: Some("AMIF-26".into()),
            },
        )
        .unwrap();
    assert_eq!(r.total.people, 1);
    assert_eq!(
        (r.activities.activities, r.activities.participants),
        (2, 20)
    );

    // A laptop whose role was changed by hand passes its own check, not the server's.
    let enrolment = marek
        .punkt
        .store()
        .meta_value("sync_enrolment")
        .unwrap()
        .unwrap();
    assert!(enrolment.contains("\"role\":\"lawyer\""), "{enrolment}");
    marek
        .punkt
        .store()
        .set_meta(
            "sync_enrolment",
            &enrolment.replace("\"role\":\"lawyer\"", "\"role\":\"coordinator\""),
        )
        .unwrap();
    marek.punkt.put_project(project("MINE")).unwrap();
    let summary = marek.sync(&server);
    let refused: Vec<_> = summary
        .refused
        .iter()
        .filter(|r| r.doc_id == "org-settings-Fundacja A")
        .collect();
    assert_eq!(refused.len(), 1, "{:?}", summary.refused);
    assert_eq!(refused[0].code, "forbidden");
    assert!(
        refused[0].message.contains("only a coordinator"),
        "{}",
        refused[0].message
    );
    anna.sync(&server);
    let codes: Vec<String> = anna
        .punkt
        .org_settings()
        .unwrap()
        .projects
        .keys()
        .cloned()
        .collect();
    assert_eq!(
        codes,
        ["AMIF-26"],
        "the server kept the settings as they were"
    );

    // The retention rule is the organisation's: set on the coordinator's laptop, every laptop
    // of the organisation tells people the same period.
    use punkt_core::retention::{RetentionAction, RetentionRule};
    marek
        .punkt
        .store()
        .set_meta("sync_enrolment", &enrolment)
        .unwrap();
    let rule = RetentionRule {
        closed_years: 6,
        action: RetentionAction::Anonymise,
    };
    anna.punkt.set_retention_rule(Some(rule)).unwrap();
    anna.sync(&server);
    marek.sync(&server);
    assert_eq!(marek.punkt.retention_rule().unwrap(), Some(rule));
    let doc = marek.punkt.access_document(&person, "en").unwrap();
    assert!(doc.contains("for 6 years are anonymised"), "{doc}");
    assert_eq!(
        marek.punkt.set_retention_rule(None).unwrap_err().code(),
        "forbidden"
    );
}

/// Sensitive flags travel in the medical section: a lawyer's laptop records one, the other
/// lawyer's receives it, the counsellor's and the coordinator's never do (and say their reports
/// do not count them).
#[test]
fn sensitive_flags_reach_only_the_roles_that_read_the_medical_section() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    server.people(&[
        (A, "anna", "coordinator"),
        (A, "marek", "lawyer"),
        (A, "ola", "lawyer"),
        (A, "zofia", "counsellor"),
    ]);
    let mut anna = Device::enrolled(&server, A, "anna");
    let mut marek = Device::enrolled(&server, A, "marek");
    let mut ola = Device::enrolled(&server, A, "ola");
    let mut zofia = Device::enrolled(&server, A, "zofia");
    for d in [&mut anna, &mut marek, &mut ola, &mut zofia] {
        d.sync(&server);
    }
    let id = marek.add(
        r#"{"given_names":"Ahmad","family_name":"Rahimi","vulnerabilities":["torture_survivor","single_parent"]}"#,
    );
    let today = marek.punkt.today();
    marek
        .punkt
        .add_consultation(
            &id,
            ConsultationInput::from_json(&format!(
                r#"{{"date":"{today}","place":{{"kind":"remote"}},"services":["legal"]}}"#
            ))
            .unwrap(),
        )
        .unwrap();
    assert!(marek.sync(&server).refused.is_empty());
    for d in [&mut anna, &mut ola, &mut zofia] {
        d.sync(&server);
    }
    assert_eq!(
        ola.punkt.client_view(&id).unwrap().vulnerabilities,
        ["single_parent", "torture_survivor"]
    );
    for d in [&anna, &zofia] {
        let v = d.punkt.client_view(&id).unwrap();
        assert_eq!(v.vulnerabilities, ["single_parent"]);
        assert!(!v.sensitive_visible);
        let r = d
            .punkt
            .report(today, today, &ReportOptions::default())
            .unwrap();
        assert!(!r.sensitive_counted);
        assert!(!r.rows.iter().any(|x| x.value == "torture_survivor"));
    }
    let r = ola
        .punkt
        .report(today, today, &ReportOptions::default())
        .unwrap();
    assert!(r.sensitive_counted);
    assert!(r
        .rows
        .iter()
        .any(|x| x.value == "torture_survivor" && x.service == "all" && x.people == 1));
    // The counsellor's edit of the ordinary flags keeps the sensitive one for the lawyers.
    zofia
        .punkt
        .update_client(
            &id,
            punkt_core::ClientInput::from_json(
                r#"{"vulnerabilities":["single_parent","elderly"]}"#,
            )
            .unwrap(),
        )
        .unwrap();
    zofia.sync(&server);
    ola.sync(&server);
    assert_eq!(
        ola.punkt.client_view(&id).unwrap().vulnerabilities,
        ["elderly", "single_parent", "torture_survivor"]
    );
}

/// A push of the settings' id under another kind (to plant settings the laptops would read), of
/// settings under another id, or of another organisation's settings id is refused.
#[test]
fn the_settings_id_is_reserved_for_the_organisations_settings() {
    use punkt_core::sync::Transport;
    use punkt_sync::wire::{DocPush, Push};
    use punkt_sync::{decode_response, encode_request, Request, Response};
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    server.people(&[
        (A, "zofia", "counsellor"),
        (A, "anna", "coordinator"),
        (B, "olga", "coordinator"),
    ]);
    let zofia = Device::enrolled(&server, A, "zofia");
    let olga = Device::enrolled(&server, B, "olga");
    let push = |d: &Device, id: &str, kind: &str, owner: &str| {
        let token = d.punkt.store().meta_value("sync_token").unwrap().unwrap();
        let mut t = punkt_core::sync::HttpTransport::new(&server.url, &token, None).unwrap();
        let req = encode_request(&Request::Push(Push {
            cursor: 0,
            page_limit: 10,
            docs: vec![DocPush {
                doc_id: id.into(),
                kind: kind.into(),
                owner_org: owner.into(),
                base_heads: vec![],
                changes: vec![punkt_sync::wire::SealedChange {
                    hash: punkt_sync::Hash([7; 32]),
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
        let Ok(Response::Push(reply)) = decode_response(&t.exchange(&req).unwrap()) else {
            panic!("a push reply")
        };
        match &reply.results[0].outcome {
            Outcome::Refused(r) => format!("{} {}", r.code, r.message),
            other => format!("{other:?}"),
        }
    };
    let planted = push(&zofia, "org-settings-Fundacja A", "group_activity", A);
    assert!(
        planted.contains("forbidden") && planted.contains("org-settings"),
        "{planted}"
    );
    let elsewhere = push(&olga, "org-settings-Fundacja A", "org_settings", B);
    assert!(elsewhere.contains("forbidden"), "{elsewhere}");
    let other_id = push(&olga, "my-settings", "org_settings", B);
    assert!(other_id.contains("forbidden"), "{other_id}");
}

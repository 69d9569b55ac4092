//! A coordinator manages the organisation's people and laptops from their own laptop
//! (protocol version 4): lists them, adds a person, makes a one-time code a new laptop enrols
//! with, and revokes a lost laptop, which is refused and told to wipe. Only coordinators, only
//! their own organisation's, and everything logged.

use punkt_core::error::CoreError;
use punkt_core::Punkt;
use punkt_system_tests::{Device, TestServer, FAST, PASS};

fn code<T: std::fmt::Debug>(r: Result<T, CoreError>) -> String {
    match r {
        Err(e) => e.code().to_string(),
        Ok(v) => panic!("expected a refusal, got {v:?}"),
    }
}

#[test]
fn a_coordinator_enrols_and_revokes_the_organisations_laptops_and_no_one_elses() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    server.people(&[
        ("Fundacja A", "ala", "coordinator"),
        ("Fundacja A", "bartek", "counsellor"),
        ("Fundacja B", "basia", "lawyer"),
        ("Fundacja B", "bogna", "coordinator"),
    ]);
    let ala = Device::enrolled(&server, "Fundacja A", "ala");
    let mut bartek = Device::enrolled(&server, "Fundacja A", "bartek");
    let mut basia = Device::enrolled(&server, "Fundacja B", "basia");
    let _bogna = Device::enrolled(&server, "Fundacja B", "bogna");
    let mut t = ala.transport(&server);

    // Only A's people and laptops.
    let team = ala.punkt.team(&mut t).unwrap();
    assert_eq!(team.organisation, "Fundacja A");
    let users: Vec<_> = team
        .users
        .iter()
        .map(|u| (u.name.as_str(), u.role.as_str()))
        .collect();
    assert_eq!(users, [("ala", "coordinator"), ("bartek", "counsellor")]);
    let mut laptops: Vec<_> = team.devices.iter().map(|d| d.user.as_str()).collect();
    laptops.sort();
    assert_eq!(laptops, ["ala", "bartek"]);
    assert!(team.devices.iter().all(|d| d.revoked_at.is_none()));

    // A new counsellor, and a code her new laptop enrols with.
    let team = ala
        .punkt
        .add_team_user(&mut t, " celina ", "counsellor")
        .unwrap();
    assert!(team
        .users
        .iter()
        .any(|u| u.name == "celina" && u.role == "counsellor"));
    let enrol = ala.punkt.enrol_code(&mut t, "celina", 2).unwrap();
    assert_eq!(enrol.user, "celina");
    assert_eq!(
        enrol.code.len(),
        24,
        "XXXX-XXXX-XXXX-SSSS-SSSS: the last two groups never reach the server"
    );
    let celina_dir = tempfile::tempdir().unwrap();
    let mut celina =
        Punkt::init_with(&celina_dir.path().join("store"), PASS, "Fundacja A", FAST).unwrap();
    let e = celina
        .enroll(&server.url, &enrol.code, "celina's laptop", None)
        .unwrap();
    assert_eq!((e.user.as_str(), e.role.as_str()), ("celina", "counsellor"));
    // The code is used up.
    let again = tempfile::tempdir().unwrap();
    let mut other =
        Punkt::init_with(&again.path().join("store"), PASS, "Fundacja A", FAST).unwrap();
    assert_eq!(
        code(other.enroll(&server.url, &enrol.code, "another laptop", None)),
        "bad_enrolment_code"
    );

    // Refusals: another organisation's person or laptop is unknown here; a taken name, an
    // unknown role, a code valid for no time, and revoking one's own laptop are refused.
    assert_eq!(code(ala.punkt.enrol_code(&mut t, "basia", 2)), "not_found");
    assert_eq!(
        code(ala.punkt.revoke_device(&mut t, &basia.device_id)),
        "not_found"
    );
    assert_eq!(
        code(ala.punkt.add_team_user(&mut t, "basia", "lawyer")),
        "name_taken"
    );
    assert_eq!(
        code(ala.punkt.add_team_user(&mut t, "dorota", "boss")),
        "invalid_input"
    );
    assert_eq!(
        code(ala.punkt.enrol_code(&mut t, "celina", 0)),
        "invalid_input"
    );
    assert_eq!(
        code(ala.punkt.revoke_device(&mut t, &ala.device_id)),
        "invalid_input"
    );
    assert!(
        basia.sync(&server).refused.is_empty(),
        "B's laptop is untouched"
    );
    // A counsellor may do none of it.
    let mut tb = bartek.transport(&server);
    assert_eq!(code(bartek.punkt.team(&mut tb)), "forbidden");
    assert_eq!(
        code(bartek.punkt.enrol_code(&mut tb, "bartek", 2)),
        "forbidden"
    );
    assert_eq!(
        code(bartek.punkt.add_team_user(&mut tb, "x", "lawyer")),
        "forbidden"
    );
    assert_eq!(
        code(bartek.punkt.revoke_device(&mut tb, &ala.device_id)),
        "forbidden"
    );

    // Bartek's laptop is lost: revoked, it is refused and told to wipe at its next contact.
    bartek.add(r#"{"given_names":"Olena","family_name":"Bondar"}"#);
    let team = ala.punkt.revoke_device(&mut t, &bartek.device_id).unwrap();
    let lost = team
        .devices
        .iter()
        .find(|d| d.device_id == bartek.device_id)
        .unwrap();
    assert!(lost.revoked_at.is_some());
    let mut tb = bartek.transport(&server);
    match bartek.punkt.sync_with(&mut tb, &mut |_| {}) {
        Err(CoreError::SyncRefused { code, wipe, .. }) => {
            assert_eq!((code.as_str(), wipe), ("device_revoked", true))
        }
        other => panic!("{other:?}"),
    }
    // Revoking again changes nothing and logs nothing more.
    ala.punkt.revoke_device(&mut t, &bartek.device_id).unwrap();

    // The log names the coordinator as the one who acted; no organisation B entry mentions A.
    let log = server.audit();
    let by_ala = |action: &str| {
        log.iter()
            .filter(|e| e.action == action && e.user.as_deref() == Some("ala"))
            .count()
    };
    assert_eq!(
        (by_ala("user_add"), by_ala("enrol_code"), by_ala("revoke")),
        (1, 1, 1)
    );
    assert!(log
        .iter()
        .any(|e| e.action == "revoke" && e.detail.starts_with("bartek's laptop")));
    assert!(log
        .iter()
        .any(|e| e.action == "refused" && e.user.as_deref() == Some("bartek")));
}

/// Four eyes for what opens restricted notes or locks a coordinator out (issue 12, items 5 and
/// 9): a person whose role reads restricted sections, a laptop code for such a person, and
/// revoking another coordinator's laptop wait for a second coordinator (or the administrator);
/// the coordinator who asked cannot approve it; until then nothing happens.
#[test]
fn restricted_roles_and_revoking_a_coordinator_need_a_second_coordinator() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    server.people(&[
        ("Fundacja A", "ala", "coordinator"),
        ("Fundacja A", "ewa", "coordinator"),
        ("Fundacja A", "marek", "lawyer"),
    ]);
    let ala = Device::enrolled(&server, "Fundacja A", "ala");
    let mut ewa = Device::enrolled(&server, "Fundacja A", "ewa");
    let (mut ta, mut te) = (ala.transport(&server), ewa.transport(&server));

    // A psychologist: asked for, not added.
    let team = ala
        .punkt
        .add_team_user(&mut ta, "pola", "psychologist")
        .unwrap();
    assert!(team.users.iter().all(|u| u.name != "pola"));
    assert_eq!(team.pending.len(), 1);
    let ask = team.pending[0].clone();
    assert_eq!(
        (
            ask.action.as_str(),
            ask.subject.as_str(),
            ask.role.as_deref()
        ),
        ("add_user", "pola", Some("psychologist"))
    );
    assert_eq!(ask.requested_by, "ala");
    // Not by the one who asked.
    assert_eq!(code(ala.punkt.approve(&mut ta, &ask.id, true)), "forbidden");
    let team = ewa.punkt.approve(&mut te, &ask.id, true).unwrap();
    assert!(team
        .users
        .iter()
        .any(|u| u.name == "pola" && u.role == "psychologist"));
    assert!(team.pending.is_empty());
    assert_eq!(
        code(ewa.punkt.approve(&mut te, &ask.id, true)),
        "not_found",
        "approved once"
    );

    // A laptop for her: the one who asks gets no code; the code is made when a second
    // coordinator approves, and goes to that coordinator.
    let enrol = ala.punkt.enrol_code(&mut ta, "pola", 2).unwrap();
    assert!(enrol.awaiting_approval);
    assert!(enrol.code.is_empty(), "the one who asked holds no code");
    let id = ala.punkt.team(&mut ta).unwrap().pending[0].id.clone();
    let approved = ewa.punkt.approve(&mut te, &id, true).unwrap();
    let code_made = approved.issued.expect("the approver gets the code").code;
    let pola_dir = tempfile::tempdir().unwrap();
    let mut pola = Punkt::init_with(&pola_dir.path().join("s"), PASS, "Fundacja A", FAST).unwrap();
    pola.enroll(&server.url, &code_made, "pola's laptop", None)
        .unwrap();

    // A lawyer's code declined: none is made.
    let lawyer = ala.punkt.enrol_code(&mut ta, "marek", 2).unwrap();
    assert!(lawyer.awaiting_approval && lawyer.code.is_empty());
    let id = ala.punkt.team(&mut ta).unwrap().pending[0].id.clone();
    assert!(ewa
        .punkt
        .approve(&mut te, &id, false)
        .unwrap()
        .issued
        .is_none());

    // A coordinator cannot make a second coordinator alone (who could then approve the
    // first one's requests), nor a code for a coordinator's laptop.
    let team = ala
        .punkt
        .add_team_user(&mut ta, "ala2", "coordinator")
        .unwrap();
    assert!(team.users.iter().all(|u| u.name != "ala2"));
    assert_eq!(team.pending.last().unwrap().action, "add_user");
    assert!(
        ala.punkt
            .enrol_code(&mut ta, "ewa", 2)
            .unwrap()
            .awaiting_approval
    );
    for p in ala.punkt.team(&mut ta).unwrap().pending {
        ewa.punkt.approve(&mut te, &p.id, false).unwrap();
    }

    // Ala revokes Ewa's laptop: it waits, and Ewa's laptop still syncs; Ewa cannot decline
    // the revocation of her own laptop (a thief holding it could).
    let team = ala.punkt.revoke_device(&mut ta, &ewa.device_id).unwrap();
    assert!(team.devices.iter().all(|d| d.revoked_at.is_none()));
    assert_eq!(team.pending[0].action, "revoke");
    assert!(ewa.punkt.sync_with(&mut te, &mut |_| {}).is_ok());
    assert_eq!(
        code(ewa.punkt.approve(&mut te, &team.pending[0].id, false)),
        "forbidden"
    );
    // The administrator approves: revoked now.
    server.approve(&team.pending[0].id);
    let e = ewa.punkt.sync_with(&mut te, &mut |_| {}).unwrap_err();
    assert_eq!(e.code(), "device_revoked");
    let audit = server.audit();
    for action in ["approval_asked", "approved", "declined"] {
        assert!(
            audit.iter().any(|e| e.action == action),
            "{action} not logged"
        );
    }
}

/// A code a coordinator's laptop makes is split: the server sees 12 characters; the last 8
/// stay on the screen. The new laptop proves it knows them over its public key, and any
/// laptop of the organisation that syncs gives it keys, with no one comparing check codes. A
/// mistyped secret part still enrols (the server cannot tell) but proves nothing: that laptop
/// waits for its check code to be compared. The server's database never holds a secret part.
#[test]
fn a_split_code_gets_the_new_laptop_its_keys_without_comparing_check_codes() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    server.people(&[
        ("Fundacja A", "ala", "coordinator"),
        ("Fundacja A", "bartek", "counsellor"),
        ("Fundacja A", "cezary", "counsellor"),
        ("Fundacja A", "dora", "lawyer"),
    ]);
    let mut ala = Device::enrolled(&server, "Fundacja A", "ala");
    let mut bartek = Device::enrolled(&server, "Fundacja A", "bartek");
    let id = ala.add(r#"{"given_names":"Olena","family_name":"Bondar"}"#);
    ala.sync(&server);

    let mut t = ala.transport(&server);
    let right = ala.punkt.enrol_code(&mut t, "cezary", 2).unwrap();
    let secret: String = right.code.replace('-', "")[12..].to_string();
    let mistyped = ala.punkt.enrol_code(&mut t, "dora", 2).unwrap();
    assert!(
        mistyped.awaiting_approval,
        "a lawyer's code waits for a second coordinator"
    );
    let held = server
        .approve(&server.approvals_of("Fundacja A")[0])
        .unwrap();
    // The administrator's approval gives a 12-character code: no secret part, check code.
    assert_eq!(held.replace('-', "").len(), 12);

    let new_laptop = |name: &str, code: &str| {
        let d = tempfile::tempdir().unwrap();
        let mut p = Punkt::init_with(&d.path().join("store"), PASS, "Fundacja A", FAST).unwrap();
        p.enroll(&server.url, code, name, None).unwrap();
        (d, p)
    };
    let sync = |p: &mut Punkt| {
        let mut t = p.transport_to(&server.url, None).unwrap();
        p.sync_with(&mut t, &mut |_| {}).unwrap()
    };
    let (_c, mut cezary) = new_laptop("cezary's laptop", &right.code);
    let (_d, mut dora) = new_laptop("dora's laptop", &held);
    assert!(
        sync(&mut cezary).awaiting_keys.is_some(),
        "no laptop of A has synced since"
    );
    // Bartek's laptop (a counsellor's, not the coordinator's) syncs: it checks the proof and
    // gives the keys.
    let s = bartek.sync(&server);
    assert_eq!(s.keys_given, 1, "{s:?}");
    assert_eq!(
        s.waiting_for_keys.len(),
        1,
        "dora's laptop still waits: {s:?}"
    );
    let s = sync(&mut cezary);
    assert_eq!(s.awaiting_keys, None);
    assert_eq!(s.new_documents, 1);
    assert_eq!(cezary.client(&id).unwrap().person.family_name, "Bondar");
    assert!(
        sync(&mut dora).awaiting_keys.is_some(),
        "an administrator's code proves nothing"
    );

    // A mistyped secret part: enrolled, but waiting for its check code.
    let retry = ala.punkt.enrol_code(&mut t, "cezary", 2).unwrap();
    let mut typo = retry.code.replace('-', "");
    let last = typo.pop().unwrap();
    typo.push(if last == 'A' { 'B' } else { 'A' });
    let (_e, mut second) = new_laptop("cezary's second laptop", &typo);
    ala.sync(&server);
    bartek.sync(&server);
    assert!(
        sync(&mut second).awaiting_keys.is_some(),
        "a wrong secret part proves nothing"
    );

    // The secret parts never reached the server.
    ala.sync(&server);
    for s in [&secret, &retry.code.replace('-', "")[12..].to_string()] {
        assert!(
            punkt_system_tests::files_containing(dir.path(), s.as_bytes()).is_empty(),
            "{s} in the server's files"
        );
    }
}

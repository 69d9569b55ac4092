//! Writes `tests/fixtures/v5/`: a sync server's SQLite database and four laptops' stores as
//! protocol version 5 (the last build whose server held documents in clear) leaves them, for
//! the issue 13 migration test. Run once, by the commit that added it:
//!
//!     cargo run -p punkt-system-tests --bin make-v5-fixture -- tests/fixtures/v5
//!
//! Three organisations, demo files, restricted sections, an attachment, a referral, a held
//! erasure, and on two laptops work not yet sent. `manifest.json` lists what was written
//! (names, document numbers, notes) so the test can look for it in every byte of the server.

use std::path::Path;

use punkt_core::referrals::ReferralInput;
use punkt_core::sections::SectionNoteInput;
use punkt_core::sync::HttpTransport;
use punkt_core::{ClientInput, ConsultationInput, Punkt};
use punkt_system_tests::{TestServer, FAST, PASS};

const PERSON_A: &str = r#"{"given_names":"Amina","family_name":"Haidari","names_original":"امینه حیدری","birth_date":"1994-02-11","citizenships":["AF"],"languages":["fa"],"identifiers":[{"kind":"passport","number":"P7734410"}],"contact":{"phone":"+48 700 111 222"},"consents":[{"clause":"Klauzula RODO 2026","language":"fa","given_on":"2026-11-02"}],"summary":"Detained at Lesznowola after crossing near Bialowieza"}"#;
const PERSON_C: &str = r#"{"given_names":"Zoriana","family_name":"Kvitkovska","names_original":"Зоряна Квітковська","birth_date":"1987-05-14","citizenships":["UA"],"identifiers":[{"kind":"passport","number":"FX4471902"}],"contact":{"phone":"+48 511 902 337"}}"#;
const PERSON_B: &str = r#"{"given_names":"Tigran","family_name":"Sargsyan","names_original":"Տիգրան Սարգսյան","birth_date":"1979-09-30","citizenships":["AM"],"identifiers":[{"kind":"residence_card","number":"RX9081234"}]}"#;
const UNSENT_A: &str = r#"{"given_names":"Yusuf","family_name":"Al-Khatib","birth_date":"2001-03-03","citizenships":["SY"]}"#;
const UNSENT_C: &str = r#"{"given_names":"Oksana","family_name":"Melnychuk","birth_date":"1990-12-01","citizenships":["UA"]}"#;

struct Laptop {
    punkt: Punkt,
    url: String,
}

impl Laptop {
    fn new(out: &Path, server: &TestServer, org: &str, user: &str) -> Laptop {
        let mut punkt = Punkt::init_with(&out.join("laptops").join(user), PASS, org, FAST).unwrap();
        punkt.set_author(user).unwrap();
        punkt
            .enroll(
                &server.url,
                &server.code(user),
                &format!("{user}'s laptop"),
                None,
            )
            .unwrap();
        Laptop {
            punkt,
            url: server.url.clone(),
        }
    }

    fn sync(&mut self) {
        let mut t: HttpTransport = self.punkt.transport_to(&self.url, None).unwrap();
        let s = self.punkt.sync_with(&mut t, &mut |_| {}).unwrap();
        assert!(s.refused.is_empty(), "{:?}", s.refused);
    }

    fn add(&mut self, json: &str) -> String {
        self.punkt
            .add_client(ClientInput::from_json(json).unwrap())
            .unwrap()
    }
}

fn note(text: &str) -> SectionNoteInput {
    SectionNoteInput {
        date: Some("2026-11-03".into()),
        text: text.into(),
    }
}

fn main() {
    let out = std::path::PathBuf::from(std::env::args().nth(1).expect("output directory"));
    assert!(!out.exists(), "{} exists", out.display());
    std::fs::create_dir_all(out.join("laptops")).unwrap();
    let server = TestServer::start_with(
        &out.join("server.db"),
        std::sync::Arc::new(std::sync::atomic::AtomicI64::new(0)),
    );
    for o in ["Fundacja A", "Stowarzyszenie B", "Fundacja C"] {
        server.org(o);
    }
    server.user("Fundacja A", "zofia", "coordinator");
    server.user("Fundacja A", "pola", "psychologist");
    server.user("Stowarzyszenie B", "olga", "coordinator");
    server.user("Fundacja C", "celina", "counsellor");
    // Pola (a psychologist) and the second coordinator need approval: the administrator's
    // codes are never held, and `user add` from the administrator is not either.
    let mut zofia = Laptop::new(&out, &server, "Fundacja A", "zofia");
    let mut pola = Laptop::new(&out, &server, "Fundacja A", "pola");
    let mut olga = Laptop::new(&out, &server, "Stowarzyszenie B", "olga");
    let mut celina = Laptop::new(&out, &server, "Fundacja C", "celina");

    zofia.punkt.demo(40, 7).unwrap();
    let amina = zofia.add(PERSON_A);
    let consult = r#"{"date":"2026-11-02","place":{"kind":"centre","centre":"Lesznowola"},"services":["legal"],"note":"Appeal against the return decision drafted at Lesznowola"}"#;
    zofia
        .punkt
        .add_consultation(&amina, ConsultationInput::from_json(consult).unwrap())
        .unwrap();
    // A small PNG "scan".
    let png = [
        0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0,
        0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89,
    ];
    zofia
        .punkt
        .add_attachment(&amina, "decision-scan.png", &png)
        .unwrap();
    let to_erase = zofia.add(PERSON_B);
    zofia.sync();

    pola.sync();
    pola.punkt
        .add_section_note(
            &amina,
            "psychological",
            note("Nightmares since the crossing"),
        )
        .unwrap();
    pola.punkt
        .add_section_note(
            &amina,
            "medical",
            note("Scars documented under the Istanbul Protocol"),
        )
        .unwrap();
    pola.sync();

    zofia.sync();
    let consent = zofia.punkt.client_view(&amina).unwrap().consents[0]
        .id
        .clone();
    let referral = ReferralInput::from_json(&format!(
        r#"{{"to_organisation":"Stowarzyszenie B","service":"psychological","consent_id":"{consent}","reason":"Trauma after detention, needs a Dari-speaking therapist","share":{{"birth_date":true,"languages":true}}}}"#
    ))
    .unwrap();
    let referral = zofia.punkt.refer(&amina, referral).unwrap();
    zofia.sync();
    olga.sync();
    olga.punkt
        .respond_referral(&referral.id, "accepted", "First session on 10 November")
        .unwrap();
    olga.add(PERSON_B);
    olga.sync();
    celina.add(PERSON_C);
    celina.sync();

    // A coordinator's erasure the server holds for 7 days.
    zofia.punkt.erase_client(&to_erase).unwrap();
    zofia.sync();
    pola.sync();

    // Work not yet sent when the server moves to the encrypted form.
    zofia.add(UNSENT_A);
    zofia
        .punkt
        .update_client(
            &amina,
            ClientInput::from_json(
                r#"{"summary":"Released from Lesznowola; appeal pending at the Refugee Board"}"#,
            )
            .unwrap(),
        )
        .unwrap();
    celina.add(UNSENT_C);

    let demo_names: Vec<String> = zofia
        .punkt
        .store()
        .document_ids("client_file")
        .unwrap()
        .iter()
        .map(|id| zofia.punkt.client_view(id).unwrap().person.family_name)
        .filter(|n| n.len() >= 6)
        .take(8)
        .collect();
    let manifest = serde_json::json!({
        "made_by": "tests/src/bin/make-v5-fixture.rs, protocol version 5",
        "passphrase": PASS,
        "kdf": {"m_kib": FAST.m_kib, "t": FAST.t, "p": FAST.p},
        "laptops": {"zofia": "Fundacja A", "pola": "Fundacja A", "olga": "Stowarzyszenie B", "celina": "Fundacja C"},
        "amina": amina,
        "referral": referral.id,
        "erased": to_erase,
        "unsent_on_zofia": "Al-Khatib",
        "unsent_on_celina": "Melnychuk",
        "secrets": [
            "Haidari", "Amina", "حیدری", "P7734410", "+48 700 111 222", "Bialowieza",
            "Lesznowola", "Nightmares since the crossing", "Istanbul Protocol",
            "Dari-speaking therapist", "First session on 10 November", "Kvitkovska",
            "Квітковська", "FX4471902", "Sargsyan", "RX9081234", "decision-scan.png"
        ],
        "demo_family_names": demo_names,
    });
    std::fs::write(
        out.join("manifest.json"),
        serde_json::to_string_pretty(&manifest).unwrap(),
    )
    .unwrap();
    drop((zofia, pola, olga, celina));
    server.kill();
    println!("written {}", out.display());
}

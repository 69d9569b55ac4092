//! Shared helpers for punkt-core's integration tests.
#![allow(dead_code)]

use std::path::Path;

use chrono::{TimeZone, Utc};
use punkt_core::{ClientInput, ConsultationInput, Punkt};
use punkt_store::KdfParams;

/// Cheap key derivation: the tests exercise the code path, not the cost.
pub const FAST: KdfParams = KdfParams {
    m_kib: 1024,
    t: 1,
    p: 1,
};
pub const PASS: &str = "correct horse battery staple";

pub fn store(dir: &Path) -> Punkt {
    let mut p =
        Punkt::init_with(&dir.join("store"), PASS, "Fundacja Pomocy Prawnej", FAST).unwrap();
    p.set_now(Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap());
    p
}

pub fn reopen(dir: &Path) -> Punkt {
    let mut p = Punkt::open(&dir.join("store"), PASS).unwrap();
    p.set_now(Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap());
    p
}

pub fn client(p: &mut Punkt, json: &str) -> String {
    p.add_client(ClientInput::from_json(json).unwrap()).unwrap()
}

pub fn consult(p: &mut Punkt, id: &str, json: &str) -> String {
    p.add_consultation(id, ConsultationInput::from_json(json).unwrap())
        .unwrap()
}

/// A deadline counted from an event on `start` (YYYY-MM-DD) under `rule`.
pub fn deadline(rule: &str, start: &str) -> punkt_core::DeadlineRequest {
    punkt_core::dto::DeadlineInput {
        rule: rule.into(),
        start: start.into(),
        first_notice: false,
        uncertain: false,
        start_latest: None,
        time: None,
        matter_id: None,
        note: None,
        days: None,
        due: None,
    }
    .into_request()
    .unwrap()
}

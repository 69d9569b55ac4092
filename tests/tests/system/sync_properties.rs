//! A property test over random edits and random sync schedules: every device and the server
//! converge, and nothing written is lost.

use std::collections::BTreeMap;

use proptest::prelude::*;
use punkt_system_tests::{assert_converged, Device, TestServer};

#[derive(Debug, Clone)]
enum Step {
    /// Device `d` takes in a new person.
    Intake(usize),
    /// Device `d` records a consultation on the `c`-th file it knows (if any).
    Consult(usize, usize),
    /// Device `d` renames the `c`-th file it knows.
    Rename(usize, usize, u8),
    /// Device `d` edits the shared summary of the `c`-th file it knows.
    Summary(usize, usize, u8),
    /// Device `d` syncs.
    Sync(usize),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        2 => (0..3usize).prop_map(Step::Intake),
        3 => (0..3usize, 0..8usize).prop_map(|(d, c)| Step::Consult(d, c)),
        2 => (0..3usize, 0..8usize, any::<u8>()).prop_map(|(d, c, v)| Step::Rename(d, c, v)),
        1 => (0..3usize, 0..8usize, any::<u8>()).prop_map(|(d, c, v)| Step::Summary(d, c, v)),
        3 => (0..3usize).prop_map(Step::Sync),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, max_shrink_iters: 64, ..ProptestConfig::default() })]

    #[test]
    fn devices_and_server_converge_and_nothing_is_lost(steps in proptest::collection::vec(step(), 1..40)) {
        let dir = tempfile::tempdir().unwrap();
        let server = TestServer::start(dir.path());
        server.org("Fundacja A");
        for u in ["u0", "u1", "u2"] {
            server.user("Fundacja A", u, "counsellor");
        }
        let mut d: Vec<Device> = (0..3).map(|i| Device::enrolled(&server, "Fundacja A", &format!("u{i}"))).collect();
        // What was written, to check nothing is lost.
        let mut consultations: BTreeMap<String, usize> = BTreeMap::new();
        let mut n = 0;
        for s in steps {
            n += 1;
            match s {
                Step::Intake(i) => {
                    let id = d[i].add(&format!(r#"{{"given_names":"Person","family_name":"N{n}"}}"#));
                    consultations.insert(id, 0);
                }
                Step::Consult(i, c) | Step::Rename(i, c, _) | Step::Summary(i, c, _) => {
                    let ids = d[i].punkt.store().document_ids("client_file").unwrap();
                    let Some(id) = ids.get(c % ids.len().max(1)).cloned() else { continue };
                    match s {
                        Step::Consult(..) => {
                            d[i].consult(&id, &format!("note {n}"));
                            *consultations.get_mut(&id).unwrap() += 1;
                        }
                        Step::Rename(_, _, v) => d[i].update(&id, &format!(r#"{{"family_name":"Renamed{v}"}}"#)),
                        Step::Summary(_, _, v) => d[i].update(&id, &format!(r#"{{"summary":"Notatka {v} — żółć"}}"#)),
                        _ => unreachable!(),
                    }
                }
                Step::Sync(i) => {
                    d[i].sync(&server);
                }
            }
        }
        // Everyone syncs until quiet: two rounds reach every device.
        for _ in 0..2 {
            for dev in d.iter_mut() {
                dev.sync(&server);
            }
        }
        assert_converged(&[&d[0], &d[1], &d[2]]);
        prop_assert_eq!(server.doc_count(), consultations.len());
        for (id, count) in &consultations {
            let view = d[0].punkt.client_view(id).unwrap();
            prop_assert_eq!(view.consultations.len(), *count, "file {}", id);
        }
        for dev in &d {
            prop_assert_eq!(dev.punkt.sync_status().unwrap().pending_documents, 0);
        }
    }
}

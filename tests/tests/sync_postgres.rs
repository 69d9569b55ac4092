//! Two server instances on one PostgreSQL database (started by the test), devices syncing
//! through either, at the same time: all converge.

use punkt_sync_server::PostgresStorage;
use punkt_system_tests::{assert_converged, Device, TestPostgres, TestServer};

#[test]
fn two_instances_on_one_database_converge() {
    let pg = TestPostgres::start();
    let one: TestServer<PostgresStorage> = TestServer::start_postgres(&pg.url);
    let two: TestServer<PostgresStorage> = TestServer::start_postgres(&pg.url);
    one.org("Fundacja A");
    for u in ["anna", "bartek", "celina"] {
        one.user("Fundacja A", u, "counsellor");
    }
    // Codes made on one instance work on the other.
    let mut a = Device::enrolled(&one, "Fundacja A", "anna");
    let mut b = Device::enrolled(&two, "Fundacja A", "bartek");
    let mut c = Device::enrolled(&two, "Fundacja A", "celina");
    let shared = a.add(r#"{"given_names":"Olena","family_name":"Bondar"}"#);
    a.sync(&one);
    b.sync(&two);
    c.sync(&one);

    // Everyone works on the shared file and their own, then syncs at the same moment through
    // different instances: the per-document compare-and-set must keep every change.
    for (i, d) in [&mut a, &mut b, &mut c].into_iter().enumerate() {
        for k in 0..5 {
            d.consult(&shared, &format!("device {i} visit {k}"));
        }
        d.add(&format!(
            r#"{{"given_names":"Own{i}","family_name":"File"}}"#
        ));
    }
    std::thread::scope(|s| {
        let (one, two) = (&one, &two);
        s.spawn(|| a.sync(one));
        s.spawn(|| b.sync(two));
        s.spawn(|| c.sync(one));
    });
    for _ in 0..2 {
        a.sync(&two);
        b.sync(&one);
        c.sync(&two);
    }
    assert_converged(&[&a, &b, &c]);
    assert_eq!(
        a.punkt.client_view(&shared).unwrap().consultations.len(),
        15
    );
    assert_eq!(one.doc_count(), 4);
    assert_eq!(two.doc_count(), 4);
    // One audit log for both instances.
    let audit = two.audit();
    assert_eq!(audit.iter().filter(|e| e.action == "enrol").count(), 3);

    // An erasure through one instance reaches devices syncing through the other, and a
    // device's offline edit to the erased file is dropped with a notice.
    c.consult(&shared, "while apart");
    a.punkt.erase_client(&shared).unwrap();
    assert_eq!(a.sync(&one).erasures_sent, 1);
    let b_sum = b.sync(&two);
    assert_eq!(b_sum.erased.len(), 1);
    assert!(!b_sum.erased[0].dropped_unsent_changes);
    let c_sum = c.sync(&two);
    assert!(c_sum.erased[0].dropped_unsent_changes);
    assert_converged(&[&a, &b, &c]);
    for d in [&a, &b, &c] {
        assert_eq!(d.punkt.client(&shared).unwrap_err().code(), "erased");
    }
    // The server holds the tombstone only: no bytes of the file.
    assert_eq!(two.stored(&shared), Some(("erased".to_string(), 0)));
}

//! The connection cut at every step of a sync, and the server killed mid-sync: the next sync
//! completes, nothing is lost and nothing is duplicated.

use std::sync::atomic::AtomicI64;
use std::sync::Arc;

use punkt_core::sync::{Transport, TransportError};
use punkt_system_tests::{assert_converged, copy_server_db, Device, TestServer};

/// Where the fault strikes during one exchange.
#[derive(Debug, Clone, Copy)]
enum Cut {
    /// The request never reaches the server.
    BeforeSend,
    /// The server did the work; the answer is lost on the way back.
    AfterSend,
}

/// A transport that fails exchange number `at` (0-based) and works otherwise.
struct Faulty<T> {
    inner: T,
    at: usize,
    cut: Cut,
    n: usize,
}

impl<T: Transport> Transport for Faulty<T> {
    fn exchange(&mut self, request: &[u8]) -> Result<Vec<u8>, TransportError> {
        let n = self.n;
        self.n += 1;
        if n != self.at {
            return self.inner.exchange(request);
        }
        match self.cut {
            Cut::BeforeSend => Err(TransportError::Unreachable(
                "connection reset (test)".into(),
            )),
            Cut::AfterSend => {
                let _ = self.inner.exchange(request);
                Err(TransportError::Unreachable(
                    "connection reset after sending (test)".into(),
                ))
            }
        }
    }
}

/// Two laptops of one organisation; `a` has new and changed files to send, the server has files
/// from `b` for `a` to receive. Returns the number of consultations each file should end with.
fn scenario(server: &TestServer) -> (Device, Device, Vec<(String, usize)>) {
    server.org("Fundacja A");
    server.user("Fundacja A", "anna", "lawyer");
    server.user("Fundacja A", "bartek", "counsellor");
    let mut a = Device::enrolled(server, "Fundacja A", "anna");
    let mut b = Device::enrolled(server, "Fundacja A", "bartek");
    let mut expect = Vec::new();
    let shared = a.add(r#"{"given_names":"Olena","family_name":"Bondar","citizenships":["UA"]}"#);
    a.sync(server);
    b.sync(server);
    // b's work, already on the server.
    for i in 0..6 {
        let id = b.add(&format!(
            r#"{{"given_names":"Person{i}","family_name":"FromB"}}"#
        ));
        b.consult(&id, "b");
        expect.push((id, 1));
    }
    b.consult(&shared, "b on the shared file");
    b.sync(server);
    // a's work, offline.
    for i in 0..4 {
        let id = a.add(&format!(
            r#"{{"given_names":"Person{i}","family_name":"FromA"}}"#
        ));
        a.consult(&id, "a");
        a.consult(&id, "a again");
        expect.push((id, 2));
    }
    a.consult(&shared, "a on the shared file");
    expect.push((shared, 2));
    (a, b, expect)
}

fn check(server: &TestServer, a: &mut Device, b: &mut Device, expect: &[(String, usize)]) {
    a.sync(server);
    b.sync(server);
    assert_converged(&[a, b]);
    for (id, n) in expect {
        for d in [&*a, &*b] {
            let file = d.punkt.client_view(id).unwrap();
            assert_eq!(
                file.consultations.len(),
                *n,
                "file {id}: nothing lost, nothing doubled"
            );
        }
    }
    assert_eq!(
        a.punkt.store().count_clients().unwrap() as usize,
        expect.len()
    );
    assert_eq!(
        server.doc_count(),
        expect.len(),
        "the server holds each file once"
    );
    assert_eq!(a.punkt.sync_status().unwrap().pending_documents, 0);
}

#[test]
fn a_connection_cut_at_every_step_loses_and_doubles_nothing() {
    // How many exchanges a clean sync of the scenario takes.
    let steps = {
        let dir = tempfile::tempdir().unwrap();
        let server = TestServer::start(dir.path());
        let (mut a, _b, _) = scenario(&server);
        a.sync(&server).round_trips as usize
    };
    assert!(steps >= 2, "push and pull at least");
    for at in 0..steps {
        for cut in [Cut::BeforeSend, Cut::AfterSend] {
            let dir = tempfile::tempdir().unwrap();
            let server = TestServer::start(dir.path());
            let (mut a, mut b, expect) = scenario(&server);
            let mut t = Faulty {
                inner: a.transport(&server),
                at,
                cut,
                n: 0,
            };
            let r = a.punkt.sync_with(&mut t, &mut |_| {});
            assert!(
                matches!(r, Err(punkt_core::CoreError::Unreachable(_))),
                "step {at} {cut:?}: the cut is reported: {r:?}"
            );
            check(&server, &mut a, &mut b, &expect);
        }
    }
}

/// Kills the server while a request is in flight.
struct KillServer<T> {
    inner: T,
    at: usize,
    n: usize,
    server: Option<TestServer>,
}

impl<T: Transport> Transport for KillServer<T> {
    fn exchange(&mut self, request: &[u8]) -> Result<Vec<u8>, TransportError> {
        let n = self.n;
        self.n += 1;
        if n == self.at {
            if let Some(s) = self.server.take() {
                s.kill();
            }
        }
        self.inner.exchange(request)
    }
}

#[test]
fn the_server_killed_mid_sync_and_restarted() {
    for at in 0..2 {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("server.db");
        let server = TestServer::start_with(&db, Arc::new(AtomicI64::new(0)));
        let (mut a, mut b, expect) = scenario(&server);
        let t = a.transport(&server);
        let mut t = KillServer {
            inner: t,
            at,
            n: 0,
            server: Some(server),
        };
        assert!(
            a.punkt.sync_with(&mut t, &mut |_| {}).is_err(),
            "the sync fails with the server"
        );
        // The same database, a new process (a new port).
        let server = TestServer::start_with(&db, Arc::new(AtomicI64::new(0)));
        check(&server, &mut a, &mut b, &expect);
        let audit = server.audit();
        assert!(
            audit.iter().any(|e| e.action == "enrol"),
            "the log survived the restart"
        );
    }
}

/// A server backed up after both laptops synced, then `a`'s new file (`late`) stored on it, then
/// the backup restored: the restored server lacks `late`, which `a` believes is sent.
/// `b_saw_late`: whether `b` synced before the restore.
fn restored_server(
    dir: &std::path::Path,
    b_saw_late: bool,
) -> (TestServer, Device, Device, Vec<(String, usize)>) {
    let db = dir.join("server.db");
    let backup = dir.join("backup.db");
    let server = TestServer::start_with(&db, Arc::new(AtomicI64::new(0)));
    let (mut a, mut b, mut expect) = scenario(&server);
    a.sync(&server);
    b.sync(&server);
    server.kill();
    copy_server_db(&db, &backup);
    let server = TestServer::start_with(&db, Arc::new(AtomicI64::new(0)));
    // Work the backup will not have.
    let late = a.add(r#"{"given_names":"Late","family_name":"Arrival"}"#);
    a.consult(&late, "after the backup");
    expect.push((late, 1));
    a.sync(&server);
    if b_saw_late {
        b.sync(&server);
    }
    server.kill();
    copy_server_db(&backup, &db);
    let server = TestServer::start_with(&db, Arc::new(AtomicI64::new(0)));
    (server, a, b, expect)
}

#[test]
fn a_server_restored_from_an_old_backup_gets_everything_back() {
    let dir = tempfile::tempdir().unwrap();
    let (server, mut a, mut b, expect) = restored_server(dir.path(), true);
    // Both laptops notice the server is behind and send everything again.
    check(&server, &mut a, &mut b, &expect);
}

#[test]
fn diverged_histories_are_sent_whole_and_converge() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let (mut a, mut b, expect) = scenario(&server);
    a.sync(&server);
    b.sync(&server);
    // a believes the server has a change nobody has ever seen (a reply mixed up, a bug):
    // its next push cannot say what the server lacks.
    let (id, n) = expect[0].clone();
    a.punkt.store().mark_synced(&id, &[0xAB; 32], 0).unwrap();
    a.consult(&id, "after the mix-up");
    let s = a.sync(&server);
    assert_eq!(s.reconciled, 1, "{s:?}");
    b.sync(&server);
    assert_converged(&[&a, &b]);
    assert_eq!(b.punkt.client_view(&id).unwrap().consultations.len(), n + 1);
    assert_eq!(a.punkt.sync_status().unwrap().pending_documents, 0);
}

#[test]
fn a_file_the_server_never_got_is_sent_whole_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let (mut a, mut b, _) = scenario(&server);
    // a wrongly believes the server has this new file at some heads: it cannot tell what the
    // server lacks, so the whole history goes, with the file's key (the server may never
    // have had it).
    let lost = a.add(r#"{"given_names":"Never","family_name":"Sent"}"#);
    a.consult(&lost, "only here");
    a.punkt.store().mark_synced(&lost, &[0xCD; 32], 0).unwrap();
    let first = a.sync(&server);
    assert!(first.refused.is_empty(), "{first:?}");
    assert_eq!(first.reconciled, 1, "{first:?}");
    assert_eq!(a.punkt.sync_status().unwrap().pending_documents, 0);
    b.sync(&server);
    assert_eq!(b.punkt.client_view(&lost).unwrap().consultations.len(), 1);
    assert_converged(&[&a, &b]);
}

#[test]
fn enrolling_with_a_new_server_sends_everything_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let old = TestServer::start(dir.path());
    let (mut a, _b, expect) = scenario(&old);
    a.sync(&old);
    let dir2 = tempfile::tempdir().unwrap();
    let new = TestServer::start(dir2.path());
    new.org("Fundacja A");
    new.user("Fundacja A", "anna", "lawyer");
    a.punkt
        .enroll(&new.url, &new.code("anna"), "laptop", None)
        .unwrap();
    let s = a.sync(&new);
    assert_eq!(
        s.sent as usize,
        a.punkt.store().count_clients().unwrap() as usize
    );
    assert_eq!(new.doc_count(), expect.len());
}

#[test]
fn a_restore_marked_by_the_administrator_is_noticed_even_when_the_server_moved_on() {
    let dir = tempfile::tempdir().unwrap();
    let (server, mut a, mut b, mut expect) = restored_server(dir.path(), false);
    // Other work moves the restored server's sequence past a's cursor: that alone would hide
    // the restore from a.
    for i in 0..30 {
        let id = b.add(&format!(
            r#"{{"given_names":"After{i}","family_name":"Restore"}}"#
        ));
        expect.push((id, 0));
    }
    b.sync(&server);
    server.restored();
    check(&server, &mut a, &mut b, &expect);
    assert!(server.audit().iter().any(|e| e.action == "restored"));
}

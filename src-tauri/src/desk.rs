//! The desktop session: where the store lives, whether it is unlocked, and when the person
//! last did something (for auto-lock). Locked means no `Punkt`: the store is closed and its
//! key dropped, so nothing personal stays in this process's memory.
//!
//! Work that waits on the server (a sync, the team list, the audit log) runs on a second
//! connection to the store ([`Desk::online`]) and never holds the session's lock while it
//! waits: the person can go on typing, drafts are saved, and Lock or auto-lock close the store
//! at once. The work sees the closing at its next exchange with the server and stops, losing
//! nothing (a sync resumes where it stopped). Long local work (a report, an import, a
//! retention run) runs beside the session the same way ([`Desk::aside`]), so other screens
//! read while it works; it sees a closing between its steps.
//!
//! Long work the person may stop (a sync, an import, a report, a retention run) is named by its
//! screen ([`Desk::job`]); Stop names it too ([`Desk::stop`]), so it ends that work and no
//! other.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use punkt_core::sync::{Transport, TransportError};
use punkt_core::{CoreError, Punkt};
use punkt_store::KdfParams;

use crate::error::{UiError, UiResult};
use crate::settings::Settings;

pub struct Session {
    pub punkt: Option<Punkt>,
    pub settings: Settings,
    last_activity: Instant,
    /// The same moment by the wall clock: `Instant` stops while a laptop sleeps (Linux,
    /// macOS), so a lid closed for hours must still count as idle.
    last_activity_wall: SystemTime,
}

impl Session {
    fn touch(&mut self) {
        self.last_activity = Instant::now();
        self.last_activity_wall = SystemTime::now();
    }

    fn idle_for(&self, now: Instant, wall: SystemTime) -> Duration {
        let monotonic = now.saturating_duration_since(self.last_activity);
        let by_wall = wall
            .duration_since(self.last_activity_wall)
            .unwrap_or_default();
        monotonic.max(by_wall)
    }
}

/// Shared by every command and the auto-lock watcher.
#[derive(Clone)]
pub struct Desk {
    dir: PathBuf,
    kdf: KdfParams,
    session: Arc<Mutex<Session>>,
    /// Bumped each time the store closes (lock, auto-lock, revocation, a new key): work on a
    /// second connection sees it around each exchange with the server and stops.
    closings: Arc<AtomicU64>,
    /// How many pieces of work run on a second connection (a key rotation is refused while
    /// any does).
    online: Arc<AtomicUsize>,
    /// How many of them are long local work ([`Desk::aside`]): it counts as activity, as it
    /// did when it held the session, so auto-lock waits for it (a manual Lock does not).
    local: Arc<AtomicUsize>,
    /// A sync is running (a second one is refused rather than run beside it).
    syncing: Arc<AtomicBool>,
    /// Long work the person may stop, by the id its screen gave it ([`Desk::job`]).
    jobs: Arc<Mutex<Jobs>>,
}

/// Which pieces of long work run, and which the person stopped, and when (a Stop may come
/// before its work has started: the screen shows Stop at once, while the file is still being
/// read and sent).
#[derive(Default)]
struct Jobs {
    running: HashSet<String>,
    stopped: HashMap<String, Instant>,
}

/// How long a Stop for work that is not running is kept for it: work starts within moments of
/// its screen showing Stop; a Stop for work that already ended is forgotten after this.
const EARLY_STOP_KEPT: Duration = Duration::from_secs(600);

/// One piece of long work the person may stop (a sync, an import, a report, a retention run):
/// Stop for it ([`Desk::stop`]) leaves any other work running. Work without an id is never
/// stopped this way.
pub struct Job {
    jobs: Arc<Mutex<Jobs>>,
    id: Option<String>,
}

impl Jobs {
    /// The list, taken back from a command that panicked while holding it.
    fn lock(jobs: &Mutex<Jobs>) -> MutexGuard<'_, Jobs> {
        jobs.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Job {
    /// Whether the person pressed Stop for this work.
    pub fn stopped(&self) -> bool {
        self.id
            .as_ref()
            .is_some_and(|id| Jobs::lock(&self.jobs).stopped.contains_key(id))
    }

    /// Whether to go on: not stopped (for the core's progress callbacks).
    pub fn go_on(&self) -> bool {
        !self.stopped()
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            let mut jobs = Jobs::lock(&self.jobs);
            jobs.running.remove(&id);
            jobs.stopped.remove(&id);
        }
    }
}

/// Counts one piece of work on a second connection while it lives.
struct Running(Arc<AtomicUsize>);

impl Running {
    fn start(count: &Arc<AtomicUsize>) -> Running {
        count.fetch_add(1, Ordering::SeqCst);
        Running(count.clone())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A transport that stops once the store was closed after the work began, or its work was
/// stopped: checked before each request goes and again when its answer comes (the answer is
/// then not acted on).
struct Watched<'a> {
    inner: &'a mut dyn Transport,
    closings: &'a AtomicU64,
    opened_at: u64,
    job: &'a Job,
}

impl Watched<'_> {
    fn check(&self) -> Result<(), TransportError> {
        if self.closings.load(Ordering::SeqCst) != self.opened_at {
            Err(TransportError::Cancelled)
        } else if self.job.stopped() {
            Err(TransportError::Stopped)
        } else {
            Ok(())
        }
    }
}

impl Transport for Watched<'_> {
    fn exchange(&mut self, request: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.check()?;
        let answer = self.inner.exchange(request)?;
        self.check()?;
        Ok(answer)
    }
}

impl Desk {
    pub fn new(dir: PathBuf, kdf: KdfParams) -> Desk {
        let settings = Settings::load(&dir);
        if settings.hardened_memory {
            // Before any store is opened; a failure leaves the default, and the Settings
            // screen shows memory as not hardened.
            let _ = punkt_store::harden_memory();
        }
        Desk {
            dir,
            kdf,
            session: Arc::new(Mutex::new(Session {
                punkt: None,
                settings,
                last_activity: Instant::now(),
                last_activity_wall: SystemTime::now(),
            })),
            closings: Arc::new(AtomicU64::new(0)),
            online: Arc::new(AtomicUsize::new(0)),
            local: Arc::new(AtomicUsize::new(0)),
            syncing: Arc::new(AtomicBool::new(false)),
            jobs: Arc::default(),
        }
    }

    /// Long work the screen named `id` (none: work that is not stopped), running until the
    /// [`Job`] is dropped. It asks [`Job::stopped`] as it goes: a sync at each exchange with
    /// the server, other work between its steps.
    pub fn job(&self, id: Option<String>) -> Job {
        if let Some(id) = &id {
            Jobs::lock(&self.jobs).running.insert(id.clone());
        }
        Job {
            jobs: self.jobs.clone(),
            id,
        }
    }

    /// Stop the work named `id` at its next step: what it did before stays as that work says
    /// (a sync goes on from there next time; an all-or-nothing import wrote nothing). Other
    /// work goes on. A Stop that comes before its work started is kept for it. Returns whether
    /// that work was running.
    pub fn stop(&self, id: &str) -> bool {
        let now = Instant::now();
        let mut jobs = Jobs::lock(&self.jobs);
        let Jobs { running, stopped } = &mut *jobs;
        // Stops for work that ended before them (or never began) are forgotten in time.
        stopped.retain(|s, at| running.contains(s) || now.duration_since(*at) < EARLY_STOP_KEPT);
        stopped.insert(id.to_string(), now);
        running.contains(id)
    }

    /// Take the store out of the session (closing it), telling work on second connections.
    fn close(&self, s: &mut Session) -> Option<Punkt> {
        self.closings.fetch_add(1, Ordering::SeqCst);
        s.punkt.take()
    }

    /// Run `f`, which talks to the server over the transport `connect` makes, on a second
    /// connection to the store, without holding the session's lock: other commands, Lock and
    /// auto-lock go on meanwhile. If the store is closed while `f` runs, its next exchange
    /// fails and the answer is `locked`. A server that says this laptop was revoked (and is to
    /// wipe its store) has the store wiped here, as `punkt sync` does. When `f` is done, the
    /// session reads again what the work may have changed (a newer rule book).
    pub fn online<T, C: Transport>(
        &self,
        job: &Job,
        connect: impl FnOnce(&Punkt) -> Result<C, CoreError>,
        f: impl FnOnce(&mut Punkt, &mut dyn Transport) -> Result<T, CoreError>,
    ) -> UiResult<T> {
        let (mut own, mut transport, opened_at, running) = {
            let mut s = self.session();
            s.touch();
            let p = s.punkt.as_mut().ok_or_else(UiError::locked)?;
            let transport = connect(p)?;
            let own = p.open_again()?;
            let opened_at = self.closings.load(Ordering::SeqCst);
            (own, transport, opened_at, Running::start(&self.online))
        };
        let mut watched = Watched {
            inner: &mut transport,
            closings: &self.closings,
            opened_at,
            job,
        };
        let result = f(&mut own, &mut watched);
        if let Err(e @ CoreError::SyncRefused { wipe: true, .. }) = result {
            // Told to wipe: a coordinator revoked this laptop (lost or stolen); `f` (a sync)
            // handed over first what was not sent yet.
            drop(self.close(&mut self.session()));
            own.wipe()?;
            return Err(e.into());
        }
        drop(own);
        drop(running);
        // Stopped by a lock, the work's error is `locked` (`CoreError::Cancelled`); otherwise
        // the session, if open, reads again what the work may have changed.
        if let Some(p) = self.session().punkt.as_mut() {
            p.reload();
        }
        Ok(result?)
    }

    /// Run long local work (a report, an import, a retention run) on a second connection to
    /// the store, without holding the session's lock: other screens read meanwhile, and write
    /// once the work's own writing has committed (each write waits its turn, see
    /// `punkt_store::Store::open_again`). The work counts as activity (auto-lock waits for
    /// it, as when it held the session), but Lock does not wait. `f` is told by `go_on`
    /// whether to carry on: not after the person pressed Stop for `job`, nor once the store
    /// was closed (locked) since the work began, which then answers `locked`. Work that no
    /// longer asks (a retention run once it writes) goes to its end on its own connection,
    /// past a Lock, as it did before Lock waited for it. When `f` is done, the session reads
    /// again what the work may have changed.
    pub fn aside<T>(
        &self,
        job: &Job,
        f: impl FnOnce(&mut Punkt, &dyn Fn() -> bool) -> Result<T, CoreError>,
    ) -> UiResult<T> {
        let (mut own, opened_at, running) = {
            let mut s = self.session();
            s.touch();
            let p = s.punkt.as_mut().ok_or_else(UiError::locked)?;
            let own = p.open_again()?;
            let opened_at = self.closings.load(Ordering::SeqCst);
            let running = (Running::start(&self.online), Running::start(&self.local));
            (own, opened_at, running)
        };
        let closed = || self.closings.load(Ordering::SeqCst) != opened_at;
        let result = f(&mut own, &|| !closed() && job.go_on());
        drop(own);
        drop(running);
        if result.is_err() && closed() {
            return Err(UiError::locked());
        }
        let mut s = self.session();
        s.touch();
        if let Some(p) = s.punkt.as_mut() {
            p.reload();
        }
        Ok(result?)
    }

    /// [`Desk::online`] for a sync: one at a time (a second is refused, not queued).
    pub fn sync<T, C: Transport>(
        &self,
        job: &Job,
        connect: impl FnOnce(&Punkt) -> Result<C, CoreError>,
        f: impl FnOnce(&mut Punkt, &mut dyn Transport) -> Result<T, CoreError>,
    ) -> UiResult<T> {
        if self.syncing.swap(true, Ordering::SeqCst) {
            return Err(UiError::new(
                "sync_running",
                "a sync is already running; its result will show when it ends",
            ));
        }
        let result = self.online(job, connect, f);
        self.syncing.store(false, Ordering::SeqCst);
        result
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn session(&self) -> MutexGuard<'_, Session> {
        // A command that panicked mid-way must not lock everyone out: take the data back.
        self.session.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Run `f` on the unlocked store, counting as activity from its start to its end (a
    /// command that took a while does not leave the store to lock the moment it ends).
    pub fn with<T>(&self, f: impl FnOnce(&mut Punkt) -> UiResult<T>) -> UiResult<T> {
        let mut s = self.session();
        s.touch();
        let punkt = s.punkt.as_mut().ok_or_else(UiError::locked)?;
        let result = f(punkt);
        s.touch();
        result
    }

    /// The person did something. While a command holds the session this is not waited for:
    /// the command counts as activity (see [`Desk::with`]), and a thread waiting here could
    /// hold up the person's Stop.
    pub fn touch(&self) {
        if let Ok(mut s) = self.session.try_lock() {
            s.touch();
        }
    }

    pub fn store_exists(&self) -> bool {
        punkt_store::Store::exists(&self.dir)
    }

    pub fn create(&self, organisation: &str, author: &str, passphrase: &str) -> UiResult<()> {
        let mut punkt = Punkt::init_with(&self.dir, passphrase, organisation, self.kdf)?;
        punkt.set_author(author)?;
        let mut s = self.session();
        s.punkt = Some(punkt);
        s.touch();
        Ok(())
    }

    pub fn unlock(&self, passphrase: &str) -> UiResult<()> {
        let punkt = Punkt::open(&self.dir, passphrase)?;
        let mut s = self.session();
        s.punkt = Some(punkt);
        s.touch();
        Ok(())
    }

    /// Close the store. Returns whether it was open.
    pub fn lock(&self) -> bool {
        self.close(&mut self.session()).is_some()
    }

    pub fn is_unlocked(&self) -> bool {
        self.session().punkt.is_some()
    }

    /// Lock if the store has been idle longer than the chosen time. Returns true when it
    /// locked now. A session busy with a command is not waited for; long local work running
    /// beside it ([`Desk::aside`]) is activity, work waiting on the server is not.
    pub fn lock_if_idle(&self, now: Instant, wall: SystemTime) -> bool {
        if self.local.load(Ordering::SeqCst) > 0 {
            return false;
        }
        let Ok(mut s) = self.session.try_lock() else {
            return false;
        };
        let limit = Duration::from_secs(u64::from(s.settings.autolock_minutes) * 60);
        if s.punkt.is_some() && s.idle_for(now, wall) >= limit {
            self.close(&mut s);
            return true;
        }
        false
    }

    pub fn settings(&self) -> Settings {
        self.session().settings.clone()
    }

    pub fn save_settings(&self, settings: Settings) -> UiResult<()> {
        settings.save(&self.dir)?;
        if settings.hardened_memory {
            punkt_store::harden_memory().map_err(|e| {
                UiError::new(
                    "memory",
                    format!("hardened memory could not be turned on: {e}"),
                )
            })?;
        }
        self.session().settings = settings;
        Ok(())
    }

    /// Replace the passphrase (the store may be locked or open). With `rotate_key`, the data
    /// key too: the store is closed, re-encrypted under a new key, and opened again with the
    /// new passphrase if it was open (the session lock is held throughout, so nothing else
    /// reaches the store meanwhile).
    pub fn change_passphrase(
        &self,
        old: &str,
        new: &str,
        rotate_key: bool,
        progress: &mut dyn FnMut(punkt_store::KeyRotation),
    ) -> UiResult<()> {
        if !rotate_key {
            return Ok(punkt_store::Store::change_passphrase(&self.dir, old, new)?);
        }
        let mut s = self.session();
        // Work on a second connection would go on writing to the database the rotation
        // replaces: wait until it is done (the session's lock keeps new work from starting).
        if self.online.load(Ordering::SeqCst) > 0 {
            return Err(UiError::new(
                "work_running",
                "a sync, an import or a report is running; change the key when it ends",
            ));
        }
        let was_open = self.close(&mut s).is_some();
        let rotated = punkt_store::Store::rotate_key(&self.dir, old, new, progress);
        let reopen = if was_open {
            // With the old passphrase if the rotation did not happen: nothing changed then.
            let pass = if rotated.is_ok() { new } else { old };
            Punkt::open(&self.dir, pass).map(Some)
        } else {
            Ok(None)
        };
        s.punkt = reopen?;
        s.touch();
        Ok(rotated?)
    }

    /// Make the session's last activity `ago` old (tests of auto-lock).
    #[cfg(test)]
    pub fn age(&self, ago: Duration) {
        let mut s = self.session();
        s.last_activity = Instant::now() - ago;
        s.last_activity_wall = SystemTime::now() - ago;
    }

    /// Make only the wall clock's last activity `ago` old: a laptop that slept.
    #[cfg(test)]
    pub fn slept(&self, ago: Duration) {
        self.session().last_activity_wall = SystemTime::now() - ago;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    fn desk() -> (tempfile::TempDir, Desk) {
        let dir = tempfile::tempdir().unwrap();
        let desk = Desk::new(dir.path().join("store"), KdfParams::FOR_TESTS);
        (dir, desk)
    }

    /// A server that cannot be reached.
    struct NoServer;

    impl Transport for NoServer {
        fn exchange(&mut self, _request: &[u8]) -> Result<Vec<u8>, TransportError> {
            Err(TransportError::Unreachable("no server in this test".into()))
        }
    }

    #[test]
    fn lock_closes_the_store_and_unlock_needs_the_passphrase() {
        let (_t, desk) = desk();
        desk.create("Fundacja", "Anna", "correct horse battery")
            .unwrap();
        assert!(desk.is_unlocked());
        assert!(desk.lock());
        assert_eq!(desk.with(|_| Ok(())).unwrap_err().code, "locked");
        assert_eq!(
            desk.unlock("wrong passphrase").unwrap_err().code,
            "wrong_passphrase"
        );
        assert!(!desk.is_unlocked());
        desk.unlock("correct horse battery").unwrap();
        assert_eq!(
            desk.with(|p| Ok(p.author().map(str::to_string)))
                .unwrap()
                .as_deref(),
            Some("Anna")
        );
    }

    #[test]
    fn idle_store_locks_after_the_chosen_time_only() {
        let (_t, desk) = desk();
        desk.create("Fundacja", "", "correct horse battery")
            .unwrap();
        desk.save_settings(Settings {
            language: "uk".into(),
            autolock_minutes: 5,
            hardened_memory: false,
        })
        .unwrap();
        desk.age(Duration::from_secs(4 * 60));
        assert!(!desk.lock_if_idle(Instant::now(), SystemTime::now()));
        assert!(desk.is_unlocked());
        desk.age(Duration::from_secs(5 * 60 + 1));
        assert!(desk.lock_if_idle(Instant::now(), SystemTime::now()));
        assert!(!desk.is_unlocked());
        // The settings outlive the session and are read before unlocking.
        let again = Desk::new(desk.dir().to_path_buf(), KdfParams::FOR_TESTS);
        assert_eq!(again.settings().language, "uk");
    }

    #[test]
    fn a_laptop_that_slept_with_the_lid_closed_locks_when_it_wakes() {
        let (_t, desk) = desk();
        desk.create("Fundacja", "", "correct horse battery")
            .unwrap();
        // The monotonic clock saw no time pass (it stops in suspend); the wall clock saw hours.
        desk.slept(Duration::from_secs(3 * 3600));
        assert!(desk.lock_if_idle(Instant::now(), SystemTime::now()));
        assert!(!desk.is_unlocked());
    }

    const PASS: &str = "correct horse battery";

    /// A server that answers only when the test says so: each exchange tells the test it
    /// started, then waits for the answer the test sends.
    struct Held {
        started: mpsc::Sender<()>,
        answer: mpsc::Receiver<Result<Vec<u8>, TransportError>>,
    }

    impl Transport for Held {
        fn exchange(&mut self, _request: &[u8]) -> Result<Vec<u8>, TransportError> {
            self.started.send(()).unwrap();
            self.answer.recv().unwrap()
        }
    }

    type Answer = mpsc::Sender<Result<Vec<u8>, TransportError>>;

    /// Start `f` on a second connection in another thread, as the work named `job`, against a
    /// [`Held`] server; returns once its first request is waiting on that server.
    fn waiting_on_the_server<T: Send + 'static>(
        desk: &Desk,
        job: Option<&str>,
        f: impl FnOnce(&mut Punkt, &mut dyn Transport) -> Result<T, CoreError> + Send + 'static,
    ) -> (Answer, std::thread::JoinHandle<UiResult<T>>) {
        let job = job.map(str::to_string);
        let (started_tx, started) = mpsc::channel();
        let (answer, answer_rx) = mpsc::channel();
        let worker = {
            let desk = desk.clone();
            std::thread::spawn(move || {
                desk.online(
                    &desk.job(job),
                    move |_| {
                        Ok(Held {
                            started: started_tx,
                            answer: answer_rx,
                        })
                    },
                    f,
                )
            })
        };
        started
            .recv_timeout(Duration::from_secs(30))
            .expect("the work asked the server");
        (answer, worker)
    }

    fn client(name: &str) -> punkt_core::ClientInput {
        punkt_core::ClientInput::from_json(&format!(
            r#"{{"given_names":"{name}","family_name":"Kowalenko"}}"#
        ))
        .unwrap()
    }

    fn ask(t: &mut dyn Transport) -> Result<Vec<u8>, CoreError> {
        t.exchange(b"question").map_err(|e| match e {
            TransportError::Cancelled => CoreError::Cancelled,
            TransportError::Stopped => CoreError::Stopped,
            e => CoreError::Unreachable(e.to_string()),
        })
    }

    #[test]
    fn the_session_works_while_work_waits_on_the_server_and_both_writes_land() {
        let (_t, desk) = desk();
        desk.create("Fundacja", "Anna", PASS).unwrap();
        let (answer, worker) = waiting_on_the_server(&desk, None, |p, t| {
            ask(t)?;
            // The answer acted on through the work's own connection.
            p.add_client(client("Olena"))?;
            p.set_author("Beata")?;
            Ok(())
        });
        // The server is silent: the person at the keyboard is not kept waiting.
        let typed = desk
            .with(|p| Ok(p.add_client(client("Iryna"))?))
            .expect("a save while a sync waits");
        answer.send(Ok(b"answer".to_vec())).unwrap();
        worker.join().unwrap().unwrap();
        // Both files are there, and the session reads again what the work changed.
        let names = desk
            .with(|p| Ok(["Olena", "Iryna"].map(|n| p.search(n, 5).unwrap().len())))
            .unwrap();
        assert_eq!(names, [1, 1]);
        assert!(desk.with(|p| Ok(p.client(&typed)?)).is_ok());
        assert_eq!(
            desk.with(|p| Ok(p.author().map(str::to_string)))
                .unwrap()
                .as_deref(),
            Some("Beata")
        );
    }

    #[test]
    fn lock_while_work_waits_on_the_server_stops_it_and_loses_nothing() {
        let (_t, desk) = desk();
        desk.create("Fundacja", "Anna", PASS).unwrap();
        let (answer, worker) = waiting_on_the_server(&desk, None, |p, t| {
            ask(t)?;
            p.add_client(client("Olena"))?;
            Ok(())
        });
        desk.with(|p| Ok(p.add_client(client("Iryna"))?)).unwrap();
        assert!(desk.lock(), "Lock does not wait for the server");
        assert!(!desk.is_unlocked());
        answer.send(Ok(b"answer".to_vec())).unwrap();
        assert_eq!(worker.join().unwrap().unwrap_err().code, "locked");
        desk.unlock(PASS).unwrap();
        let found = desk
            .with(|p| Ok(["Olena", "Iryna"].map(|n| p.search(n, 5).unwrap().len())))
            .unwrap();
        assert_eq!(
            found,
            [0, 1],
            "the answer that came after the lock was not acted on"
        );
    }

    #[test]
    fn a_stop_ends_only_its_own_work_keeps_the_session_open_and_loses_nothing() {
        let (_t, desk) = desk();
        desk.create("Fundacja", "Anna", PASS).unwrap();
        assert!(!desk.stop("no-such-work"), "nothing was running");
        let (answer, worker) = waiting_on_the_server(&desk, Some("sync-1"), |p, t| {
            p.add_client(client("Mykola"))?;
            ask(t)?;
            p.add_client(client("Olena"))?;
            Ok(())
        });
        // Other long work at the same time, in the session (a report, an import).
        let report = desk.job(Some("report-1".into()));
        desk.with(|p| Ok(p.add_client(client("Iryna"))?)).unwrap();
        assert!(desk.stop("sync-1"), "the sync was running");
        assert!(
            report.go_on(),
            "a Stop for the sync leaves other work running"
        );
        answer.send(Ok(b"answer".to_vec())).unwrap();
        assert_eq!(worker.join().unwrap().unwrap_err().code, "cancelled");
        assert!(desk.is_unlocked(), "stopping does not lock");
        let found = desk
            .with(|p| Ok(["Mykola", "Olena", "Iryna"].map(|n| p.search(n, 5).unwrap().len())))
            .unwrap();
        assert_eq!(
            found,
            [1, 0, 1],
            "what was done before the Stop is kept, the answer after it not acted on"
        );
        // A Stop pressed before its work started is kept for it, even when other work ends
        // meanwhile: nothing goes to the server.
        assert!(!desk.stop("sync-2"));
        drop(report);
        let early = desk.online(
            &desk.job(Some("sync-2".into())),
            |_| Ok(NoServer),
            |_, t| ask(t),
        );
        assert_eq!(early.unwrap_err().code, "cancelled");
        // The next piece of work is not stopped by the Stops that came before it, and the ids
        // of work that ended are forgotten.
        let (answer, worker) = waiting_on_the_server(&desk, Some("sync-3"), |_, t| ask(t));
        answer.send(Ok(b"again".to_vec())).unwrap();
        assert_eq!(worker.join().unwrap().unwrap(), b"again".to_vec());
        let jobs = Jobs::lock(&desk.jobs);
        assert!(jobs.running.is_empty(), "work that ended is forgotten");
        assert_eq!(
            jobs.stopped.keys().collect::<Vec<_>>(),
            ["no-such-work"],
            "the Stops of work that ran are forgotten; one for no work waits to expire"
        );
    }

    /// Start `f` beside the session in another thread, as the work named `job`; returns once
    /// it waits for the word to go on (`step`), asking `go_on` before and after each step.
    fn working_beside(
        desk: &Desk,
        job: Option<&str>,
        f: impl FnOnce(&mut Punkt) -> Result<(), CoreError> + Send + 'static,
    ) -> (mpsc::Sender<()>, std::thread::JoinHandle<UiResult<()>>) {
        let job = job.map(str::to_string);
        let (started_tx, started) = mpsc::channel();
        let (step, step_rx) = mpsc::channel::<()>();
        let worker = {
            let desk = desk.clone();
            std::thread::spawn(move || {
                desk.aside(&desk.job(job), move |p, go_on| {
                    f(p)?;
                    started_tx.send(()).unwrap();
                    while step_rx.recv().is_ok() {
                        if !go_on() {
                            return Err(CoreError::Stopped);
                        }
                    }
                    p.add_client(client("Zoriana"))?;
                    Ok(())
                })
            })
        };
        started
            .recv_timeout(Duration::from_secs(30))
            .expect("the work began");
        (step, worker)
    }

    #[test]
    fn long_work_beside_the_session_lets_other_screens_read_and_write() {
        let (_t, desk) = desk();
        desk.create("Fundacja", "Anna", PASS).unwrap();
        let (step, worker) = working_beside(&desk, Some("import-1"), |p| {
            p.add_client(client("Mykola")).map(drop)
        });
        // While the work runs, the session answers: what the work wrote is there to read, and
        // another screen writes.
        let found = desk.with(|p| Ok(p.search("Mykola", 5)?.len())).unwrap();
        assert_eq!(found, 1, "read while the work runs");
        desk.with(|p| Ok(p.add_client(client("Iryna"))?)).unwrap();
        assert!(desk.is_unlocked());
        step.send(()).unwrap();
        drop(step);
        worker.join().unwrap().unwrap();
        let found = desk
            .with(|p| Ok(["Mykola", "Iryna", "Zoriana"].map(|n| p.search(n, 5).unwrap().len())))
            .unwrap();
        assert_eq!(found, [1, 1, 1], "nothing lost on either connection");
    }

    #[test]
    fn a_stop_or_a_lock_ends_long_work_beside_the_session_at_its_next_step() {
        let (_t, desk) = desk();
        desk.create("Fundacja", "Anna", PASS).unwrap();
        // Stop: that work ends (`cancelled`), the store stays open.
        let (step, worker) = working_beside(&desk, Some("report-1"), |_| Ok(()));
        assert!(desk.stop("report-1"));
        step.send(()).unwrap();
        assert_eq!(worker.join().unwrap().unwrap_err().code, "cancelled");
        assert!(desk.is_unlocked(), "stopping does not lock");
        // Lock: Lock does not wait for the work; the work's next step ends it (`locked`),
        // and what it would have written next is not written.
        let (step, worker) = working_beside(&desk, Some("import-2"), |_| Ok(()));
        assert!(desk.lock(), "Lock does not wait for the work");
        step.send(()).unwrap();
        assert_eq!(worker.join().unwrap().unwrap_err().code, "locked");
        desk.unlock(PASS).unwrap();
        let found = desk.with(|p| Ok(p.search("Zoriana", 5)?.len())).unwrap();
        assert_eq!(found, 0, "the work stopped before its next write");
        // A new key is not made while work runs beside the session.
        let (step, worker) = working_beside(&desk, None, |_| Ok(()));
        let rotation = desk.change_passphrase(PASS, "another horse battery", true, &mut |_| {});
        assert_eq!(rotation.unwrap_err().code, "work_running");
        drop(step);
        worker.join().unwrap().unwrap();
    }

    #[test]
    fn auto_lock_waits_for_long_local_work_and_locks_when_idle_after_it() {
        let (_t, desk) = desk();
        desk.create("Fundacja", "", PASS).unwrap();
        let (step, worker) = working_beside(&desk, Some("import-1"), |_| Ok(()));
        desk.age(Duration::from_secs(3600));
        let now = || (Instant::now(), SystemTime::now());
        assert!(!desk.lock_if_idle(now().0, now().1), "the work is activity");
        drop(step);
        worker.join().unwrap().unwrap();
        assert!(
            !desk.lock_if_idle(now().0, now().1),
            "its end counts as activity"
        );
        desk.age(Duration::from_secs(3600));
        assert!(desk.lock_if_idle(now().0, now().1), "idle after it: locked");
    }

    #[test]
    fn auto_lock_is_not_kept_off_by_work_waiting_on_the_server() {
        let (_t, desk) = desk();
        desk.create("Fundacja", "", PASS).unwrap();
        let (answer, worker) = waiting_on_the_server(&desk, None, |_, t| ask(t));
        desk.age(Duration::from_secs(3600));
        assert!(desk.lock_if_idle(Instant::now(), SystemTime::now()));
        answer.send(Ok(Vec::new())).unwrap();
        assert_eq!(worker.join().unwrap().unwrap_err().code, "locked");
    }

    #[test]
    fn one_sync_at_a_time_and_no_new_key_while_one_runs() {
        let (_t, desk) = desk();
        desk.create("Fundacja", "", PASS).unwrap();
        let (answer, worker) = waiting_on_the_server(&desk, None, |_, t| ask(t));
        let second = desk.sync(&desk.job(None), |_| Ok(NoServer), |_, t| ask(t));
        // The work above is not a sync, so a sync may run beside it (here it finds no server).
        assert_eq!(second.unwrap_err().code, "server_unreachable");
        let rotation = desk.change_passphrase(PASS, "another horse battery", true, &mut |_| {});
        assert_eq!(rotation.unwrap_err().code, "work_running");
        answer.send(Ok(Vec::new())).unwrap();
        worker.join().unwrap().unwrap();
        // Done: the key can change now, and the store opens with the new passphrase.
        desk.change_passphrase(PASS, "another horse battery", true, &mut |_| {})
            .unwrap();
        assert!(desk.lock());
        desk.unlock("another horse battery").unwrap();

        let (started_tx, started) = mpsc::channel();
        let (answer, answer_rx) = mpsc::channel();
        let first = {
            let desk = desk.clone();
            std::thread::spawn(move || {
                desk.sync(
                    &desk.job(None),
                    move |_| {
                        Ok(Held {
                            started: started_tx,
                            answer: answer_rx,
                        })
                    },
                    |_, t| ask(t),
                )
            })
        };
        started.recv_timeout(Duration::from_secs(30)).unwrap();
        let again = desk.sync(&desk.job(None), |_| Ok(NoServer), |_, t| ask(t));
        assert_eq!(again.unwrap_err().code, "sync_running");
        answer.send(Ok(Vec::new())).unwrap();
        first.join().unwrap().unwrap();
    }

    #[test]
    fn a_laptop_the_server_revoked_is_wiped_even_if_locked_meanwhile() {
        let (_t, desk) = desk();
        desk.create("Fundacja", "", PASS).unwrap();
        assert!(desk.store_exists());
        let revoked = desk.online(
            &desk.job(None),
            |_| Ok(NoServer),
            |_, _| -> Result<(), CoreError> {
                Err(CoreError::SyncRefused {
                    code: punkt_sync::wire::Code::DeviceRevoked,
                    message: "revoked".into(),
                    wipe: true,
                })
            },
        );
        assert_eq!(revoked.unwrap_err().code, "device_revoked");
        assert!(!desk.is_unlocked());
        assert!(!desk.store_exists());

        // The same word arriving after the person locked: the store goes all the same.
        let (_t2, desk) = self::desk();
        desk.create("Fundacja", "", PASS).unwrap();
        let (answer, worker) =
            waiting_on_the_server(&desk, None, |_, t| -> Result<(), CoreError> {
                let _ = t.exchange(b"sync");
                Err(CoreError::SyncRefused {
                    code: punkt_sync::wire::Code::DeviceRevoked,
                    message: "revoked".into(),
                    wipe: true,
                })
            });
        assert!(desk.lock());
        answer.send(Ok(Vec::new())).unwrap();
        assert_eq!(worker.join().unwrap().unwrap_err().code, "device_revoked");
        assert!(!desk.store_exists());
    }

    #[test]
    fn hardened_memory_is_a_setting_kept_beside_the_store_and_on_at_the_next_start() {
        let (_t, desk) = desk();
        assert!(!desk.settings().hardened_memory, "off by default");
        // A settings file written before the setting existed still loads.
        std::fs::create_dir_all(desk.dir()).unwrap();
        std::fs::write(
            desk.dir().join("settings.json"),
            r#"{"language":"en","autolock_minutes":15}"#,
        )
        .unwrap();
        let again = Desk::new(desk.dir().to_path_buf(), KdfParams::FOR_TESTS);
        assert_eq!(
            (
                again.settings().language.as_str(),
                again.settings().hardened_memory
            ),
            ("en", false)
        );
        again
            .save_settings(Settings {
                hardened_memory: true,
                ..again.settings()
            })
            .unwrap();
        assert!(punkt_store::memory_hardened().unwrap());
        again
            .create("Fundacja", "", "correct horse battery")
            .unwrap();
        assert!(again.is_unlocked());
        let next = Desk::new(desk.dir().to_path_buf(), KdfParams::FOR_TESTS);
        assert!(next.settings().hardened_memory);
    }

    #[test]
    fn settings_refuse_unknown_languages_and_times() {
        let (_t, desk) = desk();
        let bad = Settings {
            language: "de".into(),
            autolock_minutes: 5,
            hardened_memory: false,
        };
        assert_eq!(desk.save_settings(bad).unwrap_err().code, "invalid_input");
        let bad = Settings {
            language: "pl".into(),
            autolock_minutes: 0,
            hardened_memory: false,
        };
        assert_eq!(desk.save_settings(bad).unwrap_err().code, "invalid_input");
        assert_eq!(desk.settings(), Settings::default());
    }
}

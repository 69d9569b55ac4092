//! The desktop session: where the store lives, whether it is unlocked, and when the person
//! last did something (for auto-lock). Locked means no `Punkt`: the store is closed and its
//! key dropped, so nothing personal stays in this process's memory.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use punkt_core::Punkt;
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
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn session(&self) -> MutexGuard<'_, Session> {
        // A command that panicked mid-way must not lock everyone out: take the data back.
        self.session.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Run `f` on the unlocked store, counting as activity.
    pub fn with<T>(&self, f: impl FnOnce(&mut Punkt) -> UiResult<T>) -> UiResult<T> {
        let mut s = self.session();
        s.touch();
        let punkt = s.punkt.as_mut().ok_or_else(UiError::locked)?;
        f(punkt)
    }

    pub fn touch(&self) {
        self.session().touch();
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
        self.session().punkt.take().is_some()
    }

    pub fn is_unlocked(&self) -> bool {
        self.session().punkt.is_some()
    }

    /// Lock if the store has been idle longer than the chosen time. Returns true when it
    /// locked now. A session busy with a long command (a sync) is not waited for.
    pub fn lock_if_idle(&self, now: Instant, wall: SystemTime) -> bool {
        let Ok(mut s) = self.session.try_lock() else {
            return false;
        };
        let limit = Duration::from_secs(u64::from(s.settings.autolock_minutes) * 60);
        if s.punkt.is_some() && s.idle_for(now, wall) >= limit {
            s.punkt = None;
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
        let was_open = s.punkt.take().is_some();
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

    /// The server revoked this laptop: destroy its store (as `punkt sync` does).
    pub fn wipe_revoked(&self) -> UiResult<()> {
        let punkt = self.session().punkt.take();
        if let Some(p) = punkt {
            p.wipe()?;
        }
        Ok(())
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

    fn desk() -> (tempfile::TempDir, Desk) {
        let dir = tempfile::tempdir().unwrap();
        let desk = Desk::new(dir.path().join("store"), KdfParams::FOR_TESTS);
        (dir, desk)
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

    #[test]
    fn a_revoked_laptop_wipes_its_store() {
        let (_t, desk) = desk();
        desk.create("Fundacja", "", "correct horse battery")
            .unwrap();
        assert!(desk.store_exists());
        desk.wipe_revoked().unwrap();
        assert!(!desk.is_unlocked());
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

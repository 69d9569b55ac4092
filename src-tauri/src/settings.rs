//! The app's settings: language, auto-lock time and hardened memory. They hold nothing about
//! anyone, so they sit beside the store in plain JSON and are read before it is unlocked (the
//! lock screen speaks the person's language; hardened memory must be on before the store's
//! first page is decrypted).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{UiError, UiResult};

pub const LANGUAGES: &[&str] = &["pl", "en", "uk", "ru"];
/// Auto-lock choices, in minutes.
pub const AUTOLOCK_MINUTES: &[u32] = &[1, 2, 5, 10, 15, 30, 60];

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub language: String,
    pub autolock_minutes: u32,
    /// SQLCipher wipes every allocation it frees and keeps its memory out of swap
    /// (`punkt_store::harden_memory`): for laptops that go into the closed centres. A sync is
    /// about three times slower; turning it off takes effect when the app restarts.
    #[serde(default)]
    pub hardened_memory: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            language: "pl".into(),
            autolock_minutes: 10,
            hardened_memory: false,
        }
    }
}

impl Settings {
    fn path(dir: &Path) -> PathBuf {
        dir.join("settings.json")
    }

    /// The saved settings; the defaults when there are none or they cannot be read.
    pub fn load(dir: &Path) -> Settings {
        std::fs::read(Self::path(dir))
            .ok()
            .and_then(|b| serde_json::from_slice::<Settings>(&b).ok())
            .filter(|s| s.check().is_ok())
            .unwrap_or_default()
    }

    pub fn check(&self) -> UiResult<()> {
        if !LANGUAGES.contains(&self.language.as_str()) {
            return Err(UiError::new(
                "invalid_input",
                format!("'{}' is not one of the app's languages", self.language),
            ));
        }
        if !AUTOLOCK_MINUTES.contains(&self.autolock_minutes) {
            return Err(UiError::new(
                "invalid_input",
                format!(
                    "{} minutes is not an auto-lock choice",
                    self.autolock_minutes
                ),
            ));
        }
        Ok(())
    }

    pub fn save(&self, dir: &Path) -> UiResult<()> {
        self.check()?;
        std::fs::create_dir_all(dir)
            .map_err(|e| UiError::new("io", format!("cannot create {}: {e}", dir.display())))?;
        let tmp = dir.join("settings.json.tmp");
        let text = serde_json::to_vec_pretty(self).expect("settings serialise");
        std::fs::write(&tmp, text)
            .and_then(|_| std::fs::rename(&tmp, Self::path(dir)))
            .map_err(|e| UiError::new("io", format!("cannot save the settings: {e}")))
    }
}

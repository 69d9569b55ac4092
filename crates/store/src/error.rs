//! The store's errors, classified so that front ends can tell a person what went wrong.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("no store at {0}: run `punkt init` first")]
    NoStore(String),
    #[error("a store already exists at {0}")]
    AlreadyExists(String),
    #[error("wrong passphrase")]
    WrongPassphrase,
    #[error(
        "the passphrase is too weak: use at least {0} characters that are not easy to guess \
         (several unrelated words work well)"
    )]
    WeakPassphrase(usize),
    #[error("the store's key file is damaged: {0}")]
    BadKeyFile(String),
    #[error("the store's database is damaged or not a Punkt store: {0}")]
    Corrupt(String),
    #[error("the store was made by a newer Punkt (schema {found}, this one knows {supported}); update Punkt")]
    TooNew { found: i64, supported: i64 },
    #[error("no document with id {0}")]
    NoDocument(String),
    #[error("document {0} was erased: it cannot be written again")]
    Erased(String),
    /// A key for the same epoch or document, but another one, is already kept.
    #[error("{0}")]
    KeyConflict(String),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
}

impl StoreError {
    /// Another connection's write held the store longer than this one waits (SQLite's busy
    /// timeout): nothing was written, and the same write may succeed once that work ends.
    pub fn is_busy(&self) -> bool {
        use rusqlite::ErrorCode::{DatabaseBusy, DatabaseLocked};
        matches!(self, StoreError::Sqlite(e)
            if matches!(e.sqlite_error_code(), Some(DatabaseBusy | DatabaseLocked)))
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

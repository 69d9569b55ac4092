//! The errors of Punkt's use cases, each with a stable `code` that front ends decide by.

use punkt_model::ModelError;
use punkt_store::StoreError;
use punkt_sync::wire::Code;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum CoreError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error("invalid input: {0}")]
    Invalid(String),
    /// The check code typed is not the one the laptop's key gives: no keys were given.
    #[error("{0}")]
    CheckCodeMismatch(String),
    #[error("no client file with id {0}")]
    UnknownClient(String),
    #[error("the document {id} is damaged: {reason}")]
    Document { id: String, reason: String },
    #[error("import refused: {0}")]
    ImportRefused(String),
    #[error("could not write the report: {0}")]
    Export(String),
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
    #[error("this store is not enrolled with a sync server: run `punkt enroll --server URL --code CODE`")]
    NotEnrolled,
    #[error("cannot reach the sync server: {0}")]
    Unreachable(String),
    #[error("the sync server refused: {message}")]
    SyncRefused {
        code: Code,
        message: String,
        wipe: bool,
    },
    #[error("sync failed: {0}")]
    Sync(String),
    /// The server does not have what it confirmed to this laptop (restored from a backup): the
    /// sync starts again from nothing, and what the server still has is not sent twice.
    #[error("the server is behind this device (restored from a backup?)")]
    ServerBehind,
    #[error("the attachment {0} has not arrived on this laptop yet: sync again")]
    NotReceived(String),
    #[error("the file {0} was erased")]
    Erased(String),
    #[error("not allowed: {0}")]
    Forbidden(String),
    #[error(
        "the server has referral {0}, so the other organisation may have it: withdraw it instead"
    )]
    ReferralOnServer(String),
    #[error("sync first: {0}")]
    SyncFirst(String),
    /// Work that waited on the server was stopped because the store was closed (locked).
    #[error("stopped: the store was locked while waiting on the server")]
    Cancelled,
    /// Work the person cancelled: what was done before is kept, the rest comes next time.
    #[error("stopped at your request; what was done is kept, the rest comes next time")]
    Stopped,
}

impl CoreError {
    /// The input field an `invalid_input` error is about, when it is about one.
    pub fn field(&self) -> Option<&str> {
        match self {
            CoreError::Model(e) => e.field_name(),
            _ => None,
        }
    }

    /// A stable, machine-readable code: front ends decide by it, never by the message text.
    pub fn code(&self) -> &'static str {
        match self {
            CoreError::Store(e) => match e {
                StoreError::NoStore(_) => "no_store",
                StoreError::AlreadyExists(_) => "store_exists",
                StoreError::WrongPassphrase => "wrong_passphrase",
                StoreError::WeakPassphrase(_) => "weak_passphrase",
                StoreError::BadKeyFile(_) => "bad_key_file",
                StoreError::Corrupt(_) => "corrupt_store",
                StoreError::TooNew { .. } => "store_too_new",
                StoreError::NoDocument(_) => "unknown_document",
                StoreError::Erased(_) => "erased",
                StoreError::KeyConflict(_) => "key_conflict",
                // Another connection's write (long work beside the session, the `punkt`
                // command) held the store longer than a write waits.
                e @ StoreError::Sqlite(_) if e.is_busy() => "store_busy",
                StoreError::Sqlite(_) => "database",
                StoreError::Io(_) => "io",
            },
            CoreError::Model(e) => e.code(),
            CoreError::Invalid(_) => "invalid_input",
            CoreError::CheckCodeMismatch(_) => "check_code_mismatch",
            CoreError::UnknownClient(_) => "unknown_client",
            CoreError::NotReceived(_) => "not_received",
            CoreError::Erased(_) => "erased",
            CoreError::Forbidden(_) => "forbidden",
            CoreError::ReferralOnServer(_) => "referral_on_server",
            CoreError::SyncFirst(_) => "sync_first",
            CoreError::Document { .. } => "malformed_document",
            CoreError::ImportRefused(_) => "import_refused",
            CoreError::Export(_) => "export_failed",
            CoreError::Io(_) => "io",
            CoreError::NotEnrolled => "not_enrolled",
            CoreError::Unreachable(_) => "server_unreachable",
            CoreError::SyncRefused { code, .. } => match code {
                Code::DeviceRevoked => "device_revoked",
                Code::Unauthorized => "unauthorized",
                Code::Forbidden => "forbidden",
                Code::BadCode => "bad_enrolment_code",
                Code::TooLarge => "too_large",
                Code::Version => "protocol_version",
                Code::KeyMismatch => "key_mismatch",
                Code::NotFound => "not_found",
                Code::Exists => "name_taken",
                Code::NotNewer => "rule_book_not_newer",
                Code::Invalid => "invalid_input",
                Code::RateLimited
                | Code::Malformed
                | Code::ServerError
                | Code::NoKey
                | Code::Busy
                | Code::Legacy
                | Code::Erased
                | Code::Http
                | Code::Other(_) => "sync_refused",
            },
            CoreError::Sync(_) | CoreError::ServerBehind => "sync_failed",
            CoreError::Cancelled => "locked",
            CoreError::Stopped => "cancelled",
        }
    }
}

pub type Result<T, E = CoreError> = std::result::Result<T, E>;

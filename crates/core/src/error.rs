//! The errors of Punkt's use cases, each with a stable `code` that front ends decide by.

use punkt_model::ModelError;
use punkt_store::StoreError;
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
        code: String,
        message: String,
        wipe: bool,
    },
    #[error("sync failed: {0}")]
    Sync(String),
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
            CoreError::SyncRefused { code, .. } => match code.as_str() {
                "device_revoked" => "device_revoked",
                "unauthorized" => "unauthorized",
                "forbidden" => "forbidden",
                "bad_code" => "bad_enrolment_code",
                "too_large" => "too_large",
                "version" => "protocol_version",
                "key_mismatch" => "key_mismatch",
                "not_found" => "not_found",
                "exists" => "name_taken",
                "not_newer" => "rule_book_not_newer",
                "invalid" => "invalid_input",
                _ => "sync_refused",
            },
            CoreError::Sync(_) => "sync_failed",
        }
    }
}

pub type Result<T, E = CoreError> = std::result::Result<T, E>;

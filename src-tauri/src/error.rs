//! What a failed command gives the UI: a stable code to decide by and translate, and the
//! English message for the details line. Never raw Rust text to match on.

use serde::Serialize;

use punkt_core::CoreError;

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct UiError {
    pub code: String,
    pub message: String,
}

impl UiError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        UiError {
            code: code.to_string(),
            message: message.into(),
        }
    }

    pub fn locked() -> Self {
        UiError::new("locked", "the store is locked")
    }
}

impl From<CoreError> for UiError {
    fn from(e: CoreError) -> Self {
        UiError::new(e.code(), e.to_string())
    }
}

impl From<punkt_store::StoreError> for UiError {
    fn from(e: punkt_store::StoreError) -> Self {
        CoreError::from(e).into()
    }
}

pub type UiResult<T> = Result<T, UiError>;

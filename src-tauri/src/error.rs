//! What a failed command gives the UI: a stable code to decide by and translate, and the
//! English message for the details line. Never raw Rust text to match on.

use serde::Serialize;

use punkt_core::CoreError;

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct UiError {
    pub code: String,
    /// The backend's own words (English), for the details line and support: the UI's main
    /// text comes from its catalogue by `code`.
    pub message: String,
    /// For `invalid_input`: which field (`birth_date`, `place.city`, `sex`...), so the UI can
    /// name it in the person's language.
    pub field: Option<String>,
}

impl UiError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        UiError {
            code: code.to_string(),
            message: message.into(),
            field: None,
        }
    }

    pub fn locked() -> Self {
        UiError::new("locked", "the store is locked")
    }
}

impl From<CoreError> for UiError {
    fn from(e: CoreError) -> Self {
        UiError {
            field: e.field().map(str::to_string),
            ..UiError::new(e.code(), e.to_string())
        }
    }
}

impl From<punkt_store::StoreError> for UiError {
    fn from(e: punkt_store::StoreError) -> Self {
        CoreError::from(e).into()
    }
}

pub type UiResult<T> = Result<T, UiError>;

#[cfg(test)]
mod tests {
    use super::*;
    use punkt_model::ModelError;

    #[test]
    fn an_invalid_field_reaches_the_ui_with_its_name_and_code() {
        let e: UiError =
            CoreError::Model(ModelError::field("place.city", "'X' is not a point")).into();
        assert_eq!(e.code, "invalid_input");
        assert_eq!(e.field.as_deref(), Some("place.city"));
        let e: UiError = CoreError::UnknownClient("01X".into()).into();
        assert_eq!((e.code.as_str(), e.field), ("unknown_client", None));
    }
}

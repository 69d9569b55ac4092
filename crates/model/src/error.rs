//! The errors of the pure domain layer: invalid input, never I/O.

use thiserror::Error;

#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum ModelError {
    #[error("invalid date '{0}': expected YYYY-MM-DD (or YYYY, YYYY-MM for a birth date)")]
    InvalidDate(String),
    #[error("unknown deadline rule '{0}'")]
    UnknownRule(String),
    #[error("invalid {field}: {reason}")]
    InvalidField { field: String, reason: String },
    #[error("document schema version {found} is newer than this Punkt understands ({supported}); update Punkt")]
    SchemaTooNew { found: u64, supported: u64 },
    #[error("malformed document: {0}")]
    MalformedDocument(String),
}

impl ModelError {
    /// The stable code front ends decide by.
    pub fn code(&self) -> &'static str {
        match self {
            ModelError::InvalidDate(_) => "invalid_date",
            ModelError::UnknownRule(_) => "unknown_rule",
            ModelError::InvalidField { .. } => "invalid_input",
            ModelError::SchemaTooNew { .. } => "document_too_new",
            ModelError::MalformedDocument(_) => "malformed_document",
        }
    }

    /// The field an invalid input is about (front ends name it in the person's language).
    pub fn field_name(&self) -> Option<&str> {
        match self {
            ModelError::InvalidField { field, .. } => Some(field),
            _ => None,
        }
    }

    pub fn field(field: impl Into<String>, reason: impl Into<String>) -> Self {
        ModelError::InvalidField {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

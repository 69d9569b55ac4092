//! Reading what front ends send as JSON: unknown keys are refused (each input type says
//! `deny_unknown_fields`), and an error never echoes the values it could not read, since a
//! message may end up in a log.

use crate::error::{CoreError, Result};

pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(json: &str, what: &str) -> Result<T> {
    serde_json::from_str(json)
        .map_err(|e| CoreError::Invalid(format!("{what}: {}", without_values(&e.to_string()))))
}

/// An error message with the quoted values taken out: serde echoes what it could not read
/// (`invalid type: string "+48 600…"`), and a message may end up in a log.
fn without_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut quoted = false;
    for c in message.chars() {
        match c {
            '"' if !quoted => {
                quoted = true;
                out.push_str("\"…");
            }
            '"' => {
                quoted = false;
                out.push('"');
            }
            _ if !quoted => out.push(c),
            _ => {}
        }
    }
    out
}

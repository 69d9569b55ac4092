//! Punkt's domain: the client file as an Automerge document, and the pure rules around it.
//!
//! Architecture invariant: this crate does no I/O (no files, no network, no clock reads except
//! where a caller passes "now" in) and knows nothing of SQLite or sync. Everything here can be
//! tested with plain values.

/// A value kept in documents as text: `|v| text` makes the text from the value, and its
/// `FromStr` reads it back (`expected` names the form in the error). Dates and the closed
/// vocabularies are stored so.
macro_rules! stored_as_text {
    ($t:ty, $expected:expr, |$v:ident| $text:expr) => {
        impl autosurgeon::Reconcile for $t {
            type Key<'a> = autosurgeon::reconcile::NoKey;
            fn reconcile<R: autosurgeon::Reconciler>(
                &self,
                mut reconciler: R,
            ) -> Result<(), R::Error> {
                let $v = self;
                reconciler.str($text)
            }
        }

        impl autosurgeon::Hydrate for $t {
            fn hydrate_string(s: &'_ str) -> Result<Self, autosurgeon::HydrateError> {
                s.parse()
                    .map_err(|_| autosurgeon::HydrateError::unexpected($expected, s.to_string()))
            }
        }
    };
}

pub mod activity;
pub mod client;
pub mod date;
pub mod deadlines;
pub mod error;
pub mod holidays;
pub mod names;
pub mod organisation;
pub mod reference;
pub mod schema;
pub mod shared;
pub mod vocab;

pub use client::ClientFile;
pub use date::{IsoDate, PartialDate};
pub use error::ModelError;

/// A new id for a document or an entry in one of its collections: a ULID, made on this laptop,
/// sortable by creation time.
pub fn new_id() -> String {
    ulid::Ulid::new().to_string().to_ascii_lowercase()
}

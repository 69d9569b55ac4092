//! Which rule book this laptop counts deadlines with (`docs/deadlines.md`): the built-in one,
//! or a newer one installed here. A book that does not read, or is not newer than the one in
//! use, is refused with the reason and the book in use is kept. Each recorded deadline keeps
//! the version it was counted with, so installing a book never moves a deadline already
//! recorded.
//!
//! Not yet done (issue 14, item 2): books signed and distributed by the server at sync.

use punkt_model::deadlines::{RuleBook, RuleBookVersion};

use crate::error::{CoreError, Result};
use crate::Punkt;

/// Store meta key: the text of the newest rule book installed here.
const META_RULE_BOOK: &str = "rule_book";

/// The book to count with: one installed here when it reads and is newer than the built-in.
pub(crate) fn book_in_use(installed: Option<String>) -> RuleBook {
    let built_in = RuleBook::built_in();
    // A kept book was checked when it was installed; one that no longer reads (a later
    // release changed the format) or that a newer release's built-in book overtook gives way
    // to the built-in one.
    match installed.map(|json| RuleBook::from_json(&json)) {
        Some(Ok(book)) if book.serial > built_in.serial => book,
        _ => built_in,
    }
}

impl Punkt {
    /// The rule book deadlines are counted with now.
    pub fn rule_book(&self) -> RuleBookVersion {
        self.rules().describe()
    }

    /// Install a rule book (its JSON file): checked whole, used from now on if newer than the
    /// one in use, and kept in the store. Anything else is refused and nothing changes.
    pub fn install_rule_book(&mut self, json: &str) -> Result<RuleBookVersion> {
        let book = RuleBook::from_json(json)?;
        let current = self.rules().describe();
        if book.serial <= current.serial {
            return Err(CoreError::Invalid(format!(
                "rule book: {} (serial {}) is not newer than the one in use, {} (serial {})",
                book.version, book.serial, current.version, current.serial
            )));
        }
        self.store.set_meta(META_RULE_BOOK, json)?;
        let installed = book.describe();
        self.record_event(
            "rule_book",
            None,
            &format!(
                "rule book {} (serial {}) installed",
                installed.version, installed.serial
            ),
        )?;
        self.rules = book;
        Ok(installed)
    }

    pub(crate) fn installed_rule_book(store: &punkt_store::Store) -> Option<String> {
        store.meta_value(META_RULE_BOOK).ok().flatten()
    }
}

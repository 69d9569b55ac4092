//! Which rule book this laptop counts deadlines with (`docs/deadlines.md`): the built-in one,
//! or a newer one installed here. A book that does not read, or is not newer than the one in
//! use, is refused with the reason and the book in use is kept. Each recorded deadline keeps
//! the version it was counted with, so installing a book never moves a deadline already
//! recorded.
//!
//! A coordinator publishes a newer book for the whole consortium through the sync server
//! (`Punkt::publish_rule_book`), signed with their organisation's signing key of its newest
//! epoch. Every push answer says the serial of the newest book the server holds; a laptop
//! using an older one fetches it and checks the signature against the keys it follows of the
//! publishing organisation (its own, derived here; another's, verified along its chain), then
//! that it reads and that its serial is the one signed. A book that fails any check is
//! refused (`SyncSummary::rule_book_error`) and the one in use stays.

use punkt_model::deadlines::{RuleBook, RuleBookVersion};
use punkt_sync::wire::SignedRuleBook;
use punkt_sync::{Request, Response};

use crate::error::{CoreError, Result};
use crate::sync::{SyncSummary, Transport};
use crate::Punkt;

/// Store meta key: the text of the newest rule book installed here.
const META_RULE_BOOK: &str = "rule_book";
/// Store meta key: the serial of the newest book the server said it holds.
pub(crate) const META_SERVER_RULE_BOOK: &str = "server_rule_book";

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
        self.use_book(RuleBook::from_json(json)?, json)
    }

    /// Count with `book` (read from `json`) from now on, and keep it, if it is newer than the
    /// one in use.
    fn use_book(&mut self, book: RuleBook, json: &str) -> Result<RuleBookVersion> {
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

    /// Publish a rule book (its JSON file) for every laptop of the consortium: checked whole
    /// here, signed with this organisation's newest signing key, sent to the server (which
    /// takes it from a coordinator only, and only if newer than the one it holds), and used
    /// here from now on.
    pub fn publish_rule_book(
        &mut self,
        t: &mut dyn Transport,
        json: &str,
    ) -> Result<RuleBookVersion> {
        let book = RuleBook::from_json(json)?;
        let org = self.organisation().to_string();
        let (epoch, signer) = self.own_signer()?.ok_or_else(|| {
            CoreError::Invalid(
                "rule book: this laptop holds no key of its organisation yet to sign with".into(),
            )
        })?;
        let signature = signer.sign_rule_book(&org, epoch, book.serial, json);
        let signed = SignedRuleBook {
            org,
            epoch,
            serial: book.serial,
            book: json.to_string(),
            signature: signature.to_vec().into(),
        };
        let req = Request::PutRuleBook(signed);
        match self.ask(t, &req)? {
            Response::RuleBook(Some(b)) if b.serial == book.serial => {}
            _ => {
                return Err(CoreError::Sync(
                    "the server answered a rule book with something else".into(),
                ))
            }
        }
        let published = book.describe();
        if book.serial > self.rules().serial {
            self.use_book(book, json)?;
        }
        Ok(published)
    }

    /// The sync step for the rule book: when the server holds a newer book than the one in
    /// use, fetch it, check it and use it. Not fatal: what fails is said in the summary and
    /// the book in use stays.
    pub(crate) fn follow_rule_book(
        &mut self,
        t: &mut dyn Transport,
        summary: &mut SyncSummary,
    ) -> Result<()> {
        let announced: u64 = self
            .store
            .meta_value(META_SERVER_RULE_BOOK)?
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        if announced <= self.rules().serial {
            return Ok(());
        }
        let Response::RuleBook(Some(b)) = self.round(t, summary, &Request::RuleBook)? else {
            return Err(CoreError::Sync(
                "the server answered a rule book request with something else".into(),
            ));
        };
        // A book that is not newer after all is refused by `use_book`, and the sync says why.
        match self.check_signed_rule_book(&b) {
            Ok(book) => summary.rule_book = Some(self.use_book(book, &b.book)?),
            Err(why) => summary.rule_book_error = Some(why),
        }
        Ok(())
    }

    /// The book `b` carries, signed by its organisation with the serial it says; or why not.
    fn check_signed_rule_book(&self, b: &SignedRuleBook) -> std::result::Result<RuleBook, String> {
        let key = self
            .org_signing_key(&b.org, b.epoch)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| {
                format!(
                    "rule book serial {}: signed by {} with keys of epoch {} this laptop does not trust (yet)",
                    b.serial, b.org, b.epoch
                )
            })?;
        if !punkt_e2e::verify_rule_book(&key, &b.org, b.epoch, b.serial, &b.book, &b.signature) {
            return Err(format!(
                "rule book serial {}: the signature of {} does not check; the book was changed after it was signed",
                b.serial, b.org
            ));
        }
        let book = RuleBook::from_json(&b.book).map_err(|e| e.to_string())?;
        if book.serial != b.serial {
            return Err(format!(
                "rule book: signed as serial {}, but it says {}",
                b.serial, book.serial
            ));
        }
        Ok(book)
    }

    pub(crate) fn installed_rule_book(store: &punkt_store::Store) -> Option<String> {
        store.meta_value(META_RULE_BOOK).ok().flatten()
    }
}

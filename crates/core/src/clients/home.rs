//! What the desktop's home screen shows, in one read of the index: the deadline board, the
//! files changed lately, the files with unsettled concurrent values, and the last sync.

use serde::Serialize;

use crate::views::{self, ClientSummary};

use crate::error::Result;
use crate::sync::SyncStatus;
use crate::{BoardEntry, Punkt};

/// Deadlines due within this many days are on the home board (overdue ones always are).
pub const HOME_BOARD_DAYS: u32 = 14;
/// The home board shows this many; a store with thousands of open deadlines (demo data) must
/// not make the home screen slow.
pub const HOME_BOARD_LIMIT: usize = 50;
/// Deadlines due within this many days stand out.
pub const URGENT_DAYS: i64 = 3;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Home {
    pub organisation: String,
    pub author: Option<String>,
    pub today: String,
    /// The first [`HOME_BOARD_LIMIT`] deadlines of the board, soonest (most overdue) first.
    pub board: Vec<BoardEntry>,
    /// How many deadlines the board has in all (the deadlines screen lists the rest).
    pub board_total: u64,
    /// Days within which a deadline counts as urgent.
    pub urgent_days: i64,
    pub recent: Vec<ClientSummary>,
    pub conflicted: Vec<ClientSummary>,
    pub sync: SyncStatus,
    pub clients: u64,
}

/// A page of the deadline board.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BoardPage {
    pub entries: Vec<BoardEntry>,
    pub total: u64,
}

/// How hard a passphrase is to guess, for the strength meter.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PassphraseStrength {
    /// 0 (guessed at once) to 4 (very hard to guess), zxcvbn's score.
    pub score: u8,
    /// Long enough for the store to take it.
    pub long_enough: bool,
    /// Guesses needed, as a power of ten.
    pub guesses_log10: f64,
    /// The store takes it: long enough and hard enough to guess (a score of at least
    /// `punkt_store::keyfile::MIN_PASSPHRASE_SCORE`, with the organisation's and the
    /// person's names and common Polish and Ukrainian words counted as guessable).
    pub acceptable: bool,
}

/// Rate a passphrase (names of the organisation and the person count as guessable).
pub fn passphrase_strength(passphrase: &str, guessable: &[&str]) -> PassphraseStrength {
    let long_enough = passphrase.chars().count() >= punkt_store::keyfile::MIN_PASSPHRASE_CHARS;
    if passphrase.is_empty() {
        return PassphraseStrength {
            score: 0,
            long_enough,
            guesses_log10: 0.0,
            acceptable: false,
        };
    }
    let words: Vec<&str> = guessable
        .iter()
        .copied()
        .chain(punkt_store::keyfile::GUESSABLE.iter().copied())
        .collect();
    let entropy = zxcvbn::zxcvbn(passphrase, &words);
    let score = u8::from(entropy.score());
    PassphraseStrength {
        score,
        long_enough,
        guesses_log10: entropy.guesses_log10(),
        // The store's rule (`strong_enough`) with more words counted as guessable: a score
        // reached here is reached there too, so the store takes what this accepts.
        acceptable: long_enough && score >= punkt_store::keyfile::MIN_PASSPHRASE_SCORE,
    }
}

impl Punkt {
    /// The board's first `limit` deadlines (at most [`crate::search::MAX_LIMIT`]), overdue ones
    /// and those due within `within_days` (all open ones when `None`).
    pub fn board_page(&self, within_days: Option<u32>, limit: usize) -> Result<BoardPage> {
        let limit = limit.clamp(1, crate::search::MAX_LIMIT);
        let (entries, total) = self.deadline_board_page(within_days, Some(limit))?;
        Ok(BoardPage { entries, total })
    }

    /// The home screen's content.
    pub fn home(&self, recent: usize) -> Result<Home> {
        let (board, board_total) =
            self.deadline_board_page(Some(HOME_BOARD_DAYS), Some(HOME_BOARD_LIMIT))?;
        Ok(Home {
            organisation: self.organisation().to_string(),
            author: self.author().map(str::to_string),
            today: self.today().to_string(),
            board,
            board_total,
            urgent_days: URGENT_DAYS,
            recent: views::all(self.store.recent_clients(recent)?),
            conflicted: views::all(self.store.clients_with_conflicts(recent)?),
            sync: self.sync_status()?,
            clients: self.store.count_clients()?,
        })
    }
}

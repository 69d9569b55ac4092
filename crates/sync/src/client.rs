//! The order of a laptop's sync, as a state machine with no I/O (the shape of samod-core):
//! the laptop's driver (punkt-core) asks [`SyncMachine::next`] what to do, does it (talks to
//! the server, reads and writes its store), and tells the machine what came of it with
//! [`SyncMachine::on`]. Which round comes after which, when the keys round is skipped, when a
//! whole history goes instead of the changes, when paging stops and when a sync starts again
//! from nothing are decided here, and tested without a server or a store.
//!
//! One sync, in order:
//! 1. the erasures made on the laptop go first (the server deletes its copies before anything
//!    else moves);
//! 2. a keys round, when there is something to send, the keys tag changed, or the laptop holds
//!    no key of its organisation yet; without one it stops there and waits for a coordinator;
//! 3. files a protocol 5 server still holds in clear are replaced by their sealed histories;
//! 4. the pending changes are pushed; documents the server could not take as changes go again
//!    as whole histories; histories the server asked to compact go as snapshots;
//! 5. what changed on the server is paged through from the cursor;
//! 6. documents that came without a key this laptop could open are asked for again, and keys
//!    that changed meanwhile are acted on;
//! 7. housekeeping that cannot fail the sync (events, the directory, tallies, the rule book).
//!
//! A server that does not have what it confirmed (restored from a backup) makes the sync start
//! again once from nothing; a second time it is an error.

/// What to push in a push step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushKind {
    /// The changes the server lacks, of every document with unconfirmed writes.
    Changes,
    /// The whole histories of these documents (the server lacked changes the laptop thought it
    /// had: a lost answer, a restored server).
    Whole(Vec<String>),
    /// Sealed snapshots of these documents, replacing the changes they cover on the server.
    Compact(Vec<String>),
}

/// What the driver is to do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Send the erasures made on the laptop that the server has not confirmed.
    SendErasures,
    /// A keys round.
    Keys,
    /// The laptop holds no key of its organisation: finish, showing its check code.
    AwaitKeys,
    /// Replace the files a protocol 5 server still holds in clear.
    ReplaceLegacy,
    Push(PushKind),
    /// Ask for the page of what changed after `cursor`, and take in what it lists.
    Page {
        cursor: u64,
    },
    /// Ask again for the documents that came without a key this laptop could open.
    RetryAwaitingKeys,
    /// A keys round if the server's keys tag changed during the sync.
    KeysIfChanged,
    /// Events, the directory, tallies, the rule book: none of it can fail the sync.
    Housekeeping,
    /// Forget what the server confirmed, and start again with [`SyncMachine::restarted`].
    Restart,
    /// Done: keep `cursor` for the next sync.
    Finish {
        cursor: u64,
    },
    /// The server was behind again after a restart: stop with that error.
    Fail,
}

/// What came of a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The step is done and brought nothing the order depends on.
    Done,
    /// A keys round: whether the laptop now holds its organisation's key, and whether the
    /// server still holds files in clear.
    Keys { holds_key: bool, legacy: bool },
    /// A push step: whether the server has more changes to list (`None`: no request went),
    /// the documents to send whole, those to compact, and the cursor after the pages its
    /// answers carried.
    Pushed {
        more: Option<bool>,
        need_whole: Vec<String>,
        compact: Vec<String>,
        cursor: u64,
    },
    /// A page was taken in: whether there is more, and the cursor after it.
    Paged { more: bool, cursor: u64 },
    /// The server does not have what it confirmed to this laptop.
    ServerBehind,
}

/// Where the laptop stands when a sync starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Start {
    /// The cursor of the last complete page.
    pub cursor: u64,
    /// Documents with writes the server has not confirmed.
    pub pending: bool,
    /// The keys tag this laptop acted on differs from the server's last (or it has none).
    pub keys_stale: bool,
    /// The laptop holds its organisation's key.
    pub holds_key: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Phase {
    Erasures,
    Keys,
    AwaitKeys,
    Legacy,
    Push(PushKind),
    Paging,
    RetryAwaitingKeys,
    KeysIfChanged,
    Housekeeping,
    Restart,
    Finished,
    Failed,
}

/// One sync's order (see the module header).
#[derive(Debug, Clone)]
pub struct SyncMachine {
    start: Start,
    phase: Phase,
    cursor: u64,
    more: bool,
    compact: Vec<String>,
    restarted: bool,
}

impl SyncMachine {
    pub fn new(start: Start) -> SyncMachine {
        SyncMachine {
            start,
            phase: Phase::Erasures,
            cursor: start.cursor,
            more: true,
            compact: Vec::new(),
            restarted: false,
        }
    }

    /// The same sync started again from nothing, after [`Step::Restart`]: `start` as the laptop
    /// stands once it forgot what the server had confirmed.
    pub fn restarted(&mut self, start: Start) {
        *self = SyncMachine {
            restarted: true,
            ..SyncMachine::new(start)
        };
    }

    /// What to do now. Asking again without an event gives the same step.
    pub fn next(&self) -> Step {
        match &self.phase {
            Phase::Erasures => Step::SendErasures,
            Phase::Keys => Step::Keys,
            Phase::AwaitKeys => Step::AwaitKeys,
            Phase::Legacy => Step::ReplaceLegacy,
            Phase::Push(kind) => Step::Push(kind.clone()),
            Phase::Paging => Step::Page {
                cursor: self.cursor,
            },
            Phase::RetryAwaitingKeys => Step::RetryAwaitingKeys,
            Phase::KeysIfChanged => Step::KeysIfChanged,
            Phase::Housekeeping => Step::Housekeeping,
            Phase::Restart => Step::Restart,
            Phase::Finished => Step::Finish {
                cursor: self.cursor,
            },
            Phase::Failed => Step::Fail,
        }
    }

    /// The cursor of the last complete page.
    pub fn cursor(&self) -> u64 {
        self.cursor
    }

    /// What came of the step [`SyncMachine::next`] gave. An event that does not fit the step
    /// (a driver's mistake) leaves the machine where it was.
    pub fn on(&mut self, event: Event) {
        if event == Event::ServerBehind {
            self.phase = if self.restarted {
                Phase::Failed
            } else {
                Phase::Restart
            };
            return;
        }
        let phase = std::mem::replace(&mut self.phase, Phase::Failed);
        self.phase = match (phase, event) {
            (Phase::Erasures, Event::Done) => {
                let s = self.start;
                if s.pending || s.keys_stale || !s.holds_key {
                    Phase::Keys
                } else {
                    Phase::Push(PushKind::Changes)
                }
            }
            (Phase::Keys, Event::Keys { holds_key, legacy }) => match (holds_key, legacy) {
                (false, _) => Phase::AwaitKeys,
                (true, true) => Phase::Legacy,
                (true, false) => Phase::Push(PushKind::Changes),
            },
            (Phase::AwaitKeys, Event::Done) => Phase::Finished,
            (Phase::Legacy, Event::Pushed { cursor, .. }) => {
                self.cursor = cursor;
                Phase::Push(PushKind::Changes)
            }
            (
                Phase::Push(kind),
                Event::Pushed {
                    more,
                    need_whole,
                    compact,
                    cursor,
                },
            ) => {
                self.cursor = cursor;
                match kind {
                    // A push of the changes decides whether there is more: with nothing sent,
                    // the pages are asked for.
                    PushKind::Changes => self.more = more.unwrap_or(true),
                    PushKind::Whole(_) | PushKind::Compact(_) => {
                        self.more = more.unwrap_or(self.more)
                    }
                }
                if !matches!(kind, PushKind::Compact(_)) {
                    self.compact.extend(compact);
                }
                if matches!(kind, PushKind::Changes) && !need_whole.is_empty() {
                    Phase::Push(PushKind::Whole(need_whole))
                } else if !matches!(kind, PushKind::Compact(_)) && !self.compact.is_empty() {
                    Phase::Push(PushKind::Compact(std::mem::take(&mut self.compact)))
                } else {
                    self.after_pushes()
                }
            }
            (Phase::Paging, Event::Paged { more, cursor }) => {
                self.cursor = cursor;
                self.more = more;
                self.after_pushes()
            }
            (Phase::RetryAwaitingKeys, Event::Done) => Phase::KeysIfChanged,
            (Phase::KeysIfChanged, Event::Done) => Phase::Housekeeping,
            (Phase::Housekeeping, Event::Done) => Phase::Finished,
            (phase, _) => phase,
        };
    }

    fn after_pushes(&self) -> Phase {
        if self.more {
            Phase::Paging
        } else {
            Phase::RetryAwaitingKeys
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const READY: Start = Start {
        cursor: 7,
        pending: true,
        keys_stale: false,
        holds_key: true,
    };

    fn pushed(more: Option<bool>, whole: &[&str], compact: &[&str], cursor: u64) -> Event {
        Event::Pushed {
            more,
            need_whole: whole.iter().map(|s| s.to_string()).collect(),
            compact: compact.iter().map(|s| s.to_string()).collect(),
            cursor,
        }
    }

    /// Run the machine, answering each step from `answers` in turn; the steps it took.
    fn run(start: Start, answers: Vec<Event>) -> Vec<Step> {
        let mut m = SyncMachine::new(start);
        let mut steps = Vec::new();
        let mut answers = answers.into_iter();
        loop {
            let step = m.next();
            steps.push(step.clone());
            match step {
                Step::Finish { .. } | Step::Fail => return steps,
                Step::Restart => m.restarted(start),
                _ => m.on(answers.next().expect("an answer for every step")),
            }
        }
    }

    #[test]
    fn a_sync_with_work_to_send_goes_through_every_round_in_order() {
        let steps = run(
            READY,
            vec![
                Event::Done,
                Event::Keys {
                    holds_key: true,
                    legacy: false,
                },
                pushed(Some(true), &[], &[], 9),
                Event::Paged {
                    more: true,
                    cursor: 12,
                },
                Event::Paged {
                    more: false,
                    cursor: 15,
                },
                Event::Done,
                Event::Done,
                Event::Done,
            ],
        );
        assert_eq!(
            steps,
            [
                Step::SendErasures,
                Step::Keys,
                Step::Push(PushKind::Changes),
                Step::Page { cursor: 9 },
                Step::Page { cursor: 12 },
                Step::RetryAwaitingKeys,
                Step::KeysIfChanged,
                Step::Housekeeping,
                Step::Finish { cursor: 15 },
            ]
        );
    }

    #[test]
    fn nothing_to_send_and_no_news_costs_no_keys_round_and_pages_from_the_cursor() {
        let quiet = Start {
            pending: false,
            ..READY
        };
        let steps = run(
            quiet,
            vec![
                Event::Done,
                // Nothing was pending: no push request went, so the pages are asked for.
                pushed(None, &[], &[], 7),
                Event::Paged {
                    more: false,
                    cursor: 7,
                },
                Event::Done,
                Event::Done,
                Event::Done,
            ],
        );
        assert_eq!(steps[1], Step::Push(PushKind::Changes));
        assert_eq!(steps[2], Step::Page { cursor: 7 });
        assert!(!steps.contains(&Step::Keys));
    }

    #[test]
    fn without_its_organisations_key_a_laptop_stops_after_the_keys_round() {
        let new = Start {
            holds_key: false,
            pending: false,
            ..READY
        };
        let steps = run(
            new,
            vec![
                Event::Done,
                Event::Keys {
                    holds_key: false,
                    legacy: false,
                },
                Event::Done,
            ],
        );
        assert_eq!(
            steps,
            [
                Step::SendErasures,
                Step::Keys,
                Step::AwaitKeys,
                Step::Finish { cursor: 7 }
            ]
        );
    }

    #[test]
    fn histories_the_server_lacks_go_whole_then_asked_for_snapshots_then_the_pages() {
        let steps = run(
            READY,
            vec![
                Event::Done,
                Event::Keys {
                    holds_key: true,
                    legacy: true,
                },
                pushed(None, &[], &[], 8),
                pushed(Some(false), &["a", "b"], &["c"], 9),
                // The whole histories' answers say there is more after all.
                pushed(Some(true), &["b"], &["d"], 10),
                pushed(None, &[], &[], 10),
                Event::Paged {
                    more: false,
                    cursor: 11,
                },
                Event::Done,
                Event::Done,
                Event::Done,
            ],
        );
        assert_eq!(
            steps[2..7],
            [
                Step::ReplaceLegacy,
                Step::Push(PushKind::Changes),
                Step::Push(PushKind::Whole(vec!["a".into(), "b".into()])),
                Step::Push(PushKind::Compact(vec!["c".into(), "d".into()])),
                Step::Page { cursor: 10 },
            ]
        );
        assert_eq!(steps.last(), Some(&Step::Finish { cursor: 11 }));
    }

    #[test]
    fn a_server_behind_restarts_the_sync_once_then_fails() {
        let steps = run(
            READY,
            vec![
                Event::Done,
                Event::Keys {
                    holds_key: true,
                    legacy: false,
                },
                Event::ServerBehind,
                Event::Done,
                Event::Keys {
                    holds_key: true,
                    legacy: false,
                },
                Event::ServerBehind,
            ],
        );
        assert_eq!(
            steps,
            [
                Step::SendErasures,
                Step::Keys,
                Step::Push(PushKind::Changes),
                Step::Restart,
                Step::SendErasures,
                Step::Keys,
                Step::Push(PushKind::Changes),
                Step::Fail,
            ]
        );
    }

    #[test]
    fn an_event_that_does_not_fit_the_step_changes_nothing() {
        let mut m = SyncMachine::new(READY);
        m.on(Event::Paged {
            more: false,
            cursor: 99,
        });
        assert_eq!((m.next(), m.cursor()), (Step::SendErasures, 7));
    }
}

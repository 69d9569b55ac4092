//! The numbers donors and the consortium ask for: the donor report with its breakdowns and
//! small-cell suppression, group activities counted by headcount, and the consortium's tallies
//! of people counted once across organisations (keyed hashes, never names).

pub mod activities;
pub mod consortium;
pub mod report;

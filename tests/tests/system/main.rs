//! Whole-system tests: one binary, so a cold build links once instead of once per file
//! (each file linked apart was a 100 MB executable).

mod audit;
// Run on the suite's back-end, SQLite or (with the `postgres` feature) PostgreSQL, except
// these: the version 5 fixture is a SQLite file, the byte searches and the PostgreSQL
// module name their back-end, and the TLS test is about the server's HTTP side.
#[cfg(not(feature = "postgres"))]
mod blind_migration;
#[cfg(not(feature = "postgres"))]
mod blind_server;
mod consortium;
mod donor_reports;
mod erase_guard;
mod org_keys;
mod rule_books;
mod storage;
mod store_upgrade;
mod sync_compaction;
mod sync_convergence;
mod sync_desk;
mod sync_erase;
mod sync_faults;
mod sync_file;
mod sync_merge;
#[cfg(not(feature = "postgres"))]
mod sync_postgres;
mod sync_properties;
mod sync_refusals;
mod sync_rotation;
mod sync_sharing;
#[cfg(not(feature = "postgres"))]
mod sync_tls;
mod team;

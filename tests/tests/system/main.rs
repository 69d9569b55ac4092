//! Whole-system tests: one binary, so a cold build links once instead of once per file
//! (each file linked apart was a 100 MB executable).

mod audit;
mod blind_migration;
mod blind_server;
mod consortium;
mod erase_guard;
mod store_upgrade;
mod sync_compaction;
mod sync_convergence;
mod sync_desk;
mod sync_erase;
mod sync_faults;
mod sync_file;
mod sync_merge;
mod sync_postgres;
mod sync_properties;
mod sync_refusals;
mod sync_rotation;
mod sync_sharing;
mod sync_tls;
mod team;

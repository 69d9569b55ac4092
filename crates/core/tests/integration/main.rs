//! Integration tests of punkt-core: one binary, so a cold build links once instead of once per file.

mod common;
mod desk;
mod donor_reports;
mod duplicates;
mod erase;
mod import;
mod processing;
mod reports;
mod retention;
mod search;
mod sensitive;
mod store_integrity;
mod visit;

//! Tests of the `punkt` binary: one test binary, so a cold build links once instead of once per file.

mod cli;
mod sync_cli;

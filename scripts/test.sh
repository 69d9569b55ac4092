#!/usr/bin/env bash
# Runs every test of Punkt: formatting, lints, and the test suites of every crate (real
# SQLCipher stores in temporary directories, the real `punkt` binary).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

export CARGO_TERM_COLOR=never
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test"
cargo test --workspace --locked

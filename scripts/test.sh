#!/usr/bin/env bash
# Runs every test of Punkt: formatting, lints, and the test suites of every crate (real
# SQLCipher stores in temporary directories, the real `punkt` binary).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
# The PostgreSQL backend's tests start a private cluster from Debian's server binaries.
punkt_install_apt postgresql

export CARGO_TERM_COLOR=never
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --workspace --locked 2>&1 | tee "$log"
# One closing line for the whole run (cargo prints one per test binary, the last often a
# doc-test binary with nothing in it).
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"

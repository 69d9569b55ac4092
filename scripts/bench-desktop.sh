#!/usr/bin/env bash
# The desktop app's benchmark (issue 4): builds the release app, makes a store of 50,000 demo
# client files in bench-data/ if there is none (the same store `punkt-bench` uses), and drives
# the real window under Xvfb. Prints the figures recorded in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
punkt_install_apt xvfb xauth webkit2gtk-driver imagemagick
punkt_build_ui
command -v tauri-driver >/dev/null || [ -x "$HOME/.cargo/bin/tauri-driver" ] || cargo install tauri-driver --version '^2' --locked
cargo build --release --locked -p punkt-desktop -p punkt
if [ ! -f bench-data/punkt.db ]; then
  cargo run --release --locked -p punkt --bin punkt-bench -- --clients 50000 --data bench-data
fi
xvfb-run -a -s "-screen 0 1280x800x24" node ui/tests/e2e/bench.mjs

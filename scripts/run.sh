#!/usr/bin/env bash
# Runs Punkt's desktop app on its embedded default: an encrypted local store in your data
# directory (~/.local/share/punkt on Linux; PUNKT_DATA chooses another folder). No server is
# needed. On first start the window asks for the organisation and a passphrase.
# Installs what is missing first (Debian packages for WebKitGTK, the UI's npm packages).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

punkt_build_ui
cargo build --locked -p punkt-desktop
exec target/debug/punkt-desktop "$@"

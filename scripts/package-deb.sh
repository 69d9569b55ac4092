#!/usr/bin/env bash
# Builds the Debian package of the desktop app on this machine (offline apart from the package
# registries): the UI, then a release build bundled by the Tauri CLI from npm.
# Output: target/release/bundle/deb/Punkt_<version>_amd64.deb
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
punkt_build_ui
ui/node_modules/.bin/tauri build --bundles deb --config src-tauri/tauri.conf.json
ls -l target/release/bundle/deb/*.deb

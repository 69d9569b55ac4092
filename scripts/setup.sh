#!/usr/bin/env bash
# Installs what Punkt needs on a fresh Debian 12 machine that has the Rust toolchain, Node and
# Python: Debian's build packages (SQLCipher is built from source by rusqlite and links
# Debian's libcrypto). Sourced by run.sh and test.sh; safe to run again (it installs only what
# is missing).
set -euo pipefail

punkt_apt_packages=(build-essential pkg-config libssl-dev)
# The desktop app: Tauri 2 on Linux needs WebKitGTK 4.1.
punkt_desktop_packages=(libwebkit2gtk-4.1-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev librsvg2-dev)

punkt_install_apt() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "setup: installing ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# The UI's packages exactly as package-lock.json pins them, with their integrity hashes (only when
# the lock changed since the last install). `npm ci`, never `npm install`: it fails instead of
# rewriting the lock, which records the Tauri CLI's binary for every platform
# (@tauri-apps/cli-linux-x64-gnu, -win32-x64-msvc, -darwin-arm64, -darwin-x64...), so the release
# workflow installs the same bytes on Windows and macOS.
punkt_install_ui() {
  command -v npm >/dev/null || { echo "setup: npm not found: install Node.js" >&2; exit 1; }
  if [ ! -f ui/node_modules/.package-lock.json ] || ! cmp -s ui/package-lock.json ui/node_modules/.punkt-lock; then
    (cd ui && npm ci --no-audit --no-fund && cp package-lock.json node_modules/.punkt-lock)
  fi
}

# The UI built into ui/dist, which the desktop binary embeds at compile time.
punkt_build_ui() {
  punkt_install_ui
  (cd ui && npm run --silent build)
}

punkt_install_apt "${punkt_apt_packages[@]}" "${punkt_desktop_packages[@]}"
command -v cargo >/dev/null || { echo "setup: cargo not found: install the Rust toolchain (rustup)" >&2; exit 1; }

#!/usr/bin/env bash
# Installs what Punkt needs on a fresh Debian 12 machine that has the Rust toolchain, Node and
# Python: Debian's build packages (SQLCipher is built from source by rusqlite and links
# Debian's libcrypto). Sourced by run.sh and test.sh; safe to run again (it installs only what
# is missing).
set -euo pipefail

punkt_apt_packages=(build-essential pkg-config libssl-dev)

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

punkt_install_apt "${punkt_apt_packages[@]}"
command -v cargo >/dev/null || { echo "setup: cargo not found: install the Rust toolchain (rustup)" >&2; exit 1; }

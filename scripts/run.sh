#!/usr/bin/env bash
# Runs Punkt on its embedded default: an encrypted local store in your data directory
# (~/.local/share/punkt on Linux). On first run it creates the store (asks for a passphrase
# unless PUNKT_PASSPHRASE is set) and fills it with demo data; then it shows the deadline
# board and a search across scripts. Until the desktop window lands (issue 4), the app is the
# `punkt` command: run `target/release/punkt --help` for the rest.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

cargo build --release --locked -p punkt --bin punkt
punkt=target/release/punkt
if [ -z "${PUNKT_PASSPHRASE:-}" ]; then
  if [ -t 0 ]; then
    read -r -s -p "Passphrase for your Punkt store (at least 8 characters): " PUNKT_PASSPHRASE; echo
    export PUNKT_PASSPHRASE
  else
    echo "run.sh: set PUNKT_PASSPHRASE or run in a terminal" >&2; exit 1
  fi
fi
if ! err=$("$punkt" client list --limit 1 2>&1 >/dev/null); then
  case "$err" in
    *"error[no_store]"*)
      "$punkt" init --organisation "${PUNKT_ORGANISATION:-Fundacja Pomocy Prawnej}"
      "$punkt" demo --clients "${PUNKT_DEMO_CLIENTS:-500}" ;;
    *) echo "$err" >&2; exit 1 ;;
  esac
fi
echo "== Deadlines due within 7 days"
"$punkt" deadlines --within 7 | head -n 40
for q in "Szewczenko" "Шевченко" "Mohamad"; do
  echo "== Search: $q"
  "$punkt" client search "$q" --limit 5
done

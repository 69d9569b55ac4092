#!/usr/bin/env bash
# The release pipeline's rules (issue 12, item 10), checked by scripts/test.sh: every action in
# .github/workflows is pinned by a full commit SHA, npm installs are `npm ci` (never `npm
# install`), the workflows run Node 22, and the UI's lock records the Tauri CLI's binary for
# every platform the release builds.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
while IFS= read -r line; do
  echo "check-release: not pinned by a commit SHA: $line" >&2
  fail=1
done < <(grep -rhnE '^\s*-?\s*uses:' .github/workflows | grep -vE 'uses:\s*[^@]+@[0-9a-f]{40}(\s|$)' || true)
if grep -rnE 'npm (install|i)( |$)' .github/workflows scripts/setup.sh; then
  echo "check-release: use npm ci, not npm install" >&2
  fail=1
fi
if grep -rnE 'node-version:' .github/workflows | grep -vE "node-version:\s*['\"]?22" ; then
  echo "check-release: the workflows run Node 22" >&2
  fail=1
fi
for p in cli-linux-x64-gnu cli-win32-x64-msvc cli-darwin-arm64 cli-darwin-x64; do
  grep -q "\"node_modules/@tauri-apps/$p\"" ui/package-lock.json || {
    echo "check-release: ui/package-lock.json has no @tauri-apps/$p" >&2
    fail=1
  }
done
[ "$fail" -eq 0 ] && echo "check-release: actions pinned, npm ci, Node 22, Tauri CLI for every platform"
exit "$fail"

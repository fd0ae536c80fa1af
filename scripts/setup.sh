#!/usr/bin/env bash
# Installs what iopo-exp needs on a Debian machine (quietly when already present) and builds it.
#   scripts/setup.sh            release build (.build/release/iopo-exp)
#   scripts/setup.sh --debug    debug build with tests (.build/debug)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libgit2-dev libsqlite3-dev libzstd-dev libopenblas-dev zstd pkg-config python3-venv)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "${1:-}" = "--debug" ]; then
    swift build --build-tests 2>&1 | grep -vE '^(\[[0-9]+/[0-9]+\]|Compiling|Building|Write|Emitting|Linking)' || true
    test -x .build/debug/iopo-exp
else
    swift build -c release 2>&1 | grep -vE '^(\[[0-9]+/[0-9]+\]|Compiling|Building|Write|Emitting|Linking)' || true
    test -x .build/release/iopo-exp
fi

#!/usr/bin/env bash
# Installs what iopo-exp needs on a Debian machine (quietly when already present) and builds it.
#   scripts/setup.sh            release build (.build/release/iopo-exp)
#   scripts/setup.sh --debug    debug build with tests (.build/debug)
set -euo pipefail
cd "$(dirname "$0")/.."

# libjs-chart.js and graphviz draw the HTML report's charts and lineage (`iopo-exp report`).
packages=(libgit2-dev libsqlite3-dev libzstd-dev libopenblas-dev zstd pkg-config python3-venv libjs-chart.js graphviz)
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
    build=(swift build --build-tests)
    binary=.build/debug/iopo-exp
else
    build=(swift build -c release)
    binary=.build/release/iopo-exp
fi

# The first build takes minutes (10 or more on two cores): say what is happening, one progress
# line in twenty-five, every error and warning whole, and stop when the build fails rather than
# test a stale binary.
echo "setup: ${build[*]} (the first build on a machine takes about 10 minutes)" >&2
set +e
"${build[@]}" 2>&1 | awk '
    /^\[[0-9]+\/[0-9]+\]/ { if (n++ % 25 == 0) { print "setup: " $0; fflush() } next }
    /^(Compiling|Building|Write|Emitting|Linking|Fetching|Computing|Computed|Cloning|Creating|Working copy)/ { next }
    # Package.swift pins the whole dependency graph, so SwiftPM notes the packages no target
    # names directly; expected, and said once here rather than once per package.
    /dependency .* is not used by any target/ { if (!pinned++) print "setup: (transitive dependencies are pinned in Package.swift)"; next }
    { print; fflush() }
' >&2
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
    echo "setup: the build failed (exit $status); see the errors above" >&2
    exit "$status"
fi
test -x "$binary"

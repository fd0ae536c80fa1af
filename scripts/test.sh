#!/usr/bin/env bash
# Sets up, builds and runs every test: the Swift test suites (unit, CLI against the built binary,
# real data conformance) and the interoperability checks against the real peers.
set -euo pipefail
cd "$(dirname "$0")/.."

export IOPO_DATA_DIR="${IOPO_DATA_DIR:-$(cd .. && pwd)/shared/data}"
if [ ! -d "$IOPO_DATA_DIR" ]; then
    if [ "${CI:-}" = "true" ]; then
        echo "test: the real-data folder $IOPO_DATA_DIR is missing; CI always has it" >&2
        exit 1
    fi
    echo "test: $IOPO_DATA_DIR is absent; tests that need the real TRACE/IFEval files will skip" >&2
fi

scripts/setup.sh --debug
# The report's browser test opens the tiny run's report in headless Chromium.
if ! command -v chromium >/dev/null 2>&1; then
    echo "test: installing chromium (the HTML report's browser test)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
swift test --skip-build 2>&1 | tee .build/test-output.txt | grep -vE '^(◇|↳)' 
status=${PIPESTATUS[0]}
[ "$status" -eq 0 ] || exit "$status"

# The checks use the debug binary just built (without this, compat/run.sh builds the product on
# its own, a second plan that recompiles the dependencies).
export IOPO_EXP_BIN="${IOPO_EXP_BIN:-$PWD/.build/debug/iopo-exp}"
for check in scripts/parity/run.sh scripts/compat/run.sh; do
    if [ -x "$check" ]; then
        echo "test: $check"
        "$check"
    fi
done

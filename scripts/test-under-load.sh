#!/usr/bin/env bash
# Runs the Swift test suites with two CPU-bound processes beside them, as on a busy machine, and
# prints the time and the result. The suites must pass like this: no test may depend on a
# wall-clock limit that a slowdown of several times can break, and no server may stop answering
# because the process is busy (issue #18).
#   scripts/test-under-load.sh [--burners N] [extra swift test arguments, e.g. --filter ServeTests]
set -euo pipefail
cd "$(dirname "$0")/.."

burners=2
if [ "${1:-}" = "--burners" ]; then burners=$2; shift 2; fi
export IOPO_DATA_DIR="${IOPO_DATA_DIR:-$(cd .. && pwd)/shared/data}"

scripts/setup.sh --debug

pids=()
stop_burners() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap stop_burners EXIT
for _ in $(seq "$burners"); do
    # A busy loop in its own process; killed when the tests end (or this script is stopped).
    bash -c 'while :; do :; done' &
    pids+=($!)
done
echo "test-under-load: $burners CPU-bound processes beside the tests (pids ${pids[*]})" >&2

start=$(date +%s)
set +e
swift test --skip-build "$@" 2>&1 | tee .build/test-under-load-output.txt | grep -vE '^(◇|↳)' | grep -E '✘|^✔ Test run with|^Test Suite .All tests. (passed|failed)|Executed .* tests'
status=${PIPESTATUS[0]}
set -e
echo "test-under-load: exit $status after $(( $(date +%s) - start )) s with $burners burners" >&2
exit "$status"

#!/usr/bin/env bash
# SIGKILLs `iopo-exp run experiments/iopo_tiny.toml` at random moments, with `store gc --apply`
# (grace 0) between some kills, verifying the store and lineage after each; the run let finish
# must reproduce experiments/iopo_tiny.lock. The test suite does 10 kills; this does more.
#   scripts/fault-injection.sh [KILLS=50] [SEED=1]
set -euo pipefail
cd "$(dirname "$0")/.."
kills="${1:-50}"
seed="${2:-1}"
scripts/setup.sh --debug
echo "fault-injection: $kills kills, seed $seed" >&2
IOPO_FAULT_KILLS="$kills" IOPO_FAULT_SEED="$seed" \
    swift test --skip-build --filter FaultInjectionTests 2>&1 | grep -vE '^(◇|↳)'
exit "${PIPESTATUS[0]}"

#!/usr/bin/env bash
# Sets up, builds (release) and runs the paper reproduction:
#   iopo-exp run experiments/iopo_qwen2.toml
# then prints the paper's tables with our numbers beside the published ones.
# Extra arguments go to `iopo-exp run` (e.g. --seeds 1,2,3, --dry-run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
bin=.build/release/iopo-exp
[ -f store/config.json ] || "$bin" init
"$bin" run experiments/iopo_qwen2.toml "$@"
case " $* " in *" --dry-run "*) exit 0 ;; esac
"$bin" table last --md

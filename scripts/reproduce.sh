#!/usr/bin/env bash
# Sets up, builds (release), fetches the reference model (SmolLM2-135M-Instruct, into the
# git-ignored .cache/models/, once) and runs the paper reproduction:
#   iopo-exp run experiments/iopo_qwen2.toml
# then prints the paper's tables with our numbers beside the published ones. One seed takes about
# two hours on a 2-core machine (docs/benchmarks.md, "Real experiment").
# Extra arguments go to `iopo-exp run` (e.g. --seeds 1,2,3, --dry-run).
# The from-scratch demo (a 5M model, ~8 min, not a reproduction) is experiments/iopo_scratch.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
bin=.build/release/iopo-exp
IOPO_EXP_BIN="$bin" scripts/fetch-reference-model.sh --hf >/dev/null
[ -f store/config.json ] || "$bin" init
"$bin" run experiments/iopo_qwen2.toml "$@"
case " $* " in *" --dry-run "*) exit 0 ;; esac
"$bin" table last --md

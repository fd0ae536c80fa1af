#!/usr/bin/env bash
# Real-model benchmark (scripts/bench/real_model_bench.py): LoRA training tokens/s and peak memory
# beside PyTorch 2.13 + PEFT, greedy decode beside transformers and llama.cpp, and the decode
# bound that the machine's memory bandwidth sets, on the reference GGUF model
# (scripts/fetch-reference-model.sh) or the GGUF given.
#
#   scripts/bench/real-model.sh [GGUF] [real_model_bench.py options, e.g. --threads 2 --quick]
#
# Uses the release binary (.build/release/iopo-exp, built by scripts/setup.sh when absent) or
# $IOPO_EXP_BIN; the parity venv (torch, transformers, peft, numpy); and llama-cpp-python in a
# benchmark-only venv, scripts/bench/.venv-llama (git-ignored; scripts/bench/llama-env.sh makes it,
# pip building llama.cpp from source the first time, several minutes on two cores).
# SKIP_LLAMA=1 leaves llama.cpp out.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin="${IOPO_EXP_BIN:-.build/release/iopo-exp}"
if [ ! -x "$bin" ]; then scripts/setup.sh >/dev/null; fi
scripts/parity/setup.sh >/dev/null
model=""
if [ $# -ge 1 ] && [ "${1#--}" = "$1" ]; then model="$1"; shift; fi
[ -n "$model" ] || model="$(scripts/fetch-reference-model.sh)"

llama=()
if [ "${SKIP_LLAMA:-0}" != 1 ]; then
    scripts/bench/llama-env.sh
    llama=(--llama-python scripts/bench/.venv-llama/bin/python)
fi
export PYTHONWARNINGS=ignore TRANSFORMERS_VERBOSITY=error TQDM_DISABLE=1 HF_HUB_OFFLINE=1
exec scripts/.venv-parity/bin/python scripts/bench/real_model_bench.py "$bin" "$model" "${llama[@]}" "$@"

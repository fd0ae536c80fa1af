#!/usr/bin/env bash
# GGUF benchmark on the reference model (SmolLM2-135M-Instruct, Q4_1; fetched once by
# scripts/fetch-reference-model.sh): wall seconds and peak memory of
#   import     `model import FILE.gguf` (dequantise every tensor, write the float32 export into a
#              fresh store) — the issue's target is under 5 s
#   load-gguf  `generate FILE.gguf --max-new-tokens 1` (read the GGUF straight into the model)
#   load-dir   `generate DIR --max-new-tokens 1` on the model's Hugging Face export
#   llama.cpp  llama-cpp-python loading the same file and evaluating one token (when installed by
#              scripts/bench/llama-env.sh), which keeps the weights quantised
# and the ratio load-gguf / load-dir (what reading a quantised file costs over float32 files).
# Each is the best of RUNS (default 3) runs; the machine is shared, the ratio is what holds.
#
#   scripts/bench/gguf.sh                           # builds iopo-exp (release) first
#   IOPO_EXP_BIN=path/to/iopo-exp scripts/bench/gguf.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
runs="${RUNS:-3}"
bin="${IOPO_EXP_BIN:-}"
if [ -z "$bin" ]; then
    "$root/scripts/setup.sh" >&2
    bin="$root/.build/release/iopo-exp"
fi
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"  # the runs below cd into a scratch dir
model="$("$root/scripts/fetch-reference-model.sh")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
"$bin" model export "$model" --hf "$work/hf" >/dev/null

# Best wall seconds and the peak resident memory (MB) of that run, of `runs` runs of "$@".
best() {
    local best_s="" best_mb=""
    for _ in $(seq "$runs"); do
        rm -rf "$work/store"
        "$bin" init --store "$work/store" >/dev/null
        /usr/bin/time -f "%e %M" -o "$work/time" env IOPO_STORE="$work/store" "$@" >/dev/null
        read -r seconds kb < "$work/time"
        if [ -z "$best_s" ] || awk "BEGIN { exit !($seconds < $best_s) }"; then best_s=$seconds; best_mb=$((kb / 1024)); fi
    done
    echo "$best_s $best_mb"
}

read -r import_s import_mb <<< "$(best "$bin" model import "$model")"
read -r gguf_s gguf_mb <<< "$(best "$bin" generate "$model" --prompt Hi --max-new-tokens 1)"
read -r dir_s dir_mb <<< "$(best "$bin" generate "$work/hf" --prompt Hi --max-new-tokens 1)"
printf "%-10s %8s %8s\n" "step" "seconds" "peak MB"
printf "%-10s %8s %8s\n" "import" "$import_s" "$import_mb"
printf "%-10s %8s %8s\n" "load-gguf" "$gguf_s" "$gguf_mb"
printf "%-10s %8s %8s\n" "load-dir" "$dir_s" "$dir_mb"
echo "load-gguf / load-dir: $(awk "BEGIN { printf \"%.2f\", $gguf_s / $dir_s }")×  (binary $bin)"
# llama.cpp loading the same file and evaluating one token, when the real-model benchmark's
# venv (scripts/bench/llama-env.sh) has llama-cpp-python; it keeps the weights quantised.
llama="$root/scripts/bench/.venv-llama/bin/python"
if [ -x "$llama" ]; then
    read -r llama_s llama_mb <<< "$(best "$llama" -c "import llama_cpp, sys; m = llama_cpp.Llama(model_path=sys.argv[1], n_ctx=64, verbose=False); m.eval(m.tokenize(b'Hi'))" "$model")"
    printf "%-10s %8s %8s\n" "llama.cpp" "$llama_s" "$llama_mb"
    echo "load-gguf / llama.cpp: $(awk "BEGIN { printf \"%.2f\", $gguf_s / $llama_s }")×"
fi

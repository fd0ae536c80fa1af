#!/usr/bin/env bash
# Serving benchmark: `iopo-exp serve` on an exported random-weight model of the paper-reproduction
# size (hidden 256, 4 layers, 8 heads, 4 kv heads, intermediate 704, vocabulary 2048), or with
# MODEL=reference on SmolLM2-135M-Instruct (scripts/fetch-reference-model.sh; its float32 export),
# or MODEL=PATH on any model the engine reads, beside
# transformers `generate` on the same export, same prompts, same thread count. Decode tokens/s at
# 1, 4 and 16 concurrent clients, time to first token, evaluation instructions/s; prints ratios.
#
#   scripts/bench/serve.sh                         # builds iopo-exp (release) first
#   IOPO_EXP_BIN=path/to/iopo-exp scripts/bench/serve.sh
#
# Settings (environment): THREADS (default 2), MODEL (see above), PRESET (reproduction | tiny), MAX_TOKENS (128),
# REQUESTS (16 per concurrency level), EVAL_INSTRUCTIONS (32), MODEL_ARGS (extra demo-model
# options, e.g. "--hidden-size 512 --layers 8"), SKIP_TRANSFORMERS=1 to measure ours only.
# The transformers side runs in scripts/.venv-parity (scripts/parity/setup.sh creates it).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
threads="${THREADS:-2}"
bin="${IOPO_EXP_BIN:-}"
if [ -z "$bin" ]; then
    (cd "$root" && swift build -c release --product iopo-exp >&2)
    bin="$root/.build/release/iopo-exp"
fi
python="$root/scripts/.venv-parity/bin/python"
extra=()
if [ "${SKIP_TRANSFORMERS:-0}" = 1 ]; then
    python="python3"
    extra+=(--skip-transformers)
elif [ ! -x "$python" ]; then
    "$root/scripts/parity/setup.sh" >&2
fi

work="$(mktemp -d)"
server=""
cleanup() {
    if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then kill -TERM "$server"; wait "$server" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

case "${MODEL:-}" in
    "")
        # shellcheck disable=SC2086
        "$bin" demo-model "$work/model" --preset "${PRESET:-reproduction}" ${MODEL_ARGS:-} >&2 ;;
    reference) "$bin" model export "$("$root/scripts/fetch-reference-model.sh")" --hf "$work/model" >&2 ;;
    *) "$bin" model export "$MODEL" --hf "$work/model" >&2 ;;
esac
"$bin" data synth --train-quadruples 1 --eval-in-domain "${EVAL_INSTRUCTIONS:-32}" --eval-out-of-domain 1 --out "$work/data" > /dev/null
eval_data="$(ls "$work"/data/eval/in-domain-*.jsonl | head -n 1)"

export OPENBLAS_NUM_THREADS="$threads"
# The loop below reads serve.out at once; create it first, or a slow background start
# leaves sed no file to read (and `set -e` ends the script).
: > "$work/serve.out"
"$bin" serve "$work/model" --served-model-name bench --max-batch 16 --threads "$threads" > "$work/serve.out" 2> "$work/serve.err" &
server=$!
address=""
for _ in $(seq 1 600); do
    address="$(sed -n 's/^listening on //p' "$work/serve.out")"
    [ -n "$address" ] && break
    kill -0 "$server" 2>/dev/null || { cat "$work/serve.err" >&2; exit 1; }
    sleep 0.1
done
[ -n "$address" ] || { echo "the server did not start" >&2; exit 1; }

"$python" "$here/serve_bench.py" --base-url "$address/v1" --model bench --model-dir "$work/model" --binary "$bin" \
    --eval-data "$eval_data" --threads "$threads" --max-tokens "${MAX_TOKENS:-128}" --requests "${REQUESTS:-16}" \
    --eval-instructions "${EVAL_INSTRUCTIONS:-32}" "${extra[@]}"

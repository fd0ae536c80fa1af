#!/usr/bin/env bash
# Evaluation at scale through `iopo-exp serve`: INSTRUCTIONS synthetic in-domain TRACE
# instructions (default 500) answered by the reference model (SmolLM2-135M-Instruct,
# scripts/fetch-reference-model.sh) greedily with max_tokens MAX_TOKENS (256), judged by the rule
# judge, with `eval`'s default concurrency (the server's advertised batch). Prints the wall time in
# minutes, instructions/s, generated tokens/s and the prefix-cache hit rate from /metrics; then
# the first COMPARE instructions (100) again on a server with --prefix-cache-tokens 0, and the
# ratio, which is what prefix reuse buys. Both runs must produce identical responses (checked).
#
#   scripts/bench/eval-scale.sh                   # builds iopo-exp (release) first
#   IOPO_EXP_BIN=path/to/iopo-exp INSTRUCTIONS=100 scripts/bench/eval-scale.sh
#
# Settings (environment): INSTRUCTIONS (500), MAX_TOKENS (256), COMPARE (100; 0 skips it),
# THREADS (2), MAX_BATCH (16).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/serve-lib.sh"
instructions="${INSTRUCTIONS:-500}"
max_tokens="${MAX_TOKENS:-256}"
compare="${COMPARE:-100}"
threads="${THREADS:-2}"

gguf="$("$root/scripts/fetch-reference-model.sh")"
"$bin" model export "$gguf" --hf "$work/model" >&2
"$bin" data synth --train-quadruples 1 --eval-in-domain "$instructions" --eval-out-of-domain 1 --out "$work/data" > /dev/null
data="$(ls "$work"/data/eval/in-domain-*.jsonl | head -n 1)"

# The reference model's server with the given extra options.
serve_reference() { start_server "$work/model" ref --max-batch "${MAX_BATCH:-16}" --threads "$threads" "$@"; }

# eval against the running server; prints the wall seconds.
run_eval() {
    local limit="$1" out="$2" start end
    start="$(date +%s.%N)"
    "$bin" eval --endpoint "$address/v1" --model ref --data "in_domain=$data" --judge rule --temperature 0 \
        --max-tokens "$max_tokens" --limit "$limit" --out "$out" > "$out.summary" 2> "$out.err"
    end="$(date +%s.%N)"
    python3 -c "print(f'{$end - $start:.3f}')"
}

metric() { python3 -c '
import sys, urllib.request
text = urllib.request.urlopen(sys.argv[1] + "/metrics").read().decode()
print(sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith(sys.argv[2] + " ") or line.startswith(sys.argv[2] + "{")))
' "$address" "$1"; }

serve_reference
wall="$(run_eval "$instructions" "$work/full")"
tokens="$(metric vllm:generation_tokens_total)"
queries="$(metric vllm:prefix_cache_queries_total)"
hits="$(metric vllm:prefix_cache_hits_total)"
stop_server
concurrency="$(sed -n 's/^\([0-9]*\) requests in flight.*/\1/p' "$work/full.err" | head -n 1)"

python3 - "$instructions" "$wall" "$tokens" "$queries" "$hits" "${concurrency:-?}" <<'EOF'
import sys
n, wall, tokens, queries, hits, concurrency = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
print(f"{n} instructions, eval concurrency {concurrency}: {wall / 60:.2f} min, {n / wall:.2f} instructions/s, "
      f"{tokens / wall:.1f} generated tokens/s ({tokens:.0f} tokens)")
print(f"prefix cache: {hits:.0f} of {queries:.0f} prompt tokens reused ({100 * hits / max(queries, 1):.1f} %)")
EOF
sed -n '1,4p' "$work/full.summary"

if [ "$compare" -gt 0 ]; then
    serve_reference
    cached="$(run_eval "$compare" "$work/cached")"
    stop_server
    serve_reference --prefix-cache-tokens 0
    uncached="$(run_eval "$compare" "$work/uncached")"
    stop_server
    cmp -s "$work/cached/responses.jsonl" "$work/uncached/responses.jsonl" \
        || { echo "responses differ with and without prefix reuse" >&2; exit 1; }
    python3 -c "
c, u = $cached, $uncached
print(f'first $compare instructions: with prefix reuse {c:.1f} s, without {u:.1f} s: {u / c:.2f}x; responses identical')"
fi

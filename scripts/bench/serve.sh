#!/usr/bin/env bash
# Serving benchmark: `iopo-exp serve` on an exported random-weight model of the paper-reproduction
# size (hidden 256, 4 layers, 8 heads, 4 kv heads, intermediate 704, vocabulary 2048), or with
# MODEL=reference on SmolLM2-135M-Instruct (scripts/fetch-reference-model.sh; its float32 export),
# or MODEL=PATH on any model the engine reads, beside
# transformers `generate` on the same export, same prompts, same thread count. Decode tokens/s at
# 1, 4 and 16 concurrent clients, time to first token, evaluation instructions/s; prints ratios.
# With a GGUF model (MODEL=reference, or MODEL=FILE.gguf) also beside llama.cpp's own OpenAI server
# (llama-cpp-python 0.3.36, `python -m llama_cpp.server`) on that same GGUF file (weights kept
# quantised), same thread count, the same streaming chat requests from the same clients: decode
# tokens/s at 1, 4 and 16 concurrent clients and time to first token. That server runs one request
# at a time (no batching); it is started with --interrupt_requests False, without which a waiting
# request cuts off the stream in progress, and is not tuned otherwise.
#
#   scripts/bench/serve.sh                         # builds iopo-exp (release) first
#   IOPO_EXP_BIN=path/to/iopo-exp scripts/bench/serve.sh
#
# Settings (environment): THREADS (default 2), MODEL (see above), PRESET (reproduction | tiny), MAX_TOKENS (128),
# REQUESTS (16 per concurrency level), EVAL_INSTRUCTIONS (32), MODEL_ARGS (extra demo-model
# options, e.g. "--hidden-size 512 --layers 8"), SKIP_TRANSFORMERS=1 to leave transformers out,
# SKIP_LLAMA=1 to leave llama.cpp out, SERVE_ARGS (extra `serve` options, e.g. "--prefix-cache-tokens
# 0": the 1/4/16 levels repeat the same prompts, so after the first level the prefix cache holds them).
# The transformers side runs in scripts/.venv-parity (scripts/parity/setup.sh creates it), llama.cpp's
# server in scripts/bench/.venv-llama (scripts/bench/llama-env.sh --server creates it).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/serve-lib.sh"
threads="${THREADS:-2}"
max_tokens="${MAX_TOKENS:-128}"
python="$root/scripts/.venv-parity/bin/python"
extra=()
if [ "${SKIP_TRANSFORMERS:-0}" = 1 ]; then
    python="python3"
    extra+=(--skip-transformers)
elif [ ! -x "$python" ]; then
    "$root/scripts/parity/setup.sh" >&2
fi

gguf=""  # the GGUF file llama.cpp's server reads, when the model is one
case "${MODEL:-}" in
    "")
        # shellcheck disable=SC2086
        "$bin" demo-model "$work/model" --preset "${PRESET:-reproduction}" ${MODEL_ARGS:-} >&2 ;;
    reference)
        gguf="$("$root/scripts/fetch-reference-model.sh")"
        "$bin" model export "$gguf" --hf "$work/model" >&2 ;;
    *)
        case "$MODEL" in *.gguf) gguf="$MODEL" ;; esac
        "$bin" model export "$MODEL" --hf "$work/model" >&2 ;;
esac
"$bin" data synth --train-quadruples 1 --eval-in-domain "${EVAL_INSTRUCTIONS:-32}" --eval-out-of-domain 1 --out "$work/data" > /dev/null
eval_data="$(ls "$work"/data/eval/in-domain-*.jsonl | head -n 1)"

export OPENBLAS_NUM_THREADS="$threads"
# shellcheck disable=SC2086
start_server "$work/model" bench --max-batch 16 --threads "$threads" ${SERVE_ARGS:-}

if [ -n "$gguf" ] && [ "${SKIP_LLAMA:-0}" != 1 ]; then
    "$here/llama-env.sh" --server >&2
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    # A context for the longest prompt (about 40 tokens) and MAX_TOKENS new ones.
    "$here/.venv-llama/bin/python" -m llama_cpp.server --model "$gguf" --model_alias bench --host 127.0.0.1 \
        --port "$port" --n_threads "$threads" --n_threads_batch "$threads" --n_ctx $((max_tokens + 512)) \
        --interrupt_requests False > "$work/llama.out" 2>&1 &
    llama_server=$!
    extra_pids+=("$llama_server")
    ready=0
    for _ in $(seq 1 600); do
        if python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' \
            "http://127.0.0.1:$port/v1/models" 2>/dev/null; then ready=1; break; fi
        kill -0 "$llama_server" 2>/dev/null || { cat "$work/llama.out" >&2; exit 1; }
        sleep 0.2
    done
    [ "$ready" = 1 ] || { cat "$work/llama.out" >&2; echo "llama.cpp's server did not start" >&2; exit 1; }
    extra+=(--llama-base-url "http://127.0.0.1:$port/v1")
fi

# In the background and waited for, so that a SIGTERM to this script stops it and both servers at once.
"$python" "$here/serve_bench.py" --base-url "$address/v1" --model bench --model-dir "$work/model" --binary "$bin" \
    --eval-data "$eval_data" --threads "$threads" --max-tokens "$max_tokens" --requests "${REQUESTS:-16}" \
    --eval-instructions "${EVAL_INSTRUCTIONS:-32}" "${extra[@]}" &
client=$!
extra_pids+=("$client")
wait "$client"

#!/usr/bin/env bash
# Parity of the bundled engine with the real peers (PyTorch 2.13 CPU, transformers, tokenizers,
# PEFT), run by scripts/test.sh and therefore by CI. Uses the BUILT binary; nothing is compiled.
#
#   1. tokenizer: the engine trains a byte-level BPE, exports it and writes its ids for 1,000
#      generated strings (plus every string of the real TRACE/IFEval files when present);
#      `tokenizers` and `transformers` must reproduce every id, decoding, piece and chat rendering.
#   2. engine-made model: `iopo-exp model init` (a tiny GQA Qwen2 and a tokenizer trained on a
#      synthetic TRACE), `model lora-init --b-std` (a random non-zero adapter) and `model export
#      --adapter` (merged); `model parity-dump` writes the engine's logits, loss, per-sequence
#      log-probs, gradients of one backward (all parameters; LoRA A/B with the adapter) and greedy
#      generation for chat, text and random-id sequences; transformers (+ PEFT) must agree:
#      logits/gradients within 1e-4 relative, loss and log-probs within 1e-5, greedy text identical;
#      the merged model must also match PEFT's base + adapter.
#   3. PyTorch-made models (untied and tied embeddings) and a PEFT-made adapter, written with
#      save_pretrained: the engine loads them, computes the same quantities, and re-exports the
#      weights byte-identically.
#   4. The training objectives (objective_parity.py): SFT, DPO, IOPO and the ablations' losses,
#      rewards and gradients against PyTorch.
#   5. GGUF: the reader against gguf-py on synthetic files of every type; the reference model
#      (SmolLM2-135M-Instruct Q4_1) against transformers running the same file. (The Jinja
#      fixtures' expected outputs are checked by hand with chat_template_parity.py --check, not
#      here: transformers is not pinned, and a new release may render a fixture differently.)
#
# Usage: scripts/parity/run.sh [WORK_DIR]    (default: a temporary directory, removed on success)
# IOPO_EXP_BIN overrides the binary (default .build/debug/iopo-exp); IOPO_DATA_DIR the real data.
# Exit status 0 when everything agrees, 1 on any mismatch (each one is printed), 2 on setup errors.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${IOPO_EXP_BIN:-$root/.build/debug/iopo-exp}"
python="$root/scripts/.venv-parity/bin/python"
data="${IOPO_DATA_DIR:-$root/../shared/data}"
started=$(date +%s)

if [ ! -x "$bin" ]; then
    echo "parity: $bin is not built (run scripts/setup.sh --debug, or set IOPO_EXP_BIN)" >&2
    exit 2
fi
"$here/setup.sh" || { echo "parity: could not set up the Python environment" >&2; exit 2; }

if [ $# -ge 1 ]; then work="$1"; rm -rf "$work"; mkdir -p "$work"; keep=1; else work="$(mktemp -d)"; keep=0; fi
export HF_HUB_DISABLE_PROGRESS_BARS=1 TRANSFORMERS_VERBOSITY=error PYTHONWARNINGS=ignore
failures=()
step() { echo; echo "== [$(( $(date +%s) - started ))s] $*"; }
run() { "$@" || { echo "parity: FAILED: $*" >&2; return 1; }; }

# 1. Tokenizer.
step "tokenizer parity ($work/tokenizer)"
extra=()
for file in trace/trace_eval.jsonl ifeval/input_data.jsonl; do
    [ -f "$data/$file" ] && extra+=(--extra "$data/$file")
done
[ ${#extra[@]} -eq 0 ] && echo "real data not found under $data: generated strings only"
if run "$bin" model tokenizer-cases --out "$work/tokenizer" "${extra[@]}"; then
    tokenizer_output="$("$python" "$here/tokenizer_parity.py" "$work/tokenizer" "$work/tokenizer/cases.jsonl")"
    status=$?
    echo "$tokenizer_output"
    [ $status -eq 0 ] || failures+=("tokenizer")
    tokenizer_summary="$(echo "$tokenizer_output" | tail -1)"
else
    failures+=("tokenizer fixtures")
    tokenizer_summary="not run"
fi

# 2. A model made by the engine.
step "engine-made model, adapter and merged model ($work/engine)"
engine="$work/engine"
mkdir -p "$engine"
cat > "$engine/config.json" <<'EOF'
{"hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
 "intermediate_size": 96, "vocab_size": 1024, "max_position_embeddings": 256, "rope_theta": 10000.0,
 "rms_norm_eps": 1e-6, "tie_word_embeddings": false}
EOF
plan=()
if run "$bin" data synth --train-quadruples 200 --eval-in-domain 10 --eval-out-of-domain 10 --seed 1 --out "$engine/data" >/dev/null &&
   run "$bin" model init --config "$engine/config.json" --tokenizer-corpus "$engine/data/train/train-00000.jsonl" --seed 7 --out "$engine/model" &&
   run "$bin" model lora-init "$engine/model" --rank 4 --alpha 8 --b-std 0.05 --seed 3 --out "$engine/adapter" &&
   run "$bin" model export "$engine/model" --adapter "$engine/adapter" --hf "$engine/merged" &&
   run "$python" "$here/model_parity.py" make-request "$engine/model" "$engine/request.json" &&
   run "$bin" model parity-dump "$engine/model" --tokens "$engine/request.json" --out "$engine/ours_base.json" &&
   run "$bin" model parity-dump "$engine/model" --adapter "$engine/adapter" --tokens "$engine/request.json" --out "$engine/ours_adapter.json" &&
   run "$bin" model parity-dump "$engine/merged" --tokens "$engine/request.json" --out "$engine/ours_merged.json"; then
    plan+=("{\"label\": \"engine model vs transformers\", \"model_dir\": \"$engine/model\", \"reference\": \"$engine/ours_base.json\"}")
    plan+=("{\"label\": \"engine model + adapter (unmerged) vs transformers + PEFT\", \"model_dir\": \"$engine/model\", \"adapter\": \"$engine/adapter\", \"reference\": \"$engine/ours_adapter.json\"}")
    plan+=("{\"label\": \"engine merged model vs transformers\", \"model_dir\": \"$engine/merged\", \"reference\": \"$engine/ours_merged.json\"}")
    plan+=("{\"label\": \"engine merged model vs transformers base + PEFT adapter\", \"model_dir\": \"$engine/model\", \"adapter\": \"$engine/adapter\", \"reference\": \"$engine/ours_merged.json\", \"fields\": [\"logits\", \"loss\", \"logprobs\", \"generate\"]}")
else
    failures+=("engine-made model setup")
fi

# 3. Models and adapters made by PyTorch / PEFT.
#    llama-sharded-bf16: a LlamaForCausalLM saved as real checkpoints are, bfloat16 in shards with
#    model.safetensors.index.json; the engine re-exports it as one float32 file, so its check is
#    that the re-export loads in transformers with the same numbers, not identical bytes.
for variant in untied tied llama-sharded-bf16; do
    step "PyTorch-made model and PEFT adapter: $variant ($work/$variant)"
    dir="$work/$variant"
    flag=()
    [ "$variant" = tied ] && flag=(--tied)
    [ "$variant" = llama-sharded-bf16 ] && flag=(--llama-sharded-bf16)
    if [ -f "$work/tokenizer/tokenizer.json" ] &&
       run "$python" "$here/model_parity.py" make-reference "$dir/reference" --tokenizer "$work/tokenizer" "${flag[@]}" &&
       run "$bin" model parity-dump "$dir/reference/model" --tokens "$dir/reference/reference.json" --out "$dir/ours_base.json" &&
       run "$bin" model parity-dump "$dir/reference/model" --adapter "$dir/reference/adapter" --tokens "$dir/reference/reference_adapter.json" --out "$dir/ours_adapter.json" &&
       run "$bin" model export "$dir/reference/model" --hf "$dir/reexport" >/dev/null; then
        if [ "$variant" = llama-sharded-bf16 ]; then
            grep -q '"LlamaForCausalLM"' "$dir/reexport/config.json" || failures+=("$variant re-export architecture")
            plan+=("{\"label\": \"engine re-export of the $variant model vs transformers\", \"model_dir\": \"$dir/reexport\", \"reference\": \"$dir/ours_base.json\"}")
        elif cmp "$dir/reexport/model.safetensors" "$dir/reference/model/model.safetensors"; then
            echo "the engine re-exports PyTorch's model.safetensors byte-identically"
        else
            failures+=("$variant re-export bytes")
        fi
        plan+=("{\"label\": \"PyTorch-made $variant model in the engine vs transformers\", \"model_dir\": \"$dir/reference/model\", \"reference\": \"$dir/ours_base.json\"}")
        plan+=("{\"label\": \"PyTorch-made $variant model + PEFT-made adapter in the engine vs transformers + PEFT\", \"model_dir\": \"$dir/reference/model\", \"adapter\": \"$dir/reference/adapter\", \"reference\": \"$dir/ours_adapter.json\"}")
    else
        failures+=("$variant PyTorch-made model setup")
    fi
done

step "comparing in transformers"
model_summary="not run"
if [ ${#plan[@]} -gt 0 ]; then
    (IFS=,; echo "[${plan[*]}]") > "$work/plan.json"
    model_output="$("$python" "$here/model_parity.py" run-plan "$work/plan.json")"
    status=$?
    echo "$model_output"
    [ $status -eq 0 ] || failures+=("model")
    model_summary="$(echo "$model_output" | tail -1)"
fi

# 4. The training objectives (objective_parity.py: SFT, DPO, IOPO and the ablations).
step "objective parity (SFT, DPO, IOPO, ablations: losses, rewards, gradients vs PyTorch)"
objective_output="$("$python" "$here/objective_parity.py" --binary "$bin")"
status=$?
echo "$objective_output"
[ $status -eq 0 ] || failures+=("objectives")
objective_summary="$(echo "$objective_output" | grep -E "cases, worst relative error" | tail -1)"

# 5. GGUF: the reader against gguf-py on synthetic files of every type, then the reference real
#    model (SmolLM2-135M-Instruct, Q4_1; fetched once into .cache/models) against transformers
#    running the same file: tokenizer, logits, greedy continuations, chat template.
step "GGUF reader against gguf-py (synthetic files of every supported type)"
run "$python" "$here/gguf_parity.py" synthetic --binary "$bin" --work "$work/gguf" || failures+=("gguf reader")
step "real model against transformers (SmolLM2-135M-Instruct GGUF)"
real_summary="not run"
if reference="$("$root/scripts/fetch-reference-model.sh")"; then
    # TQDM_DISABLE: transformers' GGUF loader draws progress bars on standard error.
    real_output="$(TQDM_DISABLE=1 HF_HUB_OFFLINE=1 "$python" "$here/real_model_parity.py" "$reference" "$bin" "$work/real" --prompts 8 --tokens 32 2>&1)"
    status=$?
    echo "$real_output"
    [ "$status" -eq 0 ] || failures+=("real model")
    real_summary="$(echo "$real_output" | tail -1)"
else
    failures+=("reference model download")
fi

seconds=$(( $(date +%s) - started ))
echo
if [ ${#failures[@]} -gt 0 ]; then
    echo "parity: FAIL (${failures[*]}) in ${seconds}s; files kept in $work"
    echo "  $tokenizer_summary"
    echo "  $model_summary"
    echo "  objectives: ${objective_summary:-see above}"
    echo "  $real_summary"
    exit 1
fi
[ $keep -eq 1 ] || rm -rf "$work"
echo "parity: OK in ${seconds}s — tokenizer: ${tokenizer_summary#OK: }; ${model_summary}; objectives: ${objective_summary%%;*}; ${real_summary}"

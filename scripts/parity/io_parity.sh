#!/usr/bin/env bash
# Runs the engine's I/O parity checks against Hugging Face end to end:
#   1. the tokenizer: the engine trains a tokenizer, exports it and writes its own ids for
#      ~1,000 generated strings plus the real TRACE/IFEval prompts; `tokenizers` and
#      `transformers` must reproduce every id, decoding, piece and chat rendering;
#   2. model and adapter files: PyTorch writes a random Qwen2 model and LoRA adapter with
#      save_pretrained (and the tokenizer of step 1 re-saved by transformers); the engine reads
#      them and writes them again with its own exporter;
#      transformers and PEFT load the engine's files and must reproduce PyTorch's logits, loss,
#      log-probabilities, gradients and greedy generation.
# Usage: scripts/parity/io_parity.sh [WORK_DIR]   (default: a fresh temporary directory)
# PACKAGE_DIR selects the Swift package whose EngineTests write and re-export (default: the
# repository root); SWIFT_TEST_FLAGS adds flags to `swift test`.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
package="${PACKAGE_DIR:-$root}"
work="${1:-$(mktemp -d)}"
python="$root/scripts/.venv-parity/bin/python"
flags=(${SWIFT_TEST_FLAGS:-})

"$here/setup.sh"
mkdir -p "$work"
export IOPO_DATA_DIR="${IOPO_DATA_DIR:-$root/../shared/data}"

echo "== tokenizer parity ($work/tokenizer)"
rm -rf "$work/tokenizer"
(cd "$package" && IOPO_PARITY_OUT="$work/tokenizer" swift test "${flags[@]}" --filter TokenizerParityTests/writeFixturesForPython)
"$python" "$here/tokenizer_parity.py" "$work/tokenizer" "$work/tokenizer/cases.jsonl"

for variant in untied tied; do
    echo "== model and adapter files, $variant embeddings ($work/$variant)"
    rm -rf "$work/$variant"
    extra=()
    [ "$variant" = tied ] && extra=(--tied)
    "$python" "$here/model_parity.py" make-reference "$work/$variant/reference" --tokenizer "$work/tokenizer" "${extra[@]}"
    (cd "$package" && IOPO_PARITY_HF_IN="$work/$variant/reference" IOPO_PARITY_HF_OUT="$work/$variant/engine" \
        swift test "${flags[@]}" --filter HFInteroperabilityTests)
    "$python" "$here/model_parity.py" check "$work/$variant/engine/model" "$work/$variant/reference/reference.json"
    "$python" "$here/model_parity.py" check "$work/$variant/engine/model" "$work/$variant/reference/reference_adapter.json" \
        --adapter "$work/$variant/engine/adapter"
    cmp "$work/$variant/engine/model/model.safetensors" "$work/$variant/reference/model/model.safetensors"
    cmp "$work/$variant/engine/adapter/adapter_model.safetensors" "$work/$variant/reference/adapter/adapter_model.safetensors"
    echo "engine-written safetensors are byte-identical to PyTorch's"
    for name in tokenizer.json tokenizer_config.json; do
        cmp "$work/$variant/engine/model/$name" "$work/tokenizer/$name"
    done
    echo "the tokenizer read back from transformers' save_pretrained re-exports byte-identically"
done
echo "== all I/O parity checks passed ($work)"

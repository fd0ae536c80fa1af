#!/usr/bin/env bash
# Training benchmark: SFT, DPO and IOPO with the bundled engine on the paper-reproduction model
# size (hidden 256, 4 layers, 8 heads, 4 kv heads, intermediate 704, vocabulary 4096), on the same
# synthetic TRACE quadruples: wall seconds per 1,000 training quadruples and peak memory (maximum
# resident set size from /usr/bin/time -v), with the ratios to SFT beside the paper's (Qwen2-7B:
# GPU memory 1x / 2x / 4x, time 14.5 h / 26.3 h / 34.3 h).
#
# Every objective trains as the release did: LoRA rank 8, alpha 16 on all linear layers, batch 1
# per forward x gradient accumulation 8, one epoch, from the same starting model (saved once, so
# no run includes tokenizer training). Per quadruple, SFT trains 2 sequences ((x1,y1), (x2,y2)),
# DPO 2 pairs = 4 sequences, IOPO 1 unit of 4 sequences; DPO and IOPO also score those 4 once
# under the reference (adapters off) before the first step. The wall time includes loading the
# data and model, the reference pass and writing the results.
#
#   scripts/bench/train.sh                      # builds iopo-exp (release) first
#   IOPO_EXP_BIN=path/to/iopo-exp scripts/bench/train.sh
#
# Settings (environment): QUADRUPLES (default 256), MAX_CONSTRAINTS (8, as experiments/iopo_scratch.toml:
# TRACE's constraint-count shape, ~130-token sequences with this tokenizer),
# THREADS (2), MICRO (units per forward, 1 as the release), KEEP=1 keeps the work directory.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
quadruples="${QUADRUPLES:-256}"
max_constraints="${MAX_CONSTRAINTS:-8}"
threads="${THREADS:-2}"
micro="${MICRO:-1}"
bin="${IOPO_EXP_BIN:-}"
if [ -z "$bin" ]; then
    (cd "$root" && swift build -c release --product iopo-exp >&2)
    bin="$root/.build/release/iopo-exp"
fi
export OPENBLAS_CORETYPE=Haswell OPENBLAS_NUM_THREADS="$threads"

work="$(mktemp -d)"
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT

"$bin" data synth --train-quadruples "$quadruples" --eval-in-domain 1 --eval-out-of-domain 1 \
    --max-constraints "$max_constraints" --seed 1 --out "$work/data" >/dev/null
cat > "$work/model.toml" <<'EOF'
learning_rate = 1e-3
batch_size = 8
[model]
hidden_size = 256
num_hidden_layers = 4
num_attention_heads = 8
num_key_value_heads = 4
intermediate_size = 704
vocab_size = 4096
max_position_embeddings = 1024
EOF
cat > "$work/bench.toml" <<EOF
learning_rate = 1e-4
epochs = 1
warmup_ratio = 0.1
batch_size = 8
micro_batch_size = $micro
cutoff_length = 1024
beta = 0.1
lora = { rank = 8, alpha = 16 }
EOF

# The starting model: one SFT step from scratch (random weights, a tokenizer trained on the data).
"$bin" train --objective sft --data "$work/data/train" --config "$work/model.toml" --max-examples 4 \
    --out "$work/init" >/dev/null 2>"$work/init.log"

printf '%-6s %5s %6s %8s %10s %12s %10s %10s %9s %9s %12s\n' objective seq/q units steps "tokens" "wall s" "s/1k quad" "tok/s" "RSS MiB" "time x" "paper time x"
declare -A seconds rss paper_time paper_memory
paper_time=([sft]=14.5 [dpo]=26.3 [iopo]=34.3)
paper_memory=([sft]=1 [dpo]=2 [iopo]=4)
for objective in sft dpo iopo; do
    /usr/bin/time -v "$bin" train --objective "$objective" --data "$work/data/train" --from "$work/init/model" \
        --config "$work/bench.toml" --out "$work/$objective" >/dev/null 2>"$work/$objective.time"
    wall=$(awk -F': ' '/Elapsed \(wall clock\) time/ {n=split($2, p, ":"); s=0; for (i=1;i<=n;i++) s=s*60+p[i]; print s}' "$work/$objective.time")
    kib=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/$objective.time")
    tokens=$(awk -F'"tokens":' '{split($2, a, /[,}]/); t+=a[1]} END {print t}' "$work/$objective/train_log.jsonl")
    steps=$(wc -l < "$work/$objective/train_log.jsonl")
    units=$(sed -n 's/.*"units":\([0-9]*\).*/\1/p' "$work/$objective/train_summary.json")
    per=$([ "$objective" = sft ] && echo 2 || echo 4)
    seconds[$objective]=$wall
    rss[$objective]=$kib
    ratio=$(awk -v a="$wall" -v b="${seconds[sft]}" 'BEGIN {printf "%.2f", a / b}')
    printf '%-6s %5s %6s %8s %10s %12.1f %10.1f %10.0f %9.1f %9s %12s\n' "$objective" "$per" "$units" "$steps" "$tokens" "$wall" \
        "$(awk -v w="$wall" -v q="$quadruples" 'BEGIN {print w / q * 1000}')" "$(awk -v t="$tokens" -v w="$wall" 'BEGIN {print t / w}')" \
        "$(awk -v k="$kib" 'BEGIN {print k / 1024}')" "$ratio" "$(awk -v a="${paper_time[$objective]}" 'BEGIN {printf "%.2f", a / 14.5}')"
done
echo
printf 'peak memory relative to SFT: dpo %.2fx, iopo %.2fx (paper GPU memory: %sx, %sx)\n' \
    "$(awk -v a="${rss[dpo]}" -v b="${rss[sft]}" 'BEGIN {print a / b}')" "$(awk -v a="${rss[iopo]}" -v b="${rss[sft]}" 'BEGIN {print a / b}')" \
    "${paper_memory[dpo]}" "${paper_memory[iopo]}"
sft_tokens=$(awk -F'"tokens":' '{split($2, a, /[,}]/); t+=a[1]} END {print t}' "$work/sft/train_log.jsonl")
echo "quadruples $quadruples (max $max_constraints constraints), $((sft_tokens / (2 * quadruples))) tokens per sequence on average," \
     "micro-batch $micro unit(s), $threads BLAS threads ($OPENBLAS_CORETYPE); tokens = prompt + response tokens trained (no reference pass)"

#!/usr/bin/env python3
"""Engine benchmark: the bundled engine beside PyTorch / transformers on the same work.

For each model size: training tokens/s (forward + backward + AdamW step on full batches of random
tokens, every token but the first a target) and greedy decode tokens/s with the KV cache (a random
prompt, a fixed number of new tokens, no stop token), for

  * ours, via the hidden `iopo-exp model bench` command, with OpenBLAS pinned to the Haswell
    kernels (the engine's portable family) and, when the CPU has AVX-512, to SkylakeX;
  * PyTorch (this venv's torch, CPU) running transformers' Qwen2ForCausalLM built from the same
    config, torch.optim.AdamW, and `generate` (greedy, min_new_tokens = max_new_tokens).

Both sides use the same thread count, batch, sequence length, prompt length and number of new
tokens. Decode tokens/s counts the tokens after the first (the first one carries the prefill) on
both sides. Each figure is the fastest of several timed repetitions (training steps, decodes),
after an untimed warm-up, so that other work on a shared machine distorts it as little as
possible; the raw per-repetition times are kept in the output directory. Model FLOPs utilisation (MFU) is achieved model FLOP/s over cblas_sgemm's peak, which
`model bench` measures in the same run (n×n×n sgemm, best of several, same kernels and threads).

Usage: engine_bench.py BINARY [--threads N] [--quick] [--sizes paper,large]
"""

import argparse
import json
import os
import subprocess
import sys
import time

from bench_common import cpu_flags, cpu_name, decode_clock, timed_training_steps

SIZES = {
    # The from-scratch demo's model (experiments/iopo_scratch.toml's [model.qwen2_small]).
    "paper": {"hidden_size": 256, "num_hidden_layers": 4, "num_attention_heads": 8, "num_key_value_heads": 4,
              "intermediate_size": 704, "vocab_size": 4096, "max_position_embeddings": 1024},
    # About 11x the parameters.
    "large": {"hidden_size": 768, "num_hidden_layers": 8, "num_attention_heads": 12, "num_key_value_heads": 4,
              "intermediate_size": 2048, "vocab_size": 4096, "max_position_embeddings": 1024},
}
COMMON = {"rope_theta": 10000.0, "rms_norm_eps": 1e-6, "tie_word_embeddings": False}


def ours(binary, config_path, work, blas):
    command = [binary, "model", "bench", "--config", config_path, "--batch", str(work["batch"]), "--seq", str(work["seq"]),
               "--train-steps", str(work["steps"]), "--decode-prompt", str(work["prompt"]),
               "--decode-tokens", str(work["new_tokens"]), "--decode-repeats", str(work["decode_repeats"]),
               "--threads", str(work["threads"]), "--blas", blas,
               "--sgemm-size", str(work["sgemm"])]
    environment = dict(os.environ, OPENBLAS_CORETYPE=blas, OPENBLAS_NUM_THREADS=str(work["threads"]))
    result = subprocess.run(command, capture_output=True, text=True, env=environment)
    if result.returncode != 0:
        raise SystemExit(f"engine bench failed ({' '.join(command)}):\n{result.stderr}")
    return json.loads(result.stdout)


def torch_side(config_fields, work):
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    torch.set_num_threads(work["threads"])
    torch.manual_seed(1)
    config = Qwen2Config(**config_fields)
    model = Qwen2ForCausalLM(config).to(torch.float32)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
    vocab, batch, seq = config.vocab_size, work["batch"], work["seq"]
    step_seconds = timed_training_steps(model, optimizer, vocab, batch, seq, work["steps"])
    train_rate = batch * seq / min(step_seconds)

    model.eval()
    prompt = torch.randint(0, vocab, (1, work["prompt"]))
    n = work["new_tokens"]
    settings = dict(attention_mask=torch.ones_like(prompt), do_sample=False, pad_token_id=0, eos_token_id=None)
    decode_seconds, prefill_seconds = [], []
    with torch.no_grad():
        model.generate(prompt, max_new_tokens=2, min_new_tokens=2, **settings)  # warm-up
        for _ in range(work["decode_repeats"]):
            clock = decode_clock()
            start = time.perf_counter()
            output = model.generate(prompt, max_new_tokens=n, min_new_tokens=n, streamer=clock, **settings)
            end = time.perf_counter()
            first = clock.times[1]  # times[0] is the prompt
            decode_seconds.append(end - first)
            prefill_seconds.append(first - start)
    generated = output.shape[1] - prompt.shape[1]
    return {"train_tokens_per_second": train_rate, "train_step_seconds": step_seconds,
            "decode_tokens_per_second": (generated - 1) / min(decode_seconds), "decode_seconds": decode_seconds,
            "prefill_seconds": min(prefill_seconds), "torch": torch.__version__, "threads": torch.get_num_threads()}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binary")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--quick", action="store_true", help="fewer steps and tokens (a smoke run)")
    parser.add_argument("--sizes", default="paper,large")
    parser.add_argument("--out-dir", default=None, help="where to write the configs and raw JSON (default: a temp dir)")
    args = parser.parse_args()

    import tempfile
    import torch
    import transformers
    out_dir = args.out_dir or tempfile.mkdtemp(prefix="engine-bench-")
    os.makedirs(out_dir, exist_ok=True)
    families = ["Haswell"] + (["SkylakeX"] if "avx512f" in cpu_flags() else [])
    print(f"engine benchmark: {cpu_name()}, {os.cpu_count()} CPUs, {args.threads} thread(s); "
          f"torch {torch.__version__}, transformers {transformers.__version__}; OpenBLAS families {', '.join(families)}; "
          f"load average {os.getloadavg()[0]:.2f}")
    rows = []
    for size in args.sizes.split(","):
        if size not in SIZES:
            raise SystemExit(f"unknown size {size!r}; choose from {', '.join(SIZES)}")
        fields = dict(SIZES[size], **COMMON)
        work = {"batch": 8, "seq": 256, "steps": 1 if args.quick else 3, "prompt": 32,
                "new_tokens": 16 if args.quick else 128, "decode_repeats": 1 if args.quick else 3,
                "threads": args.threads, "sgemm": 1024 if args.quick else 2048}
        config_path = os.path.join(out_dir, f"{size}.json")
        with open(config_path, "w", encoding="utf-8") as handle:
            json.dump(fields, handle)
        results = {family: ours(args.binary, config_path, work, family) for family in families}
        theirs = torch_side(fields, work)
        with open(os.path.join(out_dir, f"{size}-results.json"), "w", encoding="utf-8") as handle:
            json.dump({"ours": results, "torch": theirs, "work": work, "config": fields}, handle, indent=1)
        rows.append((size, fields, work, results, theirs))

    print()
    for size, fields, work, results, theirs in rows:
        base = results["Haswell"]
        print(f"{size}: hidden {fields['hidden_size']}, {fields['num_hidden_layers']} layers, "
              f"{fields['num_attention_heads']} heads / {fields['num_key_value_heads']} KV, MLP {fields['intermediate_size']}, "
              f"vocab {fields['vocab_size']} — {base['parameters'] / 1e6:.2f}M parameters; "
              f"train batch {work['batch']}×{work['seq']}, fastest of {work['steps']} steps; "
              f"decode {work['new_tokens']} tokens after a {work['prompt']}-token prompt, fastest of {work['decode_repeats']}")
        header = f"  {'':<26}{'train tok/s':>12}{'vs torch':>10}{'MFU':>8}{'decode tok/s':>14}{'vs torch':>10}{'MFU':>8}"
        print(header)
        # MFU against the best sgemm this machine showed (any family): the machine's float32 peak.
        peak = max(result["sgemm_peak_gflops"] for result in results.values()) * 1e9
        for family, result in results.items():
            train_mfu = result["train_tokens_per_second"] * result["train_flops_per_token"] / peak
            decode_mfu = result["decode_tokens_per_second"] * result["decode_flops_per_token"] / peak
            print(f"  {'ours, OpenBLAS ' + family:<26}{result['train_tokens_per_second']:>12.0f}"
                  f"{result['train_tokens_per_second'] / theirs['train_tokens_per_second']:>9.2f}×{train_mfu:>8.1%}"
                  f"{result['decode_tokens_per_second']:>14.1f}"
                  f"{result['decode_tokens_per_second'] / theirs['decode_tokens_per_second']:>9.2f}×{decode_mfu:>8.1%}")
        print(f"  {'PyTorch ' + theirs['torch']:<26}{theirs['train_tokens_per_second']:>12.0f}{'1.00×':>10}"
              f"{theirs['train_tokens_per_second'] * base['train_flops_per_token'] / peak:>8.1%}"
              f"{theirs['decode_tokens_per_second']:>14.1f}{'1.00×':>10}"
              f"{theirs['decode_tokens_per_second'] * base['decode_flops_per_token'] / peak:>8.1%}")
        peaks = ", ".join(f"{family} {result['sgemm_peak_gflops']:.1f}" for family, result in results.items())
        print(f"  sgemm peak ({work['sgemm']}³, {work['threads']} thread(s)) GFLOP/s: {peaks}; MFU against the best of them; "
              f"model FLOPs/token: train {base['train_flops_per_token'] / 1e6:.1f}M, "
              f"decode {base['decode_flops_per_token'] / 1e6:.1f}M")
        print()
    print(f"load average at the end {os.getloadavg()[0]:.2f} (other work on the machine lowers every figure)")
    print(f"raw results: {out_dir}")


if __name__ == "__main__":
    sys.exit(main())

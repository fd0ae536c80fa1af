#!/usr/bin/env python3
"""Real-model benchmark: the engine beside PyTorch + PEFT, transformers and llama.cpp on one GGUF.

On the reference model (SmolLM2-135M-Instruct, Q4_1 GGUF; scripts/fetch-reference-model.sh) or
any GGUF of the Llama/Qwen2 family, with the same threads, batch, sequence length and tokens:

  LoRA training   tokens/s of forward + backward + AdamW steps with LoRA r 8 (alpha 16) on every
                  linear layer, on full batches of random tokens (every token but the first a
                  target), and the process's peak resident memory after loading and training:
                  ours (`iopo-exp model bench --model GGUF --lora-rank 8`, each OpenBLAS family
                  the CPU runs) against PyTorch 2.13 + PEFT on transformers' float32 load of the
                  same file, in a separate process so each peak RSS is its own.
  decode          greedy single-sequence tokens/s after a prompt (the tokens after the first; the
                  first carries the prefill), the base model without adapters: ours, transformers
                  `generate`, and llama.cpp (llama-cpp-python, reading the 4-bit weights directly).
  bandwidth bound the machine's read bandwidth (numpy's OpenBLAS sdot of a 1 GiB vector with
                  itself, same threads, best of 5) and the float32 weight bytes one decoded token
                  reads: their quotient bounds float32 decode; each side's share of it is printed.

Each figure is the fastest of its timed repetitions after an untimed warm-up (a shared machine
only ever slows a run down). Raw results go to the output directory.

Usage: real_model_bench.py BINARY GGUF [--threads N] [--batch B] [--seq T] [--steps N]
                           [--prompt N] [--new-tokens N] [--repeats N] [--llama-python PATH]
                           [--out-dir DIR] [--quick]
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

from bench_common import cpu_flags, decode_clock, timed_training_steps


def ours(args, blas):
    command = [args.binary, "model", "bench", "--model", args.gguf, "--lora-rank", "8",
               "--batch", str(args.batch), "--seq", str(args.seq), "--train-steps", str(args.steps),
               "--decode-prompt", str(args.prompt), "--decode-tokens", str(args.new_tokens),
               "--decode-repeats", str(args.repeats), "--threads", str(args.threads), "--blas", blas, "--sgemm-size", "0"]
    environment = dict(os.environ, OPENBLAS_CORETYPE=blas, OPENBLAS_NUM_THREADS=str(args.threads))
    result = subprocess.run(command, capture_output=True, text=True, env=environment)
    if result.returncode != 0:
        raise SystemExit(f"engine bench failed ({' '.join(command)}):\n{result.stderr}")
    return json.loads(result.stdout)


def torch_worker(args):
    """Runs in its own process: PyTorch + PEFT LoRA training, then transformers decode."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    directory, name = os.path.split(os.path.abspath(args.gguf))
    base = AutoModelForCausalLM.from_pretrained(directory, gguf_file=name, dtype=torch.float32)
    lora = LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0, bias="none", task_type="CAUSAL_LM",
                      target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
    model = get_peft_model(base, lora)
    model.train()
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=1e-4, weight_decay=0.01)
    vocab = base.config.vocab_size
    step_seconds = timed_training_steps(model, optimizer, vocab, args.batch, args.seq, args.steps)
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    plain = model.unload()  # the base model, adapters removed
    plain.eval()
    prompt = torch.randint(0, vocab, (1, args.prompt))
    n = args.new_tokens
    settings = dict(attention_mask=torch.ones_like(prompt), do_sample=False, pad_token_id=0, eos_token_id=None)
    decode_seconds = []
    with torch.no_grad():
        plain.generate(prompt, max_new_tokens=2, min_new_tokens=2, **settings)
        for _ in range(args.repeats):
            clock = decode_clock()
            output = plain.generate(prompt, max_new_tokens=n, min_new_tokens=n, streamer=clock, **settings)
            end = time.perf_counter()
            decode_seconds.append(end - clock.times[1])
    generated = output.shape[1] - prompt.shape[1]
    print(json.dumps({"train_tokens_per_second": args.batch * args.seq / min(step_seconds),
                      "train_step_seconds": step_seconds, "peak_rss_bytes": peak_rss,
                      "trainable_parameters": sum(p.numel() for p in trainable),
                      "decode_tokens_per_second": (generated - 1) / min(decode_seconds),
                      "decode_seconds": decode_seconds, "torch": torch.__version__}))
    return 0


def llama_worker(args):
    """Runs under the llama-cpp-python venv: greedy decode of the same GGUF file."""
    import random
    import llama_cpp
    model = llama_cpp.Llama(model_path=args.gguf, n_threads=args.threads, n_threads_batch=args.threads,
                            n_ctx=args.prompt + args.new_tokens + 8, seed=1, verbose=False)
    rng = random.Random(1)
    prompt = [rng.randrange(model.n_vocab()) for _ in range(args.prompt)]
    decode_seconds = []
    for repeat in range(args.repeats + 1):  # the first decode warms up
        model.reset()
        model.eval(prompt)
        token = max(range(model.n_vocab()), key=lambda i: model.scores[model.n_tokens - 1, i])
        start = time.perf_counter()
        for _ in range(args.new_tokens - 1):
            model.eval([token])
            token = int(model.scores[model.n_tokens - 1].argmax())
        if repeat > 0:
            decode_seconds.append(time.perf_counter() - start)
    print(json.dumps({"decode_tokens_per_second": (args.new_tokens - 1) / min(decode_seconds),
                      "decode_seconds": decode_seconds, "llama_cpp_python": llama_cpp.__version__}))
    return 0


def bandwidth_worker(args):
    import numpy
    x = numpy.ones(256 * 1024 * 1024, dtype=numpy.float32)  # 1 GiB
    best = 0.0
    for _ in range(6):
        start = time.perf_counter()
        numpy.dot(x, x)
        best = max(best, x.nbytes / (time.perf_counter() - start))
    print(json.dumps({"read_bytes_per_second": best}))
    return 0


def run_worker(python, role, args):
    command = [python, os.path.abspath(__file__), args.binary, args.gguf, "--role", role,
               "--threads", str(args.threads), "--batch", str(args.batch), "--seq", str(args.seq),
               "--steps", str(args.steps), "--prompt", str(args.prompt), "--new-tokens", str(args.new_tokens),
               "--repeats", str(args.repeats)]
    environment = dict(os.environ, OPENBLAS_NUM_THREADS=str(args.threads), OMP_NUM_THREADS=str(args.threads))
    result = subprocess.run(command, capture_output=True, text=True, env=environment)
    if result.returncode != 0:
        return None, result.stderr.strip().splitlines()[-1] if result.stderr.strip() else f"exit {result.returncode}"
    return json.loads(result.stdout.strip().splitlines()[-1]), None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binary")
    parser.add_argument("gguf")
    parser.add_argument("--role", default="main", choices=["main", "torch", "llama", "bandwidth"])
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--seq", type=int, default=256)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--prompt", type=int, default=32)
    parser.add_argument("--new-tokens", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--llama-python", default=None, help="python of a venv with llama-cpp-python (skipped when absent)")
    parser.add_argument("--out-dir", default=None)
    parser.add_argument("--quick", action="store_true", help="batch 2×64, 1 step, 16 tokens: a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.batch, args.seq, args.steps, args.new_tokens, args.repeats = 2, 64, 1, 16, 1
    if args.role != "main":
        return {"torch": torch_worker, "llama": llama_worker, "bandwidth": bandwidth_worker}[args.role](args)

    out_dir = args.out_dir or tempfile.mkdtemp(prefix="real-model-bench-")
    os.makedirs(out_dir, exist_ok=True)
    families = ["Haswell"] + (["SkylakeX"] if "avx512f" in cpu_flags() else [])
    print(f"real-model benchmark: {os.path.basename(args.gguf)}, {args.threads} thread(s), LoRA r 8 on every linear "
          f"layer, train batch {args.batch}×{args.seq} (fastest of {args.steps} steps), decode {args.new_tokens} tokens "
          f"after a {args.prompt}-token prompt (fastest of {args.repeats}); load average {os.getloadavg()[0]:.2f}")
    results = {"ours": {}, "work": vars(args)}
    bandwidth, error = run_worker(sys.executable, "bandwidth", args)
    results["bandwidth"] = bandwidth
    for family in families:
        results["ours"][family] = ours(args, family)
    results["torch"], torch_error = run_worker(sys.executable, "torch", args)
    llama, llama_error = (None, "no --llama-python given")
    if args.llama_python:
        llama, llama_error = run_worker(args.llama_python, "llama", args)
    results["llama_cpp"] = llama
    with open(os.path.join(out_dir, "results.json"), "w", encoding="utf-8") as handle:
        json.dump(results, handle, indent=1)

    base = results["ours"]["Haswell"]
    theirs = results["torch"]
    weight_bytes = base["decode_weight_bytes_per_token"]
    bound = bandwidth["read_bytes_per_second"] / weight_bytes if bandwidth else None
    gib = 1024 ** 3
    print()
    print(f"model: {base['parameters'] / 1e6:.1f}M parameters, LoRA trains {base['trainable_parameters'] / 1e6:.2f}M; "
          f"a decoded token reads {weight_bytes / 1e6:.0f} MB of float32 weights")
    if bandwidth:
        print(f"read bandwidth {bandwidth['read_bytes_per_second'] / 1e9:.1f} GB/s → float32 decode bound {bound:.1f} tok/s")
    print()
    print(f"  {'':<30}{'LoRA train tok/s':>17}{'vs PEFT':>9}{'peak RSS GiB':>14}{'vs PEFT':>9}"
          f"{'decode tok/s':>14}{'vs transformers':>17}{'of bound':>10}")
    for family, result in results["ours"].items():
        train_ratio = result["train_tokens_per_second"] / theirs["train_tokens_per_second"] if theirs else float("nan")
        rss_ratio = result["peak_rss_bytes"] / theirs["peak_rss_bytes"] if theirs else float("nan")
        decode_ratio = result["decode_tokens_per_second"] / theirs["decode_tokens_per_second"] if theirs else float("nan")
        share = f"{result['decode_tokens_per_second'] / bound:>9.0%}" if bound else f"{'':>10}"
        print(f"  {'iopo-exp, OpenBLAS ' + family:<30}{result['train_tokens_per_second']:>17.0f}{train_ratio:>8.2f}×"
              f"{result['peak_rss_bytes'] / gib:>14.2f}{rss_ratio:>8.2f}×{result['decode_tokens_per_second']:>14.1f}"
              f"{decode_ratio:>16.2f}×{share}")
    if theirs:
        share = f"{theirs['decode_tokens_per_second'] / bound:>9.0%}" if bound else f"{'':>10}"
        print(f"  {'PyTorch ' + theirs['torch'] + ' + PEFT':<30}{theirs['train_tokens_per_second']:>17.0f}{'1.00×':>9}"
              f"{theirs['peak_rss_bytes'] / gib:>14.2f}{'1.00×':>9}{theirs['decode_tokens_per_second']:>14.1f}{'1.00×':>17}{share}")
    else:
        print(f"  PyTorch + PEFT: failed ({torch_error})")
    if llama:
        decode_ratio = llama["decode_tokens_per_second"] / theirs["decode_tokens_per_second"] if theirs else float("nan")
        print(f"  {'llama.cpp ' + llama['llama_cpp_python'] + ' (4-bit)':<30}{'—':>17}{'':>9}{'—':>14}{'':>9}"
              f"{llama['decode_tokens_per_second']:>14.1f}{decode_ratio:>16.2f}×{'(reads 4-bit)':>14}")
    else:
        print(f"  llama.cpp: not run ({llama_error})")
    print()
    print(f"load average at the end {os.getloadavg()[0]:.2f}; raw results: {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

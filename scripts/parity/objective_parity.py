#!/usr/bin/env python3
"""Objective parity: the engine's SFT, DPO, IOPO and IOPO-ablation losses, reward metrics and
parameter gradients against PyTorch + transformers + PEFT on the same exported model and batch.

Usage:
  objective_parity.py [--binary PATH] [--work DIR] [--tolerance 1e-4] [--seed N]
      (without --work the fixtures go to a temporary directory, removed when parity holds)

What it does:
  1. Builds a small random Qwen2ForCausalLM (random biases and norms too) and saves it with
     save_pretrained as WORK/model; a perturbed copy as WORK/reference (the frozen reference of a
     full fine-tune, so that the rewards are not all zero); and a PEFT LoRA adapter on all seven
     linear layers with random (non-zero) B as WORK/adapter.
  2. Writes a fixed batch of token-id quadruples (x1, y1, x2, y2) to WORK/batch.json.
  3. For every objective, as a full fine-tune (reference: WORK/reference) and as LoRA (reference:
     the same network with the adapter disabled), and with and without label smoothing and the
     pref_ftx term, runs `iopo-exp train parity-dump` (one optimizer step over the whole batch,
     gradients before clipping) and recomputes the same numbers here, in float64, from the
     formulas of docs IOPO.md written out independently:
       logp(y|x)  sum of log p(token) over the response tokens (prompt tokens masked)
       r(x,y)     logp(y|x) - ref(y|x)
       sft        mean -log p over every response token of the batch ((x1,y1) and (x2,y2))
       dpo        mean over the pairs (x1: y1 > y2) and (x2: y2 > y1) of
                  -(1-e)·log σ(β(r_w - r_l)) - e·log σ(-β(r_w - r_l)) - γ·logp(y_w|x)/|y_w|
       iopo       mean over quadruples of the same smoothed loss of (Π1 + Π2)/2 with
                  Π1 = β(a-b) + β(a-d), Π2 = β(c-d) + β(c-b)  (a=r(x1,y1), b=r(x1,y2),
                  c=r(x2,y2), d=r(x2,y1)); "no-input" keeps the first terms, "no-output" the
                  second; minus γ·(logp(y1|x1)/|y1| + logp(y2|x2)/|y2|)
  4. Compares: relative error max|ours - theirs| / max(max|theirs|, 1e-12) for the loss, every
     reward metric (accuracies exactly) and every gradient tensor. Exit 0 when all are within
     the tolerance (default 1e-4), 1 otherwise.

The binary defaults to .build/debug/iopo-exp (or $IOPO_EXP_BIN).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

OBJECTIVES = ["sft", "dpo", "iopo", "iopo-no-input", "iopo-no-output"]
LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def build_fixtures(work, seed):
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(seed)
    vocab = 256
    config = Qwen2Config(vocab_size=vocab, hidden_size=64, intermediate_size=96, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
                         rope_theta=10000.0, rms_norm_eps=1e-6, tie_word_embeddings=False)
    model = Qwen2ForCausalLM(config).to(torch.float32)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if name.endswith(".bias") or "norm" in name:
                parameter.normal_(mean=1.0 if "norm" in name else 0.0, std=0.1)
            else:
                parameter.normal_(std=0.08)  # larger than the default init: log-probs that vary
    model.save_pretrained(os.path.join(work, "model"), safe_serialization=True)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(torch.randn_like(parameter) * 0.01)
    model.save_pretrained(os.path.join(work, "reference"), safe_serialization=True)

    lora = LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, bias="none", task_type="CAUSAL_LM", target_modules=LORA_TARGETS)
    peft_model = get_peft_model(Qwen2ForCausalLM.from_pretrained(os.path.join(work, "model"), dtype=torch.float32), lora)
    with torch.no_grad():
        for name, parameter in peft_model.named_parameters():
            if "lora_B" in name:
                parameter.normal_(std=0.05)
    peft_model.save_pretrained(os.path.join(work, "adapter"))

    generator = torch.Generator().manual_seed(seed + 1)

    def ids(low, high):
        length = int(torch.randint(low, high + 1, (1,), generator=generator))
        return torch.randint(0, vocab, (length,), generator=generator).tolist()

    batch = {"quadruples": [{"x1": ids(6, 10), "y1": ids(4, 8), "x2": ids(6, 10), "y2": ids(4, 8)} for _ in range(3)]}
    with open(os.path.join(work, "batch.json"), "w", encoding="utf-8") as handle:
        json.dump(batch, handle)
    return batch


def load(work, lora):
    import torch
    from transformers import Qwen2ForCausalLM
    model = Qwen2ForCausalLM.from_pretrained(os.path.join(work, "model"), dtype=torch.float64, attn_implementation="eager")
    if lora:
        from peft import PeftModel
        model = PeftModel.from_pretrained(model, os.path.join(work, "adapter"), is_trainable=True)
        model = model.to(torch.float64)
    model.eval()
    reference = None
    if not lora:
        reference = Qwen2ForCausalLM.from_pretrained(os.path.join(work, "reference"), dtype=torch.float64, attn_implementation="eager")
        reference.eval()
    return model, reference


def sequence_logp(model, prompt, response):
    """Sum of log p over the response tokens, and their count."""
    import torch
    ids = torch.tensor([prompt + response])
    logits = model(input_ids=ids).logits[0]
    logp = torch.log_softmax(logits[:-1], dim=-1)
    targets = ids[0, 1:]
    token = logp.gather(1, targets[:, None])[:, 0]
    return token[len(prompt) - 1:].sum(), len(response)


def theirs(model, reference, lora, batch, objective, beta, epsilon, gamma):
    """Loss, metrics and gradients computed by PyTorch in float64."""
    import torch
    import torch.nn.functional as F

    def ref_logp(prompt, response):
        with torch.no_grad():
            if lora:
                with model.disable_adapter():
                    return sequence_logp(model, prompt, response)[0]
            return sequence_logp(reference, prompt, response)[0]

    def smoothed(z):
        return -(1 - epsilon) * F.logsigmoid(z) - epsilon * F.logsigmoid(-z)

    model.zero_grad(set_to_none=True)
    losses, metrics = [], {}

    def add(key, value):
        metrics.setdefault(key, []).append(float(value))

    def rewards(chosen, rejected, suffix):
        add("rewards/chosen" + suffix, chosen)
        add("rewards/rejected" + suffix, rejected)
        add("rewards/accuracies" + suffix, 1.0 if chosen > rejected else 0.0)
        add("rewards/margins" + suffix, chosen - rejected)

    if objective == "sft":
        total, count = 0, 0
        for q in batch["quadruples"]:
            for x, y in ((q["x1"], q["y1"]), (q["x2"], q["y2"])):
                logp, n = sequence_logp(model, x, y)
                total = total + logp
                count += n
        loss = -total / count
    else:
        for q in batch["quadruples"]:
            x1, y1, x2, y2 = q["x1"], q["y1"], q["x2"], q["y2"]
            pa, na = sequence_logp(model, x1, y1)
            pb, _ = sequence_logp(model, x1, y2)
            pc, nc = sequence_logp(model, x2, y2)
            pd, _ = sequence_logp(model, x2, y1)
            a, b = pa - ref_logp(x1, y1), pb - ref_logp(x1, y2)
            c, d = pc - ref_logp(x2, y2), pd - ref_logp(x2, y1)
            if objective == "dpo":
                for (w, l, pw, nw) in ((a, b, pa, na), (c, d, pc, nc)):
                    losses.append(smoothed(beta * (w - l)) - gamma * pw / nw)
                    rewards(beta * float(w.detach()), beta * float(l.detach()), "")
            else:
                output = beta * (a - b) + beta * (c - d)
                inputs = beta * (a - d) + beta * (c - b)
                pooled = {"iopo": output + inputs, "iopo-no-input": output, "iopo-no-output": inputs}[objective]
                losses.append(smoothed(pooled / 2) - gamma * (pa / na + pc / nc))
                rewards(beta * float(a.detach()), beta * float(b.detach()), "_v1")
                rewards(beta * float(c.detach()), beta * float(d.detach()), "_v2")
        loss = torch.stack(losses).mean()
    loss.backward()
    result_metrics = {key: sum(values) / len(values) for key, values in metrics.items()}
    result_metrics["loss"] = float(loss.detach())
    gradients = {}
    for name, parameter in model.named_parameters():
        if parameter.grad is None or (lora and "lora_" not in name):
            continue
        key = name.replace(".default.weight", ".weight") if lora else name
        gradients[key] = parameter.grad.detach().flatten().tolist()
    return result_metrics, gradients


def relative_error(ours, theirs_values):
    scale = max(max((abs(v) for v in theirs_values), default=0.0), 1e-12)
    if len(ours) != len(theirs_values):
        return float("inf")
    return max((abs(o - t) for o, t in zip(ours, theirs_values)), default=0.0) / scale


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser.add_argument("--binary", default=os.environ.get("IOPO_EXP_BIN", os.path.join(root, ".build/debug/iopo-exp")))
    parser.add_argument("--work", default=None)
    parser.add_argument("--tolerance", type=float, default=1e-4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    import warnings
    warnings.filterwarnings("ignore", category=FutureWarning)
    import torch
    import transformers
    transformers.utils.logging.disable_progress_bar()
    torch.set_grad_enabled(True)
    work = args.work or tempfile.mkdtemp(prefix="objective-parity-")
    os.makedirs(work, exist_ok=True)
    batch = build_fixtures(work, args.seed)

    cases = []
    for objective in OBJECTIVES:
        for lora in (False, True):
            settings = [(0.1, 0.0, 0.0)] if objective == "sft" else [(0.1, 0.0, 0.0), (0.5, 0.1, 0.3)]
            for beta, epsilon, gamma in settings:
                cases.append((objective, lora, beta, epsilon, gamma))

    models = {lora: load(work, lora) for lora in (False, True)}
    worst_overall, failures = 0.0, 0
    print(f"{'objective':<15} {'train':<5} {'beta':>4} {'eps':>4} {'ftx':>4}  {'loss':>10} {'rel.err loss':>12} {'metrics':>9} {'gradients':>9}  worst tensor")
    for objective, lora, beta, epsilon, gamma in cases:
        out = os.path.join(work, f"ours-{objective}-{'lora' if lora else 'full'}-{beta}-{epsilon}-{gamma}.json")
        command = [args.binary, "train", "parity-dump", "--model", os.path.join(work, "model"), "--batch", os.path.join(work, "batch.json"),
                   "--objective", objective, f"--beta={beta}", f"--label-smoothing={epsilon}", f"--pref-ftx={gamma}", "--out", out,
                   "--micro-batch-size", "2"]
        command += ["--adapter", os.path.join(work, "adapter")] if lora else ["--reference", os.path.join(work, "reference")]
        completed = subprocess.run(command, capture_output=True, text=True)
        if completed.returncode != 0:
            print(f"{objective} {'lora' if lora else 'full'}: parity-dump failed ({completed.returncode}): {completed.stderr.strip()}")
            failures += 1
            continue
        with open(out, encoding="utf-8") as handle:
            ours = json.load(handle)
        model, reference = models[lora]
        their_metrics, their_gradients = theirs(model, reference, lora, batch, objective, beta, epsilon, gamma)

        loss_error = abs(ours["metrics"]["loss"] - their_metrics["loss"]) / max(abs(their_metrics["loss"]), 1e-12)
        metric_error = 0.0
        if set(ours["metrics"]) != set(their_metrics):
            print(f"  metric names differ: ours {sorted(ours['metrics'])}, theirs {sorted(their_metrics)}")
            metric_error = float("inf")
        for key, value in their_metrics.items():
            if key in ours["metrics"]:
                mine = ours["metrics"][key]
                error = (0.0 if mine == value else float("inf")) if "accuracies" in key else abs(mine - value) / max(abs(value), 1e-12)
                metric_error = max(metric_error, error)
        gradient_error, worst_name = 0.0, ""
        if set(ours["gradients"]) != set(their_gradients):
            missing = sorted(set(their_gradients) ^ set(ours["gradients"]))
            print(f"  gradient names differ: {missing[:4]}")
            gradient_error = float("inf")
        for name, values in their_gradients.items():
            if name in ours["gradients"]:
                error = relative_error(ours["gradients"][name], values)
                if error > gradient_error:
                    gradient_error, worst_name = error, name
        worst = max(loss_error, metric_error, gradient_error)
        worst_overall = max(worst_overall, worst)
        status = "ok" if worst <= args.tolerance else "FAIL"
        failures += status == "FAIL"
        print(f"{objective:<15} {'lora' if lora else 'full':<5} {beta:>4} {epsilon:>4} {gamma:>4}  {their_metrics['loss']:>10.6f} "
              f"{loss_error:>12.2e} {metric_error:>9.2e} {gradient_error:>9.2e}  {worst_name} {status}")
    print(f"{len(cases)} cases, worst relative error {worst_overall:.2e} (tolerance {args.tolerance:g}); fixtures in {work}")
    if failures:
        print(f"{failures} case(s) outside the tolerance")
        return 1
    if args.work is None:
        import shutil
        shutil.rmtree(work, ignore_errors=True)
    print("objective parity holds")
    return 0


if __name__ == "__main__":
    sys.exit(main())

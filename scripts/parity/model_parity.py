#!/usr/bin/env python3
"""Model parity: the engine's Qwen2 (and LoRA adapters) against Hugging Face transformers + PEFT.

Usage:
  model_parity.py check MODEL_DIR REFERENCE.json [--adapter ADAPTER_DIR]
      Load MODEL_DIR with Qwen2ForCausalLM in float32 (and ADAPTER_DIR with
      PeftModel.from_pretrained, or the reference's "adapter_dir"), recompute every quantity the
      reference file contains and compare. Exit 0 when all are within tolerance, 1 otherwise.

  model_parity.py make-reference OUT_DIR [--seed N] [--tokenizer DIR] [--tied]
      Build a small randomly initialised Qwen2ForCausalLM and a LoRA adapter with non-zero B,
      save them as OUT_DIR/model and OUT_DIR/adapter (save_pretrained), and write
      OUT_DIR/reference.json (base model) and OUT_DIR/reference_adapter.json (with the adapter),
      computed by PyTorch itself. This proves the checker on known-good data and gives the engine
      real Hugging Face files to import. --tokenizer loads an exported tokenizer directory with
      AutoTokenizer, saves it into the model directory with save_pretrained and uses its
      vocabulary size.

Reference file (JSON), every field but input_ids optional:
  input_ids      [[int]]            token ids, one list per sequence (lengths may differ)
  logits         [[[float]]]        per sequence, [len, vocab]: logits at every position
  loss           float              mean next-token cross-entropy over all predicted positions
                                    (target t+1 from position t) where loss_mask is 1
  loss_mask      [[0|1]]            per sequence, aligned with input_ids: 1 = token is a target
                                    (the first token is never a target); default all ones
  response_mask  [[0|1]]            aligned with input_ids: tokens counted in logprobs
  logprobs       [float]            per sequence: sum of log p(x_t | x_<t) over response tokens
  gradients      {name: [float]}    d loss / d parameter, flattened row-major. Names are
                                    state-dict names for the base model; with an adapter, only
                                    LoRA tensors, named as in adapter_model.safetensors
                                    (base_model.model.<module>.lora_A.weight). With tied
                                    embeddings the shared matrix's gradient (both uses) is
                                    under model.embed_tokens.weight
  generate       {"prompt_ids": [int], "max_new_tokens": int, "ids": [int],
                  "eos_token_id": int|[int]|null}   greedy continuation (ids = new tokens only)
  adapter_dir    str                adapter to load when --adapter is not given
  tolerances     {"logits": 1e-4, "loss": 1e-5, "logprobs": 1e-5, "gradients": 1e-3}

Errors are relative: max|ours - theirs| / max(max|theirs|, 1e-12) per compared tensor (for
scalars, |ours - theirs| / max(|theirs|, 1e-12)), which stays meaningful where individual
elements are near zero.
"""

import argparse
import json
import os
import sys

DEFAULT_TOLERANCES = {"logits": 1e-4, "loss": 1e-5, "logprobs": 1e-5, "gradients": 1e-3}


def relative_error(ours, theirs):
    import torch
    ours = torch.as_tensor(ours, dtype=torch.float64)
    theirs = torch.as_tensor(theirs, dtype=torch.float64)
    if ours.shape != theirs.shape:
        return float("inf")
    if ours.numel() == 0:
        return 0.0
    scale = max(theirs.abs().max().item(), 1e-12)
    return (ours - theirs).abs().max().item() / scale


def load_model(model_dir, adapter_dir):
    import torch
    from transformers import Qwen2ForCausalLM
    model = Qwen2ForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    if adapter_dir:
        from peft import PeftModel
        model = PeftModel.from_pretrained(model, adapter_dir, is_trainable=True)
    model.eval()  # dropout off; gradients are still computed below
    return model


def gradient_parameters(model, with_adapter):
    """(reference name, parameter) pairs whose gradients the reference may contain."""
    pairs = []
    for name, parameter in model.named_parameters():
        if with_adapter:
            if "lora_" not in name:
                parameter.requires_grad_(False)
                continue
            parameter.requires_grad_(True)
            pairs.append((name.replace(".default.", "."), parameter))
        else:
            parameter.requires_grad_(True)
            pairs.append((name, parameter))
    return pairs


def compute(model, reference, with_adapter):
    """Everything the reference can contain, computed by PyTorch."""
    import torch
    results = {}
    sequences = reference["input_ids"]
    loss_masks = reference.get("loss_mask") or [[1] * len(ids) for ids in sequences]
    response_masks = reference.get("response_mask")
    named = gradient_parameters(model, with_adapter)
    model.zero_grad(set_to_none=True)

    total_loss = torch.zeros((), dtype=torch.float64)
    total_targets = 0
    logits_all, logprobs_all = [], []
    losses = []
    for index, ids in enumerate(sequences):
        input_ids = torch.tensor([ids], dtype=torch.long)
        logits = model(input_ids=input_ids).logits[0].float()  # [len, vocab]
        logits_all.append(logits.detach())
        log_probs = torch.log_softmax(logits, dim=-1)
        # Token t is predicted at position t - 1.
        token_log_probs = log_probs[:-1].gather(1, input_ids[0, 1:, None])[:, 0]
        mask = torch.tensor(loss_masks[index][1:], dtype=torch.float32)
        losses.append(-(token_log_probs * mask).sum())
        total_targets += int(mask.sum().item())
        if response_masks is not None:
            response = torch.tensor(response_masks[index][1:], dtype=torch.float32)
            logprobs_all.append((token_log_probs * response).sum().item())
    loss = torch.stack(losses).sum() / max(total_targets, 1)
    loss.backward()
    results["loss"] = loss.item()
    results["logits"] = logits_all
    if response_masks is not None:
        results["logprobs"] = logprobs_all
    results["gradients"] = {name: p.grad.detach().clone() if p.grad is not None else torch.zeros_like(p)
                            for name, p in named}

    if "generate" in reference:
        spec = reference["generate"]
        prompt = torch.tensor([spec["prompt_ids"]], dtype=torch.long)
        with torch.no_grad():
            output = model.generate(input_ids=prompt, attention_mask=torch.ones_like(prompt),
                                    max_new_tokens=spec["max_new_tokens"], do_sample=False,
                                    eos_token_id=spec.get("eos_token_id"), pad_token_id=0)
        results["generate"] = output[0, prompt.shape[1]:].tolist()
    return results


def check(args):
    with open(args.reference, encoding="utf-8") as handle:
        reference = json.load(handle)
    adapter_dir = args.adapter or reference.get("adapter_dir")
    tolerances = dict(DEFAULT_TOLERANCES, **reference.get("tolerances", {}))
    model = load_model(args.model_dir, adapter_dir)
    results = compute(model, reference, with_adapter=bool(adapter_dir))

    failures, lines = [], []

    def compare(label, kind, ours, theirs):
        error = relative_error(ours, theirs)
        ok = error <= tolerances[kind]
        lines.append(f"  {'ok  ' if ok else 'FAIL'} {label}: relative error {error:.3e} (limit {tolerances[kind]:.0e})")
        if not ok:
            failures.append(label)

    import torch
    if "logits" in reference:
        for index, theirs in enumerate(results["logits"]):
            compare(f"logits[{index}]", "logits", reference["logits"][index], theirs)
    if "loss" in reference:
        compare("loss", "loss", reference["loss"], results["loss"])
    if "logprobs" in reference:
        if "logprobs" not in results:
            failures.append("logprobs (reference has no response_mask)")
        else:
            compare("logprobs", "logprobs", reference["logprobs"], results["logprobs"])
    if "gradients" in reference:
        for name in sorted(reference["gradients"]):
            theirs = results["gradients"].get(name)
            if theirs is None:
                lines.append(f"  FAIL gradient {name}: no such parameter")
                failures.append(name)
                continue
            compare(f"gradient {name}", "gradients", torch.tensor(reference["gradients"][name]).reshape(theirs.shape), theirs)
    if "generate" in reference:
        ours, theirs = reference["generate"]["ids"], results["generate"]
        ok = ours == theirs
        lines.append(f"  {'ok  ' if ok else 'FAIL'} greedy generation: {len(theirs)} tokens {'identical' if ok else f'differ: ours {ours} vs transformers {theirs}'}")
        if not ok:
            failures.append("generate")

    print(f"model {args.model_dir}" + (f" + adapter {adapter_dir}" if adapter_dir else ""))
    print("\n".join(lines))
    if failures:
        print(f"FAIL: {len(failures)} of {len(lines)} comparisons out of tolerance")
        return 1
    print(f"OK: {len(lines)} comparisons within tolerance")
    return 0


def to_json(results, reference):
    out = dict(reference)
    out["logits"] = [logits.tolist() for logits in results["logits"]]
    out["loss"] = results["loss"]
    if "logprobs" in results:
        out["logprobs"] = results["logprobs"]
    out["gradients"] = {name: grad.flatten().tolist() for name, grad in results["gradients"].items()}
    if "generate" in results:
        out["generate"] = dict(reference["generate"], ids=results["generate"])
    return out


def make_reference(args):
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(args.seed)
    vocab_size = 512
    if args.tokenizer:
        from transformers import AutoTokenizer
        vocab_size = len(AutoTokenizer.from_pretrained(args.tokenizer))
    config = Qwen2Config(vocab_size=vocab_size, hidden_size=64, intermediate_size=96, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
                         rope_theta=10000.0, rms_norm_eps=1e-6, tie_word_embeddings=args.tied,
                         bos_token_id=vocab_size - 3, eos_token_id=vocab_size - 1)
    model = Qwen2ForCausalLM(config).to(torch.float32)
    # Random (not zero) biases and norms, so their import is actually exercised.
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if name.endswith(".bias") or "norm" in name:
                parameter.normal_(mean=1.0 if "norm" in name else 0.0, std=0.1)
    model_dir = os.path.join(args.out_dir, "model")
    adapter_dir = os.path.join(args.out_dir, "adapter")
    model.save_pretrained(model_dir, safe_serialization=True)
    if args.tokenizer:
        # Saved by transformers itself, so the engine's importer reads Hugging Face's own
        # serialisation (merges as pairs, chat_template.jinja), not a copy of its own files.
        from transformers import AutoTokenizer
        AutoTokenizer.from_pretrained(args.tokenizer).save_pretrained(model_dir)

    generator = torch.Generator().manual_seed(args.seed + 1)
    sequences = [torch.randint(0, vocab_size - 3, (length,), generator=generator).tolist() for length in (9, 14, 5)]
    reference = {
        "input_ids": sequences,
        "loss_mask": [[0] * 3 + [1] * (len(ids) - 3) for ids in sequences],
        "response_mask": [[0] * (len(ids) // 2) + [1] * (len(ids) - len(ids) // 2) for ids in sequences],
        "generate": {"prompt_ids": sequences[0][:6], "max_new_tokens": 12, "eos_token_id": None},
    }
    base = load_model(model_dir, None)
    with open(os.path.join(args.out_dir, "reference.json"), "w", encoding="utf-8") as handle:
        json.dump(to_json(compute(base, reference, with_adapter=False), reference), handle)

    lora = LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0, bias="none", task_type="CAUSAL_LM",
                      target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
    peft_model = get_peft_model(Qwen2ForCausalLM.from_pretrained(model_dir, dtype=torch.float32), lora)
    with torch.no_grad():
        for name, parameter in peft_model.named_parameters():
            if "lora_B" in name:
                parameter.normal_(std=0.05)  # B starts at zero; make the adapter matter
    peft_model.save_pretrained(adapter_dir)
    adapted = load_model(model_dir, adapter_dir)
    with open(os.path.join(args.out_dir, "reference_adapter.json"), "w", encoding="utf-8") as handle:
        json.dump(to_json(compute(adapted, reference, with_adapter=True), reference), handle)
    print(f"wrote {model_dir}, {adapter_dir}, reference.json and reference_adapter.json "
          f"(vocab {vocab_size}, tied {args.tied})")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    check_parser = commands.add_parser("check")
    check_parser.add_argument("model_dir")
    check_parser.add_argument("reference")
    check_parser.add_argument("--adapter")
    make_parser = commands.add_parser("make-reference")
    make_parser.add_argument("out_dir")
    make_parser.add_argument("--seed", type=int, default=0)
    make_parser.add_argument("--tokenizer")
    make_parser.add_argument("--tied", action="store_true")
    args = parser.parse_args()
    import torch
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    return check(args) if args.command == "check" else make_reference(args)


if __name__ == "__main__":
    sys.exit(main())

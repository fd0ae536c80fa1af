#!/usr/bin/env python3
"""Model parity: the engine's Qwen2 (and LoRA adapters) against Hugging Face transformers + PEFT.

Usage:
  model_parity.py check MODEL_DIR REFERENCE.json [--adapter ADAPTER_DIR] [--fields F,...]
      Load MODEL_DIR with AutoModelForCausalLM (Qwen2 or Llama) in float32 (and ADAPTER_DIR with
      PeftModel.from_pretrained, or the reference's "adapter_dir"), recompute every quantity the
      reference file contains (or only --fields, among logits, loss, logprobs, gradients,
      generate) and compare. Exit 0 when all are within tolerance, 1 otherwise.

  model_parity.py run-plan PLAN.json
      Several checks in one process (torch loads once). PLAN.json is a list of
      {"label", "model_dir", "reference", "adapter"?, "fields"?}. Prints each check and a summary
      line; exit 1 when any comparison is out of tolerance.

  model_parity.py make-request MODEL_DIR OUT.json [--seed N]
      A request for `iopo-exp model parity-dump`: a few chat conversations and plain texts encoded
      with the directory's tokenizer (AutoTokenizer), random ids (special tokens included), of
      different lengths, with loss and response masks, and a greedy generation from a chat
      prompt that stops at <|im_end|> / <|endoftext|>.

  model_parity.py make-reference OUT_DIR [--seed N] [--tokenizer DIR] [--tied] [--llama-sharded-bf16]
      Build a small randomly initialised Qwen2ForCausalLM (with --llama-sharded-bf16: a
      LlamaForCausalLM saved in bfloat16 across several model-0000k-of-0000n.safetensors shards
      with model.safetensors.index.json, as real Hugging Face checkpoints are published; the
      references are computed from the saved bfloat16 values) and a LoRA adapter with non-zero B,
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
                  "eos_token_id": int|[int]|null, "text": str}
                                    greedy continuation (ids = new tokens only, without the
                                    stop token that ended it); "text", when present, must equal
                                    the tokenizer's decoding of transformers' ids
  adapter_dir    str                adapter to load when --adapter is not given
  tolerances     {"logits": 1e-4, "loss": 1e-5, "logprobs": 1e-5, "gradients": 1e-4}

Errors are relative: max|ours - theirs| / max(max|theirs|, 1e-12) per compared tensor (for
scalars, |ours - theirs| / max(|theirs|, 1e-12)), which stays meaningful where individual
elements are near zero.
"""

import argparse
import json
import os
import sys

DEFAULT_TOLERANCES = {"logits": 1e-4, "loss": 1e-5, "logprobs": 1e-5, "gradients": 1e-4}


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
    from transformers import AutoModelForCausalLM
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
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
        ids = output[0, prompt.shape[1]:].tolist()
        eos = spec.get("eos_token_id")
        stops = set(eos if isinstance(eos, list) else [] if eos is None else [eos])
        if ids and ids[-1] in stops:
            ids = ids[:-1]  # the engine does not return the stop token
        results["generate"] = ids
    return results


FIELDS = ("logits", "loss", "logprobs", "gradients", "generate")


def check_one(model_dir, reference_path, adapter=None, fields=None, label=None):
    """Compares one reference file with transformers; returns (lines, failures, comparisons)."""
    with open(reference_path, encoding="utf-8") as handle:
        reference = json.load(handle)
    fields = set(fields or FIELDS)
    for field in FIELDS:
        if field not in fields:
            reference.pop(field, None)
    adapter_dir = adapter or reference.get("adapter_dir")
    tolerances = dict(DEFAULT_TOLERANCES, **reference.get("tolerances", {}))
    model = load_model(model_dir, adapter_dir)
    results = compute(model, reference, with_adapter=bool(adapter_dir))

    failures, lines, worst = [], [], {}

    def compare(name, kind, ours, theirs, report=True):
        error = relative_error(ours, theirs)
        ok = error <= tolerances[kind]
        worst[kind] = max(worst.get(kind, 0.0), error)
        if report or not ok:
            lines.append(f"  {'ok  ' if ok else 'FAIL'} {name}: relative error {error:.3e} (limit {tolerances[kind]:.0e})")
        if not ok:
            failures.append(name)

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
        names = sorted(reference["gradients"])
        missing = sorted(set(results["gradients"]) - set(names))
        if missing:
            lines.append(f"  FAIL gradients: the reference lacks {len(missing)} parameter(s), e.g. {missing[:3]}")
            failures.append("gradients (missing)")
        failed_before = len(failures)
        for name in names:
            theirs = results["gradients"].get(name)
            if theirs is None:
                lines.append(f"  FAIL gradient {name}: no such parameter")
                failures.append(name)
                continue
            compare(f"gradient {name}", "gradients", torch.tensor(reference["gradients"][name]).reshape(theirs.shape), theirs,
                    report=False)
        if names:
            lines.append(f"  {'ok  ' if len(failures) == failed_before else 'FAIL'} gradients of {len(names)} tensors: "
                         f"worst relative error {worst.get('gradients', 0.0):.3e} (limit {tolerances['gradients']:.0e})")
    if "generate" in reference:
        ours, theirs = reference["generate"]["ids"], results["generate"]
        ok = ours == theirs
        detail = "identical" if ok else f"differ: ours {ours} vs transformers {theirs}"
        if ok and "text" in reference["generate"]:
            from transformers import AutoTokenizer
            text = AutoTokenizer.from_pretrained(model_dir).decode(theirs, skip_special_tokens=False)
            ok = text == reference["generate"]["text"]
            detail = f"identical ids and text {text[:40]!r}" if ok else f"ids identical but text differs: ours {reference['generate']['text']!r} vs {text!r}"
        lines.append(f"  {'ok  ' if ok else 'FAIL'} greedy generation: {len(theirs)} tokens {detail}")
        if not ok:
            failures.append("generate")
    title = label or (f"model {model_dir}" + (f" + adapter {adapter_dir}" if adapter_dir else ""))
    comparisons = sum(1 for line in lines if line.lstrip().startswith(("ok", "FAIL")))
    return [title] + lines, failures, comparisons, worst


def check(args):
    fields = args.fields.split(",") if args.fields else None
    lines, failures, comparisons, _ = check_one(args.model_dir, args.reference, args.adapter, fields)
    print("\n".join(lines))
    if failures:
        print(f"FAIL: {len(failures)} comparisons out of tolerance")
        return 1
    print(f"OK: {comparisons} comparisons within tolerance")
    return 0


def run_plan(args):
    with open(args.plan, encoding="utf-8") as handle:
        plan = json.load(handle)
    import peft
    import torch
    import transformers
    print(f"torch {torch.__version__}, transformers {transformers.__version__}, peft {peft.__version__}")
    failed, total, worst = [], 0, {}
    for entry in plan:
        lines, failures, comparisons, errors = check_one(entry["model_dir"], entry["reference"], entry.get("adapter"),
                                                         entry.get("fields"), entry.get("label"))
        print("\n".join(lines), flush=True)
        total += comparisons
        for kind, error in errors.items():
            worst[kind] = max(worst.get(kind, 0.0), error)
        if failures:
            failed.append(f"{entry.get('label', entry['model_dir'])}: {', '.join(failures[:5])}")
    summary = ", ".join(f"{kind} {worst[kind]:.1e}" for kind in FIELDS if kind in worst)
    if failed:
        print(f"model parity FAIL: {len(failed)} of {len(plan)} checks out of tolerance (worst relative errors: {summary})")
        for item in failed:
            print(f"  {item}")
        return 1
    print(f"model parity OK: {len(plan)} checks, {total} comparisons within tolerance (worst relative errors: {summary})")
    return 0


def make_request(args):
    import random
    from transformers import AutoTokenizer
    tokenizer = AutoTokenizer.from_pretrained(args.model_dir)
    vocab = len(tokenizer)
    rng = random.Random(args.seed)
    conversations = [
        [{"role": "user", "content": "Write a haiku about reproducible experiments.\n1. Use exactly three lines."}],
        [{"role": "system", "content": "You answer in JSON."},
         {"role": "user", "content": "列出三种水果，并用表格输出。"},
         {"role": "assistant", "content": "| 水果 |\n|---|\n| 苹果 |\n| 香蕉 |\n| 橙子 |"}],
    ]
    texts = ["The quick brown fox jumps over the lazy dog 1234567890 times.",
             "def f(x):\n    return x ** 2  # ümlaut and emoji 🙂"]
    sequences, loss_masks, response_masks = [], [], []
    for messages in conversations:
        prompt = tokenizer.apply_chat_template(messages[:1], tokenize=False, add_generation_prompt=True)
        full = tokenizer.apply_chat_template(messages, tokenize=False)
        ids = tokenizer.encode(full, add_special_tokens=False)
        prompt_length = min(len(tokenizer.encode(prompt, add_special_tokens=False)), len(ids) - 1)
        sequences.append(ids)
        loss_masks.append([0] * prompt_length + [1] * (len(ids) - prompt_length))
        response_masks.append([0] * prompt_length + [1] * (len(ids) - prompt_length))
    for text in texts:
        ids = tokenizer.encode(text, add_special_tokens=False)
        sequences.append(ids)
        loss_masks.append([0] + [1] * (len(ids) - 1))
        response_masks.append([0] * (len(ids) // 2) + [1] * (len(ids) - len(ids) // 2))
    for length in (5, 17):  # random ids, special tokens included
        ids = [rng.randrange(vocab) for _ in range(length)]
        sequences.append(ids)
        loss_masks.append([0, 0] + [rng.randrange(2) for _ in range(length - 2)])
        response_masks.append([0] + [1] * (length - 1))
    eos = [tokenizer.convert_tokens_to_ids(token) for token in ("<|im_end|>", "<|endoftext|>")]
    prompt_ids = tokenizer.apply_chat_template(conversations[0], tokenize=True, add_generation_prompt=True)
    if isinstance(prompt_ids, dict) or hasattr(prompt_ids, "input_ids"):
        prompt_ids = prompt_ids["input_ids"]
    request = {"input_ids": sequences, "loss_mask": loss_masks, "response_mask": response_masks,
               "generate": {"prompt_ids": list(prompt_ids), "max_new_tokens": args.max_new_tokens, "eos_token_id": eos}}
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(request, handle)
    print(f"wrote {args.out}: {len(sequences)} sequences of {[len(ids) for ids in sequences]} tokens, "
          f"generation from a {len(prompt_ids)}-token chat prompt")
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
    from transformers import AutoModelForCausalLM, LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(args.seed)
    vocab_size = 512
    if args.tokenizer:
        from transformers import AutoTokenizer
        vocab_size = len(AutoTokenizer.from_pretrained(args.tokenizer))
    llama = args.llama_sharded_bf16
    config = (LlamaConfig if llama else Qwen2Config)(
        vocab_size=vocab_size, hidden_size=64, intermediate_size=96, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
        rope_theta=10000.0, rms_norm_eps=1e-6, tie_word_embeddings=args.tied,
        bos_token_id=vocab_size - 3, eos_token_id=vocab_size - 1)
    model = (LlamaForCausalLM if llama else Qwen2ForCausalLM)(config).to(torch.float32)
    # Random (not zero) biases and norms, so their import is actually exercised.
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if name.endswith(".bias") or "norm" in name:
                parameter.normal_(mean=1.0 if "norm" in name else 0.0, std=0.1)
    model_dir = os.path.join(args.out_dir, "model")
    adapter_dir = os.path.join(args.out_dir, "adapter")
    if llama:
        model.to(torch.bfloat16).save_pretrained(model_dir, safe_serialization=True, max_shard_size="100KB")
    else:
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
    peft_model = get_peft_model(AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32), lora)
    with torch.no_grad():
        for name, parameter in peft_model.named_parameters():
            if "lora_B" in name:
                parameter.normal_(std=0.05)  # B starts at zero; make the adapter matter
    peft_model.save_pretrained(adapter_dir)
    adapted = load_model(model_dir, adapter_dir)
    with open(os.path.join(args.out_dir, "reference_adapter.json"), "w", encoding="utf-8") as handle:
        json.dump(to_json(compute(adapted, reference, with_adapter=True), reference), handle)
    print(f"wrote {model_dir}, {adapter_dir}, reference.json and reference_adapter.json "
          f"(vocab {vocab_size}, tied {args.tied}, {'Llama, bfloat16 shards' if llama else 'Qwen2, float32'})")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    check_parser = commands.add_parser("check")
    check_parser.add_argument("model_dir")
    check_parser.add_argument("reference")
    check_parser.add_argument("--adapter")
    check_parser.add_argument("--fields", help="comma-separated subset of " + ",".join(FIELDS))
    plan_parser = commands.add_parser("run-plan")
    plan_parser.add_argument("plan")
    request_parser = commands.add_parser("make-request")
    request_parser.add_argument("model_dir")
    request_parser.add_argument("out")
    request_parser.add_argument("--seed", type=int, default=0)
    request_parser.add_argument("--max-new-tokens", type=int, default=24)
    make_parser = commands.add_parser("make-reference")
    make_parser.add_argument("out_dir")
    make_parser.add_argument("--llama-sharded-bf16", action="store_true")
    make_parser.add_argument("--seed", type=int, default=0)
    make_parser.add_argument("--tokenizer")
    make_parser.add_argument("--tied", action="store_true")
    args = parser.parse_args()
    import warnings
    warnings.filterwarnings("ignore", category=FutureWarning)
    import torch
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    return {"check": check, "run-plan": run_plan, "make-request": make_request,
            "make-reference": make_reference}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())

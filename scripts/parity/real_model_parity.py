#!/usr/bin/env python3
"""Real-model parity: a GGUF file run by the engine against transformers running the same file.

Usage: real_model_parity.py GGUF BIN WORK_DIR [--prompts N] [--tokens N] [--tokenizer-only]

transformers loads GGUF_FILE itself (`from_pretrained(..., gguf_file=...)`, dequantised by the
`gguf` package, its own tokenizer conversion and chat template). The engine (BIN, the built
`iopo-exp`) gets the same file as a model argument. Checked, every mismatch printed:

  tokenizer   the engine's own ids of 2,020 test strings (unicode, digits, whitespace runs,
              code, emoji, control bytes, special tokens, the chat prompts) equal the `tokenizers`
              library's on the engine's exported tokenizer.json, and that file's vocabulary,
              merges and added tokens give transformers' ids (see the pre-tokenizer note below)
  template    the engine renders each chat prompt (its Jinja interpreter, the GGUF's template)
              exactly as apply_chat_template does
  logits      the last-position logits of 8 chat prompts (transformers' ids, fed to both) agree
              within 1e-3 absolute
  greedy      N (default 20) greedy continuations of --tokens (default 64) tokens are identical
  lora        one LoRA training step (r 8, alpha 16, every linear layer, the adapter made by
              `iopo-exp model lora-init --b-std`, loaded by PEFT): the masked mean loss of 4 chat
              conversations (targets: the assistant's answer) and the gradient of every LoRA
              tensor agree within 1e-4 relative (max |Δ| over max |theirs|, per tensor) with PEFT
              computing in float64 (see lora_step for why not float32)

Exit 0 when everything agrees, 1 on a mismatch, 2 on bad usage.
"""

import json
import os
import random
import subprocess
import sys

PROMPTS = [
    "Write a haiku about the sea.",
    "What is the capital of France? Answer in one word.",
    "List three prime numbers greater than 10.",
    "Explain in two sentences why the sky is blue.",
    "Translate 'good morning' into Spanish.",
    "Write a Python function that returns the square of a number.",
    "Give me a title for a blog post about gardening, in all capital letters.",
    "Summarise the plot of Romeo and Juliet in one sentence.",
    "What is 17 times 23?",
    "Name two mammals that live in the ocean.",
    "Write a short motivational quote, without using the letter e.",
    "Describe a cat in exactly five words.",
    "What does CPU stand for?",
    "Suggest a name for a coffee shop.",
    "Write an email subject line asking for a meeting on Monday.",
    "Respond with a JSON object with keys 'name' and 'age' for a fictional person.",
    "Why do leaves change colour in autumn?",
    "Give one tip for learning a new language.",
    "Write two rhyming lines about the moon.",
    "What is the boiling point of water in Fahrenheit?",
]


def test_strings(count, seed=1):
    """Strings that stress a byte-level BPE: scripts, digits, whitespace, code, emoji, bytes."""
    rng = random.Random(seed)
    pieces = ["hello", "world", " ", "  ", "\t", "\n", "\n\n", "\r\n", "123", "4567", "3.14", "1,000",
              "don't", "I'M", "we'll", "it's", "naïve", "café", "Straße", "日本語", "中文字符", "한국어",
              "русский", "العربية", "עברית", "हिन्दी", "ไทย", "🙂", "👩‍💻", "🇫🇷", "é", "\u0301", "\u00a0",
              "def f(x):", "    return x ** 2", "{\"a\": [1, 2]}", "<tag>", "#!/bin/sh", "$HOME", "a_b-c",
              "x²", "½", "Ⅻ", "\u0004", "\u001b[0m", "\u200b", "<|im_start|>", "<|im_end|>", "...", "!!!", "?!"]
    out = []
    for _ in range(count):
        n = rng.randint(1, 8)
        out.append("".join(rng.choice(pieces) for _ in range(n)))
    return out


ANSWERS = [
    "Waves fold into foam,\nsalt wind carries gull voices,\nthe tide keeps its time.",
    "Paris.",
    "11, 13 and 17.",
    "Sunlight scatters off air molecules, and blue light scatters most because its wavelength is short.",
]


def engine_dump(binary, model_path, work, name, request, *options):
    """Runs `iopo-exp model parity-dump` on `request` (written to WORK/NAME-request.json) and
    returns the engine's result."""
    request_path, result_path = os.path.join(work, f"{name}-request.json"), os.path.join(work, f"{name}-engine.json")
    with open(request_path, "w") as handle:
        json.dump(request, handle)
    subprocess.run([binary, "model", "parity-dump", model_path, *options, "--tokens", request_path, "--out", result_path],
                   check=True, stdout=subprocess.DEVNULL)
    with open(result_path) as handle:
        return json.load(handle)


def float64_everywhere(model):
    """Makes a float64 model compute in float64 throughout: transformers' RMSNorm casts to float32
    and its rotary embedding computes angles in float32 whatever the model's dtype."""
    import types
    import torch
    config = model.config
    theta = getattr(config, "rope_theta", None) or config.rope_parameters["rope_theta"]

    def norm(self, hidden):
        variance = hidden.pow(2).mean(-1, keepdim=True)
        return self.weight * (hidden * torch.rsqrt(variance + self.variance_epsilon))

    def rotary(self, x, position_ids):
        dim = self.inv_freq.shape[0] * 2
        inverse = 1.0 / (theta ** (torch.arange(0, dim, 2, dtype=torch.float64) / dim))
        angles = position_ids[..., None].double() * inverse
        both = torch.cat((angles, angles), dim=-1)
        return both.cos().to(x.dtype), both.sin().to(x.dtype)

    for module in model.modules():
        name = type(module).__name__
        if name.endswith("RMSNorm"):
            module.forward = types.MethodType(norm, module)
        elif name.endswith("RotaryEmbedding"):
            module.forward = types.MethodType(rotary, module)
    return model


def peft_loss_and_gradients(model, adapter, sequences, loss_masks, dtype):
    """PEFT's masked mean loss and LoRA gradients on `model` (converted to `dtype`)."""
    import torch
    from peft import PeftModel
    peft_model = PeftModel.from_pretrained(model.to(dtype), adapter, is_trainable=True).to(dtype)
    peft_model.eval()  # no dropout; gradients are still computed
    named = {}
    for name, parameter in peft_model.named_parameters():
        parameter.requires_grad_("lora_" in name)
        if "lora_" in name:
            named[name.replace(".default.", ".")] = parameter
    peft_model.zero_grad(set_to_none=True)
    losses, targets = [], 0
    for ids, mask in zip(sequences, loss_masks):
        input_ids = torch.tensor([ids])
        log_probs = torch.log_softmax(peft_model(input_ids=input_ids).logits[0], dim=-1)
        token_log_probs = log_probs[:-1].gather(1, input_ids[0, 1:, None])[:, 0]
        weights = torch.tensor(mask[1:], dtype=dtype)
        losses.append(-(token_log_probs * weights).sum())
        targets += int(weights.sum().item())
    loss = torch.stack(losses).sum() / targets
    loss.backward()
    return loss.item(), {name: p.grad.detach().double().flatten() for name, p in named.items()}


def lora_step(binary, gguf_path, work, model, tokenizer, messages):
    """One LoRA training step's loss and adapter gradients, the engine against PEFT.

    The reference is PEFT in float64 throughout (weights, activations, norms, rotary angles): PEFT
    in float32 is itself up to ~2e-4 (relative, per tensor) from it on this 30-layer model, mostly
    from summing 49,152 softmax terms in float32, so a float32-to-float32 comparison at 1e-4 would
    measure PyTorch's rounding. The engine must be within 1e-4 of the float64 reference; its
    distance to PEFT in float32, and PEFT float32's own distance to float64, are printed beside.
    """
    import torch
    from transformers import AutoModelForCausalLM
    adapter = os.path.join(work, "adapter")
    subprocess.run([binary, "model", "lora-init", gguf_path, "--rank", "8", "--alpha", "16", "--b-std", "0.02",
                    "--seed", "3", "--out", adapter], check=True, stdout=subprocess.DEVNULL)
    sequences, loss_masks = [], []
    for conversation, answer in zip(messages, ANSWERS):
        prompt = tokenizer.apply_chat_template(conversation, add_generation_prompt=True, tokenize=False)
        prompt_ids = tokenizer(prompt, add_special_tokens=False).input_ids
        answer_ids = tokenizer(answer + "<|im_end|>", add_special_tokens=False).input_ids
        sequences.append(prompt_ids + answer_ids)
        loss_masks.append([0] * len(prompt_ids) + [1] * len(answer_ids))
    engine = engine_dump(binary, gguf_path, work, "lora", {"input_ids": sequences, "loss_mask": loss_masks, "last_logits_only": True},
                         "--adapter", adapter, "--threads", os.environ.get("PARITY_THREADS", "2"))
    ours = {name: torch.tensor(values, dtype=torch.float64) for name, values in engine["gradients"].items()}

    loss32, peft32 = peft_loss_and_gradients(model, adapter, sequences, loss_masks, torch.float32)
    directory, name = os.path.split(os.path.abspath(gguf_path))
    exact = float64_everywhere(AutoModelForCausalLM.from_pretrained(directory, gguf_file=name, dtype=torch.float32))
    loss64, peft64 = peft_loss_and_gradients(exact, adapter, sequences, loss_masks, torch.float64)

    def worst(mine, theirs):
        """(worst per-tensor relative error, its tensor) over the tensors of `theirs`."""
        result = (0.0, None)
        for key, reference in theirs.items():
            if key not in mine or mine[key].shape != reference.shape:
                return float("inf"), key
            error = (mine[key] - reference).abs().max().item() / max(reference.abs().max().item(), 1e-12)
            result = max(result, (error, key), key=lambda pair: pair[0])
        return result

    failures = []
    loss_error = abs(engine["loss"] - loss64) / abs(loss64)
    ok = loss_error <= 1e-4
    print(f"  {'ok  ' if ok else 'FAIL'} LoRA step loss: engine {engine['loss']:.7f}, PEFT float64 {loss64:.7f} "
          f"(relative error {loss_error:.1e}, limit 1e-4); PEFT float32 {loss32:.7f} ({abs(loss32 - loss64) / abs(loss64):.1e})")
    if not ok:
        failures.append("LoRA loss")
    missing = sorted(set(peft64) ^ set(ours))
    engine_error, engine_tensor = worst(ours, peft64)
    float32_error, _ = worst(peft32, peft64)
    versus32, _ = worst(ours, peft32)
    ok = engine_error <= 1e-4 and not missing
    print(f"  {'ok  ' if ok else 'FAIL'} LoRA step gradients, {len(peft64)} adapter tensors: engine vs PEFT float64 worst "
          f"{engine_error:.1e} ({engine_tensor}; limit 1e-4); PEFT float32 vs float64 worst {float32_error:.1e}; "
          f"engine vs PEFT float32 worst {versus32:.1e}" + (f"; names only on one side: {missing[:4]}" if missing else ""))
    if not ok:
        failures.append("LoRA gradients")
    return failures


def main():
    args = sys.argv[1:]
    if len(args) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    gguf_path, binary, work = args[0], args[1], args[2]
    prompts_n = int(args[args.index("--prompts") + 1]) if "--prompts" in args else 20
    tokenizer_only = "--tokenizer-only" in args
    tokens_n = int(args[args.index("--tokens") + 1]) if "--tokens" in args else 64
    os.makedirs(work, exist_ok=True)

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    torch.set_num_threads(int(os.environ.get("PARITY_THREADS", "2")))
    directory, name = os.path.split(os.path.abspath(gguf_path))
    tokenizer = AutoTokenizer.from_pretrained(directory, gguf_file=name)
    failures = []

    # The engine's view of the same file: its Hugging Face export (tokenizer and weights).
    exported = os.path.join(work, "engine-export")
    subprocess.run([binary, "model", "export", gguf_path, "--hf", exported], check=True, stdout=subprocess.DEVNULL)

    # 1. Tokenizer: our tokenizer.json (the engine's encoder is checked against it by the Swift
    #    tests' own parity) and our chat rendering, against transformers' GGUF conversion.
    # Token ids. transformers' GGUF conversion builds SmolLM's pre-tokenizer as ByteLevel's regex
    # alone, without the Digits(individual_digits) step that the published tokenizer.json and
    # llama.cpp (`smollm`: \p{N} split first) apply; the engine follows the published pipeline.
    # So two comparisons:
    #   - the engine's own ids (its Swift encoder, reading the GGUF file) against the `tokenizers`
    #     library running the engine's exported tokenizer.json: identical on every string;
    #   - that tokenizer.json with transformers' pre-tokenizer against transformers: identical on
    #     every string (vocabulary, merges, added tokens, byte handling all agree); with the
    #     published pre-tokenizer they may differ only where whitespace precedes a digit.
    from tokenizers import Tokenizer
    strings = test_strings(2000) + PROMPTS
    engine_ids = engine_dump(binary, gguf_path, work, "encode",
                             {"input_ids": [[0]], "skip_gradients": True, "last_logits_only": True, "encode": strings})["encoded"]
    ours = Tokenizer.from_file(os.path.join(exported, "tokenizer.json"))
    as_transformers = Tokenizer.from_file(os.path.join(exported, "tokenizer.json"))
    as_transformers.pre_tokenizer = tokenizer.backend_tokenizer.pre_tokenizer

    def first_difference(a, b):
        return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))

    engine_bad = converted_bad = pipeline_differs = 0
    for text, mine in zip(strings, engine_ids):
        library = ours.encode(text, add_special_tokens=False).ids
        if mine != library:
            engine_bad += 1
            if engine_bad <= 5:
                at = first_difference(library, mine)
                print(f"  engine encoder mismatch on {text!r} at token {at}: tokenizers {library[at:at + 6]} engine {mine[at:at + 6]}")
        theirs_ids = tokenizer(text, add_special_tokens=False).input_ids
        converted = as_transformers.encode(text, add_special_tokens=False).ids
        if converted != theirs_ids:
            converted_bad += 1
            if converted_bad <= 5:
                at = first_difference(theirs_ids, converted)
                print(f"  tokenizer mismatch on {text!r} at token {at}: transformers {theirs_ids[at:at + 6]} engine {converted[at:at + 6]}")
        if library != theirs_ids:
            pipeline_differs += 1
    print(f"  {'ok  ' if engine_bad == 0 else 'FAIL'} engine token ids: {len(strings) - engine_bad}/{len(strings)} strings identical to `tokenizers` on the exported tokenizer.json")
    print(f"  {'ok  ' if converted_bad == 0 else 'FAIL'} tokenizer: {len(strings) - converted_bad}/{len(strings)} strings identical to transformers "
          f"with its pre-tokenizer (with the published one, {pipeline_differs} differ)")
    if engine_bad:
        failures.append("engine token ids")
    if converted_bad:
        failures.append("tokenizer")

    if tokenizer_only:
        print("real-model parity (tokenizer only): " + ("all agree" if not failures else "MISMATCH"))
        return 1 if failures else 0
    model = AutoModelForCausalLM.from_pretrained(directory, gguf_file=name, dtype=torch.float32)
    model.eval()

    # Chat prompts as transformers renders them; the engine renders its own and both are compared.
    messages = [[{"role": "user", "content": p}] for p in PROMPTS[:prompts_n]]
    rendered = [tokenizer.apply_chat_template(m, add_generation_prompt=True, tokenize=False) for m in messages]
    ids = [tokenizer(r, add_special_tokens=False).input_ids for r in rendered]

    # 2. Logits of 8 prompts, last position, and 3. greedy continuations, through parity-dump.
    eos = tokenizer.convert_tokens_to_ids("<|im_end|>")
    request = {
        "input_ids": ids[:8],
        "last_logits_only": True,
        "skip_gradients": True,
        "generate": [{"prompt_ids": p, "max_new_tokens": tokens_n, "eos_token_id": eos} for p in ids],
    }
    engine = engine_dump(binary, gguf_path, work, "logits", request, "--threads", os.environ.get("PARITY_THREADS", "2"))

    worst = 0.0
    with torch.no_grad():
        for index, sequence in enumerate(ids[:8]):
            logits = model(torch.tensor([sequence])).logits[0, -1]
            diff = (logits - torch.tensor(engine["logits"][index])).abs().max().item()
            worst = max(worst, diff)
    ok = worst <= 1e-3
    print(f"  {'ok  ' if ok else 'FAIL'} logits: 8 prompts, last position, max |Δ| {worst:.2e} (limit 1e-3)")
    if not ok:
        failures.append("logits")

    same = 0
    with torch.no_grad():
        for index, prompt in enumerate(ids):
            out = model.generate(torch.tensor([prompt]), max_new_tokens=tokens_n, do_sample=False, eos_token_id=eos,
                                 pad_token_id=eos)[0, len(prompt):].tolist()
            if out and out[-1] == eos:
                out = out[:-1]
            theirs_text = tokenizer.decode(out)
            mine = engine["generate"][index]["ids"]
            if mine == out:
                same += 1
            else:
                print(f"  greedy mismatch on {PROMPTS[index]!r}:\n    transformers {theirs_text!r}\n    engine       {tokenizer.decode(mine)!r}")
    ok = same == len(ids)
    print(f"  {'ok  ' if ok else 'FAIL'} greedy: {same}/{len(ids)} continuations of up to {tokens_n} tokens identical")
    if not ok:
        failures.append("greedy")

    # The engine's own chat rendering (its Jinja interpreter on the GGUF's template) against
    # transformers' apply_chat_template on the same file.
    engine_rendered = engine_dump(binary, gguf_path, work, "render",
                                  {"input_ids": [[0]], "skip_gradients": True, "last_logits_only": True, "render_chat": messages})["rendered"]
    mismatched = [i for i, (ours_text, theirs_text) in enumerate(zip(engine_rendered, rendered)) if ours_text != theirs_text]
    for i in mismatched[:3]:
        print(f"  chat mismatch on {PROMPTS[i]!r}:\n    transformers {rendered[i]!r}\n    engine       {engine_rendered[i]!r}")
    print(f"  {'ok  ' if not mismatched else 'FAIL'} chat template: {len(messages) - len(mismatched)}/{len(messages)} engine renderings identical to apply_chat_template")
    if mismatched:
        failures.append("chat template")

    failures += lora_step(binary, gguf_path, work, model, tokenizer, messages[:4])

    print("real-model parity: " + ("all agree" if not failures else "MISMATCH in " + ", ".join(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

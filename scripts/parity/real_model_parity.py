#!/usr/bin/env python3
"""Real-model parity: a GGUF file run by the engine against transformers running the same file.

Usage: real_model_parity.py GGUF BIN WORK_DIR [--prompts N] [--tokens N] [--tokenizer-only]

transformers loads GGUF_FILE itself (`from_pretrained(..., gguf_file=...)`, dequantised by the
`gguf` package, its own tokenizer conversion and chat template). The engine (BIN, the built
`iopo-exp`) gets the same file as a model argument. Checked, every mismatch printed:

  tokenizer   the engine's ids of every test string (unicode, digits, whitespace runs, code,
              emoji, control bytes, the chat prompts) equal transformers' (no special tokens
              added), and the engine's rendering of each chat prompt equals apply_chat_template
  logits      the last-position logits of 8 chat prompts (transformers' ids, fed to both) agree
              within 1e-3 absolute
  greedy      N (default 20) greedy continuations of --tokens (default 64) tokens are identical

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
    # transformers' GGUF conversion builds SmolLM's pre-tokenizer as ByteLevel's regex alone,
    # without the Digits(individual_digits) step that the published tokenizer.json and llama.cpp
    # (`smollm`: \p{N} split first) apply; the engine follows the published pipeline. So the
    # comparison is made twice: the engine's export as written, and with its pre-tokenizer
    # replaced by transformers' — the second must match transformers on every string (vocabulary,
    # merges, added tokens, byte handling), the first may differ only where digits follow spaces.
    from tokenizers import Tokenizer, pre_tokenizers
    ours = Tokenizer.from_file(os.path.join(exported, "tokenizer.json"))
    as_transformers = Tokenizer.from_file(os.path.join(exported, "tokenizer.json"))
    as_transformers.pre_tokenizer = tokenizer.backend_tokenizer.pre_tokenizer
    strings = test_strings(2000) + PROMPTS
    bad = differing_pipeline = 0
    for text in strings:
        theirs_ids = tokenizer(text, add_special_tokens=False).input_ids
        if as_transformers.encode(text, add_special_tokens=False).ids != theirs_ids:
            bad += 1
            if bad <= 5:
                our_ids = as_transformers.encode(text, add_special_tokens=False).ids
                first = next((i for i, (a, b) in enumerate(zip(theirs_ids, our_ids)) if a != b), min(len(theirs_ids), len(our_ids)))
                print(f"  tokenizer mismatch on {text!r} at token {first}: transformers {theirs_ids[first:first + 6]} engine {our_ids[first:first + 6]}")
        if ours.encode(text, add_special_tokens=False).ids != theirs_ids:
            differing_pipeline += 1
    print(f"  {'ok  ' if bad == 0 else 'FAIL'} tokenizer: {len(strings) - bad}/{len(strings)} strings give identical ids "
          f"(with transformers' pre-tokenizer; with the published one, {differing_pipeline} differ)")
    if bad:
        failures.append("tokenizer")

    if tokenizer_only:
        print("real-model parity (tokenizer only): " + ("all agree" if not failures else "MISMATCH"))
        return 1 if failures else 0
    model = AutoModelForCausalLM.from_pretrained(directory, gguf_file=name, torch_dtype=torch.float32)
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
    request_path, result_path = os.path.join(work, "request.json"), os.path.join(work, "engine.json")
    with open(request_path, "w") as handle:
        json.dump(request, handle)
    subprocess.run([binary, "model", "parity-dump", exported, "--tokens", request_path, "--out", result_path,
                    "--threads", os.environ.get("PARITY_THREADS", "2")], check=True, stdout=subprocess.DEVNULL)
    with open(result_path) as handle:
        engine = json.load(handle)

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

    # The engine's chat rendering (through `generate --raw`-free path): the exported
    # tokenizer_config's template rendered by transformers must equal the GGUF's rendering.
    exported_tokenizer = AutoTokenizer.from_pretrained(exported)
    mismatched = sum(1 for m, r in zip(messages, rendered)
                     if exported_tokenizer.apply_chat_template(m, add_generation_prompt=True, tokenize=False) != r)
    print(f"  {'ok  ' if mismatched == 0 else 'FAIL'} chat template: {len(messages) - mismatched}/{len(messages)} exported renderings identical")
    if mismatched:
        failures.append("chat template")

    print("real-model parity: " + ("all agree" if not failures else "MISMATCH in " + ", ".join(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

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
    encode_request, encode_result = os.path.join(work, "encode.json"), os.path.join(work, "encoded.json")
    with open(encode_request, "w") as handle:
        json.dump({"input_ids": [[0]], "skip_gradients": True, "last_logits_only": True, "encode": strings}, handle)
    subprocess.run([binary, "model", "parity-dump", gguf_path, "--tokens", encode_request, "--out", encode_result],
                   check=True, stdout=subprocess.DEVNULL)
    with open(encode_result) as handle:
        engine_ids = json.load(handle)["encoded"]
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
    request_path, result_path = os.path.join(work, "request.json"), os.path.join(work, "engine.json")
    with open(request_path, "w") as handle:
        json.dump(request, handle)
    subprocess.run([binary, "model", "parity-dump", gguf_path, "--tokens", request_path, "--out", result_path,
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

    # The engine's own chat rendering (its Jinja interpreter on the GGUF's template) against
    # transformers' apply_chat_template on the same file.
    render_request, render_result = os.path.join(work, "render.json"), os.path.join(work, "rendered.json")
    with open(render_request, "w") as handle:
        json.dump({"input_ids": [[0]], "skip_gradients": True, "last_logits_only": True, "render_chat": messages}, handle)
    subprocess.run([binary, "model", "parity-dump", gguf_path, "--tokens", render_request, "--out", render_result],
                   check=True, stdout=subprocess.DEVNULL)
    with open(render_result) as handle:
        engine_rendered = json.load(handle)["rendered"]
    mismatched = [i for i, (ours_text, theirs_text) in enumerate(zip(engine_rendered, rendered)) if ours_text != theirs_text]
    for i in mismatched[:3]:
        print(f"  chat mismatch on {PROMPTS[i]!r}:\n    transformers {rendered[i]!r}\n    engine       {engine_rendered[i]!r}")
    print(f"  {'ok  ' if not mismatched else 'FAIL'} chat template: {len(messages) - len(mismatched)}/{len(messages)} engine renderings identical to apply_chat_template")
    if mismatched:
        failures.append("chat template")

    print("real-model parity: " + ("all agree" if not failures else "MISMATCH in " + ", ".join(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

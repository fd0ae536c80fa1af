"""Serving benchmark: `iopo-exp serve` beside transformers `generate` on the same exported model,
and (with --llama-base-url) beside llama.cpp's OpenAI server (llama-cpp-python) on the GGUF file the
model came from; the same prompts and the same thread count.

Measures, for our server:
  - decode throughput (completion tokens per second of wall time) with 1, 4 and 16 concurrent
    streaming clients, every request generating exactly --max-tokens tokens (ignore_eos);
  - time to first token (first streamed text) per request;
  - evaluation throughput: `iopo-exp eval` (rule judge) on synthetic TRACE instructions.
and for transformers (float32, torch.set_num_threads(--threads)):
  - decode throughput of generate() at batch 1, 4 and 16 (left-padded batches, min_new_tokens =
    max_new_tokens so every sequence generates the same number of tokens);
  - time to first token: generate(max_new_tokens=1) at batch 1;
  - evaluation throughput: generate() on the same instructions, batch 1, greedy, stopping at the
    end-of-turn tokens, same max tokens.
and for llama.cpp's server (the same client workload as ours: streaming chat completions,
temperature 0, 1, 4 and 16 concurrent clients):
  - decode throughput and time to first token, as for ours. That server takes no ignore_eos (it
    ignores unknown fields) but honours min_tokens, which masks its end-of-sequence token: requests
    carry min_tokens = max_tokens. Its stream carries no usage, so a request that finished with
    finish_reason "length" counts max_tokens tokens, and one that stopped early (another end-of-turn
    token) counts its streamed content chunks (a lower bound); the count of such requests is printed.
    It serves one request at a time, so concurrent clients queue (their time to first token includes
    the wait).
Prints a table and the ratios (>1: ours is faster).
"""
import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from urllib.parse import urlparse


def prompts(count):
    topics = ["the sea", "a library", "mountain weather", "bread", "trains", "a garden", "chess", "rain",
              "a market", "the moon", "bicycles", "tea", "a river", "winter", "music", "bridges"]
    return [[{"role": "system", "content": "You are a helpful assistant."},
             {"role": "user", "content": f"Write a short note about {topics[i % len(topics)]}, number {i}."}]
            for i in range(count)]


def stream_request(base, model, messages, max_tokens, extra_body=None):
    """One streamed chat completion; returns (ttft seconds, completion tokens, total seconds, prompt
    tokens, early). The tokens are the usage's; without usage (llama.cpp's server), max_tokens when
    the request finished by length, else the streamed content chunks, and early is then True."""
    url = urlparse(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=600)
    body = json.dumps({"model": model, "messages": messages, "max_tokens": max_tokens, "temperature": 0,
                       "ignore_eos": True, "stream": True, "stream_options": {"include_usage": True},
                       **(extra_body or {})})
    start = time.perf_counter()
    connection.request("POST", url.path + "/chat/completions", body, {"Content-Type": "application/json"})
    response = connection.getresponse()
    assert response.status == 200, response.read()
    first, tokens, prompt_tokens, chunks, finish = None, None, None, 0, None
    buffer = b""
    while True:
        chunk = response.read1(65536)
        if not chunk:
            break
        buffer += chunk.replace(b"\r\n", b"\n")
        while b"\n\n" in buffer:
            event, buffer = buffer.split(b"\n\n", 1)
            if not event.startswith(b"data:"):
                continue  # an SSE comment (llama.cpp's server pings)
            data = event[len(b"data:"):].strip()
            if data == b"[DONE]":
                continue
            payload = json.loads(data)
            for choice in payload["choices"]:
                if choice.get("delta", {}).get("content"):
                    chunks += 1
                    if first is None:
                        first = time.perf_counter() - start
                finish = choice.get("finish_reason") or finish
            if payload.get("usage"):
                tokens = payload["usage"]["completion_tokens"]
                prompt_tokens = payload["usage"]["prompt_tokens"]
    total = time.perf_counter() - start
    connection.close()
    early = False
    if tokens is None:
        early = finish != "length"
        tokens = chunks if early else max_tokens
    return (first if first is not None else total), tokens, total, prompt_tokens, early


def prompt_tokens_of(base, model, messages):
    """The prompt tokens the server counts for a chat request (one token generated, not streamed)."""
    url = urlparse(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=600)
    connection.request("POST", url.path + "/chat/completions",
                       json.dumps({"model": model, "messages": messages, "max_tokens": 1, "temperature": 0}),
                       {"Content-Type": "application/json"})
    response = connection.getresponse()
    payload = json.loads(response.read())
    assert response.status == 200, payload
    connection.close()
    return payload["usage"]["prompt_tokens"]


def decode(base, model, concurrency, requests, max_tokens, extra_body=None):
    work = prompts(requests)
    results, lock = [], threading.Lock()
    index = [0]

    def client():
        while True:
            with lock:
                if index[0] >= len(work):
                    return
                position = index[0]
                messages = work[position]
                index[0] += 1
            outcome = stream_request(base, model, messages, max_tokens, extra_body)
            with lock:
                results.append((position,) + outcome)

    start = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    tokens = sum(r[2] for r in results)
    return {"tokens_per_s": tokens / wall, "ttft_median_s": statistics.median(r[1] for r in results),
            "ttft_mean_s": statistics.mean(r[1] for r in results), "tokens": tokens, "wall_s": wall,
            "prompt_tokens": [r[4] for r in sorted(results)], "early": sum(r[5] for r in results),
            "requests": len(results)}


def ours_eval(binary, base, model, data, instructions, max_tokens, concurrency):
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run([binary, "eval", "--endpoint", base, "--model", model, "--data", data, "--judge", "rule",
                        "--temperature", "0", "--max-tokens", str(max_tokens), "--concurrency", str(concurrency),
                        "--limit", str(instructions), "--out", out], check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - start
    return {"instructions_per_s": instructions / wall, "wall_s": wall}


def transformers_side(model_dir, threads, levels, requests, max_tokens, eval_prompts, eval_max_tokens):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = "<|endoftext|>"
    model = AutoModelForCausalLM.from_pretrained(model_dir, torch_dtype=torch.float32).eval()
    texts = [tokenizer.apply_chat_template(m, tokenize=False, add_generation_prompt=True) for m in prompts(requests)]
    out = {"decode": {}, "prompt_tokens": [len(tokenizer(t)["input_ids"]) for t in texts]}
    with torch.inference_mode():
        # Warm up.
        batch = tokenizer(texts[:1], return_tensors="pt")
        model.generate(**batch, max_new_tokens=4, do_sample=False, pad_token_id=tokenizer.pad_token_id)
        ttfts = []
        for text in texts:
            batch = tokenizer([text], return_tensors="pt")
            start = time.perf_counter()
            model.generate(**batch, max_new_tokens=1, do_sample=False, pad_token_id=tokenizer.pad_token_id)
            ttfts.append(time.perf_counter() - start)
        out["ttft_median_s"] = statistics.median(ttfts)
        for level in levels:
            start = time.perf_counter()
            tokens = 0
            for i in range(0, len(texts), level):
                batch = tokenizer(texts[i:i + level], return_tensors="pt", padding=True)
                generated = model.generate(**batch, max_new_tokens=max_tokens, min_new_tokens=max_tokens, do_sample=False,
                                           pad_token_id=tokenizer.pad_token_id)
                tokens += (generated.shape[1] - batch["input_ids"].shape[1]) * generated.shape[0]
            wall = time.perf_counter() - start
            out["decode"][level] = {"tokens_per_s": tokens / wall, "wall_s": wall}
        start = time.perf_counter()
        stop_ids = [tokenizer.convert_tokens_to_ids(t) for t in ("<|im_end|>", "<|endoftext|>")]
        for messages in eval_prompts:
            text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
            batch = tokenizer([text], return_tensors="pt")
            model.generate(**batch, max_new_tokens=eval_max_tokens, do_sample=False, eos_token_id=stop_ids,
                           pad_token_id=tokenizer.pad_token_id)
        wall = time.perf_counter() - start
        out["eval"] = {"instructions_per_s": len(eval_prompts) / wall, "wall_s": wall}
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--model-dir", required=True)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--eval-data", required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--levels", default="1,4,16")
    parser.add_argument("--requests", type=int, default=16)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--eval-instructions", type=int, default=32)
    parser.add_argument("--eval-max-tokens", type=int, default=64)
    parser.add_argument("--eval-concurrency", type=int, default=4)
    parser.add_argument("--skip-transformers", action="store_true")
    parser.add_argument("--llama-base-url", help="llama.cpp's OpenAI server (llama_cpp.server), e.g. http://HOST:PORT/v1")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]

    ours = {"decode": {}}
    stream_request(args.base_url, args.model, prompts(1)[0], 4)  # warm up
    for level in levels:
        ours["decode"][level] = decode(args.base_url, args.model, level, max(args.requests, level), args.max_tokens)
    ours["eval"] = ours_eval(args.binary, args.base_url, args.model, args.eval_data, args.eval_instructions,
                             args.eval_max_tokens, args.eval_concurrency)

    eval_prompts = []
    with open(args.eval_data) as handle:
        for line in handle:
            if line.strip():
                eval_prompts.append(json.loads(line)["messages"])
            if len(eval_prompts) == args.eval_instructions:
                break

    theirs = None
    if not args.skip_transformers:
        theirs = transformers_side(args.model_dir, args.threads, levels, args.requests, args.max_tokens, eval_prompts,
                                   args.eval_max_tokens)

    llama = None
    if args.llama_base_url:
        # min_tokens = max_tokens: llama.cpp's server ignores ignore_eos but masks its end-of-sequence
        # token for min_tokens tokens.
        forced = {"min_tokens": args.max_tokens}
        llama = {"decode": {}, "prompt_tokens": [prompt_tokens_of(args.llama_base_url, args.model, m)
                                                 for m in prompts(args.requests)]}  # also warms up
        stream_request(args.llama_base_url, args.model, prompts(1)[0], 4, {"min_tokens": 4})  # warm up
        for level in levels:
            llama["decode"][level] = decode(args.llama_base_url, args.model, level, max(args.requests, level),
                                            args.max_tokens, forced)

    config = json.load(open(os.path.join(args.model_dir, "config.json")))
    print(f"model: hidden {config['hidden_size']}, {config['num_hidden_layers']} layers, {config['num_attention_heads']} heads "
          f"({config['num_key_value_heads']} kv), intermediate {config['intermediate_size']}, vocab {config['vocab_size']}; "
          f"{args.threads} threads; {args.max_tokens} tokens per request, {args.requests} requests per level")
    print()
    header = f"{'measure':<42} {'iopo-exp serve':>16} {'transformers':>14} {'ratio':>8}"
    print(header + (f" {'llama.cpp':>12} {'ratio':>8}" if llama else ""))

    def row(name, mine, other, llama_other=None, higher_is_better=True):
        def cell(value, width):
            ratio = f"{(mine / value if higher_is_better else value / mine):.2f}x" if value else ""
            return f" {(f'{value:.3f}' if value else '-'):>{width}} {ratio:>8}"
        line = f"{name:<42} {mine:>16.3f}" + cell(other, 14) + (cell(llama_other, 12) if llama else "")
        print(line.rstrip())

    ttft_1 = ours["decode"][levels[0]]["ttft_median_s"]
    for level in levels:
        mine = ours["decode"][level]["tokens_per_s"]
        other = theirs["decode"][level]["tokens_per_s"] if theirs else None
        row(f"decode tokens/s, {level} concurrent" + (" (tf batch)" if theirs else ""), mine, other,
            llama["decode"][level]["tokens_per_s"] if llama else None)
    row(f"time to first token, {levels[0]} client (s)", ttft_1, theirs["ttft_median_s"] if theirs else None,
        llama["decode"][levels[0]]["ttft_median_s"] if llama else None, higher_is_better=False)
    for level in levels[1:]:
        row(f"time to first token, {level} clients (s)", ours["decode"][level]["ttft_median_s"], None,
            llama["decode"][level]["ttft_median_s"] if llama else None, higher_is_better=False)
    row(f"eval instructions/s ({args.eval_instructions}, rule judge)", ours["eval"]["instructions_per_s"],
        theirs["eval"]["instructions_per_s"] if theirs else None)
    mine_prompts = ours["decode"][levels[0]]["prompt_tokens"]
    if theirs:
        same = mine_prompts == theirs["prompt_tokens"][:len(mine_prompts)]
        print(f"same prompt tokens as transformers (chat template + tokenizer): {'yes' if same else 'NO'}")
    if llama:
        same = mine_prompts == llama["prompt_tokens"][:len(mine_prompts)]
        print(f"same prompt tokens as llama.cpp (its GGUF chat template + tokenizer): {'yes' if same else 'NO'}"
              + ("" if same else f" (ours {mine_prompts[:4]}..., llama.cpp {llama['prompt_tokens'][:4]}...)"))
        early = sum(llama["decode"][level]["early"] for level in levels)
        total = sum(llama["decode"][level]["requests"] for level in levels)
        print(f"llama.cpp requests that stopped before max_tokens (counted by streamed chunks): {early} of {total}")
    print()
    print("ratio: ours relative to the column before it, >1 means iopo-exp is faster (for time to first token: "
          "their time / ours).")
    if llama:
        print("llama.cpp: llama-cpp-python's server on the GGUF file (weights kept quantised; ours serves the "
              "float32 export), one request at a time: concurrent clients queue, and their time to first token "
              "includes the wait.")
    print("eval: ours is `iopo-exp eval` end to end (HTTP, judge, files) at --concurrency "
          f"{args.eval_concurrency}; transformers is generate() alone, batch 1, same prompts and max tokens.")
    print(json.dumps({"ours": ours, "transformers": theirs, "llama_cpp": llama}, sort_keys=True))


if __name__ == "__main__":
    sys.exit(main())

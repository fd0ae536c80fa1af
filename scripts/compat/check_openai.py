"""Drives an `iopo-exp serve` endpoint with the official `openai` Python client and checks every
endpoint the way a real user would call it. Exits non-zero on the first mismatch.

usage: check_openai.py BASE_URL MODEL
"""
import sys

import openai
from openai import OpenAI

base_url, model = sys.argv[1], sys.argv[2]
client = OpenAI(base_url=base_url, api_key="unused", max_retries=0, timeout=120)
checks = 0


def check(condition, what):
    global checks
    if not condition:
        print(f"compat: FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    checks += 1


# GET /v1/models
models = client.models.list()
ids = [m.id for m in models.data]
check(ids == [model], f"models.list ids {ids}")
check(models.data[0].object == "model", "model object")

# POST /v1/completions
completion = client.completions.create(model=model, prompt="Hello, world", max_tokens=8, temperature=0,
                                       extra_body={"ignore_eos": True})
check(completion.object == "text_completion", "completion object")
check(completion.id.startswith("cmpl-"), f"completion id {completion.id}")
check(len(completion.choices) == 1 and isinstance(completion.choices[0].text, str), "completion choice")
check(completion.choices[0].finish_reason == "length", f"finish_reason {completion.choices[0].finish_reason}")
check(completion.usage.completion_tokens == 8, f"usage {completion.usage}")
check(completion.usage.total_tokens == completion.usage.prompt_tokens + 8, "total_tokens")

# n and seed: two choices, reproducible
a = client.completions.create(model=model, prompt="Seeds", max_tokens=6, temperature=1.0, n=2, seed=42,
                              extra_body={"ignore_eos": True})
b = client.completions.create(model=model, prompt="Seeds", max_tokens=6, temperature=1.0, n=2, seed=42,
                              extra_body={"ignore_eos": True})
check(sorted(c.index for c in a.choices) == [0, 1], "n=2 indices")
check([c.text for c in a.choices] == [c.text for c in b.choices], "same seed, same text")

# POST /v1/chat/completions
messages = [{"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "Say something."}]
chat = client.chat.completions.create(model=model, messages=messages, max_tokens=12, temperature=0)
check(chat.object == "chat.completion", "chat object")
check(chat.id.startswith("chatcmpl-"), f"chat id {chat.id}")
message = chat.choices[0].message
check(message.role == "assistant" and isinstance(message.content, str), "chat message")
check(chat.choices[0].finish_reason in ("stop", "length"), "chat finish_reason")
check(chat.usage.total_tokens == chat.usage.prompt_tokens + chat.usage.completion_tokens, "chat usage")

# Streaming chat with usage: the deltas add up to the non-streamed text.
stream = client.chat.completions.create(model=model, messages=messages, max_tokens=12, temperature=0, stream=True,
                                        stream_options={"include_usage": True})
text, finish, usage, roles = "", None, None, []
for chunk in stream:
    check(chunk.object == "chat.completion.chunk", "chunk object")
    if chunk.usage is not None:
        usage = chunk.usage
    for choice in chunk.choices:
        if choice.delta.role:
            roles.append(choice.delta.role)
        text += choice.delta.content or ""
        finish = choice.finish_reason or finish
check(roles == ["assistant"], f"roles {roles}")
check(text == message.content, f"streamed text {text!r} != {message.content!r}")
check(finish == chat.choices[0].finish_reason, "streamed finish_reason")
check(usage is not None and usage.completion_tokens == chat.usage.completion_tokens, f"streamed usage {usage}")

# Streaming completion
pieces = [c.choices[0].text for c in client.completions.create(
    model=model, prompt="Hello, world", max_tokens=8, temperature=0, stream=True, extra_body={"ignore_eos": True}) if c.choices]
check("".join(pieces) == completion.choices[0].text, "streamed completion text")

# Stop strings: the text ends before the stop string.
full = client.completions.create(model=model, prompt="Stop here", max_tokens=30, temperature=0,
                                 extra_body={"ignore_eos": True}).choices[0].text
if len(full) > 4:
    stop = full[2:4]
    stopped = client.completions.create(model=model, prompt="Stop here", max_tokens=30, temperature=0, stop=[stop],
                                        extra_body={"ignore_eos": True}).choices[0]
    check(stopped.text == full[:full.index(stop)], "stop string cut")
    check(stopped.finish_reason == "stop", "stop finish_reason")

# Log probabilities, parsed by the client's own types.
scored = client.completions.create(model=model, prompt="Hello, world", max_tokens=4, temperature=0, logprobs=2,
                                   extra_body={"ignore_eos": True}).choices[0]
lp = scored.logprobs
check(lp is not None and len(lp.tokens) == 4 and len(lp.token_logprobs) == 4, f"completion logprobs {lp}")
check(all(v <= 0 for v in lp.token_logprobs), "log probabilities are ≤ 0")
check(all(1 <= len(top) <= 3 for top in lp.top_logprobs), "top_logprobs hold the 2 best and the chosen token")
check(lp.text_offset == sorted(lp.text_offset) and lp.text_offset[0] == 0, f"text_offset {lp.text_offset}")
# lm-evaluation-harness's loglikelihood request: echo the prompt with its log probabilities.
echoed = client.completions.create(model=model, prompt="Hello, world", max_tokens=0, temperature=0, logprobs=1, echo=True).choices[0]
check(echoed.text == "Hello, world", f"echo text {echoed.text!r}")
check(echoed.logprobs.token_logprobs[0] is None and all(v <= 0 for v in echoed.logprobs.token_logprobs[1:]),
      "echo: no log probability for the first prompt token, ≤ 0 after")
check("".join(echoed.logprobs.tokens) == "Hello, world", f"echo tokens {echoed.logprobs.tokens}")
chat_scored = client.chat.completions.create(model=model, messages=messages, max_tokens=5, temperature=0, logprobs=True,
                                            top_logprobs=3, extra_body={"ignore_eos": True}).choices[0]
content = chat_scored.logprobs.content
check(len(content) == 5 and all(len(entry.top_logprobs) == 3 for entry in content), "chat logprobs: 5 tokens, 3 alternatives each")
check(all(entry.top_logprobs[0].logprob >= entry.top_logprobs[-1].logprob for entry in content), "alternatives most likely first")
check(all(bytes(entry.bytes).decode("utf-8", "replace") == entry.token for entry in content), "token bytes spell the token")

# Errors: typed exceptions with the right status, and the server carries on.
try:
    client.chat.completions.create(model="no-such-model", messages=messages, max_tokens=2)
    check(False, "unknown model accepted")
except openai.NotFoundError as error:
    check(error.status_code == 404, "404 status")
    check("no-such-model" in str(error), f"404 message {error}")
try:
    client.chat.completions.create(model=model, messages=messages, max_tokens=10 ** 6)
    check(False, "max_tokens over the context accepted")
except openai.BadRequestError as error:
    check(error.status_code == 400 and "maximum context length" in str(error), f"400 message {error}")
try:
    client.chat.completions.create(model=model, messages=messages, temperature=-1)
    check(False, "negative temperature accepted")
except openai.BadRequestError as error:
    check(error.status_code == 400, "400 on a bad value")
again = client.chat.completions.create(model=model, messages=messages, max_tokens=12, temperature=0)
check(again.choices[0].message.content == message.content, "serving after errors, same greedy text")

print(f"compat: {checks} checks passed (openai {openai.__version__})")

"""Robustness benchmark of `iopo-exp serve` (scripts/bench/serve-robustness.sh starts the server).

Against a running server, standard library only:
  0. records the answer to one fixed greedy chat request (temperature 0, max_tokens 16);
  a. sends --count-malformed malformed requests, one connection each, --concurrency at a time,
     cycling through the kinds in `malformed_kinds` (not JSON, truncated JSON, wrong types and
     out-of-range values for every field, unknown routes, wrong methods, a body over the size
     limit, a lying Content-Length, invalid UTF-8, 10,000-level nesting, a huge header, HTTP
     garbage...). Each must get a 4xx response; raw protocol garbage and a request whose body
     never comes may instead see the connection closed; never a 5xx, never silence;
  b. opens --count-dropped connections that send a valid generation request (max_tokens 64;
     streaming and not) and drop the connection mid-request: after half the headers, after the
     whole request before reading, after reading the first SSE chunk (some with a reset instead
     of an orderly close);
  c. checks that the server process still runs, GET /health is 200, GET /metrics shows no
     sequence running or waiting within --settle-seconds (vllm:num_requests_running and
     vllm:num_requests_waiting; skipped with a note when the binary serves no /metrics), and the
     fixed request of step 0 answers byte-identical content.
Prints a table of kinds x outcomes, the dropped connections, the server's open files and memory
before and after, and the elapsed times; exits 1 on any 5xx, a hang (no answer within --timeout),
a refused connection, a server that died, a failed check or a changed answer. Other unexpected
outcomes (a 2xx to a malformed request, a closed connection where a response was due, a dropped
connection that saw something else first) print with the request as warnings; --strict fails on
them too.
"""
import argparse
import collections
import http.client
import itertools
import json
import os
import random
import re
import select
import socket
import sys
import threading
import time
from urllib.parse import urlparse

FIXED = {"messages": [{"role": "system", "content": "You are a helpful assistant."},
                      {"role": "user", "content": "Name three colours."}],
         "max_tokens": 16, "temperature": 0}
# An outcome allowed for every kind; kinds add "closed" (the server may hang up) or "2xx" (edge
# cases a server may accept).
CLIENT_ERROR = "4xx"


class Kind:
    def __init__(self, name, payload, allowed=(CLIENT_ERROR,), half_close=False):
        self.name, self.payload, self.allowed, self.half_close = name, payload, set(allowed), half_close


def request_bytes(host, method, path, body=None, headers=(), content_type="application/json"):
    """An HTTP/1.1 request with Connection: close (and Content-Length when there is a body)."""
    lines = [f"{method} {path} HTTP/1.1".encode("latin-1"), f"Host: {host}".encode(), b"Connection: close"]
    if body is not None:
        if content_type:
            lines.append(f"Content-Type: {content_type}".encode())
        lines.append(f"Content-Length: {len(body)}".encode())
    lines += [h if isinstance(h, bytes) else h.encode("latin-1") for h in headers]
    return b"\r\n".join(lines) + b"\r\n\r\n" + (body or b"")


def malformed_kinds(host, model, max_body_bytes):
    """(name, payload bytes, allowed outcomes) of every malformed request kind."""
    def post(path, body, **options):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        return request_bytes(host, "POST", path, body, **options)

    chat = "/v1/chat/completions"
    completions = "/v1/completions"
    valid = {"model": model, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 1, "temperature": 0}

    def chat_with(**fields):
        body = dict(valid)
        for key, value in fields.items():
            if value is KeyError:
                body.pop(key, None)
            else:
                body[key] = value
        return post(chat, body)

    body = [
        Kind("not JSON", post(chat, b"this is not json")),
        Kind("truncated JSON", post(chat, json.dumps(valid).encode()[:25])),
        Kind("empty body", post(chat, b"")),
        Kind("JSON array body", post(chat, b"[1, 2, 3]")),
        Kind("JSON null body", post(chat, b"null")),
        Kind("JSON string body", post(chat, b'"hello"')),
        Kind("trailing garbage after JSON", post(chat, json.dumps(valid).encode() + b"}}garbage")),
        Kind("form content type", post(chat, b"model=x&messages=y", content_type="application/x-www-form-urlencoded")),
    ]
    # Wrong types and out-of-range values, field by field (the rest of the request valid).
    wrong = {
        "model": [5, [], {}, True],
        "messages": ["hi", 5, {}, [], ["hi"], [5], [{"role": "user"}], [{"content": "x"}], [{"role": 5, "content": "x"}],
                     [{"role": "wizard", "content": "x"}], [{"role": "user", "content": 42}],
                     [{"role": "user", "content": [{"type": "image_url"}]}]],
        "max_tokens": ["16", 1.5, -1, 10 ** 12, 2 ** 63, -(2 ** 63) - 1, [], {}, True],
        "temperature": ["NaN", "nan", "inf", "hot", -1, [], {}],
        "top_p": ["1", 2, -0.5, []],
        "n": [0, 1000, -1, "2"],
        "stop": [42, [1, 2], {"a": 1}, [None]],
        "stream": ["yes", [], {}],
        "stream_options": ["x", 5],
        "seed": ["x", 1.5, []],
        "presence_penalty": ["x", 100],
        "frequency_penalty": ["x", -100],
        "logprobs": ["yes", []],
        "top_logprobs": ["x", -1, 10 ** 6],
        "logit_bias": ["x", {"abc": 1}, {"1": "x"}],
    }
    fields = []
    for field, values in wrong.items():
        for value in values:
            shown = json.dumps(value)
            shown = shown if len(shown) <= 44 else shown[:41] + "..."
            fields.append(Kind(f"{field}={shown}", chat_with(**{field: value})))
    fields += [
        Kind("messages missing", chat_with(messages=KeyError)),
        Kind("stop=[\"\"]", chat_with(stop=[""])),
        Kind("duplicate key", post(chat, json.dumps(valid).encode()[:-1] + b', "max_tokens": 2}')),
        Kind("model unknown", chat_with(model="no-such-model")),
        Kind("max_tokens=1e400 (overflow)", post(chat, json.dumps(valid).encode().replace(b'"max_tokens": 1', b'"max_tokens": 1e400'))),
        Kind("temperature=1e400 (overflow)", post(chat, json.dumps(valid).encode().replace(b'"temperature": 0', b'"temperature": 1e400'))),
        Kind("temperature=NaN literal", post(chat, json.dumps(valid).encode().replace(b'"temperature": 0', b'"temperature": NaN'))),
        Kind("prompt over the context", chat_with(messages=[{"role": "user", "content": "a " * 20000}])),
    ]
    # Values valid as JSON doubles that the engine's float32 parameters round to 0 or infinity.
    precision = [
        Kind("top_p=1e-300 (0 in float32)", chat_with(top_p=1e-300)),
        Kind("top_p=1e-46 (0 in float32), completions", post(completions, {"model": model, "prompt": "Hi", "max_tokens": 1,
                                                                           "top_p": 1e-46})),
        Kind("top_p=1e-300, streaming", chat_with(top_p=1e-300, stream=True)),
        Kind("temperature=1e39 (infinite in float32)", chat_with(temperature=1e39)),
        Kind("top_k=2**31", chat_with(top_k=2 ** 31)),
        Kind("temperature=5e-324 (greedy)", chat_with(temperature=5e-324), allowed=(CLIENT_ERROR, "2xx")),
    ]
    completion = [
        Kind("completions prompt={object}", post(completions, {"model": model, "prompt": {"a": 1}, "max_tokens": 1})),
        Kind("completions prompt=5", post(completions, {"model": model, "prompt": 5, "max_tokens": 1})),
        Kind("completions prompt missing", post(completions, {"model": model, "max_tokens": 1})),
        Kind("completions prompt=[[[]]]", post(completions, {"model": model, "prompt": [[[]]], "max_tokens": 1})),
        Kind("completions prompt=[-1] (token id)", post(completions, {"model": model, "prompt": [-1], "max_tokens": 1})),
        Kind("completions prompt=[10**9] (token id)", post(completions, {"model": model, "prompt": [10 ** 9], "max_tokens": 1})),
        Kind("completions prompt=[2**31] (token id)", post(completions, {"model": model, "prompt": [2 ** 31], "max_tokens": 1})),
        Kind("completions prompt=[[1], \"a\"]", post(completions, {"model": model, "prompt": [[1], "a"], "max_tokens": 1})),
        Kind("completions prompt=\"\"", post(completions, {"model": model, "prompt": "", "max_tokens": 1})),
        Kind("completions prompt=[1.5]", post(completions, {"model": model, "prompt": [1.5], "max_tokens": 1})),
        Kind("completions prompt=[]", post(completions, {"model": model, "prompt": [], "max_tokens": 1})),
        Kind("completions max_tokens=\"x\"", post(completions, {"model": model, "prompt": "Hi", "max_tokens": "x"})),
    ]
    routes = [
        Kind("GET unknown route", request_bytes(host, "GET", "/v1/nope")),
        Kind("POST unknown route", post("/v2/chat/completions", valid)),
        Kind("route with a suffix", post(chat + "/extra", valid)),
        Kind("path traversal", request_bytes(host, "GET", "/../../etc/passwd")),
        Kind("path with query and fragment", request_bytes(host, "GET", "/nope?a=1&b=%ZZ#frag")),
        Kind("very long path (64 KiB)", request_bytes(host, "GET", "/" + "a" * 65536), allowed=(CLIENT_ERROR, "closed")),
        Kind("GET chat completions", request_bytes(host, "GET", chat)),
        Kind("PUT chat completions", request_bytes(host, "PUT", chat, json.dumps(valid).encode())),
        Kind("DELETE models", request_bytes(host, "DELETE", "/v1/models")),
        Kind("POST health", request_bytes(host, "POST", "/health", b"{}")),
        Kind("PATCH completions", request_bytes(host, "PATCH", completions, b"{}")),
        Kind("BREW method", request_bytes(host, "BREW", chat, b"{}")),
    ]
    framing = [
        Kind(f"body over the limit ({max_body_bytes + 1} bytes)",
             post(chat, b'{"model": "' + b"a" * (max_body_bytes + 1 - 13) + b'"}')),
        Kind("Content-Length over the limit, no body", request_bytes(
            host, "POST", chat, None, headers=["Content-Type: application/json", f"Content-Length: {10 * max_body_bytes}"]),
            allowed=(CLIENT_ERROR, "closed"), half_close=True),
        Kind("Content-Length larger than the body, then close", request_bytes(
            host, "POST", chat, None, headers=["Content-Type: application/json", "Content-Length: 1000"]) + b'{"model": "',
            allowed=(CLIENT_ERROR, "closed"), half_close=True),
        Kind("Content-Length not a number", request_bytes(
            host, "POST", chat, None, headers=["Content-Length: abc"]) + b"{}"),
        Kind("Content-Length negative", request_bytes(host, "POST", chat, None, headers=["Content-Length: -5"]) + b"{}"),
        Kind("Content-Length twice, different", request_bytes(
            host, "POST", chat, None, headers=["Content-Length: 2", "Content-Length: 7"]) + b"{}"),
        Kind("chunked body, bad chunk size", request_bytes(
            host, "POST", chat, None, headers=["Transfer-Encoding: chunked"]) + b"zz\r\n{}\r\n0\r\n\r\n"),
        Kind("chunked and Content-Length", request_bytes(
            host, "POST", chat, None, headers=["Transfer-Encoding: chunked", "Content-Length: 4"]) + b"0\r\n\r\n"),
        Kind("invalid UTF-8 in a JSON string", post(chat, b'{"model": "' + model.encode() + b'", "messages": '
                                                    b'[{"role": "user", "content": "\xff\xfe\xc3("}], "max_tokens": 1}')),
        Kind("invalid UTF-8 in the model name", post(chat, b'{"model": "\xc0\xaf", "messages": '
                                                     b'[{"role": "user", "content": "Hi"}], "max_tokens": 1}')),
        Kind("invalid UTF-8 in the path", request_bytes(host, "GET", "/v1/\xff\xfe")),
        Kind("nested arrays, 10,000 levels", post(chat, b'{"model": "' + model.encode() + b'", "messages": '
                                                  + b"[" * 10000 + b"]" * 10000 + b"}")),
        Kind("nested objects, 10,000 levels", post(chat, b'{"model": "' + model.encode() + b'", "messages": [{"role": '
                                                   b'"user", "content": ' + b'{"a": ' * 10000 + b"1" + b"}" * 10000
                                                   + b"}]}")),
        Kind("nested arrays, 10,000 levels, unclosed", post(completions, b'{"prompt": ' + b"[" * 10000)),
        Kind("huge header (1 MiB)", request_bytes(host, "GET", "/health", headers=["X-Big: " + "a" * (1 << 20)]),
             allowed=(CLIENT_ERROR, "closed")),
        Kind("10,000 headers", request_bytes(host, "GET", "/health", headers=[f"X-H{i}: v" for i in range(10000)]),
             allowed=(CLIENT_ERROR, "closed")),
        Kind("header without a colon", request_bytes(host, "GET", "/health", headers=["NoColonHere"]),
             allowed=(CLIENT_ERROR, "closed")),
        Kind("header with a NUL byte", request_bytes(host, "GET", "/health", headers=[b"X-Nul: a\x00b"]),
             allowed=(CLIENT_ERROR, "closed")),
    ]
    garbage = [  # raw protocol garbage: a 4xx or a closed connection
        Kind("GET / HTTP/9.9", b"GET / HTTP/9.9\r\nHost: x\r\n\r\n", allowed=(CLIENT_ERROR, "closed")),
        Kind("request line without a version", b"GET /health\r\n\r\n", allowed=(CLIENT_ERROR, "closed")),
        Kind("request line of one word", b"HELLO\r\n\r\n", allowed=(CLIENT_ERROR, "closed")),
        Kind("blank lines only", b"\r\n\r\n\r\n\r\n", allowed=(CLIENT_ERROR, "closed"), half_close=True),
        Kind("TLS client hello", bytes.fromhex("16030100a1010000") + bytes(range(256))[:160], allowed=(CLIENT_ERROR, "closed"),
             half_close=True),
        Kind("binary noise (4 KiB)", random.Random(7).randbytes(4096), allowed=(CLIENT_ERROR, "closed"), half_close=True),
        Kind("binary noise after a request line", b"POST /v1/chat/completions HTTP/1.1\r\n" + random.Random(8).randbytes(4096),
             allowed=(CLIENT_ERROR, "closed"), half_close=True),
        Kind("absolute-form URI", request_bytes(host, "GET", "http://example.invalid/health"), allowed=(CLIENT_ERROR, "2xx")),
    ]
    edge = [  # edge cases that a server may also accept
        Kind("lone surrogate escape in content", chat_with(messages=[{"role": "user", "content": "\ud800"}]),
             allowed=(CLIENT_ERROR, "2xx")),
        Kind("stream=1", chat_with(stream=1), allowed=(CLIENT_ERROR, "2xx")),
        Kind("seed=2**64", chat_with(seed=2 ** 64), allowed=(CLIENT_ERROR, "2xx")),
        Kind("1,000 stop strings", chat_with(stop=["x"] * 1000), allowed=(CLIENT_ERROR, "2xx")),
    ]
    groups = [body, fields, precision, completion, routes, framing, garbage, edge]
    names = ["body", "fields (chat)", "float32 precision", "/v1/completions", "routes and methods", "framing and encoding",
             "protocol garbage", "edge cases (2xx allowed)"]
    for order, (name, group) in enumerate(zip(names, groups)):
        for kind in group:
            kind.group, kind.order = name, order
    # Interleaved: a run of a few dozen requests already meets every group.
    return [kind for row in itertools.zip_longest(*groups) for kind in row if kind is not None]


def read_response(sock, deadline):
    """(outcome, head): the status class ("4xx", "5xx", ...) with the status code, or "closed" /
    "timeout" / "not HTTP", read until the response is complete, the peer closes or the deadline."""
    data = b""
    while True:
        header_end = data.find(b"\r\n\r\n")
        if header_end >= 0:
            head = data[:header_end].decode("latin-1")
            match = re.match(r"HTTP/1\.[01] (\d{3})", head)
            if not match:
                return "not HTTP", head[:200]
            length = re.search(r"(?im)^content-length:\s*(\d+)", head)
            if length and len(data) - header_end - 4 >= int(length.group(1)):
                break
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return ("timeout", data[:200].decode("latin-1")) if not data else _classify(data)
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return ("timeout", "") if not data else _classify(data)
        except (ConnectionResetError, BrokenPipeError):
            chunk = b""
        if not chunk:
            break
        data += chunk
    return _classify(data)


def _classify(data):
    if not data:
        return "closed", ""
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    match = re.match(r"HTTP/1\.[01] (\d{3})", head)
    if not match:
        return "not HTTP", head[:200]
    code = int(match.group(1))
    return f"{code // 100}xx {code}", head + "\n\n" + data.split(b"\r\n\r\n", 1)[-1][:300].decode("utf-8", "replace")


def exchange(address, payload, timeout, half_close=False):
    """Sends payload in 64 KiB pieces, stopping early when the server already answered (it may
    refuse a body or a header before the end), then reads the response."""
    deadline = time.monotonic() + timeout
    try:
        sock = socket.create_connection(address, timeout=timeout)
    except OSError as error:
        return "connect failed", str(error)
    try:
        for start in range(0, len(payload), 65536):
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            try:
                sock.sendall(payload[start:start + 65536])
            except (BrokenPipeError, ConnectionResetError):
                break
        if half_close:
            try:
                sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        return read_response(sock, deadline)
    finally:
        sock.close()


def http_json(address, method, path, body=None, timeout=60):
    connection = http.client.HTTPConnection(*address, timeout=timeout)
    try:
        connection.request(method, path, json.dumps(body) if body is not None else None,
                           {"Content-Type": "application/json"} if body is not None else {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def fixed_answer(address, model):
    status, body = http_json(address, "POST", "/v1/chat/completions", dict(FIXED, model=model))
    if status != 200:
        raise SystemExit(f"the fixed request answered {status}: {body[:300]!r}")
    choice = json.loads(body)["choices"][0]
    return choice["message"]["content"], choice["finish_reason"], json.loads(body)["usage"]["completion_tokens"]


def process_state(pid):
    """(alive, open files, resident MB) of the server process, from /proc."""
    if not pid:
        return None, None, None
    try:
        os.kill(pid, 0)
    except OSError:
        return False, None, None
    try:
        files = len(os.listdir(f"/proc/{pid}/fd"))
        with open(f"/proc/{pid}/status") as handle:
            rss = next((int(line.split()[1]) // 1024 for line in handle if line.startswith("VmRSS:")), None)
        return True, files, rss
    except OSError:
        return True, None, None


def run_pool(jobs, concurrency, work):
    """Runs work(job) for every job with `concurrency` threads; returns the results in job order."""
    results = [None] * len(jobs)
    index, lock = [0], threading.Lock()

    def worker():
        while True:
            with lock:
                if index[0] >= len(jobs):
                    return
                position = index[0]
                index[0] += 1
            results[position] = work(jobs[position])

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


DROP_MODES = ["half headers", "whole request, not streaming, no read", "whole request, streaming, no read",
              "first SSE chunk read", "first SSE chunk read, reset", "whole request, not streaming, reset after 50 ms"]


def drop_connection(address, host, model, mode, number, timeout):
    """Sends a valid generation request (max_tokens 64) and drops the connection as `mode` says;
    returns what the client saw ("dropped as planned" or what went wrong)."""
    stream = "streaming" in mode or "SSE" in mode
    body = json.dumps({"model": model, "messages": [{"role": "user", "content": f"Tell a story, number {number}."}],
                       "max_tokens": 64, "temperature": 0, "ignore_eos": True, "stream": stream}).encode()
    payload = request_bytes(host, "POST", "/v1/chat/completions", body)
    try:
        sock = socket.create_connection(address, timeout=timeout)
    except OSError as error:
        return f"connect failed: {error}"
    try:
        if "reset" in mode:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        if mode == "half headers":
            head = payload.split(b"\r\n\r\n", 1)[0]
            sock.sendall(head[:len(head) // 2])
            return "dropped as planned"
        sock.sendall(payload)
        if "no read" in mode:
            return "dropped as planned"
        if "after 50 ms" in mode:
            time.sleep(0.05)
            return "dropped as planned"
        data = b""
        deadline = time.monotonic() + timeout
        while True:
            head, end, rest = data.partition(b"\r\n\r\n")
            if end and not head.startswith(b"HTTP/1.1 200"):
                return "status " + head[9:12].decode("latin-1")
            if end and b"data:" in rest:
                return "dropped as planned"
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = sock.recv(65536)
            if not chunk:
                return "server closed before the first chunk"
            data += chunk
    except socket.timeout:
        return "timeout"
    except OSError as error:
        return f"error: {error}"
    finally:
        sock.close()


def metrics_idle(address, settle_seconds):
    """(state, detail): "idle" once vllm:num_requests_running and vllm:num_requests_waiting are both
    0 within settle_seconds, "busy" if they never are, "absent" when the server has no /metrics."""
    deadline = time.monotonic() + settle_seconds
    detail = ""
    while True:
        status, body = http_json(address, "GET", "/metrics", timeout=10)
        if status == 404:
            return "absent", "GET /metrics is 404 (a binary from before /metrics)"
        if status != 200:
            return "error", f"GET /metrics is {status}"
        values = {}
        for line in body.decode("utf-8", "replace").splitlines():
            match = re.match(r"(vllm:num_requests_(?:running|waiting))(?:\{[^}]*\})?\s+(\S+)", line)
            if match:
                values[match.group(1)] = values.get(match.group(1), 0.0) + float(match.group(2))
        detail = ", ".join(f"{name} {value:g}" for name, value in sorted(values.items()))
        if len(values) < 2:
            return "error", f"/metrics lacks vllm:num_requests_running or _waiting ({detail or 'neither'})"
        if all(value == 0 for value in values.values()):
            return "idle", detail
        if time.monotonic() > deadline:
            return "busy", detail
        time.sleep(0.5)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True, help="http://HOST:PORT")
    parser.add_argument("--model", required=True)
    parser.add_argument("--pid", type=int, help="the server's process id, to see that it survives")
    parser.add_argument("--max-body-bytes", type=int, default=4194304)
    parser.add_argument("--count-malformed", type=int, default=1000)
    parser.add_argument("--count-dropped", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4, help="malformed requests at a time")
    parser.add_argument("--drop-concurrency", type=int, default=32,
                        help="dropped connections at a time (more than the server's --max-batch: some wait in its queue)")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds a request may wait for its answer")
    parser.add_argument("--settle-seconds", type=float, default=30.0)
    parser.add_argument("--strict", action="store_true",
                        help="fail on any unexpected outcome, e.g. a 2xx to a malformed request, not only on 5xx and hangs")
    args = parser.parse_args()
    url = urlparse(args.base_url)
    address = (url.hostname, url.port)
    host = f"{url.hostname}:{url.port}"
    failures, warnings = [], []  # warnings fail too with --strict
    started = time.monotonic()

    before = process_state(args.pid)
    reference = fixed_answer(address, args.model)
    print(f"step 0: fixed greedy request answered {reference[2]} tokens ({reference[1]}): {reference[0]!r}")

    # a. Malformed requests.
    kinds = malformed_kinds(host, args.model, args.max_body_bytes)
    jobs = [kinds[i % len(kinds)] for i in range(args.count_malformed)]
    phase = time.monotonic()
    outcomes = run_pool(jobs, args.concurrency, lambda kind: exchange(address, kind.payload, args.timeout, kind.half_close))
    malformed_s = time.monotonic() - phase
    table = collections.OrderedDict((kind.name, collections.Counter()) for kind in kinds)
    unexpected = collections.OrderedDict()
    for kind, (outcome, head) in zip(jobs, outcomes):
        table[kind.name][outcome] += 1
        category = outcome.split()[0]
        if category not in kind.allowed and (kind.name, outcome) not in unexpected:
            unexpected[(kind.name, outcome)] = (kind.payload, head)
    alive = process_state(args.pid)[0]
    if alive is False:
        failures.append("the server died during the malformed requests")

    # b. Dropped connections.
    phase = time.monotonic()
    drops = run_pool(list(range(args.count_dropped)), args.drop_concurrency,
                     lambda n: (DROP_MODES[n % len(DROP_MODES)],
                                drop_connection(address, host, args.model, DROP_MODES[n % len(DROP_MODES)], n, args.timeout)))
    dropped_s = time.monotonic() - phase
    drop_table = collections.OrderedDict((mode, collections.Counter()) for mode in DROP_MODES)
    for mode, seen in drops:
        drop_table[mode][seen] += 1
    if process_state(args.pid)[0] is False:
        failures.append("the server died during the dropped connections")

    # c. Checks.
    checks = []
    if process_state(args.pid)[0] is not False:
        idle, detail = metrics_idle(address, args.settle_seconds)
        checks.append((f"GET /metrics: nothing running or waiting within {args.settle_seconds:g} s",
                       {"idle": "yes", "absent": "skipped", "busy": "NO", "error": "NO"}[idle], detail))
        if idle in ("busy", "error"):
            failures.append(f"/metrics: {detail}")
        status, body = http_json(address, "GET", "/health")
        checks.append(("GET /health is 200", "yes" if status == 200 else "NO", f"{status}"))
        if status != 200:
            failures.append(f"GET /health answered {status}")
        again = fixed_answer(address, args.model)
        same = again == reference
        checks.append(("fixed greedy request: byte-identical content", "yes" if same else "NO",
                       "" if same else f"now {again[0]!r} ({again[2]} tokens, {again[1]})"))
        if not same:
            failures.append("the fixed request's answer changed")
    after = process_state(args.pid)
    if after[0] is False:
        failures.append("the server process is gone")

    # The report.
    columns = sorted({outcome for counter in table.values() for outcome in counter})
    width = max(len(name) for name in table) + 2
    print()
    print(f"a. malformed requests: {args.count_malformed} ({len(kinds)} kinds, {args.concurrency} at a time), "
          f"{malformed_s:.1f} s")
    print(f"{'kind':<{width}}" + "".join(f"{c:>11}" for c in columns) + "  allowed")
    group = None
    for kind in sorted(kinds, key=lambda kind: kind.order):
        counter = table[kind.name]
        if not counter:
            continue
        if kind.group != group:
            group = kind.group
            print(f"-- {group}")
        print(f"{kind.name:<{width}}" + "".join(f"{(counter[c] or ''):>11}" for c in columns)
              + "  " + ", ".join(sorted(kind.allowed)))
    totals = collections.Counter()
    for counter in table.values():
        totals.update(counter)
    print(f"{'total':<{width}}" + "".join(f"{totals[c]:>11}" for c in columns))
    server_errors = sum(n for outcome, n in totals.items() if outcome.startswith("5xx"))
    if server_errors:
        failures.append(f"{server_errors} malformed requests got a 5xx")
    for (name, outcome), (payload, head) in unexpected.items():
        shown = payload if len(payload) <= 400 else payload[:300] + b"..." + payload[-60:]
        fatal = outcome.split()[0] in ("5xx", "timeout", "connect")
        print(f"{'FAIL' if fatal else 'UNEXPECTED'} {outcome} for {name!r}: request {shown!r}")
        if head:
            print("    answer: " + head[:400].replace("\n", "\n    "))
        if fatal and not outcome.startswith("5xx"):
            failures.append(f"{outcome} for {name}")
        elif not fatal:
            warnings.append(f"{outcome} for {name}")

    print()
    print(f"b. dropped connections: {args.count_dropped} (max_tokens 64, {args.drop_concurrency} at a time), "
          f"{dropped_s:.1f} s")
    for mode, counter in drop_table.items():
        if counter:
            print(f"  {mode:<50} " + ", ".join(f"{n} {seen}" for seen, n in counter.most_common()))
    odd = sum(n for counter in drop_table.values() for seen, n in counter.items() if seen != "dropped as planned")
    if odd:
        warnings.append(f"{odd} dropped connections saw something else than planned")

    print()
    print("c. checks after")
    for name, verdict, detail in checks:
        print(f"  {name:<52} {verdict:<8} {detail}")
    if before[0] is not None:
        print(f"  server process: open files {before[1]} before, {after[1]} after; resident memory {before[2]} MB before, "
              f"{after[2]} MB after; {'alive' if after[0] else 'GONE'}")
    print(f"elapsed: {time.monotonic() - started:.1f} s")
    print()
    if warnings:
        print(("FAILED (--strict)" if args.strict else "warnings") + ": " + "; ".join(dict.fromkeys(warnings)))
    if failures:
        print("FAILED: " + "; ".join(dict.fromkeys(failures)))
        return 1
    if warnings and args.strict:
        return 1
    print("passed: no 5xx, no hang, the server alive and idle, the same answer")
    return 0


if __name__ == "__main__":
    sys.exit(main())

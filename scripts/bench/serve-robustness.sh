#!/usr/bin/env bash
# Robustness benchmark of `iopo-exp serve` (scripts/bench/serve_robustness.py, standard library
# only): on a tiny random-weight demo model (`demo-model --preset tiny`), records the answer to one
# fixed greedy chat request (temperature 0, max_tokens 16), then
#   a. sends COUNT_MALFORMED malformed requests, cycling through 140 kinds (not JSON,
#      truncated JSON, wrong types and out-of-range values for every field, unknown routes, wrong
#      methods, a body over --max-body-bytes, a lying Content-Length, invalid UTF-8, 10,000-level
#      nesting, a 1 MiB header, HTTP garbage, binary noise): each must get a 4xx (raw protocol
#      garbage may see the connection closed instead), never a 5xx, never silence;
#   b. opens COUNT_DROPPED connections with a valid generation request (max_tokens 64, streaming and
#      not) dropped mid-request: after half the headers, after the whole request, after the first
#      SSE chunk, with an orderly close or a reset;
#   c. checks that the server still runs, GET /health is 200, GET /metrics shows no sequence
#      running or waiting within SETTLE_SECONDS, and the fixed request answers the same bytes.
# Prints kinds x statuses, the dropped connections, the server's open files and memory before and
# after and the elapsed time; exits 1 on a 5xx, a hang, a dead server, a failed check or a changed
# answer (printing the request that caused it and the end of the server's standard error). Other
# unexpected outcomes (a 2xx to a malformed request, a closed connection where a 4xx was due) print
# as warnings with their request, and fail too with STRICT=1.
#
#   scripts/bench/serve-robustness.sh                  # builds iopo-exp (release) first
#   IOPO_EXP_BIN=path/to/iopo-exp scripts/bench/serve-robustness.sh
#
# Settings (environment): COUNT_MALFORMED (default 1000), COUNT_DROPPED (200), CONCURRENCY (4
# malformed requests at a time), DROP_CONCURRENCY (32 dropped connections at a time, more than the
# server's 16-sequence batch), TIMEOUT (20 s a request may wait for its answer before it counts as
# a hang), SETTLE_SECONDS (30), MAX_BODY_BYTES (the server's --max-body-bytes, default 4194304,
# its own default), THREADS (1), STRICT (0).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/serve-lib.sh"
max_body="${MAX_BODY_BYTES:-4194304}"

"$bin" demo-model "$work/model" --preset tiny >&2
start_server "$work/model" tiny --threads "${THREADS:-1}" --max-body-bytes "$max_body"

strict=()
if [ "${STRICT:-0}" = 1 ]; then strict=(--strict); fi
status=0
python3 "$here/serve_robustness.py" --base-url "$address" --model tiny --pid "$server" --max-body-bytes "$max_body" \
    --count-malformed "${COUNT_MALFORMED:-1000}" --count-dropped "${COUNT_DROPPED:-200}" \
    --concurrency "${CONCURRENCY:-4}" --drop-concurrency "${DROP_CONCURRENCY:-32}" --timeout "${TIMEOUT:-20}" --settle-seconds "${SETTLE_SECONDS:-30}" "${strict[@]}" || status=$?
if ! kill -0 "$server" 2>/dev/null; then
    wait "$server" && code=0 || code=$?
    server=""
    echo "the server exited (status $code); its standard error ends:" >&2
    tail -n 40 "$work/serve.err" >&2
    status=1
elif [ "$status" != 0 ] && [ -s "$work/serve.err" ]; then
    echo "the server's standard error ends:" >&2
    tail -n 20 "$work/serve.err" >&2
fi
exit "$status"

#!/usr/bin/env bash
# Checks `iopo-exp serve` against a real client: installs the `openai` Python package in a
# git-ignored venv (scripts/.venv-compat), writes a tiny random model (`iopo-exp demo-model`),
# serves it on a free loopback port, drives every endpoint with check_openai.py (models,
# completions, chat completions, streaming with usage, stops, errors), then stops the server with
# SIGTERM and requires a clean exit. Exits non-zero on any mismatch.
#
#   scripts/compat/run.sh                    # builds iopo-exp in the repository first
#   IOPO_EXP_BIN=/path/to/iopo-exp scripts/compat/run.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$root/scripts/.venv-compat"

bin="${IOPO_EXP_BIN:-}"
if [ -z "$bin" ]; then
    (cd "$root" && swift build --product iopo-exp >&2)
    bin="$root/.build/debug/iopo-exp"
fi
[ -x "$bin" ] || { echo "compat: no iopo-exp binary at $bin" >&2; exit 1; }

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -c 'import openai' 2>/dev/null || "$venv/bin/python" -m pip install --quiet --disable-pip-version-check openai

work="$(mktemp -d)"
server=""
cleanup() {
    if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then kill -KILL "$server" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

"$bin" demo-model "$work/model" > /dev/null
# The loop below reads serve.out at once; create it first, or a slow background start
# leaves sed no file to read (and `set -e` ends the script).
: > "$work/serve.out"
"$bin" serve "$work/model" --served-model-name compat-tiny --port 0 > "$work/serve.out" 2> "$work/serve.err" &
server=$!

address=""
for _ in $(seq 1 300); do
    address="$(sed -n 's/^listening on //p' "$work/serve.out")"
    [ -n "$address" ] && break
    kill -0 "$server" 2>/dev/null || { cat "$work/serve.err" >&2; echo "compat: the server exited" >&2; exit 1; }
    sleep 0.1
done
[ -n "$address" ] || { echo "compat: the server did not start listening" >&2; exit 1; }
echo "compat: iopo-exp serve listening on $address"

"$venv/bin/python" "$here/check_openai.py" "$address/v1" compat-tiny

kill -TERM "$server"
for _ in $(seq 1 100); do
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
done
if kill -0 "$server" 2>/dev/null; then echo "compat: the server ignored SIGTERM" >&2; exit 1; fi
status=0
wait "$server" || status=$?
server=""
[ "$status" = 0 ] || { cat "$work/serve.err" >&2; echo "compat: the server exited with status $status after SIGTERM" >&2; exit 1; }
echo "compat: server stopped cleanly on SIGTERM"

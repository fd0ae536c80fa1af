# Shared by the serving benchmarks (serve.sh, serve-robustness.sh, eval-scale.sh); sourced, not run.
# After `source serve-lib.sh`:
#   $bin      the iopo-exp binary: IOPO_EXP_BIN, or a release build made now
#   $work     a fresh temporary folder, removed on exit with any server still running
#   start_server MODEL_DIR NAME [serve options...]   starts `iopo-exp serve`, sets $server (its pid)
#                                                     and $address (http://HOST:PORT) once it listens
#   stop_server                                       stops it (SIGTERM) and waits
# Scripts that start other processes add their pids to $extra_pids to have them stopped too.

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${IOPO_EXP_BIN:-}"
if [ -z "$bin" ]; then
    (cd "$root" && swift build -c release --product iopo-exp >&2)
    bin="$root/.build/release/iopo-exp"
fi

work="$(mktemp -d)"
server=""
address=""
extra_pids=()
cleanup() {
    for pid in "${extra_pids[@]}" "$server"; do
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; fi
    done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start_server() {
    local model="$1" name="$2"
    shift 2
    # Created before the server starts, so the loop below always has a file to read.
    : > "$work/serve.out"
    "$bin" serve "$model" --served-model-name "$name" "$@" > "$work/serve.out" 2> "$work/serve.err" &
    server=$!
    address=""
    for _ in $(seq 1 600); do
        address="$(sed -n 's/^listening on //p' "$work/serve.out")"
        [ -n "$address" ] && return 0
        kill -0 "$server" 2>/dev/null || { cat "$work/serve.err" >&2; exit 1; }
        sleep 0.1
    done
    echo "the server did not start" >&2
    exit 1
}

stop_server() {
    kill -TERM "$server"
    wait "$server" 2>/dev/null || true
    server=""
}

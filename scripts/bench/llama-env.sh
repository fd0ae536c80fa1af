#!/usr/bin/env bash
# The benchmark-only venv scripts/bench/.venv-llama (git-ignored) with llama-cpp-python 0.3.36,
# which pip builds from source (llama.cpp, -DGGML_NATIVE=ON) the first time: several minutes on
# two cores. Used by real-model.sh, gguf.sh (when present) and serve.sh.
#
#   scripts/bench/llama-env.sh            llama-cpp-python (and numpy)
#   scripts/bench/llama-env.sh --server   also its OpenAI server's dependencies (`python -m
#                                         llama_cpp.server`), pinned below; the wheel is not rebuilt
#
# Idempotent: each step runs only when its import fails. Messages go to standard error.
set -euo pipefail
cd "$(dirname "$0")"
venv=.venv-llama
if ! "$venv/bin/python" -c "import llama_cpp" 2>/dev/null; then
    echo "llama-env: installing llama-cpp-python==0.3.36 into scripts/bench/$venv (builds llama.cpp)" >&2
    python3 -m venv "$venv"
    CMAKE_ARGS="-DGGML_NATIVE=ON" "$venv/bin/pip" install -q "llama-cpp-python==0.3.36" numpy >&2
fi
if [ "${1:-}" = --server ] && ! "$venv/bin/python" -c "import llama_cpp.server.app" 2>/dev/null; then
    # The `[server]` extra's requirements, pinned; installing them by name (not as
    # llama-cpp-python[server]) leaves the built wheel alone.
    echo "llama-env: installing llama.cpp's server dependencies into scripts/bench/$venv" >&2
    "$venv/bin/pip" install -q uvicorn==0.55.0 fastapi==0.165.0 starlette==1.10.0 sse-starlette==3.7.1 \
        starlette-context==0.3.6 pydantic==2.14.4 pydantic-settings==2.16.3 PyYAML==6.0.4 >&2
fi

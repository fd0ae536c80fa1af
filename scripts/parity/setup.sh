#!/usr/bin/env bash
# Creates the Python environment the parity scripts run in: a git-ignored venv at
# scripts/.venv-parity with CPU PyTorch, the Hugging Face libraries whose behaviour our exports
# must match, and gguf-py (`gguf`, with numpy) whose dequantisation the GGUF reader must match.
# Safe to re-run: packages already installed are not reinstalled (one Python start checks them
# all, so a ready environment costs a few seconds).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/../.venv-parity"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
    echo "creating $venv"
    "$python" -m venv "$venv"
fi

pip() { "$venv/bin/python" -m pip --disable-pip-version-check "$@"; }

# Prints the requirements that are not importable (torch must be the pinned CPU build).
missing() {
    "$venv/bin/python" - <<'PY'
import importlib
need = []
try:
    import torch
    if torch.__version__ != "2.13.0+cpu":
        need.append("torch==2.13.0+cpu")
except Exception:
    need.append("torch==2.13.0+cpu")
for module in ("transformers", "tokenizers", "safetensors", "peft", "gguf", "numpy", "jinja2"):
    try:
        importlib.import_module(module)
    except Exception:
        need.append(module)
print(" ".join(need))
PY
}

need=$(missing)
if [ -n "$need" ]; then
    echo "installing: $need"
    # CPU-only torch comes from the local wheel directory when the machine has one (CI does),
    # else from PyTorch's CPU index; the others from the configured index.
    sources=(--find-links /opt/wheels)
    [ -d /opt/wheels ] || sources=(--extra-index-url https://download.pytorch.org/whl/cpu)
    # shellcheck disable=SC2086
    pip install --quiet "${sources[@]}" $need
    need=$(missing)
    if [ -n "$need" ]; then
        echo "setup: still missing after install: $need" >&2
        exit 1
    fi
fi
echo "parity environment ready ($venv)"

#!/usr/bin/env bash
# Creates the Python environment the parity scripts run in: a git-ignored venv at
# scripts/.venv-parity with CPU PyTorch and the Hugging Face libraries whose behaviour our
# exports must match. Safe to re-run: packages already installed are not reinstalled.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/../.venv-parity"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
    echo "creating $venv"
    "$python" -m venv "$venv"
fi

pip() { "$venv/bin/python" -m pip --disable-pip-version-check "$@"; }

# CPU-only torch comes from the local wheel directory; the others from the configured index.
need=()
"$venv/bin/python" -c 'import torch' 2>/dev/null || need+=("torch==2.13.0+cpu")
for module in transformers tokenizers safetensors peft; do
    "$venv/bin/python" -c "import $module" 2>/dev/null || need+=("$module")
done

if [ ${#need[@]} -gt 0 ]; then
    echo "installing: ${need[*]}"
    pip install --quiet --find-links /opt/wheels "${need[@]}"
else
    echo "parity environment ready ($venv)"
fi
"$venv/bin/python" - <<'PY'
import torch, transformers, tokenizers, safetensors, peft
print("torch", torch.__version__, "| transformers", transformers.__version__,
      "| tokenizers", tokenizers.__version__, "| safetensors", safetensors.__version__,
      "| peft", peft.__version__)
PY

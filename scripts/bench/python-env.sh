#!/usr/bin/env bash
# A git-ignored venv for the benchmarks' Python side (numpy to make test data).
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
.venv/bin/python -c "import numpy" 2>/dev/null || .venv/bin/pip install -q numpy

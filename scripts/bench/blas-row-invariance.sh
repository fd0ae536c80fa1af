#!/usr/bin/env bash
# Whether OpenBLAS's products are batch-invariant: builds probes/blas_row_invariance.c against the
# system OpenBLAS (libopenblas-dev, which scripts/setup.sh installs) and prints, for M = 1 … 64
# rows, how many elements of row 0 computed among M rows by sgemm differ in their bits from row 0
# computed alone (1-row sgemm, and sgemv). Nonzero counts are why serving uses its own
# row-invariant kernel.
#   OPENBLAS_CORETYPE=Haswell OPENBLAS_NUM_THREADS=2 scripts/bench/blas-row-invariance.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cc -O2 -I/usr/include/x86_64-linux-gnu/openblas-pthread -o "$work/probe" "$here/probes/blas_row_invariance.c" -lopenblas -lm
echo "OpenBLAS core: ${OPENBLAS_CORETYPE:-(its own choice)}, threads: ${OPENBLAS_NUM_THREADS:-(its own choice)}"
"$work/probe"

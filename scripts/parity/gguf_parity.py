#!/usr/bin/env python3
"""GGUF parity: the engine's GGUF reader against gguf-py (the `gguf` package llama.cpp publishes).

Usage:
  gguf_parity.py synthetic [--binary PATH] [--work DIR] [--seed N]
      writes GGUF files with gguf-py's GGUFWriter and checks each (below); without --work they go
      to a temporary directory, removed when parity holds
  gguf_parity.py check FILE [--binary PATH] [--work DIR] [--transformers]
      checks one existing GGUF file, every tensor (the final check on the reference model)

What is compared, per file:
  1. Metadata: `iopo-exp model gguf-dump FILE --json --all-values` against gguf.GGUFReader: the
     version, alignment, data offset, every key in file order with its value type, element type
     and value (integers and strings equal, floats bit for bit as float32/float64; nested arrays
     as gguf-py flattens them), and the tensor table (name, type number, ne, offset, bytes).
  2. Tensors: `iopo-exp model gguf-dump FILE --out-dir DIR` writes every tensor as float32; each
     must equal gguf.quants.dequantize(tensor.data, tensor.tensor_type) bit for bit.
  3. With --transformers (llama/qwen2 files): `gguf-dump --hf --out-dir` against the state dict
     transformers builds from the same file (AutoModelForCausalLM.from_pretrained(gguf_file=)):
     the llama.cpp -> Hugging Face name map and the undoing of llama's q/k permutation, bit for
     bit (tied embeddings: lm_head is token_embd).

The synthetic files cover every metadata value type (scalars, strings including the empty one,
arrays of numbers, bools and strings, nested arrays; gguf-py refuses to write empty arrays, which
the Swift tests cover), the default and a custom alignment, and every tensor type the
engine reads: F32, F16 and BF16 from random values; Q8_0, Q4_0, Q4_1, Q5_0 and Q5_1 both
quantised from random values by gguf.quants.quantize and as random raw blocks; Q4_K, Q5_K and
Q6_K, which gguf-py cannot quantise, as random raw blocks (random bytes with finite random half-precision scales), in
shapes whose rows are one or several blocks and with 1, 2 and 3 dimensions.

The binary defaults to .build/debug/iopo-exp (or $IOPO_EXP_BIN). Exit 0 when everything is
identical, 1 on any difference (each is printed), 2 when the binary or a file is missing.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np


def run_dump(binary, path, *arguments):
    command = [binary, "model", "gguf-dump", path, *arguments]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {result.returncode}: {result.stderr.strip()}")
    return result.stdout


# ---------------------------------------------------------------------------------------------
# Writing the synthetic files


def random_halves(rng, count, scale):
    """Finite float16 values as raw little-endian bytes (including some subnormals)."""
    values = (rng.standard_normal(count) * scale).astype(np.float16)
    values[::7] = (rng.standard_normal(len(values[::7])) * 1e-6).astype(np.float16)  # subnormal range
    return values.view(np.uint8).reshape(count, 2)


def random_blocks(rng, qtype, rows, row_elements):
    """Random raw blocks of `qtype` for a [rows, row_elements] tensor, with finite half scales."""
    import gguf
    block_size, type_size = gguf.GGML_QUANT_SIZES[qtype]
    blocks = rows * row_elements // block_size
    data = rng.integers(0, 256, size=(blocks, type_size), dtype=np.uint8)
    T = gguf.GGMLQuantizationType
    # Byte offsets of the ggml_half fields in each block layout.
    half_offsets = {T.Q8_0: [0], T.Q4_0: [0], T.Q4_1: [0, 2], T.Q5_0: [0], T.Q5_1: [0, 2],
                    T.Q4_K: [0, 2], T.Q5_K: [0, 2], T.Q6_K: [208]}[qtype]
    for offset in half_offsets:
        data[:, offset:offset + 2] = random_halves(rng, blocks, 0.05)
    return data.reshape(rows, row_elements // block_size * type_size)


def write_synthetic(work, seed):
    import gguf
    from gguf import GGMLQuantizationType as T, GGUFWriter, quants

    rng = np.random.default_rng(seed)
    files = []

    # 1. Every metadata type and the unquantised tensor types, default alignment.
    path = os.path.join(work, "types.gguf")
    writer = GGUFWriter(path, arch="llama")
    writer.add_uint8("test.uint8", 250)
    writer.add_int8("test.int8", -7)
    writer.add_uint16("test.uint16", 65000)
    writer.add_int16("test.int16", -30000)
    writer.add_uint32("test.uint32", 4000000000)
    writer.add_int32("test.int32", -2000000000)
    writer.add_uint64("test.uint64", 18000000000000000000)
    writer.add_int64("test.int64", -9000000000000000000)
    writer.add_float32("test.float32", 0.1)
    writer.add_float64("test.float64", 1e-300)
    writer.add_bool("test.bool", True)
    writer.add_bool("test.bool.false", False)
    writer.add_string("test.string", "héllo ✓ 🌊\n\"quoted\"")
    writer.add_key_value("test.string.empty", "", gguf.GGUFValueType.STRING)  # add_string skips ""
    writer.add_array("test.array.int32", [1, -2, 3])
    writer.add_array("test.array.float32", [0.5, -1.25, 3.0e-8])
    writer.add_array("test.array.bool", [True, False, True])
    writer.add_array("test.array.strings", ["<|im_start|>", "Ġthe", "", "✓"] * 5)
    writer.add_array("test.array.nested", [[1, 2], [3]])
    writer.add_key_value("test.array.uint8", [1, 2, 255], gguf.GGUFValueType.ARRAY, sub_type=gguf.GGUFValueType.UINT8)
    writer.add_block_count(2)
    writer.add_tokenizer_model("gpt2")
    writer.add_chat_template("{% for m in messages %}{{ m['content'] }}{% endfor %}")
    x = rng.standard_normal((3, 64)).astype(np.float32) * 3
    writer.add_tensor("f32.matrix", x)
    writer.add_tensor("f32.vector", rng.standard_normal(7).astype(np.float32))
    writer.add_tensor("f32.cube", rng.standard_normal((2, 3, 4)).astype(np.float32))
    writer.add_tensor("f16.matrix", quants.quantize(x, T.F16), raw_dtype=T.F16)
    halves = random_halves(rng, 96, 100.0).reshape(2, 96)
    writer.add_tensor("f16.raw", halves, raw_dtype=T.F16)
    writer.add_tensor("bf16.matrix", quants.quantize(x, T.BF16), raw_dtype=T.BF16)
    bf16 = (rng.standard_normal(40).astype(np.float32).view(np.uint32) >> 16).astype(np.uint16)
    writer.add_tensor("bf16.raw", bf16.view(np.uint8).reshape(2, 40), raw_dtype=T.BF16)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    files.append(path)

    # 2. Every quantised type, quantised and raw, with a custom alignment.
    path = os.path.join(work, "quants.gguf")
    writer = GGUFWriter(path, arch="qwen2")
    writer.add_custom_alignment(64)
    for qtype in (T.Q8_0, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1):
        name = qtype.name.lower()
        values = (rng.standard_normal((5, 96)) * rng.uniform(0.01, 4)).astype(np.float32)
        writer.add_tensor(f"{name}.quantized", quants.quantize(values, qtype), raw_dtype=qtype)
        writer.add_tensor(f"{name}.raw", random_blocks(rng, qtype, 4, 128), raw_dtype=qtype)
        writer.add_tensor(f"{name}.vector", quants.quantize(values[0], qtype), raw_dtype=qtype)
    for qtype in (T.Q4_K, T.Q5_K, T.Q6_K):
        name = qtype.name.lower()
        writer.add_tensor(f"{name}.one_block_rows", random_blocks(rng, qtype, 3, 256), raw_dtype=qtype)
        writer.add_tensor(f"{name}.matrix", random_blocks(rng, qtype, 4, 768), raw_dtype=qtype)
        writer.add_tensor(f"{name}.vector", random_blocks(rng, qtype, 1, 512)[0], raw_dtype=qtype)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    files.append(path)
    return files


# ---------------------------------------------------------------------------------------------
# Comparing


def flatten(value):
    if isinstance(value, list):
        return [leaf for item in value for leaf in flatten(item)]
    return [value]


def our_leaves(entry):
    """Our JSON value of a metadata entry, flattened as gguf-py's ReaderField.contents() is."""
    if entry["type"] != "array":
        return entry["value"]
    leaves = []
    for item in entry["value"]:
        if isinstance(item, dict):  # a nested array
            leaves.extend(our_leaves(item))
        else:
            leaves.append(item)
    return leaves


def same_scalar(ours, theirs, type_name):
    if type_name == "float32":
        return np.float32(ours).tobytes() == np.float32(theirs).tobytes()
    if type_name == "float64":
        return np.float64(ours).tobytes() == np.float64(theirs).tobytes()
    if type_name == "bool":
        return bool(ours) == bool(theirs) and isinstance(ours, bool)
    return ours == theirs


def check_metadata(binary, path, reader, failures):
    from gguf import GGUFValueType

    dump = json.loads(run_dump(binary, path, "--json", "--all-values"))
    fields = [(key, field) for key, field in reader.fields.items() if not key.startswith("GGUF.")]
    expect = [
        ("version", dump["version"], int(reader.fields["GGUF.version"].parts[0][0])),
        ("alignment", dump["alignment"], int(reader.alignment)),
        ("data offset", dump["data_offset"], int(reader.data_offset)),
        ("metadata count", dump["metadata_count"], len(fields)),
        ("tensor count", dump["tensor_count"], len(reader.tensors)),
        ("metadata keys in order", [entry["key"] for entry in dump["metadata"]], [key for key, _ in fields]),
    ]
    for what, ours, theirs in expect:
        if ours != theirs:
            failures.append(f"{path}: {what}: ours {ours!r}, gguf-py {theirs!r}")

    compared = 0
    for entry, (key, field) in zip(dump["metadata"], fields):
        main_type = field.types[0].name.lower()
        if entry["type"] != main_type:
            failures.append(f"{path}: {key}: type ours {entry['type']}, gguf-py {main_type}")
            continue
        if field.types[0] == GGUFValueType.ARRAY:
            element_type = field.types[1].name.lower() if len(field.types) > 1 else None
            if element_type is not None and entry["element_type"] != element_type:
                failures.append(f"{path}: {key}: element type ours {entry['element_type']}, gguf-py {element_type}")
                continue
            leaf_type = field.types[-1].name.lower()
            ours, theirs = our_leaves(entry), field.contents()
            if len(ours) != len(theirs) or not all(same_scalar(a, b, leaf_type) for a, b in zip(ours, theirs)):
                failures.append(f"{path}: {key}: array values differ (ours {len(ours)}, gguf-py {len(theirs)} elements)")
                continue
        elif not same_scalar(entry["value"], field.contents(), main_type):
            failures.append(f"{path}: {key}: ours {entry['value']!r}, gguf-py {field.contents()!r}")
            continue
        compared += 1

    for ours, tensor in zip(dump["tensors"], reader.tensors):
        theirs = {
            "name": tensor.name,
            "type_number": int(tensor.tensor_type),
            "dimensions": [int(d) for d in tensor.shape],
            "offset": int(tensor.data_offset) - int(reader.data_offset),
            "bytes": int(tensor.n_bytes),
        }
        mine = {key: ours[key] for key in theirs}
        if mine != theirs:
            failures.append(f"{path}: tensor table entry differs: ours {mine}, gguf-py {theirs}")
    return compared


def check_tensors(binary, path, reader, out_dir, failures):
    from gguf import dequantize

    run_dump(binary, path, "--out-dir", out_dir)
    counts = {}
    for tensor in reader.tensors:
        theirs = np.ascontiguousarray(dequantize(tensor.data, tensor.tensor_type), dtype=np.float32).reshape(-1)
        ours = np.fromfile(os.path.join(out_dir, tensor.name + ".f32"), dtype="<f4")
        if ours.shape != theirs.shape:
            failures.append(f"{path}: {tensor.name}: {ours.size} values, gguf-py {theirs.size}")
        elif ours.tobytes() != theirs.astype("<f4").tobytes():
            differing = np.flatnonzero(ours.view(np.uint32) != theirs.astype("<f4").view(np.uint32))
            first = differing[0]
            failures.append(f"{path}: {tensor.name} ({tensor.tensor_type.name}): {differing.size} of {ours.size} values "
                            f"differ; first at {first}: ours {ours[first]!r}, gguf-py {theirs[first]!r}")
        name = tensor.tensor_type.name
        counts[name] = counts.get(name, 0) + 1
    return counts


def check_transformers(binary, path, out_dir, failures):
    """Our Hugging Face names and layout against the state dict transformers loads from the file."""
    import torch
    from transformers import AutoModelForCausalLM

    run_dump(binary, path, "--hf", "--out-dir", out_dir)
    model = AutoModelForCausalLM.from_pretrained(os.path.dirname(path), gguf_file=os.path.basename(path),
                                                 torch_dtype=torch.float32)
    state = model.state_dict()
    ours = {name[:-len(".f32")] for name in os.listdir(out_dir)}
    theirs = {name for name in state if not name.endswith("rotary_emb.inv_freq")}
    tied = getattr(model.config, "tie_word_embeddings", False) and "lm_head.weight" not in ours
    if tied:
        theirs.discard("lm_head.weight")
    if ours != theirs:
        failures.append(f"{path}: tensor names differ: only ours {sorted(ours - theirs)[:5]}, "
                        f"only transformers {sorted(theirs - ours)[:5]}")
    for name in sorted(ours & theirs):
        mine = np.fromfile(os.path.join(out_dir, name + ".f32"), dtype="<f4")
        reference = state[name].detach().to(torch.float32).contiguous().numpy().reshape(-1)
        if mine.tobytes() != reference.astype("<f4").tobytes():
            failures.append(f"{path}: {name}: differs from transformers' tensor")
    return len(ours & theirs), tied


def check_file(binary, path, work, failures, transformers=False):
    from gguf import GGUFReader

    reader = GGUFReader(path)
    before = len(failures)
    keys = check_metadata(binary, path, reader, failures)
    out_dir = os.path.join(work, os.path.basename(path) + ".tensors")
    shutil.rmtree(out_dir, ignore_errors=True)
    counts = check_tensors(binary, path, reader, out_dir, failures)
    shutil.rmtree(out_dir, ignore_errors=True)
    by_type = ", ".join(f"{count} {name}" for name, count in sorted(counts.items()))
    status = "identical" if len(failures) == before else "DIFFERENT"
    print(f"{path}: {keys} metadata values and {sum(counts.values())} tensors ({by_type}) {status} to gguf-py")
    if transformers:
        hf_dir = os.path.join(work, os.path.basename(path) + ".hf")
        shutil.rmtree(hf_dir, ignore_errors=True)
        before = len(failures)
        compared, tied = check_transformers(binary, path, hf_dir, failures)
        shutil.rmtree(hf_dir, ignore_errors=True)
        status = "identical" if len(failures) == before else "DIFFERENT"
        print(f"{path}: {compared} tensors in Hugging Face names and layout{' (tied embeddings)' if tied else ''} "
              f"{status} to transformers' GGUF loader")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["synthetic", "check"])
    parser.add_argument("file", nargs="?")
    parser.add_argument("--binary", default=os.environ.get("IOPO_EXP_BIN"))
    parser.add_argument("--work")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--transformers", action="store_true")
    arguments = parser.parse_args()

    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    binary = arguments.binary or os.path.join(root, ".build", "debug", "iopo-exp")
    if not os.access(binary, os.X_OK):
        print(f"gguf parity: {binary} is not built (or set IOPO_EXP_BIN)", file=sys.stderr)
        return 2
    if arguments.mode == "check" and not (arguments.file and os.path.isfile(arguments.file)):
        print(f"gguf parity: check needs an existing GGUF file, got {arguments.file!r}", file=sys.stderr)
        return 2

    work = arguments.work or tempfile.mkdtemp(prefix="gguf-parity-")
    os.makedirs(work, exist_ok=True)
    failures = []
    try:
        files = write_synthetic(work, arguments.seed) if arguments.mode == "synthetic" else [arguments.file]
        for path in files:
            check_file(binary, path, work, failures, transformers=arguments.transformers)
    except RuntimeError as error:
        failures.append(str(error))
    for failure in failures:
        print("MISMATCH " + failure)
    print(f"gguf parity: {'FAILED, ' + str(len(failures)) + ' mismatch(es)' if failures else 'all identical'}")
    if not failures and not arguments.work:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

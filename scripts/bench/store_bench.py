"""Store benchmark: our `store add` / `store get` against sha256sum and zstd on the same files.

Prints one table with throughputs and the ratios that matter (this machine is shared and noisy:
absolute numbers drift, ratios hold).
"""
import json, os, shutil, subprocess, sys, tempfile, time

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.join(ROOT, ".build", "release", "iopo-exp")


def timed(cmd, **kw):
    start = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)
    return time.perf_counter() - start, out.stdout


def best_of(n, fn):
    return min(fn() for _ in range(n))


def make_files(work, size):
    weights = os.path.join(work, "weights.f32")
    rng = np.random.default_rng(1)
    with open(weights, "wb") as f:
        remaining = size
        while remaining > 0:
            n = min(remaining, 64 << 20) // 4
            f.write(rng.standard_normal(n, dtype=np.float32).tobytes())
            remaining -= n * 4
    text = os.path.join(work, "data.jsonl")
    words = ("the model must answer in exactly three sentences using a formal tone and include the word "
             "budget while avoiding any mention of price and numbering each item with roman numerals").split()
    with open(text, "w") as f:
        written, i = 0, 0
        while written < size:
            r = rng.integers(0, len(words), 40)
            line = json.dumps({"id": i, "instruction": " ".join(words[j] for j in r[:25]),
                               "constraints": [" ".join(words[j] for j in r[25:33]), " ".join(words[j] for j in r[33:])],
                               "score": float(rng.random())}) + "\n"
            f.write(line)
            written += len(line)
            i += 1
        f.truncate(size)
    return weights, text


def bench_file(work, path, size):
    gib = size / (1 << 30)
    rows = {}
    rows["sha256sum"] = best_of(2, lambda: timed(["sha256sum", path])[0])
    copy = os.path.join(work, "copy.bin")
    rows["dd copy, conv=fsync (disk yardstick)"] = timed(["dd", f"if={path}", f"of={copy}", "bs=4M", "conv=fsync", "status=none"])[0]
    os.remove(copy)
    rows["zstd -3 -T0"] = timed(["bash", "-c", f"zstd -3 -T0 -q -c '{path}' > /dev/null"])[0]
    store = os.path.join(work, "store")
    shutil.rmtree(store, ignore_errors=True)
    subprocess.run([BIN, "init", "--store", store], check=True, capture_output=True)
    subprocess.run(["sync"])
    t_add, out = timed([BIN, "store", "add", "--json", "--store", store, path])
    first = json.loads(out)[0]
    rows["iopo-exp store add"] = t_add
    t_readd, out = timed([BIN, "store", "add", "--json", "--store", store, path])
    rows["iopo-exp store add (again)"] = t_readd
    # Change 1 MiB in the middle and add again.
    with open(path, "r+b") as f:
        f.seek(size // 2)
        f.write(np.random.default_rng(2).bytes(1 << 20))
    t_changed, out = timed([BIN, "store", "add", "--json", "--store", store, path])
    changed = json.loads(out)[0]
    rows["iopo-exp store add (1 MiB changed)"] = t_changed
    dest = os.path.join(work, "restored")
    shutil.rmtree(dest, ignore_errors=True)
    t_get, _ = timed([BIN, "store", "get", "--store", store, changed["id"], dest])
    rows["iopo-exp store get"] = t_get
    same = subprocess.run(["cmp", "-s", path, dest]).returncode == 0
    os.remove(dest)
    du = json.loads(subprocess.run([BIN, "store", "du", "--json", "--store", store], check=True, capture_output=True, text=True).stdout)
    shutil.rmtree(store)
    return rows, first, changed, same, du


def main():
    size = int(sys.argv[1]) << 20
    if not os.access(BIN, os.X_OK):
        sys.exit(f"build first: {BIN} is missing")
    work = tempfile.mkdtemp(prefix="iopo-store-bench-", dir=os.environ.get("BENCH_DIR"))
    try:
        weights, text = make_files(work, size)
        for label, path in (("float32 random-normal weights", weights), ("JSONL text", text)):
            rows, first, changed, same, du = bench_file(work, path, size)
            print(f"\n## {label}, {size >> 20} MiB")
            print(f"| operation | seconds | GB/s |")
            print(f"|---|---:|---:|")
            for name, secs in rows.items():
                print(f"| {name} | {secs:.3f} | {size / secs / 1e9:.2f} |")
            add = rows["iopo-exp store add"]
            print(f"\nadd vs sha256sum: {rows['sha256sum'] / add:.2f}x faster; add vs zstd -3 -T0: {rows['zstd -3 -T0'] / add:.2f}x; "
                  f"add vs a durable dd copy: {rows['dd copy, conv=fsync (disk yardstick)'] / add:.2f}x")
            print(f"hash-and-chunk path alone (re-add, nothing new to write): {size / rows['iopo-exp store add (again)'] / 1e9:.2f} GB/s")
            print(f"first add stored {first['newStoredBytes'] / 2**20:.1f} MiB for {size >> 20} MiB "
                  f"(compression {du['compression_ratio']:.2f}x overall after both adds)")
            print(f"re-add after a 1 MiB change stored {changed['newRawBytes'] / 2**20:.2f} MiB of new raw bytes "
                  f"in {changed['newObjects']} new objects; dedup ratio {du['deduplication_ratio']:.2f}x")
            print(f"get restored identical bytes: {same}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Pipeline benchmark: no-op reruns of `iopo-exp run` beside `dvc repro` on equivalent pipelines.

Two pipelines, each run once for real (or found already run), then rerun REPS times by each tool
with nothing changed; the median no-op rerun is compared (this machine is shared and noisy:
absolute times drift, ratios hold).

1. synthetic: 20 `command` steps (a chain where each step also reads the one two back, so the DAG
   has fan-in), each writing ~1 MB; the same 20 commands as 20 DVC stages with the same deps and
   outs. Both tools really execute the pipeline once, then rerun it.
2. main: the recorded run of experiments/iopo_scratch.toml (17 steps; 15 minutes of training and
   evaluation). DVC gets the equivalent dvc.yaml: one stage per step (serve folded into its eval,
   as a DVC user would write it: 12 stages), the experiment file as a dependency of every stage,
   and as deps and outs the very artifacts our run produced, materialised from the store with
   `store get`. `dvc commit` records them (executing the stages under DVC would repeat 15 minutes
   of training to produce the same bytes), so `dvc repro` then has the same no-op to do.

Each no-op is verified: every iopo-exp step is `cached` (or `skipped`) and DVC prints no
"Running stage". Our reruns also record a run in the lineage database each time (DVC records
nothing), which is included in our time.

Usage: pipeline_bench.py BIN STORE_OR_EMPTY REPS
"""
import hashlib, json, os, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DVC = os.path.join(ROOT, "scripts", "bench", ".venv-dvc", "bin", "dvc")
STEPS = 20


def timed(cmd, cwd, env=None):
    """Seconds, stdout and stderr of one command (which must succeed)."""
    start = time.perf_counter()
    out = subprocess.run(cmd, cwd=cwd, env=env, check=True, capture_output=True, text=True)
    return time.perf_counter() - start, out.stdout, out.stderr


def dvc_env():
    env = dict(os.environ)
    env["DVC_NO_ANALYTICS"] = "1"          # no network attempt inside the timed section
    env["DVC_SITE_CACHE_DIR"] = ""          # keep DVC's site cache inside the temp tree
    return env


def ours_noop(bin_, toml, store, cwd, reps):
    times = []
    for _ in range(reps):
        t, out, _ = timed([bin_, "run", toml, "--store", store, "--json"], cwd)
        st = [step["status"] for run in json.loads(out) for step in run["steps"]]
        bad = [s for s in st if s not in ("cached", "skipped")]
        if not st or bad:
            sys.exit(f"iopo-exp rerun was not a no-op: statuses {st}")
        times.append(t)
    return times, len(st)


def dvc_noop(work, reps):
    times = []
    for _ in range(reps):
        t, out, err = timed([DVC, "repro"], work, env=dvc_env())
        if "Running stage" in out + err:
            sys.exit(f"dvc repro was not a no-op:\n{out}")
        times.append(t)
    return times


def synthetic(bin_, work, reps):
    """The same 20-step pipeline for both tools; returns (ours times, dvc times, steps)."""
    ours, dvc = os.path.join(work, "ours"), os.path.join(work, "dvc")
    os.makedirs(ours)
    os.makedirs(dvc)
    # step 1 writes ~1 MB of numbers; step i hashes-and-mixes steps i-1 and i-2 into ~1 MB.
    first = "seq 1 150000"
    mix = "cat {a} {b} | sort -r | head -c 1000000"
    lines = ["[experiment]", 'name = "synthetic20"', "seeds = [1]", "", "[engine]",
             'blas = "haswell"', "threads = 1", ""]
    stages = {}
    for i in range(1, STEPS + 1):
        name = f"s{i:02d}"
        lines += [f"[steps.{name}]", 'kind = "command"', 'outputs = ["out"]']
        if i == 1:
            lines.append(f'argv = ["sh", "-c", "{first} > {{outputs.out}}"]')
            stages[name] = {"cmd": f"{first} > out/{name}", "outs": [f"out/{name}"]}
        else:
            prev = f"s{i - 1:02d}"
            back = f"s{max(1, i - 2):02d}"
            lines.append(f'inputs = {{ a = "{prev}.out", b = "{back}.out" }}')
            cmd = mix.format(a="{inputs.a}", b="{inputs.b}")
            lines.append(f'argv = ["sh", "-c", "{cmd} > {{outputs.out}}"]')
            deps = sorted({f"out/{prev}", f"out/{back}"})
            stages[name] = {"cmd": mix.format(a=f"out/{prev}", b=f"out/{back}") + f" > out/{name}",
                            "deps": deps, "outs": [f"out/{name}"]}
        lines.append("")
    with open(os.path.join(ours, "synthetic20.toml"), "w") as f:
        f.write("\n".join(lines))
    subprocess.run([bin_, "init", "--store", os.path.join(ours, "store")], check=True, capture_output=True)
    timed([bin_, "run", "synthetic20.toml", "--store", "store"], ours)

    os.makedirs(os.path.join(dvc, "out"))
    with open(os.path.join(dvc, "dvc.yaml"), "w") as f:
        json.dump({"stages": stages}, f, indent=1)   # JSON is YAML
    subprocess.run([DVC, "init", "--no-scm", "-q"], cwd=dvc, env=dvc_env(), check=True)
    subprocess.run([DVC, "config", "core.autostage", "false"], cwd=dvc, env=dvc_env(), check=True)
    timed([DVC, "repro"], dvc, env=dvc_env())
    # Both produced the same bytes (our ids are the SHA-256 of the raw bytes): same pipeline.
    shown = json.loads(subprocess.run([bin_, "show", "last", "--store", "store", "--json"], cwd=ours,
                                      check=True, capture_output=True, text=True).stdout)
    ids = {s["step"]["name"]: o["artifact"]["id"] for s in shown["steps"] for o in s["outputs"] if o["name"] == "out"}
    for name in stages:
        with open(os.path.join(dvc, "out", name), "rb") as f:
            digest = "sha256:" + hashlib.sha256(f.read()).hexdigest()
        if ids.get(name) != digest:
            sys.exit(f"step {name}: dvc wrote {digest}, iopo-exp stored {ids.get(name)}")
    ours_t, n = ours_noop(bin_, "synthetic20.toml", os.path.join(ours, "store"), ours, reps)
    return ours_t, dvc_noop(dvc, reps), n


def main_experiment(bin_, store, work, reps):
    """The recorded run of experiments/iopo_scratch.toml against its DVC equivalent."""
    toml = os.path.join("experiments", "iopo_scratch.toml")
    runs = json.loads(subprocess.run([bin_, "runs", "--store", store, "--json"], cwd=ROOT, check=True,
                                     capture_output=True, text=True).stdout)
    mine = [r for r in runs if r.get("experiment") == "iopo_scratch" and r.get("status") == "succeeded"]
    if not mine:
        sys.exit(f"no succeeded run of {toml} in {store}")
    run_id = mine[0]["id"]
    shown = json.loads(subprocess.run([bin_, "show", run_id, "--store", store, "--json"], cwd=ROOT,
                                      check=True, capture_output=True, text=True).stdout)

    dvc = os.path.join(work, "dvc-main")
    os.makedirs(dvc)
    shutil.copy(os.path.join(ROOT, toml), os.path.join(dvc, "iopo_scratch.toml"))
    produced = {}     # artifact id -> workspace path of the stage output that holds it
    stages = {}
    materialised = 0
    steps = [s for s in shown["steps"] if s["step"]["kind"] != "serve"]
    for s in steps:
        name = s["step"]["name"]
        outs = []
        for o in sorted(s["outputs"], key=lambda o: o["name"]):
            path = f"{name}/{o['name']}"
            os.makedirs(os.path.dirname(os.path.join(dvc, path)), exist_ok=True)
            subprocess.run([bin_, "store", "get", o["artifact"]["id"], os.path.join(dvc, path), "--store", store],
                           cwd=ROOT, check=True, capture_output=True)
            materialised += o["artifact"]["size"]
            produced.setdefault(o["artifact"]["id"], path)
            outs.append(path)
        deps = ["iopo_scratch.toml"]
        for i in s["inputs"]:
            aid = i["artifact"]["id"]
            if aid not in produced:     # a file from the working tree (the paper's numbers)
                path = f"inputs/{i['artifact']['name']}"
                os.makedirs(os.path.join(dvc, "inputs"), exist_ok=True)
                subprocess.run([bin_, "store", "get", aid, os.path.join(dvc, path), "--store", store],
                               cwd=ROOT, check=True, capture_output=True)
                produced[aid] = path
            deps.append(produced[aid])
        stages[name] = {"cmd": f"iopo-exp run iopo_scratch.toml --only {name}",
                        "deps": sorted(set(deps)), "outs": outs}
    with open(os.path.join(dvc, "dvc.yaml"), "w") as f:
        json.dump({"stages": stages}, f, indent=1)
    subprocess.run([DVC, "init", "--no-scm", "-q"], cwd=dvc, env=dvc_env(), check=True)
    subprocess.run([DVC, "commit", "-f", "-q"], cwd=dvc, env=dvc_env(), check=True)
    dvc_t = dvc_noop(dvc, reps + 1)[1:]        # the first status after commit warms DVC's state db
    ours_noop(bin_, toml, store, ROOT, 1)       # and our warm-up
    ours_t, n = ours_noop(bin_, toml, store, ROOT, reps)
    return ours_t, dvc_t, n, len(stages), materialised


def report(label, ours, dvc, steps, dvc_stages):
    o, d = statistics.median(ours), statistics.median(dvc)
    print(f"| {label} | {steps} steps / {dvc_stages} stages | {o:.3f} s | {d:.3f} s | {o / d:.3f} |")
    print(f"|   min / max | | {min(ours):.3f} / {max(ours):.3f} | {min(dvc):.3f} / {max(dvc):.3f} | |")


def main():
    bin_, store, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
    version = subprocess.run([DVC, "--version"], check=True, capture_output=True, text=True, env=dvc_env()).stdout.strip()
    print(f"iopo-exp: {bin_}\ndvc {version}; {reps} no-op reruns each, median; load {os.getloadavg()[0]:.2f}\n")
    work = tempfile.mkdtemp(prefix="iopo-pipeline-bench-")
    try:
        print("| pipeline | size | iopo-exp run (no-op) | dvc repro (no-op) | ours / dvc |")
        print("|---|---|---:|---:|---:|")
        ours, dvc, n = synthetic(bin_, work, reps)
        report("synthetic", ours, dvc, n, STEPS)
        if store:
            ours, dvc, n, stages, size = main_experiment(bin_, store, work, reps)
            report("experiments/iopo_scratch.toml", ours, dvc, n, stages)
            print(f"\n(main: {size / 1e6:.0f} MB of outputs under DVC's tracking, materialised from the store)")
        else:
            print("\n(main experiment skipped: no store holding a run of experiments/iopo_scratch.toml; see usage)")
    finally:
        if os.environ.get("KEEP") != "1":
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept {work}")


if __name__ == "__main__":
    main()

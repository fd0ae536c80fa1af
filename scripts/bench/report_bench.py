"""Report benchmark: `iopo-exp report` beside `dvc plots show` on the same curves and bars.

One group of runs (by default a sweep of three IOPO betas over the tiny experiment, run here into a temporary store)
is rendered by `iopo-exp report GROUP --out report.html`. DVC gets the same data as a DVC user
with dvclive would have it: one JSON file of per-step metrics per (run, training step), one of
per-category rates per (dataset, grouping, method), and a top-level `plots:` section in dvc.yaml
with one plot per chart our report draws (same metrics, same series). `dvc plots show -o DIR`
then renders them to an HTML page of Vega-Lite specs. Both are timed, REPS times each, medians
compared (the machine is shared and noisy: absolute times drift, ratios hold).

What the two pages are is not the same, and the script prints it: ours also holds the paper's
tables, the diff, the lineage graph and the environment, and inlines its charting library (opens
offline); DVC's page holds only the plots and loads Vega from a CDN at view time.

Usage: report_bench.py BIN STORE GROUP REPS
       report_bench.py --sweep-summary SWEEP_JSON START END   (prints the sweep's steps; the group id last)
"""
import json, os, re, statistics, subprocess, sys, tempfile, time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DVC = os.path.join(ROOT, "scripts", "bench", ".venv-dvc", "bin", "dvc")


def timed(cmd, cwd, env=None):
    start = time.perf_counter()
    out = subprocess.run(cmd, cwd=cwd, env=env, check=True, capture_output=True, text=True)
    return time.perf_counter() - start, out.stdout


def dvc_env():
    env = dict(os.environ)
    env["DVC_NO_ANALYTICS"] = "1"
    env["DVC_SITE_CACHE_DIR"] = ""
    return env


def slug(text):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)


def dvc_project(data, work):
    """Writes the report's curves and breakdowns as DVC plot files and dvc.yaml; returns the
    number of plots defined."""
    plots = []
    for chart in data["curves"]:
        metric = chart["metric"]
        files = {}
        for series in chart["series"]:
            path = f"curves/{slug(series['run'])}_{slug(series['step'])}_{slug(metric)}.json"
            rows = [{"step": int(x), metric: y} for x, y in series["points"]]
            os.makedirs(os.path.join(work, "curves"), exist_ok=True)
            with open(os.path.join(work, path), "w", encoding="utf-8") as handle:
                json.dump(rows, handle)
            files[path] = metric
        plots.append({f"curve {metric}": {"x": "step", "y": files, "template": "linear"}})
    for chart in data["breakdowns"]:
        files = {}
        for bars in chart["methods"]:
            path = f"breakdowns/{slug(chart['dataset'])}_{slug(chart['grouping'])}_{slug(bars['method'])}.json"
            rows = [{"category": c, "rate": r if r is not None else 0.0} for c, r in zip(chart["categories"], bars["rates"])]
            os.makedirs(os.path.join(work, "breakdowns"), exist_ok=True)
            with open(os.path.join(work, path), "w", encoding="utf-8") as handle:
                json.dump(rows, handle)
            files[path] = "rate"
        plots.append({f"{chart['dataset']} {chart['grouping']}": {"x": "category", "y": files, "template": "bar_horizontal"}})
    # dvc.yaml is YAML; JSON is YAML.
    with open(os.path.join(work, "dvc.yaml"), "w", encoding="utf-8") as handle:
        json.dump({"plots": plots}, handle, indent=1)
    return len(plots)


def sweep_summary(path, start, end):
    """What `run --sweep --json` did: per step, its status in each variant; fails unless every
    step the sweep does not reach ran once and was a cache hit after."""
    runs = json.load(open(path, encoding="utf-8"))
    names = [step["name"] for step in runs[0]["steps"]]
    statuses = {name: [next(s["status"] for s in run["steps"] if s["name"] == name) for run in runs] for name in names}
    print(f"sweep: {len(runs)} variants in {float(end) - float(start):.1f} s (group {runs[0].get('group_id') or runs[0].get('groupID')})", file=sys.stderr)
    for name in names:
        print(f"  {name:24} {' '.join(statuses[name])}", file=sys.stderr)
    for name in ("data", "sft", "dpo"):
        if statuses[name][1:] != ["cached"] * (len(runs) - 1):
            sys.exit(f"step {name} was not shared by the variants: {statuses[name]}")
    print(runs[0].get("group_id") or runs[0].get("groupID"))


def main():
    if sys.argv[1] == "--sweep-summary":
        sweep_summary(*sys.argv[2:5])
        return
    bin_, store, group, reps = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    work = tempfile.mkdtemp(prefix="report-bench-")
    ours_html = os.path.join(work, "report.html")

    _, text = timed([bin_, "report", group, "--store", store, "--json"], work)
    data = json.loads(text)
    charts = len(data["curves"]) + len(data["breakdowns"])
    series = sum(len(c["series"]) for c in data["curves"])
    points = sum(len(s["points"]) for c in data["curves"] for s in c["series"])

    ours = []
    for _ in range(reps + 1):
        t, _ = timed([bin_, "report", group, "--store", store, "--out", ours_html], work)
        ours.append(t)
    ours = ours[1:]
    ours_json = []
    for _ in range(reps):
        t, _ = timed([bin_, "report", group, "--store", store, "--json"], work)
        ours_json.append(t)
    html = open(ours_html, encoding="utf-8").read()
    canvases = html.count("<canvas ")

    project = os.path.join(work, "dvc")
    os.makedirs(project)
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    subprocess.run([DVC, "init", "-q"], cwd=project, check=True, env=dvc_env())
    defined = dvc_project(data, project)
    dvc = []
    for _ in range(reps + 1):
        t, _ = timed([DVC, "plots", "show", "-o", "out"], project, env=dvc_env())
        dvc.append(t)
    dvc = dvc[1:]
    dvc_html = open(os.path.join(project, "out", "index.html"), encoding="utf-8").read()
    dvc_specs = dvc_html.count("vegaEmbed(")
    cdn = sorted(set(re.findall(r'src="(https?://[^"]+)"', dvc_html)))

    ours_m, json_m, dvc_m = statistics.median(ours), statistics.median(ours_json), statistics.median(dvc)
    print(f"data: {len(data['runs'])} runs, {charts} charts ({len(data['curves'])} curve charts with {series} series, "
          f"{points} points; {len(data['breakdowns'])} breakdown charts)")
    print(f"iopo-exp report --out: median {ours_m:.3f} s over {reps} ({', '.join(f'{t:.3f}' for t in ours)}); "
          f"{len(html.encode()) / 1024:.0f} KiB, {canvases} charts, self-contained")
    print(f"iopo-exp report --json: median {json_m:.3f} s; {len(text.encode()) / 1024:.0f} KiB")
    print(f"dvc plots show -o: median {dvc_m:.3f} s over {reps} ({', '.join(f'{t:.3f}' for t in dvc)}); "
          f"{len(dvc_html.encode()) / 1024:.0f} KiB, {dvc_specs} plots of {defined} defined; loads {', '.join(cdn) or 'nothing'}")
    print(f"ratio ours/DVC (HTML): {ours_m / dvc_m:.2f}")
    if canvases != charts or dvc_specs != defined:
        sys.exit(f"chart counts disagree: ours {canvases} of {charts}, DVC {dvc_specs} of {defined}")


if __name__ == "__main__":
    main()

"""Speed and memory of the deep methods: `gnt` on BEELINE mESC TFs+500 STRING and `lstm` on DREAM4.

Cases (seed 0, default parameters, split ``edge_random``, through `grncore.bench.run.run`):

- ``gnt`` (30 epochs, the thesis default) on BEELINE mESC TFs+500 STRING (1,120 genes x 421 cells,
  7,762 edges), and as ``gnt-dense`` on mESC TFs+500 Specific (29,613 edges: the densest TFs+500
  ground truth, the worst case for the time target -- training is linear in the training edges);
- ``lstm`` on DREAM4 size100 net1 (100 genes, 10 time series x 21 points). ``lstm`` accepts only
  time-series data (``kind == "time_series"``): it reads each pair's regulator/target time courses
  per experiment, so it cannot run on the BEELINE single-cell sets; the script records the
  refusal (`InputError`) as proof.

Every measurement runs in a FRESH subprocess (``--child``), so peak memory is that run's own:
the RSS high-water mark (``/proc/self/status`` VmHWM, and ``resource.getrusage`` ru_maxrss) of the
process, with the RSS after imports and data loading given separately; on CUDA also
``torch.cuda.max_memory_allocated``. Seconds per epoch come from the run's ``history`` (the
per-epoch ``seconds`` progress field); "total" is the run's wall time (training + SVM/scoring),
"process" adds Python/torch start-up and data loading.

Usage (repo root):

    .venv/bin/python bench/deep_speed.py [--cases gnt lstm gnt-dense] [--threads 1 2]
        [--device cpu|cuda|both] [--out bench/results/deep_speed.md]

``--device cuda`` (or ``both``) also runs every case on the GPU when torch sees one; otherwise it
says "no CUDA device" and runs the CPU part only. Target checked: a full gnt run on a TFs+500 set
in under two minutes on the 2-core CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BENCHDATA = Path(os.environ.get("GRN_BENCHDATA", Path(__file__).resolve().parents[2] / "shared" / "benchdata"))
CASES = {   # case name -> method, data folder under BENCHDATA, label, params
    "gnt": {"method": "gnt", "data": "beeline/mESC/TFs+500/STRING", "label": "BEELINE mESC TFs+500 STRING",
            "params": {"epochs": 30}},
    "lstm": {"method": "lstm", "data": "dream4/size100/net1", "label": "DREAM4 size100 net1"},
    # the densest TFs+500 ground truth (29,613 edges, ~4x mESC STRING): worst case of the 2-minute target
    "gnt-dense": {"method": "gnt", "data": "beeline/mESC/TFs+500/Specific", "label": "BEELINE mESC TFs+500 Specific",
                  "params": {"epochs": 30}},
}
TARGET_SECONDS = 120.0


def _status_kb(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def child(spec: dict) -> dict:
    """One measurement (runs inside the fresh subprocess)."""
    import resource

    t_proc = time.perf_counter()
    import torch

    torch.set_num_threads(int(spec["threads"]))
    from grncore.bench.run import run
    from grncore.data import InputError, load

    ds = load(BENCHDATA / spec["data"])
    out = {"method": spec["method"], "dataset": spec["label"], "device": spec["device"],
           "torch_threads": torch.get_num_threads(), "torch": torch.__version__,
           "genes": ds.n_genes, "samples": ds.n_samples, "kind": ds.kind,
           "rss_before_mib": (_status_kb("VmRSS") or 0) / 1024}
    if spec["device"].startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    try:
        res = run(ds, spec["method"], spec.get("split", "edge_random"), spec.get("params", {}), 0,
                  device=spec["device"])
    except InputError as exc:
        out["refused"] = str(exc)
        return out
    h = res.history
    train_s = float(h["seconds"].sum()) if h is not None and len(h) else float("nan")
    out.update({
        "epochs": int(len(h)) if h is not None else 0,
        "s_per_epoch": float(h["seconds"].mean()) if h is not None and len(h) else float("nan"),
        "s_per_epoch_median": float(h["seconds"].median()) if h is not None and len(h) else float("nan"),
        "train_s": train_s, "total_s": res.seconds, "rest_s": res.seconds - train_s,
        "process_s": time.perf_counter() - t_proc,
        "train_pairs": res.extra.get("train_pairs"), "test_pairs": res.extra.get("test_pairs"),
        "auroc": res.metrics.auroc, "epr": res.metrics.epr,
        "vmhwm_mib": (_status_kb("VmHWM") or 0) / 1024,
        "maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "resolved_device": res.device,
    })
    if spec["device"].startswith("cuda"):
        out["cuda_peak_mib"] = torch.cuda.max_memory_allocated() / 2**20
        out["gpu"] = torch.cuda.get_device_name(0)
    return out


def measure(spec: dict, timeout: float) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(spec)]
    env = dict(os.environ, OMP_NUM_THREADS=str(spec["threads"]), MKL_NUM_THREADS=str(spec["threads"]))
    t0 = time.perf_counter()
    load_before = os.getloadavg()[0]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env,
                          cwd=Path(__file__).resolve().parents[1])
    if proc.returncode != 0:
        return {**spec, "error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"rc {proc.returncode}"}
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    res["wall_s"] = time.perf_counter() - t0
    res["load"] = f"{load_before:.1f} / {os.getloadavg()[0]:.1f}"
    return res


def cuda_available() -> tuple[bool, str]:
    code = "import torch; print(torch.cuda.is_available(), torch.cuda.device_count())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.split()
    ok = bool(out) and out[0] == "True"
    return ok, (f"{out[1]} CUDA device(s)" if ok else "no CUDA device")


def fmt(v, f=".1f") -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    return format(v, f) if isinstance(v, (int, float)) else str(v)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--threads", nargs="+", type=int, default=[1, 2], help="torch thread counts to measure")
    parser.add_argument("--device", choices=("cpu", "cuda", "both"), default="cpu",
                        help="cuda/both: also run on the GPU if one is visible (CPU always runs)")
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES),
                        help="gnt (mESC STRING), lstm (DREAM4 size100 net1), gnt-dense (mESC Specific)")
    parser.add_argument("--timeout", type=float, default=1200)
    parser.add_argument("--out", default="bench/results/deep_speed.md")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(json.loads(args.child))), flush=True)
        return 0

    specs = []
    for case in args.cases:
        for t in args.threads:
            specs.append({"threads": t, "device": "cpu", **CASES[case]})
    # proof that lstm needs time series: one cheap refused call on the BEELINE set
    specs.append({"method": "lstm", "threads": 1, "device": "cpu", "data": CASES["gnt"]["data"],
                  "label": CASES["gnt"]["label"], "refusal": True})
    cuda_line = "CUDA not requested (--device cpu)."
    if args.device in ("cuda", "both"):
        ok, what = cuda_available()
        cuda_line = f"CUDA requested: {what}" + ("." if ok else "; only the CPU part was run.")
        print(cuda_line, flush=True)
        if ok:
            for case in args.cases:
                specs.append({"threads": max(args.threads), "device": "cuda", **CASES[case]})

    results = []
    for spec in specs:
        print(f"{spec['method']} on {spec['label']}, {spec['device']}, {spec['threads']} thread(s) ...", flush=True)
        r = measure(spec, args.timeout)
        results.append(r)
        if "error" in r:
            print(f"  error: {r['error']}", flush=True)
        elif "refused" in r:
            print(f"  refused: {r['refused']}", flush=True)
        else:
            print(f"  {r['epochs']} epochs, {r['s_per_epoch']:.2f} s/epoch, total {r['total_s']:.1f} s "
                  f"(training {r['train_s']:.1f} s, rest {r['rest_s']:.1f} s), process {r['process_s']:.1f} s, "
                  f"peak RSS {r['vmhwm_mib']:.0f} MiB, AUROC {r['auroc']:.3f}", flush=True)

    import torch

    rows = [r for r in results if "epochs" in r]
    lines = ["# Deep-method speed (`bench/deep_speed.py`)\n\n",
             f"Generated {time.strftime('%Y-%m-%d %H:%M')} on {platform.machine()}, {os.cpu_count()} CPU cores "
             f"(shared with other jobs; load average at start {os.getloadavg()[0]:.1f}), torch {torch.__version__}. "
             "Default parameters, seed 0, split edge_random, each measurement in a fresh subprocess. "
             "s/epoch: mean of the run's per-epoch `seconds` (history); training: their sum; total: the run's wall "
             "time (training + SVM fit + scoring for gnt; training + scoring for lstm); process: total + imports + "
             "data loading. Peak RSS: VmHWM of the subprocess (ru_maxrss agrees); RSS before: after imports and "
             "loading the data, before the run. Load: the machine's 1-minute load average before / after the "
             "measurement (2 cores: above ~2 means other jobs competed for the CPU).\n\n", cuda_line + "\n\n",
             "| method | data | device | torch threads | epochs run | s/epoch | training s | total s | process s | "
             "peak RSS MiB | RSS before MiB | train pairs | test pairs | AUROC | load before / after |\n",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"]
    for r in rows:
        dev = r["device"] + (f" ({r.get('gpu')}, peak {r['cuda_peak_mib']:.0f} MiB)" if "cuda_peak_mib" in r else "")
        lines.append(f"| {r['method']} | {r['dataset']} | {dev} | {r['torch_threads']} | {r['epochs']} | "
                     f"{fmt(r['s_per_epoch'], '.2f')} | {fmt(r['train_s'])} | {fmt(r['total_s'])} | {fmt(r['process_s'])} | "
                     f"{fmt(r['vmhwm_mib'], '.0f')} | {fmt(r['rss_before_mib'], '.0f')} | {r['train_pairs']} | "
                     f"{r['test_pairs']} | {fmt(r['auroc'], '.3f')} | {r.get('load', '')} |\n")
    for r in results:
        if "refused" in r:
            lines.append(f"\n`lstm` on {r['dataset']} (single-cell) is refused, as designed: \"{r['refused']}\"\n")
        if "error" in r:
            lines.append(f"\n{r['method']} on {r['label']} ({r['device']}) failed: {r['error']}\n")
    for label in dict.fromkeys(r["dataset"] for r in rows if r["method"] == "gnt" and r["device"] == "cpu"):
        gnt_cpu = [r for r in rows if r["method"] == "gnt" and r["device"] == "cpu" and r["dataset"] == label]
        best = min(gnt_cpu, key=lambda r: r["total_s"])
        verdict = "met" if best["total_s"] < TARGET_SECONDS else "NOT met"
        lines.append(f"\nTarget (a full gnt run on a TFs+500 set in under {TARGET_SECONDS:.0f} s on this CPU), {label}: "
                     f"**{verdict}** -- best {best['total_s']:.1f} s with {best['torch_threads']} torch thread(s) "
                     f"({best['process_s']:.1f} s including start-up and loading); "
                     + ", ".join(f"{r['torch_threads']} thread(s): {r['total_s']:.1f} s" for r in gnt_cpu) + ".\n")
    out = Path(args.out)
    marker = "\n## Notes\n"
    text = "".join(lines)
    if out.exists() and marker in out.read_text():
        text += marker + out.read_text().split(marker, 1)[1]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

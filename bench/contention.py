"""Slow-down of a torch run next to a tree run, without and with the core budget (grncore.jobs.cores).

One `gne` run (torch, split edge_random) is timed alone and next to `grnboost2` runs (trees, split
unsupervised, repeated until the gne run ends so it is contended from its first to its last step),
in two regimes:

- ``uncapped``: what two runs side by side did before the budget: each takes every core (torch's
  default thread count, ``n_jobs=0`` = one tree worker per core); both run in threads of one
  process, as in a server with two job workers.
- ``capped``: through `grncore.jobs.manager.JobManager` with two workers: each run gets its share of
  the cores (torch threads / tree workers = cores // 2).

Each case runs in a fresh subprocess (torch's thread count is process-wide). The figure is the
gne run's method time (the record's ``seconds``); the ratio is contended / alone in the same
regime, and the capped contended time against the uncapped one. Cases are interleaved over
``--rounds`` rounds so a change of the machine's load hits every case alike; the load average is
taken before and after each case.

Usage (repo root): ``nice -n 5 .venv/bin/python bench/contention.py [--genes 200 --epochs 20 --rounds 2]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CASES = ("uncapped-alone", "uncapped-beside", "capped-alone", "capped-beside")


def _dataset(genes: int):
    from grncore.data import simulate

    return simulate.single_cell(n_genes=genes, n_cells=300, seed=7)


def _child(case: str, genes: int, epochs: int, workdir: Path) -> dict:
    import torch

    from grncore.bench.run import run as bench_run
    from grncore.jobs import Workspace
    from grncore.jobs.manager import JobManager
    from grncore.train.progress import Cancelled

    ds = _dataset(genes)
    gne = {"epochs": epochs, "patience": 0}
    regime, mode = case.split("-")
    beside = mode == "beside"
    tree_runs = 0
    if regime == "uncapped":
        stop = threading.Event()

        def trees():
            nonlocal tree_runs
            while not stop.is_set():
                tree_runs += 1
                try:
                    bench_run(ds, "grnboost2", "unsupervised", {"n_jobs": 0}, 0, should_stop=stop.is_set)
                except Cancelled:
                    return

        t = threading.Thread(target=trees, daemon=True)
        if beside:
            t.start()
        try:
            result = bench_run(ds, "gne", "edge_random", gne, 0)
        finally:
            stop.set()
        seconds, threads = result.seconds, torch.get_num_threads()
        if beside:
            t.join()
    else:
        ws = Workspace(workdir)
        ds_id = ws.save_dataset(ds)
        jobs = JobManager(ws, max_concurrent=2)
        tree_ids = [jobs.submit(ds_id, "grnboost2", "unsupervised")] if beside else []
        if beside:
            while jobs.state(tree_ids[0])["status"] == "queued":
                time.sleep(0.01)
        gne_id = jobs.submit(ds_id, "gne", "edge_random", params=gne)
        while jobs.state(gne_id)["status"] in ("queued", "running"):
            if beside and jobs.state(tree_ids[-1])["status"] not in ("queued", "running"):
                tree_ids.append(jobs.submit(ds_id, "grnboost2", "unsupervised"))
            time.sleep(0.05)
        threads = torch.get_num_threads()
        for r in tree_ids:
            jobs.cancel(r)
            jobs.wait(r)
        row = ws.get_run(gne_id)
        assert row.status == "done", row.message
        seconds = float(row.record["seconds"])
        tree_runs = len(tree_ids)
    return {"case": case, "seconds": seconds, "torch_threads": threads, "tree_runs": tree_runs}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--genes", type=int, default=200)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--out", default="bench/results/contention.md")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            print(json.dumps(_child(args.child, args.genes, args.epochs, Path(tmp))), flush=True)
        return
    from grncore.methods.base import n_cores

    rows = []
    for r in range(args.rounds):
        for case in CASES:
            load0 = os.getloadavg()[0]
            out = subprocess.run([sys.executable, __file__, "--child", case, "--genes", str(args.genes),
                                  "--epochs", str(args.epochs)], capture_output=True, text=True, check=True)
            row = json.loads(out.stdout.strip().splitlines()[-1])
            row.update(round=r + 1, load=f"{load0:.1f} / {os.getloadavg()[0]:.1f}")
            rows.append(row)
            print(row, flush=True)
    med = {c: statistics.median(x["seconds"] for x in rows if x["case"] == c) for c in CASES}
    ds = _dataset(args.genes)
    lines = [
        "# Torch run next to a tree run: slow-down without and with the core budget (`bench/contention.py`)",
        "",
        f"Generated {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.machine()}, {n_cores()} cores "
        f"(shared with other jobs), Python {platform.python_version()}. Data: `simulate.single_cell` "
        f"{ds.n_genes} genes x {ds.n_samples} cells, {ds.n_edges} edges, seed 7. gne: split edge_random, "
        f"{args.epochs} epochs, patience 0, seed 0; grnboost2 (fast backend, unsupervised) runs back to back "
        "beside it until it ends. Seconds: the gne run's method time. Load: 1-minute load average before / after.",
        "",
        "| round | case | gne s | torch threads | grnboost2 runs started beside | load |",
        "|---|---|---|---|---|---|",
        *[f"| {x['round']} | {x['case']} | {x['seconds']:.1f} | {x['torch_threads']} | {x['tree_runs']} | {x['load']} |"
          for x in rows],
        "",
        "Medians over the rounds:",
        "",
        f"- uncapped: alone {med['uncapped-alone']:.1f} s, beside grnboost2 {med['uncapped-beside']:.1f} s: "
        f"**{med['uncapped-beside'] / med['uncapped-alone']:.2f}x** slower",
        f"- capped: alone {med['capped-alone']:.1f} s, beside grnboost2 {med['capped-beside']:.1f} s: "
        f"**{med['capped-beside'] / med['capped-alone']:.2f}x** slower",
        f"- contended, capped vs uncapped: {med['capped-beside']:.1f} / {med['uncapped-beside']:.1f} s = "
        f"**{med['capped-beside'] / med['uncapped-beside']:.2f}**",
    ]
    Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

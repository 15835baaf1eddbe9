"""Benchmark: grnboost2 on a Dask cluster vs local runs: equality and scaling with 1, 2, 4 workers.

    nice -n 5 .venv/bin/python bench/dask_scaling.py [--targets 948] [--workers 1,2,4] [--data DIR]

Data: BEELINE hHEP TFs+500 STRING (``../shared/benchdata``), a seeded random sample of targets,
every TF x target pair. Runs, side by side in one process: grnboost2 (backend 'fast', defaults,
seed 0) in this process (``n_jobs=1``), on a local pool of 2 processes, then on a
`distributed.LocalCluster` of N worker processes x 1 thread for each N. Each cluster gets one
untimed warm-up run on a few targets (workers import scikit-learn and grncore once); the timed
run includes connecting, scattering the matrix and collecting the results. Every run's scores are
compared with the in-process run (must be identical). CPU seconds (user + system) are given for
this process (on a cluster: the client and the LocalCluster's scheduler) and for the cluster's
worker processes (psutil); on an overloaded machine wall time is mostly waiting for a core. This machine has 2 cores: 4 workers
oversubscribe it, so that row shows the cost of more tasks than cores, not scaling.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "benchdata" / "beeline" / "hHEP" / "TFs+500" / "STRING"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--targets", type=int, default=948, help="sampled targets (948 = all of hHEP)")
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "dask_scaling.md")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(REPO))
    import psutil
    from distributed import Client, LocalCluster

    from grncore import methods, parallel
    from grncore.data import load

    ds = load(args.data)
    rng = np.random.default_rng(0)
    targets = sorted(rng.choice(list(ds.genes), args.targets, replace=False).tolist())
    pairs = pd.DataFrame([(r, t) for t in targets for r in ds.tfs if r != t], columns=["regulator", "target"])
    load_before = os.getloadavg()
    print(f"{ds.name}: {ds.n_genes} genes x {ds.n_samples} cells, {len(ds.tfs)} TFs; {len(targets)} targets, "
          f"{len(pairs)} pairs; load {load_before}", flush=True)

    def worker_cpu(client) -> float:
        return sum(client.run(lambda: sum(psutil.Process().cpu_times()[:2])).values())

    def timed(label, params, address=None):
        """(label, wall s, CPU s of this process, CPU s of the workers, scores). On a cluster this
        process holds the client and the LocalCluster's scheduler; None for the pool's workers."""
        client = Client(address, set_as_default=False) if address else None
        w0 = worker_cpu(client) if client else None
        t0, c0 = time.perf_counter(), time.process_time()
        with parallel.use_dask(address):
            s = methods.score_pairs(ds, pairs, "grnboost2", params, seed=0)
        sec, cpu = time.perf_counter() - t0, time.process_time() - c0
        workers = worker_cpu(client) - w0 if client else None
        if client:
            client.close()
        print(f"{label}: {sec:.1f} s", flush=True)
        return label, sec, cpu, workers, s

    warm = pairs[pairs.target.isin(targets[:4])]
    for jobs in (1, 2):  # untimed: load the compiled kernel here, start the forkserver that preloads it
        methods.score_pairs(ds, warm, "grnboost2", {"n_jobs": jobs}, seed=0)
    rows = [timed("this process (n_jobs=1)", {"n_jobs": 1}), timed("local pool, 2 processes", {"n_jobs": 2})]
    for n in [int(w) for w in args.workers.split(",")]:
        with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None) as lc:
            with parallel.use_dask(lc.scheduler_address):
                methods.score_pairs(ds, warm, "grnboost2", {}, seed=0)
            rows.append(timed(f"Dask LocalCluster, {n} worker{'s' if n > 1 else ''} x 1 thread", {},
                              lc.scheduler_address))
    load_after = os.getloadavg()
    ref, base = rows[0][4], rows[0][1]
    lines = [
        "# grnboost2 on a Dask cluster vs local runs (`bench/dask_scaling.py`)",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on the 2-core development machine, "
        f"load average (1, 5, 15 min) {tuple(round(x, 2) for x in load_before)} before, "
        f"{tuple(round(x, 2) for x in load_after)} after. Data: {ds.name} ({ds.n_genes} genes x {ds.n_samples} "
        f"cells, {len(ds.tfs)} TFs), a seeded sample of {len(targets)} targets ({len(pairs)} TF x target pairs); "
        "grnboost2 defaults (backend 'fast'), seed 0. Every row after one untimed warm-up run on 4 targets "
        "(this process: loading the compiled kernel; the local pool: starting the forkserver that preloads "
        "it; a cluster: the workers importing grncore). Cluster rows: `distributed.LocalCluster`, worker "
        "processes x 1 thread; the time includes connecting, scattering the matrix and collecting results. "
        "4 workers oversubscribe the 2 cores.",
        "",
        "| run | wall s | wall speed-up vs this process | CPU s, this process | CPU s, workers | scores identical to this process |",
        "|---|---|---|---|---|---|",
    ]
    for label, sec, cpu, workers, s in rows:
        w = "" if workers is None else f"{workers:.1f}"
        lines.append(f"| {label} | {sec:.1f} | {base / sec:.2f}x | {cpu:.1f} | {w} | {'yes' if np.array_equal(s, ref) else 'NO'} |")
    lines += ["", "Reproduce: `nice -n 5 .venv/bin/python bench/dask_scaling.py --targets "
              f"{args.targets} --workers {args.workers}`.", ""]
    args.out.write_text("\n".join(lines))
    print("\n".join(lines))
    return 0 if all(np.array_equal(s, ref) for *_, s in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: grncore's grnboost2 / genie3 vs arboreto's own per-target core on BEELINE hHEP.

    # once: a separate venv for the reference implementation (never the app's venv)
    python -m venv bench/.venv && bench/.venv/bin/pip install -r bench/requirements-bench.txt
    # then, with the app's venv:
    .venv/bin/python bench/grnboost2_vs_arboreto.py [--targets 100 | --full] [--jobs 2]
                     [--genie3-targets 20] [--backends fast,sklearn] [--data DIR]

Data: ``BL--ExpressionData.csv.gz`` (genes x cells), ``TF.csv`` (column TF) and ``BL--network.csv``
(Gene1 -> Gene2) of BEELINE hHEP TFs+500 STRING. Both sides fit the same targets (a seeded random
subset, or all genes with ``--full``) with the TFs as features (minus the target), with the
same number of processes. arboreto's dask front end (``grnboost2()``, ``genie3()``) is broken
with current dask, so arboreto runs as ``arboreto.core.infer_partial_network`` per target (its
default ``SGBM_KWARGS`` / ``RF_KWARGS``, seed 666 as arboreto) in a ``multiprocessing`` pool,
in a subprocess of ``bench/.venv`` (this script re-invoked with ``--arboreto-worker``; that part
imports only numpy/pandas/arboreto). Ours runs in this process with ``score_pairs``.

Evaluation: all candidate pairs of the fitted targets (TF x target, no self-loops), labels from
the network; AUROC, AUPRC ratio (AP / positive rate) and EPR (BEELINE early precision ratio,
ties at the cut included), with `grncore.bench.metrics.evaluate` when present, else sklearn.
Wall times are the fits only: data loading and the one-time process start-up (our forkserver,
arboreto's pool with arboreto imported) are excluded on both sides; our time includes forking
the per-call pool from the warm forkserver and building the pair scores.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "benchdata" / "beeline" / "hHEP" / "TFs+500" / "STRING"
BENCH_PY = REPO / "bench" / ".venv" / "bin" / "python"


def load(folder: Path):
    expr = pd.read_csv(folder / "BL--ExpressionData.csv.gz", index_col=0)
    expr.index = expr.index.astype(str)
    tfs = [t for t in pd.read_csv(folder / "TF.csv")["TF"].astype(str) if t in set(expr.index)]
    net = pd.read_csv(folder / "BL--network.csv")
    return expr, tfs, net


def pick_targets(genes, n: int | None, seed: int = 0) -> list[str]:
    genes = list(genes)
    if not n or n >= len(genes):
        return genes
    rng = np.random.default_rng(seed)
    return sorted(rng.choice(genes, n, replace=False).tolist())


# ---------------------------------------------------------------------- arboreto side (bench venv)
_A = {}


def _arb_init(tf_matrix, tf_names, expr_t, genes, method):
    _A.update(tf_matrix=tf_matrix, tf_names=tf_names, expr_t=expr_t, genes=genes, method=method)


def _arb_warm(_):
    import arboreto.core  # noqa: F401

    time.sleep(0.2)


def _arb_task(j):
    from arboreto.core import RF_KWARGS, SGBM_KWARGS, infer_partial_network

    kind, kwargs = ("GBM", SGBM_KWARGS) if _A["method"] == "grnboost2" else ("RF", RF_KWARGS)
    return infer_partial_network(kind, kwargs, _A["tf_matrix"], _A["tf_names"], _A["genes"][j],
                                 _A["expr_t"][:, j])


def arboreto_worker(args) -> None:
    import multiprocessing as mp

    expr, tfs, _ = load(Path(args.data))
    targets = json.loads(Path(args.targets_file).read_text())
    genes = list(expr.index)
    X = expr.to_numpy().T  # cells x genes, as arboreto expects
    tf_matrix = X[:, [genes.index(t) for t in tfs]]
    cols = [genes.index(t) for t in targets]
    with mp.get_context("forkserver").Pool(args.jobs, initializer=_arb_init,
                                           initargs=(tf_matrix, tfs, X[:, cols], targets, args.method)) as pool:
        pool.map(_arb_warm, range(args.jobs))  # workers started and arboreto imported: not timed
        t0 = time.perf_counter()
        links = pool.map(_arb_task, range(len(targets)), chunksize=1)
        seconds = time.perf_counter() - t0
    frame = pd.concat([lk for lk in links if lk is not None], ignore_index=True)
    frame[["TF", "target", "importance"]].to_csv(args.out, index=False)
    print(json.dumps({"seconds": seconds}))


# ---------------------------------------------------------------------- our side (app venv)
def metrics(labels, scores) -> dict:
    try:
        from grncore.bench.metrics import evaluate

        m = evaluate(labels, scores)
        return {"auroc": m.auroc, "auprc_ratio": m.auprc_ratio, "epr": m.epr}
    except ImportError:  # pragma: no cover
        from sklearn.metrics import average_precision_score, roc_auc_score

        y, s = np.asarray(labels), np.asarray(scores)
        rho = y.mean()
        kth = np.sort(s)[::-1][int(y.sum()) - 1]
        top = s >= kth
        return {"auroc": roc_auc_score(y, s), "auprc_ratio": average_precision_score(y, s) / rho,
                "epr": y[top].mean() / rho}


def run_arboreto(method: str, targets: list[str], args) -> tuple[float, pd.DataFrame]:
    with tempfile.TemporaryDirectory() as tmp:
        tf_file = Path(tmp) / "targets.json"
        tf_file.write_text(json.dumps(targets))
        out = Path(tmp) / "links.csv"
        cmd = [str(args.arboreto_python), str(Path(__file__).resolve()), "--arboreto-worker", "--method", method,
               "--targets-file", str(tf_file), "--jobs", str(args.jobs), "--data", str(args.data), "--out", str(out)]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp)
        if proc.returncode != 0:
            raise RuntimeError(f"arboreto worker failed:\n{proc.stderr[-3000:]}")
        seconds = json.loads(proc.stdout.strip().splitlines()[-1])["seconds"]
        return seconds, pd.read_csv(out)


def compare(method: str, targets: list[str], ds, pairs, labels, args, backends) -> list[dict]:
    from grncore import methods

    rows = []
    # warm-up (not timed): starts the forkserver that our pools fork from (arboreto's side
    # likewise starts its pool before timing)
    # (as many targets as processes, so that the pool really starts)
    methods.score_pairs(ds, pairs[pairs.target.isin(targets[:max(2, args.jobs)])], method, {
        "n_jobs": args.jobs, "n_estimators": 10})
    for backend in backends:
        params = {"n_jobs": args.jobs}
        if method == "grnboost2":
            params["backend"] = backend
        t0 = time.perf_counter()
        scores = methods.score_pairs(ds, pairs, method, params, seed=0)
        rows.append({"method": method, "impl": f"grncore ({backend})" if method == "grnboost2" else "grncore",
                     "seconds": time.perf_counter() - t0, **metrics(labels, scores)})
    if args.arboreto_python.exists():
        seconds, links = run_arboreto(method, targets, args)
        imp = links.set_index(["TF", "target"])["importance"]
        key = pd.MultiIndex.from_arrays([pairs.regulator.astype(str), pairs.target.astype(str)])
        scores = imp.reindex(key).fillna(0.0).to_numpy()
        rows.append({"method": method, "impl": "arboreto 0.1.6", "seconds": seconds, **metrics(labels, scores)})
    else:
        print(f"  (no {args.arboreto_python}: create the bench venv to compare with arboreto)")
    return rows


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--targets", type=int, default=100, help="random subset of targets (same for both sides)")
    ap.add_argument("--full", action="store_true", help="all genes as targets (slow for arboreto)")
    ap.add_argument("--genie3-targets", type=int, default=20, help="targets for genie3 (1000 trees each); 0 = skip")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--backends", default="fast,sklearn", help="grnboost2 backends of ours to time")
    ap.add_argument("--arboreto-python", type=Path, default=BENCH_PY)
    ap.add_argument("--arboreto-worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--method", default="grnboost2", help=argparse.SUPPRESS)
    ap.add_argument("--targets-file", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.arboreto_worker:
        return arboreto_worker(args)

    sys.path.insert(0, str(REPO))
    from grncore.data import Dataset

    expr, tfs, net = load(args.data)
    network = pd.DataFrame({"regulator": net["Gene1"].astype(str), "target": net["Gene2"].astype(str)})
    ds = Dataset.create(expr, network=network, tfs=tfs, name="hHEP")
    truth = set(zip(ds.network.regulator, ds.network.target))
    print(f"hHEP TFs+500 STRING: {ds.n_genes} genes x {ds.n_samples} cells, {len(ds.tfs)} TFs, "
          f"{ds.n_edges} edges; {args.jobs} processes per side")
    results = []
    plan = [("grnboost2", None if args.full else args.targets, args.backends.split(","))]
    if args.genie3_targets:
        plan.append(("genie3", None if args.full else args.genie3_targets, ["sklearn"]))
    for method, n, backends in plan:
        targets = pick_targets(ds.genes, n)
        pairs = pd.DataFrame([(r, t) for t in targets for r in ds.tfs if r != t], columns=["regulator", "target"])
        labels = np.array([(r, t) in truth for r, t in zip(pairs.regulator, pairs.target)], dtype=int)
        print(f"{method}: {len(targets)} targets, {len(pairs):,} pairs, {labels.sum()} true edges")
        rows = compare(method, targets, ds, pairs, labels, args, backends)
        ref = next((r for r in rows if r["impl"].startswith("arboreto")), None)
        for r in rows:
            if ref is not None:
                r["time_vs_arboreto"] = r["seconds"] / ref["seconds"]
                r["speedup"] = ref["seconds"] / r["seconds"]
                r["auprc_ratio_rel"] = r["auprc_ratio"] / ref["auprc_ratio"]
                r["epr_rel"] = r["epr"] / ref["epr"]
            results.append(r)
    table = pd.DataFrame(results)
    with pd.option_context("display.width", 160, "display.max_columns", 20, "display.precision", 3):
        print(table.to_string(index=False))


if __name__ == "__main__":
    main()

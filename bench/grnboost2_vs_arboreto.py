"""Benchmark: grncore's grnboost2 / genie3 vs arboreto's own per-target core, side by side.

    # once: a separate venv for the reference implementation (never the app's venv)
    python -m venv bench/.venv && bench/.venv/bin/pip install -r bench/requirements-bench.txt
    # then, with the app's venv:
    .venv/bin/python bench/grnboost2_vs_arboreto.py [--sets hHEP,mESC,mHSC-L,sim] [--targets 100 | --full]
                     [--sim-targets 10] [--jobs 2] [--genie3-targets 0] [--backends fast,sklearn]
                     [--seeds 0] [--arboreto-python PATH]

Sets: a BEELINE cell type (``../shared/benchdata/beeline/<cell>/TFs+500``; the three truths STRING,
Non-Specific and Specific share one expression matrix, so each side fits once per cell type with
the union of the truths' TF lists as features and every truth is scored on its own TFs x the
fitted targets), or ``sim``: `grncore.data.simulate.single_cell` with 20,000 genes x 5,000 cells
(12 % TFs; ``--sim-targets`` sampled targets; cached under ``bench/out/``). Both sides fit the
same targets (a seeded random subset, or all genes with ``--full``) with the TFs as features (minus
the target), with the same number of processes. arboreto's dask front end (``grnboost2()``,
``genie3()``) is broken with current dask, so arboreto runs as ``arboreto.core.infer_partial_network``
per target (its default ``SGBM_KWARGS`` / ``RF_KWARGS``, seed 666 as arboreto) in a
``multiprocessing`` pool, in a subprocess of ``bench/.venv`` (this script re-invoked with
``--arboreto-worker`` on an ``.npz`` of the TF matrix and the targets; that part imports only
numpy/pandas/arboreto). Ours runs in this process with ``score_pairs``.

Evaluation per truth: all candidate pairs (truth's TF x fitted target, no self-loops), labels from
the network; AUROC, AUPRC ratio (AP / positive rate), EPR (BEELINE early precision ratio, ties at
the cut included) and ``tp@k``, the true edges among the top k = number of true edges (what EPR
rests on: on sparse truths it is a few dozen hits), with `grncore.bench.metrics.evaluate`.
Wall times are the fits only: data loading and the one-time process start-up (our forkserver
with the compiled kernel, arboreto's pool with arboreto imported) are excluded on both sides; our
time includes forking the per-call pool from the warm forkserver and building the pair scores.
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
BEELINE = REPO.parent / "shared" / "benchdata" / "beeline"
TRUTHS = ("STRING", "Non-Specific", "Specific")
BENCH_PY = REPO / "bench" / ".venv" / "bin" / "python"
SIM = dict(n_genes=20000, n_cells=5000, seed=0)


def load_beeline(cell: str):
    """(expression genes x cells, union of the truths' TFs, {truth: (TF list, edge set)})."""
    base = BEELINE / cell / "TFs+500"
    expr = pd.read_csv(base / TRUTHS[0] / "BL--ExpressionData.csv.gz", index_col=0)
    expr.index = expr.index.astype(str)
    genes = set(expr.index)
    truths, union = {}, []
    for t in TRUTHS:
        tfs = [g for g in pd.read_csv(base / t / "TF.csv")["TF"].astype(str) if g in genes]
        net = pd.read_csv(base / t / "BL--network.csv")
        truths[t] = (tfs, set(zip(net["Gene1"].astype(str), net["Gene2"].astype(str))))
        union += [g for g in tfs if g not in set(union)]
    return expr, union, truths


def load_sim():
    cache = REPO / "bench" / "out" / "sim_{n_genes}x{n_cells}_seed{seed}.npz".format(**SIM)
    if not cache.exists():
        from grncore.data import simulate

        ds = simulate.single_cell(**SIM)
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, X=ds.expression.to_numpy(np.float32), genes=np.array(ds.genes, dtype=str),
                 tfs=np.array(ds.tfs, dtype=str), reg=np.asarray(ds.network.regulator.astype(str), dtype=str),
                 tgt=np.asarray(ds.network.target.astype(str), dtype=str))
    z = np.load(cache)
    expr = pd.DataFrame(z["X"], index=z["genes"].astype(str))
    tfs = z["tfs"].astype(str).tolist()
    return expr, tfs, {"simulated": (tfs, set(zip(z["reg"].astype(str), z["tgt"].astype(str))))}


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

    z = np.load(args.data)
    tf_matrix, tfs = z["tf_matrix"], z["tf_names"].astype(str).tolist()  # cells x TFs, as arboreto expects
    Y, targets = z["targets"], z["target_names"].astype(str).tolist()
    with mp.get_context("forkserver").Pool(args.jobs, initializer=_arb_init,
                                           initargs=(tf_matrix, tfs, Y, targets, args.method)) as pool:
        pool.map(_arb_warm, range(args.jobs))  # workers started and arboreto imported: not timed
        t0 = time.perf_counter()
        links = pool.map(_arb_task, range(len(targets)), chunksize=1)
        seconds = time.perf_counter() - t0
    frame = pd.concat([lk for lk in links if lk is not None], ignore_index=True)
    frame[["TF", "target", "importance"]].to_csv(args.out, index=False)
    print(json.dumps({"seconds": seconds}))


# ---------------------------------------------------------------------- our side (app venv)
def metrics(labels, scores) -> dict:
    from grncore.bench.metrics import evaluate

    m = evaluate(labels, scores)
    return {"auroc": m.auroc, "auprc_ratio": m.auprc_ratio, "epr": m.epr,
            "tp_at_k": int(round(m.early_precision * m.n_top)), "k": int(m.n_positives)}


def run_arboreto(method: str, expr: pd.DataFrame, tfs: list[str], targets: list[str], args):
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data.npz"
        np.savez(data, tf_matrix=expr.loc[tfs].to_numpy(np.float64).T, tf_names=np.array(tfs),
                 targets=expr.loc[targets].to_numpy(np.float64).T, target_names=np.array(targets))
        out = Path(tmp) / "links.csv"
        cmd = [str(args.arboreto_python), str(Path(__file__).resolve()), "--arboreto-worker", "--method", method,
               "--jobs", str(args.jobs), "--data", str(data), "--out", str(out)]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp)
        if proc.returncode != 0:
            raise RuntimeError(f"arboreto worker failed:\n{proc.stderr[-3000:]}")
        seconds = json.loads(proc.stdout.strip().splitlines()[-1])["seconds"]
        return seconds, pd.read_csv(out)


def fit_all(method: str, expr, tfs, targets, args, backends) -> list[tuple[str, float, pd.Series]]:
    """[(impl, seconds, scores indexed by (TF, target))] for our backends and arboreto."""
    from grncore import methods
    from grncore.data import Dataset

    ds = Dataset.create(expr, tfs=tfs, name="bench")
    pairs = pd.DataFrame([(r, t) for t in targets for r in tfs if r != t], columns=["regulator", "target"])
    key = pd.MultiIndex.from_frame(pairs)
    out = []
    # warm-up (not timed): starts the forkserver (which loads the compiled kernel) that our pools
    # fork from, with as many targets as processes so that the pool really starts (arboreto's
    # side likewise starts its pool before timing)
    methods.score_pairs(ds, pairs[pairs.target.isin(targets[:max(2, args.jobs)])], method, {
        "n_jobs": args.jobs, "n_estimators": 10})
    seeds = [int(x) for x in str(args.seeds).split(",")]
    for backend in backends:
        params = {"n_jobs": args.jobs}
        if method == "grnboost2":
            params["backend"] = backend
        for seed in seeds:
            t0 = time.perf_counter()
            scores = methods.score_pairs(ds, pairs, method, params, seed=seed)
            seconds = time.perf_counter() - t0
            impl = f"grncore ({backend})" if method == "grnboost2" else "grncore"
            out.append((impl if seeds == [0] else f"{impl} seed {seed}", seconds, pd.Series(scores, index=key)))
    if args.arboreto_python.exists():
        seconds, links = run_arboreto(method, expr, tfs, targets, args)
        imp = links.set_index(["TF", "target"])["importance"]
        out.append(("arboreto 0.1.6", seconds, imp.reindex(key).fillna(0.0)))
    else:
        print(f"  (no {args.arboreto_python}: create the bench venv to compare with arboreto)")
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default="hHEP", help="comma-separated BEELINE cell types and/or 'sim'")
    ap.add_argument("--targets", type=int, default=100, help="random subset of targets per BEELINE set (same for both sides)")
    ap.add_argument("--full", action="store_true", help="all genes of the BEELINE sets as targets (slow for arboreto)")
    ap.add_argument("--sim-targets", type=int, default=10, help="random subset of the simulated set's 20,000 targets")
    ap.add_argument("--genie3-targets", type=int, default=0, help="targets for genie3 (1000 trees each); 0 = skip")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--backends", default="fast,sklearn", help="grnboost2 backends of ours to time")
    ap.add_argument("--seeds", default="0", help="comma-separated seeds of our fits (several: the random-draw "
                                                 "spread of the quality figures)")
    ap.add_argument("--arboreto-python", type=Path, default=BENCH_PY)
    ap.add_argument("--arboreto-worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--method", default="grnboost2", help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.arboreto_worker:
        return arboreto_worker(args)

    sys.path.insert(0, str(REPO))
    results = []
    for name in args.sets.split(","):
        expr, tfs, truths = load_sim() if name == "sim" else load_beeline(name)
        n = args.sim_targets if name == "sim" else (None if args.full else args.targets)
        print(f"{name}: {expr.shape[0]} genes x {expr.shape[1]} cells, {len(tfs)} TFs; {args.jobs} processes per side",
              flush=True)
        plan = [("grnboost2", n, args.backends.split(","))]
        if args.genie3_targets:
            plan.append(("genie3", args.genie3_targets, ["sklearn"]))
        for method, n_t, backends in plan:
            targets = pick_targets(expr.index, n_t)
            fits = fit_all(method, expr, tfs, targets, args, backends)
            for truth, (t_tfs, edges) in truths.items():
                pairs = [(r, t) for t in targets for r in t_tfs if r != t]
                labels = np.array([pr in edges for pr in pairs], dtype=int)
                if labels.sum() == 0:
                    print(f"  {truth}: no true edge among the fitted targets' pairs")
                    continue
                key = pd.MultiIndex.from_tuples(pairs)
                rows = [{"set": name, "truth": truth, "method": method, "impl": impl, "targets": len(targets),
                         "seconds": sec, **metrics(labels, sc.reindex(key).to_numpy())} for impl, sec, sc in fits]
                base = next((r for r in rows if r["impl"].startswith("arboreto")), None)
                for r in rows:
                    if base is not None:
                        r["speedup"] = base["seconds"] / r["seconds"]
                        r["auprc_rel"] = r["auprc_ratio"] / base["auprc_ratio"]
                        r["epr_rel"] = r["epr"] / base["epr"] if base["epr"] > 0 else float("nan")
                    results.append(r)
                    print("  " + " ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in r.items()),
                          flush=True)
    table = pd.DataFrame(results)
    out = REPO / "bench" / "out" / "grnboost2_vs_arboreto_rows.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out, index=False)
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.precision", 3):
        print(table.to_string(index=False))


if __name__ == "__main__":
    main()

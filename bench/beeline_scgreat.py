"""`scgreat` (scGREAT without BioBERT) on one BEELINE TFs+500 set, next to the `degree` sentinel.

Every method of a split is scored on the SAME test pairs (seed 0 for split and model) through
`grncore.bench.run.run`, on the CPU with ``--torch-threads`` torch threads: ``scgreat`` with its
defaults (and any ``--variant name=value,...`` extra runs, e.g. ``identity=learned``), the
``degree`` sentinel (training out-degree x in-degree, no expression) and ``pearson`` (|r|,
unsupervised: how much expression alone gives on these pairs), plus a sentinel computed here,
``indegree`` (the target's in-degree over the training positives: the part of ``degree`` that
survives held-out TFs), and ``AUROC no-rev``: AUROC on the test pairs whose reverse is not a
training positive (STRING is symmetric). The load average before and after
is printed and written into the report; ``CPU s`` (process CPU time) is the part of the wall time
that does not depend on how many other jobs share the cores.

Usage (repo root; data from ../shared/benchdata or GRN_BENCHDATA):

    nice -n 5 .venv/bin/python bench/beeline_scgreat.py [--cell mESC] [--truth STRING]
        [--splits edge_random tf_disjoint] [--variant identity=learned] [--out bench/out/scgreat.md]

The report (a markdown table) goes to ``--out``; bench/results/scgreat.md quotes it with notes.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from grncore.bench import evaluate  # noqa: E402
from grncore.bench.grid import markdown_table  # noqa: E402
from grncore.bench.run import build_split, run  # noqa: E402
from grncore.data import load  # noqa: E402

BENCHDATA = Path(os.environ.get("GRN_BENCHDATA", Path(__file__).resolve().parents[2] / "shared" / "benchdata"))


def _keys(frame: pd.DataFrame) -> pd.Series:
    return frame["regulator"].astype(str) + "\t" + frame["target"].astype(str)


def _reverse_and_indegree(sp):
    """Per test pair: is its reverse a training positive; the target's training in-degree."""
    pos = sp.train[sp.train["label"].to_numpy() == 1]
    rev = _keys(sp.test).isin(set(pos["target"].astype(str) + "\t" + pos["regulator"].astype(str))).to_numpy()
    indeg = sp.test["target"].astype(str).map(pos["target"].astype(str).value_counts()).fillna(0)
    return rev, indeg.to_numpy(np.float64)


def _auroc_norev(y: np.ndarray, score: np.ndarray, rev: np.ndarray) -> str:
    keep = ~rev
    return f"{evaluate(y[keep], score[keep]).auroc:.3f}" if 0 < y[keep].sum() < keep.sum() else ""


def _variant(text: str) -> dict:
    return dict(kv.split("=", 1) for kv in text.split(",") if kv)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cell", default="mESC")
    parser.add_argument("--truth", default="STRING")
    parser.add_argument("--size", default="TFs+500")
    parser.add_argument("--splits", nargs="+", default=["edge_random", "tf_disjoint"])
    parser.add_argument("--variant", action="append", default=[], help="extra scgreat run: name=value,...")
    parser.add_argument("--torch-threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="bench/out/scgreat.md")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.torch_threads)
    load_before = os.getloadavg()
    ds = load(BENCHDATA / "beeline" / args.cell / args.size / args.truth)
    print(f"{ds.name}: {ds.n_genes} genes x {ds.n_samples} samples, {ds.n_edges} edges, "
          f"{len(ds.tfs)} TFs; load {load_before[0]:.2f}", flush=True)
    runs = [("degree", {}), ("pearson", {}), ("scgreat", {})] + [("scgreat", _variant(v)) for v in args.variant]
    rows = []
    for split in args.splits:
        sp, _ = build_split(ds, split, args.seed, None)   # the split run() builds (same seed)
        y = sp.test["label"].to_numpy()
        rev, indeg = _reverse_and_indegree(sp)
        m = evaluate(y, indeg)
        rows.append({"split": split, "method": "indegree (sentinel)", "test pairs": len(y), "positives": int(y.sum()),
                     "AUROC": f"{m.auroc:.3f}", "AUPRC": f"{m.auprc:.3f}", "AUPRC ratio": f"{m.auprc_ratio:.2f}",
                     "EPR": f"{m.epr:.2f}", "AUROC no-rev": _auroc_norev(y, indeg, rev), "wall s": "", "CPU s": "",
                     "note": f"{int((rev & (y == 1)).sum())} of {int(y.sum())} test positives have their "
                             "reverse among the training positives"})
        for method, params in runs:
            def progress(done, total, message="", **f):
                if "epoch" in f:
                    print(f"    epoch {f['epoch']}: loss {f['loss']:.4f} val_auroc {f['val_auroc']:.3f} "
                          f"({f['seconds']:.1f} s)", flush=True)
            label = method + (" " + ",".join(f"{k}={v}" for k, v in params.items()) if params else "")
            print(f"{split} {label} ...", flush=True)
            t0, c0 = time.perf_counter(), time.process_time()
            res = run(ds, method, split, params, args.seed, device="cpu", progress=progress)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            m = res.metrics
            assert (_keys(res.predictions).to_numpy() == _keys(sp.test).to_numpy()).all(), "test pairs differ"
            h = res.history
            note = ""
            if h is not None and len(h):
                best = int(h.loc[h["val_auroc"].idxmax(), "epoch"])
                note = f"{len(h)} epochs (best {best}), {h['seconds'].mean():.1f} s/epoch"
            rows.append({"split": split, "method": label, "test pairs": m.n_pairs, "positives": m.n_positives,
                         "AUROC": f"{m.auroc:.3f}", "AUPRC": f"{m.auprc:.3f}", "AUPRC ratio": f"{m.auprc_ratio:.2f}",
                         "EPR": f"{m.epr:.2f}",
                         "AUROC no-rev": _auroc_norev(y, res.predictions["score"].to_numpy(), rev),
                         "wall s": f"{wall:.0f}" if wall >= 1 else f"{wall:.1f}",
                         "CPU s": f"{cpu:.0f}" if cpu >= 1 else f"{cpu:.1f}",
                         "note": note})
            print("   ", rows[-1], flush=True)
    load_after = os.getloadavg()
    text = (f"# scgreat on BEELINE {args.cell} {args.size} {args.truth}\n\n"
            f"Generated by `bench/beeline_scgreat.py` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}); "
            f"{ds.n_genes} genes x {ds.n_samples} samples, {ds.n_edges} edges; seed {args.seed}; CPU, "
            f"torch {torch.__version__} with {args.torch_threads} thread(s); {os.cpu_count()} cores shared with "
            f"other jobs, load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after.\n\n"
            + markdown_table(pd.DataFrame(rows)))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

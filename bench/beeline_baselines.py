"""Baselines on the BEELINE scRNA-seq sets (hHEP, mESC, mHSC-L, TFs+500), unsupervised split.

For each cell type the three ground truths (STRING, Non-Specific, cell-type-Specific) share one
expression matrix (rows in another order), so every method scores the pairs of the union of their
TF lists once, and each ground truth is then evaluated on its own candidate pairs (its TFs x all
genes, no self-loops) exactly as `grncore.bench.run` would (`evaluate_predictions`).

Usage (from the repo root; needs ../shared/benchdata or GRN_BENCHDATA):

    .venv/bin/python bench/beeline_baselines.py [--methods pearson spearman ...] [--cells hHEP ...]
        [--out bench/results/beeline_baselines.md]

Prints and writes a Markdown table of AUROC / AUPRC ratio / EPR per (cell type, ground truth,
method), plus the seconds each method took per cell type.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from grncore import methods  # noqa: E402
from grncore.bench import candidate_pairs  # noqa: E402
from grncore.bench.grid import markdown_table  # noqa: E402
from grncore.bench.run import evaluate_predictions  # noqa: E402
from grncore.data import load  # noqa: E402

BENCHDATA = Path(os.environ.get("GRN_BENCHDATA", Path(__file__).resolve().parents[2] / "shared" / "benchdata"))
CELLS = ("hHEP", "mESC", "mHSC-L")
TRUTHS = ("STRING", "Non-Specific", "Specific")
METHODS = ("pearson", "spearman", "mutual_info", "genie3", "grnboost2", "random")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cells", nargs="+", default=list(CELLS))
    parser.add_argument("--methods", nargs="+", default=list(METHODS))
    parser.add_argument("--size", default="TFs+500")
    parser.add_argument("--param", action="append", default=[], metavar="METHOD.KEY=VALUE",
                        help="a method parameter, e.g. genie3.n_estimators=100 (repeatable)")
    parser.add_argument("--out", default="bench/results/beeline_baselines.md")
    args = parser.parse_args()

    params: dict[str, dict] = {}
    for item in args.param:
        key, _, value = item.partition("=")
        method, _, name = key.partition(".")
        params.setdefault(method, {})[name] = value
    rows = []
    for cell in args.cells:
        truths = {t: load(BENCHDATA / "beeline" / cell / args.size / t) for t in TRUTHS}
        first = truths["STRING"]
        union_tfs = sorted(set().union(*(d.tfs for d in truths.values())))
        base = first.with_(tfs=union_tfs, network=None, notes=())
        pairs = candidate_pairs(base)
        print(f"{cell}: {base.n_genes} genes x {base.n_samples} cells, {len(union_tfs)} TFs, {len(pairs)} pairs",
              flush=True)
        for method in args.methods:
            t0 = time.perf_counter()
            scores = methods.score_pairs(base, pairs, method, params.get(method), seed=0)
            seconds = time.perf_counter() - t0
            pred = pd.DataFrame({"regulator": pairs["regulator"].astype(str), "target": pairs["target"].astype(str),
                                 "score": scores})
            for truth, ds in truths.items():
                m = evaluate_predictions(ds, pred, name=method).metrics
                label = method + "".join(f" {k}={v}" for k, v in params.get(method, {}).items())
                rows.append({"cell type": cell, "ground truth": truth, "method": label, "AUROC": m.auroc,
                             "AUPRC ratio": m.auprc_ratio, "EPR": m.epr, "edges": m.n_positives,
                             "pairs": m.n_pairs, "seconds": seconds})
                print(f"  {method:12s} {truth:13s} AUROC {m.auroc:.3f}  AUPRC ratio {m.auprc_ratio:.2f}  "
                      f"EPR {m.epr:.2f}  ({seconds:.1f} s)", flush=True)
    table = pd.DataFrame(rows)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(markdown_table(table, floatfmt=".3f"))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

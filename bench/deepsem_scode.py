"""DeepSEM and SCODE on BEELINE: the TFs+500 scRNA-seq sets and the curated GSD set, unsupervised.

TFs+500 sets (hHEP, mESC, mHSC-L): the three ground truths share one expression matrix, so each
method scores the union of their TF lists' candidate pairs once and every truth is evaluated on
its own candidate pairs with `grncore.bench.run.evaluate_predictions`, as in
bench/beeline_baselines.py. These folders carry no PseudoTime.csv, so SCODE is unavailable there
(its reason is printed). GSD (BEELINE curated, 19 genes x 2,000 cells, two pseudotime lineages)
is evaluated against its own network with every method.

Usage (repo root; needs ../shared/benchdata or GRN_BENCHDATA):

    nice -n 5 .venv/bin/python bench/deepsem_scode.py [--cells mESC ...] [--methods deepsem scode random]
        [--param deepsem.epochs=60] [--out bench/results/deepsem_scode.md]

One torch thread (``--torch-threads``): on the shared 2-core machine a second thread made torch
slower, not faster. Prints each row and writes a Markdown table with the wall and CPU seconds per
method and the load average before and after each run (CPU seconds are the honest cost on a
machine shared by many processes).
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
CELLS = ("hHEP", "mESC", "mHSC-L", "GSD")
TRUTHS = ("STRING", "Non-Specific", "Specific")
METHODS = ("deepsem", "scode", "pearson", "random")


def _progress(done, total, message="", **fields):
    if "loss" in fields:
        print(f"    {message}: loss {fields['loss']:.4f} ({fields.get('seconds', 0):.1f} s)", flush=True)


def _sets(cell: str, size: str):
    """(base dataset holding the union of TFs, {truth: dataset})."""
    if cell == "GSD":
        ds = load(BENCHDATA / "beeline" / "GSD")
        return ds, {"GSD network": ds}
    truths = {t: load(BENCHDATA / "beeline" / cell / size / t) for t in TRUTHS}
    union_tfs = sorted(set().union(*(d.tfs for d in truths.values())))
    return truths["STRING"].with_(tfs=union_tfs, network=None, notes=()), truths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cells", nargs="+", default=list(CELLS))
    parser.add_argument("--methods", nargs="+", default=list(METHODS))
    parser.add_argument("--size", default="TFs+500")
    parser.add_argument("--param", action="append", default=[], metavar="METHOD.KEY=VALUE")
    parser.add_argument("--torch-threads", type=int, default=1)
    parser.add_argument("--out", default="bench/results/deepsem_scode.md")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.torch_threads)
    params: dict[str, dict] = {}
    for item in args.param:
        key, _, value = item.partition("=")
        method, _, name = key.partition(".")
        params.setdefault(method, {})[name] = value
    rows, skipped = [], []
    for cell in args.cells:
        base, truths = _sets(cell, args.size)
        pairs = candidate_pairs(base)
        print(f"{cell}: {base.n_genes} genes x {base.n_samples} cells, {len(base.tfs)} TFs, {len(pairs)} pairs",
              flush=True)
        for method in args.methods:
            reason = methods.get(method).unavailable(base)
            if reason:
                skipped.append(f"{cell}: {method} unavailable: {reason}")
                print("  " + skipped[-1], flush=True)
                continue
            load_before = os.getloadavg()[0]
            t0, c0 = time.perf_counter(), time.process_time()
            scores = methods.score_pairs(base, pairs, method, params.get(method), seed=0, progress=_progress)
            seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
            load_after = os.getloadavg()[0]
            pred = pd.DataFrame({"regulator": pairs["regulator"].astype(str),
                                 "target": pairs["target"].astype(str), "score": scores})
            for truth, ds in truths.items():
                m = evaluate_predictions(ds, pred, name=method).metrics
                rows.append({"data": cell, "ground truth": truth, "method": method, "AUROC": m.auroc,
                             "AUPRC ratio": m.auprc_ratio, "EPR": m.epr, "edges": m.n_positives,
                             "pairs": m.n_pairs, "seconds": seconds, "CPU seconds": cpu,
                             "load avg (1 min) before/after": f"{load_before:.1f}/{load_after:.1f}"})
                print(f"  {method:8s} {truth:13s} AUROC {m.auroc:.3f}  AUPRC ratio {m.auprc_ratio:.2f}  "
                      f"EPR {m.epr:.2f}  ({seconds:.1f} s, load {load_before:.1f}/{load_after:.1f})", flush=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    text = markdown_table(pd.DataFrame(rows), floatfmt=".3f")
    if skipped:
        text += "\n" + "\n".join(f"- {s}" for s in skipped) + "\n"
    out.write_text(text)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

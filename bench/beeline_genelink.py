"""GENELink (`genelink`) on one BEELINE TFs+500 set next to the `degree` and `random` sentinels.

Every method is scored on the SAME test pairs (same split, seed 0) through
`grncore.bench.run.run`, on the CPU with ``--torch-threads`` torch threads (default 1, as
bench/beeline_gnt.py). ``AUROC no-rev``: the AUROC on the test pairs whose reverse is NOT a
training positive (STRING is largely symmetric and GENELink's graph is undirected; see
bench/results/beeline_gnt.md). Prints one line per (split, method) and the markdown rows for
bench/results/genelink.md; the load average before and after is printed too.

Usage (repo root; data from ../shared/benchdata or GRN_BENCHDATA):

    nice -n 5 .venv/bin/python bench/beeline_genelink.py [--cell mESC] [--truth STRING]
        [--splits edge_random tf_disjoint] [--param epochs=20 ...]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from grncore.bench.run import build_split, run  # noqa: E402
from grncore.data import load  # noqa: E402

BENCHDATA = Path(os.environ.get("GRN_BENCHDATA", Path(__file__).resolve().parents[2] / "shared" / "benchdata"))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cell", default="mESC")
    ap.add_argument("--truth", default="STRING")
    ap.add_argument("--size", default="TFs+500")
    ap.add_argument("--splits", nargs="+", default=["edge_random", "tf_disjoint"])
    ap.add_argument("--methods", nargs="+", default=["genelink", "degree", "random"])
    ap.add_argument("--param", action="append", default=[], help="genelink name=value")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--torch-threads", type=int, default=1)
    args = ap.parse_args(argv)
    import torch

    torch.set_num_threads(args.torch_threads)
    params = dict(p.split("=", 1) for p in args.param)
    ds = load(BENCHDATA / "beeline" / args.cell / args.size / args.truth)
    print(f"{ds.name}: {ds.n_genes} genes x {ds.n_samples} samples, {ds.n_edges} edges; "
          f"load average before {os.getloadavg()}", flush=True)
    lines = []
    for split in args.splits:
        for method in args.methods:
            t0 = time.perf_counter()
            res = run(ds, method, split, params if method == "genelink" else {}, args.seed, device="cpu")
            wall = time.perf_counter() - t0
            m = res.metrics
            note = ""
            h = res.history
            if h is not None and len(h):
                best = int(h["val_auroc"].idxmax()) + 1 if h["val_auroc"].notna().any() else len(h)
                note = (f"{len(h)} epochs x {h['seconds'].mean():.1f} s, best val epoch {best} "
                        f"(val AUROC {h['val_auroc'].max():.3f})")
            pr = res.predictions
            y = pr["label"].to_numpy()
            sp, _ = build_split(ds, split, args.seed, None)
            pos = sp.train[sp.train["label"] == 1]
            rev_keys = set(zip(pos["target"].astype(str), pos["regulator"].astype(str)))
            rev = np.array([k in rev_keys for k in zip(pr["regulator"].astype(str), pr["target"].astype(str))])
            norev = roc_auc_score(y[~rev], pr["score"].to_numpy()[~rev])
            line = (f"| {split} | {method} | {m.auroc:.3f} | {m.auprc_ratio:.2f} | {m.epr:.2f} | {norev:.3f} | "
                    f"{len(y):,} ({int(y.sum()):,} pos, {int((rev & (y == 1)).sum()):,} with reverse) | "
                    f"{wall:.0f} s | {note} |")
            print(line, flush=True)
            lines.append(line)
    print(f"load average after {os.getloadavg()}")
    print("\n| split | method | AUROC | AUPRC ratio | EPR | AUROC no-rev | test pairs | wall | note |")
    print("|---|---|---|---|---|---|---|---|---|")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

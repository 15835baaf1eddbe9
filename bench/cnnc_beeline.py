"""`cnnc` on one BEELINE TFs+500 set next to the `degree` sentinel and `pearson`, same split and seed.

    .venv/bin/python bench/cnnc_beeline.py [--cell mESC] [--truth STRING] [--splits tf_disjoint edge_random]
        [--param epochs=3] [--torch-threads 2]

Every method of a split is scored on the same test pairs (`grncore.bench.run.run`, seed 0). Prints
AUROC, AUPRC ratio, EPR, wall time and the load average before and after each run.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from grncore.bench.run import run  # noqa: E402
from grncore.data import load  # noqa: E402

BENCHDATA = Path(os.environ.get("GRN_BENCHDATA", Path(__file__).resolve().parents[2] / "shared" / "benchdata"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cell", default="mESC")
    ap.add_argument("--truth", default="STRING")
    ap.add_argument("--splits", nargs="+", default=["tf_disjoint", "edge_random"])
    ap.add_argument("--param", action="append", default=[], help="cnnc parameter name=value")
    ap.add_argument("--torch-threads", type=int, default=2)
    a = ap.parse_args()
    import torch

    torch.set_num_threads(a.torch_threads)
    params = dict(kv.split("=", 1) for kv in a.param)
    ds = load(BENCHDATA / "beeline" / a.cell / "TFs+500" / a.truth)
    print(f"{a.cell} TFs+500 {a.truth}: {ds.n_genes} genes x {ds.n_samples} cells; cnnc params {params}", flush=True)
    t0 = time.perf_counter()
    for split in a.splits:
        for method, p in (("degree", {}), ("pearson", {}), ("cnnc", params)):
            load0 = os.getloadavg()[0]
            res = run(ds, method, split, p, 0, device="cpu",
                      progress=lambda d, n, m="", **f: print("   ", m, {k: round(v, 3) for k, v in f.items()},
                                                            flush=True) if f else None)
            m = res.metrics
            print(f"{split:12s} {method:8s} AUROC {m.auroc:.3f}  AUPRC ratio {m.auprc_ratio:.2f}  EPR {m.epr:.2f}  "
                  f"{res.seconds:7.1f} s  test pairs {len(res.predictions):,}  load {load0:.1f} -> "
                  f"{os.getloadavg()[0]:.1f}", flush=True)
    print(f"total {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

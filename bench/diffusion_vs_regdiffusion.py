"""Our `diffusion` method next to the regdiffusion package (0.2.3), side by side in one run.

On the BEELINE scRNA-seq sets (hHEP, mESC, mHSC-L, TFs+500) each cell type's expression is read
once (`grncore.data.load`, as bench/beeline_baselines.py does), both models are trained on the
same matrix -- ours through `grncore.methods.score_pairs`, the package in a subprocess in
bench/.venv-regdiffusion (bench/regdiffusion_worker.py), same CPU, same torch thread count, same
seed -- and both score the same TF x gene universe (`candidate_pairs` of the union of the three
truths' TFs) by ``|A[regulator, target]|``. Every ground truth (STRING, Non-Specific, Specific) is
evaluated with `grncore.bench.run.evaluate_predictions` (AUROC, AUPRC ratio, EPR). Wall time:
ours = the whole `score_pairs` call; theirs = trainer construction + training + get_adj inside
the worker (interpreter start and imports excluded).

Usage (from the repo root; needs ../shared/benchdata or GRN_BENCHDATA, and the bench venv, see
bench/requirements-regdiffusion.txt):

    nice -n 5 .venv/bin/python bench/diffusion_vs_regdiffusion.py [--cells hHEP ...] [--threads 2]
        [--steps 1000] [--param KEY=VALUE ...] [--out bench/results/diffusion_vs_regdiffusion.md]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grncore import methods  # noqa: E402
from grncore.bench import candidate_pairs  # noqa: E402
from grncore.bench.grid import markdown_table  # noqa: E402
from grncore.bench.run import evaluate_predictions  # noqa: E402
from grncore.data import load  # noqa: E402
from grncore.data.genes import pair_rows  # noqa: E402

BENCHDATA = Path(os.environ.get("GRN_BENCHDATA", ROOT.parent / "shared" / "benchdata"))
CELLS = ("hHEP", "mESC", "mHSC-L")
TRUTHS = ("STRING", "Non-Specific", "Specific")
VENV_PY = ROOT / "bench" / ".venv-regdiffusion" / "bin" / "python"
WORKER = ROOT / "bench" / "regdiffusion_worker.py"


def run_package(x_cells: np.ndarray, threads: int, seed: int, steps: int) -> tuple[np.ndarray, float]:
    """The package's adjacency (float64) and its wall seconds on ``x_cells`` (cells x genes)."""
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "x.npy", Path(tmp) / "adj.npy"
        np.save(src, x_cells.astype(np.float32))
        env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
        out = subprocess.run([str(VENV_PY), str(WORKER), str(src), str(dst), str(threads), str(seed), str(steps)],
                             capture_output=True, text=True, env=env, check=True)
        seconds = float(next(line for line in out.stdout.splitlines() if line.startswith("seconds="))[8:])
        return np.load(dst).astype(np.float64), seconds


def best_baselines(path: Path = ROOT / "bench" / "results" / "beeline_baselines.md") -> pd.DataFrame:
    """Best EPR per (cell type, ground truth) among the unsupervised methods of
    bench/results/beeline_baselines.md (random left out)."""
    lines = [line for line in path.read_text().splitlines() if line.startswith("|") and "---" not in line]
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in lines]
    table = pd.DataFrame(cells[1:], columns=cells[0])
    table = table[~table["method"].str.startswith("random")].astype({"EPR": float})
    best = table.loc[table.groupby(["cell type", "ground truth"])["EPR"].idxmax()]
    return best[["cell type", "ground truth", "method", "EPR"]].rename(
        columns={"method": "best other unsupervised", "EPR": "its EPR"})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cells", nargs="+", default=list(CELLS))
    parser.add_argument("--size", default="TFs+500")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=1000,
                        help="training steps of both models (both packages' default: 1000)")
    parser.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                        help="a parameter of our diffusion method (repeatable)")
    parser.add_argument("--out", default="bench/results/diffusion_vs_regdiffusion.md")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    params = dict(item.split("=", 1) for item in args.param)
    params.setdefault("n_steps", str(args.steps))
    load_before = os.getloadavg()
    rows = []
    for cell in args.cells:
        truths = {t: load(BENCHDATA / "beeline" / cell / args.size / t) for t in TRUTHS}
        union_tfs = sorted(set().union(*(d.tfs for d in truths.values())))
        base = truths["STRING"].with_(tfs=union_tfs, network=None, notes=())
        pairs = candidate_pairs(base)
        print(f"{cell}: {base.n_genes} genes x {base.n_samples} cells, {len(pairs)} pairs", flush=True)
        t0 = time.perf_counter()
        ours = methods.score_pairs(base, pairs, "diffusion", params, seed=args.seed)
        ours_s = time.perf_counter() - t0
        adj, theirs_s = run_package(base.expression.to_numpy().T, args.threads, args.seed, args.steps)
        reg, tgt = pair_rows(pairs, base)
        theirs = np.abs(adj[reg, tgt])
        for label, scores, seconds in (("diffusion (ours)", ours, ours_s), ("regdiffusion 0.2.3", theirs, theirs_s)):
            pred = pd.DataFrame({"regulator": pairs["regulator"].astype(str),
                                 "target": pairs["target"].astype(str), "score": scores})
            for truth, ds in truths.items():
                m = evaluate_predictions(ds, pred, name=label).metrics
                rows.append({"cell type": cell, "ground truth": truth, "method": label, "AUROC": m.auroc,
                             "AUPRC ratio": m.auprc_ratio, "EPR": m.epr, "seconds": seconds})
                print(f"  {label:20s} {truth:13s} AUROC {m.auroc:.3f}  AUPRC ratio {m.auprc_ratio:.3f}  "
                      f"EPR {m.epr:.3f}  ({seconds:.1f} s)", flush=True)
    table = pd.DataFrame(rows)
    key = ["cell type", "ground truth"]
    a = table[table.method == "diffusion (ours)"].set_index(key)
    b = table[table.method == "regdiffusion 0.2.3"].set_index(key)
    ratios = pd.DataFrame({"EPR ours/theirs": a["EPR"] / b["EPR"],
                           "AUPRC ratio ours/theirs": a["AUPRC ratio"] / b["AUPRC ratio"],
                           "AUROC ours/theirs": a["AUROC"] / b["AUROC"],
                           "time ours/theirs": a["seconds"] / b["seconds"]}).reset_index()
    ours_epr = a["EPR"].rename("diffusion EPR").reset_index()
    versus = ours_epr.merge(best_baselines(), on=["cell type", "ground truth"], how="left")
    load_after = os.getloadavg()
    text = (f"Side by side, one run, {args.threads} torch threads each, seed {args.seed}, "
            f"{args.steps} steps, our params: {params}. Load average (1/5/15 min) before "
            f"{' / '.join(f'{v:.2f}' for v in load_before)}, after {' / '.join(f'{v:.2f}' for v in load_after)}.\n\n"
            + markdown_table(table, floatfmt=".3f") + "\n\n" + markdown_table(ratios, floatfmt=".3f") + "\n\nOur EPR next to the best other unsupervised "
            "method of bench/results/beeline_baselines.md:\n\n" + markdown_table(versus, floatfmt=".3f") + "\n")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(text)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

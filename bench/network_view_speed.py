"""Speed of the Network page's view (issue 8, section 5).

Part "view": build the view (`grncore.network.view.select`) for 1,000,000 scored pairs, against a
reference measured in the same run on the same frame: a plain ``DataFrame.nlargest(k, "score")``,
the least any top-k selection must do. Target: under 1 s for the view (no Python loop over pairs).

Usage (from the repo root):

    .venv/bin/python bench/network_view_speed.py [--pairs 1000000] [--repeats 5]

Prints one line per case: median seconds of the view, of the reference, and their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from grncore.network import select, to_pred  # noqa: E402


def synthetic_pred(n_pairs: int, seed: int = 0) -> tuple[pd.DataFrame, list[str]]:
    """A pred frame of about ``n_pairs`` pairs: sqrt(n) regulators x sqrt(n) targets (string
    names, as a run's stored predictions), random scores, 1% known edges; and the TF list."""
    side = int(round(np.sqrt(n_pairs)))
    rng = np.random.default_rng(seed)
    regs = np.array([f"TF{i}" for i in range(side)], dtype=object)
    tgts = np.array([f"G{j}" for j in range(side)], dtype=object)
    frame = pd.DataFrame({"regulator": np.repeat(regs, side), "target": np.tile(tgts, side),
                          "score": rng.random(side * side), "label": (rng.random(side * side) < 0.01).astype(np.int8)})
    return to_pred(frame), regs[: side // 2].tolist()


def _median_seconds(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def view_speed(n_pairs: int = 1_000_000, repeats: int = 5) -> list[dict]:
    """Part "build the view for 1,000,000 pairs": median seconds per case, with the nlargest
    reference of the same k on the same frame; returns the rows it printed."""
    pred, tfs = synthetic_pred(n_pairs)
    center = pred.loc[pred["rank"].idxmin(), "regulator"]
    cases = {
        "top-500 (missed edges on)": dict(top_k=500),
        "top-500, TF-only, novel-only": dict(top_k=500, tfs=tfs, tfs_only=True, novel_only=True),
        "threshold (50,000 pass), capped at 500": dict(threshold=float(np.quantile(pred["score"], 0.95))),
        "top-5000, 2 hops around the best TF": dict(top_k=5000, center=center, hops=2),
    }
    ref = _median_seconds(lambda: pred.nlargest(500, "score"), repeats)
    print(f"build the view for {len(pred):,} pairs (median of {repeats}; reference: "
          f"DataFrame.nlargest(500, 'score') = {ref:.3f} s)")
    rows = []
    for name, kw in cases.items():
        secs = _median_seconds(lambda: select(pred, **kw), repeats)
        v = select(pred, **kw)
        rows.append({"case": name, "seconds": secs, "reference_seconds": ref, "ratio": secs / ref,
                     "edges": len(v.edges)})
        print(f"  {name:<42} {secs:.3f} s  ({secs / ref:.1f}x nlargest; {len(v.edges)} edges drawn; "
              f"target < 1 s: {'met' if secs < 1 else 'NOT met'})")
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    view_speed(args.pairs, args.repeats)


if __name__ == "__main__":
    main()

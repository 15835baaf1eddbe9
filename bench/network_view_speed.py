"""Speed of the Network page's view (issue 8, section 5).

Part "view": build the view (`grncore.network.view.select`) for 1,000,000 scored pairs, against a
reference measured in the same run on the same frame: a plain ``DataFrame.nlargest(k, "score")``,
the least any top-k selection must do. Target: under 1 s for the view (no Python loop over pairs).

Part "canvas" (``--canvas``): in Chromium (Playwright, as the browser tests), the Network page of a
pearson discovery run on BEELINE hHEP TFs+500 STRING (948 genes, 424,256 candidate pairs, from the
shared benchmark data): the time from choosing k = 500 on the top-k slider (from 300) to the network
canvas drawn with the 500 edges (vis-network's first ``afterDrawing`` in the new iframe), with
physics on and off; of it, the time inside the iframe (parsing the inlined vis-network, layout,
drawing). Reference measured in the same run: the same round trip to k = 50 (from 20). Target:
under 3 s.

Usage (from the repo root):

    .venv/bin/python bench/network_view_speed.py [--pairs 1000000] [--repeats 5] [--canvas]

Prints one line per case: median seconds, of the reference, and their ratio.
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


def canvas_speed(repeats: int = 5, dataset: str = "beeline/hHEP/TFs+500/STRING") -> list[dict]:
    """Part "draw 500 edges in Chromium" (module doc): median seconds per physics setting, with
    the k = 50 round trip as reference; returns the rows it printed."""
    import os
    import tempfile

    from grncore.bench import run as bench_run
    from grncore.data.beeline import read_beeline
    from grncore.jobs import Workspace
    from tests.browser import browser_page, live_server, wait_app_idle

    root = Path(os.environ.get("GRN_BENCHDATA", Path(__file__).resolve().parents[2] / "shared" / "benchdata"))
    ds = read_beeline(root / dataset)
    tmp = Path(tempfile.mkdtemp(prefix="network_canvas_"))
    ws = Workspace(tmp / "workspace")
    ds_id = ws.save_dataset(ds)
    ws.set_setting("active_dataset", ds_id)
    t0 = time.perf_counter()
    bench_run.run(ds, "pearson", split="discovery", workspace=ws, dataset_id=ds_id)
    print(f"draw the top 500 of {ds.n_candidate_pairs:,} pairs ({ds.name}; pearson discovery run in "
          f"{time.perf_counter() - t0:.1f} s) in Chromium, median of {repeats}")
    rows = []
    with live_server(tmp / "workspace") as url, browser_page(height=1600) as page:
        page.goto(f"{url}/network", wait_until="domcontentloaded")
        frame = page.frame_locator("iframe").first
        frame.locator('#mynetwork[data-drawn="1"]').wait_for(timeout=180_000)
        page.get_by_text("Show missed edges").click()  # the view is then exactly k edges
        ladder = [10, 20, 50, 100, 200, 300, 500]  # the page's k steps up to 500
        at = [ladder.index(100)]

        def step(k: int) -> tuple[float, float]:
            """One arrow key to the neighbouring k; seconds from the key press to the canvas drawn
            with k edges, and of them the time inside the new iframe."""
            wait_app_idle(page)
            slider = page.get_by_role("slider", name="Top-k edges")
            slider.focus()
            t = time.perf_counter()
            page.keyboard.press("ArrowRight" if ladder.index(k) > at[0] else "ArrowLeft")
            node = frame.locator(f'body[data-edges="{k}"] #mynetwork[data-drawn="1"]')
            node.wait_for(timeout=120_000)
            seconds = time.perf_counter() - t
            at[0] = ladder.index(k)
            return seconds, int(node.get_attribute("data-drawn-ms")) / 1000

        def walk(k: int) -> None:
            while ladder[at[0]] != k:
                step(ladder[at[0] + (1 if ladder.index(k) > at[0] else -1)])

        for physics in (True, False):
            if not physics:
                page.get_by_text("Physics").click()
            walk(300)
            big, inside = [], []
            for _ in range(repeats):
                s_, i_ = step(500)
                big.append(s_)
                inside.append(i_)
                step(300)
            walk(20)
            small = []
            for _ in range(repeats):
                small.append(step(50)[0])
                step(20)
            secs, ref, ins = statistics.median(big), statistics.median(small), statistics.median(inside)
            name = f"k=500, physics {'on' if physics else 'off'}"
            rows.append({"case": name, "seconds": secs, "in_iframe_seconds": ins, "reference_seconds": ref,
                         "ratio": secs / ref})
            print(f"  {name:<18} {secs:.2f} s (in the iframe {ins:.2f} s; {secs / ref:.1f}x the k=50 round trip "
                  f"of {ref:.2f} s; target < 3 s: {'met' if secs < 3 else 'NOT met'})")
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--canvas", action="store_true", help="also time drawing 500 edges of a BEELINE run in Chromium")
    args = ap.parse_args()
    view_speed(args.pairs, args.repeats)
    if args.canvas:
        canvas_speed(args.repeats)


if __name__ == "__main__":
    main()

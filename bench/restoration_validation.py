"""Validation of grncore.restore on data with known answers, and the cycle-breaking timing.

    .venv/bin/python bench/restoration_validation.py [--part all|speed|simulated|dream4]
        [--seeds 0 1 2 3] [--sizes 40 100] [--nets 1 2 3 4 5] [--top 10] [--infer pearson]

1. speed: a random 2,000-node, 3,000-edge weighted digraph; the Eades-Lin-Smyth feedback arc
   set (corrected mode) against the published rule (drop the lightest edge of a found cycle
   until acyclic, gager mode), measured in the same run; arcs removed by each.
2. simulated: `simulate.two_states` (3 perturbed TFs; counts normalised + log1p) for every seed
   and size; per mode and relationship, precision / recall of the TFs chosen at th2 = 0.35
   against the perturbed ones, and recall@3 of the candidate ranking (first-step difference),
   with the GRN given (the true network, one for both states) and inferred per state
   (``--infer`` on each state's cells, 3 edges per gene, th1 = 0.1).
3. dream4: DREAM4 size-100 networks 1-5. Source = the knockout (``--perturbation knockdowns``:
   the knockdown) steady state of regulator g,
   target = the wild type, GRN = the gold standard (one for both), relationships fitted on the
   other experiments (the 10 time series, the other 99 knockouts and knockdowns; g's knockout
   and knockdown left out), g hidden from the objective; corrected mode, th1 = 0. The ranking
   of g among the candidates (first-step difference, best first; ties count half) over the
   ``--top`` knockouts with the largest downstream effect sum_{h != g} |ko_g(h) - wt(h)| of each
   network: top-1, top-3, mean reciprocal rank; next to the direct-targets and descendants
   baselines, the gager mode (fitted on the two states, as published) and chance.

Prints Markdown tables. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from grncore.data import read_dream4, simulate  # noqa: E402
from grncore.data.preprocess import normalize_log1p  # noqa: E402
from grncore.restore import (break_cycles_gager, feedback_arc_set, fit_edges, infer_grn,  # noqa: E402
                             prepare, relationships_for, run, split_states)

BENCHDATA = Path(__file__).resolve().parents[2] / "shared" / "benchdata"


def md_table(frame: pd.DataFrame, floatfmt: str = "{:.3f}") -> str:
    cols = list(frame.columns)
    lines = ["| " + " | ".join(map(str, cols)) + " |", "|" + "---|" * len(cols)]
    for _, row in frame.astype(object).iterrows():
        cells = [floatfmt.format(v) if isinstance(v, float) else str(v) for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# ---------------------------------------------------------------------- 1. speed
def part_speed() -> None:
    rng = np.random.default_rng(0)
    g = nx.DiGraph()
    g.add_nodes_from(range(2000))
    while g.number_of_edges() < 3000:
        u, v = (int(i) for i in rng.integers(0, 2000, 2))
        if u != v:
            g.add_edge(u, v, weight=float(rng.random()))
    fas_t = []
    for _ in range(3):
        t = time.perf_counter()
        arcs = feedback_arc_set(g)
        fas_t.append(time.perf_counter() - t)
    h = g.copy()
    t = time.perf_counter()
    removed = break_cycles_gager(h)
    gager_t = time.perf_counter() - t
    print("## Cycle breaking, 2,000 nodes / 3,000 edges (random weighted digraph, seed 0)\n")
    print("| method | seconds | edges removed | / Eades-Lin-Smyth |\n|---|---|---|---|")
    print(f"| Eades-Lin-Smyth FAS (best of 3) | {min(fas_t):.3f} | {len(arcs)} | 1 |")
    print(f"| gager: lightest edge of a found cycle, repeated | {gager_t:.3f} | {len(removed)} | "
          f"{gager_t / min(fas_t):.0f}x |\n")


# ---------------------------------------------------------------------- 2. simulated
def _pr(chosen, truth) -> tuple[float, float]:
    hit = len(set(chosen) & set(truth))
    return (hit / len(chosen) if chosen else 0.0), hit / len(truth)


def part_simulated(seeds, sizes, infer_method: str) -> None:
    rows = []
    for n_genes in sizes:
        for seed in seeds:
            ts = simulate.two_states(n_genes=n_genes, n_cells=200, n_perturbed_tfs=3, seed=seed)
            ds = normalize_log1p(ts.dataset)
            s, t = split_states(ds)
            grns = {"given": (ds.network, None, 0.0)}
            tg = infer_grn(t, infer_method, tfs=ds.tfs, seed=seed)
            sg = infer_grn(s, infer_method, tfs=ds.tfs, seed=seed)
            grns["inferred"] = (tg, sg, 0.1)
            for grn_kind, (target_grn, source_grn, th1) in grns.items():
                for mode in ("gager", "corrected"):
                    problem = prepare(s, t, target_grn, source_grn, mode=mode, edge_threshold=th1)
                    for rel in relationships_for(mode):
                        res = run(problem, fit_edges(problem, rel, s, t), 0.35, relationship=rel)
                        p, r = _pr(res.chosen_genes, ts.perturbed_tfs)
                        top3 = [c["gene"] for c in res.candidates[:3]]
                        rows.append({"grn": grn_kind, "mode": mode, "relationship": rel, "genes": n_genes,
                                     "seed": seed, "precision": p, "recall": r,
                                     "recall@3": _pr(top3, ts.perturbed_tfs)[1], "n_tfs": len(res.chosen),
                                     "restored": 1 - res.final_difference / res.initial_difference})
    table = pd.DataFrame(rows)
    agg = (table.groupby(["grn", "mode", "relationship"], sort=False)
           [["precision", "recall", "recall@3", "n_tfs", "restored"]].mean().reset_index())
    print(f"## Simulated two states (sizes {list(sizes)}, seeds {list(seeds)}, 3 perturbed TFs, "
          f"th2 = 0.35; inferred GRNs: {infer_method} per state)\n")
    print("Means over the", len(sizes) * len(seeds), "datasets. `restored` = 1 - D/D0.\n")
    print(md_table(agg))
    print()


# ---------------------------------------------------------------------- 3. DREAM4
def _rank(scores: dict, g: str, lower_is_better: bool) -> float:
    """1 + candidates strictly better + half the tied others; inf if g is no candidate."""
    if g not in scores:
        return float("inf")
    v = scores[g]
    vals = np.array(list(scores.values()))
    better = (vals < v - 1e-12) if lower_is_better else (vals > v + 1e-12)
    ties = np.abs(vals - v) <= 1e-12
    return 1.0 + better.sum() + (ties.sum() - 1) / 2


def part_dream4(nets, top: int, perturbation: str = "knockouts") -> None:
    rows = []
    chance = []
    for k in nets:
        folder = BENCHDATA / "dream4" / "size100" / f"net{k}"
        ds = read_dream4(folder)
        gold = ds.network[["regulator", "target"]]
        graph = nx.DiGraph(list(zip(gold["regulator"], gold["target"])))
        wt = ds.extras["wildtype"].iloc[:, 0].astype(float)
        ko, kd = ds.extras["knockouts"].astype(float), ds.extras["knockdowns"].astype(float)
        pert, prefix = (ko, "ko_") if perturbation == "knockouts" else (kd, "kd_")
        effect = {g: float((pert[f"{prefix}{g}"] - wt).drop(g).abs().sum()) for g in ds.genes}
        picks = sorted(effect, key=effect.get, reverse=True)[:top]
        regulators = sorted(set(gold["regulator"]))
        chance.append(len(regulators))
        target = wt.to_frame("wt")
        for g in picks:
            source = pert[[f"{prefix}{g}"]]
            fit_expr = pd.concat([ds.expression.astype(float), ko.drop(columns=f"ko_{g}"),
                                  kd.drop(columns=f"kd_{g}")], axis=1)
            d = (wt - source.iloc[:, 0]).abs().drop(g)
            direct = {c: float(d.reindex(list(graph.successors(c))).fillna(0).sum()) for c in regulators}
            desc = {c: float(d.reindex(list(nx.descendants(graph, c))).fillna(0).sum()) for c in regulators}
            row = {"net": k, "gene": g, "direct targets": _rank(direct, g, False),
                   "descendants": _rank(desc, g, False)}
            for mode in ("corrected", "gager"):
                problem = prepare(source, target, gold, mode=mode, edge_threshold=0.0, hide_genes=[g],
                                  fit_expression=fit_expr if mode == "corrected" else None)
                for rel in relationships_for(mode):
                    if mode == "gager" and rel != "linear":
                        continue
                    res = run(problem, fit_edges(problem, rel, source, target,
                                                 fit_expr if mode == "corrected" else None), 0.35)
                    first = {c["gene"]: c["first_step_difference"] for c in res.candidates
                             if c["gene"] in set(regulators)}      # gager ranks every node
                    row[rel if mode == "corrected" else "gager (linear)"] = _rank(first, g, True)
            rows.append(row)
            print(f"net{k} {g}: " + ", ".join(f"{c}={v:g}" for c, v in row.items() if c not in ("net", "gene")),
                  file=sys.stderr)
    ranks = pd.DataFrame(rows)
    methods = [c for c in ranks.columns if c not in ("net", "gene")]
    out = []
    for m in methods:
        r = ranks[m].to_numpy(dtype=float)
        out.append({"ranking": m, "top-1": float(np.mean(r <= 1)), "top-3": float(np.mean(r <= 3)),
                    "MRR": float(np.mean(1 / r)), "median rank": float(np.median(r))})
    n = np.array(chance, dtype=float)
    out.append({"ranking": "chance", "top-1": float(np.mean(1 / n)), "top-3": float(np.mean(3 / n)),
                "MRR": float(np.mean([np.mean(1 / np.arange(1, m + 1)) for m in chance])),
                "median rank": float(np.mean((n + 1) / 2))})
    print(f"## DREAM4 size 100, nets {list(nets)}: which {perturbation[:-1]} caused the state? "
          f"({len(ranks)} {perturbation}, the {top} with the largest downstream effect per network)\n")
    print(f"Candidates: the gold standard's regulators ({', '.join(str(int(c)) for c in chance)} per network). "
          "Corrected mode unless noted.\n")
    print(md_table(pd.DataFrame(out)))
    print()
    rng = np.random.default_rng(0)
    base = 1 / ranks["direct targets"].to_numpy(dtype=float)
    paired = []
    for m in methods:
        if m == "direct targets":
            continue
        rr = 1 / ranks[m].to_numpy(dtype=float)
        diff = rr - base
        boot = [diff[rng.integers(0, len(diff), len(diff))].mean() for _ in range(2000)]
        lo, hi = np.quantile(boot, [0.025, 0.975])
        paired.append({"ranking": m, "better": int((diff > 1e-12).sum()), "equal": int((np.abs(diff) <= 1e-12).sum()),
                       "worse": int((diff < -1e-12).sum()), "MRR - baseline": float(diff.mean()),
                       "95% bootstrap CI": f"[{lo:+.3f}, {hi:+.3f}]"})
    print("Paired against the direct-targets baseline, perturbation by perturbation (reciprocal ranks; "
          "bootstrap over perturbations, 2,000 resamples, seed 0):\n")
    print(md_table(pd.DataFrame(paired)))
    print()
    per_net = ranks.groupby("net")[methods].apply(lambda f: (1 / f).mean()).reset_index()
    print("MRR per network:\n")
    print(md_table(per_net))
    print()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--part", choices=("all", "speed", "simulated", "dream4"), default="all")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3])
    ap.add_argument("--sizes", type=int, nargs="+", default=[40, 100])
    ap.add_argument("--nets", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    ap.add_argument("--top", type=int, default=10)
    ap.add_argument("--infer", default="pearson", help="unsupervised method for the inferred GRNs")
    ap.add_argument("--perturbation", choices=("knockouts", "knockdowns"), default="knockouts",
                    help="DREAM4 source states: knockout or knockdown steady states")
    args = ap.parse_args(argv)
    if args.part in ("all", "speed"):
        part_speed()
    if args.part in ("all", "simulated"):
        part_simulated(args.seeds, args.sizes, args.infer)
    if args.part in ("all", "dream4"):
        part_dream4(args.nets, args.top, args.perturbation)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""GeneNet Transformer (`gnt`) on BEELINE TFs+500 next to sentinels and baselines, vs the thesis.

For each cell type (hHEP, mESC, mHSC-L) and ground truth (STRING, Non-Specific, Specific) and each
split (``edge_random`` = the thesis protocol, ``tf_disjoint`` = held-out regulators), every method
is scored on the SAME test pairs (same split, seed 0) through `grncore.bench.run.run`:

- ``gnt`` with its defaults (= the thesis's section 5.4.2 values: d 128, alpha 1, 10 negatives,
  30 epochs, batch 256, lr 0.002), ``gne`` (GNE reference defaults), the ``degree`` sentinel
  (training out-degree x in-degree, no expression) and ``pearson`` (|r|, unsupervised);
- ``grnboost2`` (unsupervised, ``n_jobs`` = ``--grnboost2-jobs``): its per-target fits do not
  depend on the split or the ground truth, only on the regressor (TF) set, and each target's
  random state is derived from the seed and the target name. So it is fitted ONCE per cell type on
  every gene as target, and each (truth, split) is evaluated by looking up its test pairs
  (`grncore.bench.run.evaluate_predictions`, which builds the same split). With
  ``--grnboost2-tfs union`` (default) the regressors are the union of the truths' TF lists (the
  Specific list, a superset: +7 TFs on mESC, +1 on mHSC-L, identical on hHEP); ``exact`` fits once
  per distinct TF list and reproduces ``run(ds, "grnboost2", split)`` exactly. Its ``seconds`` is
  the shared fit.
- two more sentinels computed here (not registered methods; no expression): ``reverse`` (1 if
  the reverse of the test pair is a training positive, else 0) and ``indegree`` (the target's
  in-degree over the training positives: the part of ``degree`` that survives held-out TFs).

Leakage of symmetric ground truths: for every (truth, split) the script counts the test positives
whose reverse is a training positive, and reports every method's AUROC on the test pairs whose
reverse is NOT a training positive (``AUROC no-rev``).

Usage (repo root; data from ../shared/benchdata or GRN_BENCHDATA):

    .venv/bin/python bench/beeline_gnt.py [--cells hHEP mESC mHSC-L] [--truths STRING ...]
        [--splits edge_random tf_disjoint] [--methods gnt degree pearson grnboost2 gne]
        [--grnboost2-jobs 1] [--grnboost2-tfs union|exact] [--resume] [--report-only]
        [--out bench/results/beeline_gnt.md]

Raw rows go to ``bench/out/beeline_gnt_rows.csv`` (git-ignored) after every run; ``--resume``
skips rows already there, so an interrupted grid can be continued.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from grncore import methods  # noqa: E402
from grncore.bench import candidate_pairs, evaluate  # noqa: E402
from grncore.bench.grid import markdown_table  # noqa: E402
from grncore.bench.run import build_split, evaluate_predictions, run  # noqa: E402
from grncore.data import load  # noqa: E402

BENCHDATA = Path(os.environ.get("GRN_BENCHDATA", Path(__file__).resolve().parents[2] / "shared" / "benchdata"))
CELLS = ("hHEP", "mESC", "mHSC-L")
TRUTHS = ("STRING", "Non-Specific", "Specific")
SPLITS = ("edge_random", "tf_disjoint")
METHODS = ("gnt", "degree", "pearson", "grnboost2", "gne")
ROWS_CSV = Path(__file__).resolve().parent / "out" / "beeline_gnt_rows.csv"

# Thesis (genenet-transformer-thesis, chapter 5) AUROC / AUPRC, TFs+500 tables:
# Specific = Tables 5.1/5.2, Non-Specific = 5.5/5.6, STRING = 5.9/5.10. Columns read as
# hESC, hHEP, mDC, mESC, mHSC-E, mHSC-GM, mHSC-L (every data row has seven numbers; the PDF
# extraction garbled the mHSC headers). Only the methods we also run are listed here.
THESIS = {
    # (cell, truth, method): (AUROC, AUPRC)
    ("hHEP", "Specific", "gnt"): (0.98, 0.98), ("mESC", "Specific", "gnt"): (0.98, 0.97),
    ("mHSC-L", "Specific", "gnt"): (0.98, 0.97),
    ("hHEP", "Specific", "gne"): (0.80, 0.65), ("mESC", "Specific", "gne"): (0.81, 0.64),
    ("mHSC-L", "Specific", "gne"): (0.77, 0.70),
    ("hHEP", "Specific", "grnboost2"): (0.52, 0.38), ("mESC", "Specific", "grnboost2"): (0.53, 0.32),
    ("mHSC-L", "Specific", "grnboost2"): (0.52, 0.50),
    ("hHEP", "Specific", "pearson"): (0.49, 0.35), ("mESC", "Specific", "pearson"): (0.51, 0.31),
    ("mHSC-L", "Specific", "pearson"): (0.55, 0.52),
    ("hHEP", "Non-Specific", "gnt"): (0.93, 0.92), ("mESC", "Non-Specific", "gnt"): (0.92, 0.90),
    ("mHSC-L", "Non-Specific", "gnt"): (0.942, 0.94),
    ("hHEP", "Non-Specific", "gne"): (0.69, 0.09), ("mESC", "Non-Specific", "gne"): (0.65, 0.07),
    ("mHSC-L", "Non-Specific", "gne"): (0.64, 0.04),
    ("hHEP", "Non-Specific", "grnboost2"): (0.53, 0.09), ("mESC", "Non-Specific", "grnboost2"): (0.54, 0.07),
    ("mHSC-L", "Non-Specific", "grnboost2"): (0.67, 0.10),
    ("hHEP", "Non-Specific", "pearson"): (0.57, 0.05), ("mESC", "Non-Specific", "pearson"): (0.55, 0.07),
    ("mHSC-L", "Non-Specific", "pearson"): (0.65, 0.10),
    ("hHEP", "STRING", "gnt"): (0.95, 0.95), ("mESC", "STRING", "gnt"): (0.94, 0.95),
    ("mHSC-L", "STRING", "gnt"): (0.97, 0.98),
    ("hHEP", "STRING", "gne"): (0.78, 0.10), ("mESC", "STRING", "gne"): (0.80, 0.16),
    ("mHSC-L", "STRING", "gne"): (0.76, 0.08),
    ("hHEP", "STRING", "grnboost2"): (0.61, 0.10), ("mESC", "STRING", "grnboost2"): (0.61, 0.13),
    ("mHSC-L", "STRING", "grnboost2"): (0.74, 0.40),
    ("hHEP", "STRING", "pearson"): (0.70, 0.15), ("mESC", "STRING", "pearson"): (0.64, 0.13),
    ("mHSC-L", "STRING", "pearson"): (0.74, 0.38),
}
# scGREAT (the thesis's "state of the art"), for the reference table only
THESIS_SCGREAT = {
    ("hHEP", "Specific"): (0.91, 0.86), ("mESC", "Specific"): (0.94, 0.89), ("mHSC-L", "Specific"): (0.88, 0.88),
    ("hHEP", "Non-Specific"): (0.91, 0.29), ("mESC", "Non-Specific"): (0.93, 0.35),
    ("mHSC-L", "Non-Specific"): (0.83, 0.23),
    ("hHEP", "STRING"): (0.96, 0.68), ("mESC", "STRING"): (0.96, 0.67), ("mHSC-L", "STRING"): (0.85, 0.38),
}
KEY = ["cell", "truth", "split", "method"]


def pair_keys(frame: pd.DataFrame) -> pd.Series:
    return frame["regulator"].astype(str) + "\t" + frame["target"].astype(str)


def reverse_mask(test: pd.DataFrame, train: pd.DataFrame) -> np.ndarray:
    """True where the reverse of the test pair is a training positive."""
    pos = train[train["label"].to_numpy() == 1]
    rev_train = set(pos["target"].astype(str) + "\t" + pos["regulator"].astype(str))
    return pair_keys(test).isin(rev_train).to_numpy()


def sentinels(sp, rev: np.ndarray):
    """Scores computed here that look at no expression: ``reverse`` (1 if the reverse of the pair
    is a training positive) and ``indegree`` (the target's in-degree over the training positives,
    the part of `degree` that survives held-out regulators)."""
    pos = sp.train[sp.train["label"].to_numpy() == 1]
    indeg = pos["target"].astype(str).value_counts()
    tgt = sp.test["target"].astype(str)
    yield "reverse", rev.astype(np.float64), "reverse of the pair is a training positive"
    yield ("indegree", tgt.map(indeg).fillna(0).to_numpy(np.float64),
           "target's in-degree over the training positives")


def subset_auroc(labels: np.ndarray, scores: np.ndarray, keep: np.ndarray) -> float:
    y = labels[keep]
    if y.min() == y.max():
        return float("nan")
    return evaluate(y, scores[keep]).auroc


class Grnboost2Cache:
    """grnboost2 scores of every (TF, gene) pair of one TF list, fitted once (all genes as targets)."""

    def __init__(self, jobs: int, mode: str, log):
        self.jobs, self.mode, self.log = jobs, mode, log
        self.store: dict[tuple, tuple[pd.DataFrame, float, int]] = {}

    def predictions(self, cell: str, truths: dict, ds) -> tuple[pd.DataFrame, float, str]:
        tfs = list(ds.tfs)   # dataset order: the regressor order decides the fits' column sampling
        if self.mode == "union":
            tfs = list(max((d.tfs for d in truths.values()), key=len))
            tfs += sorted(set().union(*(d.tfs for d in truths.values())) - set(tfs))
        key = (cell, tuple(tfs))
        if key not in self.store:
            base = ds.with_(tfs=tfs, network=None, notes=())
            pairs = candidate_pairs(base)
            self.log(f"    grnboost2: fitting {base.n_genes} targets on {len(tfs)} TFs "
                     f"({len(pairs):,} pairs, n_jobs={self.jobs}) ...")
            t0 = time.perf_counter()
            scores = methods.score_pairs(base, pairs, "grnboost2", {"n_jobs": self.jobs}, seed=0)
            seconds = time.perf_counter() - t0
            pred = pd.DataFrame({"regulator": pairs["regulator"].astype(str),
                                 "target": pairs["target"].astype(str), "score": scores})
            self.store[key] = (pred, seconds, len(tfs))
            self.log(f"    grnboost2: {seconds:.0f} s")
        pred, seconds, n_tfs = self.store[key]
        extra = n_tfs - len(ds.tfs)
        note = f"shared fit, {n_tfs} TFs" + (f" (+{extra} not in this truth's TF list)" if extra else "")
        return pred, seconds, note


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cells", nargs="+", default=list(CELLS))
    parser.add_argument("--truths", nargs="+", default=list(TRUTHS))
    parser.add_argument("--splits", nargs="+", default=list(SPLITS))
    parser.add_argument("--methods", nargs="+", default=list(METHODS),
                        help="any of gnt degree pearson grnboost2 gne (plus registered methods); "
                             "the 'reverse' and 'indegree' sentinels are always added")
    parser.add_argument("--size", default="TFs+500")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--grnboost2-jobs", type=int, default=1,
                        help="worker processes for grnboost2 (1 when other heavy jobs share the CPU)")
    parser.add_argument("--grnboost2-tfs", choices=("union", "exact"), default="union")
    parser.add_argument("--grnboost2-truths", nargs="+", default=None,
                        help="evaluate grnboost2 only on these truths (default: all)")
    parser.add_argument("--torch-threads", type=int, default=1)
    parser.add_argument("--resume", action="store_true", help=f"skip rows already in {ROWS_CSV}")
    parser.add_argument("--rows", default=str(ROWS_CSV), help="raw rows CSV (appended after every run)")
    parser.add_argument("--out", default="bench/results/beeline_gnt.md")
    parser.add_argument("--report-only", action="store_true", help="rewrite --out from the rows CSV, run nothing")
    args = parser.parse_args()
    if args.report_only:
        write_markdown(pd.read_csv(args.rows), Path(args.out), args)
        print(f"wrote {args.out}")
        return 0

    import torch

    torch.set_num_threads(args.torch_threads)
    for m in args.methods:
        methods.get(m)

    rows_path = Path(args.rows)
    rows_path.parent.mkdir(parents=True, exist_ok=True)
    rows: list[dict] = []
    if args.resume and rows_path.exists():
        rows = pd.read_csv(rows_path).to_dict("records")
    done = {tuple(r[k] for k in KEY) for r in rows}

    def log(msg: str) -> None:
        print(msg, flush=True)

    def save() -> None:
        pd.DataFrame(rows).to_csv(rows_path, index=False)
        write_markdown(pd.DataFrame(rows), Path(args.out), args)

    gb = Grnboost2Cache(args.grnboost2_jobs, args.grnboost2_tfs, log)
    t_all = time.perf_counter()
    for cell in args.cells:
        truths = {t: load(BENCHDATA / "beeline" / cell / args.size / t) for t in args.truths}
        for truth, ds in truths.items():
            for split in args.splits:
                sp, _ = build_split(ds, split, args.seed, None)
                rev = reverse_mask(sp.test, sp.train)
                y = sp.test["label"].to_numpy()
                log(f"{cell} {truth} {split}: {len(sp.test):,} test pairs, {int(y.sum())} positives, "
                    f"{int((rev & (y == 1)).sum())} with reverse in training positives")
                tf_info = sp.info.get("tfs", {})
                base = {"cell": cell, "truth": truth, "split": split, "genes": ds.n_genes, "tfs": len(ds.tfs),
                        "tfs_with_edges": int(pd.concat([sp.train, sp.val, sp.test]).query("label == 1")
                                              ["regulator"].astype(str).nunique()),
                        "test_tfs": len(tf_info["test"]) if "test" in tf_info else
                                    int(sp.test["regulator"].astype(str).nunique()),
                        "edges": int(len(sp.train[sp.train.label == 1]) + len(sp.val[sp.val.label == 1])
                                     + int(y.sum())),
                        "train_pairs": len(sp.train), "test_pairs": len(sp.test), "test_pos": int(y.sum()),
                        "test_pos_rev_in_train": int((rev & (y == 1)).sum()),
                        "test_neg_rev_in_train": int((rev & (y == 0)).sum())}
                for r in rows:   # (re)attach the split statistics to rows of this block (--resume)
                    if (r["cell"], r["truth"], r["split"]) == (cell, truth, split):
                        r.update(base)
                for name, score, note in sentinels(sp, rev):
                    if (cell, truth, split, name) in done:
                        continue
                    m = evaluate(y, score)
                    rows.append({**base, "method": name, "auroc": m.auroc, "auprc": m.auprc,
                                 "auprc_ratio": m.auprc_ratio, "epr": m.epr,
                                 "auroc_norev": subset_auroc(y, score, ~rev), "seconds": 0.0, "note": note})
                for method in args.methods:
                    if (cell, truth, split, method) in done:
                        continue
                    if method == "grnboost2" and args.grnboost2_truths and truth not in args.grnboost2_truths:
                        continue
                    log(f"  {method} ...")
                    note = ""
                    extra: dict = {}
                    if method == "grnboost2":
                        pred, seconds, note = gb.predictions(cell, truths, ds)
                        res = evaluate_predictions(ds, pred, name="grnboost2", split=split, seed=args.seed)
                        if res.extra.get("unscored_test_pairs"):
                            note += f"; {res.extra['unscored_test_pairs']} test pairs unscored"
                    else:
                        res = run(ds, method, split, {}, args.seed, device="cpu")
                        seconds = res.seconds
                        if res.history is not None and "seconds" in res.history:
                            h = res.history
                            extra = {"epochs": int(len(h)), "s_per_epoch": float(h["seconds"].mean())}
                            note = f"{len(h)} epochs, {h['seconds'].mean():.2f} s/epoch"
                    pr = res.predictions
                    assert (pair_keys(pr).to_numpy() == pair_keys(sp.test).to_numpy()).all(), "test pairs differ"
                    m = res.metrics
                    row = {**base, "method": method, "auroc": m.auroc, "auprc": m.auprc,
                           "auprc_ratio": m.auprc_ratio, "epr": m.epr,
                           "auroc_norev": subset_auroc(y, pr["score"].to_numpy(), ~rev),
                           "seconds": seconds, "note": note, **extra}
                    rows.append(row)
                    log(f"    AUROC {m.auroc:.3f} AUPRC {m.auprc:.3f} ratio {m.auprc_ratio:.2f} EPR {m.epr:.2f} "
                        f"no-rev AUROC {row['auroc_norev']:.3f} ({seconds:.1f} s)")
                    save()
        save()
    log(f"total {time.perf_counter() - t_all:.0f} s; wrote {args.out}")
    return 0


# ---------------------------------------------------------------------- report
def _fmt(v, f=".3f"):
    return "" if v is None or (isinstance(v, float) and np.isnan(v)) else format(v, f)


def write_markdown(df: pd.DataFrame, out: Path, args) -> None:
    import torch

    if df.empty:
        return
    order = {m: i for i, m in enumerate(["gnt", "gne", "degree", "indegree", "reverse", "pearson", "grnboost2"])}
    df = df.copy()
    df["_o"] = df["method"].map(lambda m: order.get(m, 99))
    df["_c"] = df["cell"].map(lambda c: list(CELLS).index(c) if c in CELLS else 99)
    df["_t"] = df["truth"].map(lambda t: list(TRUTHS).index(t) if t in TRUTHS else 99)
    df = df.sort_values(["_c", "_t", "_o"])
    parts = [
        "# GeneNet Transformer (gnt) on BEELINE TFs+500 vs the thesis\n",
        f"Generated by `bench/beeline_gnt.py` ({time.strftime('%Y-%m-%d %H:%M')}; {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores shared with other jobs, torch {torch.__version__} with {args.torch_threads} thread(s), "
        f"grnboost2 n_jobs={args.grnboost2_jobs}, TF set `{args.grnboost2_tfs}`). Seed 0 for every split and model. "
        "Every method of a (cell, truth, split) block is scored on the same test pairs. "
        "`thesis` columns: the thesis's AUROC / AUPRC for that method on that data (Tables 5.1/5.2, 5.5/5.6, 5.9/5.10), "
        "obtained under ITS protocol (an edge-random 8:1:1 split; see the notes) -- they are NOT numbers for the "
        "tf_disjoint split, and for the unsupervised baselines they come from a test set with a different positive rate. "
        "`AUROC no-rev`: AUROC on the test pairs whose reverse is not a training positive. "
        "Sentinels that look at no expression: `degree` (training out-degree of the regulator x in-degree of the target), "
        "`indegree` (the target's training in-degree alone) and `reverse` (1 when the reverse of the pair is a training positive). "
        "Seconds: wall time of the run (gnt/gne: training + SVM + scoring); grnboost2: one shared fit per cell type "
        "of all genes as targets, reused for every truth and split.\n",
    ]
    for split in [s for s in SPLITS if s in set(df["split"])] + sorted(set(df["split"]) - set(SPLITS)):
        d = df[df["split"] == split]
        table = pd.DataFrame({
            "cell": d["cell"], "truth": d["truth"], "method": d["method"],
            "AUROC": d["auroc"].map(_fmt), "AUPRC": d["auprc"].map(_fmt),
            "AUPRC ratio": d["auprc_ratio"].map(lambda v: _fmt(v, ".2f")), "EPR": d["epr"].map(lambda v: _fmt(v, ".2f")),
            "AUROC no-rev": d["auroc_norev"].map(_fmt),
            "s": d["seconds"].map(lambda v: _fmt(v, ".0f") if v >= 1 else _fmt(v, ".1f")),
            "thesis AUROC": [_fmt(THESIS.get((c, t, m), (np.nan, np.nan))[0], ".2f")
                             for c, t, m in zip(d["cell"], d["truth"], d["method"])],
            "thesis AUPRC": [_fmt(THESIS.get((c, t, m), (np.nan, np.nan))[1], ".2f")
                             for c, t, m in zip(d["cell"], d["truth"], d["method"])],
            "note": d["note"].fillna(""),
        })
        title = {"edge_random": "edge_random (the thesis protocol: edges 8:1:1, test balanced 1:1)",
                 "tf_disjoint": "tf_disjoint (held-out regulators, test at the natural class ratio)"}.get(split, split)
        parts += [f"\n## {title}\n\n", markdown_table(table)]
    # leakage table
    lk = df[df["method"] == "reverse"]
    if len(lk):
        t = pd.DataFrame({
            "cell": lk["cell"], "truth": lk["truth"], "split": lk["split"], "edges": lk["edges"],
            "TFs (with edges)": [f"{a} ({b})" for a, b in zip(lk["tfs"], lk["tfs_with_edges"])],
            "test regulators": lk["test_tfs"],
            "train pairs": lk["train_pairs"], "test pairs": lk["test_pairs"], "test positives": lk["test_pos"],
            "test pos. with reverse in train pos.": [f"{a} ({a / b:.0%})" if b else "" for a, b in
                                                     zip(lk["test_pos_rev_in_train"], lk["test_pos"])],
            "test neg. with reverse in train pos.": lk["test_neg_rev_in_train"],
        }).sort_values(["split"], kind="stable")
        parts += ["\n## Reverse-edge leakage (test positives whose reverse is a training positive)\n\n",
                  markdown_table(t)]
    ref = []
    for c in CELLS:
        for tr in TRUTHS:
            vals = {m: THESIS.get((c, tr, m)) for m in ("gnt", "gne", "grnboost2", "pearson")}
            sg = THESIS_SCGREAT.get((c, tr))
            ref.append({"cell": c, "truth": tr,
                        **{f"{m} AUROC/AUPRC": f"{v[0]:.2f} / {v[1]:.2f}" for m, v in vals.items()},
                        "scGREAT AUROC/AUPRC": f"{sg[0]:.2f} / {sg[1]:.2f}"})
    parts += ["\n## Thesis values used (TFs+500; reconstructed from the PDF text)\n\n", markdown_table(pd.DataFrame(ref))]
    text = "".join(parts)
    analysis_marker = "\n## What holds and what does not\n"
    if out.exists():
        old = out.read_text()
        if analysis_marker in old:   # keep the hand-written analysis across regenerations
            text += analysis_marker + old.split(analysis_marker, 1)[1]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)


if __name__ == "__main__":
    sys.exit(main())

"""The GeneNet Transformer thesis's Tables 5.1-5.12 on the shared BEELINE sets, every method, next to sentinels.

For each cell type (hHEP, mESC, mHSC-L), size (TFs+500, TFs+1000), ground truth (STRING,
Non-Specific, Specific) and split (``edge_random`` = the thesis protocol, ``tf_disjoint`` =
held-out regulators), every method is scored on the SAME test pairs (same split, seed 0):

- supervised methods (gnt, gne, genelink, scgreat, cnnc, degree, ...) through
  `grncore.bench.run.run` with their default parameters, trained on the split's training pairs;
- unsupervised methods (pearson, mutual_info, genie3, grnboost2, scode, deepsem, diffusion, ...):
  their scores do not depend on the split or the ground truth, only on the expression and the
  regulator (TF) set, so each is run ONCE per (cell type, size) on every candidate pair of the union
  of the truths' TF lists, and each (truth, split) is evaluated by looking up its test pairs
  (`grncore.bench.run.evaluate_predictions`, which builds the same split). Its ``seconds`` is that
  shared run. A method a dataset does not offer (e.g. ``scode`` without pseudotime) is skipped with
  the reason;
- two sentinels computed here (no expression, not registered): ``reverse`` (1 if the reverse of
  the test pair is a training positive) and ``indegree`` (the target's in-degree over the training
  positives: the part of ``degree`` that survives held-out TFs).

Leakage of symmetric ground truths: for every (truth, split) the script counts the test positives
whose reverse is a training positive and reports every method's AUROC on the test pairs whose
reverse is NOT a training positive (``AUROC no-rev``).

The thesis's own numbers are read from ``papers/genenet-transformer-thesis.txt`` (the twelve
tables, seven cell-type columns hESC, hHEP, mDC, mESC, mHSC-E, mHSC-GM, mHSC-L; we have three of
them) and printed beside ours; they were obtained under the thesis's protocol (edge-random 8:1:1,
balanced test), so they compare with our ``edge_random`` column only.

Usage (repo root; data from ../shared/benchdata or GRN_BENCHDATA):

    .venv/bin/python bench/thesis_tables.py [--cells hHEP mESC mHSC-L] [--sizes TFs+500 TFs+1000]
        [--truths STRING ...] [--splits edge_random tf_disjoint] [--methods gnt gne pearson ...]
        [--jobs 1] [--resume] [--report-only] [--out bench/results/thesis_tables.md]

Raw rows go to ``bench/out/thesis_tables_rows.csv`` (git-ignored) after every run; ``--resume``
skips rows already there, so an interrupted grid can be continued (and a partial grid reported).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
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

ROOT = Path(__file__).resolve().parents[2]
BENCHDATA = Path(os.environ.get("GRN_BENCHDATA", ROOT / "shared" / "benchdata"))
THESIS_TEXT = ROOT / "shared" / "papers" / "genenet-transformer-thesis.txt"
CELLS = ("hHEP", "mESC", "mHSC-L")
SIZES = ("TFs+500", "TFs+1000")
TRUTHS = ("STRING", "Non-Specific", "Specific")
SPLITS = ("edge_random", "tf_disjoint")
# the thesis's methods first (its row order), then ours that it does not have
ORDER = ("genie3", "grnboost2", "scode", "mutual_info", "pearson", "deepsem", "gne", "genelink", "scgreat",
         "gnt", "cnnc", "diffusion", "spearman", "degree", "indegree", "reverse", "random")
SKIP_BY_DEFAULT = ("lstm", "cnn", "ae_nn")   # DREAM4 time-course models: time series only
ROWS_CSV = Path(__file__).resolve().parent / "out" / "thesis_tables_rows.csv"
KEY = ["cell", "size", "truth", "split", "method"]


# ---------------------------------------------------------------------- the thesis's numbers
_THESIS_NAMES = {"GENIE3": "genie3", "GRNBoost2": "grnboost2", "SCODE": "scode", "MI": "mutual_info",
                 "PCC": "pearson", "DeepSEM": "deepsem", "GNE": "gne", "GENELink": "genelink",
                 "scGREAT": "scgreat", "GNT": "gnt", "GNt": "gnt", "GN": "gnt"}
_THESIS_COLUMNS = ("hESC", "hHEP", "mDC", "mESC", "mHSC-E", "mHSC-GM", "mHSC-L")


def thesis_numbers(path: Path = THESIS_TEXT) -> dict[tuple[str, str, str, str, str], float]:
    """``{(metric, truth, size, cell, method): value}`` from the thesis's Tables 5.1-5.12.

    In the text extraction each table's rows (a method name, then seven tab-separated numbers;
    ``<b>`` marks the best) come before its caption "Table 5.N: AUC-ROC|AUPRC: <truth> (TFs with
    most varying 500|1000 genes)"; the mHSC column headers are garbled, the row values are not."""
    if not path.exists():
        return {}
    out, rows = {}, []
    row_re = re.compile(r"^(GENIE3|GRNBoost2|SCODE|MI|PCC|DeepSEM|GNE|GENELink|scGREAT|GN[Tt]?)\b[^\t]*((?:\t[^\t]*){7})$")
    cap_re = re.compile(r"^Table 5\.(\d+): (AUC-ROC|AUPRC): (.*)\((?:TFs with most varying )?(500|1000) genes\)")
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        m = row_re.match(line)
        if m:
            rows.append((_THESIS_NAMES[m.group(1)], [re.sub(r"</?b>", "", v) for v in m.group(2).split("\t")[1:]]))
            continue
        c = cap_re.match(line)
        if c and rows:
            metric = "AUROC" if c.group(2) == "AUC-ROC" else "AUPRC"
            low = c.group(3).lower()
            truth = "STRING" if "string" in low else "Non-Specific" if "nonspecific" in low.replace("-", "") else "Specific"
            size = f"TFs+{c.group(4)}"
            for method, values in rows:
                for cell, v in zip(_THESIS_COLUMNS, values):
                    try:
                        out[(metric, truth, size, cell, method)] = float(v)
                    except ValueError:
                        pass
            rows = []
    return out


# ---------------------------------------------------------------------- sentinels and helpers
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


def method_params(method: str, jobs: int) -> dict:
    """Default parameters, with the worker count of the per-target methods set."""
    fields = {f for f in methods.get(method).params.__dataclass_fields__}
    return {"n_jobs": jobs} if "n_jobs" in fields else {}


class SharedScores:
    """Scores of an unsupervised method on every (TF, gene) pair of the union of the truths' TF
    lists, computed once per (cell type, size, method) and looked up per truth and split."""

    def __init__(self, jobs: int, log):
        self.jobs, self.log = jobs, log
        self.store: dict[tuple, tuple[pd.DataFrame | None, float, int, str]] = {}

    def predictions(self, cell: str, size: str, method: str, truths: dict):
        key = (cell, size, method)
        if key not in self.store:
            largest = max(truths.values(), key=lambda d: len(d.tfs))
            tfs = list(largest.tfs)   # dataset order: the regressor order decides tree column draws
            tfs += sorted(set().union(*(d.tfs for d in truths.values())) - set(tfs))
            base = largest.with_(tfs=tfs, network=None, notes=())
            reason = methods.get(method).unavailable(base)
            if reason is not None:
                self.log(f"    {method}: not offered: {reason}")
                self.store[key] = (None, 0.0, len(tfs), reason)
            else:
                pairs = candidate_pairs(base)
                self.log(f"    {method}: scoring {len(pairs):,} pairs ({base.n_genes} genes, {len(tfs)} TFs) ...")
                t0 = time.perf_counter()
                scores = methods.score_pairs(base, pairs, method, method_params(method, self.jobs), seed=0,
                                             device="cpu")
                seconds = time.perf_counter() - t0
                pred = pd.DataFrame({"regulator": pairs["regulator"].astype(str),
                                     "target": pairs["target"].astype(str), "score": scores})
                self.store[key] = (pred, seconds, len(tfs), "")
                self.log(f"    {method}: {seconds:.0f} s")
        return self.store[key]


def default_methods() -> list[str]:
    names = [m for m in ORDER if m in methods.REGISTRY]
    return names + [m for m in methods.REGISTRY if m not in names and m not in SKIP_BY_DEFAULT]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cells", nargs="+", default=list(CELLS))
    parser.add_argument("--sizes", nargs="+", default=list(SIZES))
    parser.add_argument("--truths", nargs="+", default=list(TRUTHS))
    parser.add_argument("--splits", nargs="+", default=list(SPLITS))
    parser.add_argument("--methods", nargs="+", default=None,
                        help="registered methods (default: all but the DREAM4 time-course models); the "
                             "'reverse' and 'indegree' sentinels are always added")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=1,
                        help="worker processes of genie3/grnboost2 (1 when other heavy jobs share the CPU)")
    parser.add_argument("--torch-threads", type=int, default=1)
    parser.add_argument("--resume", action="store_true", help=f"skip rows already in {ROWS_CSV}")
    parser.add_argument("--rows", default=str(ROWS_CSV), help="raw rows CSV (rewritten after every run)")
    parser.add_argument("--out", default="bench/results/thesis_tables.md")
    parser.add_argument("--report-only", action="store_true", help="rewrite --out from the rows CSV, run nothing")
    args = parser.parse_args()
    if args.report_only:
        write_markdown(pd.read_csv(args.rows), Path(args.out), args)
        print(f"wrote {args.out}")
        return 0

    import torch

    torch.set_num_threads(args.torch_threads)
    chosen = args.methods or default_methods()
    for m in chosen:
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

    shared = SharedScores(args.jobs, log)
    t_all = time.perf_counter()
    for size in args.sizes:
        for cell in args.cells:
            truths = {t: load(BENCHDATA / "beeline" / cell / size / t) for t in args.truths}
            for truth, ds in truths.items():
                for split in args.splits:
                    block(rows, done, shared, cell, size, truth, ds, truths, split, chosen, args, log)
                    save()
        save()
    log(f"total {time.perf_counter() - t_all:.0f} s; wrote {args.out}")
    return 0


def block(rows, done, shared, cell, size, truth, ds, truths, split, chosen, args, log) -> None:
    """Every method on the test pairs of one (cell, size, truth, split)."""
    sp, _ = build_split(ds, split, args.seed, None)
    rev = reverse_mask(sp.test, sp.train)
    y = sp.test["label"].to_numpy()
    log(f"{cell} {size} {truth} {split}: {len(sp.test):,} test pairs, {int(y.sum())} positives, "
        f"{int((rev & (y == 1)).sum())} with reverse in training positives")
    base = {"cell": cell, "size": size, "truth": truth, "split": split, "genes": ds.n_genes, "tfs": len(ds.tfs),
            "train_pairs": len(sp.train), "test_pairs": len(sp.test), "test_pos": int(y.sum()),
            "test_pos_rev_in_train": int((rev & (y == 1)).sum())}
    for name, score, note in sentinels(sp, rev):
        if (cell, size, truth, split, name) in done:
            continue
        m = evaluate(y, score)
        rows.append({**base, "method": name, "auroc": m.auroc, "auprc": m.auprc, "auprc_ratio": m.auprc_ratio,
                     "epr": m.epr, "auroc_norev": subset_auroc(y, score, ~rev), "seconds": 0.0, "note": note})
    for method in chosen:
        if (cell, size, truth, split, method) in done:
            continue
        spec = methods.get(method)
        log(f"  {method} ...")
        note = ""
        if not spec.supervised:
            pred, seconds, n_tfs, reason = shared.predictions(cell, size, method, truths)
            if pred is None:
                rows.append({**base, "method": method, "seconds": 0.0, "note": f"not offered: {reason}"})
                continue
            res = evaluate_predictions(ds, pred, name=method, split=split, seed=args.seed)
            extra_tfs = n_tfs - len(ds.tfs)
            note = f"shared run, {n_tfs} TFs" + (f" (+{extra_tfs} not in this truth's list)" if extra_tfs else "")
        else:
            res = run(ds, method, split, method_params(method, args.jobs), args.seed, device="cpu")
            seconds = res.seconds
            h = res.history
            if h is not None and len(h) and "seconds" in h:
                note = f"{len(h)} epochs, {h['seconds'].mean():.2f} s/epoch"
        pr = res.predictions
        assert (pair_keys(pr).to_numpy() == pair_keys(sp.test).to_numpy()).all(), "test pairs differ"
        m = res.metrics
        row = {**base, "method": method, "auroc": m.auroc, "auprc": m.auprc, "auprc_ratio": m.auprc_ratio,
               "epr": m.epr, "auroc_norev": subset_auroc(y, pr["score"].to_numpy(), ~rev), "seconds": seconds,
               "note": note}
        rows.append(row)
        log(f"    AUROC {m.auroc:.3f} AUPRC {m.auprc:.3f} ratio {m.auprc_ratio:.2f} EPR {m.epr:.2f} "
            f"no-rev AUROC {row['auroc_norev']:.3f} ({seconds:.1f} s)")


# ---------------------------------------------------------------------- report
def _fmt(v, f=".2f"):
    return "" if v is None or (isinstance(v, float) and np.isnan(v)) else format(v, f)


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    rank = {m: i for i, m in enumerate(ORDER)}
    return df.assign(_o=df["method"].map(lambda m: rank.get(m, len(rank))),
                     _c=df["cell"].map(lambda c: CELLS.index(c) if c in CELLS else 99),
                     _t=df["truth"].map(lambda t: TRUTHS.index(t) if t in TRUTHS else 99),
                     _s=df["size"].map(lambda s: SIZES.index(s) if s in SIZES else 99)
                     ).sort_values(["_s", "_t", "_o", "_c"]).drop(columns=["_o", "_c", "_t", "_s"])


def thesis_layout(df: pd.DataFrame, thesis: dict, size: str, truth: str, metric: str) -> pd.DataFrame:
    """One thesis table: a row per method, a column per cell type, each cell
    ``edge_random / tf_disjoint (thesis)``."""
    col = metric.lower()
    d = df[(df["size"] == size) & (df["truth"] == truth)]
    out = []
    for method in dict.fromkeys(d["method"]):
        row = {"method": method}
        for cell in CELLS:
            vals = []
            for split in SPLITS:
                hit = d[(d["method"] == method) & (d["cell"] == cell) & (d["split"] == split)]
                vals.append(_fmt(hit[col].iloc[0]) if len(hit) and col in hit else "")
                if len(hit) and not vals[-1] and str(hit["note"].iloc[0]).startswith("not offered"):
                    vals[-1] = "n/a"
            ours = " / ".join(v or "-" for v in vals)
            th = thesis.get((metric, truth, size, cell, method))
            row[cell] = ours + (f" ({th:.2f})" if th is not None else "")
        out.append(row)
    return pd.DataFrame(out)


def write_markdown(df: pd.DataFrame, out: Path, args) -> None:
    if df.empty:
        return
    import torch

    thesis = thesis_numbers()
    df = _sorted(df)
    parts = [
        "# The thesis's Tables 5.1-5.12 on the shared BEELINE sets\n\n",
        f"Generated by `bench/thesis_tables.py` ({time.strftime('%Y-%m-%d %H:%M')}; "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores shared with other jobs, torch "
        f"{torch.__version__} with {args.torch_threads} thread(s), genie3/grnboost2 n_jobs={args.jobs}). Seed 0 "
        "for every split and model, default parameters. Every method of a (cell, size, truth, split) block is "
        "scored on the same test pairs.\n\n"
        "Each cell reads `edge_random / tf_disjoint (thesis)`: ours under the thesis's protocol (edges 8:1:1, "
        "test balanced 1:1), ours with held-out regulators (test at the natural class ratio), and in brackets the "
        "thesis's number for that method, cell type and truth. The thesis's numbers compare with the first only; "
        "for its unsupervised baselines they come from a test set with another positive rate (its AUPRCs of "
        "0.05-0.5 for them are near their positive rates), so read their AUPRC against ours with care. "
        "`-`: not run (yet); `n/a`: the method is not offered for the data (reason in the detail table). "
        "Sentinels that look at no expression: `degree` (training out-degree of the regulator x in-degree of "
        "the target), `indegree` (the target's training in-degree) and `reverse` (1 when the reverse of the "
        "pair is a training positive).\n",
    ]
    tables = [(s, t) for s in SIZES for t in ("Specific", "Non-Specific", "STRING")]
    number = {("TFs+500", "Specific"): 1, ("TFs+1000", "Specific"): 3, ("TFs+500", "Non-Specific"): 5,
              ("TFs+1000", "Non-Specific"): 7, ("TFs+500", "STRING"): 9, ("TFs+1000", "STRING"): 11}
    for size, truth in sorted(tables, key=lambda k: number[k]):
        if not ((df["size"] == size) & (df["truth"] == truth)).any():
            continue
        for i, metric in enumerate(("AUROC", "AUPRC")):
            n = number[(size, truth)] + i
            parts += [f"\n## Table 5.{n}: {metric}, {truth} truth, {size}\n\n",
                      markdown_table(thesis_layout(df, thesis, size, truth, metric))]
    detail = pd.DataFrame({
        "size": df["size"], "cell": df["cell"], "truth": df["truth"], "split": df["split"], "method": df["method"],
        "AUROC": df["auroc"].map(lambda v: _fmt(v, ".3f")), "AUPRC": df["auprc"].map(lambda v: _fmt(v, ".3f")),
        "AUPRC ratio": df["auprc_ratio"].map(_fmt), "EPR": df["epr"].map(_fmt),
        "AUROC no-rev": df["auroc_norev"].map(lambda v: _fmt(v, ".3f")),
        "s": df["seconds"].map(lambda v: _fmt(v, ".0f") if v >= 1 else _fmt(v, ".1f")),
        "note": df["note"].fillna(""),
    })
    parts += ["\n## Detail: every row (AUPRC ratio, EPR, AUROC without reverse-edge pairs, seconds)\n\n",
              markdown_table(detail)]
    lk = df[df["method"] == "reverse"]
    if len(lk):
        t = pd.DataFrame({
            "size": lk["size"], "cell": lk["cell"], "truth": lk["truth"], "split": lk["split"],
            "train pairs": lk["train_pairs"], "test pairs": lk["test_pairs"], "test positives": lk["test_pos"],
            "test pos. with reverse in train pos.": [f"{a} ({a / b:.0%})" if b else "" for a, b in
                                                     zip(lk["test_pos_rev_in_train"], lk["test_pos"])],
        })
        parts += ["\n## Reverse-edge leakage (test positives whose reverse is a training positive)\n\n",
                  markdown_table(t)]
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

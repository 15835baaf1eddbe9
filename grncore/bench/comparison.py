"""Comparing stored runs: which runs share test pairs, metric tables, the sentinel check.

Runs are comparable only when they were scored on identical test pairs: same dataset, split, split
options and seed (splits are pure functions of these). The headline of a supervised method is its
lift over the ``degree`` sentinel on the same pairs (DESIGN.md section 4); a method that does not
beat the sentinel is flagged. Runs over folds (`grncore.bench.folds`) carry their spread: fold mean
and sd and 95% bootstrap intervals of the pooled figures; two methods whose intervals overlap are
flagged as not distinguishable on this data.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Iterable, Sequence

import pandas as pd

from .. import methods
from .splits import SPLITS

GroupKey = tuple[str, int, str]


def group_key(run) -> GroupKey:
    return (run.split, int(run.seed), json.dumps(run.split_options or {}, sort_keys=True))


def group_runs(runs: Iterable) -> dict[GroupKey, list]:
    """Runs by (split, seed, split options), newest group first; runs keep their order."""
    groups: dict[GroupKey, list] = defaultdict(list)
    for r in runs:
        groups[group_key(r)].append(r)
    return dict(sorted(groups.items(), key=lambda kv: max(r.created_at for r in kv[1]), reverse=True))


def latest_per_method(runs: Sequence) -> list:
    """The newest run of each (method, params) combination."""
    seen, out = set(), []
    for r in sorted(runs, key=lambda r: r.created_at, reverse=True):
        k = (r.method, json.dumps(r.params, sort_keys=True))
        if k not in seen:
            seen.add(k)
            out.append(r)
    return sorted(out, key=lambda r: r.method)


def run_label(run, runs: Sequence | None = None) -> str:
    """The method name, with the run id's tail when the same method appears twice in ``runs``."""
    if runs is not None and sum(r.method == run.method for r in runs) > 1:
        return f"{run.method} #{run.id[-6:]}"
    return run.method


def is_supervised(method: str) -> bool:
    spec = methods.REGISTRY.get(method)
    return bool(spec and spec.supervised)


def metrics_table(runs: Sequence) -> pd.DataFrame:
    """One row per run: metrics, lift over ``degree`` on the same pairs, size and cost.

    The lift (AUROC and AUPRC minus the sentinel's) is given for every method when the comparison
    holds a ``degree`` run, unsupervised ones included: the sentinel scored the same test pairs,
    so it says for them too how much a method knows beyond node degree."""
    degree = next((r.metrics for r in runs if r.method == "degree"), None)
    rows = []
    for r in runs:
        m, rec = r.metrics, r.record
        lift = degree is not None and r.method != "degree"
        rows.append({
            "method": run_label(r, runs), "supervised": is_supervised(r.method),
            "AUROC": m.get("auroc"), **_spread_columns(m, "auroc"), "AUPRC": m.get("auprc"),
            "AUPRC ratio": m.get("auprc_ratio"), **_spread_columns(m, "auprc_ratio"),
            "EPR": m.get("epr"), **_spread_columns(m, "epr"),
            "AUROC lift over degree": m["auroc"] - degree["auroc"] if lift else None,
            "AUPRC lift over degree": m["auprc"] - degree["auprc"] if lift else None,
            "test pairs": m.get("n_pairs"), "positives": m.get("n_positives"),
            "seconds": rec.get("seconds"), "device": r.device, "run": r.id})
    table = pd.DataFrame(rows).sort_values("AUROC", ascending=False, ignore_index=True)
    if not any(r.metrics.get("folds") for r in runs):  # single splits: no spread to show
        table = table.drop(columns=[c for c in table.columns if c.endswith(("95% CI", "mean ± sd"))])
    return table


SPREAD = {"auroc": "AUROC", "auprc_ratio": "AUPRC ratio", "epr": "EPR"}


def _spread_columns(m: dict, key: str) -> dict:
    """``<metric> 95% CI`` and ``<metric> mean ± sd`` (text) of a run over folds; None otherwise."""
    name, ci = SPREAD[key], m.get(f"{key}_ci")
    return {f"{name} 95% CI": f"[{ci[0]:.3f}, {ci[1]:.3f}]" if ci else None,
            f"{name} mean ± sd": f"{m[f'{key}_mean']:.3f} ± {m[f'{key}_sd']:.3f}" if f"{key}_mean" in m else None}


def spread_text(m: dict, key: str = "auroc") -> str:
    """``0.612 (0.570-0.655 95% CI; folds 0.60 ± 0.04)`` for a run over folds, else the figure."""
    if not m.get(f"{key}_ci"):
        return f"{m[key]:.3f}"
    lo, hi = m[f"{key}_ci"]
    return f"{m[key]:.3f} ({lo:.3f}-{hi:.3f} 95% CI; folds {m[f'{key}_mean']:.3f} ± {m[f'{key}_sd']:.3f})"


def indistinguishable(runs: Sequence, metrics: Sequence[str] = ("auroc", "epr")) -> list[str]:
    """Plain warnings for methods next to each other in the AUROC ranking whose 95% intervals of
    a metric overlap: on this data the difference between them is not established. Runs without
    intervals (single splits) are left out."""
    ranked = sorted((r for r in runs if r.metrics.get("auroc_ci")), key=lambda r: r.metrics["auroc"], reverse=True)
    out = []
    for a, b in zip(ranked, ranked[1:]):
        same = [SPREAD[k] for k in metrics if _overlap(a.metrics.get(f"{k}_ci"), b.metrics.get(f"{k}_ci"))]
        if same:
            out.append(f"{run_label(a, runs)} and {run_label(b, runs)} are not distinguishable on this data: "
                       f"their 95% intervals of {' and '.join(same)} overlap "
                       f"(AUROC {spread_text(a.metrics)} vs {spread_text(b.metrics)}).")
    return out


def _overlap(a, b) -> bool:
    return bool(a and b) and a[0] <= b[1] and b[0] <= a[1]


def fold_table(runs: Sequence) -> pd.DataFrame:
    """Per-fold metrics of runs over folds: one row per (run, fold) with ``method, fold,
    held_out, auroc, auprc_ratio, epr`` (empty when no run has folds)."""
    rows = [{"method": run_label(r, runs), "fold": f["fold"], "held_out": ", ".join(f.get("held_out", [])),
             **{k: f.get(k) for k in SPREAD}} for r in runs for f in r.metrics.get("folds", [])]
    return pd.DataFrame(rows, columns=["method", "fold", "held_out", *SPREAD])


def comparable(runs: Iterable, key: GroupKey) -> list:
    """The runs of every dataset that share ``key`` (split, seed and split options, hence folds):
    only those may sit side by side in one across-datasets table."""
    return [r for r in runs if group_key(r) == key]


def setting_text(key: GroupKey) -> str:
    """``tf_disjoint · 5 folds · seed 0`` for a group key (the setting a table was built from)."""
    split, seed, options = key
    opts = json.loads(options)
    parts = [split]
    if opts.get("folds"):
        parts.append(f"{opts['folds']} folds")
    if opts.get("repeats"):
        parts.append(f"{opts['repeats']} repeats")
    parts.append(f"seed {seed}")
    other = {k: v for k, v in opts.items() if k not in ("folds", "repeats")}
    defaults = {k: v for k, v in getattr(SPLITS.get(split), "options", {}).items()}
    changed = {k: v for k, v in other.items() if k in defaults and _differs(defaults[k], v)}
    if changed:
        parts.append(", ".join(f"{k}={v}" for k, v in changed.items()))
    return " · ".join(parts)


def _differs(default, value) -> bool:
    if isinstance(default, tuple):
        default = list(default)
    if isinstance(default, list) and isinstance(value, list):
        return len(default) != len(value) or any(abs(float(a) - float(b)) > 1e-9 for a, b in zip(default, value))
    return default != value


def sentinel_warnings(table: pd.DataFrame) -> list[str]:
    """Messages for supervised methods that do not beat the ``degree`` sentinel's AUROC."""
    sup = table[table["supervised"] & (table["method"] != "degree")]
    if sup.empty:
        return []
    deg = table.loc[table["method"] == "degree", "AUROC"]
    if deg.empty:
        return ["No `degree` sentinel run in this comparison: run it to see whether the supervised "
                "models learn more than node degree."]
    d = float(deg.iloc[0])
    return [f"{row.method} (AUROC {row.AUROC:.3f}) does not beat the degree sentinel (AUROC {d:.3f}) on the "
            "same test pairs: it learned no more than how connected each gene was in training."
            for row in sup.itertuples() if row.AUROC <= d]


def dataset_method_grid(runs: Iterable, *, key: GroupKey, metric: str = "auroc") -> pd.DataFrame:
    """Datasets (rows) x methods (columns) of ``metric`` over the runs `comparable` under ``key``
    (same split, seed and split options, so the same folds); the newest run of each (dataset,
    method) counts. Empty frame when there is none."""
    latest: dict[tuple[str, str], object] = {}
    for r in sorted(comparable(runs, key), key=lambda r: r.created_at):
        if metric in r.metrics:
            latest[(r.dataset_name, r.method)] = r
    if not latest:
        return pd.DataFrame()
    rows = [{"dataset": d, "method": m, metric: r.metrics[metric]} for (d, m), r in latest.items()]
    return pd.DataFrame(rows).pivot(index="dataset", columns="method", values=metric)

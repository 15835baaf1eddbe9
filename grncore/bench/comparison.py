"""Comparing stored runs: which runs share test pairs, metric tables, the sentinel check.

Runs are comparable only when they were scored on identical test pairs: same dataset, split, split
options and seed (splits are pure functions of these). The headline of a supervised method is its
lift over the ``degree`` sentinel on the same pairs (DESIGN.md section 4); a method that does not
beat the sentinel is flagged.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Iterable, Sequence

import pandas as pd

from .. import methods

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
            "AUROC": m.get("auroc"), "AUPRC": m.get("auprc"), "AUPRC ratio": m.get("auprc_ratio"),
            "EPR": m.get("epr"),
            "AUROC lift over degree": m["auroc"] - degree["auroc"] if lift else None,
            "AUPRC lift over degree": m["auprc"] - degree["auprc"] if lift else None,
            "test pairs": m.get("n_pairs"), "positives": m.get("n_positives"),
            "seconds": rec.get("seconds"), "device": r.device, "run": r.id})
    return pd.DataFrame(rows).sort_values("AUROC", ascending=False, ignore_index=True)


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


def dataset_method_grid(runs: Iterable, *, split: str, metric: str = "auroc") -> pd.DataFrame:
    """Datasets (rows) x methods (columns) of ``metric`` for runs of ``split``; the newest run of
    each (dataset, method) counts. Empty frame when there is none."""
    latest: dict[tuple[str, str], object] = {}
    for r in sorted(runs, key=lambda r: r.created_at):
        if r.split == split and metric in r.metrics:
            latest[(r.dataset_name, r.method)] = r
    if not latest:
        return pd.DataFrame()
    rows = [{"dataset": d, "method": m, metric: r.metrics[metric]} for (d, m), r in latest.items()]
    return pd.DataFrame(rows).pivot(index="dataset", columns="method", values=metric)

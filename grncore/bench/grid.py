"""Benchmark grids: datasets x methods x splits, one row per run (``python -m grncore bench``).

Every method of a (dataset, split) cell is scored on the same test pairs (same seed). A
``network_disjoint`` split tests each dataset in turn after training on the others. Combinations
that cannot run (a supervised method on the unsupervised split, a time-series model on single-cell
data) are listed with the reason instead of failing the grid. Whenever a cell holds a supervised
method, the ``degree`` sentinel is run in it too (on the same pairs), and every method of that cell
gets its lift over the sentinel (``lift_auroc``, ``lift_auprc``), as on the Evaluation page.
Given a Dask scheduler address, the cells run as tasks on that cluster (`grncore.parallel`).
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Callable, Sequence

import pandas as pd

from .. import methods
from ..data import Dataset, InputError, load
from ..train.progress import Cancelled
from .folds import FOLD_OPTION
from .run import run
from .splits import SPLITS

COLUMNS = ["dataset", "split", "method", "status", "auroc", "auprc", "auprc_ratio", "epr", "lift_auroc",
           "lift_auprc", "n_test_pairs", "n_test_positives", "seconds", "device", "note"]
FOLD_COLUMNS = ["folds", *(f"{m}_{s}" for m in ("auroc", "auprc_ratio", "epr") for s in ("mean", "sd", "ci_low", "ci_high"))]
"""Extra columns of a grid run with ``folds`` / ``repeats`` (see `grncore.bench.folds`)."""


def _params_for(method: str, params: dict) -> dict:
    names = {f.name for f in dataclasses.fields(methods.get(method).params)}
    return {k: v for k, v in params.items() if k in names}


def run_grid(datasets: Sequence[str | Path | Dataset], method_names: Sequence[str], split_names: Sequence[str], *,
             seed: int = 0, params: dict | None = None, device: str = "auto",
             log: Callable[[str], None] = lambda line: None, folds: int | None = None,
             repeats: int | None = None, dask_scheduler: str | None = None) -> pd.DataFrame:
    """Run the grid and return one row per (dataset, split, method) with metrics or the reason it
    did not run (columns `COLUMNS`). ``folds`` applies to the splits that take folds
    (tf_disjoint, gene_disjoint) and ``repeats`` to edge_random; with either, the rows gain
    `FOLD_COLUMNS` (fold mean, sd and the pooled 95% interval). With ``dask_scheduler`` (an
    address), the cells run as tasks on that Dask cluster, and so do their per-target fits; the
    rows are the same as a local grid's (every cell has its own seeded split and method)."""
    params = params or {}
    repeated = {"folds": folds, "repeats": repeats}
    for name in method_names:
        methods.get(name)  # unknown names fail before any work
    for name in split_names:
        if name not in SPLITS:
            raise InputError(f"unknown split {name!r}", where="--split", fix=f"use one of {', '.join(SPLITS)}")
        if name == "discovery":
            raise InputError("discovery scores the pairs it trained on, so its figures are not an evaluation",
                             where="--split", fix="benchmark with the other splits; use infer --split discovery "
                             "for a predicted network")
    loaded = [d if isinstance(d, Dataset) else load(d) for d in datasets]
    cells = []  # (index of the tested dataset, index or indices of the data it runs on, split, method, options)

    def with_sentinel(names: Sequence[str], split: str) -> list[str]:
        names = list(names)
        if split != "unsupervised" and "degree" not in names and any(methods.get(n).supervised for n in names):
            names.append("degree")
        return names

    for split in split_names:
        cell_methods = with_sentinel(method_names, split)
        if SPLITS[split].multi_dataset:
            if len(loaded) < 2:
                raise InputError("network_disjoint needs at least two datasets", where="--dataset",
                                 fix="pass several datasets of one kind, e.g. DREAM4 nets 1-5")
            cells += [(i, list(range(len(loaded))), split, method, {"test_index": i})
                      for i in range(len(loaded)) for method in cell_methods]
        else:
            key = FOLD_OPTION.get(split)
            options = {key: repeated[key]} if key and repeated[key] else {}
            cells += [(i, i, split, method, options) for i in range(len(loaded)) for method in cell_methods]
    common = dict(params=params, seed=seed, device=device)
    if dask_scheduler:
        rows = _cluster_rows(dask_scheduler, loaded, cells, common, log)
    else:
        rows = []
        for t, d, split, method, options in cells:
            log(f"{loaded[t].name} · {split} · {method} ...")
            data = [loaded[i] for i in d] if isinstance(d, list) else loaded[d]
            rows.append(_cell(loaded[t], data, split, method, options, **common))
            log(_status(rows[-1]))
    columns = COLUMNS + (FOLD_COLUMNS if folds or repeats else [])
    return _add_lift(pd.DataFrame(rows).reindex(columns=columns))


def _cell(target: Dataset, data, split: str, method: str, options: dict, *, params: dict, seed: int,
          device: str) -> dict:
    """One row of the grid: the run's metrics, or why it was skipped or failed."""
    spec = methods.get(method)
    row = {"dataset": target.name, "split": split, "method": method}
    if target.kind not in spec.kinds:
        row.update(status="skipped", note=f"{method} needs {' or '.join(spec.kinds)} data")
        return row
    if spec.supervised and split == "unsupervised":
        row.update(status="skipped", note="supervised: needs a split with training pairs")
        return row
    try:
        res = run(data, method, split, _params_for(method, params), seed, split_options=options, device=device)
    except (InputError, Cancelled) as exc:
        row.update(status="failed", note=str(exc))
        return row
    m = res.metrics
    row.update(status="done", auroc=m.auroc, auprc=m.auprc, auprc_ratio=m.auprc_ratio, epr=m.epr,
               n_test_pairs=m.n_pairs, n_test_positives=m.n_positives, seconds=res.seconds, device=res.device)
    if getattr(m, "n_folds", 0):
        row["folds"] = m.n_folds
        for name in ("auroc", "auprc_ratio", "epr"):
            lo, hi = getattr(m, f"{name}_ci")
            row.update({f"{name}_mean": getattr(m, f"{name}_mean"), f"{name}_sd": getattr(m, f"{name}_sd"),
                        f"{name}_ci_low": lo, f"{name}_ci_high": hi})
    return row


def _status(row: dict) -> str:
    return f"  {row['status']}" + (f": AUROC {row['auroc']:.3f}" if row.get("auroc") is not None
                                   else f" ({row.get('note', '')})")


def _cluster_rows(address: str, loaded: list[Dataset], cells: list, common: dict, log) -> list[dict]:
    """The cells as tasks on the Dask cluster at ``address`` (each dataset scattered once); a
    cell's per-target fits go to the same cluster (`grncore.parallel`). Rows in cell order."""
    from contextlib import closing

    from ..parallel.cluster import as_finished, connect

    with closing(connect(address)) as client:
        refs = client.scatter(loaded, hash=False)
        futures = {}
        for n, (t, d, split, method, options) in enumerate(cells):
            data = [refs[i] for i in d] if isinstance(d, list) else refs[d]
            futures[client.submit(_cell, refs[t], data, split, method, options, pure=False, **common)] = n
        log(f"{len(cells)} cells on the Dask cluster at {address} ...")
        rows: list = [None] * len(cells)
        for fut in as_finished(futures):
            n = futures[fut]
            rows[n] = fut.result()
            log(f"{rows[n]['dataset']} · {rows[n]['split']} · {rows[n]['method']}:{_status(rows[n])}")
    return rows


def _add_lift(table: pd.DataFrame) -> pd.DataFrame:
    """``lift_auroc`` / ``lift_auprc``: each finished row minus the ``degree`` row of its cell."""
    deg = table[(table["method"] == "degree") & (table["status"] == "done")].set_index(["dataset", "split"])
    for metric in ("auroc", "auprc"):
        ref = pd.MultiIndex.from_frame(table[["dataset", "split"]]).map(deg[metric].to_dict())
        lift = table[metric].astype(float) - pd.Series(ref, index=table.index, dtype=float)
        table[f"lift_{metric}"] = lift.where(table["method"] != "degree")
    return table


def markdown_table(table: pd.DataFrame, floatfmt: str = ".3f") -> str:
    """A GitHub Markdown table of ``table`` (NaN shown empty, floats with ``floatfmt``)."""
    def cell(v) -> str:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return ""
        if isinstance(v, float):
            return format(v, floatfmt)
        return str(v).replace("|", "\\|").replace("\n", " ")

    head = "| " + " | ".join(map(str, table.columns)) + " |"
    rule = "|" + "|".join("---" for _ in table.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join([head, rule, *body]) + "\n"

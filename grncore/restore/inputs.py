"""Restoration inputs: the two states from datasets, GRNs inferred per state.

- `split_states`: one dataset split by a sample-metadata column (``condition`` of
  `grncore.data.simulate.two_states`: ``source`` / ``target``).
- `pair_states`: two datasets on one gene space (rows intersected; none in common is an error).
- `read_state`: one state's expression file or folder (anything `grncore.data.load` reads, genes x
  samples); unlike a `Dataset`, a state may hold a single sample (bulk, a DREAM4 steady state).
- `infer_grn`: a GRN of one state from an unsupervised method of `grncore.methods` (``pearson``,
  ``spearman``, ``mutual_info``, ``genie3``, ``grnboost2``) run on that state's samples only, as
  ``regulator, target, importance`` (the ``n_edges`` highest scores).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pathlib import Path

from ..data import Dataset, InputError, load, read_expression
from ..data.dataset import _validate_expression

UNSUPERVISED = ("pearson", "spearman", "mutual_info", "genie3", "grnboost2")


def read_state(path, *, where: str | None = None) -> pd.DataFrame:
    """Genes x samples float32 of one state. A folder or a multi-sample table goes through
    `grncore.data.load`; a one-column table gets the same checks (names, numbers, finite values)."""
    p = Path(path)
    where = where or p.name
    if not p.exists():
        raise InputError(f"no such file or folder: {path}", where=where,
                         fix="check the path (relative paths start from the current directory)")
    if p.is_dir() or p.suffix == ".h5ad":
        return load(p).expression
    expr, _, _ = read_expression(p, orientation="genes_rows")
    if expr.shape[1] == 1:   # Dataset needs two samples; validate the column next to a copy of itself
        twice = pd.concat([expr, expr.set_axis([f"{expr.columns[0]} (copy)"], axis=1)], axis=1)
        return _validate_expression(twice, where).iloc[:, :1]
    return load(p, orientation="genes_rows").expression


def split_states(ds: Dataset, column: str = "condition", source: str = "source",
                 target: str = "target") -> tuple[pd.DataFrame, pd.DataFrame]:
    """(source, target) genes x samples of ``ds``, split by ``ds.samples[column]``."""
    if column not in ds.samples.columns:
        raise InputError(f"the samples have no {column!r} column", where=ds.name,
                         fix="give sample metadata with a state label per sample, or two datasets")
    if str(source) == str(target):
        raise InputError(f"the source and target states are both {column} = {source!r}", where="states",
                         fix="pick two different states")
    labels = ds.samples[column].astype(str)
    out = []
    for name in (source, target):
        cols = labels.index[labels == str(name)]
        if len(cols) == 0:
            values = ", ".join(sorted(set(labels))[:5])
            raise InputError(f"no sample has {column} = {name!r}", where=ds.name, fix=f"pick one of: {values}")
        out.append(ds.expression[cols])
    return out[0], out[1]


def state_labels(ds: Dataset, column: str = "condition") -> list[str]:
    """The distinct values of a metadata column, in first-seen order."""
    if column not in ds.samples.columns:
        return []
    return list(dict.fromkeys(ds.samples[column].astype(str)))


def pair_states(source: Dataset, target: Dataset) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two datasets' expression on their common genes (source order)."""
    if source.fingerprint() == target.fingerprint():
        raise InputError("the source and target states are the same data", where="states",
                         fix="pick two different datasets (or one dataset split by a sample column)")
    genes = source.genes.intersection(target.genes, sort=False)
    if len(genes) == 0:
        raise InputError("the source and target states have no gene in common", where="states",
                         fix="give two expression tables over the same gene symbols")
    return source.expression.loc[genes], target.expression.loc[genes]


def state_dataset(expression: pd.DataFrame, *, tfs=None, name: str = "state") -> Dataset:
    """One state's samples as a `Dataset` (no ground truth), to infer that state's GRN from."""
    if expression.shape[1] < 3:
        raise InputError(f"inferring a GRN needs several samples per state, not {expression.shape[1]}",
                         where="states", fix="give a GRN per state instead")
    return Dataset.create(expression.astype(np.float32), tfs=tfs, name=name, kind="single_cell")


def grn_of_scores(scored: pd.DataFrame, n_genes: int, n_edges: int | None = None) -> pd.DataFrame:
    """The ``n_edges`` best-scored pairs (default 3 per gene) of ``regulator, target, score`` as a
    GRN ``regulator, target, importance`` (ties kept in the stored order)."""
    out = scored[["regulator", "target", "score"]].rename(columns={"score": "importance"})
    k = n_edges if n_edges is not None else 3 * n_genes
    return out.sort_values("importance", ascending=False, kind="stable").head(k).reset_index(drop=True)


def infer_grn(expression: pd.DataFrame, method: str = "pearson", *, tfs=None, n_edges: int | None = None,
              params=None, seed: int = 0) -> pd.DataFrame:
    """A GRN of one state: ``method`` scores every (TF, gene) pair on ``expression`` (genes x
    samples of that state); the ``n_edges`` best (default 3 per gene) are returned as
    ``regulator, target, importance``. (The Restoration page runs the same as background
    discovery runs of each state's `state_dataset` and keeps `grn_of_scores` of them.)"""
    from .. import methods

    if method not in UNSUPERVISED:
        raise InputError(f"{method!r} is not an unsupervised method restoration can infer with", where="method",
                         fix=f"use one of {', '.join(UNSUPERVISED)}")
    ds = state_dataset(expression, tfs=tfs)
    genes = list(ds.genes)
    regs = [t for t in ds.tfs for g in genes if g != t]
    tgts = [g for t in ds.tfs for g in genes if g != t]
    pairs = pd.DataFrame({"regulator": regs, "target": tgts})
    scores = methods.score_pairs(ds, pairs, method, params, seed=seed)
    return grn_of_scores(pairs.assign(score=scores), len(genes), n_edges)

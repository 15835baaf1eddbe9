"""Gene names to expression rows: the one lookup every layer above `grncore.data` uses.

A pair table (candidate pairs, a split's parts, pairs a user passes in) names genes in its
``regulator`` and ``target`` columns; methods and evaluation need their rows in
``dataset.expression``. `pair_rows` and `gene_rows` do that lookup for everyone (the methods in
`grncore.methods` and the pair builders in `grncore.bench`, which must not import each other).

Fast path: a pandas ``Categorical`` column whose categories are ``dataset.genes`` (as
`grncore.bench.pairs` builds them) gives its codes, no string hashing; categories that differ
(e.g. the union of several networks' genes in a network-disjoint frame) go through one lookup
table over the categories; plain string columns are looked up with ``Index.get_indexer``.
A name that is not a gene of the dataset is an `InputError` naming an example.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .dataset import Dataset
from .errors import InputError

__all__ = ["gene_rows", "pair_rows"]


def gene_rows(pairs: pd.DataFrame, dataset: Dataset, column: str, *, compact: bool = False) -> np.ndarray:
    """Rows of ``dataset.expression`` for the genes in ``pairs[column]``.

    Returns int64, or with ``compact=True`` the categorical codes in their own small integer
    dtype when the fast path applies (2 bytes per pair below 32k genes: what the blockwise and
    tree engines keep for tens of millions of pairs). Raises `InputError` for a missing column,
    a missing value or a name that is not a gene of ``dataset``."""
    if column not in pairs:
        raise InputError(f"pairs have no {column!r} column", where="pairs",
                         fix="pairs need regulator and target columns")
    s = pairs[column]
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes = s.cat.codes.to_numpy()
        if s.cat.categories.equals(dataset.genes):
            if len(codes) and codes.min() < 0:
                raise InputError(f"{int((codes < 0).sum())} pairs have no {column}", where="pairs",
                                 fix="give every pair a regulator and a target")
            return codes if compact else codes.astype(np.int64)
        lut = dataset.genes.get_indexer(s.cat.categories.astype(str))
        idx = np.where(codes >= 0, lut[codes], -1).astype(np.int64)
    else:
        idx = dataset.genes.get_indexer(pd.Index(s.astype(str))).astype(np.int64)
    if (idx < 0).any():
        bad = s.to_numpy()[np.flatnonzero(idx < 0)[0]]
        raise InputError(f"{int((idx < 0).sum())} pairs name a {column} that is not a gene of "
                         f"{dataset.name!r} (e.g. {str(bad)[:60]!r})", where="pairs",
                         fix="score pairs built from this dataset (grncore.bench.candidate_pairs)")
    return idx


def pair_rows(pairs: pd.DataFrame, dataset: Dataset, *, compact: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Expression rows (regulator, target) of every pair; see `gene_rows`. For a
    network-disjoint frame pass one dataset's rows (``pairs[pairs.dataset == name]``)."""
    return (gene_rows(pairs, dataset, "regulator", compact=compact),
            gene_rows(pairs, dataset, "target", compact=compact))

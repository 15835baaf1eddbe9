"""Compare two predicted networks by the overlap of their top-k edge sets.

For runs ``a`` and ``b`` with top-k sets ``A_k`` and ``B_k`` (the ``min(k, n)`` best-ranked
pairs, by ``rank``), ``shared = |A_k & B_k|`` and the Jaccard index
``|A_k & B_k| / |A_k | B_k| = shared / (|A_k| + |B_k| - shared)``. Pairs are directed
``(regulator, target)`` names, so runs on different datasets compare by gene name.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from ..data import InputError
from ..data.ranking import pair_keys

__all__ = ["overlap", "overlap_curve"]


def overlap(pred_a: pd.DataFrame, pred_b: pd.DataFrame, k: int) -> dict:
    """``{"jaccard", "shared", "only_a", "only_b"}`` of the top-``k`` sets (module doc):
    ``only_a`` / ``only_b`` are the pred rows of the pairs in one top-k set only, in rank order."""
    k = _k(k)
    top_a, top_b = _top(pred_a, k), _top(pred_b, k)
    in_b = pair_keys(top_a).isin(pair_keys(top_b))
    in_a = pair_keys(top_b).isin(pair_keys(top_a))
    shared = int(in_b.sum())
    union = len(top_a) + len(top_b) - shared
    return {"jaccard": shared / union if union else 0.0, "shared": shared,
            "only_a": top_a[~in_b].reset_index(drop=True), "only_b": top_b[~in_a].reset_index(drop=True)}


def overlap_curve(pred_a: pd.DataFrame, pred_b: pd.DataFrame, ks) -> pd.DataFrame:
    """``k, jaccard, shared`` for every ``k`` of ``ks`` (one row each, in the given order).

    One join of the two top-``max(ks)`` sets: a pair is shared at ``k`` when both its ranks are at
    most ``k`` (ranks are renumbered 1..n within each run, so a run with ties or gaps in ``rank``
    still has exactly ``min(k, n)`` pairs in its top-k set)."""
    ks = [_k(k) for k in ks]
    if not ks:
        return pd.DataFrame({"k": pd.Series([], dtype=np.int64), "jaccard": pd.Series([], dtype=float),
                             "shared": pd.Series([], dtype=np.int64)})
    kmax = max(ks)
    top_a, top_b = _top(pred_a, kmax), _top(pred_b, kmax)
    pos_b = pd.Series(np.arange(1, len(top_b) + 1), index=pair_keys(top_b))
    rb = pos_b.reindex(pair_keys(top_a)).to_numpy(dtype=float)      # NaN: not in b's top-kmax
    both = np.maximum(np.arange(1, len(top_a) + 1), rb)             # the k from which the pair is shared
    both = np.sort(both[np.isfinite(both)])
    karr = np.asarray(ks, dtype=np.int64)
    shared = np.searchsorted(both, karr, side="right")
    union = np.minimum(karr, len(top_a)) + np.minimum(karr, len(top_b)) - shared
    jac = np.divide(shared, union, out=np.zeros(len(karr)), where=union > 0)
    return pd.DataFrame({"k": karr, "jaccard": jac, "shared": shared.astype(np.int64)})


def _k(k) -> int:
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
        raise InputError(f"k must be a whole number of at least 1, not {k!r}", where="network comparison",
                         fix="use e.g. k=100")
    return int(k)


def _top(pred: pd.DataFrame, k: int) -> pd.DataFrame:
    """The ``min(k, n)`` best-ranked rows, in rank order (ties in ``rank`` by stored order)."""
    rank = pred["rank"].to_numpy()
    idx = np.arange(len(pred)) if len(pred) <= k else np.argpartition(rank, k - 1)[:k]
    idx = idx[np.lexsort((idx, rank[idx]))]
    return pred.iloc[idx]



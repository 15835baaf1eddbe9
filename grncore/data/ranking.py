"""Scored pairs: ranks, ground-truth signs and (regulator, target) keys.

Helpers of the layer below `grncore.bench` (runs rank their predicted networks) and
`grncore.network` (views, exports, consensus); both import them from here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import InputError

__all__ = ["rank_scores", "attach_signs", "pair_keys"]


def pair_keys(frame: pd.DataFrame) -> pd.MultiIndex:
    """The (regulator, target) pairs of ``frame`` as a MultiIndex of strings, for lookups."""
    return pd.MultiIndex.from_arrays([frame["regulator"].astype(str).to_numpy(), frame["target"].astype(str).to_numpy()],
                                     names=["regulator", "target"])


def rank_scores(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with ``rank`` (int64, 1 = highest score) added or replaced.

    ``rank[i] = 1 + position of row i`` in a stable sort by descending score: tied scores are
    ranked in the order the rows are stored. One ``numpy.argsort``, no Python loop. NaN or
    infinite scores are an `InputError`.
    """
    if "score" not in frame:
        raise InputError("the predicted network has no score column", where="predictions",
                         fix="give every pair a score (higher = more likely an edge)")
    s = pd.to_numeric(frame["score"], errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(s)
    if bad.any():
        raise InputError(f"{int(bad.sum())} scores are missing or not finite numbers", where="predictions",
                         fix="every pair needs a finite score")
    order = np.argsort(-s, kind="stable")
    rank = np.empty(len(s), np.int64)
    rank[order] = np.arange(1, len(s) + 1, dtype=np.int64)
    out = frame.copy()
    out["score"] = s
    out["rank"] = rank
    return out


def attach_signs(pred: pd.DataFrame, network: pd.DataFrame | None) -> pd.DataFrame:
    """``pred`` with a ``sign`` column from ``network`` (``regulator, target, sign``) when the
    network has any non-zero sign; unchanged otherwise. Pairs not in the network get 0."""
    if network is None or "sign" not in network or not (network["sign"] != 0).any():
        return pred
    signed = network[network["sign"] != 0]
    lookup = pd.Series(signed["sign"].to_numpy(np.int8), index=pair_keys(signed))
    lookup = lookup[~lookup.index.duplicated()]
    idx = pair_keys(pred)
    out = pred.copy()
    out["sign"] = lookup.reindex(idx).fillna(0).to_numpy(np.int8)
    return out

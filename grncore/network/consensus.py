"""Consensus of several predicted networks: mean rank (Borda) or mean normalised score.

Let runs ``r = 1..R`` score sets of pairs ``S_r`` and ``U`` be the union of the pairs (in order of
first appearance: run 1's pairs as stored, then the new pairs of run 2, ...), ``N = |U|``.

``how="rank"`` (Borda count, as BEELINE's ``BLEval.Borda``, Pratapa et al. 2020, and the DREAM5
community network, Marbach et al., "Wisdom of crowds for robust gene network inference", Nature
Methods 9, 796-804, 2012): within run ``r`` every pair of ``U`` gets a rank, 1 = highest score;
tied scores share the mean of the ranks they span (``method="average"`` like BEELINE's default),
and the ``N - |S_r|`` pairs the run did not score tie below all of its scored pairs, so each gets
``(|S_r| + 1 + N) / 2`` (BEELINE gives unscored pairs weight 0, which ties them at the bottom the
same way). ``mean_rank`` is the mean over runs; the consensus score is
``(max(mean_rank) - mean_rank) / (max(mean_rank) - min(mean_rank))`` in [0, 1] (1 when all
equal), BEELINE's normalised Borda score.

``how="score"``: every run's scores are min-max normalised to [0, 1] (``(s - min) / (max -
min)``, 1 for a run whose scores are all equal), a pair the run did not score counts 0 (the run's
lowest), and the consensus score is the mean over runs (``mean_score``).

Unlike BEELINE, scores are not replaced by their absolute values: every score here already means
"higher = more likely an edge". ``known`` and ``trained`` combine by maximum (a pair is known if
any run's ground truth has it), ``sign`` likewise by the non-zero value (+1 wins a conflict),
``support`` counts the runs that scored the pair. The result is a pred frame ranked by
`grncore.network.predicted.rank_scores` (ties in the consensus score by the union order).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from ..data import InputError
from .predicted import PRED_COLUMNS, rank_scores, to_pred

HOWS = ("rank", "score")

__all__ = ["HOWS", "consensus"]


def consensus(preds: Sequence[pd.DataFrame], how: str = "rank") -> pd.DataFrame:
    """The consensus pred frame of ``preds`` (see module doc), with ``mean_rank`` (how="rank")
    or ``mean_score`` (how="score") and ``support`` columns added."""
    if how not in HOWS:
        raise InputError(f"unknown consensus {how!r}", where="consensus", fix="use how='rank' or how='score'")
    preds = [to_pred(p) if "known" not in p or "trained" not in p else p for p in preds]
    if not preds:
        raise InputError("no predicted networks to combine", where="consensus", fix="pick at least one run")
    for i, p in enumerate(preds):
        if not len(p):
            raise InputError(f"predicted network {i + 1} has no pairs", where="consensus",
                             fix="leave it out")
    sizes = [len(p) for p in preds]
    reg = np.concatenate([p["regulator"].astype(str).to_numpy() for p in preds])
    tgt = np.concatenate([p["target"].astype(str).to_numpy() for p in preds])
    rc, ru = pd.factorize(reg)
    tc, tu = pd.factorize(tgt)
    pair, first = pd.factorize(rc.astype(np.int64) * len(tu) + tc)   # union id, first-appearance order
    n = len(first)
    run = np.repeat(np.arange(len(preds)), sizes)
    # a pair listed twice in one run keeps its first row (to_pred already does this for raw frames)
    dup = pd.Series(run * n + pair).duplicated().to_numpy()
    score = np.concatenate([p["score"].to_numpy(np.float64) for p in preds])
    values = np.empty((n, len(preds)), np.float64)
    for r in range(len(preds)):
        rows = (run == r) & ~dup
        ids, s = pair[rows], score[rows]
        if how == "rank":
            values[:, r] = (len(s) + 1 + n) / 2.0
            values[ids, r] = rankdata(-s, method="average")
        else:
            lo, hi = s.min(), s.max()
            values[:, r] = 0.0
            values[ids, r] = (s - lo) / (hi - lo) if hi > lo else 1.0
    mean = values.mean(axis=1)
    if how == "rank":
        span = mean.max() - mean.min()
        cons = (mean.max() - mean) / span if span > 0 else np.ones(n)
    else:
        cons = mean
    first_row = np.unique(pair, return_index=True)[1]   # earliest row of each union pair
    out = pd.DataFrame({"regulator": reg[first_row], "target": tgt[first_row], "score": cons})
    keep = ~dup
    for col in ("known", "trained"):
        v = np.concatenate([p[col].to_numpy() != 0 for p in preds])
        out[col] = (_count(pair[keep], v[keep], n) > 0).astype(np.int8)
    if any("sign" in p for p in preds):
        sign = np.concatenate([p["sign"].to_numpy() if "sign" in p else np.zeros(len(p), np.int8)
                               for p in preds])
        pos, neg = _count(pair[keep], sign[keep] > 0, n), _count(pair[keep], sign[keep] < 0, n)
        out["sign"] = np.where(pos > 0, 1, np.where(neg > 0, -1, 0)).astype(np.int8)
    out = rank_scores(out)
    cols = list(PRED_COLUMNS) + (["sign"] if "sign" in out else [])
    out = out[cols]
    out["mean_rank" if how == "rank" else "mean_score"] = mean
    out["support"] = np.bincount(pair[keep], minlength=n).astype(np.int64)
    return out


def _count(groups: np.ndarray, flags: np.ndarray, n: int) -> np.ndarray:
    """How many true ``flags`` each of the ``n`` groups has."""
    return np.bincount(groups, weights=flags.astype(np.float64), minlength=n)

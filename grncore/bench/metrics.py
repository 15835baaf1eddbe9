"""Metrics for scored pairs: AUROC, AUPRC, AUPRC ratio, early precision ratio, curves, bootstrap.

Notation: ``n`` evaluated pairs, ``P`` positives (true edges), ``N = n - P`` negatives, positive
rate ``rho = P / n`` (the precision of a random ranking). Higher scores mean "more likely an edge".

- AUROC: probability that a random positive scores above a random negative, ties counting 1/2
  (equal to ``sklearn.metrics.roc_auc_score``); 0.5 for a random ranking.
- AUPRC: average precision ``AP = sum_t (R_t - R_{t-1}) * P_t`` over the distinct score
  thresholds ``t`` in decreasing order, with recall ``R_t`` and precision ``P_t`` of the pairs
  scoring ``>= t`` (equal to ``sklearn.metrics.average_precision_score``: no interpolation, tied scores
  form one threshold). About ``rho`` for a random ranking.
- AUPRC ratio: ``AP / rho`` (BEELINE reports AUPRC relative to a random predictor); ~1 for random.
- Early precision ratio (EPR), as in BEELINE (Pratapa et al., "Benchmarking algorithms for gene
  regulatory network inference from single-cell transcriptomic data", Nature Methods 17,
  147-154, 2020): with ``k = P`` and ``s_k`` the k-th highest score, the top set is every pair
  with score ``>= s_k`` (ties at the cut are INCLUDED, so it can hold more than ``k`` pairs);
  early precision ``EP = TP(top) / |top|`` and ``EPR = EP / rho``. 1 for a random ranking,
  ``1 / rho`` for a perfect one.

Degenerate inputs are `InputError` (a ``ValueError``): no positives or no negatives (AUROC is
undefined), NaN or infinite scores (with how many), non-binary labels, length mismatch.

`evaluate` and `bootstrap` sort the scores once and sum over tied-score groups (tested equal to
scikit-learn); the curves come from scikit-learn.
"""

from __future__ import annotations

import numbers
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from sklearn import metrics as skm

from ..data import InputError

METRIC_NAMES = ("auroc", "auprc", "auprc_ratio", "epr", "early_precision")
MAX_CURVE_POINTS = 2000

__all__ = ["Metrics", "METRIC_NAMES", "evaluate", "early_precision", "roc_curve", "pr_curve",
           "bootstrap", "cluster_bootstrap"]


@dataclass(frozen=True)
class Metrics:
    """Evaluation of one score vector on one set of labelled pairs (see module doc for the math).

    ``n_top`` is the size of the early-precision top set (``>= n_positives`` when the k-th
    score is tied)."""

    auroc: float
    auprc: float
    auprc_ratio: float
    epr: float
    early_precision: float
    n_pairs: int
    n_positives: int
    positive_rate: float
    n_top: int

    def as_dict(self) -> dict:
        return asdict(self)


def evaluate(labels, scores) -> Metrics:
    """All metrics of ``scores`` against binary ``labels`` (array-likes of one length).

    One sort of the scores: pairs are grouped by distinct score and AUROC, AP and EP are summed
    over the groups (formulas in `_grouped_metrics`). AUROC and AUPRC are by definition
    scikit-learn's ``roc_auc_score`` and ``average_precision_score`` (the tests check equality
    to 1e-12, ties included); computing them from one shared sort is about 4x faster on the
    millions of pairs of a held-out-TF test set.
    """
    y, s = _validate(labels, scores)
    pg, ng = _group_counts(y, s)
    auroc, ap, ep, n_top = _grouped_metrics(pg, ng)
    n, p = len(y), int(y.sum())
    rho = p / n
    return Metrics(auroc=auroc, auprc=ap, auprc_ratio=ap / rho, epr=ep / rho,
                   early_precision=ep, n_pairs=n, n_positives=p, positive_rate=rho, n_top=n_top)


def early_precision(labels, scores) -> float:
    """BEELINE early precision: ``TP / |top|`` over the pairs scoring at least the k-th highest
    score, ``k`` = number of positives (ties at the cut included). Divide by the positive rate
    for the EPR."""
    y, s = _validate(labels, scores)
    return _early_precision(y, s)[0]


def roc_curve(labels, scores, *, max_points: int = MAX_CURVE_POINTS) -> pd.DataFrame:
    """ROC curve as a DataFrame ``fpr, tpr, threshold`` (increasing fpr; the first threshold is
    ``inf``, the (0, 0) corner), from ``sklearn.metrics.roc_curve(drop_intermediate=True)``
    (which keeps only the corners), then thinned to at most ``max_points`` points evenly spaced
    along the curve's length (endpoints kept) for plotting."""
    y, s = _validate(labels, scores)
    fpr, tpr, thr = skm.roc_curve(y, s, drop_intermediate=True)
    keep = _thin(fpr, tpr, max_points)
    return pd.DataFrame({"fpr": fpr[keep], "tpr": tpr[keep], "threshold": thr[keep]})


def pr_curve(labels, scores, *, max_points: int = MAX_CURVE_POINTS) -> pd.DataFrame:
    """Precision-recall curve as a DataFrame ``recall, precision, threshold`` in increasing
    recall, from ``sklearn.metrics.precision_recall_curve(drop_intermediate=True)``, thinned to at
    most ``max_points`` points evenly spaced along the curve's length (endpoints kept).

    The curve starts at the first real threshold: scikit-learn prepends the point (recall 0,
    precision 1), which belongs to no threshold and makes a scorer look perfect at the top. We
    replace it by (recall 0, ``P_1``), the precision of the highest threshold, so that the step
    curve (precision ``P_t`` held from ``R_{t-1}`` to ``R_t``, drawn with ``line_shape="vh"``)
    has exactly the average precision as its area. A constant score is one threshold and so a
    flat line at the positive rate."""
    y, s = _validate(labels, scores)
    precision, recall, thr = skm.precision_recall_curve(y, s, drop_intermediate=True)
    # sklearn returns decreasing thresholds reversed: the last entry is its synthetic (R=0, P=1)
    precision, recall, thr = precision[:-1][::-1], recall[:-1][::-1], thr[::-1]
    precision = np.concatenate([[precision[0]], precision])
    recall = np.concatenate([[0.0], recall])
    thr = np.concatenate([[thr[0]], thr])
    keep = _thin(recall, precision, max_points)
    return pd.DataFrame({"recall": recall[keep], "precision": precision[keep], "threshold": thr[keep]})


def bootstrap(labels, scores, n: int = 200, seed: int = 0, ci: float = 0.95) -> dict:
    """Percentile bootstrap intervals ``{metric: (low, high)}`` for `METRIC_NAMES`.

    Each of the ``n`` resamples draws ``P`` pairs with replacement from the positives and ``N``
    from the negatives (stratified: every resample has both classes and the positive rate stays
    ``P / n``); the interval is the ``(1 - ci) / 2`` and ``(1 + ci) / 2`` quantiles of the
    resampled metrics. The metrics depend on a resample only through how many copies fall in
    each tied-score group, and those counts are multinomial (``Multinomial(P, group sizes / P)``
    for positives, likewise for negatives), so they are drawn directly over the score groups that
    hold a positive and the negative-only runs between them: O(P) per resample after one sort,
    the same distribution as resampling pairs one by one.
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise InputError(f"the number of bootstrap resamples must be a positive integer, not {n!r}",
                         where="bootstrap", fix="use e.g. n=200")
    if isinstance(ci, bool) or not isinstance(ci, numbers.Real) or not 0 < ci < 1:
        raise InputError(f"ci must be in (0, 1), not {ci!r}", where="bootstrap", fix="use ci=0.95")
    draws = _bootstrap_draws(labels, scores, n, seed)
    lo, hi = np.quantile(draws, [(1 - ci) / 2, (1 + ci) / 2], axis=0)
    return {m: (float(a), float(b)) for m, a, b in zip(METRIC_NAMES, lo, hi)}


def cluster_bootstrap(labels, scores, units, n: int = 200, seed: int = 0, ci: float = 0.95) -> dict:
    """Percentile bootstrap intervals ``{metric: (low, high)}`` resampling whole units.

    ``units`` gives each pair's unit (for held-out regulators: the regulator; pairs of one TF share
    its expression profile and its truth coverage, so they are not independent and a pair-level
    bootstrap understates the spread). Each of the ``n`` resamples draws ``U`` units with
    replacement from the ``U`` distinct units; a unit drawn ``w`` times enters with all its pairs
    ``w`` times, i.e. the metrics are computed from the tied-score group counts weighted by ``w``
    (`_grouped_metrics` accepts real counts: the same numbers as materialising the copies). The
    positive rate is that of the resample. Resamples without a positive or without a negative
    are redrawn (they have no AUROC); the interval is the ``(1 - ci) / 2`` and ``(1 + ci) / 2``
    quantiles (cluster bootstrap: Davison & Hinkley, Bootstrap Methods, 1997, section 3.8).
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise InputError(f"the number of bootstrap resamples must be a positive integer, not {n!r}",
                         where="bootstrap", fix="use e.g. n=200")
    if isinstance(ci, bool) or not isinstance(ci, numbers.Real) or not 0 < ci < 1:
        raise InputError(f"ci must be in (0, 1), not {ci!r}", where="bootstrap", fix="use ci=0.95")
    y, s = _validate(labels, scores)
    u = np.asarray(units)
    if u.shape != y.shape:
        raise InputError(f"{len(u)} units for {len(y)} pairs", where="bootstrap", fix="give one unit per pair")
    _, unit = np.unique(u, return_inverse=True)
    unit = unit.ravel()
    n_units = int(unit.max()) + 1
    _, group = np.unique(-s, return_inverse=True)
    group = group.ravel()
    n_groups = int(group.max()) + 1
    # counts per (unit, group) are fixed; a resample only reweights units
    key = unit.astype(np.int64) * n_groups + group
    cells, inv = np.unique(key, return_inverse=True)
    cell_pos = np.bincount(inv.ravel(), weights=y, minlength=len(cells))
    cell_tot = np.bincount(inv.ravel(), minlength=len(cells)).astype(np.float64)
    cell_unit, cell_group = cells // n_groups, cells % n_groups
    rng = np.random.default_rng(seed)
    out = np.empty((n, len(METRIC_NAMES)))
    b = 0
    while b < n:
        w = np.bincount(rng.integers(0, n_units, n_units), minlength=n_units).astype(np.float64)[cell_unit]
        pg = np.bincount(cell_group, weights=w * cell_pos, minlength=n_groups)
        ng = np.bincount(cell_group, weights=w * (cell_tot - cell_pos), minlength=n_groups)
        if pg.sum() == 0 or ng.sum() == 0:
            continue
        auroc, ap, ep, _ = _grouped_metrics(pg, ng)
        rho = pg.sum() / (pg.sum() + ng.sum())
        out[b] = (auroc, ap, ap / rho, ep / rho, ep)
        b += 1
    lo, hi = np.quantile(out, [(1 - ci) / 2, (1 + ci) / 2], axis=0)
    return {m: (float(a), float(b)) for m, a, b in zip(METRIC_NAMES, lo, hi)}


def _bootstrap_draws(labels, scores, n: int, seed: int) -> np.ndarray:
    """``n x len(METRIC_NAMES)`` resampled metrics (see `bootstrap`)."""
    y, s = _validate(labels, scores)
    pg, ng = _group_counts(y, s)
    P, N = int(pg.sum()), int(ng.sum())
    pos_groups = np.flatnonzero(pg)              # groups (decreasing score) holding a positive
    L = len(pos_groups)
    neg_only = np.flatnonzero(pg == 0)           # the other groups hold negatives only
    gap = np.searchsorted(pos_groups, neg_only)  # gap j lies just above positive group j
    sub_sizes = ng[neg_only]                     # neg-only groups, contiguous per gap
    offsets = np.searchsorted(gap, np.arange(L + 2))
    bins = np.empty(2 * L + 1, np.float64)       # gap 0, tied negs of group 0, gap 1, ...
    bins[0::2] = np.bincount(gap, weights=sub_sizes, minlength=L + 1)
    bins[1::2] = ng[pos_groups]
    p_pos = pg[pos_groups] / P
    p_neg = bins / N
    rho = P / (P + N)
    rng = np.random.default_rng(seed)
    out = np.empty((n, len(METRIC_NAMES)))
    for b in range(n):
        pw = rng.multinomial(P, p_pos).astype(np.float64)
        nw = rng.multinomial(N, p_neg).astype(np.float64)
        neg_through = np.cumsum(nw)[1::2]        # negatives scoring >= positive group j
        tp = np.cumsum(pw)
        auroc = float(np.sum(pw * (N - neg_through + 0.5 * nw[1::2])) / (P * N))
        seen = tp + neg_through
        ap = float(np.sum(np.divide(pw * tp, seen, out=np.zeros_like(seen), where=seen > 0)) / P)
        counts = nw.copy()
        counts[1::2] += pw
        cum = np.cumsum(counts)
        k = int(np.searchsorted(cum, P - 0.5))   # first bin whose cumulative count reaches P
        if k % 2:                                # the cut is a group holding positives
            top, tp_top = cum[k], tp[k // 2]
        else:                                    # the cut falls in a run of negative-only groups
            j = k // 2
            before = cum[k - 1] if k else 0.0
            tp_top = tp[j - 1] if j else 0.0
            sizes = sub_sizes[offsets[j]:offsets[j + 1]]
            sub = np.cumsum(rng.multinomial(int(nw[k]), sizes / sizes.sum()))
            top = before + sub[np.searchsorted(sub, P - before - 0.5)]
        ep = float(tp_top / top)
        out[b] = (auroc, ap, ap / rho, ep / rho, ep)
    return out


# ---------------------------------------------------------------------- internals
def _validate(labels, scores) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(labels)
    s = np.asarray(scores)
    if y.ndim != 1 or s.ndim != 1:
        raise InputError(f"labels and scores must be 1-d (got shapes {y.shape} and {s.shape})",
                         where="evaluation", fix="pass one label and one score per pair")
    if len(y) != len(s):
        raise InputError(f"{len(y)} labels but {len(s)} scores", where="evaluation",
                         fix="score exactly the evaluated pairs, in their order")
    if len(y) == 0:
        raise InputError("there are no pairs to evaluate", where="evaluation",
                         fix="check the split: its test part is empty")
    try:
        s = s.astype(np.float64)
    except (TypeError, ValueError):
        raise InputError("scores are not numbers", where="evaluation",
                         fix="a method must return one numeric score per pair") from None
    if y.dtype == bool:
        y = y.astype(np.int8)
    try:
        yf = y.astype(np.float64)
    except (TypeError, ValueError):
        yf = np.full(len(y), np.nan)
    bad = ~np.isin(yf, (0.0, 1.0))
    if bad.any():
        raise InputError(f"{int(bad.sum())} labels are not 0/1 (e.g. {y[np.flatnonzero(bad)[0]]!r})",
                         where="evaluation", fix="labels must be 1 for a true edge, 0 otherwise")
    y = yf.astype(np.int8)
    nan, inf = int(np.isnan(s).sum()), int(np.isinf(s).sum())
    if nan or inf:
        what = " and ".join(x for x in (f"{nan} NaN" if nan else "", f"{inf} infinite" if inf else "") if x)
        raise InputError(f"{what} scores out of {len(s)}", where="evaluation",
                         fix="the method must give every pair a finite score (fill missing pairs "
                             "with the lowest score, e.g. 0)")
    p = int(y.sum())
    if p == 0 or p == len(y):
        which = "no positive (true edge)" if p == 0 else "no negative (non-edge)"
        raise InputError(f"the {len(y)} evaluated pairs have {which}, so AUROC, AUPRC and early "
                         "precision are undefined", where="evaluation",
                         fix="evaluate on a split whose test part has both edges and non-edges "
                             "(a dataset without ground truth can only be scored)")
    return y, s


def _early_precision(y: np.ndarray, s: np.ndarray) -> tuple[float, int]:
    """(EP, size of the top set) straight from the definition (used by `early_precision`)."""
    k = int(y.sum())
    cut = np.partition(s, len(s) - k)[len(s) - k]  # the k-th highest score
    top = s >= cut
    n_top = int(top.sum())
    return float(y[top].sum()) / n_top, n_top


def _group_counts(y: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positives and negatives per distinct score, in decreasing score order (group 0 = highest)."""
    _, group = np.unique(-s, return_inverse=True)
    group = group.ravel()
    n_groups = int(group.max()) + 1
    pos = np.bincount(group, weights=y, minlength=n_groups).astype(np.int64)
    tot = np.bincount(group, minlength=n_groups).astype(np.int64)
    return pos, tot - pos


def _grouped_metrics(pg: np.ndarray, ng: np.ndarray) -> tuple[float, float, float, int]:
    """AUROC, AP, EP and the EP top-set size from positive / negative counts per score group
    (groups in decreasing score order), with ``TP_g``, ``FP_g`` the cumulative counts through g:

    - ``AUROC = sum_g pos_g * (N - FP_g + neg_g / 2) / (P * N)`` (negatives strictly below, ties
      half: the Mann-Whitney statistic, = sklearn ``roc_auc_score``);
    - ``AP = sum_g (pos_g / P) * TP_g / (TP_g + FP_g)`` (recall step times precision at each
      threshold, = sklearn ``average_precision_score``);
    - ``EP = TP_c / (TP_c + FP_c)`` for the first group c whose cumulative count reaches P
      (all pairs scoring >= the P-th highest score).
    """
    pg = pg.astype(np.float64)
    ng = ng.astype(np.float64)
    P, N = pg.sum(), ng.sum()
    tp, fp = np.cumsum(pg), np.cumsum(ng)
    auroc = float(np.sum(pg * (N - fp + 0.5 * ng)) / (P * N))
    seen = tp + fp
    ap = float(np.sum(np.divide(pg * tp, seen, out=np.zeros_like(seen), where=seen > 0)) / P)
    c = int(np.searchsorted(seen, P - 0.5))
    return auroc, ap, float(tp[c] / seen[c]), int(seen[c])


def _thin(x: np.ndarray, y: np.ndarray, max_points: int) -> np.ndarray:
    """Indices of at most ``max_points`` points evenly spaced along the L1 length of the
    polyline (x, y), first and last always kept; all indices when it is short enough."""
    n = len(x)
    if isinstance(max_points, bool) or not isinstance(max_points, numbers.Integral) or max_points < 2:
        raise InputError(f"max_points must be an integer >= 2, not {max_points!r}",
                         where="curve", fix="use e.g. 2000")
    if n <= max_points:
        return np.arange(n)
    arc = np.concatenate([[0.0], np.cumsum(np.abs(np.diff(x)) + np.abs(np.diff(y)))])
    targets = np.linspace(0.0, arc[-1], max_points)
    idx = np.searchsorted(arc, targets, side="left")
    idx = np.unique(np.clip(np.concatenate([[0], idx, [n - 1]]), 0, n - 1))
    return idx

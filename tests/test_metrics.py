"""Metrics (grncore.bench.metrics): hand-computed values, sklearn agreement, curves, bootstrap."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from grncore.bench import METRIC_NAMES, Metrics, bootstrap, early_precision, evaluate, pr_curve, roc_curve
from grncore.bench.metrics import _bootstrap_draws
from grncore.data import InputError


# ---------------------------------------------------------------------- hand-computed values
def test_hand_computed_example():
    # labels [1,0,1,0,0], scores [0.9,0.8,0.7,0.1,0.1]; P = 2, N = 3, rho = 2/5.
    # AUROC: positive 0.9 beats all 3 negatives (3); positive 0.7 beats the two 0.1s but not 0.8
    #        (2) -> 5 / (2 * 3) = 5/6.
    # AP: thresholds 0.9 -> TP 1, FP 0: recall 1/2, precision 1 -> + (1/2) * 1
    #                0.8 -> recall unchanged -> + 0
    #                0.7 -> TP 2, FP 1: recall 1, precision 2/3 -> + (1/2) * (2/3)
    #                0.1 -> recall unchanged -> + 0;  AP = 1/2 + 1/3 = 5/6.
    # AUPRC ratio = (5/6) / (2/5) = 25/12.
    # EPR: k = 2, the 2nd highest score is 0.8, top = {0.9, 0.8} -> 1 TP of 2 -> EP = 1/2,
    #      EPR = (1/2) / (2/5) = 5/4.
    m = evaluate([1, 0, 1, 0, 0], [0.9, 0.8, 0.7, 0.1, 0.1])
    assert isinstance(m, Metrics)
    assert m.auroc == pytest.approx(5 / 6, abs=1e-12)
    assert m.auprc == pytest.approx(5 / 6, abs=1e-12)
    assert m.auprc_ratio == pytest.approx(25 / 12, abs=1e-12)
    assert m.early_precision == pytest.approx(1 / 2, abs=1e-12)
    assert m.epr == pytest.approx(5 / 4, abs=1e-12)
    assert (m.n_pairs, m.n_positives, m.n_top) == (5, 2, 2)
    assert m.positive_rate == pytest.approx(0.4)
    d = m.as_dict()
    assert d["epr"] == m.epr and set(METRIC_NAMES) <= set(d)


def test_ties_at_the_cut_are_included():
    # labels [1,0,0,1,0,0], scores [0.9,0.5,0.5,0.5,0.2,0.1]; P = 2, N = 4, rho = 1/3.
    # k = 2 and the 2nd highest score is 0.5, shared by three pairs: the top set is every pair
    # with score >= 0.5, i.e. 4 pairs (0.9, 0.5, 0.5, 0.5) holding both positives -> EP = 2/4,
    # EPR = (1/2) / (1/3) = 3/2.
    # AUROC: 0.9 beats all 4 negatives (4); 0.5 beats 0.2 and 0.1 (2) and ties two 0.5s (2 * 1/2)
    #        -> 7 / 8.
    # AP: threshold 0.9: recall 1/2, precision 1 -> 1/2; threshold 0.5: TP 2, FP 2: recall 1,
    #     precision 1/2 -> + 1/2 * 1/2; AP = 3/4, ratio 9/4.
    y, s = [1, 0, 0, 1, 0, 0], [0.9, 0.5, 0.5, 0.5, 0.2, 0.1]
    m = evaluate(y, s)
    assert m.n_top == 4
    assert m.early_precision == pytest.approx(0.5, abs=1e-12)
    assert m.epr == pytest.approx(1.5, abs=1e-12)
    assert m.auroc == pytest.approx(7 / 8, abs=1e-12)
    assert m.auprc == pytest.approx(3 / 4, abs=1e-12)
    assert m.auprc_ratio == pytest.approx(9 / 4, abs=1e-12)
    assert early_precision(y, s) == pytest.approx(0.5, abs=1e-12)


def test_perfect_and_reversed_rankings():
    y = [1, 1, 0, 0, 0]  # rho = 2/5
    perfect = evaluate(y, [5, 4, 3, 2, 1])
    assert (perfect.auroc, perfect.auprc, perfect.early_precision) == (1.0, 1.0, 1.0)
    assert perfect.epr == pytest.approx(5 / 2) and perfect.auprc_ratio == pytest.approx(5 / 2)
    # reversed: scores 1..5 with the positives lowest. AUROC 0.
    # AP: thresholds 5, 4, 3 are negatives (recall 0); 2: TP 1 of 4 -> 1/2 * 1/4;
    #     1: TP 2 of 5 -> 1/2 * 2/5; AP = 1/8 + 1/5 = 0.325. EP: top-2 = {5, 4}, no TP -> 0.
    rev = evaluate(y, [1, 2, 3, 4, 5])
    assert rev.auroc == 0.0
    assert rev.auprc == pytest.approx(0.325, abs=1e-12)
    assert rev.early_precision == 0.0 and rev.epr == 0.0


def test_constant_scores_are_random():
    # one tied group: AUROC 1/2, AP = precision of everything = rho, top set = all pairs
    y = [1, 0, 0, 0]
    m = evaluate(y, [0.3] * 4)
    assert m.auroc == 0.5
    assert m.auprc == pytest.approx(0.25) and m.auprc_ratio == pytest.approx(1.0)
    assert m.n_top == 4 and m.epr == pytest.approx(1.0)


def test_random_ranking_ratios_are_about_one():
    rng = np.random.default_rng(0)
    n = 200_000
    y = (rng.random(n) < 0.05).astype(np.int8)
    m = evaluate(y, rng.random(n))
    assert m.auroc == pytest.approx(0.5, abs=0.01)
    assert m.auprc_ratio == pytest.approx(1.0, abs=0.05)
    assert m.epr == pytest.approx(1.0, abs=0.15)
    assert m.positive_rate == pytest.approx(y.mean())


@pytest.mark.parametrize("seed", range(5))
def test_agrees_with_sklearn_and_the_definition(seed):
    """AUROC / AUPRC equal sklearn's roc_auc_score / average_precision_score (ties included),
    EP equals the literal definition (sort, take >= k-th score)."""
    rng = np.random.default_rng(seed)
    n = 3000
    y = (rng.random(n) < 0.1 + 0.05 * seed).astype(int)
    s = np.round(rng.normal(size=n) + y * rng.random(), 1)  # many ties, some signal
    m = evaluate(y, s)
    assert m.auroc == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    assert m.auprc == pytest.approx(average_precision_score(y, s), abs=1e-12)
    k = y.sum()
    kth = np.sort(s)[::-1][k - 1]
    top = s >= kth
    assert m.n_top == top.sum()
    assert m.early_precision == pytest.approx(y[top].mean(), abs=1e-12)
    assert m.epr == pytest.approx(y[top].mean() / y.mean(), abs=1e-12)


def test_accepts_bool_labels_and_series():
    m1 = evaluate(pd.Series([True, False, True, False, False]), pd.Series([0.9, 0.8, 0.7, 0.1, 0.1]))
    m2 = evaluate(np.array([1, 0, 1, 0, 0], np.int8), np.array([0.9, 0.8, 0.7, 0.1, 0.1], np.float32))
    assert m1.auroc == pytest.approx(5 / 6) and m2.epr == pytest.approx(5 / 4)


# ---------------------------------------------------------------------- degenerate input
@pytest.mark.parametrize("labels, match", [([0, 0, 0], "no positive"), ([1, 1, 1], "no negative")])
def test_one_class_is_undefined(labels, match):
    with pytest.raises(InputError, match=match) as err:
        evaluate(labels, [0.1, 0.2, 0.3])
    assert "AUROC" in str(err.value) and isinstance(err.value, ValueError)


def test_bad_scores_and_labels():
    with pytest.raises(InputError, match="2 NaN scores out of 4"):
        evaluate([1, 0, 1, 0], [0.1, np.nan, np.nan, 0.3])
    with pytest.raises(InputError, match="1 infinite"):
        evaluate([1, 0, 1, 0], [0.1, np.inf, 0.2, 0.3])
    with pytest.raises(InputError, match="3 labels but 2 scores"):
        evaluate([1, 0, 1], [0.1, 0.2])
    with pytest.raises(InputError, match="not 0/1"):
        evaluate([1, 0, 2], [0.1, 0.2, 0.3])
    with pytest.raises(InputError, match="no pairs"):
        evaluate([], [])
    with pytest.raises(InputError, match="not numbers"):
        evaluate([1, 0], ["a", "b"])
    with pytest.raises(InputError, match="NaN"):
        roc_curve([1, 0], [np.nan, 1])
    with pytest.raises(InputError, match="no positive"):
        bootstrap([0, 0], [0.1, 0.2])


# ---------------------------------------------------------------------- curves
def test_roc_and_pr_curves_hand_example():
    y, s = [1, 0, 1, 0, 0], [0.9, 0.8, 0.7, 0.1, 0.1]
    roc = roc_curve(y, s)
    assert list(roc.columns) == ["fpr", "tpr", "threshold"]
    np.testing.assert_allclose(roc["fpr"], [0, 0, 1 / 3, 1 / 3, 1])
    np.testing.assert_allclose(roc["tpr"], [0, 0.5, 0.5, 1, 1])
    assert np.isinf(roc["threshold"].iloc[0])
    pr = pr_curve(y, s)
    assert list(pr.columns) == ["recall", "precision", "threshold"]
    # increasing recall from the first real threshold (not sklearn's synthetic (0, 1) point)
    np.testing.assert_allclose(pr["recall"], [0, 0.5, 0.5, 1, 1])
    np.testing.assert_allclose(pr["precision"], [1, 1, 0.5, 2 / 3, 0.4])
    np.testing.assert_allclose(pr["threshold"], [0.9, 0.9, 0.8, 0.7, 0.1])


def test_pr_curve_starts_at_the_first_threshold_and_a_constant_score_is_flat():
    y = [0, 1, 0, 0, 1, 0, 0, 0]
    pr = pr_curve(y, [0.5] * 8)
    # one threshold: a flat line at the positive rate, never precision 1 at recall 0
    np.testing.assert_allclose(pr["recall"], [0, 1])
    np.testing.assert_allclose(pr["precision"], [0.25, 0.25])
    # a ranking whose top pair is a negative starts at precision 0
    pr = pr_curve(y, [0.9, 0.3, 0.2, 0.1, 0.4, 0.0, 0.0, 0.0])
    assert pr["recall"].iloc[0] == 0 and pr["precision"].iloc[0] == 0
    ap = np.sum(np.diff(pr["recall"]) * pr["precision"].to_numpy()[1:])
    assert ap == pytest.approx(evaluate(y, [0.9, 0.3, 0.2, 0.1, 0.4, 0.0, 0.0, 0.0]).auprc)


def test_curves_are_thinned_but_keep_their_shape():
    rng = np.random.default_rng(1)
    n = 60_000
    y = (rng.random(n) < 0.1).astype(int)
    s = rng.normal(size=n) + 1.2 * y
    m = evaluate(y, s)
    roc = roc_curve(y, s)
    assert 1000 <= len(roc) <= 2002
    assert (roc[["fpr", "tpr"]].iloc[0] == 0).all() and (roc[["fpr", "tpr"]].iloc[-1] == 1).all()
    assert (np.diff(roc["fpr"]) >= 0).all() and (np.diff(roc["tpr"]) >= 0).all()
    assert np.trapezoid(roc["tpr"], roc["fpr"]) == pytest.approx(m.auroc, abs=2e-3)
    pr = pr_curve(y, s)
    assert len(pr) <= 2002
    assert (np.diff(pr["recall"]) >= 0).all()
    assert pr["recall"].iloc[0] == 0 and pr["recall"].iloc[-1] == 1
    assert pr["precision"].iloc[-1] == pytest.approx(y.mean())
    # step-wise area of the thinned curve is still the average precision
    ap = np.sum(np.diff(pr["recall"]) * pr["precision"].to_numpy()[1:])
    assert ap == pytest.approx(m.auprc, abs=0.01)
    small = roc_curve(y, s, max_points=50)
    assert len(small) <= 52


# ---------------------------------------------------------------------- bootstrap
def test_bootstrap_intervals():
    rng = np.random.default_rng(2)
    n = 4000
    y = (rng.random(n) < 0.1).astype(int)
    s = rng.normal(size=n) + y
    m = evaluate(y, s)
    ci = bootstrap(y, s, n=200, seed=0)
    assert set(ci) == set(METRIC_NAMES)
    for name, (lo, hi) in ci.items():
        assert lo <= getattr(m, name) <= hi, name
        assert lo < hi
    assert ci == bootstrap(y, s, n=200, seed=0)
    assert ci != bootstrap(y, s, n=200, seed=1)
    narrow = bootstrap(y, s, n=200, seed=0, ci=0.5)
    assert narrow["auroc"][0] > ci["auroc"][0] and narrow["auroc"][1] < ci["auroc"][1]
    with pytest.raises(InputError, match="ci"):
        bootstrap(y, s, ci=1.5)
    with pytest.raises(InputError, match="resamples"):
        bootstrap(y, s, n=0)


def test_bootstrap_of_a_perfect_ranking_is_perfect():
    y = np.r_[np.ones(20, int), np.zeros(80, int)]
    s = -np.arange(100.0)
    ci = bootstrap(y, s, n=50)
    assert ci["auroc"] == (1.0, 1.0) and ci["auprc"] == (1.0, 1.0)
    assert ci["epr"] == pytest.approx((5.0, 5.0))


@pytest.mark.parametrize("kind", ["ties_everywhere", "tied_negative_runs"])
def test_bootstrap_matches_naive_pair_resampling(kind):
    """The multinomial shortcut has the distribution of resampling pairs one by one (stratified)
    and evaluating each resample: compare means and spreads of the draws. ``tied_negative_runs``
    puts the EP cut among runs of tied negative-only scores (the sub-multinomial path; replacing
    it by ``top = k`` moves the EP mean by ~0.4 sd there, well past the 0.15 sd tolerance)."""
    rng = np.random.default_rng(3)
    n = 300
    if kind == "ties_everywhere":
        y = (rng.random(n) < 0.15).astype(int)
        s = np.round(rng.normal(size=n) + 0.8 * y, 1)
    else:
        y = (rng.random(n) < 0.1).astype(int)
        s = np.where(y == 1, rng.normal(size=n) + 1.0, np.round(rng.normal(size=n), 1))
        assert evaluate(y, s).n_top > y.sum()
    draws = 1500
    fast = _bootstrap_draws(y, s, draws, seed=0)
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    naive = np.empty_like(fast)
    for b in range(draws):
        idx = np.r_[rng.choice(pos, len(pos)), rng.choice(neg, len(neg))]
        m = evaluate(y[idx], s[idx])
        naive[b] = [getattr(m, k) for k in METRIC_NAMES]
    sd = naive.std(axis=0)
    assert (sd > 0).all()
    np.testing.assert_array_less(np.abs(fast.mean(axis=0) - naive.mean(axis=0)), 0.15 * sd)
    np.testing.assert_array_less(np.abs(fast.std(axis=0) / sd - 1), 0.12)

"""Consensus of predicted networks: Borda mean rank (average ranks for ties, unscored pairs tied
at the bottom) and mean min-max normalised score, checked against hand-computed values."""

import numpy as np
import pandas as pd
import pytest

from grncore.data import InputError
from grncore.network import consensus, to_pred


def run(pairs, scores, known=None):
    return to_pred(pd.DataFrame({"regulator": [p[0] for p in pairs], "target": [p[1] for p in pairs],
                                 "score": scores, "label": known if known is not None else [0] * len(pairs)}))


A = run(["ab", "ac", "ba", "bc"], [0.9, 0.5, 0.5, 0.1], known=[1, 0, 0, 0])
B = run(["ac", "ab", "cd"], [3.0, 1.0, 1.0], known=[0, 0, 1])


def test_mean_rank_by_hand():
    c = consensus([A, B], how="rank").set_index(["regulator", "target"])
    # union (first appearance): ab, ac, ba, bc, cd; N = 5
    # A ranks: ab 1, ac 2.5, ba 2.5 (tie), bc 4; cd unscored -> (4 + 1 + 5) / 2 = 5
    # B ranks: ac 1, ab 2.5, cd 2.5 (tie); ba, bc unscored -> (3 + 1 + 5) / 2 = 4.5
    mean = {("a", "b"): (1 + 2.5) / 2, ("a", "c"): (2.5 + 1) / 2, ("b", "a"): (2.5 + 4.5) / 2,
            ("b", "c"): (4 + 4.5) / 2, ("c", "d"): (5 + 2.5) / 2}
    assert c["mean_rank"].to_dict() == pytest.approx(mean)
    lo, hi = min(mean.values()), max(mean.values())
    assert c["score"].to_dict() == pytest.approx({k: (hi - v) / (hi - lo) for k, v in mean.items()})
    # ab and ac tie at 1.75: rank in union order (ab first)
    assert c["rank"].to_dict() == {("a", "b"): 1, ("a", "c"): 2, ("b", "a"): 3, ("c", "d"): 4, ("b", "c"): 5}
    assert c["known"].to_dict() == {("a", "b"): 1, ("a", "c"): 0, ("b", "a"): 0, ("b", "c"): 0, ("c", "d"): 1}
    assert c["support"].to_dict() == {("a", "b"): 2, ("a", "c"): 2, ("b", "a"): 1, ("b", "c"): 1, ("c", "d"): 1}
    assert list(c.reset_index().columns[:6]) == ["regulator", "target", "score", "rank", "known", "trained"]


def test_mean_normalised_score_by_hand():
    c = consensus([A, B], how="score").set_index(["regulator", "target"])
    # A min-max over [0.1, 0.9]: ab 1, ac 0.5, ba 0.5, bc 0; B over [1, 3]: ac 1, ab 0, cd 0; unscored 0
    assert c["mean_score"].to_dict() == pytest.approx({("a", "b"): 0.5, ("a", "c"): 0.75, ("b", "a"): 0.25,
                                                       ("b", "c"): 0.0, ("c", "d"): 0.0})
    assert c["rank"].to_dict() == {("a", "c"): 1, ("a", "b"): 2, ("b", "a"): 3, ("b", "c"): 4, ("c", "d"): 5}


def test_consensus_of_identical_runs_keeps_the_order():
    rng = np.random.default_rng(3)
    pairs = [(f"g{i}", f"h{j}") for i in range(10) for j in range(10)]
    r = run(pairs, rng.random(100))
    for how in ("rank", "score"):
        c = consensus([r, r, r], how=how)
        assert c["rank"].tolist() == r["rank"].tolist(), how


def test_signs_combine_and_bad_input():
    s1 = A.assign(sign=np.array([1, 0, 0, 0], np.int8))
    c = consensus([s1, B]).set_index(["regulator", "target"])
    assert c.loc[("a", "b"), "sign"] == 1 and c.loc[("c", "d"), "sign"] == 0
    with pytest.raises(InputError, match="unknown consensus"):
        consensus([A, B], how="median")
    with pytest.raises(InputError, match="no predicted networks"):
        consensus([])

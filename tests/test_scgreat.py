"""scgreat (scGREAT without BioBERT): quality against the sentinels, no test-edge leakage, seed,
cancel. Small simulated data, CPU, one torch thread."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.metrics import roc_auc_score

from grncore import methods
from grncore.bench.splits import make_split
from grncore.data import InputError, simulate
from grncore.methods import scgreat as sg_mod
from grncore.train.progress import Cancelled

FAST = {"epochs": 3, "batch_size": 64}


@pytest.fixture(autouse=True)
def _one_thread():
    prev = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(prev)


@pytest.fixture(scope="module")
def small():
    """Tiny data for the mechanics tests."""
    ds = simulate.single_cell(n_genes=60, n_cells=80, seed=3)
    return ds, make_split(ds, "edge_random", seed=0)


def _score(name, ds, sp, params=None, seed=0, **kw):
    return methods.score_pairs(ds, sp.test, name, params, train=sp.train, val=sp.val, seed=seed, **kw)


def _auroc(sp, s):
    return roc_auc_score(sp.test["label"].to_numpy(), s)


def test_registered_with_bounds_and_paper_shape():
    spec = methods.get("scgreat")
    assert spec.supervised and spec.family == "deep" and spec.fn == "grncore.methods.scgreat:scgreat"
    p = spec.defaults()
    assert (p.n_layers, p.n_heads, p.expr_hidden, p.dropout, p.clip, p.identity) == (2, 4, 512, 0.2, 0.1, "none")
    with pytest.raises(InputError, match="identity"):
        methods.validate_params(spec, {"identity": "biobert"})
    assert 60 < spec.time_hint(1120, 620, 421) < 600   # mESC TFs+500: minutes, not hours


def test_bad_inputs(small):
    ds, sp = small
    with pytest.raises(InputError, match="divisible"):
        sg_mod.scgreat(ds, sp.test, {"dim": 30, "n_heads": 4}, train=sp.train)
    with pytest.raises(InputError, match="training"):
        sg_mod.scgreat(ds, sp.test, FAST, train=None)
    with pytest.raises(InputError, match="single class"):
        sg_mod.scgreat(ds, sp.test, FAST, train=sp.train[sp.train["label"] == 1])


MARGIN = 0.10   # over random and over degree, on every split seed


def test_beats_random_and_degree_under_edge_random():
    """300 genes x 400 cells, edge_random 0.6/0.1/0.3 (354 balanced test pairs), 15 epochs.

    Measured (model seed 0), split seeds 0 / 1: scgreat 0.717 / 0.669, degree 0.504 / 0.445,
    random 0.501 / 0.477, |pearson| 0.666 / 0.635 (not asserted; for scale). Smallest lead over the
    better sentinel: 0.192; the margin 0.10 leaves room for other CPUs and BLAS builds. On this
    simulated data degree is at chance (its edges do not concentrate on hubs the way BEELINE's
    do), so beating it here says less than on BEELINE, where degree reaches 0.92 under
    edge_random (bench/results/scgreat.md).

    Not asserted: tf_disjoint. On this data scgreat is BELOW chance there (split seeds 0 / 1:
    0.375 / 0.463, identity=learned 0.364 / 0.484, where |pearson| reaches 0.64 / 0.73). The
    target's training in-degree alone has AUROC 0.335 / 0.315 there (the simulated genes have few
    regulators each, so a target of a held-out TF is rarely a training target): the model learns
    which targets were positive in training, and that is anti-informative for held-out TFs here."""
    ds = simulate.single_cell(n_genes=300, n_cells=400, seed=0)
    for split_seed in (0, 1):
        sp = make_split(ds, "edge_random", seed=split_seed, fractions=(0.6, 0.1, 0.3))
        s, d, r = (_auroc(sp, _score(m, ds, sp, p)) for m, p in
                   (("scgreat", {"epochs": 15}), ("degree", None), ("random", None)))
        print(f"split {split_seed}: scgreat {s:.3f} degree {d:.3f} random {r:.3f}")
        assert s >= max(d, r) + MARGIN, (split_seed, s, d, r)


def test_trainer_sees_only_training_pairs(small, monkeypatch):
    ds, sp = small
    seen = []
    real = sg_mod._train

    def spy(x, pairs, params, **kw):
        seen.append((tuple(np.asarray(v).copy() for v in pairs), kw.get("val_pairs")))
        return real(x, pairs, params, **kw)

    monkeypatch.setattr(sg_mod, "_train", spy)
    _score("scgreat", ds, sp, FAST)
    (a, b, y), val = seen[0]
    names = np.asarray(ds.genes)
    given = pd.DataFrame({"regulator": names[a], "target": names[b], "label": y})
    key = ["regulator", "target", "label"]
    pd.testing.assert_frame_equal(given.sort_values(key, ignore_index=True),
                                  sp.train[key].astype({"regulator": str, "target": str})
                                  .sort_values(key, ignore_index=True), check_dtype=False)
    test_keys = set(zip(sp.test["regulator"].astype(str), sp.test["target"].astype(str)))
    assert not test_keys & set(zip(given["regulator"], given["target"]))
    assert len(val[2]) == len(sp.val)


def test_scores_ignore_dataset_network_but_follow_train(small):
    ds, sp = small
    base = _score("scgreat", ds, sp, FAST)
    test_pos = sp.test[sp.test["label"] == 1]
    drop = set(zip(test_pos["regulator"].astype(str), test_pos["target"].astype(str)))
    net = ds.network
    keep = [(r, t) not in drop for r, t in zip(net["regulator"], net["target"])]
    ds_cut = ds.with_(network=net[keep].reset_index(drop=True), tfs=ds.tfs)
    assert ds_cut.n_edges == ds.n_edges - len(drop)
    np.testing.assert_array_equal(_score("scgreat", ds_cut, sp, FAST), base)
    # a deliberately leaking variant (test pairs with their labels added to train) changes the scores
    leaky = pd.concat([sp.train, sp.test], ignore_index=True)
    leaked = methods.score_pairs(ds, sp.test, "scgreat", {"epochs": 10, "batch_size": 64}, train=leaky,
                                 val=sp.val, seed=0)
    assert not np.allclose(leaked, base)
    assert _auroc(sp, leaked) > _auroc(sp, base)


def test_same_seed_same_scores_and_identity_variant(small):
    ds, sp = small
    a = _score("scgreat", ds, sp, FAST, seed=5)
    b = _score("scgreat", ds, sp, FAST, seed=5)
    c = _score("scgreat", ds, sp, FAST, seed=6)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert a.dtype == np.float64 and a.shape == (len(sp.test),)
    learned = _score("scgreat", ds, sp, {**FAST, "identity": "learned"}, seed=5)
    assert np.isfinite(learned).all() and not np.allclose(learned, a)


def test_cancel_within_one_epoch_and_progress_fields(small):
    ds, sp = small
    rows = []

    def progress(done, total, message="", **fields):
        rows.append((done, total, message, fields))

    with pytest.raises(Cancelled):
        _score("scgreat", ds, sp, {"epochs": 50, "batch_size": 64}, progress=progress,
               should_stop=lambda: len(rows) >= 2)
    assert [r[:3] for r in rows] == [(1, 50, "epoch 1/50"), (2, 50, "epoch 2/50")]
    assert all(np.isfinite(r[3]["loss"]) and 0 <= r[3]["val_auroc"] <= 1 for r in rows)


def test_checkpoint_and_val_subsample(small, tmp_path):
    ds, sp = small
    s1 = _score("scgreat", ds, sp, FAST, workdir=tmp_path)
    state = torch.load(tmp_path / "scgreat.pt", map_location="cpu", weights_only=True)
    assert "expr1.weight" in state and "pos.weight" in state
    np.testing.assert_array_equal(_score("scgreat", ds, sp, FAST), s1)   # in-memory best weights
    y = np.array([1, 0, 0, 0, 1, 0, 0, 0, 0, 0])
    idx = np.arange(10)
    a, b, yy = sg_mod._val_sample(idx, idx, y, 5, seed=0)
    assert len(yy) == 5 and yy.sum() == 2 and set(a) >= {0, 4}

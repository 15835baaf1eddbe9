"""GENELink (genelink): quality against the sentinels, no test-edge leakage, cancel, progress,
determinism. Small simulated data, CPU, one torch thread."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.metrics import roc_auc_score

from grncore import methods
from grncore.bench.splits import make_split
from grncore.data import InputError, simulate
from grncore.data.genes import pair_rows
from grncore.methods import genelink as gl
from grncore.train.progress import Cancelled

FAST = {"epochs": 3, "batch_size": 64}
LEAK = {"epochs": 10, "batch_size": 64}


@pytest.fixture(autouse=True)
def _one_thread():
    prev = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(prev)


@pytest.fixture(scope="module")
def small():
    ds = simulate.single_cell(n_genes=80, n_cells=120, seed=3)
    return ds, make_split(ds, "edge_random", seed=0)


@pytest.fixture(scope="module")
def signal():
    """Data with clear signal for the quality test (300 genes, 400 cells, ~590 edges)."""
    return simulate.single_cell(n_genes=300, n_cells=400, seed=0)


def _score(ds, sp, params=None, seed=0, **kw):
    return methods.score_pairs(ds, sp.test, "genelink", params, train=sp.train, val=sp.val, seed=seed, **kw)


def _auroc(sp, s):
    return roc_auc_score(sp.test["label"].to_numpy(), s)


def _edge_set(frame, ds):
    a, b = pair_rows(frame, ds)
    return set(zip(a.tolist(), b.tolist()))


# ---------------------------------------------------------------------- registry and params
def test_registered_with_reference_defaults(small):
    spec = methods.get("genelink")
    assert spec.supervised and spec.family == "deep" and spec.fn == "grncore.methods.genelink:genelink"
    p = spec.defaults()
    assert (p.epochs, p.batch_size, p.lr, p.heads1, p.heads2, p.hidden1, p.hidden2, p.hidden3, p.out_dim,
            p.slope, p.score, p.self_loops) == (20, 256, 3e-3, 3, 3, 128, 64, 32, 16, 0.2, "dot", False)
    with pytest.raises(InputError, match="score"):
        methods.validate_params(spec, {"score": "euclid"})
    ds, sp = small
    with pytest.raises(InputError, match="training"):
        gl.genelink(ds, sp.test, FAST, train=None)
    with pytest.raises(InputError, match="single class"):
        gl.genelink(ds, sp.test, FAST, train=sp.train[sp.train["label"] == 1])


def test_training_graph_is_undirected_with_loops_for_isolated_genes():
    rows, cols = gl.training_graph(np.array([[0, 1], [1, 0], [2, 1]]), 4, self_loops=False)
    assert sorted(zip(rows.tolist(), cols.tolist())) == [(0, 1), (1, 0), (1, 2), (2, 1), (3, 3)]
    rows, cols = gl.training_graph(np.array([[0, 1]]), 3, self_loops=True)
    assert sorted(zip(rows.tolist(), cols.tolist())) == [(0, 0), (0, 1), (1, 0), (1, 1), (2, 2)]


# ---------------------------------------------------------------------- quality
QUALITY_SEEDS = (0, 1, 2)
MARGIN_EACH = 0.08   # over the better of random and degree, on every split seed


def test_beats_random_and_degree_under_edge_random_over_split_seeds(signal):
    """edge_random with fractions 0.6/0.1/0.3 (354 balanced test pairs, 708 training pairs),
    GENELink's defaults (20 epochs, batch 256: 60 steps; patience 3), CPU, one thread.

    Measured, split seeds 0 / 1 / 2 (model seed 0): genelink 0.713 / 0.658 / 0.673; degree
    0.504 / 0.445 / 0.435; random 0.501 / 0.477 / 0.455. Smallest lead over the better sentinel:
    0.18 (split 1); the margin 0.08 leaves room for other CPUs and BLAS builds. Not asserted:
    |Pearson| gets 0.666 / 0.635 / 0.694 on the same pairs, so on this data GENELink is level
    with plain correlation -- it beats the sentinels, not the simplest unsupervised baseline."""
    ds = signal
    rows = []
    for split_seed in QUALITY_SEEDS:
        sp = make_split(ds, "edge_random", seed=split_seed, fractions=(0.6, 0.1, 0.3))
        rows.append((_auroc(sp, _score(ds, sp)),
                     _auroc(sp, methods.score_pairs(ds, sp.test, "degree", train=sp.train)),
                     _auroc(sp, methods.score_pairs(ds, sp.test, "random", train=sp.train))))
    a = np.array(rows)
    print("genelink, degree, random AUROC per split seed:\n", a.round(3))
    for split_seed, (g, d, r) in zip(QUALITY_SEEDS, a):
        assert g >= max(d, r) + MARGIN_EACH, (split_seed, g, d, r)


# ---------------------------------------------------------------------- leakage
def test_model_sees_only_training_positives_and_training_labels(small, monkeypatch):
    ds, sp = small
    seen = []
    real = gl._train

    def spy(x, edges, pairs, params, **kw):
        seen.append((np.asarray(edges).copy(), tuple(np.asarray(t).copy() for t in pairs)))
        return real(x, edges, pairs, params, **kw)

    monkeypatch.setattr(gl, "_train", spy)
    _score(ds, sp, FAST)
    assert len(seen) == 1
    edges, (a, b, y) = seen[0]
    given = set(map(tuple, edges.tolist()))
    assert given == _edge_set(sp.train[sp.train["label"] == 1], ds)   # all training positives, nothing else
    assert not given & _edge_set(sp.test[sp.test["label"] == 1], ds)
    assert not given & _edge_set(sp.val[sp.val["label"] == 1], ds)
    ta, tb = pair_rows(sp.train, ds)
    np.testing.assert_array_equal(a, ta)
    np.testing.assert_array_equal(b, tb)
    np.testing.assert_array_equal(y, sp.train["label"].to_numpy())


def test_scores_ignore_network_and_test_labels_but_follow_train(small):
    ds, sp = small
    base = _score(ds, sp, FAST)
    # remove every test edge from the ground truth: genelink never reads dataset.network
    test_pos = sp.test[sp.test["label"] == 1]
    drop = set(zip(test_pos["regulator"].astype(str), test_pos["target"].astype(str)))
    net = ds.network
    keep = [(r, t) not in drop for r, t in zip(net["regulator"], net["target"])]
    ds_cut = ds.with_(network=net[keep].reset_index(drop=True), tfs=ds.tfs)
    assert ds_cut.n_edges == ds.n_edges - len(drop)
    np.testing.assert_array_equal(_score(ds_cut, sp, FAST), base)
    # flipped test labels: the same scores
    flipped = sp.test.assign(label=1 - sp.test["label"])
    same = methods.score_pairs(ds, flipped, "genelink", FAST, train=sp.train, val=sp.val, seed=0)
    np.testing.assert_array_equal(same, base)
    # a deliberately leaking variant (the test pairs with their labels added to the training
    # pairs, so test positives also become graph edges) changes the scores and helps. Measured
    # with LEAK: AUROC 0.492 without, 0.594 with the leak (32 test pairs).
    leaky = pd.concat([sp.train, sp.test], ignore_index=True)
    honest = _score(ds, sp, LEAK)
    leaked = methods.score_pairs(ds, sp.test, "genelink", LEAK, train=leaky, val=sp.val, seed=0)
    assert not np.allclose(leaked, honest)
    assert _auroc(sp, leaked) >= _auroc(sp, honest) + 0.05, (_auroc(sp, leaked), _auroc(sp, honest))


# ---------------------------------------------------------------------- mechanics
def test_cancel_within_one_epoch(small):
    ds, sp = small
    epochs = []

    def progress(done, total, message="", **fields):
        if "epoch" in fields:
            epochs.append(fields["epoch"])

    with pytest.raises(Cancelled):
        _score(ds, sp, {"epochs": 50, "batch_size": 64}, progress=progress,
               should_stop=lambda: len(epochs) >= 1)
    assert epochs == [1]


def test_progress_fields_and_checkpoint(small, tmp_path):
    ds, sp = small
    rows = []
    _score(ds, sp, {"epochs": 2, "batch_size": 64}, workdir=tmp_path,
           progress=lambda d, n, m="", **f: rows.append((d, n, m, f)))
    assert [r[:3] for r in rows] == [(1, 2, "epoch 1/2"), (2, 2, "epoch 2/2")]
    assert all(np.isfinite(r[3]["loss"]) and 0 <= r[3]["val_auroc"] <= 1 for r in rows)
    state = torch.load(tmp_path / "genelink.pt", map_location="cpu", weights_only=True)
    assert "gat1.weight" in state and state["gat1.weight"].shape[0] == 3


def test_same_seed_same_scores_on_cpu(small):
    ds, sp = small
    a = _score(ds, sp, FAST, seed=5)
    b = _score(ds, sp, FAST, seed=5)
    c = _score(ds, sp, FAST, seed=6)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert a.dtype == np.float64 and a.shape == (len(sp.test),)


@pytest.mark.parametrize("score", ["cosine", "mlp"])
def test_other_scores_and_self_loops_run(small, score):
    ds, sp = small
    s = _score(ds, sp, {**FAST, "score": score, "self_loops": True})
    assert np.isfinite(s).all() and np.unique(s).size > 1

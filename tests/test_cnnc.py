"""CNNC (pair histogram images + CNN): the image equals numpy's histogram2d, quality against the
sentinels under tf_disjoint, no test-edge leakage, determinism, cancel. Small simulated data, CPU,
one torch thread."""

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
from grncore.methods import cnnc as cnnc_mod
from grncore.train.progress import Cancelled

FAST = {"epochs": 2, "width": 2, "dense": 16, "batch_size": 64}


@pytest.fixture(autouse=True)
def _one_thread():
    prev = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(prev)


@pytest.fixture(scope="module")
def small():
    ds = simulate.single_cell(n_genes=60, n_cells=200, seed=3)
    return ds, make_split(ds, "edge_random", seed=0)


def _score(name, ds, sp, params=None, seed=0, **kw):
    return methods.score_pairs(ds, sp.test, name, params, train=sp.train, val=sp.val, seed=seed, **kw)


def _auroc(sp, s):
    return roc_auc_score(sp.test["label"].to_numpy(), s)


def test_registered_and_suggests_tf_disjoint():
    spec = methods.get("cnnc")
    assert spec.supervised and spec.family == "deep"
    assert "tf_disjoint" in spec.description
    assert spec.defaults().convs in (1, 2)
    with pytest.raises(InputError, match="width"):
        methods.validate_params(spec, {"width": 0})


def test_image_is_numpys_normalised_histogram2d(small):
    ds, _ = small
    x = cnnc_mod.log_expression(ds)
    x[5] = 1.5                                       # a constant gene: numpy's +-0.5 range
    bins = torch.from_numpy(cnnc_mod.gene_bins(x))
    a, b = np.array([0, 3, 5, 7, 11]), np.array([1, 2, 9, 5, 11])
    img = cnnc_mod.pair_images(bins, torch.from_numpy(a), torch.from_numpy(b)).numpy()
    assert img.shape == (5, 1, 32, 32)
    for i in range(len(a)):
        h = np.histogram2d(x[a[i]], x[b[i]], bins=32)[0].T     # rows: bins of b (the paper's .T)
        np.testing.assert_allclose(img[i, 0], (np.log10(h / x.shape[1] + 1e-4) + 4) / 4, atol=1e-6)


def test_bad_inputs(small):
    ds, sp = small
    with pytest.raises(InputError, match="training"):
        cnnc_mod.cnnc(ds, sp.test, FAST, train=None)
    with pytest.raises(InputError, match="single class"):
        cnnc_mod.cnnc(ds, sp.test, FAST, train=sp.train[sp.train["label"] == 1])


def test_cnnc_beats_random_and_degree_under_tf_disjoint():
    """150 genes x 1,000 cells (noise 0.1), tf_disjoint seed 0 (440 balanced training pairs, 447
    test pairs of held-out TFs at the natural ratio, 12% positive), width 4, batch 32, lr 0.003,
    3 epochs (validation AUROC picked epoch 2 of a 15-epoch run too), CPU, one thread; 5 s wall at
    load average 3 (44 s at load 12).

    Measured: cnnc 0.728, random 0.431, degree 0.500 (held-out TFs have no training out-degree),
    |Pearson| 0.749 -- so CNNC learns the co-expression signal from other TFs' pairs, but on this
    data does not beat plain correlation. Margin 0.12 over the better sentinel (measured lead 0.23)."""
    ds = simulate.single_cell(n_genes=150, n_cells=1000, seed=0, noise=0.1)
    sp = make_split(ds, "tf_disjoint", seed=0)
    s = _score("cnnc", ds, sp, {"epochs": 3, "width": 4, "batch_size": 32, "lr": 0.003, "patience": 0})
    got = _auroc(sp, s), _auroc(sp, _score("degree", ds, sp)), _auroc(sp, _score("random", ds, sp))
    print("cnnc, degree, random AUROC:", np.round(got, 3))
    assert got[0] >= max(got[1], got[2]) + 0.12, got


def test_trains_on_training_pairs_only(small, monkeypatch):
    ds, sp = small
    seen = []
    real = cnnc_mod.fit

    def spy(model, tensors, **kw):
        seen.append([t.numpy().copy() for t in tensors])
        return real(model, tensors, **kw)

    monkeypatch.setattr(cnnc_mod, "fit", spy)
    base = _score("cnnc", ds, sp, FAST)
    (a, b, y), = seen
    ta, tb = pair_rows(sp.train, ds)
    np.testing.assert_array_equal(a, ta)
    np.testing.assert_array_equal(b, tb)
    np.testing.assert_array_equal(y, sp.train["label"].to_numpy())
    # removing the test edges from the ground truth changes nothing: dataset.network is never read
    test_pos = sp.test[sp.test["label"] == 1]
    drop = set(zip(test_pos["regulator"].astype(str), test_pos["target"].astype(str)))
    net = ds.network
    keep = [(r, t) not in drop for r, t in zip(net["regulator"], net["target"])]
    ds_cut = ds.with_(network=net[keep].reset_index(drop=True), tfs=ds.tfs)
    np.testing.assert_array_equal(_score("cnnc", ds_cut, sp, FAST), base)
    # a deliberately leaking variant (test edges added to the training pairs) changes the scores
    leaky = pd.concat([sp.train, test_pos], ignore_index=True)
    assert not np.allclose(methods.score_pairs(ds, sp.test, "cnnc", FAST, train=leaky, val=sp.val), base)


def test_same_seed_same_scores_and_progress(small, tmp_path):
    ds, sp = small
    rows = []
    a = _score("cnnc", ds, sp, FAST, seed=5, workdir=tmp_path,
               progress=lambda d, n, m="", **f: rows.append((d, n, f)))
    assert (tmp_path / "cnnc.pt").is_file()
    b = _score("cnnc", ds, sp, FAST, seed=5)
    c = _score("cnnc", ds, sp, FAST, seed=6)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert a.dtype == np.float64 and a.shape == (len(sp.test),)
    assert [r[:2] for r in rows] == [(1, 2), (2, 2)]
    assert all(np.isfinite(r[2]["loss"]) and 0 <= r[2]["val_auroc"] <= 1 for r in rows)


def test_cancel_within_one_epoch(small):
    ds, sp = small
    epochs = []
    with pytest.raises(Cancelled):
        _score("cnnc", ds, sp, {**FAST, "epochs": 50, "patience": 0},
               progress=lambda d, n, m="", **f: epochs.append(f["epoch"]),
               should_stop=lambda: len(epochs) >= 1)
    assert epochs == [1]

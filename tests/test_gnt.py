"""GeneNet Transformer (gnt) and GNE: quality against the sentinels, no test-edge leakage,
cancel, checkpoints, determinism. Small simulated data, CPU, one torch thread."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score

from grncore import methods
from grncore.bench.splits import make_split
from grncore.data import InputError, simulate
from grncore.data.genes import pair_rows
from grncore.methods import gnt as gnt_mod
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
    ds = simulate.single_cell(n_genes=80, n_cells=120, seed=3)
    return ds, make_split(ds, "edge_random", seed=0)


@pytest.fixture(scope="module")
def signal():
    """Data with clear signal for the quality test (300 genes, 400 cells, ~590 edges)."""
    return simulate.single_cell(n_genes=300, n_cells=400, seed=0)


def _score(name, ds, sp, params=None, seed=0, **kw):
    return methods.score_pairs(ds, sp.test, name, params, train=sp.train, val=sp.val, seed=seed, **kw)


def _auroc(sp, s):
    return roc_auc_score(sp.test["label"].to_numpy(), s)


def _edge_set(frame, ds):
    a, b = pair_rows(frame, ds)
    return set(zip(a.tolist(), b.tolist()))


# ---------------------------------------------------------------------- registry and params
def test_registered_with_thesis_defaults():
    spec = methods.get("gnt")
    assert spec.supervised and spec.family == "deep"
    p = spec.defaults()
    assert (p.epochs, p.batch_size, p.lr, p.n_neg, p.dim, p.alpha, p.n_layers) == (30, 256, 0.002, 10, 128, 1.0, 2)
    assert methods.get("gne").defaults().lr == 0.005
    with pytest.raises(InputError, match="n_neg"):
        methods.validate_params(spec, {"n_neg": 0})


def test_bad_params_and_inputs(small):
    ds, sp = small
    with pytest.raises(InputError, match="divisible"):
        gnt_mod.gnt(ds, sp.test, {"dim": 30, "n_heads": 4}, train=sp.train)
    with pytest.raises(InputError, match="training"):
        gnt_mod.gnt(ds, sp.test, FAST, train=None)
    one_class = sp.train[sp.train["label"] == 1]
    with pytest.raises(InputError, match="single class"):
        gnt_mod.gnt(ds, sp.test, FAST, train=one_class)


# ---------------------------------------------------------------------- quality
QUALITY_SEEDS = (0, 1, 2)
MARGIN_EACH = 0.07   # over the better of random and degree, on every split seed
MARGIN_MEAN = 0.12   # mean over the split seeds, over the mean of degree and of random


def test_gnt_beats_random_and_degree_under_edge_random_over_split_seeds(signal):
    """edge_random with fractions 0.6/0.1/0.3 (354 balanced test pairs: the 8:1:1 default leaves
    118, where one split's AUROC moves by +-0.05), 15 epochs (the validation-best epoch came
    before 15 on every split; 30 gave the same scores), batch 64, CPU, one thread.

    Measured, split seeds 0 / 1 / 2: gnt 0.679 / 0.659 / 0.653 (model seed 0; seeds 1 and 2:
    0.700 / 0.620 / 0.677 and 0.685 / 0.642 / 0.681), degree 0.504 / 0.445 / 0.435, random 0.501 /
    0.477 / 0.455. Smallest lead over the better sentinel over those 9 runs: 0.143 (split 1,
    model seed 1); mean lead 0.15-0.17. The margins (0.07 each, 0.12 on the mean) leave room for
    other CPUs and BLAS builds.

    Not asserted: beating degree under tf_disjoint / gene_disjoint. On this simulated data gnt is
    at chance there (AUROC 0.45-0.59 over model variants, where |Pearson| reaches 0.64-0.79):
    its embeddings are transductive (one learned id per gene), so genes without training edges get
    little from them. On mESC (STRING, a symmetric network) gnt does reach 0.92 under tf_disjoint,
    largely through reverse edges and targets seen in training; see the report in gnt.py."""
    ds = signal
    rows = []
    for split_seed in QUALITY_SEEDS:
        sp = make_split(ds, "edge_random", seed=split_seed, fractions=(0.6, 0.1, 0.3))
        rows.append((_auroc(sp, _score("gnt", ds, sp, {"epochs": 15, "batch_size": 64})),
                     _auroc(sp, _score("degree", ds, sp)), _auroc(sp, _score("random", ds, sp))))
    a = np.array(rows)
    print("gnt, degree, random AUROC per split seed:\n", a.round(3))
    for split_seed, (g, d, r) in zip(QUALITY_SEEDS, a):
        assert g >= max(d, r) + MARGIN_EACH, (split_seed, g, d, r)
    mean = a.mean(axis=0)
    assert mean[0] >= max(mean[1], mean[2]) + MARGIN_MEAN, mean


# ---------------------------------------------------------------------- leakage
def test_embedding_trainer_sees_only_training_positives(small, monkeypatch):
    ds, sp = small
    seen = []
    real = gnt_mod._train_embeddings

    def spy(x, edges, params, **kw):
        seen.append(np.asarray(edges).copy())
        return real(x, edges, params, **kw)

    monkeypatch.setattr(gnt_mod, "_train_embeddings", spy)
    for name in ("gnt", "gne"):
        _score(name, ds, sp, FAST)
    assert len(seen) == 2
    train_pos = _edge_set(sp.train[sp.train["label"] == 1], ds)
    test_pos = _edge_set(sp.test[sp.test["label"] == 1], ds)
    val_pos = _edge_set(sp.val[sp.val["label"] == 1], ds)
    for edges in seen:
        given = set(map(tuple, edges.tolist()))
        assert given == train_pos             # all of the training positives, nothing else
        assert not given & test_pos and not given & val_pos


def test_scores_ignore_dataset_network_but_follow_train(small):
    ds, sp = small
    base = _score("gnt", ds, sp, FAST)
    # remove every test edge from the ground truth: gnt never reads dataset.network
    test_pos = sp.test[sp.test["label"] == 1]
    drop = set(zip(test_pos["regulator"].astype(str), test_pos["target"].astype(str)))
    net = ds.network
    keep = [(r, t) not in drop for r, t in zip(net["regulator"], net["target"])]
    ds_cut = ds.with_(network=net[keep].reset_index(drop=True), tfs=ds.tfs)
    assert ds_cut.n_edges == ds.n_edges - len(drop)
    np.testing.assert_array_equal(_score("gnt", ds_cut, sp, FAST), base)
    # a deliberately leaking variant (test edges added to the training pairs) changes the scores
    leaky = pd.concat([sp.train, test_pos], ignore_index=True)
    leaked = methods.score_pairs(ds, sp.test, "gnt", FAST, train=leaky, val=sp.val, seed=0)
    assert not np.allclose(leaked, base)
    assert _auroc(sp, leaked) > _auroc(sp, base)


# ---------------------------------------------------------------------- mechanics
def test_cancel_within_one_epoch(small):
    ds, sp = small
    epochs = []

    def progress(done, total, message="", **fields):
        if "epoch" in fields:
            epochs.append(fields["epoch"])

    with pytest.raises(Cancelled):
        _score("gnt", ds, sp, {"epochs": 50, "batch_size": 64}, progress=progress,
               should_stop=lambda: len(epochs) >= 1)
    assert epochs == [1]


def test_progress_fields(small):
    ds, sp = small
    rows = []
    _score("gne", ds, sp, {"epochs": 2, "patience": 0},
           progress=lambda d, n, m="", **f: rows.append((d, n, m, f)))
    assert [r[:3] for r in rows] == [(1, 2, "epoch 1/2"), (2, 2, "epoch 2/2")]
    assert all(np.isfinite(r[3]["loss"]) and 0 <= r[3]["val_auroc"] <= 1 for r in rows)


def test_checkpoint_reload_gives_identical_scores(small, tmp_path):
    ds, sp = small
    s1 = _score("gnt", ds, sp, FAST, workdir=tmp_path)
    path = tmp_path / "gnt.pt"
    assert path.is_file()
    state = torch.load(path, map_location="cpu", weights_only=True)
    assert "id_embed.weight" in state
    emb = gnt_mod.embeddings_from_checkpoint(path, ds, sp.train, FAST, seed=0)
    clf = gnt_mod._fit_svm(gnt_mod._edge_features(emb, *pair_rows(sp.train, ds)),
                           sp.train["label"].to_numpy(), methods.validate_params(methods.get("gnt"), FAST), 0,
                           n_score=len(sp.test))
    s2 = clf.decision_function(gnt_mod._edge_features(emb, *pair_rows(sp.test, ds)))
    np.testing.assert_array_equal(s1, s2)
    # and a run without a workdir (best weights kept in memory) gives the same scores
    np.testing.assert_array_equal(_score("gnt", ds, sp, FAST), s1)


def test_same_seed_same_scores_on_cpu(small):
    ds, sp = small
    a = _score("gnt", ds, sp, FAST, seed=5)
    b = _score("gnt", ds, sp, FAST, seed=5)
    c = _score("gnt", ds, sp, FAST, seed=6)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert a.dtype == np.float64 and a.shape == (len(sp.test),)


def test_gnt_context_tokens_and_gne_run(small):
    ds, sp = small
    s = _score("gnt", ds, sp, {"epochs": 2, "batch_size": 64, "context": 3})
    assert np.isfinite(s).all()
    s = _score("gne", ds, sp, {"epochs": 2})
    assert np.isfinite(s).all()


def test_nystroem_path_for_large_training_sets(small, monkeypatch):
    """With more training pairs than ``max_kernel_pairs``, ``svm="auto"`` fits Nystroem + a linear
    SVM (a spy records the pipeline gnt fits); on the same embeddings (same seed) its scores rank
    the test pairs like the kernel SVC's. Measured on this data (split seeds 0-2, 256 training
    pairs): Spearman 0.956-0.965 between the two heads' decision values (a plain linear SVM on the
    same features: 0.33-0.66), AUROC within 0.03 of each other."""
    ds, sp = small
    fitted = []
    real = gnt_mod._fit_svm

    def spy(*args, **kwargs):
        fitted.append(real(*args, **kwargs))
        return fitted[-1]

    monkeypatch.setattr(gnt_mod, "_fit_svm", spy)
    nys = _score("gnt", ds, sp, {**FAST, "max_kernel_pairs": 100})
    rbf = _score("gnt", ds, sp, FAST)
    steps = [[type(step).__name__ for _, step in clf.steps] for clf in fitted]
    assert steps == [["StandardScaler", "Nystroem", "LinearSVC"], ["StandardScaler", "SVC"]]
    assert fitted[0].steps[1][1].n_components == min(1000, len(sp.train))
    rho = spearmanr(nys, rbf).statistic
    assert rho >= 0.9, rho
    assert abs(_auroc(sp, nys) - _auroc(sp, rbf)) <= 0.06, (_auroc(sp, nys), _auroc(sp, rbf))

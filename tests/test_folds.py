"""Repeated, covering splits (grncore.bench.folds) and the regulator-level bootstrap."""

import json

import numpy as np
import pandas as pd
import pytest

from grncore import methods
from grncore.bench import folds, make_split
from grncore.bench.metrics import bootstrap, cluster_bootstrap, evaluate
from grncore.bench.run import run
from grncore.cli import main
from grncore.data import InputError
from grncore.jobs import Workspace
from tests.test_splits import make_dataset


@pytest.fixture(scope="module")
def ds():
    return make_dataset(n_genes=50, n_tfs=14, n_edges=140, edgeless_tfs=2, seed=3)


def _tfs(sp, part):
    return set(sp.info["tfs"][part])


def test_tf_folds_cover_every_regulator_once_and_never_train_or_validate_on_it(ds):
    splits = folds.fold_splits(ds, "tf_disjoint", 7, {"folds": 5})
    tested = [_tfs(sp, "test") for sp in splits]
    with_edges = set(ds.network["regulator"].astype(str))
    assert len(with_edges) == 12
    assert sorted(t for s in tested for t in s) == sorted(with_edges)  # each exactly once
    assert [len(s) for s in tested] == [3, 3, 2, 2, 2]                  # near-equal folds
    for sp in splits:
        test, val, train = _tfs(sp, "test"), _tfs(sp, "val"), _tfs(sp, "train")
        assert not (test & val or test & train or val & train)
        assert len(val) == 2 and len(train) == 12 - len(test) - 2         # round(12 * 0.15) = 2
        assert set(sp.test["regulator"].astype(str)) == test
        assert set(sp.val["regulator"].astype(str)) == val               # early stopping on held-out TFs
        assert set(sp.train["regulator"].astype(str)) <= train
        assert sp.info["options"]["folds"] == 5 and "fold" not in sp.info["options"]
    # a pure function of (dataset, split, seed, options); another seed gives other folds
    again = folds.fold_splits(ds, "tf_disjoint", 7, {"folds": 5})
    assert all(a.test.equals(b.test) and a.train.equals(b.train) for a, b in zip(splits, again))
    assert [_tfs(s, "test") for s in folds.fold_splits(ds, "tf_disjoint", 8, {"folds": 5})] != tested


def test_edgeless_tfs_are_folded_apart_and_also_tested_once(ds):
    splits = folds.fold_splits(ds, "tf_disjoint", 0, {"folds": 4, "include_edgeless_tfs": True})
    tested = [t for sp in splits for t in sp.info["tfs"]["test"]]
    assert sorted(tested) == sorted(ds.tfs)


def test_gene_folds_hold_every_gene_out_once(ds):
    splits = folds.fold_splits(ds, "gene_disjoint", 1, {"folds": 3})
    genes = [g for sp in splits for g in sp.info["genes"]["test"]]
    assert sorted(genes) == sorted(ds.genes)
    for sp in splits:
        test = set(sp.info["genes"]["test"])
        pairs = set(sp.test["regulator"].astype(str)) | set(sp.test["target"].astype(str))
        assert pairs <= test
        assert not (test & (set(sp.train["regulator"].astype(str)) | set(sp.train["target"].astype(str))))


def test_fold_options_are_checked(ds):
    with pytest.raises(InputError, match="at least 2"):
        make_split(ds, "tf_disjoint", folds=1)
    with pytest.raises(InputError, match="13 folds need at least 13 TFs"):
        make_split(ds, "tf_disjoint", folds=13)
    with pytest.raises(InputError, match="not in 0..4"):
        make_split(ds, "tf_disjoint", folds=5, fold=5)


def test_edge_random_repeats_use_consecutive_seeds(ds):
    reps = folds.fold_splits(ds, "edge_random", 4, {"repeats": 3})
    for r, sp in enumerate(reps):
        plain = make_split(ds, "edge_random", seed=4 + r)
        assert sp.test.equals(plain.test) and sp.info["fold"] == r


def _auroc_by_hand(labels, scores):
    pos = [s for s, y in zip(scores, labels) if y]
    neg = [s for s, y in zip(scores, labels) if not y]
    return sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / (len(pos) * len(neg))


def test_per_fold_and_pooled_metrics_match_a_hand_computation():
    # fold 0: TF a (pairs 4), fold 1: TF b (pairs 4)
    pred = pd.DataFrame({"regulator": list("aaaabbbb"), "target": list("wxyzwxyz"),
                         "score": [0.9, 0.8, 0.3, 0.1, 0.7, 0.2, 0.6, 0.05],
                         "label": [1, 0, 1, 0, 0, 1, 1, 0], "fold": [0, 0, 0, 0, 1, 1, 1, 1]})
    m = folds.summarise(pred, "tf_disjoint", [["a"], ["b"]], n_boot=50)
    # fold 0: positives 0.9, 0.3; negatives 0.8, 0.1 -> pairs won: (0.9>0.8, 0.9>0.1, 0.3>0.1) = 3/4
    # fold 1: positives 0.2, 0.6; negatives 0.7, 0.05 -> (0.2>0.05, 0.6>0.05) = 2/4
    assert [f["auroc"] for f in m.folds] == [0.75, 0.5]
    assert m.auroc_mean == 0.625 and m.auroc_sd == pytest.approx(np.std([0.75, 0.5], ddof=1))
    assert m.auroc == _auroc_by_hand(pred["label"], pred["score"]) == 10 / 16
    # EPR, fold 0: top-2 = {0.9 (pos), 0.8 (neg)} -> EP 1/2, rate 1/2 -> EPR 1
    # pooled: top-4 = 0.9 p, 0.8 n, 0.7 n, 0.6 p -> EP 2/4, rate 4/8 -> EPR 1
    assert m.folds[0]["epr"] == 1.0 and m.epr == 1.0
    # AP pooled: positives at ranks 1 (precision 1), 4 (2/4), 5 (0.3: 3/5), 6 (0.2: 4/6)
    assert m.auprc == pytest.approx((1 + 2 / 4 + 3 / 5 + 4 / 6) / 4)
    assert m.folds[0]["held_out"] == ["a"] and m.n_folds == 2 and m.ci_units == "regulators"
    lo, hi = m.auroc_ci
    assert lo <= m.auroc <= hi


def test_the_regulator_bootstrap_is_wider_than_the_pair_bootstrap_when_regulators_differ():
    # 20 regulators x 50 pairs: on half of them the scores rank perfectly, on the other half
    # inversely. Pairs look independent to a pair bootstrap, which then misses that the figure
    # hinges on which regulators happened to be held out.
    rng = np.random.default_rng(0)
    labels, scores, units = [], [], []
    for u in range(20):
        y = (np.arange(50) < 10).astype(int)
        s = rng.uniform(size=50) + (1.0 if u % 2 == 0 else -1.0) * y
        labels += list(y)
        scores += list(s)
        units += [f"tf{u}"] * 50
    pair = bootstrap(labels, scores, n=300, seed=1)
    unit = cluster_bootstrap(labels, scores, units, n=300, seed=1)
    width = {k: (b[1] - b[0], unit[k][1] - unit[k][0]) for k, b in pair.items()}
    assert width["auroc"][1] > 2.5 * width["auroc"][0]
    # with one unit per pair the two resample the same thing: widths agree within noise
    same = cluster_bootstrap(labels, scores, np.arange(len(labels)), n=300, seed=1)
    assert same["auroc"][1] - same["auroc"][0] == pytest.approx(width["auroc"][0], rel=0.3)


def test_a_run_with_folds_scores_every_held_out_pair_once_and_the_sentinel_uses_the_same_folds(ds, tmp_path):
    ws = Workspace(tmp_path / "ws")
    res = run(ds, "pearson", "tf_disjoint", seed=2, split_options={"folds": 4}, workspace=ws)
    deg = run(ds, "degree", "tf_disjoint", seed=2, split_options=res.split_options, workspace=ws)
    pred = ws.load_run_artifact(res.run_id, "predictions")
    assert not pred.duplicated(["regulator", "target"]).any()
    assert set(pred["regulator"]) == set(ds.network["regulator"].astype(str))
    assert len(pred) == 12 * (ds.n_genes - 1)
    deg_pred = ws.load_run_artifact(deg.run_id, "predictions")
    pd.testing.assert_frame_equal(pred[["regulator", "target", "label", "fold"]],
                                  deg_pred[["regulator", "target", "label", "fold"]])
    # the union call of an unsupervised method equals scoring fold by fold
    for k, sp in enumerate(folds.fold_splits(ds, "tf_disjoint", 2, res.split_options)):
        alone = methods.score_pairs(ds, sp.test, "pearson")
        got = pred[pred["fold"] == k]
        assert np.allclose(got["score"].to_numpy(), alone)
        assert res.metrics.folds[k]["auroc"] == pytest.approx(evaluate(sp.test["label"], alone).auroc, abs=1e-12)
    row = ws.get_run(res.run_id)
    assert row.split_options["folds"] == 4 and len(row.metrics["folds"]) == 4
    assert set(ws.load_run_artifact(res.run_id, "roc_folds")["fold"]) == {0, 1, 2, 3}


def test_a_supervised_run_trains_once_per_fold_and_validates_on_held_out_regulators(ds):
    seen = []

    def progress(done, total, message="", **fields):
        seen.append(message)

    res = run(ds, "gne", "tf_disjoint", seed=0, split_options={"folds": 3}, progress=progress,
              params={"epochs": 2, "dim": 8}, device="cpu")
    assert sorted(set(res.history["fold"])) == [0, 1, 2]
    assert any(m.startswith("fold 3/3") for m in seen)
    assert len(res.metrics.folds) == 3 and res.extra["train_pairs"][0] > 0


def test_cli_infer_with_folds_writes_the_fold_summary(tmp_path, capsys):
    data = tmp_path / "sc"
    assert main(["simulate", "single-cell", "--genes", "30", "--cells", "120", "--seed", "1", "--out", str(data)]) == 0
    out = tmp_path / "out"
    assert main(["infer", "--expression", str(data), "--method", "degree", "--split", "tf_disjoint",
                 "--folds", "3", "--out", str(out)]) == 0, capsys.readouterr().err
    m = json.loads((out / "metrics.json").read_text())
    for key in ("auroc_mean", "auroc_sd", "auprc_ratio_mean", "auprc_ratio_sd", "epr_mean", "epr_sd",
                "auroc", "auprc", "auprc_ratio", "epr"):
        assert isinstance(m[key], float), key
    for key in ("auroc_ci", "auprc_ratio_ci", "epr_ci"):
        assert len(m[key]) == 2 and m[key][0] <= m[key][1]
    assert len(m["folds"]) == 3 and all(f["held_out"] for f in m["folds"])
    pred = pd.read_csv(out / "predictions.csv")
    assert sorted(pred["fold"].unique()) == [0, 1, 2] and not pred.duplicated(["regulator", "target"]).any()
    assert m["auroc_mean"] == pytest.approx(np.mean([f["auroc"] for f in m["folds"]]))
    assert main(["infer", "--expression", str(data), "--method", "degree", "--split", "tf_disjoint",
                 "--repeats", "3", "--out", str(out)]) == 2
    assert "--repeats does not apply to the tf_disjoint split" in capsys.readouterr().err


def test_external_predictions_on_a_fold_comparison_are_scored_on_every_fold(ds):
    from grncore.bench.run import evaluate_predictions

    res = run(ds, "pearson", "tf_disjoint", seed=5, split_options={"folds": 3})
    ext = evaluate_predictions(ds, res.predictions[["regulator", "target", "score"]], name="copy",
                               split="tf_disjoint", seed=5, split_options=res.split_options)
    assert ext.metrics.auroc == pytest.approx(res.metrics.auroc, abs=1e-12)
    assert [f["auroc"] for f in ext.metrics.folds] == pytest.approx([f["auroc"] for f in res.metrics.folds])
    assert ext.metrics.auroc_ci == pytest.approx(res.metrics.auroc_ci)
    # its per-fold curves are stored like a run's, so the page can draw them on request
    assert set(ext.frames) == {"roc_folds", "pr_folds"}
    for name in ("roc_folds", "pr_folds"):
        pd.testing.assert_frame_equal(ext.frames[name], res.frames[name])

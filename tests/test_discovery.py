"""Discovery runs: every candidate pair scored once, known/trained flags, supervised methods
trained on every known edge and nothing else, in-sample labelling, datasets without a truth."""

import math

import numpy as np
import pandas as pd
import pytest

from grncore import methods
from grncore.bench import candidate_pairs, make_split
from grncore.bench.pairs import _Candidates, _sample_complement
from grncore.bench.run import run
from grncore.data import InputError, simulate
from grncore.data.preprocess import normalize_log1p
from grncore.jobs import Workspace
from grncore.network import predicted_network


@pytest.fixture(scope="module")
def sc():
    return normalize_log1p(simulate.demo(seed=0))


def pairs_of(frame) -> list[tuple[str, str]]:
    return list(zip(frame["regulator"].astype(str), frame["target"].astype(str)))


def truth(ds) -> set[tuple[str, str]]:
    tfs = set(ds.tfs)
    return {(r, t) for r, t in zip(ds.network.regulator, ds.network.target) if r in tfs}


def test_split_trains_on_every_known_edge_with_edge_random_negatives(sc):
    sp = make_split(sc, "discovery", seed=5)
    assert sp.protocol == "in-sample" and sp.info["in_sample"] and sp.info["evaluable"]
    assert pairs_of(sp.test) == pairs_of(candidate_pairs(sc))            # every pair, canonical order
    train = pairs_of(sp.train)
    pos = {p for p, y in zip(train, sp.train["label"]) if y == 1}
    neg = [p for p, y in zip(train, sp.train["label"]) if y == 0]
    assert pos == truth(sc) and len(pos) == sc.n_edges
    assert len(neg) == len(pos) and not set(neg) & truth(sc) and len(set(train)) == len(train)
    assert len(sp.val) == 0
    # the negatives are edge_random's sampler on default_rng(seed), over all candidate non-edges
    cand = _Candidates.of(sc)
    expect = np.sort(_sample_complement(np.random.default_rng(5), cand.n_pairs, cand.edge_pos, len(pos)))
    assert neg == pairs_of(cand.frame(expect))
    assert pairs_of(make_split(sc, "discovery", seed=5).train) == train
    assert pairs_of(make_split(sc, "discovery", seed=6).train) != train


def test_unsupervised_discovery_scores_every_pair_once(sc):
    res = run(sc, "pearson", "discovery", seed=0)
    p = res.predictions
    assert list(p.columns[:7]) == ["regulator", "target", "score", "rank", "known", "trained", "label"]
    assert len(p) == sc.n_candidate_pairs and not p.duplicated(["regulator", "target"]).any()
    assert set(pairs_of(p)) == set(pairs_of(candidate_pairs(sc)))
    assert p["known"].sum() == sc.n_edges
    assert {pr for pr, k in zip(pairs_of(p), p["known"]) if k} == truth(sc)
    assert (p["trained"] == 0).all() and (p["label"] == p["known"]).all()
    assert sorted(p["rank"]) == list(range(1, len(p) + 1))
    assert p.sort_values("rank")["score"].is_monotonic_decreasing
    # signs of the demo truth come along (+1 / -1 on known edges only)
    assert set(p.loc[p.known == 1, "sign"]) == {1, -1} and (p.loc[p.known == 0, "sign"] == 0).all()
    rec = res.record()
    assert rec["in_sample"] is True and rec["evaluable"] is True and "in-sample" in rec["note"]
    assert rec["protocol"] == "in-sample" and 0.5 < rec["metrics"]["auroc"] <= 1


@pytest.mark.parametrize("method, params", [("degree", {}), ("gne", {"epochs": 2})])
def test_supervised_discovery_trains_on_all_known_edges_and_nothing_else(sc, monkeypatch, method, params):
    seen = {}
    real = methods.score_pairs

    def spy(dataset, pairs, name, p=None, *, train=None, val=None, **kw):
        seen.update(train=train.copy(), val=val, pairs=pairs)
        return real(dataset, pairs, name, p, train=train, val=val, **kw)

    monkeypatch.setattr(methods, "score_pairs", spy)
    res = run(sc, method, "discovery", params, seed=2)
    train = seen["train"]
    pos = {p for p, y in zip(pairs_of(train), train["label"]) if y == 1}
    assert pos == truth(sc)                                          # every known edge ...
    assert (train["label"] == 0).sum() == sc.n_edges                 # ... plus as many non-edges
    assert not {p for p, y in zip(pairs_of(train), train["label"]) if y == 0} & truth(sc)
    assert seen["val"] is not None and len(seen["val"]) == 0          # nothing else: no validation pairs
    assert len(seen["pairs"]) == sc.n_candidate_pairs
    p = res.predictions
    assert {pr for pr, t in zip(pairs_of(p), p["trained"]) if t} == set(pairs_of(train))
    assert p["trained"].sum() == 2 * sc.n_edges and (p.loc[p.known == 1, "trained"] == 1).all()
    assert res.record()["trained_pairs"] == 2 * sc.n_edges


def test_discovery_without_ground_truth(sc, tmp_path):
    bare = sc.with_(network=None)
    sp = make_split(bare, "discovery")
    assert not sp.info["evaluable"] and len(sp.train) == 0 and len(sp.test) == bare.n_candidate_pairs
    ws = Workspace(tmp_path)
    res = run(bare, "spearman", "discovery", workspace=ws)
    p = res.predictions
    assert len(p) == bare.n_candidate_pairs and (p["known"] == 0).all() and "sign" not in p
    assert math.isnan(res.metrics.auroc) and res.metrics.n_pairs == len(p) and res.roc.empty
    row = ws.get_run(res.run_id)
    assert row.status == "done" and row.record["in_sample"] and not row.record["evaluable"]
    assert "no ground truth" in row.record["note"]
    assert set(row.metrics) >= {"auroc", "auprc", "epr"}
    with pytest.raises(InputError, match="unsupervised method"):
        run(bare, "degree", "discovery")
    # the unsupervised split still refuses to evaluate without a truth: discovery is the way
    with pytest.raises(InputError):
        run(bare, "spearman", "unsupervised")


def test_predicted_network_of_stored_runs(sc, tmp_path):
    ws = Workspace(tmp_path)
    disc = run(sc, "degree", "discovery", seed=1, workspace=ws)
    pred = predicted_network(ws, disc.run_id)
    assert list(pred.columns) == ["regulator", "target", "score", "rank", "known", "trained", "sign"]
    pd.testing.assert_series_equal(pred["rank"], disc.predictions["rank"])
    assert pred["trained"].sum() == 2 * sc.n_edges
    ev = run(sc, "pearson", "edge_random", seed=1, workspace=ws)
    assert "sign" not in predicted_network(ws, ev.run_id)   # its dataset is not in the workspace
    ev = run(sc, "pearson", "edge_random", seed=1, workspace=ws, dataset_id=ws.save_dataset(sc))
    pe = predicted_network(ws, ev.run_id)
    assert len(pe) == len(ev.predictions) and (pe["trained"] == 0).all()
    assert (pe["known"].to_numpy() == ev.predictions["label"].to_numpy()).all()
    assert set(pe.loc[pe.known == 1, "sign"]) <= {1, -1} and (pe.loc[pe.known == 0, "sign"] == 0).all()
    with pytest.raises(InputError, match="no run"):
        predicted_network(ws, "nope")


def test_models_page_offers_discovery_as_exploration():
    from tests.test_app_pages import open_page, start_runs, wait_for_runs

    at = open_page("pages/models.py")
    assert "discovery (in-sample)" in at.selectbox(key="split_name").options
    at.selectbox(key="split_name").set_value("discovery").run()
    assert any("for exploring, not evaluating" in i.value for i in at.info)
    at.multiselect(key="methods_chosen").set_value(["pearson", "degree"]).run()
    start_runs(at)
    runs = wait_for_runs(2)
    assert {(r.split, r.status) for r in runs} == {("discovery", "done")}
    assert all(r.record["in_sample"] for r in runs)
    pred = predicted_network(Workspace(), next(r.id for r in runs if r.method == "degree"))
    assert pred["trained"].sum() == 2 * pred["known"].sum() > 0
    # in-sample figures are not an evaluation: the Evaluation page does not list these runs
    ev = open_page("pages/evaluation.py")
    assert any("No finished run" in i.value for i in ev.info)


def test_bench_refuses_the_discovery_split(sc):
    from grncore.bench.grid import run_grid

    with pytest.raises(InputError, match="not an evaluation"):
        run_grid([sc], ["pearson"], ["discovery"])

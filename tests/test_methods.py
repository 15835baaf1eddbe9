"""grncore.methods: registry, parameter validation, exactness of the engines, signal vs random,
sentinel leakage rules, cancellation and determinism (all on small data: < 30 s in total)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr
from sklearn.metrics import mutual_info_score, roc_auc_score

from grncore import methods
from grncore.data import Dataset, InputError
from grncore.methods.information import auto_bins, discretize
from grncore.train.progress import Cancelled

BASELINES = {"pearson", "spearman", "mutual_info", "genie3", "grnboost2", "degree", "random"}
FAST = {  # small settings so the whole file stays fast on 2 cores
    "genie3": {"n_estimators": 25, "n_jobs": 1},
    "grnboost2": {"n_jobs": 1},
}


def _random_dataset(n_genes=60, n_samples=40, seed=0) -> Dataset:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n_genes, n_samples)), index=[f"g{i}" for i in range(n_genes)],
                     columns=[f"s{j}" for j in range(n_samples)])
    return Dataset.create(X, name="random")


def _all_pairs(ds: Dataset, regulators=None) -> pd.DataFrame:
    regs = list(regulators if regulators is not None else ds.tfs)
    rows = [(r, t) for r in regs for t in ds.genes if r != t]
    return pd.DataFrame(rows, columns=["regulator", "target"])


@pytest.fixture(scope="module")
def signal() -> tuple[Dataset, pd.DataFrame]:
    """8 TFs (hubs of different size) drive 40 targets linearly, through a square, a sigmoid or
    a product, plus noise; 150 samples. Pairs: every TF x gene, labelled by the truth."""
    rng = np.random.default_rng(7)
    n = 150
    tfs = [f"TF{i}" for i in range(8)]
    T = rng.normal(size=(8, n))
    out_degree = [12, 9, 7, 5, 3, 2, 1, 1]
    hubs = np.repeat(np.arange(8), out_degree)
    rows, edges = {}, []
    for j in range(40):
        a = int(hubs[j])
        b = int(rng.choice([i for i in range(8) if i != a]))
        kind = j % 4
        if kind == 0:
            y = 1.5 * T[a] - 0.8 * T[b]
        elif kind == 1:
            y = T[a] ** 2 + 0.7 * T[b]
        elif kind == 2:
            y = 3 / (1 + np.exp(-3 * T[a])) + 0.6 * T[b]
        else:
            y = T[a] * (T[b] > 0) + 0.5 * T[a]
        rows[f"G{j}"] = y + 0.3 * rng.normal(size=n)
        edges += [(tfs[a], f"G{j}"), (tfs[b], f"G{j}")]
    X = pd.DataFrame(np.vstack([T, np.array(list(rows.values()))]), index=tfs + list(rows),
                     columns=[f"c{k}" for k in range(n)])
    net = pd.DataFrame(edges, columns=["regulator", "target"]).drop_duplicates()
    ds = Dataset.create(X, network=net, tfs=tfs, name="signal")
    pairs = _all_pairs(ds)
    truth = set(map(tuple, ds.network[["regulator", "target"]].to_numpy()))
    pairs["label"] = [int((r, t) in truth) for r, t in zip(pairs.regulator, pairs.target)]
    return ds, pairs


# ---------------------------------------------------------------------- registry


def test_registry_lists_every_baseline_with_complete_metadata():
    assert BASELINES <= set(methods.REGISTRY)
    for name, spec in methods.REGISTRY.items():
        assert spec.name == name
        assert spec.family in methods.FAMILIES
        assert spec.description and "\n" not in spec.description
        assert spec.reference
        assert spec.kinds and set(spec.kinds) <= {"single_cell", "time_series", "bulk"}
        assert isinstance(spec.time_hint, str) or callable(spec.time_hint)
        doc = spec.function.__doc__ or ""
        module_doc = sys.modules[spec.function.__module__].__doc__ or ""
        assert "Reference" in doc or "Reference" in module_doc, f"{name}: docstring must state the reference"
        if name in BASELINES:
            assert "Reference" in doc and len(doc.splitlines()) >= 5, f"{name}: docstring must state math and reference"
        defaults = spec.params()  # every field has a default
        for f in dataclasses.fields(spec.params):
            assert f.default is not dataclasses.MISSING, (name, f.name)
            meta = dict(f.metadata)
            assert meta.get("help"), (name, f.name)
            if isinstance(f.default, (int, float)) and not isinstance(f.default, bool) and not meta.get("choices"):
                assert "min" in meta and "max" in meta, (name, f.name)
                assert meta["min"] <= getattr(defaults, f.name) <= meta["max"]
            if meta.get("choices"):
                assert f.default in meta["choices"]
    assert methods.REGISTRY["degree"].supervised and not methods.REGISTRY["pearson"].supervised


def test_registry_does_not_import_torch():
    """The registry, parameter validation and time estimates (what the Models page and the CLI
    use) run without torch; a torch method's function is imported on its first call only."""
    code = (
        "import sys\n"
        "from grncore import methods\n"
        "from grncore.data import simulate\n"
        "ds = simulate.time_series(n_genes=12, n_tfs=3, n_experiments=2, seed=0)\n"
        "for spec in methods.REGISTRY.values():\n"
        "    methods.validate_params(spec, {})\n"
        "    methods.time_estimate(spec, ds)\n"
        "assert 'torch' not in sys.modules, 'registry imported torch'\n"
        "spec = methods.get('gnt')\n"
        "assert spec.fn == 'grncore.methods.gnt:gnt'\n"
        "assert spec.function.__module__ == 'grncore.methods.gnt' and 'torch' in sys.modules\n"
        "print('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]


def test_lazy_reference_is_checked_and_resolved_once():
    spec = methods.get("lstm")
    assert isinstance(spec.fn, str) and spec.function is spec.function
    assert spec.function.__name__ == "lstm"
    with pytest.raises(ValueError, match="module:function"):
        dataclasses.replace(spec, fn="grncore.methods.dream4_nets.lstm")
    with pytest.raises(TypeError):
        dataclasses.replace(spec, fn=42)


def test_catalog_groups_unsupervised_then_supervised_then_sentinels():
    cat = methods.catalog()
    assert sorted(cat["method"]) == sorted(methods.REGISTRY)
    kinds = [g.split(" · ")[0] for g in cat["group"]]
    # each group is contiguous and the three kinds come in this order
    assert kinds == sorted(kinds, key=["unsupervised", "supervised", "sentinel"].index)
    assert cat.set_index("method").loc["gnt", "group"] == "supervised · deep"
    assert cat.set_index("method").loc["pearson", "group"] == "unsupervised · correlation"
    assert set(cat[cat["group"] == "sentinel"]["method"]) == {"degree", "random"}


def test_needs_makes_a_method_unavailable_with_its_reason(signal):
    ds, pairs = signal
    spec = dataclasses.replace(methods.get("pearson"), name="needs_time",
                               needs=lambda d: None if "time" in d.samples else "needs a time column")
    assert spec.unavailable(ds) == "needs a time column"
    assert methods.get("pearson").unavailable(ds) is None
    assert methods.get("lstm").unavailable(ds) == "needs time_series data (this is single_cell)"
    methods.register(spec)
    try:
        with pytest.raises(InputError, match="needs a time column"):
            methods.score_pairs(ds, pairs, "needs_time")
    finally:
        del methods.REGISTRY["needs_time"]


def test_unknown_method_lists_the_known_ones():
    with pytest.raises(InputError, match="unknown method 'nope'.*pearson"):
        methods.get("nope")


def test_time_estimate_is_text():
    ds = _random_dataset()
    for spec in methods.REGISTRY.values():
        assert isinstance(methods.time_estimate(spec, ds), str)


# ---------------------------------------------------------------------- params


def test_params_are_coerced_from_cli_strings():
    spec = methods.get("grnboost2")
    p = methods.validate_params(spec, {"n_estimators": "100", "learning_rate": "0.05", "backend": "sklearn",
                                       "n-jobs": "2"})
    assert (p.n_estimators, p.learning_rate, p.backend, p.n_jobs) == (100, 0.05, "sklearn", 2)
    assert methods.validate_params(spec, p) == p
    assert methods.validate_params(spec, None) == spec.params()
    assert methods.validate_params(methods.get("pearson"), {"signed": "yes"}).signed is True


@pytest.mark.parametrize("values, match", [
    ({"n_estimators": "0"}, r"n_estimators.*'?0'? is out of range.*from 1 to 20000"),
    ({"n_estimators": "1.5"}, r"n_estimators.*invalid value '1.5'.*integer"),
    ({"learning_rate": "fast"}, r"learning_rate.*invalid value 'fast'.*number from 0.0001 to 1"),
    ({"learning_rate": "nan"}, r"learning_rate.*invalid value 'nan'"),
    ({"backend": "gpu"}, r"backend.*invalid value 'gpu'.*one of fast, sklearn\.$"),
    ({"trees": 10}, r"unknown parameter .trees.*Known parameters: learning_rate"),
])
def test_bad_params_name_the_parameter_value_and_range(values, match):
    with pytest.raises(InputError, match=match):
        methods.validate_params(methods.get("grnboost2"), values)


def test_runner_checks_supervision_and_pairs():
    ds = _random_dataset(10, 8)
    pairs = _all_pairs(ds)
    with pytest.raises(InputError, match="supervised"):
        methods.score_pairs(ds, pairs, "degree")
    with pytest.raises(InputError, match="not a gene"):
        methods.score_pairs(ds, pd.DataFrame({"regulator": ["g0"], "target": ["XYZ"]}), "pearson")
    assert methods.score_pairs(ds, pairs.iloc[:0], "pearson").shape == (0,)


# ---------------------------------------------------------------------- engines are exact


def test_pearson_equals_numpy_corrcoef_and_blocking_does_not_matter():
    ds = _random_dataset(70, 50)
    pairs = _all_pairs(ds, ds.tfs[:30]).sample(frac=1.0, random_state=0)  # shuffled, asymmetric set
    r = ds.genes.get_indexer(pairs.regulator)
    t = ds.genes.get_indexer(pairs.target)
    C = np.abs(np.corrcoef(ds.expression.to_numpy(np.float64)))
    big = methods.score_pairs(ds, pairs, "pearson", {"tile": 4096})  # one tile: unblocked
    small = methods.score_pairs(ds, pairs, "pearson", {"tile": 16})
    np.testing.assert_allclose(big, C[r, t], atol=2e-6)
    np.testing.assert_allclose(small, big, atol=1e-6)
    # chunking the pairs changes nothing either
    from grncore.methods.correlation import correlation_scores
    np.testing.assert_allclose(correlation_scores(ds, pairs, rank=False, tile=16, chunk=97), big, atol=1e-6)
    signed = methods.score_pairs(ds, pairs, "pearson", {"signed": True})
    np.testing.assert_allclose(np.abs(signed), big, atol=1e-6)
    assert (signed < 0).any()


@pytest.mark.parametrize("tfs_first", [True, False])
def test_grid_path_equals_corrcoef_for_every_layout_and_sign(tfs_first, monkeypatch):
    """The canonical candidate grid takes `_grid_scores` (products written straight into the
    result, the TF x TF block in the result's own tail); it must equal corrcoef and the tile path."""
    from grncore.bench.pairs import candidate_pairs
    from grncore.methods import correlation

    base = _random_dataset(50, 40, seed=5)
    X = base.expression.copy()
    X.iloc[7] = 2.0  # a constant gene scores 0
    tfs = [f"g{i}" for i in range(12)] if tfs_first else ["g31", "g4", "g17", "g7", "g45", "g0", "g22"]
    ds = Dataset.create(X, tfs=tfs)
    pairs = candidate_pairs(ds)
    calls = []
    real = correlation._grid_scores
    monkeypatch.setattr(correlation, "_grid_scores", lambda *a, **k: calls.append(1) or real(*a, **k))
    r, t = ds.genes.get_indexer(pairs.regulator), ds.genes.get_indexer(pairs.target)
    with warnings.catch_warnings():  # the constant gene: corrcoef and spearmanr warn, then give NaN
        warnings.simplefilter("ignore")
        C = np.nan_to_num(np.corrcoef(X.to_numpy(np.float64)))
        S = np.nan_to_num(np.abs(spearmanr(X.to_numpy().T).statistic))
    shuffled = pairs.sample(frac=1.0, random_state=1)  # not the grid: the tile path
    for signed in (False, True):
        grid = methods.score_pairs(ds, pairs, "pearson", {"signed": signed})
        want = C[r, t] if signed else np.abs(C[r, t])
        np.testing.assert_allclose(grid, want, atol=2e-6)
        tiles = methods.score_pairs(ds, shuffled, "pearson", {"signed": signed})
        np.testing.assert_allclose(pd.Series(tiles, index=shuffled.index).sort_index().to_numpy(), grid, atol=1e-6)
        assert grid.dtype == np.float64 and np.abs(grid).max() <= 1.0
        assert (grid[pairs.regulator.astype(str).to_numpy() == "g7"] == 0).all()  # g7 is a TF in both layouts
    np.testing.assert_allclose(methods.score_pairs(ds, pairs, "spearman"), S[r, t], atol=2e-6)
    assert len(calls) == 3  # every grid call took the grid path, the shuffled ones did not


def test_constant_gene_scores_zero():
    ds = _random_dataset(6, 10)
    X = ds.expression.copy()
    X.iloc[0] = 3.0
    ds = Dataset.create(X)
    s = methods.score_pairs(ds, pd.DataFrame({"regulator": ["g0", "g1"], "target": ["g1", "g2"]}), "pearson")
    assert s[0] == 0.0 and np.isfinite(s).all()


def test_spearman_equals_scipy_with_ties():
    ds = _random_dataset(40, 30, seed=3)
    X = ds.expression.copy()
    X.iloc[:, :8] = 0.0  # ties, as single-cell zeros
    ds = Dataset.create(X)
    pairs = _all_pairs(ds, ds.tfs[:12])
    r = ds.genes.get_indexer(pairs.regulator)
    t = ds.genes.get_indexer(pairs.target)
    S = np.abs(spearmanr(ds.expression.to_numpy().T).statistic)
    np.testing.assert_allclose(methods.score_pairs(ds, pairs, "spearman", {"tile": 16}), S[r, t], atol=2e-6)


def test_mutual_info_matches_sklearn_and_ranks_dependence():
    ds = _random_dataset(30, 200, seed=5)
    X = ds.expression.copy()
    X.loc["g1"] = X.loc["g0"].to_numpy()  # identical
    X.loc["g2"] = X.loc["g0"].to_numpy() ** 2  # non-monotone function
    ds = Dataset.create(X)
    pairs = pd.DataFrame({"regulator": ["g0", "g0", "g0", "g3"], "target": ["g1", "g2", "g4", "g5"]})
    s = methods.score_pairs(ds, pairs, "mutual_info", {"tile": 8})
    assert s[0] > s[1] > 3 * max(s[2], s[3])
    B = discretize(ds.expression.to_numpy(), auto_bins(200))
    g = ds.genes.get_indexer
    for k, (a, b) in enumerate(zip(pairs.regulator, pairs.target)):
        assert s[k] == pytest.approx(mutual_info_score(B[g([a])[0]], B[g([b])[0]]), abs=1e-6)
    all_pairs = _all_pairs(ds, ds.tfs[:9])
    np.testing.assert_allclose(methods.score_pairs(ds, all_pairs, "mutual_info", {"tile": 8}),
                               methods.score_pairs(ds, all_pairs, "mutual_info", {"tile": 2048}), atol=1e-9)


# ---------------------------------------------------------------------- signal beats random


MIN_AUROC = {"pearson": 0.75, "spearman": 0.75, "mutual_info": 0.75, "genie3": 0.8, "grnboost2": 0.8}


@pytest.mark.parametrize("name", list(MIN_AUROC))
def test_methods_beat_random_on_synthetic_signal(signal, name):
    ds, pairs = signal
    scores = methods.score_pairs(ds, pairs, name, FAST.get(name))
    auc = roc_auc_score(pairs.label, scores)
    rand = roc_auc_score(pairs.label, methods.score_pairs(ds, pairs, "random", seed=1))
    assert abs(rand - 0.5) < 0.12
    assert auc >= MIN_AUROC[name], f"{name}: AUROC {auc:.3f}"
    assert auc >= rand + 0.2


def test_grnboost2_sklearn_backend_and_same_oob_agree_in_quality(signal):
    ds, pairs = signal
    pairs = pairs[pairs.target.isin([f"G{j}" for j in range(0, 40, 3)])]
    for params in ({"backend": "sklearn"}, {"oob_improvement": "same_oob", "n_estimators": 200}):
        scores = methods.score_pairs(ds, pairs, "grnboost2", dict(params, n_jobs=1))
        assert roc_auc_score(pairs.label, scores) >= 0.8, params


def test_tree_methods_fit_only_requested_targets_and_skip_non_tfs(signal):
    ds, _ = signal
    calls = []
    pairs = pd.DataFrame({"regulator": ["TF0", "TF1", "G5"], "target": ["G0", "G0", "G0"]})
    s = methods.score_pairs(ds, pairs, "grnboost2", {"n_jobs": 1}, progress=lambda d, t, m="", **f: calls.append(t))
    assert set(calls) == {1} and s[2] == 0.0 and s[0] > 0  # one target fitted; G5 is no TF


# ---------------------------------------------------------------------- sentinels


def test_degree_uses_only_positive_training_pairs():
    """Hub-dominated truth (edge probability ~ activity(regulator) x popularity(target)), split
    80:20 as edge_random: degree leaks without expression; own labels never enter a score."""
    rng = np.random.default_rng(0)
    ds = _random_dataset(120, 5)
    regs = list(ds.genes[:20])
    pairs = _all_pairs(ds, regs)
    act = dict(zip(regs, rng.pareto(1.5, 20) + 0.05))
    pop = dict(zip(ds.genes, rng.pareto(1.5, 120) + 0.05))
    p = np.array([act[r] * pop[t] for r, t in zip(pairs.regulator, pairs.target)])
    pairs["label"] = (rng.random(len(p)) < np.clip(0.2 * p / p.mean(), 0, 1)).astype(int)
    is_train = rng.random(len(pairs)) < 0.8
    train, test = pairs[is_train], pairs[~is_train].copy()
    s1 = methods.score_pairs(ds, test, "degree", train=train)
    flipped = test.assign(label=1 - test.label)  # a test pair's own label never enters its score
    np.testing.assert_array_equal(methods.score_pairs(ds, flipped, "degree", train=train), s1)
    assert roc_auc_score(test.label, s1) > 0.75  # hubs leak through degree
    pos = train[train.label == 1]
    for k in (0, 7, 33):
        r, t = test.regulator.iloc[k], test.target.iloc[k]
        assert s1[k] == (pos.regulator == r).sum() * (pos.target == t).sum()
    assert (methods.score_pairs(ds, test, "degree", train=train.assign(label=0)) == 0).all()


def test_random_is_seeded():
    ds = _random_dataset(10, 5)
    pairs = _all_pairs(ds)
    a = methods.score_pairs(ds, pairs, "random", seed=3)
    assert np.array_equal(a, methods.score_pairs(ds, pairs, "random", seed=3))
    assert not np.array_equal(a, methods.score_pairs(ds, pairs, "random", seed=4))


# ---------------------------------------------------------------------- determinism, cancel


def test_tree_scores_are_deterministic_and_independent_of_n_jobs(signal):
    ds, pairs = signal
    pairs = pairs[pairs.target.isin(["G0", "G1", "G2", "TF3"])]
    for name, params in (("grnboost2", {}), ("grnboost2", {"backend": "sklearn"}),
                         ("genie3", {"n_estimators": 20})):
        one = methods.score_pairs(ds, pairs, name, dict(params, n_jobs=1), seed=5)
        np.testing.assert_array_equal(one, methods.score_pairs(ds, pairs, name, dict(params, n_jobs=1), seed=5))
        np.testing.assert_array_equal(one, methods.score_pairs(ds, pairs, name, dict(params, n_jobs=2), seed=5))
        assert not np.array_equal(one, methods.score_pairs(ds, pairs, name, dict(params, n_jobs=1), seed=6))
        # a target's scores do not depend on which other targets are fitted
        sub = pairs.target == "G1"
        np.testing.assert_array_equal(
            one[sub.to_numpy()], methods.score_pairs(ds, pairs[sub], name, dict(params, n_jobs=1), seed=5))


@pytest.mark.parametrize("n_jobs, backend", [(1, "fast"), (2, "fast"), (1, "sklearn")])
def test_grnboost2_cancel_stops_the_run_before_it_finishes(signal, n_jobs, backend):
    """Cancel as soon as the first finished target is reported: `Cancelled`, and no target is
    reported after that (in this process the next target is not started; with a pool the parent
    stops at its next poll, after the one task batch it was handed)."""
    ds, pairs = signal
    total = pairs.target.nunique()
    done = []

    def progress(d, n, message="", **fields):
        done.append(d)

    with pytest.raises(Cancelled):
        methods.score_pairs(ds, pairs, "grnboost2", {"n_jobs": n_jobs, "backend": backend},
                            progress=progress, should_stop=lambda: max(done, default=0) >= 1)
    batch = 1 if n_jobs == 1 or backend != "fast" else max(1, min(16, total // (4 * n_jobs)))
    assert done[0] == 0 and max(done) == batch, (done, total)
    assert max(done) <= total // 4


@pytest.mark.parametrize("backend", ["fast", "sklearn"])
def test_grnboost2_cancel_interrupts_a_running_fit(signal, backend):
    """A fit that would grow 20,000 trees polls ``should_stop`` every 20 trees: a cancel during
    the fit of the only target ends it inside the fit (no target is ever reported finished)."""
    ds, pairs = signal
    done, polls = [], []

    def should_stop():
        polls.append(1)
        return len(polls) > 5

    slow = {"oob_improvement": "same_oob", "early_stop_window": 0, "n_estimators": 20000, "n_jobs": 1,
            "backend": backend}
    with pytest.raises(Cancelled):
        methods.score_pairs(ds, pairs[pairs.target == "G1"], "grnboost2", slow,
                            progress=lambda d, n, m="", **f: done.append(d), should_stop=should_stop)
    assert done == [0] and len(polls) == 6


def test_grnboost2_cancel_terminates_the_pool_workers(signal):
    """With worker processes, the fits cannot see ``should_stop``: the parent polls it and
    terminates the pool, so no worker process is left once `Cancelled` is raised."""
    import multiprocessing as mp

    ds, pairs = signal
    slow = {"oob_improvement": "same_oob", "early_stop_window": 0, "n_estimators": 20000, "n_jobs": 2}
    done, polls = [], []

    def should_stop():
        polls.append(1)
        return len(polls) > 2

    with pytest.raises(Cancelled):
        methods.score_pairs(ds, pairs, "grnboost2", slow, progress=lambda d, n, m="", **f: done.append(d),
                            should_stop=should_stop)
    assert done == [0]
    assert mp.active_children() == []


# ---------------------------------------------------------------------- grnboost2 'fast' engine


def _gbr_reference(X, y, exclude, depth, n_estimators):
    from sklearn.ensemble import GradientBoostingRegressor

    keep = [f for f in range(X.shape[0]) if f != exclude]
    model = GradientBoostingRegressor(learning_rate=0.1, n_estimators=n_estimators, max_depth=depth,
                                      max_features=1.0, subsample=1.0, random_state=0).fit(X[keep].T, y)
    return keep, model


@pytest.mark.parametrize("n, depth", [(80, 2), (80, 3), (1200, 6)])
def test_fast_boosting_engine_reproduces_sklearn_trees(n, depth):
    """Without random draws (all features at every split, no subsample) the level-wise engine
    grows scikit-learn's trees: the same predictions (to rounding) and the same importances up to
    ties (small nodes often have several features that split off the same samples with the very
    same gain; which one is credited then follows the draw order, in both engines). Both split
    searches are covered: nodes gather their keys from the presorted tables, and at 1,200 samples
    and depth 6 the nodes below n / `SORT_BELOW` samples sort theirs."""
    from grncore.methods import _boost

    rng = np.random.default_rng(3)
    X = rng.normal(size=(12, n)).astype(np.float32)
    X[3] = np.round(X[3])  # ties, as in count data
    y = 2 * X[0] + X[1] ** 2 + 0.3 * rng.normal(size=n)
    p = dict(learning_rate=0.1, n_estimators=40, max_features=1.0, subsample=1.0, max_depth=depth,
             early_stop_window=25, oob_improvement="sklearn")
    pred = np.empty(n)
    imp, n_trees = _boost.boost_target(_boost.prepare(X), y.astype(np.float64), 5, p, np.random.default_rng(0),
                                       out_pred=pred)
    keep, model = _gbr_reference(X, y, 5, depth, 40)
    assert n_trees == 40 and imp[5] == 0.0
    np.testing.assert_allclose(pred, model.predict(X[keep].T), atol=1e-9)
    ref = model.feature_importances_ * 40
    assert np.argmax(imp[keep]) == np.argmax(ref) and np.corrcoef(imp[keep], ref)[0, 1] > 0.99
    assert imp.sum() == pytest.approx(40.0)


def test_grnboost2_fast_backend_agrees_with_sklearn_backend(signal):
    """Same model, different random draws: both backends rank the targets' true regulators alike
    and stop after similar numbers of trees."""
    ds, pairs = signal
    pairs = pairs[pairs.target.isin([f"G{j}" for j in range(0, 40, 2)])]
    trees = {}
    aucs = {}
    for backend in ("fast", "sklearn"):
        seen = []
        scores = methods.score_pairs(ds, pairs, "grnboost2", {"backend": backend, "n_jobs": 1},
                                     progress=lambda d, t, m="", **f: seen.append(m))
        aucs[backend] = roc_auc_score(pairs.label, scores)
        trees[backend] = sum(int(m.split("(")[1].split()[0]) for m in seen if "trees)" in m)
    assert aucs["fast"] >= 0.8 and abs(aucs["fast"] - aucs["sklearn"]) < 0.05, aucs
    assert 0.6 < trees["fast"] / trees["sklearn"] < 1.6, trees

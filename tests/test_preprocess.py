"""Preprocessing: scale detection, normalisation, BEELINE gene selection, the auto pipeline."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from grncore.data import Dataset, InputError
from grncore.data import preprocess as pp
from grncore.data import simulate as sim


@pytest.fixture(scope="module")
def counts():
    return sim.single_cell(n_genes=150, n_cells=400, seed=0)


def _ds(values, **kw) -> Dataset:
    values = np.asarray(values, np.float32)
    expr = pd.DataFrame(values, index=[f"g{i}" for i in range(values.shape[0])],
                        columns=[f"s{j}" for j in range(values.shape[1])])
    return Dataset.create(expr, **kw)


# ---------------------------------------------------------------------- detect_scale
def test_detect_scale_kinds(counts):
    assert pp.detect_scale(counts).kind == "counts"
    assert "counts" in pp.detect_scale(counts).reason
    log = pp.normalize_log1p(counts)
    assert pp.detect_scale(log).kind == "log"
    z = log.expression.sub(log.expression.mean(1), axis=0)
    scale = pp.detect_scale(z)
    assert scale.kind == "other" and "negative" in scale.reason
    dream = sim.time_series(n_genes=20, n_experiments=2, seed=0)
    assert pp.detect_scale(dream).kind == "other"                    # [0, 1] levels: not log
    tpm = np.random.default_rng(0).gamma(0.5, 300.0, (50, 30))
    assert pp.detect_scale(tpm).kind == "other"                      # non-integer, linear scale
    assert pp.detect_scale(np.ones((3, 3))).kind == "other"           # binary / constant


def test_detect_scale_large_matrix_is_sampled():
    X = np.random.default_rng(0).poisson(2.0, (2000, 1000)).astype(np.float32)
    assert pp.detect_scale(X).kind == "counts"
    X[0, 0] = -1
    assert pp.detect_scale(X).kind == "other"                        # min is checked in full


# ---------------------------------------------------------------------- normalize_log1p
def test_normalize_column_sums(counts):
    out = pp.normalize_log1p(counts, target_sum=1e4)
    assert out.expression.dtypes.iloc[0] == np.float32
    sums = np.expm1(out.expression.to_numpy(np.float64)).sum(0)
    np.testing.assert_allclose(sums, 1e4, rtol=1e-4)
    assert out.expression.index.equals(counts.expression.index)
    assert counts.expression.to_numpy().max() > 50                    # input untouched
    assert any("log1p" in n for n in out.notes)
    median = pp.normalize_log1p(counts, target_sum=None)
    lib = np.median(counts.expression.to_numpy(np.float64).sum(0))
    np.testing.assert_allclose(np.expm1(median.expression.to_numpy(np.float64)).sum(0), lib, rtol=1e-4)


def test_normalize_zero_sample_and_negative():
    ds = _ds([[0, 3, 1], [0, 1, 1]])
    out = pp.normalize_log1p(ds, target_sum=100)
    assert (out.expression["s0"] == 0).all() and any("zero total" in n for n in out.notes)
    np.testing.assert_allclose(np.expm1(out.expression[["s1", "s2"]].to_numpy()).sum(0), 100, rtol=1e-5)
    with pytest.raises(InputError, match="negative"):
        pp.normalize_log1p(_ds([[-1, 2], [1, 2]]))


# ---------------------------------------------------------------------- gene ordering / selection
def test_gene_ordering_finds_pseudotime_genes():
    rng = np.random.default_rng(0)
    n = 300
    t = rng.uniform(0, 1, n)
    X = rng.normal(0, 1, (40, n))
    X[:5] += 3 * np.sin(3 * t)                                        # 5 genes vary along time
    ds = _ds(X, samples=pd.DataFrame({"pseudotime": t}, index=[f"s{j}" for j in range(n)]))
    order = pp.gene_ordering(ds)
    assert "pseudotime" in order["test"].iloc[0]
    assert (order["pvalue"].iloc[:5] < 1e-10).all()
    assert (order["pvalue"].iloc[5:] * 40 > 0.01).mean() > 0.9       # nulls mostly not significant
    # p-values of null genes are uniform-ish (a correct F-test)
    assert 0.3 < order["pvalue"].iloc[5:].mean() < 0.7


def test_select_genes_keeps_all_significant_tfs_and_n_others(counts):
    log = pp.normalize_log1p(counts)
    order = pp.gene_ordering(log)
    sig = order.index[order["pvalue"] * len(order) < 0.01]
    sig_tfs = set(sig) & set(log.tfs)
    sig_other = [g for g in sig if g not in log.tfs]
    assert len(sig_tfs) >= 2 and len(sig_other) > 10                 # the fixture has signal
    n_top = 10
    out = pp.select_genes(log, n_top=n_top, pvalue=0.01)
    kept = set(out.genes)
    assert sig_tfs <= kept
    others = kept - set(log.tfs)
    assert len(others) == n_top and len(kept) == len(sig_tfs) + n_top
    top = order.loc[sig_other, "variance"].sort_values(ascending=False).index[:n_top]
    assert others == set(top)
    assert list(out.genes) == [g for g in log.genes if g in kept]    # input order kept
    assert set(out.tfs) == sig_tfs
    assert set(out.network["regulator"]) | set(out.network["target"]) <= kept
    assert any("selected" in n and "BEELINE" in n for n in out.notes)
    # a large N keeps every significant gene and nothing else
    everything = pp.select_genes(log, n_top=10_000)
    assert set(everything.genes) == set(sig)


def test_select_genes_without_covariate_and_errors():
    rng = np.random.default_rng(1)
    X = rng.poisson(5.0, (200, 150)).astype(float)
    X[:8] = rng.poisson(rng.choice([1.0, 9.0], (8, 150)))            # 8 overdispersed genes
    ds = pp.normalize_log1p(_ds(X))
    order = pp.gene_ordering(ds)
    assert "dispersion" in order["test"].iloc[0]
    assert (order["pvalue"].iloc[:8] * 200 < 0.01).all()
    assert (order["pvalue"].iloc[8:] * 200 < 0.01).sum() <= 2
    out = pp.select_genes(ds, n_top=5)                                # no TF list: top 5
    assert set(out.genes) <= {f"g{i}" for i in range(8)} and out.n_genes == 5
    # with a TF list, the dispersion test gates the TFs; the n_top others come from all genes
    tfs = ["g0", "g1", "g50", "g51"]
    with_tfs = pp.select_genes(ds.with_(tfs=tfs), n_top=20)
    assert {"g0", "g1"} <= set(with_tfs.genes) and not {"g50", "g51"} & set(with_tfs.genes)
    assert with_tfs.n_genes == 22 and set(with_tfs.tfs) == {"g0", "g1"}
    flat = _ds(np.ones((50, 100)), samples=pd.DataFrame(
        {"pseudotime": np.linspace(0, 1, 100)}, index=[f"s{j}" for j in range(100)]))
    with pytest.raises(InputError, match="vary significantly"):
        pp.select_genes(flat, n_top=5)
    with pytest.raises(ValueError):
        pp.select_genes(ds, n_top=-1)


# ---------------------------------------------------------------------- pipeline
def test_preprocess_auto(counts):
    out = pp.preprocess(counts, normalize="auto")
    assert pp.detect_scale(out).kind == "log"
    assert any("detected scale counts" in n for n in out.notes)
    again = pp.preprocess(out, normalize="auto")                     # log data left unchanged
    assert again.expression.equals(out.expression)
    assert any("detected scale log" in n for n in again.notes)
    dream = sim.time_series(n_genes=20, n_experiments=2, seed=0)
    assert pp.preprocess(dream).expression.equals(dream.expression)
    forced = pp.preprocess(dream, normalize="yes")
    assert not forced.expression.equals(dream.expression)
    assert pp.preprocess(counts, normalize="no").expression.equals(counts.expression)
    small = pp.preprocess(counts, n_top_genes=10)
    assert 10 < small.n_genes < counts.n_genes
    with pytest.raises(ValueError, match="normalize"):
        pp.preprocess(counts, normalize="maybe")


def test_preprocess_selects_the_dynamic_genes_of_a_larger_matrix():
    """A 2,000 x 2,000 count matrix whose first 100 genes follow pseudotime: they are selected.
    (Speed of the 20,000 x 5,000 case: bench/read_large_csv.py.)"""
    rng = np.random.default_rng(0)
    X = rng.poisson(rng.gamma(0.5, 4.0, (2000, 1)), (2000, 2000)).astype(np.float32)
    t = np.sort(rng.uniform(0, 1, 2000))
    X[:100] += rng.poisson(20 * t, (100, 2000))
    ds = _ds(X, samples=pd.DataFrame({"pseudotime": t}, index=[f"s{j}" for j in range(2000)]))
    out = pp.preprocess(ds, n_top_genes=50)
    assert out.n_genes == 50
    assert len(set(out.genes) & {f"g{i}" for i in range(100)}) >= 45

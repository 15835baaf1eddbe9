"""Sparse single-cell files stay sparse: the CSR/CSC path of preprocessing equals the dense one,
only the selected genes become dense, and an over-large dense result is an `InputError`."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from grncore.cli import main
from grncore.data import Dataset, InputError, load
from grncore.data import preprocess as pp
from grncore.data import sparse as sps
from grncore.data.h5ad import read_h5ad_cells
from grncore.data.sparse import CellMatrix

N_CELLS, N_GENES = 600, 240
GENES = [f"g{i}" for i in range(N_GENES)]
CELLS = [f"c{j}" for j in range(N_CELLS)]
TFS = GENES[::8]                                           # 30 TFs, g0, g8, ...


def _counts(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Cells x genes counts, ~12 % non-zeros: 40 genes (g0..g39, five TFs among them) rise along
    pseudotime in detection and level, 10 genes are over-dispersed, the rest are Poisson noise;
    library sizes vary and cell 7 is empty (zero total)."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0.0, 1.0, N_CELLS)
    p = np.full((N_CELLS, N_GENES), 0.12)
    p[:, :40] = 0.03 + 0.3 * t[:, None]
    lam = np.exp(rng.normal(0.5, 0.7, N_GENES))[None, :] * np.exp(rng.normal(0, 0.3, N_CELLS))[:, None]
    lam[:, :40] *= 0.5 + 6 * t[:, None]
    lam[:, 200:210] *= rng.choice([0.2, 8.0], (N_CELLS, 10))
    X = np.where(rng.random((N_CELLS, N_GENES)) < p, 1 + rng.poisson(lam), 0).astype(np.float32)
    X[7] = 0
    return X, t


@pytest.fixture(scope="module")
def counts():
    return _counts()


@pytest.fixture
def no_full_densify(monkeypatch):
    """Fail if any sparse matrix of more than 1/4 of the full cells x genes is made dense."""
    limit = N_CELLS * N_GENES // 4
    for cls in (sp.csr_matrix, sp.csc_matrix, sp.coo_matrix):
        for meth in ("toarray", "todense"):
            orig = getattr(cls, meth)

            def guarded(self, *a, _orig=orig, **k):
                assert self.shape[0] * self.shape[1] <= limit, f"densified a {self.shape} sparse matrix"
                return _orig(self, *a, **k)
            monkeypatch.setattr(cls, meth, guarded)


def _dense(X, t=None, **kw) -> Dataset:
    samples = pd.DataFrame({"pseudotime": t}, index=CELLS) if t is not None else None
    return Dataset.create(pd.DataFrame(X.T.copy(), index=GENES, columns=CELLS), samples=samples, **kw)


def _cells(X, t=None, fmt="csr") -> CellMatrix:
    samples = pd.DataFrame({"pseudotime": t}, index=CELLS) if t is not None else None
    S = sp.csr_matrix(X) if fmt == "csr" else sp.csc_matrix(X)
    return CellMatrix(S, pd.Index(GENES), pd.Index(CELLS), samples)


# ---------------------------------------------------------------------- kernels and scale
@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_detect_scale_on_sparse_matches_dense(counts, fmt, no_full_densify):
    X, _ = counts
    cm = _cells(X, fmt=fmt)
    assert pp.detect_scale(cm) == pp.detect_scale(_dense(X)) and pp.detect_scale(cm).kind == "counts"
    assert pp.detect_scale(cm.X).reason == "non-negative integers up to %d: raw counts" % X.max()
    pp.normalize_cells(cm)
    assert pp.detect_scale(cm).kind == "log"
    neg = cm.X.copy()
    neg.data[0] = -0.5
    assert pp.detect_scale(neg).kind == "other"
    frac = sp.csr_matrix(np.array([[0, 0.5], [0, 0]], np.float32))
    assert pp.detect_scale(frac).kind == "other"             # [0, 0.5]: not counts, not log


def test_kernels_equal_numpy(counts):
    X, t = counts
    for S in (sp.csr_matrix(X), sp.csc_matrix(X)):
        np.testing.assert_allclose(sps.cell_totals(S), X.sum(1, dtype=np.float64), rtol=1e-12)
        s1, s2 = sps.gene_sums(S)
        np.testing.assert_allclose(s1, X.sum(0, dtype=np.float64), rtol=1e-12)
        np.testing.assert_allclose(s2, (X.astype(np.float64) ** 2).sum(0), rtol=1e-12)
        Q = np.column_stack([t, t ** 2])
        np.testing.assert_allclose(sps.gene_projection(S, Q), X.T.astype(np.float64) @ Q, rtol=1e-10)
        assert sps.value_range(S) == (0.0, float(X.max()))
        rows = np.array([3, 0, 17])
        np.testing.assert_array_equal(sps.dense_genes(S, rows, where="x"), X[:, rows].T)


def test_kernels_walk_blocks_across_the_matrix(counts, monkeypatch):
    """Blocks of a few hundred stored values (many blocks, empty rows at their edges) give the
    same sums and projection as one block."""
    X, t = counts
    monkeypatch.setattr(sps, "_BLOCK", 300)
    for S in (sp.csr_matrix(X), sp.csc_matrix(X)):
        np.testing.assert_allclose(sps.cell_totals(S), X.sum(1, dtype=np.float64), rtol=1e-12)
        np.testing.assert_allclose(sps.gene_sums(S, np.expm1)[0], np.expm1(X.astype(np.float64)).sum(0), rtol=1e-10)
        Q = t[:, None]
        np.testing.assert_allclose(sps.gene_projection(S, Q), X.T.astype(np.float64) @ Q, rtol=1e-10)


# ---------------------------------------------------------------------- normalisation, statistics
@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("target_sum", [1e4, None])
def test_normalize_cells_equals_normalize_log1p(counts, fmt, target_sum, no_full_densify):
    X, _ = counts
    dense = pp.normalize_log1p(_dense(X), target_sum=target_sum)
    cm = _cells(X, fmt=fmt)
    notes = pp.normalize_cells(cm, target_sum=target_sum)
    assert sp.issparse(cm.X) and cm.X.nnz == np.count_nonzero(X)        # zeros stayed implicit
    assert list(dense.notes) == notes and "1 samples with zero total left at 0" in notes
    coo = cm.X.tocoo()
    want = dense.expression.to_numpy()
    assert np.count_nonzero(want) == coo.nnz
    np.testing.assert_allclose(coo.data, want[coo.col, coo.row], rtol=1e-6, atol=0)
    with pytest.raises(InputError, match="negative"):
        pp.normalize_cells(CellMatrix(sp.csr_matrix(np.array([[1, -2], [0, 3]], np.float32)),
                                      pd.Index(["a", "b"]), pd.Index(["x", "y"])))


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("case", ["pseudotime", "pseudotime_with_gaps", "dispersion_log", "dispersion_counts"])
def test_gene_ordering_sparse_equals_dense(counts, fmt, case, no_full_densify):
    X, t = counts
    if case == "pseudotime_with_gaps":
        t = t.copy()
        t[::9] = np.nan                                      # cells left out of the F-test
    cov = t if case.startswith("pseudotime") else None
    dense, cm = _dense(X, cov), _cells(X, cov, fmt)
    if case != "dispersion_counts":
        dense = pp.normalize_log1p(dense)
        pp.normalize_cells(cm)
    want, got = pp.gene_ordering(dense), pp.gene_ordering(cm)
    assert got.index.equals(want.index) and (got["test"] == want["test"]).all()
    assert ("pseudotime" in want["test"].iloc[0]) == (cov is not None)
    for col in ("pvalue", "variance", "statistic"):
        np.testing.assert_allclose(got[col].to_numpy(), want[col].to_numpy(), rtol=1e-7, atol=1e-300)
    if cov is not None:                                     # the data carry signal: a real test
        assert (want["pvalue"].iloc[:40] * N_GENES < 0.01).mean() > 0.6
        assert (want["pvalue"].iloc[40:200] * N_GENES < 0.01).mean() < 0.05


# ---------------------------------------------------------------------- selection, the pipeline
@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("with_time, normalize, n_top", [(True, "yes", 20), (False, "auto", 15),
                                                         (True, "no", 5), (True, "auto", None)])
def test_preprocess_cells_equals_preprocess(counts, fmt, with_time, normalize, n_top, request):
    if n_top is not None:                                    # without selection all genes are dense
        request.getfixturevalue("no_full_densify")
    X, t = counts
    net = pd.DataFrame({"regulator": ["g0", "g8", "g16", "g0", "g9999"],
                        "target": ["g1", "g2", "g3", "g230", "g1"]})
    tfs = TFS + ["not_a_gene"]
    t = t if with_time else None
    want = pp.preprocess(_dense(X, t, network=net, tfs=tfs, notes=["first"]), normalize, n_top)
    got = pp.preprocess_cells(_cells(X, t, fmt), normalize, n_top, network=net, tfs=tfs,
                              name="dataset", notes=["first"])
    assert list(got.genes) == list(want.genes)
    if n_top is not None:
        assert got.n_genes < N_GENES
    np.testing.assert_allclose(got.expression.to_numpy(), want.expression.to_numpy(), rtol=1e-6)
    assert got.expression.dtypes.iloc[0] == np.float32
    assert got.tfs == want.tfs and got.notes == want.notes
    assert got.notes[0] == "first" and any("ignored 1 of 31 TFs" in n for n in got.notes)
    if want.network is None:
        assert got.network is None
    else:
        pd.testing.assert_frame_equal(got.network, want.network)
    pd.testing.assert_frame_equal(got.samples, want.samples)


def test_selection_record_round_trips_through_the_note(counts):
    X, t = counts
    log = pp.normalize_log1p(_dense(X, t, tfs=TFS))
    out = pp.select_genes(log, n_top=12)
    sel = pp.selection_of(out)
    order = pp.gene_ordering(log)
    sig = order.index[order["pvalue"] * N_GENES < 0.01]
    sig_tfs = set(sig) & set(TFS)
    assert sel == pp.Selection.from_note(sel.note())
    assert (sel.genes_in, sel.genes_kept, sel.tfs_in, sel.tfs_kept) == (N_GENES, out.n_genes, len(TFS), len(sig_tfs))
    assert sel.others_kept == 12 and sel.others_pool == len(set(sig) - set(TFS)) and sel.significant == len(sig)
    assert sel.method.startswith("BEELINE: significant TFs + top 12 significant genes by variance (F-test")
    assert pp.selection_of(log) is None
    no_tfs = pp.selection_of(pp.select_genes(pp.normalize_log1p(_dense(X)), n_top=7))
    assert no_tfs.tfs_in == 0 and no_tfs.genes_kept == 7 and no_tfs.pool.startswith("varying genes")
    assert pp.Selection.from_note(no_tfs.note()) == no_tfs and no_tfs.method.startswith("BEELINE: top 7 varying")


# ---------------------------------------------------------------------- the h5ad reader and load
@pytest.fixture
def h5ad_file(tmp_path, counts):
    anndata = pytest.importorskip("anndata")
    X, t = counts
    f = tmp_path / "cells.h5ad"
    anndata.AnnData(X=sp.csr_matrix(X), obs=pd.DataFrame({"pseudotime": t}, index=CELLS),
                    var=pd.DataFrame(index=GENES)).write_h5ad(f)
    return f


def test_h5ad_stays_sparse_and_only_selected_genes_become_dense(h5ad_file, counts, monkeypatch, no_full_densify):
    X, t = counts
    cm = read_h5ad_cells(h5ad_file)
    assert sp.issparse(cm.X) and cm.X.format == "csr" and cm.X.dtype == np.float32
    assert cm.X.nnz == np.count_nonzero(X) and list(cm.genes) == GENES and list(cm.cells) == CELLS
    shapes = []
    real = sps.dense_genes

    def spy(M, rows, **kw):
        shapes.append((len(rows), M.shape[0]))
        assert sp.issparse(M)
        return real(M, rows, **kw)
    monkeypatch.setattr(pp.sps, "dense_genes", spy)
    ds = load(h5ad_file, tfs=TFS, normalize="yes", n_top_genes=10)
    sel = pp.selection_of(ds)
    assert shapes == [(ds.n_genes, N_CELLS)] and ds.n_genes == sel.genes_kept < N_GENES
    assert sel.tfs_in == len(TFS) and sel.others_kept == 10
    want = pp.preprocess(_dense(X, t, tfs=TFS), "yes", 10)
    assert list(ds.genes) == list(want.genes)
    np.testing.assert_allclose(ds.expression.to_numpy(), want.expression.to_numpy(), rtol=1e-6)


def test_dense_result_over_the_limit_is_an_input_error(h5ad_file, monkeypatch):
    full = 4 * N_GENES * N_CELLS
    monkeypatch.setenv(sps.MAX_DENSE_ENV, str(full - 1))
    with pytest.raises(InputError) as err:
        load(h5ad_file)                                      # every gene dense: over the limit
    msg = str(err.value)
    assert msg.startswith("cells.h5ad: ")
    assert f"{N_GENES:,} genes x {N_CELLS:,} cells" in msg and f"{full:,} bytes" in msg
    assert f"limit of {full - 1:,} bytes" in msg and "GRN_MAX_DENSE_BYTES" in msg
    assert "--top-genes" in msg and "subsample the cells" in msg
    assert f"at most about {(full - 1) // (4 * N_CELLS):,} fit" in msg
    assert load(h5ad_file, normalize="yes", n_top_genes=10).n_genes < N_GENES   # selection fits
    monkeypatch.setenv(sps.MAX_DENSE_ENV, str(4 * 5 * N_CELLS))
    with pytest.raises(InputError, match=r"dense matrix of \d+ genes x 600 cells"):
        load(h5ad_file, normalize="yes", n_top_genes=10)    # the selected genes do not fit either
    monkeypatch.setenv(sps.MAX_DENSE_ENV, "lots")
    with pytest.raises(InputError, match="GRN_MAX_DENSE_BYTES='lots' is not a positive number"):
        load(h5ad_file)
    monkeypatch.delenv(sps.MAX_DENSE_ENV)
    assert sps.max_dense_bytes() == 4 * 2**30 and load(h5ad_file).n_genes == N_GENES
    with pytest.raises(InputError, match="limit of 1,000 bytes"):
        sps.check_dense_fits(10, 100, where="x", limit=1000)


def test_load_preprocesses_every_format_the_same_way(tmp_path, counts):
    """``load(normalize=..., n_top_genes=...)`` of a CSV equals `preprocess` of the plain load."""
    X, _ = counts
    f = tmp_path / "expr.csv"
    pd.DataFrame(X.T, index=GENES, columns=CELLS).astype(int).to_csv(f)
    got = load(f, normalize="auto", n_top_genes=9)
    want = pp.preprocess(load(f), normalize="auto", n_top_genes=9)
    assert got.expression.equals(want.expression) and got.notes == want.notes
    with pytest.raises(InputError, match="positive integer"):
        load(f, n_top_genes=0)
    with pytest.raises(InputError, match="normalize"):
        load(f, normalize="maybe")


# ---------------------------------------------------------------------- CLI and Data page
def test_cli_validate_prints_the_selection(h5ad_file, tmp_path, capsys, monkeypatch):
    tf_file = tmp_path / "tfs.txt"
    tf_file.write_text("\n".join(TFS) + "\n")
    code = main(["validate", "--expression", str(h5ad_file), "--tfs", str(tf_file),
                 "--normalize", "yes", "--top-genes", "10"])
    out, err = capsys.readouterr()
    assert code == 0, err
    summary = json.loads(out)
    sel = summary["selection"]
    assert sel["genes_kept"] == summary["genes"] < sel["genes_in"] == N_GENES
    assert sel["tfs_in"] == len(TFS) and sel["tfs_kept"] == summary["tfs"] and sel["others_kept"] == 10
    assert sel["method"].startswith("BEELINE: significant TFs + top 10 significant genes by variance")
    assert "pseudotime" in sel["test"] and summary["scale"] == "log"
    assert main(["validate", "--expression", str(h5ad_file)]) == 0
    assert json.loads(capsys.readouterr().out)["selection"] is None
    monkeypatch.setenv(sps.MAX_DENSE_ENV, "1000")
    assert main(["validate", "--expression", str(h5ad_file)]) == 2
    err = capsys.readouterr().err
    assert "240 genes x 600 cells" in err and "--top-genes" in err and "Traceback" not in err


def test_data_page_shows_the_selection(h5ad_file):
    from streamlit.testing.v1 import AppTest

    from tests.test_app_data import APP, metric_values

    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.radio(key="data_source").set_value("Upload files").run()
    at.file_uploader(key="up_expression").set_value(("cells.h5ad", h5ad_file.read_bytes(), "application/octet-stream"))
    at.selectbox(key="up_select").set_value("TFs + 500")
    next(b for b in at.button if b.label == "Load").click()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    shown = " ".join(m.value for m in at.markdown)
    assert "Gene selection:" in shown, [e.value for e in at.error] + [m.value for m in at.info]
    sel = next(pp.Selection.from_note(i.value.replace("\\", "")) for i in at.info
               if pp.Selection.from_note(i.value.replace("\\", "")))
    assert f"{sel.genes_kept:,} of {N_GENES:,} genes selected" in shown and "no TF list" in shown
    assert metric_values(at)["Genes"] == f"{sel.genes_kept:,}" and sel.genes_kept < N_GENES

"""Correlation baselines: absolute Pearson and Spearman correlation between regulator and target."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data import Dataset
from ..data.genes import pair_rows
from ..train.progress import check_stop, never_stop, no_progress
from . import _blockwise
from .base import n_cores, param

ROW_CHUNK = 4096  # genes ranked at a time (bounds the float64 temporaries)
STD_THREADS = 2  # threads that standardise (more would fight the BLAS product's threads for memory bandwidth)
STD_MIN_PART = 1 << 20  # values per thread at least (below, one thread: starting one costs more)


@dataclass(frozen=True)
class CorrelationParams:
    signed: bool = param(False, help="Score with the signed correlation instead of its absolute value "
                                     "(then strong repressions rank last).")
    tile: int = param(4096, min=16, max=16384, help="Genes per tile of the blockwise product: the largest "
                                                     "block held is tile x tile float32 (64 MiB at 4096); speed only.")


def standardize(X: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Rows centred and scaled to unit Euclidean norm (float32), so that ``Z @ Z.T`` is the Pearson
    correlation matrix. Means and squared norms are accumulated in float64, so ``r`` is accurate
    to ~1e-6. Constant rows become zeros (correlation 0).

    ``out``: a float32 array of ``X``'s shape to write into; it may be ``X`` itself (in place, no
    second genes x samples copy). One compiled pass per row (`_correlation_kernel.standardize_rows`:
    mean, centre + squared norm, scale while the row is in cache), the rows split among
    `STD_THREADS` threads (the kernel releases the GIL): for 2,000 x 5,000, 6.9 ms on 2 threads,
    12.2 ms on one, where numpy's ufuncs on 32-row blocks took 19 ms."""
    from ._correlation_kernel import standardize_rows

    Z = np.empty(X.shape, dtype=np.float32) if out is None else out
    X = np.ascontiguousarray(X)
    parts = min(STD_THREADS, n_cores(), max(1, X.size // STD_MIN_PART))
    if parts == 1:
        standardize_rows(X, Z)
        return Z
    bounds = np.linspace(0, len(X), parts + 1).astype(int)
    with ThreadPoolExecutor(parts - 1) as pool:  # this thread takes the first part
        rest = [pool.submit(standardize_rows, X[a:b], Z[a:b]) for a, b in zip(bounds[1:-1], bounds[2:])]
        standardize_rows(X[:bounds[1]], Z[:bounds[1]])
        for part in rest:
            part.result()
    return Z


def ranks(X: np.ndarray) -> np.ndarray:
    """Per-row ranks (average ranks for ties), vectorised over rows with `scipy.stats.rankdata`."""
    from scipy.stats import rankdata  # imported here: scipy.stats costs ~1 s at import time

    out = np.empty(X.shape, dtype=np.float64)
    for s in range(0, X.shape[0], ROW_CHUNK):
        out[s:s + ROW_CHUNK] = rankdata(X[s:s + ROW_CHUNK], axis=1, method="average")
    return out


def _dot_tile(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    return A @ B.T  # A is B on diagonal tiles: numpy then calls BLAS syrk (half the work)


def correlation_scores(dataset: Dataset, pairs: pd.DataFrame, *, rank: bool, signed: bool = False,
                       tile: int = 4096, should_stop=never_stop, chunk: int = _blockwise.DEFAULT_CHUNK) -> np.ndarray:
    """Shared engine of `pearson` and `spearman`: standardise the needed rows once, then
    tile-by-tile float32 BLAS products, gathering only the requested pairs. When ``pairs`` is
    exactly the candidate grid in canonical order (`grncore.bench.candidate_pairs`: TFs in
    ``dataset.tfs`` order, targets in row order, no self-loops) the products are written straight
    into the result instead (`_grid_scores`)."""
    reg, tgt = pair_rows(pairs, dataset, compact=True)
    tf_rows = _grid_tf_rows(reg, tgt, dataset)
    if tf_rows is not None:
        return _grid_scores(dataset, tf_rows, rank=rank, signed=signed, block=min(tile, 512),
                            should_stop=should_stop)
    used, lut = _blockwise.gene_layout(reg, tgt, dataset.n_genes)
    X = dataset.expression.to_numpy()[used]
    if rank:
        X = ranks(X)
    Z = standardize(X)
    del X
    r = _blockwise.score_tiles(reg, tgt, lut, Z, _dot_tile, tile=tile, symmetric=True, chunk=chunk,
                               should_stop=should_stop)
    np.clip(r, -1.0, 1.0, out=r)
    return r if signed else np.abs(r, out=r)


def _grid_tf_rows(reg: np.ndarray, tgt: np.ndarray, dataset: Dataset):
    """Expression rows of the regulators when ``(reg, tgt)`` is the canonical candidate grid
    (regulators in ``dataset.tfs`` order, each followed by every other gene in row order), else
    None. One compiled pass over the pair codes (`_correlation_kernel.is_grid`), no temporaries."""
    from ._correlation_kernel import is_grid

    G = dataset.n_genes
    if G < 2 or len(reg) == 0 or len(reg) % (G - 1):
        return None
    T = len(reg) // (G - 1)
    tf_rows = dataset.genes.get_indexer(pd.Index(dataset.tfs))
    tf_rows = tf_rows[tf_rows >= 0].astype(np.int64)
    if len(tf_rows) != T:
        return None
    R = np.asarray(reg).reshape(T, G - 1)
    Tg = np.asarray(tgt).reshape(T, G - 1)
    return tf_rows if is_grid(R, Tg, tf_rows) else None


def _grid_scores(dataset: Dataset, tf_rows: np.ndarray, *, rank: bool, signed: bool, block: int = 256,
                 should_stop=never_stop) -> np.ndarray:
    """Correlation of every TF with every other gene, as the ``T x (G - 1)`` float64 result in
    canonical pair order (row = TF in ``tfs`` order, columns = the other genes in row order).

    The TF x TF correlations are one symmetric BLAS product ``Z_tf @ Z_tf.T`` (syrk: half the
    work of a general product), computed as float32 **into the tail of the result's own buffer**
    (``T^2`` float32 take at most half of the ``T (G - 1)`` float64 of the result); the TF x
    other-gene correlations are one gemm per block of TF rows. Each block of result rows is then
    assembled in gene-row order and written with the self-loop dropped, one compiled loop per block
    (`_correlation_kernel.fill_rows`, in row order). Writing row ``i`` never reaches the float32
    rows ``> i`` still to be read (they start at byte ``8 T (G-1) - 4 T (T - i - 1)``, at or
    beyond the end ``8 (G-1) (i + 1)`` of result row ``i``); row ``i`` itself is copied to a
    scratch row before it is overwritten. The float32 -> float64 copy does the absolute value and the clip to [-1, 1] on each
    row while it is in cache (no separate pass over the products): 3 ms for 2,000 x 1,999 where
    numpy's per-row ufunc calls took 16 ms in the same run. Memory: the result, the
    standardised genes (written over the reordered copy of the rows when there is one, float32
    input) and one block of rows."""
    G = dataset.n_genes
    T = len(tf_rows)
    is_tf = np.zeros(G, dtype=bool)
    is_tf[tf_rows] = True
    other = np.flatnonzero(~is_tf)
    first = bool((tf_rows == np.arange(T)).all())  # TFs = the first genes, in row order
    X = dataset.expression.to_numpy()
    fresh = not first   # a reordered copy of the rows: standardise it in place
    if not first:
        X = X[np.concatenate([tf_rows, other])]
    if rank:
        X = ranks(X)
    Z = standardize(X, out=X if fresh and not rank and X.dtype == np.float32 else None)
    del X
    Zt, Zo = Z[:T], Z[T:]
    out = np.empty(T * (G - 1), dtype=np.float64)
    raw = out.view(np.float32)
    C = raw[raw.size - T * T:].reshape(T, T)  # TF x TF, in the result's tail
    check_stop(should_stop)
    np.matmul(Zt, Zt.T, out=C)
    res = out.reshape(T, G - 1)
    from ._correlation_kernel import fill_rows

    scratch = np.empty(G, dtype=np.float32)
    if first:  # no reordering of columns needed: row i is C[i] (TFs) then D[i] (other genes)
        for a in range(0, T, block):
            check_stop(should_stop)
            b = min(T, a + block)
            D = Zt[a:b] @ Zo.T if len(other) else np.empty((b - a, 0), dtype=np.float32)
            fill_rows(res[a:b], C[a:b], D, np.arange(a, b), signed, scratch)
        return out
    buf = np.empty((min(block, T), G), dtype=np.float32)  # a block's rows in gene-row order
    none = np.empty((min(block, T), 0), dtype=np.float32)
    for a in range(0, T, block):
        check_stop(should_stop)
        b = min(T, a + block)
        rows = buf[:b - a]
        rows[:, tf_rows] = C[a:b]  # read before these result rows are written
        if len(other):
            rows[:, other] = Zt[a:b] @ Zo.T
        fill_rows(res[a:b], rows, none[:b - a], tf_rows[a:b], signed, scratch)
    return out


def pearson(dataset: Dataset, pairs: pd.DataFrame, params: CorrelationParams, *, train=None, seed: int = 0,
            progress=no_progress, should_stop=never_stop, device: str = "cpu") -> np.ndarray:
    """Absolute Pearson correlation ``|r(x_reg, x_tgt)|`` over samples.

    ``r = sum_s (x_s - mean x)(y_s - mean y) / (||x - mean x|| ||y - mean y||)``. Each needed gene
    row is standardised once (centred, unit norm); then ``r`` for a tile of genes is one float32
    matrix product ``Z_a Z_b^T`` (see `grncore.methods._blockwise`), so all pairs of 20,000
    genes never materialise a genes x genes matrix.

    The absolute value is the default because both activation and repression are edges: a
    strongly negative correlation is as much evidence of regulation as a positive one, and
    ground truths such as BEELINE's STRING/ChIP networks are unsigned. ``signed=True`` keeps
    the sign. Correlation is symmetric, so it cannot tell ``a -> b`` from ``b -> a``.

    Reference: K. Pearson (1895); the correlation baseline of BEELINE (Pratapa et al., Nature
    Methods 17:147-154, 2020) and of relevance networks (Butte & Kohane, PSB 2000).
    """
    progress(0, 1, "pearson")
    out = correlation_scores(dataset, pairs, rank=False, signed=params.signed, tile=params.tile,
                             should_stop=should_stop)
    progress(1, 1, "pearson")
    return out


def spearman(dataset: Dataset, pairs: pd.DataFrame, params: CorrelationParams, *, train=None, seed: int = 0,
             progress=no_progress, should_stop=never_stop, device: str = "cpu") -> np.ndarray:
    """Absolute Spearman rank correlation: Pearson correlation of the per-gene ranks.

    Each needed gene's samples are ranked (``scipy.stats.rankdata``, average ranks for ties,
    vectorised over genes), then scored with the same blockwise engine as `pearson`. Robust to
    outliers and to monotone non-linear relations; ties (e.g. the zeros of single-cell data) get
    their average rank, as in ``scipy.stats.spearmanr``. Absolute value for the reason given in
    `pearson`.

    Reference: C. Spearman, "The proof and measurement of association between two things",
    Am. J. Psychol. 15:72-101 (1904); BEELINE's correlation baselines (Pratapa et al. 2020).
    """
    progress(0, 1, "spearman")
    out = correlation_scores(dataset, pairs, rank=True, signed=params.signed, tile=params.tile,
                             should_stop=should_stop)
    progress(1, 1, "spearman")
    return out

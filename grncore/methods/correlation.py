"""Correlation baselines: absolute Pearson and Spearman correlation between regulator and target."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from ..data import Dataset
from ..train.progress import never_stop, no_progress
from . import _blockwise
from .base import param

ROW_CHUNK = 4096  # genes standardised at a time (bounds the float64 temporaries)


@dataclass(frozen=True)
class CorrelationParams:
    signed: bool = param(False, help="Score with the signed correlation instead of its absolute value "
                                     "(then strong repressions rank last).")
    tile: int = param(4096, min=16, max=16384, help="Genes per tile of the blockwise product: the largest "
                                                     "block held is tile x tile float32 (64 MiB at 4096); speed only.")


def standardize(X: np.ndarray) -> np.ndarray:
    """Rows centred and scaled to unit Euclidean norm (float32), so that ``Z @ Z.T`` is the Pearson
    correlation matrix. Means are accumulated in float64 and squared norms by numpy's pairwise
    summation, so ``r`` is accurate to ~1e-6. Constant rows become zeros (correlation 0)."""
    Z = np.empty(X.shape, dtype=np.float32)
    for s in range(0, X.shape[0], ROW_CHUNK):
        x = np.asarray(X[s:s + ROW_CHUNK], dtype=np.float32)
        z = Z[s:s + ROW_CHUNK]
        np.subtract(x, x.mean(axis=1, dtype=np.float64, keepdims=True).astype(np.float32), out=z)
        norm = np.sqrt(np.add.reduce(z * z, axis=1, dtype=np.float64))[:, None]
        scale = np.divide(1.0, norm, out=np.zeros_like(norm), where=norm > 1e-6 * np.sqrt(x.shape[1]))
        z *= scale.astype(np.float32)
    return Z


def ranks(X: np.ndarray) -> np.ndarray:
    """Per-row ranks (average ranks for ties), vectorised over rows with `scipy.stats.rankdata`."""
    out = np.empty(X.shape, dtype=np.float64)
    for s in range(0, X.shape[0], ROW_CHUNK):
        out[s:s + ROW_CHUNK] = rankdata(X[s:s + ROW_CHUNK], axis=1, method="average")
    return out


def _dot_tile(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    return A @ B.T  # A is B on diagonal tiles: numpy then calls BLAS syrk (half the work)


def correlation_scores(dataset: Dataset, pairs: pd.DataFrame, *, rank: bool, signed: bool = False,
                       tile: int = 4096, should_stop=never_stop, chunk: int = _blockwise.DEFAULT_CHUNK) -> np.ndarray:
    """Shared engine of `pearson` and `spearman`: standardise the needed rows once, then
    tile-by-tile float32 BLAS products, gathering only the requested pairs."""
    reg, tgt = _blockwise.pair_codes(pairs, dataset)
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

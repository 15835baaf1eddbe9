"""Information-theoretic baseline: mutual information of discretised expression."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data import Dataset
from ..data.genes import pair_rows
from ..train.progress import never_stop, no_progress
from . import _blockwise
from .base import param

MAX_AUTO_BINS = 16


@dataclass(frozen=True)
class MutualInfoParams:
    bins: int = param(0, min=0, max=64, help="Equal-frequency bins per gene; 0 = automatic "
                                            "(round(sqrt(n_samples) / 2), between 2 and 16).")
    tile: int = param(128, min=8, max=2048, help="Genes per tile of the blockwise count products "
                                                 "(memory ~ samples x tile x bins floats; speed only).")


def auto_bins(n_samples: int) -> int:
    """Default number of bins: ``round(sqrt(n) / 2)`` clipped to [2, 16] (about 10 for 400 cells:
    enough cells per joint bin cell for a stable plug-in estimate)."""
    return int(min(MAX_AUTO_BINS, max(2, round(math.sqrt(n_samples) / 2))))


def discretize(X: np.ndarray, bins: int) -> np.ndarray:
    """Equal-frequency bin index per value (rows = genes): ``floor((rank_min - 1) * bins / n)``.

    Tied values (e.g. single-cell zeros) share the bin of their lowest rank, so a gene with 60 %
    zeros has one big bin and the rest of its cells spread over the upper bins."""
    from scipy.stats import rankdata  # imported here: scipy.stats costs ~1 s at import time

    n = X.shape[1]
    r = rankdata(X, axis=1, method="min") - 1
    return ((r * bins) // n).astype(np.int16)


def _mi_tile_fn(bins: int, n: int):
    log_n = math.log(n)

    def onehot(B: np.ndarray) -> np.ndarray:
        g = B.shape[0]
        O = np.zeros((n, g * bins), dtype=np.float32)
        cols = (np.arange(g, dtype=np.int64)[:, None] * bins + B).T  # n x g
        O[np.arange(n)[:, None], cols] = 1.0
        return O

    def xlogx_sum(C: np.ndarray, axes) -> np.ndarray:
        return (C * np.log(np.maximum(C, 1.0))).sum(axis=axes, dtype=np.float64)

    def tile(A: np.ndarray, B: np.ndarray) -> np.ndarray:
        OA = onehot(A)
        OB = OA if B is A else onehot(B)
        C = (OA.T @ OB).reshape(A.shape[0], bins, B.shape[0], bins)  # joint counts
        sxy = xlogx_sum(C, (1, 3))
        cx = C[:, :, 0, :].sum(axis=2)  # marginal counts of the A genes (b x bins)
        cy = C[0].sum(axis=0)  # of the B genes (b2 x bins)
        sx = xlogx_sum(cx, 1)
        sy = xlogx_sum(cy, 1)
        mi = log_n - (sx[:, None] + sy[None, :] - sxy) / n
        return np.maximum(mi, 0.0)

    return tile


def mutual_info(dataset: Dataset, pairs: pd.DataFrame, params: MutualInfoParams, *, train=None, seed: int = 0,
                progress=no_progress, should_stop=never_stop, device: str = "cpu") -> np.ndarray:
    """Plug-in mutual information (nats) between equal-frequency discretised expression profiles.

    Each needed gene's samples are cut into ``k`` equal-frequency bins (`discretize`). With
    ``C`` the ``k x k`` joint count table of two genes over ``n`` samples and ``c_x, c_y`` its
    margins, ``MI = H(X) + H(Y) - H(X, Y) = log n - (S(c_x) + S(c_y) - S(C)) / n`` with
    ``S(c) = sum c log c``. All joint tables of a tile of genes come from one matrix product of
    bin-indicator (one-hot) matrices, ``C = O_a^T O_b`` (``O``: samples x genes*k), in the same
    blockwise engine as `pearson`, so only the needed gene tiles are counted. MI is symmetric
    and non-negative; it sees non-monotone dependence that correlation misses.

    Reference: Margolin et al., "ARACNE: an algorithm for the reconstruction of gene regulatory
    networks in a mammalian cellular context", BMC Bioinformatics 7(Suppl 1):S7 (2006) (MI
    network without the DPI pruning step); BEELINE (Pratapa et al. 2020) uses MI-based PIDC and
    ARACNE-like baselines.
    """
    progress(0, 1, "mutual information")
    reg, tgt = pair_rows(pairs, dataset, compact=True)
    used, lut = _blockwise.gene_layout(reg, tgt, dataset.n_genes)
    n = dataset.n_samples
    k = params.bins or auto_bins(n)
    B = discretize(dataset.expression.to_numpy()[used], k)
    out = _blockwise.score_tiles(reg, tgt, lut, B, _mi_tile_fn(k, n), tile=params.tile, symmetric=True,
                                 should_stop=should_stop)
    progress(1, 1, "mutual information")
    return out

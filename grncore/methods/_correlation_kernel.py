"""Compiled (numba) row passes of `grncore.methods.correlation`: the standardisation before the
BLAS products and the float32 -> float64 assembly of the grid result after them. Both are memory
passes around one large matrix product; in numpy they took several ufunc calls per row (casts,
temporaries, Python per row), here one loop each. Imported only when a correlation is computed
(numba is not loaded by ``import grncore.methods``); compiled once and cached next to this file.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def standardize_rows(X, Z):
    """``Z[i] = (X[i] - mean) / ||X[i] - mean||`` (float32) for every row; a constant row
    (norm <= 1e-6 sqrt(n)) becomes zeros. The mean and the squared norm are summed in float64 with
    four independent accumulators (a fixed order: the same input gives the same bits); ``Z`` may
    be ``X`` (in place)."""
    G, n = X.shape
    tiny = 1e-6 * np.sqrt(n)
    m = n - n % 4
    for i in range(G):
        x = X[i]
        z = Z[i]
        a0 = a1 = a2 = a3 = 0.0
        for j in range(0, m, 4):
            a0 += x[j]
            a1 += x[j + 1]
            a2 += x[j + 2]
            a3 += x[j + 3]
        for j in range(m, n):
            a0 += x[j]
        mu = np.float32((a0 + a1 + a2 + a3) / n)
        b0 = b1 = b2 = b3 = 0.0
        for j in range(0, m, 4):
            d0 = np.float32(x[j] - mu)
            d1 = np.float32(x[j + 1] - mu)
            d2 = np.float32(x[j + 2] - mu)
            d3 = np.float32(x[j + 3] - mu)
            z[j], z[j + 1], z[j + 2], z[j + 3] = d0, d1, d2, d3
            b0 += np.float64(d0) * d0
            b1 += np.float64(d1) * d1
            b2 += np.float64(d2) * d2
            b3 += np.float64(d3) * d3
        for j in range(m, n):
            d0 = np.float32(x[j] - mu)
            z[j] = d0
            b0 += np.float64(d0) * d0
        norm = np.sqrt(b0 + b1 + b2 + b3)
        s = np.float32(1.0 / norm) if norm > tiny else np.float32(0.0)
        for j in range(n):
            z[j] *= s


@njit(cache=True, nogil=True)
def is_grid(R, Tg, tf_rows):
    """True when pair ``(R[i, j], Tg[i, j])`` is (TF ``tf_rows[i]``, the ``j``-th other gene in row
    order) for every ``i, j``: the canonical candidate grid. One pass, branch-free within a row (so
    the compiler vectorises it); stops after the first row with a miss."""
    for i in range(R.shape[0]):
        g = tf_rows[i]
        r, t = R[i], Tg[i]
        bad = False
        for j in range(min(g, R.shape[1])):
            bad |= (r[j] != g) | (t[j] != j)
        for j in range(g, R.shape[1]):
            bad |= (r[j] != g) | (t[j] != j + 1)
        if bad:
            return False
    return True


@njit(cache=True, nogil=True)
def _put(dst, k, v, signed):
    """``dst[k]`` = the correlation ``v`` clipped to [-1, 1], or its absolute value clipped to 1."""
    v = np.float64(v)
    if signed:
        dst[k] = -1.0 if v < -1.0 else (1.0 if v > 1.0 else v)
    else:
        v = abs(v)
        dst[k] = 1.0 if v > 1.0 else v


@njit(cache=True, nogil=True)
def fill_rows(dst, A, B, drops, signed, scratch):
    """Result rows of the grid path: row ``r`` of the source is ``A[r]`` followed by ``B[r]``
    (float32, genes in row order); ``dst[r]`` (float64) gets it without column ``drops[r]`` (the
    self-loop), clipped (see `_put`). ``A[r]`` is copied to ``scratch`` before ``dst[r]`` is
    written, so ``A`` may live in the same buffer as ``dst`` at or beyond row ``r`` (the grid
    path keeps its TF x TF product in the result's tail)."""
    a = A.shape[1]
    for r in range(dst.shape[0]):
        for j in range(a):
            scratch[j] = A[r, j]
        d = drops[r]
        row = dst[r]
        for j in range(d):
            _put(row, j, scratch[j], signed)
        for j in range(d + 1, a):
            _put(row, j - 1, scratch[j], signed)
        for j in range(B.shape[1]):
            _put(row, a - 1 + j, B[r, j], signed)

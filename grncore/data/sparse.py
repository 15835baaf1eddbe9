"""Single-cell matrices that stay sparse until the genes worth keeping are known.

A 10x-style count matrix is mostly zeros (5 % non-zeros is typical): 50,000 cells x 30,000 genes
hold 75 million values, 0.6 GB as CSR (float32 data + int32 indices), but 6 GB as a dense float32
matrix. `CellMatrix` holds such a matrix as read from an ``.h5ad`` file (cells x genes, scipy CSR
or CSC, or a dense array), and the kernels below compute what preprocessing needs on the stored
values only, as scanpy does (``sc.pp.normalize_total``, ``log1p`` and ``highly_variable_genes``
work on ``.data`` and get per-gene means and variances from sums and sums of squares):

- `value_range`, `stored_values`: minimum, maximum and a sample of the values for scale detection
  (the implicit zeros count as integers and as the value 0);
- `cell_totals`, `scale_cells`: library sizes and in-place per-cell scaling of the stored values
  (zeros stay zeros, so ``log1p`` also runs on ``.data`` alone);
- `gene_sums`: per-gene sum and sum of squares (optionally of ``expm1`` of the values), in float64;
- `gene_projection`: ``X^T Q`` for a dense cells x k basis (the spline F-test of `preprocess`);
- `dense_genes`: the genes x cells float32 block of the selected genes only, after checking it
  fits `max_dense_bytes` (``GRN_MAX_DENSE_BYTES``, default 4 GiB).

Every kernel walks the stored values in blocks of about 4 million (``_BLOCK``), so its temporary
float64 copies stay near 32 MB whatever the matrix size.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .errors import InputError

__all__ = ["CellMatrix", "MAX_DENSE_ENV", "DEFAULT_MAX_DENSE_BYTES", "max_dense_bytes",
           "check_dense_fits", "value_range", "stored_values", "cell_totals", "scale_cells",
           "gene_sums", "gene_projection", "dense_genes"]

MAX_DENSE_ENV = "GRN_MAX_DENSE_BYTES"
DEFAULT_MAX_DENSE_BYTES = 4 * 2**30
_BLOCK = 1 << 22


@dataclass(frozen=True, eq=False)
class CellMatrix:
    """A cells x genes matrix as read from a single-cell file, before it becomes a `Dataset`.

    Attributes
    ----------
    X : cells x genes, ``scipy.sparse`` CSR or CSC with float32 values, or a dense float32 array.
        Preprocessing may scale its values in place (`scale_cells`): a `CellMatrix` belongs to
        the one pipeline that reads it.
    genes, cells : names of the columns and rows of ``X`` (str).
    samples : per-cell metadata indexed by ``cells``, in their order (or None).
    """

    X: Any
    genes: pd.Index
    cells: pd.Index
    samples: pd.DataFrame | None = None

    @property
    def is_sparse(self) -> bool:
        return sp.issparse(self.X)

    @property
    def n_genes(self) -> int:
        return self.X.shape[1]


# ---------------------------------------------------------------------- the dense limit
def max_dense_bytes() -> int:
    """The largest dense genes x cells float32 matrix a sparse file may become, in bytes:
    ``GRN_MAX_DENSE_BYTES`` from the environment (an integer number of bytes), else 4 GiB."""
    raw = os.environ.get(MAX_DENSE_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_DENSE_BYTES
    try:
        value = int(float(raw))
    except ValueError:
        value = 0
    if value <= 0:
        raise InputError(f"{MAX_DENSE_ENV}={raw!r} is not a positive number of bytes",
                         where="environment", fix=f"set {MAX_DENSE_ENV} to e.g. {DEFAULT_MAX_DENSE_BYTES} (4 GiB) or unset it")
    return value


def _size(n: int) -> str:
    return f"{n / 2**30:.2f} GiB" if n >= 2**30 else f"{n / 2**20:.1f} MiB"


def check_dense_fits(n_genes: int, n_cells: int, *, where: str, limit: int | None = None) -> None:
    """Raise `InputError` when a dense genes x cells float32 matrix exceeds ``limit`` bytes
    (default `max_dense_bytes`), giving the shape, the bytes and how to select fewer genes."""
    limit = max_dense_bytes() if limit is None else int(limit)
    need = 4 * int(n_genes) * int(n_cells)
    if need > limit:
        fit = max(limit // (4 * max(int(n_cells), 1)), 0)
        raise InputError(
            f"the expression would be a dense matrix of {n_genes:,} genes x {n_cells:,} cells "
            f"(float32, {need:,} bytes = {_size(need)}), over the limit of {limit:,} bytes "
            f"({_size(limit)}, {MAX_DENSE_ENV})", where=where,
            fix=f"select fewer genes (at most about {fit:,} fit: --top-genes N on the command line, "
                f"'Gene selection while loading' on the Data page), subsample the cells, or raise "
                f"{MAX_DENSE_ENV} if the machine has the memory")


# ---------------------------------------------------------------------- blocked traversal
def _blocks(X) -> Iterator[tuple[int, int, slice, np.ndarray, np.ndarray]]:
    """Yield ``(s, e, stored-value slice, cell ids, gene ids)`` for blocks of about `_BLOCK`
    stored values of a CSR or CSC cells x genes matrix: rows (CSR) or columns (CSC) ``s:e``."""
    indptr = X.indptr
    n_major = len(indptr) - 1
    csr = X.format == "csr"
    s = 0
    while s < n_major:
        e = int(np.searchsorted(indptr, indptr[s] + _BLOCK, side="right")) - 1
        e = min(max(e, s + 1), n_major)
        a, b = int(indptr[s]), int(indptr[e])
        major = np.repeat(np.arange(s, e), np.diff(indptr[s:e + 1]))
        minor = X.indices[a:b]
        yield s, e, slice(a, b), (major if csr else minor), (minor if csr else major)
        s = e


def _require_sparse(X) -> None:
    if not sp.issparse(X) or X.format not in ("csr", "csc"):
        raise TypeError("expected a scipy.sparse CSR or CSC matrix")


# ---------------------------------------------------------------------- kernels
def value_range(X) -> tuple[float, float]:
    """``(min, max)`` of all entries of a sparse matrix, the implicit zeros included."""
    _require_sparse(X)
    data = X.data
    lo = float(data.min()) if data.size else 0.0
    hi = float(data.max()) if data.size else 0.0
    if data.size < X.shape[0] * X.shape[1]:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    return lo, hi


def stored_values(X, limit: int, seed: int = 0) -> np.ndarray:
    """The stored values of a sparse matrix, or ``limit`` of them drawn at random (seeded)."""
    _require_sparse(X)
    data = X.data
    if data.size > limit:
        data = data[np.random.default_rng(seed).integers(0, data.size, limit)]
    return data


def cell_totals(X) -> np.ndarray:
    """Per-cell (row) sums in float64."""
    _require_sparse(X)
    out = np.zeros(X.shape[0])
    for _, _, sl, cells, _ in _blocks(X):
        out += np.bincount(cells, weights=X.data[sl].astype(np.float64), minlength=X.shape[0])
    return out


def scale_cells(X, factor: np.ndarray) -> None:
    """Multiply every stored value of cell ``i`` by ``factor[i]`` in place (float32 arithmetic,
    as the dense path's ``X *= factor.astype(float32)``)."""
    _require_sparse(X)
    f = np.asarray(factor, dtype=np.float32)
    for _, _, sl, cells, _ in _blocks(X):
        X.data[sl] *= f[cells]


def gene_sums(X, transform: Callable[[np.ndarray], np.ndarray] | None = None,
              ) -> tuple[np.ndarray, np.ndarray]:
    """Per-gene (column) ``sum x`` and ``sum x^2`` in float64 over all cells, of
    ``transform(x)`` when given (it must map 0 to 0, e.g. ``np.expm1``, so implicit zeros stay 0)."""
    _require_sparse(X)
    G = X.shape[1]
    s1, s2 = np.zeros(G), np.zeros(G)
    for _, _, sl, _, genes in _blocks(X):
        v = X.data[sl].astype(np.float64)
        if transform is not None:
            v = transform(v)
        s1 += np.bincount(genes, weights=v, minlength=G)
        s2 += np.bincount(genes, weights=v * v, minlength=G)
    return s1, s2


def gene_projection(X, Q: np.ndarray) -> np.ndarray:
    """``X^T Q`` (genes x k, float64) for a dense cells x k ``Q``, one block of stored values at a
    time so that only the block is cast to float64."""
    _require_sparse(X)
    C, G = X.shape
    Q = np.asarray(Q, dtype=np.float64)
    out = np.zeros((G, Q.shape[1]))
    indptr = X.indptr
    for s, e, sl, cells, genes in _blocks(X):
        v = X.data[sl].astype(np.float64)
        if X.format == "csr":
            block = sp.csr_matrix((v, genes, indptr[s:e + 1] - indptr[s]), shape=(e - s, G))
            out += block.T @ Q[s:e]
        else:
            block = sp.csc_matrix((v, cells, indptr[s:e + 1] - indptr[s]), shape=(C, e - s))
            out[s:e] += block.T @ Q
    return out


def dense_genes(X, rows: np.ndarray, *, where: str, limit: int | None = None) -> np.ndarray:
    """The genes x cells float32 C-ordered array of the genes (columns of ``X``) at ``rows``,
    after `check_dense_fits`; only those genes are ever dense."""
    rows = np.asarray(rows, dtype=np.intp)
    check_dense_fits(len(rows), X.shape[0], where=where, limit=limit)
    if sp.issparse(X):
        sub = X[:, rows].T.toarray()
    else:
        sub = np.asarray(X)[:, rows].T
    return np.ascontiguousarray(sub, dtype=np.float32)

"""Blockwise engine for symmetric pair scores (correlation, mutual information).

Given per-gene feature rows ``Z`` (e.g. standardised expression) and a tile function
``tile_fn(Za, Zb) -> (len(Za), len(Zb))`` matrix of scores, `score_tiles` returns the score of
every requested (regulator, target) pair while computing only the gene x gene tiles that some
pair needs:

* genes are laid out regulators first, then the remaining targets, and cut into tiles of
  ``tile`` genes;
* pairs are processed in chunks of ``chunk`` pairs (all pairs of 2,000 genes fit in one);
  within a chunk they are grouped by tile
  (one stable integer sort of tile keys); for symmetric scores (``s(a, b) = s(b, a)``) tile
  ``(i, j)`` and ``(j, i)`` are one tile, so all-pairs costs about half a full matrix product,
  and a diagonal tile ``Z_i @ Z_i.T`` is a BLAS ``syrk``;
* each needed tile is computed once per chunk and only the requested entries are gathered.

Memory: the output (8 bytes per pair), the chunk's index arrays (about 28 bytes per pair of
one chunk, ~110 MB), the feature rows of the needed genes, and one tile: never a genes x genes
matrix.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..train.progress import check_stop, never_stop

DEFAULT_CHUNK = 1 << 22  # pairs per chunk (4M pairs: ~110 MB of index arrays)


def gene_layout(reg: np.ndarray, tgt: np.ndarray, n_genes: int) -> tuple[np.ndarray, np.ndarray]:
    """Genes used by the pairs, regulators first (row order), then the other targets; and a
    lookup ``gene row -> position`` (-1 for unused genes)."""
    is_reg = np.zeros(n_genes, dtype=bool)
    is_reg[reg] = True
    is_tgt = np.zeros(n_genes, dtype=bool)
    is_tgt[tgt] = True
    used = np.concatenate([np.flatnonzero(is_reg), np.flatnonzero(is_tgt & ~is_reg)])
    lut = np.full(n_genes, -1, dtype=np.int32 if n_genes < 2**31 else np.int64)
    lut[used] = np.arange(len(used))
    return used, lut


def score_tiles(reg: np.ndarray, tgt: np.ndarray, lut: np.ndarray, Z: np.ndarray,
                tile_fn: Callable[[np.ndarray, np.ndarray], np.ndarray], *, tile: int = 512,
                symmetric: bool = True, chunk: int = DEFAULT_CHUNK,
                should_stop: Callable[[], bool] = never_stop) -> np.ndarray:
    """Scores of the pairs ``(reg[k], tgt[k])`` (expression rows) from tiles of ``Z`` rows.

    ``lut`` maps an expression row to its row of ``Z`` (see `gene_layout`). Returns float64.
    """
    n_pairs = len(reg)
    out = np.empty(n_pairs, dtype=np.float64)
    nb = (len(Z) + tile - 1) // tile
    n_keys = nb * nb
    # int16 keys sort by radix (O(n)); larger tile grids need int32/int64 keys
    key_dtype = np.int16 if n_keys < 2**15 else (np.int32 if n_keys < 2**31 else np.int64)
    n_rows = len(Z)
    flat_dtype = np.int32 if n_rows * n_rows < 2**31 else np.int64

    def gather(M: np.ndarray, i: int, j: int, sel, dest: np.ndarray) -> None:
        """dest[:] = scores of the pairs ``sel`` (indices or a slice) from tile (i, j)."""
        pr = lut[reg[sel]].astype(flat_dtype)
        pt = lut[tgt[sel]].astype(flat_dtype)
        if symmetric:
            pr, pt = np.minimum(pr, pt), np.maximum(pr, pt)
        pr -= i * tile
        pr *= M.shape[1]
        pr += pt
        pr -= j * tile
        dest[:] = M.ravel().take(pr)

    if nb == 1:  # one tile (e.g. all pairs of <= 4096 genes for pearson): one product, one gather
        check_stop(should_stop)
        M = tile_fn(Z, Z)
        for s in range(0, n_pairs, chunk):
            gather(M, 0, 0, slice(s, s + chunk), out[s:s + chunk])
        return out
    if n_keys <= 64:  # few tiles: tile keys for all pairs (2 bytes each), then one pass per tile
        keys = np.empty(n_pairs, dtype=np.int16)
        for s in range(0, n_pairs, chunk):
            pr = lut[reg[s:s + chunk]]
            pt = lut[tgt[s:s + chunk]]
            if symmetric:
                pr, pt = np.minimum(pr, pt), np.maximum(pr, pt)
            keys[s:s + chunk] = (pr // tile) * nb + pt // tile
        for k in np.flatnonzero(np.bincount(keys, minlength=n_keys)):
            check_stop(should_stop)
            i, j = divmod(int(k), nb)
            Zi = Z[i * tile:(i + 1) * tile]
            M = tile_fn(Zi, Zi) if i == j else tile_fn(Zi, Z[j * tile:(j + 1) * tile])
            idx = np.flatnonzero(keys == k)
            for s in range(0, len(idx), chunk):
                sel = idx[s:s + chunk]
                vals = np.empty(len(sel), dtype=np.float64)
                gather(M, i, j, sel, vals)
                out[sel] = vals
            del M, idx
        return out
    for s in range(0, n_pairs, chunk):
        check_stop(should_stop)
        e = min(n_pairs, s + chunk)
        pr = lut[reg[s:e]]
        pt = lut[tgt[s:e]]
        if symmetric:
            a = np.minimum(pr, pt)
            b = np.maximum(pr, pt)
            del pr, pt
        else:
            a, b = pr, pt
        key = (a // tile).astype(key_dtype)
        key *= nb
        key += (b // tile).astype(key_dtype)
        order = np.argsort(key, kind="stable")
        bounds = np.concatenate([[0], np.cumsum(np.bincount(key, minlength=n_keys))])
        del key
        part = out[s:e]
        for k in np.flatnonzero(bounds[1:] > bounds[:-1]):
            i, j = divmod(int(k), nb)
            Zi = Z[i * tile:(i + 1) * tile]
            M = tile_fn(Zi, Zi) if i == j else tile_fn(Zi, Z[j * tile:(j + 1) * tile])
            sel = order[bounds[k]:bounds[k + 1]]
            flat = (a[sel] - i * tile).astype(np.int64)
            flat *= M.shape[1]
            flat += b[sel] - j * tile
            part[sel] = M.ravel()[flat]
            del M
    return out

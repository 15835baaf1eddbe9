"""SCODE: a linear ODE on pseudotime, fitted through a low-dimensional linear model.

Reference: Matsumoto, Kiryu, Furusawa, Ko, Ko, Gouda, Hayashi, Nikaido. "SCODE: an efficient
regulatory network inference algorithm from single-cell RNA-Seq during differentiation."
Bioinformatics 33(15):2314-2321 (2017); code github.com/hmatsu1226/SCODE (``SCODE.R``).

The math
--------
The expression ``x(t)`` of the G genes follows ``dx/dt = A x``, with ``A[i, j]`` the regulation of
gene ``i`` by gene ``j`` (SCODE's README: "Aij represents the regulatory relationship from TF j
to TF i"). SCODE makes this tractable with ``x ≈ W z``, ``W`` G x D, and ``dz/dt = B z``, ``B``
diagonal (D << G), so that ``z_k(t) = exp(b_k t)`` (initial values absorbed into ``W``) and
``A = W B W^+`` (``W^+`` the Moore-Penrose pseudo-inverse). Given ``B``, ``W`` is the linear
least-squares fit of the G x C expression matrix ``X`` on ``Z = exp(B t)`` (D x C, plus
U(-0.001, 0.001) jitter per entry as in ``SCODE.R``). ``B`` is found by random search: start with
``b_k ~ U(-10, 2)``; in each of ``iterations`` steps redraw one random ``b_k`` from U(-10, 2),
refit ``W`` and keep the change if the residual sum of squares ``|X - W Z|^2`` went down. (Here an
accepted move is kept for good; ``SCODE.R`` as published never copies accepted values into its
``old_B`` and resets ``B`` to it before the final fit.) Pseudotime is normalised to [0, 1] per
trajectory, as the paper does.

Scores: ``|A[target, regulator]|``, with ``A`` the mean of the signed ``A`` of ``n_runs``
independent random searches (seeds derived from ``seed``; averaging runs is how SCODE's authors
stabilise the random search), computed per pair as ``sum_k W[t, k] b_k W^+[k, r]`` so the G x G
matrix is never formed. Several trajectories (BEELINE's ``PseudoTime1..k`` columns, cells outside
a trajectory NaN) are fitted separately on their own cells and a pair gets its largest score over
them (an edge active in one branch counts).

Time: which column of ``dataset.samples`` (`time_axes`): the lineage columns ``pseudotime<k>``
when present, else ``pseudotime``, else ``time`` (experiment time of a time series); names are
matched without case. A column is usable with at least 3 cells that have distinct finite values.
Expression: raw counts (`grncore.data.preprocess.detect_scale`) get log1p of counts per 10,000;
otherwise the values are used as they are (SCODE fits the log expression itself, no scaling).

Why numpy, not torch: each step is a D-column least-squares fit (O(G C D), milliseconds for
thousands of genes and cells), so there is nothing for an accelerator to do; the method is
registered with the function itself and ``device`` is ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data import Dataset, InputError
from ..data.genes import pair_rows
from ..train.progress import check_stop, never_stop, no_progress
from .base import param

__all__ = ["SCODEParams", "scode", "scode_needs", "time_axes", "REFERENCE"]

REFERENCE = "Matsumoto et al., SCODE, Bioinformatics 33:2314 (2017); github.com/hmatsu1226/SCODE"
B_RANGE = (-10.0, 2.0)    # SCODE.R minB, maxB
_JITTER = 1e-3            # SCODE.R: Z + U(-0.001, 0.001)
_MIN_TIMES = 3
_CHECK_EVERY = 50         # iterations between two should_stop polls
_PAIR_CHUNK = 1_000_000


@dataclass(frozen=True)
class SCODEParams:
    """SCODE parameters; ``d`` and ``iterations`` default to the SCODE README's example run
    (D = 4, I = 100); ``n_runs`` (averaged) is our choice, cheap at this size."""

    d: int = param(4, min=1, max=100, help="dimension D of the latent z, dz/dt = B z (SCODE example: 4)")
    iterations: int = param(100, min=1, max=100_000, help="random-search steps over B (SCODE example: 100)")
    n_runs: int = param(5, min=1, max=100, help="independent random searches whose A are averaged")


def time_axes(dataset: Dataset) -> list[tuple[str, np.ndarray]]:
    """The usable time columns of ``dataset.samples`` as (name, float times with NaN for cells
    outside the trajectory); empty when there is none (see the module docstring)."""
    s = dataset.samples
    by_lower = {str(c).lower(): c for c in s.columns}
    lineages = [c for c in s.columns if str(c).lower().startswith("pseudotime") and str(c).lower() != "pseudotime"]
    for group in (lineages, [by_lower.get("pseudotime")], [by_lower.get("time")]):
        found = []
        for col in group:
            if col is None:
                continue
            t = pd.to_numeric(s[col], errors="coerce").to_numpy(dtype=np.float64)
            t[~np.isfinite(t)] = np.nan
            if len(np.unique(t[np.isfinite(t)])) >= _MIN_TIMES:
                found.append((str(col), t))
        if found:
            return found
    return []


def scode_needs(dataset: Dataset) -> str | None:
    """Why SCODE cannot run on ``dataset`` (no usable pseudotime or time), or None."""
    if time_axes(dataset):
        return None
    return ("needs a pseudotime or time for every cell (a 'pseudotime' or 'time' sample column with at "
            f"least {_MIN_TIMES} distinct values: add a sample metadata file, on the Data page or with --metadata)")


def _expression(dataset: Dataset) -> np.ndarray:
    from ..data.preprocess import detect_scale

    x = dataset.expression.to_numpy(dtype=np.float64, copy=True)
    if detect_scale(x).kind == "counts":
        lib = x.sum(axis=0, keepdims=True)
        lib[lib == 0] = 1.0
        x = np.log1p(x * (1e4 / lib))
    return x


def _fit(x: np.ndarray, t: np.ndarray, b: np.ndarray, rng) -> tuple[np.ndarray, float]:
    """W (G x D) of the least-squares fit of x (G x C) on Z = exp(b t) + jitter, and the RSS."""
    z = np.exp(np.outer(b, t)) + rng.uniform(-_JITTER, _JITTER, size=(len(b), len(t)))
    # normal equations W (Z Z^T) = X Z^T: D x D, ~15x faster than a G-column QR fit of Z^T;
    # lstsq on them stays defined when two b_k nearly coincide
    w_t, *_ = np.linalg.lstsq(z @ z.T, z @ x.T, rcond=None)
    r = x - w_t.T @ z
    return w_t.T, float(np.einsum("ij,ij->", r, r))


def _search(x: np.ndarray, t: np.ndarray, params: SCODEParams, rng, should_stop) -> tuple[np.ndarray, np.ndarray]:
    """The random search over B; returns (W, b) of the lowest RSS."""
    lo, hi = B_RANGE
    b = rng.uniform(lo, hi, size=params.d)
    w, rss = _fit(x, t, b, rng)
    for it in range(params.iterations):
        if it % _CHECK_EVERY == 0:
            check_stop(should_stop)
        cand = b.copy()
        cand[rng.integers(params.d)] = rng.uniform(lo, hi)
        w_new, rss_new = _fit(x, t, cand, rng)
        if rss_new < rss:
            b, w, rss = cand, w_new, rss_new
    return w, b


def scode(dataset: Dataset, pairs: pd.DataFrame, params: SCODEParams, *, train=None, seed: int = 0,
          progress=no_progress, should_stop=never_stop, device: str = "cpu") -> np.ndarray:
    """SCODE scores ``|A[target, regulator]|`` (float64) for the rows of ``pairs``; unsupervised
    (``train`` is ignored). `InputError` when the samples carry no usable time (`scode_needs`)."""
    axes = time_axes(dataset)
    if not axes:
        raise InputError(scode_needs(dataset), where="scode",
                         fix="load a PseudoTime.csv (BEELINE) or a samples table with a pseudotime column")
    x_all = _expression(dataset)
    reg, tgt = pair_rows(pairs, dataset)
    best = np.zeros(len(pairs))
    total = len(axes) * params.n_runs
    for li, (name, t_all) in enumerate(axes):
        cells = np.isfinite(t_all)
        t = t_all[cells]
        t = (t - t.min()) / (t.max() - t.min())
        x = x_all[:, cells]
        a = np.zeros(len(pairs))
        for run in range(params.n_runs):
            rng = np.random.default_rng([int(seed) % (2 ** 63), li, run])
            w, b = _search(x, t, params, rng, should_stop)
            left, right = w * b, np.linalg.pinv(w)      # A = (W diag b) W^+
            for s in range(0, len(pairs), _PAIR_CHUNK):
                sl = slice(s, s + _PAIR_CHUNK)
                a[sl] += np.einsum("pk,kp->p", left[tgt[sl]], right[:, reg[sl]])
            progress(li * params.n_runs + run + 1, total, f"{name}: run {run + 1}/{params.n_runs}")
        np.maximum(best, np.abs(a / params.n_runs), out=best)
    return best

"""Benchmark: grncore's blockwise `pearson` vs numpy.corrcoef and vs one BLAS product.

    .venv/bin/python bench/pearson_vs_corrcoef.py [--genes 2000] [--samples 5000]
                                                  [--mem-genes 20000] [--mem-samples 5000]

1. Speed, on a random genes x samples float32 matrix, all candidate pairs (every gene a TF, no
   self-loops: genes * (genes - 1) pairs, a categorical pair frame as grncore.bench builds it):
   - ours: ``methods.score_pairs(dataset, pairs, "pearson")``; the pairs are the canonical
     candidate grid, so this takes the grid path (standardise, TF-row blocks of one gemm each
     against the genes not yet covered, written into the result with the self-loop dropped);
   - ``numpy.corrcoef`` (float64, the whole matrix) + gathering the same pairs;
   - one BLAS product ``Z @ Z.T`` of the standardised float32 matrix (numpy calls syrk);
   - the parts: `standardize` now (one compiled pass per row) and as it was before (numpy
     ufuncs on 32-row blocks), both in the same run.
   Target: ours within 1.2x of the BLAS product.
2. Memory, all pairs of a larger matrix, in a fresh child process: tracemalloc peak of
   ``score_pairs`` (numpy reports its allocations to tracemalloc) and the growth of the peak RSS
   during the call, against the size of the result and of a genes x genes matrix.

Prints best-of-3 wall times and ratios. A benchmark, not a test: it never fails on timings.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from grncore import methods  # noqa: E402
from grncore.bench.pairs import candidate_pairs  # noqa: E402
from grncore.data import Dataset  # noqa: E402
from grncore.methods.correlation import standardize  # noqa: E402


def _dataset(n_genes: int, n_samples: int, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_genes, n_samples)).astype(np.float32)
    X[1] = X[0] + 0.5 * X[1]  # one real correlation
    return Dataset.create(pd.DataFrame(X, index=[f"g{i}" for i in range(n_genes)],
                                       columns=[f"s{j}" for j in range(n_samples)]), name="random")


def best_of(fn, repeat: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def standardize_before(X: np.ndarray) -> np.ndarray:
    """`standardize` as it was before the compiled pass: numpy ufuncs on 32-row blocks (kept here
    for the side-by-side)."""
    Z = np.empty(X.shape, dtype=np.float32)
    for s in range(0, X.shape[0], 32):
        x = np.asarray(X[s:s + 32], dtype=np.float32)
        z = Z[s:s + 32]
        mu = x.mean(axis=1, dtype=np.float64, keepdims=True).astype(np.float32)
        np.subtract(x, mu, out=z)
        norm = np.sqrt(np.add.reduce(np.square(z), axis=1, dtype=np.float64))[:, None]
        scale = np.divide(1.0, norm, out=np.zeros_like(norm), where=norm > 1e-6 * np.sqrt(x.shape[1]))
        z *= scale.astype(np.float32)
    return Z


def speed(n_genes: int, n_samples: int, repeat: int = 5) -> None:
    ds = _dataset(n_genes, n_samples)
    pairs = candidate_pairs(ds)
    r = pairs.regulator.cat.codes.to_numpy()
    t = pairs.target.cat.codes.to_numpy()
    X = ds.expression.to_numpy()
    Z = standardize(X)
    t_ours = t_blas = t_std = t_old = float("inf")
    for _ in range(repeat):   # interleaved, so load changes hit every variant alike
        t_ours = min(t_ours, best_of(lambda: methods.score_pairs(ds, pairs, "pearson"), 1)[0])
        t_blas = min(t_blas, best_of(lambda: Z @ Z.T, 1)[0])
        t_std = min(t_std, best_of(lambda: standardize(X), 1)[0])
        t_old = min(t_old, best_of(lambda: standardize_before(X), 1)[0])
    ours = methods.score_pairs(ds, pairs, "pearson")
    np.testing.assert_allclose(standardize(X), standardize_before(X), atol=1e-7)  # summation order only
    t_corr, ref = best_of(lambda: np.abs(np.corrcoef(X))[r, t], 1)
    err = float(np.abs(ours - ref).max())
    print(f"speed: {n_genes} genes x {n_samples} samples, {len(pairs):,} pairs (all candidate pairs), "
          f"best of {repeat} interleaved")
    print(f"  ours (score_pairs 'pearson')        {t_ours:8.3f} s")
    print(f"  one BLAS product Z @ Z.T (float32)  {t_blas:8.3f} s   ours / BLAS      = {t_ours / t_blas:5.2f}  (target <= 1.2)")
    print(f"  standardize (compiled row passes)   {t_std:8.3f} s   = {t_std / t_blas:4.2f} BLAS")
    print(f"  standardize before (numpy, blocks)  {t_old:8.3f} s   = {t_old / t_blas:4.2f} BLAS")
    print(f"  rest of ours (check, copy)          {t_ours - t_std - t_blas:8.3f} s")
    print(f"  numpy.corrcoef + gather (float64)   {t_corr:8.3f} s   corrcoef / ours  = {t_corr / t_ours:5.2f}")
    print(f"  max |ours - corrcoef| = {err:.2e}")


def _rss_peak() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024   # Linux: KiB


def memory(n_genes: int, n_samples: int) -> None:
    ds = _dataset(n_genes, n_samples, seed=1)
    pairs = candidate_pairs(ds)
    rss0 = _rss_peak()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    t0 = time.perf_counter()
    scores = methods.score_pairs(ds, pairs, "pearson")
    seconds = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    rss = _rss_peak() - rss0
    result = scores.nbytes
    dense = n_genes * n_genes * 4
    print(f"memory: {n_genes} genes x {n_samples} samples, {len(pairs):,} pairs, {seconds:.1f} s (fresh process)")
    print(f"  result (float64 per pair)       {result / 2**20:9.1f} MiB")
    print(f"  tracemalloc peak of the call    {peak / 2**20:9.1f} MiB   peak / result = {peak / result:4.2f}")
    print(f"  peak RSS growth during the call {rss / 2**20:9.1f} MiB   growth / result = {rss / result:4.2f}")
    print(f"  (input {n_genes * n_samples * 4 / 2**20:.1f} MiB float32, pair frame "
          f"{pairs.memory_usage(deep=True).sum() / 2**20:.1f} MiB, both made before the call; a genes x genes "
          f"float64 matrix would be {2 * dense / 2**20:.1f} MiB)")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--genes", type=int, default=2000)
    ap.add_argument("--samples", type=int, default=5000)
    ap.add_argument("--mem-genes", type=int, default=20000)
    ap.add_argument("--mem-samples", type=int, default=5000)
    ap.add_argument("--memory-only", action="store_true", help="run only the memory part (the child process)")
    a = ap.parse_args(argv)
    if a.memory_only:
        memory(a.mem_genes, a.mem_samples)
        return
    speed(a.genes, a.samples)
    subprocess.run([sys.executable, __file__, "--memory-only", "--mem-genes", str(a.mem_genes),
                    "--mem-samples", str(a.mem_samples)], check=True)


if __name__ == "__main__":
    main()

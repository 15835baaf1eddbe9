"""Benchmark: grncore's blockwise `pearson` vs numpy.corrcoef and vs one BLAS product.

    .venv/bin/python bench/pearson_vs_corrcoef.py [--genes 2000] [--samples 5000]
                                                  [--mem-genes 6000] [--mem-samples 500]

1. Speed, on a random genes x samples float32 matrix, all candidate pairs (every gene a TF, no
   self-loops: genes * (genes - 1) pairs, a categorical pair frame as grncore.bench builds it):
   - ours: ``methods.score_pairs(dataset, pairs, "pearson")``; the pairs are the canonical
     candidate grid, so this takes the grid path (standardise, TF-row blocks of one gemm each
     against the genes not yet covered, written into the result with the self-loop dropped);
   - ``numpy.corrcoef`` (float64, the whole matrix) + gathering the same pairs;
   - one BLAS product ``Z @ Z.T`` of the standardised float32 matrix (numpy calls syrk).
   Target: ours within 1.5x of the BLAS product.
2. Memory, all pairs of a larger matrix: tracemalloc peak of ``score_pairs`` (numpy reports its
   allocations to tracemalloc) against the size of the result and of a genes x genes matrix.

Prints best-of-3 wall times and ratios. A benchmark, not a test: it never fails on timings.
"""

from __future__ import annotations

import argparse
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


def speed(n_genes: int, n_samples: int) -> None:
    ds = _dataset(n_genes, n_samples)
    pairs = candidate_pairs(ds)
    r = pairs.regulator.cat.codes.to_numpy()
    t = pairs.target.cat.codes.to_numpy()
    X = ds.expression.to_numpy()
    Z = standardize(X)
    t_ours, ours = best_of(lambda: methods.score_pairs(ds, pairs, "pearson"))
    t_std, _ = best_of(lambda: standardize(X))
    t_blas, _ = best_of(lambda: Z @ Z.T)
    t_corr, ref = best_of(lambda: np.abs(np.corrcoef(X))[r, t])
    err = float(np.abs(ours - ref).max())
    print(f"speed: {n_genes} genes x {n_samples} samples, {len(pairs):,} pairs (all candidate pairs)")
    print(f"  ours (score_pairs 'pearson')        {t_ours:8.3f} s")
    print(f"  one BLAS product Z @ Z.T (float32)  {t_blas:8.3f} s   ours / BLAS      = {t_ours / t_blas:5.2f}  (target <= 1.5)")
    print(f"  standardise + BLAS product          {t_std + t_blas:8.3f} s   ours / (std+BLAS) = {t_ours / (t_std + t_blas):5.2f}")
    print(f"  numpy.corrcoef + gather (float64)   {t_corr:8.3f} s   corrcoef / ours  = {t_corr / t_ours:5.2f}")
    print(f"  max |ours - corrcoef| = {err:.2e}")


def memory(n_genes: int, n_samples: int) -> None:
    ds = _dataset(n_genes, n_samples, seed=1)
    pairs = candidate_pairs(ds)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    t0 = time.perf_counter()
    scores = methods.score_pairs(ds, pairs, "pearson")
    seconds = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    result = scores.nbytes
    dense = n_genes * n_genes * 4
    print(f"memory: {n_genes} genes x {n_samples} samples, {len(pairs):,} pairs, {seconds:.2f} s")
    print(f"  result (float64 per pair)       {result / 2**20:9.1f} MiB")
    print(f"  peak allocated during the call  {peak / 2**20:9.1f} MiB   peak / result = {peak / result:4.2f}")
    print(f"  (a genes x genes float32 matrix would be {dense / 2**20:.1f} MiB; a float64 one {2 * dense / 2**20:.1f} MiB;")
    print(f"   the standardised rows are {n_genes * n_samples * 4 / 2**20:.1f} MiB, one 512-TF block "
          f"{512 * n_genes * 9 / 2**20:.1f} MiB (product, reordered copy, self-loop mask))")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--genes", type=int, default=2000)
    ap.add_argument("--samples", type=int, default=5000)
    ap.add_argument("--mem-genes", type=int, default=6000)
    ap.add_argument("--mem-samples", type=int, default=500)
    a = ap.parse_args(argv)
    speed(a.genes, a.samples)
    memory(a.mem_genes, a.mem_samples)


if __name__ == "__main__":
    main()

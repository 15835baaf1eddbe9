"""Benchmark: a large sparse ``.h5ad`` through ``grncore validate --normalize yes --top-genes N``.

    python bench/sparse_h5ad.py                                   # 50,000 cells x 30,000 genes, 5 %
    python bench/sparse_h5ad.py --cells 5000 --genes 3000         # a quick run
    python bench/sparse_h5ad.py --cells 30000 --genes 20000 --dense-reference   # + the old path

The file (cells x genes CSR counts, seeded) is written with anndata in blocks of cells (an empty
``X`` is replaced by ``anndata.io.write_elem`` of the first block, then
``anndata.io.sparse_dataset(...).append`` of the others), so the generator never holds more than
one block; it goes to ``bench/out/`` (git-ignored) and is deleted afterwards unless ``--keep``.
Counts: each gene is detected in a cell with a gene-specific probability (mean ``--density``),
detected values are ``1 + Poisson(mean_g x library_c)``, and 10 % of the genes rise along an
``obs["pseudotime"]`` column, in detection rate (x 0.2 to 1.8) and in level (x 0.2 to 6.2), so
the BEELINE spline F-test on pseudotime is what selects genes.

Each measurement runs in a wrapper process that starts one child and reads the child's peak
resident memory with ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` and its wall time:

- ``sparse``: ``python -m grncore validate --expression big.h5ad --normalize yes --top-genes N``
  (the CLI as a user runs it; the matrix stays CSR until the selected genes are made dense);
- ``dense`` (with ``--dense-reference``, only for sizes that fit the machine): the previous path,
  ``preprocess(read_h5ad(big.h5ad), normalize="yes", n_top_genes=N)`` -- the whole matrix dense,
  then normalised and selected -- with ``GRN_MAX_DENSE_BYTES`` raised so it may run.

Prints peak RSS and time next to the sparse matrix's bytes (``data + indices + indptr``, what the
reader holds) and their ratio (target: peak < 3x the sparse bytes, < 60 s), and checks that both
paths made the same selection. A benchmark, not a test: nothing here gates CI.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"

WRAPPER = """
import json, resource, subprocess, sys, time
t = time.perf_counter()
p = subprocess.run(sys.argv[1:], capture_output=True, text=True)
dt = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
print(json.dumps({"rc": p.returncode, "seconds": dt, "peak": peak, "stdout": p.stdout, "stderr": p.stderr[-2000:]}))
"""

DENSE_CHILD = """
import json, sys
from grncore.data import read_h5ad
from grncore.data.preprocess import preprocess, selection_of
ds = preprocess(read_h5ad(sys.argv[1]), normalize="yes", n_top_genes=int(sys.argv[2]))
print(json.dumps({"genes": ds.n_genes, "samples": ds.n_samples, "selection": selection_of(ds).as_dict()}))
"""


def generate(path: Path, n_cells: int, n_genes: int, density: float, seed: int = 0,
             block: int = 500, pseudotime: bool = True) -> dict:
    """Write a cells x genes CSR count matrix to ``path`` block by block; return its sizes.
    Without ``pseudotime`` the obs table has no column (the selection then uses the dispersion
    test, as for a plain 10x file)."""
    import anndata
    import h5py
    import pandas as pd
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    w = np.exp(rng.normal(0.0, 0.8, n_genes))
    p_detect = np.minimum(density * w / w.mean(), 0.9).astype(np.float32)
    mean = np.exp(rng.normal(0.0, 1.0, n_genes))
    dynamic = rng.random(n_genes) < 0.1
    t = rng.uniform(0.0, 1.0, n_cells)
    lib = np.exp(rng.normal(0.0, 0.3, n_cells))
    obs = pd.DataFrame({"pseudotime": t} if pseudotime else {}, index=[f"cell{j}" for j in range(n_cells)])
    var = pd.DataFrame(index=[f"gene{i}" for i in range(n_genes)])
    anndata.AnnData(obs=obs, var=var).write_h5ad(path)
    nnz = 0
    with h5py.File(path, "a") as f:
        stored = None
        for s in range(0, n_cells, block):
            e = min(s + block, n_cells)
            rise = np.where(dynamic, 0.2 + 1.6 * t[s:e, None], 1.0).astype(np.float32)
            mask = rng.random((e - s, n_genes), dtype=np.float32) < p_detect * rise
            del rise
            rows, cols = np.nonzero(mask)
            del mask
            lam = mean[cols] * lib[s + rows] * np.where(dynamic[cols], 0.2 + 6.0 * t[s + rows], 1.0)
            data = (1 + rng.poisson(lam)).astype(np.float32)
            indptr = np.concatenate(([0], np.cumsum(np.bincount(rows, minlength=e - s))))
            chunk = sp.csr_matrix((data, cols.astype(np.int32), indptr.astype(np.int32)),
                                  shape=(e - s, n_genes))
            nnz += chunk.nnz
            if stored is None:
                anndata.io.write_elem(f, "X", chunk)
                stored = anndata.io.sparse_dataset(f["X"])
            else:
                stored.append(chunk)
        g = f["X"]
        sparse_bytes = sum(g[k].size * g[k].dtype.itemsize for k in ("data", "indices", "indptr"))
    return {"nnz": nnz, "sparse_bytes": int(sparse_bytes), "file_bytes": path.stat().st_size}


def measure(cmd: list[str], env: dict | None = None) -> dict:
    proc = subprocess.run([sys.executable, "-c", WRAPPER, *cmd], capture_output=True, text=True,
                          cwd=ROOT, env=env)
    if proc.returncode:
        raise SystemExit(f"wrapper failed: {proc.stderr}")
    out = json.loads(proc.stdout)
    if out["rc"]:
        raise SystemExit(f"{' '.join(cmd[:4])} ... failed ({out['rc']}): {out['stderr']}")
    out["result"] = json.loads(out.pop("stdout").strip().splitlines()[-1])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cells", type=int, default=50_000)
    ap.add_argument("--genes", type=int, default=30_000)
    ap.add_argument("--density", type=float, default=0.05)
    ap.add_argument("--top-genes", type=int, default=500)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dense-reference", action="store_true",
                    help="also run the previous dense path (needs ~2.5x cells x genes x 4 bytes of RAM)")
    ap.add_argument("--no-pseudotime", action="store_true",
                    help="no obs column: select by the dispersion test (a plain 10x file)")
    ap.add_argument("--keep", action="store_true", help="keep the generated file")
    args = ap.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"sparse_{args.cells}x{args.genes}_{args.density:g}_s{args.seed}.h5ad"
    start = time.perf_counter()
    sizes = generate(path, args.cells, args.genes, args.density, args.seed,
                     pseudotime=not args.no_pseudotime)
    gen_s = time.perf_counter() - start
    gen_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    try:
        runs = {"sparse": measure([sys.executable, "-m", "grncore", "validate", "--expression", str(path),
                                   "--normalize", "yes", "--top-genes", str(args.top_genes)], env)}
        if args.dense_reference:
            dense_env = dict(env, GRN_MAX_DENSE_BYTES=str(1 << 40))
            runs["dense"] = measure([sys.executable, "-c", DENSE_CHILD, str(path), str(args.top_genes)], dense_env)
    finally:
        if not args.keep:
            path.unlink(missing_ok=True)

    sb = sizes["sparse_bytes"]
    dense_full = 4 * args.cells * args.genes
    mib = 2**20
    print(f"{args.cells:,} cells x {args.genes:,} genes, {sizes['nnz']:,} non-zeros "
          f"({sizes['nnz'] / (args.cells * args.genes):.2%}); file {sizes['file_bytes'] / mib:,.0f} MiB; "
          f"sparse matrix (data+indices+indptr) {sb / mib:,.0f} MiB; dense float32 would be "
          f"{dense_full / mib:,.0f} MiB; selection test: "
          f"{'dispersion (no pseudotime)' if args.no_pseudotime else 'spline F-test on obs pseudotime'}")
    print(f"generator: {gen_s:.1f} s, its own peak RSS {gen_peak / mib:,.0f} MiB")
    print()
    print("| path | seconds | peak RSS MiB | peak / sparse bytes | genes kept | selection |")
    print("| --- | --- | --- | --- | --- | --- |")
    for label, r in runs.items():
        sel = r["result"]["selection"]
        print(f"| {label} | {r['seconds']:.1f} | {r['peak'] / mib:,.0f} | {r['peak'] / sb:.2f} | "
              f"{r['result']['genes']:,} | {sel['tfs_kept']} of {sel['tfs_in']} TFs + {sel['others_kept']} of "
              f"{sel['others_pool']:,} {sel['pool']} |")
    if "dense" in runs:
        same = runs["dense"]["result"]["selection"] == runs["sparse"]["result"]["selection"]
        print(f"\nsame selection on both paths: {same}; dense / sparse peak "
              f"{runs['dense']['peak'] / runs['sparse']['peak']:.2f}x, time "
              f"{runs['dense']['seconds'] / runs['sparse']['seconds']:.2f}x")
    r = runs["sparse"]
    print(f"target (peak < 3x sparse bytes, < 60 s): peak {r['peak'] / sb:.2f}x, {r['seconds']:.1f} s -> "
          f"{'met' if r['peak'] < 3 * sb and r['seconds'] < 60 else 'NOT met'}")


if __name__ == "__main__":
    main()

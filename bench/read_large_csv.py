"""Benchmark: read a large count CSV with `grncore.data.load`, then `preprocess` it.

    python bench/read_large_csv.py                 # 20,000 genes x 5,000 cells (~0.3 GB CSV)
    python bench/read_large_csv.py --genes 2000 --cells 1000   # a quick run

The CSV (genes x cells, first column gene names, simulator-like negative-binomial counts with
library-size variation, a block of cell-state genes and dropout) is generated once with NumPy +
pyarrow and cached under ``bench/out/`` (git-ignored). Each measurement runs in a fresh Python
subprocess so that its wall time and peak resident memory (``VmHWM`` from /proc/self/status, the
kernel's high-water mark; reset with /proc/self/clear_refs where allowed) are not polluted by the
others:

- ``pandas.read_csv(path, index_col=0)``: the reference reader, measured in the same run;
- ``pandas.read_csv(..., engine="pyarrow")``: a second reference, when pyarrow is installed;
- ``grncore.data.load(path)``: our reader with validation (float32 genes x samples `Dataset`);
- ``preprocess(ds, normalize="auto", n_top_genes=1000)`` on the loaded dataset (its own peak is
  measured after resetting the high-water mark).

Prints a table with seconds, peak RSS and the ratios to the pandas reference. A benchmark, not a
test: nothing here gates CI on wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"


def generate(path: Path, n_genes: int, n_cells: int, seed: int = 0, chunk: int = 1000) -> None:
    """Write a genes x cells count CSV: NB counts (Gamma-Poisson) with log-normal gene means,
    log-normal library sizes, 10 % of genes switched on in a random half of the cells (a cell
    state), and 10 % extra zeros. Written by pyarrow in chunks of genes (no Python loop per value)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(seed)
    cells = [f"cell{j + 1}" for j in range(n_cells)]
    lib = np.exp(rng.normal(0.0, 0.4, n_cells))
    state = rng.random(n_cells) < 0.5
    tmp = path.with_suffix(".tmp")
    schema = pa.schema([("gene", pa.string())] + [(c, pa.int32()) for c in cells])
    opts = pacsv.WriteOptions(include_header=True, quoting_style="needed")
    with pacsv.CSVWriter(str(tmp), schema, write_options=opts) as writer:
        for start in range(0, n_genes, chunk):
            g = min(chunk, n_genes - start)
            mean = np.exp(rng.normal(0.0, 1.5, (g, 1)))
            switched = rng.random((g, 1)) < 0.1
            mu = mean * lib * np.where(switched & state, 8.0, 1.0)
            mu = mu * rng.gamma(5.0, 0.2, mu.shape)                  # NB dispersion 0.2
            counts = rng.poisson(mu).astype(np.int32)
            counts[rng.random(counts.shape) < 0.1] = 0
            arrays = [pa.array([f"G{start + i + 1}" for i in range(g)])]
            arrays += [pa.array(counts[:, j]) for j in range(n_cells)]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
    tmp.replace(path)


_CHILD = r"""
import json, sys, time
sys.path.insert(0, {root!r})
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
def reset():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False
what, path = sys.argv[1], sys.argv[2]
import numpy, pandas
import grncore.data
from grncore.data.preprocess import preprocess
out = {{"base_mb": rss()}}
t = time.perf_counter()
if what == "pandas":
    df = pandas.read_csv(path, index_col=0)
    out["shape"] = list(df.shape)
elif what == "pandas-pyarrow":
    df = pandas.read_csv(path, index_col=0, engine="pyarrow")
    out["shape"] = list(df.shape)
else:
    ds = grncore.data.load(path)
    out["shape"] = list(ds.expression.shape)
out["seconds"] = time.perf_counter() - t
out["peak_mb"] = hwm()
if what == "load+preprocess":
    out["reset"] = reset()
    out["before_mb"] = rss()
    t = time.perf_counter()
    small = preprocess(ds, normalize="auto", n_top_genes=1000)
    out["pp_seconds"] = time.perf_counter() - t
    out["pp_peak_mb"] = hwm()
    out["pp_shape"] = list(small.expression.shape)
    out["pp_notes"] = [n for n in small.notes if "selected" in n or "detected" in n]
print(json.dumps(out))
"""


def measure(what: str, path: Path) -> dict:
    code = _CHILD.format(root=str(ROOT))
    res = subprocess.run([sys.executable, "-c", code, what, str(path)], capture_output=True,
                         text=True)
    if res.returncode != 0:
        return {"error": (res.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--genes", type=int, default=20_000)
    ap.add_argument("--cells", type=int, default=5_000)
    ap.add_argument("--regenerate", action="store_true")
    args = ap.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"counts_{args.genes}x{args.cells}.csv"
    if args.regenerate or not path.exists():
        t = time.perf_counter()
        generate(path, args.genes, args.cells)
        print(f"generated {path.relative_to(ROOT)} in {time.perf_counter() - t:.1f} s")
    print(f"file: {path.relative_to(ROOT)} ({path.stat().st_size / 2**20:.0f} MiB, "
          f"{args.genes} genes x {args.cells} cells); python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs\n")

    runs = {"pandas": measure("pandas", path)}
    try:
        import pyarrow  # noqa: F401
        runs["pandas-pyarrow"] = measure("pandas-pyarrow", path)
    except ImportError:
        pass
    runs["load+preprocess"] = measure("load+preprocess", path)

    ref = runs["pandas"]
    print(f"{'step':<38}{'seconds':>9}{'peak RSS MiB':>14}{'x pandas time':>15}{'x pandas RSS':>14}")

    def row(label, sec, peak, ratio=True):
        rt = f"{sec / ref['seconds']:.2f}" if ratio and "seconds" in ref else ""
        rm = f"{peak / ref['peak_mb']:.2f}" if ratio and "peak_mb" in ref else ""
        print(f"{label:<38}{sec:>9.2f}{peak:>14.0f}{rt:>15}{rm:>14}")

    for name, label in (("pandas", "pandas.read_csv (reference)"),
                        ("pandas-pyarrow", "pandas.read_csv(engine='pyarrow')"),
                        ("load+preprocess", "grncore.data.load")):
        r = runs.get(name)
        if r is None:
            continue
        if "error" in r:
            print(f"{label:<38} failed: {r['error']}")
            continue
        row(label, r["seconds"], r["peak_mb"])
    r = runs["load+preprocess"]
    if "pp_seconds" in r:
        peak = r["pp_peak_mb"] if r.get("reset") else float("nan")
        row("preprocess(auto, n_top_genes=1000)", r["pp_seconds"], peak, ratio=False)
        print(f"\nafter load: {r['shape'][0]} x {r['shape'][1]}; after preprocess: "
              f"{r['pp_shape'][0]} x {r['pp_shape'][1]}; interpreter baseline "
              f"{r['base_mb']:.0f} MiB; RSS before preprocess {r['before_mb']:.0f} MiB"
              + ("" if r.get("reset") else " (peak not resettable: preprocess peak not shown)"))
        for n in r["pp_notes"]:
            print(f"  note: {n}")


if __name__ == "__main__":
    main()

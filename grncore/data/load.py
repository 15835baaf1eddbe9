"""`load`: the single entry point that turns files (or a folder) into a validated `Dataset`.

Used by the CLI (``python -m grncore validate``) and the Data page (uploads are saved to temporary
files with their original names and passed here as paths).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from .dataset import Dataset
from .errors import InputError
from .io_common import as_path, build_dataset, relocate, sniff, split_line, sniff_delimiter, strip_extensions
from .beeline import find_beeline_files, is_beeline_folder, read_beeline
from .dream4 import is_dream4_folder, read_dream4
from .h5ad import read_h5ad_cells
from .preprocess import preprocess, preprocess_cells
from .sparse import dense_genes
from .tabular import read_expression, read_metadata, read_network, read_tfs

FORMATS = ("auto", "beeline", "dream4", "csv", "h5ad")


def detect_format(path) -> str:
    """``"beeline"``, ``"dream4"``, ``"h5ad"`` or ``"csv"`` for a file or folder (see `load`)."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"file not found ({p})", where=p.name or str(p), fix="check the path and the file name")
    if p.is_dir():
        if is_dream4_folder(p):
            return "dream4"
        if is_beeline_folder(p):
            return "beeline"
        raise InputError("this folder holds neither BEELINE data (ExpressionData.csv, "
                         "BL--ExpressionData.csv.gz) nor DREAM4 data (*timeseries*.tsv)", where=p.name,
                         fix="pass an expression file, or a folder in one of those layouts")
    if p.name.lower().endswith((".h5ad", ".h5")):
        return "h5ad"
    sn = sniff(p, "expression")
    lines = [ln for ln in sn.lines(5) if ln.strip()]
    delim = sniff_delimiter(lines)
    if lines and delim is not None:
        first = split_line(lines[0], delim)
        if first and first[0].strip().lower() == "time":
            return "dream4"
    return "csv"


def _as_network(network) -> tuple[pd.DataFrame | None, str | None]:
    if network is None:
        return None, None
    if isinstance(network, pd.DataFrame):
        net = network.copy()
        renames = {c: k for c in net.columns for k, names in
                   (("regulator", ("gene1", "tf", "source", "regulator")), ("target", ("gene2", "target")))
                   if str(c).lower() in names}
        net = net.rename(columns=renames)
        if "regulator" not in net or "target" not in net:
            raise InputError("the network table needs regulator and target columns", where="network",
                             fix="name the columns regulator, target (or Gene1, Gene2)")
        return net, None
    p = as_path(network, "network")
    return read_network(p), str(p)


def _as_tfs(tfs) -> tuple[list[str] | None, str | None]:
    if tfs is None:
        return None, None
    if isinstance(tfs, (str, Path)):
        p = as_path(tfs, "TF list")
        return read_tfs(p), str(p)
    return [str(t) for t in tfs], None


def _as_metadata(metadata) -> tuple[pd.DataFrame | None, str | None]:
    if metadata is None:
        return None, None
    if isinstance(metadata, pd.DataFrame):
        return metadata, None
    p = as_path(metadata, "sample metadata")
    return read_metadata(p), str(p)


def _merge_samples(base: pd.DataFrame | None, extra: pd.DataFrame | None) -> pd.DataFrame | None:
    if extra is None:
        return base
    if base is None or base.shape[1] == 0:
        return extra
    keep = [c for c in base.columns if c not in extra.columns]
    return extra.join(base[keep], how="outer") if keep else extra


def _metadata_notes(meta: pd.DataFrame | None, samples: pd.Index, label: str) -> list[str]:
    if meta is None or meta.shape[1] == 0:
        return []
    ids = pd.Index([str(i).strip() for i in meta.index])
    notes = []
    missing = samples.difference(ids)
    if 0 < len(missing) < len(samples):
        notes.append(f"{len(missing)} of {len(samples)} samples have no row in {label}")
    unused = ids.difference(samples)
    if len(unused) and len(missing) < len(samples):
        notes.append(f"{len(unused)} rows of {label} name samples absent from the expression (ignored)")
    return notes


def load(expression, network=None, tfs=None, metadata=None, *, format: str = "auto",
         orientation: str = "auto", name: str | None = None, kind: str | None = None,
         normalize: str = "no", n_top_genes: int | None = None) -> Dataset:
    """Read and validate a dataset from files; the one loader behind the CLI and the Data page.

    Parameters
    ----------
    expression : an expression file (CSV/TSV/TXT, gzip allowed; DREAM4 time series; ``.h5ad``)
        or a BEELINE / GENELink / DREAM4 folder.
    network : ground truth (file path or DataFrame) overriding the one found in a folder.
    tfs : TF list (file path or list of names); defaults to the folder's ``TF.csv``, else the
        regulators of the ground truth, else all genes.
    metadata : per-sample metadata (file path or DataFrame indexed by sample id).
    format : ``"auto"`` detects from the path: a folder is DREAM4 (``*timeseries*.tsv``) or
        BEELINE (``ExpressionData.csv``); ``.h5ad`` is AnnData; a text table whose first header
        field is ``Time`` is a DREAM4 time series; anything else is a generic table (``"csv"``).
    orientation : for tables, ``"genes_rows"``, ``"genes_columns"`` or ``"auto"`` (decided by the
        gene names the network shares with the rows or the columns; without a network genes are
        taken as rows and a note says the orientation was guessed).
    name, kind : override the dataset name (default: file/folder name) and kind (default:
        ``time_series`` for DREAM4 or metadata with time and experiment, else ``single_cell``).
    normalize, n_top_genes : when ``normalize`` is not ``"no"`` or ``n_top_genes`` is given, the
        dataset is `preprocess`ed (``"auto"`` / ``"yes"``: library-size normalisation + log1p;
        ``n_top_genes``: BEELINE selection of the significant TFs + N most variable genes). A
        sparse ``.h5ad`` matrix goes through `preprocess_cells` instead, so only the selected
        genes are ever dense; without selection its dense genes x cells float32 matrix must fit
        ``GRN_MAX_DENSE_BYTES`` (default 4 GiB), else an `InputError` asks for ``n_top_genes``.

    Raises `InputError` (naming the file, line/column/gene and a fix) for any bad input.
    """
    if format not in FORMATS:
        raise InputError(f"unknown format {format!r}", fix=f"use one of {', '.join(FORMATS)}")
    if normalize not in ("auto", "yes", "no"):
        raise InputError(f"unknown normalize option {normalize!r}", fix="use auto, yes or no")
    if n_top_genes is not None and (isinstance(n_top_genes, bool) or not isinstance(n_top_genes, (int, np.integer))
                                    or n_top_genes < 1):
        raise InputError(f"the number of genes to select must be a positive integer, not {n_top_genes!r}",
                         fix="use e.g. 500 or 1000 (BEELINE's choices)")
    p = Path(expression)
    if not p.exists():
        raise InputError(f"file not found ({p})", where=p.name or str(p), fix="check the path and the file name")
    fmt = detect_format(p) if format == "auto" else format
    net, net_file = _as_network(network)
    tf_list, tf_file = _as_tfs(tfs)
    meta, meta_file = _as_metadata(metadata)
    if fmt == "h5ad":
        return _load_h5ad(p, net, tf_list, meta, net_file=net_file, tf_file=tf_file, meta_file=meta_file,
                          name=name, kind=kind, normalize=normalize, n_top_genes=n_top_genes)
    ds = _load_other(p, fmt, net, tf_list, meta, net_file=net_file, tf_file=tf_file, meta_file=meta_file,
                     orientation=orientation, name=name, kind=kind)
    if normalize != "no" or n_top_genes is not None:
        ds = preprocess(ds, normalize=normalize, n_top_genes=n_top_genes)
    return ds


def _load_h5ad(p: Path, net, tf_list, meta, *, net_file, tf_file, meta_file, name, kind,
               normalize: str, n_top_genes: int | None) -> Dataset:
    """`load` for an AnnData file: a sparse ``X`` stays sparse through `preprocess_cells`."""
    cells = read_h5ad_cells(p)
    samples = _merge_samples(cells.samples, meta)
    fields = dict(name=name or strip_extensions(p.name), kind=kind or "single_cell",
                  source=f"h5ad: {p}" + _extra_sources(net_file, tf_file, meta_file),
                  notes=_metadata_notes(meta, pd.Index([str(c).strip() for c in cells.cells]),
                                        Path(meta_file or "metadata").name))
    files = {"network": net_file, "TF list": tf_file, "sample metadata": meta_file}
    if normalize != "no" or n_top_genes is not None:
        try:
            return preprocess_cells(replace(cells, samples=samples), normalize, n_top_genes,
                                    network=net, tfs=tf_list, where=p.name, **fields)
        except InputError as err:
            raise relocate(err, files) from None
    expr = pd.DataFrame(dense_genes(cells.X, np.arange(cells.n_genes), where=p.name),
                        index=cells.genes, columns=cells.cells, copy=False)
    del cells
    return build_dataset(expr, samples=samples, network=net, tfs=tf_list, where=p.name,
                         network_file=net_file, tfs_file=tf_file, metadata_file=meta_file, **fields)


def _load_other(p: Path, fmt: str, net, tf_list, meta, *, net_file, tf_file, meta_file,
                orientation: str, name, kind) -> Dataset:
    """`load` for tables and folders (everything but AnnData), before preprocessing."""
    notes: list[str] = []
    sources = []

    if fmt in ("beeline", "dream4") and p.is_dir():
        base = read_beeline(p, name=name) if fmt == "beeline" else read_dream4(p, goldstandard=net_file, name=name)
        if net is None and tf_list is None and meta is None and kind is None:
            return base
        expr, samples, where = base.expression, base.samples, p.name
        net = net if net is not None else base.network
        net_file = net_file or ("(from folder)" if base.network is not None else None)
        if tf_list is None and (fmt == "dream4" or find_beeline_files(p)["tfs"] is not None):
            tf_list = list(base.tfs)
        samples = _merge_samples(samples if samples.shape[1] else None, meta)
        return build_dataset(expr, samples=samples, network=net, tfs=tf_list, name=base.name,
                             kind=kind or base.kind, source=base.source + _extra_sources(net_file, tf_file, meta_file),
                             extras=base.extras, notes=list(base.notes) + _metadata_notes(meta, expr.columns, Path(meta_file or "metadata").name),
                             where=where, network_file=net_file, tfs_file=tf_file, metadata_file=meta_file)
    if fmt == "dream4":
        as_path(p, "time series")
        base = read_dream4(p, goldstandard=net_file, name=name)
        if net is not None and net_file is None:
            base = base.with_(network=net)
        samples = _merge_samples(base.samples, meta)
        return build_dataset(base.expression, samples=samples, network=base.network,
                             tfs=tf_list if tf_list is not None else list(base.tfs), name=base.name,
                             kind=kind or "time_series", source=base.source + _extra_sources(None, tf_file, meta_file),
                             extras=base.extras, notes=list(base.notes), where=p.name,
                             network_file=net_file, tfs_file=tf_file, metadata_file=meta_file)
    if fmt not in ("csv", "beeline"):
        raise InputError(f"format {fmt!r} needs a folder", where=p.name, fix="pass the folder")
    if p.is_dir():
        raise InputError("expected an expression file but this is a folder", where=p.name,
                         fix="use format='auto', 'beeline' or 'dream4' for folders")
    if fmt == "beeline" and orientation == "auto":
        orientation = "genes_rows"  # the BEELINE convention, not a guess
    genes = None
    if net is not None:
        genes = set(net["regulator"].astype(str)) | set(net["target"].astype(str))
    expr, used, guessed = read_expression(p, orientation=orientation, network_genes=genes)
    if guessed:
        notes.append("orientation guessed: genes were taken as rows (the BEELINE convention) because "
                     + ("no network gene matched the row or column names" if genes else "no network was given to check against")
                     + "; if genes are columns, load again with orientation='genes_columns' "
                       "(Data page: 'Genes are columns')")
    elif orientation == "auto" and used == "genes_columns":
        notes.append("genes were found in the columns (cells x genes table) and the table was transposed")
    samples = meta
    if kind is None:
        kind = "time_series" if meta is not None and {"time", "experiment"} <= set(meta.columns) else "single_cell"
    return build_dataset(expr, samples=samples, network=net, tfs=tf_list, name=name or strip_extensions(p.name),
                         kind=kind, source=f"{fmt}: {p}" + _extra_sources(net_file, tf_file, meta_file),
                         notes=notes + _metadata_notes(meta, expr.columns, Path(meta_file or "metadata").name),
                         where=p.name, network_file=net_file, tfs_file=tf_file, metadata_file=meta_file)


def _extra_sources(net_file, tf_file, meta_file) -> str:
    parts = [f"{k}: {v}" for k, v in (("network", net_file), ("tfs", tf_file), ("metadata", meta_file))
             if v and v != "(from folder)"]
    return ("; " + "; ".join(parts)) if parts else ""


def load_folder(path, **kwargs) -> Dataset:
    """`load` for a BEELINE, GENELink or DREAM4 folder (format detected from the files present)."""
    p = Path(path)
    if not p.is_dir():
        raise InputError("expected a folder", where=p.name or str(p),
                         fix="pass a BEELINE or DREAM4 folder, or use load() for a file")
    return load(p, **kwargs)

"""BEELINE scRNA-seq benchmark folders, plain and GENELink-style, and the BEELINE writer.

Plain BEELINE (``inputs/<dataset>/``): ``ExpressionData.csv`` (genes x cells), optional
``PseudoTime.csv``, a ground truth ``refNetwork.csv`` / ``GroundTruthNetwork.csv``
(``Gene1,Gene2[,Type]``) and optionally ``TF.csv``.

GENELink (``<cell>/TFs+500/<STRING|Non-Specific|Specific>/``): ``BL--ExpressionData.csv[.gz]``,
``BL--network.csv`` (edges by name), ``Label.csv`` (``,TF,Target``: row indices into the
expression file), ``TF.csv`` (``,TF,index``) and ``Target.csv`` (``,Gene,index``). The index files
are checked against the expression rows, so files mixed from sibling folders (same genes, other
row order) are caught.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .dataset import Dataset
from .errors import InputError
from .io_common import build_dataset, iter_rows, sniff, sniff_delimiter
from .tabular import read_expression, read_metadata, read_network, read_tfs

_GENELINK_SUBSETS = {"string", "non-specific", "specific", "lofgof"}


def _pick(folder: Path, exact: tuple[str, ...], contains: tuple[str, ...] = ()) -> Path | None:
    files = {p.name.lower(): p for p in folder.iterdir() if p.is_file()}
    for name in exact:
        for ext in ("", ".gz"):
            if (name + ext).lower() in files:
                return files[(name + ext).lower()]
    for frag in contains:
        hits = sorted(p for n, p in files.items() if frag in n and n.endswith((".csv", ".csv.gz", ".tsv", ".txt")))
        if hits:
            return hits[0]
    return None


def find_beeline_files(folder: Path) -> dict:
    """The BEELINE / GENELink files present in ``folder`` (None where absent)."""
    return {
        "expression": _pick(folder, ("ExpressionData.csv", "BL--ExpressionData.csv"), ("expressiondata",)),
        "network": _pick(folder, ("refNetwork.csv", "GroundTruthNetwork.csv", "BL--network.csv",
                                  "network.csv"), ("network",)),
        "pseudotime": _pick(folder, ("PseudoTime.csv",), ("pseudotime",)),
        "tfs": _pick(folder, ("TF.csv", "TFs.csv", "tfs.csv", "tf.txt", "tfs.txt")),
        "label": _pick(folder, ("Label.csv",)),
        "target": _pick(folder, ("Target.csv",)),
    }


def is_beeline_folder(folder: Path) -> bool:
    return find_beeline_files(folder)["expression"] is not None


def _index_table(path: Path, wanted: tuple[str, ...]) -> tuple[str, list[tuple[int, list[str]]], dict]:
    """Rows of a GENELink index file and the positions of the ``wanted`` columns (by header)."""
    sn = sniff(path, "index table")
    delim = sniff_delimiter(sn.lines()) or ","
    rows = [(ln, [f.strip() for f in r]) for ln, r in iter_rows(sn, delim)]
    if not rows:
        raise InputError("the file is empty", where=sn.name, fix="use the file from the same GENELink folder")
    header = [h.lower() for h in rows[0][1]]
    cols = {}
    for w in wanted:
        if w.lower() not in header:
            raise InputError(f"no {w!r} column (header: {rows[0][1][:5]})", where=sn.name,
                             fix=f"a GENELink file has columns {', '.join(wanted)}")
        cols[w] = header.index(w.lower())
    return sn.name, rows[1:], cols


def _row_index(value: str, n: int, name: str, line: int, what: str) -> int:
    try:
        i = int(float(value)) if value.strip() not in ("",) else None
    except ValueError:
        i = None
    if i is None or str(value).strip() in ("nan", "inf") or float(value) != i:
        raise InputError(f"{what} {value[:20]!r} on line {line} is not a row index", where=name,
                         fix="GENELink index files hold 0-based row numbers of the expression file")
    if not 0 <= i < n:
        raise InputError(f"{what} {i} on line {line} is out of range: the expression file has {n} genes "
                         f"(rows 0..{n - 1})", where=name,
                         fix="use the Label/TF/Target files of the same folder as the expression file")
    return i


def _check_index_file(path: Path, genes: pd.Index, name_col: str) -> None:
    """Check that a GENELink ``TF.csv``/``Target.csv`` names the gene at each index it gives."""
    name, rows, cols = _index_table(path, (name_col, "index"))
    for line, r in rows:
        if len(r) <= max(cols.values()):
            continue
        i = _row_index(r[cols["index"]], len(genes), name, line, "index")
        if genes[i] != r[cols[name_col]]:
            raise InputError(f"line {line} says {r[cols[name_col]]!r} is row {i} of the expression, "
                             f"but that row is {genes[i]!r}", where=name,
                             fix="the files come from different folders (STRING, Non-Specific and "
                                 "Specific order their rows differently): use one folder's files")


def read_label_network(path, genes: pd.Index) -> pd.DataFrame:
    """GENELink ``Label.csv`` (TF and Target row indices) as a ``regulator, target`` edge list."""
    name, rows, cols = _index_table(Path(path), ("TF", "Target"))
    regs, tgts = [], []
    for line, r in rows:
        if len(r) <= max(cols.values()):
            raise InputError(f"line {line} has too few fields", where=name, fix="each row needs TF and Target")
        regs.append(genes[_row_index(r[cols["TF"]], len(genes), name, line, "TF index")])
        tgts.append(genes[_row_index(r[cols["Target"]], len(genes), name, line, "Target index")])
    if not regs:
        raise InputError("the label file has no edges", where=name, fix="use a Label.csv with TF,Target rows")
    return pd.DataFrame({"regulator": regs, "target": tgts, "sign": np.zeros(len(regs), np.int8),
                         "weight": np.nan})


def _edge_set(net: pd.DataFrame, genes: pd.Index) -> set:
    g = set(genes)
    return {(a, b) for a, b in zip(net["regulator"], net["target"]) if a != b and a in g and b in g}


def read_beeline(folder, *, name: str | None = None) -> Dataset:
    """Read a BEELINE or GENELink folder (see the module docstring) into a single-cell `Dataset`.

    With both ``BL--network.csv`` and ``Label.csv`` present, their edges (self-loops and absent
    genes aside) must agree; with ``Label.csv`` alone the network is built from it.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("expected a BEELINE folder", where=folder.name, fix="pass the folder holding ExpressionData.csv")
    files = find_beeline_files(folder)
    if files["expression"] is None:
        raise InputError("no ExpressionData.csv (or BL--ExpressionData.csv[.gz]) in this folder",
                         where=folder.name, fix="a BEELINE folder holds a genes x cells ExpressionData.csv")
    expr_path = files["expression"]
    expr, _, _ = read_expression(expr_path, orientation="genes_rows")
    genes = pd.Index(expr.index)
    notes = []
    network, network_file = None, files["network"]
    if network_file is not None:
        network = read_network(network_file)
    if files["label"] is not None:
        label_net = read_label_network(files["label"], genes)
        if network is None:
            network, network_file = label_net, files["label"]
        else:
            a, b = _edge_set(network, genes), _edge_set(label_net, genes)
            if a != b:
                extra, missing = sorted(b - a), sorted(a - b)
                ex = (extra or missing)[0]
                raise InputError(f"{files['label'].name} and {network_file.name} disagree: "
                                 f"{len(extra)} labelled edges are not in the network and {len(missing)} "
                                 f"network edges are not labelled (e.g. {ex[0]} -> {ex[1]})",
                                 where=files["label"].name,
                                 fix="use the Label.csv of the same folder as the expression and network files")
    if files["target"] is not None:
        _check_index_file(files["target"], genes, "Gene")
    tfs, tfs_file = None, files["tfs"]
    if tfs_file is not None:
        tfs = read_tfs(tfs_file)
        if files["label"] is not None or files["target"] is not None:
            try:
                _index_table(tfs_file, ("TF", "index"))
                has_index = True
            except InputError:
                has_index = False
            if has_index:
                _check_index_file(tfs_file, genes, "TF")
    samples = None
    if files["pseudotime"] is not None:
        samples = read_metadata(files["pseudotime"])
        missing = expr.columns.difference(samples.index)
        if len(missing) and len(missing) < len(expr.columns):
            notes.append(f"{len(missing)} cells have no pseudotime in {files['pseudotime'].name}")
    if name is None:
        parts = folder.resolve().parts
        name = " ".join(parts[-3:]) if folder.name.lower() in _GENELINK_SUBSETS and len(parts) >= 3 \
            else folder.name
    used = [f for f in (expr_path, network_file, files["label"] if files["label"] != network_file else None,
                        files["pseudotime"], tfs_file) if f is not None]
    return build_dataset(expr, samples=samples, network=network, tfs=tfs, name=name, kind="single_cell",
                         source="beeline: " + "; ".join(str(f) for f in used), notes=notes,
                         where=expr_path.name, network_file=network_file, tfs_file=tfs_file,
                         metadata_file=files["pseudotime"])


# ---------------------------------------------------------------------- writer
def write_beeline(dataset: Dataset, out_dir) -> dict[str, Path]:
    """Write ``dataset`` as a plain BEELINE folder; returns {part: path}.

    ``ExpressionData.csv`` (genes x cells, first column the gene names), ``refNetwork.csv``
    (``Gene1,Gene2,Type`` with ``+``/``-``, ``Type`` empty for unknown sign, or ``Gene1,Gene2``
    when no sign is known), ``PseudoTime.csv`` when the samples have a pseudotime (BEELINE
    lineage columns ``PseudoTime1..k`` kept when present) and ``TF.csv`` (a ``TF`` column).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    path = out / "ExpressionData.csv"
    dataset.expression.to_csv(path, float_format="%.9g", index_label="")
    written["expression"] = path
    if dataset.network is not None:
        net = dataset.network
        frame = pd.DataFrame({"Gene1": net["regulator"], "Gene2": net["target"]})
        if (net["sign"] != 0).any():
            frame["Type"] = net["sign"].map({1: "+", -1: "-"}).fillna("")
        path = out / "refNetwork.csv"
        frame.to_csv(path, index=False)
        written["network"] = path
    s = dataset.samples
    lineages = [c for c in s.columns if str(c).lower().startswith("pseudotime") and str(c) != "pseudotime"]
    if lineages or ("pseudotime" in s and s["pseudotime"].notna().any()):
        pt = s[lineages] if lineages else s[["pseudotime"]].rename(columns={"pseudotime": "PseudoTime"})
        path = out / "PseudoTime.csv"
        pt.to_csv(path, float_format="%.17g", na_rep="NA", index_label="")
        written["pseudotime"] = path
    path = out / "TF.csv"
    pd.DataFrame({"TF": list(dataset.tfs)}).to_csv(path, index=False)
    written["tfs"] = path
    return written

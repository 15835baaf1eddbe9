"""Generic text readers: expression matrices, networks, TF lists, sample metadata.

All of them accept CSV, TSV, semicolon- or whitespace-separated text, gzip-compressed or not, and
raise `InputError` (file name, line/column/gene, and a fix) for bad input. Expression matrices are
parsed by pyarrow (multi-threaded, float32) so that a 20,000 x 5,000 table reads in seconds; when
pyarrow refuses a file, the file is scanned line by line to name the exact bad line and value.
"""

from __future__ import annotations

import re
from typing import Iterable

import numpy as np
import pandas as pd

from .errors import InputError
from .io_common import (DELIMITER_NAMES, nfields, NULL_VALUES, WHITESPACE, Sniffed, is_number,
                        is_number_or_null, iter_rows, looks_decimal, open_text, reading, sniff,
                        sniff_delimiter, split_line)

ORIENTATIONS = ("auto", "genes_rows", "genes_columns")
_DECIMAL_COMMA = re.compile(r"^\s*[+-]?\d+,\d+\s*$")


# ====================================================================== expression
def read_expression(path, *, orientation: str = "auto",
                    network_genes: Iterable[str] | None = None) -> tuple[pd.DataFrame, str, bool]:
    """Read an expression table into a float32 genes x samples DataFrame.

    The first column holds names (genes, or samples when genes are columns), the first row the
    other names. Delimiter (comma, tab, semicolon, whitespace) and gzip compression are detected.

    Parameters
    ----------
    path : CSV/TSV/TXT file, optionally gzip-compressed.
    orientation : ``"genes_rows"`` (BEELINE convention), ``"genes_columns"`` (cells x genes, as
        AnnData/scanpy exports), or ``"auto"``: the side sharing more names with
        ``network_genes`` holds the genes; without network genes (or no overlap) genes are
        assumed to be rows and the result says the orientation was guessed.
    network_genes : gene names of the ground-truth network, used by ``"auto"``.

    Returns
    -------
    (expression, orientation, guessed) : the genes x samples matrix (values not yet validated
    for NaN/inf: `Dataset.create` does that), the orientation used, and whether it was guessed.
    """
    if orientation not in ORIENTATIONS:
        raise InputError(f"unknown orientation {orientation!r}", fix=f"use one of {', '.join(ORIENTATIONS)}")
    sn = sniff(path, "expression")
    header, first_names, values = _read_matrix(sn)
    row_names, col_names = first_names, header[1:]
    guessed = False
    if orientation == "auto":
        genes = set(str(g) for g in network_genes) if network_genes is not None else set()
        in_rows = len(genes.intersection(row_names)) if genes else 0
        in_cols = len(genes.intersection(col_names)) if genes else 0
        if in_cols > in_rows:
            orientation = "genes_columns"
        else:
            orientation = "genes_rows"
            guessed = in_rows == 0
    # ``values`` is (file columns) x (file rows), C-contiguous
    if orientation == "genes_rows":
        frame = pd.DataFrame(values.T, index=pd.Index(row_names, dtype=object),
                             columns=pd.Index(col_names, dtype=object), copy=False)
    else:
        frame = pd.DataFrame(values, index=pd.Index(col_names, dtype=object),
                             columns=pd.Index(row_names, dtype=object), copy=False)
    return frame, orientation, guessed


def head_lines(sn: Sniffed, n: int = 20) -> list[str]:
    """The first ``n`` physical lines of the file, complete even when they are very long."""
    out = []
    with open_text(sn) as fh:
        for line in fh:
            out.append(line.rstrip("\r\n"))
            if len(out) >= n:
                break
    return out


def _read_matrix(sn: Sniffed) -> tuple[list[str], list[str], np.ndarray]:
    """(header fields, first-column names, float32 values as file-columns x file-rows)."""
    name = sn.name
    try:
        lines = head_lines(sn, 20)
    except (UnicodeDecodeError, OSError, EOFError) as err:
        raise InputError(f"the file cannot be read as text ({err})", where=name,
                         fix="save the file as UTF-8 text (gzip allowed)") from None
    numbered = [(i, ln) for i, ln in enumerate(lines) if ln.strip()]
    delim = sniff_delimiter([ln for _, ln in numbered])
    if delim is None:
        if len(numbered) <= 1:
            raise InputError("the file has a single line and a single column: no data", where=name,
                             fix="provide a genes x samples table with a header row")
        raise InputError("only one column was found: the values are not separated by commas, tabs, "
                         "semicolons or spaces (wrong delimiter?)", where=name,
                         fix="save the table as CSV (comma) or TSV (tab)")
    header_idx, header_line = numbered[0]
    header = [h.strip() for h in split_line(header_line, delim)]
    if len(numbered) < 2:
        raise InputError("the file has a header row but no data rows", where=name,
                         fix="add one row per gene (name, then one value per sample)")
    first_idx, first_line = numbered[1]
    n = len(split_line(first_line, delim))
    if len(header) == n - 1:  # R write.table style: no name above the row names
        header = [""] + header
    elif len(header) != n:
        raise InputError(f"line {first_idx + 1} has {nfields(n)} but the header (line {header_idx + 1}) "
                         f"has {len(header)} ({DELIMITER_NAMES[delim]}-separated)", where=name,
                         fix="every row needs a name and one value per column of the header")
    if n < 2:
        raise InputError("the table has names but no value columns", where=name,
                         fix="provide a genes x samples table")
    rest = header[1:]
    if all(is_number_or_null(h) for h in rest) and any(looks_decimal(h) for h in rest):
        example = next(h for h in rest if looks_decimal(h))
        raise InputError(f"the first row holds numbers (e.g. {example!r}), not sample names: the file "
                         "seems to have no header row", where=name,
                         fix="add a header row with the sample (or gene) names")
    skip = header_idx + 1
    if delim == WHITESPACE:
        names, values = _read_whitespace(sn, header, skip)
    else:
        names, values = _read_arrow(sn, delim, header, skip)
    _check_overflow(sn, delim, header, skip, names, values)
    probe = [g for g in names[:50] if g.strip()]
    if probe and all(looks_decimal(g) for g in probe):
        raise InputError(f"the first column holds numbers (e.g. {probe[0]!r}), not names", where=name,
                         fix="the first column must hold the gene (or sample) names")
    return header, names, values


def _read_arrow(sn: Sniffed, delim: str, header: list[str], skip: int):
    import pyarrow as pa
    import pyarrow.csv as pacsv

    n = len(header)
    cols = [f"c{i}" for i in range(n)]
    types = {cols[0]: pa.string()}
    types.update({c: pa.float32() for c in cols[1:]})
    convert = pacsv.ConvertOptions(column_types=types, null_values=list(NULL_VALUES),
                                   strings_can_be_null=False, quoted_strings_can_be_null=False)
    parse = pacsv.ParseOptions(delimiter=delim)
    table = None
    for block in (1 << 25, 1 << 28):
        read = pacsv.ReadOptions(column_names=cols, skip_rows=skip, use_threads=True, block_size=block)
        try:
            stream = pa.input_stream(str(sn.path), compression="gzip" if sn.gzipped else None)
            with stream:
                table = pacsv.read_csv(stream, read_options=read, parse_options=parse,
                                       convert_options=convert)
            break
        except (pa.ArrowException, OSError, EOFError, ValueError) as err:
            if "straddl" in str(err) and block < (1 << 28):
                continue
            _diagnose(sn, delim, header, skip, str(err))
            raise InputError(f"the table could not be parsed ({str(err).splitlines()[0][:200]})",
                             where=sn.name, fix="check delimiters, quotes and that values are numbers") from None
    if table.num_rows == 0:
        raise InputError("the file has a header row but no data rows", where=sn.name,
                         fix="add one row per gene (name, then one value per sample)")
    names = [str(x) for x in table.column(0).to_pylist()]
    values = np.empty((n - 1, table.num_rows), dtype=np.float32)
    for j in range(1, n):
        values[j - 1] = table.column(j).to_numpy()
    del table
    return names, values


def _read_whitespace(sn: Sniffed, header: list[str], skip: int):
    n = len(header)
    cols = [f"c{i}" for i in range(n)]
    dtypes = {c: np.float32 for c in cols[1:]}
    dtypes[cols[0]] = str
    try:
        frame = pd.read_csv(sn.path, sep=r"\s+", header=None, names=cols, skiprows=skip, dtype=dtypes,
                            na_values=list(NULL_VALUES), keep_default_na=False,
                            compression="gzip" if sn.gzipped else None, encoding="utf-8-sig")
    except Exception:  # noqa: BLE001 - any parse failure is diagnosed precisely below
        _diagnose(sn, WHITESPACE, header, skip)
        raise InputError("the whitespace-separated table could not be parsed", where=sn.name,
                         fix="save the table as CSV (comma) or TSV (tab)") from None
    if frame.empty:
        raise InputError("the file has a header row but no data rows", where=sn.name,
                         fix="add one row per gene (name, then one value per sample)")
    names = frame[cols[0]].astype(str).tolist()
    values = np.ascontiguousarray(frame[cols[1:]].to_numpy(dtype=np.float32).T)
    return names, values


def _check_overflow(sn, delim, header, skip, names, values) -> None:
    """Name numbers too large for float32 (parsed as inf) instead of reporting them as 'inf'."""
    inf = np.isinf(values)
    if not inf.any():
        return
    j, i = (int(x) for x in np.argwhere(inf)[0])
    count = 0
    with open_text(sn) as fh:
        for line, raw in enumerate(fh, 1):
            if line <= skip or not raw.strip():
                continue
            if count == i:
                row = split_line(raw, delim)
                text = row[j + 1].strip() if len(row) > j + 1 else ""
                if is_number(text) and "inf" not in text.lower():
                    raise InputError(f"value {text[:40]!r} on line {line} (row {names[i][:40]!r}, column "
                                     f"{header[j + 1][:40]!r}) is too large for 32-bit floats", where=sn.name,
                                     fix="rescale the data (e.g. log-transform)")
                return
            count += 1


def _diagnose(sn: Sniffed, delim: str, header: list[str], skip: int, error: str = "") -> None:
    """Scan the file and raise an `InputError` naming the first bad line/value (if any).

    pyarrow's message gives the bad value (conversion errors) or the bad row (parse errors) but
    no line number; lines that cannot hold the problem are skipped with cheap string tests, so a
    1 GB file is scanned in seconds.
    """
    n = len(header)
    m = re.search(r"invalid value '(.*)'", error)
    bad_value = m.group(1) if m else None
    shape_only = "Expected" in error and "columns" in error
    with reading(sn):
        with open_text(sn) as fh:
            for line, raw in enumerate(fh, 1):
                if line <= skip or not raw.strip():
                    continue
                if bad_value is not None and bad_value not in raw:
                    continue
                if shape_only and delim != WHITESPACE and '"' not in raw and raw.count(delim) == n - 1:
                    continue
                row = split_line(raw, delim)
                _check_row(sn, row, line, header, delim)


def _check_row(sn: Sniffed, row: list[str], line: int, header: list[str], delim: str) -> None:
    n = len(header)
    if len(row) != n:
        raise InputError(f"line {line} has {nfields(len(row))} but the header has {n} "
                         f"({DELIMITER_NAMES[delim]}-separated): ragged rows", where=sn.name,
                         fix="every row needs a name and one value per column of the header")
    for j, v in enumerate(row[1:], 1):
        if not is_number_or_null(v):
            fix = "expression values must be numbers (use . as the decimal point)"
            if _DECIMAL_COMMA.match(v):
                fix = ("the file uses a decimal comma: use . as the decimal point "
                       "(or export with a comma delimiter and . decimals)")
            raise InputError(f"non-numeric value {v[:40]!r} on line {line}, column {j + 1} "
                             f"(row {row[0][:40]!r}, column {header[j][:40]!r})", where=sn.name, fix=fix)


# ====================================================================== networks
_REG_NAMES = {"gene1", "tf", "regulator", "source", "from", "regulatorygene", "regulator_gene",
              "tf_name", "genea", "gene_a", "node1", "source_gene", "regulators", "tfs"}
_TGT_NAMES = {"gene2", "target", "to", "targetgene", "target_gene", "geneb", "gene_b", "node2",
              "target_name", "targets"}
_SIGN_NAMES = {"type", "sign", "mode", "effect", "regulation", "interaction", "mor"}
_WEIGHT_NAMES = {"weight", "importance", "score", "edgeweight", "edge_weight", "value",
                 "confidence", "prob", "probability"}
_LABEL_NAMES = {"label", "edge", "is_edge", "truth"}
_POS = {"+", "+1", "1", "1.0", "activation", "activates", "activator", "activating", "positive", "up"}
_NEG = {"-", "-1", "-1.0", "repression", "represses", "repressor", "repressing", "inhibition",
        "inhibits", "negative", "down"}


def _sign_of(token: str) -> int:
    t = token.strip().lower()
    return 1 if t in _POS else -1 if t in _NEG else 0


def _edge_rows(sn: Sniffed, role: str) -> tuple[list[tuple[int, list[str]]], str]:
    lines = sn.lines()
    delim = sniff_delimiter(lines)
    nonblank = [ln for ln in lines if ln.strip()]
    if delim is None:
        raise InputError(f"the {role} file has one column; expected a regulator and a target per row "
                         "separated by commas, tabs, semicolons or spaces", where=sn.name,
                         fix="write one edge per line: regulator, target[, weight or sign]")
    rows = [(ln, [f.strip() for f in r]) for ln, r in iter_rows(sn, delim)]
    if not rows or not nonblank:
        raise InputError(f"the {role} file is empty", where=sn.name,
                         fix="write one edge per line: regulator, target")
    return rows, delim


def _header_map(first: list[str]) -> dict[str, int] | None:
    low = [f.strip().lower().replace(" ", "_") for f in first]
    found: dict[str, int] = {}
    for i, f in enumerate(low):
        for key, names in (("regulator", _REG_NAMES), ("target", _TGT_NAMES), ("sign", _SIGN_NAMES),
                           ("weight", _WEIGHT_NAMES), ("label", _LABEL_NAMES)):
            if f in names and key not in found:
                found[key] = i
    return found or None


def read_network(path) -> pd.DataFrame:
    """Read a ground-truth network into ``regulator, target, sign, weight`` columns.

    Accepted: BEELINE ``Gene1,Gene2[,Type]`` (Type ``+``/``-`` -> sign +1/-1); DREAM4 gold
    standards (``G1<TAB>G2<TAB>1`` without header; rows with 0 are non-edges and dropped);
    generic 2-3 column CSV/TSV with or without a header (``TF,target[,importance]``,
    ``regulator,target``, ``source,target`` ...). A numeric third column is a weight, a column of
    +/- (or activation/repression) a sign. Genes are not checked here (`Dataset.create` does).
    """
    return parse_network(path)[0]


def parse_network(path) -> tuple[pd.DataFrame, list[str] | None]:
    """`read_network` plus, for 0/1 gold standards, every regulator listed (edges and non-edges).

    DREAM4 gold standards list all ordered pairs; the regulators they list are the candidate
    regulators (all genes for DREAM4), which the positives alone do not tell.
    """
    sn = sniff(path, "network")
    rows, _ = _edge_rows(sn, "network")
    hmap = _header_map(rows[0][1])
    has_header = hmap is not None
    if not has_header and len(rows) > 1 and len(rows[0][1]) >= 3:
        third0, third1 = rows[0][1][2], rows[1][1][2] if len(rows[1][1]) > 2 else ""
        if (not is_number(third0) and _sign_of(third0) == 0
                and (is_number(third1) or _sign_of(third1) != 0)):
            has_header = True
    if has_header:
        header = rows[0][1]
        body = rows[1:]
        hmap = hmap or {}
    else:
        header, body, hmap = None, rows, {}
    if not body:
        raise InputError("the network file has a header but no edges", where=sn.name,
                         fix="write one edge per line: regulator, target")
    ri, ti = hmap.get("regulator", 0), hmap.get("target", 1)
    if ri == ti:
        ti = 1 if ri == 0 else 0
    width = max(len(r) for _, r in body)
    if width < 2 and max(ri, ti) >= 1:
        raise InputError("the network file has one column; expected a regulator and a target per row",
                         where=sn.name, fix="write one edge per line: regulator, target")
    extra = [i for i in range(width) if i not in (ri, ti)]
    si, wi, li = hmap.get("sign"), hmap.get("weight"), hmap.get("label")
    if si is None and wi is None and li is None and extra:
        col = extra[0]
        vals = [r[col] for _, r in body if len(r) > col and r[col] != ""]
        if vals and all(_sign_of(v) != 0 or v.strip().lower() in ("0", "?", "na", "unknown") for v in vals) \
                and any(v.strip() in ("+", "-") or v.strip().lower() in _POS - {"1", "1.0", "+1"} | _NEG
                        for v in vals):
            si = col
        elif vals and all(is_number(v) for v in vals):
            if header is None and set(float(v) for v in vals) <= {0.0, 1.0}:
                li = col
            else:
                wi = col
    regs, tgts, signs, weights = [], [], [], []
    listed: dict[str, None] = {}
    for line, r in body:
        if len(r) <= max(ri, ti) or not r[ri] or not r[ti]:
            raise InputError(f"line {line} has no {'target' if len(r) > ri and r[ri] else 'regulator'} "
                             f"(fields: {r[:4]})", where=sn.name,
                             fix="write one edge per line: regulator, target")
        if li is not None and len(r) > li:
            v = r[li]
            if not is_number(v):
                raise InputError(f"line {line}: edge indicator {v[:20]!r} is not 0 or 1", where=sn.name,
                                 fix="the third column of a DREAM4 gold standard holds 1 (edge) or 0")
            listed[r[ri]] = None
            if float(v) == 0:
                continue
        regs.append(r[ri])
        tgts.append(r[ti])
        signs.append(_sign_of(r[si]) if si is not None and len(r) > si else 0)
        if wi is not None and len(r) > wi and r[wi] != "":
            if not is_number_or_null(r[wi]):
                raise InputError(f"line {line}: weight {r[wi][:20]!r} is not a number", where=sn.name,
                                 fix="the weight column must hold numbers")
            weights.append(float(r[wi]) if is_number(r[wi]) else np.nan)
        else:
            weights.append(np.nan)
    if not regs:
        raise InputError("the network has no edges: every row is marked 0 (non-edge)", where=sn.name,
                         fix="mark true edges with 1 in the third column")
    net = pd.DataFrame({"regulator": regs, "target": tgts, "sign": np.array(signs, dtype=np.int8),
                        "weight": np.array(weights, dtype=float)})
    return net, (list(listed) if li is not None else None)


# ====================================================================== TF lists
_TF_COLUMNS = ("tf", "tfs", "tf_name", "regulator", "regulators", "gene", "genes", "symbol", "name",
               "gene_name", "gene_symbol")


def read_tfs(path) -> list[str]:
    """Read a TF list: ``TF.csv`` with a ``TF`` column (GENELink: ``,TF,index``) or one name per line.

    A header line (``TF``, ``gene``, ``symbol`` ...) is recognised and skipped. Returns the names in
    file order, without duplicates.
    """
    sn = sniff(path, "TF list")
    delim = sniff_delimiter(sn.lines()) or ","
    rows = [[f.strip() for f in r] for _, r in iter_rows(sn, delim)]
    if not rows:
        raise InputError("the TF list is empty", where=sn.name, fix="list one regulator per line")
    low = [f.lower() for f in rows[0]]
    col, body = 0, rows
    named = [i for i, f in enumerate(low) if f in _TF_COLUMNS]
    if named:
        col, body = named[0], rows[1:]
    elif len(rows[0]) > 1 and rows[0][0] == "" and len(rows) > 1:
        # an unnamed index column first (pandas to_csv): take the first named column
        col, body = 1, rows[1:]
    names = [r[col] for r in body if len(r) > col and r[col]]
    if not names:
        raise InputError("the TF list is empty", where=sn.name, fix="list one regulator per line")
    return list(dict.fromkeys(names))


# ====================================================================== metadata
_ID_NAMES = {"", "cell", "cell_id", "cellid", "cells", "sample", "sample_id", "sampleid", "samples",
             "barcode", "barcodes", "obs_names", "index", "id", "unnamed:_0"}
_META_ALIASES = {
    "time": {"time", "t", "timepoint", "time_point", "times"},
    "experiment": {"experiment", "exp", "series", "run", "experiment_id", "time_series", "timeseries"},
    "pseudotime": {"pseudotime", "pseudo_time", "dpt_pseudotime", "latent_time", "ptime"},
    "condition": {"condition", "state", "group", "label", "cell_type", "celltype", "cluster",
                  "treatment", "class", "cell_state"},
}
_LINEAGE = re.compile(r"^pseudotime\d+$", re.IGNORECASE)


def read_metadata(path) -> pd.DataFrame:
    """Read per-sample metadata into a DataFrame indexed by sample id (first column).

    Recognised columns are renamed ``time``, ``experiment``, ``pseudotime``, ``condition``.
    BEELINE ``PseudoTime.csv`` (``PseudoTime1, PseudoTime2 ...`` per lineage, ``NA`` where a cell is
    not on a lineage) keeps its lineage columns and gains ``pseudotime``: the first non-missing
    lineage value of each cell. Numeric columns become floats (``experiment`` integers when whole).
    """
    sn = sniff(path, "sample metadata")
    delim = sniff_delimiter(sn.lines())
    rows = [(ln, [f.strip() for f in r]) for ln, r in iter_rows(sn, delim or ",")]
    if len(rows) < 2:
        raise InputError("the metadata file needs a header row and one row per sample", where=sn.name,
                         fix="first column: sample id; further columns: time, experiment, pseudotime, condition")
    header = rows[0][1]
    width = max(len(r) for _, r in rows[1:])
    if len(header) == width - 1:
        header = [""] + header
    if len(header) < 2:
        raise InputError("the metadata file has only one column (sample ids, no annotation)", where=sn.name,
                         fix="add columns such as time, experiment, pseudotime or condition "
                             "(separated by commas or tabs)")
    for line, r in rows[1:]:
        if len(r) != len(header):
            raise InputError(f"line {line} has {nfields(len(r))} but the header has {len(header)}",
                             where=sn.name, fix="give every sample one value per column (empty or NA if unknown)")
    low = [h.lower().replace(" ", "_") for h in header]
    id_col = 0
    if low[0] not in _ID_NAMES:
        named = [i for i, h in enumerate(low) if h in _ID_NAMES - {""}]
        if named:
            id_col = named[0]
    ids = [r[id_col] for _, r in rows[1:]]
    seen: dict[str, int] = {}
    for (line, _), sid in zip(rows[1:], ids):
        if not sid:
            raise InputError(f"line {line} has no sample id", where=sn.name,
                             fix="the first column must hold the sample ids of the expression header")
        if sid in seen:
            raise InputError(f"sample {sid[:40]!r} appears twice (lines {seen[sid]} and {line})",
                             where=sn.name, fix="give each sample one row")
        seen[sid] = line
    data = {}
    for i, h in enumerate(header):
        if i == id_col:
            continue
        col = pd.Series([r[i] for _, r in rows[1:]], index=ids, dtype=object)
        name = h or f"column{i + 1}"
        while name in data:
            name = name + "_"
        data[name] = col
    meta = pd.DataFrame(data, index=pd.Index(ids, dtype=object))
    return normalise_metadata(meta)


def normalise_metadata(meta: pd.DataFrame) -> pd.DataFrame:
    """Rename recognised metadata columns and type them (shared by text and AnnData readers).

    Columns named like time / experiment / pseudotime / condition (see ``_META_ALIASES``) get those
    names; text columns holding only numbers become floats; BEELINE lineage columns
    ``PseudoTime1..k`` add ``pseudotime`` = the first non-missing lineage value of each sample.
    """
    out = {}
    for col in meta.columns:
        values = meta[col]
        if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
            values = values.astype(object)
            null = values.isna() | values.isin(NULL_VALUES)
            values = values.where(~null, None)
            present = values.dropna()
            if len(present) and present.map(lambda v: is_number(str(v))).all():
                values = pd.to_numeric(values, errors="coerce").astype(float)
        elif isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype(object).where(values.notna(), None)
        low = str(col).strip().lower().replace(" ", "_")
        name = next((k for k, names in _META_ALIASES.items() if low in names), None)
        if name is None or name in out or name in meta.columns and name != col:
            name = str(col)
        while name in out:
            name = name + "_"
        out[name] = values
    meta = pd.DataFrame(out, index=pd.Index([str(i) for i in meta.index], dtype=object))
    meta.index.name = None
    lineages = [c for c in meta.columns if _LINEAGE.match(str(c))]
    if lineages and "pseudotime" not in meta:
        lin = meta[lineages].apply(pd.to_numeric, errors="coerce")
        meta["pseudotime"] = lin.bfill(axis=1).iloc[:, 0].astype(float)
    if "experiment" in meta and pd.api.types.is_float_dtype(meta["experiment"]):
        e = meta["experiment"]
        if e.notna().all() and (e == e.round()).all():
            meta["experiment"] = e.astype(int)
    return meta

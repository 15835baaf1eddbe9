"""DREAM4 in silico data: time series, gold standards, steady-state perturbation tables.

Layout of a DREAM4 network folder (names as in the challenge archive, or short ones):
``timeseries.tsv`` (``"Time"`` then ``"G1".."Gn"``, experiments separated by blank lines),
``goldstandard.tsv`` (``G1<TAB>G2<TAB>1``; 0 rows are non-edges), and optional
``knockouts.tsv``, ``knockdowns.tsv``, ``wildtype.tsv``, ``multifactorial.tsv`` (conditions x genes).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .dataset import Dataset
from .errors import InputError
from .io_common import (DELIMITER_NAMES, nfields, build_dataset, is_number, is_number_or_null, iter_rows,
                        sniff, sniff_delimiter, strip_extensions)
from .tabular import parse_network

#: extras read from a DREAM4 folder: key -> (file-name fragment, condition-name prefix)
EXTRAS = {"knockouts": "ko_", "knockdowns": "kd_", "wildtype": "wt", "multifactorial": "mf_"}
_TEXT_EXT = (".tsv", ".txt", ".csv", ".tsv.gz", ".txt.gz", ".csv.gz")


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.name.lower().endswith(_TEXT_EXT))


def find_dream4_files(folder: Path) -> dict:
    """{'timeseries': path|None, 'goldstandard': path|None, 'extras': {key: path}} in a folder."""
    files = _files(folder)
    low = {p: p.name.lower() for p in files}
    ts = [p for p in files if "timeseries" in low[p] or "time_series" in low[p]]
    ts.sort(key=lambda p: ("nonoise" in low[p], len(p.name)))
    gs = [p for p in files if "goldstandard" in low[p] and "mapping" not in low[p]]
    gs.sort(key=lambda p: len(p.name))
    extras = {}
    for key in EXTRAS:
        hits = [p for p in files if key in low[p] and "dual" not in low[p] and "bonus" not in low[p]
                and "nonoise" not in low[p] and "index" not in low[p]]
        if hits:
            extras[key] = min(hits, key=lambda p: len(p.name))
    return {"timeseries": ts[0] if ts else None, "goldstandard": gs[0] if gs else None, "extras": extras}


def is_dream4_folder(folder: Path) -> bool:
    return find_dream4_files(folder)["timeseries"] is not None


def _time_label(t: float) -> str:
    return str(int(t)) if float(t).is_integer() else repr(float(t))


def read_timeseries(path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A DREAM4 time-series table as (genes x samples float32 expression, samples metadata).

    Experiments are separated by blank lines, or start where the time goes back (e.g. to 0).
    Sample ids are ``e<experiment>_t<time>``; metadata has ``experiment`` (1-based) and ``time``.
    """
    sn = sniff(path, "time series")
    name = sn.name
    delim = sniff_delimiter(sn.lines()) or "\t"
    header: list[str] | None = None
    time_col = 0
    rows: list[list[float]] = []
    exps: list[int] = []
    times: list[float] = []
    exp, prev, last_line = 0, None, 0
    for line, fields in iter_rows(sn, delim):
        fields = [f.strip() for f in fields]
        if header is None:
            header = fields
            low = [h.lower() for h in header]
            if "time" not in low:
                raise InputError("no 'Time' column: a DREAM4 time series starts with a Time column, "
                                 "then one column per gene", where=name,
                                 fix="add the Time column, or load the file as a plain expression table")
            time_col = low.index("time")
            last_line = line
            continue
        if len(fields) != len(header):
            raise InputError(f"line {line} has {nfields(len(fields))} but the header has {len(header)} "
                             f"({DELIMITER_NAMES.get(delim, delim)}-separated)", where=name,
                             fix="give every time point one value per gene")
        t = fields[time_col]
        if not is_number(t) or not np.isfinite(float(t)):
            raise InputError(f"time {t[:30]!r} on line {line} is not a number", where=name,
                             fix="the Time column must hold numbers (e.g. 0, 50, 100 ...)")
        t = float(t)
        blank_before = line > last_line + 1
        if prev is None or blank_before or t < prev:
            exp += 1
        elif t == prev:
            raise InputError(f"time {_time_label(t)} is repeated on line {line} within one experiment",
                             where=name, fix="separate experiments with a blank line")
        values = []
        for j, v in enumerate(fields):
            if j == time_col:
                continue
            if not is_number_or_null(v):
                raise InputError(f"non-numeric value {v[:40]!r} on line {line} (gene {header[j]!r})",
                                 where=name, fix="expression values must be numbers (use . as the decimal point)")
            values.append(float(v) if is_number(v) else np.nan)
        rows.append(values)
        exps.append(exp)
        times.append(t)
        prev, last_line = t, line
    if header is None or not rows:
        raise InputError("the time series has a header but no time points", where=name,
                         fix="add one row per time point: time, then one value per gene")
    genes = [h for j, h in enumerate(header) if j != time_col]
    ids = [f"e{e}_t{_time_label(t)}" for e, t in zip(exps, times)]
    expr = pd.DataFrame(np.asarray(rows, dtype=np.float64).T, index=genes, columns=ids)
    samples = pd.DataFrame({"experiment": np.asarray(exps, dtype=int), "time": np.asarray(times, float)},
                           index=pd.Index(ids, dtype=object))
    return expr, samples


def read_steady_state(path, key: str, genes: pd.Index) -> pd.DataFrame:
    """A conditions x genes DREAM4 table (knockouts etc.) as genes x conditions float32."""
    sn = sniff(path, key)
    delim = sniff_delimiter(sn.lines()) or "\t"
    rows = [(line, [f.strip() for f in r]) for line, r in iter_rows(sn, delim)]
    if len(rows) < 2:
        raise InputError(f"the {key} table has no data rows", where=sn.name,
                         fix="one header row of gene names, then one row per condition")
    header = rows[0][1]
    values = []
    for line, r in rows[1:]:
        if len(r) != len(header):
            raise InputError(f"line {line} has {nfields(len(r))} but the header has {len(header)}",
                             where=sn.name, fix="give every condition one value per gene")
        for j, v in enumerate(r):
            if not is_number(v):
                raise InputError(f"non-numeric value {v[:40]!r} on line {line} (gene {header[j]!r})",
                                 where=sn.name, fix="values must be numbers")
        values.append([float(v) for v in r])
    prefix = EXTRAS.get(key, key + "_")
    n = len(values)
    if key == "wildtype":
        cols = ["wt"] if n == 1 else [f"wt_{i + 1}" for i in range(n)]
    elif key in ("knockouts", "knockdowns") and n == len(header):
        cols = [prefix + g for g in header]
    else:
        cols = [f"{prefix}{i + 1}" for i in range(n)]
    frame = pd.DataFrame(np.asarray(values, dtype=np.float32).T, index=header, columns=cols)
    if set(frame.index) != set(genes):
        raise InputError(f"the {key} table's genes differ from the time series genes", where=sn.name,
                         fix="use files of the same network")
    return frame.loc[list(genes)]


def read_dream4(path, goldstandard=None, *, name: str | None = None) -> Dataset:
    """Read DREAM4 data (a network folder, or a time-series file) into a time-series `Dataset`.

    ``path`` is a folder holding ``*timeseries*.tsv`` (and optionally ``*goldstandard*.tsv``,
    knockouts/knockdowns/wildtype/multifactorial tables, which become ``extras`` as genes x
    conditions), or the time-series file itself. ``goldstandard`` overrides the gold standard.
    Samples are ``e<k>_t<time>`` with metadata ``experiment`` and ``time``. The TF list is every
    regulator the gold standard lists (all genes for DREAM4's all-pairs files), else all genes.
    """
    p = Path(path)
    extras_files: dict = {}
    if p.is_dir():
        found = find_dream4_files(p)
        if found["timeseries"] is None:
            raise InputError("no time-series file (e.g. timeseries.tsv) in this folder", where=p.name,
                             fix="a DREAM4 folder needs a *timeseries*.tsv file")
        ts_path = found["timeseries"]
        goldstandard = goldstandard if goldstandard is not None else found["goldstandard"]
        extras_files = found["extras"]
        default_name = f"{p.parent.name} {p.name}" if p.name.lower().startswith("net") else p.name
    else:
        ts_path = p
        default_name = strip_extensions(p.name)
    expr, samples = read_timeseries(ts_path)
    where = Path(ts_path).name
    network, tfs = None, None
    if goldstandard is not None:
        network, listed = parse_network(goldstandard)
        if listed:
            tfs = [t for t in listed if t in set(expr.index)] or None
    if tfs is None:
        tfs = list(expr.index)
    extras = {}
    for key, f in extras_files.items():
        extras[key] = read_steady_state(f, key, pd.Index(expr.index))
    sources = [str(ts_path)] + ([str(goldstandard)] if goldstandard is not None else []) \
        + [str(f) for f in extras_files.values()]
    return build_dataset(expr, samples=samples, network=network, tfs=tfs, name=name or default_name,
                         kind="time_series", source="dream4: " + "; ".join(sources), extras=extras,
                         where=where, network_file=goldstandard)


# ---------------------------------------------------------------------- writer
def _fmt(x: float) -> str:
    return f"{float(x):.9g}"


def _quoted(names) -> str:
    return "\t".join(f'"{n}"' for n in names)


def write_dream4(dataset: Dataset, out_dir, *, all_pairs: bool = True) -> dict[str, Path]:
    """Write ``dataset`` as a DREAM4 folder; returns {part: path}.

    ``timeseries.tsv``: quoted header ``"Time" "G1" ...``, a blank line before each experiment
    (samples grouped by ``experiment``, ordered by ``time``; without those columns all samples form
    one experiment timed 0, 1, 2 ...). ``goldstandard.tsv``: with ``all_pairs`` every ordered
    (TF, gene) pair, 1 for true edges first, then 0 rows, like DREAM4; otherwise only the edges.
    Each extra becomes ``<name>.tsv`` (conditions x genes). Signs and weights are not kept.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    expr = dataset.expression
    s = dataset.samples
    exp = s["experiment"] if "experiment" in s else pd.Series(1, index=s.index)
    time = s["time"] if "time" in s else None
    order = pd.DataFrame({"exp": exp.to_numpy(), "pos": np.arange(len(s))}, index=s.index)
    if time is not None:
        order["time"] = pd.to_numeric(time, errors="coerce").to_numpy()
    first = {e: i for i, e in reversed(list(enumerate(order["exp"])))}
    order["exp_rank"] = order["exp"].map(first)
    order = order.sort_values(["exp_rank", "time", "pos"] if time is not None else ["exp_rank", "pos"])
    lines = [_quoted(["Time", *expr.index])]
    values = expr.to_numpy()
    prev_exp, k = object(), 0
    for sid, row in order.iterrows():
        if row["exp"] != prev_exp:
            lines.append("")
            prev_exp, k = row["exp"], 0
        t = row["time"] if time is not None and np.isfinite(row["time"]) else float(k)
        col = values[:, int(row["pos"])]
        lines.append("\t".join([f"{t:.1f}" if float(t).is_integer() else repr(float(t))]
                               + [_fmt(v) for v in col]))
        k += 1
    path = out / "timeseries.tsv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    written["timeseries"] = path
    if dataset.network is not None:
        net = dataset.network
        pos = list(zip(net["regulator"], net["target"]))
        lines = [f"{a}\t{b}\t1" for a, b in pos]
        if all_pairs:
            true = set(pos)
            regs = list(dict.fromkeys(list(dataset.tfs) + list(net["regulator"])))
            for a in regs:
                for b in expr.index:
                    if a != b and (a, b) not in true:
                        lines.append(f"{a}\t{b}\t0")
        path = out / "goldstandard.tsv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        written["goldstandard"] = path
    for key, frame in dataset.extras.items():
        frame = frame.reindex(expr.index)
        lines = [_quoted(frame.index)]
        for c in frame.columns:
            lines.append("\t".join(_fmt(v) for v in frame[c].to_numpy()))
        path = out / f"{key}.tsv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        written[key] = path
    return written

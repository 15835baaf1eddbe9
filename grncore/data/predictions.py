"""Predicted networks from other tools: arboreto/pySCENIC ``TF,target,importance`` and
BEELINE ``rankedEdges.csv`` (``Gene1<TAB>Gene2<TAB>EdgeWeight``), tab- or comma-separated."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import InputError
from .io_common import iter_rows, is_number, sniff, sniff_delimiter
from .tabular import _header_map


def read_predictions(path) -> pd.DataFrame:
    """Read a ranked edge list into ``regulator, target, score`` (higher = more confident).

    The header (``TF,target,importance``, ``Gene1,Gene2,EdgeWeight``, ``regulator,target,score``
    ...) is optional. Without a score column, the file order is the ranking (score = n - row).
    Rows are sorted by decreasing score; a pair listed twice keeps its first (highest) score.
    """
    sn = sniff(path, "predicted network")
    delim = sniff_delimiter(sn.lines())
    if delim is None:
        raise InputError("the predictions file has one column; expected regulator, target, score "
                         "separated by tabs or commas", where=sn.name,
                         fix="write one edge per line: regulator, target, score")
    first = [(ln, [f.strip() for f in r]) for ln, r in _first_rows(sn, delim, 2)]
    hmap = _header_map(first[0][1]) if first else None
    if hmap is None and first and len(first[0][1]) >= 3 and not is_number(first[0][1][2]):
        hmap = {}
    fast = _read_fast(sn, delim, first, hmap)
    if fast is not None:
        return fast
    rows = [(ln, [f.strip() for f in r]) for ln, r in iter_rows(sn, delim)]
    if hmap is None and rows and len(rows[0][1]) >= 3 and not is_number(rows[0][1][2]):
        hmap = {}
    body = rows[1:] if hmap is not None else rows
    if not body:
        raise InputError("the predictions file has no edges", where=sn.name,
                         fix="write one edge per line: regulator, target, score")
    hmap = hmap or {}
    ri, ti = hmap.get("regulator", 0), hmap.get("target", 1)
    si = hmap.get("weight", hmap.get("label", 2 if ri != 2 and ti != 2 else None))
    regs, tgts, scores = [], [], []
    for line, r in body:
        if len(r) <= max(ri, ti) or not r[ri] or not r[ti]:
            raise InputError(f"line {line} lacks a regulator or target", where=sn.name,
                             fix="write one edge per line: regulator, target, score")
        regs.append(r[ri])
        tgts.append(r[ti])
        if si is not None and len(r) > si:
            v = r[si]
            if not is_number(v) or not np.isfinite(float(v)):
                raise InputError(f"score {v[:30]!r} on line {line} is not a finite number", where=sn.name,
                                 fix="the score column must hold numbers")
            scores.append(float(v))
        elif si is not None and len(r) <= si and scores:
            raise InputError(f"line {line} has no score", where=sn.name, fix="give every edge a score")
    if len(scores) != len(regs):
        scores = list(np.arange(len(regs), 0, -1, dtype=float))
    return _finish(pd.DataFrame({"regulator": regs, "target": tgts, "score": np.asarray(scores, dtype=float)}))


def _first_rows(sn, delim, n):
    out = []
    for item in iter_rows(sn, delim):
        out.append(item)
        if len(out) >= n:
            break
    return out


def _read_fast(sn, delim, first, hmap) -> pd.DataFrame | None:
    """pandas' C parser for well-formed files (millions of edges); None to take the checked path."""
    if not first or delim == " ":
        return None
    has_header = hmap is not None
    width = len(first[0][1])
    hmap = hmap or {}
    ri, ti = hmap.get("regulator", 0), hmap.get("target", 1)
    si = hmap.get("weight", hmap.get("label", 2 if ri != 2 and ti != 2 else None))
    if si is None or max(ri, ti, si) >= width:
        return None
    try:
        frame = pd.read_csv(sn.path, sep=delim, header=None, skiprows=1 if has_header else 0,
                            usecols=[ri, ti, si], dtype={ri: str, ti: str},
                            compression="gzip" if sn.gzipped else None, encoding="utf-8-sig",
                            keep_default_na=False, na_values=[], engine="c")
    except Exception:  # noqa: BLE001 - fall back to the line-by-line path with precise messages
        return None
    if frame.empty or not pd.api.types.is_numeric_dtype(frame[si]):
        return None
    reg = frame[ri].astype(str).str.strip()
    tgt = frame[ti].astype(str).str.strip()
    score = frame[si].to_numpy(dtype=float)
    if (reg == "").any() or (tgt == "").any() or not np.isfinite(score).all():
        return None
    return _finish(pd.DataFrame({"regulator": reg.to_numpy(), "target": tgt.to_numpy(), "score": score}))


def _finish(out: pd.DataFrame) -> pd.DataFrame:
    out = out.sort_values("score", ascending=False, kind="stable")
    out = out.drop_duplicates(["regulator", "target"], keep="first").reset_index(drop=True)
    return out

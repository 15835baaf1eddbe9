"""Predicted networks: one row per scored (regulator, target) pair, ranked.

The *pred* frame (the contract between the engine and the Network page) has the columns
``regulator`` (str), ``target`` (str), ``score`` (float64, higher = more likely an edge),
``rank`` (int64, 1 = best), ``known`` (int8: 1 when the pair is an edge of the dataset's ground
truth, 0 otherwise or when there is none), ``trained`` (int8: 1 when the pair was a training pair
of the run) and, when the ground truth has signs, ``sign`` (int8: +1 activation, -1 repression,
0 unknown or not a known edge).

Ranks are a pure function of the frame: pairs are ordered by score descending and ties keep the
order in which the pairs are stored (a stable sort), so the same frame always gets the same ranks.
A discovery run stores its pairs in canonical candidate order (regulator in TF order, then target
in expression-row order), so its ties are broken by that order.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from ..data import InputError
from ..data.io_common import sniff, sniff_delimiter, split_line
from ..data.predictions import read_predictions
from ..data.ranking import attach_signs, rank_scores

PRED_COLUMNS = ("regulator", "target", "score", "rank", "known", "trained")

__all__ = ["PRED_COLUMNS", "rank_scores", "to_pred", "attach_signs", "predicted_network",
           "read_predictions_file"]


def to_pred(frame: pd.DataFrame) -> pd.DataFrame:
    """Normalise a scored pair frame to a pred frame (see module doc).

    Needs ``regulator``, ``target``, ``score``; ``known`` defaults to ``label`` when present,
    else 0; ``trained`` to 0; ``sign`` is kept when present. A pair listed twice keeps its first
    row. ``rank`` is always recomputed (`rank_scores`) so it matches the scores.
    """
    missing = [c for c in ("regulator", "target", "score") if c not in frame]
    if missing:
        raise InputError(f"the predicted network lacks the column(s) {', '.join(missing)}",
                         where="predictions", fix="columns needed: regulator, target, score")
    out = pd.DataFrame({"regulator": frame["regulator"].astype(str).to_numpy(),
                        "target": frame["target"].astype(str).to_numpy(),
                        "score": frame["score"].to_numpy()})
    known = frame["known"] if "known" in frame else frame["label"] if "label" in frame else 0
    out["known"] = _flag(known, len(out), "known")
    out["trained"] = _flag(frame["trained"] if "trained" in frame else 0, len(out), "trained")
    if "sign" in frame:
        out["sign"] = np.sign(pd.to_numeric(frame["sign"], errors="coerce").fillna(0).to_numpy()).astype(np.int8)
    dup = out.duplicated(["regulator", "target"], keep="first").to_numpy()
    if dup.any():
        out = out[~dup].reset_index(drop=True)
    out = rank_scores(out)
    cols = list(PRED_COLUMNS) + (["sign"] if "sign" in out else [])
    return out[cols]


def predicted_network(workspace, run_id: str) -> pd.DataFrame:
    """The pred frame of a finished run of ``workspace``.

    A discovery run stores every candidate pair with ``rank, known, trained``; an evaluation run
    stores its test pairs with ``label``, which become ``known = label, trained = 0`` (its test
    pairs were not trained on). Signs come from the run's dataset when its ground truth has them.
    """
    try:
        row = workspace.get_run(run_id)
    except KeyError:
        raise InputError(f"there is no run {run_id!r}", where="run", fix="pick a run from the list") from None
    if row.status != "done":
        raise InputError(f"run {run_id} is {row.status}, not done", where="run",
                         fix="wait for it to finish, or pick a finished run")
    try:
        art = workspace.load_run_artifact(run_id, "predictions")
    except KeyError:
        raise InputError(f"run {run_id} stored no predictions", where="run", fix="run it again") from None
    pred = to_pred(art)
    if "sign" not in pred:
        try:
            network = workspace.load_dataset(row.dataset_id).network
        except (KeyError, InputError, OSError):
            network = None  # the dataset was deleted: the run's pairs still stand without signs
        pred = attach_signs(pred, network)
    return pred


def read_predictions_file(path_or_buffer) -> pd.DataFrame:
    """Read a predicted network file into a pred frame.

    Accepted: our ``predictions.csv`` (``regulator,target,score[,rank,known,trained,label,sign]``),
    arboreto / pySCENIC ``TF,target,importance`` and BEELINE ``rankedEdges.csv``
    (``Gene1,Gene2,EdgeWeight``), tab- or comma-separated, gzip allowed (read by
    `grncore.data.predictions.read_predictions`). ``path_or_buffer`` is a path or a file-like
    object with ``read()`` (e.g. a Streamlit upload; its ``name`` is used in messages). A file
    without a score column is an `InputError` (a ranking needs scores).
    """
    if hasattr(path_or_buffer, "read"):
        data = path_or_buffer.read()
        if isinstance(data, str):
            data = data.encode()
        name = Path(str(getattr(path_or_buffer, "name", "") or "predictions.csv")).name
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / name
            path.write_bytes(data)
            return read_predictions_file(path)
    path = Path(os.fspath(path_or_buffer))
    header, delim = _header(path)
    low = {h.lower() for h in header}
    if {"regulator", "target", "score"} <= low and low & {"rank", "known", "trained", "label", "sign"}:
        return to_pred(_read_ours(path, header, delim))
    if len(header) < 3:
        raise InputError("the predictions file has no score column", where=path.name,
                         fix="give every edge a score: regulator, target, score")
    return to_pred(read_predictions(path))


def _header(path: Path) -> tuple[list[str], str | None]:
    """The first line's fields and the delimiter (`InputError` for empty or binary files)."""
    sn = sniff(path, "predicted network")
    lines = [ln for ln in sn.lines() if ln.strip()]
    delim = sniff_delimiter(lines)
    if not lines or delim is None:
        raise InputError("the predictions file has one column; expected regulator, target, score",
                         where=path.name, fix="write one edge per line: regulator, target, score")
    return [f.strip().strip('"') for f in split_line(lines[0], delim)], delim


def _read_ours(path: Path, header: list[str], delim: str) -> pd.DataFrame:
    """Our predictions.csv, columns matched case-insensitively (pandas' C parser; names as text)."""
    names = {h: h.lower() for h in header}
    frame = pd.read_csv(path, sep=r"\s+" if delim == " " else delim, keep_default_na=False, na_values=[],
                        compression="infer", encoding="utf-8-sig",
                        dtype={h: str for h, low in names.items() if low in ("regulator", "target")})
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    if not pd.api.types.is_numeric_dtype(frame["score"]):
        score = pd.to_numeric(frame["score"], errors="coerce")
        if score.isna().any():
            line = int(np.flatnonzero(score.isna().to_numpy())[0]) + 2
            raise InputError(f"the score on line {line} is not a number", where=path.name,
                             fix="the score column must hold numbers")
        frame["score"] = score
    return frame


def _flag(values, n: int, name: str) -> np.ndarray:
    """0/1 int8 column from a scalar or an array-like (anything non-zero is 1)."""
    if np.isscalar(values):
        return np.full(n, 1 if values else 0, np.int8)
    v = pd.to_numeric(pd.Series(values), errors="coerce")
    if v.isna().any():
        raise InputError(f"the {name} column holds {int(v.isna().sum())} non-numeric values",
                         where="predictions", fix=f"{name} must be 0 or 1")
    return (v.to_numpy() != 0).astype(np.int8)


"""Reviewed pairs: the table of verdicts, its exports and the summary per verdict.

The Markdown export has the layout of the thesis's Table 5.13 ("Literature-supported validation of
predicted gene interactions"): ``Gene Pair | PubMed ID | Evidence from Literature``, the evidence
being the quoted sentence. The CSV export has every column of every review.
"""

from __future__ import annotations

import html
import re
import time

import pandas as pd

from .store import REVIEW_COLUMNS, VERDICTS

NOT_REVIEWED = "not reviewed"


def reviewed_candidates(cands: pd.DataFrame, reviews: pd.DataFrame) -> pd.DataFrame:
    """``cands`` (regulator, target, ...) with each pair's ``verdict`` (`NOT_REVIEWED` when it has
    none) and the other review columns prefixed ``review_`` (empty when unreviewed)."""
    rest = [c for c in REVIEW_COLUMNS if c not in ("regulator", "target", "verdict")]
    right = reviews[list(REVIEW_COLUMNS)].rename(columns={c: f"review_{c}" for c in rest})
    out = cands.merge(right, on=["regulator", "target"], how="left")
    out["verdict"] = out["verdict"].fillna(NOT_REVIEWED)
    for c in rest:
        if c != "reviewed_at":
            out[f"review_{c}"] = out[f"review_{c}"].fillna("")
    return out


def summary(cands: pd.DataFrame, reviews: pd.DataFrame, evidence: pd.DataFrame | None = None) -> pd.DataFrame:
    """How many of the candidates got each verdict (and how many are not reviewed yet), with their
    share; with ``evidence``, also how many have at least one PubMed paper naming both genes."""
    joined = reviewed_candidates(cands[["regulator", "target"]], reviews)
    counts = joined["verdict"].value_counts()
    order = [*VERDICTS, NOT_REVIEWED]
    n = max(len(joined), 1)
    out = pd.DataFrame({"verdict": order, "pairs": [int(counts.get(v, 0)) for v in order]})
    if evidence is not None and len(evidence):
        hits = evidence.merge(joined, on=["regulator", "target"])
        has = pd.to_numeric(hits["pubmed_count"], errors="coerce").fillna(0) > 0
        per = hits.loc[has, "verdict"].value_counts()
        out["with PubMed papers"] = [int(per.get(v, 0)) for v in order]
    out["share"] = out["pairs"] / n
    return out


def export_csv(reviews: pd.DataFrame) -> str:
    """Every review as CSV (``reviewed_at`` as UTC ISO time)."""
    out = reviews[list(REVIEW_COLUMNS)].copy()
    out["reviewed_at"] = [_iso(t) for t in out["reviewed_at"]]
    return out.to_csv(index=False)


def export_markdown(reviews: pd.DataFrame, *, verdicts=("supported",), title: str = "") -> str:
    """The reviews with ``verdicts`` as a Markdown table laid out like the thesis's Table 5.13:
    ``Gene Pair | PubMed ID | Evidence from Literature`` (the quote in double quotes, then the note
    in brackets when there is one). ``title`` becomes the table caption under it."""
    rows = reviews[reviews["verdict"].isin(verdicts)] if verdicts else reviews
    lines = ["| Gene Pair | PubMed ID | Evidence from Literature |", "|---|---|---|"]
    for r in rows.itertuples(index=False):
        evidence = f"“{r.quote}”" if r.quote else ""
        if r.note:
            evidence = f"{evidence} ({r.note})" if evidence else r.note
        lines.append(f"| {_cell(f'{r.regulator}, {r.target}')} | {_cell(r.pmids)} | {_cell(evidence)} |")
    if title:
        lines += ["", f"Table: {_cell(title)}"]
    return "\n".join(lines) + "\n"


def highlight(sentence: str, words) -> list[tuple[str, bool]]:
    """``sentence`` cut into ``(text, is_mention)`` pieces, the mentions being the occurrences of
    ``words`` (case-insensitive, longest first), so a page can escape each piece and emphasise the
    mentions."""
    words = sorted({w for w in words if w}, key=len, reverse=True)
    if not words or not sentence:
        return [(sentence, False)] if sentence else []
    pattern = re.compile("|".join(re.escape(w) for w in words), re.I)
    out, pos = [], 0
    for m in pattern.finditer(sentence):
        if m.start() > pos:
            out.append((sentence[pos:m.start()], False))
        out.append((m.group(0), True))
        pos = m.end()
    if pos < len(sentence):
        out.append((sentence[pos:], False))
    return out


def _cell(text: object) -> str:
    """A Markdown table cell: HTML specials and pipes escaped (a title holding ``<i>`` shows as
    text wherever the table is rendered), line breaks turned into spaces."""
    return html.escape(" ".join(str(text).split()), quote=False).replace("|", "\\|")


def _iso(t) -> str:
    try:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(float(t)))
    except (TypeError, ValueError):
        return ""

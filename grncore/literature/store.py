"""The literature store: cached service answers and reviewers' verdicts, in one SQLite file.

The file is ``literature.sqlite`` in the workspace root, beside ``workspace.sqlite`` but separate
from it, so its schema evolves on its own (``PRAGMA user_version``, `MIGRATIONS` below) without
touching the workspace's versioned schema. WAL mode; every call opens its own short connection,
so background lookups, pages and the CLI may share it.

Tables:

- ``esearch(term, count, pmids, fetched_at)``: one E-utilities esearch answer per query term.
- ``summaries(pmid, title, journal, year, pmcid, fetched_at)``: one esummary record per paper.
- ``pubtator(query, count, passages, fetched_at)``: one PubTator3 search answer per query.
- ``reviews(regulator, target, verdict, pmids, quote, note, reviewer, reviewed_at, run_id)``: a
  reviewer's verdict on a directed gene pair (one per pair; saving again edits it).

A cached answer is replaced only by a successful new answer, so a failed refresh keeps it.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Iterable

import pandas as pd

from .._sqlite import migrate, transaction
from ..data import InputError
from .client import Passage, PubTatorHit, SearchHit, Summary

FILE_NAME = "literature.sqlite"
VERDICTS = ("supported", "contradicted", "no evidence", "unclear")

MIGRATIONS: list[str] = [
    """
    CREATE TABLE esearch (term TEXT PRIMARY KEY, count INTEGER NOT NULL, pmids TEXT NOT NULL,
                          fetched_at REAL NOT NULL);
    CREATE TABLE summaries (pmid TEXT PRIMARY KEY, title TEXT NOT NULL, journal TEXT NOT NULL,
                            year TEXT NOT NULL, pmcid TEXT NOT NULL DEFAULT '', fetched_at REAL NOT NULL);
    CREATE TABLE pubtator (query TEXT PRIMARY KEY, count INTEGER NOT NULL, passages TEXT NOT NULL,
                           fetched_at REAL NOT NULL);
    CREATE TABLE reviews (regulator TEXT NOT NULL, target TEXT NOT NULL, verdict TEXT NOT NULL,
                          pmids TEXT NOT NULL DEFAULT '', quote TEXT NOT NULL DEFAULT '',
                          note TEXT NOT NULL DEFAULT '', reviewer TEXT NOT NULL DEFAULT '',
                          reviewed_at REAL NOT NULL, run_id TEXT NOT NULL DEFAULT '',
                          PRIMARY KEY (regulator, target));
    """,
]

REVIEW_COLUMNS = ("regulator", "target", "verdict", "pmids", "quote", "note", "reviewer", "reviewed_at", "run_id")


class LiteratureStore:
    """``<workspace>/literature.sqlite`` (see module doc). Cheap to construct, thread-safe."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.path = self.root / FILE_NAME
        self._lock = threading.Lock()
        with self._lock:
            migrate(self.path, MIGRATIONS, newer=lambda version: InputError(
                f"{FILE_NAME} has schema version {version}, newer than this GRN Workbench ({len(MIGRATIONS)})",
                where=str(self.root), fix="upgrade the app"))

    @classmethod
    def of(cls, workspace) -> "LiteratureStore":
        """The store of a `grncore.jobs.Workspace` (or of a workspace folder)."""
        return cls(getattr(workspace, "root", workspace))

    def connect(self):
        """A transaction on ``literature.sqlite`` (`grncore._sqlite.transaction`)."""
        return transaction(self.path)

    # ------------------------------------------------------------------ cache: E-utilities
    def put_search(self, hit: SearchHit) -> None:
        with self.connect() as con:
            con.execute("INSERT OR REPLACE INTO esearch VALUES (?, ?, ?, ?)",
                        (hit.term, hit.count, json.dumps(list(hit.pmids)), time.time()))

    def searches(self, terms: Iterable[str]) -> dict[str, tuple[SearchHit, float]]:
        """Cached esearch answers by term, with the time each was fetched."""
        terms = list(dict.fromkeys(terms))
        out = {}
        with self.connect() as con:
            for chunk in _chunks(terms):
                rows = con.execute(f"SELECT * FROM esearch WHERE term IN ({_marks(chunk)})", chunk).fetchall()
                for r in rows:
                    out[r["term"]] = (SearchHit(r["term"], r["count"], tuple(json.loads(r["pmids"]))), r["fetched_at"])
        return out

    def put_summaries(self, summaries: Iterable[Summary]) -> None:
        now = time.time()
        with self.connect() as con:
            con.executemany("INSERT OR REPLACE INTO summaries VALUES (?, ?, ?, ?, ?, ?)",
                            [(s.pmid, s.title, s.journal, s.year, s.pmcid, now) for s in summaries])

    def summaries(self, pmids: Iterable[str]) -> dict[str, Summary]:
        pmids = list(dict.fromkeys(str(p) for p in pmids))
        out = {}
        with self.connect() as con:
            for chunk in _chunks(pmids):
                for r in con.execute(f"SELECT * FROM summaries WHERE pmid IN ({_marks(chunk)})", chunk):
                    out[r["pmid"]] = Summary(r["pmid"], r["title"], r["journal"], r["year"], r["pmcid"])
        return out

    # ------------------------------------------------------------------ cache: PubTator3
    def put_pubtator(self, hit: PubTatorHit) -> None:
        passages = [{"pmid": p.pmid, "title": p.title, "sentence": p.sentence, "mentions": list(p.mentions)}
                    for p in hit.passages]
        with self.connect() as con:
            con.execute("INSERT OR REPLACE INTO pubtator VALUES (?, ?, ?, ?)",
                        (hit.query, hit.count, json.dumps(passages), time.time()))

    def pubtators(self, queries: Iterable[str]) -> dict[str, tuple[PubTatorHit, float]]:
        queries = list(dict.fromkeys(queries))
        out = {}
        with self.connect() as con:
            for chunk in _chunks(queries):
                for r in con.execute(f"SELECT * FROM pubtator WHERE query IN ({_marks(chunk)})", chunk):
                    passages = tuple(Passage(p["pmid"], p["title"], p["sentence"], tuple(p["mentions"]))
                                     for p in json.loads(r["passages"]))
                    out[r["query"]] = (PubTatorHit(r["query"], r["count"], passages), r["fetched_at"])
        return out

    # ------------------------------------------------------------------ reviews
    def save_review(self, regulator: str, target: str, verdict: str, *, pmids: str | Iterable[str] = "",
                    quote: str = "", note: str = "", reviewer: str = "", run_id: str = "") -> None:
        """Record (or edit) the verdict on ``regulator -> target``; ``reviewed_at`` is now."""
        if verdict not in VERDICTS:
            raise InputError(f"unknown verdict {verdict!r}", where="review", fix=f"choose one of {', '.join(VERDICTS)}")
        if not isinstance(pmids, str):
            pmids = ", ".join(str(p) for p in pmids)
        pmids = ", ".join(p for p in (x.strip() for x in pmids.replace(";", ",").split(",")) if p)
        bad = [p for p in pmids.split(", ") if p and not (p.isdigit() or p.upper().startswith("PMC"))]
        if bad:
            raise InputError(f"{bad[0]!r} is not a PubMed id", where="review PMIDs",
                             fix="write PubMed ids (digits) or PMC ids (PMC...), separated by commas")
        with self.connect() as con:
            con.execute("INSERT OR REPLACE INTO reviews VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (str(regulator), str(target), verdict, pmids, quote.strip(), note.strip(),
                         reviewer.strip(), time.time(), run_id))

    def delete_review(self, regulator: str, target: str) -> None:
        with self.connect() as con:
            con.execute("DELETE FROM reviews WHERE regulator = ? AND target = ?", (regulator, target))

    def reviews(self) -> pd.DataFrame:
        """Every review (columns `REVIEW_COLUMNS`), most recent first."""
        with self.connect() as con:
            rows = [dict(r) for r in con.execute("SELECT * FROM reviews ORDER BY reviewed_at DESC")]
        return pd.DataFrame(rows, columns=list(REVIEW_COLUMNS))

    def review(self, regulator: str, target: str) -> dict | None:
        with self.connect() as con:
            row = con.execute("SELECT * FROM reviews WHERE regulator = ? AND target = ?",
                              (regulator, target)).fetchone()
        return dict(row) if row else None


def _chunks(items: list, size: int = 500):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _marks(chunk: list) -> str:
    return ", ".join("?" * len(chunk))

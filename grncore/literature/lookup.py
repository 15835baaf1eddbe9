"""Fetching evidence for gene pairs: cache first, the two services side by side, each on its own.

`lookup` takes pairs (a frame with ``regulator, target``), answers what it can from the
`LiteratureStore`, asks E-utilities (one esearch per pair, then esummary for every new PMID in
batches) and PubTator3 (one search per pair) for the rest, in two threads so each service keeps its
own rate limit and fails on its own: when one is unreachable (`ServiceOffline`) its remaining
requests are skipped and the other's evidence still arrives. `evidence_table` reads the cache only
(what the page shows before and after a lookup, and what the CLI writes when offline).

`LookupJob` runs `lookup` in a background thread with a progress state and a cancel event, for a
page to poll; the thread never touches the UI.
"""

from __future__ import annotations

import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Callable

import pandas as pd

from .client import Eutils, PubTator, ServiceError, ServiceOffline, pair_term, pubtator_query
from .store import LiteratureStore

PUBMED_URL = "https://pubmed.ncbi.nlm.nih.gov/"
SERVICES = (Eutils.service, PubTator.service)
MAX_CONSECUTIVE_ERRORS = 3


def pubmed_search_url(term: str) -> str:
    """A PubMed search link for ``term`` (for the user to click; the app never requests it)."""
    return f"{PUBMED_URL}?term={urllib.parse.quote_plus(term)}"


def pubmed_url(pmid: str) -> str:
    return f"{PUBMED_URL}{urllib.parse.quote(str(pmid))}/"


@dataclass
class ServiceStatus:
    """How one service did in a lookup: ``ok`` (answered), ``cached`` (nothing to ask),
    ``offline`` (unreachable; the rest was skipped), ``error`` (answered with errors),
    ``cancelled``."""

    state: str = "cached"
    message: str = ""
    requests: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class LookupReport:
    evidence: pd.DataFrame
    services: dict[str, ServiceStatus]
    cancelled: bool = False
    seconds: float = 0.0

    @property
    def offline(self) -> list[str]:
        return [name for name, s in self.services.items() if s.state == "offline"]

    def notices(self) -> list[str]:
        """One plain sentence per service that did not fully answer."""
        out = []
        for name, s in self.services.items():
            if s.state == "offline":
                out.append(f"{name} is offline: {s.message}. Cached evidence is shown, and the PubMed "
                           "links still work from your own browser.")
            elif s.state == "error":
                out.append(f"{name} answered with errors ({len(s.errors)}): {s.errors[0]}")
        return out


def _pairs(pairs) -> list[tuple[str, str]]:
    if isinstance(pairs, pd.DataFrame):
        return list(zip(pairs["regulator"].astype(str), pairs["target"].astype(str)))
    return [(str(a), str(b)) for a, b in pairs]


def evidence_table(store: LiteratureStore, pairs, organism: str | None = None) -> pd.DataFrame:
    """The cached evidence of each pair (one row per pair, in order).

    Columns: ``regulator, target`` (and any other columns of a ``pairs`` frame), ``term`` (the
    PubMed query), ``search_url``, ``pubmed_count`` (Int64; NA when never fetched), ``pmids``,
    ``titles``, ``journals``, ``years``, ``pmcids`` (tuples, PubMed's relevance order), ``pubtator_count``,
    ``sentence`` (the first passage naming both genes, "" when none), ``sentence_pmid``,
    ``mentions`` (the words to highlight), ``passages`` (up to 3 dicts), ``eutils_fetched_at``,
    ``pubtator_fetched_at`` (epoch seconds; NaN when never fetched).
    """
    plist = _pairs(pairs)
    terms = [pair_term(a, b, organism) for a, b in plist]
    queries = [pubtator_query(a, b) for a, b in plist]
    searches = store.searches(terms)
    pubs = store.pubtators(queries)
    summaries = store.summaries(p for t in terms if t in searches for p in searches[t][0].pmids)
    rows = []
    for (a, b), term, query in zip(plist, terms, queries):
        row = {"regulator": a, "target": b, "term": term, "search_url": pubmed_search_url(term)}
        hit = searches.get(term)
        pmids = hit[0].pmids if hit else ()
        docs = [summaries.get(p) for p in pmids]
        row.update(pubmed_count=hit[0].count if hit else pd.NA, pmids=pmids,
                   titles=tuple(d.title if d else "" for d in docs),
                   journals=tuple(d.journal if d else "" for d in docs),
                   years=tuple(d.year if d else "" for d in docs),
                   pmcids=tuple(d.pmcid if d else "" for d in docs),
                   eutils_fetched_at=hit[1] if hit else float("nan"))
        pub = pubs.get(query)
        passages = pub[0].passages if pub else ()
        first = passages[0] if passages else None
        row.update(pubtator_count=pub[0].count if pub else pd.NA,
                   sentence=first.sentence if first else "", sentence_pmid=first.pmid if first else "",
                   mentions=first.mentions if first else (),
                   passages=[{"pmid": p.pmid, "title": p.title, "sentence": p.sentence, "mentions": p.mentions}
                             for p in passages],
                   pubtator_fetched_at=pub[1] if pub else float("nan"))
        rows.append(row)
    out = pd.DataFrame(rows, columns=["regulator", "target", "term", "search_url", "pubmed_count", "pmids", "titles",
                                      "journals", "years", "pmcids", "eutils_fetched_at", "pubtator_count", "sentence",
                                      "sentence_pmid", "mentions", "passages", "pubtator_fetched_at"])
    out["pubmed_count"] = out["pubmed_count"].astype("Int64")
    out["pubtator_count"] = out["pubtator_count"].astype("Int64")
    if isinstance(pairs, pd.DataFrame):
        extra = [c for c in pairs.columns if c not in out.columns]
        out = pd.concat([out.iloc[:, :2], pairs[extra].reset_index(drop=True), out.iloc[:, 2:]], axis=1)
    return out


EVIDENCE_CSV_COLUMNS = ("regulator", "target", "score", "rank", "pubmed_count", "pmids", "titles", "sentence")


def evidence_export(evidence: pd.DataFrame) -> pd.DataFrame:
    """The evidence as flat columns (`EVIDENCE_CSV_COLUMNS`): PMIDs joined by ``;``, titles by
    `` | ``, the first sentence naming both genes (what ``evidence.csv`` holds)."""
    out = pd.DataFrame({c: evidence[c] for c in ("regulator", "target", "score", "rank", "pubmed_count")
                        if c in evidence})
    for c in ("score", "rank"):
        if c not in out:
            out[c] = pd.NA
    out["pmids"] = [";".join(p) for p in evidence["pmids"]]
    out["titles"] = [" | ".join(t) for t in evidence["titles"]]
    out["sentence"] = evidence["sentence"].to_numpy()
    return out[list(EVIDENCE_CSV_COLUMNS)]


def lookup(pairs, store: LiteratureStore, *, organism: str | None = None, refresh: bool = False,
           eutils: Eutils | None = None, pubtator: PubTator | None = None, retmax: int = 5,
           progress: Callable[[int, int, str], None] | None = None,
           cancel: threading.Event | None = None) -> LookupReport:
    """Fetch what the cache lacks (everything with ``refresh``) and return the evidence table.

    ``progress(done, total, message)`` is called from the worker threads (keep it cheap and
    thread-safe); ``cancel`` stops both services between requests.
    """
    started = time.monotonic()
    plist = list(dict.fromkeys(_pairs(pairs)))
    cancel = cancel or threading.Event()
    eutils = eutils or Eutils()
    pubtator = pubtator or PubTator()
    terms = {p: pair_term(*p, organism) for p in plist}
    queries = {p: pubtator_query(*p) for p in plist}
    have_e = set() if refresh else set(store.searches(terms.values()))
    have_p = set() if refresh else set(store.pubtators(queries.values()))
    todo_e = [p for p in plist if terms[p] not in have_e]
    todo_p = [p for p in plist if queries[p] not in have_p]
    status = {name: ServiceStatus() for name in SERVICES}
    lock = threading.Lock()
    done = [0]
    total = [len(todo_e) + len(todo_p) + (1 if todo_e else 0)]

    def tick(message: str, n: int = 1) -> None:
        with lock:
            done[0] += n
            d, t = done[0], total[0]
        if progress is not None:
            progress(d, t, message)

    def run_service(name: str, todo: list, ask: Callable, save: Callable) -> None:
        st, consecutive = status[name], 0
        for i, (a, b) in enumerate(todo):
            if cancel.is_set():
                st.state = "cancelled"
                return
            try:
                save(ask(a, b))
                st.state, consecutive = "ok", 0
            except ServiceOffline as exc:
                st.state, st.message = "offline", exc.what
                tick(f"{name} offline", len(todo) - i)
                return
            except ServiceError as exc:
                st.errors.append(f"{a} -> {b}: {exc}")
                consecutive += 1
                if consecutive >= MAX_CONSECUTIVE_ERRORS:
                    st.state = "error"
                    tick(f"{name} keeps failing", len(todo) - i)
                    return
            tick(f"{name}: {a} -> {b}")
        if st.errors:
            st.state = "error"

    def eutils_work() -> None:
        run_service(Eutils.service, todo_e, lambda a, b: eutils.esearch(terms[(a, b)], retmax=retmax),
                    store.put_search)
        st = status[Eutils.service]
        if not todo_e:
            return
        if st.state in ("offline", "cancelled") or cancel.is_set():
            tick(f"{Eutils.service}: no summaries ({st.state})")  # the summaries step ends too
            return
        searched = store.searches(terms.values())
        wanted = [pm for p in plist if terms[p] in searched for pm in searched[terms[p]][0].pmids]
        known = {} if refresh else store.summaries(wanted)
        missing = [pm for pm in dict.fromkeys(wanted) if pm not in known]
        try:
            if missing:
                store.put_summaries(eutils.esummary(missing).values())
        except ServiceOffline as exc:
            st.state, st.message = "offline", exc.what
        except ServiceError as exc:
            st.state = "error"
            st.errors.append(f"esummary: {exc}")
        tick(f"{Eutils.service}: {len(missing)} summaries")

    workers = [threading.Thread(target=eutils_work, name="grn-lit-eutils", daemon=True),
               threading.Thread(target=run_service, name="grn-lit-pubtator", daemon=True,
                                args=(PubTator.service, todo_p, lambda a, b: pubtator.search(a, b), store.put_pubtator))]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    status[Eutils.service].requests = eutils.http.requests_made
    status[PubTator.service].requests = pubtator.http.requests_made
    return LookupReport(evidence_table(store, pairs, organism), status, cancelled=cancel.is_set(),
                        seconds=time.monotonic() - started)


class LookupJob:
    """`lookup` in a background thread: ``snapshot()`` for the page to poll, ``cancel()``."""

    def __init__(self, pairs, store: LiteratureStore, **kwargs):
        self.pairs, self.store, self.kwargs = pairs, store, kwargs
        self.cancel_event = threading.Event()
        self.done = self.total = 0
        self.message = "starting"
        self.status = "queued"
        self.report: LookupReport | None = None
        self.error: str = ""
        self.started = time.time()
        self._thread = threading.Thread(target=self._run, name="grn-lit-lookup", daemon=True)

    def start(self) -> "LookupJob":
        self.status = "running"
        self._thread.start()
        return self

    def _progress(self, done: int, total: int, message: str) -> None:
        self.done, self.total, self.message = done, total, message

    def _run(self) -> None:
        try:
            self.report = lookup(self.pairs, self.store, progress=self._progress, cancel=self.cancel_event,
                                 **self.kwargs)
            self.status = "cancelled" if self.report.cancelled else "done"
        except Exception as exc:  # noqa: BLE001 - shown on the page; a lookup must never kill the server
            self.error = f"{type(exc).__name__}: {exc}"
            self.status = "failed"

    def cancel(self) -> None:
        self.cancel_event.set()

    @property
    def running(self) -> bool:
        return self.status in ("queued", "running")

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job finished (tests, scripts); True when it did."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def snapshot(self) -> dict:
        fraction = min(1.0, self.done / self.total) if self.total else (0.0 if self.running else 1.0)
        return {"status": self.status, "done": self.done, "total": self.total, "message": self.message,
                "fraction": fraction, "elapsed": time.time() - self.started, "error": self.error}

"""Evidence clients: NCBI E-utilities (esearch, esummary) and PubTator3 search, over stdlib urllib.

E-utilities (https://www.ncbi.nlm.nih.gov/books/NBK25499/), ``retmode=json``:

- ``esearch.fcgi?db=pubmed&term=...&retmax=k`` answers
  ``{"esearchresult": {"count": "12", "idlist": ["31234567", ...], "errorlist": {...}}}``. A quoted
  phrase PubMed does not know is listed in ``errorlist.phrasesnotfound`` and silently dropped from
  the query, so the count would be that of the other gene alone: such an answer counts as 0 papers.
- ``esummary.fcgi?db=pubmed&id=1,2,3`` answers ``{"result": {"uids": [...], "<uid>": {"title",
  "source" (journal), "pubdate" ("2019 Jan 5"), "articleids": [{"idtype": "pmc", "value": ...}]}}}``;
  ids are sent in batches of `ESUMMARY_BATCH`.

NCBI's usage policy: every request carries ``tool`` and ``email`` (``GRN_NCBI_EMAIL``; left out when
unset) and at most 3 requests per second are made, 10 with an API key (``NCBI_API_KEY``, sent as
``api_key``). The limit is enforced by one `RateLimiter` per service shared by every client in the
process (all pages, sessions and background lookups of one server).

PubTator3 (https://www.ncbi.nlm.nih.gov/research/pubtator3/api), ``search/?text=...&page=1``.
What this module assumes of its JSON (from the public API documentation and published clients; it
could not be checked against the live service from here): ``{"results": [{"pmid": 123, "title":
..., "journal": ..., "text_hl": ...}, ...], "count": N, "total_pages": M, "current": 1}``, where
``text_hl`` is a highlighted snippet of the matching passages in which a recognised entity is written
``@GENE_<id> @GENE_<symbol> @@@<display text>@@@`` (the ``@`` tokens naming the entity, the
``@@@`` pair enclosing the words of the text) and query matches are wrapped in ``<m>...</m>``.
A pair is queried as ``@GENE_<A> AND @GENE_<B>`` (gene entities, not words). The snippet is cut
into sentences; a passage is kept when both genes are mentioned in it (as an entity whose id or
display text is the gene's name, or as the word itself), and the entity markup is removed so the
sentence reads as in the paper. PubTator3 asks for at most 3 requests per second too.

Base URLs come from ``GRN_EUTILS_URL`` and ``GRN_PUBTATOR_URL``; the client appends the endpoint
(``esearch.fcgi``, ``esummary.fcgi``, ``search/``). Failures are `ServiceError` (an `InputError`:
a message saying which service, what it answered and what to do), `ServiceOffline` when the service
cannot be reached at all (connection refused, name not resolved, no answer within the timeout).
HTTP 429 and 5xx answers are retried with exponential backoff (honouring ``Retry-After``).
"""

from __future__ import annotations

import json
import os
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from ..data import InputError

DEFAULT_EUTILS_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
DEFAULT_PUBTATOR_URL = "https://www.ncbi.nlm.nih.gov/research/pubtator3-api/"
TOOL = "grn-workbench"
ESUMMARY_BATCH = 200
RETRY_STATUSES = (429, 500, 502, 503, 504)


class ServiceError(InputError):
    """A literature service answered with an error or with something that is not its JSON."""

    def __init__(self, service: str, what: str, *, fix: str | None = None):
        self.service = service
        super().__init__(what, where=service, fix=fix)


class ServiceOffline(ServiceError):
    """The service could not be reached (no route, connection refused, DNS, timeout)."""


class RateLimiter:
    """At most ``rate`` request starts per ``window`` seconds, shared by the threads that hold it.

    Starts are spaced evenly, ``interval = (window + margin) / rate`` apart (no bursts), so any
    ``rate + 1`` consecutive starts span ``window + margin`` seconds: the ``margin`` (0.1 s) keeps the
    requests within the limit where the service receives them even when their travel times differ.
    Each caller reserves the next free slot under a lock and sleeps until it outside the lock."""

    def __init__(self, rate: float, window: float = 1.0, margin: float = 0.1):
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate, self.window, self.margin = rate, window, margin
        self.interval = (window + margin) / rate
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until one more request may start, and count it."""
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            time.sleep(start - now)


_LIMITERS: dict[tuple[str, float], RateLimiter] = {}
_LIMITERS_LOCK = threading.Lock()


def shared_limiter(service: str, rate: float) -> RateLimiter:
    """The process-wide limiter of ``service`` at ``rate`` requests per second."""
    with _LIMITERS_LOCK:
        key = (service, float(rate))
        if key not in _LIMITERS:
            _LIMITERS[key] = RateLimiter(rate)
        return _LIMITERS[key]


@dataclass
class HttpJson:
    """GET a URL and decode its JSON, with a timeout, a rate limiter and retries on 429 / 5xx."""

    service: str
    base_url: str
    limiter: RateLimiter
    timeout: float = 10.0
    retries: int = 3
    backoff: float = 1.0
    max_backoff: float = 10.0
    user_agent: str = f"{TOOL} (python urllib)"
    requests_made: int = field(default=0, init=False)

    def url(self, endpoint: str, params: dict) -> str:
        base = self.base_url if self.base_url.endswith("/") else self.base_url + "/"
        return base + endpoint + "?" + urllib.parse.urlencode(
            {k: v for k, v in params.items() if v is not None and v != ""})

    def get(self, endpoint: str, params: dict):
        url = self.url(endpoint, params)
        attempt = 0
        while True:
            self.limiter.wait()
            self.requests_made += 1
            try:
                req = urllib.request.Request(url, headers={"User-Agent": self.user_agent,
                                                           "Accept": "application/json"})
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    body = resp.read()
            except urllib.error.HTTPError as exc:
                if exc.code in RETRY_STATUSES and attempt < self.retries:
                    time.sleep(self._delay(attempt, exc.headers.get("Retry-After")))
                    attempt += 1
                    continue
                tries = f" after {attempt + 1} tries" if attempt else ""
                raise ServiceError(self.service, f"{endpoint} answered HTTP {exc.code} {exc.reason}{tries}",
                                   fix=_fix_for(exc.code)) from None
            except (TimeoutError, socket.timeout):
                raise ServiceOffline(self.service, f"no answer from {self._host()} within {self.timeout:g} s",
                                     fix="the service is slow or unreachable; cached evidence is shown") from None
            except urllib.error.URLError as exc:
                raise ServiceOffline(self.service, f"cannot reach {self._host()} ({_reason(exc.reason)})",
                                     fix="this server seems to be offline; cached evidence is shown") from None
            except OSError as exc:  # e.g. a connection reset while reading
                raise ServiceOffline(self.service, f"cannot reach {self._host()} ({_reason(exc)})",
                                     fix="this server seems to be offline; cached evidence is shown") from None
            return self._decode(endpoint, body)

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        delay = self.backoff * (2 ** attempt)
        if retry_after:
            try:
                delay = max(delay, float(retry_after))
            except ValueError:
                pass
        return min(delay, self.max_backoff)

    def _decode(self, endpoint: str, body: bytes):
        try:
            return json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            start = body[:60].decode("utf-8", "replace").strip()
            raise ServiceError(self.service, f"{endpoint} answered something that is not JSON "
                               f"(it starts with {start!r})", fix=self.misconfigured()) from None

    def malformed(self, endpoint: str, what: str) -> ServiceError:
        return ServiceError(self.service, f"{endpoint} answered JSON without {what}", fix=self.misconfigured())

    def misconfigured(self) -> str:
        env = "GRN_EUTILS_URL" if self.service == "E-utilities" else "GRN_PUBTATOR_URL"
        return f"check that {env} points at the service (now {self.base_url})"

    def _host(self) -> str:
        return urllib.parse.urlsplit(self.base_url).netloc or self.base_url


def _reason(reason) -> str:
    if isinstance(reason, socket.gaierror):
        return "the name does not resolve"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return "timed out"
    return str(getattr(reason, "strerror", None) or reason)


def _fix_for(code: int) -> str:
    if code == 429:
        return "the service limits requests; wait a minute and fetch again (an NCBI_API_KEY raises the limit)"
    if code >= 500:
        return "the service has a problem right now; try again later"
    return "the request was refused; check the base URL and the query"


# ---------------------------------------------------------------------------------------------- E-utilities
@dataclass(frozen=True)
class SearchHit:
    """What esearch says of a query: the number of papers and the first PMIDs."""

    term: str
    count: int
    pmids: tuple[str, ...]


@dataclass(frozen=True)
class Summary:
    """One paper as esummary describes it."""

    pmid: str
    title: str
    journal: str
    year: str
    pmcid: str = ""


def pair_term(a: str, b: str, organism: str | None = None) -> str:
    """The PubMed query for papers whose title or abstract names both genes:
    ``"A"[tiab] AND "B"[tiab]`` [``AND "organism"``]. An organism term with a field tag
    (``mouse[mh]``) is used as written; otherwise it is quoted as a phrase."""
    term = f'"{_clean(a)}"[tiab] AND "{_clean(b)}"[tiab]'
    if organism and organism.strip():
        org = organism.strip()
        term += f" AND {org}" if "[" in org or org.startswith('"') else f' AND "{_clean(org)}"'
    return term


def _clean(name: str) -> str:
    """A gene name or phrase as a PubMed phrase: quotes and brackets removed, spaces collapsed."""
    return " ".join(re.sub(r'["\[\]]', " ", str(name)).split())


class Eutils:
    """NCBI E-utilities client (see module doc)."""

    service = "E-utilities"

    def __init__(self, base_url: str | None = None, *, email: str | None = None, api_key: str | None = None,
                 timeout: float = 10.0, retries: int = 3, backoff: float = 1.0, rate: float | None = None):
        self.api_key = api_key if api_key is not None else os.environ.get("NCBI_API_KEY") or None
        self.email = email if email is not None else os.environ.get("GRN_NCBI_EMAIL") or None
        self.rate = rate or (10.0 if self.api_key else 3.0)
        self.http = HttpJson(self.service, base_url or os.environ.get("GRN_EUTILS_URL") or DEFAULT_EUTILS_URL,
                             shared_limiter(self.service, self.rate), timeout=timeout, retries=retries,
                             backoff=backoff)

    def _params(self, **params) -> dict:
        return {"db": "pubmed", "retmode": "json", **params, "tool": TOOL, "email": self.email,
                "api_key": self.api_key}

    def esearch(self, term: str, retmax: int = 5) -> SearchHit:
        """Count and first ``retmax`` PMIDs (PubMed's relevance order) of ``term``."""
        data = self.http.get("esearch.fcgi", self._params(term=term, retmax=retmax, sort="relevance"))
        result = data.get("esearchresult") if isinstance(data, dict) else None
        if not isinstance(result, dict):
            raise self.http.malformed("esearch.fcgi", "esearchresult")
        if result.get("ERROR"):
            raise ServiceError(self.service, f"esearch.fcgi refused the query {term!r}: {result['ERROR']}",
                               fix="check the organism term")
        try:
            count = int(result["count"])
            pmids = tuple(str(int(p)) for p in result.get("idlist", []))
        except (KeyError, TypeError, ValueError):
            raise self.http.malformed("esearch.fcgi", "a numeric count and idlist") from None
        missing = (result.get("errorlist") or {}).get("phrasesnotfound") or []
        if missing:  # PubMed dropped an unknown phrase: the answer is not about both genes
            return SearchHit(term, 0, ())
        return SearchHit(term, count, pmids)

    def esummary(self, pmids) -> dict[str, Summary]:
        """Title, journal and year of each PMID, in batches of `ESUMMARY_BATCH` ids per request."""
        ids = list(dict.fromkeys(str(p) for p in pmids))
        out: dict[str, Summary] = {}
        for start in range(0, len(ids), ESUMMARY_BATCH):
            batch = ids[start:start + ESUMMARY_BATCH]
            data = self.http.get("esummary.fcgi", self._params(id=",".join(batch)))
            result = data.get("result") if isinstance(data, dict) else None
            if not isinstance(result, dict):
                raise self.http.malformed("esummary.fcgi", "result")
            for uid in result.get("uids", batch):
                doc = result.get(str(uid))
                if not isinstance(doc, dict) or "error" in doc:
                    continue
                out[str(uid)] = Summary(pmid=str(uid), title=str(doc.get("title", "")),
                                        journal=str(doc.get("source") or doc.get("fulljournalname") or ""),
                                        year=_year(doc), pmcid=_pmcid(doc))
        return out


def _year(doc: dict) -> str:
    for key in ("pubdate", "sortpubdate", "epubdate"):
        m = re.search(r"(1[89]|20)\d\d", str(doc.get(key) or ""))
        if m:
            return m.group(0)
    return ""


def _pmcid(doc: dict) -> str:
    for aid in doc.get("articleids") or []:
        if isinstance(aid, dict) and aid.get("idtype") == "pmc":
            return str(aid.get("value", ""))
    return ""


# ---------------------------------------------------------------------------------------------- PubTator3
@dataclass(frozen=True)
class Passage:
    """A sentence of a paper in which both genes are mentioned; ``mentions`` are the words of the
    sentence that name either gene (what the page highlights)."""

    pmid: str
    title: str
    sentence: str
    mentions: tuple[str, ...]


@dataclass(frozen=True)
class PubTatorHit:
    query: str
    count: int
    passages: tuple[Passage, ...]


def pubtator_query(a: str, b: str) -> str:
    """PubTator3 query for papers with both genes recognised as gene entities."""
    return f"@GENE_{_entity(a)} AND @GENE_{_entity(b)}"


def _entity(name: str) -> str:
    return re.sub(r"\s+", "_", _clean(name))


_ENTITY = re.compile(r"((?:@[A-Za-z]+_[^\s@]+\s+)+)@@@(.*?)@@@", re.S)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[\"'])|\s*(?:\.\.\.|…)\s*")


def parse_text_hl(text_hl: str) -> list[tuple[str, list[tuple[int, int, set[str]]]]]:
    """Split a ``text_hl`` snippet into sentences of plain text, each with its entity mentions
    ``(start, end, ids)`` (character offsets into the sentence; ids lower-cased, without ``@``)."""
    text = str(text_hl).replace("<m>", "").replace("</m>", "")
    plain, spans, pos = [], [], 0
    length = 0
    for m in _ENTITY.finditer(text):
        before = text[pos:m.start()]
        plain.append(before)
        length += len(before)
        shown = m.group(2)
        ids = {tok[1:].lower() for tok in m.group(1).split()}
        spans.append((length, length + len(shown), ids))
        plain.append(shown)
        length += len(shown)
        pos = m.end()
    plain.append(text[pos:])
    full = "".join(plain)
    sentences = []
    start = 0
    for cut in [*_SENTENCE_END.finditer(full), None]:
        end = cut.start() if cut else len(full)
        raw = full[start:end]
        lead = len(raw) - len(raw.lstrip())
        sentence = raw.strip()
        if sentence:
            offset = start + lead
            inside = [(s - offset, e - offset, ids) for s, e, ids in spans
                      if s >= offset and e <= offset + len(sentence)]
            sentences.append((sentence, inside))
        start = cut.end() if cut else len(full)
    return sentences


def _mentions_of(gene: str, sentence: str, spans) -> list[str]:
    """Words of ``sentence`` naming ``gene``: entities whose ids or text are the gene, or the
    gene's name as a whole word."""
    g = gene.lower()
    found = [sentence[s:e] for s, e, ids in spans
             if sentence[s:e].lower() == g or f"gene_{_entity(gene).lower()}" in ids]
    found += [m.group(0) for m in re.finditer(rf"(?<![\w-]){re.escape(gene)}(?![\w-])", sentence, re.I)]
    return list(dict.fromkeys(found))


def passages_for(a: str, b: str, results: list, limit: int = 3) -> tuple[Passage, ...]:
    """The first ``limit`` sentences, over ``results`` (PubTator3 search results), mentioning both."""
    out = []
    for res in results:
        if not isinstance(res, dict):
            continue
        for sentence, spans in parse_text_hl(res.get("text_hl") or ""):
            ma, mb = _mentions_of(a, sentence, spans), _mentions_of(b, sentence, spans)
            if ma and mb:
                out.append(Passage(str(res.get("pmid", "")), str(res.get("title", "")), sentence,
                                   tuple(dict.fromkeys(ma + mb))))
                break
        if len(out) >= limit:
            break
    return tuple(out)


class PubTator:
    """PubTator3 search client (see module doc)."""

    service = "PubTator3"

    def __init__(self, base_url: str | None = None, *, timeout: float = 10.0, retries: int = 3,
                 backoff: float = 1.0, rate: float = 3.0):
        self.rate = rate
        self.http = HttpJson(self.service, base_url or os.environ.get("GRN_PUBTATOR_URL") or DEFAULT_PUBTATOR_URL,
                             shared_limiter(self.service, rate), timeout=timeout, retries=retries, backoff=backoff)

    def search(self, a: str, b: str, limit: int = 3) -> PubTatorHit:
        """Papers with both genes as entities (first page) and the sentences naming both."""
        query = pubtator_query(a, b)
        data = self.http.get("search/", {"text": query, "page": 1})
        if not isinstance(data, dict) or not isinstance(data.get("results"), list):
            raise self.http.malformed("search/", "a results list")
        try:
            count = int(data.get("count", len(data["results"])))
        except (TypeError, ValueError):
            raise self.http.malformed("search/", "a numeric count") from None
        return PubTatorHit(query, count, passages_for(a, b, data["results"], limit))

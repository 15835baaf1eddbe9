"""A stand-in for NCBI E-utilities and PubTator3 on 127.0.0.1, for tests and benchmarks.

Real HTTP (``http.server`` in a thread) speaking the services' JSON (see grncore/literature/client.py):
``/eutils/esearch.fcgi``, ``/eutils/esummary.fcgi``, ``/pubtator/search/``. It answers from a small
corpus of `Paper`s, records every request (arrival time, endpoint, query parameters) and can be told
to fail: answer 429 / 503, send a malformed body, or hold the answer until released (a timeout).
Nothing here talks to the real services.
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.parse
from collections import defaultdict, deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Paper:
    pmid: str
    title: str
    genes: tuple[str, ...]
    text_hl: str = ""
    journal: str = "J Test Biol"
    year: str = "2020"
    organism: str = "Mus musculus"
    pmcid: str = ""


def sentence_hl(a: str, b: str, verb: str = "represses") -> str:
    """A PubTator3-style highlighted snippet in which ``a`` and ``b`` are gene entities."""
    return (f"Cells were grown as described. We show that @GENE_{a} @@@<m>{a}</m>@@@ {verb} "
            f"@GENE_{b} @@@<m>{b}</m>@@@ in embryonic stem cells. ... Further work is needed.")


def synthetic_papers(pairs, per_pair: int = 3, start: int = 30000000) -> list[Paper]:
    """``per_pair`` papers for each (a, b) pair, each naming both genes."""
    papers, pmid = [], start
    for a, b in pairs:
        for k in range(per_pair):
            pmid += 1
            papers.append(Paper(str(pmid), f"{a} and {b} in study {k + 1}", (a, b), sentence_hl(a, b),
                                year=str(2010 + k), pmcid=f"PMC{pmid}"))
    return papers


class StandIn:
    """The stand-in server; use as a context manager (``with StandIn(papers) as s: s.eutils_url``)."""

    def __init__(self, papers: list[Paper], extra_counts: dict | None = None):
        self.papers = list(papers)
        self.by_pmid = {p.pmid: p for p in self.papers}
        self.vocabulary = {g.lower() for p in self.papers for g in p.genes}
        self.extra_counts = {frozenset(g.lower() for g in k): v for k, v in (extra_counts or {}).items()}
        self.requests: list[dict] = []
        self.faults: dict[str, deque] = defaultdict(deque)
        self.release = threading.Event()
        self._lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        self.port = 0

    # ------------------------------------------------------------------ control
    def start(self) -> "StandIn":
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                standin._handle(self)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, name="literature-standin", daemon=True).start()
        return self

    def stop(self) -> None:
        self.release.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def __enter__(self) -> "StandIn":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def eutils_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/eutils/"

    @property
    def pubtator_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/pubtator/"

    def env(self) -> dict:
        return {"GRN_EUTILS_URL": self.eutils_url, "GRN_PUBTATOR_URL": self.pubtator_url}

    def fail(self, endpoint: str, kind: str, times: int = 1) -> None:
        """Answer the next ``times`` requests to ``endpoint`` with ``kind``: an HTTP status
        ("429", "503"), "malformed" (not JSON), "wrongjson" (JSON without the expected keys) or
        "hang" (hold the answer until `release` is set or the server stops)."""
        self.faults[endpoint].extend([kind] * times)

    def received(self, endpoint: str | None = None) -> list[dict]:
        with self._lock:
            return [r for r in self.requests if endpoint is None or r["endpoint"] == endpoint]

    # ------------------------------------------------------------------ answers
    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        url = urllib.parse.urlsplit(h.path)
        params = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query).items()}
        endpoint = url.path.rstrip("/").rsplit("/", 1)[-1]
        with self._lock:
            self.requests.append({"t": time.monotonic(), "endpoint": endpoint, "path": url.path, "params": params})
            fault = self.faults[endpoint].popleft() if self.faults[endpoint] else None
        if fault == "hang":
            self.release.wait(30)
            return self._send(h, 200, b"{}")
        if fault and fault.isdigit():
            body = json.dumps({"error": "API rate limit exceeded"}).encode() if fault == "429" else b"{}"
            return self._send(h, int(fault), body, {"Retry-After": "0"} if fault == "429" else None)
        if fault == "malformed":
            return self._send(h, 200, b"<html><body>Service temporarily unavailable</body></html>", ctype="text/html")
        if fault == "wrongjson":
            return self._send(h, 200, b'{"unexpected": true}')
        if url.path.endswith("/esearch.fcgi"):
            return self._send(h, 200, json.dumps(self._esearch(params)).encode())
        if url.path.endswith("/esummary.fcgi"):
            return self._send(h, 200, json.dumps(self._esummary(params)).encode())
        if url.path.rstrip("/").endswith("/search"):
            return self._send(h, 200, json.dumps(self._pubtator(params)).encode())
        return self._send(h, 404, b'{"error": "not found"}')

    @staticmethod
    def _send(h, status: int, body: bytes, headers: dict | None = None, ctype: str = "application/json") -> None:
        try:
            h.send_response(status)
            h.send_header("Content-Type", ctype)
            h.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)

    def _matching(self, genes: list[str], organism: str | None = None) -> list[Paper]:
        want = {g.lower() for g in genes}
        return [p for p in self.papers if want <= {g.lower() for g in p.genes}
                and (organism is None or p.organism.lower() == organism.lower())]

    def _esearch(self, params: dict) -> dict:
        term = params.get("term", "")
        genes = re.findall(r'"([^"]+)"\[tiab\]', term)
        rest = re.sub(r'"[^"]+"\[tiab\]', "", term)
        organism = next(iter(re.findall(r'"([^"]+)"', rest)), None)
        unknown = [f'"{g}"[tiab]' for g in genes if g.lower() not in self.vocabulary]
        hits = self._matching(genes, organism)
        count = len(hits) + self.extra_counts.get(frozenset(g.lower() for g in genes), 0)
        retmax = int(params.get("retmax", 20))
        result = {"count": str(count), "retmax": str(min(retmax, len(hits))), "retstart": "0",
                  "idlist": [p.pmid for p in hits[:retmax]], "translationset": [], "querytranslation": term}
        if unknown:
            result["errorlist"] = {"phrasesnotfound": unknown, "fieldsnotfound": []}
        return {"header": {"type": "esearch", "version": "0.3"}, "esearchresult": result}

    def _esummary(self, params: dict) -> dict:
        ids = [i for i in params.get("id", "").split(",") if i]
        result: dict = {"uids": ids}
        for i in ids:
            p = self.by_pmid.get(i)
            if p is None:
                result[i] = {"uid": i, "error": "cannot get document summary"}
                continue
            articleids = [{"idtype": "pubmed", "value": p.pmid}]
            if p.pmcid:
                articleids.append({"idtype": "pmc", "value": p.pmcid})
            result[i] = {"uid": p.pmid, "pubdate": f"{p.year} Jan 5", "source": p.journal, "title": p.title,
                         "fulljournalname": p.journal, "articleids": articleids}
        return {"header": {"type": "esummary", "version": "0.3"}, "result": result}

    def _pubtator(self, params: dict) -> dict:
        genes = re.findall(r"@GENE_(\S+)", params.get("text", ""))
        hits = self._matching(genes)
        results = [{"_id": p.pmid, "pmid": int(p.pmid), "title": p.title, "journal": p.journal,
                    "date": f"{p.year}-01-05T00:00:00Z", "score": 100.0 - k, "text_hl": p.text_hl}
                   for k, p in enumerate(hits[:10])]
        return {"results": results, "facets": {}, "page_size": 10, "current": 1, "count": len(hits),
                "total_pages": (len(hits) + 9) // 10}

"""grncore.literature against a stand-in E-utilities / PubTator3 server on 127.0.0.1 (never the real ones)."""

import socket
import threading
import time

import numpy as np
import pandas as pd
import pytest

from grncore.data import InputError
from grncore.literature import (Eutils, LiteratureStore, LookupJob, PubTator, ServiceError, ServiceOffline,
                                candidates, evidence_table, export_csv, export_markdown, lookup, summary)
from grncore.literature.client import RateLimiter, parse_text_hl, pair_term
from tests.literature_standin import Paper, StandIn, sentence_hl, synthetic_papers

PAIRS = [("Runx3", "Ezh2"), ("Mycn", "Lifr"), ("Ctcf", "Arid5b"), ("Foxo3", "Rest"), ("Ets1", "Rest")]
FAST = 100.0  # requests per second for tests that are not about the rate limit


def clients(s: StandIn, rate: float = FAST, timeout: float = 5.0):
    return (Eutils(s.eutils_url, rate=rate, backoff=0.01, timeout=timeout),
            PubTator(s.pubtator_url, rate=rate, backoff=0.01, timeout=timeout))


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"  # nothing listens there once the socket is closed


@pytest.fixture
def store(tmp_path):
    return LiteratureStore(tmp_path / "ws")


def test_esearch_esummary_and_pubtator_answers_are_parsed():
    papers = [Paper("111", "EZH2 silences <i>RUNX3</i> & friends", ("Runx3", "Ezh2"), sentence_hl("Ezh2", "Runx3"),
                    journal="Oncogene", year="2017", pmcid="PMC5216711"),
              Paper("222", "Runx3 in gastric cancer", ("Runx3", "Ezh2"), "Nothing about both here.", year="2011")]
    with StandIn(papers, extra_counts={("Runx3", "Ezh2"): 40}) as s:
        eu, pt = clients(s)
        hit = eu.esearch(pair_term("Runx3", "Ezh2", "Mus musculus"), retmax=5)
        assert (hit.count, hit.pmids) == (42, ("111", "222"))
        docs = eu.esummary(hit.pmids)
        assert docs["111"].title == "EZH2 silences <i>RUNX3</i> & friends"  # raw; the page escapes it
        assert (docs["111"].journal, docs["111"].year, docs["111"].pmcid) == ("Oncogene", "2017", "PMC5216711")
        assert docs["222"].year == "2011"
        tat = pt.search("Runx3", "Ezh2")
        assert tat.count == 2 and len(tat.passages) == 1  # paper 222's snippet names neither as entity
        p = tat.passages[0]
        assert p.pmid == "111"
        assert p.sentence == "We show that Ezh2 represses Runx3 in embryonic stem cells."
        assert set(p.mentions) == {"Ezh2", "Runx3"}
        params = s.received("esearch.fcgi")[0]["params"]
        assert params["term"] == '"Runx3"[tiab] AND "Ezh2"[tiab] AND "Mus musculus"'
        assert (params["tool"], params["retmode"], params["db"]) == ("grn-workbench", "json", "pubmed")
        assert s.received("search")[0]["params"]["text"] == "@GENE_Runx3 AND @GENE_Ezh2"


def test_text_hl_entities_with_synonyms_are_mentions_and_markup_is_removed():
    hl = ("Intro. The @GENE_2146 @GENE_EZH2 @@@enhancer of zeste homolog 2@@@ protein binds "
          "@GENE_RUNX3 @@@<m>Runx3</m>@@@! Next sentence.")
    sentences = parse_text_hl(hl)
    assert [t for t, _ in sentences] == ["Intro.", "The enhancer of zeste homolog 2 protein binds Runx3!",
                                         "Next sentence."]
    text, spans = sentences[1]
    assert [text[a:b] for a, b, _ in spans] == ["enhancer of zeste homolog 2", "Runx3"]
    from grncore.literature.client import passages_for
    (p,) = passages_for("EZH2", "RUNX3", [{"pmid": 9, "title": "t", "text_hl": hl}])
    assert set(p.mentions) == {"enhancer of zeste homolog 2", "Runx3"}


def test_a_phrase_pubmed_does_not_know_counts_as_no_paper():
    with StandIn(synthetic_papers([("Runx3", "Ezh2")])) as s:
        eu, _ = clients(s)
        hit = eu.esearch(pair_term("Runx3", "Notagene1"))
        assert (hit.count, hit.pmids) == (0, ())


ARRIVAL_JITTER = 0.15  # s: how much later than sent a request may arrive on a busy 2-core test machine


def assert_within(arrivals: np.ndarray, rate: float) -> None:
    """The stand-in received at most ``rate`` requests per second: on average over the whole run,
    and in every window of ``rate + 1`` consecutive requests (which must span a second, less the
    arrival jitter of a loaded machine)."""
    k = int(rate)
    assert (len(arrivals) - 1) / (arrivals[-1] - arrivals[0]) <= rate
    assert (arrivals[k:] - arrivals[:-k]).min() >= 1.0 - ARRIVAL_JITTER


def test_requests_stay_within_three_per_second_and_ten_with_an_api_key():
    papers = synthetic_papers(PAIRS, per_pair=1)
    with StandIn(papers) as s:
        eu = Eutils(s.eutils_url, rate=3.0)
        for _ in range(3):
            for a, b in PAIRS[:4]:
                eu.esearch(pair_term(a, b))
        t = np.array([r["t"] for r in s.received("esearch.fcgi")])
        assert len(t) == 12
        assert_within(t, 3.0)
        keyed = Eutils(s.eutils_url, api_key="k123", email="lab@example.org")
        assert keyed.rate == 10.0
        for _ in range(6):
            for a, b in PAIRS[:4]:
                keyed.esearch(pair_term(a, b))
        got = s.received("esearch.fcgi")[12:]
        t = np.array([r["t"] for r in got])
        assert len(t) == 24
        assert_within(t, 10.0)
        assert (got[0]["params"]["api_key"], got[0]["params"]["email"]) == ("k123", "lab@example.org")


def test_the_limiter_is_shared_by_threads():
    limiter = RateLimiter(5.0)
    starts, lock = [], threading.Lock()

    def work():
        for _ in range(4):
            limiter.wait()
            with lock:
                starts.append(time.monotonic())

    threads = [threading.Thread(target=work) for _ in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    t = np.sort(starts)
    assert len(t) == 12 and (t[5:] - t[:-5]).min() >= 1.0


def test_429_then_success_is_retried_and_5xx_gives_up_with_a_clear_message():
    with StandIn(synthetic_papers(PAIRS[:1])) as s:
        eu, pt = clients(s)
        s.fail("esearch.fcgi", "429")
        assert eu.esearch(pair_term(*PAIRS[0])).count == 3
        assert len(s.received("esearch.fcgi")) == 2
        s.fail("search", "503", times=4)
        with pytest.raises(ServiceError) as err:
            pt.search(*PAIRS[0])
        assert "PubTator3: search/ answered HTTP 503" in str(err.value) and "after 4 tries" in str(err.value)
        assert not isinstance(err.value, ServiceOffline)


def test_malformed_answers_and_timeouts_give_clear_errors():
    with StandIn(synthetic_papers(PAIRS[:1])) as s:
        eu, _ = clients(s)
        _, pt = clients(s, timeout=0.5)
        s.fail("esearch.fcgi", "malformed")
        with pytest.raises(ServiceError) as err:
            eu.esearch(pair_term(*PAIRS[0]))
        msg = str(err.value)
        assert "E-utilities: esearch.fcgi answered something that is not JSON (it starts with '<html><body>Service" in msg
        assert f"GRN_EUTILS_URL points at the service (now {s.eutils_url})" in msg
        s.fail("esummary.fcgi", "wrongjson")
        with pytest.raises(ServiceError, match="esummary.fcgi answered JSON without result"):
            eu.esummary(["30000001"])
        s.fail("search", "hang")
        with pytest.raises(ServiceOffline, match=r"PubTator3: no answer from 127\.0\.0\.1:\d+ within 0\.5 s"):
            pt.search(*PAIRS[0])
    with pytest.raises(ServiceOffline, match="connection refused"):
        Eutils(closed_port_url(), rate=FAST).esearch("x")


def test_a_second_lookup_is_answered_from_the_cache(store):
    with StandIn(synthetic_papers(PAIRS)) as s:
        eu, pt = clients(s)
        first = lookup(pd.DataFrame(PAIRS, columns=["regulator", "target"]), store, eutils=eu, pubtator=pt)
        n = len(s.received())
        assert n == len(PAIRS) * 2 + 1  # an esearch and a PubTator search per pair, one batched esummary
        assert len(s.received("esummary.fcgi")[0]["params"]["id"].split(",")) == 15
        ev = first.evidence
        assert list(ev["pubmed_count"]) == [3] * 5 and all(len(t) == 3 for t in ev["titles"])
        assert ev.loc[0, "titles"][0] == "Runx3 and Ezh2 in study 1"
        assert ev.loc[0, "pmcids"] == ("PMC30000001", "PMC30000002", "PMC30000003")
        assert ev.loc[0, "sentence"] == "We show that Runx3 represses Ezh2 in embryonic stem cells."
        assert {k: v.state for k, v in first.services.items()} == {"E-utilities": "ok", "PubTator3": "ok"}
        eu2, pt2 = clients(s)
        second = lookup(PAIRS, store, eutils=eu2, pubtator=pt2)
        assert len(s.received()) == n  # no request at all
        assert {k: v.state for k, v in second.services.items()} == {"E-utilities": "cached", "PubTator3": "cached"}
        pd.testing.assert_series_equal(second.evidence["pubmed_count"], ev["pubmed_count"])
        lookup(PAIRS[:2], store, eutils=eu2, pubtator=pt2, refresh=True)
        assert len(s.received()) == n + 2 * 2 + 1


def test_offline_keeps_the_cache_and_each_service_degrades_on_its_own(store):
    s = StandIn(synthetic_papers(PAIRS)).start()
    eu, pt = clients(s)
    lookup(PAIRS[:3], store, eutils=eu, pubtator=pt)
    s.stop()
    ticks = []
    report = lookup(PAIRS, store, eutils=eu, pubtator=pt, refresh=True, progress=lambda d, t, m="": ticks.append((d, t)))
    assert sorted(report.offline) == ["E-utilities", "PubTator3"]
    assert ticks[-1][0] == ticks[-1][1]  # the progress ends at its total, offline too
    assert report.notices()[0].startswith("E-utilities is offline: cannot reach 127.0.0.1:")
    assert "connection refused). Cached evidence is shown, and the PubMed links still work" in report.notices()[0]
    ev = report.evidence
    assert list(ev["pubmed_count"].fillna(-1)) == [3, 3, 3, -1, -1]  # cached rows kept, a refresh failed
    assert ev.loc[0, "sentence"].startswith("We show that Runx3")
    with StandIn(synthetic_papers(PAIRS)) as s2:  # E-utilities back, PubTator3 still unreachable
        eu2 = Eutils(s2.eutils_url, rate=FAST)
        pt2 = PubTator(closed_port_url(), rate=FAST)
        report = lookup(PAIRS, store, eutils=eu2, pubtator=pt2)
    assert report.services["E-utilities"].state == "ok" and report.offline == ["PubTator3"]
    assert list(report.evidence["pubmed_count"]) == [3] * 5
    assert list(report.evidence["pubtator_count"].fillna(-1)) == [3, 3, 3, -1, -1]


def test_a_background_job_reports_progress_and_can_be_cancelled(store):
    pairs = [(f"G{i}", f"T{i}") for i in range(30)]
    with StandIn(synthetic_papers(pairs, per_pair=1)) as s:
        eu, pt = clients(s, rate=3.0)
        job = LookupJob(pairs, store, eutils=eu, pubtator=pt).start()
        deadline = time.monotonic() + 30
        while job.snapshot()["done"] < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        snap = job.snapshot()
        assert snap["status"] == "running" and snap["total"] == 61 and 4 <= snap["done"] < 61
        sent_before = len(s.received())
        job.cancel()
        assert job.wait(10)
        assert job.status == "cancelled"
        # after the cancel, at most the request each service had in flight still arrives
        assert len(s.received()) <= sent_before + 2 < 61
        assert job.report.evidence["pubmed_count"].notna().sum() < 30


def test_candidates_are_the_top_unknown_untrained_pairs():
    pred = pd.DataFrame({"regulator": ["A", "A", "B", "B", "C", "C"], "target": ["B", "C", "A", "C", "A", "D"],
                         "score": [0.9, 0.8, 0.7, 0.6, 0.5, 0.4], "rank": [1, 2, 3, 4, 5, 6],
                         "known": [1, 0, 0, 0, 1, 0], "trained": [0, 1, 0, 0, 0, 0]})
    network = pd.DataFrame({"regulator": ["A", "C", "A"], "target": ["B", "A", "D"]})
    out = candidates(pred, network=network, tfs=["A", "B"], top=2)
    assert list(zip(out["regulator"], out["target"])) == [("B", "A"), ("B", "C")]
    assert list(out["rank"]) == [3, 4]
    assert list(out["percentile"]) == pytest.approx([100 * 4 / 6, 100 * 3 / 6])
    assert list(out["regulator_degree"]) == [1, 1] and list(out["target_degree"]) == [3, 1]
    assert list(out["reverse_known"]) == [True, False]
    assert list(out["regulator_is_tf"]) == [True, True] and list(out["target_is_tf"]) == [True, False]
    assert len(candidates(pred, top=10)) == 3  # every unknown untrained pair
    with pytest.raises(InputError, match="at least 1"):
        candidates(pred, top=0)


def test_discovery_run_candidates_are_its_novel_pairs():
    from grncore.bench.run import run
    from grncore.data import simulate
    from grncore.jobs import Workspace
    from grncore.literature import run_candidates
    from grncore.network.predicted import predicted_network

    ws = Workspace()
    ds = simulate.demo(seed=0)
    run_id = run(ds, "pearson", "discovery", workspace=ws, dataset_id=ws.save_dataset(ds)).run_id
    pred = predicted_network(ws, run_id)
    out = run_candidates(ws, run_id, top=25)
    novel = pred[pred["known"] == 0].nsmallest(25, "rank")
    assert list(zip(out["regulator"], out["target"])) == list(zip(novel["regulator"], novel["target"]))
    truth = set(zip(ds.network["regulator"], ds.network["target"]))
    assert not truth & set(zip(out["regulator"], out["target"]))
    assert list(out["reverse_known"]) == [(t, r) in truth for r, t in zip(out["regulator"], out["target"])]
    assert out["regulator_is_tf"].all() and len(pred) == ds.n_candidate_pairs
    n, rank = len(pred), out.loc[0, "rank"]
    assert out.loc[0, "percentile"] == pytest.approx(100 * (n - rank + 1) / n)


def test_reviews_persist_are_editable_and_export_like_table_5_13(tmp_path):
    store = LiteratureStore(tmp_path / "ws")
    store.save_review("RUNX3", "EZH2", "supported", pmids="28052056; PMC5216711",
                      quote="RUNX3 [is] negatively regulated by EZH2 | <b>critical</b>", reviewer="ana")
    store.save_review("MYCN", "LIFR", "unclear", note="indirect")
    store.save_review("MYCN", "LIFR", "contradicted", note="edited")
    again = LiteratureStore(tmp_path / "ws").reviews()  # a new store: read back from the file
    assert len(again) == 2
    row = again.set_index(["regulator", "target"]).loc[("MYCN", "LIFR")]
    assert (row["verdict"], row["note"]) == ("contradicted", "edited")
    md = export_markdown(again, title="Literature-supported pairs")
    assert md.splitlines()[:3] == [
        "| Gene Pair | PubMed ID | Evidence from Literature |", "|---|---|---|",
        "| RUNX3, EZH2 | 28052056, PMC5216711 | “RUNX3 [is] negatively regulated by EZH2 \\| &lt;b&gt;critical&lt;/b&gt;” |"]
    assert md.splitlines()[-1] == "Table: Literature-supported pairs"
    assert "MYCN" not in md
    csv = pd.read_csv(pd.io.common.StringIO(export_csv(again)))
    assert set(csv["verdict"]) == {"supported", "contradicted"} and csv["reviewed_at"].str.endswith("Z").all()
    with pytest.raises(InputError, match="unknown verdict"):
        store.save_review("A", "B", "maybe")
    with pytest.raises(InputError, match="'doi:10.1' is not a PubMed id"):
        store.save_review("A", "B", "supported", pmids="123, doi:10.1")
    cands = pd.DataFrame({"regulator": ["RUNX3", "MYCN", "CTCF"], "target": ["EZH2", "LIFR", "ARID5B"]})
    ev = pd.DataFrame({"regulator": ["RUNX3", "MYCN", "CTCF"], "target": ["EZH2", "LIFR", "ARID5B"],
                       "pubmed_count": pd.array([4, 0, 2], dtype="Int64")})
    table = summary(cands, again, ev).set_index("verdict")
    assert table["pairs"].to_dict() == {"supported": 1, "contradicted": 1, "no evidence": 0, "unclear": 0,
                                        "not reviewed": 1}
    assert table.loc["supported", "with PubMed papers"] == 1 and table.loc["not reviewed", "with PubMed papers"] == 1
    assert table["share"].sum() == pytest.approx(1.0)


def test_evidence_table_of_an_empty_cache_has_links_and_no_counts(store):
    ev = evidence_table(store, pd.DataFrame({"regulator": ["Runx3"], "target": ["Ezh2"], "rank": [7]}), "Mus musculus")
    assert ev.loc[0, "rank"] == 7 and pd.isna(ev.loc[0, "pubmed_count"])
    assert ev.loc[0, "search_url"] == ("https://pubmed.ncbi.nlm.nih.gov/?term=%22Runx3%22%5Btiab%5D+AND+"
                                       "%22Ezh2%22%5Btiab%5D+AND+%22Mus+musculus%22")

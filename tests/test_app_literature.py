"""Page test (AppTest) of the Literature page, with the services played by a 127.0.0.1 stand-in."""

import threading
import time

import pytest
from streamlit.testing.v1 import AppTest

from grncore.bench.run import run
from grncore.data import simulate
from grncore.jobs import Workspace
from grncore.literature import LiteratureStore, run_candidates
from tests.literature_standin import Paper, StandIn, sentence_hl
from tests.test_app_data import APP

EVIL = "<script>alert(1)</script>"


def open_literature() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("pages/literature.py").run()
    assert not at.exception, at.exception
    return at


def labelled(widgets, label: str):
    """The one widget of the page whose label starts with ``label``."""
    (w,) = [w for w in widgets if w.label.startswith(label)]
    return w


def wait_lookups(timeout: float = 60) -> None:
    """Wait until no background lookup thread is alive (the job's state, not a fixed time)."""
    deadline = time.monotonic() + timeout
    while any(t.name == "grn-lit-lookup" and t.is_alive() for t in threading.enumerate()):
        if time.monotonic() > deadline:
            raise TimeoutError("the lookup did not finish")
        time.sleep(0.05)


@pytest.fixture
def finished_run():
    ws = Workspace()
    ds = simulate.demo(seed=0)
    result = run(ds, "pearson", "unsupervised", workspace=ws, dataset_id=ws.save_dataset(ds))
    return ws, result.run_id, run_candidates(ws, result.run_id, top=10)


def papers_for(cands) -> list[Paper]:
    (a, b), (c, d) = zip(cands["regulator"][:2], cands["target"][:2])
    return [Paper("111", f"{a} controls {b} {EVIL}", (a, b), sentence_hl(a, b).replace("in embryonic", f"<b>in</b> embryonic"),
                  journal="Cell & Co", year="2019"),
            Paper("112", f"{a} and {b}, again", (a, b), sentence_hl(a, b), year="2021"),
            Paper("113", f"{c} binds {d}", (c, d), sentence_hl(c, d, "activates"), year="2015")]


def test_without_runs_the_page_points_to_models():
    at = open_literature()
    assert "No finished run yet" in at.info[0].value


def test_lookup_review_new_session_exports_and_offline(finished_run, monkeypatch):
    ws, run_id, cands = finished_run
    standin = StandIn(papers_for(cands)).start()
    for k, v in standin.env().items():
        monkeypatch.setenv(k, v)
    at = open_literature()
    assert at.selectbox(key="lit_run").value == run_id
    table = at.dataframe[0].value
    assert len(table) == 50 and table["pubmed_count"].isna().all()  # nothing fetched, nothing asked
    assert list(table["regulator"][:10]) == list(cands["regulator"])
    assert standin.received() == []
    at.number_input(key="lit_top").set_value(10).run()
    assert len(at.dataframe[0].value) == 10

    at.button(key="lit_fetch").click().run()
    wait_lookups()
    at.run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert list(table["pubmed_count"]) == [2, 1] + [0] * 8
    assert list(table["pubtator_count"]) == [2, 1] + [0] * 8
    assert len(standin.received("esearch.fcgi")) == 10 and len(standin.received("esummary.fcgi")) == 1
    assert not at.warning  # both services answered

    a, b = cands.loc[0, "regulator"], cands.loc[0, "target"]
    markdown = "\n".join(m.value for m in at.markdown)
    assert "\\<script\\>alert\\(1\\)\\</script\\>" in markdown and EVIL not in markdown  # shown as text
    assert f"**{a}** represses **{b}** \\<b\\>in\\</b\\> embryonic stem cells\\." in markdown
    assert "https://pubmed.ncbi.nlm.nih.gov/111/" in markdown

    at.button(key="lit_refresh_pair").click().run()  # asks again for this pair only
    wait_lookups()
    at.run()
    assert [len(standin.received(e)) for e in ("esearch.fcgi", "esummary.fcgi", "search")] == [11, 2, 11]
    assert standin.received("esearch.fcgi")[-1]["params"]["term"] == f'"{a}"[tiab] AND "{b}"[tiab]'

    assert labelled(at.text_area, "Quote").value.startswith(f"We show that {a} represses {b}")
    assert labelled(at.text_input, "PubMed ids").value == "111"
    assert labelled(at.radio, "Verdict").value is None
    labelled(at.radio, "Verdict").set_value("supported")
    labelled(at.text_input, "Reviewer").set_value("ana")
    labelled(at.text_input, "Note").set_value("direct repression")
    next(b_ for b_ in at.button if b_.label == "Save verdict").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value == f"Saved: {a} → {b} is supported."

    at2 = open_literature()  # a new session: the verdict is read back from literature.sqlite
    at2.number_input(key="lit_top").set_value(10).run()
    assert labelled(at2.radio, "Verdict").value == "supported"
    assert labelled(at2.text_input, "Note").value == "direct repression"
    assert list(at2.dataframe[0].value["verdict"][:2]) == ["supported", "not reviewed"]
    counts = at2.dataframe[1].value.set_index("verdict")
    assert counts.loc["supported", "pairs"] == 1 and counts.loc["not reviewed", "pairs"] == 9
    assert "**1 of 10** top pairs have literature support." in [m.value for m in at2.markdown]
    downloads = {d.proto.label: d.proto for d in at2.get("download_button")}
    assert set(downloads) == {"Reviews (CSV)", "Table 5.13 (Markdown)", "Evidence (CSV)"}
    assert not any(d.disabled for d in downloads.values())
    reviews = LiteratureStore.of(ws).reviews()
    assert list(reviews["run_id"]) == [run_id] and list(reviews["reviewer"]) == ["ana"]

    standin.stop()  # offline: a refresh fails, the cached evidence stays on screen with a notice
    at2.button(key="lit_refresh").click().run()
    wait_lookups()
    at2.run()
    assert not at2.exception, at2.exception
    warnings = [w.value.replace("\\", "") for w in at2.warning]  # as shown (Markdown escapes removed)
    assert any(w.startswith("E-utilities is offline: cannot reach 127.0.0.1:") for w in warnings), warnings
    assert any(w.startswith("PubTator3 is offline") and "PubMed links still work" in w for w in warnings)
    assert list(at2.dataframe[0].value["pubmed_count"]) == [2, 1] + [0] * 8

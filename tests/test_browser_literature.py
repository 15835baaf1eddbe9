"""Browser test of the Literature page: candidates -> fetch evidence from the 127.0.0.1 stand-in ->
verdict -> Table 5.13 download -> stand-in stopped: offline notice with the cached evidence."""

import pytest

from grncore.bench.run import run
from grncore.data import simulate
from grncore.jobs import Workspace
from grncore.literature import run_candidates
from tests.browser import browser_page, live_server, screenshot, wait_app_idle
from tests.literature_standin import Paper, StandIn, sentence_hl

pytestmark = pytest.mark.browser
EVIL = "<img src=x onerror=alert(1)>"


def test_review_false_positives_with_evidence_then_offline(tmp_path):
    ws = Workspace(tmp_path / "workspace")
    ds = simulate.demo(seed=0)
    run_id = run(ds, "pearson", "unsupervised", workspace=ws, dataset_id=ws.save_dataset(ds)).run_id
    cands = run_candidates(ws, run_id, top=10)
    a, b = cands.loc[0, "regulator"], cands.loc[0, "target"]
    papers = [Paper("111", f"{a} represses {b} {EVIL}", (a, b), sentence_hl(a, b), journal="Cell", year="2019"),
              Paper("112", f"{a} and {b} again", (a, b), sentence_hl(a, b, "activates"), year="2021")]
    standin = StandIn(papers).start()
    with live_server(tmp_path / "workspace", env=standin.env()) as url, browser_page(height=2400) as page:
        errors, dialogs, requests = [], [], []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(f"{url}/literature", wait_until="domcontentloaded")
        page.get_by_role("heading", name="Top 50 unknown pairs").wait_for(timeout=90_000)
        top = page.get_by_label("Top N")
        top.fill("10")
        top.press("Enter")
        page.get_by_role("heading", name="Top 10 unknown pairs").wait_for(timeout=30_000)
        wait_app_idle(page)
        assert standin.received() == []  # nothing is asked before the user presses Fetch

        page.get_by_role("button", name="Fetch evidence").click()
        # wait on the state "the lookup finished" (a pair's first answers can show while others are asked)
        page.get_by_text("Last lookup done").wait_for(timeout=90_000)
        title = page.get_by_text(f"{a} represses {b} {EVIL}").first  # the title, shown as text
        title.wait_for(timeout=30_000)
        wait_app_idle(page)
        assert len(standin.received("esearch.fcgi")) == 10
        quote = page.locator('[data-testid="stMarkdownContainer"] blockquote').first
        assert quote.inner_text().startswith(f"We show that {a} represses {b} in embryonic stem cells.")
        assert quote.locator("strong").all_inner_texts() == [a, b]  # both names highlighted
        page.get_by_text("Last lookup done").wait_for(timeout=10_000)
        assert page.get_by_role("button", name="Cancel lookup").count() == 0  # the progress bar is gone
        page.get_by_role("heading", name="Literature").click()  # move focus: no tooltip over the screenshot
        screenshot(page, "literature_evidence")

        page.get_by_text("supported", exact=True).first.click()
        page.get_by_label("Reviewer").fill("ana")
        page.get_by_role("button", name="Save verdict").click()
        page.get_by_text(f"Saved: {a} → {b} is supported.").wait_for(timeout=30_000)
        page.get_by_text("1 of 10").wait_for(timeout=30_000)
        wait_app_idle(page)
        with page.expect_download() as info:
            page.get_by_role("button", name="Table 5.13 (Markdown)").click()
        table = open(info.value.path(), encoding="utf-8").read()
        assert table.splitlines()[0] == "| Gene Pair | PubMed ID | Evidence from Literature |"
        assert table.splitlines()[2].startswith(f"| {a}, {b} | 111 | “We show that {a} represses {b}")

        standin.stop()
        wait_app_idle(page)
        page.get_by_role("button", name="Refresh all").click()
        page.get_by_text("E-utilities is offline").wait_for(timeout=60_000)
        page.get_by_text("PubTator3 is offline").wait_for(timeout=30_000)
        wait_app_idle(page)
        assert title.is_visible()  # the cached evidence is still on screen
        page.get_by_role("heading", name="Literature").click()
        page.get_by_text("Last lookup done").wait_for(timeout=10_000)
        screenshot(page, "literature_offline")
        assert page.get_by_role("button", name="Cancel lookup").count() == 0  # the progress bar is gone
        screenshot(page, "literature_offline")
        assert page.locator('[data-testid="stException"]').count() == 0
        assert not errors and not dialogs, (errors, dialogs)
        outside = sorted({u for u in requests if not u.startswith(url) and not u.startswith(("data:", "blob:"))})
        assert outside == [], outside  # the page itself never contacts PubMed

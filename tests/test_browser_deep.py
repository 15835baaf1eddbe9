"""Browser test: train the GeneNet Transformer on the demo data, watch it, find its curve."""

import time

import pytest

from tests.browser import browser_page, live_server, screenshot, wait_app_idle

pytestmark = pytest.mark.browser


def _progress_values(page) -> list[float]:
    bars = page.locator('[data-testid="stProgress"] [role="progressbar"]')
    return [float(bars.nth(i).get_attribute("aria-valuenow") or 0) for i in range(bars.count())]


def test_gnt_run_progress_finish_and_curve(tmp_path):
    with live_server(tmp_path / "workspace") as url, browser_page(height=1600) as page:
        page.goto(f"{url}/models", wait_until="domcontentloaded")
        page.get_by_text("1 · Split").wait_for(timeout=90_000)
        wait_app_idle(page)
        page.get_by_role("combobox", name="Split").click()
        page.get_by_role("option", name="edge_random (optimistic)").click()
        page.get_by_text("Optimistic protocol").wait_for(timeout=30_000)
        wait_app_idle(page)
        methods = page.get_by_role("combobox", name="Methods to run")
        methods.click()
        methods.fill("gnt")
        page.get_by_role("option", name="gnt · deep · supervised").click()
        page.keyboard.press("Escape")
        wait_app_idle(page)
        start = page.get_by_role("button", name="Start 5 runs")
        start.wait_for(timeout=30_000)
        screenshot(page, "models_page_gnt")
        start.click()
        page.get_by_text("Queued 5 run(s)").wait_for(timeout=60_000)

        page.goto(f"{url}/training", wait_until="domcontentloaded")
        page.get_by_text("gnt", exact=False).first.wait_for(timeout=60_000)
        seen, deadline = [], time.monotonic() + 240
        while time.monotonic() < deadline:
            if page.get_by_text("Active runs (0)").count():
                break
            if page.get_by_text("epoch ").count():
                seen += _progress_values(page)
            time.sleep(0.3)
        screenshot(page, "training_page_gnt")
        assert page.get_by_text("Active runs (0)").count() == 1, "the gnt run did not finish in time"
        moving = sorted(set(v for v in seen if 0 < v < 100))
        assert len(moving) >= 2, f"the progress bar did not move: {seen[:20]}"
        page.get_by_text("Training curves").wait_for(timeout=30_000)

        page.goto(f"{url}/evaluation", wait_until="domcontentloaded")
        roc = page.locator(".js-plotly-plot").filter(has_text="ROC").first
        roc.wait_for(timeout=90_000)
        wait_app_idle(page)
        assert roc.get_by_text("gnt (AUROC").count() == 1
        assert roc.get_by_text("degree (AUROC").count() == 1
        screenshot(page, "evaluation_page_gnt")

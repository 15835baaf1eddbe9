"""Browser test: the README's `make run` serves the Data page on the demo data in Chromium."""

import pytest

from tests.browser import browser_page, live_server, screenshot, wait_app_idle

pytestmark = pytest.mark.browser


def test_data_page_shows_demo_summary_and_plots(tmp_path):
    with live_server(tmp_path / "workspace") as url, browser_page() as page:
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(url, wait_until="domcontentloaded")
        page.get_by_text("True edges").first.wait_for(timeout=90_000)
        wait_app_idle(page)
        metrics = page.locator('[data-testid="stMetric"]')
        assert metrics.count() == 5
        texts = [metrics.nth(i).inner_text() for i in range(5)]
        assert texts[0].startswith("Genes") and "100" in texts[0], texts
        # the first tab's histogram was drawn by plotly (an SVG with bars), not just a placeholder
        page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=30_000)
        assert page.locator(".js-plotly-plot .bars path").count() > 10
        assert page.locator('[data-testid="stException"]').count() == 0
        screenshot(page, "data_page")
        page.get_by_role("tab", name="Network").click()
        page.locator(".js-plotly-plot:visible .scatterlayer").first.wait_for(timeout=30_000)
        screenshot(page, "data_page_network")
        assert not errors, errors

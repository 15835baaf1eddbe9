"""Browser test: data -> start baseline runs -> watch them on Training -> ROC on Evaluation."""

import pytest

from tests.browser import browser_page, live_server, screenshot, wait_app_idle

pytestmark = pytest.mark.browser


def test_start_runs_and_see_the_roc_plot(tmp_path):
    with live_server(tmp_path / "workspace") as url, browser_page(height=1600) as page:
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{url}/models", wait_until="domcontentloaded")
        start = page.get_by_role("button", name="Start 3 runs")
        start.wait_for(timeout=90_000)
        # a first request straight to a page URL still gets the app's sidebar and navigation
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.get_by_text("Compute device").wait_for(timeout=30_000)
        assert sidebar.get_by_text("Evaluation").count() == 1 and sidebar.get_by_text("ui").count() == 0
        screenshot(page, "models_page")
        start.click()
        page.get_by_text("Queued 3 run(s)").wait_for(timeout=60_000)

        page.goto(f"{url}/training", wait_until="domcontentloaded")
        page.get_by_text("Finished runs").wait_for(timeout=60_000)
        # the fragment polls every second: the runs move from active to finished without a reload
        page.get_by_text("Active runs (0)").wait_for(timeout=120_000)
        screenshot(page, "training_page")

        page.goto(f"{url}/evaluation", wait_until="domcontentloaded")
        roc = page.locator(".js-plotly-plot").filter(has_text="ROC").first
        roc.wait_for(timeout=90_000)
        wait_app_idle(page)
        # three method curves plus the random diagonal were drawn
        assert roc.locator(".scatterlayer .trace").count() == 4
        page.get_by_role("heading", name="Metrics").wait_for(timeout=30_000)
        screenshot(page, "evaluation_page")
        assert page.locator('[data-testid="stException"]').count() == 0
        assert not errors, errors

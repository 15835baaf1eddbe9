"""Browser test: a first-time user follows the Data page's first steps on the demo: one click runs a
quick comparison (tf_disjoint, 5 folds), Training shows it, Evaluation shows intervals and the
per-fold strip plot."""

import pytest

from tests.browser import browser_page, live_server, screenshot, wait_app_idle

pytestmark = pytest.mark.browser


def test_first_time_path_on_the_demo(tmp_path):
    with live_server(tmp_path / "workspace") as url, browser_page(height=1400) as page:
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(url, wait_until="domcontentloaded")
        quick = page.get_by_role("button", name="Run a quick comparison on the demo")
        quick.wait_for(timeout=90_000)
        main = page.locator('[data-testid="stMain"]')
        main.get_by_text("a ground-truth network only to evaluate, not to discover").wait_for(timeout=30_000)
        wait_app_idle(page)
        screenshot(page, "first_steps_data_page")
        quick.click()
        page.get_by_text("Queued 4 runs on the demo dataset").wait_for(timeout=60_000)
        page.get_by_role("link", name="Follow them on Training").click()
        page.get_by_text("Active runs (0)").wait_for(timeout=180_000)
        wait_app_idle(page)
        screenshot(page, "first_steps_training")

        page.goto(f"{url}/evaluation", wait_until="domcontentloaded")
        page.get_by_role("heading", name="Per fold").wait_for(timeout=90_000)
        strip = page.locator(".js-plotly-plot").filter(has_text="per fold (dots)").first
        strip.wait_for(timeout=60_000)
        wait_app_idle(page)
        assert main.get_by_text("tf_disjoint · 5 folds · seed 0").count() >= 1
        # four methods x five folds of dots in the strip plot
        assert strip.locator(".scatterlayer .trace .point").count() >= 20
        page.get_by_role("heading", name="Evaluation").first.scroll_into_view_if_needed()
        screenshot(page, "first_steps_evaluation_top")
        # per-fold curves on request: 4 methods x (5 folds + pooled) + the random diagonal
        page.get_by_text("Show each fold's curve").click()
        page.wait_for_function(
            "() => { const p = [...document.querySelectorAll('.js-plotly-plot')].find(e => e.textContent.includes('ROC'));"
            " return p && p.querySelectorAll('.scatterlayer .trace').length === 25; }", timeout=60_000)
        wait_app_idle(page)
        screenshot(page, "first_steps_evaluation_fold_curves")
        page.get_by_role("heading", name="Metrics").evaluate("e => e.scrollIntoView({block: 'start'})")
        screenshot(page, "first_steps_evaluation_metrics")
        heat = page.locator(".js-plotly-plot").filter(has_text="by dataset and method").first
        heat.scroll_into_view_if_needed()
        screenshot(page, "first_steps_evaluation")
        assert page.locator('[data-testid="stException"]').count() == 0
        assert not errors, errors

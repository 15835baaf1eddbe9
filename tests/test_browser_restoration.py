"""Browser test: the Restoration page on the demo in Chromium, a slider changes the chosen TFs."""

import pytest

from tests.browser import browser_page, live_server, screenshot, wait_app_idle

pytestmark = pytest.mark.browser


def test_restoration_page_draws_results_and_follows_the_threshold(tmp_path):
    with live_server(tmp_path / "workspace") as url, browser_page(height=3600) as page:
        errors, outside = [], []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("request", lambda req: outside.append(req.url) if not req.url.startswith(url) and
                not req.url.startswith("data:") else None)
        page.goto(f"{url}/restoration", wait_until="domcontentloaded")
        page.get_by_text("Known answer").first.wait_for(timeout=120_000)
        page.get_by_text("Best relationship per threshold").first.wait_for(timeout=120_000)
        wait_app_idle(page)
        assert page.locator('[data-testid="stException"]').count() == 0
        # curve, scatter, network and three sweeps drawn by plotly
        # (each plotly plot holds two .main-svg layers: wait on the sixth plot itself being drawn)
        page.locator(".js-plotly-plot").nth(5).locator(".main-svg").first.wait_for(timeout=60_000)
        assert page.locator(".js-plotly-plot").count() == 6
        restored = page.locator('[data-testid="stMetric"]').filter(has_text="TFs restored")
        before = restored.inner_text()
        screenshot(page, "restoration_page")
        # move the stopping threshold with the keyboard: 0.35 -> 0.80 (9 steps of 0.05)
        slider = page.get_by_role("slider").first
        slider.focus()
        for _ in range(9):
            slider.press("ArrowRight")
        page.wait_for_function(
            "() => [...document.querySelectorAll('[data-testid=\"stSliderThumbValue\"]')]"
            ".some(e => e.textContent.trim() === '0.80')", timeout=30_000)
        page.wait_for_function(
            "(b) => [...document.querySelectorAll('[data-testid=\"stMetric\"]')]"
            ".some(e => e.innerText.includes('TFs restored') && e.innerText !== b)", arg=before, timeout=60_000)
        wait_app_idle(page)
        after = restored.inner_text()
        assert int(after.split()[-1]) < int(before.split()[-1]), (before, after)
        screenshot(page, "restoration_page_th080")
        assert not errors, errors
        assert not outside, outside[:5]

"""Browser test: no page makes a request outside the server it is served from."""

import pytest

from tests.browser import browser_page, live_server, wait_app_idle

pytestmark = pytest.mark.browser

PAGES = {"": "Data", "/models": "Models", "/training": "Training", "/evaluation": "Evaluation",
         "/network": "Network", "/literature": "Literature", "/restoration": "Restoration"}
LOCAL_SCHEMES = ("data:", "blob:", "about:")


def test_every_page_requests_only_its_own_server(tmp_path):
    with live_server(tmp_path / "workspace") as url, browser_page() as page:
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        for path, title in PAGES.items():
            page.goto(f"{url}{path}", wait_until="load")
            page.get_by_role("heading", name=title, exact=True).first.wait_for(timeout=90_000)
            wait_app_idle(page)
        # the tab icon is drawn by the app and served by it (Streamlit would fetch a material icon from a CDN)
        icon = page.locator('link[rel~="icon"]').first.get_attribute("href")
        assert icon and (icon.startswith(url) or not icon.startswith("http")), icon
        outside = sorted({u for u in requests if not u.startswith(url) and not u.startswith(LOCAL_SCHEMES)})
        assert len(requests) > 10 and outside == [], outside

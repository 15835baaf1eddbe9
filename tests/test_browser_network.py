"""Browser test of the Network page: the pyvis canvas draws, gene names made of HTML/script stay
text (no dialog), and the page makes no request outside its own server."""

import pytest

from grncore.bench import run as bench_run
from grncore.data import Dataset, simulate
from grncore.jobs import Workspace
from tests.browser import browser_page, live_server, screenshot, wait_app_idle
from tests.conftest import until

pytestmark = pytest.mark.browser

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "</script><script>alert(1)</script>"
SPLIT = "discovery"

DRAWN_PIXELS = """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }"""


def hostile_dataset() -> Dataset:
    """A small simulated dataset whose busiest regulator is renamed to an <img> tag and one of
    its targets to a closing </script> (names a user's file could contain)."""
    ds = simulate.single_cell(n_genes=40, n_cells=200, seed=0)
    hub = ds.network["regulator"].value_counts().index[0]
    target = ds.network.loc[ds.network["regulator"] == hub, "target"].iloc[0]
    names = {hub: IMG, target: SCRIPT}
    network = ds.network.assign(regulator=ds.network["regulator"].replace(names),
                                target=ds.network["target"].replace(names))
    return Dataset.create(ds.expression.rename(index=names), samples=ds.samples, network=network,
                          tfs=[names.get(t, t) for t in ds.tfs], name="hostile names", kind=ds.kind)


def test_network_page_draws_offline_and_names_stay_text(tmp_path):
    root = tmp_path / "workspace"
    ws = Workspace(root)
    ds = hostile_dataset()
    ds_id = ws.save_dataset(ds)
    ws.set_setting("active_dataset", ds_id)
    bench_run.run(ds, "pearson", split=SPLIT, workspace=ws, dataset_id=ds_id)

    with live_server(root) as url, browser_page(height=1700) as page:
        dialogs, errors, requests = [], [], []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("request", lambda r: requests.append(r.url))

        page.goto(f"{url}/network", wait_until="domcontentloaded")
        frame = page.frame_locator("iframe").first
        frame.locator('#mynetwork[data-drawn="1"]').wait_for(timeout=120_000)
        wait_app_idle(page)
        canvas = frame.locator("#mynetwork canvas")
        box = canvas.bounding_box()
        assert box["width"] > 300 and box["height"] > 300
        assert canvas.evaluate(DRAWN_PIXELS) > 1000  # nodes and edges were painted
        screenshot(page, "network_page")

        # centre on the <img> gene: chosen from the search box's suggestions
        box_input = page.get_by_role("combobox", name="Centre on gene")
        box_input.click()
        box_input.fill("onerror")
        page.get_by_role("option", name=IMG).click()
        panel = page.locator('[data-testid="stMarkdownContainer"]').filter(has_text="predicted target(s)")
        tab = page.get_by_role("tab", name="Selected gene")

        def gene_panel_shown() -> bool:
            # the choice reruns the page, and a rerun that ends after the tab was clicked redraws the
            # tabs on the first one: (re)select the tab until the gene's panel is what shows
            if tab.get_attribute("aria-selected") != "true":
                tab.click()
            return panel.first.is_visible()
        until(gene_panel_shown, 60, "the Selected gene tab shows the chosen gene's panel")
        assert panel.inner_text().startswith(f"{IMG}:")  # the name as characters, not an element
        frame.locator('body[data-centred="1"] #mynetwork[data-drawn="1"]').wait_for(timeout=60_000)
        wait_app_idle(page)
        frame_handle = page.locator("iframe").first.element_handle().content_frame()
        labels = frame_handle.evaluate("() => nodes.get().map(n => n.label)")
        assert IMG in labels and SCRIPT in labels  # drawn on the canvas as text
        assert frame.locator("#mynetwork canvas").evaluate(DRAWN_PIXELS) > 1000
        screenshot(page, "network_gene")

        # nothing made from a name became an element, nothing ran, nothing left the server
        assert page.locator('img[src="x"]').count() == 0 and frame.locator('img[src="x"]').count() == 0
        assert frame_handle.evaluate("() => Array.from(document.scripts).filter(s => s.text.includes('alert(1)')"
                                     " && !s.text.includes('new vis.Network')).length") == 0
        assert not dialogs, dialogs
        assert not errors, errors
        outside = [u for u in requests if not u.startswith((url + "/", "data:", "blob:", "about:"))]
        assert not outside, outside
        assert any(u.startswith(url) for u in requests)
        assert page.locator('[data-testid="stException"]').count() == 0

"""Browser test: train the GeneNet Transformer on the demo data, watch it, find its curve."""

import numpy as np
import pytest

from grncore.jobs.store import Workspace

from tests.browser import browser_page, live_server, screenshot, wait_app_idle

pytestmark = pytest.mark.browser


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
        page.get_by_role("option", name="gnt · supervised · deep").click()
        page.keyboard.press("Escape")
        wait_app_idle(page)
        start = page.get_by_role("button", name="Start 5 runs")
        start.wait_for(timeout=30_000)
        screenshot(page, "models_page_gnt")
        start.click()
        page.get_by_text("Queued 5 run(s)").wait_for(timeout=60_000)

        page.goto(f"{url}/training", wait_until="domcontentloaded")
        page.get_by_text("gnt", exact=False).first.wait_for(timeout=60_000)
        # wait on the state "no run active" (the page polls the queue every second)
        page.get_by_text("Active runs (0)").wait_for(timeout=300_000)
        screenshot(page, "training_page_gnt")
        # progress is read from what the run reported and stored, not from the screen at random instants
        ws = Workspace(tmp_path / "workspace")
        (gnt_run,) = [r for r in ws.list_runs() if r.method == "gnt"]
        assert gnt_run.status == "done", gnt_run.message
        history = ws.load_run_artifact(gnt_run.id, "history")
        # the page's default is several repeats of edge_random: one training per repeat ("fold")
        folds = history.groupby("fold") if "fold" in history else [(0, history)]
        for fold, part in folds:
            epochs = part["epoch"].dropna().to_numpy()
            assert len(epochs) >= 2 and (np.diff(epochs) > 0).all(), f"fold {fold}: progress did not advance: {epochs}"
        assert np.isfinite(history["loss"].dropna()).all()
        page.get_by_text("Training curves").wait_for(timeout=30_000)

        page.goto(f"{url}/evaluation", wait_until="domcontentloaded")
        roc = page.locator(".js-plotly-plot").filter(has_text="ROC").first
        roc.wait_for(timeout=90_000)
        wait_app_idle(page)
        assert roc.get_by_text("gnt (AUROC").count() == 1
        assert roc.get_by_text("degree (AUROC").count() == 1
        screenshot(page, "evaluation_page_gnt")

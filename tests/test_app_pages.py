"""Page tests (AppTest) for Models, Training and Evaluation on the demo data."""

import dataclasses
import time

from streamlit.testing.v1 import AppTest

from grncore import methods
from grncore.jobs import Workspace
from tests.test_app_data import APP


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def wait_for_runs(n: int, timeout: float = 120) -> list:
    ws = Workspace()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = ws.list_runs()
        if len(runs) >= n and all(r.finished for r in runs):
            return runs
        time.sleep(0.2)
    raise TimeoutError([(r.method, r.status) for r in Workspace().list_runs()])


def start_runs(at: AppTest) -> AppTest:
    next(b for b in at.button if b.label.startswith("Start")).click()
    at.run()
    assert not at.exception, at.exception
    return at


def test_models_page_builds_widgets_from_params_and_queues_runs():
    at = open_page("pages/models.py")
    assert at.multiselect(key="methods_chosen").value == ["pearson", "spearman", "random"]
    # parameter widgets come from the params dataclasses (defaults and bounds in field metadata)
    field = next(f for f in dataclasses.fields(methods.get("pearson").params) if f.name == "tile")
    tile = at.number_input(key="params.pearson.tile")
    assert (tile.min, tile.max, tile.value) == (field.metadata["min"], field.metadata["max"], field.default)
    at = start_runs(at)
    assert "Queued 3 run(s)" in at.success[0].value
    runs = wait_for_runs(3)
    assert {r.method for r in runs} == {"pearson", "spearman", "random"}
    assert {r.status for r in runs} == {"done"}
    assert len({(r.split, r.seed) for r in runs}) == 1


def test_supervised_split_adds_the_degree_sentinel_and_warns_that_it_is_optimistic():
    at = open_page("pages/models.py")
    at.selectbox(key="split_name").set_value("edge_random").run()
    assert any("Optimistic protocol" in w.value for w in at.warning)
    assert any(o.startswith("degree") for o in at.multiselect(key="methods_chosen").options)
    at.multiselect(key="methods_chosen").set_value(["pearson", "degree"]).run()
    at = start_runs(at)
    runs = wait_for_runs(2)
    assert {r.split for r in runs} == {"edge_random"}


def test_training_page_lists_finished_runs_and_failures():
    at = open_page("pages/models.py")
    start_runs(at)
    wait_for_runs(3)
    at = open_page("pages/training.py")
    assert at.subheader[0].value == "Active runs (0)"
    table = at.dataframe[0].value
    assert sorted(table["method"]) == ["pearson", "random", "spearman"]
    assert set(table["status"]) == {"done"}


def test_evaluation_page_overlays_curves_and_tabulates_metrics():
    start_runs(open_page("pages/models.py"))
    wait_for_runs(3)
    at = open_page("pages/evaluation.py")
    charts = at.get("plotly_chart")
    assert len(charts) >= 3  # ROC, PR, heatmap
    metrics = at.dataframe[0].value
    assert list(metrics["method"])[0] in {"pearson", "spearman"}  # sorted by AUROC, random last
    assert metrics.set_index("method").loc["random", "AUROC"] < metrics["AUROC"].max()
    assert any(b.label == "Metrics (CSV)" for b in at.get("download_button"))


def test_evaluation_page_without_runs_points_to_models():
    at = open_page("pages/evaluation.py")
    assert "No finished run" in at.info[0].value

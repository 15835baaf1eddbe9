"""Page tests (AppTest) for Models, Training and Evaluation on the demo data."""

import dataclasses
import time

import pytest
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


def test_models_page_lists_methods_by_group_and_says_why_some_are_not_offered():
    at = open_page("pages/models.py")
    options = at.multiselect(key="methods_chosen").options
    assert not any(o.startswith("gnt") for o in options)        # unsupervised split: no training pairs
    catalog = next(d.value for d in at.dataframe if "offered" in d.value.columns)
    assert list(catalog["method"]) == list(methods.catalog()["method"])
    offered = catalog.set_index("method")["offered"]
    assert offered["pearson"] == "yes"
    assert offered["gnt"] == "supervised: needs a split with training pairs"
    assert offered["lstm"] == "needs time_series data (this is single_cell)"
    assert any("gnt" in c.value and "(supervised: needs a split with training pairs)" in c.value for c in at.caption)
    at.selectbox(key="split_name").set_value("edge_random").run()
    assert "gnt · supervised · deep" in at.multiselect(key="methods_chosen").options


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


def test_gnt_run_from_the_models_page_shows_curves_and_lift_over_degree():
    at = open_page("pages/models.py")
    at.selectbox(key="split_name").set_value("edge_random").run()
    at.multiselect(key="methods_chosen").set_value(["gnt"]).run()
    assert any("expected time" in c.value.lower() for c in at.caption)
    at.number_input(key="params.gnt.epochs").set_value(3).run()
    at = start_runs(at)
    assert any("`degree` sentinel runs next to supervised models" in i.value for i in at.info)
    runs = wait_for_runs(2, timeout=300)
    assert {r.method: r.status for r in runs} == {"gnt": "done", "degree": "done"}
    gnt = next(r for r in runs if r.method == "gnt")
    assert gnt.params["epochs"] == 3 and gnt.device == "cpu"

    at = open_page("pages/training.py")
    assert at.selectbox(key=f"curve_run.{gnt.id}").value == gnt.id  # opens on the newest run
    assert len(at.get("plotly_chart")) == 1  # loss and validation AUROC per epoch

    at = open_page("pages/evaluation.py")
    table = at.dataframe[0].value.set_index("method")
    lift = table.loc["gnt", "AUROC lift over degree"]
    assert lift == pytest.approx(table.loc["gnt", "AUROC"] - table.loc["degree", "AUROC"])


def test_external_predictions_are_evaluated_on_the_same_test_pairs():
    start_runs(open_page("pages/models.py"))
    runs = wait_for_runs(3)
    pearson = next(r for r in runs if r.method == "pearson")
    pred = Workspace().load_run_artifact(pearson.id, "predictions")
    upload = pred.rename(columns={"regulator": "TF", "score": "importance"})[["TF", "target", "importance"]]
    at = open_page("pages/evaluation.py")
    at.file_uploader(key="ext_predictions").set_value(("arboreto_out.tsv", upload.to_csv(sep="\t", index=False).encode(), "text/plain"))
    at.run()
    next(b for b in at.button if b.label == "Evaluate").click()
    at.run()
    assert not at.exception, at.exception
    external = next(r for r in Workspace().list_runs() if r.method == "external:arboreto_out")
    assert external.metrics["auroc"] == pytest.approx(pearson.metrics["auroc"])
    assert external.split == pearson.split and external.seed == pearson.seed


def test_beeline_set_from_the_server_folder_through_models_to_evaluation(monkeypatch):
    from tests.conftest import benchdata

    root = benchdata("beeline", "hHEP")
    monkeypatch.setenv("GRN_DATA_DIR", str(root))
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.radio(key="data_source").set_value("Server folder").run()
    pick = next(s for s in at.selectbox if s.label.startswith("Dataset in the server data folder"))
    pick.set_value(next(p for p in pick.options if "TFs+500/STRING" in str(p))).run()
    next(b for b in at.button if b.label == "Load").click()
    at.run()
    assert not at.exception, at.exception
    values = {m.label: m.value for m in at.metric}
    assert values["Genes"] == "948" and values["Samples"] == "425"
    at.switch_page("pages/models.py").run()
    at.multiselect(key="methods_chosen").set_value(["pearson", "random"]).run()
    start_runs(at)
    runs = wait_for_runs(2, timeout=180)
    assert {r.status for r in runs} == {"done"}
    at.switch_page("pages/evaluation.py").run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value.set_index("method")
    assert table.loc["pearson", "AUROC"] > table.loc["random", "AUROC"]
    assert table.loc["pearson", "test pairs"] == 448 * 947


def test_an_external_copy_of_a_runs_predictions_gives_its_metrics_to_the_last_digit():
    """The uploaded file is scored on the pairs the compared runs recorded (split options too)."""
    from grncore.bench.run import run

    at = open_page("pages/evaluation.py")  # stores the demo dataset and makes it active
    ws = Workspace()
    (record,) = ws.list_datasets()
    ds = ws.load_dataset(record.id)
    options = {"test_fraction": 0.4}  # not the default: pairs built without it would differ
    res = run(ds, "pearson", "tf_disjoint", seed=2, split_options=options, workspace=ws, dataset_id=record.id)
    upload = res.predictions.rename(columns={"regulator": "TF", "score": "importance"})[["TF", "target", "importance"]]
    at.run()
    at.file_uploader(key="ext_predictions").set_value(("copy.csv", upload.to_csv(index=False).encode(), "text/csv"))
    at.run()
    next(b for b in at.button if b.label == "Evaluate").click()
    at.run()
    assert not at.exception, at.exception
    external = next(r for r in ws.list_runs() if r.method == "external:copy")
    assert external.split_options == res.split_options and external.split_options["test_fraction"] == 0.4
    for key in ("auroc", "auprc", "auprc_ratio", "epr", "n_pairs", "n_positives"):
        assert external.metrics[key] == res.metrics.as_dict()[key], key
    # the success message survives the rerun that shows the new run
    assert any("Evaluated copy.csv" in s.value.replace("\\", "") for s in at.success)

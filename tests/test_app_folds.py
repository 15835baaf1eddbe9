"""Page tests (AppTest): runs over folds show their spread and intervals; the across-datasets heatmap
uses only comparable runs; the Models page offers folds and keeps its choices."""

import json

from streamlit.testing.v1 import AppTest

from grncore.bench import comparison
from grncore.bench.run import run
from grncore.data import simulate
from grncore.jobs import Workspace
from tests.test_app_data import APP
from tests.test_app_pages import open_page, start_runs, wait_for_runs


def _demo_runs(methods, split="tf_disjoint", seed=0, options=None, ds=None, ds_id=None):
    ws = Workspace()
    if ds is None:
        ds_id = ws.list_datasets()[0].id
        ds = ws.load_dataset(ds_id)
    return [run(ds, m, split, seed=seed, split_options=options, workspace=ws, dataset_id=ds_id) for m in methods]


def _heatmap(at):
    spec = json.loads(at.get("plotly_chart")[-1].proto.spec)
    return spec["data"][0], spec["layout"]["title"]["text"]


def test_evaluation_shows_fold_spread_intervals_and_the_overlap_warning():
    open_page("pages/data.py")  # stores the demo dataset
    res = _demo_runs(["pearson", "spearman", "degree"], options={"folds": 4})
    at = open_page("pages/evaluation.py")
    assert "4 folds" in at.selectbox(key="eval_group").format_func(at.selectbox(key="eval_group").value)
    table = at.dataframe[0].value.set_index("method")
    pearson = next(r for r in res if r.method == "pearson").metrics
    lo, hi = pearson.auroc_ci
    assert table.loc["pearson", "AUROC 95% CI"] == f"[{lo:.3f}, {hi:.3f}]"
    assert table.loc["pearson", "AUROC mean ± sd"] == f"{pearson.auroc_mean:.3f} ± {pearson.auroc_sd:.3f}"
    # pearson and spearman rank the demo's pairs almost alike: their intervals overlap
    warnings = [w.value for w in at.warning if "not distinguishable on this data" in w.value]
    assert any("pearson" in w and "spearman" in w for w in warnings), [w.value for w in at.warning]
    # the per-fold strip plot: one dot per fold per method
    strip = next(json.loads(c.proto.spec) for c in at.get("plotly_chart") if "per fold" in json.loads(c.proto.spec)["layout"]["title"]["text"])
    dots = [t for t in strip["data"] if t.get("showlegend") is not False]
    assert sorted(len(t["y"]) for t in dots) == [4, 4, 4]
    # per-fold curves on request: 4 thin lines per method in the ROC
    n_traces = len(json.loads(at.get("plotly_chart")[0].proto.spec)["data"])
    at.toggle(key="eval_fold_curves").set_value(True).run()
    assert len(json.loads(at.get("plotly_chart")[0].proto.spec)["data"]) == n_traces + 3 * 4


def test_heatmap_takes_only_runs_with_the_same_split_folds_and_seed_from_every_dataset():
    open_page("pages/data.py")
    ws = Workspace()
    demo_id = ws.list_datasets()[0].id
    other = simulate.single_cell(n_genes=40, n_cells=150, seed=3)
    other_id = ws.save_dataset(other)
    _demo_runs(["pearson", "random"], options={"folds": 3}, ds=ws.load_dataset(demo_id), ds_id=demo_id)
    _demo_runs(["pearson"], ds=other, ds_id=other_id, options={"folds": 3})
    _demo_runs(["random"], ds=other, ds_id=other_id, seed=1, options={"folds": 3})  # another seed: left out
    _demo_runs(["spearman"], ds=other, ds_id=other_id)                             # one split: left out
    at = open_page("pages/evaluation.py")
    heat, title = _heatmap(at)
    assert "tf_disjoint · 3 folds · seed 0" in title
    assert heat["x"] == ["pearson", "random"] and len(heat["y"]) == 2
    z = dict(zip(heat["y"], heat["z"]))
    assert z[other.name][1] is None  # the seed-1 random run of the other dataset is not mixed in
    assert heat["zmin"] == min(v for row in heat["z"] for v in row if v is not None)
    # the other dataset's runs are reachable without changing the active dataset
    at.selectbox(key="eval_dataset").set_value(other_id).run()
    assert not at.exception, at.exception
    keys = at.selectbox(key="eval_group").options
    assert len(keys) == 3  # 3 folds seed 0, 3 folds seed 1, one split
    assert at.session_state["active_dataset"] != other_id


def test_models_page_offers_folds_and_keeps_the_choices_across_pages():
    at = open_page("pages/models.py")
    at.selectbox(key="split_name").set_value("tf_disjoint").run()
    assert at.number_input(key="split_folds").value == 5
    assert any("Whole regulators are held out" in m.value for m in at.markdown)
    at.number_input(key="split_folds").set_value(3).run()
    at.multiselect(key="methods_chosen").set_value(["pearson"]).run()
    assert at.number_input(key="params.pearson.tile").label == "tile size (genes)"
    assert "code name: `tile`" in at.number_input(key="params.pearson.tile").help
    at.number_input(key="params.pearson.tile").set_value(256).run()
    sizes = at.dataframe[0].value
    assert sorted(sizes["fold"].unique()) == [1, 2, 3]
    at.switch_page("pages/evaluation.py").run()
    at.switch_page("pages/models.py").run()
    assert at.selectbox(key="split_name").value == "tf_disjoint"
    assert at.number_input(key="split_folds").value == 3
    assert at.multiselect(key="methods_chosen").value == ["pearson"]
    assert at.number_input(key="params.pearson.tile").value == 256
    assert not [w for w in at.warning if "Session State" in w.value]
    start_runs(at)
    runs = wait_for_runs(1)
    assert [(r.method, r.split, r.split_options.get("folds"), r.status) for r in runs] == [("pearson", "tf_disjoint", 3, "done")]
    assert len(runs[0].metrics["folds"]) == 3
    assert comparison.setting_text(comparison.group_key(runs[0])) == "tf_disjoint · 3 folds · seed 0"


def test_the_data_page_shows_the_first_steps_and_runs_a_quick_comparison_on_the_demo():
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    steps = at.expander[0]
    assert steps.label.startswith("First steps: Data → Models → Training → Evaluation") and steps.proto.expanded
    captions = " ".join(c.value for c in at.caption)
    assert "a ground-truth network only to evaluate, not to discover" in captions
    for title in ("Network", "Literature", "Restoration"):  # a link once the page exists, else its name
        assert any(title in m.value for m in at.markdown) or any(title in str(p.proto.label) for p in at.get("page_link"))
    at.button(key="quick_demo").click().run()
    assert not at.exception, at.exception
    assert any("Queued 4 runs on the demo dataset" in s.value for s in at.success)
    runs = wait_for_runs(4)
    assert {(r.method, r.split, r.split_options.get("folds"), r.status) for r in runs} == {
        (m, "tf_disjoint", 5, "done") for m in ("pearson", "spearman", "degree", "random")}
    at = open_page("pages/evaluation.py")
    assert "AUROC 95% CI" in at.dataframe[0].value.columns
    at = AppTest.from_file(APP, default_timeout=120)  # back on the Data page: the header is folded away
    at.run()
    assert at.expander[0].label.startswith("First steps") and at.expander[0].proto.expanded is False


def test_data_page_says_when_there_is_no_sample_metadata_and_shows_unknown_signs():
    import pandas as pd

    from grncore.data import Dataset

    ws = Workspace()
    expr = pd.DataFrame([[1.0, 2.0, 3.0], [2.0, 1.0, 0.5], [0.1, 0.3, 0.2]], index=["A", "B", "C"],
                        columns=["s1", "s2", "s3"])
    net = pd.DataFrame({"regulator": ["A", "A"], "target": ["B", "C"]})
    ds_id = ws.save_dataset(Dataset.create(expr, network=net, tfs=["A"], name="bare"))
    ws.set_setting("active_dataset", ds_id)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    assert any("No sample metadata was given" in i.value for i in at.info)
    table = next(d.value for d in at.dataframe if "regulator" in d.value.columns)
    assert set(table["sign"]) == {"unknown"} and set(table["weight"]) == {"unknown"}

"""Network page tests (AppTest) on the demo data: runs are created directly with grncore.bench.run
in the test's workspace, then the page's view, tables, comparison and downloads are checked
against the predicted network computed here."""

import base64
import io
import json

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from streamlit.testing.v1 import AppTest

from grncore.bench import run as bench_run
from grncore.data import simulate
from grncore.jobs import Workspace
from grncore.network import export, predicted
from tests.test_app_data import APP


def make_runs(*methods: str, split: str = "unsupervised"):
    """The demo dataset, active in a fresh workspace, with one finished run per method."""
    ws = Workspace()
    ds = simulate.demo(seed=0)
    ds_id = ws.save_dataset(ds)
    ws.set_setting("active_dataset", ds_id)
    ids = [bench_run.run(ds, m, split=split, workspace=ws, dataset_id=ds_id).run_id for m in methods]
    return ws, ds, ids


def open_network() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("pages/network.py").run()
    assert not at.exception, at.exception
    return at


def plotly_array(value) -> np.ndarray:
    """A trace array of a plotly figure's JSON (plain list or plotly's base64 typed array)."""
    if isinstance(value, dict):
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
    return np.asarray(value)


def tab(at: AppTest, label: str):
    return next(t for t in at.tabs if t.label == label)


def edge_table(at: AppTest) -> pd.DataFrame:
    return tab(at, "Edges").dataframe[0].value


def test_without_runs_the_page_says_to_start_a_discovery_run():
    Workspace().set_setting("active_dataset", Workspace().save_dataset(simulate.demo(seed=0)))
    at = open_network()
    assert "No finished run" in at.info[0].value and "discovery run on the Models page" in at.info[0].value
    assert not at.get("iframe")


def test_view_tables_and_downloads_of_a_run():
    ws, ds, (run_id,) = make_runs("pearson")
    pred = predicted.predicted_network(ws, run_id)
    at = open_network()
    assert at.select_slider(key="net_k").value == 100
    edges = edge_table(at)
    shown = edges[edges["status"] != "missed"]
    # the 100 best-ranked pairs of the run, in rank order, their status from the ground truth
    best = pred.nsmallest(100, "rank")
    assert list(shown["rank"]) == list(best["rank"]) == list(range(1, 101))
    assert set(zip(shown["regulator"], shown["target"])) == set(zip(best["regulator"], best["target"]))
    assert ((shown["status"] == "true positive") == (shown["known"] == 1)).all()
    assert set(shown["status"]) == {"true positive", "false positive"}
    # missed: known edges ranked below the cut, between genes of the view
    missed = edges[edges["status"] == "missed"]
    assert len(missed) and (missed["rank"] > 100).all() and (missed["known"] == 1).all()
    genes = set(shown["regulator"]) | set(shown["target"])
    assert set(missed["regulator"]) <= genes and set(missed["target"]) <= genes
    # the drawing is the pyvis page of that view, offline
    page = at.get("iframe")[0].proto.srcdoc
    assert f'data-edges="{len(edges)}"' in page and "new vis.Network(" in page and "https://" not in page.split("<script>")[0]
    # hub table: out-degree among the 100 predicted edges, and how many are known
    hubs = tab(at, "Hubs").dataframe[0].value
    top = hubs.iloc[0]
    mine = shown[shown["regulator"] == top["regulator"]]
    assert top["predicted_targets"] == len(mine) == shown["regulator"].value_counts().max()
    assert top["known_targets"] == mine["known"].sum()
    assert "Evaluation run(s) (unsupervised)" in " ".join(c.value for c in at.caption)


def test_download_buttons_export_the_view(monkeypatch):
    """Each button's deferred callable (captured where Streamlit registers it) writes the view."""
    import networkx as nx
    from streamlit.runtime.media_file_manager import MediaFileManager

    captured = {}
    original = MediaFileManager.add_deferred

    def record(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        captured[file_name] = (data_callable, mimetype)
        return original(self, data_callable, mimetype, coordinates, file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    ws, ds, (run_id,) = make_runs("pearson")
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    captured.clear()  # what the Data page registered
    at.switch_page("pages/network.py").run()
    assert [b.proto.label for b in at.get("download_button")] == list(export.FORMATS)
    edges = edge_table(at)
    predicted_edges = edges[edges["status"] != "missed"]
    files = {name.rsplit("_", 1)[-1]: (fn(), mime) for name, (fn, mime) in captured.items()}
    assert all(run_id[-6:] in name for name in captured)
    assert set(files) == set(export.FILE_NAMES.values())
    csv = pd.read_csv(io.BytesIO(files["predictions.csv"][0]))
    assert list(csv["rank"]) == list(edges["rank"]) and list(csv["status"]) == list(edges["status"])
    beeline = pd.read_csv(io.BytesIO(files["rankedEdges.csv"][0]), sep="\t")
    assert list(beeline.columns) == ["Gene1", "Gene2", "EdgeWeight"] and len(beeline) == len(predicted_edges)
    graph = nx.read_graphml(io.BytesIO(files["network.graphml"][0]))
    assert graph.number_of_edges() == len(edges)
    assert set(graph.edges) == set(zip(edges["regulator"], edges["target"]))
    cy = nx.cytoscape_graph(json.loads(files["network.cyjs"][0]))
    assert set(cy.edges) == set(graph.edges)
    sif = files["network.sif"][0].decode().splitlines()
    assert len(sif) == len(predicted_edges) and all(line.split("\t")[1] == "pd" for line in sif)
    page = files["network.html"][0].decode()
    assert f'data-edges="{len(edges)}"' in page and files["network.html"][1] == "text/html"


def test_filters_novel_only_tf_only_and_the_500_edge_cap():
    ws, ds, (run_id,) = make_runs("pearson")
    pred = predicted.predicted_network(ws, run_id)
    at = open_network()
    at.checkbox(key="net_novel").check().run()
    edges = edge_table(at)
    assert len(edges) == 100 and set(edges["status"]) == {"false positive"} and (edges["known"] == 0).all()
    novel = pred[pred["known"] == 0].nsmallest(100, "rank")
    assert list(edges["rank"]) == list(novel["rank"])
    at.checkbox(key="net_novel").uncheck().run()

    at.checkbox(key="net_tfs_only").check().run()
    assert set(edge_table(at)["regulator"]) <= set(ds.tfs)
    at.checkbox(key="net_tfs_only").uncheck().run()

    at.checkbox(key="net_missed").uncheck().run()
    at.radio(key="net_cut").set_value("score threshold").run()
    threshold = float(pred.loc[pred["rank"] == 50, "score"].iloc[0])
    at.slider(key="net_threshold").set_value(threshold).run()
    edges = edge_table(at)
    assert len(edges) == int((pred["score"] >= threshold).sum()) and (edges["score"] >= threshold).all()
    at.radio(key="net_cut").set_value("top-k").run()

    at.select_slider(key="net_k").set_value(1000).run()
    assert not at.exception, at.exception
    assert len(pred) > 1000
    edges = edge_table(at)
    assert len(edges) == 500 and list(edges["rank"]) == list(range(1, 501))
    assert any("showing the top 500 of 1,000 edges" in w.value for w in at.warning)


def test_centre_gene_shows_its_neighbourhood_and_panel():
    ws, ds, (run_id,) = make_runs("pearson")
    pred = predicted.predicted_network(ws, run_id)
    best = pred.nsmallest(100, "rank")
    gene = best["regulator"].value_counts().index[0]
    at = open_network()
    at.checkbox(key="net_missed").uncheck().run()
    at.selectbox(key="net_center").set_value(gene).run()
    assert not at.exception, at.exception
    edges = edge_table(at)
    # 1 hop: every edge of the cut with both ends among the gene and its direct neighbours
    near = {gene} | set(best.loc[best["regulator"] == gene, "target"]) | set(best.loc[best["target"] == gene, "regulator"])
    expected = best[best["regulator"].isin(near) & best["target"].isin(near)]
    assert sorted(edges["rank"]) == sorted(expected["rank"])
    panel = tab(at, "Selected gene")
    targets, regulators = panel.dataframe[0].value, panel.dataframe[1].value
    assert sorted(targets["target"]) == sorted(best.loc[best["regulator"] == gene, "target"])
    assert sorted(regulators["regulator"]) == sorted(best.loc[best["target"] == gene, "regulator"])
    assert f"{len(targets)} predicted target(s)" in panel.markdown[0].value
    at.slider(key="net_hops").set_value(2).run()
    assert len(edge_table(at)) > len(edges)


def test_compare_two_runs_and_their_consensus():
    ws, ds, (a, b) = make_runs("pearson", "spearman")
    pa, pb = predicted.predicted_network(ws, a), predicted.predicted_network(ws, b)
    at = open_network()
    runs = {at.selectbox(key="net_cmp_a").value, at.selectbox(key="net_cmp_b").value}
    assert runs == {a, b}
    ta = set(zip(*pa.nsmallest(100, "rank")[["regulator", "target"]].to_numpy().T))
    tb = set(zip(*pb.nsmallest(100, "rank")[["regulator", "target"]].to_numpy().T))
    jaccard = len(ta & tb) / len(ta | tb)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Jaccard of the top 100"] == f"{jaccard:.3f}" and metrics["Shared edges"] == f"{len(ta & tb):,}"
    only = [d.value for d in at.dataframe if "regulator" in d.value and len(d.value) == 100 - len(ta & tb)]
    assert len(only) == 2
    charts = at.get("plotly_chart")
    assert len(charts) == 1  # overlap vs k (the score distribution waits for its expander)
    curve = json.loads(charts[0].proto.spec)["data"][0]
    k_values, jaccards = plotly_array(curve["x"]), plotly_array(curve["y"])
    assert k_values[0] == 1 and k_values[-1] == len(pa) == len(pb)
    best = [tuple(p.nsmallest(1, "rank")[["regulator", "target"]].iloc[0]) for p in (pa, pb)]
    assert jaccards[0] == float(best[0] == best[1])
    assert jaccards[-1] == 1.0  # both runs scored the same test pairs: all of them are shared
    at.session_state["net_hist_open"] = True
    at.run()
    assert len(at.get("plotly_chart")) == 2

    at.radio(key="net_mode").set_value("a consensus of runs").run()
    assert not at.exception, at.exception
    assert set(at.multiselect(key="net_runs").value) == {a, b}
    edges = edge_table(at)
    assert list(edges.loc[edges["status"] != "missed", "rank"]) == list(range(1, 101))
    # mean rank (Borda, tied scores share their mean rank): the consensus' best pair has the best
    # mean rank over the two runs (both scored the same test pairs)
    def ranks(p):
        return pd.Series(rankdata(-p["score"].to_numpy(), method="average"),
                         index=pd.MultiIndex.from_arrays([p["regulator"], p["target"]]))

    mean_rank = (ranks(pa) + ranks(pb)) / 2
    first = edges.iloc[0]
    assert mean_rank.loc[(first["regulator"], first["target"])] == mean_rank.min()


def test_discovery_run_says_evaluation_belongs_to_other_splits():
    ws, ds, (run_id,) = make_runs("pearson", split="discovery")
    at = open_network()
    assert any("evaluation belongs to the other splits" in i.value for i in at.info)
    pred = predicted.predicted_network(ws, run_id)
    assert len(pred) == ds.n_candidate_pairs
    assert len(edge_table(at).query("status != 'missed'")) == 100


def test_supervised_discovery_run_is_labelled_in_sample():
    ws, ds, (run_id,) = make_runs("degree", split="discovery")
    at = open_network()
    assert any("In-sample" in w.value for w in at.warning)
    pred = predicted.predicted_network(ws, run_id)
    assert pred["trained"].sum() > 0
    assert any("trained" in c for c in edge_table(at).columns)


def test_discovery_run_without_ground_truth():
    ws = Workspace()
    demo = simulate.demo(seed=0)
    ds = demo.replace(network=None, name="no truth")
    ds_id = ws.save_dataset(ds)
    ws.set_setting("active_dataset", ds_id)
    bench_run.run(ds, "pearson", split="discovery", workspace=ws, dataset_id=ds_id)
    at = open_network()
    assert any("no ground truth" in c.value for c in at.caption)
    assert at.checkbox(key="net_novel").disabled and at.checkbox(key="net_missed").disabled
    edges = edge_table(at)
    assert len(edges) == 100 and set(edges["status"]) == {"false positive"}

"""Page test (AppTest) of Restoration on the simulated two-state demo: the sliders change the result."""

import pandas as pd
from streamlit.testing.v1 import AppTest

from grncore import restore as rs
from grncore.data import simulate
from grncore.data.preprocess import normalize_log1p
from grncore.jobs import Workspace
from tests.conftest import until
from tests.test_app_data import APP


def open_restoration() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page("pages/restoration.py").run()
    assert not at.exception, at.exception
    return at


FRAMES = ("chosen", "genes", "candidates", "fits", "summary")     # the page's tables, in page order


def frame(at: AppTest, name: str) -> pd.DataFrame:
    return at.dataframe[FRAMES.index(name)].value


def chosen(at: AppTest) -> list[str]:
    return list(frame(at, "chosen")["gene"])


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def engine_result(th2=0.35, th1=0.1, mode="corrected", relationship=None):
    ts = simulate.two_states(n_genes=60, n_cells=200, n_perturbed_tfs=3, seed=0)
    s, t = rs.split_states(normalize_log1p(ts.dataset))
    return ts, rs.restore(s, t, ts.dataset.network, mode=mode, relationship=relationship, threshold=th2,
                          edge_threshold=th1)


def test_demo_opens_with_the_known_answer_and_the_engine_result():
    at = open_restoration()
    ts, expected = engine_result()
    assert any(all(g in i.value for g in ts.perturbed_tfs) for i in at.info)    # the known answer is shown
    assert chosen(at) == expected.chosen_genes
    assert chosen(at)[0] in ts.perturbed_tfs
    assert metric(at, "TFs restored") == str(len(expected.chosen))
    assert metric(at, "Initial difference D0") == f"{expected.initial_difference:.4g}"
    sweep = frame(at, "summary")
    assert list(sweep["threshold"]) == [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1]
    genes = frame(at, "genes")
    assert set(genes.columns) >= {"gene", "source", "target", "predicted", "gap_closed"}
    assert len(genes) == expected.genes.shape[0]


def test_sliders_change_the_result():
    at = open_restoration()
    before = chosen(at)
    at.slider(key="restore_th2").set_value(0.8).run()
    assert not at.exception, at.exception
    _, expected = engine_result(th2=0.8)
    assert chosen(at) == expected.chosen_genes and len(chosen(at)) < len(before)
    at.slider(key="restore_th1").set_value(0.5).run()
    _, expected = engine_result(th2=0.8, th1=0.5)
    assert metric(at, "Initial difference D0") == f"{expected.initial_difference:.4g}"
    assert metric(at, "Difference network genes · edges") == (
        f"{expected.graph.number_of_nodes()} · {expected.graph.number_of_edges()}")
    at.slider(key="restore_th1").set_value(0.1).run()
    at.slider(key="restore_th2").set_value(0.35).run()
    at.selectbox(key="restore_rel_corrected").set_value("quadratic").run()
    _, expected = engine_result(relationship="quadratic")
    assert chosen(at) == expected.chosen_genes
    assert set(frame(at, "fits")["form"]) == {"quadratic"}


def test_gager_mode_and_hidden_genes():
    at = open_restoration()
    at.radio(key="restore_mode").set_value("gager").run()
    assert not at.exception, at.exception
    assert "auto" not in at.selectbox(key="restore_rel_gager").options
    _, expected = engine_result(mode="gager")
    assert chosen(at) == expected.chosen_genes
    gene = expected.chosen_genes[0]
    at.multiselect(key="restore_hide").set_value([gene]).run()
    table = frame(at, "genes").set_index("gene")
    assert not table.loc[gene, "in_objective"]
    assert isinstance(frame(at, "summary"), pd.DataFrame)


def test_grns_inferred_per_state_with_a_button():
    at = open_restoration()
    at.radio(key="restore_grn_origin").set_value("Infer a GRN per state here").run()
    assert any("Give the GRN" in i.value for i in at.info)               # nothing computed before the click
    at.button(key="restore_infer").click().run()
    assert not at.exception, at.exception
    # two background discovery runs, one per state; the page shows the GRNs once both are done
    def finished():
        done = [r for r in Workspace().list_runs() if r.finished]
        return done if len(done) == 2 else None

    runs = until(finished, 120, "both state runs finished")
    assert {(r.method, r.split, r.status) for r in runs} == {("pearson", "discovery", "done")}
    assert sorted(r.dataset_name.rsplit(" · ", 1)[1] for r in runs) == ["source state", "target state"]
    at.run()
    assert not at.exception, at.exception
    ts = simulate.two_states(n_genes=60, n_cells=200, n_perturbed_tfs=3, seed=0)
    s, t = rs.split_states(normalize_log1p(ts.dataset))
    tfs = list(ts.dataset.tfs)
    expected = rs.restore(s, t, rs.infer_grn(t, "pearson", tfs=tfs), rs.infer_grn(s, "pearson", tfs=tfs))
    assert chosen(at) == expected.chosen_genes and chosen(at)


def test_states_from_a_saved_dataset_split_by_condition():
    ts = simulate.two_states(n_genes=60, n_cells=200, n_perturbed_tfs=3, seed=0)
    ds_id = Workspace().save_dataset(ts.dataset)
    at = open_restoration()
    at.radio(key="restore_origin").set_value("A saved dataset, split by a sample column").run()
    at.selectbox(key="restore_ds").set_value(ds_id).run()
    assert at.selectbox(key="restore_col").value == "condition"
    assert (at.selectbox(key="restore_src").value, at.selectbox(key="restore_tgt").value) == ("source", "target")
    raw = rs.split_states(ts.dataset)
    expected = rs.restore(*raw, ts.dataset.network)                   # normalisation is off by default here
    assert chosen(at) == expected.chosen_genes
    at.checkbox(key="restore_norm_A saved dataset, split by a sample column").check().run()
    _, normalised = engine_result()
    assert chosen(at) == normalised.chosen_genes

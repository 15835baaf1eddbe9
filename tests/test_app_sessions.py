"""Several users on one server: each tab keeps its own active dataset (the URL holds it over a
reload) and the Training page lists the active dataset's runs unless every dataset's are asked for."""

from streamlit.testing.v1 import AppTest

from grncore.bench.run import run
from grncore.data import simulate
from grncore.jobs import Workspace
from tests.test_app_data import APP


def _two_users():
    ws = Workspace()
    a, b = (simulate.single_cell(n_genes=20, n_cells=60, seed=s, name=n) for s, n in ((1, "alice"), (2, "bob")))
    ids = {ds.name: ws.save_dataset(ds) for ds in (a, b)}
    for ds, method in ((a, "pearson"), (b, "spearman"), (b, "random")):
        run(ds, method, "unsupervised", workspace=ws, dataset_id=ids[ds.name])
    ws.set_setting("active_dataset", ids["alice"])  # alice made hers active last
    return ids


def _session(dataset_id: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if dataset_id:
        at.query_params["dataset"] = dataset_id  # bob's tab, reloaded: its URL names his dataset
    at.run()
    at.switch_page("pages/training.py").run()
    assert not at.exception, at.exception
    return at


def test_each_tab_keeps_its_dataset_and_sees_its_runs():
    ids = _two_users()
    bob = _session(ids["bob"])
    assert bob.session_state["active_dataset"] == ids["bob"]
    assert sorted(bob.dataframe[0].value["method"]) == ["random", "spearman"]
    bob.toggle(key="training_every").set_value(True).run()
    assert sorted(bob.dataframe[0].value["method"]) == ["pearson", "random", "spearman"]
    Workspace().set_setting("active_dataset", ids["alice"])  # alice makes hers active again meanwhile
    assert _session(ids["bob"]).session_state["active_dataset"] == ids["bob"]  # bob reloads: still his
    fresh = _session()  # a tab without the URL opens on the workspace's last active dataset
    assert fresh.session_state["active_dataset"] == ids["bob"]
    assert fresh.query_params["dataset"] == ids["bob"]  # written back into the URL

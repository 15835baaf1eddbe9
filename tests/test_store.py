"""The workspace store: schema, migrations, datasets kept across restarts, atomic writes."""

import sqlite3

import numpy as np
import pandas as pd
import pytest

from grncore.data import Dataset
from grncore.jobs import Workspace, store


def _dataset(seed=0, name="toy"):
    rng = np.random.default_rng(seed)
    genes = [f"G{i}" for i in range(6)]
    expr = pd.DataFrame(rng.random((6, 5)), index=genes, columns=[f"c{j}" for j in range(5)])
    samples = pd.DataFrame({"pseudotime": np.linspace(0, 1, 5)}, index=expr.columns)
    net = pd.DataFrame({"regulator": ["G0", "G0", "G1"], "target": ["G1", "G2", "G3"], "sign": [1, -1, 1]})
    return Dataset.create(expr, samples=samples, network=net, name=name, source="unit test",
                          extras={"knock outs": expr.iloc[:, :2]})


def test_new_workspace_is_at_latest_schema_in_wal_mode(tmp_path):
    ws = Workspace(tmp_path / "ws")
    assert ws.schema_version == len(store.MIGRATIONS)
    with ws.connect() as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_dataset_round_trip_and_listing_survives_restart(tmp_path):
    ds = _dataset()
    ds_id = Workspace(tmp_path).save_dataset(ds)
    again = Workspace(tmp_path)  # a "restart": a new object on the same folder
    [rec] = again.list_datasets()
    assert (rec.id, rec.name, rec.n_genes, rec.n_samples, rec.n_edges) == (ds_id, "toy", 6, 5, 3)
    back = again.load_dataset(ds_id)
    pd.testing.assert_frame_equal(back.expression, ds.expression)
    pd.testing.assert_frame_equal(back.network, ds.network)
    assert back.samples["pseudotime"].tolist() == ds.samples["pseudotime"].tolist()
    assert back.tfs == ds.tfs and back.kind == ds.kind and back.source == "unit test"
    pd.testing.assert_frame_equal(back.extras["knock outs"], ds.extras["knock outs"])
    assert back.fingerprint() == ds_id


def test_same_content_is_stored_once(tmp_path):
    ws = Workspace(tmp_path)
    assert ws.save_dataset(_dataset()) == ws.save_dataset(_dataset())
    ws.save_dataset(_dataset(seed=1))
    assert len(ws.list_datasets()) == 2


def test_incomplete_rows_are_not_listed(tmp_path):
    ws = Workspace(tmp_path)
    ds_id = ws.save_dataset(_dataset())
    with ws.connect() as con:
        con.execute("UPDATE datasets SET complete = 0 WHERE id = ?", (ds_id,))
    assert ws.list_datasets() == []


def test_delete_and_rename(tmp_path):
    ws = Workspace(tmp_path)
    ds_id = ws.save_dataset(_dataset())
    ws.rename_dataset(ds_id, "renamed")
    assert ws.load_dataset(ds_id).name == "renamed"
    ws.delete_dataset(ds_id)
    assert ws.list_datasets() == [] and not ws.dataset_dir(ds_id).exists()
    with pytest.raises(KeyError):
        ws.load_dataset(ds_id)


def test_migrations_apply_in_order_from_an_old_version(tmp_path, monkeypatch):
    Workspace(tmp_path)
    monkeypatch.setattr(store, "MIGRATIONS", store.MIGRATIONS + ["CREATE TABLE extra_v2 (x INTEGER)"])
    ws = Workspace(tmp_path)
    assert ws.schema_version == len(store.MIGRATIONS)
    with ws.connect() as con:
        con.execute("INSERT INTO extra_v2 VALUES (1)")


def test_newer_schema_is_refused_with_a_clear_message(tmp_path):
    Workspace(tmp_path)
    con = sqlite3.connect(tmp_path / "workspace.sqlite")
    con.execute("PRAGMA user_version = 99")
    con.close()
    with pytest.raises(RuntimeError, match="newer than this"):
        Workspace(tmp_path)


def test_uploads_are_staged_with_safe_names_and_removed_once_read(tmp_path):
    import io

    ws = Workspace(tmp_path)
    upload = io.BytesIO(b"data" * 1000)
    upload.name = "../../etc/passwd <x>.csv"
    with ws.staged_uploads({"expression": upload, "network": None}) as paths:
        path = paths["expression"]
        assert path.read_bytes() == b"data" * 1000
        assert path.is_relative_to(ws.root / "uploads") and path.name == "passwd_x_.csv"
        assert paths["network"] is None
    assert not path.exists() and list((ws.root / "uploads").iterdir()) == []
    upload.name = "x" * 300 + ".csv.gz"  # a long name keeps the suffixes the readers detect formats by
    with ws.staged_uploads({"expression": upload}) as paths:
        assert paths["expression"].name.endswith("xxx.csv.gz") and len(paths["expression"].name) == 120
    with pytest.raises(RuntimeError), ws.staged_uploads({"expression": upload}) as paths:
        raise RuntimeError("the reader failed")
    assert list((ws.root / "uploads").iterdir()) == []  # removed on failure too


def test_count_runs_counts_every_row(tmp_path):
    ws = Workspace(tmp_path)
    assert ws.count_runs() == 0
    for seed in range(3):
        ws.create_run(dataset_id="d", dataset_name="demo", method="pearson", split="unsupervised", seed=seed)
    assert ws.count_runs() == len(ws.list_runs()) == 3


def test_settings(tmp_path):
    ws = Workspace(tmp_path)
    assert ws.get_setting("active_dataset") is None
    ws.set_setting("active_dataset", "abc")
    ws.set_setting("active_dataset", "def")
    assert Workspace(tmp_path).get_setting("active_dataset") == "def"


def test_workspace_path_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("GRN_WORKSPACE", str(tmp_path / "env-ws"))
    assert store.workspace_path() == (tmp_path / "env-ws").resolve()
    monkeypatch.delenv("GRN_WORKSPACE")
    assert str(store.workspace_path()).endswith(".grn-workbench")


@pytest.mark.parametrize("kind", ["workspace", "literature"])
def test_many_threads_opening_one_new_database_at_once_all_succeed(tmp_path, kind):
    """Found with the test suite: a process opening a new workspace while another was creating
    it failed with "database is locked" (the migration read the schema version, then lost the race
    to write; and switching a new file to WAL mode does not wait for a busy database)."""
    import threading

    from grncore.literature import store as literature

    open_one = (lambda d: Workspace(d).set_setting("k", "v")) if kind == "workspace" else literature.LiteratureStore
    errors = []
    for k in range(10):
        folder = tmp_path / f"ws{k}"
        start = threading.Barrier(8)

        def go():
            start.wait()
            try:
                open_one(folder)
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(repr(exc))

        threads = [threading.Thread(target=go) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    path, steps = ((tmp_path / "ws0" / "workspace.sqlite", len(store.MIGRATIONS)) if kind == "workspace" else
                   (tmp_path / "ws0" / literature.FILE_NAME, len(literature.MIGRATIONS)))
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == steps

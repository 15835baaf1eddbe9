"""Run orchestration, background jobs (queue, cancel, restart safety) and run comparison."""

import json
import time

import numpy as np
import pandas as pd
import pytest

from grncore.bench import comparison, evaluate, make_split
from grncore.bench.run import evaluate_predictions, run
from grncore.cli import main
from grncore.data import InputError, simulate
from grncore.data.preprocess import normalize_log1p
from grncore.jobs import Workspace
from grncore.jobs.manager import JobManager


@pytest.fixture(scope="module")
def sc():
    return normalize_log1p(simulate.demo(seed=0))


def test_run_scores_the_split_test_pairs_and_stores_everything(sc, tmp_path):
    ws = Workspace(tmp_path)
    res = run(sc, "pearson", "unsupervised", seed=3, workspace=ws)
    sp = make_split(sc, "unsupervised", seed=3)
    assert len(res.predictions) == len(sp.test) == len(sc.tfs) * (sc.n_genes - 1)
    assert res.predictions["label"].sum() == sc.n_edges
    again = evaluate(res.predictions["label"], res.predictions["score"])
    assert again.auroc == pytest.approx(res.metrics.auroc) and res.metrics.auroc > 0.6
    row = ws.get_run(res.run_id)
    assert row.status == "done" and row.metrics["auroc"] == pytest.approx(res.metrics.auroc)
    rec = row.record
    assert rec["dataset_fingerprint"] == sc.fingerprint() and rec["seed"] == 3 and rec["method"] == "pearson"
    assert {"numpy", "scikit-learn", "python"} <= set(rec["versions"])
    assert rec["ran_on"] == "this process"  # pearson uses no executor
    stored = ws.load_run_artifact(res.run_id, "predictions")
    pd.testing.assert_frame_equal(stored, res.predictions)
    assert list(ws.load_run_artifact(res.run_id, "roc").columns[:2]) == ["fpr", "tpr"]


def test_record_says_where_per_target_fits_ran(tmp_path):
    small = simulate.single_cell(n_genes=20, n_cells=80, seed=2)  # a few short fits
    pooled = run(small, "grnboost2", "unsupervised", params={"n_jobs": 2}, seed=1, workspace=Workspace(tmp_path))
    alone = run(small, "grnboost2", "unsupervised", params={"n_jobs": 1}, seed=1)
    assert (pooled.record()["ran_on"], alone.record()["ran_on"]) == ("2 processes", "this process")
    assert Workspace(tmp_path).get_run(pooled.run_id).record["ran_on"] == "2 processes"
    np.testing.assert_array_equal(pooled.predictions["score"], alone.predictions["score"])


def test_methods_compared_on_one_split_and_seed_see_identical_test_pairs(sc):
    a = run(sc, "pearson", "edge_random", seed=7)
    b = run(sc, "degree", "edge_random", seed=7)
    c = run(sc, "pearson", "edge_random", seed=8)
    pd.testing.assert_frame_equal(a.predictions[["regulator", "target", "label"]],
                                  b.predictions[["regulator", "target", "label"]])
    assert not a.predictions[["regulator", "target"]].equals(c.predictions[["regulator", "target"]])


def test_impossible_combinations_are_input_errors(sc):
    with pytest.raises(InputError, match="supervised"):
        run(sc, "degree", "unsupervised")
    with pytest.raises(InputError, match="unknown split"):
        run(sc, "pearson", "no_such_split")
    with pytest.raises(InputError):
        run(sc, "no_such_method", "unsupervised")


def test_external_predictions_are_evaluated_on_the_same_pairs(sc):
    ours = run(sc, "pearson", "unsupervised", seed=0)
    pred = ours.predictions.rename(columns={})[["regulator", "target", "score"]]
    ext = evaluate_predictions(sc, pred, name="copy", split="unsupervised", seed=0)
    assert ext.metrics.auroc == pytest.approx(ours.metrics.auroc)
    assert ext.extra["unscored_test_pairs"] == 0
    # drop the best-scored half: those pairs rank last now and are counted
    half = pred.sort_values("score").iloc[: len(pred) // 2]
    partial = evaluate_predictions(sc, half, name="half", split="unsupervised", seed=0)
    assert partial.extra["unscored_test_pairs"] == len(pred) - len(half)
    assert partial.metrics.auroc < ours.metrics.auroc
    with pytest.raises(InputError, match="none of the test pairs"):
        evaluate_predictions(sc, pred.assign(regulator="nope"), name="bad")


def _stored(ws, ds):
    return ws.save_dataset(ds)


def test_job_manager_runs_queued_jobs_and_records_progress(sc, tmp_path):
    ws = Workspace(tmp_path)
    ds_id = _stored(ws, sc)
    jobs = JobManager(ws)
    ids = [jobs.submit(ds_id, m, "unsupervised", seed=2) for m in ("pearson", "random")]
    assert [jobs.wait(i, timeout=120) for i in ids] == ["done", "done"]
    rows = {r.id: r for r in ws.list_runs(dataset_id=ds_id)}
    assert rows[ids[0]].metrics["auroc"] > rows[ids[1]].metrics["auroc"]
    assert jobs.state(ids[0])["fraction"] == 1.0
    assert rows[ids[0]].started_at is not None and rows[ids[0]].finished_at >= rows[ids[0]].started_at


def test_failed_run_keeps_its_message(sc, tmp_path):
    ws = Workspace(tmp_path)
    ds_id = _stored(ws, sc)
    jobs = JobManager(ws)
    rid = jobs.submit(ds_id, "degree", "unsupervised")
    assert jobs.wait(rid) == "failed"
    assert "supervised" in ws.get_run(rid).message


def test_cancel_stops_a_running_job_and_a_queued_one(tmp_path):
    ws = Workspace(tmp_path)
    big = simulate.single_cell(n_genes=80, n_cells=300, seed=2)
    ds_id = _stored(ws, big)
    jobs = JobManager(ws, max_concurrent=1)
    slow = jobs.submit(ds_id, "genie3", "unsupervised", params={"n_estimators": 1000, "n_jobs": 1})
    queued = jobs.submit(ds_id, "pearson", "unsupervised")
    deadline = time.monotonic() + 60
    while jobs.state(slow)["done"] < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert jobs.state(slow)["status"] == "running"
    assert jobs.state(queued)["status"] == "queued"  # the concurrency limit holds it back
    jobs.cancel(queued)
    jobs.cancel(slow)
    assert jobs.wait(slow, timeout=60) == "cancelled"
    st = jobs.state(slow)
    assert st["done"] < st["total"] // 2, st  # stopped long before its last target (80 x 1000 trees)
    assert ws.get_run(slow).status == "cancelled" and ws.get_run(queued).status == "cancelled"
    with pytest.raises(KeyError):
        ws.load_run_artifact(slow, "predictions")  # nothing half-written


def test_restart_marks_unfinished_runs_interrupted(sc, tmp_path):
    ws = Workspace(tmp_path)
    ds_id = _stored(ws, sc)
    running = ws.create_run(dataset_id=ds_id, dataset_name=sc.name, method="pearson", split="unsupervised",
                            seed=0, status="running")
    queued = ws.create_run(dataset_id=ds_id, dataset_name=sc.name, method="random", split="unsupervised", seed=0)
    done = run(sc, "pearson", "unsupervised", workspace=ws, dataset_id=ds_id).run_id
    for r in (running, queued):  # left by an earlier server: our pid, another process start
        ws.update_run(r, owner_started="earlier-boot/1")
    jobs = JobManager(Workspace(tmp_path))  # the restarted server on the same workspace
    assert jobs.interrupted_at_start == 2
    assert {ws.get_run(r).status for r in (running, queued)} == {"interrupted"}
    assert ws.get_run(done).status == "done"


def _row(method, auroc, created, split="edge_random"):
    from grncore.jobs import RunRow

    return RunRow(id=f"r-{method}-{created}", dataset_id="d", dataset_name="demo", method=method, split=split,
                  split_options={}, seed=0, params={}, device="cpu", status="done", message="", progress={},
                  metrics={"auroc": auroc, "auprc": 0.5, "auprc_ratio": 1.0, "epr": 1.0, "n_pairs": 10,
                           "n_positives": 5, "positive_rate": 0.5}, record={"seconds": 1.0},
                  created_at=created, started_at=created, finished_at=created + 1)


def test_comparison_flags_supervised_methods_that_do_not_beat_degree(monkeypatch):
    monkeypatch.setattr(comparison, "is_supervised", lambda m: m in ("degree", "model_a", "model_b"))
    table = comparison.metrics_table([_row("degree", 0.8, 1), _row("pearson", 0.7, 2), _row("model_a", 0.75, 3),
                                      _row("model_b", 0.85, 4)])
    assert table["AUROC"].is_monotonic_decreasing
    lift = dict(zip(table["method"], table["AUROC lift over degree"]))
    assert lift["model_b"] == pytest.approx(0.05) and lift["model_a"] == pytest.approx(-0.05)
    # unsupervised methods get their lift too: the sentinel scored the same pairs
    assert lift["pearson"] == pytest.approx(-0.1)
    assert np.isnan(lift["degree"])
    warnings = comparison.sentinel_warnings(table)
    assert len(warnings) == 1 and warnings[0].startswith("model_a")
    no_sentinel = comparison.metrics_table([_row("model_a", 0.9, 1)])
    assert "No `degree` sentinel" in comparison.sentinel_warnings(no_sentinel)[0]
    assert comparison.sentinel_warnings(comparison.metrics_table([_row("pearson", 0.9, 1)])) == []


def test_comparison_groups_by_split_and_seed_and_keeps_latest_per_method():
    runs = [_row("pearson", 0.6, 1), _row("pearson", 0.7, 5), _row("random", 0.5, 2), _row("pearson", 0.9, 3, split="tf_disjoint")]
    groups = comparison.group_runs(runs)
    assert len(groups) == 2
    edge = next(v for k, v in groups.items() if k[0] == "edge_random")
    latest = comparison.latest_per_method(edge)
    assert {r.method: r.metrics["auroc"] for r in latest} == {"pearson": 0.7, "random": 0.5}
    grid = comparison.dataset_method_grid(runs, key=("edge_random", 0, "{}"), metric="auroc")
    assert grid.loc["demo", "pearson"] == 0.7 and grid.loc["demo", "random"] == 0.5


def test_cli_infer_writes_metrics_and_predictions(tmp_path, capsys):
    data = tmp_path / "sim"
    main(["simulate", "single-cell", "--genes", "30", "--cells", "120", "--seed", "5", "--out", str(data)])
    out = tmp_path / "out"
    assert main(["infer", "--expression", str(data), "--method", "pearson", "--seed", "1", "--out", str(out)]) == 0
    capsys.readouterr()
    metrics = json.loads((out / "metrics.json").read_text())
    for key in ("method", "split", "seed", "auroc", "auprc", "auprc_ratio", "epr", "n_test_pairs",
                "n_test_positives", "seconds", "device"):
        assert key in metrics, key
    pred = pd.read_csv(out / "predictions.csv")
    assert list(pred.columns) == ["regulator", "target", "score", "label"]
    assert len(pred) == metrics["n_test_pairs"] and pred["label"].sum() == metrics["n_test_positives"]
    code = main(["infer", "--expression", str(data), "--method", "pearson", "--param", "tile=0", "--out", str(out)])
    assert code == 2 and "tile" in capsys.readouterr().err


def test_cli_bench_grid_with_network_disjoint(tmp_path, capsys):
    folders = []
    for i in range(3):
        folder = tmp_path / f"net{i}"
        main(["simulate", "time-series", "--genes", "15", "--seed", str(i), "--out", str(folder)])
        folders.append(str(folder))
    out = tmp_path / "bench"
    code = main(["bench", "--dataset", *folders, "--method", "pearson", "degree", "--split", "unsupervised",
                 "network_disjoint", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    table = pd.read_csv(out / "bench.csv")
    assert len(table) == 3 * 2 * 2
    assert set(table.loc[table.split == "unsupervised", "status"]) == {"done", "skipped"}
    assert (table.loc[table.split == "network_disjoint", "status"] == "done").all()
    md = (out / "bench.md").read_text()
    assert md.startswith("| dataset | split | method |") and md.count("\n") == len(table) + 2


def test_a_run_that_fails_inside_the_method_does_not_stay_running(sc, tmp_path):
    ws = Workspace(tmp_path)
    with pytest.raises(InputError):
        run(sc, "lstm", "edge_random", workspace=ws)  # lstm needs time-series data
    [row] = ws.list_runs()
    assert row.status == "failed" and "time_series" in row.message.replace(" ", "_")


def test_versions_survive_a_torch_import_in_progress_in_another_thread(monkeypatch):
    """A half-imported module (another run's thread is importing torch) has no ``__version__``
    yet; the record takes the installed version instead of failing the run (found by
    bench/load_sessions.py: a pearson run failed with AttributeError while a gne run imported torch)."""
    import sys
    import types
    from importlib.metadata import version

    from grncore.bench.run import versions

    monkeypatch.setitem(sys.modules, "torch", types.ModuleType("torch"))  # no attributes yet
    assert versions()["torch"] == version("torch")

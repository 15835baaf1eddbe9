"""Every way out of `grncore.bench.run` ends its row; bad devices are input errors."""

import pytest

import grncore.bench.run as run_module
from grncore.bench.run import run
from grncore.data import InputError, simulate
from grncore.data.preprocess import normalize_log1p
from grncore.jobs import Workspace
from grncore.train.progress import Cancelled


@pytest.fixture(scope="module")
def sc():
    return normalize_log1p(simulate.demo(seed=0))


def _only_row(ws):
    (row,) = ws.list_runs()
    return row


def test_a_failure_in_evaluation_marks_the_row_failed(sc, tmp_path, monkeypatch):
    ws = Workspace(tmp_path)

    def broken(labels, scores):
        raise RuntimeError("evaluation broke")

    monkeypatch.setattr(run_module, "evaluate", broken)
    with pytest.raises(RuntimeError, match="evaluation broke"):
        run(sc, "pearson", "unsupervised", workspace=ws)
    row = _only_row(ws)
    assert row.status == "failed" and "evaluation broke" in row.message and row.finished_at is not None


def test_a_failure_while_storing_marks_the_row_failed(sc, tmp_path, monkeypatch):
    ws = Workspace(tmp_path)

    def disk_full(run_id, frames):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ws, "save_run_artifacts", disk_full)
    with pytest.raises(OSError):
        run(sc, "pearson", "unsupervised", workspace=ws)
    row = _only_row(ws)
    assert row.status == "failed" and "No space left" in row.message


def test_a_row_created_by_the_caller_is_ended_too(sc, tmp_path):
    ws = Workspace(tmp_path)
    run_id = ws.create_run(dataset_id="d", dataset_name=sc.name, method="pearson", split="unsupervised", seed=0,
                           params={}, split_options={}, device="cpu", status="running")
    calls = []

    def stop():
        calls.append(1)
        return True

    with pytest.raises(Cancelled):
        run(sc, "genie3", "unsupervised", {"n_estimators": 5, "n_jobs": 1}, should_stop=stop, workspace=ws, run_id=run_id)
    assert calls and ws.get_run(run_id).status == "cancelled"


def test_an_external_evaluation_that_cannot_be_stored_leaves_no_running_row(sc, tmp_path, monkeypatch):
    ws = Workspace(tmp_path)
    pred = run(sc, "pearson", "unsupervised").predictions
    monkeypatch.setattr(ws, "save_run_artifacts", lambda run_id, frames: (_ for _ in ()).throw(OSError("read-only")))
    with pytest.raises(OSError):
        run_module.evaluate_predictions(sc, pred, workspace=ws)
    assert _only_row(ws).status == "failed"


@pytest.mark.parametrize("method", ["pearson", "gnt"])
def test_a_bad_device_string_is_an_input_error_naming_the_choices(sc, tmp_path, method):
    ws = Workspace(tmp_path)
    with pytest.raises(InputError, match="unknown device 'gpu0'.*auto, cpu, cuda, cuda:N, mps"):
        run(sc, method, "edge_random" if method == "gnt" else "unsupervised", device="gpu0", workspace=ws)
    assert ws.list_runs() == []  # rejected before any row was made


def test_an_unavailable_cuda_device_is_an_input_error():
    from grncore.train import device

    if "cuda:0" in device.available():
        pytest.skip("this machine has a CUDA device")
    with pytest.raises(InputError, match="device: CUDA was requested.*Use one of cpu"):
        device.resolve("cuda")

"""Dask backend (`grncore.parallel.cluster`): the same scores as a local run, progress, cancel,
clear errors, the CLI and bench grids. Two clusters: a `distributed.LocalCluster` (2 worker
processes, 1 thread each) and a real ``dask scheduler`` + ``dask worker`` pair started here as
subprocesses on 127.0.0.1 (ports chosen by the scheduler), torn down after the module."""

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from grncore import methods, parallel
from grncore.cli import main
from grncore.data import InputError, simulate, write_beeline
from grncore.parallel import cluster
from grncore.train.progress import Cancelled
from tests.conftest import until

distributed = pytest.importorskip("distributed")  # requirements-dask.txt (installed by make test)
REPO = Path(__file__).resolve().parents[1]
FAST = {"genie3": {"n_estimators": 10}, "grnboost2": {}}
SLOW = {"oob_improvement": "same_oob", "early_stop_window": 0, "n_estimators": 20000}  # minutes per target


@pytest.fixture(scope="module")
def data():
    ds = simulate.single_cell(n_genes=30, n_cells=120, seed=1)
    pairs = pd.DataFrame([(r, t) for r in ds.tfs for t in ds.genes if r != t], columns=["regulator", "target"])
    return ds, pairs


@pytest.fixture(scope="module")
def local_cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as lc:
        yield lc.scheduler_address


@pytest.fixture(scope="module")
def pair():
    """``dask scheduler`` and one ``dask worker`` (2 threads) from this environment."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    dask = [str(Path(sys.executable).with_name("dask"))]
    sched = subprocess.Popen([*dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"],
                             env=env, stderr=subprocess.PIPE, text=True)
    procs = [sched]
    try:
        address = None
        for line in sched.stderr:  # blocks until the scheduler says where it listens
            if "Scheduler at:" in line:
                address = line.split("Scheduler at:")[1].strip()
                break
        assert address and address.startswith("tcp://127.0.0.1:"), address
        threading.Thread(target=sched.stderr.read, daemon=True).start()  # keep its log pipe drained
        procs.append(subprocess.Popen([*dask, "worker", address, "--nthreads", "2", "--no-nanny", "--no-dashboard",
                                       "--host", "127.0.0.1"], env=env, stderr=subprocess.DEVNULL))
        with distributed.Client(address, set_as_default=False) as client:  # a slow start is no test failure
            client.wait_for_workers(1, timeout=120)
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


@pytest.fixture(params=["local_cluster", "pair"])
def address(request):
    return request.getfixturevalue(request.param)


@pytest.mark.parametrize("name", ["genie3", "grnboost2"])
def test_cluster_scores_equal_a_local_run_and_progress_reaches_total(data, address, name):
    ds, pairs = data
    if name == "genie3":  # slower fits: a sample of targets
        pairs = pairs[pairs.target.isin(ds.genes[::3])]
    local = methods.score_pairs(ds, pairs, name, dict(FAST[name], n_jobs=1), seed=4)
    seen = []
    with parallel.use_dask(address):
        remote = methods.score_pairs(ds, pairs, name, FAST[name], seed=4,
                                     progress=lambda d, n, m="", **f: seen.append((d, n, m)))
    np.testing.assert_array_equal(remote, local)
    total = pairs.target.nunique()
    assert f"on the Dask cluster at {address}" in seen[0][2]
    assert [d for d, _, _ in seen] == list(range(total + 1)) and seen[-1][1] == total
    assert local.std() > 0


def _chunk_tasks(client) -> list:
    """Per-target tasks still known to any worker (running or cancelled but not yet stopped)."""
    held = client.run(lambda dask_worker: [str(k) for k in dask_worker.state.tasks if str(k).startswith("grn-chunk")])
    return [k for keys in held.values() for k in keys]


def test_cancel_stops_the_fits_on_every_worker(data, address):
    """Cancel once the run is going: `Cancelled` at once, no target reported done, and the
    workers drop every chunk (the running fits stop at their next poll of the run's Event,
    long before their 20,000 trees; queued ones never start)."""
    ds, pairs = data
    sub = pairs[pairs.target.isin(ds.genes[:6])]
    seen = []
    with parallel.use_dask(address), pytest.raises(Cancelled):
        methods.score_pairs(ds, sub, "grnboost2", SLOW, seed=1, progress=lambda d, n, m="", **f: seen.append(d),
                            should_stop=lambda: len(seen) > 0)
    assert seen == [0]
    with distributed.Client(address, set_as_default=False) as client:
        until(lambda: _chunk_tasks(client) == [], 60, "cancelled chunks still on the workers")
        assert client.run_on_scheduler(lambda dask_scheduler: [str(k) for k in dask_scheduler.tasks
                                                               if str(k).startswith("grn-chunk")]) == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_scheduler_is_an_input_error_with_address_and_fix(data, monkeypatch):
    ds, pairs = data
    address = f"tcp://127.0.0.1:{_free_port()}"
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", 1.0)
    with parallel.use_dask(address), pytest.raises(InputError) as err:
        methods.score_pairs(ds, pairs, "grnboost2", {}, seed=0)
    text = str(err.value)
    assert address in text and "within 1 s" in text and "dask scheduler" in text and "GRN_DASK_SCHEDULER" in text


def test_scheduler_without_workers_is_an_input_error(monkeypatch):
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", 0.5)
    with distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=None) as empty:
        with pytest.raises(InputError, match=r"has no workers.*dask worker " + empty.scheduler_address):
            cluster.connect(empty.scheduler_address)


def test_missing_dask_is_an_input_error_naming_the_requirements_file(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    with pytest.raises(InputError, match="requirements-dask.txt"):
        cluster.connect("tcp://127.0.0.1:1")


def test_importing_grncore_does_not_import_dask():
    code = ("import sys, grncore, grncore.methods, grncore.cli, grncore.parallel, grncore.bench.grid, grncore.jobs.manager; "
            "grncore.cli.build_parser(); print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_cli_infer_and_bench_on_the_cluster_match_local_runs(data, pair, tmp_path, monkeypatch, capsys):
    ds, _ = data
    write_beeline(ds, tmp_path / "set")
    base = ["infer", "--expression", str(tmp_path / "set"), "--method", "grnboost2", "--seed", "3", "--param", "n_jobs=1"]
    assert main([*base, "--dask-scheduler", "local", "--out", str(tmp_path / "local")]) == 0
    assert main([*base, "--dask-scheduler", pair, "--out", str(tmp_path / "dask")]) == 0
    local, remote = (pd.read_csv(tmp_path / d / "predictions.csv") for d in ("local", "dask"))
    pd.testing.assert_frame_equal(local, remote)
    assert "Dask cluster at" in capsys.readouterr().err
    # bench: GRN_DASK_SCHEDULER is the default of --dask-scheduler; every cell runs on the cluster
    grid = ["bench", "--dataset", str(tmp_path / "set"), "--method", "pearson", "grnboost2", "--seed", "2",
            "--param", "n_jobs=1"]
    assert main([*grid, "--out", str(tmp_path / "bl")]) == 0
    monkeypatch.setenv(parallel.SCHEDULER_ENV, pair)
    assert main([*grid, "--out", str(tmp_path / "bd")]) == 0
    assert f"cells on the Dask cluster at {pair}" in capsys.readouterr().err
    keep = ["dataset", "split", "method", "status", "auroc", "auprc", "epr", "n_test_pairs"]
    a, b = (pd.read_csv(tmp_path / d / "bench.csv")[keep] for d in ("bl", "bd"))
    pd.testing.assert_frame_equal(a, b)
    assert list(a.status) == ["done"] * 2


def test_background_job_runs_on_the_cluster_or_fails_with_the_reason(data, pair, tmp_path, monkeypatch):
    from grncore.jobs import Workspace
    from grncore.jobs.manager import JobManager

    ds, _ = data
    ws = Workspace(tmp_path / "ws")
    ds_id = ws.save_dataset(ds)
    jobs = JobManager(ws)
    local = jobs.submit(ds_id, "grnboost2", "unsupervised", seed=5, params={"n_jobs": 1})
    remote = jobs.submit(ds_id, "grnboost2", "unsupervised", seed=5, params={"n_jobs": 1}, dask_scheduler=pair)
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", 1.0)
    gone = jobs.submit(ds_id, "grnboost2", "unsupervised", seed=5, dask_scheduler=f"tcp://127.0.0.1:{_free_port()}")
    assert [jobs.wait(r, timeout=120) for r in (local, remote, gone)] == ["done", "done", "failed"]
    assert ws.get_run(remote).metrics == ws.get_run(local).metrics
    # the record says where the fits ran (what repeating the run needs)
    assert ws.get_run(local).record["ran_on"] == "this process"
    assert ws.get_run(remote).record["ran_on"] == f"the Dask cluster at {pair} (2 worker threads)"
    assert "cannot reach the Dask scheduler" in ws.get_run(gone).message


def test_models_page_offers_the_cluster_only_when_the_env_names_one(monkeypatch):
    from tests.test_app_pages import open_page

    def offered(at) -> list:
        at.multiselect(key="methods_chosen").set_value(["pearson", "grnboost2"]).run()
        return [c.label for c in at.checkbox if c.key == "run_on_dask"]

    assert offered(open_page("pages/models.py")) == []
    monkeypatch.setenv(parallel.SCHEDULER_ENV, "tcp://10.0.0.7:8786")
    assert offered(open_page("pages/models.py")) == ["Run on the Dask cluster at tcp://10.0.0.7:8786"]

"""Instant sentinel runs (degree, random) never wait behind a long run in the job queue."""

import dataclasses
import threading

from grncore import methods
from grncore.data import simulate
from grncore.jobs import Workspace
from grncore.jobs.manager import JobManager


def test_sentinels_finish_while_a_long_run_holds_the_queue(tmp_path, monkeypatch):
    release = threading.Event()

    def blocker(dataset, pairs, params, *, should_stop, **kw):
        while not release.wait(0.05):  # holds the only regular worker until the test releases it
            if should_stop():
                break
        return methods.score_pairs(dataset, pairs, "pearson")

    spec = dataclasses.replace(methods.get("pearson"), name="blocker", fn=blocker)
    monkeypatch.setitem(methods.REGISTRY, "blocker", spec)
    ws = Workspace(tmp_path)
    ds_id = ws.save_dataset(simulate.single_cell(n_genes=30, n_cells=100, seed=1))
    jobs = JobManager(ws, max_concurrent=1)
    long = jobs.submit(ds_id, "blocker", "tf_disjoint", split_options={"folds": 3})
    queued = jobs.submit(ds_id, "spearman", "tf_disjoint")
    fast = [jobs.submit(ds_id, m, "tf_disjoint", split_options={"folds": 3}) for m in ("degree", "random")]
    assert [jobs.wait(r, timeout=120) for r in fast] == ["done", "done"]
    assert jobs.state(long)["status"] == "running" and jobs.state(queued)["status"] == "queued"
    release.set()
    assert [jobs.wait(r, timeout=120) for r in (long, queued)] == ["done", "done"]

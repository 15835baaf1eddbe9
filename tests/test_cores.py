"""Runs side by side split the cores: a tree run's workers plus a torch run's threads never exceed
them (grncore.jobs.cores)."""

import dataclasses
import threading

import numpy as np
import pytest

from grncore import methods
from grncore.data import simulate
from grncore.jobs import Workspace
from grncore.jobs import cores
from grncore.jobs.manager import JobManager


def test_share_wanted_granted():
    assert [cores.share(t, 2) for t in (1, 2, 3, 16)] == [1, 1, 1, 8]
    assert cores.share(16, 1) == 16
    assert cores.wanted("trees", {"n_jobs": 0}, 8) == 8  # 0 = "all cores" means this run's share
    assert cores.wanted("trees", {"n_jobs": 3}, 8) == 3  # an explicit choice is asked for as it is
    assert cores.wanted("deep", {}, 8) == 8
    assert cores.wanted("correlation", {}, 8) == 1
    assert [cores.granted(8, f) for f in (16, 8, 3, 0)] == [8, 8, 3, 0]


def test_budget_grants_never_sum_past_the_cores():
    budget = cores.CoreBudget(4, 2)
    with budget.hold(budget.share) as a, budget.hold(3) as b:
        assert (a, b, budget.free) == (2, 2, 0)  # the second asked for 3, got the 2 left
    assert budget.free == 4


@pytest.fixture
def recording_methods(monkeypatch):
    """A tree method that holds its cores until released and a torch method, both recording
    what they were given."""
    seen, release, tree_running = {}, threading.Event(), threading.Event()

    def tree(dataset, pairs, params, *, should_stop, **kw):
        seen["n_jobs"] = params.n_jobs
        tree_running.set()
        while not release.wait(0.05):
            if should_stop():
                break
        return np.zeros(len(pairs))

    def deep(dataset, pairs, params, **kw):
        import torch

        seen["torch_threads"] = torch.get_num_threads()
        release.set()
        return np.zeros(len(pairs))

    monkeypatch.setitem(methods.REGISTRY, "tree_rec", dataclasses.replace(methods.get("grnboost2"), name="tree_rec", fn=tree))
    monkeypatch.setitem(methods.REGISTRY, "deep_rec", dataclasses.replace(methods.get("pearson"), name="deep_rec",
                                                                           family="deep", fn=deep))
    return seen, tree_running, release


def test_a_torch_run_next_to_a_tree_run_gets_the_cores_the_tree_run_left(tmp_path, recording_methods):
    import torch

    seen, tree_running, _ = recording_methods
    before = torch.get_num_threads()
    ws = Workspace(tmp_path)
    ds_id = ws.save_dataset(simulate.single_cell(n_genes=20, n_cells=60, seed=3))
    jobs = JobManager(ws, max_concurrent=2, total_cores=4)
    try:
        tree = jobs.submit(ds_id, "tree_rec", "unsupervised")
        assert tree_running.wait(60)
        deep = jobs.submit(ds_id, "deep_rec", "unsupervised")  # the tree run holds its 2 cores meanwhile
        assert [jobs.wait(r, timeout=60) for r in (deep, tree)] == ["done", "done"]
    finally:
        torch.set_num_threads(before)
    assert seen == {"n_jobs": 2, "torch_threads": 2}
    assert ws.get_run(tree).record["params"]["n_jobs"] == 2  # the row says how many workers ran
    assert jobs.cores.free == 4


def test_one_run_at_a_time_gets_every_core(tmp_path, recording_methods):
    seen, _, release = recording_methods
    release.set()
    ws = Workspace(tmp_path)
    ds_id = ws.save_dataset(simulate.single_cell(n_genes=20, n_cells=60, seed=3))
    jobs = JobManager(ws, max_concurrent=1, total_cores=3)
    assert jobs.wait(jobs.submit(ds_id, "tree_rec", "unsupervised", params={"n_jobs": 0}), timeout=60) == "done"
    assert seen["n_jobs"] == 3

"""Worker processes of a tree run live no longer than the run: killed owner, cancel, failure.

Each case runs a GENIE3 run with ``n_jobs=2`` in a subprocess (the owner), finds the run's
processes by walking ``/proc`` for the owner's descendants (its fork server and resource tracker,
and the pool workers below the fork server), and checks they are gone when they must be.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from grncore import _proc
from tests.conftest import until

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="walks /proc (Linux)")

ROOT = Path(__file__).resolve().parents[1]
GONE_WITHIN = 15.0  # seconds for the run's processes to exit after their owner was killed

# 30 genes x 3000 cells, 4 TFs: ~8 ms a tree, so a 10000-tree target keeps a worker busy ~80 s.
OWNER = """
import os, sys
import numpy as np
from grncore.bench.run import run
from grncore.data import simulate
from grncore.methods import trees

mode, folder = sys.argv[1], sys.argv[2]
ds = simulate.single_cell(n_genes=30, n_cells=3000, seed=1)
params = {"n_estimators": 10000, "n_jobs": 2}

def report(outcome):
    with open(os.path.join(folder, "outcome.tmp"), "w") as f:
        f.write(outcome)
    os.replace(os.path.join(folder, "outcome.tmp"), os.path.join(folder, "outcome"))
    sys.stdin.read()  # stay alive (with the fork server) until the test has looked

if mode == "run":
    run(ds, "genie3", "unsupervised", params)
elif mode == "cancel":
    try:
        run(ds, "genie3", "unsupervised", params,
            should_stop=lambda: os.path.exists(os.path.join(folder, "stop")))
    except Exception as exc:
        report(type(exc).__name__)
elif mode == "owner_fails":
    def progress(done, total, message="", **fields):
        if os.path.exists(os.path.join(folder, "fail")):
            raise RuntimeError("the owner failed (e.g. its database write)")
    try:
        run(ds, "genie3", "unsupervised", {"n_estimators": 100, "n_jobs": 2}, progress=progress)
    except Exception as exc:
        report(type(exc).__name__)
elif mode == "worker_fails":  # the sixth target is NaN: scikit-learn raises in the worker
    E = ds.expression.to_numpy()
    tf = ds.genes.get_indexer(ds.tfs)
    Y = np.ascontiguousarray(E[10:16].astype(np.float32))
    Y[5] = np.nan
    state = dict(kind="genie3", params={"n_estimators": 100, "max_features": "sqrt", "n_jobs": 2},
                 X=np.ascontiguousarray(E[tf]), Y=Y, exclude=np.full(6, -1),
                 seeds=np.arange(6, dtype=np.uint32))
    try:
        trees.run_targets(state, [f"t{i}" for i in range(6)], n_jobs=2)
    except Exception as exc:
        report(type(exc).__name__)
"""


def _descendants(root: int) -> dict[int, tuple[int, str]]:
    """Living descendants of ``root``: pid -> (depth below root, identity for `_proc.alive`)."""
    parent, started = {}, {}
    boot = _proc.current().started.split("/")[0]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue  # exited meanwhile
        rest = raw[raw.rindex(")") + 2:].split()
        if rest[0] not in "ZX":
            parent[int(entry.name)], started[int(entry.name)] = int(rest[1]), f"{boot}/{rest[19]}"
    found, frontier, depth = {}, [root], 0
    while frontier:
        depth += 1
        frontier = [p for p, pp in parent.items() if pp in frontier]
        found.update({p: (depth, started[p]) for p in frontier})
    return found


def _workers(procs: dict) -> dict:
    """The pool workers: below the fork server (the owner's direct children are the fork server
    and the resource tracker)."""
    return {p: v for p, v in procs.items() if v[0] >= 2}


def _start(mode: str, folder: Path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    owner = subprocess.Popen([sys.executable, "-c", OWNER, mode, str(folder)], cwd=ROOT, env=env,
                             stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = until(lambda: len(_workers(d := _descendants(owner.pid))) == 2 and d, 120,
                  "the run's two worker processes did not start")
    return owner, seen


def _alive(procs: dict) -> list[int]:
    return [p for p, (_, started) in procs.items() if _proc.alive(p, started)]


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_no_process_of_a_run_outlives_its_killed_owner(tmp_path, sig):
    owner, procs = _start("run", tmp_path)
    assert len(procs) >= 3  # fork server, resource tracker, two workers busy in 80 s fits
    owner.send_signal(sig)
    owner.wait(timeout=60)
    assert owner.returncode == -sig
    until(lambda: not _alive(procs), GONE_WITHIN, f"processes of the run still alive: {_alive(procs)}")


@pytest.mark.parametrize("mode, trigger, outcome", [
    ("cancel", "stop", "Cancelled"),
    ("owner_fails", "fail", "RuntimeError"),
    ("worker_fails", None, "ValueError"),
], ids=["cancelled", "owner_fails", "worker_fails"])
def test_a_cancelled_or_failed_run_leaves_no_worker(tmp_path, mode, trigger, outcome):
    owner, procs = _start(mode, tmp_path)
    try:
        workers = _workers(procs)
        if trigger:
            (tmp_path / trigger).touch()
        until(lambda: (tmp_path / "outcome").exists() or owner.poll() is not None, 120,
               "the run did not end")
        assert (tmp_path / "outcome").exists(), owner.stderr.read()
        assert (tmp_path / "outcome").read_text() == outcome
        # the owner lives on, the run's workers are gone already (the pool was joined)
        assert owner.poll() is None
        assert _alive(workers) == []
        assert _workers(_descendants(owner.pid)) == {}
    finally:
        owner.kill()
        owner.wait(timeout=60)

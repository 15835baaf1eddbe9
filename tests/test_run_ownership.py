"""Runs belong to the process that runs them: owners, heartbeats, and start-up on a shared workspace."""

import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grncore import _proc
from grncore.data import simulate
from grncore.jobs import Workspace, store
from grncore.jobs.manager import JobManager
from tests.conftest import until

ROOT = Path(__file__).resolve().parents[1]
needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="process start times from /proc (Linux)")

# Process 1: a server with one long genie3 run (10000 trees per target, one core), until killed.
OWNER = """
import sys
from grncore.data import simulate
from grncore.jobs import Workspace
from grncore.jobs.manager import JobManager

ws = Workspace(sys.argv[1])
ds_id = ws.save_dataset(simulate.demo(seed=0))
jobs = JobManager(ws)
rid = jobs.submit(ds_id, "genie3", "unsupervised", params={"n_estimators": 10000, "n_jobs": 1})
print(rid, flush=True)
jobs.wait(rid, timeout=3600)
"""

# Process 2: another server starting on the same workspace.
SECOND = """
import sys
from grncore.jobs import Workspace
from grncore.jobs.manager import JobManager

print(JobManager(Workspace(sys.argv[1])).interrupted_at_start, flush=True)
"""


def _python(code: str, *args: str, **kw):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return [sys.executable, "-c", code, *args], dict(cwd=ROOT, env=env, text=True, **kw)


def test_a_second_server_leaves_a_live_run_alone_and_a_killed_owners_run_is_interrupted(tmp_path):
    argv, kw = _python(OWNER, str(tmp_path))
    owner = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    try:
        rid = owner.stdout.readline().strip()
        assert rid, owner.stderr.read()
        ws = Workspace(tmp_path)
        row = until(lambda: (r := ws.get_run(rid)).status == "running" and r, 180, "the run never started")
        assert (row.owner_host, row.owner_pid) == (socket.gethostname(), owner.pid)
        assert row.owner_started and row.heartbeat_at is not None

        argv2, kw2 = _python(SECOND, str(tmp_path))
        second = subprocess.run(argv2, capture_output=True, timeout=120, **kw2)
        assert second.returncode == 0, second.stderr
        assert second.stdout.strip() == "0"
        assert ws.get_run(rid).status == "running" and owner.poll() is None

        # its owner keeps the heartbeat fresh while it computes
        until(lambda: ws.get_run(rid).heartbeat_at > row.heartbeat_at, 4 * store.HEARTBEAT_SECONDS,
               "the heartbeat did not advance")
    finally:
        owner.kill()
        owner.wait(timeout=60)
    assert ws.get_run(rid).status == "running"  # nobody could tell yet
    third = JobManager(Workspace(tmp_path))
    assert third.interrupted_at_start == 1
    after = ws.get_run(rid)
    assert after.status == "interrupted" and after.finished_at is not None
    assert f"its process (pid {owner.pid} on {socket.gethostname()}) is gone" in after.message


def _row(ws, **owner):
    rid = ws.create_run(dataset_id="d", dataset_name="demo", method="pearson", split="unsupervised", seed=0,
                        status="running")
    if owner:
        ws.update_run(rid, **owner)
    return rid


@needs_proc
def test_only_runs_whose_owner_is_gone_or_silent_are_interrupted(tmp_path):
    ws = Workspace(tmp_path)
    now = time.time()
    mine = _row(ws)
    other_fresh = _row(ws, owner_host="other-host", owner_pid=4242, heartbeat_at=now - 10)
    other_stale = _row(ws, owner_host="other-host", owner_pid=4242, heartbeat_at=now - 120)
    reused_pid = _row(ws, owner_started="another-boot/12345")  # our pid, but not our process
    exited = subprocess.Popen([sys.executable, "-c", "pass"])
    exited.wait()  # exited and reaped: its pid names no process now
    gone_pid = _row(ws, owner_pid=exited.pid)
    legacy = _row(ws, owner_pid=None)

    assert ws.interrupt_orphaned_runs() == 4
    status = {rid: ws.get_run(rid) for rid in (mine, other_fresh, other_stale, reused_pid, gone_pid, legacy)}
    assert status[mine].status == status[other_fresh].status == "running"
    stale = status[other_stale]
    assert stale.status == "interrupted"
    # the silence is measured when the check runs, a second or more after the row was written
    silence = re.fullmatch(r"interrupted: no heartbeat from its process \(pid 4242 on other-host\) for (\d+) s "
                           rf"\(the limit is {store.HEARTBEAT_STALE_SECONDS:.0f} s\)", stale.message)
    assert silence and 120 <= int(silence.group(1)) <= 120 + (time.time() - now) + 1, stale.message
    me = _proc.current()
    assert status[reused_pid].message == f"interrupted: its process (pid {me.pid} on {me.host}) is gone"
    assert status[gone_pid].message.endswith("is gone") and status[gone_pid].status == "interrupted"
    assert "records no owner" in status[legacy].message and status[legacy].status == "interrupted"
    assert ws.interrupt_orphaned_runs() == 0  # finished rows stay as they are


def test_a_shorter_limit_interrupts_a_silent_host_sooner(tmp_path):
    ws = Workspace(tmp_path)
    rid = _row(ws, owner_host="other-host", owner_pid=7, heartbeat_at=time.time() - 10)
    assert ws.interrupt_orphaned_runs(stale_after=60) == 0
    assert ws.interrupt_orphaned_runs(stale_after=5) == 1
    assert ws.get_run(rid).message.endswith("for 10 s (the limit is 5 s)")
    silent = _row(ws, owner_host="other-host", owner_pid=7, heartbeat_at=None)
    assert ws.interrupt_orphaned_runs() == 1
    assert ws.get_run(silent).message == "interrupted: its process (pid 7 on other-host) never wrote a heartbeat"


@needs_proc
def test_liveness_tells_a_reused_pid_and_a_zombie_from_the_owner():
    me = _proc.current()
    assert _proc.alive(me.pid, me.started)
    boot, _, ticks = me.started.partition("/")
    assert not _proc.alive(me.pid, f"{boot}/{int(ticks) + 1}")  # same pid, other start: reused
    assert not _proc.alive(me.pid, f"other-boot/{ticks}")  # same numbers before a reboot
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    started = _proc.current().started.split("/")[0] + "/" + _proc._stat(child.pid)[1]
    until(lambda: _proc._stat(child.pid)[0] == "Z", 30, "the child did not exit")
    assert not _proc.alive(child.pid, started)  # exited, not yet reaped
    child.wait()
    assert not _proc.alive(child.pid, started)


def test_existing_workspaces_migrate_and_their_unowned_runs_are_interrupted(tmp_path, monkeypatch):
    with monkeypatch.context() as m:  # a workspace written before owners were recorded
        m.setattr(store, "MIGRATIONS", store.MIGRATIONS[:2])
        Workspace(tmp_path)
    con = sqlite3.connect(tmp_path / "workspace.sqlite")
    con.execute("INSERT INTO runs(id, dataset_id, dataset_name, method, split, seed, status, created_at) "
                "VALUES ('old', 'd', 'demo', 'pearson', 'unsupervised', 0, 'running', 0)")
    con.commit()
    con.close()
    ws = Workspace(tmp_path)
    assert ws.schema_version == len(store.MIGRATIONS) == 3
    old = ws.get_run("old")
    assert (old.owner_pid, old.owner_host, old.heartbeat_at) == (None, "", None)
    assert JobManager(ws).interrupted_at_start == 1
    assert ws.get_run("old").status == "interrupted"

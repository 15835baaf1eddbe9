"""Background runs: a queue, a concurrency limit, progress that pages poll, cancel, restart safety.

`JobManager` owns worker threads that take queued runs and call `grncore.bench.run`. Workers never
touch the UI: they write progress into a thread-safe in-memory `JobState` (what pages poll every
second) and, at most once a second, into the run's database row (what a restarted server or
another process sees). Rows are owned by the process that queued them, which keeps their heartbeat
fresh (`grncore.jobs.store`). When a manager starts it marks as "interrupted" the runs left queued
or running by a process that is gone (an earlier server, a killed CLI) or silent, and leaves the
live runs of other processes on the same workspace alone: nothing half-finished is ever shown as
complete, and no live run is shown as dead.

Methods parallelise inside a run (per-target process pools, torch threads). A manager executes up
to ``max_concurrent`` runs at once (default: two where there are two cores or more, so one user's
long run does not hold every other user's runs back on a shared server) and splits the cores
between them (`grncore.jobs.cores`): each run gets its share as its tree workers or torch threads,
never all of them each. Queued runs wait their turn. Runs of instant methods (``time_hint ==
"instant"``: the ``degree`` and ``random`` sentinels) go to a lane of their own with one worker, so
they never wait behind a long run.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import traceback
from dataclasses import dataclass, field

from .. import methods
from ..data import InputError
from ..methods.base import n_cores
from ..parallel import use_dask
from ..train.progress import Cancelled
from . import cores
from .store import Workspace

log = logging.getLogger(__name__)
DB_WRITE_INTERVAL = 1.0


@dataclass
class JobState:
    """Live state of one run, shared between its worker and the pages."""

    run_id: str
    status: str = "queued"
    done: int = 0
    total: int = 0
    message: str = ""
    started: float | None = None
    history: list[dict] = field(default_factory=list)  # per-epoch fields (epoch, loss, val_auroc)
    cancel: threading.Event = field(default_factory=threading.Event)
    dask_scheduler: str | None = None  # per-target fits on this Dask cluster (`grncore.parallel`)
    _last_db_write: float = 0.0

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 0.0

    @property
    def eta_seconds(self) -> float | None:
        """Remaining time, extrapolated from the rate so far (None until there is a rate)."""
        if not self.started or not self.total or self.done <= 0:
            return None
        elapsed = time.time() - self.started
        return elapsed / self.done * (self.total - self.done)

    def snapshot(self) -> dict:
        return {"status": self.status, "done": self.done, "total": self.total, "message": self.message,
                "fraction": self.fraction, "eta_seconds": self.eta_seconds,
                "elapsed": (time.time() - self.started) if self.started else 0.0}


class JobManager:
    """Queue of runs over one workspace. Cheap to query; start one per server process."""

    def __init__(self, workspace: Workspace, max_concurrent: int | None = None, total_cores: int | None = None):
        total = total_cores or n_cores()
        if max_concurrent is None:
            max_concurrent = 2 if total >= 2 else 1
        self.workspace = workspace
        self.cores = cores.CoreBudget(total, max_concurrent)
        self.interrupted_at_start = workspace.interrupt_orphaned_runs()
        self._queue: queue.Queue[str] = queue.Queue()
        self._instant: queue.Queue[str] = queue.Queue()
        self._states: dict[str, JobState] = {}
        self._lock = threading.Lock()
        self._workers = [threading.Thread(target=self._work, args=(self._queue,), name=f"grn-job-{i}", daemon=True)
                         for i in range(max(1, max_concurrent))]
        self._workers.append(threading.Thread(target=self._work, args=(self._instant,), name="grn-job-instant",
                                              daemon=True))
        for w in self._workers:
            w.start()

    # ------------------------------------------------------------------ the API pages use
    def submit(self, dataset_id: str, method: str, split: str, *, seed: int = 0, params: dict | None = None,
               split_options: dict | None = None, device: str = "auto", dask_scheduler: str | None = None) -> str:
        """Queue a run of ``method`` on a stored dataset; returns the run id at once. With
        ``dask_scheduler`` (an address), its per-target fits (genie3, grnboost2) run on that Dask
        cluster; an unreachable one fails the run with the reason."""
        ds = self.workspace.list_datasets()
        names = {r.id: r.name for r in ds}
        if dataset_id not in names:
            raise InputError(f"dataset {dataset_id} is not in the workspace", where="run",
                             fix="load the dataset on the Data page first")
        run_id = self.workspace.create_run(dataset_id=dataset_id, dataset_name=names[dataset_id], method=method,
                                           split=split, seed=seed, params=params or {},
                                           split_options=split_options or {}, device=device)
        with self._lock:
            self._states[run_id] = JobState(run_id, dask_scheduler=dask_scheduler)
        instant = method in methods.REGISTRY and methods.REGISTRY[method].time_hint == "instant"
        (self._instant if instant else self._queue).put(run_id)
        return run_id

    def cancel(self, run_id: str) -> None:
        """Ask a run to stop: a queued run is cancelled at once, a running one at its next check."""
        with self._lock:
            state = self._states.get(run_id)
        if state is None:
            return
        state.cancel.set()
        if state.status == "queued":
            self.workspace.update_run(run_id, status="cancelled", message="cancelled before it started",
                                      finished_at=time.time())
            state.status = "cancelled"

    def state(self, run_id: str) -> dict | None:
        """Live progress of a run this manager knows, else None (then read the database row)."""
        with self._lock:
            state = self._states.get(run_id)
        return None if state is None else state.snapshot()

    def history(self, run_id: str) -> list[dict]:
        """Per-epoch training fields reported so far (a copy)."""
        with self._lock:
            state = self._states.get(run_id)
        return [] if state is None else list(state.history)

    def active(self) -> list[str]:
        """Ids of queued and running runs, oldest first."""
        with self._lock:
            return [rid for rid, s in self._states.items() if s.status in ("queued", "running")]

    def wait(self, run_id: str, timeout: float = 600) -> str:
        """Block until the run finished (tests and the CLI); returns its final status."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                status = self._states[run_id].status
            if status not in ("queued", "running"):
                return status
            time.sleep(0.05)
        raise TimeoutError(f"run {run_id} did not finish within {timeout} s")

    # ------------------------------------------------------------------ workers
    def _work(self, lane: queue.Queue) -> None:
        while True:
            run_id = lane.get()
            try:
                self._execute(run_id)
            except Exception:  # noqa: BLE001 - a worker must survive anything one run does
                log.exception("run %s crashed the worker loop", run_id)
            finally:
                lane.task_done()

    def _execute(self, run_id: str) -> None:
        with self._lock:
            state = self._states[run_id]
        if state.cancel.is_set():
            return
        row = self.workspace.get_run(run_id)
        spec = methods.REGISTRY.get(row.method)
        family = spec.family if spec is not None else ""
        if spec is not None and spec.time_hint == "instant":
            self._run(state, row, row.params)
            return
        with self.cores.hold(cores.wanted(family, row.params, self.cores.share)) as k:
            self._run(state, row, cores.apply(family, row.params, spec.params if spec else None, k))

    def _run(self, state: JobState, row, params: dict) -> None:
        from ..bench.run import run as bench_run

        if state.cancel.is_set():  # cancelled while it waited for cores
            return
        run_id = state.run_id
        state.status, state.started = "running", time.time()
        self.workspace.update_run(run_id, status="running", started_at=state.started)

        def progress(done: int, total: int, message: str = "", **fields) -> None:
            state.done, state.total, state.message = done, total, message
            if fields:
                state.history.append(dict(fields))
            now = time.time()
            if now - state._last_db_write >= DB_WRITE_INTERVAL:
                state._last_db_write = now
                self.workspace.update_run(run_id, progress=state.snapshot())

        try:
            dataset = self.workspace.load_dataset(row.dataset_id)
            with use_dask(state.dask_scheduler):
                bench_run(dataset, row.method, row.split, params, row.seed, split_options=row.split_options,
                          progress=progress, should_stop=state.cancel.is_set, device=row.device,
                          workspace=self.workspace, run_id=run_id, dataset_id=row.dataset_id)
        except Cancelled:
            self._finish(state, "cancelled", "cancelled by the user")
        except InputError as exc:
            self._finish(state, "failed", str(exc))
        except Exception as exc:  # noqa: BLE001 - shown to the user, logged with its traceback
            folder = self.workspace.run_dir(run_id)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "error.log").write_text(traceback.format_exc())
            self._finish(state, "failed", f"internal error: {type(exc).__name__}: {exc} (traceback in {folder / 'error.log'})")
        else:
            state.done = state.total = max(state.total, 1)
            self.workspace.update_run(run_id, progress={**state.snapshot(), "status": "done"})
            state.status = "done"

    def _finish(self, state: JobState, status: str, message: str) -> None:
        """End a run: the row first, then the live state, so whoever sees the final status in
        memory (`wait`, a page) finds it in the database too."""
        self.workspace.update_run(state.run_id, status=status, message=message, finished_at=time.time(),
                                  progress={**state.snapshot(), "status": status, "message": message})
        state.status, state.message = status, message

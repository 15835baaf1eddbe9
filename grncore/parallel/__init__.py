"""One executor interface for per-target work: in this process, a local process pool, or a Dask cluster.

A per-target method (GENIE3, GRNBoost2) hands its work to an executor as ``state`` (a dict of
arrays shared by every task: the expression matrix, parameters, per-target seeds), a
``prepare(state) -> local`` function run once per worker (e.g. ranking the TFs) and a ``task(local,
chunk) -> list`` function run per chunk of target indices. `Executor.imap` yields each chunk's
result as it finishes, so the caller reports progress per chunk; leaving the loop early (cancel,
error) stops the workers. Results never depend on the executor: tasks carry their own seeds.

Which executor a run gets (`executor_for`):

- a Dask cluster (`grncore.parallel.cluster`, needs ``pip install -r requirements-dask.txt``)
  when a scheduler address is in force: `use_dask` (the CLI's ``--dask-scheduler``, a background
  job started with "run on the Dask cluster"), or inside a task running on a Dask worker (a bench
  grid cell), where the cell's targets go back to the same cluster;
- else a local process pool of ``n_jobs`` workers (`grncore.parallel.local`; 0 = all cores), or
  this process when that is one.

The address comes from the caller, never silently from the environment: ``GRN_DASK_SCHEDULER``
(`SCHEDULER_ENV`) is the default of the CLI flag and what the Models page offers.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from typing import Callable, Iterator, Protocol

SCHEDULER_ENV = "GRN_DASK_SCHEDULER"
WORKER = "dask-worker"  # the "address" of the cluster a task runs on, from inside that task

_scheduler: contextvars.ContextVar[str | None] = contextvars.ContextVar("grn_dask_scheduler", default=None)
_ran_on: contextvars.ContextVar[list | None] = contextvars.ContextVar("grn_ran_on", default=None)


class Executor(Protocol):
    """Runs chunks of per-target work; a context manager (connect / release)."""

    slots: int  # how many chunks run at once (processes, or the cluster's worker threads)
    where: str  # for progress messages: "2 processes", "the Dask cluster at tcp://... (4 threads)"

    def __enter__(self) -> "Executor": ...

    def __exit__(self, *exc) -> None: ...

    def imap(self, state: dict, prepare: Callable[[dict], dict], task: Callable[[dict, list], list],
             chunks: list[list[int]], should_stop: Callable[[], bool]) -> Iterator[list]:
        """Each chunk's ``task(local, chunk)`` as it finishes (any order); `Cancelled` once
        ``should_stop()`` is true, with the workers stopped."""
        ...


def env_scheduler() -> str | None:
    """The scheduler address of ``GRN_DASK_SCHEDULER`` (None when unset or empty)."""
    return os.environ.get(SCHEDULER_ENV, "").strip() or None


@contextlib.contextmanager
def use_dask(address: str | None):
    """Within the block, per-target work of this thread goes to the Dask scheduler at
    ``address`` (None: leave the choice as it is)."""
    if address is None:
        yield
        return
    token = _scheduler.set(address)
    try:
        yield
    finally:
        _scheduler.reset(token)


def current_scheduler() -> str | None:
    """The address in force (`use_dask`), `WORKER` inside a Dask task, else None."""
    address = _scheduler.get()
    if address is None and _in_dask_task():
        return WORKER
    return address


def _in_dask_task() -> bool:
    import sys

    if "distributed" not in sys.modules:  # never import dask just to ask
        return False
    from distributed import get_worker

    try:
        get_worker()
    except ValueError:
        return False
    return True


@contextlib.contextmanager
def executor_for(n_jobs: int, total: int) -> Iterator[Executor]:
    """The executor for ``total`` targets, entered (connected, workers started): the Dask cluster
    in force, else ``n_jobs`` local processes (0 = all cores, never more than ``total``; 1 = this
    process). Where it runs is noted for `recording`."""
    address = current_scheduler()
    if address is not None:
        from .cluster import DaskExecutor

        executor: Executor = DaskExecutor(address)
    else:
        from ..methods.base import n_cores
        from .local import InProcess, LocalPool

        jobs = min(n_jobs or n_cores(), total)
        executor = LocalPool(jobs) if jobs > 1 else InProcess()
    with executor as ex:
        noted = _ran_on.get()
        if noted is not None and ex.where not in noted:
            noted.append(ex.where)
        yield ex


@contextlib.contextmanager
def recording() -> Iterator[list]:
    """Within the block, every executor entered by this thread (`executor_for`) appends its
    ``where`` ("2 processes", "the Dask cluster at tcp://... (4 worker threads)") to the yielded
    list once: what a run records as where its per-target work ran."""
    token = _ran_on.set([])
    try:
        yield _ran_on.get()
    finally:
        _ran_on.reset(token)


def ran_on() -> str:
    """Where the work of the enclosing `recording` block ran so far ("; "-joined), or "this
    process" when no executor was used (a method that runs in the caller's process)."""
    noted = _ran_on.get()
    return "; ".join(noted) if noted else "this process"

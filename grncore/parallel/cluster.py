"""Dask executor: per-target chunks as tasks on a ``dask.distributed`` cluster.

``state`` (the expression matrix and per-target seeds) is scattered to every worker once
(``Client.scatter(broadcast=True)``); each chunk of targets is one task that gets it by
reference. A worker runs ``prepare(state)`` once per run and keeps it for that run's later
chunks (dropped when the run ends). Results come back as tasks finish (done callbacks into a queue), polled
together with ``should_stop``.

Cancel: the client sets a cluster-wide ``distributed.Event`` that running fits poll through
``local["should_stop"]`` (GRNBoost2 checks it every 20 trees; a GENIE3 forest finishes the one
target it is fitting), and cancels every task not yet finished, so queued chunks never start.
A client that dies takes its tasks with it: the scheduler releases the futures of a lost client.

Workers import ``grncore`` to run the tasks: start them from the same environment (``.venv``) with
the repository on ``PYTHONPATH`` (README: "Running on a Dask cluster").

Inside a task that already runs on the cluster (a bench grid cell), `WORKER` connects back with
``distributed.worker_client``: the cell's thread leaves the worker's pool while its targets run.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
import uuid
from typing import Callable, Iterator

from ..data import InputError
from ..train.progress import Cancelled
from . import SCHEDULER_ENV, WORKER

CONNECT_TIMEOUT = 10.0  # seconds to reach the scheduler and see a worker
POLL_SECONDS = 0.2
STOP_POLL_SECONDS = 0.5  # how often a running fit asks the cluster whether its run was cancelled
WHERE = f"--dask-scheduler / {SCHEDULER_ENV}"


def require_distributed():
    """``distributed``, or an `InputError` saying how to install it."""
    try:
        import distributed
    except ImportError as exc:
        raise InputError("running on a Dask cluster needs dask and distributed, which are not installed",
                         where=WHERE, fix="pip install -r requirements-dask.txt (or run without a scheduler "
                                          "address to use local processes)") from exc
    return distributed


def connect(address: str, timeout: float | None = None):
    """A ``distributed.Client`` of the scheduler at ``address`` that has at least one worker; an
    `InputError` (address, timeout, how to fix) when there is none within ``timeout`` seconds."""
    distributed = require_distributed()
    timeout = CONNECT_TIMEOUT if timeout is None else timeout
    start = "start one with `dask scheduler` and workers with `dask worker ADDRESS` (README: Dask cluster)"
    try:
        client = distributed.Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(f"cannot reach the Dask scheduler at {address} within {timeout:g} s "
                         f"({type(exc).__name__}: {exc})", where=WHERE,
                         fix=f"check the address (tcp://HOST:PORT) and that the scheduler runs; {start}; "
                             f"or unset {SCHEDULER_ENV} to run on local processes") from exc
    try:
        client.wait_for_workers(1, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        client.close()
        raise InputError(f"the Dask scheduler at {address} has no workers (none joined within {timeout:g} s)",
                         where=WHERE, fix=f"start workers with `dask worker {address}`") from exc
    return client


def worker_threads(client) -> int:
    return max(1, sum(w["nthreads"] for w in client.scheduler_info(n_workers=-1)["workers"].values()))


class DaskExecutor:
    """The cluster at ``address`` (or `WORKER`: the cluster this task runs on)."""

    def __init__(self, address: str):
        self.address = address
        self._stack = contextlib.ExitStack()
        self.client = None

    def __enter__(self) -> "DaskExecutor":
        if self.address == WORKER:
            self.client = self._stack.enter_context(require_distributed().worker_client())
            self.where = "the Dask cluster of this task"
        else:
            self.client = self._stack.enter_context(contextlib.closing(connect(self.address)))
            self.where = f"the Dask cluster at {self.address}"
        self.slots = worker_threads(self.client)
        self.where += f" ({self.slots} worker threads)"
        return self

    def __exit__(self, *exc) -> None:
        self._stack.close()

    def imap(self, state: dict, prepare: Callable, task: Callable, chunks: list[list[int]],
             should_stop: Callable[[], bool]) -> Iterator[list]:
        distributed = require_distributed()
        client = self.client
        stop_name = f"grn-stop-{uuid.uuid4().hex}"
        stop = distributed.Event(stop_name, client=client)
        [shared] = client.scatter([state], broadcast=True, hash=False)
        pending = {client.submit(_run_chunk, prepare, task, shared, shared.key, stop_name, c, pure=False,
                                 key=f"grn-chunk-{stop_name[9:]}-{i}") for i, c in enumerate(chunks)}
        finished = False
        try:
            for fut in as_finished(pending, should_stop):
                pending.discard(fut)
                yield fut.result()  # raises a task's error here
            finished = True
        finally:
            if not finished:
                stop.set()  # running fits see it at their next poll
                client.cancel(list(pending), force=True)
            with contextlib.suppress(Exception):
                client.run(_forget, str(shared.key))
            client.cancel([shared])


def as_finished(futures, should_stop: Callable[[], bool] = lambda: False) -> Iterator:
    """``futures`` in the order they finish (of any client, not only the default one);
    `Cancelled` as soon as ``should_stop()`` is true (polled every `POLL_SECONDS`)."""
    ready: queue.Queue = queue.Queue()
    futures = list(futures)
    for fut in futures:
        fut.add_done_callback(ready.put)
    for _ in futures:
        while True:
            if should_stop():
                raise Cancelled("cancelled by the user")
            try:
                yield ready.get(timeout=POLL_SECONDS)
                break
            except queue.Empty:
                continue


# ---------------------------------------------------------------------- on the workers

_PREPARED: dict[str, dict] = {}
_LOCK = threading.Lock()


class _ClusterStop:
    """``should_stop`` of a fit on a worker: whether the run's Event is set (asked at most every
    `STOP_POLL_SECONDS`)."""

    def __init__(self, name: str):
        self.name, self.last, self.value = name, 0.0, False

    def __call__(self) -> bool:
        now = time.monotonic()
        if not self.value and now - self.last >= STOP_POLL_SECONDS:
            import distributed

            self.last = now
            self.value = distributed.Event(self.name).is_set()
        return self.value


def _run_chunk(prepare: Callable, task: Callable, state: dict, key: str, stop_name: str, chunk: list[int]) -> list:
    with _LOCK:
        local = _PREPARED.get(key)
        if local is None:
            local = _PREPARED[key] = prepare(state)
            local["should_stop"] = _ClusterStop(stop_name)
    return task(local, chunk)


def _forget(key: str) -> None:
    with _LOCK:
        _PREPARED.pop(key, None)

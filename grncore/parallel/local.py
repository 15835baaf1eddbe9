"""Local executors: this process, or a forkserver process pool.

`LocalPool`: ``state`` is sent once per worker (the pool initializer, which also runs
``prepare``), tasks are chunks of target indices; ``should_stop`` is polled several times a
second and a cancel or an error terminates the workers at once. Workers live no longer than the
run: the pool is terminated and joined on cancel or error, and each worker watches the process
that owns the run (`grncore._proc.exit_when_gone`), so a killed owner (SIGKILL, SIGTERM) takes its
workers with it even while they are busy in a long fit.

`InProcess`: the tasks run here; ``local["should_stop"]`` is ``should_stop`` itself, so a fit
that polls it (GRNBoost2, every 20 trees) stops inside the fit.
"""

from __future__ import annotations

import multiprocessing as mp
import sys
from typing import Callable, Iterator

from .. import _proc
from ..train.progress import Cancelled, check_stop

POLL_SECONDS = 0.2


class InProcess:
    slots = 1
    where = "this process"

    def __enter__(self) -> "InProcess":
        return self

    def __exit__(self, *exc) -> None:
        pass

    def imap(self, state: dict, prepare: Callable, task: Callable, chunks: list[list[int]],
             should_stop: Callable[[], bool]) -> Iterator[list]:
        local = prepare(state)
        local["should_stop"] = should_stop
        for chunk in chunks:
            check_stop(should_stop)
            yield task(local, chunk)


class LocalPool:
    def __init__(self, jobs: int):
        self.slots = jobs
        self.where = f"{jobs} processes"

    def __enter__(self) -> "LocalPool":
        return self

    def __exit__(self, *exc) -> None:
        pass

    def imap(self, state: dict, prepare: Callable, task: Callable, chunks: list[list[int]],
             should_stop: Callable[[], bool]) -> Iterator[list]:
        pool = _context().Pool(self.slots, initializer=_worker_init, initargs=(state, prepare, _proc.current()))
        finished = False
        try:
            results = pool.imap_unordered(_worker_task, [(task, c) for c in chunks], chunksize=1)
            for _ in chunks:
                while True:
                    if should_stop():
                        raise Cancelled("cancelled by the user")
                    try:
                        batch = results.next(timeout=POLL_SECONDS)
                    except mp.TimeoutError:
                        continue
                    break
                yield batch
            finished = True
        finally:
            if finished:
                pool.close()
            else:
                pool.terminate()  # kills running fits at once (cancel, error, or the caller left)
            pool.join()


_LOCAL: dict | None = None


def _context():
    """forkserver on Linux (no fork of a threaded server process; the server imports numpy,
    scikit-learn, the tree methods and the compiled boosting kernel once, so each pool's workers
    start in milliseconds), else spawn."""
    if sys.platform.startswith("linux"):
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["grncore.methods.trees", "grncore.parallel.local", "sklearn.ensemble",
                                    "grncore.methods._boost_kernel"])
        return ctx
    return mp.get_context("spawn")


def _worker_init(state: dict, prepare: Callable, owner: _proc.ProcessId) -> None:
    global _LOCAL
    _proc.exit_when_gone(owner)  # the fork server, not the owner, is this worker's parent
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except Exception:  # pragma: no cover
        pass
    _LOCAL = prepare(state)


def _worker_task(item: tuple[Callable, list[int]]) -> list:
    task, chunk = item
    return task(_LOCAL, chunk)

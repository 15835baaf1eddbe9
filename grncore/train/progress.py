"""The progress/cancel protocol shared by methods, training loops and background jobs.

Long work takes two optional callables:

* ``progress(done, total, message="", **fields)`` — called as work advances; ``fields`` may carry
  ``epoch``, ``loss``, ``val_auroc`` for training curves. Must be cheap and thread-safe.
* ``should_stop() -> bool`` — polled between units of work (a target, a batch of targets, an
  epoch); when it returns True the worker raises `Cancelled` and leaves no partial result behind.

Workers never touch the UI; the job manager stores what ``progress`` reports and pages poll it.
"""

from __future__ import annotations

from typing import Callable, Protocol


class Cancelled(Exception):
    """Raised inside a worker when ``should_stop()`` said so; the job is then marked cancelled."""


class ProgressFn(Protocol):
    def __call__(self, done: int, total: int, message: str = "", **fields) -> None: ...


def no_progress(done: int, total: int, message: str = "", **fields) -> None:
    """The default ``progress``: ignore."""


def never_stop() -> bool:
    """The default ``should_stop``: never."""
    return False


def check_stop(should_stop: Callable[[], bool]) -> None:
    """Raise `Cancelled` if ``should_stop()`` is true."""
    if should_stop():
        raise Cancelled("cancelled by the user")

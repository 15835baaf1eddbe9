"""The CPU cores of a server shared by the runs it executes at the same time.

A run parallelises inside itself: tree methods (GENIE3, GRNBoost2) fit targets in ``n_jobs``
worker processes (0 = every core), torch methods use torch's intra-op threads (torch's default:
every core). Two such runs side by side would each take every core; torch's threads then wait on
each other at every small operation, and a gnt run next to other work was measured 8x slower
(bench/results/deep_speed.md, bench/results/contention.md).

`CoreBudget` splits the cores ``C`` (`grncore.methods.base.n_cores`) over the ``S`` runs a
manager executes at once: each run asks for ``share = max(1, C // S)`` cores (a tree run with an
explicit ``n_jobs`` asks for that many), is granted ``min(asked, free)`` once at least one core is
free, and holds them until it ends, so the grants in force never sum to more than ``C``. The grant
becomes the run's ``n_jobs`` (tree methods whose ``n_jobs`` is 0, "all cores") and torch's thread
count (``torch.set_num_threads``) for torch methods (family ``deep``). Torch's thread count is a
process-wide setting: torch runs side by side in one server share the value the latest one set,
which is the same ``share`` for every run granted in full. Other methods (correlation,
information, dynamics) ask for one core. Results do not depend on the grant except for torch
methods, whose floating-point sums depend on the thread count.
"""

from __future__ import annotations

import dataclasses
import threading
from contextlib import contextmanager


def share(total: int, slots: int) -> int:
    """Cores each of ``slots`` runs side by side gets out of ``total``."""
    return max(1, int(total) // max(1, int(slots)))


def wanted(family: str, params: dict, share_: int) -> int:
    """Cores a run of a method of ``family`` with ``params`` asks for."""
    if family == "trees":
        n_jobs = int(params.get("n_jobs") or 0)
        return n_jobs if n_jobs > 0 else share_
    if family == "deep":
        return share_
    return 1


def granted(want: int, free: int) -> int:
    """Cores granted to a run that asks for ``want`` while ``free`` are free (0: it waits)."""
    return min(max(1, want), free) if free > 0 else 0


class CoreBudget:
    """A count of free cores; `hold` blocks a run until at least one core is free."""

    def __init__(self, total: int, slots: int):
        self.total = max(1, int(total))
        self.share = share(self.total, slots)
        self._free = self.total
        self._cond = threading.Condition()

    @property
    def free(self) -> int:
        with self._cond:
            return self._free

    @contextmanager
    def hold(self, want: int):
        """Take ``granted(want, free)`` cores for the ``with`` block; yields how many."""
        with self._cond:
            self._cond.wait_for(lambda: self._free > 0)
            k = granted(want, self._free)
            self._free -= k
        try:
            yield k
        finally:
            with self._cond:
                self._free += k
                self._cond.notify_all()


def apply(family: str, params: dict, params_type: type | None, cores: int) -> dict:
    """The params a run executes with under a grant of ``cores``.

    Tree methods whose ``n_jobs`` is 0 run ``cores`` worker processes; torch methods get
    ``torch.set_num_threads(cores)`` (torch is imported here: the method would import it anyway).
    """
    out = dict(params)
    names = {f.name for f in dataclasses.fields(params_type)} if params_type is not None else set()
    if family == "trees" and "n_jobs" in names and not int(out.get("n_jobs") or 0):
        out["n_jobs"] = cores
    elif family == "deep":
        import torch

        torch.set_num_threads(cores)
    return out

"""Process identity and liveness: who owns a run, and whether that owner still lives.

Used by the workspace store (a run row records its owner; a starting process marks as
interrupted only runs whose owner is gone) and by worker pools (a worker exits when the
process that owns its run is gone, whatever process forked it).

A process is named by ``(host, pid, started)``. On Linux ``started`` is
``"<boot id>/<start time>"``: the kernel's boot id (``/proc/sys/kernel/random/boot_id``) and the
process start time in clock ticks since boot (field 22 of ``/proc/<pid>/stat``, see ``proc(5)``),
so a pid reused by another process, or the same pid after a reboot, is never taken for the
owner. Without ``/proc``, ``started`` is empty and liveness falls back to ``kill(pid, 0)``.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

OWNER_POLL_SECONDS = 0.5  # how often a worker checks that its owner lives


@dataclass(frozen=True)
class ProcessId:
    host: str
    pid: int
    started: str  # "<boot id>/<start ticks>", or "" where /proc is not available


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _stat(pid: int) -> tuple[str, str] | None:
    """(state letter, start ticks) of ``pid`` from ``/proc/<pid>/stat``; None if there is none."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    rest = raw[raw.rindex(")") + 2:].split()  # the command name may hold spaces and parentheses
    return rest[0], rest[19]  # fields 3 (state) and 22 (starttime)


def current() -> ProcessId:
    """This process."""
    boot, stat = _boot_id(), _stat(os.getpid())
    started = f"{boot}/{stat[1]}" if boot and stat else ""
    return ProcessId(socket.gethostname(), os.getpid(), started)


def alive(pid: int, started: str) -> bool:
    """Whether the process ``pid`` that started at ``started`` (as `current` records it) still
    runs on this host. A zombie (exited, not yet reaped) counts as gone."""
    if started and Path("/proc/self/stat").exists():
        boot, _, ticks = started.partition("/")
        if boot != _boot_id():
            return False
        stat = _stat(pid)
        return stat is not None and stat[0] not in "ZX" and stat[1] == ticks
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def exit_when_gone(owner: ProcessId) -> None:
    """Start a daemon thread that ends this process (``os._exit``) once ``owner`` is gone.

    For worker processes of a pool: their parent may be a fork server rather than the owner, and
    a worker busy in a long fit would otherwise outlive a killed owner until its task ends.
    """
    def watch() -> None:
        while alive(owner.pid, owner.started):
            time.sleep(OWNER_POLL_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="grn-owner-watch", daemon=True).start()

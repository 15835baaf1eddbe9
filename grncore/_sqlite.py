"""One SQLite transaction per `with` block, as the workspace database and the literature cache use it."""

from __future__ import annotations

import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator


@contextmanager
def transaction(path: str | Path, *, foreign_keys: bool = False, immediate: bool = False) -> Iterator[sqlite3.Connection]:
    """A connection to ``path`` in WAL mode (readers never wait on a writer) inside ``BEGIN``:
    committed when the block ends, rolled back when it raises; rows are `sqlite3.Row`.

    ``immediate``: ``BEGIN IMMEDIATE``, the write lock taken at the start (waiting up to the
    30 s busy timeout), for a block that reads and then writes what it read decides (a schema
    migration): under a plain ``BEGIN`` two such blocks at once each hold a read snapshot, and
    the second to write fails at once with "database is locked" instead of waiting."""
    con = sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level=None)
    con.row_factory = sqlite3.Row
    try:
        _wal(con)
        if foreign_keys:
            con.execute("PRAGMA foreign_keys=ON")
        con.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
        yield con
        con.execute("COMMIT")
    except BaseException:
        if con.in_transaction:  # an error before BEGIN (a busy database) has nothing to roll back
            con.execute("ROLLBACK")
        raise
    finally:
        con.close()


BUSY_SECONDS = 30.0  # how long a connection waits for a lock another connection holds


def _wal(con: sqlite3.Connection) -> None:
    """Switch the database to WAL mode (a no-op once it is: the mode is stored in the file).
    Switching a brand-new file needs it to itself, and SQLite answers "database is locked" at once,
    without its busy wait, while another connection is switching or migrating it: retry then, for
    at most `BUSY_SECONDS` (8 threads opening one new workspace at once hit this)."""
    deadline = time.monotonic() + BUSY_SECONDS
    while True:
        try:
            con.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def migrate(path: str | Path, migrations: list[str], *, newer: Callable[[int], Exception],
            foreign_keys: bool = False) -> None:
    """Bring the database at ``path`` to schema version ``len(migrations)`` (``PRAGMA
    user_version``): step ``i`` (``;``-separated statements) moves it from version ``i`` to
    ``i + 1``. One immediate transaction, so processes or threads opening a new database at once
    migrate one after the other; ``newer(version)`` is raised for a database newer than this code."""
    with transaction(path, foreign_keys=foreign_keys, immediate=True) as con:
        version = con.execute("PRAGMA user_version").fetchone()[0]
        if version > len(migrations):
            raise newer(version)
        for step in range(version, len(migrations)):
            for statement in migrations[step].split(";"):
                if statement.strip():
                    con.execute(statement)
            con.execute(f"PRAGMA user_version = {step + 1}")

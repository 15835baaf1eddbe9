"""One SQLite transaction per `with` block, as the workspace database and the literature cache use it."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


@contextmanager
def transaction(path: str | Path, *, foreign_keys: bool = False) -> Iterator[sqlite3.Connection]:
    """A connection to ``path`` in WAL mode (readers never wait on a writer) inside ``BEGIN``:
    committed when the block ends, rolled back when it raises; rows are `sqlite3.Row`."""
    con = sqlite3.connect(path, timeout=30, isolation_level=None)
    con.row_factory = sqlite3.Row
    try:
        con.execute("PRAGMA journal_mode=WAL")
        if foreign_keys:
            con.execute("PRAGMA foreign_keys=ON")
        con.execute("BEGIN")
        yield con
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.close()

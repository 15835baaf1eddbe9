"""The workspace: a SQLite database plus an artifact folder.

Layout of a workspace directory (``GRN_WORKSPACE``, default ``~/.grn-workbench``)::

    workspace.sqlite          datasets, runs, metrics, annotations, caches (WAL mode)
    datasets/<id>/            expression.parquet, samples.parquet, network.parquet, meta.json
    uploads/                  files being read right now (staged, removed once read)
    runs/<id>/                run artifacts (predictions, curves, checkpoints)

The schema is versioned: `MIGRATIONS` is the one place that changes it; `Workspace` applies the
missing steps in order when it opens a database (``PRAGMA user_version`` holds the version).
Datasets are stored once per content fingerprint, so loading the same data twice lists it once.

Several processes may share a workspace (two servers, a server and the CLI). A run row records
its owner (host, process id, process start time: `grncore._proc`), and while it is queued or
running the owning process writes its ``heartbeat_at`` every `HEARTBEAT_SECONDS` (one daemon
thread per process, started by `Workspace.create_run`). `Workspace.interrupt_orphaned_runs`,
called when a job manager starts, marks as interrupted only the unfinished runs that can no
longer finish: no recorded owner, an owner on this host that is gone (its pid is not alive or
now belongs to a process that started at another time), or, for an owner on another host, no
heartbeat for more than `HEARTBEAT_STALE_SECONDS`.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pandas as pd

from .. import _proc
from .._sqlite import migrate, transaction
from ..data import Dataset

log = logging.getLogger(__name__)
DEFAULT_WORKSPACE = "~/.grn-workbench"

# Each entry moves the schema from version i to i+1. Never edit a released step; append one.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE datasets (
        id          TEXT PRIMARY KEY,          -- the content fingerprint
        name        TEXT NOT NULL,
        kind        TEXT NOT NULL,
        source      TEXT NOT NULL,
        n_genes     INTEGER NOT NULL,
        n_samples   INTEGER NOT NULL,
        n_edges     INTEGER NOT NULL,
        n_tfs       INTEGER NOT NULL,
        created_at  REAL NOT NULL,
        complete    INTEGER NOT NULL DEFAULT 0 -- 1 once all artifacts are written
    );
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    """
    CREATE TABLE runs (
        id            TEXT PRIMARY KEY,
        dataset_id    TEXT NOT NULL,
        dataset_name  TEXT NOT NULL,
        method        TEXT NOT NULL,
        split         TEXT NOT NULL,
        split_options TEXT NOT NULL DEFAULT '{}',
        seed          INTEGER NOT NULL,
        params        TEXT NOT NULL DEFAULT '{}',
        device        TEXT NOT NULL DEFAULT 'cpu',
        status        TEXT NOT NULL,           -- queued, running, done, failed, cancelled, interrupted
        message       TEXT NOT NULL DEFAULT '',
        progress      TEXT NOT NULL DEFAULT '{}',
        metrics       TEXT NOT NULL DEFAULT '{}',
        record        TEXT NOT NULL DEFAULT '{}', -- everything needed to repeat the run
        created_at    REAL NOT NULL,
        started_at    REAL,
        finished_at   REAL
    );
    CREATE INDEX runs_by_dataset ON runs(dataset_id, split, seed);
    """,
    """
    ALTER TABLE runs ADD COLUMN owner_host TEXT NOT NULL DEFAULT '';
    ALTER TABLE runs ADD COLUMN owner_pid INTEGER;              -- NULL: no owner recorded
    ALTER TABLE runs ADD COLUMN owner_started TEXT NOT NULL DEFAULT '';
    ALTER TABLE runs ADD COLUMN heartbeat_at REAL;
    """,
]
HEARTBEAT_SECONDS = 5.0  # how often an owner refreshes heartbeat_at of its unfinished runs
HEARTBEAT_STALE_SECONDS = 60.0  # a run of another host without a heartbeat for longer is interrupted


def workspace_path(path: str | os.PathLike | None = None) -> Path:
    """The workspace directory: ``path``, else ``$GRN_WORKSPACE``, else ``~/.grn-workbench``."""
    raw = path or os.environ.get("GRN_WORKSPACE") or DEFAULT_WORKSPACE
    return Path(raw).expanduser().resolve()


RUN_STATES = ("queued", "running", "done", "failed", "cancelled", "interrupted")
FINISHED_STATES = ("done", "failed", "cancelled", "interrupted")
_RUN_JSON = ("split_options", "params", "progress", "metrics", "record")


@dataclass(frozen=True)
class RunRow:
    """One row of the runs table, JSON columns decoded."""

    id: str
    dataset_id: str
    dataset_name: str
    method: str
    split: str
    split_options: dict
    seed: int
    params: dict
    device: str
    status: str
    message: str
    progress: dict
    metrics: dict
    record: dict
    created_at: float
    started_at: float | None
    finished_at: float | None
    owner_host: str = ""
    owner_pid: int | None = None
    owner_started: str = ""
    heartbeat_at: float | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_STATES

    @property
    def seconds(self) -> float | None:
        if self.started_at is None:
            return None
        return (self.finished_at or time.time()) - self.started_at


@dataclass(frozen=True)
class DatasetRecord:
    """One row of the datasets table."""

    id: str
    name: str
    kind: str
    source: str
    n_genes: int
    n_samples: int
    n_edges: int
    n_tfs: int
    created_at: float

    @property
    def label(self) -> str:
        return f"{self.name} ({self.n_genes} genes x {self.n_samples} samples, {self.n_edges} edges)"


_SAVE_LOCK = threading.RLock()


class Workspace:
    """A workspace directory with its database. Cheap to construct; safe to share across threads
    (each call opens its own short-lived connection)."""

    def __init__(self, path: str | os.PathLike | None = None):
        self.root = workspace_path(path)
        self.root.mkdir(parents=True, exist_ok=True)
        self.db_path = self.root / "workspace.sqlite"
        self._lock = threading.Lock()
        self._migrate()

    # ------------------------------------------------------------------ database plumbing
    def connect(self):
        """A transaction on the workspace database, foreign keys on (`grncore._sqlite.transaction`)."""
        return transaction(self.db_path, foreign_keys=True)

    @property
    def schema_version(self) -> int:
        with self.connect() as con:
            return con.execute("PRAGMA user_version").fetchone()[0]

    def _migrate(self) -> None:
        def newer(version: int) -> Exception:
            return RuntimeError(
                f"workspace {self.root} has schema version {version}, newer than this "
                f"GRN Workbench ({len(MIGRATIONS)}); upgrade the app or use another GRN_WORKSPACE")

        with self._lock:
            migrate(self.db_path, MIGRATIONS, newer=newer, foreign_keys=True)

    # ------------------------------------------------------------------ settings
    def get_setting(self, key: str, default: str | None = None) -> str | None:
        with self.connect() as con:
            row = con.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row["value"] if row else default

    def set_setting(self, key: str, value: str) -> None:
        with self.connect() as con:
            con.execute("INSERT INTO settings(key, value) VALUES (?, ?) "
                        "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))

    # ------------------------------------------------------------------ datasets
    def dataset_dir(self, dataset_id: str) -> Path:
        return self.root / "datasets" / dataset_id

    def save_dataset(self, dataset: Dataset) -> str:
        """Store ``dataset`` (once per fingerprint) and return its id.

        Artifacts are written to a temporary folder and renamed into place before the row is
        marked complete, so a crash never leaves a half-written dataset listed.
        """
        ds_id = dataset.fingerprint()
        final = self.dataset_dir(ds_id)
        with _SAVE_LOCK:  # sessions of one server saving the same dataset at once (the demo on a cold start)
            with self.connect() as con:
                row = con.execute("SELECT complete FROM datasets WHERE id = ?", (ds_id,)).fetchone()
            if row is not None and row["complete"] and final.exists():
                return ds_id
            tmp = final.with_name(f".{ds_id}.{os.getpid()}.{threading.get_ident()}.tmp")
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            dataset.expression.to_parquet(tmp / "expression.parquet")
            dataset.samples.to_parquet(tmp / "samples.parquet")
            if dataset.network is not None:
                dataset.network.to_parquet(tmp / "network.parquet", index=False)
            for key, frame in dataset.extras.items():
                frame.to_parquet(tmp / f"extra_{_safe(key)}.parquet")
            meta = {"name": dataset.name, "kind": dataset.kind, "source": dataset.source,
                    "tfs": list(dataset.tfs), "notes": list(dataset.notes),
                    "extras": {_safe(k): k for k in dataset.extras}}
            (tmp / "meta.json").write_text(json.dumps(meta, indent=1))
            shutil.rmtree(final, ignore_errors=True)
            tmp.rename(final)
            with self.connect() as con:
                con.execute(
                    "INSERT INTO datasets(id, name, kind, source, n_genes, n_samples, n_edges, n_tfs, "
                    "created_at, complete) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1) "
                    "ON CONFLICT(id) DO UPDATE SET name = excluded.name, complete = 1",
                    (ds_id, dataset.name, dataset.kind, dataset.source, dataset.n_genes,
                     dataset.n_samples, dataset.n_edges, len(dataset.tfs), time.time()))
        return ds_id

    def list_datasets(self) -> list[DatasetRecord]:
        """Completely stored datasets, newest first."""
        with self.connect() as con:
            rows = con.execute(
                "SELECT id, name, kind, source, n_genes, n_samples, n_edges, n_tfs, created_at "
                "FROM datasets WHERE complete = 1 ORDER BY created_at DESC").fetchall()
        return [DatasetRecord(**dict(r)) for r in rows]

    def load_dataset(self, dataset_id: str) -> Dataset:
        """The stored dataset ``dataset_id`` (KeyError if it is not in the workspace)."""
        folder = self.dataset_dir(dataset_id)
        if not (folder / "meta.json").exists():
            raise KeyError(f"dataset {dataset_id} is not in workspace {self.root}")
        meta = json.loads((folder / "meta.json").read_text())
        net_path = folder / "network.parquet"
        extras = {orig: pd.read_parquet(folder / f"extra_{safe}.parquet")
                  for safe, orig in meta.get("extras", {}).items()}
        return Dataset.create(
            pd.read_parquet(folder / "expression.parquet"),
            samples=pd.read_parquet(folder / "samples.parquet"),
            network=pd.read_parquet(net_path) if net_path.exists() else None,
            tfs=meta["tfs"], name=meta["name"], kind=meta["kind"], source=meta["source"],
            extras=extras, notes=meta.get("notes", []))

    def rename_dataset(self, dataset_id: str, name: str) -> None:
        with self.connect() as con:
            con.execute("UPDATE datasets SET name = ? WHERE id = ?", (name, dataset_id))
        meta_path = self.dataset_dir(dataset_id) / "meta.json"
        meta = json.loads(meta_path.read_text())
        meta["name"] = name
        meta_path.write_text(json.dumps(meta, indent=1))

    def delete_dataset(self, dataset_id: str) -> None:
        with self.connect() as con:
            con.execute("DELETE FROM datasets WHERE id = ?", (dataset_id,))
        shutil.rmtree(self.dataset_dir(dataset_id), ignore_errors=True)

    # ------------------------------------------------------------------ runs
    def run_dir(self, run_id: str) -> Path:
        return self.root / "runs" / run_id

    def create_run(self, *, dataset_id: str, dataset_name: str, method: str, split: str, seed: int,
                   params: dict | None = None, split_options: dict | None = None, device: str = "cpu",
                   status: str = "queued") -> str:
        """Insert a run row owned by this process and return its id (time-ordered, unique).
        While the row is queued or running this process keeps its heartbeat fresh."""
        run_id = f"{time.strftime('%Y%m%d%H%M%S')}-{os.urandom(3).hex()}"
        me, now = _proc.current(), time.time()
        with self.connect() as con:
            con.execute(
                "INSERT INTO runs(id, dataset_id, dataset_name, method, split, split_options, seed, "
                "params, device, status, created_at, owner_host, owner_pid, owner_started, heartbeat_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, dataset_id, dataset_name, method, split, json.dumps(split_options or {}), int(seed),
                 json.dumps(params or {}), device, status, now, me.host, me.pid, me.started, now))
        if status in ("queued", "running"):
            _HEARTBEAT.watch(self.db_path)
        return run_id

    def update_run(self, run_id: str, **fields) -> None:
        """Set columns of a run; dict values of the JSON columns are encoded."""
        unknown = set(fields) - set(RunRow.__dataclass_fields__)
        if unknown:
            raise KeyError(f"unknown run fields {sorted(unknown)}")
        if "status" in fields and fields["status"] not in RUN_STATES:
            raise ValueError(f"unknown run status {fields['status']!r}")
        values = [json.dumps(v) if k in _RUN_JSON else v for k, v in fields.items()]
        assignments = ", ".join(f"{k} = ?" for k in fields)
        with self.connect() as con:
            con.execute(f"UPDATE runs SET {assignments} WHERE id = ?", (*values, run_id))

    def get_run(self, run_id: str) -> RunRow:
        with self.connect() as con:
            row = con.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise KeyError(f"run {run_id} is not in workspace {self.root}")
        return _run_row(row)

    def count_runs(self) -> int:
        """How many runs the workspace holds (one COUNT query: the sidebar shows it on every rerun)."""
        with self.connect() as con:
            return int(con.execute("SELECT COUNT(*) FROM runs").fetchone()[0])

    def list_runs(self, *, dataset_id: str | None = None, status: str | tuple[str, ...] | None = None) -> list[RunRow]:
        """Runs, newest first, optionally of one dataset and in some states."""
        query, args = "SELECT * FROM runs WHERE 1 = 1", []
        if dataset_id is not None:
            query += " AND dataset_id = ?"
            args.append(dataset_id)
        if status is not None:
            states = (status,) if isinstance(status, str) else tuple(status)
            query += f" AND status IN ({', '.join('?' * len(states))})"
            args += states
        with self.connect() as con:
            rows = con.execute(query + " ORDER BY created_at DESC, id DESC", args).fetchall()
        return [_run_row(r) for r in rows]

    def interrupt_orphaned_runs(self, stale_after: float = HEARTBEAT_STALE_SECONDS) -> int:
        """Mark as interrupted the queued or running runs that can no longer finish (see the
        module doc); the message says why. Runs of live owners are left alone. Returns how many."""
        me, now = _proc.current(), time.time()
        with self.connect() as con:
            rows = con.execute("SELECT id, owner_host, owner_pid, owner_started, heartbeat_at FROM runs "
                               "WHERE status IN ('queued', 'running')").fetchall()
        count = 0
        for row in rows:
            reason = _orphan_reason(row, me, now, stale_after)
            if reason is None:
                continue
            with self.connect() as con:  # unless it finished or beat meanwhile
                cur = con.execute(
                    "UPDATE runs SET status = 'interrupted', finished_at = ?, message = ? "
                    "WHERE id = ? AND status IN ('queued', 'running') AND heartbeat_at IS ?",
                    (now, f"interrupted: {reason}", row["id"], row["heartbeat_at"]))
                count += cur.rowcount
        return count

    def save_run_artifacts(self, run_id: str, frames: dict[str, pd.DataFrame]) -> None:
        """Write ``frames`` (name -> DataFrame) as Parquet under ``runs/<id>/``, atomically per file."""
        folder = self.run_dir(run_id)
        folder.mkdir(parents=True, exist_ok=True)
        for name, frame in frames.items():
            tmp = folder / f".{_safe(name)}.parquet.tmp"
            frame.to_parquet(tmp, index=False)
            tmp.replace(folder / f"{_safe(name)}.parquet")

    def load_run_artifact(self, run_id: str, name: str) -> pd.DataFrame:
        path = self.run_dir(run_id) / f"{_safe(name)}.parquet"
        if not path.exists():
            raise KeyError(f"run {run_id} has no artifact {name!r}")
        return pd.read_parquet(path)

    # ------------------------------------------------------------------ uploads
    @contextmanager
    def staged_uploads(self, files: dict[str, object]) -> Iterator[dict[str, Path | None]]:
        """Copy uploaded files (name -> file-like with ``.name``, or None) into a fresh folder under
        ``uploads/`` and yield name -> path, so readers see real files with their real names
        (made safe); the folder is removed when the block ends. What a dataset needs is stored
        by `save_dataset`; the uploaded bytes are not kept. Files are copied in 1 MiB chunks, so
        no second whole copy of an upload is made in memory."""
        folder = self.root / "uploads" / f"{time.strftime('%Y%m%d-%H%M%S')}-{os.urandom(4).hex()}"
        try:
            paths: dict[str, Path | None] = {}
            for role, f in files.items():
                if f is None:
                    paths[role] = None
                    continue
                (folder / _safe(role)).mkdir(parents=True)
                paths[role] = path = folder / _safe(role) / _safe(Path(getattr(f, "name", "") or "upload").name)
                if hasattr(f, "seek"):
                    f.seek(0)
                with open(path, "wb") as out:
                    shutil.copyfileobj(f, out, 1 << 20)
            yield paths
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def _orphan_reason(row: sqlite3.Row, me: _proc.ProcessId, now: float, stale_after: float) -> str | None:
    """Why the unfinished run ``row`` can no longer finish, or None while its owner lives."""
    host, pid, started = row["owner_host"], row["owner_pid"], row["owner_started"]
    if pid is None:
        return "the run records no owner (queued by an older version), so nothing is running it"
    if host == me.host:
        if (pid, started) == (me.pid, me.started) or _proc.alive(pid, started):
            return None
        return f"its process (pid {pid} on {host}) is gone"
    if row["heartbeat_at"] is None:
        return f"its process (pid {pid} on {host}) never wrote a heartbeat"
    age = now - row["heartbeat_at"]
    if age <= stale_after:
        return None
    return (f"no heartbeat from its process (pid {pid} on {host}) for {age:.0f} s "
            f"(the limit is {stale_after:.0f} s)")


class _Heartbeat:
    """One daemon thread per process: every `HEARTBEAT_SECONDS` it sets ``heartbeat_at`` of the
    queued and running runs this process owns, in every workspace database where it has some.
    A database leaves the list once it holds none (or is gone)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._dbs: set[Path] = set()
        self._thread: threading.Thread | None = None

    def watch(self, db_path: Path) -> None:
        with self._lock:
            self._dbs.add(db_path)
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="grn-heartbeat", daemon=True)
                self._thread.start()

    def _loop(self) -> None:
        while True:
            time.sleep(HEARTBEAT_SECONDS)
            me = _proc.current()
            with self._lock:
                for db_path in list(self._dbs):
                    if not self._beat(db_path, me):
                        self._dbs.discard(db_path)

    @staticmethod
    def _beat(db_path: Path, me: _proc.ProcessId) -> bool:
        """Refresh this process's unfinished runs in ``db_path``; False once there are none."""
        try:
            con = sqlite3.connect(f"file:{db_path}?mode=rw", uri=True, timeout=HEARTBEAT_SECONDS)
            try:
                with con:
                    cur = con.execute(
                        "UPDATE runs SET heartbeat_at = ? WHERE status IN ('queued', 'running') "
                        "AND owner_host = ? AND owner_pid = ? AND owner_started = ?",
                        (time.time(), me.host, me.pid, me.started))
                return cur.rowcount > 0
            finally:
                con.close()
        except sqlite3.Error as exc:
            if not db_path.exists():
                return False
            log.warning("heartbeat of runs in %s failed (retrying): %s", db_path, exc)
            return True

    def _after_fork(self) -> None:
        """A forked child owns none of its parent's runs and has no heartbeat thread."""
        self._lock = threading.Lock()
        self._dbs = set()
        self._thread = None


_HEARTBEAT = _Heartbeat()
if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_HEARTBEAT._after_fork)


def _run_row(row: sqlite3.Row) -> RunRow:
    data = dict(row)
    for key in _RUN_JSON:
        data[key] = json.loads(data[key] or "{}")
    return RunRow(**data)


def _safe(name: str) -> str:
    """A file-name-safe version of ``name`` (letters, digits, ``._+-``)."""
    cleaned = re.sub(r"[^A-Za-z0-9._+-]+", "_", name).strip("._")
    if len(cleaned) > 120:  # shorten the stem, keep the suffixes that readers look at (.csv.gz, .h5ad)
        suffixes = "".join(Path(cleaned).suffixes[-2:])[:20]
        cleaned = cleaned[:120 - len(suffixes)] + suffixes
    return cleaned or "file"

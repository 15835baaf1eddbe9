"""Background jobs and the workspace store (SQLite + Parquet artifacts)."""

from .store import DEFAULT_WORKSPACE, FINISHED_STATES, RUN_STATES, DatasetRecord, RunRow, Workspace, workspace_path

__all__ = ["DEFAULT_WORKSPACE", "FINISHED_STATES", "RUN_STATES", "DatasetRecord", "RunRow", "Workspace", "workspace_path"]

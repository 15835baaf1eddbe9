"""Background jobs and the workspace store (SQLite + Parquet artifacts)."""

from .store import DEFAULT_WORKSPACE, DatasetRecord, Workspace, workspace_path

__all__ = ["DEFAULT_WORKSPACE", "DatasetRecord", "Workspace", "workspace_path"]

"""Shared fixtures: an isolated workspace per test, paths to the repo and the shared data."""

import os
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BENCHDATA = Path(os.environ.get("GRN_BENCHDATA", REPO.parent / "shared" / "benchdata"))


@pytest.fixture(autouse=True)
def _isolated_workspace(tmp_path, monkeypatch):
    """Every test gets its own GRN_WORKSPACE so nothing touches ~/.grn-workbench."""
    monkeypatch.setenv("GRN_WORKSPACE", str(tmp_path / "workspace"))
    monkeypatch.delenv("GRN_DATA_DIR", raising=False)
    main = sys.modules.get("__main__")
    yield
    # Streamlit's AppTest installs the app script as ``__main__`` (its script runner does, so that
    # pickling works inside scripts) and leaves it there. A process started with "spawn" afterwards
    # (a Dask LocalCluster's workers) would then run app.py first: once it hit the workspace
    # database mid-write ("database is locked") and the worker never started.
    sys.modules["__main__"] = main


def benchdata(*parts: str) -> Path:
    """A path in the shared benchmark data, or skip the test with the reason."""
    path = BENCHDATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared benchmark data not found at {path} (set GRN_BENCHDATA or put ../shared beside the repo)")
    return path


def until(predicate, timeout: float, what: str):
    """Poll ``predicate`` until it returns something truthy (returned), else fail saying ``what``:
    tests wait on a state with a deadline, never on a fixed sleep."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"after {timeout} s: {what}")

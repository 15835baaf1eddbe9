"""Shared page helpers: the workspace, the active dataset, the sidebar, safe text.

Not a page itself (app.py lists the pages). Everything that computes lives in grncore.
"""

from __future__ import annotations

import os
import re

import streamlit as st

from grncore.data import Dataset, simulate
from grncore.jobs import Workspace

ACTIVE_KEY = "active_dataset"
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def md(text: object) -> str:
    """``text`` with Markdown/HTML specials backslash-escaped, for user-supplied names
    (gene names may contain ``<script>``; they must show as text)."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


@st.cache_resource(show_spinner=False)
def _workspace(root: str) -> Workspace:
    return Workspace(root)


def workspace() -> Workspace:
    """The workspace named by ``GRN_WORKSPACE`` (default ``~/.grn-workbench``)."""
    from grncore.jobs import workspace_path

    return _workspace(str(workspace_path()))


@st.cache_resource(show_spinner=False, max_entries=6)
def _load(root: str, dataset_id: str) -> Dataset:
    return _workspace(root).load_dataset(dataset_id)


def load_dataset(dataset_id: str) -> Dataset:
    ws = workspace()
    return _load(str(ws.root), dataset_id)


def set_active(dataset_id: str) -> None:
    """Make ``dataset_id`` the active dataset of this session and the workspace default."""
    st.session_state[ACTIVE_KEY] = dataset_id
    workspace().set_setting(ACTIVE_KEY, dataset_id)


def add_dataset(ds: Dataset) -> str:
    """Store ``ds`` in the workspace, make it active, return its id."""
    ds_id = workspace().save_dataset(ds)
    set_active(ds_id)
    return ds_id


def active_dataset() -> tuple[str, Dataset]:
    """The active dataset: this session's choice, else the workspace's last one, else the
    built-in demo (simulated and stored on first start so the app is useful at once)."""
    ws = workspace()
    known = {r.id for r in ws.list_datasets()}
    ds_id = st.session_state.get(ACTIVE_KEY)
    if ds_id not in known:
        ds_id = ws.get_setting(ACTIVE_KEY)
    if ds_id not in known:
        with st.spinner("Preparing the built-in demo dataset..."):
            ds_id = ws.save_dataset(simulate.demo(seed=0))
    if st.session_state.get(ACTIVE_KEY) != ds_id:
        set_active(ds_id)
    return ds_id, load_dataset(ds_id)


def data_dir() -> str | None:
    """The server-side data folder named by ``GRN_DATA_DIR`` (set by a lab's admin), if any."""
    path = os.environ.get("GRN_DATA_DIR")
    return path if path and os.path.isdir(path) else None


@st.cache_data(show_spinner=False)
def _device_choices() -> list[str]:
    from grncore.train.device import available

    return ["auto", *available()]


@st.cache_data(show_spinner=False)
def _device_text(choice: str) -> str:
    from grncore.train.device import describe, resolve

    return describe(resolve(choice))


def sidebar() -> None:
    """The sidebar every page shares: active dataset, compute device, workspace."""
    with st.sidebar:
        ds_id, ds = active_dataset()
        st.caption("Active dataset")
        st.markdown(f"**{md(ds.name)}**  \n{ds.n_genes} genes · {ds.n_samples} samples · {ds.n_edges} edges")
        st.divider()
        choice = st.selectbox("Compute device", _device_choices(), key="device",
                              help="Where torch models train: auto picks CUDA, then Apple MPS, then CPU.")
        st.caption(f"Using: {md(_device_text(choice))}")
        st.caption(f"Workspace: `{workspace().root}`")

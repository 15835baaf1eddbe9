"""The first-steps header of the Data page: the path through the app, what each step needs, and a
one-click quick comparison on the demo dataset. Not a page itself (app.py lists the pages)."""

from __future__ import annotations

import streamlit as st

from grncore.data import simulate
from pages import _ui

STEPS = [
    ("pages/data.py", "Data", "expression (genes x cells or samples); a ground-truth network only to evaluate, "
                              "not to discover"),
    ("pages/models.py", "Models", "a split (how test pairs are held out) and methods; supervised models need a "
                                  "ground truth to train on"),
    ("pages/training.py", "Training", "nothing: runs continue in the background, follow progress and curves"),
    ("pages/evaluation.py", "Evaluation", "finished runs on a dataset with a ground truth: AUROC, AUPRC, EPR with "
                                          "fold spread and 95% intervals"),
    ("pages/network.py", "Network", "a finished run: the predicted network, its top edges and exports"),
    ("pages/literature.py", "Literature", "predicted edges to check against published evidence"),
    ("pages/restoration.py", "Restoration", "two states (source and target) to find TFs that restore one"),
]
QUICK_METHODS = ("pearson", "spearman", "degree", "random")
QUICK_SPLIT, QUICK_FOLDS = "tf_disjoint", 5


def _link(path: str, title: str) -> None:
    st.page_link(path, label=f"**{title}**")


def demo_id() -> str:
    """The stored demo dataset (stored again if it was deleted)."""
    ws = _ui.workspace()
    for r in ws.list_datasets():
        if r.name == simulate.DEMO_NAME:
            return r.id
    return ws.save_dataset(simulate.demo(seed=0))


def header() -> None:
    """Expanded while the workspace has no run yet, folded away afterwards."""
    ws = _ui.workspace()
    first_time = ws.count_runs() == 0
    with st.expander("First steps: Data → Models → Training → Evaluation → Network / Literature / Restoration",
                     expanded=first_time):
        cols = st.columns(len(STEPS))
        for col, (path, title, needs) in zip(cols, STEPS):
            with col:
                _link(path, title)
                st.caption(needs)
        c1, c2 = st.columns([2, 3], vertical_alignment="center")
        if c1.button("Run a quick comparison on the demo", type="primary", key="quick_demo"):
            ds_id = demo_id()
            _ui.set_active(ds_id)
            ids = [_ui.jobs().submit(ds_id, m, QUICK_SPLIT, split_options={"folds": QUICK_FOLDS},
                                     device=_ui.device_choice()) for m in QUICK_METHODS]
            st.session_state["quick_started"] = ids
        c2.caption(f"Runs {', '.join(QUICK_METHODS)} on the built-in demo ({QUICK_SPLIT}, {QUICK_FOLDS} folds: "
                   "every TF held out once); takes seconds. Then open Evaluation.")
        if st.session_state.get("quick_started"):
            st.success(f"Queued {len(st.session_state['quick_started'])} runs on the demo dataset "
                       f"(now the active dataset).")
            l1, l2 = st.columns(2)
            with l1:
                st.page_link("pages/training.py", label="Follow them on Training", icon=":material/monitoring:")
            with l2:
                st.page_link("pages/evaluation.py", label="Compare them on Evaluation", icon=":material/query_stats:")

"""Training page: the run queue with live progress, ETA, training curves and cancel; the runs of
the active dataset, or of every dataset on the server."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from grncore.viz.eval_plots import training_curves
from pages import _ui

st.title("Training")
st.caption("Runs work in the background: leaving this page or opening another tab does not stop them.")

jobs = _ui.jobs()
ws = _ui.workspace()
active_id, active_ds = _ui.active_dataset()
every = st.toggle("Runs of every dataset", key="training_every",
                  help="Off: the runs of the active dataset (sidebar). On a shared server the workspace also holds "
                       "other users' runs; they share the queue.")


def shown(runs):
    """The runs this page lists: those of the active dataset unless every dataset's are asked for."""
    return runs if every else [r for r in runs if r.dataset_id == active_id]
if jobs.interrupted_at_start:
    st.warning(f"{jobs.interrupted_at_start} run(s) were interrupted when the server last stopped; "
               "they are listed below as interrupted and can be started again from the Models page.")


def _live(run) -> None:
    state = jobs.state(run.id) or {"status": run.status, "fraction": 0.0, "done": 0, "total": 0,
                                   "message": run.message, "eta_seconds": None, "elapsed": 0.0}
    c1, c2 = st.columns([5, 1])
    with c1:
        st.markdown(f"**{_ui.md(run.method)}** on {_ui.md(run.dataset_name)} · split {run.split} · seed {run.seed} "
                    f"· device {_ui.md(run.device)} · `{run.id}`")
        if state["status"] == "queued":
            st.progress(0.0, text="queued: waiting for the run before it")
        else:
            detail = f"{state['done']}/{state['total']} · " if state["total"] else ""
            text = (f"{detail}{state['message'] or 'starting'} · elapsed {_ui.fmt_seconds(state['elapsed'])}"
                    f" · ETA {_ui.fmt_seconds(state['eta_seconds'])}")
            st.progress(state["fraction"], text=_ui.md(text))
    if c2.button("Cancel", key=f"cancel.{run.id}"):
        jobs.cancel(run.id)
        st.toast(f"Cancelling {run.method}...")
    history = jobs.history(run.id)
    if history and any("epoch" in h for h in history):
        st.plotly_chart(training_curves(pd.DataFrame([h for h in history if "epoch" in h])),
                        key=f"curves.{run.id}.{len(history)}")


@st.fragment(run_every=1.0)
def queue_view() -> None:
    everyone = ws.list_runs(status=("queued", "running"))
    active = shown(everyone)
    ids = {r.id for r in active}
    finished_since = st.session_state.get("training_active", set()) - ids
    st.session_state["training_active"] = ids
    if finished_since:  # refresh the whole page so finished runs and their curves appear
        st.rerun(scope="app")
    st.subheader(f"Active runs ({len(active)})")
    if len(everyone) > len(active):
        st.caption(f"{len(everyone) - len(active)} more run(s) of other datasets are queued or running on this "
                   "server; they share the queue (switch on 'Runs of every dataset' to see them).")
    if not active:
        st.info("No run is queued or running. Start runs on the Models page.")
        st.page_link("pages/models.py", label="Go to Models", icon=":material/model_training:")
    for run in active:  # newest first
        with st.container(border=True):
            _live(run)

    st.subheader("Finished runs")
    finished = shown(ws.list_runs(status=("done", "failed", "cancelled", "interrupted")))
    if not finished:
        st.caption("None yet.")
        return
    table = pd.DataFrame([{
        "run": r.id, "status": r.status, "method": r.method, "dataset": r.dataset_name, "split": r.split,
        "seed": r.seed, "folds": r.split_options.get("folds") or r.split_options.get("repeats"),
        "AUROC": r.metrics.get("auroc"), "AUROC sd": r.metrics.get("auroc_sd"), "AUPRC ratio": r.metrics.get("auprc_ratio"),
        "EPR": r.metrics.get("epr"), "seconds": r.record.get("seconds") or r.seconds, "device": r.device,
        "ran on": r.record.get("ran_on", ""), "message": r.message} for r in finished])
    st.dataframe(table, hide_index=True, column_config={
        "AUROC": st.column_config.NumberColumn(format="%.3f", help="pooled over folds for runs with folds"),
        "AUROC sd": st.column_config.NumberColumn(format="%.3f", help="standard deviation over the folds"),
        "AUPRC ratio": st.column_config.NumberColumn(format="%.2f"),
        "EPR": st.column_config.NumberColumn(format="%.2f"),
        "seconds": st.column_config.NumberColumn(format="%.1f"),
        "ran on": st.column_config.TextColumn(help="where the per-target fits ran: this process, local "
                                                   "processes or a Dask cluster (its address)")})
    for r in [r for r in finished if r.status == "failed"][:5]:
        st.error(f"{_ui.md(r.method)} (`{r.id}`): {_ui.md(r.message)}")


queue_view()

trained = [r for r in shown(ws.list_runs(status="done")) if (ws.run_dir(r.id) / "history.parquet").exists()]
if trained:
    st.subheader("Training curves")
    labels = {r.id: f"{r.method} · {r.dataset_name} · {r.split} · seed {r.seed} · {r.device}" for r in trained}
    # keyed by the newest run: the page opens on it, and moves to a run that finished since
    pick = st.selectbox("Finished run", list(labels), format_func=labels.get, key=f"curve_run.{trained[0].id}")
    history = ws.load_run_artifact(pick, "history")
    if "epoch" in history:
        st.plotly_chart(training_curves(history[history["epoch"].notna()]), key="finished_curves")


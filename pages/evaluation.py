"""Evaluation page: compare finished runs on identical test pairs (ROC, PR, metrics, heatmap)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import streamlit as st

from grncore.bench import comparison
from grncore.data import InputError, read_predictions
from grncore.bench.run import evaluate_predictions
from grncore.viz.eval_plots import metric_heatmap, pr_figure, roc_figure
from pages import _ui

PLOT_CONFIG = {"toImageButtonOptions": {"format": "png", "scale": 2}, "displaylogo": False}
METRICS = {"auroc": "AUROC", "auprc": "AUPRC", "auprc_ratio": "AUPRC ratio", "epr": "EPR"}

ws = _ui.workspace()
ds_id, ds = _ui.active_dataset()
st.title("Evaluation")
if "eval_flash" in st.session_state:  # set before a rerun, shown once after it
    st.success(st.session_state.pop("eval_flash"))
st.caption(f"Dataset: **{_ui.md(ds.name)}**. Runs are compared only within one split and seed, where every "
           "method was scored on the same test pairs.")

# discovery runs score the pairs they trained on: in-sample, so they are explored on the Network page
runs = [r for r in ws.list_runs(dataset_id=ds_id, status="done") if r.split != "discovery"]
groups = comparison.group_runs(runs)
if not groups:
    st.info("No finished run on this dataset yet. Start runs on the Models page.")
    st.page_link("pages/models.py", label="Go to Models", icon=":material/model_training:")
    st.stop()

keys = list(groups)
key = st.selectbox("Comparison (split · seed)", keys, key="eval_group",
                   format_func=lambda k: f"{k[0]} · seed {k[1]} · {len(groups[k])} run(s)")
group = comparison.latest_per_method(groups[key])
labels = {r.id: comparison.run_label(r, group) for r in group}
chosen = st.multiselect("Runs", list(labels), default=list(labels), format_func=labels.get, key="eval_runs")
selected = [r for r in group if r.id in chosen]
if not selected:
    st.stop()

table = comparison.metrics_table(selected)
if key[0] == "edge_random":
    st.warning("edge_random is the optimistic literature protocol: node degree learned in training predicts "
               "test pairs. Read these numbers next to the `degree` sentinel and an honest split.")
for message in comparison.sentinel_warnings(table):
    st.error(_ui.md(message), icon=":material/warning:")

curves = {labels[r.id]: ws.load_run_artifact(r.id, "roc") for r in selected}
prs = {labels[r.id]: ws.load_run_artifact(r.id, "pr") for r in selected}
aurocs = {labels[r.id]: r.metrics["auroc"] for r in selected}
auprcs = {labels[r.id]: r.metrics["auprc"] for r in selected}
c1, c2 = st.columns(2)
c1.plotly_chart(roc_figure(curves, aurocs), key="roc", config=PLOT_CONFIG)
c2.plotly_chart(pr_figure(prs, selected[0].metrics["positive_rate"], auprcs), key="pr", config=PLOT_CONFIG)
st.caption("Download a plot as PNG with the camera icon above it.")

st.subheader("Metrics")
st.dataframe(table, hide_index=True, column_config={
    c: st.column_config.NumberColumn(format="%.3f") for c in table.columns if table[c].dtype.kind == "f"})
d1, d2 = st.columns(2)
d1.download_button("Metrics (CSV)", table.to_csv(index=False), file_name=f"metrics_{key[0]}_seed{key[1]}.csv",
                   mime="text/csv")
pick = d2.selectbox("Predictions of run", [r.id for r in selected], format_func=labels.get, key="eval_pred_pick")
d2.download_button("Predictions (CSV)", lambda: ws.load_run_artifact(pick, "predictions").to_csv(index=False),
                   file_name=f"predictions_{pick}.csv", mime="text/csv")

st.subheader("Across datasets")
metric = st.radio("Metric", list(METRICS), format_func=METRICS.get, horizontal=True, key="eval_metric")
grid = comparison.dataset_method_grid(ws.list_runs(status="done"), split=key[0], metric=metric)
if grid.shape[0] and grid.shape[1]:
    st.plotly_chart(metric_heatmap(grid.rename(columns=str), METRICS[metric]), key="heatmap", config=PLOT_CONFIG)
    st.download_button("Table (CSV)", grid.to_csv(), file_name=f"{metric}_{key[0]}.csv", mime="text/csv")

with st.expander("Evaluate predictions from another tool"):
    st.caption("A predicted network as `TF,target,importance` (arboreto / pySCENIC) or BEELINE "
               "`rankedEdges.csv`, scored on exactly the test pairs of the comparison chosen above "
               "(its split, seed and split options).")
    up = st.file_uploader("Predicted network", type=["csv", "tsv", "txt", "gz"], key="ext_predictions")
    if st.button("Evaluate", disabled=up is None):
        try:
            with ws.staged_uploads({"predictions": up}) as paths:
                pred = read_predictions(paths["predictions"])
            result = evaluate_predictions(ds, pred, name=Path(up.name).stem, split=key[0], seed=key[1],
                                          split_options=json.loads(key[2]), workspace=ws, dataset_id=ds_id)
        except InputError as exc:
            st.error(_ui.md(exc))
        else:
            st.session_state["eval_flash"] = (
                f"Evaluated {_ui.md(up.name)}: AUROC {result.metrics.auroc:.3f}; "
                f"{result.extra['unscored_test_pairs']} test pairs were not in the file.")
            st.rerun()

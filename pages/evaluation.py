"""Evaluation page: compare finished runs on identical test pairs (ROC, PR, metrics with their
spread over folds, per-fold strip plot, heatmap of comparable runs across datasets)."""

from __future__ import annotations

import json
from pathlib import Path

import streamlit as st

from grncore.bench import comparison
from grncore.data import InputError, read_predictions
from grncore.bench.run import evaluate_predictions
from grncore.viz.eval_plots import fold_strip, metric_heatmap, pr_figure, roc_figure
from pages import _ui

PLOT_CONFIG = {"toImageButtonOptions": {"format": "png", "scale": 2}, "displaylogo": False}
METRICS = {"auroc": "AUROC", "auprc": "AUPRC", "auprc_ratio": "AUPRC ratio", "epr": "EPR"}

ws = _ui.workspace()
active_id, _ = _ui.active_dataset()
st.title("Evaluation")
if "eval_flash" in st.session_state:  # set before a rerun, shown once after it
    st.success(st.session_state.pop("eval_flash"))

# discovery runs score the pairs they trained on: in-sample, so they are explored on the Network page
done = [r for r in ws.list_runs(status="done") if r.split != "discovery"]
with_runs = {r.dataset_id: r.dataset_name for r in done}
if not with_runs:
    st.info("No finished run yet. Start runs on the Models page.")
    st.page_link("pages/models.py", label="Go to Models", icon=":material/model_training:")
    st.stop()
ids = list(with_runs)
ds_id = st.selectbox("Dataset", ids, index=ids.index(active_id) if active_id in ids else 0, key="eval_dataset",
                     format_func=lambda i: f"{with_runs[i]} ({sum(r.dataset_id == i for r in done)} runs)"
                                           + (" · active" if i == active_id else ""),
                     help="Runs of any stored dataset can be compared here; the active dataset (sidebar) "
                          "does not change.")
st.caption("Runs are compared only within one split, seed and split options (folds), where every method "
           "was scored on the same test pairs.")

groups = comparison.group_runs([r for r in done if r.dataset_id == ds_id])
keys = list(groups)
key = st.selectbox("Comparison (split · folds · seed)", keys, key="eval_group",
                   format_func=lambda k: f"{comparison.setting_text(k)} · {len(groups[k])} run(s)")
group = comparison.latest_per_method(groups[key])
labels = {r.id: comparison.run_label(r, group) for r in group}
chosen = st.multiselect("Runs", list(labels), default=list(labels), format_func=labels.get, key="eval_runs")
selected = [r for r in group if r.id in chosen]
if not selected:
    st.stop()
has_folds = any(r.metrics.get("folds") for r in selected)

table = comparison.metrics_table(selected)
if key[0] == "edge_random":
    st.warning("edge_random is the optimistic literature protocol: node degree learned in training predicts "
               "test pairs. Read these numbers next to the `degree` sentinel and an honest split.")
if not has_folds and key[0] in ("tf_disjoint", "gene_disjoint", "edge_random"):
    st.info("These runs used one split: a figure from a dozen held-out regulators can move by 0.1-0.3 AUROC "
            "with another seed. Run with folds (Models page) to see the spread and 95% intervals.")
for message in comparison.sentinel_warnings(table):
    st.error(_ui.md(message), icon=":material/warning:")
for message in comparison.indistinguishable(selected):
    st.warning(_ui.md(message), icon=":material/balance:")

curves = {labels[r.id]: ws.load_run_artifact(r.id, "roc") for r in selected}
prs = {labels[r.id]: ws.load_run_artifact(r.id, "pr") for r in selected}
aurocs = {labels[r.id]: r.metrics["auroc"] for r in selected}
auprcs = {labels[r.id]: r.metrics["auprc"] for r in selected}
per_fold = has_folds and st.toggle("Show each fold's curve", key="eval_fold_curves",
                                   help="Thin lines: the curve of each fold's held-out pairs; thick: all folds pooled.")
fold_roc = {labels[r.id]: ws.load_run_artifact(r.id, "roc_folds") for r in selected if r.metrics.get("folds")} if per_fold else None
fold_pr = {labels[r.id]: ws.load_run_artifact(r.id, "pr_folds") for r in selected if r.metrics.get("folds")} if per_fold else None
c1, c2 = st.columns(2)
c1.plotly_chart(roc_figure(curves, aurocs, fold_roc), key="roc", config=PLOT_CONFIG)
c2.plotly_chart(pr_figure(prs, selected[0].metrics["positive_rate"], auprcs, fold_pr), key="pr", config=PLOT_CONFIG)
st.caption("Download a plot as PNG with the camera icon above it.")

st.subheader("Metrics")
if has_folds:
    st.caption("Pooled figures rank the held-out pairs of all folds together; `mean ± sd` is over the folds; "
               "the 95% interval is a bootstrap of the pooled figure "
               f"({'resampling held-out regulators as units' if key[0] != 'edge_random' else 'resampling pairs'}).")
st.dataframe(table, hide_index=True, column_config={
    c: st.column_config.NumberColumn(format="%.3f") for c in table.columns if table[c].dtype.kind == "f"})
d1, d2 = st.columns(2)
d1.download_button("Metrics (CSV)", table.to_csv(index=False), file_name=f"metrics_{key[0]}_seed{key[1]}.csv",
                   mime="text/csv")
pick = d2.selectbox("Predictions of run", [r.id for r in selected], format_func=labels.get, key="eval_pred_pick")
d2.download_button("Predictions (CSV)", lambda: ws.load_run_artifact(pick, "predictions").to_csv(index=False),
                   file_name=f"predictions_{pick}.csv", mime="text/csv")

if has_folds:
    st.subheader("Per fold")
    folds = comparison.fold_table(selected)
    strip_metric = st.radio("Metric", list(comparison.SPREAD), format_func=comparison.SPREAD.get, horizontal=True,
                            key="eval_strip_metric")
    pooled = {labels[r.id]: (r.metrics[strip_metric], *r.metrics[f"{strip_metric}_ci"])
              for r in selected if r.metrics.get(f"{strip_metric}_ci")}
    st.plotly_chart(fold_strip(folds, strip_metric, comparison.SPREAD[strip_metric], pooled), key="strip",
                    config=PLOT_CONFIG)
    st.download_button("Per-fold metrics (CSV)", folds.to_csv(index=False), file_name=f"folds_{key[0]}.csv",
                       mime="text/csv")

st.subheader("Across datasets")
setting = comparison.setting_text(key)
st.caption(f"Only runs with the same setting as this comparison ({_ui.md(setting)}) on every stored dataset: "
           "runs of another seed, split or number of folds are left out, never mixed in.")
metric = st.radio("Metric", list(METRICS), format_func=METRICS.get, horizontal=True, key="eval_metric")
grid = comparison.dataset_method_grid(done, key=key, metric=metric)
if grid.shape[0] and grid.shape[1]:
    sd = comparison.dataset_method_grid(done, key=key, metric=f"{metric}_sd")
    st.plotly_chart(metric_heatmap(grid.rename(columns=str), METRICS[metric], setting, sd if sd.size else None),
                    key="heatmap", config=PLOT_CONFIG)
    st.download_button("Table (CSV)", grid.to_csv(), file_name=f"{metric}_{key[0]}.csv", mime="text/csv")

with st.expander("Evaluate predictions from another tool"):
    st.caption(f"A predicted network as `TF,target,importance` (arboreto / pySCENIC) or BEELINE "
               f"`rankedEdges.csv`, scored on exactly the test pairs of the comparison chosen above "
               f"({_ui.md(setting)} on {_ui.md(with_runs[ds_id])}).")
    up = st.file_uploader("Predicted network", type=["csv", "tsv", "txt", "gz"], key="ext_predictions")
    if st.button("Evaluate", disabled=up is None):
        try:
            with ws.staged_uploads({"predictions": up}) as paths:
                pred = read_predictions(paths["predictions"])
            result = evaluate_predictions(_ui.load_dataset(ds_id), pred, name=Path(up.name).stem, split=key[0],
                                          seed=key[1], split_options=json.loads(key[2]), workspace=ws,
                                          dataset_id=ds_id)
        except InputError as exc:
            st.error(_ui.md(exc))
        else:
            st.session_state["eval_flash"] = (
                f"Evaluated {_ui.md(up.name)}: AUROC {result.metrics.auroc:.3f}; "
                f"{result.extra['unscored_test_pairs']} test pairs were not in the file.")
            st.rerun()

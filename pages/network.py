"""Network page: the network a finished run predicts (or a consensus of several), filtered, drawn
offline with pyvis, tabulated, compared between runs and exported."""

from __future__ import annotations

from functools import partial

import numpy as np
import streamlit as st

from grncore.network import compare, consensus, export, predicted
from grncore.network import view as netview
from grncore.viz.network_html import network_html
from grncore.viz.network_plots import overlap_figure, score_histogram
from pages import _ui

K_STEPS = (10, 20, 50, 100, 200, 300, 500, 1000, 2000, 5000)
MAX_EDGES = 500
PLOT_CONFIG = {"displaylogo": False}

ws = _ui.workspace()
ds_id, ds = _ui.active_dataset()
st.title("Network")
st.caption(f"Dataset: **{_ui.md(ds.name)}**. The network a finished run predicts: filter it, centre it on a "
           "gene, compare two runs and export it for Cytoscape.")

runs = sorted(ws.list_runs(dataset_id=ds_id, status="done"), key=lambda r: (r.split != "discovery", -r.created_at))
if not runs:
    st.info("No finished run on this dataset yet. Start a discovery run on the Models page (split "
            "`discovery`: every candidate pair is scored, which is the predicted network shown here).")
    st.page_link("pages/models.py", label="Go to Models", icon=":material/model_training:")
    st.stop()
by_id = {r.id: r for r in runs}


def label(run_id: str) -> str:
    r = by_id[run_id]
    return f"{r.method} · {r.split} · seed {r.seed} · #{r.id[-6:]}"


# cache_resource: the frames are shared read-only (nothing below mutates them), not copied per rerun
@st.cache_resource(show_spinner="Loading the predicted network...", max_entries=8)
def _pred(root: str, run_id: str):
    return predicted.predicted_network(_ui.workspace(), run_id)


@st.cache_resource(show_spinner="Combining the runs...", max_entries=8)
def _network(root: str, run_ids: tuple[str, ...], how: str | None):
    """The pred frame of one run (``how`` None) or the consensus of several, and what the widgets
    need from it (computed once, not on every rerun)."""
    pred = _pred(root, run_ids[0]) if how is None else consensus([_pred(root, r) for r in run_ids], how=how)
    facts = {"genes": sorted(set(pred["regulator"]).union(pred["target"])),
             "scores": np.sort(pred["score"].to_numpy())[::-1],
             "has_truth": bool(pred["known"].any()), "trained": int(pred["trained"].sum()),
             "has_signs": "sign" in pred and bool((pred["sign"] != 0).any())}
    return pred, facts


@st.cache_data(show_spinner=False, max_entries=16)
def _overlap_curve(root: str, run_a: str, run_b: str):
    """Jaccard of the two runs' top-k sets at 40 k's spaced evenly on a log scale up to the smaller run."""
    pa, pb = _pred(root, run_a), _pred(root, run_b)
    n_max = min(len(pa), len(pb))
    return compare.overlap_curve(pa, pb, np.unique(np.geomspace(1, n_max, num=min(40, n_max)).astype(int)))


root = str(ws.root)
mode = st.radio("Network of", ["one run", "a consensus of runs"], horizontal=True, key="net_mode")
if mode == "one run":
    chosen = [st.selectbox("Run", list(by_id), format_func=label, key="net_run")]
    pred, facts = _network(root, tuple(chosen), None)
else:
    chosen = st.multiselect("Runs to combine", list(by_id), default=list(by_id)[:2], format_func=label,
                            key="net_runs")
    how = st.radio("Combine by", ["rank", "score"], horizontal=True, key="net_how",
                   format_func={"rank": "mean rank (BEELINE's Borda count)", "score": "mean normalised score"}.get)
    if len(chosen) < 2:
        st.info("Choose at least two runs to combine.")
        st.stop()
    pred, facts = _network(root, tuple(chosen), how)

splits = {by_id[r].split for r in chosen}
if "discovery" in splits:
    st.info("Discovery runs score every candidate pair; evaluation belongs to the other splits (Evaluation page). "
            "Here *true positive* only means that the pair is a known edge.", icon=":material/info:")
else:
    st.caption(f"Evaluation run(s) ({', '.join(sorted(splits))}): the network of the test pairs only, none of "
               "them seen in training, so the statuses are out-of-sample.")
if facts["trained"]:
    st.warning(f"In-sample: {facts['trained']:,} pairs were training pairs of a supervised model (column "
               "`trained`). Their scores, and every count of true positives or known targets below, are in-sample "
               "and say nothing about accuracy.", icon=":material/warning:")
has_truth, has_signs, genes, scores = facts["has_truth"], facts["has_signs"], facts["genes"], facts["scores"]
if not has_truth:
    st.caption("No known edge to compare with (the dataset has no ground truth): every edge drawn is a "
               "prediction, coloured as a candidate novel interaction.")

# ---------------------------------------------------------------- filters
c1, c2, c3, c4 = st.columns([3, 2, 3, 2])
cuts = ["top-k", "score threshold"] if scores[0] > scores[-1] else ["top-k"]  # a threshold needs distinct scores
cut = c1.radio("Cut", cuts, horizontal=True, key="net_cut")
if cut == "top-k":
    steps = [k for k in K_STEPS if k < len(pred)] + [len(pred)]
    top_k = c1.select_slider("Top-k edges", steps, value=min(100, len(pred)) if 100 in steps else steps[-1],
                             key="net_k")
    threshold = None
else:
    threshold = c1.slider("Score at least", float(scores[-1]), float(scores[0]), float(scores[min(100, len(pred)) - 1]),
                          key="net_threshold", format="%.4g")
    top_k = None
tfs_only = c2.checkbox("TF sources only", key="net_tfs_only", disabled=len(ds.tfs) == ds.n_genes,
                       help="Only edges whose regulator is in the dataset's TF list.")
novel_only = c2.checkbox("Novel only", key="net_novel", disabled=not has_truth,
                         help="Hide known edges: only candidate novel interactions (false positives).")
show_missed = c2.checkbox("Show missed edges", value=True, key="net_missed", disabled=not has_truth or novel_only,
                          help="Known edges the run ranked below the cut, dashed.")
center = c3.selectbox("Centre on gene", genes, index=None, key="net_center", placeholder="Type to search a gene",
                      help="Show the gene's k-hop neighbourhood within the cut.")
hops = c3.slider("Hops", 1, 3, 1, key="net_hops", disabled=center is None)
physics = c4.toggle("Physics", value=True, key="net_physics",
                    help="On: the layout keeps simulating springs, dragged genes pull their neighbours. "
                         "Off: it stops once settled and genes stay where you drop them.")
color_by = c4.radio("Colour edges by", ["status", "sign"] if has_signs else ["status"], key="net_color")

view = netview.select(pred, top_k=top_k, threshold=threshold, tfs=ds.tfs, tfs_only=tfs_only, novel_only=novel_only,
                      center=center, hops=hops, show_missed=show_missed and not novel_only, max_edges=MAX_EDGES)
if view.truncated:
    st.warning(_ui.md(view.message), icon=":material/content_cut:")
else:
    st.caption(_ui.md(view.message))

# ---------------------------------------------------------------- graph and tables
g, side = st.columns([3, 2])
with g:
    st.iframe(network_html(view, physics=physics, height="660px", color_by=color_by), height="content")
with side:
    t_edges, t_hubs, t_gene = st.tabs(["Edges", "Hubs", "Selected gene"])
    columns = [c for c in ("regulator", "target", "score", "rank", "status", "sign", "known", "trained")
               if c in view.edges]
    t_edges.dataframe(view.edges[columns], hide_index=True, height=600, key="net_edges",
                      column_config={"score": st.column_config.NumberColumn(format="%.4g")})
    t_hubs.dataframe(netview.hubs(view), hide_index=True, key="net_hubs",
                     column_config={"mean_score": st.column_config.NumberColumn(format="%.4g")})
    t_hubs.caption("Top regulators by predicted out-degree in the view, with how many of their edges are known.")
    if center is None:
        t_gene.caption("Choose a gene to centre on (above) to see its predicted targets and regulators.")
    else:
        targets, regulators = netview.gene_panel(view, center)
        t_gene.markdown(f"**{_ui.md(center)}**: {len(targets)} predicted target(s), {len(regulators)} regulator(s) "
                        "in the view")
        t_gene.caption("Targets")
        t_gene.dataframe(targets, hide_index=True, key="net_gene_targets")
        t_gene.caption("Regulators")
        t_gene.dataframe(regulators, hide_index=True, key="net_gene_regulators")

scores_box = st.expander("Score distribution", key="net_hist_open", on_change="rerun")
if scores_box.open:  # built only when shown: every k change reruns the page
    drawn = view.edges.loc[view.edges["status"] != "missed", "score"]
    cut_score = threshold if threshold is not None else (float(drawn.min()) if len(drawn) else None)
    scores_box.plotly_chart(score_histogram(pred, cut=cut_score), key="net_hist", config=PLOT_CONFIG)
    if facts["trained"]:
        scores_box.caption("In-sample: the known edges were training pairs.")

# ---------------------------------------------------------------- exports
st.subheader("Export the view")
stem = f"network_{'_'.join(r[-6:] for r in chosen)}"
for col, fmt in zip(st.columns(len(export.FORMATS)), export.FORMATS):
    col.download_button(fmt, partial(export.export_bytes, view, fmt, title=stem), file_name=f"{stem}_{export.FILE_NAMES[fmt]}",
                        mime=export.MIME_TYPES[fmt], key=f"net_dl_{fmt}")
st.caption("GraphML and Cytoscape JSON (cyjs) open in Cytoscape; SIF in GRNsight; html is this drawing, offline.")

# ---------------------------------------------------------------- compare
st.subheader("Compare two runs")
if len(by_id) < 2:
    st.caption("Needs two finished runs on this dataset.")
    st.stop()
a_col, b_col, k_col = st.columns([2, 2, 1])
run_a = a_col.selectbox("Run A", list(by_id), index=0, format_func=label, key="net_cmp_a")
run_b = b_col.selectbox("Run B", list(by_id), index=1, format_func=label, key="net_cmp_b")
pa, pb = _pred(root, run_a), _pred(root, run_b)
n_max = min(len(pa), len(pb))
k = int(k_col.number_input("k", 1, n_max, min(100, n_max), key="net_cmp_k"))
result = compare.overlap(pa, pb, k)
m1, m2 = st.columns(2)
m1.metric(f"Jaccard of the top {k:,}", f"{result['jaccard']:.3f}")
m2.metric("Shared edges", f"{result['shared']:,}")
st.plotly_chart(overlap_figure(_overlap_curve(root, run_a, run_b), label(run_a), label(run_b), k_marked=k),
                key="net_overlap", config=PLOT_CONFIG)
o1, o2 = st.columns(2)
o1.caption(f"Only in A ({len(result['only_a']):,})")
o1.dataframe(result["only_a"], hide_index=True, key="net_only_a")
o2.caption(f"Only in B ({len(result['only_b']):,})")
o2.dataframe(result["only_b"], hide_index=True, key="net_only_b")

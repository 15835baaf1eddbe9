"""Restoration page: which TFs move a source cell state toward a target state (grncore.restore)."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from grncore import restore as rs
from grncore.data import InputError, read_predictions, simulate
from grncore.data.preprocess import detect_scale, normalize_log1p
from grncore.network import predicted_network
from grncore.viz.restore_plots import curve_figure, network_figure, sweep_figure, target_vs_predicted
from pages import _ui

PLOT_CONFIG = {"displaylogo": False}
DEMO = "Demo: simulated two states"
SPLIT = "A saved dataset, split by a sample column"
PAIR = "Two saved datasets"


# ---------------------------------------------------------------------- cached, slider-independent
@st.cache_data(show_spinner=False, max_entries=4)
def demo_states(seed: int, normalise: bool) -> dict:
    ts = simulate.two_states(n_genes=60, n_cells=200, n_perturbed_tfs=3, seed=seed)
    ds = normalize_log1p(ts.dataset) if normalise else ts.dataset
    s, t = rs.split_states(ds)
    return {"source": s, "target": t, "truth": ds.network, "tfs": list(ds.tfs),
            "perturbed": list(ts.perturbed_tfs), "about": ts.dataset.notes[-1]}


@st.cache_data(show_spinner=False, max_entries=8)
def dataset_states(ds_id: str, column: str, source: str, target: str, normalise: bool) -> dict:
    ds = _ui.load_dataset(ds_id)
    ds = normalize_log1p(ds) if normalise else ds
    s, t = rs.split_states(ds, column, source, target)
    return {"source": s, "target": t, "truth": ds.network, "tfs": list(ds.tfs), "perturbed": None, "about": ds.name}


@st.cache_data(show_spinner=False, max_entries=8)
def paired_states(src_id: str, tgt_id: str, normalise: bool) -> dict:
    a, b = _ui.load_dataset(src_id), _ui.load_dataset(tgt_id)
    if normalise:
        a, b = normalize_log1p(a), normalize_log1p(b)
    s, t = rs.pair_states(a, b)
    return {"source": s, "target": t, "truth": b.network, "tfs": list(b.tfs), "perturbed": None,
            "about": f"{a.name} -> {b.name}"}


@st.cache_data(show_spinner=False, max_entries=16)
def problem_for(_states: dict, _grns: tuple, key: str, mode: str, th1: float, hide: tuple) -> rs.Problem:
    """``key`` names the states and GRNs (the frames themselves are not hashed)."""
    target_grn, source_grn = _grns
    return rs.prepare(_states["source"], _states["target"], target_grn, source_grn, mode=mode,
                      edge_threshold=th1, hide_genes=list(hide))


@st.cache_resource(show_spinner=False, max_entries=64)
def fit_cache(states_key: str, mode: str, relationship: str) -> dict:
    """Per-edge fits of one relationship on one pair of states (filled by `rs.fit_edges`)."""
    return {}


def fits_for(problem: rs.Problem, states: dict, states_key: str, relationship: str) -> dict:
    return rs.fit_edges(problem, relationship, states["source"], states["target"], None,
                        fit_cache(states_key, problem.mode, relationship))


@st.cache_data(show_spinner=False, max_entries=16)
def sweep_for(_problem: rs.Problem, _states: dict, states_key: str, key: str, mode: str, th1: float,
              hide: tuple) -> pd.DataFrame:
    caches = {r: fit_cache(states_key, mode, r) for r in rs.relationships_for(mode)}
    return rs.sweep(_problem, _states["source"], _states["target"], fits_cache=caches)


def read_grn(upload) -> pd.DataFrame:
    """An uploaded edge table, read once per file (kept in the session)."""
    store = st.session_state.setdefault("restore_grn_files", {})
    fid = upload.file_id
    if fid not in store:
        with _ui.workspace().staged_uploads({"grn": upload}) as paths:
            store[fid] = read_predictions(paths["grn"])
    return store[fid]


# ---------------------------------------------------------------------- states
st.title("Restoration")
st.caption("Which TFs, set to their target-state level, move the source state toward the target state? "
           "GAGER (Chowdhury et al., 2024) with nonlinear TF -> target relationships; `gager` runs the "
           "published algorithm, `corrected` a directed best-first version (see the package docs).")

ws = _ui.workspace()
records = ws.list_datasets()
names = {r.id: r.name for r in records}
with st.container(border=True):
    st.subheader("States")
    origin = st.radio("Source and target states", [DEMO, SPLIT, PAIR], horizontal=True, key="restore_origin")
    c1, c2 = st.columns([3, 1])
    normalise = c2.checkbox("Normalise + log1p", value=origin == DEMO, key=f"restore_norm_{origin}",
                            help="Library-size normalisation then log1p, for raw counts (the demo's are; "
                                 "on by default only for the demo).")
    try:
        if origin == DEMO:
            seed = c1.number_input("Demo seed", min_value=0, max_value=999, value=0, step=1, key="restore_seed")
            states = demo_states(int(seed), normalise)
            states_key = f"demo:{seed}:{normalise}"
        elif origin == SPLIT:
            ds_id = c1.selectbox("Dataset", list(names), format_func=names.get, key="restore_ds")
            ds = _ui.load_dataset(ds_id)
            cols = [c for c in ds.samples.columns if 2 <= ds.samples[c].nunique() <= 20]
            if not cols:
                st.info("This dataset has no sample column with 2-20 distinct values (e.g. `condition`). "
                        "Load one with sample metadata on the Data page, or pick two datasets.")
                st.stop()
            a, b, c = st.columns(3)
            column = a.selectbox("Column", cols, key="restore_col")
            labels = rs.state_labels(ds, column)
            src = b.selectbox("Source state", labels, key="restore_src")
            tgt = c.selectbox("Target state", labels, index=min(1, len(labels) - 1), key="restore_tgt")
            states = dataset_states(ds_id, column, src, tgt, normalise)
            states_key = f"ds:{ds_id}:{column}:{src}:{tgt}:{normalise}"
        else:
            a, b = st.columns(2)
            src_id = a.selectbox("Source dataset", list(names), format_func=names.get, key="restore_pair_src")
            tgt_id = b.selectbox("Target dataset", list(names), format_func=names.get, index=min(1, len(names) - 1),
                                 key="restore_pair_tgt")
            states = paired_states(src_id, tgt_id, normalise)
            states_key = f"pair:{src_id}:{tgt_id}:{normalise}"
    except InputError as exc:
        st.error(_ui.md(exc))
        st.stop()
    s_df, t_df = states["source"], states["target"]
    scale = "normalised + log1p" if normalise else f"as given ({detect_scale(pd.concat([s_df, t_df], axis=1)).kind})"
    st.caption(f"{s_df.shape[0]} genes · source {s_df.shape[1]} samples · target {t_df.shape[1]} samples · "
               f"values {scale} · {_ui.md(states['about'])}")
    if states["perturbed"]:
        st.info("Known answer: the target state was made by perturbing "
                + ", ".join(f"**{_ui.md(g)}**" for g in states["perturbed"]) + ".")

# ---------------------------------------------------------------------- GRNs
def start_inference(states: dict, method: str) -> tuple[str, str]:
    """Store each state as a dataset and queue a discovery run of ``method`` on it (target, source)."""
    ws, jobs = _ui.workspace(), _ui.jobs()
    run_ids = []
    for role in ("target", "source"):
        ds_state = rs.state_dataset(states[role], tfs=states["tfs"], name=f"{states['about']} · {role} state")
        run_ids.append(jobs.submit(ws.save_dataset(ds_state), method, "discovery"))
    return tuple(run_ids)


@st.cache_data(show_spinner=False, max_entries=8)
def inferred_grn(run_id: str) -> pd.DataFrame:
    ws = _ui.workspace()
    return rs.grn_of_scores(predicted_network(ws, run_id), _ui.load_dataset(ws.get_run(run_id).dataset_id).n_genes)


def inference_progress(run_ids: tuple[str, str]):
    """The two inferred GRNs (target, source) once both runs are done; until then their progress,
    polled every second (the runs go on if the user leaves the page)."""
    ws = _ui.workspace()
    rows = [ws.get_run(r) for r in run_ids]
    failed = [r for r in rows if r.status in ("failed", "cancelled", "interrupted")]
    if failed:
        raise InputError(f"inferring the {', '.join(r.dataset_name for r in failed)} GRN {failed[0].status}: "
                         f"{failed[0].message}", where="GRNs", fix="infer again, or upload the GRNs")
    if all(r.status == "done" for r in rows):
        grns = tuple(inferred_grn(r) for r in run_ids)
        st.caption(f"{len(grns[0])} edges per state (the 3 x genes highest {_ui.md(rows[0].method)} scores of each "
                   "state's discovery run).")
        return grns

    @st.fragment(run_every=1.0)
    def progress() -> None:
        jobs = _ui.jobs()
        now = [ws.get_run(r) for r in run_ids]
        if all(r.finished for r in now):
            st.rerun(scope="app")
        for r in now:
            live = jobs.state(r.id) or {"fraction": 0.0, "message": r.status}
            st.progress(live["fraction"], text=_ui.md(f"{r.dataset_name}: {live['message'] or r.status}"))

    progress()
    return None


TRUTH, ONE, TWO, INFER = ("The dataset's network, for both states", "Upload one GRN for both states",
                          "Upload a GRN per state", "Infer a GRN per state here")
with st.container(border=True):
    st.subheader("GRNs")
    choices = ([TRUTH] if states["truth"] is not None else []) + [ONE, TWO, INFER]
    grn_origin = st.radio("GRNs", choices, horizontal=True, key="restore_grn_origin", label_visibility="collapsed")
    grns = None
    try:
        if grn_origin == TRUTH:
            grns, grn_key = (states["truth"], None), "truth"
        elif grn_origin == ONE:
            up = st.file_uploader("GRN (TF,target,importance; BEELINE rankedEdges; predictions.csv)",
                                  type=["csv", "tsv", "txt", "gz"], key="restore_up_one")
            if up is not None:
                grns, grn_key = (read_grn(up), None), f"one:{up.file_id}"
        elif grn_origin == TWO:
            a, b = st.columns(2)
            up_s = a.file_uploader("Source-state GRN", type=["csv", "tsv", "txt", "gz"], key="restore_up_src")
            up_t = b.file_uploader("Target-state GRN", type=["csv", "tsv", "txt", "gz"], key="restore_up_tgt")
            if up_s is not None and up_t is not None:
                grns = (read_grn(up_t), read_grn(up_s))
                grn_key = f"two:{up_s.file_id}:{up_t.file_id}"
        else:
            a, b = st.columns([2, 1])
            method = a.selectbox("Method (run on each state's samples)", rs.UNSUPERVISED, key="restore_infer_method")
            inferring = st.session_state.setdefault("restore_inferring", {})
            ikey = f"{states_key}:{method}"
            if b.button("Infer GRNs", key="restore_infer", type="primary",
                        help="Two background discovery runs, one per state (listed on the Training page too)."):
                inferring[ikey] = start_inference(states, method)
            if ikey in inferring:
                grns = inference_progress(inferring[ikey])
                grn_key = f"inferred:{':'.join(inferring[ikey])}"
    except InputError as exc:
        st.error(_ui.md(exc))
        st.stop()
    if grns is None:
        st.info("Give the GRN(s) above to continue (inferred GRNs: once both runs are done).")
        st.stop()

# ---------------------------------------------------------------------- controls
with st.container(border=True):
    st.subheader("Settings")
    a, b, c, d = st.columns(4)
    th2 = a.slider("Stopping threshold th2", 0.05, 1.0, 0.35, 0.05, key="restore_th2",
                   help="Stop once the remaining difference is below th2 x the initial one.")
    th1 = b.slider("Edge threshold th1", 0.0, 0.9, 0.1, 0.05, key="restore_th1",
                   help="Keep GRN edges whose importance / the GRN's maximum is above th1.")
    mode = c.radio("Mode", rs.MODES, index=1, key="restore_mode", horizontal=True,
                   help="gager: as published (state means, every node a candidate, single pass). "
                        "corrected: directed, regulators only, best first, per-cell fits.")
    rels = list(rs.relationships_for(mode))
    relationship = d.selectbox("Relationship", rels, index=rels.index(rs.DEFAULT_RELATIONSHIP[mode]),
                               format_func=rs.LABELS.get, key=f"restore_rel_{mode}",
                               help="Default: hill (corrected; best on the DREAM4 knockout validation), "
                                    "linear (gager, as published).")
    genes_in_grn = sorted(set(grns[0].iloc[:, 0].astype(str)) | set(grns[0].iloc[:, 1].astype(str)))
    hide = tuple(st.multiselect("Hide genes from the objective (still choosable)",
                                [g for g in genes_in_grn if g in s_df.index], key="restore_hide"))

key = f"{states_key}|{grn_key}"
try:
    if hide:  # a th1 change can drop an offered gene from the difference network: leave it out, say so
        in_network = problem_for(states, grns, key, mode, th1, ()).graph
        dropped = [h for h in hide if h not in in_network]
        if dropped:
            st.info(_ui.md(f"Not in the difference network at this edge threshold, so not hidden: {', '.join(dropped)}"))
        hide = tuple(h for h in hide if h in in_network)
    problem = problem_for(states, grns, key, mode, th1, hide)
    fits = fits_for(problem, states, states_key, relationship)
    result = rs.run(problem, fits, th2, relationship=relationship)
except InputError as exc:
    st.error(_ui.md(exc))
    st.stop()

# ---------------------------------------------------------------------- results
st.subheader("Result")
m1, m2, m3, m4 = st.columns(4)
m1.metric("Initial difference D0", f"{result.initial_difference:.4g}")
m2.metric("Remaining difference", f"{result.final_difference:.4g}",
          delta=f"{(result.final_difference / result.initial_difference - 1) * 100:.1f}%" if result.initial_difference else None,
          delta_color="inverse")
m3.metric("TFs restored", len(result.chosen))
m4.metric("Difference network genes · edges", f"{problem.graph.number_of_nodes()} · {problem.graph.number_of_edges()}")
for note in result.notes:
    st.caption(_ui.md(note))
if states["perturbed"]:
    hit = set(result.chosen_genes) & set(states["perturbed"])
    st.caption(f"Against the known answer: precision {len(hit) / max(len(result.chosen), 1):.2f}, "
               f"recall {len(hit) / len(states['perturbed']):.2f}.")

chosen = pd.DataFrame(result.chosen, columns=["gene", "difference_after"])
chosen.insert(0, "step", range(1, len(chosen) + 1))
left, right = st.columns([1, 2])
left.markdown("**Chosen TFs, in order**")
left.dataframe(chosen, hide_index=True,
               column_config={"difference_after": st.column_config.NumberColumn("D after", format="%.4g")})
right.plotly_chart(curve_figure(result.curve()), key="restore_curve", config=PLOT_CONFIG)

genes = result.genes.assign(gap=(result.genes["target"] - result.genes["source"]).abs())
genes = genes.sort_values("gap", ascending=False, kind="stable").drop(columns="gap")
left, right = st.columns([1, 1])
left.markdown("**Per gene**")
left.dataframe(genes, hide_index=True, column_config={
    c: st.column_config.NumberColumn(format="%.4g") for c in ("source", "target", "predicted", "gap_closed")})
right.plotly_chart(target_vs_predicted(result.genes), key="restore_scatter", config=PLOT_CONFIG)

st.plotly_chart(network_figure(result.graph, result.genes, result.chosen_genes), key="restore_network",
                config=PLOT_CONFIG)
with st.expander("Every candidate's difference if it alone were restored first; per-edge fits"):
    a, b = st.columns(2)
    cands = pd.DataFrame(result.candidates, columns=["gene", "first_step_difference"])
    a.dataframe(cands, hide_index=True)
    fits_tab = result.fits.assign(params=result.fits["params"].map(lambda p: json.dumps({k: round(v, 4) for k, v in p.items()})))
    b.dataframe(fits_tab, hide_index=True)

st.subheader("Threshold sweep (th2 from 90% to 10%), every relationship")
with st.spinner("Sweeping thresholds..."):
    table = sweep_for(problem, states, states_key, key, mode, th1, hide)
summary = rs.sweep_summary(table, result.initial_difference)
cols = st.columns(3)
for col, value in zip(cols, ("difference", "n_tfs", "product")):
    col.plotly_chart(sweep_figure(table, value), key=f"restore_sweep_{value}", config=PLOT_CONFIG)
st.markdown("**Best relationship per threshold**: the lowest D x TFs among relationships that reached the "
            "threshold; where none did (`reached` off), the lowest remaining D.")
st.dataframe(summary.assign(best_relationship=summary["best_relationship"].map(lambda r: rs.LABELS.get(r, r))),
             hide_index=True)

settings = {"states": states_key, "grns": grn_key, "mode": mode, "relationship": relationship, "threshold": th2,
            "edge_threshold": th1, "hide_genes": list(hide), "chosen": result.chosen_genes,
            "initial_difference": result.initial_difference, "final_difference": result.final_difference}
d = st.columns(6)
d[0].download_button("Chosen TFs (CSV)", chosen.to_csv(index=False), "restoration_chosen.csv", "text/csv")
d[1].download_button("Per gene (CSV)", genes.to_csv(index=False), "restoration_genes.csv", "text/csv")
d[2].download_button("Candidates (CSV)", cands.to_csv(index=False), "restoration_candidates.csv", "text/csv")
d[3].download_button("Edge fits (CSV)", fits_tab.to_csv(index=False), "restoration_fits.csv", "text/csv")
d[4].download_button("Sweep (CSV)", table.to_csv(index=False), "restoration_sweep.csv", "text/csv")
d[5].download_button("Settings (JSON)", json.dumps(settings, indent=1), "restoration_settings.json",
                     "application/json")

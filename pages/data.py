"""Data page: choose or load a dataset, preprocess it, and look at it."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from grncore.data import InputError, load, simulate
from grncore.data.catalog import find_datasets
from grncore.data.preprocess import detect_scale, preprocess, selection_of
from grncore.viz import data_plots
from pages import _start, _ui

SIMULATORS = {
    "Demo: single-cell trajectory (100 genes)": "demo",
    "Single-cell trajectory": "single_cell",
    "Time series (DREAM4 protocol)": "time_series",
    "Two states (restoration demo)": "two_states",
}
UPLOAD_TYPES = ["csv", "tsv", "txt", "gz", "h5ad"]
FORMATS = ["auto", "beeline", "dream4", "csv", "h5ad"]
ORIENTATIONS = {"Detect": "auto", "Genes are rows": "genes_rows", "Genes are columns": "genes_columns"}
GENE_SELECTION = {"keep all genes": None, "TFs + 500": 500, "TFs + 1000": 1000}
LOAD_SELECTION_HELP = ("BEELINE selection while reading (raw counts are normalised + log1p first): a sparse "
                       ".h5ad then becomes dense for the selected genes only")

ws = _ui.workspace()
st.title("Data")
_start.header()
st.caption("Load expression data with its ground-truth network, or start from a simulated dataset "
           "with known truth. A loaded dataset is stored in the workspace; the uploaded files are not kept.")

sources = ["Simulated", "Upload files", "Saved datasets"]
if _ui.data_dir():
    sources.append("Server folder")
source = st.radio("Source", sources, horizontal=True, key="data_source", label_visibility="collapsed")


def _loaded(ds, what: str) -> None:
    _ui.add_dataset(ds)
    st.session_state["data_flash"] = f"{what}: {ds.name}"
    st.rerun()


if source == "Simulated":
    with st.form("simulate"):
        label = st.selectbox("Simulator", list(SIMULATORS), key="sim_kind", help="Hill-kinetics GRN with known truth; see grncore.data.simulate.")
        c1, c2, c3 = st.columns(3)
        n_genes = c1.number_input("Genes", 10, 2000, 100, step=10, key="sim_genes")
        n_cells = c2.number_input("Cells (single-cell, two states)", 50, 10000, 400, step=50,
                                  help="The demo has a fixed size: 100 genes x 400 cells.")
        seed = c3.number_input("Seed", 0, 2**31 - 1, 0)
        go = st.form_submit_button("Generate", type="primary")
    if go:
        kind = SIMULATORS[label]
        with st.spinner("Simulating..."):
            if kind == "demo":
                ds = simulate.demo(seed=int(seed))
            elif kind == "single_cell":
                ds = simulate.single_cell(n_genes=int(n_genes), n_cells=int(n_cells), seed=int(seed))
            elif kind == "time_series":
                ds = simulate.time_series(n_genes=int(n_genes), seed=int(seed))
            else:
                ds = simulate.two_states(n_genes=int(n_genes), n_cells=int(n_cells), seed=int(seed)).dataset
        _loaded(ds, "Simulated")

elif source == "Upload files":
    with st.form("upload"):
        st.markdown("Expression: genes x samples (or samples x genes) as CSV/TSV, optionally gzipped, "
                    "or an AnnData `.h5ad`. The network, TF list and sample metadata are optional.")
        expr_file = st.file_uploader("Expression", type=UPLOAD_TYPES, key="up_expression")
        c1, c2 = st.columns(2)
        net_file = c1.file_uploader("Ground-truth network (regulator, target[, sign])", type=UPLOAD_TYPES[:-1], key="up_network")
        tf_file = c2.file_uploader("TF list (one per line or a TF column)", type=UPLOAD_TYPES[:-1], key="up_tfs")
        meta_file = c1.file_uploader("Sample metadata (pseudotime / time / condition)", type=UPLOAD_TYPES[:-1], key="up_metadata")
        fmt = c2.selectbox("Format", FORMATS, key="up_format", help="auto detects BEELINE, DREAM4 time series, generic tables and h5ad")
        orient = c2.radio("Orientation of a generic table", list(ORIENTATIONS), horizontal=True)
        name = st.text_input("Name (optional)", max_chars=120)
        up_top = GENE_SELECTION[st.selectbox("Gene selection while loading", list(GENE_SELECTION), key="up_select", help=LOAD_SELECTION_HELP)]
        submitted = st.form_submit_button("Load", type="primary")
    if submitted:
        if expr_file is None:
            st.error("Choose an expression file first.")
        else:
            files = {"expression": expr_file, "network": net_file, "tfs": tf_file, "metadata": meta_file}
            try:
                with st.spinner("Reading and validating..."), ws.staged_uploads(files) as paths:
                    ds = load(paths["expression"], network=paths["network"], tfs=paths["tfs"],
                              metadata=paths["metadata"], format=fmt, orientation=ORIENTATIONS[orient],
                              name=name.strip() or Path(expr_file.name).name,
                              normalize="auto" if up_top else "no", n_top_genes=up_top)
                    ds = ds.replace(source=_ui.without_folders(ds.source, [p.parent for p in paths.values() if p]))
            except InputError as exc:
                st.error(_ui.md(exc), icon=":material/error:")
            else:
                _loaded(ds, "Loaded")

elif source == "Saved datasets":
    records = ws.list_datasets()
    by_id = {r.id: r for r in records}
    ids = list(by_id)
    current = st.session_state.get(_ui.ACTIVE_KEY)
    chosen = st.selectbox("Dataset", ids, key="saved_pick", format_func=lambda i: by_id[i].label,
                          index=ids.index(current) if current in ids else 0)
    c1, c2, _ = st.columns([1, 1, 4])
    if c1.button("Make active", type="primary", disabled=chosen is None):
        _ui.set_active(chosen)
        st.rerun()
    if c2.button("Delete", disabled=chosen is None or len(records) < 2,
                 help="Removes the stored copy from the workspace (at least one dataset stays)."):
        ws.delete_dataset(chosen)
        st.session_state.pop(_ui.ACTIVE_KEY, None)
        st.rerun()

elif source == "Server folder":
    root = Path(_ui.data_dir()).resolve()  # the catalog lists resolved paths (a linked folder too)
    found = find_datasets(root)
    if not found:
        st.info("No dataset folders or .h5ad files were found in the server data folder.")
    else:
        pick = st.selectbox("Dataset in the server data folder", found, format_func=lambda p: str(p.relative_to(root)))
        srv_top = GENE_SELECTION[st.selectbox("Gene selection while loading", list(GENE_SELECTION), key="srv_select", help=LOAD_SELECTION_HELP)]
        if st.button("Load", type="primary"):
            try:
                with st.spinner("Reading and validating..."):
                    ds = load(pick, name=str(pick.relative_to(root)), normalize="auto" if srv_top else "no",
                              n_top_genes=srv_top)
                    ds = ds.replace(source=_ui.without_folders(ds.source, [root]))
            except InputError as exc:
                st.error(_ui.md(exc), icon=":material/error:")
            else:
                _loaded(ds, "Loaded")

flash = st.session_state.pop("data_flash", None)
if flash:
    st.success(_ui.md(flash), icon=":material/check_circle:")

# ---------------------------------------------------------------- the active dataset
ds_id, ds = _ui.active_dataset()
st.divider()
st.subheader(_ui.md(ds.name))
st.caption(f"{ds.kind.replace('_', ' ')} · {_ui.md(ds.source) or 'no source recorded'} · id `{ds_id}`")
cols = st.columns(5)
cols[0].metric("Genes", f"{ds.n_genes:,}")
cols[1].metric("Samples", f"{ds.n_samples:,}")
cols[2].metric("True edges", f"{ds.n_edges:,}")
cols[3].metric("Density", f"{ds.density:.2%}" if ds.network is not None else "-",
               help="true edges / candidate pairs (TFs x genes without self-loops)")
cols[4].metric("TFs", f"{len(ds.tfs):,}")
selection = selection_of(ds)
if selection is not None:
    tfs_kept = (f"{selection.tfs_kept:,} of {selection.tfs_in:,} TFs kept" if selection.tfs_in
                else "no TF list")
    st.markdown(f"**Gene selection:** {selection.genes_kept:,} of {selection.genes_in:,} genes selected · "
                f"{tfs_kept} · {_ui.md(selection.method)}")
for note in ds.notes:
    st.info(_ui.md(note), icon=":material/info:")
if ds.network is None:
    st.warning("This dataset has no ground-truth network: predictions can be made but not evaluated.")

scale = detect_scale(ds.expression)
with st.expander(f"Preprocessing · values look like **{scale.kind}**", expanded=False):
    st.caption(_ui.md(scale.reason))
    with st.form("preprocess"):
        c1, c2 = st.columns(2)
        norm = c1.radio("Library-size normalisation + log1p", ["auto", "yes", "no"], horizontal=True, key="pp_normalize",
                        help="auto: only when the values look like raw counts")
        top = c2.selectbox("Gene selection (BEELINE)", list(GENE_SELECTION),
                           help="all significantly varying TFs plus the N most variable genes")
        apply = st.form_submit_button("Apply to a copy")
    if apply:
        n_top = GENE_SELECTION[top]
        normalise = norm == "yes" or (norm == "auto" and scale.kind == "counts")
        steps = (["log1p"] if normalise else []) + ([top] if n_top else [])
        if not steps:
            st.info("Nothing to do with these choices: the values are not raw counts and all genes are kept.")
        else:
            try:
                with st.spinner("Preprocessing..."):
                    new = preprocess(ds, normalize=norm, n_top_genes=n_top)
            except InputError as exc:
                st.error(_ui.md(exc))
            else:
                _loaded(new.replace(name=f"{ds.name} · {' · '.join(steps)}"), "Preprocessed")

tabs = st.tabs(["Expression", "Variable genes", "Degrees", "Network", "Samples"])
with tabs[0]:
    st.plotly_chart(data_plots.expression_histogram(ds), key="fig_hist")
with tabs[1]:
    st.plotly_chart(data_plots.variable_genes_heatmap(ds), key="fig_heatmap")
with tabs[2]:
    if ds.network is None:
        st.info("No ground truth loaded.")
    else:
        st.plotly_chart(data_plots.degree_histograms(ds), key="fig_degree")
with tabs[3]:
    if ds.network is None:
        st.info("No ground truth loaded.")
    else:
        st.plotly_chart(data_plots.network_preview(ds), key="fig_network")
        st.dataframe(_ui.readable_network(ds.network.head(1000)), hide_index=True, height=260)
        st.download_button("Download network (CSV)", data=lambda: ds.network.to_csv(index=False),
                           file_name=f"{ds_id}_network.csv", mime="text/csv")
with tabs[4]:
    if ds.samples.shape[1] == 0:
        st.info("No sample metadata was given (pseudotime, time or condition per sample), so there is nothing "
                f"to show here beyond the {ds.n_samples:,} sample names. Add a metadata file when loading to use it.")
    else:
        st.dataframe(ds.samples.head(2000), height=300)
    st.download_button("Download expression (CSV)", data=lambda: ds.expression.to_csv(),
                       file_name=f"{ds_id}_expression.csv", mime="text/csv")

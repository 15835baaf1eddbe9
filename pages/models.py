"""Models page: choose a split and methods with their parameters, then start background runs."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from grncore import methods
from grncore.bench import splits as splitting
from grncore.bench.folds import FOLD_OPTION, fold_splits, n_folds
from grncore.data import InputError
from grncore.parallel import SCHEDULER_ENV, env_scheduler
from pages import _ui

ds_id, ds = _ui.active_dataset()
st.title("Models")
st.caption(f"Dataset: **{_ui.md(ds.name)}** · {ds.n_genes} genes · {ds.n_samples} samples · "
           f"{ds.n_edges} true edges · device for deep models: {_ui.md(_ui.device_choice())}")

if ds.network is None:
    st.warning("This dataset has no ground-truth network, so runs cannot be evaluated: only the discovery "
               "split (unsupervised methods, for the Network page) is offered. Load a network on the Data "
               "page to evaluate.")

# ---------------------------------------------------------------- split
st.subheader("1 · Split")
split_names = [n for n, s in splitting.SPLITS.items()
               if not s.multi_dataset and (ds.network is not None or n == "discovery")]
first = "unsupervised" if ds.network is not None else "discovery"
c1, c2, c3 = st.columns([3, 1, 1])
split = c1.selectbox("Split", split_names, key="split_name",
                     index=split_names.index(_ui.kept("split_name", first) if _ui.kept("split_name", first) in split_names else first),
                     format_func=lambda n: n if n == splitting.SPLITS[n].protocol else f"{n} ({splitting.SPLITS[n].protocol})",
                     help=" · ".join(f"{n}: {t}" for n, t in _ui.SPLIT_HELP.items() if n in split_names))
seed = int(c2.number_input("Seed", 0, 2**31 - 1, _ui.kept("split_seed", 0), key="split_seed",
                           help="The same seed gives the same test pairs (and folds), so runs are comparable."))
_ui.keep("split_name", split)
_ui.keep("split_seed", seed)
fold_option = FOLD_OPTION.get(split)
split_options: dict = {}
if fold_option:
    label = "Folds" if fold_option == "folds" else "Repeats"
    k = int(c3.number_input(
        label, 1, 20, _ui.kept(f"split_{fold_option}", 5), key=f"split_{fold_option}",
        help=("Train once per fold; every regulator (tf_disjoint) or gene (gene_disjoint) is held out in exactly "
              "one fold. Results show the fold mean ± sd and 95% intervals. 1 = a single split (code name: folds)."
              if fold_option == "folds" else
              "Draw the split this many times with seeds seed, seed+1, ...; results show mean ± sd and 95% "
              "intervals. 1 = a single split (code name: repeats).")))
    _ui.keep(f"split_{fold_option}", k)
    if k > 1:
        split_options[fold_option] = k
spec_split = splitting.SPLITS[split]
st.markdown(_ui.SPLIT_HELP.get(split) or _ui.md(spec_split.description))  # our own text: Markdown kept
if spec_split.protocol == "in-sample":
    st.info("Discovery is for exploring, not evaluating: it scores every candidate pair after training on "
            "everything known, so any figure against the ground truth is in-sample. Explore the result on the "
            "Network page; evaluate with the other splits.")
if spec_split.protocol == "optimistic":
    st.warning("Optimistic protocol: both ends of almost every test pair were seen in training, so node "
               "degree alone scores well here. Compare against the `degree` sentinel, and against an honest split.")


@st.cache_data(show_spinner="Building the split...", max_entries=8)
def _split_summary(ds_id: str, split: str, seed: int, options_json: str):
    options = json.loads(options_json)
    ds = _ui.load_dataset(ds_id)
    try:
        parts = fold_splits(ds, split, seed, options) if n_folds(split, options) else [splitting.make_split(ds, split, seed=seed)]
    except InputError as exc:
        return None, str(exc)
    rows = []
    for i, sp in enumerate(parts):
        for part, counts in sp.summary().iterrows():
            rows.append({"fold": i + 1, "part": part, **counts.to_dict()})
    table = pd.DataFrame(rows)
    if len(parts) == 1:
        table = table.drop(columns="fold")
    return table, parts[0].info.get("note", "")


summary, note = _split_summary(ds_id, split, seed, json.dumps(split_options, sort_keys=True))
if summary is None:
    st.error(_ui.md(note))
    st.stop()
with st.expander("Sizes of train / val / test" + (f" in each of the {split_options[fold_option]} "
                                                  f"{fold_option}" if split_options else ""),
                 expanded=not split_options):
    st.caption(_ui.SIZES_HELP.get(split, ""))
    st.dataframe(summary, hide_index=True, column_config={
        "positive_rate": st.column_config.NumberColumn("positive rate", format="%.3f",
                                                       help="share of true edges among the pairs (code name: positive_rate)")})
if note:
    st.info(_ui.md(note))

# ---------------------------------------------------------------- methods
st.subheader("2 · Methods")
def _why_not(spec) -> str | None:
    """Why a method is not offered for this dataset and split (None when it is)."""
    reason = spec.unavailable(ds)
    if reason is None and spec.supervised and ds.network is None:
        reason = "supervised: needs a ground-truth network"
    elif reason is None and spec.supervised and split == "unsupervised":
        reason = "supervised: needs a split with training pairs"
    return reason


catalog = methods.catalog()
why = {n: _why_not(methods.REGISTRY[n]) for n in catalog["method"]}
usable = {n: methods.REGISTRY[n] for n in catalog["method"] if why[n] is None}
group_of = dict(zip(catalog["method"], catalog["group"]))
with st.expander(f"All {len(catalog)} methods, grouped by family ({len(usable)} offered for this dataset and split)"):
    table = catalog[["group", "method"]].assign(
        offered=[why[n] or "yes" for n in catalog["method"]],
        **{"expected time": [methods.time_estimate(methods.REGISTRY[n], ds) for n in catalog["method"]]},
        description=catalog["description"])
    st.dataframe(table, hide_index=True, width="stretch", height=36 * (len(table) + 2), column_config={
        "group": st.column_config.TextColumn(width=170), "method": st.column_config.TextColumn(width=95),
        "offered": st.column_config.TextColumn(width=240),
        "expected time": st.column_config.TextColumn(width=120, help="all candidate pairs, default parameters")})
default = [m for m in _ui.kept("methods_chosen", ("pearson", "spearman", "degree", "random")) if m in usable]
chosen = st.multiselect("Methods to run", list(usable), default=default, key="methods_chosen",
                        format_func=lambda n: f"{n} · {group_of[n]}",
                        help="Listed by group: unsupervised methods (no training; also for data without a "
                             "ground truth), supervised ones (trained on the split's training pairs), sentinels.")
_ui.keep("methods_chosen", list(chosen))
by_reason: dict[str, list[str]] = {}
for n in catalog["method"]:
    if why[n] is not None:
        by_reason.setdefault(why[n], []).append(n)
if by_reason:
    st.caption("Not offered for this dataset and split: " +
               "; ".join(f"{', '.join(names)} ({reason})" for reason, names in by_reason.items()) + ".")
if any(usable[m].supervised for m in chosen) and "degree" in usable and "degree" not in chosen:
    chosen.append("degree")
    st.info("The `degree` sentinel runs next to supervised models: a model's headline is its lift over it.")

params: dict[str, dict] = {}
for name in chosen:
    spec = usable[name]
    with st.expander(f"{name} — {spec.description}", expanded=False):
        st.caption(f"Reference: {_ui.md(spec.reference)}")
        per = f" per fold, × {split_options[fold_option]}" if split_options and spec.supervised else ""
        st.caption(f"Expected time: {_ui.md(methods.time_estimate(spec, ds))}{per}")
        params[name] = _ui.param_widgets(spec, key=f"params.{name}")

# ---------------------------------------------------------------- start
st.subheader("3 · Run")
dask_scheduler = None
if env_scheduler() and any(usable[m].family == "trees" for m in chosen):
    if st.checkbox(f"Run on the Dask cluster at {env_scheduler()}", key="run_on_dask",
                   help="genie3 / grnboost2 fit their targets on the cluster's workers (same scores as "
                        f"here); other methods run here. The address comes from {SCHEDULER_ENV}."):
        dask_scheduler = env_scheduler()
if st.button(f"Start {len(chosen)} run{'s' if len(chosen) != 1 else ''}", type="primary", disabled=not chosen):
    started, errors = [], []
    for name in chosen:
        try:
            methods.validate_params(usable[name], params.get(name, {}))
            started.append(_ui.jobs().submit(ds_id, name, split, seed=seed, params=params.get(name, {}),
                                             split_options=split_options, device=_ui.device_choice(),
                                             dask_scheduler=dask_scheduler))
        except InputError as exc:
            errors.append(f"{name}: {exc}")
    for e in errors:
        st.error(_ui.md(e))
    if started:
        st.success(f"Queued {len(started)} run(s). Follow them on the Training page; results appear on the "
                   "Evaluation page.")
        st.page_link("pages/training.py", label="Go to Training", icon=":material/monitoring:")

"""Shared page helpers: the workspace, the active dataset, the sidebar, safe text.

Not a page itself (app.py lists the pages). Everything that computes lives in grncore.
"""

from __future__ import annotations

import os
import re
import sys

import streamlit as st

from grncore.data import Dataset, simulate
from grncore.jobs import Workspace

ACTIVE_KEY = "active_dataset"
URL_KEY = "dataset"  # ?dataset=<id>: the tab's active dataset, kept over a reload or in a bookmark


def _use_app_navigation() -> None:
    """Streamlit treats a ``pages/`` folder as a v1 multipage app until app.py has called
    ``st.navigation`` once in this server process; a first request straight to a page URL (a
    bookmark after a restart) would then run that page alone, without the sidebar and with
    file-name navigation. Leave that mode and rerun: the rerun goes through app.py, whose
    navigation resolves the same URL to the same page.

    Called by `workspace` (the first thing every page asks for), never while this module is
    imported: a rerun raised inside the import would make it fail, and Python then fails every
    other session's import of this module that waited on it (several tabs reconnecting to a
    restarted server at once got "cannot import name '_ui' from 'pages'")."""
    global _NAVIGATION_CHECKED
    if _NAVIGATION_CHECKED:  # once per process, as when it ran on import
        return
    _NAVIGATION_CHECKED = True
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


_NAVIGATION_CHECKED = False


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

    _use_app_navigation()
    return _workspace(str(workspace_path()))


@st.cache_resource(show_spinner=False, max_entries=6)
def _load(root: str, dataset_id: str) -> Dataset:
    return _workspace(root).load_dataset(dataset_id)


def load_dataset(dataset_id: str) -> Dataset:
    ws = workspace()
    return _load(str(ws.root), dataset_id)


def set_active(dataset_id: str) -> None:
    """Make ``dataset_id`` the active dataset of this session (and of this tab's URL, see
    `active_dataset`) and the workspace default."""
    st.session_state[ACTIVE_KEY] = dataset_id
    st.query_params[URL_KEY] = dataset_id
    workspace().set_setting(ACTIVE_KEY, dataset_id)


def add_dataset(ds: Dataset) -> str:
    """Store ``ds`` in the workspace, make it active, return its id."""
    ds_id = workspace().save_dataset(ds)
    set_active(ds_id)
    return ds_id


def active_dataset() -> tuple[str, Dataset]:
    """The active dataset: this session's choice, else the one in the tab's URL
    (``?dataset=<id>``), else the workspace's last one, else the built-in demo (simulated and
    stored on first start so the app is useful at once).

    Several users share one server and workspace, and a reload or a bookmark starts a new session:
    without the URL it would open on whatever dataset another user made active last. Streamlit
    drops the query string on a page switch, so every run writes it back."""
    ws = workspace()
    known = {r.id for r in ws.list_datasets()}
    ds_id = st.session_state.get(ACTIVE_KEY)
    if ds_id not in known:
        ds_id = st.query_params.get(URL_KEY)
    if ds_id not in known:
        ds_id = ws.get_setting(ACTIVE_KEY)
    if ds_id not in known:
        with st.spinner("Preparing the built-in demo dataset..."):
            ds_id = ws.save_dataset(simulate.demo(seed=0))
    if st.session_state.get(ACTIVE_KEY) != ds_id:
        set_active(ds_id)
    elif st.query_params.get(URL_KEY) != ds_id:
        st.query_params[URL_KEY] = ds_id
    return ds_id, load_dataset(ds_id)


@st.cache_resource(show_spinner=False)
def page_icon():
    """The tab icon, drawn here: a small network (hub and spokes) in the theme colour. Streamlit
    turns a ``:material/...:`` or emoji page icon into a font-CDN or emoji-CDN URL, and the app
    makes no request outside its own server."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    hub, spokes = (32, 32), [(10, 12), (54, 10), (56, 46), (12, 54), (34, 58)]
    for x, y in spokes:
        draw.line([hub, (x, y)], fill="#2a6f97", width=4)
    for x, y in spokes:
        draw.ellipse([x - 6, y - 6, x + 6, y + 6], fill="#61a5c2")
    draw.ellipse([hub[0] - 10, hub[1] - 10, hub[0] + 10, hub[1] + 10], fill="#2a6f97")
    return img


def without_folders(text: str, folders) -> str:
    """``text`` (a dataset's provenance) with the server's folders taken out, so that a shared lab
    server shows uploaded file names and paths relative to its data folder, never its file system."""
    for folder in folders:
        text = text.replace(f"{folder}{os.sep}", "")
    return text


def data_dir() -> str | None:
    """The server-side data folder named by ``GRN_DATA_DIR`` (set by a lab's admin), if any."""
    path = os.environ.get("GRN_DATA_DIR")
    return path if path and os.path.isdir(path) else None


@st.cache_data(show_spinner=False)
def _device_choices(torch_loaded: bool) -> list[str]:
    from grncore.train import hardware

    return ["auto", *hardware.choices()]


@st.cache_data(show_spinner=False)
def _device_text(choice: str, torch_loaded: bool) -> str:
    from grncore.train import hardware

    return hardware.describe(choice)


def kept(key: str, default):
    """The value the widget ``key`` had when the user last left the page (else ``default``).
    Streamlit forgets a widget's value when a run does not draw it (another page was open), so
    pages that keep their choices create widgets with ``kept(key, default)`` as the default and
    record them with `keep`."""
    return st.session_state.get("_kept", {}).get(key, default)


def keep(key: str, value):
    """Remember ``value`` as widget ``key``'s choice (see `kept`); returns ``value``."""
    st.session_state.setdefault("_kept", {})[key] = value
    return value


def sidebar() -> None:
    """The sidebar every page shares: active dataset, compute device, workspace."""
    with st.sidebar:
        ds_id, ds = active_dataset()
        st.caption("Active dataset")
        st.markdown(f"**{md(ds.name)}**  \n{ds.n_genes} genes · {ds.n_samples} samples · {ds.n_edges} edges")
        st.divider()
        # named without importing torch (seconds, hundreds of MB) until a torch model has run here
        torch_loaded = "torch" in sys.modules
        choice = st.selectbox("Compute device", _device_choices(torch_loaded), key="device",
                              help="Where torch models train: auto picks CUDA, then Apple MPS, then CPU.")
        st.caption(f"Using: {md(_device_text(choice, torch_loaded))}")
        ws = workspace()
        st.caption(f"Workspace: {len(ws.list_datasets())} dataset(s) · {ws.count_runs()} run(s)")


@st.cache_resource(show_spinner=False)
def _jobs(root: str):
    from grncore.jobs.manager import JobManager

    return JobManager(_workspace(root))


def jobs():
    """The process-wide job manager (one per server; shared by all sessions and tabs)."""
    return _jobs(str(workspace().root))


def device_choice() -> str:
    """The compute device chosen in the sidebar ("auto" until the user picks one)."""
    return st.session_state.get("device", "auto")


def readable_network(net):
    """The network table as shown: ``sign`` as activation / repression / unknown (0 means not
    given) and a missing ``weight`` as "unknown" instead of ``0`` and ``None``."""
    import pandas as pd

    out = net.copy()
    if "sign" in out:
        out["sign"] = out["sign"].map({1: "activation", -1: "repression"}).fillna("unknown")
    if "weight" in out:
        out["weight"] = out["weight"].map(lambda w: "unknown" if pd.isna(w) else f"{w:.3g}")
    return out


def fmt_seconds(seconds: float | None) -> str:
    """"42 s", "3 min 5 s", "1 h 2 min"; "-" for None."""
    if seconds is None:
        return "-"
    s = int(round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60} s"
    return f"{s // 3600} h {s % 3600 // 60} min"


PARAM_LABELS = {
    "ae_epochs": "autoencoder epochs", "ae_hidden": "autoencoder hidden units", "ae_lr": "autoencoder learning rate",
    "alpha": "regularisation (alpha)", "batch_size": "batch size", "bins": "bins per gene",
    "branch_size": "units per branch", "channels1": "channels, first layer", "channels2": "channels, second layer",
    "context": "context length", "dense1": "units, first dense layer", "dense2": "units, second dense layer",
    "dense_size": "dense units", "dim": "embedding size", "early_stop_window": "early-stopping window (trees)",
    "ff_dim": "feed-forward width", "hidden_size": "hidden units", "latent_size": "latent size",
    "learning_rate": "learning rate", "lr": "learning rate", "max_depth": "tree depth",
    "max_features": "share of TFs per split", "max_kernel_pairs": "largest kernel-SVM training set",
    "n_estimators": "trees per target", "n_heads": "attention heads", "n_jobs": "worker processes",
    "n_layers": "layers", "n_neg": "negatives per example", "oob_improvement": "out-of-bag improvement rule",
    "reverse_negatives": "reverse edges as negatives", "signed": "keep the sign", "subsample": "share of samples per tree",
    "svm": "SVM head", "svm_c": "SVM regularisation C", "tile": "tile size (genes)",
}
"""Readable labels of method parameters; the code name is shown in each widget's help."""

SPLIT_HELP = {
    "unsupervised": "Nothing is trained: every candidate pair (TF x gene) is scored and compared with the ground "
                    "truth. Use it for correlation, GENIE3, GRNBoost2. A ground truth is needed only to evaluate.",
    "edge_random": "The true edges are split 8:1:1 into train / validation / test, each joined by as many random "
                   "non-edges. This is the protocol of many papers, and it is optimistic: both genes of almost "
                   "every test pair were seen in training, so knowing how connected a gene is (the `degree` "
                   "sentinel) already scores well.",
    "tf_disjoint": "Whole regulators are held out: the test pairs are every pair of TFs the model never saw in "
                   "training, at the natural share of true edges. It asks: can the model find targets of a new TF? "
                   "The `degree` sentinel scores about 0.5 here because a held-out TF has no training degree; "
                   "targets are still shared with training. With folds, every TF with a known edge is held out once.",
    "gene_disjoint": "Genes are split into groups and a test pair has both genes in the held-out group: nothing "
                     "about a test gene was seen in training. The strictest split; fewer test pairs.",
    "discovery": "For discovering, not evaluating: supervised methods train on every known edge, then every "
                 "candidate pair is scored, giving the predicted network to explore on the Network page. No ground "
                 "truth is needed; any figure against it would be in-sample.",
}
"""Plain-words help per split (Models page)."""

SIZES_HELP = {
    "edge_random": "Each part is balanced: as many non-edges as true edges (positive rate 0.5), so AUPRC of a "
                   "random ranking is 0.5 here, unlike real networks.",
    "tf_disjoint": "Train is balanced (one sampled non-edge per true edge, `train_negative_ratio`); validation and "
                   "test keep every pair of their TFs, so their positive rate is the real share of true edges "
                   "(what a random ranking scores as AUPRC).",
    "gene_disjoint": "Train is balanced (one sampled non-edge per true edge); validation and test keep every pair "
                     "inside their gene groups at the real share of true edges.",
    "unsupervised": "No training: the test part is every candidate pair; its positive rate is the network density "
                    "over the TFs (what a random ranking scores as AUPRC).",
}


def param_widgets(spec, key: str) -> dict:
    """Widgets for a method's params dataclass (bounds and help from field metadata); returns
    the chosen values by field name."""
    import dataclasses

    values = {}
    fields = dataclasses.fields(spec.params)
    columns = st.columns(3) if fields else []
    for i, f in enumerate(fields):
        meta = dict(f.metadata)
        label = PARAM_LABELS.get(f.name, f.name.replace("_", " "))
        wkey = f"{key}.{f.name}"
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        default = kept(wkey, default)
        help_text = f"{meta['help']} (code name: `{f.name}`)" if meta.get("help") else f"code name: `{f.name}`"
        col = columns[i % 3]
        if meta.get("choices"):
            choices = list(meta["choices"])
            values[f.name] = col.selectbox(label, choices, index=choices.index(default) if default in choices else 0,
                                          help=help_text, key=wkey)
        elif isinstance(default, bool):
            values[f.name] = col.checkbox(label, value=default, help=help_text, key=wkey)
        elif isinstance(default, int):
            values[f.name] = col.number_input(label, min_value=meta.get("min"), max_value=meta.get("max"),
                                             value=default, step=1, help=help_text, key=wkey)
        elif isinstance(default, float):
            values[f.name] = col.number_input(label, min_value=float(meta["min"]) if "min" in meta else None,
                                             max_value=float(meta["max"]) if "max" in meta else None,
                                             value=default, help=help_text, key=wkey, format="%g")
        else:
            values[f.name] = col.text_input(label, value="" if default is None else str(default), help=help_text, key=wkey)
        keep(wkey, values[f.name])
    return values

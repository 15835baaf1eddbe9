"""Figures of the Data page: expression distribution, variable-gene heatmap, degree
distributions and a network preview. Every builder takes a `Dataset` and returns a plotly figure.

Gene and sample names are user input: they are HTML-escaped before they reach plotly, whose text
and hover labels interpret a subset of HTML.
"""

from __future__ import annotations

import html

import networkx as nx
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..data import Dataset

TEMPLATE = "plotly_white"
ACTIVATION, REPRESSION, UNKNOWN = "#d62728", "#1f77b4", "#7f7f7f"


def _esc(names) -> list[str]:
    return [html.escape(str(n)) for n in names]


def expression_histogram(ds: Dataset, *, max_values: int = 200_000, seed: int = 0) -> go.Figure:
    """Histogram of the non-zero expression values (a uniform sample of at most ``max_values``
    cells of the matrix); the share of zeros (dropout) is given in the title."""
    values = ds.expression.to_numpy().ravel()
    zero_share = float(np.mean(values == 0))
    nonzero = values[values != 0]
    if nonzero.size > max_values:
        nonzero = np.random.default_rng(seed).choice(nonzero, max_values, replace=False)
    fig = go.Figure(go.Histogram(x=nonzero, nbinsx=80, marker_color="#4c78a8"))
    fig.update_layout(template=TEMPLATE, height=320, margin=dict(l=10, r=10, t=40, b=10),
                      title=f"Non-zero values ({zero_share:.0%} of entries are zero)",
                      xaxis_title="expression", yaxis_title="count", bargap=0.02)
    return fig


def sample_order(ds: Dataset) -> pd.Index:
    """Samples ordered by pseudotime, else by experiment and time, else as given."""
    s = ds.samples
    if "pseudotime" in s and s["pseudotime"].notna().any():
        return s.sort_values("pseudotime", na_position="last").index
    if "time" in s and s["time"].notna().any():
        keys = [k for k in ("experiment", "time") if k in s]
        return s.sort_values(keys, na_position="last").index
    return s.index


def display_matrix(ds: Dataset) -> pd.DataFrame:
    """Expression as plotted: raw counts are library-size normalised and log1p-transformed
    (what a user would look at), anything else is shown as it is."""
    from ..data.preprocess import detect_scale, normalize_log1p

    if detect_scale(ds.expression).kind == "counts":
        return normalize_log1p(ds).expression
    return ds.expression


def variable_genes(expression: pd.DataFrame, n: int = 40) -> pd.Index:
    """The ``n`` genes with the highest variance."""
    var = expression.var(axis=1)
    return var.nlargest(min(n, len(var))).index


def variable_genes_heatmap(ds: Dataset, n: int = 40, max_samples: int = 600) -> go.Figure:
    """Z-scored expression (log1p-normalised when the data are counts) of the ``n`` most
    variable genes; samples in `sample_order`, evenly thinned to ``max_samples`` columns so large
    sets stay quick to draw."""
    expression = display_matrix(ds)
    genes = variable_genes(expression, n)
    order = sample_order(ds)
    if len(order) > max_samples:
        order = order[np.linspace(0, len(order) - 1, max_samples).astype(int)]
    sub = expression.loc[genes, order].to_numpy(dtype=np.float64)
    sd = sub.std(axis=1, keepdims=True)
    z = (sub - sub.mean(axis=1, keepdims=True)) / np.where(sd > 0, sd, 1)
    fig = go.Figure(go.Heatmap(z=np.clip(z, -3, 3), y=_esc(genes), x=_esc(order), colorscale="RdBu_r",
                               zmid=0, colorbar=dict(title="z")))
    what = "pseudotime" if "pseudotime" in ds.samples else ("experiment, time" if "time" in ds.samples else "input order")
    fig.update_layout(template=TEMPLATE, height=max(320, 14 * len(genes)), margin=dict(l=10, r=10, t=40, b=10),
                      title=f"{len(genes)} most variable genes (samples by {what})",
                      xaxis=dict(showticklabels=False, title="samples"), yaxis=dict(autorange="reversed"))
    return fig


def degree_histograms(ds: Dataset) -> go.Figure:
    """How many genes have each in-degree (left) and each regulator's out-degree (right, ranked:
    scale-free networks have a few hubs and a long tail)."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("in-degree of targets", "out-degree of regulators (ranked)"))
    if ds.network is not None:
        in_counts = ds.network.groupby("target").size().value_counts().sort_index()
        fig.add_trace(go.Bar(x=in_counts.index, y=in_counts.to_numpy(), marker_color="#54a24b",
                             name="targets", hovertemplate="in-degree %{x}: %{y} genes<extra></extra>"), 1, 1)
        out_deg = ds.network.groupby("regulator").size().sort_values(ascending=False)
        fig.add_trace(go.Bar(x=np.arange(1, len(out_deg) + 1), y=out_deg.to_numpy(), marker_color="#f58518",
                             name="regulators", customdata=_esc(out_deg.index),
                             hovertemplate="%{customdata}: %{y} targets<extra></extra>"), 1, 2)
    fig.update_xaxes(title_text="in-degree", row=1, col=1)
    fig.update_yaxes(title_text="genes", row=1, col=1)
    fig.update_xaxes(title_text="regulator rank", row=1, col=2)
    fig.update_yaxes(title_text="targets", row=1, col=2)
    fig.update_layout(template=TEMPLATE, height=340, margin=dict(l=10, r=10, t=60, b=10), showlegend=False,
                      title="Degree distribution of the ground truth")
    return fig


def network_preview(ds: Dataset, max_edges: int = 150) -> go.Figure:
    """The ground-truth edges of the highest out-degree regulators (at most ``max_edges``),
    Kamada-Kawai layout; TFs as diamonds, activation red, repression blue, unknown grey."""
    fig = go.Figure()
    if ds.network is None:
        return fig
    net = ds.network
    hubs = net.groupby("regulator").size().sort_values(ascending=False).index
    keep = []
    total = 0
    for hub in hubs:
        n = int((net["regulator"] == hub).sum())
        if total and total + n > max_edges:
            break
        keep.append(hub)
        total += n
    sub = net[net["regulator"].isin(keep)].head(max_edges)
    graph = nx.DiGraph()
    graph.add_edges_from(zip(sub["regulator"], sub["target"]))
    pos = nx.kamada_kawai_layout(graph.to_undirected())
    for sign, colour, label in ((1, ACTIVATION, "activation"), (-1, REPRESSION, "repression"), (0, UNKNOWN, "sign unknown")):
        part = sub[sub["sign"] == sign]
        if part.empty:
            continue
        xs, ys = [], []
        for r, t in zip(part["regulator"], part["target"]):
            xs += [pos[r][0], pos[t][0], None]
            ys += [pos[r][1], pos[t][1], None]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color=colour, width=1), name=label,
                                 hoverinfo="skip"))
    tfs = set(ds.tfs)
    nodes = list(graph.nodes)
    hub_set = set(keep)
    fig.add_trace(go.Scatter(
        x=[pos[g][0] for g in nodes], y=[pos[g][1] for g in nodes], mode="markers+text",
        text=["" if g in hub_set else t for g, t in zip(nodes, _esc(nodes))], textposition="top center",
        textfont=dict(size=9), name="genes (TFs as diamonds)",
        marker=dict(symbol=["diamond" if g in tfs else "circle" for g in nodes], size=[12 if g in tfs else 7 for g in nodes],
                    color=["#9467bd" if g in tfs else "#bbbbbb" for g in nodes], line=dict(width=0.5, color="#333")),
        hovertext=[f"{html.escape(str(g))}{' (TF)' if g in tfs else ''}: out {graph.out_degree(g)}, in {graph.in_degree(g)}" for g in nodes],
        hoverinfo="text"))
    for hub in keep:  # hub names as annotations: drawn above every edge, on a light box
        fig.add_annotation(x=pos[hub][0], y=pos[hub][1], text=f"<b>{html.escape(str(hub))}</b>", showarrow=False,
                           yshift=14, font=dict(size=11, color="#222"), bgcolor="rgba(255,255,255,0.85)",
                           bordercolor="#9467bd", borderwidth=1, borderpad=2)
    fig.update_layout(template=TEMPLATE, height=520, margin=dict(l=10, r=10, t=40, b=10), showlegend=True,
                      title=f"Ground truth around the top {len(keep)} regulators ({len(sub)} of {len(net)} edges)",
                      xaxis=dict(visible=False), yaxis=dict(visible=False), legend=dict(orientation="h", y=-0.05))
    return fig

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


def variable_genes(ds: Dataset, n: int = 40) -> pd.Index:
    """The ``n`` genes with the highest variance."""
    var = ds.expression.var(axis=1)
    return var.nlargest(min(n, len(var))).index


def variable_genes_heatmap(ds: Dataset, n: int = 40, max_samples: int = 600) -> go.Figure:
    """Z-scored expression of the ``n`` most variable genes; samples in `sample_order`,
    evenly thinned to ``max_samples`` columns so large sets stay quick to draw."""
    genes = variable_genes(ds, n)
    order = sample_order(ds)
    if len(order) > max_samples:
        order = order[np.linspace(0, len(order) - 1, max_samples).astype(int)]
    sub = ds.expression.loc[genes, order].to_numpy(dtype=np.float64)
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
    """Out-degree of regulators and in-degree of targets in the ground truth."""
    fig = go.Figure()
    if ds.network is not None:
        out_deg = ds.network.groupby("regulator").size()
        in_deg = ds.network.groupby("target").size()
        fig.add_trace(go.Histogram(x=out_deg.to_numpy(), name="out-degree (regulators)", opacity=0.75,
                                   marker_color="#f58518"))
        fig.add_trace(go.Histogram(x=in_deg.to_numpy(), name="in-degree (targets)", opacity=0.75,
                                   marker_color="#54a24b"))
    fig.update_layout(template=TEMPLATE, barmode="overlay", height=320, margin=dict(l=10, r=10, t=40, b=10),
                      title="Degree distribution of the ground truth", xaxis_title="degree",
                      yaxis_title="genes", legend=dict(orientation="h", y=-0.25))
    return fig


def network_preview(ds: Dataset, max_edges: int = 150, seed: int = 0) -> go.Figure:
    """The ground-truth edges of the highest out-degree regulators (at most ``max_edges``),
    spring layout; TFs as diamonds, activation red, repression blue, unknown grey."""
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
    pos = nx.spring_layout(graph, seed=seed, k=1.5 / np.sqrt(max(graph.number_of_nodes(), 1)))
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
    fig.add_trace(go.Scatter(
        x=[pos[g][0] for g in nodes], y=[pos[g][1] for g in nodes], mode="markers+text",
        text=_esc(nodes), textposition="top center", textfont=dict(size=9), name="genes",
        marker=dict(symbol=["diamond" if g in tfs else "circle" for g in nodes], size=[12 if g in tfs else 7 for g in nodes],
                    color=["#9467bd" if g in tfs else "#bbbbbb" for g in nodes], line=dict(width=0.5, color="#333")),
        hovertext=[f"{html.escape(str(g))}{' (TF)' if g in tfs else ''}: out {graph.out_degree(g)}, in {graph.in_degree(g)}" for g in nodes],
        hoverinfo="text"))
    fig.update_layout(template=TEMPLATE, height=520, margin=dict(l=10, r=10, t=40, b=10), showlegend=True,
                      title=f"Ground truth around the top {len(keep)} regulators ({len(sub)} of {len(net)} edges)",
                      xaxis=dict(visible=False), yaxis=dict(visible=False), legend=dict(orientation="h", y=-0.05))
    return fig

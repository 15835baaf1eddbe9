"""Plotly figures of a restoration (`grncore.restore`): the remaining-difference curve, target vs
predicted, the difference network, the threshold sweeps. Gene names are HTML-escaped wherever
they are drawn (plotly renders a subset of HTML in text and hover labels)."""

from __future__ import annotations

import html

import networkx as nx
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..restore.relationships import LABELS

CHOSEN = "#d62728"
OTHER = "#61a5c2"
HIDDEN = "#999999"
_SWEEP_Y = {"difference": "remaining difference D", "n_tfs": "TFs restored", "product": "D x TFs"}


def _esc(name) -> str:
    return html.escape(str(name))


def curve_figure(curve: pd.DataFrame) -> go.Figure:
    """Remaining difference after each step (``Restoration.curve()``), step 0 = before."""
    labels = ["start"] + [f"{i}. {_esc(g)}" for i, g in zip(curve["step"][1:], curve["gene"][1:])]
    fig = go.Figure(go.Scatter(x=labels, y=curve["difference"], mode="lines+markers",
                               hovertemplate="%{x}<br>D = %{y:.4g}<extra></extra>", line=dict(color=CHOSEN)))
    fig.update_layout(xaxis_title="restored TF (in order)", yaxis_title="remaining difference D",
                      margin=dict(l=10, r=10, t=30, b=10), height=320, title="Remaining difference per step")
    fig.update_yaxes(rangemode="tozero")
    return fig


def target_vs_predicted(genes: pd.DataFrame) -> go.Figure:
    """Target-state level (x) against the source level and the predicted level (y): restored
    genes move from their source position onto the diagonal."""
    names = [_esc(g) for g in genes["gene"]]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=genes["target"], y=genes["source"], mode="markers", name="source",
                             marker=dict(color="#bbbbbb", size=7), text=names,
                             hovertemplate="%{text}<br>target %{x:.3g}<br>source %{y:.3g}<extra></extra>"))
    fig.add_trace(go.Scatter(x=genes["target"], y=genes["predicted"], mode="markers", name="predicted",
                             marker=dict(color=CHOSEN, size=7), text=names,
                             hovertemplate="%{text}<br>target %{x:.3g}<br>predicted %{y:.3g}<extra></extra>"))
    lo = float(np.nanmin(genes[["source", "target", "predicted"]].to_numpy())) if len(genes) else 0.0
    hi = float(np.nanmax(genes[["source", "target", "predicted"]].to_numpy())) if len(genes) else 1.0
    fig.add_trace(go.Scatter(x=[lo, hi], y=[lo, hi], mode="lines", name="y = x",
                             line=dict(color="#444444", dash="dot"), hoverinfo="skip"))
    fig.update_layout(xaxis_title="target-state level", yaxis_title="level", height=380,
                      margin=dict(l=10, r=10, t=30, b=10), title="Target vs predicted")
    return fig


def _layout(g: nx.DiGraph) -> dict:
    """Left-to-right by topological generation (the difference network is acyclic), nodes of a
    generation spread vertically; isolated nodes in a last column."""
    pos = {}
    gens = [sorted(gen, key=str) for gen in nx.topological_generations(g)]
    linked = [[u for u in gen if g.degree(u) > 0] for gen in gens]
    isolated = [u for gen in gens for u in gen if g.degree(u) == 0]
    columns = [c for c in linked if c] + ([isolated] if isolated else [])
    for x, col in enumerate(columns):
        for i, u in enumerate(col):
            pos[u] = (float(x), (i - (len(col) - 1) / 2) / max(len(col), 1))
    return pos


def network_figure(g: nx.DiGraph, genes: pd.DataFrame, chosen: list[str], max_nodes: int = 400) -> go.Figure:
    """The difference network: edges as lines (a dot near the head gives the direction), chosen
    TFs in red and numbered, hidden genes grey, node size by the remaining gap ``|target -
    predicted|``. Beyond ``max_nodes`` only the chosen TFs' neighbourhoods are drawn."""
    if g.number_of_nodes() > max_nodes:
        keep = set(chosen)
        for c in chosen:
            keep |= set(g.successors(c)) | set(g.predecessors(c))
        g = g.subgraph(list(keep)).copy()
    pos = _layout(g)
    info = genes.set_index("gene")
    ex, ey, hx, hy = [], [], [], []
    for u, v in g.edges:
        (x0, y0), (x1, y1) = pos[u], pos[v]
        ex += [x0, x1, None]
        ey += [y0, y1, None]
        hx.append(x0 + 0.85 * (x1 - x0))
        hy.append(y0 + 0.85 * (y1 - y0))
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=ex, y=ey, mode="lines", line=dict(color="#cccccc", width=1), hoverinfo="skip",
                             showlegend=False))
    fig.add_trace(go.Scatter(x=hx, y=hy, mode="markers", marker=dict(color="#888888", size=4), hoverinfo="skip",
                             showlegend=False))
    order = {c: i + 1 for i, c in enumerate(chosen)}
    nodes = list(g.nodes)
    gap = np.array([abs(info.at[u, "target"] - info.at[u, "predicted"]) if u in info.index else 0.0 for u in nodes])
    size = 8 + 22 * (gap / gap.max() if len(gap) and gap.max() > 0 else gap)
    colour = [CHOSEN if u in order else (HIDDEN if u in info.index and not info.at[u, "in_objective"] else OTHER)
              for u in nodes]
    hover = [f"{_esc(u)}{' (restored #' + str(order[u]) + ')' if u in order else ''}"
             f"<br>source {info.at[u, 'source']:.3g} · target {info.at[u, 'target']:.3g}"
             f"<br>predicted {info.at[u, 'predicted']:.3g}" if u in info.index else _esc(u) for u in nodes]
    fig.add_trace(go.Scatter(x=[pos[u][0] for u in nodes], y=[pos[u][1] for u in nodes], mode="markers+text",
                             marker=dict(color=colour, size=size, line=dict(color="#ffffff", width=1)),
                             text=[f"{order[u]}. {_esc(u)}" if u in order else "" for u in nodes],
                             textposition="top center", hovertext=hover, hoverinfo="text", showlegend=False))
    fig.update_layout(height=480, margin=dict(l=10, r=10, t=30, b=10), plot_bgcolor="#ffffff",
                      title="Difference network (left to right: upstream to downstream; red = restored)")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def sweep_figure(table: pd.DataFrame, value: str) -> go.Figure:
    """``value`` (difference, n_tfs or product) against the threshold th2, one line per
    relationship; the x axis runs from 90% down to 10% as in the paper's Figures 2-10."""
    fig = go.Figure()
    for rel, grp in table.groupby("relationship", sort=False):
        fig.add_trace(go.Scatter(x=grp["threshold"] * 100, y=grp[value], mode="lines+markers",
                                 name=LABELS.get(rel, rel),
                                 hovertemplate=f"{LABELS.get(rel, rel)}<br>th2 %{{x:.0f}}%<br>{value} %{{y:.4g}}<extra></extra>"))
    fig.update_layout(xaxis_title="threshold th2 (%)", yaxis_title=_SWEEP_Y[value], height=440,
                      margin=dict(l=10, r=10, t=30, b=10), title=f"Threshold vs {_SWEEP_Y[value]}",
                      legend=dict(font=dict(size=10), orientation="h", yanchor="top", y=-0.22, x=0))
    fig.update_xaxes(autorange="reversed")
    return fig

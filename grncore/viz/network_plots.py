"""Figures of the Network page: the overlap of two runs' top-k edge sets as k grows, and the
score distribution of a predicted network with the cut marked.

Run labels are user input (external prediction files are named after the upload): they are
HTML-escaped before they reach plotly, whose text interprets a subset of HTML.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .data_plots import TEMPLATE
from .network_html import STATUS_COLOURS


def overlap_figure(curve: pd.DataFrame, label_a: str, label_b: str, *, k_marked: int | None = None) -> go.Figure:
    """Jaccard index |A_k ∩ B_k| / |A_k ∪ B_k| of the two runs' top-k edge sets against k
    (``curve``: columns ``k``, ``jaccard``, ``shared`` as from `grncore.network.compare.overlap_curve`),
    with the k chosen on the page marked. Hover shows the shared edge count."""
    fig = go.Figure(go.Scatter(x=curve["k"], y=curve["jaccard"], mode="lines+markers", name="Jaccard",
                               customdata=curve["shared"], line=dict(color="#1f77b4", width=2),
                               hovertemplate="top %{x:,}: Jaccard %{y:.3f}, %{customdata:,} shared edges<extra></extra>"))
    if k_marked is not None:  # a trace, not a shape: shapes on a log axis take log10 coordinates
        fig.add_trace(go.Scatter(x=[k_marked, k_marked], y=[0, 1], mode="lines", name=f"k = {k_marked:,}",
                                 line=dict(color="#999", dash="dot"), hoverinfo="name"))
    fig.update_layout(template=TEMPLATE, height=380, margin=dict(l=10, r=10, t=50, b=10),
                      title=f"Top-k overlap: {html.escape(label_a)} vs {html.escape(label_b)}",
                      xaxis=dict(title="k (top-ranked edges of each run)", type="log" if curve["k"].max() > 50 else "linear"),
                      yaxis=dict(title="Jaccard index", range=[0, 1.02]), showlegend=False)
    return fig


def score_histogram(pred: pd.DataFrame, *, cut: float | None = None, bins: int = 60) -> go.Figure:
    """Histogram of the predicted scores, known edges (ground truth) and the other pairs stacked
    separately, with a vertical line at the score of the cut (the k-th score or the threshold)."""
    scores = pred["score"].to_numpy(dtype=float)
    finite = scores[np.isfinite(scores)]
    edges = np.histogram_bin_edges(finite, bins=bins) if finite.size else np.array([0.0, 1.0])
    known = pred["known"].to_numpy() == 1 if "known" in pred else np.zeros(len(pred), bool)
    fig = go.Figure()
    for name, mask, colour in (("other pairs", ~known, STATUS_COLOURS["false positive"]),
                               ("known edges", known, STATUS_COLOURS["true positive"])):
        counts, _ = np.histogram(scores[mask & np.isfinite(scores)], bins=edges)
        if counts.sum():
            fig.add_trace(go.Bar(x=(edges[:-1] + edges[1:]) / 2, y=counts, width=np.diff(edges), name=name,
                                 marker_color=colour, hovertemplate="score %{x:.3g}: %{y:,}<extra>" + name + "</extra>"))
    if cut is not None and np.isfinite(cut):
        fig.add_vline(x=cut, line=dict(color="#333", dash="dash"), annotation_text="cut")
    fig.update_layout(template=TEMPLATE, barmode="stack", height=300, margin=dict(l=10, r=10, t=40, b=10),
                      title="Score distribution", xaxis_title="score", yaxis=dict(title="pairs", type="log"),
                      legend=dict(orientation="h", x=0, y=-0.25))
    return fig

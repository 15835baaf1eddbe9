"""Figures of the Evaluation and Training pages: overlaid ROC and PR curves with the random
baseline, a datasets x methods heatmap like the thesis tables, and training curves."""

from __future__ import annotations

import html
from typing import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

from .data_plots import TEMPLATE

PALETTE = qualitative.D3 + qualitative.Set2


def _layout(fig: go.Figure, title: str, x: str, y: str, height: int = 520) -> go.Figure:
    fig.update_layout(template=TEMPLATE, title=title, height=height, margin=dict(l=10, r=10, t=50, b=10),
                      xaxis=dict(title=x, range=[0, 1], constrain="domain"),
                      yaxis=dict(title=y, range=[0, 1.02]), legend=dict(orientation="h", x=0, y=-0.18),
                      hovermode="closest")
    return fig


def roc_figure(curves: Mapping[str, pd.DataFrame], aurocs: Mapping[str, float] | None = None) -> go.Figure:
    """ROC curves (``fpr``, ``tpr`` columns) by label, with the diagonal of a random ranking."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="random (AUROC 0.5)",
                             line=dict(color="#999", dash="dash")))
    for i, (label, roc) in enumerate(curves.items()):
        suffix = f" (AUROC {aurocs[label]:.3f})" if aurocs and label in aurocs else ""
        fig.add_trace(go.Scatter(x=roc["fpr"], y=roc["tpr"], mode="lines", name=html.escape(label) + suffix,
                                 line=dict(color=PALETTE[i % len(PALETTE)], width=2)))
    return _layout(fig, "ROC", "false positive rate", "true positive rate")


def pr_figure(curves: Mapping[str, pd.DataFrame], positive_rate: float,
              auprcs: Mapping[str, float] | None = None) -> go.Figure:
    """Precision-recall curves (``recall``, ``precision``) with the random baseline: precision
    equal to the positive rate of the test pairs. Drawn as steps (``vh``): the precision of a
    threshold holds over the recall it adds, so the area under each line is its AUPRC."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, 1], y=[positive_rate, positive_rate], mode="lines",
                             name=f"random (precision {positive_rate:.3g})", line=dict(color="#999", dash="dash")))
    for i, (label, pr) in enumerate(curves.items()):
        suffix = f" (AUPRC {auprcs[label]:.3f})" if auprcs and label in auprcs else ""
        fig.add_trace(go.Scatter(x=pr["recall"], y=pr["precision"], mode="lines", name=html.escape(label) + suffix,
                                 line=dict(color=PALETTE[i % len(PALETTE)], width=2, shape="vh")))
    return _layout(fig, "Precision-recall", "recall", "precision")


def metric_heatmap(table: pd.DataFrame, metric: str) -> go.Figure:
    """A datasets (rows) x methods (columns) heatmap of ``metric`` with the values written in the
    cells, like the result tables of the GeneNet Transformer thesis."""
    z = table.to_numpy(dtype=float)
    text = np.where(np.isnan(z), "", np.vectorize(lambda v: f"{v:.3f}")(np.nan_to_num(z)))
    fig = go.Figure(go.Heatmap(z=z, x=[html.escape(str(c)) for c in table.columns],
                               y=[html.escape(str(r)) for r in table.index], text=text, texttemplate="%{text}",
                               colorscale="Viridis", colorbar=dict(title=metric)))
    fig.update_layout(template=TEMPLATE, height=max(260, 60 + 48 * len(table.index)),
                      margin=dict(l=10, r=10, t=50, b=10), title=f"{metric} by dataset and method",
                      yaxis=dict(autorange="reversed"))
    return fig


def training_curves(history: pd.DataFrame) -> go.Figure:
    """Per-epoch training loss (left axis) and validation AUROC (right axis)."""
    fig = go.Figure()
    if "loss" in history:
        fig.add_trace(go.Scatter(x=history["epoch"], y=history["loss"], mode="lines+markers", name="training loss"))
    if "val_auroc" in history and history["val_auroc"].notna().any():
        fig.add_trace(go.Scatter(x=history["epoch"], y=history["val_auroc"], mode="lines+markers",
                                 name="validation AUROC", yaxis="y2"))
    fig.update_layout(template=TEMPLATE, height=320, margin=dict(l=10, r=10, t=40, b=10), title="Training",
                      xaxis=dict(title="epoch"), yaxis=dict(title="loss"),
                      yaxis2=dict(title="AUROC", overlaying="y", side="right", range=[0, 1]),
                      legend=dict(orientation="h", y=-0.25))
    return fig

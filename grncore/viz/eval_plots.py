"""Figures of the Evaluation and Training pages: overlaid ROC and PR curves with the random
baseline (pooled over folds, per-fold curves on request), a per-fold strip plot, a datasets x
methods heatmap like the thesis tables, and training curves."""

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


def _fold_lines(fig: go.Figure, label: str, frame: pd.DataFrame | None, x: str, y: str, colour: str,
                shape: str = "linear") -> None:
    """Thin, translucent per-fold curves of ``label`` (a frame with a ``fold`` column), grouped with
    its pooled curve in the legend."""
    if frame is None:
        return
    for fold, part in frame.groupby("fold", sort=True):
        fig.add_trace(go.Scatter(x=part[x], y=part[y], mode="lines", legendgroup=label, showlegend=False,
                                 name=f"{html.escape(label)} fold {int(fold) + 1}", opacity=0.45,
                                 line=dict(color=colour, width=1, shape=shape)))


def roc_figure(curves: Mapping[str, pd.DataFrame], aurocs: Mapping[str, float] | None = None,
               fold_curves: Mapping[str, pd.DataFrame] | None = None) -> go.Figure:
    """ROC curves (``fpr``, ``tpr`` columns) by label, with the diagonal of a random ranking; runs
    over folds are pooled over all held-out pairs, and ``fold_curves`` (label -> frame with a
    ``fold`` column) adds each fold's curve as a thin line."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="random (AUROC 0.5)",
                             line=dict(color="#999", dash="dash")))
    for i, (label, roc) in enumerate(curves.items()):
        suffix = f" (AUROC {aurocs[label]:.3f})" if aurocs and label in aurocs else ""
        colour = PALETTE[i % len(PALETTE)]
        _fold_lines(fig, label, (fold_curves or {}).get(label), "fpr", "tpr", colour)
        fig.add_trace(go.Scatter(x=roc["fpr"], y=roc["tpr"], mode="lines", name=html.escape(label) + suffix,
                                 legendgroup=label, line=dict(color=colour, width=2)))
    return _layout(fig, "ROC" + (" (pooled over folds)" if fold_curves is not None else ""),
                   "false positive rate", "true positive rate")


def pr_figure(curves: Mapping[str, pd.DataFrame], positive_rate: float,
              auprcs: Mapping[str, float] | None = None,
              fold_curves: Mapping[str, pd.DataFrame] | None = None) -> go.Figure:
    """Precision-recall curves (``recall``, ``precision``) with the random baseline: precision
    equal to the positive rate of the test pairs. Drawn as steps (``vh``): the precision of a
    threshold holds over the recall it adds, so the area under each line is its AUPRC.
    ``fold_curves`` as in `roc_figure`."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, 1], y=[positive_rate, positive_rate], mode="lines",
                             name=f"random (precision {positive_rate:.3g})", line=dict(color="#999", dash="dash")))
    for i, (label, pr) in enumerate(curves.items()):
        suffix = f" (AUPRC {auprcs[label]:.3f})" if auprcs and label in auprcs else ""
        colour = PALETTE[i % len(PALETTE)]
        _fold_lines(fig, label, (fold_curves or {}).get(label), "recall", "precision", colour, "vh")
        fig.add_trace(go.Scatter(x=pr["recall"], y=pr["precision"], mode="lines", name=html.escape(label) + suffix,
                                 legendgroup=label, line=dict(color=colour, width=2, shape="vh")))
    return _layout(fig, "Precision-recall" + (" (pooled over folds)" if fold_curves is not None else ""),
                   "recall", "precision")


def fold_strip(folds: pd.DataFrame, metric: str, label: str, pooled: Mapping[str, tuple] | None = None) -> go.Figure:
    """One dot per fold and method (``folds``: ``method, fold, held_out, <metric>``), the fold
    mean +/- sd as a bar beside them and, from ``pooled`` (method -> (value, low, high)), the
    pooled figure with its 95% interval: how much a figure moves with the regulators held out."""
    fig = go.Figure()
    order = list(dict.fromkeys(folds["method"]))
    for i, method in enumerate(order):
        part = folds[folds["method"] == method]
        colour = PALETTE[i % len(PALETTE)]
        jitter = (np.arange(len(part)) - (len(part) - 1) / 2) * 0.06
        fig.add_trace(go.Scatter(
            x=(i + jitter).tolist(), y=part[metric].tolist(), mode="markers", name=html.escape(method), marker=dict(color=colour, size=9),
            customdata=np.stack([part["fold"] + 1, part["held_out"].map(html.escape)], axis=1),
            hovertemplate="fold %{customdata[0]}: %{y:.3f}<br>held out: %{customdata[1]}<extra></extra>"))
        values = part[metric].to_numpy(dtype=float)
        sd = float(values.std(ddof=1)) if len(values) > 1 else 0.0
        fig.add_trace(go.Scatter(x=[i + 0.25], y=[values.mean()], mode="markers", showlegend=False,
                                 marker=dict(color=colour, symbol="diamond", size=10),
                                 error_y=dict(type="data", array=[sd], color=colour),
                                 hovertemplate=f"fold mean %{{y:.3f}} ± {sd:.3f}<extra></extra>"))
        if pooled and method in pooled:
            value, lo, hi = pooled[method]
            fig.add_trace(go.Scatter(x=[i + 0.4], y=[value], mode="markers", showlegend=False,
                                     marker=dict(color="#333", symbol="line-ew-open", size=14),
                                     error_y=dict(type="data", symmetric=False, array=[hi - value],
                                                  arrayminus=[value - lo], color="#333"),
                                     hovertemplate=f"pooled %{{y:.3f}} (95% CI {lo:.3f}-{hi:.3f})<extra></extra>"))
    fig.update_layout(template=TEMPLATE, height=380, margin=dict(l=10, r=10, t=50, b=10), showlegend=False,
                      title=f"{label} per fold (dots), fold mean ± sd (diamond), pooled with 95% CI (black)",
                      xaxis=dict(tickvals=list(range(len(order))), ticktext=[html.escape(m) for m in order]),
                      yaxis=dict(title=label))
    return fig


def metric_heatmap(table: pd.DataFrame, metric: str, setting: str = "", sd: pd.DataFrame | None = None) -> go.Figure:
    """A datasets (rows) x methods (columns) heatmap of ``metric`` with the values written in the
    cells (``± sd`` over folds from ``sd`` when given), like the result tables of the GeneNet
    Transformer thesis. The colour scale spans the values shown (not 0-1), so differences of a few
    hundredths get distinct colours; ``setting`` (split, folds, seed) goes into the title."""
    z = table.to_numpy(dtype=float)
    fmt = np.vectorize(lambda v: f"{v:.3f}")
    text = np.where(np.isnan(z), "", fmt(np.nan_to_num(z)))
    if sd is not None:
        s = sd.reindex(index=table.index, columns=table.columns).to_numpy(dtype=float)
        text = np.where(np.isnan(s) | np.isnan(z), text,
                        np.char.add(np.char.add(text.astype(str), " ± "), np.vectorize(lambda v: f"{v:.3f}")(np.nan_to_num(s))))
    finite = z[np.isfinite(z)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if hi - lo < 1e-9:
        lo, hi = lo - 0.01, hi + 0.01
    fig = go.Figure(go.Heatmap(z=[[None if np.isnan(v) else float(v) for v in row] for row in z],
                               x=[html.escape(str(c)) for c in table.columns],
                               y=[html.escape(str(r)) for r in table.index], text=text, texttemplate="%{text}",
                               colorscale="Viridis", zmin=lo, zmax=hi,
                               colorbar=dict(title=f"{metric}<br>({lo:.3f}-{hi:.3f})")))
    title = (f"{metric} by dataset and method" + (" (pooled ± sd over folds)" if sd is not None else "")
             + (f" · {html.escape(setting)}" if setting else ""))
    fig.update_layout(template=TEMPLATE, height=max(260, 60 + 48 * len(table.index)),
                      margin=dict(l=10, r=10, t=50, b=10), title=title, yaxis=dict(autorange="reversed"))
    return fig


def training_curves(history: pd.DataFrame) -> go.Figure:
    """Per-epoch training loss (left axis) and validation AUROC (right axis); for a run over folds
    (a ``fold`` column) the epochs of the folds follow one another on the x axis."""
    if "fold" in history and history["fold"].notna().any():
        history = history.reset_index(drop=True).assign(epoch=np.arange(1, len(history) + 1))
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

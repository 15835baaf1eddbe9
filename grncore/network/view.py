"""What the Network page draws: a filtered, cut and capped selection of a predicted network.

`select` works on a pred frame (`grncore.network.predicted`) in this order:

1. filters: ``tfs_only`` keeps pairs whose regulator is in ``tfs``; ``novel_only`` drops known
   edges (``known == 1``). The pairs left are the *candidates* (``View.n_candidates``).
2. the cut, among the candidates in rank order: the ``top_k`` best ranked, or every pair with
   ``score >= threshold``, or all of them when neither is given.
3. ``center``: only edges of the cut with both ends in the ``hops``-hop neighbourhood of the gene
   (undirected, computed on the cut's edges; `neighbourhood`).
4. ``max_edges``: when more edges are left, the best ranked ``max_edges`` are kept,
   ``truncated`` is set and ``message`` says so (a page cannot draw tens of thousands of edges).
5. ``show_missed`` (ignored with ``novel_only``): known edges among the candidates that are not in
   the view and join two genes of the view are added with status "missed" (a true edge the run
   ranked below the cut), best ranked first, at most ``max_edges // 2`` of them (so a capped view
   draws at most 1.5 x ``max_edges`` edges; the message says how many were left out).

Status: "true positive" (a known edge in the view), "false positive" (an edge in the view that
is not in the ground truth: a candidate novel interaction), "missed". Node ``degree``,
``in_degree`` and ``out_degree`` count the predicted edges of the view (missed edges are not
predictions and are not counted).

Everything is numpy / pandas vectorised (boolean masks, one ``argpartition`` for top-k, codes of
categoricals): no Python loop over pairs, so a million pairs take a fraction of a second
(``bench/network_view_speed.py``).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..data import InputError

STATUSES = ("true positive", "false positive", "missed")

__all__ = ["View", "STATUSES", "select", "hubs", "gene_panel", "neighbourhood", "node_table"]


@dataclass
class View:
    """A selection of a predicted network (see module doc).

    ``edges``: pred columns plus ``status``, predicted edges in rank order then missed ones;
    ``nodes``: ``gene, is_tf, degree, in_degree, out_degree``; ``n_candidates``: pairs that passed
    the filters; ``n_selected``: edges of the cut (after ``center``, before ``max_edges``);
    ``truncated``: whether ``max_edges`` cut the view; ``message``: a sentence for the page.
    """

    edges: pd.DataFrame
    nodes: pd.DataFrame
    n_candidates: int
    truncated: bool
    message: str
    n_selected: int = 0
    center: str | None = None
    options: dict = field(default_factory=dict)


def select(pred: pd.DataFrame, *, top_k: int | None = None, threshold: float | None = None, tfs=None,
           tfs_only: bool = False, novel_only: bool = False, center: str | None = None, hops: int = 1,
           show_missed: bool = True, max_edges: int | None = 500) -> View:
    """The `View` of ``pred`` for these options (see module doc for the order of the steps).

    ``tfs``: TF names (drawn as TFs, and the regulators kept by ``tfs_only``); without a list
    every regulator of ``pred`` counts as a TF, so ``tfs_only`` keeps everything. ``top_k`` and
    ``threshold`` exclude each other; ``top_k`` and ``max_edges`` must be at least 1 (``max_edges
    = None``: no cap, for exports); ``hops >= 0``; ``center`` must be a gene of ``pred``.
    """
    _check_pred(pred)
    if top_k is not None and threshold is not None:
        raise InputError("give a top-k or a score threshold, not both", where="network view",
                         fix="clear one of them")
    top_k = _positive_int("k", top_k)
    max_edges = _positive_int("max_edges", max_edges)
    if threshold is not None:
        try:
            threshold = float(threshold)
        except (TypeError, ValueError):
            threshold = float("nan")
        if not np.isfinite(threshold):
            raise InputError("the score threshold must be a finite number", where="network view",
                             fix="pick a threshold within the range of the scores")
    hops = _hops(hops)
    n = len(pred)
    rank = pred["rank"].to_numpy()
    known = pred["known"].to_numpy() != 0
    tf_names = (pd.Index(pd.unique(pred["regulator"].astype(str))) if tfs is None
                else pd.Index([str(t) for t in tfs]))
    base = np.ones(n, bool)
    if tfs_only and tfs is not None:
        base &= _isin(pred["regulator"], tf_names)
    if novel_only:
        base &= ~known
    n_candidates = int(base.sum())

    idx = np.flatnonzero(base if threshold is None else base & (pred["score"].to_numpy() >= threshold))
    if top_k is not None and len(idx) > top_k:
        idx = idx[np.argpartition(rank[idx], top_k - 1)[:top_k]]
    idx = idx[np.argsort(rank[idx], kind="stable")]
    cut = pred.iloc[idx]
    if center is not None:
        center = str(center)
        if not (_isin(pred["regulator"], [center]).any() or _isin(pred["target"], [center]).any()):
            raise InputError(f"{center!r} is not a gene of this predicted network", where="network view",
                             fix="pick a gene from the suggestions")
        genes = pd.Index(sorted(neighbourhood(cut, center, hops)))
        keep = _isin(cut["regulator"], genes) & _isin(cut["target"], genes)
        idx, cut = idx[keep], cut[keep]
    n_selected = len(idx)
    truncated = max_edges is not None and n_selected > max_edges
    if truncated:
        idx, cut = idx[:max_edges], cut.iloc[:max_edges]
    edges = cut.copy()
    edges["status"] = np.where(edges["known"].to_numpy() != 0, STATUSES[0], STATUSES[1])

    view_genes = pd.Index(pd.unique(np.concatenate([edges["regulator"].astype(str).to_numpy(),
                                                    edges["target"].astype(str).to_numpy()])))
    if center is not None and center not in view_genes:
        view_genes = view_genes.append(pd.Index([center]))
    n_missed = n_missed_all = 0
    if show_missed and not novel_only and len(view_genes):
        in_view = np.zeros(n, bool)
        in_view[idx] = True
        cand = np.flatnonzero(base & known & ~in_view)
        sub = pred.iloc[cand]
        both = _isin(sub["regulator"], view_genes) & _isin(sub["target"], view_genes)
        cand = cand[both]
        cand = cand[np.argsort(rank[cand], kind="stable")]
        n_missed_all = len(cand)
        if max_edges is not None:
            cand = cand[:max(1, max_edges // 2)]
        if len(cand):
            missed = pred.iloc[cand].copy()
            missed["status"] = STATUSES[2]
            n_missed = len(missed)
            edges = pd.concat([edges, missed])
    edges = edges.reset_index(drop=True)
    for col in ("regulator", "target"):
        edges[col] = edges[col].astype(str)
    nodes = node_table(edges, tf_names, genes=view_genes)
    options = {"top_k": top_k, "threshold": threshold, "tfs_only": bool(tfs_only),
               "novel_only": bool(novel_only), "center": center, "hops": hops,
               "show_missed": bool(show_missed), "max_edges": max_edges}
    return View(edges=edges, nodes=nodes, n_candidates=n_candidates, truncated=truncated,
                message=_message(len(idx), n_selected, n_candidates, n_missed, n_missed_all, truncated,
                                 top_k, threshold, center, hops),
                n_selected=n_selected, center=center, options=options)


def node_table(edges: pd.DataFrame, tfs=None, *, genes=None) -> pd.DataFrame:
    """``gene, is_tf, degree, in_degree, out_degree`` of the genes of ``edges`` (and of ``genes``,
    e.g. an isolated centre), counting predicted edges only (``status != "missed"``). Without
    ``tfs`` the regulators of ``edges`` are the TFs."""
    reg = edges["regulator"].astype(str).to_numpy()
    tgt = edges["target"].astype(str).to_numpy()
    if genes is None:
        genes = pd.Index(pd.unique(np.concatenate([reg, tgt])))
    genes = pd.Index(genes)
    pred_rows = (edges["status"] != STATUSES[2]).to_numpy() if "status" in edges else np.ones(len(edges), bool)
    out_deg = np.bincount(genes.get_indexer(reg[pred_rows]), minlength=len(genes)) if len(genes) else np.zeros(0, int)
    in_deg = np.bincount(genes.get_indexer(tgt[pred_rows]), minlength=len(genes)) if len(genes) else np.zeros(0, int)
    tf_index = pd.Index(pd.unique(reg)) if tfs is None else pd.Index([str(t) for t in tfs])
    return pd.DataFrame({"gene": np.asarray(genes, dtype=object), "is_tf": genes.isin(tf_index),
                         "degree": (in_deg + out_deg).astype(np.int64),
                         "in_degree": in_deg.astype(np.int64), "out_degree": out_deg.astype(np.int64)})


def hubs(view_or_pred_edges, n: int = 20) -> pd.DataFrame:
    """Top ``n`` regulators by predicted out-degree: ``regulator, predicted_targets,
    known_targets`` (how many of those edges are in the ground truth), ``mean_score``; ties by
    mean score, then name. Missed edges of a `View` are not predictions and are left out."""
    edges = view_or_pred_edges.edges if isinstance(view_or_pred_edges, View) else view_or_pred_edges
    if "status" in edges:
        edges = edges[edges["status"] != STATUSES[2]]
    n = _positive_int("n", n)
    g = pd.DataFrame({"regulator": edges["regulator"].astype(str).to_numpy(),
                      "known": edges["known"].to_numpy(np.int64), "score": edges["score"].to_numpy(np.float64)})
    out = g.groupby("regulator", sort=False).agg(predicted_targets=("score", "size"),
                                                 known_targets=("known", "sum"), mean_score=("score", "mean"))
    out = out.reset_index().sort_values(["predicted_targets", "mean_score", "regulator"],
                                        ascending=[False, False, True], kind="stable")
    return out.head(n).reset_index(drop=True)


def gene_panel(edges, gene: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The selected gene's predicted targets (``target, score, rank, status``...) and regulators
    (``regulator, score, rank, status``...) among ``edges`` (a `View` or a frame), in rank order.
    A frame without ``status`` gets it as if every given edge were in the view (known -> "true
    positive", else "false positive")."""
    edges = edges.edges if isinstance(edges, View) else edges
    edges = with_status(edges)
    extra = [c for c in ("known", "trained", "sign") if c in edges]
    cols = ["score", "rank", "status", *extra]
    reg = edges["regulator"].astype(str).to_numpy()
    tgt = edges["target"].astype(str).to_numpy()
    targets = edges.loc[reg == str(gene), ["target", *cols]].sort_values("rank", kind="stable")
    regulators = edges.loc[tgt == str(gene), ["regulator", *cols]].sort_values("rank", kind="stable")
    return targets.reset_index(drop=True), regulators.reset_index(drop=True)


def with_status(edges: pd.DataFrame) -> pd.DataFrame:
    """``edges`` with a ``status`` column (added from ``known`` when absent, see `gene_panel`)."""
    if "status" in edges:
        return edges
    out = edges.copy()
    out["status"] = np.where(out["known"].to_numpy() != 0, STATUSES[0], STATUSES[1])
    return out


def neighbourhood(edges: pd.DataFrame, center: str, hops: int) -> set[str]:
    """Genes within ``hops`` undirected steps of ``center`` along ``edges`` (``center``
    included; ``{center}`` when it has no edge). Breadth-first over integer codes: one boolean
    scatter per hop, no loop over pairs."""
    hops = _hops(hops)
    reg = edges["regulator"].astype(str).to_numpy()
    tgt = edges["target"].astype(str).to_numpy()
    codes, uniques = pd.factorize(np.concatenate([reg, tgt]))
    a, b = codes[:len(reg)], codes[len(reg):]
    where = np.flatnonzero(np.asarray(uniques) == str(center))
    if not len(where):
        return {str(center)}
    seen = np.zeros(len(uniques), bool)
    seen[where[0]] = True
    frontier = seen.copy()
    for _ in range(hops):
        new = np.zeros_like(seen)
        new[b[frontier[a]]] = True
        new[a[frontier[b]]] = True
        new &= ~seen
        if not new.any():
            break
        seen |= new
        frontier = new
    return set(np.asarray(uniques, dtype=object)[seen].tolist())


# ---------------------------------------------------------------------- helpers
def _check_pred(pred) -> None:
    if not isinstance(pred, pd.DataFrame):
        raise TypeError(f"select needs a pred DataFrame, not {type(pred).__name__}")
    missing = [c for c in ("regulator", "target", "score", "rank", "known") if c not in pred]
    if missing:
        raise InputError(f"the predicted network lacks the column(s) {', '.join(missing)}",
                         where="network view", fix="build it with grncore.network.predicted")


def _isin(col: pd.Series, values) -> np.ndarray:
    """``col.isin(values)`` as a numpy mask; categoricals test their categories once."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        hit = np.asarray(col.cat.categories.astype(str).isin(values))
        codes = col.cat.codes.to_numpy()
        return np.where(codes >= 0, hit[np.maximum(codes, 0)], False)
    return col.astype(str).isin(values).to_numpy() if col.dtype != object else col.isin(values).to_numpy()


def _positive_int(name: str, value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise InputError(f"{name} must be a whole number of at least 1, not {value!r}", where="network view",
                         fix=f"use e.g. {name}=100")
    return int(value)


def _hops(hops) -> int:
    if isinstance(hops, bool) or not isinstance(hops, numbers.Integral) or hops < 0:
        raise InputError(f"hops must be a whole number of at least 0, not {hops!r}", where="network view",
                         fix="use 1 for the direct neighbours")
    return int(hops)


def _message(shown: int, selected: int, candidates: int, missed: int, missed_all: int, truncated: bool,
             top_k, threshold, center, hops) -> str:
    if truncated:
        msg = (f"showing the top {shown:,} of {selected:,} edges (more would be too slow to draw; "
               "lower k or raise the threshold)")
    elif top_k is not None:
        msg = f"showing the top {shown:,} of {candidates:,} candidate pairs"
    elif threshold is not None:
        msg = f"showing {shown:,} edges with score >= {threshold:g} of {candidates:,} candidate pairs"
    else:
        msg = f"showing all {shown:,} edges"
    if center is not None:
        msg += f" within {hops} hop{'s' if hops != 1 else ''} of {center}"
        if not shown:
            msg = (f"{center} has no edge within {hops} hop{'s' if hops != 1 else ''} among the selected "
                   "edges; raise k or lower the threshold")
    if missed:
        msg += f"; {missed:,} known edge{'s' if missed != 1 else ''} ranked below the cut drawn as missed"
        if missed_all > missed:
            msg += f" (the best ranked {missed:,} of {missed_all:,})"
    return msg

"""The restoration engine: prepare a problem, fit its edges, run the greedy, sweep thresholds.

See the package docstring (`grncore.restore`) for the math of both modes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd

from ..data import InputError
from .network import as_grn, break_cycles_fas, break_cycles_gager, difference_network
from .relationships import RELATIONSHIPS, Fit, fit_relationship

MODES = ("gager", "corrected")
GAGER_RESTORED = 1e-5          # the published code sets a restored gene's difference to 1e-5
SWEEP_THRESHOLDS = tuple(round(0.9 - 0.1 * i, 1) for i in range(9))   # 0.9, 0.8, ..., 0.1
# Defaults per mode: gager as published (linear); corrected: hill, the one relationship that beat
# the direct-targets baseline on the DREAM4 knockouts, within noise, and not on the knockdowns
# (bench/results/restoration.md); linear0 ranked the perturbed gene worse than chance there and
# is never a default.
DEFAULT_RELATIONSHIP = {"gager": "linear", "corrected": "hill"}


@dataclass
class Problem:
    """Everything restoration needs that does not depend on th2 or the relationship.

    ``graph`` is the acyclic difference network (edge ``weight``), ``removed`` the edges deleted
    to make it acyclic, ``source``/``target`` the per-gene state means over ``graph``'s nodes,
    ``objective`` the genes whose difference counts (all nodes but the hidden ones),
    ``candidates`` the genes that may be restored, in the mode's order.
    """

    mode: str
    graph: nx.DiGraph
    removed: list
    source: pd.Series
    target: pd.Series
    objective: list
    candidates: list
    edge_threshold: float
    hidden: list = field(default_factory=list)
    notes: list = field(default_factory=list)


@dataclass
class Restoration:
    """The result of one restoration run."""

    mode: str
    relationship: str
    threshold: float
    initial_difference: float
    final_difference: float
    chosen: list            # [{"gene", "difference_after"}] in the order chosen
    candidates: list        # [{"gene", "first_step_difference"}] best first
    genes: pd.DataFrame     # gene, source, target, predicted, gap_closed, in_objective
    fits: pd.DataFrame      # regulator, target, weight, form, r2, params
    graph: nx.DiGraph
    removed_edges: list
    notes: list = field(default_factory=list)

    @property
    def chosen_genes(self) -> list[str]:
        return [c["gene"] for c in self.chosen]

    def curve(self) -> pd.DataFrame:
        """The remaining difference per step (step 0 = before any restoration)."""
        rows = [{"step": 0, "gene": "", "difference": self.initial_difference}]
        rows += [{"step": i + 1, "gene": c["gene"], "difference": c["difference_after"]}
                 for i, c in enumerate(self.chosen)]
        return pd.DataFrame(rows)

    def to_json(self) -> dict:
        """The CLI's ``restoration.json`` (issue 10)."""
        return {"mode": self.mode, "relationship": self.relationship, "threshold": self.threshold,
                "initial_difference": self.initial_difference, "final_difference": self.final_difference,
                "chosen": self.chosen, "candidates": self.candidates,
                "difference_network": {"nodes": self.graph.number_of_nodes(), "edges": self.graph.number_of_edges(),
                                       "removed_to_break_cycles": len(self.removed_edges)},
                "notes": self.notes}


# ---------------------------------------------------------------------- checks
def check_threshold(threshold: float, name: str = "threshold") -> float:
    """th2 must lie in (0, 1]."""
    try:
        t = float(threshold)
    except (TypeError, ValueError):
        raise InputError(f"{name} {threshold!r} is not a number", where=name, fix="give a number in (0, 1]") from None
    if not 0.0 < t <= 1.0:
        raise InputError(f"{name} {t:g} is outside (0, 1]", where=name,
                         fix="give the fraction of the initial difference to stop below, e.g. 0.35")
    return t


def check_edge_threshold(edge_threshold: float) -> float:
    """th1 must lie in [0, 1) (normalised importances are at most 1)."""
    t = float(edge_threshold)
    if not 0.0 <= t < 1.0:
        raise InputError(f"edge threshold {t:g} is outside [0, 1)", where="edge_threshold",
                         fix="give a normalised importance cut-off, e.g. 0.1")
    return t


def _mean(expr: pd.DataFrame) -> pd.Series:
    return expr.astype(float).mean(axis=1)


# ---------------------------------------------------------------------- prepare
def prepare(source: pd.DataFrame, target: pd.DataFrame, target_grn: pd.DataFrame,
            source_grn: pd.DataFrame | None = None, *, mode: str = "corrected", edge_threshold: float = 0.1,
            tfs=None, hide_genes=(), fit_expression: pd.DataFrame | None = None) -> Problem:
    """Build the `Problem`: state means, the acyclic difference network, objective, candidates.

    ``source``/``target``: genes x samples of each state (one gene space: the rows must share
    genes). ``target_grn``/``source_grn``: edge tables (`as_grn`); ``source_grn=None`` means one
    GRN for both states. ``tfs``: optional regulator list (corrected mode: candidates are
    restricted to it; the gager mode, as published, takes every node). ``hide_genes``: genes left
    out of the objective (they can still be chosen). Corrected mode: the feedback arc set is
    taken under ``w * |r|``, ``r`` the Pearson correlation of the edge's genes over the fitting
    samples (``fit_expression``, else both states pooled), so that among equally important
    edges (e.g. a gold standard, all weights 1) the cycle is cut where the data support an edge
    least; with fewer than 3 fitting samples, under ``w`` alone.
    """
    if mode not in MODES:
        raise InputError(f"unknown mode {mode!r}", where="mode", fix="use gager or corrected")
    th1 = check_edge_threshold(edge_threshold)
    genes = source.index.intersection(target.index)
    if len(genes) == 0:
        raise InputError("the source and target states have no gene in common", where="states",
                         fix="give two expression tables over the same gene symbols")
    if source.shape[1] == 0 or target.shape[1] == 0:
        raise InputError("a state has no samples", where="states", fix="give each state at least one sample")
    notes = []
    if len(genes) < max(len(source.index), len(target.index)):
        notes.append(f"{max(len(source.index), len(target.index)) - len(genes)} gene(s) present in one state only "
                     "were left out")
    tg = as_grn(target_grn, genes, where="target-state GRN" if source_grn is not None else "GRN")
    sg = as_grn(source_grn, genes, where="source-state GRN") if source_grn is not None else None
    g = difference_network(tg, sg, edge_threshold=th1)
    if g.number_of_nodes() == 0:
        raise InputError(f"no GRN edge has a normalised importance above the edge threshold {th1:g}",
                         where="edge_threshold", fix="lower the edge threshold")
    if g.number_of_edges() == 0:
        notes.append("the difference network has no edge (both GRNs keep the same edges above th1): "
                     "nothing downstream can change; give one GRN for both states or lower th1")
    regulators_before = {u for u in g if g.out_degree(u) > 0}
    if mode == "gager":
        removed = break_cycles_gager(g)
    else:
        _support(g, fit_data(source, target, fit_expression))
        removed = break_cycles_fas(g, weight="support")
    if removed:
        notes.append(f"{len(removed)} edge(s) removed to break cycles")
    nodes = list(g.nodes)
    src = _mean(source.loc[nodes])
    tgt = _mean(target.loc[nodes])
    hidden = [str(h).strip() for h in hide_genes if str(h).strip()]
    unknown = [h for h in hidden if h not in g]
    if unknown:
        raise InputError(f"hidden gene(s) {', '.join(unknown[:3])} are not in the difference network",
                         where="hide_genes", fix="name genes of the GRN")
    objective = [u for u in nodes if u not in set(hidden)]
    if mode == "gager":
        candidates = gager_order(g)
    else:
        allowed = regulators_before if tfs is None else regulators_before & {str(t) for t in tfs}
        if tfs is not None and not allowed:
            raise InputError("no TF of the list regulates a gene of the difference network", where="tfs",
                             fix="give TFs that appear as regulators in the GRN")
        candidates = [u for u in nodes if u in allowed]
    return Problem(mode, g, removed, src, tgt, objective, candidates, th1, hidden, notes)


def fit_data(source: pd.DataFrame, target: pd.DataFrame, fit_expression: pd.DataFrame | None) -> pd.DataFrame:
    """The samples corrected-mode edges are fitted on: ``fit_expression``, else both states pooled."""
    return pd.concat([source, target], axis=1) if fit_expression is None else fit_expression


def _support(g: nx.DiGraph, data: pd.DataFrame) -> None:
    """Edge attribute ``support = weight * |pearson r|`` over ``data`` (``weight`` when r is not
    computable: fewer than 3 samples, a gene absent or without spread)."""
    nodes = [u for u in g if u in data.index]
    if data.shape[1] < 3 or not nodes:
        r = {}
    else:
        X = data.loc[nodes].to_numpy(dtype=float)
        X = X - X.mean(axis=1, keepdims=True)
        norm = np.sqrt((X * X).sum(axis=1))
        pos = {u: i for i, u in enumerate(nodes)}
        r = {}
        for u, v in g.edges:
            if u in pos and v in pos and norm[pos[u]] > 0 and norm[pos[v]] > 0:
                r[u, v] = abs(float(X[pos[u]] @ X[pos[v]]) / (norm[pos[u]] * norm[pos[v]]))
    for u, v, d in g.edges(data=True):
        d["support"] = d["weight"] * r.get((u, v), 1.0)


def gager_order(g: nx.DiGraph) -> list[str]:
    """GAGER's candidate order: depth (0 without parents, else 1 + the deepest parent), then
    descending total outgoing weight; ties keep the graph's node order."""
    depth = {}
    for u in nx.topological_sort(g):
        depth[u] = 1 + max((depth[p] for p in g.predecessors(u)), default=-1)
    pos = {u: i for i, u in enumerate(g.nodes)}
    out_w = {u: sum(d["weight"] for _, _, d in g.out_edges(u, data=True)) for u in g}
    return sorted(g.nodes, key=lambda u: (depth[u], -out_w[u], pos[u]))


# ---------------------------------------------------------------------- fitting
def fit_edges(problem: Problem, relationship: str, source: pd.DataFrame, target: pd.DataFrame,
              fit_expression: pd.DataFrame | None = None, cache: dict | None = None) -> dict[tuple[str, str], Fit]:
    """One `Fit` per difference-network edge.

    gager: on the two state means (``(mean_source(p), mean_source(t))`` and the target pair),
    with the two-coefficient reductions. corrected: on per-sample pairs, ``fit_expression`` if
    given (genes x samples), else the samples of both states pooled. ``cache``: a dict of
    ``(regulator, target) -> Fit`` for this relationship, mode and data, used and filled (an
    edge's fit depends on nothing else, so a th1 or hide_genes change refits nothing).
    """
    if relationship not in RELATIONSHIPS:
        raise InputError(f"unknown relationship {relationship!r}", where="relationship",
                         fix=f"use one of {', '.join(RELATIONSHIPS)}")
    cache = {} if cache is None else cache
    todo = [e for e in problem.graph.edges if e not in cache]
    if problem.mode == "gager":
        pts = pd.concat([problem.source, problem.target], axis=1).to_numpy()
        idx = {u: i for i, u in enumerate(problem.source.index)}
        for u, v in todo:
            cache[u, v] = fit_relationship(relationship, pts[idx[u]], pts[idx[v]], reduced=True)
    elif todo:
        data = fit_data(source, target, fit_expression)
        where = "pooled samples of both states" if fit_expression is None else "fit expression"
        needed = list(dict.fromkeys(u for e in todo for u in e))
        missing = [u for u in needed if u not in data.index]
        if missing:
            raise InputError(f"the {where} lack gene(s) {', '.join(missing[:3])}", where="fit expression",
                             fix="give fitting samples over the GRN's genes")
        if data.shape[1] < 3:
            raise InputError(f"the corrected mode fits each edge on per-sample pairs, but the {where} hold "
                             f"{data.shape[1]} sample(s)", where="fit expression",
                             fix="give at least 3 samples (e.g. --fit-expression with other experiments)")
        X = data.loc[needed].to_numpy(dtype=float)
        rows = {u: X[i] for i, u in enumerate(needed)}
        for u, v in todo:
            cache[u, v] = fit_relationship(relationship, rows[u], rows[v])
    return {e: cache[e] for e in problem.graph.edges}


def fit_table(problem: Problem, fits: dict) -> pd.DataFrame:
    """Fit qualities per edge: regulator, target, weight, form, r2, n, params."""
    rows = [{"regulator": u, "target": v, "weight": float(problem.graph.edges[u, v]["weight"]),
             "form": f.form, "r2": f.r2, "n": f.n, "params": f.params} for (u, v), f in fits.items()]
    return pd.DataFrame(rows, columns=["regulator", "target", "weight", "form", "r2", "n", "params"])


# ---------------------------------------------------------------------- greedy
class _Engine:
    """Propagation over the acyclic difference network with fitted edges (both modes)."""

    def __init__(self, problem: Problem, fits: dict):
        self.p = problem
        g = problem.graph
        order = list(nx.topological_sort(g))
        rank = {u: i for i, u in enumerate(order)}
        self.parents = {v: [(u, fits[u, v], float(g.edges[u, v]["weight"])) for u in g.predecessors(v)]
                        for v in g}
        self.down = {c: sorted(nx.descendants(g, c), key=rank.__getitem__) for c in problem.candidates}
        self.obj = problem.objective
        self.src = {u: float(x) for u, x in problem.source.items()}
        self.tgt = {u: float(x) for u, x in problem.target.items()}

    def total(self, values: dict) -> float:
        if self.p.mode == "gager":   # values are remaining differences d
            return float(sum(abs(values[u]) for u in self.obj))
        return float(sum(abs(self.tgt[u] - values[u]) for u in self.obj))   # values are levels

    def initial(self) -> dict:
        return {u: self.tgt[u] - self.src[u] for u in self.src} if self.p.mode == "gager" else dict(self.src)

    def apply(self, c: str, values: dict, clamped: set) -> dict:
        """``values`` after restoring ``c`` (a new dict)."""
        new = dict(values)
        if self.p.mode == "gager":
            # published: d_c := 1e-5; each descendant recomputed as the mean over its parents of
            # w * [f(x_p + d_p) - f(x_p)] (= a * d_p * w for the linear fit), x_p the source mean
            new[c] = GAGER_RESTORED
            for t in self.down[c]:
                terms = [w * f.propagate(self.src[u], new[u]) for u, f, w in self.parents[t]]
                new[t] = sum(terms) / len(terms)
            return new
        # corrected: c clamped at its target level; every unclamped descendant moves by
        # sum over its moved parents of f(x_p + dx_p) - f(x_p), in topological order
        delta = {c: self.tgt[c] - values[c]}
        new[c] = self.tgt[c]
        for t in self.down[c]:
            if t in clamped:
                continue
            dt = sum(f.propagate(values[u], delta[u]) for u, f, _ in self.parents[t] if delta.get(u))
            if dt:
                delta[t] = dt
                new[t] = values[t] + dt
        return new


def run(problem: Problem, fits: dict, threshold: float = 0.35, *, relationship: str = "") -> Restoration:
    """Run the greedy of ``problem.mode`` until the remaining difference is below ``threshold``
    times the initial one (or no candidate helps / the candidates are exhausted)."""
    th2 = check_threshold(threshold)
    eng = _Engine(problem, fits)
    values = eng.initial()
    d0 = eng.total(values)
    stop = th2 * d0
    first = {c: eng.total(eng.apply(c, values, set())) for c in problem.candidates}
    chosen, clamped, current = [], set(), d0
    if problem.mode == "gager":
        for c in problem.candidates:          # single pass in GAGER's order
            if current < stop:
                break
            trial = eng.apply(c, values, clamped)
            d = eng.total(trial)
            if d < current:
                values, current = trial, d
                chosen.append({"gene": c, "difference_after": d})
    else:
        remaining = list(problem.candidates)
        while remaining and current >= stop:  # best first: the candidate that lowers D most
            trials = [(eng.total(t), i, t) for i, t in
                      ((i, eng.apply(c, values, clamped)) for i, c in enumerate(remaining))]
            d, i, trial = min(trials, key=lambda x: (x[0], x[1]))
            if not d < current * (1 - 1e-12):
                break
            c = remaining.pop(i)
            values, current = trial, d
            clamped.add(c)
            chosen.append({"gene": c, "difference_after": d})
    genes = _gene_table(problem, eng, values)
    cands = sorted(({"gene": c, "first_step_difference": d} for c, d in first.items()),
                   key=lambda r: r["first_step_difference"])
    return Restoration(problem.mode, relationship, th2, d0, current, chosen, cands, genes,
                       fit_table(problem, fits), problem.graph, problem.removed, list(problem.notes))


def _gene_table(problem: Problem, eng: _Engine, values: dict) -> pd.DataFrame:
    nodes = list(problem.source.index)
    src = problem.source.to_numpy(dtype=float)
    tgt = problem.target.to_numpy(dtype=float)
    if problem.mode == "gager":
        pred = tgt - np.array([values[u] for u in nodes])
    else:
        pred = np.array([values[u] for u in nodes])
    gap = np.abs(tgt - src)
    with np.errstate(divide="ignore", invalid="ignore"):
        closed = np.where(gap > 0, 1.0 - np.abs(tgt - pred) / gap, np.nan)
    hidden = set(problem.hidden)
    return pd.DataFrame({"gene": nodes, "source": src, "target": tgt, "predicted": pred, "gap_closed": closed,
                         "in_objective": [u not in hidden for u in nodes]})


def cut(result: Restoration, threshold: float) -> tuple[float, int]:
    """(difference, n_tfs) of the same greedy stopped at a higher ``threshold``: both greedies
    are deterministic and only their stopping rule depends on th2, so a run at a lower th2
    contains every higher-th2 run as a prefix."""
    stop = threshold * result.initial_difference
    diff, n = result.initial_difference, 0
    for c in result.chosen:
        if diff < stop:
            break
        diff, n = c["difference_after"], n + 1
    return diff, n


# ---------------------------------------------------------------------- one call
def restore(source: pd.DataFrame, target: pd.DataFrame, target_grn: pd.DataFrame,
            source_grn: pd.DataFrame | None = None, *, relationship: str | None = None, mode: str = "corrected",
            threshold: float = 0.35, edge_threshold: float = 0.1, tfs=None, hide_genes=(),
            fit_expression: pd.DataFrame | None = None) -> Restoration:
    """`prepare` + `fit_edges` + `run` (see the package docstring); ``relationship=None`` takes
    the mode's default (`DEFAULT_RELATIONSHIP`)."""
    check_threshold(threshold)
    if relationship is None:
        relationship = DEFAULT_RELATIONSHIP.get(mode, "linear")
    problem = prepare(source, target, target_grn, source_grn, mode=mode, edge_threshold=edge_threshold,
                      tfs=tfs, hide_genes=hide_genes, fit_expression=fit_expression)
    fits = fit_edges(problem, relationship, source, target, fit_expression)
    return run(problem, fits, threshold, relationship=relationship)


def relationships_for(mode: str) -> tuple[str, ...]:
    """Relationships a mode can fit (auto needs per-sample pairs, so not gager)."""
    return tuple(r for r in RELATIONSHIPS if not (mode == "gager" and r == "auto"))


def sweep(problem: Problem, source: pd.DataFrame, target: pd.DataFrame, fit_expression=None, *,
          relationships=None, thresholds=SWEEP_THRESHOLDS, fits_cache: dict | None = None) -> pd.DataFrame:
    """th2 from 90% to 10% for every relationship: ``relationship, threshold, difference, n_tfs,
    product`` (difference x n_tfs), one greedy run per relationship at the lowest threshold, cut
    at the others (`cut`). ``fits_cache`` (relationship -> `fit_edges` cache) is used and filled."""
    ths = [check_threshold(t) for t in thresholds]
    rows = []
    for rel in relationships or relationships_for(problem.mode):
        cache = fits_cache.setdefault(rel, {}) if fits_cache is not None else None
        fits = fit_edges(problem, rel, source, target, fit_expression, cache)
        res = run(problem, fits, min(ths), relationship=rel)
        for t in ths:
            d, n = cut(res, t)
            rows.append({"relationship": rel, "threshold": t, "difference": d, "n_tfs": n, "product": d * n})
    return pd.DataFrame(rows, columns=["relationship", "threshold", "difference", "n_tfs", "product"])


def sweep_summary(table: pd.DataFrame, initial_difference: float) -> pd.DataFrame:
    """The best relationship per threshold (the paper's Table 1). Among relationships that
    reached the threshold (``difference < threshold * initial_difference``), the lowest product
    of remaining difference and TF count (the paper's Figure 4 criterion); when none reached
    it, the lowest remaining difference (the product alone would reward restoring one TF that
    changes nothing). Ties: fewer TFs, then the relationship order. Column ``reached`` says which
    rule chose."""
    rows = []
    for t, grp in table.groupby("threshold", sort=False):
        grp = grp.assign(_order=range(len(grp)))
        reached = grp[(grp["n_tfs"] > 0) & (grp["difference"] < t * initial_difference)]
        if len(reached):
            best = reached.sort_values(["product", "n_tfs", "_order"], kind="stable").iloc[0]
        else:
            best = grp.sort_values(["difference", "n_tfs", "_order"], kind="stable").iloc[0]
        rows.append({"threshold": t, "best_relationship": best["relationship"], "difference": float(best["difference"]),
                     "n_tfs": int(best["n_tfs"]), "product": float(best["product"]), "reached": bool(len(reached))})
    return pd.DataFrame(rows, columns=["threshold", "best_relationship", "difference", "n_tfs", "product", "reached"])

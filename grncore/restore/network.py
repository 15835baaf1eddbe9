"""GRN frames, the difference network and cycle breaking for restoration.

- `as_grn`: any edge table (``TF,target,importance`` of SCENIC/arboreto, ``regulator,target,score``
  of `grncore.data.read_predictions`, ``regulator,target[,weight]`` of a ground truth) as
  ``regulator, target, importance``.
- `difference_network`: GAGER's rule. Each GRN's ``|importance|`` is divided by that GRN's maximum
  and edges with normalised importance ``> th1`` are kept; the difference network holds the kept
  target-state edges that are not also kept in the source-state GRN, weighted by the target-state
  normalised importance, with every node of the kept target-state GRN (isolated ones included).
  With one GRN for both states there is nothing to subtract: the difference network is that GRN's
  kept edges.
- `break_cycles_gager`: the published rule, delete the lowest-weight edge of a cycle until the
  graph is acyclic (one cycle found by depth-first search at a time, ``networkx.find_cycle``;
  the published code enumerates all simple cycles, which is exponential).
- `feedback_arc_set`: Eades, Lin & Smyth, "A fast and effective heuristic for the feedback arc set
  problem", Inf. Process. Lett. 47:319 (1993). Repeatedly move sinks to the end and sources to the
  front of a vertex order; otherwise move the vertex with the largest ``w_out - w_in`` (weighted
  degrees of the remaining graph, so light edges tend to become the feedback arcs) to the front.
  Edges pointing backwards in the order form the feedback arc set; deleting them leaves a DAG.
  A lazy max-heap keeps it O((V + E) log V).
"""

from __future__ import annotations

import heapq
from collections import deque

import networkx as nx
import pandas as pd

from ..data import InputError

_COLUMN_NAMES = {"regulator": ("regulator", "tf", "gene1", "source", "from"),
                 "target": ("target", "gene2", "to"),
                 "importance": ("importance", "score", "weight", "edgeweight")}


def as_grn(frame: pd.DataFrame, genes=None, *, where: str = "GRN") -> pd.DataFrame:
    """``frame`` as ``regulator, target, importance`` (float). Column names are matched
    case-insensitively (TF/regulator/Gene1, target/Gene2, importance/score/weight/EdgeWeight);
    without an importance column (or with one left all empty, as a gold standard's ``weight``)
    every edge weighs 1. Self-loops are dropped; with ``genes``,
    edges naming a gene outside them are dropped, and a GRN left without edges is an `InputError`.
    """
    if not isinstance(frame, pd.DataFrame) or frame.shape[1] < 2:
        raise InputError("a GRN needs at least a regulator and a target column", where=where,
                         fix="give TF,target,importance rows")
    lower = {str(c).strip().lower(): c for c in frame.columns}
    cols = {}
    for role, names in _COLUMN_NAMES.items():
        cols[role] = next((lower[n] for n in names if n in lower), None)
    reg = cols["regulator"] if cols["regulator"] is not None else frame.columns[0]
    tgt = cols["target"] if cols["target"] is not None else frame.columns[1]
    out = pd.DataFrame({"regulator": frame[reg].astype(str).str.strip(),
                        "target": frame[tgt].astype(str).str.strip()})
    if cols["importance"] is not None and frame[cols["importance"]].notna().any():
        imp = pd.to_numeric(frame[cols["importance"]], errors="coerce")
        if imp.isna().any() or not imp.abs().lt(float("inf")).all():
            raise InputError("the importance column holds values that are not finite numbers", where=where,
                             fix="give every edge a numeric importance")
        out["importance"] = imp.astype(float).to_numpy()
    else:
        out["importance"] = 1.0
    out = out[out["regulator"] != out["target"]]
    if genes is not None:
        known = set(genes)
        out = out[out["regulator"].isin(known) & out["target"].isin(known)]
        if out.empty:
            raise InputError("the GRN names no gene of the expression (or only self-loops)", where=where,
                             fix="use a GRN of these genes (same gene symbols as the expression rows)")
    out = out.reindex(out["importance"].abs().sort_values(ascending=False, kind="stable").index)
    return out.drop_duplicates(["regulator", "target"]).reset_index(drop=True)


def kept_edges(grn: pd.DataFrame, edge_threshold: float) -> pd.DataFrame:
    """Edges with ``|importance| / max|importance| > edge_threshold``, column ``weight`` added."""
    top = float(grn["importance"].abs().max()) if len(grn) else 0.0
    w = grn["importance"].abs() / top if top > 0 else grn["importance"] * 0.0
    out = grn.assign(weight=w.to_numpy())
    return out[out["weight"] > edge_threshold].reset_index(drop=True)


def difference_network(target_grn: pd.DataFrame, source_grn: pd.DataFrame | None = None, *,
                       edge_threshold: float = 0.1) -> nx.DiGraph:
    """The difference network (module docstring) as a `networkx.DiGraph` with edge ``weight``;
    the GRNs are any edge tables `as_grn` reads."""
    tk = kept_edges(as_grn(target_grn, where="target-state GRN"), edge_threshold)
    g = nx.DiGraph()
    for r, t in zip(tk["regulator"], tk["target"]):
        g.add_node(r)
        g.add_node(t)
    if source_grn is not None:
        sk = kept_edges(as_grn(source_grn, where="source-state GRN"), edge_threshold)
        common = set(zip(sk["regulator"], sk["target"]))
        tk = tk[[(r, t) not in common for r, t in zip(tk["regulator"], tk["target"])]]
    g.add_weighted_edges_from(zip(tk["regulator"], tk["target"], tk["weight"].astype(float)))
    return g


def break_cycles_gager(g: nx.DiGraph) -> list[tuple[str, str, float]]:
    """Delete, in place, the lowest-weight edge of a found cycle until ``g`` is acyclic (ties:
    the first such edge along the cycle). Returns the deleted ``(u, v, weight)``."""
    removed = []
    while True:
        try:
            cycle = nx.find_cycle(g)
        except nx.NetworkXNoCycle:
            return removed
        u, v = min(((a, b) for a, b, *_ in cycle), key=lambda e: g.edges[e]["weight"])
        removed.append((u, v, float(g.edges[u, v]["weight"])))
        g.remove_edge(u, v)


def feedback_arc_set(g: nx.DiGraph, weight: str = "weight") -> list[tuple[str, str]]:
    """The Eades-Lin-Smyth feedback arc set of ``g`` (module docstring) under the edge attribute
    ``weight`` (1 where absent); self-loops included."""
    index = {u: i for i, u in enumerate(g.nodes)}
    succ = {u: {v: float(d.get(weight, 1.0)) for v, d in g.succ[u].items() if v != u} for u in g}
    pred = {u: {p: float(d.get(weight, 1.0)) for p, d in g.pred[u].items() if p != u} for u in g}
    out_w = {u: sum(s.values()) for u, s in succ.items()}
    in_w = {u: sum(p.values()) for u, p in pred.items()}
    alive = set(g.nodes)
    version = dict.fromkeys(g.nodes, 0)
    heap = [(-(out_w[u] - in_w[u]), index[u], 0, u) for u in g]
    heapq.heapify(heap)
    sinks = deque(u for u in g if not succ[u])
    sources = deque(u for u in g if succ[u] and not pred[u])
    front, back = [], deque()

    def remove(u):
        alive.discard(u)
        for v, w in succ[u].items():
            if v in alive:
                del pred[v][u]
                in_w[v] -= w
                version[v] += 1
                heapq.heappush(heap, (-(out_w[v] - in_w[v]), index[v], version[v], v))
                if not pred[v] and succ[v]:
                    sources.append(v)
        for p, w in pred[u].items():
            if p in alive:
                del succ[p][u]
                out_w[p] -= w
                version[p] += 1
                heapq.heappush(heap, (-(out_w[p] - in_w[p]), index[p], version[p], p))
                if not succ[p]:
                    sinks.append(p)

    while alive:
        moved = False
        while sinks:
            u = sinks.popleft()
            if u in alive and not succ[u]:
                back.appendleft(u)
                remove(u)
                moved = True
        while sources:
            u = sources.popleft()
            if u in alive and not pred[u]:
                front.append(u)
                remove(u)
                moved = True
        if moved or not alive:
            continue
        while heap:
            _, _, ver, u = heapq.heappop(heap)
            if u in alive and ver == version[u]:
                front.append(u)
                remove(u)
                break
    pos = {u: i for i, u in enumerate(front + list(back))}
    return [(u, v) for u, v in g.edges if pos[u] >= pos[v]]


def break_cycles_fas(g: nx.DiGraph, weight: str = "weight") -> list[tuple[str, str, float]]:
    """Delete, in place, the Eades-Lin-Smyth feedback arc set under edge attribute ``weight``;
    returns ``(u, v, weight)`` with the edges' own ``weight``."""
    arcs = feedback_arc_set(g, weight)
    removed = [(u, v, float(g.edges[u, v].get("weight", 1.0))) for u, v in arcs]
    g.remove_edges_from(arcs)
    return removed

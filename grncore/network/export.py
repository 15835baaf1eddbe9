"""Export a predicted network (a `View` or an edge frame) to the files other tools read.

Formats (`FORMATS`; `FILE_NAMES` and `MIME_TYPES` give a download name and type for each):

- ``csv``: our columns, comma-separated: ``regulator, target, score, rank, known, trained``,
  then ``sign`` and ``status`` when present (read back by
  `grncore.network.predicted.read_predictions_file`).
- ``beeline``: BEELINE's ``rankedEdges.csv``, ``Gene1<TAB>Gene2<TAB>EdgeWeight`` (BEELINE writes
  and reads it tab-separated), best first.
- ``arboreto``: arboreto / pySCENIC adjacencies, ``TF<TAB>target<TAB>importance``, best first.
- ``graphml``: GraphML (``networkx.write_graphml``) of the directed graph; nodes carry ``is_tf``
  (boolean), ``degree``, ``in_degree``, ``out_degree``; edges ``score``, ``rank``, ``status``,
  ``known``, ``trained`` and ``sign`` (only on edges whose sign is known, i.e. non-zero).
- ``cyjs``: Cytoscape JSON (``networkx.cytoscape_data``: ``{"data", "directed", "multigraph",
  "elements": {"nodes", "edges"}}``) with the same attributes; Cytoscape opens it with File >
  Import > Network from File, and ``networkx.cytoscape_graph`` reads it back.
- ``sif``: the Simple Interaction Format as GRNsight and Cytoscape read it, one
  ``regulator<TAB>pd<TAB>target`` line per edge (``pd``: protein -> DNA).
- ``html``: the standalone offline pyvis page of `grncore.viz.network_html.network_html`.

Edges with status "missed" (known edges the run ranked below the cut) are not predictions: they
are kept in csv, graphml, cyjs and html (where ``status`` says what they are) and left out of
beeline, arboreto and sif, which have no field to tell them apart.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..data import InputError
from .predicted import PRED_COLUMNS
from .view import STATUSES, View, node_table, with_status

FORMATS = ("csv", "beeline", "arboreto", "graphml", "sif", "cyjs", "html")
FILE_NAMES = {"csv": "predictions.csv", "beeline": "rankedEdges.csv", "arboreto": "adjacencies.tsv",
              "graphml": "network.graphml", "sif": "network.sif", "cyjs": "network.cyjs",
              "html": "network.html"}
MIME_TYPES = {"csv": "text/csv", "beeline": "text/csv", "arboreto": "text/tab-separated-values",
              "graphml": "application/xml", "sif": "text/plain", "cyjs": "application/json",
              "html": "text/html"}

__all__ = ["FORMATS", "FILE_NAMES", "MIME_TYPES", "export_bytes", "write", "to_networkx"]


def export_bytes(edges, fmt: str, *, nodes: pd.DataFrame | None = None, title: str = "", tfs=None) -> bytes:
    """The file content of ``edges`` (a `View`, or a frame with at least ``regulator, target,
    score, rank, known``) in format ``fmt`` (see module doc). ``nodes`` (``gene, is_tf, degree``
    ...) default to the view's nodes or to `grncore.network.view.node_table` of the edges with
    TFs ``tfs`` (every regulator when None). ``title`` names the graph (graphml, cyjs, html)."""
    if fmt not in FORMATS:
        raise InputError(f"unknown export format {fmt!r}", where="export", fix=f"use one of {', '.join(FORMATS)}")
    view = edges if isinstance(edges, View) else None
    frame = with_status(_check(view.edges if view is not None else edges))
    if nodes is None:
        nodes = view.nodes if view is not None else node_table(frame, tfs)
    predicted = frame[frame["status"] != STATUSES[2]]
    if fmt == "csv":
        cols = list(PRED_COLUMNS) + [c for c in ("sign", "status") if c in frame]
        return frame[[c for c in cols if c in frame]].to_csv(index=False).encode()
    if fmt == "beeline":
        out = pd.DataFrame({"Gene1": predicted["regulator"], "Gene2": predicted["target"],
                            "EdgeWeight": predicted["score"]})
        return out.to_csv(sep="\t", index=False).encode()
    if fmt == "arboreto":
        out = pd.DataFrame({"TF": predicted["regulator"], "target": predicted["target"],
                            "importance": predicted["score"]})
        return out.to_csv(sep="\t", index=False).encode()
    if fmt == "sif":
        lines = predicted["regulator"].astype(str) + "\tpd\t" + predicted["target"].astype(str) + "\n"
        return "".join(lines.tolist()).encode()
    if fmt == "html":
        from ..viz.network_html import network_html  # owned by the page side; pyvis is imported there

        if view is None:
            view = View(edges=frame, nodes=nodes, n_candidates=len(frame), truncated=False,
                        message=f"{len(predicted):,} edges", n_selected=len(predicted))
        return network_html(view, title=title).encode()
    graph = to_networkx(frame, nodes, title=title)
    if fmt == "graphml":
        import networkx as nx

        buf = io.BytesIO()
        nx.write_graphml(graph, buf)
        return buf.getvalue()
    import networkx as nx

    data = nx.cytoscape_data(graph)
    data["data"] = dict(graph.graph)  # Cytoscape reads graph data as an object, networkx as items
    return json.dumps(data, indent=1, ensure_ascii=False).encode()


def write(edges, fmt: str, path, **kw) -> Path:
    """Write `export_bytes` of ``edges`` to ``path`` (returned)."""
    data = export_bytes(edges, fmt, **kw)
    path = Path(path)
    path.write_bytes(data)
    return path


def to_networkx(edges: pd.DataFrame, nodes: pd.DataFrame, *, title: str = ""):
    """A ``networkx.DiGraph`` of ``edges`` with the node and edge attributes of the module doc
    (plain Python values, so every networkx writer accepts them)."""
    import networkx as nx

    edges = with_status(edges)
    g = nx.DiGraph(name=title) if title else nx.DiGraph()
    node_cols = [c for c in ("is_tf", "degree", "in_degree", "out_degree") if c in nodes]
    for rec in nodes[["gene", *node_cols]].itertuples(index=False):
        g.add_node(str(rec[0]), **{c: _py(v) for c, v in zip(node_cols, rec[1:])})
    edge_cols = [c for c in ("score", "rank", "status", "known", "trained") if c in edges]
    has_sign = "sign" in edges
    cols = ["regulator", "target", *edge_cols] + (["sign"] if has_sign else [])
    for rec in edges[cols].itertuples(index=False):
        attrs = {c: _py(v) for c, v in zip(edge_cols, rec[2:2 + len(edge_cols)])}
        if has_sign and rec[-1] != 0:
            attrs["sign"] = int(rec[-1])
        g.add_edge(str(rec[0]), str(rec[1]), **attrs)
    return g


def _check(edges) -> pd.DataFrame:
    if not isinstance(edges, pd.DataFrame):
        raise TypeError(f"export needs a View or a DataFrame, not {type(edges).__name__}")
    missing = [c for c in ("regulator", "target", "score", "rank", "known") if c not in edges]
    if missing:
        raise InputError(f"the edges lack the column(s) {', '.join(missing)}", where="export",
                         fix="export a predicted network (grncore.network.predicted)")
    return edges


def _py(v):
    """numpy scalars -> Python scalars (bool, int, float, str)."""
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    return v

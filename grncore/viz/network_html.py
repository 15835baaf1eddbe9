"""Standalone, offline HTML of a predicted network (pyvis 0.3.2 / vis-network 9.1.2).

`network_html(view)` draws a `grncore.network.view.View` (``edges``: regulator, target, score,
rank, known, trained, sign, status; ``nodes``: gene, is_tf, degree, in_degree, out_degree) the way
GRNsight and Cytoscape styles do:

- TFs are purple diamonds, other genes blue dots; node size grows with the degree in the view
  (radius ``10 + 4 * sqrt(degree)``); the gene the view is centred on (``view.center``) has a
  thick amber border and a larger label.
- Edge width is linear in the score over the view's score range (1 to 6 px).
- Edge colour by status (default): true positive green, false positive (a candidate novel
  interaction) orange, missed (a known edge ranked below the cut) grey and dashed; or by sign:
  activation red, repression blue, unknown grey. Either way a repression edge ends in a bar
  (vis-network ``arrows.to.type = "bar"``) and every other edge in an arrow.
- A legend (static HTML, no data) runs below the drawing; the title, if any, is escaped.

Offline and safe with any gene name:
- ``cdn_resources="in_line"`` inlines vis-network; the bootstrap ``<link>``/``<script>`` that
  pyvis's template takes from a CDN is removed (the template's cards only need it for menus we do
  not use), and `external_references` must find nothing left, else this raises.
- Gene names reach the page only through the template's ``tojson`` filter (Jinja's
  ``htmlsafe_json_dumps``: ``<``, ``>``, ``&``, ``'`` written as ``\\u003c`` ...), so ``</script>``
  in a name cannot close the script; labels are drawn on a canvas, and vis-network 9.1.2 sets a
  string tooltip with ``innerText``, so titles are plain text. pyvis's own switch to an
  ``innerHTML`` popup (taken when a node title contains ``href``) is never taken: the template is
  rendered here with ``tooltip_link=False``.
- vis-network lays the graph out (forceAtlas2, 150 stabilisation iterations, a fixed random seed)
  before the first drawing; with ``physics=True`` the simulation then keeps running (dragged nodes
  pull their neighbours), with ``physics=False`` it stops once stabilised and nodes stay where
  they are put.

The ``<body>`` carries ``data-nodes`` / ``data-edges`` (and ``data-centred`` when centred on a gene) and ``#mynetwork`` gets ``data-drawn="1"``
after vis-network's first ``afterDrawing`` event, with ``data-drawn-ms`` the milliseconds from the start
of the page (what browser tests and the speed bench wait on).
"""

from __future__ import annotations

import html
import math
import re

import numpy as np

STATUS_COLOURS = {"true positive": "#2ca02c", "false positive": "#ff7f0e", "missed": "#9e9e9e"}
SIGN_COLOURS = {1: "#d62728", -1: "#1f77b4", 0: "#7f7f7f"}
TF_COLOUR = {"background": "#b07cc6", "border": "#6c3483"}
GENE_COLOUR = {"background": "#97c2fc", "border": "#2b7ce9"}
CENTER_BORDER = "#e6a700"
COLOR_BY = ("status", "sign")
# vis-network options. improvedLayout (Kamada-Kawai seeding, with clustering above 100 nodes) is
# off: on 500 BEELINE edges it doubled the time to the first drawing and forceAtlas2 alone lays the
# graph out as well. The random seed makes the layout the same every time.
OPTIONS = {
    "nodes": {"font": {"size": 14, "face": "sans-serif", "strokeWidth": 3, "strokeColor": "#ffffff"},
              "borderWidth": 1.5},
    "edges": {"smooth": {"enabled": True, "type": "curvedCW", "roundness": 0.12},
              "arrowStrikethrough": False, "selectionWidth": 2},
    "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": True, "multiselect": True},
    "layout": {"randomSeed": 7, "improvedLayout": False},
    "physics": {"enabled": True, "solver": "forceAtlas2Based",
                "forceAtlas2Based": {"gravitationalConstant": -60, "springLength": 90, "avoidOverlap": 0.3},
                "stabilization": {"enabled": True, "iterations": 150, "fit": True}},
}

_EXTERNAL = re.compile(r"""(?:\b(?:src|href|action|poster|data)\s*=\s*["']?\s*|@import\s+(?:url\()?\s*["']?|url\(\s*["']?)"""
                       r"""((?:https?:)?//[^"'\s)>]+)""", re.IGNORECASE)
_BOOTSTRAP = re.compile(r"<link[^>]*bootstrap[^>]*>|<script[^>]*bootstrap[^>]*>\s*</script>", re.IGNORECASE)
_EMPTY_HEADING = re.compile(r"<center>\s*<h1>\s*</h1>\s*</center>")
_OLD_LINKS = re.compile(r"<!--\s*<link[^>]*node_modules.*?-->", re.DOTALL)  # a commented-out vis.js of the template


def external_references(page: str) -> list[str]:
    """URLs outside the page that ``page`` would load: ``src=``/``href=``/``@import``/``url(``
    values starting with ``http:``, ``https:`` or ``//`` (text such as licence comments in the
    inlined scripts is not a reference)."""
    return _EXTERNAL.findall(page)


def network_html(view, *, physics: bool = True, height: str = "720px", title: str = "",
                 color_by: str = "status") -> str:
    """The standalone HTML page of ``view`` (see the module doc for the drawing conventions)."""
    from pyvis.network import Network

    if color_by not in COLOR_BY:
        raise ValueError(f"color_by must be one of {COLOR_BY}, not {color_by!r}")
    edges, nodes = view.edges, view.nodes
    net = Network(height=height, width="100%", directed=True, cdn_resources="in_line", heading="")
    center = getattr(view, "center", None)
    for node in nodes.itertuples(index=False):
        gene, degree = str(node.gene), int(node.degree)
        kind = "transcription factor" if node.is_tf else "gene"
        colour = dict(TF_COLOUR if node.is_tf else GENE_COLOUR)
        mark = {}
        if gene == center:
            colour["border"] = CENTER_BORDER
            mark = {"borderWidth": 5, "font": {"size": 20}}
        net.add_node(gene, label=gene, shape="diamond" if node.is_tf else "dot", color=colour,
                     size=10 + 4 * math.sqrt(degree),
                     title=f"{gene}\n{kind}\n{int(node.out_degree)} targets, {int(node.in_degree)} regulators in this view",
                     **mark)
    widths = _widths(edges["score"].to_numpy(dtype=float))
    signs = edges["sign"].to_numpy() if "sign" in edges else np.zeros(len(edges), dtype=np.int8)
    trained = edges["trained"].to_numpy() if "trained" in edges else np.zeros(len(edges), dtype=np.int8)
    for i, e in enumerate(edges[["regulator", "target", "score", "rank", "status"]].itertuples(index=False)):
        sign = int(signs[i])
        colour = STATUS_COLOURS[e.status] if color_by == "status" else SIGN_COLOURS[sign]
        effect = {1: "activation", -1: "repression"}.get(sign, "sign unknown")
        note = "\ntraining pair (in-sample)" if trained[i] else ""
        net.add_edge(str(e.regulator), str(e.target), width=float(widths[i]), dashes=e.status == "missed",
                     color={"color": colour, "highlight": colour, "hover": colour},
                     arrows={"to": {"enabled": True, "type": "bar" if sign == -1 else "arrow", "scaleFactor": 0.7}},
                     title=f"{e.regulator} \u2192 {e.target}\nscore {e.score:.4g} \u00b7 rank {int(e.rank):,}\n"
                           f"{e.status} \u00b7 {effect}{note}")
    net.options = OPTIONS
    page = _render(net)
    page = _OLD_LINKS.sub("", _EMPTY_HEADING.sub("", _BOOTSTRAP.sub("", page)))
    left = external_references(page)
    if left:
        raise RuntimeError(f"the network HTML still references {left[:3]}; pyvis's template changed")
    centred = ' data-centred="1"' if center else ""
    body = (f'<body data-nodes="{len(nodes)}" data-edges="{len(edges)}"{centred} style="margin:0;font-family:sans-serif">'
            + (f'<div class="grn-title">{html.escape(title)}</div>' if title else "")
            + ("" if len(edges) else '<div class="grn-empty">No edge matches these filters.</div>'))
    page = page.replace("<body>", body, 1)
    hook = ('<script>network.once("afterDrawing", function () {'
            'var c = document.getElementById("mynetwork"); c.setAttribute("data-drawn-ms", Math.round(performance.now()));'
            'c.setAttribute("data-drawn", "1"); });'
            + ("" if physics else 'network.once("stabilizationIterationsDone", function () {'
                                  'network.setOptions({physics: {enabled: false}}); });')
            + "</script>")
    legend = _legend(color_by, bool((signs != 0).any()))
    return page.replace("</body>", legend + hook + "</body>", 1).replace("</head>", _STYLE + "</head>", 1)


def _widths(scores: np.ndarray) -> np.ndarray:
    """1 px at the view's lowest score to 6 px at its highest (3 px when all are equal)."""
    if scores.size == 0:
        return scores
    lo, hi = np.nanmin(scores), np.nanmax(scores)
    if not np.isfinite(hi - lo) or hi == lo:
        return np.full(scores.shape, 3.0)
    return 1.0 + 5.0 * (np.nan_to_num(scores, nan=lo) - lo) / (hi - lo)


def _render(net) -> str:
    """pyvis's template rendered as `Network.generate_html` does, except that ``tooltip_link``
    (an ``innerHTML`` popup) and the menus stay off whatever the titles contain."""
    nodes, edges, _, height, width, options = net.get_network_data()
    template = net.templateEnv.get_template(net.path)
    return template.render(height=height, width=width, nodes=nodes, edges=edges, heading="", options=options,
                           physics_enabled=True, use_DOT=False, dot_lang="", widget=False, bgcolor=net.bgcolor,
                           conf=False, tooltip_link=False, neighborhood_highlight=False, select_menu=False,
                           filter_menu=False, notebook=False, cdn_resources="in_line")


_STYLE = """<style>
.grn-title{font-size:15px;font-weight:600;padding:4px 8px}
.grn-empty{position:absolute;top:45%;width:100%;text-align:center;color:#666;z-index:2}
.grn-legend{clear:both;display:flex;flex-wrap:wrap;gap:2px 16px;padding:6px 4px;font-size:12px;line-height:18px;color:#222}
.grn-legend svg{vertical-align:middle;margin-right:4px}
</style>"""


def _line(colour: str, *, dashed: bool = False, end: str = "arrow") -> str:
    dash = ' stroke-dasharray="4 3"' if dashed else ""
    head = (f'<path d="M22 3 L30 7 L22 11 Z" fill="{colour}"/>' if end == "arrow"
            else f'<line x1="29" y1="1" x2="29" y2="13" stroke="{colour}" stroke-width="3"/>')
    return (f'<svg width="32" height="14"><line x1="1" y1="7" x2="24" y2="7" stroke="{colour}" '
            f'stroke-width="2.5"{dash}/>{head}</svg>')


def _legend(color_by: str, has_signs: bool) -> str:
    tf = ('<svg width="16" height="16"><path d="M8 1 L15 8 L8 15 L1 8 Z" fill="{background}" '
          'stroke="{border}"/></svg>').format(**TF_COLOUR)
    gene = '<svg width="16" height="16"><circle cx="8" cy="8" r="6" fill="{background}" stroke="{border}"/></svg>'.format(
        **GENE_COLOUR)
    rows = [f"{tf}transcription factor", f"{gene}gene"]
    if color_by == "status":
        rows += [f"{_line(STATUS_COLOURS['true positive'])}true positive (known edge)",
                 f"{_line(STATUS_COLOURS['false positive'])}false positive (candidate novel)",
                 f"{_line(STATUS_COLOURS['missed'], dashed=True)}missed (known, below the cut)"]
        if has_signs:
            rows += [f"{_line('#555')}activation or sign unknown", f"{_line('#555', end='bar')}repression"]
    else:
        rows += [f"{_line(SIGN_COLOURS[1])}activation", f"{_line(SIGN_COLOURS[-1], end='bar')}repression",
                 f"{_line(SIGN_COLOURS[0])}sign unknown", f"{_line(SIGN_COLOURS[0], dashed=True)}missed (below the cut)"]
    rows += ["width: score \u00b7 size: degree"]
    return '<div class="grn-legend">' + "".join(f"<span>{r}</span>" for r in rows) + "</div>"

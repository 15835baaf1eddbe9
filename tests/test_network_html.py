"""The offline pyvis HTML of a network view: no external URL, gene names that stay text, styling."""

import json
import re
from html.parser import HTMLParser
from dataclasses import dataclass

import pandas as pd
import pytest

from grncore.viz.network_html import CENTER_BORDER, SIGN_COLOURS, STATUS_COLOURS, external_references, network_html

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "</script><script>alert(1)</script>"
HREF = "href<b>x</b>"  # pyvis switches to an innerHTML popup when a node title contains "href"


@dataclass
class FakeView:
    """The fields of grncore.network.view.View that network_html reads."""

    edges: pd.DataFrame
    nodes: pd.DataFrame
    n_candidates: int = 0
    truncated: bool = False
    message: str = ""
    center: str | None = None


def make_view() -> FakeView:
    edges = pd.DataFrame({
        "regulator": ["TF1", "TF1", IMG, "TF2", SCRIPT],
        "target": ["G1", IMG, "G2", "G1", HREF],
        "score": [0.9, 0.7, 0.5, 0.3, 0.1],
        "rank": [1, 2, 3, 4, 9],
        "known": [1, 0, 1, 0, 1],
        "trained": [0, 0, 1, 0, 0],
        "sign": [1, 0, -1, 0, 1],
        "status": ["true positive", "false positive", "true positive", "false positive", "missed"],
    })
    genes = ["TF1", "TF2", IMG, SCRIPT, "G1", "G2", HREF]
    out_deg = edges["regulator"].value_counts().reindex(genes, fill_value=0)
    in_deg = edges["target"].value_counts().reindex(genes, fill_value=0)
    nodes = pd.DataFrame({"gene": genes, "is_tf": [True, True, True, True, False, False, False],
                          "degree": (out_deg + in_deg).to_numpy(), "in_degree": in_deg.to_numpy(),
                          "out_degree": out_deg.to_numpy()})
    return FakeView(edges=edges, nodes=nodes, n_candidates=5)


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.starts, self.scripts, self._in_script = [], [], False

    def handle_starttag(self, tag, attrs):
        self.starts.append(tag)
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        self._in_script = self._in_script and tag != "script"

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def embedded(page: str, name: str) -> list[dict]:
    """The JSON array given to ``new vis.DataSet(...)`` for ``nodes`` or ``edges``."""
    match = re.search(name + r" = new vis\.DataSet\((\[.*?\])\);\n", page)
    return json.loads(match.group(1))


def test_no_reference_outside_the_page():
    page = network_html(make_view(), title="a view")
    assert "bootstrap" not in page.lower()
    refs = re.findall(r"""(?:src|href)\s*=\s*["']?\s*((?:https?:)?//[^"'\s>]+)|@import\s+(?:url\()?["']?(https?://[^"')\s]+)""",
                      page, flags=re.IGNORECASE)
    assert refs == []
    assert external_references(page) == []
    # the checker finds what pyvis's raw template would have loaded
    assert external_references('<link href="https://cdn.jsdelivr.net/x.css"><script src="//a.b/c.js"></script>') == [
        "https://cdn.jsdelivr.net/x.css", "//a.b/c.js"]
    # vis-network is inlined, not fetched
    assert "new vis.Network(" in page and "<script src" not in page


def test_gene_names_cannot_break_out_of_the_script_or_run():
    page = network_html(make_view(), title=f"neighbourhood of {IMG}")
    # the raw names occur nowhere in the page: neither as a closing tag nor as an element
    assert SCRIPT not in page and IMG not in page and "<b>x</b>" not in page
    tags = Tags()
    tags.feed(page)
    # parsed as a browser does: the four scripts of the page (pyvis utils, vis-network, the graph,
    # the drawn hook), no element made from a name
    assert len(tags.scripts) == 4 and not any("alert(1)" in s[:40] for s in tags.scripts)
    assert "img" not in tags.starts and "b" not in tags.starts
    assert "&lt;img src=x onerror=alert(1)&gt;" in page  # the title, HTML-escaped
    nodes = embedded(page, "nodes")
    # the embedded JSON decodes back to the exact names (\u003c escapes), shown as labels
    assert {n["label"] for n in nodes} == {"TF1", "TF2", IMG, SCRIPT, "G1", "G2", HREF}
    assert all(n["id"] == n["label"] for n in nodes)
    assert "\\u003c/script\\u003e" in page
    # plain-text tooltips: vis-network 9.1.2 assigns a string title with innerText, and pyvis's
    # innerHTML popup (its tooltip_link template branch) is not in the page although a title has "href"
    assert "this.frame.innerText=t" in page
    assert "popup.innerHTML" not in page
    assert any(HREF in n["title"] for n in nodes)


def test_styling_follows_the_conventions():
    view = make_view()
    page = network_html(view)
    nodes = {n["id"]: n for n in embedded(page, "nodes")}
    edges = embedded(page, "edges")
    assert nodes["TF1"]["shape"] == "diamond" and nodes["G1"]["shape"] == "dot"
    assert nodes["TF1"]["color"] != nodes["G1"]["color"]
    # size by degree: TF1 has 2 edges, G2 one
    assert nodes["TF1"]["size"] == pytest.approx(10 + 4 * 2 ** 0.5) and nodes["G2"]["size"] == pytest.approx(14)
    by_pair = {(e["from"], e["to"]): e for e in edges}
    assert len(by_pair) == 5
    # width linear in score: 0.9 -> 6 px, 0.1 -> 1 px, 0.5 -> 3.5 px
    assert by_pair[("TF1", "G1")]["width"] == pytest.approx(6.0)
    assert by_pair[(SCRIPT, HREF)]["width"] == pytest.approx(1.0)
    assert by_pair[(IMG, "G2")]["width"] == pytest.approx(3.5)
    # status colours; missed dashed
    assert by_pair[("TF1", "G1")]["color"]["color"] == STATUS_COLOURS["true positive"]
    assert by_pair[("TF1", IMG)]["color"]["color"] == STATUS_COLOURS["false positive"]
    assert by_pair[(SCRIPT, HREF)]["color"]["color"] == STATUS_COLOURS["missed"]
    assert by_pair[(SCRIPT, HREF)]["dashes"] is True and by_pair[("TF1", "G1")]["dashes"] is False
    # repression ends in a bar, the rest in an arrow
    assert by_pair[(IMG, "G2")]["arrows"]["to"] == {"enabled": True, "type": "bar", "scaleFactor": 0.7}
    assert by_pair[("TF1", "G1")]["arrows"]["to"]["type"] == "arrow"
    assert "training pair (in-sample)" in by_pair[(IMG, "G2")]["title"]
    for label in ("transcription factor", "true positive (known edge)", "false positive (candidate novel)",
                  "missed (known, below the cut)", "repression"):
        assert label in page
    assert "borderWidth" not in nodes["TF1"]
    view.center = IMG
    centred = {n["id"]: n for n in embedded(network_html(view), "nodes")}
    assert centred[IMG]["borderWidth"] == 5 and centred[IMG]["color"]["border"] == CENTER_BORDER
    assert "borderWidth" not in centred["TF1"]
    assert 'data-centred="1"' in network_html(view) and 'data-centred' not in page
    # colour by sign: activation red, repression blue, unknown grey
    signed = {(e["from"], e["to"]): e for e in embedded(network_html(view, color_by="sign"), "edges")}
    assert signed[("TF1", "G1")]["color"]["color"] == SIGN_COLOURS[1]
    assert signed[(IMG, "G2")]["color"]["color"] == SIGN_COLOURS[-1]
    assert signed[("TF1", IMG)]["color"]["color"] == SIGN_COLOURS[0]


def test_physics_off_freezes_the_layout_once_stabilised():
    view = make_view()
    on, off = network_html(view, physics=True), network_html(view, physics=False)
    freeze = "network.setOptions({physics: {enabled: false}})"
    assert freeze in off and freeze not in on
    # both lay the graph out the same way (seeded) before drawing
    for page in (on, off):
        assert '"layout": {"randomSeed": 7, "improvedLayout": false}' in page
        assert '"stabilization": {"enabled": true, "iterations": 150' in page
    assert embedded(on, "nodes") == embedded(off, "nodes")


def test_empty_view_says_so_and_height_is_passed():
    view = make_view()
    empty = FakeView(edges=view.edges.iloc[:0], nodes=view.nodes.iloc[:0])
    page = network_html(empty, height="400px")
    assert "No edge matches these filters." in page
    assert "height: 400px;" in page
    assert embedded(page, "edges") == []
    with pytest.raises(ValueError, match="color_by"):
        network_html(view, color_by="weight")


def test_overlap_figure_and_score_histogram():
    from grncore.viz.network_plots import overlap_figure, score_histogram

    curve = pd.DataFrame({"k": [1, 10, 100], "jaccard": [1.0, 0.5, 0.25], "shared": [1, 7, 40]})
    fig = overlap_figure(curve, "pearson <b>", "spearman", k_marked=10)
    assert list(fig.data[0].x) == [1, 10, 100] and list(fig.data[0].y) == [1.0, 0.5, 0.25]
    assert list(fig.data[0].customdata) == [1, 7, 40]
    assert "pearson &lt;b&gt;" in fig.layout.title.text and fig.layout.xaxis.type == "log"
    assert list(fig.data[1].x) == [10, 10] and list(fig.data[1].y) == [0, 1]

    pred = pd.DataFrame({"score": [0.0, 0.1, 0.2, 0.9, 1.0], "known": [0, 0, 1, 1, 0]})
    hist = score_histogram(pred, cut=0.5, bins=2)
    by_name = {t.name: list(t.y) for t in hist.data}
    assert by_name == {"other pairs": [2, 1], "known edges": [1, 1]}  # bins [0, 0.5) and [0.5, 1]
    assert hist.layout.shapes[0].x0 == 0.5

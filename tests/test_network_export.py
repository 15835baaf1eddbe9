"""Exports of a predicted network: every format, and round trips through networkx's readers and
our own predictions reader with the same nodes, edges and attribute values."""

import io
import json

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from grncore.data import InputError
from grncore.data.predictions import read_predictions
from grncore.network import read_predictions_file, select, to_pred
from grncore.network.export import FILE_NAMES, FORMATS, MIME_TYPES, export_bytes, write

WEIRD = "<img src=x onerror=alert(1)>"


def view():
    pred = to_pred(pd.DataFrame({
        "regulator": ["TF1", "TF1", "TF2", WEIRD, "TF2", "TF1"],
        "target":    ["g1", "TF2", "g1", "g2", "TF1", "g3"],
        "score":     [0.95, 0.8, 0.6, 0.55, 0.3, 0.1],
        "label":     [1, 0, 1, 0, 1, 0],
        "sign":      [1, 0, -1, 0, 0, 0],
    }))
    return select(pred, top_k=4, tfs=["TF1", "TF2", WEIRD])


def test_graphml_round_trip():
    v = view()
    g = nx.read_graphml(io.BytesIO(export_bytes(v, "graphml", title="demo")))
    assert g.is_directed()
    assert set(g.nodes) == set(v.nodes["gene"])
    assert set(g.edges) == set(zip(v.edges.regulator, v.edges.target))
    for rec in v.nodes.itertuples():
        assert g.nodes[rec.gene]["is_tf"] is bool(rec.is_tf)
        assert g.nodes[rec.gene]["degree"] == rec.degree
    for rec in v.edges.itertuples():
        e = g.edges[rec.regulator, rec.target]
        assert e["score"] == rec.score and e["rank"] == rec.rank and e["status"] == rec.status
        assert e["known"] == rec.known
        assert e.get("sign") == (rec.sign if rec.sign != 0 else None)
    assert g.edges["TF1", "g1"]["sign"] == 1 and g.edges["TF2", "g1"]["sign"] == -1
    assert "missed" in set(nx.get_edge_attributes(g, "status").values())


def test_cyjs_round_trip():
    v = view()
    data = json.loads(export_bytes(v, "cyjs", title="demo"))
    assert data["data"] == {"name": "demo"} and data["directed"] is True
    g = nx.cytoscape_graph(data)
    assert set(g.nodes) == set(v.nodes["gene"])
    assert set(g.edges) == set(zip(v.edges.regulator, v.edges.target))
    for rec in v.nodes.itertuples():
        assert g.nodes[rec.gene]["is_tf"] is bool(rec.is_tf) and g.nodes[rec.gene]["degree"] == rec.degree
    for rec in v.edges.itertuples():
        e = g.edges[rec.regulator, rec.target]
        assert (e["score"], e["rank"], e["status"]) == (rec.score, rec.rank, rec.status)


def test_tables_and_sif(tmp_path):
    v = view()
    pred_edges = v.edges[v.edges.status != "missed"]
    assert len(pred_edges) == 4 and len(v.edges) == 5
    csv = read_predictions_file(io.BytesIO(export_bytes(v, "csv")))
    assert csv[["regulator", "target", "known"]].values.tolist() == v.edges[["regulator", "target", "known"]].values.tolist()
    assert csv["score"].tolist() == v.edges["score"].tolist()
    for fmt, header in (("beeline", "Gene1\tGene2\tEdgeWeight"), ("arboreto", "TF\ttarget\timportance")):
        text = export_bytes(v, fmt).decode()
        assert text.splitlines()[0] == header
        path = write(v, fmt, tmp_path / FILE_NAMES[fmt])
        back = read_predictions(path)
        assert back[["regulator", "target"]].values.tolist() == pred_edges[["regulator", "target"]].values.tolist()
        assert np.allclose(back["score"], pred_edges["score"])
    sif = export_bytes(v, "sif").decode().splitlines()
    assert sif == [f"{r}\tpd\t{t}" for r, t in zip(pred_edges.regulator, pred_edges.target)]
    assert f"{WEIRD}\tpd\tg2" in sif
    assert set(MIME_TYPES) == set(FORMATS) == set(FILE_NAMES)


def test_a_plain_frame_exports_too():
    pred = to_pred(pd.DataFrame({"regulator": ["a", "b"], "target": ["b", "c"], "score": [2.0, 1.0],
                                 "label": [1, 0]}))
    g = nx.read_graphml(io.BytesIO(export_bytes(pred, "graphml")))
    assert g.edges["a", "b"]["status"] == "true positive" and g.edges["b", "c"]["status"] == "false positive"
    assert g.nodes["a"]["is_tf"] and not g.nodes["c"]["is_tf"]  # without a TF list: the regulators


def test_bad_export_input():
    with pytest.raises(InputError, match="unknown export format"):
        export_bytes(view(), "png")
    with pytest.raises(InputError, match="lack the column"):
        export_bytes(pd.DataFrame({"regulator": ["a"], "target": ["b"]}), "csv")


def test_html_uses_the_page_renderer():
    pytest.importorskip("grncore.viz.network_html")
    html = export_bytes(view(), "html", title="demo").decode()
    assert "<html" in html.lower() and WEIRD not in html

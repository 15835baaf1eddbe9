"""grncore.network: ranks, reading files, the view (cut, filters, neighbourhood, missed, cap),
hubs, the gene panel and the top-k overlap between runs."""

import numpy as np
import pandas as pd
import pytest

from grncore.data import InputError
from grncore.network import (gene_panel, hubs, neighbourhood, overlap, overlap_curve, rank_scores,
                             read_predictions_file, select, to_pred)


def toy() -> pd.DataFrame:
    """Six pairs over genes A..E; two ties (0.5) ranked in stored order."""
    return to_pred(pd.DataFrame({
        "regulator": ["A", "A", "B", "B", "C", "D"],
        "target":    ["B", "C", "A", "C", "D", "E"],
        "score":     [0.9, 0.5, 0.5, 0.1, 0.7, 0.3],
        "label":     [1,   0,   1,   0,   0,   1],
    }))


def test_rank_scores_is_stable_on_ties():
    pred = toy()
    assert pred["rank"].tolist() == [1, 3, 4, 6, 2, 5]
    assert pred["rank"].dtype == np.int64 and pred["known"].dtype == np.int8
    # reversing the stored order swaps the two tied pairs and nothing else
    rev = rank_scores(pred.iloc[::-1].reset_index(drop=True))
    assert rev.set_index(["regulator", "target"])["rank"].to_dict() == {
        ("D", "E"): 5, ("C", "D"): 2, ("B", "C"): 6, ("B", "A"): 3, ("A", "C"): 4, ("A", "B"): 1}


def test_rank_scores_refuses_nan():
    with pytest.raises(InputError, match="not finite"):
        rank_scores(pd.DataFrame({"score": [1.0, np.nan]}))


def test_top_k_status_and_missed():
    v = select(toy(), top_k=2)
    # B->A (known, rank 4) joins A and B, both in the view: missed; D->E (known) does not (no E)
    assert v.edges[["regulator", "target", "status"]].values.tolist() == [
        ["A", "B", "true positive"], ["C", "D", "false positive"], ["B", "A", "missed"]]
    # missed edges join two genes of the view: B->A does (A, B shown); D->E does not (E not shown)
    v3 = select(toy(), top_k=3)
    assert v3.edges["status"].tolist() == ["true positive", "false positive", "false positive", "missed"]
    assert v3.edges.iloc[-1][["regulator", "target"]].tolist() == ["B", "A"]
    assert v3.n_candidates == 6 and not v3.truncated
    assert "1 known edge ranked below the cut" in v3.message
    nodes = v3.nodes.set_index("gene")
    # degrees count predicted edges only (the missed B->A is not counted)
    assert nodes.loc["A", "out_degree"] == 2 and nodes.loc["A", "in_degree"] == 0
    assert nodes.loc["B", "degree"] == 1 and nodes.loc["C", "degree"] == 2
    assert select(toy(), top_k=3, show_missed=False).edges["status"].tolist().count("missed") == 0


def test_threshold_novel_only_and_tfs_only():
    v = select(toy(), threshold=0.5)
    assert set(map(tuple, v.edges.loc[v.edges.status != "missed", ["regulator", "target"]].values)) == {
        ("A", "B"), ("C", "D"), ("A", "C"), ("B", "A")}
    nov = select(toy(), top_k=2, novel_only=True)
    assert nov.edges[["regulator", "target"]].values.tolist() == [["C", "D"], ["A", "C"]]
    assert nov.n_candidates == 3 and (nov.edges["known"] == 0).all()
    only = select(toy(), tfs=["A", "D"], tfs_only=True)
    assert set(only.edges.loc[only.edges.status != "missed", "regulator"]) == {"A", "D"}
    assert only.nodes.set_index("gene")["is_tf"].to_dict() == {"A": True, "B": False, "C": False,
                                                                 "D": True, "E": False}


def test_center_and_neighbourhood():
    pred = toy()
    assert neighbourhood(pred, "D", 0) == {"D"}
    assert neighbourhood(pred, "D", 1) == {"C", "D", "E"}          # undirected: C->D and D->E
    assert neighbourhood(pred, "D", 2) == {"A", "B", "C", "D", "E"}
    assert neighbourhood(pred, "Z", 3) == {"Z"}
    v = select(pred, center="E", hops=1, show_missed=False)
    assert v.edges[["regulator", "target"]].values.tolist() == [["D", "E"]]
    v2 = select(pred, center="E", hops=2, show_missed=False)
    assert set(map(tuple, v2.edges[["regulator", "target"]].values)) == {("D", "E"), ("C", "D")}
    assert "within 2 hops of E" in v2.message
    alone = select(pred, top_k=1, center="E")   # only A->B is selected: E stands alone
    assert alone.edges.empty and alone.nodes["gene"].tolist() == ["E"]
    assert alone.message.startswith("E has no edge within 1 hop")
    with pytest.raises(InputError, match="not a gene"):
        select(pred, center="nope")


def test_max_edges_truncates_with_message():
    rng = np.random.default_rng(0)
    n = 2000
    pred = to_pred(pd.DataFrame({"regulator": [f"r{i % 40}" for i in range(n)],
                                 "target": [f"t{i}" for i in range(n)],
                                 "score": rng.random(n), "label": (rng.random(n) < 0.1).astype(int)}))
    v = select(pred, threshold=0.2, max_edges=500, show_missed=False)
    assert v.truncated and len(v.edges) == 500
    assert v.n_selected == int((pred.score >= 0.2).sum())
    assert v.edges["rank"].tolist() == sorted(pred.loc[pred.score >= 0.2, "rank"])[:500]
    assert v.message.startswith(f"showing the top 500 of {v.n_selected:,} edges")



def test_missed_edges_are_capped_at_half_max_edges():
    genes = [f"g{i}" for i in range(10)]
    pairs = [(a, b) for a in genes for b in genes if a != b]
    rng = np.random.default_rng(1)
    pred = to_pred(pd.DataFrame({"regulator": [a for a, _ in pairs], "target": [b for _, b in pairs],
                                 "score": rng.random(len(pairs)), "label": [1] * len(pairs)}))
    full = select(pred, top_k=30, max_edges=None)
    assert (full.edges.status == "missed").sum() == 90 - 30   # every other pair joins two drawn genes
    v = select(pred, top_k=30, max_edges=10)
    missed = v.edges[v.edges.status == "missed"]
    assert v.truncated and (v.edges.status != "missed").sum() == 10 and len(missed) == 5
    assert missed["rank"].is_monotonic_increasing
    assert "(the best ranked 5 of" in v.message


@pytest.mark.parametrize("kw, match", [({"top_k": 0}, "at least 1"), ({"top_k": 5, "threshold": 0.1}, "not both"),
                                       ({"hops": -1}, "hops"), ({"threshold": float("nan")}, "finite")])
def test_select_bad_options(kw, match):
    with pytest.raises(InputError, match=match):
        select(toy(), **kw)


def test_hubs_and_gene_panel():
    v = select(toy(), top_k=4)
    h = hubs(v)
    assert h.values.tolist()[0][:3] == ["A", 2, 1]
    assert h.loc[0, "mean_score"] == pytest.approx(0.7)
    assert h["regulator"].tolist() == ["A", "C", "B"]  # missed edges are not counted
    targets, regs = gene_panel(v, "A")
    assert targets[["target", "rank", "status"]].values.tolist() == [["B", 1, "true positive"],
                                                                      ["C", 3, "false positive"]]
    assert regs[["regulator", "status"]].values.tolist() == [["B", "true positive"]]


def test_overlap_and_curve():
    a = toy()
    b = to_pred(pd.DataFrame({"regulator": ["C", "A", "D", "B"], "target": ["D", "B", "E", "C"],
                              "score": [4.0, 3.0, 2.0, 1.0]}))
    o = overlap(a, b, 2)   # top2 a: A->B, C->D; top2 b: C->D, A->B
    assert o["shared"] == 2 and o["jaccard"] == 1.0 and o["only_a"].empty
    o3 = overlap(a, b, 3)  # a adds A->C, b adds D->E
    assert o3["shared"] == 2 and o3["jaccard"] == pytest.approx(2 / 4)
    assert o3["only_a"][["regulator", "target"]].values.tolist() == [["A", "C"]]
    assert o3["only_b"][["regulator", "target"]].values.tolist() == [["D", "E"]]
    curve = overlap_curve(a, b, [1, 2, 3, 5, 10])
    assert curve["shared"].tolist() == [0, 2, 2, 3, 4]
    # k=5: a's top5 lacks B->C (rank 6) -> shared {AB, CD, DE}; union = 5 + 4 - 3
    assert curve["jaccard"].tolist() == pytest.approx([0, 1, 0.5, 3 / 6, 4 / 6])
    for k in (1, 2, 3, 5):
        assert overlap(a, b, k)["jaccard"] == pytest.approx(curve.set_index("k").loc[k, "jaccard"])
    with pytest.raises(InputError, match="at least 1"):
        overlap(a, b, 0)


def test_read_predictions_file_formats(tmp_path):
    ours = tmp_path / "predictions.csv"
    ours.write_text("regulator,target,score,rank,known,trained\nA,B,0.2,2,1,1\nA,C,0.9,1,0,0\n")
    p = read_predictions_file(ours)
    assert p[["regulator", "target", "rank", "known", "trained"]].values.tolist() == [
        ["A", "B", 2, 1, 1], ["A", "C", 1, 0, 0]]
    arb = tmp_path / "adj.tsv"
    arb.write_text("TF\ttarget\timportance\nG1\tG2\t3.5\nG1\tG3\t7.0\n")
    q = read_predictions_file(arb)
    assert q.sort_values("rank")["target"].tolist() == ["G3", "G2"] and (q["known"] == 0).all()
    bl = tmp_path / "rankedEdges.csv"
    bl.write_text("Gene1\tGene2\tEdgeWeight\nX\tY\t-0.5\nY\tX\t0.25\n")
    r = read_predictions_file(bl)
    assert r.set_index("regulator")["rank"].to_dict() == {"Y": 1, "X": 2}
    with open(arb, "rb") as fh:   # a file-like upload
        assert read_predictions_file(fh)["score"].tolist() == q["score"].tolist()
    noscore = tmp_path / "edges.csv"
    noscore.write_text("TF,target\nA,B\nA,C\n")
    with pytest.raises(InputError, match="no score"):
        read_predictions_file(noscore)
    bad = tmp_path / "bad.csv"
    bad.write_text("regulator,target,score,known\nA,B,x,0\n")
    with pytest.raises(InputError, match="not a number"):
        read_predictions_file(bad)

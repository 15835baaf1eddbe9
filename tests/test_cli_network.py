"""CLI: `infer --split discovery`, `consensus` and `export`, run as users run them (subprocesses)."""

import json

import networkx as nx
import pandas as pd
import pytest

from tests.test_cli import run_cli

COLUMNS = ["regulator", "target", "score", "rank", "known", "trained"]


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    out = tmp_path_factory.mktemp("sim") / "sc"
    r = run_cli("simulate", "single-cell", "--genes", "40", "--cells", "100", "--seed", "1", "--out", str(out))
    assert r.returncode == 0, r.stderr
    return out


def test_infer_discovery_writes_the_predicted_network(sim, tmp_path):
    r = run_cli("infer", "--expression", str(sim), "--method", "degree", "--split", "discovery", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    pred = pd.read_csv(tmp_path / "predictions.csv")
    truth = pd.read_csv(sim / "refNetwork.csv")
    tfs = set(pd.read_csv(sim / "TF.csv")["TF"])
    n_genes = len(pd.read_csv(sim / "ExpressionData.csv", index_col=0))
    assert list(pred.columns[:6]) == COLUMNS and set(pred.columns) <= set(COLUMNS) | {"sign"}
    assert len(pred) == len(tfs) * (n_genes - 1) and not pred.duplicated(["regulator", "target"]).any()
    known = set(zip(pred.regulator[pred.known == 1], pred.target[pred.known == 1]))
    assert known == set(zip(truth.Gene1, truth.Gene2))
    assert pred.trained.sum() == 2 * len(known) and (pred.trained[pred.known == 1] == 1).all()
    assert sorted(pred["rank"]) == list(range(1, len(pred) + 1))
    m = json.loads((tmp_path / "metrics.json").read_text())
    assert (m["split"], m["method"], m["n_pairs"], m["in_sample"]) == ("discovery", "degree", len(pred), True)
    assert m["seconds"] >= 0 and "auroc" not in m and "auroc" in m["in_sample_metrics"]
    assert json.loads(r.stdout)["n_trained"] == 2 * len(known)


def test_infer_discovery_without_a_ground_truth(sim, tmp_path):
    r = run_cli("infer", "--expression", str(sim / "ExpressionData.csv"), "--method", "pearson",
                "--split", "discovery", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    pred = pd.read_csv(tmp_path / "predictions.csv")
    assert list(pred.columns) == COLUMNS and (pred.known == 0).all() and (pred.trained == 0).all()
    m = json.loads((tmp_path / "metrics.json").read_text())
    assert "in_sample_metrics" not in m and "no ground truth" in m["note"]
    bad = run_cli("infer", "--expression", str(sim / "ExpressionData.csv"), "--method", "degree",
                  "--split", "discovery", "--out", str(tmp_path / "x"))
    assert bad.returncode == 2 and bad.stderr.splitlines()[-1].startswith("error:")
    assert "unsupervised method" in bad.stderr


def test_consensus_of_three_formats(tmp_path):
    (tmp_path / "ours.csv").write_text("regulator,target,score,rank,known,trained\na,b,0.9,1,1,0\na,c,0.5,2,0,0\nb,c,0.1,3,0,0\n")
    (tmp_path / "adj.tsv").write_text("TF\ttarget\timportance\na\tc\t5\nb\tc\t4\na\tb\t1\n")
    (tmp_path / "rankedEdges.csv").write_text("Gene1\tGene2\tEdgeWeight\na\tc\t0.8\na\tb\t0.7\n")
    out = tmp_path / "cons.csv"
    r = run_cli("consensus", "--predictions", str(tmp_path / "ours.csv"), str(tmp_path / "adj.tsv"),
                str(tmp_path / "rankedEdges.csv"), "--how", "rank", "--out", str(out))
    assert r.returncode == 0, r.stderr
    c = pd.read_csv(out).set_index(["regulator", "target"])
    # ranks: ours ab 1, ac 2, bc 3; arboreto ac 1, bc 2, ab 3; BEELINE ac 1, ab 2, bc unscored (3)
    assert c["mean_rank"].to_dict() == pytest.approx({("a", "b"): 2.0, ("a", "c"): 4 / 3, ("b", "c"): 8 / 3})
    assert c["rank"].to_dict() == {("a", "c"): 1, ("a", "b"): 2, ("b", "c"): 3}
    assert c.loc[("a", "b"), "known"] == 1 and c.loc[("b", "c"), "support"] == 2
    one = run_cli("consensus", "--predictions", str(tmp_path / "ours.csv"), "--out", str(out))
    assert one.returncode == 2 and "at least two" in one.stderr


def test_export_formats_read_back(tmp_path):
    src = tmp_path / "predictions.csv"
    src.write_text("regulator,target,score,rank,known,trained\n" +
                   "".join(f"TF{i % 3},G{i},{1 - i / 100},{i + 1},{int(i % 4 == 0)},0\n" for i in range(30)))
    r = run_cli("export", "--predictions", str(src), "--top-k", "10", "--novel-only", "--format", "graphml",
                "--out", str(tmp_path / "n.graphml"))
    assert r.returncode == 0, r.stderr
    g = nx.read_graphml(tmp_path / "n.graphml")
    assert g.number_of_edges() == 10 and all(d["status"] == "false positive" for *_, d in g.edges(data=True))
    expect = [(f"TF{i % 3}", f"G{i}") for i in range(30) if i % 4][:10]
    assert set(g.edges) == set(expect)
    r = run_cli("export", "--predictions", str(src), "--threshold", "0.9", "--format", "sif", "--out", str(tmp_path / "n.sif"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "n.sif").read_text().splitlines() == [f"TF{i % 3}\tpd\tG{i}" for i in range(11)]
    r = run_cli("export", "--predictions", str(src), "--top-k", "5", "--format", "cyjs", "--out", str(tmp_path / "n.cyjs"))
    assert r.returncode == 0, r.stderr
    g = nx.cytoscape_graph(json.loads((tmp_path / "n.cyjs").read_text()))
    assert set(g.edges) == {(f"TF{i % 3}", f"G{i}") for i in range(5)}


@pytest.mark.parametrize("args, message", [
    (["--top-k", "0", "--format", "csv"], "at least 1"),
    (["--top-k", "3", "--format", "png"], "invalid choice"),
])
def test_export_bad_input_exits_2(tmp_path, args, message):
    src = tmp_path / "p.csv"
    src.write_text("regulator,target,score\na,b,1\n")
    r = run_cli("export", "--predictions", str(src), *args, "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr


def test_export_needs_scores_and_a_file(tmp_path):
    src = tmp_path / "edges.csv"
    src.write_text("TF,target\na,b\na,c\n")
    r = run_cli("export", "--predictions", str(src), "--format", "csv", "--out", str(tmp_path / "o.csv"))
    assert r.returncode == 2 and r.stderr.startswith("error:") and "no score" in r.stderr
    r = run_cli("export", "--predictions", str(tmp_path / "nope.csv"), "--format", "csv", "--out", str(tmp_path / "o.csv"))
    assert r.returncode == 2 and "no such file" in r.stderr

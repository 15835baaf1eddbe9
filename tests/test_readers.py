"""Readers of grncore.data on small hand-written files (formats, orientation, metadata, load)."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

from grncore.data import (Dataset, InputError, detect_format, load, load_folder, read_beeline,
                          read_dream4, read_expression, read_h5ad, read_metadata, read_network,
                          read_predictions, read_tfs)

EXPR = ",c1,c2,c3\nG1,1.0,2.0,3.0\nG2,-0.5,0.25,1e-3\nG3,4,5,6\n"


def write(path, text, *, gz=False):
    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data, mtime=0) if gz else data)
    return path


# ---------------------------------------------------------------------- expression
@pytest.mark.parametrize("sep", [",", "\t", ";"])
def test_read_expression_delimiters(tmp_path, sep):
    f = write(tmp_path / "e.txt", EXPR.replace(",", sep))
    df, orient, guessed = read_expression(f)
    assert df.shape == (3, 3) and list(df.index) == ["G1", "G2", "G3"]
    assert list(df.columns) == ["c1", "c2", "c3"]
    assert df.dtypes.unique().tolist() == [np.float32]
    assert df.loc["G2", "c1"] == pytest.approx(-0.5)
    assert (orient, guessed) == ("genes_rows", True)


def test_read_expression_whitespace_and_gzip(tmp_path):
    f = write(tmp_path / "e.txt", EXPR.replace(",", "  ").replace("  c1", "gene  c1", 1))
    df, _, _ = read_expression(f)
    assert df.shape == (3, 3) and df.loc["G3", "c3"] == 6
    g = write(tmp_path / "e.csv.gz", EXPR, gz=True)
    assert read_expression(g)[0].equals(read_expression(write(tmp_path / "e.csv", EXPR))[0])


def test_read_expression_missing_values_become_nan(tmp_path):
    f = write(tmp_path / "e.csv", EXPR.replace("2.0", "NA").replace("5,6", ",6"))
    df, _, _ = read_expression(f)
    assert np.isnan(df.loc["G1", "c2"]) and np.isnan(df.loc["G3", "c2"])
    with pytest.raises(InputError, match="not a finite number"):
        load(f)


def test_read_expression_long_lines_and_many_columns(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.random((4, 20000)).astype(np.float32), index=[f"G{i}" for i in range(4)],
                         columns=[f"cell{i}" for i in range(20000)])
    f = tmp_path / "wide.csv"
    frame.to_csv(f, float_format="%.9g")
    df, _, _ = read_expression(f)
    np.testing.assert_array_equal(df.to_numpy(), frame.to_numpy())


def test_orientation_from_network_genes(tmp_path):
    cells_rows = ",G1,G2,G3\nc1,1,2,3\nc2,4,5,6\nc3,7,8,9.5\nc4,1,1,1\n"
    f = write(tmp_path / "cells.csv", cells_rows)
    df, orient, guessed = read_expression(f, network_genes=["G1", "G2"])
    assert (orient, guessed) == ("genes_columns", False)
    assert list(df.index) == ["G1", "G2", "G3"] and df.shape == (3, 4)
    assert df.loc["G3", "c3"] == 9.5
    df2, orient2, guessed2 = read_expression(f, orientation="genes_columns")
    assert df2.equals(df) and not guessed2
    _, orient3, guessed3 = read_expression(f)
    assert (orient3, guessed3) == ("genes_rows", True)
    with pytest.raises(InputError, match="orientation"):
        read_expression(f, orientation="sideways")


def test_load_notes_guessed_orientation_and_transposes_with_network(tmp_path):
    f = write(tmp_path / "cells.csv", ",G1,G2,G3\nc1,1,2,3\nc2,4,5,6\nc3,7,8,9\n")
    ds = load(f)
    assert any("orientation guessed" in n and "genes_columns" in n for n in ds.notes)
    net = write(tmp_path / "net.csv", "Gene1,Gene2\nG1,G2\nG2,G3\n")
    ds = load(f, network=net)
    assert ds.n_genes == 3 and ds.n_samples == 3 and ds.n_edges == 2
    assert not any("orientation guessed" in n for n in ds.notes)
    assert ds.name == "cells" and "cells.csv" in ds.source and "net.csv" in ds.source


def test_r_style_header_and_quotes(tmp_path):
    f = write(tmp_path / "r.tsv", '"c1"\t"c2"\n"G1"\t1\t2\n"G2"\t3\t4\n')
    df, _, _ = read_expression(f)
    assert list(df.columns) == ["c1", "c2"] and list(df.index) == ["G1", "G2"]


# ---------------------------------------------------------------------- networks
def test_read_network_beeline_signed(tmp_path):
    f = write(tmp_path / "net.csv", "Gene1,Gene2,Type\nA,B,+\nB,C,-\nC,A,+\n")
    net = read_network(f)
    assert list(net.columns) == ["regulator", "target", "sign", "weight"]
    assert net["sign"].tolist() == [1, -1, 1] and net["weight"].isna().all()


def test_read_network_dream4_gold_standard(tmp_path):
    f = write(tmp_path / "gs.tsv", "G1\tG2\t1\nG1\tG3\t1\nG2\tG1\t0\nG3\tG1\t0\n")
    net = read_network(f)
    assert list(zip(net.regulator, net.target)) == [("G1", "G2"), ("G1", "G3")]


@pytest.mark.parametrize("text", [
    "TF,target,importance\nA,B,0.9\nB,C,0.2\n",
    "regulator\ttarget\tweight\nA\tB\t0.9\nB\tC\t0.2\n",
    "source target score\nA B 0.9\nB C 0.2\n",
    "A,B,0.9\nB,C,0.2\n",
])
def test_read_network_generic_weighted(tmp_path, text):
    net = read_network(write(tmp_path / "n.txt", text))
    assert net[["regulator", "target"]].values.tolist() == [["A", "B"], ["B", "C"]]
    assert net["weight"].tolist() == pytest.approx([0.9, 0.2])


@pytest.mark.parametrize("text", ["regulator,target\nA,B\nB,C\n", "A\tB\nB\tC\n", "target,TF\nB,A\nC,B\n"])
def test_read_network_two_columns(tmp_path, text):
    net = read_network(write(tmp_path / "n.csv", text))
    assert net[["regulator", "target"]].values.tolist() == [["A", "B"], ["B", "C"]]
    assert (net["sign"] == 0).all()


def test_read_network_sign_words(tmp_path):
    net = read_network(write(tmp_path / "n.csv", "tf,target,mode\nA,B,activation\nB,C,repression\nC,A,?\n"))
    assert net["sign"].tolist() == [1, -1, 0]


# ---------------------------------------------------------------------- TFs and metadata
@pytest.mark.parametrize("text", [",TF,index\n0,G1,0\n1,G3,2\n", "TF\nG1\nG3\nG1\n", "G1\nG3\n",
                                  "gene\r\nG1\r\nG3\r\n", "G1,\nG3,\n"])
def test_read_tfs(tmp_path, text):
    assert read_tfs(write(tmp_path / "tf.csv", text)) == ["G1", "G3"]


def test_read_metadata_beeline_pseudotime(tmp_path):
    f = write(tmp_path / "PseudoTime.csv", "PseudoTime1,PseudoTime2\nc1,1.5,NA\nc2,NA,2.5\nc3,0.5,0.7\n")
    meta = read_metadata(f)
    assert list(meta.index) == ["c1", "c2", "c3"]
    assert meta["pseudotime"].tolist() == [1.5, 2.5, 0.5]
    assert np.isnan(meta.loc["c1", "PseudoTime2"])


def test_read_metadata_aliases(tmp_path):
    f = write(tmp_path / "meta.tsv", "cell\tTime\tSeries\tcell_type\tbatch\nc1\t0\t1\tstem\tb1\n"
                                     "c2\t10\t1\tstem\tb2\nc3\t0\t2\tdiff\tb1\n")
    meta = read_metadata(f)
    assert {"time", "experiment", "condition", "batch"} <= set(meta.columns)
    assert meta["experiment"].dtype.kind == "i" and meta["time"].tolist() == [0, 10, 0]
    expr = write(tmp_path / "e.csv", EXPR)
    ds = load(expr, metadata=f)
    assert ds.kind == "time_series" and ds.samples.loc["c2", "condition"] == "stem"


def test_metadata_partial_match_is_noted(tmp_path):
    expr = write(tmp_path / "e.csv", EXPR)
    meta = write(tmp_path / "m.csv", "cell,condition\nc1,a\nc2,b\nzz,c\n")
    ds = load(expr, metadata=meta)
    assert pd.isna(ds.samples.loc["c3", "condition"])
    assert any("1 of 3 samples have no row" in n for n in ds.notes)
    assert any("absent from the expression" in n for n in ds.notes)


# ---------------------------------------------------------------------- h5ad
@pytest.mark.parametrize("sparse", [False, True])
def test_read_h5ad(tmp_path, sparse):
    anndata = pytest.importorskip("anndata")
    import scipy.sparse as sp

    X = np.array([[1, 0, 2], [0, 3, 0], [4, 5, 6], [0, 0, 1]], dtype=np.float32)  # cells x genes
    obs = pd.DataFrame({"time": [0.0, 1.0, 2.0, 3.0], "cell_type": pd.Categorical(["a", "a", "b", "b"])},
                       index=[f"cell{i}" for i in range(4)])
    ad = anndata.AnnData(X=sp.csr_matrix(X) if sparse else X, obs=obs,
                         var=pd.DataFrame(index=["G1", "G2", "<i>G3</i>"]))
    f = tmp_path / "cells.h5ad"
    ad.write_h5ad(f)
    ds = read_h5ad(f)
    assert ds.expression.shape == (3, 4) and ds.expression.loc["G2", "cell1"] == 3
    assert ds.samples["condition"].tolist() == ["a", "a", "b", "b"]
    assert ds.samples["time"].tolist() == [0, 1, 2, 3]
    assert detect_format(f) == "h5ad"
    net = write(tmp_path / "net.csv", "Gene1,Gene2\nG1,G2\n")
    assert load(f, network=net).n_edges == 1


# ---------------------------------------------------------------------- predictions
def test_read_predictions_formats(tmp_path):
    arb = read_predictions(write(tmp_path / "adj.tsv", "TF\ttarget\timportance\nA\tB\t0.5\nA\tC\t2.5\n"))
    assert arb.values.tolist() == [["A", "C", 2.5], ["A", "B", 0.5]]
    bl = read_predictions(write(tmp_path / "rankedEdges.csv", "Gene1\tGene2\tEdgeWeight\nA\tB\t0.9\nB\tA\t-0.1\n"))
    assert list(bl.columns) == ["regulator", "target", "score"] and bl["score"].tolist() == [0.9, -0.1]
    nohead = read_predictions(write(tmp_path / "p.csv", "A,B,3\nA,B,1\nB,C,2\n"))
    assert nohead.values.tolist() == [["A", "B", 3.0], ["B", "C", 2.0]]
    ranked = read_predictions(write(tmp_path / "r.csv", "A,B\nB,C\nC,A\n"))
    assert ranked["score"].tolist() == [3, 2, 1]
    with pytest.raises(InputError, match="r2.csv.*not a finite number"):
        read_predictions(write(tmp_path / "r2.csv", "TF,target,importance\nA,B,high\n"))


# ---------------------------------------------------------------------- folders
def _beeline_folder(tmp_path):
    d = tmp_path / "MyBeeline"
    d.mkdir()
    write(d / "ExpressionData.csv", ",c1,c2,c3,c4\nA,1,2,3,4\nB,2,3,4,1\nC,0,1,0,1\nD,5,5,4,4\n")
    write(d / "PseudoTime.csv", ",PseudoTime\nc1,0.1\nc2,0.2\nc3,0.3\nc4,0.4\n")
    write(d / "refNetwork.csv", "Gene1,Gene2,Type\nA,B,+\nB,C,-\nA,A,+\nZ,A,+\n")
    return d


def test_read_beeline_plain(tmp_path):
    d = _beeline_folder(tmp_path)
    ds = read_beeline(d)
    assert ds.name == "MyBeeline" and ds.kind == "single_cell"
    assert ds.n_edges == 2 and ds.network["sign"].tolist() == [1, -1]
    assert ds.samples["pseudotime"].tolist() == pytest.approx([0.1, 0.2, 0.3, 0.4])
    assert ds.tfs == ("A", "B")
    assert any("self-loop" in n for n in ds.notes) and any("'Z'" in n for n in ds.notes)
    assert detect_format(d) == "beeline"
    assert load_folder(d).fingerprint() == ds.fingerprint()
    write(d / "TF.csv", "TF\nA\nC\nNOTAGENE\n")
    assert read_beeline(d).tfs == ("A", "C")


def _genelink_folder(tmp_path, with_network=True):
    d = tmp_path / "cell" / "TFs+500" / "STRING"
    d.mkdir(parents=True)
    write(d / "BL--ExpressionData.csv.gz", ",c1,c2,c3\nA,1,2,3\nB,2,3,4\nC,0,1,5\nD,5,5,4\n", gz=True)
    write(d / "Label.csv", ",TF,Target\n0,0,1\n1,1,2\n2,0,3\n")
    write(d / "TF.csv", ",TF,index\n0,A,0\n1,B,1\n")
    write(d / "Target.csv", ",Gene,index\n0,A,0\n1,B,1\n2,C,2\n3,D,3\n")
    if with_network:
        write(d / "BL--network.csv", "Gene1,Gene2\nA,B\nB,C\nA,D\nA,Q\n")
    return d


@pytest.mark.parametrize("with_network", [True, False])
def test_read_beeline_genelink(tmp_path, with_network):
    d = _genelink_folder(tmp_path, with_network)
    ds = load(d)
    assert ds.name == "cell TFs+500 STRING"
    assert set(zip(ds.network.regulator, ds.network.target)) == {("A", "B"), ("B", "C"), ("A", "D")}
    assert ds.tfs == ("A", "B")


def test_genelink_label_out_of_range(tmp_path):
    d = _genelink_folder(tmp_path, with_network=False)
    write(d / "Label.csv", ",TF,Target\n0,0,1\n1,1,7\n")
    with pytest.raises(InputError, match=r"Label.csv: Target index 7 on line 3 is out of range"):
        load(d)


def _dream4_folder(tmp_path, gold="all"):
    d = tmp_path / "size3" / "net1"
    d.mkdir(parents=True)
    write(d / "timeseries.tsv", '"Time"\t"G1"\t"G2"\t"G3"\n\n0.0\t0.1\t0.2\t0.3\n50.0\t0.2\t0.3\t0.4\n'
                                '100.0\t0.3\t0.3\t0.3\n\n0.0\t0.3\t0.2\t0.1\n50.0\t0.4\t0.1\t0.2\n100.0\t0.5\t0.5\t0.5\n')
    lines = ["G1\tG2\t1", "G2\tG3\t1"]
    if gold == "all":
        lines += ["G1\tG3\t0", "G2\tG1\t0", "G3\tG1\t0", "G3\tG2\t0"]
    write(d / "goldstandard.tsv", "\n".join(lines) + "\n")
    write(d / "knockouts.tsv", '"G1"\t"G2"\t"G3"\n0.0\t0.5\t0.5\n0.4\t0.0\t0.5\n0.4\t0.5\t0.0\n')
    write(d / "wildtype.tsv", '"G1"\t"G2"\t"G3"\n0.4\t0.5\t0.5\n')
    write(d / "dualknockouts_indexes.tsv", '"G_i"\t"G_j"\n1\t2\n')
    return d


def test_read_dream4_folder(tmp_path):
    d = _dream4_folder(tmp_path)
    ds = read_dream4(d)
    assert ds.kind == "time_series" and ds.name == "size3 net1"
    assert list(ds.expression.columns) == ["e1_t0", "e1_t50", "e1_t100", "e2_t0", "e2_t50", "e2_t100"]
    assert ds.samples["experiment"].tolist() == [1, 1, 1, 2, 2, 2]
    assert ds.samples["time"].tolist() == [0, 50, 100, 0, 50, 100]
    assert ds.n_edges == 2 and ds.tfs == ("G1", "G2", "G3")
    assert set(ds.extras) == {"knockouts", "wildtype"}
    ko = ds.extras["knockouts"]
    assert list(ko.columns) == ["ko_G1", "ko_G2", "ko_G3"] and ko.loc["G2", "ko_G2"] == 0
    assert list(ds.extras["wildtype"].columns) == ["wt"]
    assert detect_format(d) == "dream4"


def test_read_dream4_file_time_reset_without_blank_lines(tmp_path):
    f = write(tmp_path / "ts.tsv", "Time\tG1\tG2\n0\t1\t2\n10\t2\t3\n0\t3\t4\n10\t4\t5\n")
    assert detect_format(f) == "dream4"
    ds = load(f)
    assert ds.samples["experiment"].tolist() == [1, 1, 2, 2]
    assert list(ds.expression.columns) == ["e1_t0", "e1_t10", "e2_t0", "e2_t10"]
    gs = write(tmp_path / "gs.tsv", "G1\tG2\t1\nG2\tG1\t0\n")
    assert load(f, network=gs).n_edges == 1


def test_folder_expected_but_file(tmp_path):
    f = write(tmp_path / "e.csv", EXPR)
    with pytest.raises(InputError, match="expected a folder"):
        load_folder(f)
    with pytest.raises(InputError, match="file not found"):
        load(tmp_path / "nope.csv")


def test_load_with_dataframes_and_lists(tmp_path):
    f = write(tmp_path / "e.csv", EXPR)
    net = pd.DataFrame({"Gene1": ["G1", "G2"], "Gene2": ["G2", "G3"]})
    ds = load(f, network=net, tfs=["G1", "G2", "XX"], name="mine", kind="bulk")
    assert isinstance(ds, Dataset) and ds.name == "mine" and ds.kind == "bulk"
    assert ds.tfs == ("G1", "G2") and ds.n_edges == 2

"""The readers on the shared public benchmark data (skipped when it is absent).

Data root: ``$GRN_BENCHDATA`` or ``<repo>/../shared/benchdata`` (see its SOURCES.md).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from grncore.data import load, read_beeline, read_dream4

ROOT = Path(os.environ.get("GRN_BENCHDATA", Path(__file__).resolve().parents[2] / "shared" / "benchdata"))


def data(*parts: str) -> Path:
    path = ROOT.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared benchdata not found at {path}")
    return path


def _gold_edges(path: Path) -> set:
    gs = pd.read_csv(path, sep="\t", header=None)
    return set(map(tuple, gs.loc[gs[2] == 1, [0, 1]].values.tolist()))


def test_dream4_size100_net1():
    folder = data("dream4", "size100", "net1")
    ds = load(folder)
    assert ds.kind == "time_series"
    assert ds.expression.shape == (100, 210)
    assert ds.samples["experiment"].nunique() == 10
    assert ds.samples.groupby("experiment").size().eq(21).all()
    assert ds.samples["time"].max() == 1000 and list(ds.expression.columns[:2]) == ["e1_t0", "e1_t50"]
    assert ds.n_edges == 176
    assert set(zip(ds.network.regulator, ds.network.target)) == _gold_edges(folder / "goldstandard.tsv")
    assert len(ds.tfs) == 100
    assert ds.extras["knockouts"].shape == (100, 100)
    assert ds.extras["knockdowns"].shape == (100, 100)
    assert ds.extras["wildtype"].shape == (100, 1)
    raw = pd.read_csv(folder / "timeseries.tsv", sep="\t")
    np.testing.assert_allclose(ds.expression.to_numpy(), raw.drop(columns="Time").to_numpy().T, rtol=1e-6)
    ko = pd.read_csv(folder / "knockouts.tsv", sep="\t")
    np.testing.assert_allclose(ds.extras["knockouts"].to_numpy(), ko.to_numpy().T, rtol=1e-6)


def test_dream4_size10_net1_file_and_folder_agree():
    folder = data("dream4", "size10", "net1")
    ds = read_dream4(folder)
    assert ds.expression.shape == (10, 105) and ds.n_edges == 15
    assert ds.samples["experiment"].max() == 5
    assert set(ds.extras) == {"knockouts", "knockdowns", "wildtype", "multifactorial"}
    single = load(folder / "timeseries.tsv", network=folder / "goldstandard.tsv")
    assert single.fingerprint() == ds.fingerprint()


@pytest.mark.parametrize("cell,genes,cells", [("hHEP", 948, 425), ("mESC", 1120, 421), ("mHSC-L", 560, 847)])
def test_beeline_genelink_string(cell, genes, cells):
    folder = data("beeline", cell, "TFs+500", "STRING")
    ds = read_beeline(folder)
    assert ds.expression.shape == (genes, cells)
    assert ds.kind == "single_cell" and ds.name == f"{cell} TFs+500 STRING"
    net = pd.read_csv(folder / "BL--network.csv")
    g = set(ds.genes)
    expected = {(a, b) for a, b in zip(net.Gene1, net.Gene2) if a != b and a in g and b in g}
    got = set(zip(ds.network.regulator, ds.network.target))
    assert ds.n_edges == len(expected) and got == expected
    label = pd.read_csv(folder / "Label.csv", index_col=0)
    assert {(ds.genes[i], ds.genes[j]) for i, j in zip(label.TF, label.Target)} == got
    tf = pd.read_csv(folder / "TF.csv", index_col=0)
    assert set(ds.tfs) == set(tf.TF) & g


def test_beeline_hhep_row_orders_differ_but_values_agree():
    a = read_beeline(data("beeline", "hHEP", "TFs+500", "STRING"))
    b = read_beeline(data("beeline", "hHEP", "TFs+500", "Specific"))
    assert not a.genes.equals(b.genes)
    pd.testing.assert_frame_equal(a.expression, b.expression.loc[a.genes])


def test_beeline_gsd():
    folder = data("beeline", "GSD")
    ds = load(folder)
    assert ds.expression.shape == (19, 2000)
    net = pd.read_csv(folder / "GroundTruthNetwork.csv")
    assert len(net) == 86
    unique = {(a, b, t) for a, b, t in zip(net.Gene1, net.Gene2, net.Type) if a != b}
    assert ds.n_edges == len(unique)
    assert {(a, b, "+" if s > 0 else "-") for a, b, s in
            zip(ds.network.regulator, ds.network.target, ds.network.sign)} == unique
    assert set(ds.network["sign"]) == {1, -1}
    assert any("self-loops" in n for n in ds.notes)
    assert ds.samples["pseudotime"].notna().all()
    assert {"PseudoTime1", "PseudoTime2"} <= set(ds.samples.columns)

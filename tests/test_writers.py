"""Writers round-trip through the readers: BEELINE and DREAM4 folders give back equal data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from grncore.data import Dataset, load, read_beeline, read_dream4, write_beeline, write_dream4


def _single_cell(seed=0, n_genes=6, n_cells=30) -> Dataset:
    rng = np.random.default_rng(seed)
    genes = [f"g{i}" for i in range(n_genes - 1)] + ["<script>alert(1)</script>"]
    cells = [f"cell_{i}" for i in range(n_cells)]
    expr = pd.DataFrame(rng.normal(size=(n_genes, n_cells)).astype(np.float32) * 3.7, index=genes, columns=cells)
    samples = pd.DataFrame({"pseudotime": rng.random(n_cells)}, index=cells)
    net = pd.DataFrame({"regulator": ["g0", "g0", "g1", "g2"], "target": ["g1", "g2", "g3", genes[-1]],
                        "sign": [1, -1, 1, 0]})
    return Dataset.create(expr, samples=samples, network=net, tfs=["g0", "g1", "g2"], name="sc")


def _time_series(seed=0, n_genes=5, n_exp=3, n_times=4, with_extras=True) -> Dataset:
    rng = np.random.default_rng(seed)
    genes = [f"G{i + 1}" for i in range(n_genes)]
    times = [0.0, 50.0, 100.0, 150.0][:n_times]
    ids = [f"e{e + 1}_t{int(t)}" for e in range(n_exp) for t in times]
    samples = pd.DataFrame({"experiment": [e + 1 for e in range(n_exp) for _ in times],
                            "time": [t for _ in range(n_exp) for t in times]}, index=ids)
    expr = pd.DataFrame(rng.random((n_genes, len(ids))).astype(np.float32), index=genes, columns=ids)
    net = pd.DataFrame({"regulator": ["G1", "G1", "G3"], "target": ["G2", "G4", "G5"]})
    extras = {}
    if with_extras:
        extras["knockouts"] = pd.DataFrame(rng.random((n_genes, n_genes)).astype(np.float32), index=genes,
                                           columns=[f"ko_{g}" for g in genes])
        extras["wildtype"] = pd.DataFrame(rng.random((n_genes, 1)).astype(np.float32), index=genes, columns=["wt"])
    return Dataset.create(expr, samples=samples, network=net, tfs=genes, name="ts", kind="time_series",
                          extras=extras)


def _edges(ds):
    return list(zip(ds.network["regulator"], ds.network["target"], ds.network["sign"]))


def test_beeline_round_trip(tmp_path):
    ds = _single_cell()
    written = write_beeline(ds, tmp_path / "out")
    assert {p.name for p in written.values()} == {"ExpressionData.csv", "refNetwork.csv", "PseudoTime.csv", "TF.csv"}
    assert (tmp_path / "out" / "refNetwork.csv").read_text().startswith("Gene1,Gene2,Type\n")
    back = read_beeline(tmp_path / "out")
    pd.testing.assert_frame_equal(back.expression, ds.expression)
    assert _edges(back) == _edges(ds)
    assert back.tfs == ds.tfs
    np.testing.assert_allclose(back.samples["pseudotime"], ds.samples["pseudotime"])
    assert back.fingerprint() == ds.fingerprint()


def test_beeline_round_trip_lineages_and_unsigned(tmp_path):
    ds = _single_cell()
    n = ds.n_samples
    lin = pd.DataFrame({"PseudoTime1": np.r_[np.linspace(0, 1, n - 5), [np.nan] * 5],
                        "PseudoTime2": np.r_[[np.nan] * 10, np.linspace(0, 2, n - 10)]}, index=ds.samples.index)
    lin["pseudotime"] = lin.bfill(axis=1).iloc[:, 0]
    ds = ds.with_(samples=lin, network=ds.network.assign(sign=0))
    write_beeline(ds, tmp_path)
    assert (tmp_path / "refNetwork.csv").read_text().startswith("Gene1,Gene2\n")
    back = load(tmp_path)
    pd.testing.assert_frame_equal(back.samples[["PseudoTime1", "PseudoTime2", "pseudotime"]],
                                  lin[["PseudoTime1", "PseudoTime2", "pseudotime"]], check_dtype=False)
    assert (back.network["sign"] == 0).all()


@pytest.mark.parametrize("all_pairs", [True, False])
def test_dream4_round_trip(tmp_path, all_pairs):
    ds = _time_series()
    written = write_dream4(ds, tmp_path / "net1", all_pairs=all_pairs)
    assert set(written) == {"timeseries", "goldstandard", "knockouts", "wildtype"}
    text = written["timeseries"].read_text()
    assert text.startswith('"Time"\t"G1"') and text.count("\n\n") == 3
    gold = written["goldstandard"].read_text().splitlines()
    assert len(gold) == (5 * 4 if all_pairs else 3)
    back = read_dream4(tmp_path / "net1")
    pd.testing.assert_frame_equal(back.expression, ds.expression)
    pd.testing.assert_frame_equal(back.samples, ds.samples, check_dtype=False)
    assert _edges(back) == _edges(ds)
    assert back.tfs == (ds.tfs if all_pairs else ("G1", "G3"))
    for key, frame in ds.extras.items():
        pd.testing.assert_frame_equal(back.extras[key], frame)


def test_dream4_writer_without_time_columns(tmp_path):
    ds = _single_cell()
    write_dream4(ds, tmp_path)
    back = load(tmp_path)
    assert back.kind == "time_series" and back.samples["experiment"].eq(1).all()
    assert back.samples["time"].tolist() == list(range(ds.n_samples))
    np.testing.assert_array_equal(back.expression.to_numpy(), ds.expression.to_numpy())


def test_round_trip_simulated_data(tmp_path):
    simulate = pytest.importorskip("grncore.data.simulate")
    if not hasattr(simulate, "time_series") or not hasattr(simulate, "single_cell"):
        pytest.skip("simulators not available")
    ts = simulate.time_series(n_genes=8, n_experiments=2, seed=1)
    write_dream4(ts, tmp_path / "ts")
    back = load(tmp_path / "ts")
    np.testing.assert_array_equal(back.expression.to_numpy(), ts.expression.to_numpy())
    assert set(zip(back.network.regulator, back.network.target)) == set(zip(ts.network.regulator, ts.network.target))
    sc = simulate.single_cell(n_genes=8, n_cells=40, seed=1)
    write_beeline(sc, tmp_path / "sc")
    back = load(tmp_path / "sc")
    np.testing.assert_array_equal(back.expression.to_numpy(), sc.expression.to_numpy())
    assert back.tfs == sc.tfs and _edges(back) == _edges(sc)

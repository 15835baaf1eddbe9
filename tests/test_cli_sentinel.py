"""The CLI reads a supervised model next to the `degree` sentinel, as the Evaluation page does."""

import json

import pandas as pd
import pytest

from grncore.bench.run import run
from grncore.cli import main
from grncore.data import load


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sc")
    assert main(["simulate", "single-cell", "--genes", "30", "--cells", "150", "--seed", "4", "--out", str(folder)]) == 0
    return folder


def test_infer_with_a_supervised_method_writes_the_sentinel_and_the_lift(data, tmp_path, capsys):
    out = tmp_path / "gne"
    code = main(["infer", "--expression", str(data), "--method", "gne", "--split", "edge_random", "--seed", "3",
                 "--param", "epochs=2", "--param", "dim=16", "--device", "cpu", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    metrics = json.loads((out / "metrics.json").read_text())
    degree = run(load(data), "degree", "edge_random", seed=3).metrics  # the same pairs, computed apart
    assert metrics["degree_auroc"] == degree.auroc and metrics["degree_auprc"] == degree.auprc
    assert metrics["lift_auroc"] == pytest.approx(metrics["auroc"] - degree.auroc, abs=1e-12)
    assert metrics["lift_auprc"] == pytest.approx(metrics["auprc"] - degree.auprc, abs=1e-12)
    assert "lift_auroc" in json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_infer_with_an_unsupervised_method_has_no_sentinel(data, tmp_path, capsys):
    out = tmp_path / "pearson"
    assert main(["infer", "--expression", str(data), "--method", "pearson", "--out", str(out)]) == 0
    assert "degree_auroc" not in json.loads((out / "metrics.json").read_text())


def test_bench_adds_the_sentinel_row_and_lifts(data, tmp_path, capsys):
    out = tmp_path / "bench"
    code = main(["bench", "--dataset", str(data), "--method", "gne", "pearson", "--split", "tf_disjoint",
                 "--param", "epochs=2", "--param", "dim=16", "--device", "cpu", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    table = pd.read_csv(out / "bench.csv").set_index("method")
    assert list(table.index) == ["gne", "pearson", "degree"] and (table["status"] == "done").all()
    for method in ("gne", "pearson"):
        assert table.loc[method, "lift_auroc"] == pytest.approx(table.loc[method, "auroc"] - table.loc["degree", "auroc"])
    assert pd.isna(table.loc["degree", "lift_auroc"])
    assert "| tf_disjoint | degree | done |" in (out / "bench.md").read_text()


def test_folds_are_refused_with_discovery(data, tmp_path, capsys):
    code = main(["infer", "--expression", str(data), "--method", "pearson", "--split", "discovery", "--folds", "3",
                 "--out", str(tmp_path / "d")])
    assert code == 2 and "--folds does not apply to the discovery split" in capsys.readouterr().err

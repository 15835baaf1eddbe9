"""`python -m grncore restore`: restoration.json, sweep.csv, exit 2 on bad input."""

import json
import subprocess
import sys

import pandas as pd
import pytest

from grncore.cli import main
from grncore.data import simulate
from grncore.data.preprocess import normalize_log1p
from grncore.restore import split_states
from tests.conftest import REPO, benchdata


@pytest.fixture
def two_state_files(tmp_path):
    ts = simulate.two_states(n_genes=40, n_cells=120, n_perturbed_tfs=2, seed=5)
    s, t = split_states(normalize_log1p(ts.dataset))
    s.to_csv(tmp_path / "source.csv")
    t.to_csv(tmp_path / "target.csv")
    net = ts.dataset.network.rename(columns={"regulator": "TF", "weight": "importance"})
    net["importance"] = 1.0
    net[["TF", "target", "importance"]].to_csv(tmp_path / "grn.csv", index=False)
    return tmp_path, ts


def test_restore_as_a_process_writes_json_and_sweep(two_state_files):
    d, ts = two_state_files
    proc = subprocess.run([sys.executable, "-m", "grncore", "restore", "--source", str(d / "source.csv"),
                           "--target", str(d / "target.csv"), "--network", str(d / "grn.csv"),
                           "--relationship", "sqrt", "--edge-threshold", "0", "--threshold", "0.4",
                           "--sweep", "--out", str(d / "out")], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    res = json.loads((d / "out" / "restoration.json").read_text())
    assert {"mode": "corrected", "relationship": "sqrt", "threshold": 0.4}.items() <= res.items()
    assert res["chosen"] and res["chosen"][0]["gene"] in ts.perturbed_tfs
    steps = [res["initial_difference"]] + [c["difference_after"] for c in res["chosen"]]
    assert all(a > b for a, b in zip(steps, steps[1:]))                 # every step lowers D
    assert res["final_difference"] == pytest.approx(steps[-1])
    firsts = [c["first_step_difference"] for c in res["candidates"]]
    assert firsts == sorted(firsts) and res["candidates"][0]["gene"] == res["chosen"][0]["gene"]
    sweep = pd.read_csv(d / "out" / "sweep.csv")
    assert list(sweep.columns) == ["relationship", "threshold", "difference", "n_tfs", "product"]
    assert sorted(set(sweep["relationship"])) == sorted(["linear", "linear0", "quadratic", "sqrt", "sin", "hill", "auto"])
    assert len(sweep) == 7 * 9
    row = sweep[(sweep.relationship == "sqrt") & (sweep.threshold == 0.4)].iloc[0]
    assert row["n_tfs"] == len(res["chosen"]) and row["difference"] == pytest.approx(res["final_difference"])


def test_restore_gager_with_two_grns_and_hidden_gene(tmp_path, capsys):
    pd.DataFrame({"s": {"A": 1, "B": 2, "C": 1, "D": 2, "E": 4}}).to_csv(tmp_path / "before.csv")
    pd.DataFrame({"t": {"A": 3, "B": 2, "C": 2, "D": 2.5, "E": 2}}).to_csv(tmp_path / "after.csv")
    pd.DataFrame({"TF": ["A"], "target": ["B"], "importance": [1.0]}).to_csv(tmp_path / "src.csv", index=False)
    pd.DataFrame({"TF": ["A", "A", "D", "C"], "target": ["B", "C", "C", "E"],
                  "importance": [0.9, 0.8, 0.4, 0.5]}).to_csv(tmp_path / "tgt.csv", index=False)
    base = ["restore", "--source", str(tmp_path / "before.csv"), "--target", str(tmp_path / "after.csv"),
            "--source-network", str(tmp_path / "src.csv"), "--target-network", str(tmp_path / "tgt.csv"),
            "--mode", "gager"]
    assert main([*base, "--threshold", "0.1", "--out", str(tmp_path / "a")]) == 0
    res = json.loads((tmp_path / "a" / "restoration.json").read_text())
    assert [c["gene"] for c in res["chosen"]] == ["A", "D"]
    assert res["final_difference"] == pytest.approx(3.4074e-5, rel=1e-4)
    assert res["relationship"] == "linear"                               # gager's default, as published
    assert main([*base, "--hide-genes", "E", "--out", str(tmp_path / "b")]) == 0
    res = json.loads((tmp_path / "b" / "restoration.json").read_text())
    assert res["initial_difference"] == pytest.approx(3.5)              # E's |-2| not counted
    capsys.readouterr()


def test_restore_dream4_knockout_names_its_cause(tmp_path, capsys):
    """DREAM4 size-100 net 1, knockout of G46 (its largest downstream effect): with G46 hidden,
    the default (corrected, hill) ranks G46 first among 41 regulators from its targets alone."""
    from grncore.data import read_dream4

    ds = read_dream4(benchdata("dream4", "size100", "net1"))
    ko, kd = ds.extras["knockouts"], ds.extras["knockdowns"]
    ko[["ko_G46"]].to_csv(tmp_path / "ko.csv")
    ds.extras["wildtype"].to_csv(tmp_path / "wt.csv")
    pd.concat([ds.expression, ko.drop(columns="ko_G46"), kd.drop(columns="kd_G46")], axis=1).to_csv(tmp_path / "fit.csv")
    gold = benchdata("dream4", "size100", "net1", "goldstandard.tsv")
    assert main(["restore", "--source", str(tmp_path / "ko.csv"), "--target", str(tmp_path / "wt.csv"),
                 "--network", str(gold), "--fit-expression", str(tmp_path / "fit.csv"), "--edge-threshold", "0",
                 "--hide-genes", "G46", "--out", str(tmp_path / "out")]) == 0, capsys.readouterr().err
    res = json.loads((tmp_path / "out" / "restoration.json").read_text())
    assert res["relationship"] == "hill" and res["mode"] == "corrected"
    assert len(res["candidates"]) == 41
    assert res["candidates"][0]["gene"] == "G46"
    assert res["chosen"][0]["gene"] == "G46"


@pytest.mark.parametrize("case, message", [
    ("disjoint", "no gene in common"),
    ("foreign_grn", "names no gene of the expression"),
    ("threshold_high", r"outside \(0, 1\]"),
    ("threshold_zero", r"outside \(0, 1\]"),
    ("missing_file", "no such file"),
])
def test_restore_bad_input_exits_2(two_state_files, capsys, case, message):
    d, _ = two_state_files
    src, tgt, net = d / "source.csv", d / "target.csv", d / "grn.csv"
    extra = []
    if case == "disjoint":
        t = pd.read_csv(tgt, index_col=0)
        t.index = [f"X{i}" for i in range(len(t))]
        t.to_csv(d / "other.csv")
        tgt = d / "other.csv"
    elif case == "foreign_grn":
        pd.DataFrame({"TF": ["P1"], "target": ["P2"], "importance": [1.0]}).to_csv(d / "foreign.csv", index=False)
        net = d / "foreign.csv"
    elif case == "threshold_high":
        extra = ["--threshold", "1.5"]
    elif case == "threshold_zero":
        extra = ["--threshold", "0"]
    elif case == "missing_file":
        net = d / "nope.csv"
    code = main(["restore", "--source", str(src), "--target", str(tgt), "--network", str(net), *extra,
                 "--out", str(d / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ") and "Traceback" not in err
    assert pytest.importorskip("re").search(message, err), err


def test_one_state_grn_alone_is_named_as_such(two_state_files, capsys):
    d, _ = two_state_files
    code = main(["restore", "--source", str(d / "source.csv"), "--target", str(d / "target.csv"),
                 "--source-network", str(d / "grn.csv"), "--out", str(d / "out")])
    assert code == 2 and "--source-network and --target-network go together" in capsys.readouterr().err

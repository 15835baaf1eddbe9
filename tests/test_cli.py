"""The command line: `validate` and `simulate`, exit codes, messages, round trips."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from grncore.cli import main
from tests.conftest import REPO, benchdata


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """The CLI as users call it: a separate process."""
    return subprocess.run([sys.executable, "-m", "grncore", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=300)


def validate(capsys, *args: str) -> tuple[int, dict | None, str]:
    code = main(["validate", *args])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else None), err


@pytest.mark.parametrize("kind, fmt, expect_kind", [
    ("single-cell", "beeline", "single_cell"),
    ("time-series", "dream4", "time_series"),
    ("two-states", "beeline", "single_cell"),
])
def test_simulate_then_validate_round_trip(tmp_path, capsys, kind, fmt, expect_kind):
    out = tmp_path / kind
    assert main(["simulate", kind, "--genes", "25", "--cells", "80", "--seed", "4", "--out", str(out)]) == 0
    written = json.loads(capsys.readouterr().out)
    code, summary, err = validate(capsys, "--expression", str(out), "--format", fmt)
    assert code == 0, err
    assert summary["kind"] == expect_kind
    for key in ("genes", "samples", "edges", "tfs"):
        assert summary[key] == written[key], key
    assert summary["genes"] == 25
    assert summary["edges"] > 0


def test_simulate_is_deterministic_by_seed(tmp_path, capsys):
    for name in ("a", "b"):
        main(["simulate", "single-cell", "--genes", "20", "--cells", "50", "--seed", "9", "--out", str(tmp_path / name)])
    capsys.readouterr()
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert files
    for f in files:
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f


def test_validate_as_a_process_prints_one_json_object(tmp_path):
    out = tmp_path / "sim"
    assert run_cli("simulate", "time-series", "--genes", "12", "--seed", "1", "--out", str(out)).returncode == 0
    proc = run_cli("validate", "--expression", str(out))
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert {"genes": 12, "samples": 210, "kind": "time_series"}.items() <= summary.items()


def test_bad_input_exits_2_with_the_file_name_and_no_traceback(tmp_path):
    bad = tmp_path / "counts_with_text.csv"
    bad.write_text("gene,c1,c2\nG1,1,2\nG2,three,4\n")
    proc = run_cli("validate", "--expression", str(bad))
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ") and "counts_with_text.csv" in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_missing_file_and_bad_options_exit_2(tmp_path, capsys):
    code, _, err = validate(capsys, "--expression", str(tmp_path / "nope.csv"))
    assert code == 2 and "nope.csv" in err and err.startswith("error: ")
    assert main(["validate"]) == 2  # argparse: --expression is required
    assert "required" in capsys.readouterr().err
    assert main(["simulate", "single-cell", "--genes", "2", "--seed", "0", "--out", str(tmp_path)]) == 2


def test_preprocessing_options(tmp_path, capsys):
    out = tmp_path / "sc"
    main(["simulate", "single-cell", "--genes", "100", "--cells", "400", "--seed", "2", "--out", str(out)])
    capsys.readouterr()
    code, raw, _ = validate(capsys, "--expression", str(out))
    assert code == 0 and raw["scale"] == "counts"
    code, norm, err = validate(capsys, "--expression", str(out), "--normalize", "auto", "--top-genes", "10")
    assert code == 0, err
    assert norm["scale"] == "log"
    assert norm["genes"] < raw["genes"] and norm["genes"] >= 10


def test_validate_real_dream4(capsys):
    folder = benchdata("dream4", "size100", "net1")
    code, summary, err = validate(capsys, "--expression", str(folder))
    assert code == 0, err
    assert (summary["genes"], summary["samples"], summary["edges"], summary["kind"]) == (100, 210, 176, "time_series")


def test_validate_real_beeline_genelink(capsys):
    folder = benchdata("beeline", "hHEP", "TFs+500", "STRING")
    code, summary, err = validate(capsys, "--expression", str(folder))
    assert code == 0, err
    assert (summary["genes"], summary["samples"]) == (948, 425)
    assert summary["edges"] > 0 and summary["tfs"] > 0

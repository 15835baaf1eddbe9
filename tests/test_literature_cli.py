"""`python -m grncore literature` against the 127.0.0.1 stand-in, online and offline."""

import json
import os
import subprocess
import sys

import pandas as pd

from tests.conftest import REPO
from tests.literature_standin import StandIn, synthetic_papers

FALSE_POSITIVES = [("Runx3", "Ezh2"), ("Mycn", "Lifr"), ("Ctcf", "Arid5b")]


def predictions_file(tmp_path):
    rows = [("Sox2", "Nanog", 0.99, 1), ("Runx3", "Ezh2", 0.95, 0), ("Mycn", "Lifr", 0.90, 0),
            ("Pou5f1", "Sox2", 0.85, 1), ("Ctcf", "Arid5b", 0.80, 0), ("Foxo3", "Rest", 0.10, 0)]
    path = tmp_path / "predictions.csv"
    pd.DataFrame(rows, columns=["regulator", "target", "score", "label"]).to_csv(path, index=False)
    return path


def run_cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grncore", "literature", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=120, env={**os.environ, **env})


def test_cli_writes_evidence_and_offline_exits_0_with_the_cache(tmp_path):
    pred = predictions_file(tmp_path)
    out = tmp_path / "out"
    papers = synthetic_papers(FALSE_POSITIVES[:2], per_pair=2)
    with StandIn(papers) as s:
        done = run_cli(s.env(), "--predictions", str(pred), "--top", "3", "--organism", "Mus musculus",
                       "--out", str(out))
        assert done.returncode == 0, done.stderr
        assert "literature [" in done.stderr  # the progress bar
        assert len(s.received("esearch.fcgi")) == 3 and len(s.received("search")) == 3
    summary = json.loads(done.stdout)
    assert (summary["pairs"], summary["fetched"], summary["with_papers"], summary["offline"]) == (3, 3, 2, [])
    table = pd.read_csv(out / "evidence.csv", keep_default_na=False)
    assert list(table.columns) == ["regulator", "target", "score", "rank", "pubmed_count", "pmids", "titles", "sentence"]
    assert list(zip(table["regulator"], table["target"])) == FALSE_POSITIVES
    assert list(table["rank"]) == [2, 3, 5] and list(table["pubmed_count"]) == [2, 2, 0]
    assert table.loc[0, "pmids"] == "30000001;30000002"
    assert table.loc[1, "titles"] == "Mycn and Lifr in study 1 | Mycn and Lifr in study 2"
    assert table.loc[0, "sentence"] == "We show that Runx3 represses Ezh2 in embryonic stem cells."

    # the stand-in is gone: exit 0, a note, the cached evidence written again
    offline = run_cli(s.env(), "--predictions", str(pred), "--top", "4", "--organism", "Mus musculus",
                      "--refresh", "--out", str(out))
    assert offline.returncode == 0, offline.stderr
    assert "note: E-utilities is offline: cannot reach 127.0.0.1" in offline.stderr
    assert "note: PubTator3 is offline" in offline.stderr
    assert json.loads(offline.stdout)["offline"] == ["E-utilities", "PubTator3"]
    table = pd.read_csv(out / "evidence.csv", keep_default_na=False)
    assert list(table["pubmed_count"].astype(str)) == ["2", "2", "0", ""]  # Foxo3 -> Rest was never fetched
    assert table.loc[0, "pmids"] == "30000001;30000002"


def test_cli_bad_predictions_file_is_an_error_naming_it(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("just one column\nfoo\n")
    done = run_cli({}, "--predictions", str(bad), "--out", str(tmp_path / "o"))
    assert done.returncode == 2 and done.stderr.startswith("error: bad.csv")
    missing = run_cli({}, "--predictions", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o"))
    assert missing.returncode == 2 and "--predictions: no such file" in missing.stderr

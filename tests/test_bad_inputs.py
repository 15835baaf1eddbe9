"""Every file of the bad-input corpus raises InputError (naming the file) through `load`;
the good-but-odd inputs load. The corpus is built by tests/bad_inputs/make_corpus.py."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from grncore.data import InputError, load

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
MANIFEST = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
BAD = MANIFEST["bad"]
GOOD = MANIFEST["good"]


def _load(entry: dict):
    comp = {k: CORPUS / v for k, v in entry["companions"].items()}
    target = CORPUS / entry["file"]
    role = entry["role"]
    kwargs = dict(entry["kwargs"])
    if role in ("expression", "folder"):
        return load(target, **kwargs)
    expr = comp.pop("expression")
    if role == "network":
        return load(expr, network=target, **kwargs)
    if role == "tfs":
        return load(expr, network=comp.get("network"), tfs=target, **kwargs)
    if role == "metadata":
        return load(expr, network=comp.get("network"), metadata=target, **kwargs)
    raise AssertionError(f"unknown role {role}")


def test_corpus_is_large_enough_and_complete():
    assert len(BAD) >= 35
    for entry in BAD + GOOD:
        assert (CORPUS / entry["file"]).exists(), entry["file"]
    roles = {e["role"] for e in BAD}
    assert {"expression", "network", "tfs", "metadata", "folder"} <= roles


def test_corpus_is_reproducible(tmp_path):
    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.build(tmp_path)
    for rel in mod.listing():
        assert (tmp_path / rel).read_bytes() == (CORPUS / rel).read_bytes(), rel


@pytest.mark.parametrize("entry", BAD, ids=[e["file"] for e in BAD])
def test_bad_input_raises_input_error(entry):
    with pytest.raises(InputError) as info:
        _load(entry)
    msg = str(info.value)
    assert entry["name_in_message"] in msg, msg
    assert entry["expect"] in msg.lower(), msg
    assert "Traceback" not in msg


@pytest.mark.parametrize("entry", GOOD, ids=[e["file"] for e in GOOD])
def test_good_but_odd_input_loads(entry):
    ds = load(CORPUS / entry["file"])
    assert ds.n_genes == entry["genes"]
    assert ds.n_samples == entry["samples"]
    assert ds.kind == entry.get("kind", "single_cell")
    if "has_gene" in entry:
        assert entry["has_gene"] in ds.genes  # kept as is; escaping is the UI's job


def test_negative_values_are_kept():
    ds = load(CORPUS / "good/negative_values.csv")
    assert ds.expression.loc["G4", "S1"] == pytest.approx(-1.5)

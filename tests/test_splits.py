"""Candidate pairs and train/val/test splits (grncore.bench.pairs, grncore.bench.splits).

Small synthetic datasets (40-60 genes, a random directed network from a TF subset) built with
`Dataset.create`, so nothing here depends on the simulators.
"""

import itertools

import numpy as np
import pandas as pd
import pytest

from grncore.bench import (PROTOCOLS, SPLITS, Split, candidate_pairs, make_network_split,
                           make_split, positive_rate)
from grncore.data import Dataset, InputError
from grncore.data.genes import pair_rows


def make_dataset(n_genes=50, n_tfs=12, n_edges=120, seed=0, name="toy", edgeless_tfs=2,
                 gene_prefix="g"):
    """Genes g0..g{n-1}; TFs are the first ``n_tfs`` genes, the last ``edgeless_tfs`` of which
    get no edge; edges drawn uniformly from (TF with edges) x gene without self-loops."""
    rng = np.random.default_rng(seed)
    genes = [f"{gene_prefix}{i}" for i in range(n_genes)]
    expr = pd.DataFrame(rng.normal(size=(n_genes, 8)), index=genes,
                        columns=[f"s{i}" for i in range(8)])
    tfs = genes[:n_tfs]
    regs = tfs[:n_tfs - edgeless_tfs]
    edges = set()
    while len(edges) < n_edges:
        r, t = regs[rng.integers(len(regs))], genes[rng.integers(n_genes)]
        if r != t:
            edges.add((r, t))
    net = pd.DataFrame(sorted(edges), columns=["regulator", "target"])
    return Dataset.create(expr, network=net, tfs=tfs, name=name)


@pytest.fixture(scope="module")
def ds():
    return make_dataset()


def keys(frame):
    """Pairs of a frame as a set of tuples (with the dataset when there is that column)."""
    cols = [c for c in ("dataset", "regulator", "target") if c in frame]
    return set(zip(*(frame[c].astype(str) for c in cols)))


def edges_of(dataset):
    return set(zip(dataset.network["regulator"], dataset.network["target"]))


def assert_valid_part(frame, dataset):
    """Every pair is a candidate pair of ``dataset``, unique, labelled by the ground truth."""
    reg, tgt = frame["regulator"].astype(str), frame["target"].astype(str)
    assert (reg != tgt).all()
    assert reg.isin(dataset.tfs).all()
    assert tgt.isin(dataset.genes).all()
    assert not frame.duplicated(["regulator", "target"]).any()
    truth = edges_of(dataset)
    expected = np.array([(r, t) in truth for r, t in zip(reg, tgt)], dtype=np.int8)
    assert frame["label"].dtype == np.int8
    np.testing.assert_array_equal(frame["label"].to_numpy(), expected)


# ---------------------------------------------------------------------- candidate pairs
def test_candidate_pairs_match_brute_force(ds):
    pairs = candidate_pairs(ds)
    brute = [(r, t) for r in ds.tfs for t in ds.genes if r != t]
    assert len(pairs) == len(brute) == ds.n_candidate_pairs == len(ds.tfs) * (ds.n_genes - 1)
    assert list(zip(pairs["regulator"].astype(str), pairs["target"].astype(str))) == brute
    truth = edges_of(ds)
    assert pairs["label"].tolist() == [int(p in truth) for p in brute]
    assert int(pairs["label"].sum()) == ds.n_edges
    assert list(pairs.columns) == ["regulator", "target", "label"]
    assert isinstance(pairs["regulator"].dtype, pd.CategoricalDtype)
    assert pairs["regulator"].cat.categories.equals(ds.genes)


def test_pair_codes_are_expression_rows(ds):
    pairs = candidate_pairs(ds)
    reg, tgt = pair_rows(pairs, ds)
    assert (ds.genes[reg] == pairs["regulator"].astype(str)).all()
    assert (ds.genes[tgt] == pairs["target"].astype(str)).all()
    # the name-lookup path gives the same rows
    plain = pairs.astype({"regulator": str, "target": str})
    r2, t2 = pair_rows(plain, ds)
    np.testing.assert_array_equal(reg, r2)
    np.testing.assert_array_equal(tgt, t2)
    # compact: the categorical codes in their own small dtype (what the engines keep)
    rc, tc = pair_rows(pairs, ds, compact=True)
    assert rc.dtype == pairs["regulator"].cat.codes.dtype and rc.dtype.itemsize < 8
    np.testing.assert_array_equal(rc, reg)
    # categories that are not the dataset's genes (network-disjoint frames) are looked up
    wider = pd.CategoricalDtype(["zz", *ds.genes[::-1]])
    r3, t3 = pair_rows(pairs.astype({"regulator": wider, "target": wider}), ds, compact=True)
    assert r3.dtype == np.int64
    np.testing.assert_array_equal(r3, reg)
    np.testing.assert_array_equal(t3, tgt)
    with pytest.raises(InputError, match="not a gene"):
        pair_rows(pd.DataFrame({"regulator": ["nope"], "target": ["g1"]}), ds)
    with pytest.raises(InputError, match="no 'target' column"):
        pair_rows(pd.DataFrame({"regulator": ["g1"]}), ds)


def test_positive_rate(ds):
    pairs = candidate_pairs(ds)
    expected = ds.n_edges / ds.n_candidate_pairs
    assert positive_rate(pairs) == pytest.approx(expected)
    assert positive_rate(ds) == pytest.approx(expected)
    assert positive_rate(pairs["label"].to_numpy()) == pytest.approx(expected)
    assert positive_rate(np.array([])) == 0.0


def test_edges_from_non_tfs_are_not_candidates():
    d = make_dataset(edgeless_tfs=0)
    allowed = d.tfs[:5]  # restrict the regulators: edges of the other TFs are unreachable
    d2 = d.with_(tfs=allowed)
    pairs = candidate_pairs(d2)
    reachable = {(r, t) for r, t in edges_of(d) if r in allowed}
    assert len(pairs) == 5 * (d.n_genes - 1)
    assert keys(pairs[pairs.label == 1]) == reachable
    assert positive_rate(d2) == pytest.approx(len(reachable) / len(pairs))
    split = make_split(d2, "unsupervised")
    assert split.info["unreachable_edges"] == d.n_edges - len(reachable)


def test_candidate_pairs_without_network_are_unlabelled(ds):
    d = Dataset.create(ds.expression, name="nolabels")
    pairs = candidate_pairs(d)
    assert len(pairs) == d.n_genes * (d.n_genes - 1)  # all genes are TFs
    assert pairs["label"].sum() == 0


def test_candidate_pairs_scale():
    """2,000 genes x 300 TFs (600k pairs) is vectorised: small codes, fast."""
    rng = np.random.default_rng(0)
    genes = [f"G{i}" for i in range(2000)]
    expr = pd.DataFrame(rng.random((2000, 3)), index=genes, columns=["a", "b", "c"])
    net = pd.DataFrame({"regulator": [genes[i] for i in rng.integers(0, 300, 3000)],
                        "target": [genes[i] for i in rng.integers(0, 2000, 3000)]})
    d = Dataset.create(expr, network=net, tfs=genes[:300])
    pairs = candidate_pairs(d)
    assert len(pairs) == 300 * 1999
    assert pairs["regulator"].cat.codes.dtype == np.int16
    assert pairs.memory_usage(deep=False).sum() < 6 * len(pairs)  # ~5 bytes per pair
    assert int(pairs["label"].sum()) == d.n_edges


# ---------------------------------------------------------------------- all splits
SINGLE = ["edge_random", "tf_disjoint", "gene_disjoint", "unsupervised"]


@pytest.mark.parametrize("name", SINGLE)
@pytest.mark.parametrize("seed", [0, 1, 7])
def test_parts_are_disjoint_valid_candidate_pairs(ds, name, seed):
    split = make_split(ds, name, seed=seed)
    assert isinstance(split, Split) and split.name == name and split.seed == seed
    parts = split.parts()
    for frame in parts.values():
        assert list(frame.columns) == ["regulator", "target", "label"]
        assert_valid_part(frame, ds)
    for a, b in itertools.combinations(parts, 2):
        assert not keys(parts[a]) & keys(parts[b]), f"{name}: {a} and {b} share pairs"
    assert split.protocol == SPLITS[name].protocol
    for p in ("train", "val", "test"):
        assert split.info[p]["pairs"] == len(parts[p])
        assert split.info[p]["positives"] == int(parts[p]["label"].sum())
    assert split.summary().loc["test", "pairs"] == len(split.test)
    assert split.info["description"]


@pytest.mark.parametrize("name", SINGLE)
def test_same_seed_same_split_other_seed_other_split(ds, name):
    a, b = make_split(ds, name, seed=3), make_split(ds, name, seed=3)
    for p in ("train", "val", "test"):
        pd.testing.assert_frame_equal(getattr(a, p), getattr(b, p))
    c = make_split(ds, name, seed=4)
    if name == "unsupervised":
        pd.testing.assert_frame_equal(a.test, c.test)  # nothing random in it
    else:
        assert any(keys(getattr(a, p)) != keys(getattr(c, p)) for p in ("train", "val", "test"))


def test_registry_records():
    assert set(SPLITS) == {"edge_random", "tf_disjoint", "gene_disjoint", "network_disjoint",
                           "unsupervised", "discovery"}
    for name, spec in SPLITS.items():
        assert spec.name == name and spec.protocol in PROTOCOLS and spec.description
    assert SPLITS["edge_random"].protocol == "optimistic"
    assert SPLITS["unsupervised"].protocol == "unsupervised"
    assert SPLITS["discovery"].protocol == "in-sample"
    assert {SPLITS[n].protocol for n in ("tf_disjoint", "gene_disjoint", "network_disjoint")} == {"honest"}
    assert SPLITS["edge_random"].leaks_node_identity
    assert not SPLITS["gene_disjoint"].leaks_node_identity
    assert SPLITS["network_disjoint"].multi_dataset


# ---------------------------------------------------------------------- edge_random
@pytest.mark.parametrize("n_edges", [10, 37, 120])
def test_edge_random_ratios(n_edges):
    d = make_dataset(n_edges=n_edges, seed=n_edges)
    split = make_split(d, "edge_random", seed=0)
    pos = {p: int(f["label"].sum()) for p, f in split.parts().items()}
    # positives 8:1:1 within rounding: val and test get round(P/10) (at least 1), train the rest
    tenth = max(1, int(np.floor(n_edges / 10 + 0.5)))
    assert pos == {"train": n_edges - 2 * tenth, "val": tenth, "test": tenth}
    assert abs(pos["train"] / n_edges - 0.8) <= 0.1 + 1e-9
    # 1:1 positives:negatives in every part
    for p, f in split.parts().items():
        assert (f["label"] == 0).sum() == pos[p], p
    # every reachable edge is used exactly once
    used = set().union(*(keys(f[f.label == 1]) for f in split.parts().values()))
    assert used == edges_of(d)
    assert split.protocol == "optimistic"


def test_edge_random_negative_ratio_and_fractions(ds):
    split = make_split(ds, "edge_random", seed=0, negative_ratio=2.0, fractions=(0.6, 0.2, 0.2))
    pos = {p: int(f["label"].sum()) for p, f in split.parts().items()}
    assert pos == {"train": 72, "val": 24, "test": 24}
    for p, f in split.parts().items():
        assert (f["label"] == 0).sum() == 2 * pos[p]


def test_edge_random_negatives_are_uniform():
    """Non-edges are drawn uniformly: over many seeds every TF's share of sampled negatives
    tracks its share of candidate non-edges (TFs with no edge included)."""
    d = make_dataset(n_genes=40, n_tfs=8, n_edges=60, edgeless_tfs=2)
    pairs = candidate_pairs(d)
    neg = pairs[pairs.label == 0]
    expected = neg["regulator"].astype(str).value_counts(normalize=True)
    counts = pd.Series(0.0, index=expected.index)
    for seed in range(60):
        s = make_split(d, "edge_random", seed=seed)
        for f in s.parts().values():
            counts = counts.add(f[f.label == 0]["regulator"].astype(str).value_counts(), fill_value=0)
    observed = counts / counts.sum()
    assert np.abs(observed[expected.index] - expected).max() < 0.02


def test_edge_random_needs_ten_edges():
    d = make_dataset(n_edges=9)
    with pytest.raises(InputError, match="at least 10"):
        make_split(d, "edge_random")


# ---------------------------------------------------------------------- tf_disjoint
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_tf_disjoint_holds_out_regulators(ds, seed):
    split = make_split(ds, "tf_disjoint", seed=seed)
    regs = {p: set(f["regulator"].astype(str)) for p, f in split.parts().items()}
    assert not regs["test"] & regs["train"]
    assert not regs["val"] & regs["train"]
    assert not regs["test"] & regs["val"]
    tfs = split.info["tfs"]
    assert set(tfs["test"]) == regs["test"] and set(tfs["val"]) == regs["val"]
    # 10 TFs with edges: 70/15/15 by count with rounding -> 7 / 2 / 2 is impossible, so
    # test = round(1.5) = 2, val = 2, train = 6
    assert (len(tfs["train"]), len(tfs["val"]), len(tfs["test"])) == (6, 2, 2)
    # test = ALL candidate pairs of the held-out TFs
    assert len(split.test) == len(tfs["test"]) * (ds.n_genes - 1)
    # natural ratio = the held-out TFs' true positive rate
    truth = edges_of(ds)
    n_true = sum(1 for r, _ in truth if r in tfs["test"])
    assert split.test["label"].mean() == pytest.approx(n_true / (len(tfs["test"]) * (ds.n_genes - 1)))
    assert split.info["test"]["positive_rate"] == pytest.approx(split.test["label"].mean())
    # val natural too; train balanced 1:1 and holds every edge of the training TFs
    assert len(split.val) == len(tfs["val"]) * (ds.n_genes - 1)
    n_train_edges = sum(1 for r, _ in truth if r in tfs["train"])
    assert split.train["label"].sum() == n_train_edges == (split.train["label"] == 0).sum()
    # TFs without edges are left out by default
    edgeless = {"g10", "g11"}  # genes[10:12]: the TFs make_dataset gives no edge
    assert not edgeless & {r for r, _ in truth}
    assert not edgeless & set().union(*regs.values())


def test_tf_disjoint_options(ds):
    natural = make_split(ds, "tf_disjoint", seed=0, train_negative_ratio=None)
    tfs = natural.info["tfs"]
    assert len(natural.train) == len(tfs["train"]) * (ds.n_genes - 1)
    half = make_split(ds, "tf_disjoint", seed=0, train_negative_ratio=0.5)
    n_pos = int(half.train["label"].sum())
    assert (half.train["label"] == 0).sum() == int(np.floor(0.5 * n_pos + 0.5))
    assert half.info["tfs"] == tfs  # the TF partition does not depend on the train ratio
    wide = make_split(ds, "tf_disjoint", seed=0, include_edgeless_tfs=True)
    all_regs = set().union(*(set(f["regulator"].astype(str)) for f in wide.parts().values()))
    assert set(wide.info["tfs"]["train"] + wide.info["tfs"]["val"] + wide.info["tfs"]["test"]) == set(ds.tfs)
    assert all_regs <= set(ds.tfs)
    no_val = make_split(ds, "tf_disjoint", seed=0, val_fraction=0, test_fraction=0.3)
    assert len(no_val.val) == 0 and len(no_val.info["tfs"]["test"]) == 3


def test_tf_disjoint_needs_three_tfs_with_edges():
    d = make_dataset(n_tfs=4, edgeless_tfs=2, n_edges=30)
    with pytest.raises(InputError, match="at least 3"):
        make_split(d, "tf_disjoint")
    split = make_split(d, "tf_disjoint", val_fraction=0)  # 2 are enough without validation
    assert len(split.info["tfs"]["test"]) == 1


# ---------------------------------------------------------------------- gene_disjoint
@pytest.mark.parametrize("seed", [0, 1, 2, 5])
def test_gene_disjoint_no_test_gene_in_training(seed):
    d = make_dataset(n_genes=60, n_tfs=20, n_edges=300, edgeless_tfs=3, seed=11)
    split = make_split(d, "gene_disjoint", seed=seed)
    genes_of = {p: set(f["regulator"].astype(str)) | set(f["target"].astype(str))
                for p, f in split.parts().items()}
    assert not genes_of["test"] & genes_of["train"]
    assert not genes_of["test"] & genes_of["val"]
    assert not genes_of["val"] & genes_of["train"]
    sets = {p: set(g) for p, g in split.info["genes"].items()}
    assert sets["train"] | sets["val"] | sets["test"] == set(d.genes)
    assert not sets["train"] & sets["test"]
    # test and val = every candidate pair with both ends in their node set, natural ratio
    for part in ("test", "val"):
        brute = {(r, t) for r in d.tfs if r in sets[part] for t in sets[part] if r != t}
        assert keys(split.parts()[part]) == brute
    assert split.test["label"].sum() > 0
    # train: both ends in the train node set, balanced
    assert genes_of["train"] <= sets["train"]
    assert split.train["label"].sum() == (split.train["label"] == 0).sum()
    kept = sum(len({(r, t) for r in d.tfs if r in s for t in s if r != t}) for s in sets.values())
    assert split.info["discarded_pairs"] == d.n_candidate_pairs - kept
    assert not SPLITS["gene_disjoint"].leaks_node_identity


def test_gene_disjoint_without_test_edges_says_what_to_do():
    d = make_dataset(n_genes=60, n_tfs=5, n_edges=12, edgeless_tfs=0, seed=3)
    with pytest.raises(InputError, match="test genes"):
        for seed in range(50):  # a sparse net: some seed leaves the test node set without edges
            make_split(d, "gene_disjoint", seed=seed)


# ---------------------------------------------------------------------- network_disjoint
def test_network_disjoint():
    nets = [make_dataset(n_genes=30, n_tfs=8, n_edges=50, seed=s, name=f"net{s}") for s in range(3)]
    split = make_network_split(nets, 2, seed=0)
    assert split.name == "network_disjoint" and split.protocol == "honest"
    for f in split.parts().values():
        assert list(f.columns) == ["dataset", "regulator", "target", "label"]
    # test = every candidate pair of net2, natural ratio, labelled by net2's truth
    assert set(split.test["dataset"]) == {"net2"}
    assert keys(split.test.drop(columns="dataset")) == keys(candidate_pairs(nets[2]))
    assert_valid_part(split.test.drop(columns="dataset"), nets[2])
    # train/val come from net0 and net1 only, each labelled by its own truth
    assert set(split.train["dataset"]) == {"net0", "net1"}
    for i in (0, 1):
        for part in (split.train, split.val):
            sub = part[part["dataset"] == f"net{i}"].drop(columns="dataset")
            assert_valid_part(sub, nets[i])
        reg, tgt = pair_rows(split.train[split.train["dataset"] == f"net{i}"], nets[i])
        assert (reg >= 0).all()
    # same gene names across nets, kept apart by the dataset column; parts disjoint
    assert keys(split.train.drop(columns="dataset")) & keys(split.test.drop(columns="dataset"))
    for a, b in itertools.combinations(split.parts().values(), 2):
        assert not keys(a) & keys(b)
    # train balanced 1:1, all edges of the training nets in train or val
    both = pd.concat([split.train, split.val])
    assert both["label"].sum() == (both["label"] == 0).sum() == 100
    # via make_split, and with a whole validation network
    s2 = make_split(nets, "network_disjoint", seed=0, test_index=0, val_index=1)
    assert set(s2.val["dataset"]) == {"net1"} and set(s2.train["dataset"]) == {"net2"}
    assert len(s2.val) == nets[1].n_candidate_pairs
    s3 = make_network_split(nets, 2, seed=0)
    pd.testing.assert_frame_equal(split.train, s3.train)


def test_network_disjoint_errors():
    nets = [make_dataset(n_genes=30, n_tfs=8, n_edges=50, seed=s, name="same") for s in range(2)]
    split = make_network_split(nets, 1)
    assert set(split.test["dataset"]) == {"same[1]"}  # repeated names are made unique
    with pytest.raises(InputError, match="at least 2"):
        make_network_split(nets[:1], 0)
    with pytest.raises(InputError, match="test_index"):
        make_network_split(nets, 5)
    with pytest.raises(InputError, match="several datasets"):
        make_split(nets[0], "network_disjoint")


# ---------------------------------------------------------------------- unsupervised + errors
def test_unsupervised(ds):
    split = make_split(ds, "unsupervised")
    pd.testing.assert_frame_equal(split.test, candidate_pairs(ds))
    assert len(split.train) == len(split.val) == 0 and not split.supervised
    assert list(split.train.columns) == ["regulator", "target", "label"]
    unlabelled = make_split(Dataset.create(ds.expression, name="x"), "unsupervised")
    assert unlabelled.info["evaluable"] is False and "no ground truth" in unlabelled.info["description"]


@pytest.mark.parametrize("name", ["edge_random", "tf_disjoint", "gene_disjoint"])
def test_supervised_splits_need_a_network(ds, name):
    with pytest.raises(InputError, match="unsupervised split"):
        make_split(Dataset.create(ds.expression, name="x"), name)


def test_bad_options(ds):
    with pytest.raises(InputError, match="unknown split"):
        make_split(ds, "random")
    with pytest.raises(InputError, match="test_fraction"):
        make_split(ds, "tf_disjoint", test_fraction=1.5)
    with pytest.raises(InputError, match="train_negative_ratio"):
        make_split(ds, "gene_disjoint", train_negative_ratio=-1)
    with pytest.raises(InputError, match="fractions"):
        make_split(ds, "edge_random", fractions=(0.5, 0.5))
    with pytest.raises(InputError, match="seed"):
        make_split(ds, "edge_random", seed=-1)

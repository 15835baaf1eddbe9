"""Train / validation / test splits of candidate pairs, from optimistic to honest.

A `Split` holds three pair frames (see `grncore.bench.pairs`: ``regulator``, ``target``
categorical, ``label`` int8; plus ``dataset`` for network-disjoint splits). The parts are
pairwise disjoint as sets of pairs (except in ``discovery``, whose test part is every pair). Every split is a pure function of the dataset, the options and
``seed`` (one ``numpy.random.default_rng(seed)`` per call), so the same seed gives the identical
split. Rows of each part are in canonical pair order (regulator in ``dataset.tfs`` order, then
target in expression-row order); shuffle inside training loops, not here.

Splits (registry `SPLITS`; call `make_split(dataset, name, seed=..., **options)`):

``edge_random`` (protocol "optimistic")
    The GeneNet Transformer thesis protocol (genenet-transformer-thesis, sections 5.2-5.3):
    the true edges are shuffled and split train:val:test = 8:1:1; each part is joined with
    ``negative_ratio`` (default 1: as many) non-edges drawn uniformly without replacement from all
    candidate non-edges, so negatives are disjoint across parts and every part is balanced 1:1.
    Both ends of almost every test pair were seen in training, so a model can score a test pair
    from the training degree of its regulator and target alone (the ``degree`` sentinel reaches
    AUROC ~0.85-0.9 on BEELINE data this way): numbers from this split alone prove little.

``tf_disjoint`` (protocol "honest")
    The regulators that have at least one true edge are partitioned by seed into train / val /
    test by TF count (default 70/15/15, ``test_fraction``, ``val_fraction``). The test part is ALL
    candidate pairs of the held-out regulators at the natural class ratio; val likewise for the
    validation regulators; train is the pairs of the training regulators, negative-subsampled to
    ``train_negative_ratio`` negatives per positive (default 1.0; ``None`` keeps all of them, the
    natural ratio). TFs without any true edge are left out by default
    (``include_edgeless_tfs=False``): in ChIP-seq ground truths most TFs were never profiled, so
    their pairs are unknown rather than negative, and a TF without edges in the test part would
    add only negatives. With ``include_edgeless_tfs=True`` they are partitioned with the same
    fractions. Target genes are shared between parts, so a target's in-degree is still learnable.

``gene_disjoint`` (protocol "honest")
    The genes are partitioned into train / val / test node sets (default 65/15/20, stratified
    so that TFs with edges, TFs without edges and other genes are spread in the same proportions).
    A part's pairs have BOTH ends in its node set (regulator a TF); pairs that cross node sets are
    discarded. No gene of a test pair appears in any training pair, so this is the only split where
    node degree (or any node identity) learned in training tells nothing about a test pair.
    Val and test are at the natural ratio, train is subsampled like ``tf_disjoint``.

``network_disjoint`` (protocol "honest")
    For several networks of one kind (e.g. DREAM4 size-100 nets 1-5) train on the candidate pairs
    of the others and test on all candidate pairs of one; see `make_network_split`.

``unsupervised`` (protocol "unsupervised")
    No training: test = every candidate pair at the natural ratio (BEELINE style: Pratapa et
    al., "Benchmarking algorithms for gene regulatory network inference from single-cell
    transcriptomic data", Nature Methods 17, 147-154, 2020); train and val are empty.

``discovery`` (protocol "in-sample")
    The predicted network, for exploring rather than evaluating: test = every candidate pair;
    train = every known edge plus non-edges sampled exactly as ``edge_random`` samples them; val
    empty. The one split whose parts are NOT disjoint: the test part contains the training pairs,
    so any figure computed on it is in-sample. See `discovery`.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..data import Dataset, InputError
from .pairs import _Candidates, _sample_complement, candidate_pairs, empty_pairs

PARTS = ("train", "val", "test")
PROTOCOLS = ("optimistic", "honest", "unsupervised", "in-sample")

__all__ = ["Split", "SplitSpec", "SPLITS", "PARTS", "PROTOCOLS", "make_split",
           "make_network_split", "edge_random", "tf_disjoint", "gene_disjoint", "unsupervised",
           "discovery"]


@dataclass(frozen=True, eq=False)
class Split:
    """Train / val / test pair frames of one split of one dataset (or several, network-disjoint).

    ``info`` holds ``description`` (a sentence for the UI), ``dataset``, ``options`` (the options
    used), per part ``{"pairs", "positives", "negatives", "positive_rate"}`` under ``"train"``,
    ``"val"``, ``"test"``, and split-specific entries (TF / gene / dataset assignments,
    ``unreachable_edges``: ground-truth edges whose regulator is not an allowed TF).
    ``protocol`` is "optimistic" (edge_random), "honest" or "unsupervised".
    """

    name: str
    seed: int
    train: pd.DataFrame
    val: pd.DataFrame
    test: pd.DataFrame
    info: dict = field(default_factory=dict)
    protocol: str = "honest"

    @property
    def supervised(self) -> bool:
        """Whether there are training pairs to fit on."""
        return len(self.train) > 0

    def parts(self) -> dict[str, pd.DataFrame]:
        return {"train": self.train, "val": self.val, "test": self.test}

    def summary(self) -> pd.DataFrame:
        """Counts per part (rows train, val, test; columns pairs, positives, negatives,
        positive_rate) for tables in the UI."""
        return pd.DataFrame.from_dict({p: _counts(f) for p, f in self.parts().items()},
                                      orient="index")


@dataclass(frozen=True)
class SplitSpec:
    """Registry record of a split: ``func(dataset, *, seed, **options) -> Split`` (for
    ``network_disjoint``: ``func(datasets, test_index, *, seed, **options)``), a description,
    its protocol, whether node identity learned in training can inform test pairs
    (``leaks_node_identity``, with ``leak`` saying which), and its options with defaults."""

    name: str
    func: Callable[..., Split]
    description: str
    protocol: str
    leaks_node_identity: bool
    leak: str
    options: Mapping[str, object]
    multi_dataset: bool = False


# ---------------------------------------------------------------------- entry points
def make_split(dataset, name: str, *, seed: int = 0, **options) -> Split:
    """Split ``dataset`` with the registered split ``name`` (see `SPLITS` and the module doc).

    ``network_disjoint`` needs a list of datasets: ``make_split([d1, d2, ...],
    "network_disjoint", test_index=i)`` forwards to `make_network_split`. Impossible splits
    (no ground truth, too few edges or TFs with edges) raise `InputError` saying what to do.
    """
    if name not in SPLITS:
        raise InputError(f"unknown split {name!r}", where="split",
                         fix=f"use one of {', '.join(SPLITS)}")
    spec = SPLITS[name]
    if spec.multi_dataset:
        if isinstance(dataset, Dataset):
            raise InputError("the network_disjoint split needs several datasets of one kind",
                             where="split",
                             fix="call make_network_split(datasets, test_index) with a list of datasets")
        return spec.func(list(dataset), seed=seed, **options)
    if not isinstance(dataset, Dataset):
        raise TypeError(f"make_split({name!r}) needs a Dataset, not {type(dataset).__name__}")
    return spec.func(dataset, seed=seed, **options)


def edge_random(dataset: Dataset, *, seed: int = 0, fractions: Sequence[float] = (0.8, 0.1, 0.1),
                negative_ratio: float = 1.0, repeats: int | None = None, repeat: int = 0) -> Split:
    """The thesis protocol (sections 5.2-5.3): positives 8:1:1, each part joined with as many
    uniformly sampled non-edges (``negative_ratio`` per positive), negatives disjoint across parts.

    With ``P`` reachable edges: ``n_val = max(1, round(P * f_val))``, ``n_test = max(1, round(P *
    f_test))`` (0 for a zero fraction), ``n_train = P - n_val - n_test``; each part gets ``round(negative_ratio * n_part)``
    negatives. Needs at least 10 edges (one each for val and test, eight to train on).
    With ``repeats=R`` this is repeat ``repeat`` (0..R-1) of R: the same split drawn with seed
    ``seed + repeat`` (see `grncore.bench.folds`).
    """
    seed = _seed(seed)
    repeat = _fold_index("repeats", repeats, repeat)
    cand = _supervised_candidates(dataset, "edge_random")
    f = _fractions(fractions)
    ratio = _ratio("negative_ratio", negative_ratio, allow_none=False)
    n_pos = len(cand.edge_pos)
    if n_pos < 10:
        raise InputError(f"the ground truth of {dataset.name!r} has {n_pos} edges from allowed TFs; "
                         "the 8:1:1 edge split needs at least 10", where="edge_random split",
                         fix="use a larger ground truth, or the unsupervised split")
    n_val = max(1, _round(n_pos * f[1])) if f[1] > 0 else 0
    n_test = max(1, _round(n_pos * f[2])) if f[2] > 0 else 0
    n_train = n_pos - n_val - n_test
    if n_train < 1:
        raise InputError(f"fractions {tuple(fractions)} leave no training edge out of {n_pos}",
                         where="edge_random split", fix="give the training part a larger fraction")
    rng = np.random.default_rng(seed + repeat)
    pos = rng.permutation(cand.edge_pos)
    pos_parts = np.split(pos, [n_train, n_train + n_val])
    n_neg = [_round(ratio * len(p)) for p in pos_parts]
    free = cand.n_pairs - n_pos
    if sum(n_neg) > free:
        raise InputError(f"{sum(n_neg)} negatives needed but only {free} candidate non-edges exist",
                         where="edge_random split", fix="lower negative_ratio")
    neg = _sample_complement(rng, cand.n_pairs, cand.edge_pos, sum(n_neg))
    neg_parts = np.split(neg, np.cumsum(n_neg)[:2])
    frames = [cand.frame(np.sort(np.concatenate([p, n]))) for p, n in zip(pos_parts, neg_parts)]
    info = _info(dataset, cand, frames, {"fractions": list(f), "negative_ratio": ratio,
                                         **({"repeats": int(repeats)} if repeats else {})},
                 "Edge-random split (thesis protocol): true edges split 8:1:1 into train/val/test, "
                 "each part joined with as many uniformly sampled non-edges. Optimistic: test "
                 "genes were seen in training, so node degree alone scores well.")
    if repeats:
        info["fold"] = repeat
    return Split("edge_random", seed, *frames, info=info, protocol="optimistic")


def tf_disjoint(dataset: Dataset, *, seed: int = 0, test_fraction: float = 0.15,
                val_fraction: float = 0.15, train_negative_ratio: float | None = 1.0,
                include_edgeless_tfs: bool = False, folds: int | None = None, fold: int = 0) -> Split:
    """Held-out regulators: test = all candidate pairs of the test TFs at the natural ratio.

    TFs with at least one reachable edge are shuffled and cut into test (``max(1,
    round(n * test_fraction))``), val (likewise, 0 when ``val_fraction`` is 0) and train (the
    rest, at least 1); needs 3 such TFs (2 with ``val_fraction=0``). The test positive rate is
    the held-out TFs' true rate ``edges(test TFs) / (n_test_tfs * (G - 1))``. Train pairs are the
    training TFs' edges plus ``round(train_negative_ratio * positives)`` of their non-edges drawn
    uniformly without replacement (all of them when ``None``).

    With ``folds=K`` this is fold ``fold`` (0..K-1) of a K-fold partition: the TFs (with edges;
    edgeless ones separately when included) are shuffled once by seed and cut into K near-equal
    folds, fold ``fold`` is the test part (``test_fraction`` is then unused), and val is
    ``round(n * val_fraction)`` TFs drawn from the other folds, so across the K folds every TF is
    tested exactly once and never validates or trains the fold that tests it.
    """
    seed = _seed(seed)
    fold = _fold_index("folds", folds, fold)
    cand = _supervised_candidates(dataset, "tf_disjoint")
    test_fraction = _fraction("test_fraction", test_fraction)
    val_fraction = _fraction("val_fraction", val_fraction, allow_zero=True)
    ratio = _ratio("train_negative_ratio", train_negative_ratio)
    edge_rows = cand.edge_rows
    rows_with = np.unique(edge_rows)
    need = 3 if val_fraction > 0 else 2
    if len(rows_with) < need:
        raise InputError(f"only {len(rows_with)} TF(s) of {dataset.name!r} have a true edge; the "
                         f"TF-disjoint split needs at least {need} (train, {'val, ' if need == 3 else ''}"
                         "test)", where="tf_disjoint split",
                         fix="use gene_disjoint or edge_random, or a ground truth covering more TFs")
    rng = np.random.default_rng(seed)
    cut = _partition if folds is None else _fold_cut(folds, fold, len(rows_with), "tf_disjoint split")
    parts_rows = cut(rng, rows_with, test_fraction, val_fraction, at_least_one=True)
    if len(parts_rows[0]) < 1:
        raise InputError(f"test_fraction={test_fraction} and val_fraction={val_fraction} leave no "
                         f"training TF out of {len(rows_with)}", where="tf_disjoint split",
                         fix="lower test_fraction or val_fraction")
    edgeless = np.setdiff1d(np.arange(len(cand.tf_idx)), rows_with)
    if include_edgeless_tfs and len(edgeless):
        extra = cut(rng, edgeless, test_fraction, val_fraction, at_least_one=False)
        parts_rows = [np.concatenate([a, b]) for a, b in zip(parts_rows, extra)]
    parts_rows = [np.sort(r) for r in parts_rows]
    train_rows, val_rows, test_rows = parts_rows

    # train: positives of the training TFs + sampled negatives in the compressed space of their rows
    if ratio is None:
        train = cand.frame(cand.row_positions(train_rows))
        capped = False
    else:
        slot = np.full(len(cand.tf_idx), -1, np.int64)
        slot[train_rows] = np.arange(len(train_rows))
        in_train = slot[edge_rows] >= 0
        e_pos = cand.edge_pos[in_train]
        e_q = slot[edge_rows[in_train]] * cand.m1 + (e_pos - edge_rows[in_train] * cand.m1)
        e_q = np.sort(e_q)
        space = len(train_rows) * cand.m1
        k = _round(ratio * len(e_q))
        capped = k > space - len(e_q)
        k = min(k, space - len(e_q))
        q = _sample_complement(rng, space, e_q, k)
        neg = train_rows[q // cand.m1] * cand.m1 + q % cand.m1
        train = cand.frame(np.sort(np.concatenate([e_pos, neg])))
    val = cand.frame(cand.row_positions(val_rows))
    test = cand.frame(cand.row_positions(test_rows))
    tf_names = np.asarray(dataset.tfs, dtype=object)
    info = _info(dataset, cand, [train, val, test],
                 {"test_fraction": test_fraction, "val_fraction": val_fraction,
                  "train_negative_ratio": ratio, "include_edgeless_tfs": bool(include_edgeless_tfs),
                  **({"folds": int(folds)} if folds else {})},
                 "TF-disjoint split: regulators are partitioned; test holds every candidate pair of "
                 "the held-out regulators at the natural class ratio. No test regulator is seen in "
                 "training (targets are shared, so a target's in-degree is still learnable).")
    info.update({
        "tfs": {p: tf_names[r].tolist() for p, r in zip(("train", "val", "test"), parts_rows)},
        "tfs_with_edges": int(len(rows_with)),
        "edgeless_tfs": int(len(edgeless)),
        "edgeless_tfs_used": bool(include_edgeless_tfs and len(edgeless)),
    })
    if folds:
        info["fold"] = fold
    if capped:
        info["note"] = "fewer training non-edges than requested exist; all of them are used"
    return Split("tf_disjoint", seed, train, val, test, info=info, protocol="honest")


def gene_disjoint(dataset: Dataset, *, seed: int = 0, test_fraction: float = 0.2,
                  val_fraction: float = 0.15, train_negative_ratio: float | None = 1.0,
                  folds: int | None = None, fold: int = 0) -> Split:
    """Node-disjoint split: each part's pairs have both ends in that part's gene set.

    Genes are partitioned by seed in three strata (TFs with a reachable edge, other TFs, non-TF
    genes), each cut ``round(n * fraction)`` per part (at least one TF with edges in test and in
    val); pairs crossing node sets are dropped (``info["discarded_pairs"]``). Val and test are at
    the natural ratio; train is subsampled like `tf_disjoint`. Raises `InputError` if no true edge
    falls inside the test (or train) node set (try another seed or a larger ``test_fraction``); a
    validation part without edges only adds ``info["note"]``.

    With ``folds=K`` this is fold ``fold`` of a K-fold partition of each stratum (as in
    `tf_disjoint`): every gene lies in the test node set of exactly one fold.
    """
    seed = _seed(seed)
    fold = _fold_index("folds", folds, fold)
    cand = _supervised_candidates(dataset, "gene_disjoint")
    test_fraction = _fraction("test_fraction", test_fraction)
    val_fraction = _fraction("val_fraction", val_fraction, allow_zero=True)
    ratio = _ratio("train_negative_ratio", train_negative_ratio)
    n_genes = len(cand.genes)
    rows_with = np.unique(cand.edge_rows)
    need = 3 if val_fraction > 0 else 2
    if len(rows_with) < need:
        raise InputError(f"only {len(rows_with)} TF(s) of {dataset.name!r} have a true edge; the "
                         f"gene-disjoint split needs at least {need}", where="gene_disjoint split",
                         fix="use edge_random, or a ground truth covering more TFs")
    tf_genes_with = cand.tf_idx[rows_with]
    tf_genes_without = np.setdiff1d(cand.tf_idx, tf_genes_with)
    others = np.setdiff1d(np.arange(n_genes), cand.tf_idx)
    rng = np.random.default_rng(seed)
    cut = _partition if folds is None else _fold_cut(folds, fold, len(tf_genes_with), "gene_disjoint split")
    strata = [cut(rng, tf_genes_with, test_fraction, val_fraction, at_least_one=True),
              cut(rng, tf_genes_without, test_fraction, val_fraction, at_least_one=False),
              cut(rng, others, test_fraction, val_fraction, at_least_one=False)]
    if len(strata[0][0]) < 1:
        raise InputError(f"test_fraction={test_fraction} and val_fraction={val_fraction} leave no "
                         "training TF", where="gene_disjoint split", fix="lower the fractions")
    gene_sets = [np.sort(np.concatenate([s[i] for s in strata])) for i in range(3)]
    tf_row_of_gene = np.full(n_genes, -1, np.int64)
    tf_row_of_gene[cand.tf_idx] = np.arange(len(cand.tf_idx))

    def within(genes: np.ndarray) -> np.ndarray:
        regs = genes[tf_row_of_gene[genes] >= 0]
        reg = np.repeat(regs, len(genes))
        tgt = np.tile(genes, len(regs))
        keep = reg != tgt
        reg, tgt = reg[keep], tgt[keep]
        return np.sort(cand.encode(reg, tgt, tf_row_of_gene[reg]))

    pos_parts = [within(g) for g in gene_sets]
    lab_parts = [cand.labels(p) for p in pos_parts]
    if not lab_parts[2].any():
        raise InputError(f"no true edge has both ends among the {len(gene_sets[2])} test genes of "
                         f"{dataset.name!r} (seed {seed})", where="gene_disjoint split",
                         fix="try another seed or a larger test_fraction; the network may be too "
                             "sparse for a node-disjoint split")
    notes = []
    if val_fraction > 0 and not lab_parts[1].any():
        notes.append(f"the validation part ({len(gene_sets[1])} genes) holds no true edge, so "
                     "validation metrics are undefined; try another seed or a larger val_fraction")
    if not lab_parts[0].any():
        raise InputError(f"no true edge has both ends among the training genes of {dataset.name!r}",
                         where="gene_disjoint split", fix="lower test_fraction and val_fraction")
    capped = False
    train_pos, train_lab = pos_parts[0], lab_parts[0]
    if ratio is not None:
        neg_all = train_pos[train_lab == 0]
        k = _round(ratio * int(train_lab.sum()))
        capped = k > len(neg_all)
        neg = rng.choice(neg_all, size=min(k, len(neg_all)), replace=False)
        train_pos = np.sort(np.concatenate([train_pos[train_lab == 1], neg]))
    frames = [cand.frame(train_pos), cand.frame(pos_parts[1], lab_parts[1]),
              cand.frame(pos_parts[2], lab_parts[2])]
    kept = sum(len(p) for p in pos_parts)
    info = _info(dataset, cand, frames,
                 {"test_fraction": test_fraction, "val_fraction": val_fraction,
                  "train_negative_ratio": ratio, **({"folds": int(folds)} if folds else {})},
                 "Gene-disjoint split: genes are partitioned into train/val/test node sets and a "
                 "pair belongs to a part only if both its genes do. No test gene is seen in "
                 "training: the only split where learned node degree tells nothing.")
    names = np.asarray(cand.genes, dtype=object)
    info.update({
        "genes": {p: names[g].tolist() for p, g in zip(PARTS, gene_sets)},
        "discarded_pairs": int(cand.n_pairs - kept),
        "discarded_edges": int(len(cand.edge_pos) - sum(int(l.sum()) for l in lab_parts)),
    })
    if folds:
        info["fold"] = fold
    if capped:
        notes.append("fewer training non-edges than requested exist; all of them are used")
    if notes:
        info["note"] = "; ".join(notes)
    return Split("gene_disjoint", seed, *frames, info=info, protocol="honest")


def unsupervised(dataset: Dataset, *, seed: int = 0) -> Split:
    """No training: test = every candidate pair (natural ratio), train and val empty. Works
    without a ground truth (labels all 0: the pairs can be scored but not evaluated)."""
    seed = _seed(seed)
    cand = _Candidates.of(dataset)
    test = candidate_pairs(dataset)
    empty = empty_pairs(dataset.genes)
    desc = ("Unsupervised: no training; every candidate pair (allowed regulator x gene) is scored "
            "and evaluated at the natural class ratio (BEELINE style).")
    if dataset.network is None:
        desc += " This dataset has no ground truth: scores only, no metrics."
    info = _info(dataset, cand, [empty, empty.copy(), test], {}, desc)
    info["evaluable"] = bool(len(cand.edge_pos))
    return Split("unsupervised", seed, empty, empty.copy(), test, info=info, protocol="unsupervised")


def discovery(dataset: Dataset, *, seed: int = 0, negative_ratio: float = 1.0) -> Split:
    """The predicted network: score every candidate pair, after training on everything known.

    test = every candidate pair (`candidate_pairs`, canonical order, labels = known edges; all 0
    without a ground truth). train = every reachable true edge (``P``) plus ``round(negative_ratio
    * P)`` non-edges drawn uniformly without replacement from all candidate non-edges, with the
    sampler ``edge_random`` uses (``_sample_complement`` on ``numpy.random.default_rng(seed)``);
    capped at the number of non-edges (``info["note"]`` says so). val is empty: nothing is held
    out, so models that stop early on validation train their full number of epochs and keep the
    last one. Without a ground truth, or without a true edge from an allowed TF, train is empty
    and only unsupervised methods can run (``info["evaluable"]`` is False).

    The test part contains the training pairs (``protocol = "in-sample"``): metrics computed on it
    measure fit, not generalisation; evaluation belongs to the other splits.
    """
    seed = _seed(seed)
    ratio = _ratio("negative_ratio", negative_ratio, allow_none=False)
    cand = _Candidates.of(dataset)
    test = candidate_pairs(dataset)
    n_pos = len(cand.edge_pos)
    capped = False
    if n_pos:
        rng = np.random.default_rng(seed)
        free = cand.n_pairs - n_pos
        k = _round(ratio * n_pos)
        capped = k > free
        neg = _sample_complement(rng, cand.n_pairs, cand.edge_pos, min(k, free))
        train = cand.frame(np.sort(np.concatenate([cand.edge_pos, neg])))
    else:
        train = empty_pairs(dataset.genes)
    val = empty_pairs(dataset.genes)
    desc = ("Discovery: the predicted network, for exploring, not evaluating. Supervised methods "
            "train on every known edge (plus as many sampled non-edges); every candidate pair is "
            "scored. Figures on these pairs are in-sample.")
    if not n_pos:
        desc += (" This dataset has no ground-truth edge" + ("" if dataset.network is None else " from an allowed TF")
                 + ": unsupervised methods only, no metrics.")
    info = _info(dataset, cand, [train, val, test], {"negative_ratio": ratio}, desc)
    info["evaluable"] = bool(n_pos)
    info["in_sample"] = True
    if capped:
        info["note"] = "fewer non-edges than requested exist; all of them are used for training"
    return Split("discovery", seed, train, val, test, info=info, protocol="in-sample")


def make_network_split(datasets: Sequence[Dataset], test_index: int, *, seed: int = 0,
                       val_index: int | None = None, val_fraction: float = 0.1,
                       train_negative_ratio: float | None = 1.0) -> Split:
    """Network-disjoint split: train on the other networks, test on ``datasets[test_index]``.

    Test = all candidate pairs of the test dataset at its natural ratio. Train = for each other
    dataset (except ``val_index``), its true edges plus ``round(train_negative_ratio *
    edges)`` non-edges drawn uniformly without replacement (like edge_random's negatives; all
    candidate pairs when ``None``). Validation: all candidate pairs of ``datasets[val_index]``
    (natural ratio) when given; otherwise ``val_fraction`` of each training dataset's positives
    and of its negatives are held out of train (0 for no validation part).

    Different datasets often share gene names (DREAM4 nets all call their genes G1..G100) that
    are different genes, so every frame has a ``dataset`` column (categorical, the dataset names;
    ``name[i]`` when names repeat) and pairs are identified by (dataset, regulator, target).
    ``regulator``/``target`` categories are the union of all gene names; use
    `grncore.data.genes.pair_rows` on one dataset's rows to get expression rows.
    """
    seed = _seed(seed)
    datasets = list(datasets)
    if len(datasets) < 2:
        raise InputError(f"the network-disjoint split needs at least 2 datasets, got {len(datasets)}",
                         where="network_disjoint split", fix="select several networks of one kind")
    for i, d in enumerate(datasets):
        if not isinstance(d, Dataset):
            raise TypeError(f"datasets[{i}] is a {type(d).__name__}, not a Dataset")
    n = len(datasets)
    test_index = _index("test_index", test_index, n)
    if val_index is not None:
        val_index = _index("val_index", val_index, n)
        if val_index == test_index:
            raise InputError("val_index equals test_index", where="network_disjoint split",
                             fix="validate on a different network than the one tested")
    train_idx = [i for i in range(n) if i not in (test_index, val_index)]
    if not train_idx:
        raise InputError("no dataset is left to train on", where="network_disjoint split",
                         fix="add datasets or drop val_index")
    val_fraction = _fraction("val_fraction", val_fraction, allow_zero=True)
    ratio = _ratio("train_negative_ratio", train_negative_ratio)
    names = [d.name for d in datasets]
    if len(set(names)) < n:
        names = [f"{d.name}[{i}]" for i, d in enumerate(datasets)]
    cands = {}
    for i, d in enumerate(datasets):
        cands[i] = _supervised_candidates(d, "network_disjoint")
        if not len(cands[i].edge_pos):
            raise InputError(f"{names[i]!r} has no true edge from its allowed TFs",
                             where="network_disjoint split", fix="leave it out")
    genes = pd.Index(pd.unique(np.concatenate([np.asarray(d.genes, dtype=object) for d in datasets])))
    rng = np.random.default_rng(seed)

    train_parts, val_parts = [], []
    for i in train_idx:
        c = cands[i]
        if ratio is None:
            pos = c.edge_pos
            neg = np.setdiff1d(np.arange(c.n_pairs, dtype=np.int64), c.edge_pos, assume_unique=True)
            neg = rng.permutation(neg)
        else:
            k = min(_round(ratio * len(c.edge_pos)), c.n_pairs - len(c.edge_pos))
            neg = _sample_complement(rng, c.n_pairs, c.edge_pos, k)
            pos = c.edge_pos
        pos = rng.permutation(pos)
        if val_index is None and val_fraction > 0:
            nvp, nvn = _round(len(pos) * val_fraction), _round(len(neg) * val_fraction)
            val_parts.append((i, np.sort(np.concatenate([pos[:nvp], neg[:nvn]]))))
            pos, neg = pos[nvp:], neg[nvn:]
        train_parts.append((i, np.sort(np.concatenate([pos, neg]))))
    if val_index is not None:
        val_parts = [(val_index, np.arange(cands[val_index].n_pairs, dtype=np.int64))]
    test_parts = [(test_index, np.arange(cands[test_index].n_pairs, dtype=np.int64))]

    def frame(parts):
        cats = pd.CategoricalDtype(pd.Index(names), ordered=False)
        if not parts:
            f = empty_pairs(genes, dataset_column=True)
            f["dataset"] = pd.Categorical([], dtype=cats)
            return f
        frames = []
        for i, pos in parts:
            f = cands[i].frame(pos)
            remap = genes.get_indexer(datasets[i].genes)
            gcat = pd.CategoricalDtype(genes, ordered=False)
            for col in ("regulator", "target"):
                f[col] = pd.Categorical.from_codes(remap[f[col].cat.codes.to_numpy()], dtype=gcat)
            f.insert(0, "dataset", pd.Categorical.from_codes(np.full(len(f), i, np.int16), dtype=cats))
            frames.append(f)
        return pd.concat(frames, ignore_index=True)

    train, val, test = frame(train_parts), frame(val_parts), frame(test_parts)
    kinds = sorted({d.kind for d in datasets})
    desc = (f"Network-disjoint split: train on {', '.join(names[i] for i in train_idx)}; test on "
            f"every candidate pair of {names[test_index]} at its natural class ratio.")
    info = {"description": desc, "dataset": names[test_index],
            "options": {"test_index": test_index, "val_index": val_index,
                        "val_fraction": val_fraction, "train_negative_ratio": ratio},
            "datasets": {"train": [names[i] for i in train_idx],
                         "val": [names[val_index]] if val_index is not None else
                                [names[i] for i in train_idx] if len(val) else [],
                         "test": [names[test_index]]},
            "unreachable_edges": int(sum(c.n_unreachable for c in cands.values()))}
    info.update({p: _counts(f) for p, f in zip(PARTS, (train, val, test))})
    if len(kinds) > 1:
        info["note"] = f"the datasets are of different kinds ({', '.join(kinds)})"
    return Split("network_disjoint", seed, train, val, test, info=info, protocol="honest")


# ---------------------------------------------------------------------- registry
SPLITS: dict[str, SplitSpec] = {
    "edge_random": SplitSpec(
        "edge_random", edge_random,
        "True edges split 8:1:1, each part joined with as many random non-edges (GeneNet "
        "Transformer thesis, sections 5.2-5.3). Optimistic.",
        "optimistic", True, "both ends of test pairs are seen in training (degree leaks)",
        {"fractions": (0.8, 0.1, 0.1), "negative_ratio": 1.0, "repeats": None}),
    "tf_disjoint": SplitSpec(
        "tf_disjoint", tf_disjoint,
        "Regulators partitioned; test = every pair of held-out regulators at the natural ratio.",
        "honest", True, "targets are shared with training (target in-degree leaks)",
        {"test_fraction": 0.15, "val_fraction": 0.15, "train_negative_ratio": 1.0,
         "include_edgeless_tfs": False, "folds": None}),
    "gene_disjoint": SplitSpec(
        "gene_disjoint", gene_disjoint,
        "Genes partitioned; a test pair has both ends among held-out genes. Nothing about a test "
        "gene is seen in training.",
        "honest", False, "none",
        {"test_fraction": 0.2, "val_fraction": 0.15, "train_negative_ratio": 1.0, "folds": None}),
    "network_disjoint": SplitSpec(
        "network_disjoint", make_network_split,
        "Train on some networks of one kind (e.g. DREAM4 nets), test on every pair of another.",
        "honest", False, "none (same gene names in different networks are different genes)",
        {"test_index": 0, "val_index": None, "val_fraction": 0.1, "train_negative_ratio": 1.0},
        multi_dataset=True),
    "unsupervised": SplitSpec(
        "unsupervised", unsupervised,
        "No training; every candidate pair is scored and evaluated (BEELINE style).",
        "unsupervised", False, "none (nothing is trained)", {}),
    "discovery": SplitSpec(
        "discovery", discovery,
        "For exploring, not evaluating: train on every known edge (supervised methods), then score "
        "every candidate pair: the predicted network. Figures on these pairs are in-sample.",
        "in-sample", True, "everything: the scored pairs include the training pairs",
        {"negative_ratio": 1.0}),
}


# ---------------------------------------------------------------------- helpers
def _supervised_candidates(dataset: Dataset, split: str) -> _Candidates:
    if dataset.network is None:
        raise InputError(f"{dataset.name!r} has no ground-truth network, so it cannot be split "
                         "into labelled train/test pairs", where=f"{split} split",
                         fix="load a ground truth for it, or use the unsupervised split to score "
                             "pairs without evaluation")
    cand = _Candidates.of(dataset)
    if not len(cand.edge_pos):
        raise InputError(f"no ground-truth edge of {dataset.name!r} starts at an allowed TF",
                         where=f"{split} split", fix="check the TF list against the network's regulators")
    return cand


def _partition(rng: np.random.Generator, items: np.ndarray, test_fraction: float,
               val_fraction: float, *, at_least_one: bool) -> list[np.ndarray]:
    """Shuffle ``items`` and cut [train, val, test] with ``round(n * fraction)`` in val and test
    (at least one each when ``at_least_one`` and the fraction is > 0)."""
    items = rng.permutation(np.asarray(items))
    n = len(items)
    lo = 1 if at_least_one and n else 0
    n_test = max(lo, _round(n * test_fraction))
    n_val = max(lo, _round(n * val_fraction)) if val_fraction > 0 else 0
    n_test, n_val = min(n_test, n), min(n_val, max(n - n_test, 0))
    return [items[n_test + n_val:], items[n_test:n_test + n_val], items[:n_test]]


def _fold_cut(folds: int, fold: int, n_units: int, where: str) -> Callable[..., list[np.ndarray]]:
    """A `_partition` replacement for fold ``fold`` of a ``folds``-fold partition: shuffle the
    items, cut them into ``folds`` near-equal chunks (``numpy.array_split``), test = chunk
    ``fold``; val = ``round(n * val_fraction)`` (at least one when ``at_least_one``) items of a
    second shuffle of the other chunks, train = the rest. The first shuffle is the same for every
    fold, so the test chunks of the folds partition the items; the second shuffle draws from a
    generator seeded by one draw of ``rng``, so ``rng`` advances the same way for every fold
    (later strata and the training negatives stay fold-independent draws). ``n_units``: the items that must
    fill every fold (TFs with edges); fewer than ``folds`` of them is an `InputError`."""
    if n_units < folds:
        raise InputError(f"{folds} folds need at least {folds} TFs with a true edge; there are {n_units}",
                         where=where, fix=f"use at most {max(n_units, 2)} folds")

    def cut(rng, items, test_fraction, val_fraction, *, at_least_one):
        chunks = np.array_split(rng.permutation(np.asarray(items)), folds)
        sub = np.random.default_rng(int(rng.integers(2**63)))
        rest = sub.permutation(np.concatenate([c for i, c in enumerate(chunks) if i != fold]))
        n_val = max(1 if at_least_one and len(items) else 0, _round(len(items) * val_fraction)) if val_fraction > 0 else 0
        n_val = min(n_val, len(rest))
        return [rest[n_val:], rest[:n_val], chunks[fold]]

    return cut


def _fold_index(name: str, count, index) -> int:
    """Check ``count`` (None, or an integer >= 2 of folds / repeats) and ``index`` in [0, count)."""
    if count is None:
        if index not in (0, None):
            raise InputError(f"a fold or repeat index needs {name}", where="split", fix=f"set {name}, e.g. 5")
        return 0
    if isinstance(count, bool) or not isinstance(count, numbers.Integral) or count < 2:
        raise InputError(f"{name} must be an integer of at least 2, not {count!r}", where="split",
                         fix=f"use e.g. {name}=5, or leave it out for a single split")
    if isinstance(index, bool) or not isinstance(index, numbers.Integral) or not 0 <= index < count:
        raise InputError(f"fold/repeat index {index!r} is not in 0..{count - 1}", where="split")
    return int(index)


def _counts(frame: pd.DataFrame) -> dict:
    n = len(frame)
    pos = int(frame["label"].sum()) if n else 0
    return {"pairs": n, "positives": pos, "negatives": n - pos,
            "positive_rate": pos / n if n else 0.0}


def _info(dataset: Dataset, cand: _Candidates, frames, options: dict, description: str) -> dict:
    info = {"description": description, "dataset": dataset.name, "options": options,
            "candidate_pairs": int(cand.n_pairs), "edges": int(len(cand.edge_pos)),
            "unreachable_edges": int(cand.n_unreachable)}
    info.update({p: _counts(f) for p, f in zip(PARTS, frames)})
    return info


def _round(x: float) -> int:
    """Round half up (Python's round() rounds half to even)."""
    return int(np.floor(x + 0.5))


def _seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise InputError(f"seed must be a non-negative integer, not {seed!r}", where="split",
                         fix="pick a seed such as 0")
    return int(seed)


def _fraction(name: str, value, *, allow_zero: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = float("nan")
    if not (0 <= v < 1) or (v == 0 and not allow_zero):
        raise InputError(f"{name} must be {'in [0, 1)' if allow_zero else 'in (0, 1)'}, not {value!r}",
                         where="split", fix=f"use e.g. {name}=0.15")
    return v


def _fractions(fractions) -> tuple[float, float, float]:
    try:
        f = np.asarray([float(x) for x in fractions], dtype=float)
    except (TypeError, ValueError):
        f = np.zeros(0)
    if f.shape != (3,) or not np.isfinite(f).all() or (f < 0).any() or f[0] <= 0 or f.sum() <= 0:
        raise InputError(f"fractions must be three non-negative numbers (train, val, test) with a "
                         f"positive train share, not {fractions!r}", where="edge_random split",
                         fix="use e.g. (0.8, 0.1, 0.1)")
    f = f / f.sum()
    return float(f[0]), float(f[1]), float(f[2])


def _ratio(name: str, value, *, allow_none: bool = True):
    if value is None and allow_none:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = float("nan")
    if not np.isfinite(v) or v <= 0:
        raise InputError(f"{name} must be a positive number{' or None' if allow_none else ''}, "
                         f"not {value!r}", where="split", fix=f"use {name}=1.0 for balanced classes")
    return v


def _index(name: str, value, n: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not -n <= value < n:
        raise InputError(f"{name}={value!r} is not a dataset index (there are {n})",
                         where="network_disjoint split", fix=f"use 0..{n - 1}")
    return int(value) % n

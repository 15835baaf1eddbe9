"""Candidate (regulator, target) pairs and their labels.

A *candidate pair* is an ordered pair ``(regulator, target)`` with the regulator in
``dataset.tfs``, the target any gene of ``dataset.genes`` and ``regulator != target``; a dataset
with ``T`` TFs and ``G`` genes has ``T * (G - 1)`` of them (``Dataset.n_candidate_pairs``). Pairs
are directed: ``(a, b)`` is a positive only when the ground truth has the edge ``a -> b``, so the
reverse of a true edge is a negative.

Pair frames
-----------
Every pair table in `grncore.bench` (candidate pairs, the parts of a `Split`) is a DataFrame with
columns ``regulator``, ``target`` (pandas ``Categorical`` whose categories are the dataset's gene
names in expression-row order, so ``frame["regulator"].cat.codes`` is the row of the regulator in
``dataset.expression``) and ``label`` (``int8``, 1 = true edge, 0 = non-edge). Frames built for a
network-disjoint split add a ``dataset`` column (see `grncore.bench.splits.make_network_split`);
there the categories are the union of the gene names, so use `grncore.data.genes.pair_rows` on
one dataset's rows to get expression rows.
Categorical columns keep 30 million pairs (1,500 TFs x 20,000 genes) at about 5 bytes each.

Internally pairs are addressed by their *position* ``p`` in the canonical order
(TF order of ``dataset.tfs``, then gene order, self-loop skipped): ``row = p // (G - 1)`` is the
TF, ``col = p % (G - 1)`` the target with ``target = col + (col >= regulator_gene_index)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data import Dataset, InputError

PAIR_COLUMNS = ("regulator", "target", "label")

__all__ = ["PAIR_COLUMNS", "candidate_pairs", "positive_rate", "empty_pairs"]


def candidate_pairs(dataset: Dataset) -> pd.DataFrame:
    """All candidate pairs of ``dataset`` with their labels.

    Returns a pair frame (``regulator``, ``target`` categorical; ``label`` int8) of
    ``len(dataset.tfs) * (dataset.n_genes - 1)`` rows in canonical order: regulators in the
    order of ``dataset.tfs``, targets in expression-row order, self-loops left out.
    ``label`` is 1 where ``regulator -> target`` is an edge of ``dataset.network``; edges whose
    regulator is not in ``dataset.tfs`` are not candidate pairs and are not counted.

    Without a ground truth (``dataset.network is None``) every label is 0: such pairs can be
    *scored* (e.g. to export a predicted network) but not *evaluated* — AUROC, AUPRC and EPR
    need true edges, and `grncore.bench.metrics.evaluate` refuses labels without positives.

    Built with numpy index arithmetic (``repeat``/``tile`` of integer codes plus one scatter of
    the edges), no Python loop over pairs.
    """
    cand = _Candidates.of(dataset)
    n_tf, m1 = len(cand.tf_idx), cand.m1
    code_dtype = _code_dtype(len(cand.genes))
    reg = np.repeat(cand.tf_idx.astype(code_dtype), m1)
    tgt = np.tile(np.arange(m1, dtype=code_dtype), n_tf)
    tgt += (tgt >= reg)  # skip the self-loop: targets at or after the regulator shift by one
    label = np.zeros(n_tf * m1, dtype=np.int8)
    label[cand.edge_pos] = 1
    return _frame(reg, tgt, label, cand.genes)


def positive_rate(pairs) -> float:
    """Fraction of positives: ``n_positive / n_pairs`` of a pair frame, a label array, or a
    `Dataset` (then over its candidate pairs, without building them: edges reachable from
    ``tfs`` over ``len(tfs) * (n_genes - 1)``). This is the precision of a random ranking, the
    denominator of the AUPRC ratio and of the early precision ratio. 0.0 for no pairs."""
    if isinstance(pairs, Dataset):
        cand = _Candidates.of(pairs)
        n = cand.n_pairs
        return len(cand.edge_pos) / n if n else 0.0
    labels = pairs["label"] if isinstance(pairs, pd.DataFrame) else pairs
    labels = np.asarray(labels)
    return float(labels.mean()) if labels.size else 0.0


def empty_pairs(genes: pd.Index | None = None, *, dataset_column: bool = False) -> pd.DataFrame:
    """A pair frame with no rows (the train/val parts of the unsupervised split)."""
    genes = pd.Index([], dtype=object) if genes is None else genes
    z = np.zeros(0, dtype=np.int16)
    frame = _frame(z, z, np.zeros(0, np.int8), genes)
    if dataset_column:
        frame.insert(0, "dataset", pd.Categorical([]))
    return frame


# ---------------------------------------------------------------------- internals
def _code_dtype(n: int):
    return np.int16 if n < np.iinfo(np.int16).max else np.int32


def _frame(reg: np.ndarray, tgt: np.ndarray, label: np.ndarray, genes: pd.Index) -> pd.DataFrame:
    cats = pd.CategoricalDtype(genes, ordered=False)
    return pd.DataFrame({
        "regulator": pd.Categorical.from_codes(reg, dtype=cats),
        "target": pd.Categorical.from_codes(tgt, dtype=cats),
        "label": label.astype(np.int8, copy=False),
    })


@dataclass(frozen=True, eq=False)
class _Candidates:
    """The candidate-pair space of one dataset, addressed by canonical position (see module doc).

    ``tf_idx``: gene row of each TF (in ``dataset.tfs`` order); ``m1 = G - 1`` targets per TF;
    ``edge_pos``: sorted positions of the true edges that are candidate pairs;
    ``edge_tf_rows``: TF row (index into ``tf_idx``) of each of those edges;
    ``n_unreachable``: ground-truth edges whose regulator is not an allowed TF.
    """

    genes: pd.Index
    tf_idx: np.ndarray
    m1: int
    edge_pos: np.ndarray
    n_unreachable: int
    has_network: bool

    @classmethod
    def of(cls, dataset: Dataset) -> "_Candidates":
        genes = dataset.genes
        tf_idx = genes.get_indexer(pd.Index(dataset.tfs))
        if (tf_idx < 0).any():  # Dataset guarantees this; keep the invariant explicit
            raise InputError("a TF is not a gene of the expression", where=dataset.name)
        m1 = len(genes) - 1
        edge_pos = np.zeros(0, np.int64)
        n_unreachable = 0
        net = dataset.network
        if net is not None and len(net):
            tf_row_of_gene = np.full(len(genes), -1, np.int64)
            tf_row_of_gene[tf_idx] = np.arange(len(tf_idx))
            reg = genes.get_indexer(pd.Index(net["regulator"]))
            tgt = genes.get_indexer(pd.Index(net["target"]))
            ok = (reg >= 0) & (tgt >= 0) & (reg != tgt)
            reg, tgt = reg[ok], tgt[ok]
            row = tf_row_of_gene[reg]
            reach = row >= 0
            n_unreachable = int((~reach).sum() + (~ok).sum())
            reg, tgt, row = reg[reach], tgt[reach], row[reach]
            edge_pos = np.unique(row * m1 + tgt - (tgt > reg))
        return cls(genes=genes, tf_idx=tf_idx.astype(np.int64), m1=m1, edge_pos=edge_pos,
                   n_unreachable=n_unreachable, has_network=net is not None)

    @property
    def n_pairs(self) -> int:
        return len(self.tf_idx) * self.m1

    @property
    def edge_rows(self) -> np.ndarray:
        """TF row of every reachable edge (aligned with ``edge_pos``)."""
        return self.edge_pos // self.m1

    def decode(self, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Gene rows (regulator, target) of canonical positions."""
        pos = np.asarray(pos, dtype=np.int64)
        row = pos // self.m1
        col = pos - row * self.m1
        reg = self.tf_idx[row]
        return reg, col + (col >= reg)

    def encode(self, reg: np.ndarray, tgt: np.ndarray, tf_row: np.ndarray) -> np.ndarray:
        """Canonical positions of pairs given gene rows and the regulator's TF row."""
        return tf_row.astype(np.int64) * self.m1 + tgt - (tgt > reg)

    def labels(self, pos: np.ndarray) -> np.ndarray:
        """int8 labels of positions (membership in the sorted edge positions)."""
        pos = np.asarray(pos, dtype=np.int64)
        if not len(self.edge_pos) or not len(pos):
            return np.zeros(len(pos), np.int8)
        i = np.searchsorted(self.edge_pos, pos)
        i[i == len(self.edge_pos)] = 0
        return (self.edge_pos[i] == pos).astype(np.int8)

    def row_positions(self, rows: np.ndarray) -> np.ndarray:
        """All positions of the given TF rows (every target), sorted when ``rows`` is sorted."""
        rows = np.asarray(rows, dtype=np.int64)
        return (rows[:, None] * self.m1 + np.arange(self.m1, dtype=np.int64)[None, :]).ravel()

    def frame(self, pos: np.ndarray, label: np.ndarray | None = None) -> pd.DataFrame:
        """The pair frame of positions (kept in the given order)."""
        pos = np.asarray(pos, dtype=np.int64)
        reg, tgt = self.decode(pos)
        dt = _code_dtype(len(self.genes))
        lab = self.labels(pos) if label is None else label
        return _frame(reg.astype(dt), tgt.astype(dt), lab, self.genes)


def _sample_complement(rng: np.random.Generator, n: int, excluded: np.ndarray, k: int) -> np.ndarray:
    """``k`` distinct integers drawn uniformly from ``[0, n)`` minus the sorted unique ``excluded``,
    without materialising the complement: draw ranks ``j`` among the ``n - m`` allowed values and
    map rank ``j`` to ``j + #{e in excluded : e - rank(e) <= j}``. Returned in random order."""
    excluded = np.asarray(excluded, dtype=np.int64)
    free = n - len(excluded)
    if k > free:
        raise ValueError(f"cannot draw {k} values from {free}")
    if k == 0:
        return np.zeros(0, np.int64)
    j = rng.choice(free, size=k, replace=False).astype(np.int64)
    adj = excluded - np.arange(len(excluded), dtype=np.int64)
    return j + np.searchsorted(adj, j, side="right")

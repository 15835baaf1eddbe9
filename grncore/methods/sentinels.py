"""Sentinels: scores that look at no expression, to expose leakage and set the floor."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data import Dataset, InputError
from ..data.genes import pair_rows
from ..train.progress import never_stop, no_progress


@dataclass(frozen=True)
class SentinelParams:
    """No parameters."""


def _degrees(train: pd.DataFrame | None, genes: pd.Index) -> tuple[np.ndarray, np.ndarray]:
    """Out- and in-degree per gene of ``genes`` over the positive training pairs (by gene name,
    so training pairs from another dataset of a network-disjoint split count by symbol)."""
    out_deg = np.zeros(len(genes), dtype=np.float64)
    in_deg = np.zeros(len(genes), dtype=np.float64)
    if train is None or len(train) == 0:
        return out_deg, in_deg
    if "label" not in train:
        raise InputError("training pairs have no label column", where="training pairs",
                         fix="pass pairs with regulator, target and label (1 = edge)")
    pos = train[np.asarray(train["label"]) > 0]
    for col, deg in (("regulator", out_deg), ("target", in_deg)):
        counts = pos[col].astype(str).value_counts()
        idx = genes.get_indexer(counts.index)
        ok = idx >= 0
        np.add.at(deg, idx[ok], counts.to_numpy()[ok])
    return out_deg, in_deg


def degree(dataset: Dataset, pairs: pd.DataFrame, params: SentinelParams, *, train=None, seed: int = 0,
           progress=no_progress, should_stop=never_stop, device: str = "cpu") -> np.ndarray:
    """Leakage sentinel: ``out_deg_train(regulator) * in_deg_train(target)``.

    Degrees are counted over the *positive training pairs only*; a test pair's own label never
    enters its score. It never looks at expression. Real GRNs are hub-dominated (few TFs
    regulate many genes), so under ``edge_random`` splits, where both ends of almost every test
    edge also appear in training edges, this score alone reaches AUROC ~0.85-0.9 on BEELINE
    networks. A supervised model that does not beat it on the same test pairs has learned node
    degree, not regulation; under ``gene_disjoint`` it drops to chance, as it should.

    Reference: the "node degree" shortcut of supervised link prediction described by
    Pratapa et al. (BEELINE, 2020) and discussed for GRN link prediction splits, e.g.
    GeneNet Transformer thesis sections 5.2-5.3 (see papers/); a preferential-attachment score
    (Barabasi & Albert, Science 286:509, 1999).
    """
    out_deg, in_deg = _degrees(train, dataset.genes)
    reg, tgt = pair_rows(pairs, dataset, compact=True)
    progress(1, 1, "degree")
    return out_deg[reg] * in_deg[tgt]


def random(dataset: Dataset, pairs: pd.DataFrame, params: SentinelParams, *, train=None, seed: int = 0,
           progress=no_progress, should_stop=never_stop, device: str = "cpu") -> np.ndarray:
    """Uniform random scores on [0, 1) from ``numpy.random.default_rng(seed)``, one per pair.

    The chance floor: AUROC ~0.5, AUPRC ratio and EPR ~1. Any method must beat it by a margin.
    Reference: the random predictor of BEELINE's AUPRC ratio / EPR (Pratapa et al. 2020).
    """
    progress(1, 1, "random")
    return np.random.default_rng(seed).random(len(pairs))

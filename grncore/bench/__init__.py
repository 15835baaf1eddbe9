"""Benchmarking: candidate pairs, train/val/test splits and metrics.

- `grncore.bench.pairs`: `candidate_pairs` (allowed regulator x gene, no self-loops, labelled),
  `positive_rate`, `empty_pairs` (the expression rows of a pair frame come from
  `grncore.data.genes.pair_rows`, shared with the methods).
- `grncore.bench.splits`: `make_split` over the `SPLITS` registry (edge_random, tf_disjoint,
  gene_disjoint, network_disjoint, unsupervised) returning a `Split`; `make_network_split`.
- `grncore.bench.metrics`: `evaluate` -> `Metrics` (AUROC, AUPRC, AUPRC ratio, EPR),
  `roc_curve`, `pr_curve`, `bootstrap`.

The run orchestration (fit -> score -> evaluate) builds on these.
"""

from .metrics import METRIC_NAMES, Metrics, bootstrap, early_precision, evaluate, pr_curve, roc_curve
from .pairs import PAIR_COLUMNS, candidate_pairs, empty_pairs, positive_rate
from .splits import (PARTS, PROTOCOLS, SPLITS, Split, SplitSpec, make_network_split, make_split)

__all__ = [
    "PAIR_COLUMNS", "candidate_pairs", "empty_pairs", "positive_rate",
    "PARTS", "PROTOCOLS", "SPLITS", "Split", "SplitSpec", "make_network_split", "make_split",
    "METRIC_NAMES", "Metrics", "bootstrap", "early_precision", "evaluate", "pr_curve", "roc_curve",
]

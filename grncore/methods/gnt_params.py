"""Parameters of the gene-embedding methods `gnt` (GeneNet Transformer) and `gne`, without torch.

The torch-free half of the family (see `grncore.methods.dream4_params` for why torch methods are
split this way): the params dataclasses the Models page builds widgets from, the accepted data
kinds and the time estimates the registry lists. The models, training and the SVM head are in
`grncore.methods.gnt`, which the registry names lazily (``fn="grncore.methods.gnt:gnt"``); it
imports this module, never the other way round.

References
----------
- ``gnt``: "GeneNet Transformer" thesis, chapter 4 and section 5.4.2 (parameters);
  ``papers/genenet-transformer-thesis.txt``.
- ``gne``: Kc et al., "GNE: a deep learning framework for gene network inference by aggregating
  biological information", BMC Systems Biology 13 (Suppl 2):38 (2019); defaults of its reference
  code (run_GNE.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from .base import param

__all__ = ["GNTParams", "GNEParams", "KINDS", "GNT_REFERENCE", "GNE_REFERENCE", "gnt_seconds", "gne_seconds"]

GNT_REFERENCE = "GeneNet Transformer thesis, chapter 4 (papers/genenet-transformer-thesis.txt)"
GNE_REFERENCE = "Kc et al., GNE, BMC Systems Biology 13(Suppl 2):38 (2019)"


def _p(default, lo, hi, help_text):
    return param(default, help=help_text, min=lo, max=hi)


@dataclass(frozen=True)
class GNTParams:
    """GeneNet Transformer parameters; defaults from the thesis (section 5.4.2) where it gives them."""

    epochs: int = _p(30, 1, 1000, "passes over the training edges (thesis: 30)")
    batch_size: int = _p(256, 8, 65536, "neighbour examples per step (thesis: 256)")
    lr: float = _p(0.002, 1e-5, 1.0, "Adam learning rate (thesis: 0.002)")
    n_neg: int = _p(10, 1, 1000, "negative genes per example in the sampled softmax (thesis: 10)")
    dim: int = _p(128, 8, 1024, "id / expression / representation size d (thesis: 128)")
    alpha: float = _p(1.0, 0.0, 100.0, "weight of the expression part against the id part (thesis: 1)")
    n_layers: int = _p(2, 1, 8, "transformer encoder layers (thesis: 2)")
    n_heads: int = _p(4, 1, 16, "attention heads (must divide dim)")
    ff_dim: int = _p(256, 16, 4096, "feed-forward width of each encoder layer")
    dropout: float = _p(0.1, 0.0, 0.9, "dropout inside the encoder layers")
    context: int = _p(0, 0, 64, "training neighbours after the gene in its token sequence (0: the "
                               "gene's token alone, the thesis's reading; k > 0 costs ~(k+1)x time)")
    patience: int = _p(0, 0, 1000, "stop after this many epochs without validation gain (0: never)")
    svm: str = param("auto", choices=("auto", "rbf", "linear"),
                     help="edge classifier: RBF SVC up to max_kernel_pairs training pairs, then "
                          "Nystroem + linear SVM (auto); or force one")
    svm_c: float = _p(1.0, 1e-4, 1e4, "SVM regularisation C")
    max_kernel_pairs: int = _p(20000, 100, 1_000_000, "largest training set for the kernel SVC (auto)")


@dataclass(frozen=True)
class GNEParams:
    """GNE parameters; defaults from the GNE reference code (run_GNE.py)."""

    epochs: int = _p(20, 1, 1000, "passes over the training edges (GNE: 20)")
    batch_size: int = _p(256, 8, 65536, "neighbour examples per step (GNE: 256)")
    lr: float = _p(0.005, 1e-5, 1.0, "Adam learning rate (GNE: 0.005)")
    n_neg: int = _p(10, 1, 1000, "negative genes per example in the sampled softmax (GNE: 10)")
    dim: int = _p(128, 8, 1024, "id / expression / representation size d (GNE: 128)")
    alpha: float = _p(1.0, 0.0, 100.0, "weight of the expression part against the id part (GNE: 1)")
    dropout: float = _p(0.5, 0.0, 0.9, "dropout on the concatenated embedding (GNE: 0.5)")
    patience: int = _p(2, 0, 1000, "stop after this many epochs without validation gain (GNE: 2; 0: never)")
    svm: str = param("auto", choices=("auto", "rbf", "linear"),
                     help="edge classifier: RBF SVC up to max_kernel_pairs training pairs, then "
                          "Nystroem + linear SVM (auto); or force one")
    svm_c: float = _p(1.0, 1e-4, 1e4, "SVM regularisation C")
    max_kernel_pairs: int = _p(20000, 100, 1_000_000, "largest training set for the kernel SVC (auto)")


KINDS = ("single_cell", "time_series", "bulk")


def _seconds_for(per_example: float):
    def estimate(n_genes: int, n_tfs: int, n_samples: int) -> float:
        """One-core seconds of a default run: training is linear in the training edges, which an
        all-pairs estimate cannot know; assume 7 edges per gene (mESC TFs+500 STRING has 6.9), 80%
        of them in training, each giving two examples per epoch, plus ~15 s for the SVM.
        Calibrated on mESC TFs+500 (1,120 genes x 421 cells) on a loaded 2-core CPU."""
        examples = 2 * 0.8 * 7 * n_genes
        return 15.0 + per_example * examples * (0.5 + n_samples / 800)
    return estimate


gnt_seconds = _seconds_for(30 * 0.3e-3)   # 30 epochs, ~0.3 ms per example-epoch
gne_seconds = _seconds_for(15 * 0.1e-3)   # early-stopped after ~15 epochs, ~0.1 ms

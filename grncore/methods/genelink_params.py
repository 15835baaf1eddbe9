"""Parameters of `genelink` (graph attention link prediction), without torch.

The torch-free half of the method (see `grncore.methods.dream4_params` for why torch methods are
split this way): the params dataclass the Models page builds widgets from, the accepted data kinds
and the time estimate the registry lists. The model and its training are in
`grncore.methods.genelink`, which the registry names lazily (``"grncore.methods.genelink:genelink"``).

Reference: Chen & Liu, "Graph attention network for link prediction of gene regulations from
single-cell RNA-sequencing data", Briefings in Bioinformatics 23(6):bbac408 (2022); defaults from
its reference code, github.com/zpliulab/GENELink ``Code/main.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .base import param

__all__ = ["GENELinkParams", "KINDS", "REFERENCE", "genelink_seconds"]

REFERENCE = ("Chen & Liu, GENELink, Brief. Bioinform. 23:bbac408 (2022); "
             "github.com/zpliulab/GENELink")
KINDS = ("single_cell", "time_series", "bulk")


def _p(default, lo, hi, help_text):
    return param(default, help=help_text, min=lo, max=hi)


@dataclass(frozen=True)
class GENELinkParams:
    """GENELink parameters; defaults from the reference code (``Code/main.py``)."""

    epochs: int = _p(20, 1, 1000, "passes over the training pairs (GENELink: 20)")
    batch_size: int = _p(256, 8, 65536, "training pairs per step; every step re-encodes the whole "
                                        "graph (GENELink: 256)")
    lr: float = _p(3e-3, 1e-5, 1.0, "Adam learning rate (GENELink: 0.003)")
    lr_decay: float = _p(0.99, 0.5, 1.0, "learning rate factor after every step (GENELink's StepLR: 0.99)")
    heads1: int = _p(3, 1, 16, "attention heads of the first GAT layer, concatenated (GENELink: 3)")
    heads2: int = _p(3, 1, 16, "attention heads of the second GAT layer, averaged (GENELink: 3)")
    hidden1: int = _p(128, 4, 2048, "output size of each first-layer head (GENELink: 128)")
    hidden2: int = _p(64, 4, 2048, "output size of the second GAT layer (GENELink: 64)")
    hidden3: int = _p(32, 4, 2048, "hidden size of the regulator / target MLP heads (GENELink: 32)")
    out_dim: int = _p(16, 2, 1024, "size of the regulator and target embeddings (GENELink: 16)")
    slope: float = _p(0.2, 0.0, 1.0, "negative slope of the GAT leaky ReLUs (GENELink alpha: 0.2)")
    attn_dropout: float = _p(0.5, 0.0, 0.9, "dropout on the attention weights (GENELink: 0.5)")
    mlp_dropout: float = _p(0.01, 0.0, 0.9, "dropout inside the MLP heads (GENELink: 0.01)")
    score: str = param("dot", choices=("dot", "cosine", "mlp"),
                       help="edge score from the two embeddings: dot product (GENELink default), "
                            "cosine similarity, or a linear layer on their concatenation")
    self_loops: bool = param(False, help="add a self-loop to every gene (GENELink's loop, default "
                                         "off; genes without a training edge always get one)")
    patience: int = _p(3, 0, 1000, "stop after this many epochs without validation gain (0: never; "
                                   "the best validation epoch is kept either way). GENELink trains "
                                   "all epochs; 3 here because the per-step learning-rate decay "
                                   "freezes the weights after ~5 epochs on a TFs+500 set")


def genelink_seconds(n_genes: int, n_tfs: int, n_samples: int) -> float:
    """One-core seconds of a default run. Every step encodes the whole graph, so a run costs
    epochs x steps x (one full-graph pass); the steps follow the training pairs, which an
    all-pairs estimate cannot know: assume 7 edges per gene (mESC TFs+500 STRING has 6.9), 80% of
    them in training, as many sampled negatives, 256 pairs per step, and ~12 epochs (patience 3
    stopped there or before on mESC; all 20 when validation keeps improving). A full-graph pass is
    dominated by the first layer's ``genes x samples x 3 x 128`` product. Calibrated on mESC
    TFs+500 (1,120 genes x 421 cells, 49 steps an epoch): 0.10 s of CPU time a step with one torch
    thread -- on the shared 2-core machine at load average ~14 the same step took 0.5-0.7 s wall."""
    steps = max(1.0, 2 * 0.8 * 7 * n_genes / 256)
    per_step = 0.004 + 0.1 * (n_genes * (n_samples + 100)) / (1120 * 521)
    return 5.0 + 12 * steps * per_step

"""Parameters of `scgreat` (transformer over expression tokens), without torch.

The torch-free half of the method (see `grncore.methods.dream4_params` for why torch methods are
split this way): the params dataclass the Models page builds widgets from, the accepted data
kinds and the time estimate the registry lists. The model and its training are in
`grncore.methods.scgreat`, which the registry names lazily (``fn="grncore.methods.scgreat:scgreat"``).

Reference: Wang, Chen, Zheng, Huang, Xie, Wang, Zhang, Wong. "scGREAT: Transformer-based
deep-language model for gene regulatory network inference from single-cell transcriptomics",
iScience 27(4):109352 (2024) (the GeneNet Transformer thesis, ``papers/genenet-transformer-thesis.txt``,
cites it there); reference code github.com/WangyuchenCS/scGREAT (``demo.py`` holds its defaults:
embed_size 768, num_layers 2, num_head 4, batch_size 32, lr 1e-5, epochs 80, StepLR step 10 /
gamma 0.999, gradient-norm clip 0.1, dropout 0.2).

Why some defaults differ from the paper's (each help text names the paper's value): at the
paper's size (d = 768, feed-forward 2048, batch 32, lr 1e-5, 80 epochs) one epoch on a BEELINE
TFs+500 set (~12,000 training pairs) costs about 20 times one epoch at d = 128, and 80 of them
would take more than an hour on a 2-core CPU; lr 1e-5 at d = 128 barely moves in 30 epochs.
The defaults (d 128, feed-forward 512, batch 128, lr 5e-4, at most 30 epochs with early stopping
after 5 without validation gain) keep a full run within about two and a half minutes of one
core's CPU time there (edge_random 134 s, tf_disjoint 92 s; bench/results/scgreat.md); every
paper value can still be set.
"""

from __future__ import annotations

from dataclasses import dataclass

from .base import param

__all__ = ["SCGREATParams", "KINDS", "REFERENCE", "scgreat_seconds"]

REFERENCE = ("Wang et al., scGREAT: Transformer-based deep-language model for gene regulatory network "
             "inference from single-cell transcriptomics, iScience 27(4):109352 (2024)")

KINDS = ("single_cell", "time_series", "bulk")


def _p(default, lo, hi, help_text):
    return param(default, help=help_text, min=lo, max=hi)


@dataclass(frozen=True)
class SCGREATParams:
    """scGREAT parameters (see the module docstring for the defaults that differ from the paper)."""

    epochs: int = _p(30, 1, 1000, "most passes over the training pairs (paper: 80)")
    batch_size: int = _p(128, 4, 65536, "training pairs per step (paper: 32)")
    lr: float = _p(5e-4, 1e-6, 1.0, "Adam learning rate (paper: 1e-5 at d=768)")
    dim: int = _p(128, 8, 1024, "token size d (paper: 768, the BioBERT size)")
    expr_hidden: int = _p(512, 8, 4096, "width of the first linear map of an expression vector (paper: 512)")
    n_layers: int = _p(2, 1, 8, "transformer encoder layers (paper: 2)")
    n_heads: int = _p(4, 1, 16, "attention heads, must divide dim (paper: 4)")
    ff_dim: int = _p(512, 16, 8192, "feed-forward width of each encoder layer (paper: 2048, torch's default)")
    attn_dropout: float = _p(0.1, 0.0, 0.9, "dropout inside the encoder layers (paper: 0.1, torch's default)")
    dropout: float = _p(0.2, 0.0, 0.9, "dropout in the classification head (paper: 0.2)")
    clip: float = _p(0.1, 0.0, 1e3, "gradient-norm clip (paper: 0.1; 0: none)")
    identity: str = param("none", choices=("none", "learned"),
                          help="what stands in for the BioBERT gene-name embedding: nothing (none; "
                               "tokens carry expression only) or a learned per-gene vector (learned)")
    patience: int = _p(5, 0, 1000, "stop after this many epochs without validation AUROC gain (0: never)")
    max_val_pairs: int = _p(20000, 100, 10_000_000, "validation pairs scored per epoch (all positives "
                                                     "kept, negatives subsampled with the seed)")


def scgreat_seconds(n_genes: int, n_tfs: int, n_samples: int) -> float:
    """One-core seconds of a default run: training is linear in the training pairs, which an
    all-pairs estimate cannot know; assume 7 edges per gene (mESC TFs+500 STRING has 6.9), 80% of
    them in training plus as many negatives, ~20 epochs before early stopping, ~0.45 ms per pair
    and epoch (validation included; about half of it the per-token expression map, linear in the
    samples), plus scoring every candidate pair at ~0.05 ms. Calibrated on the CPU time of runs on
    mESC TFs+500 (1,120 genes x 421 cells; edge_random: 24 epochs on 12,420 pairs in 134 CPU s)
    with one torch thread, so it is one core's time: a loaded machine takes longer."""
    train_pairs = 2 * 0.8 * 7 * n_genes
    per_pair_epoch = 0.45e-3 * (0.5 + 0.5 * n_samples / 421)
    return 20 * train_pairs * per_pair_epoch + 0.05e-3 * n_tfs * n_genes

"""Parameters of the denoising-diffusion GRN model `diffusion` (RegDiffusion family), without torch.

The torch-free half of the method (see `grncore.methods.dream4_params` for why torch methods are
split this way): the params dataclass the Models page builds widgets from, the accepted data
kinds and the time estimate the registry lists. The model and its training are in
`grncore.methods.diffusion`, which the registry names lazily (``fn="grncore.methods.diffusion:diffusion"``).

Reference: Zhu & Slonim, "Fast and Efficient Gene Regulatory Network Inference with a Denoising
Diffusion Model" (RegDiffusion), J. Comput. Biol. (2024); defaults of its package
(regdiffusion 0.2.3, ``RegDiffusionTrainer``) unless a help text says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

from .base import param

__all__ = ["DiffusionParams", "KINDS", "REFERENCE", "diffusion_seconds"]

REFERENCE = ("Zhu & Slonim, RegDiffusion: fast and efficient gene regulatory network inference with "
             "a denoising diffusion model, J. Comput. Biol. (2024)")

# expression of cells (or samples) is all the model needs; a time course is read as its samples
KINDS = ("single_cell", "bulk", "time_series")


def _p(default, lo, hi, help_text):
    return param(default, help=help_text, min=lo, max=hi)


@dataclass(frozen=True)
class DiffusionParams:
    """RegDiffusion parameters; defaults from the regdiffusion package (0.2.3)."""

    n_steps: int = _p(1000, 1, 100_000, "training steps, one minibatch each (RegDiffusion: 1,000)")
    batch_size: int = _p(128, 2, 65536, "cells per step, drawn with replacement (RegDiffusion: 128)")
    T: int = _p(5000, 10, 100_000, "diffusion steps of the forward (noising) process (RegDiffusion: 5,000)")
    start_noise: float = _p(1e-4, 1e-7, 0.1, "noise level beta at the first step, for T=1,000 "
                                             "(scaled by 1000/T; RegDiffusion: 0.0001)")
    end_noise: float = _p(0.02, 1e-6, 0.5, "noise level beta at the last step, for T=1,000 "
                                           "(scaled by 1000/T; RegDiffusion: 0.02)")
    time_dim: int = _p(64, 4, 1024, "size of the sinusoidal step embedding (RegDiffusion: 64)")
    gene_dim: int = _p(16, 2, 256, "per-gene feature size: expression + (gene_dim-1) learned "
                                   "embedding values (RegDiffusion: 16)")
    n_blocks: int = _p(2, 1, 8, "feature blocks of the noise predictor (RegDiffusion: 2, hidden 16-16-16)")
    dropout: float = _p(0.1, 0.0, 0.9, "dropout inside each block (RegDiffusion: 0.1)")
    init_coef: float = _p(5.0, 0.0, 100.0, "initial A entries, in units of 1/(n_genes-1) (RegDiffusion: 5)")
    adj_dropout: float = _p(0.3, 0.0, 0.9, "share of A's entries dropped per step (RegDiffusion: 0.3)")
    lr_nn: float = _p(1e-3, 1e-6, 1.0, "Adam learning rate of the network (RegDiffusion: 0.001)")
    lr_adj: float = _p(0.02, 1e-5, 100.0, "Adam learning rate of A, in units of 1/(n_genes-1) "
                                          "(RegDiffusion: 0.02)")
    weight_decay_nn: float = _p(0.1, 0.0, 10.0, "L2 penalty on the network weights (RegDiffusion: 0.1)")
    weight_decay_adj: float = _p(0.01, 0.0, 10.0, "L2 penalty on A (RegDiffusion: 0.01)")
    sparse_loss_coef: float = _p(0.25, 0.0, 100.0, "weight of the L1 sparsity term on A (RegDiffusion: 0.25)")
    warmup_steps: int = _p(10, 0, 100_000, "steps before the sparsity term is switched on (RegDiffusion: 10)")
    report_every: int = _p(50, 1, 100_000, "steps per progress report (mean loss of the block)")


def diffusion_seconds(n_genes: int, n_tfs: int, n_samples: int) -> float:
    """One-core seconds of a default run (1,000 steps of 128 cells): ~20 ms of per-step
    overhead, the per-gene feature work (128 x n_genes x 16) and the 128 x n_genes^2 mixing
    through A; the samples count only through the batch. Calibrated from ~0.1 CPU-s per step on
    mHSC-L TFs+500 (560 genes, 1 torch thread, loaded 2-core CPU): ~3.5 min for 1,120 genes."""
    per_step = 0.02 + 6e-8 * 128 * n_genes * 16 + 2.5e-10 * 128 * n_genes ** 2
    return 1000 * per_step

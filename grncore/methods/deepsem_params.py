"""Parameters of `deepsem` (DeepSEM), without torch.

The torch-free half of the method (see `grncore.methods.dream4_params` for why torch methods are
split this way): the params dataclass the Models page builds widgets from, the reference, the
accepted data kinds and the time estimate the registry lists. The model and its training are in
`grncore.methods.deepsem`, registered lazily as ``"grncore.methods.deepsem:deepsem"``.

Reference: Shu H, Zhou J, Lian Q, Li H, Zhao D, Zeng J, Ma J. "Modeling gene regulatory networks
using neural network architectures." Nature Computational Science 1:491-501 (2021); reference
code github.com/HantaoShu/DeepSEM (``main.py``, ``src/Model.py``,
``src/DeepSEM_cell_type_non_specific_GRN_model.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from .base import param

__all__ = ["DeepSEMParams", "REFERENCE", "KINDS", "deepsem_seconds"]

REFERENCE = ("Shu et al., DeepSEM, Nat. Comput. Sci. 1:491 (2021); "
             "github.com/HantaoShu/DeepSEM")
KINDS = ("single_cell", "time_series", "bulk")


@dataclass(frozen=True)
class DeepSEMParams:
    """DeepSEM parameters. Defaults: the reference code's ``non_celltype_GRN`` setting of
    ``main.py`` (alpha 100, beta 1, RMSprop lr 1e-4 decayed x0.95 per epoch, batch 64, 128 hidden
    units, MLP 1 epoch then W 2 epochs), except ``epochs`` (60 instead of 120) and ``n_runs``
    (1 instead of the paper's ensemble of 10): with the learning-rate decay the MLPs have
    effectively stopped moving after ~60 epochs (lr x0.95^60 = 0.05; W's rate does not decay, so
    W gets 40 instead of 80 epochs of updates), and one run of 60 epochs on
    a BEELINE TFs+500 set (~1,100 genes) takes ~4.5 CPU-minutes on one core (`deepsem_seconds`);
    raise ``n_runs`` for the paper's ensemble."""

    epochs: int = param(60, min=3, max=1000, help="training epochs per run (DeepSEM code: 120)")
    n_runs: int = param(1, min=1, max=50, help="runs with different seeds whose |W| are averaged "
                                              "(the paper ensembles 10); time grows linearly")
    alpha: float = param(100.0, min=0.0, max=1e4, help="weight of the L1 penalty on W (DeepSEM: 100 "
                                                      "for general networks, 10 cell-type specific)")
    beta: float = param(1.0, min=0.0, max=100.0, help="weight of the KL term, beta-VAE (DeepSEM: 1; "
                                                     "0.1 cell-type specific)")
    lr: float = param(1e-4, min=1e-6, max=0.1, help="RMSprop learning rate of the MLPs; W uses 0.2 x lr")
    lr_decay: float = param(0.95, min=0.5, max=1.0, help="MLP learning rate multiplied by this each epoch")
    batch_size: int = param(64, min=4, max=4096, help="cells per step (DeepSEM: 64)")
    hidden: int = param(128, min=4, max=1024, help="hidden units of the per-gene encoder/decoder MLPs")
    mlp_epochs: int = param(1, min=1, max=10, help="epochs training the MLPs (W fixed) in each cycle (K1)")
    w_epochs: int = param(2, min=1, max=10, help="epochs training W (MLPs fixed) in each cycle (K2)")


def deepsem_seconds(n_genes: int, n_tfs: int, n_samples: int) -> float:
    """One-core seconds of a default run (scores every candidate pair at once, so ``n_tfs`` does
    not matter): per epoch the per-gene MLPs cost ~cells x genes x hidden^2 and the structural
    equation layer ~(cells / batch) x genes^3. Calibrated on mESC TFs+500 (1,120 genes x 421
    cells), one torch thread on the shared 2-core CPU: 4.5 CPU-seconds per epoch."""
    mlp = n_samples * n_genes * 8e-6
    sem = max(1.0, n_samples / 64) * (n_genes / 1000) ** 3 * 0.1
    return 2.0 + DeepSEMParams().epochs * DeepSEMParams().n_runs * (mlp + sem)

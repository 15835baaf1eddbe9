"""Parameters of `cnnc` (CNN on pair co-expression histograms), without torch.

The torch-free half of the method (see `grncore.methods.dream4_params` for why torch methods are
split): the params dataclass the Models page builds widgets from, the reference, the accepted data
kinds and the time estimate. The histograms, the network and the training are in
`grncore.methods.cnnc`, which the registry names lazily (``"grncore.methods.cnnc:cnnc"``).

Reference: Yuan Y, Bar-Joseph Z. "Deep learning for inferring gene relationships from single-cell
expression data." PNAS 116(52):27151-27158 (2019); reference code github.com/xiaoyeye/CNNC
(``train_with_labels_three_foldx.py``: three blocks of two 3x3 convolutions with 32/64/128
filters, 2x2 max pooling and dropout 0.25, a dense layer of 512 with dropout 0.5, a sigmoid
output, binary cross-entropy, SGD lr 0.01 momentum 0.9 Nesterov, batch 1024).

Defaults that differ from the paper, and why. Size: ``width`` 4 (paper 32), ``convs`` 1 (paper 2)
and ``dense`` 64 (paper 512). The paper's network costs ~39 M multiply-adds per pair forward; on
a BEELINE TFs+500 set under ``tf_disjoint`` (~11,000 training pairs, ~83,000 test pairs) that is
many minutes per epoch on a 2-core CPU (measured: width 8 with one convolution per block already
took 90-280 s per epoch on the shared, heavily loaded 2-core machine). ``width=32, convs=2,
dense=512`` is the paper's network (use it on a GPU). Optimiser: Adam, lr 0.001, batch 128: the
paper's SGD (lr 0.01, momentum 0.9, batch 1024) left the training loss at 0.693 for 10 epochs on
simulated data and for 3 epochs on mESC (few steps per epoch on ~10^4 training pairs; the paper
trained on far more pairs); ``optimizer="sgd", lr=0.01, batch_size=1024`` restores it. Epochs: 8
with ``patience`` 3 on validation AUROC over at most 2,000 validation pairs (the paper: 20-200
epochs, patience 50 on validation accuracy). Initial weights: Glorot uniform, zero biases (Keras'
defaults, which the paper's code used).
"""

from __future__ import annotations

from dataclasses import dataclass

from .base import param

__all__ = ["CNNCParams", "KINDS", "REFERENCE", "DESCRIPTION", "cnnc_seconds"]

REFERENCE = ("Yuan & Bar-Joseph, Deep learning for inferring gene relationships from single-cell "
             "expression data, PNAS 116:27151 (2019)")
DESCRIPTION = ("CNNC: a VGG-style CNN on the 32 x 32 joint histogram of the pair's log expression "
               "over cells. Its own protocol holds out TFs: evaluate it with the tf_disjoint split")
KINDS = ("single_cell", "bulk", "time_series")


def _p(default, lo, hi, help_text):
    return param(default, help=help_text, min=lo, max=hi)


@dataclass(frozen=True)
class CNNCParams:
    """`cnnc` parameters; paper values in the help texts (see the module docstring)."""

    width: int = _p(4, 1, 256, "filters of the first block; the blocks have width, 2x, 4x "
                               "(paper: 32, i.e. 32/64/128; 4 fits a 2-core CPU)")
    convs: int = _p(1, 1, 2, "3x3 convolutions per block (paper: 2, 'same' then 'valid')")
    dense: int = _p(64, 8, 4096, "units of the dense layer (paper: 512)")
    optimizer: str = param("adam", choices=("adam", "sgd"),
                           help="adam, or the paper's SGD with momentum 0.9, Nesterov (paper: sgd, lr 0.01)")
    lr: float = _p(0.001, 1e-5, 1.0, "learning rate (paper: 0.01 with SGD)")
    batch_size: int = _p(128, 8, 65536, "training pairs per step (paper: 1024)")
    epochs: int = _p(8, 1, 1000, "passes over the training pairs (upper bound with early stopping)")
    patience: int = _p(3, 0, 1000, "stop after this many epochs without validation-AUROC gain (0: never)")
    max_val_pairs: int = _p(2000, 100, 10_000_000, "validation pairs scored each epoch (a seeded "
                                                   "sample when there are more)")


def cnnc_seconds(n_genes: int, n_tfs: int, n_samples: int) -> float:
    """Seconds of a default run on one core. Training is linear in the training pairs, which an
    all-pairs estimate cannot know: assume 7 edges per gene (mESC TFs+500 STRING has 6.9), 70%
    of them in training, one negative per positive, 8 epochs of ~1 ms per training pair (forward
    and backward of the width-4 network) plus 2,000 validation pairs per epoch and every
    (TF, gene) pair scored once at ~0.4 ms per pair; the histogram adds a little per cell.
    From the per-batch timings on the loaded 2-core machine (2.2 s per 1,024 training pairs,
    0.9 s per 1,024 scored, at load average 12), divided by the load."""
    train = 2 * 0.7 * 7 * n_genes
    cells = 1.0 + n_samples / 5000
    return 5.0 + cells * (8 * (1e-3 * train + 0.4e-3 * 2000) + 0.4e-3 * n_tfs * n_genes)

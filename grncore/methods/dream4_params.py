"""Parameters of the DREAM4 time-series pair models (`lstm`, `cnn`, `ae_nn`), without torch.

Why a separate module: the registry (`grncore.methods`), the Models page (which builds one widget
per field of a params dataclass) and every tree-method worker process import the parameter
classes, and none of them may pay for importing torch (seconds, hundreds of MB). So each torch
family is split in two: this torch-free module holds what the registry lists (the params
dataclasses, the reference, the accepted data kinds, the time estimate) and
`grncore.methods.dream4_nets` holds the models and the method functions, which the registry names
lazily (``fn="grncore.methods.dream4_nets:lstm"``, imported by `MethodSpec` on the first call).
Dependencies point one way: ``dream4_nets -> dream4_params``; nothing here imports the models.

Reference: Haque, Kondaveeti & Schmittling, "Using Neural Networks to Identify Gene Regulatory
Relationships", NC State University (DREAM4 time series); ``papers/dream4-rnn-cnn-autoencoder.txt``.
Model and data details: `grncore.methods.dream4_nets`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .base import param

__all__ = ["LSTMParams", "CNNParams", "AENNParams", "REFERENCE", "NORMALIZE", "KINDS", "dream4_seconds"]

REFERENCE = ("Haque S, Kondaveeti KS, Schmittling SR. Using Neural Networks to Identify Gene "
             "Regulatory Relationships. NC State University (DREAM4 time series; LSTM, CNN, "
             "autoencoder + neural network).")
NORMALIZE = ("global", "gene", "none")
KINDS = ("time_series",)

_NORM_HELP = ('"global": z-score with the mean/sd of the training genes\' time points (fit on '
              'training data only); "gene": z-score each gene over its own time courses; "none"')
_REV_HELP = "add the reverse of every training edge as a negative (directed labels, paper section V)"
_PAT_HELP = "early-stopping patience in epochs on validation AUROC (0 = train all epochs)"


@dataclass(frozen=True)
class LSTMParams:
    """`lstm` parameters. Paper values: ``dropout`` 0.2 and Adam ``lr`` 0.01; the paper gives no
    unit count, epochs or batch size: 32 units, 50 epochs and batch 100 are our choices."""

    hidden_size: int = param(32, min=1, max=1024, help="LSTM units")
    dropout: float = param(0.2, min=0.0, max=0.9, help="dropout on the last hidden state (paper: 0.2)")
    lr: float = param(0.01, min=1e-6, max=1.0, help="Adam learning rate (paper: 0.01)")
    epochs: int = param(50, min=1, max=10000, help="training epochs (upper bound with early stopping)")
    batch_size: int = param(100, min=1, max=100000, help="pair-experiment samples per step")
    patience: int = param(10, min=0, max=10000, help=_PAT_HELP)
    normalize: str = param("gene", choices=NORMALIZE, help=_NORM_HELP)
    reverse_negatives: bool = param(True, help=_REV_HELP)


@dataclass(frozen=True)
class CNNParams:
    """`cnn` parameters: LeNet-5 sizes (6 and 16 filters of width 5, dense 120 and 84). The paper
    states no optimiser settings for the CNN: Adam with Keras' default lr 0.001, 50 epochs and
    batch 100 are our choices."""

    channels1: int = param(6, min=1, max=512, help="filters of the first convolution (2 x kernel)")
    channels2: int = param(16, min=1, max=512, help="filters of the second convolution (1 x kernel)")
    kernel: int = param(5, min=1, max=50, help="kernel width along time")
    dense1: int = param(120, min=1, max=4096, help="units of the first dense layer")
    dense2: int = param(84, min=1, max=4096, help="units of the second dense layer")
    lr: float = param(0.001, min=1e-6, max=1.0, help="Adam learning rate")
    epochs: int = param(50, min=1, max=10000, help="training epochs (upper bound with early stopping)")
    batch_size: int = param(100, min=1, max=100000, help="pair-experiment samples per step")
    patience: int = param(10, min=0, max=10000, help=_PAT_HELP)
    normalize: str = param("gene", choices=NORMALIZE, help=_NORM_HELP)
    reverse_negatives: bool = param(True, help=_REV_HELP)


@dataclass(frozen=True)
class AENNParams:
    """`ae_nn` parameters. Paper values: ``latent_size`` 3; for the network batch 100, 75 epochs
    and Adam (grid search), with Keras' default lr 0.001. The autoencoder was not tuned in the
    paper: ``ae_hidden`` 16, ``ae_epochs`` 100, ``ae_lr`` 0.001 are ours, as are the branch
    (``branch_size``) and head (``dense_size``, then ``dense_size // 2``) widths."""

    latent_size: int = param(3, min=1, max=256, help="autoencoder code size per time course (paper: 3)")
    ae_hidden: int = param(16, min=1, max=1024, help="hidden units of encoder and decoder")
    ae_epochs: int = param(100, min=1, max=10000, help="autoencoder training epochs")
    ae_lr: float = param(0.001, min=1e-6, max=1.0, help="autoencoder Adam learning rate")
    branch_size: int = param(16, min=1, max=1024, help="units of each layer of the two branches")
    dense_size: int = param(16, min=2, max=4096, help="units of the first head layer (the second has half)")
    lr: float = param(0.001, min=1e-6, max=1.0, help="Adam learning rate of the network")
    epochs: int = param(75, min=1, max=10000, help="network training epochs (paper: 75)")
    batch_size: int = param(100, min=1, max=100000, help="samples per step (paper: 100)")
    patience: int = param(20, min=0, max=10000, help=_PAT_HELP)
    normalize: str = param("gene", choices=NORMALIZE, help=_NORM_HELP)
    reverse_negatives: bool = param(True, help=_REV_HELP)


def dream4_seconds(n_genes: int, n_tfs: int, n_samples: int) -> float:
    """Rough CPU time with default parameters on DREAM4-sized data (100 genes: ~0.2-0.5 s per
    epoch for ~5,000 pair-experiment samples), assuming ~2 edges per gene in training."""
    n_train_samples = 3 * 0.8 * 2 * n_genes * 10
    return 50 * 0.4 * n_train_samples / 5000 + 2e-5 * n_tfs * n_genes * 10

"""Registry records of the deep methods (`lstm`, `cnn`, `ae_nn`, `gnt`, `gne`) without torch.

Their parameter dataclasses and `MethodSpec` records live here so that ``import grncore.methods``
(the registry, the Models page, the CLI, every tree-method worker process) never imports torch;
each record's ``fn`` is a thin function with the method's signature that imports the heavy module
(`grncore.methods.dream4_nets` or `grncore.methods.gnt`) when the method is first called. The
heavy modules re-export these names, so ``from grncore.methods.gnt import GNTParams`` and
``from grncore.methods.dream4_nets import LSTMParams`` keep working.

References
----------
- ``lstm``, ``cnn``, ``ae_nn``: Haque, Kondaveeti & Schmittling, "Using Neural Networks to
  Identify Gene Regulatory Relationships", NC State University (DREAM4 time series);
  ``papers/dream4-rnn-cnn-autoencoder.txt``. Model and data details: `grncore.methods.dream4_nets`.
- ``gnt``: "GeneNet Transformer" thesis, chapter 4 (``papers/genenet-transformer-thesis.txt``).
- ``gne``: Kc et al., "GNE: a deep learning framework for gene network inference by aggregating
  biological information", BMC Systems Biology 13 (Suppl 2):38 (2019). Details: `grncore.methods.gnt`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data import Dataset
from ..train.progress import never_stop, no_progress
from .base import MethodSpec, param

__all__ = ["LSTMParams", "CNNParams", "AENNParams", "GNTParams", "GNEParams", "DREAM4_SPECS",
           "GNT_SPEC", "GNE_SPEC", "lstm", "cnn", "ae_nn", "gnt", "gne"]

# ====================================================================== DREAM4 nets (lstm, cnn, ae_nn)
REFERENCE = ("Haque S, Kondaveeti KS, Schmittling SR. Using Neural Networks to Identify Gene "
             "Regulatory Relationships. NC State University (DREAM4 time series; LSTM, CNN, "
             "autoencoder + neural network).")
NORMALIZE = ("global", "gene", "none")
DREAM4_KINDS = ("time_series",)

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


_DREAM4_CALL_DOC = """Scores of ``pairs`` (float64, aligned with its rows): the mean over the pair's
experiments of the sigmoid output of a network trained on ``train`` (labelled pairs; ``val`` for
early stopping). See the module docstring of `grncore.methods.dream4_nets` for the samples,
labels, normalisation, architecture and reference. ``datasets`` maps the ``dataset`` column of
network-disjoint frames to Datasets. The best weights are saved to ``workdir/<name>.pt``.
Raises `InputError` for non-time-series data and `Cancelled` when ``should_stop()`` turns true.

Reference: """ + REFERENCE


def _dream4_method(name: str, summary: str):
    def fn(dataset: Dataset, pairs: pd.DataFrame, params=None, *, train=None, val=None, seed: int = 0,
           progress=no_progress, should_stop=never_stop, device="cpu", workdir=None,
           datasets=None) -> np.ndarray:
        from . import dream4_nets  # torch: imported on first call only

        return dream4_nets._run(name, dataset, pairs, params, train=train, val=val, seed=seed,
                                progress=progress, should_stop=should_stop, device=device,
                                workdir=workdir, datasets=datasets)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = summary + "\n\n" + _DREAM4_CALL_DOC
    return fn


lstm = _dream4_method("lstm", "LSTM over the T x 2 (regulator, target) time courses (Haque et al.).")
cnn = _dream4_method("cnn", "LeNet-5-style CNN on the 1 x 2 x T (regulator, target) image (Haque et al.).")
ae_nn = _dream4_method("ae_nn", "Autoencoder (3-d code per time course) + two-branch network (Haque et al.).")


def _dream4_seconds(n_genes: int, n_tfs: int, n_samples: int) -> float:
    """Rough CPU time with default parameters on DREAM4-sized data (100 genes: ~0.2-0.5 s per
    epoch for ~5,000 pair-experiment samples), assuming ~2 edges per gene in training."""
    n_train_samples = 3 * 0.8 * 2 * n_genes * 10
    return 50 * 0.4 * n_train_samples / 5000 + 2e-5 * n_tfs * n_genes * 10


DREAM4_SPECS = (
    MethodSpec("lstm", "deep", "LSTM over the regulator/target time courses of each experiment "
               "(directed labels; mean over experiments)", REFERENCE, True, DREAM4_KINDS, LSTMParams,
               lstm, _dream4_seconds),
    MethodSpec("cnn", "deep", "LeNet-5-style CNN on the 2 x T regulator/target time-course image",
               REFERENCE, True, DREAM4_KINDS, CNNParams, cnn, _dream4_seconds),
    MethodSpec("ae_nn", "deep", "Autoencoder (3-d code per time course) + two-branch network",
               REFERENCE, True, DREAM4_KINDS, AENNParams, ae_nn, _dream4_seconds),
)


# ====================================================================== gnt, gne
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


def gnt(dataset: Dataset, pairs: pd.DataFrame, params: GNTParams | dict | None = None, *,
        train: pd.DataFrame | None = None, val: pd.DataFrame | None = None, seed: int = 0,
        progress=no_progress, should_stop=never_stop, device: str = "cpu", workdir=None,
        datasets=None) -> np.ndarray:
    """GeneNet Transformer scores (SVM decision values, float64) for the rows of ``pairs``.

    Embeddings are learned from the positives of ``train`` only, the SVM from ``train`` with its
    labels; ``val`` picks the epoch. The best epoch's weights go to ``workdir / "gnt.pt"``. See
    `grncore.methods.gnt` (imported, with torch, on the first call) for the model and objective.

    Reference: "GeneNet Transformer" thesis, chapter 4 (papers/genenet-transformer-thesis.txt)."""
    from . import gnt as heavy

    return heavy.gnt(dataset, pairs, params, train=train, val=val, seed=seed, progress=progress,
                     should_stop=should_stop, device=device, workdir=workdir, datasets=datasets)


def gne(dataset: Dataset, pairs: pd.DataFrame, params: GNEParams | dict | None = None, *,
        train: pd.DataFrame | None = None, val: pd.DataFrame | None = None, seed: int = 0,
        progress=no_progress, should_stop=never_stop, device: str = "cpu", workdir=None,
        datasets=None) -> np.ndarray:
    """GNE scores: MLP embeddings of id + expression, the same neighbour objective and Hadamard +
    SVM head as `gnt`; best weights to ``workdir / "gne.pt"`` (model in `grncore.methods.gnt`).

    Reference: Kc et al., GNE, BMC Systems Biology 13(Suppl 2):38 (2019)."""
    from . import gnt as heavy

    return heavy.gne(dataset, pairs, params, train=train, val=val, seed=seed, progress=progress,
                     should_stop=should_stop, device=device, workdir=workdir, datasets=datasets)


_GNT_KINDS = ("single_cell", "time_series", "bulk")


def _seconds_for(per_example: float):
    def estimate(n_genes: int, n_tfs: int, n_samples: int) -> float:
        """One-core seconds of a default run: training is linear in the training edges, which an
        all-pairs estimate cannot know; assume 7 edges per gene (mESC TFs+500 STRING has 6.9), 80%
        of them in training, each giving two examples per epoch, plus ~15 s for the SVM.
        Calibrated on mESC TFs+500 (1,120 genes x 421 cells) on a loaded 2-core CPU."""
        examples = 2 * 0.8 * 7 * n_genes
        return 15.0 + per_example * examples * (0.5 + n_samples / 800)
    return estimate


_gnt_seconds = _seconds_for(30 * 0.3e-3)   # 30 epochs, ~0.3 ms per example-epoch
_gne_seconds = _seconds_for(15 * 0.1e-3)   # early-stopped after ~15 epochs, ~0.1 ms

GNT_SPEC = MethodSpec(
    "gnt", "deep", "GeneNet Transformer: id + expression tokens through a 2-layer transformer "
    "encoder trained on training-edge neighbours; Hadamard edge features; SVM",
    "GeneNet Transformer thesis, chapter 4 (papers/genenet-transformer-thesis.txt)",
    True, _GNT_KINDS, GNTParams, gnt, _gnt_seconds)

GNE_SPEC = MethodSpec(
    "gne", "deep", "GNE: MLP embeddings of gene id + expression trained on training-edge "
    "neighbours; Hadamard edge features; SVM",
    "Kc et al., GNE, BMC Systems Biology 13(Suppl 2):38 (2019)",
    True, _GNT_KINDS, GNEParams, gne, _gne_seconds)

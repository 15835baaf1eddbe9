"""CNNC: a convolutional network on the joint expression histogram of a gene pair.

Reference: Yuan Y, Bar-Joseph Z. "Deep learning for inferring gene relationships from single-cell
expression data." PNAS 116(52):27151-27158 (2019); code github.com/xiaoyeye/CNNC
(``get_xy_label_data_cnn_combine_from_database.py`` for the image,
``train_with_labels_three_foldx.py`` for the network).

The image (normalised empirical probability density, "NEPDF"). Expression is put on a log scale:
raw counts (`grncore.data.preprocess.detect_scale` says "counts") become ``log10(x + 1)`` (the
paper: ``log10(x + 0.01)`` of RPKM); other data (already log, z-scores) is used as it is. For a
pair ``(a, b)`` with log expression ``x_a, x_b`` over the ``n`` cells, ``H`` is the 32 x 32
histogram of ``(x_a, x_b)`` with each axis cut into 32 equal bins between that gene's minimum
and maximum, exactly as ``numpy.histogram2d(x_a, x_b, bins=32)`` (a constant gene: its value
+-0.5, numpy's rule), transposed as in the paper (rows = bins of ``b``, columns = bins of ``a``).
The pixel values are ``(log10(H / n + 1e-4) + 4) / 4`` (in [0, 1]). Because each axis's bins
depend on that gene alone, every gene's bin per cell is computed once (genes x cells, uint8) and a
pair's histogram is a count of ``32 * bin_b + bin_a`` over the cells: the model gets gene
indices and builds its input images on the device, batch by batch (``torch.bincount``), so no
image array is ever stored (scoring runs in chunks of at most ``2**22`` pair-cells).

The network (paper sizes with ``width=32, convs=2, dense=512``): three blocks, each of
``convs`` 3x3 convolutions with ReLU (the first with 'same', the second with 'valid' padding),
2x2 max pooling and dropout 0.25, with ``width``, ``2 width``, ``4 width`` filters; then a dense
layer of ``dense`` units with ReLU and dropout 0.5, and one output logit. Loss: binary
cross-entropy on the logit (`torch.nn.BCEWithLogitsLoss`, the paper's sigmoid + BCE); Adam
(default) or the paper's SGD with momentum 0.9, Nesterov (``optimizer="sgd"``; its ``decay=1e-6``
per step is left out: over a few hundred steps it changes the rate by under 0.1%); why the
defaults differ from the paper: `grncore.methods.cnnc_params`. Initial weights: Glorot uniform,
zero biases (Keras' defaults). A pair's score is the logit (float64; the sigmoid is monotone, so
rankings are the same, without saturated ties).

Measured (BEELINE mESC TFs+500 STRING, seed 0, defaults, CPU, ``bench/results/cnnc.md``):
tf_disjoint AUROC 0.655, AUPRC ratio 2.46, EPR 4.87 (degree 0.500, |Pearson| 0.553) in 132 s;
edge_random (3 epochs) AUROC 0.666 against degree's 0.917.

Training (`grncore.train.loop.fit`): on the labelled ``train`` pairs only (the split's own
negatives; ``dataset.network`` is never read), ``batch_size`` pairs per step, for up to
``epochs`` epochs; after each epoch the AUROC on the ``val`` pairs (at most ``max_val_pairs`` of
them, a seeded sample) is reported as ``val_auroc``; the best epoch's weights are kept (and
saved to ``workdir / "cnnc.pt"``) and ``patience`` epochs without gain stop training. The paper
picked its epoch on validation accuracy with patience 50. Its evaluation holds out TFs (three-fold
cross-validation over TFs, and leave-one-TF-out on GTRD): the ``tf_disjoint`` split is the
matching protocol here.

What a pair's image cannot tell: direction is visible (the image of ``(b, a)`` is the transpose
of that of ``(a, b)``), but nothing about genes outside the pair is; unlike embedding methods
(`gnt`) CNNC does not learn an id per gene, so held-out TFs are scored from their expression only.

Devices: ``device`` is a resolved torch device string; the gene bins, the pair indices and the
model live on it; on CUDA the forward pass runs under ``grncore.train.loop.autocast`` (float16)
with a GradScaler (inside `fit`), and scoring uses the same autocast; CPU runs in float32 with
deterministic algorithms, so the same seed gives identical scores. Randomness (initial weights,
dropout, batch order, the validation sample) follows ``seed``; the caller's torch RNG state is
restored afterwards.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn

from ..data import Dataset, InputError
from ..data.genes import pair_rows
from ..train.loop import autocast, fit, seed_everything
from ..train.progress import check_stop, never_stop, no_progress
from .base import coerce_params
from .cnnc_params import CNNCParams

__all__ = ["CNNCParams", "cnnc", "gene_bins", "pair_images", "CNNCNet"]

BINS = 32
_CHUNK_CELLS = 2 ** 22   # pair x cell indices per histogram chunk (scoring and validation)


# ---------------------------------------------------------------------- the image
def log_expression(dataset: Dataset) -> np.ndarray:
    """genes x cells float64: ``log10(x + 1)`` for raw counts, the values as they are otherwise."""
    from ..data.preprocess import detect_scale

    x = dataset.expression.to_numpy(dtype=np.float64, copy=True)
    if detect_scale(x).kind == "counts":
        np.log10(x + 1.0, out=x)
    return x


def gene_bins(x: np.ndarray) -> np.ndarray:
    """genes x cells uint8: each value's bin among 32 equal bins between its gene's min and max,
    the bins ``numpy.histogram2d(..., bins=32)`` uses for that axis (a constant gene: value +-0.5;
    the maximum falls in the last bin)."""
    out = np.empty(x.shape, np.uint8)
    for g, row in enumerate(x):
        lo, hi = float(row.min()), float(row.max())
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges = np.linspace(lo, hi, BINS + 1)
        out[g] = np.clip(np.searchsorted(edges, row, side="right") - 1, 0, BINS - 1)
    return out


def pair_images(bins: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """(len(a), 1, 32, 32) float32 images of the pairs ``(a[i], b[i])`` (gene rows of ``bins``,
    genes x cells uint8 on the device): ``(log10(H / n + 1e-4) + 4) / 4`` with ``H[j, i]`` the
    number of cells with ``b`` in bin j and ``a`` in bin i."""
    m, n = len(a), bins.shape[1]
    joint = bins[b].long() * BINS + bins[a].long()
    joint += torch.arange(m, device=bins.device)[:, None] * (BINS * BINS)
    h = torch.bincount(joint.reshape(-1), minlength=m * BINS * BINS).to(torch.float32)
    img = (torch.log10(h / n + 1e-4) + 4.0) / 4.0
    return img.reshape(m, 1, BINS, BINS)


# ---------------------------------------------------------------------- the network
class CNNCNet(nn.Module):
    """Gene indices -> images (from the ``bins`` buffer) -> VGG-style CNN -> one logit per pair."""

    def __init__(self, params: CNNCParams):
        super().__init__()
        layers: list[nn.Module] = []
        c_in, size = 1, BINS
        for block in range(3):
            c_out = params.width * 2 ** block
            for k in range(params.convs):
                pad = 1 if k == 0 else 0    # the paper: 'same', then 'valid'
                layers += [nn.Conv2d(c_in, c_out, 3, padding=pad), nn.ReLU()]
                c_in, size = c_out, size - 2 * (1 - pad)
            layers += [nn.MaxPool2d(2), nn.Dropout(0.25)]
            size //= 2
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(c_in * size * size, params.dense), nn.ReLU(),
                                  nn.Dropout(0.5), nn.Linear(params.dense, 1))
        for m in self.modules():   # Keras' defaults, as the paper's code: Glorot uniform, zero bias
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)
        self.register_buffer("bins", torch.zeros(0, 0, dtype=torch.uint8), persistent=False)

    def set_bins(self, bins: np.ndarray) -> None:
        self.bins = torch.from_numpy(np.ascontiguousarray(bins)).to(self.head[-1].weight.device)

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(pair_images(self.bins, a, b))).squeeze(1)


@torch.no_grad()
def _predict(model: CNNCNet, a: np.ndarray, b: np.ndarray, dev: torch.device,
             should_stop=never_stop) -> np.ndarray:
    """Logits (float64) of the pairs ``(a, b)`` in chunks of at most ``_CHUNK_CELLS`` pair-cells."""
    was = model.training
    model.eval()
    chunk = max(1, _CHUNK_CELLS // max(1, model.bins.shape[1]))
    out = np.empty(len(a), np.float64)
    with autocast(dev):
        for s in range(0, len(a), chunk):
            check_stop(should_stop)
            ta = torch.from_numpy(a[s:s + chunk]).to(dev)
            tb = torch.from_numpy(b[s:s + chunk]).to(dev)
            out[s:s + chunk] = model(ta, tb).float().cpu().numpy()
    model.train(was)
    return out


# ---------------------------------------------------------------------- the method
def _rows(frame: pd.DataFrame, dataset: Dataset) -> tuple[np.ndarray, np.ndarray]:
    a, b = pair_rows(frame, dataset)
    return a.astype(np.int64), b.astype(np.int64)


def _val_fn(model_dataset, val, params, seed, dev, should_stop):
    """``val_fn`` for `fit` (validation AUROC on at most ``max_val_pairs`` val pairs), or None."""
    if val is None or len(val) == 0:
        return None
    y = val["label"].to_numpy().astype(np.int64)
    if y.min() == y.max():
        return None
    a, b = _rows(val, model_dataset)
    if len(y) > params.max_val_pairs:
        keep = np.sort(np.random.default_rng([seed, 0xCC]).choice(len(y), params.max_val_pairs, replace=False))
        a, b, y = a[keep], b[keep], y[keep]
        if y.min() == y.max():
            return None
    from sklearn.metrics import roc_auc_score

    return lambda m: float(roc_auc_score(y, _predict(m, a, b, dev, should_stop)))


def cnnc(dataset: Dataset, pairs: pd.DataFrame, params: CNNCParams | dict | None = None, *,
         train: pd.DataFrame | None = None, val: pd.DataFrame | None = None, seed: int = 0,
         progress=no_progress, should_stop=never_stop, device: str = "cpu", workdir=None) -> np.ndarray:
    """CNNC scores (logits, float64) for the rows of ``pairs``; trained on ``train`` only,
    ``val`` picks the epoch. See the module docstring for the image, the network and the
    reference. Raises `InputError` without training pairs of both classes or for pairs from
    several datasets, `Cancelled` when ``should_stop()`` turns true."""
    p = coerce_params(CNNCParams, params, method="cnnc")
    if train is None or len(train) == 0:
        raise InputError("cnnc is supervised and got no training pairs", where="cnnc",
                         fix="choose a split with training pairs (tf_disjoint, edge_random, gene_disjoint)")
    for name, frame in (("pairs", pairs), ("train", train)):
        if "dataset" in frame.columns:
            raise InputError("cnnc scores pairs of one dataset", where=f"cnnc ({name})",
                             fix="use tf_disjoint, edge_random or gene_disjoint")
    y = train["label"].to_numpy().astype(np.float32)
    if y.min() == y.max():
        raise InputError(f"the training pairs have a single class ({int(y[0])}); cnnc needs "
                         "edges and non-edges", where="cnnc", fix="use a split with negatives")
    dev = torch.device(str(device or "cpu"))
    check_stop(should_stop)
    bins = gene_bins(log_expression(dataset))
    ta, tb = _rows(train, dataset)
    pa, pb = _rows(pairs, dataset)
    devices = [dev.index or 0] if dev.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        seed_everything(seed)
        model = CNNCNet(p).to(dev)
        model.set_bins(bins)
        if p.optimizer == "adam":
            optimizer = torch.optim.Adam(model.parameters(), lr=p.lr)
        else:
            optimizer = torch.optim.SGD(model.parameters(), lr=p.lr, momentum=0.9, nesterov=True)
        ckpt = Path(workdir) / "cnnc.pt" if workdir is not None else None
        fit(model, [torch.from_numpy(ta), torch.from_numpy(tb), torch.from_numpy(y)],
            loss_fn=nn.BCEWithLogitsLoss(), optimizer=optimizer, epochs=p.epochs,
            batch_size=p.batch_size, device=dev,
            val_fn=_val_fn(dataset, val, p, seed, dev, should_stop), patience=p.patience,
            checkpoint_path=ckpt, progress=progress, should_stop=should_stop, seed=seed)
    check_stop(should_stop)
    return _predict(model, pa, pb, dev, should_stop)

"""Supervised deep models on time-series gene pairs: `lstm`, `cnn` and `ae_nn`.

Reference: S. Haque, K. S. Kondaveeti, S. R. Schmittling, "Using Neural Networks to Identify Gene
Regulatory Relationships" (NC State University; DREAM4 in-silico time series, 100-gene
networks; Keras). ``papers/dream4-rnn-cnn-autoencoder.txt``.

Pair samples
------------
A time-series dataset holds ``E`` perturbation experiments (``samples["experiment"]``) of ``T``
time points each (``samples["time"]``; DREAM4: E = 10, T = 21). For a (regulator ``a``, target
``b``) pair and experiment ``e`` the model sees the ``T x 2`` matrix ``[x_a,e(t), x_b,e(t)]``
(regulator first, as in the paper), so a pair yields ``E`` samples, all with the pair's label.
The score of a pair is the mean of the model's sigmoid outputs over its experiments.

Labels are directed (paper, section V): ``a -> b`` is 1 and the reverse ``b -> a`` is 0. The split
supplies balanced training pairs (true edges plus as many sampled non-edges, as in the paper's
balanced data); with ``reverse_negatives`` the reverse of every training positive is added as a
further negative unless it is a training pair itself or one of the pairs being scored or
validated (no test pair ever enters training; a reverse that is a true edge outside the training
pairs would be mislabelled 0 - rare in DREAM4 networks). The classes are then about 1:2, so the
positive class is weighted by ``n_neg / n_pos`` in the binary cross-entropy (the loss sees balanced
classes, like the paper's balanced sampling).

Normalisation (``normalize``): ``"gene"`` (default) z-scores every gene over all its time
points (a per-gene transform with nothing fitted, so no information flows between genes or from
test pairs; the paper shows "normalized gene expression patterns", Fig. 8, without saying how);
``"global"`` subtracts the mean and divides by the standard deviation of all time points of the
genes that occur in training pairs (a scaler fit on training data only, kept in the model's
state dict); ``"none"`` uses the values as they are (DREAM4 values already lie in [0, 1]).
Measured on simulated 100-gene data (edge_random, 3 seeds) "gene" gave +0.0-0.1 AUROC over
"global" for lstm and cnn and was on par on DREAM4 size-100 net 1.

Models (the paper gives no layer sizes for the LSTM, the CNN or the autoencoder - its
figures 3, 4, 6 and 10 are not in the text - so the sizes below are our documented choices; the
stated hyper-parameters are the paper's):

``lstm`` (paper III.A)
    ``x (T x 2) -> LSTM(2 -> hidden_size) -> last hidden state -> Dropout(0.2) -> Dense(1) ->
    sigmoid``. Paper: dropout 0.2, sigmoid output, Adam with learning rate 0.01. Our choices:
    one LSTM layer of 32 units, 50 epochs, batch 100 (the batch size tuned for the paper's NN).

``cnn`` (paper III.B, "adapted from LeNet-5") on the ``1 x 2 x T`` image (rows regulator,
    target): ``Conv(6, kernel 2 x 5, padding 0 x 2) -> ReLU -> MaxPool(1 x 2) -> Conv(16, kernel
    1 x 5, padding 0 x 2) -> ReLU -> MaxPool(1 x 2) -> Dense(120) -> ReLU -> Dense(84) -> ReLU ->
    Dense(1) -> sigmoid``. LeNet-5 uses 5 x 5 kernels on a 32 x 32 image; with only two rows the
    first kernel spans both rows (so every filter compares the regulator with the target over a
    5-step window) and the second works along time only; padding keeps the width ``T`` and
    ceil-mode pooling makes any ``T >= 1`` valid. ReLU and max-pooling replace LeNet's
    tanh/average subsampling (the usual Keras adaptation). The paper gives no optimiser for the
    CNN: Adam with Keras' default learning rate 0.001, 50 epochs, batch 100.

``ae_nn`` (paper III.C)
    1. Autoencoder per gene time course (one course = one gene in one experiment, length ``T``):
       ``T -> Dense(16) -> ReLU -> Dense(latent_size = 3)`` and back ``3 -> Dense(16) -> ReLU ->
       Dense(T)``, mean squared error, Adam 0.001, ``ae_epochs`` = 100, batch 100. It is fit on
       ALL genes' time courses of every dataset involved, test genes included: it is
       unsupervised and never sees a label or a pair, so nothing leaks (with ``normalize="global"`` it
       sees the courses scaled by the training-gene scaler above). The paper did not tune the AE; sizes are ours.
    2. Two-branch network on the frozen 3-d codes: regulator code -> ``Dense(16) -> ReLU ->
       Dense(16) -> ReLU``; target code -> a matching branch with its own weights; concatenated
       -> ``Dense(16) -> ReLU -> Dense(8) -> ReLU -> Dense(1) -> sigmoid`` (the paper's "three
       final layers including the output layer"). Paper (grid search): batch 100, 75 epochs,
       Adam (Keras default learning rate 0.001).

Training (all three): binary cross-entropy on logits (sigmoid + BCE, autocast-safe) through
`grncore.train.loop.fit`: data kept on the device, mixed precision on CUDA, early stopping on the
validation AUROC (``patience`` epochs; 0 = train all epochs) when the ``val`` pairs hold both
classes, best weights restored and saved to ``workdir / "<method>.pt"``. The paper trained a
fixed number of epochs; early stopping with best-epoch restore is our addition.

Only ``kind == "time_series"`` datasets are accepted (`InputError` otherwise). For
network-disjoint splits (``datasets`` given) training pairs come from other networks: all
networks must have the same number of time points ``T``; their experiment counts may differ.
"""

from __future__ import annotations

import math
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import torch
from torch import nn

from ..data import Dataset, InputError
from ..data.genes import pair_rows
from ..train.loop import autocast, fit, seed_everything
from ..train.progress import check_stop, never_stop, no_progress
from .base import coerce_params
# the parameters are torch-free, in `grncore.methods.dream4_params` (re-exported here)
from .dream4_params import KINDS, NORMALIZE, REFERENCE, AENNParams, CNNParams, LSTMParams  # noqa: F401

__all__ = ["LSTMParams", "CNNParams", "AENNParams", "lstm", "cnn", "ae_nn", "build_model",
           "predict_pairs", "time_courses", "PairNet", "REFERENCE", "KINDS"]


_PARAMS = {"lstm": LSTMParams, "cnn": CNNParams, "ae_nn": AENNParams}


def _params(method: str, params):
    """A validated params instance from None, a mapping or an instance (coerced and bounds-checked
    by `grncore.methods.base.coerce_params`)."""
    cls = _PARAMS[method]
    if is_dataclass(params) and not isinstance(params, (cls, type)):
        params = asdict(params)
    return coerce_params(cls, params, method=method)


# ---------------------------------------------------------------------- networks
class _LSTMCore(nn.Module):
    def __init__(self, n_times: int, p: LSTMParams):
        super().__init__()
        self.lstm = nn.LSTM(input_size=2, hidden_size=p.hidden_size, batch_first=True)
        self.drop = nn.Dropout(p.dropout)
        self.out = nn.Linear(p.hidden_size, 1)

    def forward(self, xa, xb):
        x = torch.stack((xa, xb), dim=-1)  # B x T x 2
        _, (h, _) = self.lstm(x)
        return self.out(self.drop(h[-1])).squeeze(-1)


class _CNNCore(nn.Module):
    def __init__(self, n_times: int, p: CNNParams):
        super().__init__()
        k = p.kernel
        self.features = nn.Sequential(
            nn.Conv2d(1, p.channels1, kernel_size=(2, k), padding=(0, k // 2)), nn.ReLU(),
            nn.MaxPool2d((1, 2), ceil_mode=True),
            nn.Conv2d(p.channels1, p.channels2, kernel_size=(1, k), padding=(0, k // 2)), nn.ReLU(),
            nn.MaxPool2d((1, 2), ceil_mode=True),
            nn.Flatten(),
        )
        width = _cnn_width(n_times, k)
        self.classifier = nn.Sequential(
            nn.Linear(p.channels2 * width, p.dense1), nn.ReLU(),
            nn.Linear(p.dense1, p.dense2), nn.ReLU(),
            nn.Linear(p.dense2, 1),
        )

    def forward(self, xa, xb):
        x = torch.stack((xa, xb), dim=1).unsqueeze(1)  # B x 1 x 2 x T
        return self.classifier(self.features(x)).squeeze(-1)


def _cnn_width(n_times: int, k: int) -> int:
    w = n_times + 2 * (k // 2) - k + 1
    if w < 1:
        raise InputError(f"the CNN kernel width {k} is longer than the padded series ({n_times} "
                         "time points)", where="cnn parameters", fix="use a smaller kernel")
    w = math.ceil(w / 2)
    w = w + 2 * (k // 2) - k + 1
    if w < 1:
        raise InputError(f"the CNN kernel width {k} is too long for {n_times} time points",
                         where="cnn parameters", fix="use a smaller kernel")
    return math.ceil(w / 2)


class _Autoencoder(nn.Module):
    def __init__(self, n_times: int, p: AENNParams):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(n_times, p.ae_hidden), nn.ReLU(),
                                     nn.Linear(p.ae_hidden, p.latent_size))
        self.decoder = nn.Sequential(nn.Linear(p.latent_size, p.ae_hidden), nn.ReLU(),
                                     nn.Linear(p.ae_hidden, n_times))

    def forward(self, x):
        return self.decoder(self.encoder(x))


class _AEPairCore(nn.Module):
    """Frozen encoder + regulator branch + target branch + three-layer head."""

    def __init__(self, n_times: int, p: AENNParams):
        super().__init__()
        self.encoder = _Autoencoder(n_times, p).encoder
        b, d = p.branch_size, p.dense_size

        def branch():
            return nn.Sequential(nn.Linear(p.latent_size, b), nn.ReLU(), nn.Linear(b, b), nn.ReLU())

        self.reg_branch = branch()
        self.tgt_branch = branch()
        self.head = nn.Sequential(nn.Linear(2 * b, d), nn.ReLU(),
                                  nn.Linear(d, max(1, d // 2)), nn.ReLU(),
                                  nn.Linear(max(1, d // 2), 1))

    def freeze_encoder(self):
        for q in self.encoder.parameters():
            q.requires_grad_(False)

    def forward(self, xa, xb):
        za, zb = self.encoder(xa), self.encoder(xb)
        h = torch.cat((self.reg_branch(za), self.tgt_branch(zb)), dim=-1)
        return self.head(h).squeeze(-1)


_CORES = {"lstm": _LSTMCore, "cnn": _CNNCore, "ae_nn": _AEPairCore}


class PairNet(nn.Module):
    """A pair classifier over a table of time courses held on the device.

    ``forward(rows_a, rows_b)`` takes row indices into the (non-persistent) ``series`` buffer
    (one row = one gene in one experiment), scales them with the ``mean``/``std`` buffers (part of
    the state dict, so a checkpoint carries the training scaler) and returns one logit per
    sample. ``normalize`` records how the series table must be built (see module doc).
    """

    def __init__(self, method: str, n_times: int, params):
        super().__init__()
        self.method = method
        self.n_times = int(n_times)
        self.normalize = params.normalize
        self.core = _CORES[method](self.n_times, params)
        self.register_buffer("mean", torch.zeros(()))
        self.register_buffer("std", torch.ones(()))
        self.register_buffer("series", torch.zeros(0, self.n_times), persistent=False)

    def set_series(self, series: np.ndarray | torch.Tensor) -> None:
        s = torch.as_tensor(series, dtype=torch.float32)
        if s.ndim != 2 or s.shape[1] != self.n_times:
            raise ValueError(f"series must be rows x {self.n_times}, got {tuple(s.shape)}")
        self.series = s.to(self.mean.device)

    def scaled(self, rows: torch.Tensor) -> torch.Tensor:
        return (self.series.index_select(0, rows) - self.mean) / self.std

    def forward(self, rows_a: torch.Tensor, rows_b: torch.Tensor) -> torch.Tensor:
        return self.core(self.scaled(rows_a), self.scaled(rows_b))


def build_model(method: str, n_times: int, params=None) -> PairNet:
    """An untrained `PairNet` for ``method`` ("lstm", "cnn", "ae_nn") and ``n_times`` points;
    load trained weights with `grncore.train.loop.load_checkpoint`."""
    if method not in _PARAMS:
        raise ValueError(f"unknown method {method!r}; use one of {', '.join(_PARAMS)}")
    return PairNet(method, n_times, _params(method, params))


# ---------------------------------------------------------------------- data
def time_courses(dataset: Dataset, method: str = "model") -> np.ndarray:
    """The dataset's expression as a float32 array ``genes x experiments x time points``.

    Samples are grouped by ``samples["experiment"]`` (one experiment when the column is absent)
    and ordered by ``samples["time"]``. Raises `InputError` for data that is not a time series,
    lacks times, or whose experiments differ in length."""
    if dataset.kind not in KINDS:
        raise InputError(f"{method} needs time-series data, but {dataset.name!r} is {dataset.kind!r} data",
                         where=method, fix="load a time series (e.g. DREAM4 timeseries.tsv) or "
                                           "simulate one with grncore.data.simulate.time_series")
    s = dataset.samples
    if "time" not in s or s["time"].isna().all():
        raise InputError(f"{dataset.name!r} has no sample times", where=method,
                         fix="give each sample a time (DREAM4 'Time' column or a metadata 'time' column)")
    if s["time"].isna().any():
        raise InputError(f"{int(s['time'].isna().sum())} samples of {dataset.name!r} have no time",
                         where=method, fix="give every sample a numeric time")
    exp = s["experiment"] if "experiment" in s else pd.Series(1, index=s.index)
    if exp.isna().any():
        raise InputError(f"{int(exp.isna().sum())} samples of {dataset.name!r} have no experiment id",
                         where=method, fix="give every sample an experiment (time-series run) id")
    order = pd.DataFrame({"e": exp.to_numpy(), "t": s["time"].to_numpy(),
                          "i": np.arange(len(s))}).sort_values(["e", "t"], kind="stable")
    sizes = order.groupby("e", sort=True).size()
    if sizes.nunique() != 1:
        raise InputError(f"the experiments of {dataset.name!r} have different numbers of time points "
                         f"({', '.join(f'{k}: {v}' for k, v in sizes.head(5).items())})", where=method,
                         fix="use experiments of equal length (resample or drop incomplete runs)")
    n_exp, n_times = len(sizes), int(sizes.iloc[0])
    if n_times < 2:
        raise InputError(f"{dataset.name!r} has one time point per experiment", where=method,
                         fix="a time course needs at least two time points")
    x = dataset.expression.to_numpy(dtype=np.float32)[:, order["i"].to_numpy()]
    return np.ascontiguousarray(x.reshape(dataset.n_genes, n_exp, n_times))


class _Table:
    """Time courses of one or more datasets stacked into one ``rows x T`` table.

    Genes get global ids (dataset by dataset); gene ``g`` owns the rows
    ``row_start[g] .. row_start[g] + n_exp[g] - 1`` (one per experiment)."""

    def __init__(self, datasets: list[Dataset], method: str, normalize: str):
        parts, starts, nexp, self.gene_offset = [], [], [], {}
        row, gid = 0, 0
        n_times = None
        for ds in datasets:
            tc = time_courses(ds, method)
            g, e, t = tc.shape
            if n_times is None:
                n_times = t
            elif t != n_times:
                raise InputError(f"{ds.name!r} has {t} time points per experiment, the other "
                                 f"datasets {n_times}", where=method,
                                 fix="train and test on time series of the same length")
            if normalize == "gene":
                mu = tc.mean(axis=(1, 2), keepdims=True)
                sd = tc.std(axis=(1, 2), keepdims=True)
                tc = (tc - mu) / np.where(sd > 1e-8, sd, 1.0)
            self.gene_offset[id(ds)] = gid
            parts.append(tc.reshape(g * e, t))
            starts.append(row + np.arange(g, dtype=np.int64) * e)
            nexp.append(np.full(g, e, dtype=np.int64))
            row += g * e
            gid += g
        self.series = np.concatenate(parts).astype(np.float32, copy=False)
        self.row_start = np.concatenate(starts)
        self.n_exp = np.concatenate(nexp)
        self.n_genes = gid
        self.n_times = int(n_times)

    def gene_ids(self, frame: pd.DataFrame, dataset: Dataset, datasets) -> tuple[np.ndarray, np.ndarray]:
        """Global gene ids (regulator, target) of every row of a pair frame."""
        a = np.empty(len(frame), np.int64)
        b = np.empty(len(frame), np.int64)
        for ds, idx in _groups(frame, dataset, datasets):
            r, t = pair_rows(frame.iloc[idx] if len(idx) != len(frame) else frame, ds)
            off = self.gene_offset[id(ds)]
            a[idx], b[idx] = r + off, t + off
        return a, b

    def samples(self, ga: np.ndarray, gb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Table rows (regulator, target) and pair index of every pair-experiment sample."""
        counts = self.n_exp[ga]
        pid = np.repeat(np.arange(len(ga), dtype=np.int64), counts)
        e = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
        return self.row_start[ga][pid] + e, self.row_start[gb][pid] + e, pid

    def rows_of_genes(self, genes: np.ndarray) -> np.ndarray:
        genes = np.unique(genes)
        counts = self.n_exp[genes]
        e = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
        return np.repeat(self.row_start[genes], counts) + e


def _groups(frame: pd.DataFrame, dataset: Dataset, datasets):
    """(Dataset, row positions) for each dataset a pair frame refers to."""
    if datasets and "dataset" in frame.columns:
        out = []
        codes = frame["dataset"].astype(str).to_numpy()
        for name in pd.unique(codes):
            if name not in datasets:
                raise InputError(f"pairs refer to dataset {name!r}, which was not passed",
                                 where="pairs", fix="pass every dataset of the split")
            out.append((datasets[name], np.flatnonzero(codes == name)))
        return out
    return [(dataset, np.arange(len(frame)))]


def _involved(dataset: Dataset, datasets) -> list[Dataset]:
    """The test dataset and every dataset of a network-disjoint split, each once."""
    seen, out = set(), []
    cands = [dataset]
    if datasets:
        cands += list(datasets.values())
    for ds in cands:
        if id(ds) not in seen:
            seen.add(id(ds))
            out.append(ds)
    return out


def _labels(frame: pd.DataFrame, part: str, method: str) -> np.ndarray:
    if "label" not in frame.columns:
        raise InputError(f"the {part} pairs have no label column", where=method,
                         fix="pass labelled pairs from a split")
    return frame["label"].to_numpy().astype(np.float32)


# ---------------------------------------------------------------------- prediction
def _predict(model: PairNet, ra: torch.Tensor, rb: torch.Tensor, pid: np.ndarray, n_pairs: int,
             device: torch.device, chunk: int = 16384,
             should_stop: Callable[[], bool] = never_stop) -> np.ndarray:
    """Mean sigmoid output per pair (float64)."""
    was_training = model.training
    model.eval()
    out = []
    with torch.no_grad(), autocast(device):
        for s in range(0, len(ra), chunk):
            if s:
                check_stop(should_stop)
            out.append(torch.sigmoid(model(ra[s:s + chunk], rb[s:s + chunk]).float()).cpu())
    if was_training:
        model.train()
    prob = torch.cat(out).numpy().astype(np.float64) if out else np.zeros(0)
    counts = np.bincount(pid, minlength=n_pairs)
    sums = np.bincount(pid, weights=prob, minlength=n_pairs)
    return sums / np.maximum(counts, 1)


def _auroc(labels: np.ndarray, scores: np.ndarray) -> float | None:
    if labels.min() == labels.max():
        return None
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores))


def predict_pairs(model: PairNet, dataset: Dataset, pairs: pd.DataFrame, *, datasets=None,
                  device: str | torch.device = "cpu") -> np.ndarray:
    """Scores (mean sigmoid output over experiments, float64) of ``pairs`` by a trained
    `PairNet` - e.g. one rebuilt with `build_model` and `grncore.train.loop.load_checkpoint`."""
    dev = torch.device(str(device))
    table = _Table(_involved(dataset, datasets), model.method, model.normalize)
    if table.n_times != model.n_times:
        raise InputError(f"the model was trained on {model.n_times} time points, the data has "
                         f"{table.n_times}", where=model.method, fix="score data of the same length")
    model.to(dev)
    model.set_series(table.series)
    ga, gb = table.gene_ids(pairs, dataset, datasets)
    ra, rb, pid = table.samples(ga, gb)
    return _predict(model, torch.as_tensor(ra, device=dev), torch.as_tensor(rb, device=dev), pid,
                    len(pairs), dev)


# ---------------------------------------------------------------------- training
def _train_pairs(table: _Table, train: pd.DataFrame, dataset, datasets, excluded: np.ndarray,
                 reverse_negatives: bool, method: str):
    """Global gene ids and labels of the training pairs (+ reverse negatives)."""
    y = _labels(train, "training", method)
    ga, gb = table.gene_ids(train, dataset, datasets)
    if reverse_negatives:
        G = table.n_genes
        pos = y == 1
        rev = gb[pos] * G + ga[pos]
        known = np.concatenate([ga * G + gb, excluded])
        rev = np.unique(rev[~np.isin(rev, known)])
        ga = np.concatenate([ga, rev // G])
        gb = np.concatenate([gb, rev % G])
        y = np.concatenate([y, np.zeros(len(rev), np.float32)])
    return ga, gb, y


def _run(method: str, dataset: Dataset, pairs: pd.DataFrame, params, *, train, val, seed,
         progress, should_stop, device, workdir, datasets) -> np.ndarray:
    p = _params(method, params)
    if dataset.kind not in KINDS:
        time_courses(dataset, method)  # raises the InputError
    if train is None or len(train) == 0:
        raise InputError(f"{method} is supervised and got no training pairs", where=method,
                         fix="choose a split with training pairs (edge_random, tf_disjoint, "
                             "gene_disjoint or network_disjoint)")
    dev = torch.device(str(device))
    check_stop(should_stop)
    table = _Table(_involved(dataset, datasets), method, p.normalize)
    G = table.n_genes

    # pairs that must never become training samples: those scored and those validated
    tga, tgb = table.gene_ids(pairs, dataset, datasets)
    excluded = [tga * G + tgb]
    has_val = val is not None and len(val) > 0
    if has_val:
        vga, vgb = table.gene_ids(val, dataset, datasets)
        excluded.append(vga * G + vgb)
    ga, gb, y = _train_pairs(table, train, dataset, datasets, np.concatenate(excluded),
                             p.reverse_negatives, method)
    n_pos = int(y.sum())
    if n_pos == 0 or n_pos == len(y):
        raise InputError(f"the training pairs hold only {'positives' if n_pos else 'negatives'}",
                         where=method, fix="use a split whose training part has edges and non-edges")

    seed_everything(seed)
    model = PairNet(method, table.n_times, p)
    if p.normalize == "global":
        rows = table.rows_of_genes(np.concatenate([ga, gb]))
        vals = table.series[rows]
        sd = float(vals.std())
        model.mean.fill_(float(vals.mean()))
        model.std.fill_(sd if sd > 1e-8 else 1.0)
    model.to(dev)
    model.set_series(table.series)

    ra, rb, _ = table.samples(ga, gb)
    ys = np.repeat(y, table.n_exp[ga])
    tensors = [torch.as_tensor(ra), torch.as_tensor(rb), torch.as_tensor(ys)]

    val_fn = None
    if has_val:
        vy = _labels(val, "validation", method)
        if vy.min() != vy.max():
            vra, vrb, vpid = table.samples(vga, vgb)
            vra_t, vrb_t = torch.as_tensor(vra, device=dev), torch.as_tensor(vrb, device=dev)

            def val_fn(m):
                return _auroc(vy, _predict(m, vra_t, vrb_t, vpid, len(val), dev, should_stop=should_stop))

    ckpt = Path(workdir) / f"{method}.pt" if workdir is not None else None
    offset, total = 0, p.epochs
    if method == "ae_nn":
        total = p.ae_epochs + p.epochs
        _pretrain_autoencoder(model, table, p, dev, seed, progress, should_stop, total)
        offset = p.ae_epochs
    params_to_train = [q for q in model.parameters() if q.requires_grad]
    optimizer = torch.optim.Adam(params_to_train, lr=p.lr)
    pos_weight = torch.tensor((len(y) - n_pos) / n_pos, device=dev)
    loss_fn = nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    fit(model, tensors, loss_fn=loss_fn, optimizer=optimizer, epochs=p.epochs,
        batch_size=p.batch_size, device=dev, val_fn=val_fn, patience=p.patience,
        checkpoint_path=ckpt, progress=progress, should_stop=should_stop, seed=seed,
        progress_offset=offset, progress_total=total)
    check_stop(should_stop)
    tra, trb, tpid = table.samples(tga, tgb)
    return _predict(model, torch.as_tensor(tra, device=dev), torch.as_tensor(trb, device=dev), tpid,
                    len(pairs), dev, should_stop=should_stop)


def _pretrain_autoencoder(model: PairNet, table: _Table, p: AENNParams, dev, seed, progress,
                          should_stop, total) -> None:
    """Phase 1 of ``ae_nn``: fit the autoencoder on every time course (scaled like the pairs),
    copy its encoder into the pair network and freeze it."""
    ae = _Autoencoder(table.n_times, p)
    with torch.no_grad():
        x = model.scaled(torch.arange(len(table.series), device=dev)).float()
    opt = torch.optim.Adam(ae.parameters(), lr=p.ae_lr)
    fit(ae, [x, x], loss_fn=nn.MSELoss(), optimizer=opt, epochs=p.ae_epochs,
        batch_size=p.batch_size, device=dev, progress=progress, should_stop=should_stop,
        seed=seed + 1, progress_total=total, field_prefix="ae_")
    core: _AEPairCore = model.core
    core.encoder.load_state_dict(ae.encoder.state_dict())
    core.freeze_encoder()


# ---------------------------------------------------------------------- public methods
def _method(name: str, summary: str):
    def fn(dataset: Dataset, pairs: pd.DataFrame, params=None, *, train=None, val=None, seed: int = 0,
           progress=no_progress, should_stop=never_stop, device="cpu", workdir=None,
           datasets=None) -> np.ndarray:
        return _run(name, dataset, pairs, params, train=train, val=val, seed=seed, progress=progress,
                    should_stop=should_stop, device=device, workdir=workdir, datasets=datasets)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = summary + "\n\n" + _CALL_DOC
    return fn


_CALL_DOC = """Scores of ``pairs`` (float64, aligned with its rows): the mean over the pair's
experiments of the sigmoid output of a network trained on ``train`` (labelled pairs; ``val`` for
early stopping). See the module docstring of `grncore.methods.dream4_nets` for the samples,
labels, normalisation, architecture and reference. ``datasets`` maps the ``dataset`` column of
network-disjoint frames to Datasets. The best weights are saved to ``workdir/<name>.pt``.
Raises `InputError` for non-time-series data and `Cancelled` when ``should_stop()`` turns true.

Reference: """ + REFERENCE

lstm = _method("lstm", "LSTM over the T x 2 (regulator, target) time courses (Haque et al.).")
cnn = _method("cnn", "LeNet-5-style CNN on the 1 x 2 x T (regulator, target) image (Haque et al.).")
ae_nn = _method("ae_nn", "Autoencoder (3-d code per time course) + two-branch network (Haque et al.).")


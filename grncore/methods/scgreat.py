"""scGREAT without BioBERT: a transformer over the two expression tokens of a (regulator, target)
pair and a classification head, trained with binary cross-entropy on the training pairs.

Reference: Wang et al., "scGREAT: Transformer-based deep-language model for gene regulatory
network inference from single-cell transcriptomics", iScience 27(4):109352 (2024); reference code
github.com/WangyuchenCS/scGREAT (``model.py``, ``main.py``, ``train_val.py``, ``demo.py``). The
GeneNet Transformer thesis (``papers/genenet-transformer-thesis.txt``, sections 2 and 5) compares
against it and discusses it without BioBERT.

The math
--------
Expression: ``x_i`` is gene ``i``'s vector over the samples, normalised as in `gnt`
(`grncore.methods.gnt.normalized_expression`: log1p of counts per 10,000 for raw counts, then a
z-score per gene -- the paper z-scores each gene with ``StandardScaler``). Gene token (d dims):

    t_i = leaky_relu(W2 (W1 x_i + b1) + b2)  [+ u_i with identity="learned"]

(``W1``: samples -> ``expr_hidden`` (512), ``W2``: -> d, no nonlinearity between them, as in the
paper). A pair ``(a, b)`` is the sequence ``[t_a + p_0, t_b + p_1]`` with a learned position
embedding ``p`` (2 x d), which tells the regulator from the target, so scores are directed. It
goes through ``n_layers`` ``nn.TransformerEncoderLayer`` (``n_heads`` heads, ``ff_dim``
feed-forward, post-norm, ReLU, ``attn_dropout``); the two outputs are concatenated (2d) and the
paper's head gives the logit:

    h1 = prelu(drop(L1 [o_a, o_b]))            (2d -> 1024)
    r  = avgpool_4(h1)                          (1024 -> 256, the residual)
    h2 = prelu(drop(L2 h1))                     (-> 512)
    h3 = prelu(drop(L3 h2 + r))                 (-> 256)
    s(a, b) = L4 h3                             (-> 1; one PReLU slope shared, as in the paper)

The score returned is the logit ``s`` (float64; the paper's sigmoid is monotone and is folded
into the loss). Loss: ``BCEWithLogitsLoss`` on the labels of ``train`` (the paper uses
``BCELoss`` after a sigmoid, which is not autocast-safe), Adam (``lr``), gradient-norm clip
``clip`` (paper 0.1), and the paper's ``StepLR`` (lr x 0.999 every 10 steps).

What was left out, and what stands in
-------------------------------------
The paper adds to every token a frozen 768-d BioBERT embedding of the gene's name
(``nn.Embedding.from_pretrained(biovect768.npy)``, computed beforehand by running BioBERT over
the gene symbols). It is left out: it needs a language-model download, and it encodes gene
identity and literature knowledge rather than anything in the expression data. In its place:

- ``identity="none"`` (default): nothing. A token is the expression map alone, so the model is
  inductive: a gene never seen in training is scored from its expression like any other, and the
  model cannot memorise a gene's degree through an id vector.
- ``identity="learned"``: a learned per-gene vector ``u_i`` (``nn.Embedding``, N(0, 0.02) init)
  is added to the token -- like BioBERT a fixed-per-gene vector, but learned from the training
  pairs, so it can pick up a gene's training degree (the `degree` sentinel's information);
  transductive, like `gnt`'s id embedding.

Because there is no BioBERT, ``dim`` need not be 768; see `grncore.methods.scgreat_params` for the
defaults that differ from the paper's and why (run time on a 2-core CPU). Also not reproduced: the
paper's data preparation (its "hard" negatives -- non-edges of the same TFs, GENELink's split);
this method trains on whatever negatives the split put into ``train``.

Training protocol. Pairs are shuffled every epoch (numpy ``default_rng`` from ``seed``). After
each epoch the validation pairs are scored -- all their positives and at most ``max_val_pairs``
pairs in all (negatives subsampled once with the seed: a ``tf_disjoint`` validation part holds
~10^5 pairs) -- and their AUROC is ``val_auroc``; the best epoch's weights are kept (and written
to ``workdir / "scgreat.pt"`` when a workdir is given) and restored, and ``patience`` > 0 stops
after that many epochs without a gain. Without usable validation pairs (none, or one class) the
last epoch is used. ``progress(epoch, epochs, "epoch e/n", epoch=, loss=, val_auroc=,
seconds=)`` after each epoch; ``should_stop`` is polled before every epoch, every 20 steps,
before validation and between scoring chunks (`Cancelled`).

Scoring in bounded memory: the tokens of all genes are computed once (genes x d), then pairs go
through the encoder and head in chunks of 8,192, so memory does not grow with the number of
pairs (a ``tf_disjoint`` test part holds ~10^5, discovery millions).

What is never seen: the test pairs and ``dataset.network``. `_train` receives the training pairs
(gene rows and labels) and the validation pairs only; ``tests/test_scgreat.py`` checks this with a
spy and by changing ``dataset.network``.

Measured (BEELINE mESC TFs+500 STRING, split and model seed 0, defaults, one torch thread;
bench/results/scgreat.md): edge_random AUROC 0.948 (degree sentinel 0.917), AUPRC ratio 1.89,
EPR 1.78, 134 CPU s; tf_disjoint AUROC 0.903 (target in-degree alone 0.870, degree 0.500), AUPRC
ratio 8.25, EPR 11.6, 0.896 on the test pairs whose reverse is not a training edge, 93 CPU s.
On simulated data (tests/test_scgreat.py) it beats degree and random under edge_random but is
below chance under tf_disjoint, where the target's training in-degree is anti-informative.

Devices and randomness: ``device`` is a resolved torch device string; expression, model and
indices live on it. On CUDA the forward passes run under ``grncore.train.loop.autocast``
(float16) with a ``torch.amp.GradScaler`` (gradients unscaled before clipping); CPU and MPS run in
float32. Initial weights and dropout follow ``seed`` inside a ``torch.random.fork_rng`` block (the
caller's RNG state is left as it was), so on the CPU the same seed gives identical scores.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.nn import functional as F

from ..data import Dataset, InputError
from ..data.genes import pair_rows
from ..train.loop import autocast, load_checkpoint, save_checkpoint
from ..train.progress import check_stop, never_stop, no_progress
from .base import coerce_params
from .gnt import normalized_expression
from .scgreat_params import SCGREATParams

__all__ = ["SCGREATParams", "SCGREATNet", "scgreat"]

_CHUNK = 8192         # pairs per forward pass when scoring
_LR_STEP, _LR_GAMMA = 10, 0.999   # the paper's StepLR, stepped every batch
_HEAD = (1024, 512, 256)          # the paper's head widths (1024 / 4 = 256 for the residual pool)


class SCGREATNet(nn.Module):
    """Gene tokens from expression (+ optional learned identity), a 2-token transformer encoder
    and the paper's residual MLP head; see the module docstring."""

    def __init__(self, n_genes: int, n_samples: int, params: SCGREATParams):
        super().__init__()
        d = params.dim
        self.expr1 = nn.Linear(n_samples, params.expr_hidden)
        self.expr2 = nn.Linear(params.expr_hidden, d)
        self.ident = nn.Embedding(n_genes, d) if params.identity == "learned" else None
        self.pos = nn.Embedding(2, d)
        layer = nn.TransformerEncoderLayer(d, params.n_heads, params.ff_dim, params.attn_dropout,
                                           batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, params.n_layers, enable_nested_tensor=False)
        h1, h2, h3 = _HEAD
        self.l1, self.l2, self.l3 = nn.Linear(2 * d, h1), nn.Linear(h1, h2), nn.Linear(h2, h3)
        self.l4 = nn.Linear(h3, 1)
        self.act = nn.PReLU()
        self.drop = nn.Dropout(params.dropout)
        self.register_buffer("x", torch.zeros(n_genes, n_samples), persistent=False)
        if self.ident is not None:
            nn.init.normal_(self.ident.weight, 0.0, 0.02)

    def set_expression(self, x: torch.Tensor) -> None:
        self.x = x.to(self.x.device, torch.float32)

    def tokens(self, genes: torch.Tensor) -> torch.Tensor:
        """Tokens ``t`` (..., d) of gene rows ``genes`` (...)."""
        t = F.leaky_relu(self.expr2(self.expr1(self.x[genes])))
        return t + self.ident(genes) if self.ident is not None else t

    def head(self, ta: torch.Tensor, tb: torch.Tensor) -> torch.Tensor:
        """Logits (B,) of pairs with regulator tokens ``ta`` and target tokens ``tb`` (B, d)."""
        out = self.encoder(torch.stack([ta, tb], 1) + self.pos.weight).flatten(1)
        h = self.act(self.drop(self.l1(out)))
        r = F.avg_pool1d(h[:, None], 4)[:, 0]
        h = self.act(self.drop(self.l2(h)))
        h = self.act(self.drop(self.l3(h) + r))
        return self.l4(h)[:, 0]

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return self.head(self.tokens(a), self.tokens(b))


@contextlib.contextmanager
def _seeded(seed: int, device: torch.device):
    """``torch.manual_seed(seed)`` for the block, restoring the caller's RNG state afterwards."""
    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


@torch.no_grad()
def _logits(model: SCGREATNet, a: torch.Tensor, b: torch.Tensor, should_stop=never_stop) -> np.ndarray:
    """Eval-mode logits (float64, CPU) of the pairs (a, b), in chunks of `_CHUNK`."""
    was = model.training
    model.eval()
    dev = model.x.device
    out = np.empty(len(a), np.float64)
    with autocast(dev):
        tok = model.tokens(torch.arange(model.x.shape[0], device=dev))
        for s in range(0, len(a), _CHUNK):
            check_stop(should_stop)
            ia, ib = a[s:s + _CHUNK], b[s:s + _CHUNK]
            out[s:s + _CHUNK] = model.head(tok[ia], tok[ib]).float().cpu().numpy()
    model.train(was)
    return out


def _val_sample(a: np.ndarray, b: np.ndarray, y: np.ndarray, cap: int, seed: int):
    """All validation positives and negatives subsampled (seeded) to at most ``cap`` pairs."""
    if len(y) <= cap:
        return a, b, y
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y != 1)
    k = max(cap - len(pos), 0)
    keep = np.sort(np.concatenate([pos, np.random.default_rng([seed, 0x5A1]).choice(neg, k, replace=False)]))
    return a[keep], b[keep], y[keep]


def _train(x: np.ndarray, pairs: tuple[np.ndarray, np.ndarray, np.ndarray], params: SCGREATParams, *,
           seed: int, device: str, val_pairs=None, progress=no_progress, should_stop=never_stop,
           checkpoint: Path | None = None) -> tuple[SCGREATNet, pd.DataFrame]:
    """Fit the model. ``x``: genes x samples normalised expression; ``pairs``: (regulator rows,
    target rows, labels) of the TRAINING pairs -- the only labels this function gets;
    ``val_pairs``: optional (a, b, labels) to pick the epoch. Returns the model with the best
    epoch's weights and the per-epoch history (epoch, loss, val_auroc, seconds)."""
    from sklearn.metrics import roc_auc_score

    dev = torch.device(device)
    n_genes, n_samples = x.shape
    with _seeded(seed, dev):
        model = SCGREATNet(n_genes, n_samples, params)
    model.to(dev)
    model.set_expression(torch.from_numpy(np.ascontiguousarray(x)).to(dev))
    ta, tb, ty = (torch.from_numpy(np.asarray(v)).to(dev) for v in (pairs[0], pairs[1], pairs[2]))
    ty = ty.float()
    n = len(ty)
    val_t = None
    if val_pairs is not None and len(val_pairs[2]) and 0 < int(np.sum(val_pairs[2])) < len(val_pairs[2]):
        va, vb, vy = _val_sample(*val_pairs, params.max_val_pairs, seed)
        val_t = (torch.from_numpy(va).to(dev), torch.from_numpy(vb).to(dev), vy)
    rng = np.random.default_rng([seed, 0x5C6])
    opt = torch.optim.Adam(model.parameters(), lr=params.lr)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=_LR_STEP, gamma=_LR_GAMMA)
    scaler = torch.amp.GradScaler("cuda", enabled=dev.type == "cuda")
    best, best_state, best_epoch, since = -np.inf, None, 0, 0
    rows = []
    with _seeded(seed + 1, dev):   # dropout masks
        for epoch in range(1, params.epochs + 1):
            check_stop(should_stop)
            t0 = time.perf_counter()
            model.train()
            perm = torch.from_numpy(rng.permutation(n)).to(dev)
            total = torch.zeros((), device=dev)
            for bi, s in enumerate(range(0, n, params.batch_size)):
                if bi and bi % 20 == 0:
                    check_stop(should_stop)
                idx = perm[s:s + params.batch_size]
                with autocast(dev):
                    logit = model(ta[idx], tb[idx])
                loss = F.binary_cross_entropy_with_logits(logit.float(), ty[idx])
                opt.zero_grad(set_to_none=True)
                scaler.scale(loss).backward()
                if params.clip > 0:
                    scaler.unscale_(opt)
                    nn.utils.clip_grad_norm_(model.parameters(), params.clip)
                scaler.step(opt)
                scaler.update()
                sched.step()
                total += loss.detach() * len(idx)
            mean_loss = float(total) / n
            if not np.isfinite(mean_loss):
                raise FloatingPointError(f"scgreat: training loss became {mean_loss} in epoch {epoch}; "
                                         "lower the learning rate")
            check_stop(should_stop)
            val_auroc = float("nan")
            if val_t is not None:
                val_auroc = float(roc_auc_score(val_t[2], _logits(model, val_t[0], val_t[1], should_stop)))
            score = val_auroc if np.isfinite(val_auroc) else float(epoch)  # no val: the last epoch
            if score > best:
                best, best_epoch, since = score, epoch, 0
                best_state = {k: t.detach().clone() for k, t in model.state_dict().items()}
                if checkpoint is not None:
                    save_checkpoint(model, checkpoint)
            else:
                since += 1
            seconds = time.perf_counter() - t0
            rows.append({"epoch": epoch, "loss": mean_loss, "val_auroc": val_auroc, "seconds": seconds})
            progress(epoch, params.epochs, f"epoch {epoch}/{params.epochs}", epoch=epoch,
                     loss=mean_loss, val_auroc=val_auroc, seconds=round(seconds, 4))
            if params.patience and val_t is not None and since >= params.patience:
                break
    check_stop(should_stop)
    if checkpoint is not None:
        load_checkpoint(model, checkpoint)      # weights_only=True: proves the file round-trips
    else:
        model.load_state_dict(best_state)
    hist = pd.DataFrame(rows, columns=["epoch", "loss", "val_auroc", "seconds"])
    hist.attrs["best_epoch"] = best_epoch
    return model, hist


def _check(params, train, pairs) -> SCGREATParams:
    if params is not None and not isinstance(params, (SCGREATParams, dict)):
        raise InputError("scgreat parameters must be a SCGREATParams or a dict", where="scgreat parameters")
    params = coerce_params(SCGREATParams, params, method="scgreat")
    if params.dim % params.n_heads:
        raise InputError(f"dim={params.dim} is not divisible by n_heads={params.n_heads}",
                         where="scgreat parameters", fix="pick n_heads dividing dim (e.g. 4 for dim 128)")
    if train is None or len(train) == 0:
        raise InputError("scgreat is supervised and got no training pairs", where="scgreat",
                         fix="choose a split with training pairs (edge_random, tf_disjoint, gene_disjoint)")
    for name, frame in (("pairs", pairs), ("train", train)):
        if "dataset" in frame.columns:
            raise InputError("scgreat maps one dataset's samples to tokens; it cannot transfer to "
                             "another network's samples", where=f"scgreat ({name})",
                             fix="use edge_random, tf_disjoint or gene_disjoint")
    labels = train["label"].to_numpy()
    if labels.min() == labels.max():
        raise InputError(f"the training pairs have a single class ({labels[0]}); the classifier "
                         "needs edges and non-edges", where="scgreat", fix="use a split with negatives")
    return params


def scgreat(dataset: Dataset, pairs: pd.DataFrame, params: SCGREATParams | dict | None = None, *,
            train: pd.DataFrame | None = None, val: pd.DataFrame | None = None, seed: int = 0,
            progress=no_progress, should_stop=never_stop, device: str = "cpu", workdir=None) -> np.ndarray:
    """scGREAT (without BioBERT) logits, float64, for the rows of ``pairs``.

    Fit on ``train`` (regulator, target, label) only; ``val`` picks the epoch; the best weights go
    to ``workdir / "scgreat.pt"``. See the module docstring for the model and what stands in for
    BioBERT."""
    params = _check(params, train, pairs)
    device = str(device or "cpu")
    dev = torch.device(device)
    x = normalized_expression(dataset)
    a, b = pair_rows(train, dataset)
    train_t = (a.astype(np.int64), b.astype(np.int64), train["label"].to_numpy().astype(np.int64))
    val_pairs = None
    if val is not None and len(val):
        va, vb = pair_rows(val, dataset)
        val_pairs = (va.astype(np.int64), vb.astype(np.int64), val["label"].to_numpy().astype(np.int64))
    ckpt = Path(workdir) / "scgreat.pt" if workdir is not None else None
    # the module-level name is looked up at call time, so tests can wrap it
    model, _history = _train(x, train_t, params, seed=seed, device=device, val_pairs=val_pairs,
                             progress=progress, should_stop=should_stop, checkpoint=ckpt)
    pa, pb = (torch.from_numpy(r.astype(np.int64)).to(dev) for r in pair_rows(pairs, dataset))
    return _logits(model, pa, pb, should_stop)

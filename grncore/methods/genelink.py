"""GENELink (``genelink``): a graph attention network over the TRAINING graph, with each gene's
expression vector as its node features, separate regulator / target heads, and an edge score from
the two genes' embeddings, trained with binary cross-entropy on the training pairs.

Reference
---------
Chen G., Liu Z.-P. "Graph attention network for link prediction of gene regulations from
single-cell RNA-sequencing data." Briefings in Bioinformatics 23(6), bbac408 (2022); reference
code github.com/zpliulab/GENELink (``Code/scGNN.py``, ``Code/main.py``, ``Code/utils.py``), whose
defaults the parameters take (`grncore.methods.genelink_params`).

The math
--------
Node features: ``X`` (genes x samples), the expression normalised as for `gnt`
(`grncore.methods.gnt.normalized_expression`: log1p of counts per 10,000 for raw counts, then
z-scored per gene -- GENELink z-scores each gene with ``StandardScaler``; no labels involved).

Graph: ``A`` is the undirected adjacency of the TRAINING positives only (label-1 rows of
``train``): ``A_ij = A_ji = 1`` for every training edge ``i -> j`` (GENELink's
``Adj_Generate(direction=False)``). ``self_loops=True`` adds ``A_ii = 1`` for every gene
(GENELink's ``loop``); genes without any training edge always get ``A_ii = 1`` (see below). Let
``N(i) = {j : A_ij = 1}``.

A GAT head ``k`` of a layer with input ``H`` (genes x d_in) computes ``G = H W_k`` and, for
``j in N(i)``, ``e_ij = LeakyReLU_s(a1_k . G_i + a2_k . G_j)``, ``alpha_ij = softmax_{j in N(i)}
e_ij`` (dropout ``attn_dropout`` on ``alpha`` while training), then
``o_i = l2normalize(LeakyReLU_s(sum_{j in N(i)} alpha_ij G_j)) + b_k`` (slope ``s`` = ``slope``,
GENELink's alpha 0.2; the L2 normalisation and the bias after it are GENELink's). Layer 1 has
``heads1`` heads of size ``hidden1``, concatenated, then ELU; layer 2 has ``heads2`` heads of size
``hidden2``, averaged: the gene embedding ``z_i`` (``hidden2``).

Heads: ``u_i = LeakyReLU(W2_r Drop(LeakyReLU(W1_r z_i)))`` for the regulator role and
``v_i = LeakyReLU(W2_t Drop(LeakyReLU(W1_t z_i)))`` for the target role (``hidden3`` then
``out_dim``, slope 0.01, dropout ``mlp_dropout``). The score of a pair ``(a, b)`` is
``score="dot"``: ``u_a . v_b`` (GENELink's default); ``"cosine"``: ``cos(u_a, v_b)``;
``"mlp"``: ``w . [u_a, v_b] + c``. The loss is ``BCEWithLogits(score, label)`` over minibatches of
``batch_size`` training pairs (labels 0/1), Adam with ``lr``, the learning rate multiplied by
``lr_decay`` after every step (GENELink's ``StepLR(step_size=1, gamma=0.99)``). Every step
encodes the whole graph (as GENELink does). A test pair's score is its logit (float64; the
sigmoid would only add ties). Because the roles have separate heads, ``(a, b)`` and ``(b, a)`` get
different scores, but the graph itself is undirected.

Sparse attention: the attention runs over an edge list (``rows, cols`` index tensors), with the
softmax per row by ``scatter_reduce("amax")`` (a detached shift, the softmax does not depend on
it) and ``index_add_`` -- memory O(heads x edges x hidden), so it is not limited to a few thousand
genes as a dense genes x genes mask would be.

What differs from the reference code
------------------------------------
- Genes without a training edge: in GENELink their attention row is fully masked
  (``-9e15`` everywhere), so the softmax spreads it uniformly over ALL genes and every such gene
  gets one and the same embedding (the mean of all genes) -- its own expression is lost, which
  makes every held-out gene of ``gene_disjoint`` identical. Here they get a self-loop and keep
  their own expression.
- Dropout in the MLP heads is applied while training only (GENELink's ``F.dropout(p=0.01)``
  defaults to ``training=True`` and is also applied when scoring).
- ``score="mlp"`` is one logit with BCE; GENELink's MLP option outputs two logits for its
  softmax (``flag``) mode, which is not implemented. The unused ``weight_interact`` parameter of
  GENELink's attention layer is left out.
- Epoch choice: GENELink trains a fixed number of epochs and keeps the last; here the epoch with
  the best validation AUROC is kept (``workdir / "genelink.pt"`` when a workdir is given) and
  ``patience`` > 0 stops early, as for `gnt`. Without a usable validation part the last epoch is
  used.
- Negatives are whatever the split gives (``edge_random``: as many uniform non-edges as edges);
  GENELink's own splits sample its negatives differently (its ``Train_Test_Split.py``).

What is never seen: ``dataset.network`` is never read; the graph is built from the training
positives alone (`_train` receives them as an explicit edge array), the loss from ``train``'s
labels, ``val`` only picks the epoch, and test labels are never read. ``tests/test_genelink.py``
checks this.

Devices and protocols: the expression, the edge index tensors, the model and each epoch's
permutation live on ``device``; the forward pass runs under ``grncore.train.loop.autocast``
(float16 on CUDA, with a ``torch.amp.GradScaler``; the attention softmax and the aggregation are
computed in float32), CPU and MPS in float32. Progress after every epoch: ``epoch, loss,
val_auroc, seconds``; ``should_stop`` is polled before every epoch, every 20 steps and before
validation (`Cancelled`). Weights, dropout masks and the pair order follow ``seed`` (inside a
``torch.random.fork_rng`` block, so the caller's RNG is untouched): the same seed gives identical
scores on the CPU (``index_add_`` on CUDA uses atomics, so there only up to float noise).

Measured (BEELINE mESC TFs+500 STRING: 1,120 genes x 421 cells; split and model seed 0,
defaults, one torch thread, shared 2-core CPU at load average 23-43; ``bench/results/genelink.md``):

===========  ========  =====  ===========  =====  =====================================
split        method    AUROC  AUPRC ratio  EPR    time
===========  ========  =====  ===========  =====  =====================================
edge_random  degree    0.917  1.83         1.69
edge_random  genelink  0.928  1.80         1.71   213 s (10 epochs, best 7)
tf_disjoint  degree    0.500  1.00         1.00
tf_disjoint  genelink  0.921  9.74         12.53  123 s (7 epochs, best 4)
===========  ========  =====  ===========  =====  =====================================

Under edge_random it is level with the degree sentinel on the pairs without a training reverse
(0.905 vs 0.904). ``patience`` defaults to 3, not GENELink's "all epochs": the per-step decay
leaves the learning rate under 10% after ~5 epochs on such a set, and all 20 epochs took 529 s at
that load (edge_random: the same scores; tf_disjoint: AUROC 0.930 with 20 epochs).
"""

from __future__ import annotations

import contextlib
import math
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from ..data import Dataset, InputError
from ..data.genes import pair_rows
from ..train.loop import autocast, save_checkpoint
from ..train.progress import check_stop, never_stop, no_progress
from .base import coerce_params
from .genelink_params import GENELinkParams
from .gnt import normalized_expression

__all__ = ["GENELinkParams", "genelink", "GENELink", "GATLayer", "training_graph"]

_CHUNK = 100_000   # pairs scored per decoder call


# ---------------------------------------------------------------------- graph
def training_graph(edges: np.ndarray, n_genes: int, self_loops: bool) -> tuple[np.ndarray, np.ndarray]:
    """Edge list ``(rows, cols)`` of the undirected training graph: ``i`` attends to ``j`` for
    every training edge in either direction, plus ``(i, i)`` for every gene when ``self_loops``
    and otherwise for genes without any edge. Sorted by ``(row, col)``, duplicates removed."""
    edges = np.asarray(edges, np.int64).reshape(-1, 2)
    both = np.concatenate([edges, edges[:, ::-1]])
    if self_loops:
        loops = np.arange(n_genes)
    else:
        loops = np.setdiff1d(np.arange(n_genes), both[:, 0])
    both = np.unique(np.concatenate([both, np.stack([loops, loops], 1)]), axis=0)
    return both[:, 0].copy(), both[:, 1].copy()


# ---------------------------------------------------------------------- the model
class GATLayer(nn.Module):
    """``heads`` GENELink attention heads over an edge list; returns (heads, genes, d_out)."""

    def __init__(self, d_in: int, d_out: int, heads: int, slope: float, dropout: float):
        super().__init__()
        self.slope, self.dropout = float(slope), float(dropout)
        self.weight = nn.Parameter(torch.empty(heads, d_in, d_out))
        self.a_row = nn.Parameter(torch.empty(heads, d_out))
        self.a_col = nn.Parameter(torch.empty(heads, d_out))
        self.bias = nn.Parameter(torch.zeros(heads, d_out))
        with torch.no_grad():   # GENELink: xavier_uniform(gain 1.414) on W (d_in x d_out) and a (2 d_out x 1)
            nn.init.uniform_(self.weight, -1.414 * math.sqrt(6 / (d_in + d_out)), 1.414 * math.sqrt(6 / (d_in + d_out)))
            bound = 1.414 * math.sqrt(6 / (2 * d_out + 1))
            nn.init.uniform_(self.a_row, -bound, bound)
            nn.init.uniform_(self.a_col, -bound, bound)

    def forward(self, x: torch.Tensor, rows: torch.Tensor, cols: torch.Tensor) -> torch.Tensor:
        n, heads = x.shape[0], self.weight.shape[0]
        g = torch.einsum("ni,hio->hno", x, self.weight).float()               # (H, n, d)
        e = F.leaky_relu((g * self.a_row[:, None]).sum(-1)[:, rows]
                         + (g * self.a_col[:, None]).sum(-1)[:, cols], self.slope)  # (H, E)
        idx = rows.expand(heads, -1)
        top = torch.full((heads, n), -torch.inf, device=x.device).scatter_reduce(
            1, idx, e.detach(), "amax", include_self=True)
        w = torch.exp(e - top[:, rows])
        att = w / torch.zeros((heads, n), device=x.device).index_add_(1, rows, w)[:, rows]
        att = F.dropout(att, self.dropout, self.training)
        out = torch.zeros_like(g).index_add_(1, rows, att[..., None] * g[:, cols])
        return F.normalize(F.leaky_relu(out, self.slope), p=2, dim=-1) + self.bias[:, None]


class GENELink(nn.Module):
    """Two GAT layers -> gene embedding -> regulator / target MLP heads -> pair score."""

    def __init__(self, n_samples: int, p: GENELinkParams):
        super().__init__()
        self.score, self.mlp_dropout = p.score, float(p.mlp_dropout)
        self.gat1 = GATLayer(n_samples, p.hidden1, p.heads1, p.slope, p.attn_dropout)
        self.gat2 = GATLayer(p.heads1 * p.hidden1, p.hidden2, p.heads2, p.slope, p.attn_dropout)
        self.reg1, self.tgt1 = nn.Linear(p.hidden2, p.hidden3), nn.Linear(p.hidden2, p.hidden3)
        self.reg2, self.tgt2 = nn.Linear(p.hidden3, p.out_dim), nn.Linear(p.hidden3, p.out_dim)
        for lin in (self.reg1, self.tgt1, self.reg2, self.tgt2):
            nn.init.xavier_uniform_(lin.weight, gain=1.414)
        self.pair = nn.Linear(2 * p.out_dim, 1) if p.score == "mlp" else None

    def _head(self, z, first, second):
        h = F.dropout(F.leaky_relu(first(z)), self.mlp_dropout, self.training)
        return F.leaky_relu(second(h))

    def encode(self, x, rows, cols) -> tuple[torch.Tensor, torch.Tensor]:
        """Regulator and target embeddings (genes x out_dim) of every gene."""
        h = self.gat1(x, rows, cols)
        h = F.elu(h.permute(1, 0, 2).reshape(x.shape[0], -1))    # concatenate the heads
        z = self.gat2(h, rows, cols).mean(0)                       # average the heads
        return self._head(z, self.reg1, self.reg2), self._head(z, self.tgt1, self.tgt2)

    def decode(self, u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        """Logit of each pair from its regulator embedding ``u`` and target embedding ``v``."""
        if self.score == "dot":
            return (u * v).sum(-1)
        if self.score == "cosine":
            return F.cosine_similarity(u, v, dim=-1)
        return self.pair(torch.cat([u, v], -1)).squeeze(-1)


@contextlib.contextmanager
def _seeded(seed: int, device: torch.device):
    """``torch.manual_seed(seed)`` for the block, restoring the caller's RNG state afterwards."""
    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


# ---------------------------------------------------------------------- training
@torch.no_grad()
def _pair_logits(model: GENELink, x, rows, cols, a: torch.Tensor, b: torch.Tensor) -> np.ndarray:
    """Eval-mode logits (float64, CPU) of the pairs ``(a, b)`` (gene row tensors)."""
    was = model.training
    model.eval()
    with autocast(x.device):
        u, v = model.encode(x, rows, cols)
    u, v = u.float(), v.float()
    out = [model.decode(u[a[s:s + _CHUNK]], v[b[s:s + _CHUNK]]).float().cpu()
           for s in range(0, len(a), _CHUNK)]
    model.train(was)
    return torch.cat(out).numpy().astype(np.float64) if out else np.zeros(0, np.float64)


def _train(x: np.ndarray, edges: np.ndarray, pairs: tuple[np.ndarray, np.ndarray, np.ndarray],
           params: GENELinkParams, *, seed: int, device: str, val_pairs=None,
           progress=no_progress, should_stop=never_stop, checkpoint: Path | None = None):
    """Train on ``pairs`` = (regulator rows, target rows, labels) of the training pairs over the
    graph of ``edges`` (E, 2) -- the training positives, the only graph information this function
    ever gets. Returns the trained model (best validation epoch), the graph tensors and history."""
    from sklearn.metrics import roc_auc_score

    dev = torch.device(device)
    xt = torch.from_numpy(np.ascontiguousarray(x)).to(dev)
    r, c = training_graph(edges, x.shape[0], params.self_loops)
    rows, cols = torch.from_numpy(r).to(dev), torch.from_numpy(c).to(dev)
    a_t, b_t = (torch.from_numpy(np.asarray(t, np.int64)).to(dev) for t in pairs[:2])
    y_t = torch.from_numpy(np.asarray(pairs[2], np.float32)).to(dev)
    n = len(y_t)
    val_t = None
    if val_pairs is not None and len(val_pairs[2]) and 0 < int(np.sum(val_pairs[2])) < len(val_pairs[2]):
        val_t = tuple(torch.from_numpy(np.asarray(t, np.int64)).to(dev) for t in val_pairs[:2]) + \
            (np.asarray(val_pairs[2]),)
    with _seeded(seed, dev):
        model = GENELink(x.shape[1], params).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=params.lr)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=params.lr_decay)
    scaler = torch.amp.GradScaler("cuda", enabled=dev.type == "cuda")
    rng = np.random.default_rng([seed, 0x6E1])
    best, best_state, since, rows_out = -np.inf, None, 0, []
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
                    u, v = model.encode(xt, rows, cols)
                    logit = model.decode(u[a_t[idx]], v[b_t[idx]])
                loss = F.binary_cross_entropy_with_logits(logit.float(), y_t[idx])
                opt.zero_grad(set_to_none=True)
                scaler.scale(loss).backward()
                scaler.step(opt)
                scaler.update()
                sched.step()
                total += loss.detach() * len(idx)
            mean_loss = float(total) / n
            if not np.isfinite(mean_loss):
                raise FloatingPointError(f"genelink: training loss became {mean_loss} in epoch {epoch}; "
                                         "lower the learning rate")
            check_stop(should_stop)
            val_auroc = float("nan")
            if val_t is not None:
                val_auroc = float(roc_auc_score(val_t[2], _pair_logits(model, xt, rows, cols, *val_t[:2])))
            score = val_auroc if np.isfinite(val_auroc) else float(epoch)   # no val: the last epoch
            if score > best:
                best, since = score, 0
                best_state = {k: t.detach().clone() for k, t in model.state_dict().items()}
                if checkpoint is not None:
                    save_checkpoint(model, checkpoint)
            else:
                since += 1
            seconds = time.perf_counter() - t0
            rows_out.append({"epoch": epoch, "loss": mean_loss, "val_auroc": val_auroc, "seconds": seconds})
            progress(epoch, params.epochs, f"epoch {epoch}/{params.epochs}", epoch=epoch, loss=mean_loss,
                     val_auroc=val_auroc, seconds=round(seconds, 4))
            if params.patience and np.isfinite(val_auroc) and since >= params.patience:
                break
    model.load_state_dict(best_state)
    return model, (xt, rows, cols), pd.DataFrame(rows_out, columns=["epoch", "loss", "val_auroc", "seconds"])


def _check_params(params) -> GENELinkParams:
    if params is not None and not isinstance(params, (GENELinkParams, dict)):
        raise InputError("genelink parameters must be a GENELinkParams or a dict", where="genelink parameters")
    return coerce_params(GENELinkParams, params, method="genelink")


def genelink(dataset: Dataset, pairs: pd.DataFrame, params: GENELinkParams | dict | None = None, *,
             train: pd.DataFrame | None = None, val: pd.DataFrame | None = None, seed: int = 0,
             progress=no_progress, should_stop=never_stop, device: str = "cpu", workdir=None) -> np.ndarray:
    """GENELink logits (float64) for the rows of ``pairs``: a GAT over the training positives of
    ``train``, trained with BCE on ``train``'s labels; ``val`` picks the epoch (best weights to
    ``workdir / "genelink.pt"``). See the module docstring for the model."""
    params = _check_params(params)
    if train is None or len(train) == 0:
        raise InputError("genelink is supervised and got no training pairs", where="genelink",
                         fix="choose a split with training pairs (edge_random, tf_disjoint, gene_disjoint)")
    for name, frame in (("pairs", pairs), ("train", train)):
        if "dataset" in frame.columns:
            raise InputError("genelink attends over one dataset's training graph; it cannot transfer "
                             "to another network", where=f"genelink ({name})",
                             fix="use edge_random, tf_disjoint or gene_disjoint")
    labels = train["label"].to_numpy().astype(np.int64)
    if labels.min() == labels.max():
        raise InputError(f"the training pairs have a single class ({labels[0]}); the BCE loss needs "
                         "edges and non-edges", where="genelink", fix="use a split with negatives")
    ta, tb = pair_rows(train, dataset)
    pos = labels == 1
    edges = np.stack([ta[pos], tb[pos]], axis=1).astype(np.int64)
    val_pairs = None
    if val is not None and len(val):
        va, vb = pair_rows(val, dataset)
        val_pairs = (va, vb, val["label"].to_numpy())
    ckpt = Path(workdir) / "genelink.pt" if workdir is not None else None
    # the module-level name is looked up at call time, so tests can wrap it
    model, (xt, rows, cols), _history = _train(
        normalized_expression(dataset), edges, (ta, tb, labels), params, seed=seed,
        device=str(device or "cpu"), val_pairs=val_pairs, progress=progress, should_stop=should_stop,
        checkpoint=ckpt)
    check_stop(should_stop)
    pa, pb = pair_rows(pairs, dataset)
    dev = xt.device
    return _pair_logits(model, xt, rows, cols, torch.from_numpy(pa.astype(np.int64)).to(dev),
                        torch.from_numpy(pb.astype(np.int64)).to(dev))

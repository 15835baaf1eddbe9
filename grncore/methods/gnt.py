"""GeneNet Transformer (``gnt``) and its ancestor GNE (``gne``): gene embeddings learned from the
TRAINING edges, Hadamard edge features, an SVM edge classifier.

References
----------
- ``gnt``: "GeneNet Transformer", thesis (``papers/genenet-transformer-thesis.txt``), chapter 4
  (phases 1-3) and section 5.4.2 (parameters: id/attr/representation size 128, alpha 1,
  n_neg_samples 10, epoch 30, batch size 256, learning rate 0.002).
- ``gne``: Kc, Li, Cui, Yu, Haake. "GNE: a deep learning framework for gene network inference by
  aggregating biological information." BMC Systems Biology 13 (Suppl 2), 38 (2019); reference code
  github.com/kckishan/GNE (defaults there: epoch 20, learning rate 0.005, early stop after 2 epochs
  without validation improvement).

The math (both methods)
-----------------------
Every gene ``i`` has an id (the thesis's one-hot vector, an ``nn.Embedding`` row ``V_i^(id)``) and
an expression vector ``x_i`` over the samples (normalised, see below). Both are mapped to ``d``
dimensions and combined into a gene token:

- ``gnt``: ``t_i = V_i^(id) + alpha * (W^(att) x_i + b)`` -- the thesis *sums* the two
  d-dimensional vectors (its "sum of multiplication of V^(att) with W^(a) and V^(id) with W^(b)";
  its second pair of matrices ``W^(a), W^(b)`` directly follows the first pair and a product of
  linear maps is one linear map, so they are folded into ``nn.Embedding`` / ``nn.Linear``). The
  token sequence goes through two ``nn.TransformerEncoder`` layers (``n_heads`` heads, ``ff_dim``
  feed-forward, post-norm, ``dropout``); the output at position 0 is the gene embedding ``z_i``
  (``d``). What the sequence is, the thesis does not say; its text says "this vector is fed forward
  into two transformer encoder layer[s]" (one vector per gene) and also that self-attention
  "weighs the interactions between nodes ... (neighbourhood dependencies)". Default
  (``context=0``): the sequence is the gene's one token -- the literal reading; self-attention over
  a single token is then a fixed linear map (softmax over one key is 1), so the encoder acts as a
  residual MLP with layer norms. ``context=k`` makes the sequence ``[t_i, t_n1, ..., t_nk]``: the
  gene followed by up to ``k`` of its neighbours in the *training* graph (key-padding-masked when
  it has fewer), so attention really runs over a gene's neighbourhood. While training on the
  example ``(i -> j)``, ``j`` is masked out of ``i``'s context so the target is never copied from
  the input; to score, each gene's context is a fixed seeded sample of up to ``k`` training
  neighbours. Measured on simulated data it was no better than ``context=0`` at (k+1) times the
  cost (2.5-3x for k=4), which would break the two-minute budget on BEELINE TFs+500 sets on a
  2-core CPU -- hence the default.
- ``gne``: as in the GNE code: ``u_i = [l2norm(V_i^(id)), alpha * l2norm(elu(W^(att) x_i))]``
  (concatenation), dropout 0.5, ``z_i = tanh(W^(h) u_i)``.

Neighbour objective (phase 1). The training graph is the TRAINING positives only (label 1 rows of
``train``), made undirected as GNE does: each edge ``a -> b`` gives the examples ``(a, b)`` and
``(b, a)``. For an example ``(i, j)`` the model predicts ``j`` among all genes with a softmax
``p(j | i) = softmax_j(w_j . z_i + c_j)`` (output matrix ``W^(out)``, bias ``c``), estimated by a
sampled softmax with ``n_neg`` negatives drawn uniformly over genes (accidental hits of ``j`` are
masked; with a uniform proposal the sampled-softmax correction ``-log q`` is a constant and
cancels) and cross-entropy loss, Adam with ``lr``, minibatches of ``batch_size`` examples.
Validation: each epoch the val pairs are scored by the model's own symmetric neighbour logit
``(w_b.z_a + c_b + w_a.z_b + c_a) / 2`` (GNE selects epochs with a dot-product score like this);
its AUROC is reported as ``val_auroc``, the best epoch's weights are kept (``workdir / "gnt.pt"``
or ``"gne.pt"``) and restored, and ``patience`` > 0 stops after that many epochs without
improvement. Without a usable validation part (none, or one class) the last epoch is used.

Edge features (phase 2). ``f(a, b) = e_a * e_b`` (Hadamard product, ``d`` features) with
``e_i = z_i + w_i``: encoder output plus output (context) embedding, as the GNE code builds its
final embedding. The thesis only says "gene embeddings of dimension d obtained from the GNT
model"; ``z`` alone captures only second-order proximity (genes sharing neighbours), while the
``z_a . w_b`` term inside ``e_a . e_b`` is what the objective trained to be large for neighbours
(measured: mESC edge_random AUROC 0.968 with ``z + w`` vs 0.962 with ``z``; simulated data
likewise +0.01-0.03). The Hadamard product is symmetric, so ``(a, b)`` and ``(b, a)`` get the
same score: like the thesis, the model does not tell a regulator from its target.

Classifier (phase 3). Features are standardised (``StandardScaler`` fit on the training pairs)
and an SVM is fit on the training pairs with their labels; a pair's score is the SVM's
``decision_function`` (signed distance to the margin, float64). Scaling: a kernel ``SVC`` (RBF,
``gamma="scale"``, ``C=svm_c``) costs between O(n^2) and O(n^3) time in the number ``n`` of
training pairs, and O(n_test * n_support) to score. Measured on the 2-core CPU (d=128, shared
load): fit 5,000 pairs 2.3 s, 10,000 pairs 8.5 s, 20,000 pairs 50 s; scoring 10,000 pairs with a
model fit on 10,000 pairs 12 s. ``svm="auto"`` (default) uses it while ``n <= max_kernel_pairs``
(20,000) and ``n * n_test <= 2e8`` (about 20 s of scoring), and otherwise switches to a
linear-time approximation of the same model: an RBF Nystroem feature map (1,000 landmarks drawn
with the run's seed, the same gamma) followed by a linear SVM (``LinearSVC``, hinge loss) --
every training pair is used, nothing is subsampled; measured: fit 10-20 s for 5,000-40,000 pairs,
scoring 10,000 pairs in under 1 s. (Under ``tf_disjoint`` the test part holds every pair of the
held-out TFs -- about 10^5 pairs on a TFs+500 set -- which is what sends it to Nystroem.)
``svm="rbf"`` / ``"linear"`` force one (``"linear"``: a plain ``LinearSVC`` on the features).
Pairs are scored in chunks of 100,000, so memory stays bounded for millions of candidate pairs.

What is never seen. The test pairs never enter any step: the embedding trainer receives only the
training positives (`_train_embeddings` gets them as an explicit edge array; ``dataset.network``
is never read), the scaler and the SVM are fit on ``train`` only, the validation pairs only pick
the epoch. ``tests/test_gnt.py`` checks this by recording what the trainer receives and by
checking that scores do not change when ``dataset.network`` changes.

Measured (BEELINE mESC TFs+500 STRING: 1,120 genes x 421 cells, 7,762 edges; split seed 0,
model seed 0, defaults, CPU with one torch thread on a shared 2-core machine):

=============  ======  =====  ===========  ======  ==========================================
split          method  AUROC  AUPRC ratio  EPR     time
=============  ======  =====  ===========  ======  ==========================================
edge_random    degree  0.917  1.83         1.69
edge_random    gnt     0.969  1.95         1.83    80 s (30 epochs x 2.1 s + SVM on 12,420 pairs)
edge_random    gne     0.981  1.97         1.91    15 s (early stop after 13 epochs)
tf_disjoint    degree  0.500  1.00         1.00    (held-out TFs have no training out-degree)
tf_disjoint    gnt     0.921  22.0         25.2    76 s (Nystroem head: 82,806 test pairs)
tf_disjoint    gne     0.974  36.4         36.8    35 s
gene_disjoint  degree  0.500  1.00         1.00
gene_disjoint  gnt     0.603  1.99         4.45    40 s
gene_disjoint  gne     0.561  1.81         3.63    8 s
=============  ======  =====  ===========  ======  ==========================================

Read the tf_disjoint row with care: STRING is symmetric, and 802 of the 1,343 test edges have
their reverse among the training edges; both the undirected neighbour objective and the symmetric
Hadamard feature use that (a "reverse edge in training" score alone has AUPRC ratio 37.2, target
in-degree alone AUROC 0.87). On the test pairs without a reverse training edge gnt has AUROC
0.877, gne 0.948. Only gene_disjoint, where no test gene has a training edge, measures what the
expression part contributes: little. The embeddings are transductive (a learned id per gene).

Expression normalisation (no labels involved): raw counts (detected by
`grncore.data.preprocess.detect_scale`) get ``log1p`` of counts per 10,000; then every gene is
z-scored over the samples (constant genes become 0), as GNE standardises its attributes.

Devices. ``device`` is a resolved torch device string. The expression matrix, the model and
every epoch's sampled indices live on the device (one host-to-device copy of the indices per
epoch, none per step); on CUDA the forward pass runs under ``grncore.train.loop.autocast``
(float16) with a ``torch.amp.GradScaler``, and the embeddings are computed under the same
autocast; CPU and Apple MPS run in float32. The training loop is this module's own (not
``grncore.train.loop.fit``, which trains on fixed tensors): negatives and contexts are redrawn
every epoch. It follows the same protocol: progress per epoch with ``epoch, loss, val_auroc,
seconds`` (``val_auroc`` NaN without validation), ``should_stop`` polled before every epoch, every
20 batches and before validation, best weights saved with ``save_checkpoint`` (a plain state dict,
atomic) and read back with ``load_checkpoint`` (``torch.load(weights_only=True)``).
Randomness: initial weights, dropout, the example order, negative and context samples all follow
``seed`` (numpy ``default_rng`` for the samples; ``torch.manual_seed`` inside a
``torch.random.fork_rng`` block, so the caller's RNG state is left as it was), so on CPU the same
seed gives identical scores.
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
# the parameters are torch-free, in `grncore.methods.gnt_params` (re-exported here)
from .gnt_params import GNEParams, GNTParams

__all__ = ["GNTParams", "GNEParams", "gnt", "gne", "GeneEncoder",
           "normalized_expression", "gene_embeddings", "embeddings_from_checkpoint"]

_CHUNK = 100_000          # pairs scored per SVM call
_NYSTROEM_COMPONENTS = 1000
_MAX_KERNEL_WORK = 2e8    # training pairs x pairs to score above which "auto" leaves the kernel SVC


def _check_params(params, arch: str):
    """A validated params instance for ``arch`` from None, a dict or an instance."""
    cls = GNTParams if arch == "gnt" else GNEParams
    if params is not None and not isinstance(params, (cls, dict)):
        raise InputError(f"{arch} parameters must be a {cls.__name__} or a dict",
                         where=f"{arch} parameters")
    params = coerce_params(cls, params, method=arch)
    if arch == "gnt" and params.dim % params.n_heads:
        raise InputError(f"dim={params.dim} is not divisible by n_heads={params.n_heads}",
                         where="gnt parameters", fix="pick n_heads dividing dim (e.g. 4 for dim 128)")
    return params


# ---------------------------------------------------------------------- data preparation
def normalized_expression(dataset: Dataset) -> np.ndarray:
    """genes x samples float32: log1p(CP10k) for raw counts, then z-score per gene."""
    from ..data.preprocess import detect_scale

    x = dataset.expression.to_numpy(dtype=np.float32, copy=True)
    if detect_scale(x).kind == "counts":
        lib = x.sum(axis=0, keepdims=True)
        lib[lib == 0] = 1.0
        x = np.log1p(x * (1e4 / lib))
    mu = x.mean(axis=1, keepdims=True)
    sd = x.std(axis=1, keepdims=True)
    sd[sd < 1e-8] = 1.0
    return ((x - mu) / sd).astype(np.float32)


def _train_positive_edges(train: pd.DataFrame, dataset: Dataset) -> np.ndarray:
    """(E, 2) int64 gene rows (regulator, target) of the positive TRAINING pairs."""
    pos = train[train["label"].to_numpy() == 1]
    reg, tgt = pair_rows(pos, dataset)
    return np.stack([reg, tgt], axis=1).astype(np.int64)


class _Neighbours:
    """The undirected training graph as CSR (duplicates removed)."""

    def __init__(self, edges: np.ndarray, n_genes: int):
        both = np.concatenate([edges, edges[:, ::-1]]) if len(edges) else np.zeros((0, 2), np.int64)
        both = np.unique(both, axis=0)   # sorted by (source, neighbour)
        self.n = n_genes
        self.src, self.dst = both[:, 0], both[:, 1]
        self.deg = np.bincount(self.src, minlength=n_genes).astype(np.int64)
        self.indptr = np.concatenate([[0], np.cumsum(self.deg)]).astype(np.int64)

    def train_context(self, u: np.ndarray, v: np.ndarray, k: int, rng) -> tuple[np.ndarray, np.ndarray]:
        """k neighbours of each u drawn with replacement; padding mask where none or == v."""
        deg = self.deg[u]
        r = np.floor(rng.random((len(u), k)) * np.maximum(deg, 1)[:, None]).astype(np.int64)
        idx = np.minimum(self.indptr[u][:, None] + r, max(len(self.dst) - 1, 0))
        nbr = self.dst[idx] if len(self.dst) else np.zeros((len(u), k), np.int64)
        pad = (deg[:, None] == 0) | (nbr == v[:, None])
        return np.where(pad, 0, nbr), pad

    def fixed_context(self, k: int, rng) -> tuple[np.ndarray, np.ndarray]:
        """(n_genes, k): up to k distinct neighbours per gene (a seeded random choice)."""
        ctx = np.zeros((self.n, k), np.int64)
        pad = np.ones((self.n, k), bool)
        if len(self.src) and k:
            keys = rng.random(len(self.src))
            order = np.lexsort((keys, self.src))
            src, dst = self.src[order], self.dst[order]
            rank = np.arange(len(src)) - self.indptr[src]
            keep = rank < k
            ctx[src[keep], rank[keep]] = dst[keep]
            pad[src[keep], rank[keep]] = False
        return ctx, pad


# ---------------------------------------------------------------------- the model
class GeneEncoder(nn.Module):
    """Gene id + expression -> embedding ``z`` (``arch`` "gnt" or "gne"), with the output
    (context) embedding ``W^(out)``/``c`` of the sampled softmax. See the module docstring."""

    def __init__(self, n_genes: int, n_samples: int, params, arch: str = "gnt"):
        super().__init__()
        d = params.dim
        self.arch = arch
        self.alpha = float(params.alpha)
        self.id_embed = nn.Embedding(n_genes, d)
        self.attr = nn.Linear(n_samples, d)
        if arch == "gnt":
            layer = nn.TransformerEncoderLayer(d, params.n_heads, params.ff_dim, params.dropout,
                                               batch_first=True)
            self.encoder = nn.TransformerEncoder(layer, params.n_layers, enable_nested_tensor=False)
        elif arch == "gne":
            self.drop = nn.Dropout(params.dropout)
            self.hidden = nn.Linear(2 * d, d, bias=False)
        else:
            raise ValueError(f"unknown arch {arch!r}")
        self.out = nn.Embedding(n_genes, d)
        self.out_bias = nn.Parameter(torch.zeros(n_genes))
        self.register_buffer("x", torch.zeros(n_genes, n_samples), persistent=False)

    def set_expression(self, x: torch.Tensor) -> None:
        self.x = x.to(self.x.device, torch.float32)

    def forward(self, genes: torch.Tensor, ctx: torch.Tensor | None = None,
                pad: torch.Tensor | None = None) -> torch.Tensor:
        """Embeddings ``z`` (B, d) of ``genes`` (B,); ``ctx``/``pad`` (B, k) context genes and
        their padding mask (True = ignore), used by "gnt" only."""
        if self.arch == "gne":
            idv = F.normalize(self.id_embed(genes), dim=-1)
            att = F.normalize(F.elu(self.attr(self.x[genes])), dim=-1)
            return torch.tanh(self.hidden(self.drop(torch.cat([idv, self.alpha * att], dim=-1))))
        seq = genes[:, None] if ctx is None or ctx.shape[1] == 0 else torch.cat([genes[:, None], ctx], 1)
        tok = self.id_embed(seq) + self.alpha * self.attr(self.x[seq])
        mask = None
        if seq.shape[1] > 1:
            mask = torch.cat([torch.zeros_like(pad[:, :1]), pad], 1)
        return self.encoder(tok, src_key_padding_mask=mask)[:, 0]

    def logits(self, z: torch.Tensor, cand: torch.Tensor) -> torch.Tensor:
        """Neighbour logits ``w_c . z + b_c`` for candidate genes ``cand`` (B, m) -> (B, m)."""
        return torch.einsum("bd,bmd->bm", z, self.out(cand)) + self.out_bias[cand]


def _init_weights(model: nn.Module) -> None:
    """Deterministic init in registration order from the (seeded) global generator."""
    for name, p in model.named_parameters():
        with torch.no_grad():
            if name.startswith(("id_embed", "out.")):
                nn.init.normal_(p, 0.0, 0.1)
            elif p.dim() > 1:
                nn.init.xavier_uniform_(p)


@contextlib.contextmanager
def _seeded(seed: int, device: torch.device):
    """``torch.manual_seed(seed)`` for the block, restoring the caller's RNG state afterwards."""
    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


# ---------------------------------------------------------------------- training (phase 1)
@torch.no_grad()
def _encode_all(model: GeneEncoder, ctx: torch.Tensor, pad: torch.Tensor, batch: int = 4096) -> torch.Tensor:
    """``z`` of every gene (float32, on the model's device), in eval mode."""
    was = model.training
    model.eval()
    dev = model.out_bias.device
    out = []
    n = model.id_embed.num_embeddings
    with autocast(dev):
        for s in range(0, n, batch):
            g = torch.arange(s, min(s + batch, n), device=dev)
            out.append(model(g, ctx[s:s + batch], pad[s:s + batch]).float())
    model.train(was)
    return torch.cat(out)


def _feature_embeddings(model: GeneEncoder, ctx: torch.Tensor, pad: torch.Tensor) -> np.ndarray:
    """The genes x d embeddings used as edge features: ``z + w`` (encoder output plus output
    embedding, as GNE does), float32 on the CPU."""
    z = _encode_all(model, ctx, pad)
    with torch.no_grad():
        e = z + model.out.weight.detach().float()
    return e.cpu().numpy().astype(np.float32)


@torch.no_grad()
def _val_auroc(model: GeneEncoder, z: torch.Tensor, val_t) -> float:
    """AUROC of the symmetric neighbour logit on the validation pairs (NaN without them)."""
    if val_t is None:
        return float("nan")
    from sklearn.metrics import roc_auc_score

    a, b, y = val_t
    w, c = model.out.weight.float(), model.out_bias.float()
    s = 0.5 * ((z[a] * w[b]).sum(1) + c[b] + (z[b] * w[a]).sum(1) + c[a])
    return float(roc_auc_score(y, s.cpu().numpy().astype(np.float64)))


def _context_k(params, arch: str) -> int:
    return int(getattr(params, "context", 0)) if arch == "gnt" else 0


def _build(x: np.ndarray, edges: np.ndarray, params, arch: str, seed: int, dev: torch.device):
    """The (seeded) model on ``dev`` with its expression, and every gene's fixed context."""
    n_genes, n_samples = x.shape
    nb = _Neighbours(edges, n_genes)
    with _seeded(seed, dev):
        model = GeneEncoder(n_genes, n_samples, params, arch)
        _init_weights(model)
    model.to(dev)
    model.set_expression(torch.from_numpy(np.ascontiguousarray(x)).to(dev))
    fctx, fpad = nb.fixed_context(_context_k(params, arch), np.random.default_rng([seed, 0xC7]))
    return model, nb, torch.from_numpy(fctx).to(dev), torch.from_numpy(fpad).to(dev)


def _train_embeddings(x: np.ndarray, edges: np.ndarray, params, *, arch: str, seed: int,
                      device: str, val_pairs=None, progress=no_progress, should_stop=never_stop,
                      checkpoint: Path | None = None) -> tuple[np.ndarray, pd.DataFrame]:
    """Phase 1. ``x``: genes x samples normalised expression; ``edges``: (E, 2) gene rows of the
    TRAINING positives -- the only graph information this function ever gets; ``val_pairs``:
    optional (a, b, labels) arrays to pick the epoch. Returns the genes x d float32 embeddings
    used as edge features and the per-epoch history (epoch, loss, val_auroc, seconds)."""
    dev = torch.device(device)
    n_genes = x.shape[0]
    if len(edges) == 0:
        raise InputError("no positive training pair: the neighbour objective needs training edges",
                         where=f"{arch} training", fix="use a split with training positives")
    model, nb, fctx_t, fpad_t = _build(x, edges, params, arch, seed, dev)
    k = _context_k(params, arch)
    u = np.concatenate([edges[:, 0], edges[:, 1]]).astype(np.int64)
    v = np.concatenate([edges[:, 1], edges[:, 0]]).astype(np.int64)
    n_ex = len(u)
    rng = np.random.default_rng([seed, 0x6E7])
    opt = torch.optim.Adam(model.parameters(), lr=params.lr)
    use_amp = dev.type == "cuda"
    scaler = torch.amp.GradScaler("cuda", enabled=use_amp)
    u_t, v_t = torch.from_numpy(u).to(dev), torch.from_numpy(v).to(dev)
    zero_t = torch.zeros(min(params.batch_size, n_ex), dtype=torch.long, device=dev)
    val_t = None
    if val_pairs is not None:
        a, b, y = val_pairs
        if len(y) and 0 < int(np.sum(y)) < len(y):
            val_t = (torch.from_numpy(a).to(dev), torch.from_numpy(b).to(dev), np.asarray(y))
    best, best_state, best_epoch, since = -np.inf, None, 0, 0
    rows = []
    with _seeded(seed + 1, dev):   # dropout masks
        for epoch in range(1, params.epochs + 1):
            check_stop(should_stop)
            t0 = time.perf_counter()
            model.train()
            perm = torch.from_numpy(rng.permutation(n_ex)).to(dev)
            negs = torch.from_numpy(rng.integers(0, n_genes, size=(n_ex, params.n_neg))).to(dev)
            if k:
                c, p = nb.train_context(u, v, k, rng)
                ctx_all, pad_all = torch.from_numpy(c).to(dev), torch.from_numpy(p).to(dev)
            total = torch.zeros((), device=dev)
            for bi, s in enumerate(range(0, n_ex, params.batch_size)):
                if bi and bi % 20 == 0:
                    check_stop(should_stop)
                idx = perm[s:s + params.batch_size]
                gi, gj, ng = u_t[idx], v_t[idx], negs[idx]
                with autocast(dev):
                    z = model(gi, ctx_all[idx], pad_all[idx]) if k else model(gi)
                    lg = model.logits(z, torch.cat([gj[:, None], ng], 1))
                hit = torch.cat([torch.zeros_like(gj[:, None], dtype=torch.bool), ng == gj[:, None]], 1)
                lg = lg.float().masked_fill(hit, -1e9)   # accidental hits of the true neighbour
                loss = F.cross_entropy(lg, zero_t[:len(idx)])
                opt.zero_grad(set_to_none=True)
                scaler.scale(loss).backward()
                scaler.step(opt)
                scaler.update()
                total += loss.detach() * len(idx)
            mean_loss = float(total) / n_ex
            if not np.isfinite(mean_loss):
                raise FloatingPointError(f"{arch}: training loss became {mean_loss} in epoch {epoch}; "
                                         "lower the learning rate")
            check_stop(should_stop)
            val_auroc = _val_auroc(model, _encode_all(model, fctx_t, fpad_t), val_t)
            score = val_auroc if np.isfinite(val_auroc) else float(epoch)  # no val: the last epoch
            if score > best:
                best, best_epoch, since = score, epoch, 0
                best_state = {kk: t.detach().clone() for kk, t in model.state_dict().items()}
                if checkpoint is not None:
                    save_checkpoint(model, checkpoint)
            else:
                since += 1
            seconds = time.perf_counter() - t0
            rows.append({"epoch": epoch, "loss": mean_loss, "val_auroc": val_auroc, "seconds": seconds})
            progress(epoch, params.epochs, f"epoch {epoch}/{params.epochs}", epoch=epoch,
                     loss=mean_loss, val_auroc=val_auroc, seconds=round(seconds, 4))
            if params.patience and np.isfinite(val_auroc) and since >= params.patience:
                break
    check_stop(should_stop)
    if checkpoint is not None:
        load_checkpoint(model, checkpoint)      # weights_only=True: proves the file round-trips
    else:
        model.load_state_dict(best_state)
    hist = pd.DataFrame(rows, columns=["epoch", "loss", "val_auroc", "seconds"])
    hist.attrs["best_epoch"] = best_epoch
    return _feature_embeddings(model, fctx_t, fpad_t), hist


def embeddings_from_checkpoint(path, dataset: Dataset, train: pd.DataFrame, params=None, *,
                               arch: str = "gnt", seed: int = 0, device: str = "cpu") -> np.ndarray:
    """The edge-feature embeddings (genes x d) of a saved ``gnt.pt``/``gne.pt`` without training:
    the model is rebuilt for ``dataset`` and the training graph of ``train`` (needed for the
    context tokens), and its weights are read with ``torch.load(weights_only=True)``."""
    params = _check_params(params, arch)
    dev = torch.device(device)
    model, _, fctx, fpad = _build(normalized_expression(dataset), _train_positive_edges(train, dataset),
                                  params, arch, seed, dev)
    load_checkpoint(model, path)
    return _feature_embeddings(model, fctx, fpad)


def gene_embeddings(dataset: Dataset, train: pd.DataFrame, params=None, *, arch: str = "gnt",
                    seed: int = 0, device: str = "cpu", val: pd.DataFrame | None = None,
                    progress=no_progress, should_stop=never_stop, workdir=None) -> np.ndarray:
    """Phase 1 alone: the genes x d embedding matrix learned from the positives of ``train``."""
    params = _check_params(params, arch)
    x = normalized_expression(dataset)
    edges = _train_positive_edges(train, dataset)
    val_pairs = None
    if val is not None and len(val):
        a, b = pair_rows(val, dataset)
        val_pairs = (a.astype(np.int64), b.astype(np.int64), val["label"].to_numpy())
    ckpt = Path(workdir) / f"{arch}.pt" if workdir is not None else None
    # the module-level name is looked up at call time, so tests can wrap it
    emb, _history = _train_embeddings(x, edges, params, arch=arch, seed=seed, device=device,
                                      val_pairs=val_pairs, progress=progress,
                                      should_stop=should_stop, checkpoint=ckpt)
    return emb


# ---------------------------------------------------------------------- classifier (phases 2-3)
def _edge_features(emb: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return emb[a] * emb[b]


def _svm_kind(params, n_train: int, n_score: int) -> str:
    """"rbf", "nystroem" or "linear" (see the module docstring)."""
    if params.svm != "auto":
        return params.svm
    small = n_train <= params.max_kernel_pairs and n_train * n_score <= _MAX_KERNEL_WORK
    return "rbf" if small else "nystroem"


def _fit_svm(feats: np.ndarray, labels: np.ndarray, params, seed: int, n_score: int = 0):
    from sklearn.kernel_approximation import Nystroem
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC, LinearSVC

    kind = _svm_kind(params, len(labels), n_score)
    if kind == "rbf":
        clf = make_pipeline(StandardScaler(), SVC(C=params.svm_c, kernel="rbf", gamma="scale",
                                                  cache_size=500))
    elif kind == "nystroem":
        gamma = 1.0 / feats.shape[1]   # "scale" after standardisation: 1 / (n_features * var=1)
        clf = make_pipeline(StandardScaler(),
                            Nystroem(kernel="rbf", gamma=gamma, random_state=seed,
                                     n_components=min(_NYSTROEM_COMPONENTS, len(labels))),
                            LinearSVC(C=params.svm_c, random_state=seed))
    else:
        clf = make_pipeline(StandardScaler(), LinearSVC(C=params.svm_c, random_state=seed))
    clf.fit(feats, labels)
    return clf


def _score(dataset: Dataset, pairs: pd.DataFrame, params, *, arch: str, train, val, seed,
           progress, should_stop, device, workdir, datasets) -> np.ndarray:
    params = _check_params(params, arch)
    if train is None or len(train) == 0:
        raise InputError(f"{arch} is supervised and got no training pairs", where=arch,
                         fix="choose a split with training pairs (edge_random, tf_disjoint, gene_disjoint)")
    for name, frame in (("pairs", pairs), ("train", train)):
        if "dataset" in frame.columns:
            raise InputError(f"{arch} learns one embedding per gene of one dataset; it cannot "
                             "transfer to another network", where=f"{arch} ({name})",
                             fix="use edge_random, tf_disjoint or gene_disjoint")
    labels = train["label"].to_numpy().astype(np.int64)
    if labels.min() == labels.max():
        raise InputError(f"the training pairs have a single class ({labels[0]}); the SVM needs "
                         "edges and non-edges", where=arch, fix="use a split with negatives")
    device = str(device or "cpu")
    emb = gene_embeddings(dataset, train, params, arch=arch, seed=seed, device=device, val=val,
                          progress=progress, should_stop=should_stop, workdir=workdir)
    check_stop(should_stop)
    ta, tb = pair_rows(train, dataset)
    clf = _fit_svm(_edge_features(emb, ta, tb), labels, params, seed, n_score=len(pairs))
    check_stop(should_stop)
    pa, pb = pair_rows(pairs, dataset)
    scores = np.empty(len(pairs), np.float64)
    for s in range(0, len(pairs), _CHUNK):
        check_stop(should_stop)
        scores[s:s + _CHUNK] = clf.decision_function(_edge_features(emb, pa[s:s + _CHUNK],
                                                                    pb[s:s + _CHUNK]))
    return scores


def gnt(dataset: Dataset, pairs: pd.DataFrame, params: GNTParams | dict | None = None, *,
        train: pd.DataFrame | None = None, val: pd.DataFrame | None = None, seed: int = 0,
        progress=no_progress, should_stop=never_stop, device: str = "cpu", workdir=None,
        datasets=None) -> np.ndarray:
    """GeneNet Transformer scores (SVM decision values, float64) for the rows of ``pairs``.

    Embeddings are learned from the positives of ``train`` only, the SVM from ``train`` with its
    labels; ``val`` picks the epoch. The best epoch's weights go to ``workdir / "gnt.pt"``. See
    the module docstring for the model, the objective and how the SVM scales."""
    return _score(dataset, pairs, params, arch="gnt", train=train, val=val, seed=seed,
                  progress=progress, should_stop=should_stop, device=device, workdir=workdir,
                  datasets=datasets)


def gne(dataset: Dataset, pairs: pd.DataFrame, params: GNEParams | dict | None = None, *,
        train: pd.DataFrame | None = None, val: pd.DataFrame | None = None, seed: int = 0,
        progress=no_progress, should_stop=never_stop, device: str = "cpu", workdir=None,
        datasets=None) -> np.ndarray:
    """GNE scores (Kc et al. 2019): MLP embeddings of id + expression, the same neighbour
    objective and Hadamard + SVM head as `gnt`; best weights to ``workdir / "gne.pt"``."""
    return _score(dataset, pairs, params, arch="gne", train=train, val=val, seed=seed,
                  progress=progress, should_stop=should_stop, device=device, workdir=workdir,
                  datasets=datasets)

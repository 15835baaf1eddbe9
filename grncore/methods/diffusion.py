"""``diffusion``: a denoising-diffusion GRN model of the RegDiffusion family (unsupervised).

Reference
---------
Zhu & Slonim, "Fast and Efficient Gene Regulatory Network Inference with a Denoising Diffusion
Model" (RegDiffusion), Journal of Computational Biology (2024); defaults from its package
(regdiffusion 0.2.3). This is our own implementation of the paper's model; the package is only
run side by side in ``bench/diffusion_vs_regdiffusion.py``.

The math
--------
Data. ``x_0`` is one cell's expression over the ``n`` genes (a row of the cells x genes matrix).
Raw counts (`grncore.data.preprocess.detect_scale`) first get ``log1p`` of counts per 10,000 (the
package expects log data); then, as the package does, every cell is min-max scaled to [0, 1]
and every gene z-scored over the cells (constant cells / genes become 0 instead of failing).

Forward process. A linear beta schedule over ``T`` steps, ``beta_t = linspace(s, e, T) * 1000/T``
(``s = start_noise``, ``e = end_noise``), ``abar_t = prod_{k<=t} (1 - beta_k)``, and
``x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps`` with ``eps ~ N(0, I_n)``; ``t`` is drawn
uniformly from ``0 .. T-1`` for every cell of a minibatch.

Noise predictor. Every gene ``g`` of a noisy cell gets the feature ``h_g^0 = tanh([x_{t,g}, e_g])``
(``e_g``: a learned ``gene_dim - 1`` embedding). ``n_blocks`` blocks follow, each
``h' = tanh(W_2 (dropout(tanh(W_1 h)) + tanh(W_tau tau(t))) + b)`` with ``tau(t)`` the step
embedding (sinusoidal of size ``time_dim``, a linear layer, ``tanh``); from the second block on
the input is ``[h, x_{t,g}]``. The structural term mixes genes through the learned adjacency
``A`` (``n x n``, zero diagonal):

    eps_hat[c, j] = sum_g u[c, g] (I - A~)[g, j] + b,     u[c, g] = w . h[c, g]

i.e. ``eps_hat = u (I - A~) + b``, with ``A~ = S_tau(A) * M``: soft thresholding
``S_tau(a) = sign(a) max(|a| - tau, 0)`` at ``tau = 1 / (2 (n-1))``, and ``M`` a fresh dropout
mask each step (entries dropped with probability ``adj_dropout``, the rest scaled by
``1/(1-adj_dropout)``, diagonal 0). The paper writes the same map as mixing the ``gene_dim``
features through ``(I - A)`` and then projecting with the final linear layer ``w``; a linear
projection commutes with the gene mixing, so projecting first is the same function at
``1/gene_dim`` of the cost of the ``n x n`` product (the reason our run is faster).

Loss. ``mean (eps - eps_hat)^2 + sparse_loss_coef * mean_{i != j} |S_tau(A)_ij|`` (the L1 term
from step ``warmup_steps`` on). Adam (betas 0.9, 0.99) with two groups: the network at
``lr_nn`` / L2 ``weight_decay_nn``, ``A`` at ``lr_adj / (n-1)`` / L2 ``weight_decay_adj``.
``A`` starts at ``init_coef / (n-1)`` everywhere. ``n_steps`` steps of ``batch_size`` cells drawn
with replacement.

Network. ``A[g, j]`` is the weight with which gene ``g``'s signal enters gene ``j``'s prediction:
row = regulator, column = target (the package's orientation). The score of a pair
``(regulator r, target j)`` is ``|A[r, j]|`` in units of ``1/(n-1)``; the raw entries are used, which
rank exactly as ``|S_tau(A)|`` wherever that is non-zero and also order the entries it sets to 0
(the package's float16 ``|S_tau(A)|`` ties them all). A self pair scores 0.

Devices and protocol. ``device`` is a resolved torch device string; the normalised matrix, the
model and every random draw (cells, steps, noise, the ``A`` and block dropout masks; a
``torch.Generator`` on the device seeded with ``seed``) live there. On CUDA the forward pass runs under
``grncore.train.loop.autocast`` (float16) with a ``torch.amp.GradScaler``; elsewhere float32.
`seed_everything` seeds the initial weights inside a ``torch.random.fork_rng`` block (the
caller's torch RNG state is restored), so on CPU the same seed gives identical scores. ``progress(step, n_steps, ...)`` every
``report_every`` steps with ``epoch`` (steps done), ``loss`` (mean over the block),
``val_auroc`` (NaN: there are no labels) and ``seconds``; ``should_stop`` is polled every 10
steps and raises `Cancelled`. Memory: ``A`` and its optimizer state take ~6 n^2 floats, so
more than 20,000 genes is refused (select highly variable genes first).
"""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.nn import functional as F

from ..data import Dataset, InputError
from ..data.genes import pair_rows
from ..train.loop import autocast, seed_everything
from ..train.progress import check_stop, never_stop, no_progress
from .base import coerce_params
from .diffusion_params import DiffusionParams

__all__ = ["DiffusionParams", "diffusion", "normalized_cells", "RegulatoryDiffusion", "train_adjacency"]

MAX_GENES = 20_000
_CHECK_EVERY = 10


def normalized_cells(dataset: Dataset) -> np.ndarray:
    """cells x genes float32: log1p(CP10k) for raw counts, min-max per cell, z-score per gene."""
    from ..data.preprocess import detect_scale

    x = dataset.expression.to_numpy(dtype=np.float64, copy=True).T
    if detect_scale(x).kind == "counts":
        lib = x.sum(axis=1, keepdims=True)
        lib[lib == 0] = 1.0
        x = np.log1p(x * (1e4 / lib))
    lo = x.min(axis=1, keepdims=True)
    rng = x.max(axis=1, keepdims=True) - lo
    rng[rng <= 0] = 1.0
    x = (x - lo) / rng
    sd = x.std(axis=0, keepdims=True)
    sd[sd < 1e-12] = 1.0
    return ((x - x.mean(axis=0, keepdims=True)) / sd).astype(np.float32)


def _step_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal embedding of integer steps ``t`` (B,) -> (B, dim) (transformer positions)."""
    half = dim // 2
    freq = torch.exp(torch.arange(half, device=t.device, dtype=torch.float32) * (-math.log(1e4) / max(half - 1, 1)))
    arg = t.float()[:, None] * freq[None, :]
    return torch.cat([arg.sin(), arg.cos()], dim=-1)


class _Block(nn.Module):
    """One feature block; its first layer ``l1`` is applied by `RegulatoryDiffusion.forward`."""

    def __init__(self, in_dim: int, out_dim: int, time_dim: int):
        super().__init__()
        self.l1 = nn.Linear(in_dim, out_dim)
        self.l2 = nn.Linear(out_dim, out_dim)
        self.time = nn.Linear(time_dim, out_dim)

    def forward(self, pre: torch.Tensor, tau: torch.Tensor, keep: torch.Tensor | None) -> torch.Tensor:
        h = torch.tanh(pre)
        if keep is not None:
            h = h * keep
        return torch.tanh(self.l2(h + torch.tanh(self.time(tau))[:, None, :]))


class RegulatoryDiffusion(nn.Module):
    """The noise predictor ``eps_hat(x_t, t)`` with the gene x gene adjacency ``A`` (module doc).

    The first layer of each block is split by its inputs, which is the same linear map without
    building the concatenated tensors: block 1 gets ``W_x tanh(x_t) + (W_e tanh(e_g) + b)`` (the
    second term does not depend on the cell, so it is computed once per step for the n genes),
    later blocks ``W_h h + w_x x_t + b``."""

    def __init__(self, n_genes: int, p: DiffusionParams):
        super().__init__()
        d = p.gene_dim
        self.n = n_genes
        self.time_dim = p.time_dim
        self.norm = 1.0 / max(n_genes - 1, 1)
        self.dropout = float(p.dropout)
        self.adj = nn.Parameter(torch.full((n_genes, n_genes), p.init_coef * self.norm))
        self.gene_emb = nn.Parameter(torch.randn(n_genes, d - 1))
        self.time_mlp = nn.Linear(p.time_dim, p.time_dim)
        self.blocks = nn.ModuleList(_Block(d, d - 1, p.time_dim) for _ in range(p.n_blocks))
        self.final = nn.Linear(d - 1, 1)

    def soft_adj(self) -> torch.Tensor:
        """``S_tau(A)`` (diagonal included; callers mask it)."""
        return torch.sign(self.adj) * F.relu(self.adj.abs() - self.norm / 2)

    def sparse_loss(self) -> torch.Tensor:
        """Mean ``|S_tau(A)|`` over the off-diagonal entries."""
        mag = F.relu(self.adj.abs() - self.norm / 2)
        return (mag.sum() - mag.diagonal().sum()) / (self.n * max(self.n - 1, 1))

    def forward(self, x_t: torch.Tensor, t: torch.Tensor, adj_mask: torch.Tensor,
                gen: torch.Generator | None = None) -> torch.Tensor:
        """``x_t`` (B, n), ``t`` (B,), ``adj_mask`` (n, n) the step's dropout mask of ``A``;
        ``gen`` draws the block dropout masks (training) -> eps_hat (B, n)."""
        tau = torch.tanh(self.time_mlp(_step_embedding(t, self.time_dim)))
        x = x_t[:, :, None]
        h = None
        for i, block in enumerate(self.blocks):
            w, b = block.l1.weight, block.l1.bias
            if i == 0:
                pre = torch.tanh(x) * w[:, 0] + (torch.tanh(self.gene_emb) @ w[:, 1:].T + b)
            else:
                pre = F.linear(h, w[:, :-1], b) + x * w[:, -1]
            keep = None
            if self.training and self.dropout > 0:
                keep = (torch.rand(pre.shape, generator=gen, device=pre.device) >= self.dropout)
                keep = keep.to(pre.dtype) / (1 - self.dropout)
            h = block(pre, tau, keep)
        u = h @ self.final.weight[0].to(h.dtype)          # (B, n): project before mixing
        a = self.soft_adj() * adj_mask
        return u - u @ a.to(u.dtype) + self.final.bias.to(u.dtype)


def _schedule(p: DiffusionParams, dev: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    scale = 1000.0 / p.T
    betas = torch.linspace(scale * p.start_noise, scale * p.end_noise, p.T, dtype=torch.float64)
    abar = torch.cumprod(1.0 - betas, dim=0).clamp_min(0.0)
    return abar.sqrt().float().to(dev), (1.0 - abar).sqrt().float().to(dev)


def _check(p: DiffusionParams, n_genes: int) -> None:
    if n_genes < 2:
        raise InputError("diffusion needs at least 2 genes", where="dataset")
    if n_genes > MAX_GENES:
        raise InputError(f"{n_genes} genes need a {n_genes} x {n_genes} adjacency (too large)",
                         where="diffusion", fix=f"select at most {MAX_GENES} highly variable genes")
    if p.end_noise * 1000 / p.T >= 1 or p.start_noise > p.end_noise:
        raise InputError(f"noise schedule {p.start_noise}..{p.end_noise} over T={p.T} is not a "
                         "valid beta range", where="diffusion parameters",
                         fix="keep start_noise <= end_noise and end_noise * 1000 / T below 1")


def train_adjacency(x: np.ndarray, params: DiffusionParams | dict | None = None, *, seed: int = 0,
                    device: str = "cpu", progress=no_progress, should_stop=never_stop) -> np.ndarray:
    """Train the model on ``x`` (cells x genes, normalised) and return ``A`` (float64, n x n,
    rows regulators, columns targets, in units of ``1/(n-1)``, diagonal 0)."""
    p = coerce_params(DiffusionParams, params, method="diffusion")
    n_cells, n = x.shape
    _check(p, n)
    dev = torch.device(str(device or "cpu"))
    use_amp = dev.type == "cuda"
    devices = [dev.index or 0] if dev.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        seed_everything(seed)
        model = RegulatoryDiffusion(n, p).to(dev)
        gen = torch.Generator(device=dev)
        gen.manual_seed(int(seed))
        data = torch.as_tensor(x, dtype=torch.float32).to(dev)
        mean_c, std_c = _schedule(p, dev)
        adj_params = [model.adj]
        other = [q for name, q in model.named_parameters() if name != "adj"]
        opt = torch.optim.Adam([{"params": other, "lr": p.lr_nn, "weight_decay": p.weight_decay_nn},
                                {"params": adj_params, "lr": p.lr_adj * model.norm,
                                 "weight_decay": p.weight_decay_adj}], betas=(0.9, 0.99))
        scaler = torch.amp.GradScaler("cuda", enabled=use_amp)
        keep = 1.0 - p.adj_dropout
        off_diag = 1.0 - torch.eye(n, device=dev)
        model.train()
        block_loss = torch.zeros((), device=dev)
        t0 = time.perf_counter()
        for step in range(p.n_steps):
            if step % _CHECK_EVERY == 0:
                check_stop(should_stop)
            rows = torch.randint(0, n_cells, (p.batch_size,), generator=gen, device=dev)
            t = torch.randint(0, p.T, (p.batch_size,), generator=gen, device=dev)
            noise = torch.randn(p.batch_size, n, generator=gen, device=dev)
            x_t = mean_c[t, None] * data[rows] + std_c[t, None] * noise
            mask = (torch.rand(n, n, generator=gen, device=dev) < keep).float() * (off_diag / keep)
            opt.zero_grad(set_to_none=True)
            with autocast(dev):
                loss = F.mse_loss(model(x_t, t, mask, gen).float(), noise)
            if step > p.warmup_steps:
                loss = loss + p.sparse_loss_coef * model.sparse_loss()
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
            block_loss += loss.detach()
            done = step + 1
            if done % p.report_every == 0 or done == p.n_steps:
                size = done % p.report_every or p.report_every
                mean_loss = float(block_loss.item()) / size
                if not math.isfinite(mean_loss):
                    raise FloatingPointError(f"diffusion loss became {mean_loss} by step {done}; "
                                             "lower lr_nn / lr_adj")
                seconds = time.perf_counter() - t0
                progress(done, p.n_steps, f"step {done}/{p.n_steps}", epoch=done, loss=mean_loss,
                         val_auroc=float("nan"), seconds=round(seconds, 4))
                block_loss.zero_()
                t0 = time.perf_counter()
        check_stop(should_stop)
    adj = model.adj.detach().to("cpu", torch.float64).numpy() / model.norm
    np.fill_diagonal(adj, 0.0)
    return adj


def diffusion(dataset: Dataset, pairs: pd.DataFrame, params: DiffusionParams | dict | None = None, *,
              train=None, seed: int = 0, progress=no_progress, should_stop=never_stop,
              device: str = "cpu") -> np.ndarray:
    """Score ``pairs`` by ``|A[regulator, target]|`` of a RegDiffusion model trained on the
    expression of ``dataset`` (unsupervised: ``train`` is ignored); see the module docstring."""
    adj = train_adjacency(normalized_cells(dataset), params, seed=seed, device=device,
                          progress=progress, should_stop=should_stop)
    reg, tgt = pair_rows(pairs, dataset)
    return np.abs(adj[reg, tgt]).astype(np.float64)

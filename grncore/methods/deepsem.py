"""DeepSEM: a beta-VAE around a structural-equation layer; the learned adjacency W is the network.

Reference: Shu, Zhou, Lian, Li, Zhao, Zeng, Ma. "Modeling gene regulatory networks using neural
network architectures." Nature Computational Science 1:491-501 (2021); code
github.com/HantaoShu/DeepSEM (``src/Model.py`` ``VAE_EAD``, the ``non_celltype_GRN`` task).

The model
---------
A cell is a row vector ``x`` of the G genes' (normalised) expression. ``W`` is a G x G matrix
with zero diagonal, ``W[i, j]`` the weight of the edge ``j -> i`` (regulator ``j``, target
``i``); ``M = I - W^T``. The structural equation ``x = x W^T + z`` (each gene is the weighted sum
of its regulators plus a residual) gives ``z = x M`` and ``x = z M^{-1}``; DeepSEM puts non-linear
per-gene maps around it:

- encoder: ``f`` is one MLP applied to every gene's scalar expression (1 -> h -> h, tanh), with
  two linear heads giving ``mu`` and ``log var`` per gene; the posterior is
  ``q(z | x) = N(mu M, exp(logvar M))`` (both moved through the SEM layer, as in ``VAE_EAD``),
  and ``z`` is drawn with the reparameterisation trick;
- decoder: ``x_hat = g(z M^{-1})``, ``g`` an MLP on every gene's scalar (1 -> h -> h -> 1, tanh);
- prior: ``p(z) = N(m M, exp(s M))`` with learned per-gene ``m, s``. (DeepSEM writes the prior
  as an MLP of a Gumbel-softmax cluster label ``y`` with K components; its default K = 1 makes
  ``y`` the constant 1, so the MLP output is a learned constant vector -- here the parameters
  ``m, s`` -- and the categorical KL term is a constant, dropped.)

Loss per batch: ``mean (x - x_hat)^2 + beta * KL(q || p) + alpha * mean |W|``. The KL term is
the closed form for diagonal Gaussians averaged over cells and genes (the reference code uses the
one-sample Monte-Carlo estimate ``log q(z) - log p(z)`` of the same quantity).

Training as in the reference code: ``W`` starts at ``1 / (G - 1)`` plus U(0, 2e-4) noise (zero
diagonal); cycles of ``mlp_epochs`` epochs updating the MLPs and the prior with ``W`` fixed
(RMSprop, ``lr``, multiplied by ``lr_decay`` after every epoch) and ``w_epochs`` epochs updating
``W`` alone with the MLPs fixed (RMSprop, ``0.2 * lr``, no decay); batches of ``batch_size``
shuffled cells. With ``W`` fixed, ``M`` is LU-factorised once per epoch; while ``W`` is trained
``z M^{-1}`` is a differentiable ``torch.linalg.solve`` per batch (O(G^3)).

Scores: ``|W[target, regulator]|`` (the reference code's ``extractEdgesFromMatrix`` reads
``W[i, j]`` as ``j -> i``; the BEELINE evaluation of the paper ranks ``|W|``), averaged over
``n_runs`` runs whose seeds are derived from ``seed`` (the paper's ensemble). A pair is scored in
the direction it names, so ``(a, b)`` and ``(b, a)`` get different scores.

Expression: raw counts (`grncore.data.preprocess.detect_scale`) get log1p of counts per 10,000;
then every gene is z-scored over the cells (constant genes become 0), as the reference code does.

Protocols. ``progress`` after every epoch of every run (``epoch`` counts across runs, ``loss`` the
epoch's mean loss); ``should_stop`` is polled before every epoch and every 20 batches
(`Cancelled`). ``device`` is a resolved torch device string; the expression matrix and the model
live there. On CUDA the MLPs run under ``grncore.train.loop.autocast`` (float16) with a
``torch.amp.GradScaler`` (one per optimiser); the SEM layer (solve, LU) and the losses run in
float32 everywhere. Randomness (initial weights, W's noise, batch order, the reparameterisation
noise) follows the run's seed: weights from ``torch.manual_seed`` inside ``torch.random.fork_rng``
(the caller's RNG state is left as it was), batch order and noise from ``torch.Generator``s seeded
with it, so on CPU the same seed gives identical scores.
"""

from __future__ import annotations

import contextlib
import time

import numpy as np
import pandas as pd
import torch
from torch import nn

from ..data import Dataset, InputError
from ..data.genes import pair_rows
from ..train.loop import autocast
from ..train.progress import check_stop, never_stop, no_progress
from .base import coerce_params
from .deepsem_params import DeepSEMParams
from .gnt import normalized_expression

__all__ = ["DeepSEMParams", "deepsem", "deepsem_adjacency", "SEMVAE"]

_CHECK_EVERY = 20   # batches between two should_stop polls


class SEMVAE(nn.Module):
    """The DeepSEM beta-VAE (K = 1) on G genes; ``W`` is ``self.w`` (see the module docstring)."""

    def __init__(self, n_genes: int, hidden: int, w_init: torch.Tensor):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(1, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh())
        self.mu = nn.Linear(hidden, 1)
        self.logvar = nn.Linear(hidden, 1)
        self.decoder = nn.Sequential(nn.Linear(1, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(),
                                     nn.Linear(hidden, 1))
        self.prior_mu = nn.Parameter(torch.zeros(n_genes))
        self.prior_logvar = nn.Parameter(torch.zeros(n_genes))
        self.w = nn.Parameter(w_init.clone())
        self.register_buffer("off_diag", 1.0 - torch.eye(n_genes), persistent=False)
        for m in self.modules():
            if isinstance(m, nn.Linear):   # DeepSEM: xavier-normal weights, zero biases
                nn.init.xavier_normal_(m.weight)
                nn.init.zeros_(m.bias)

    def sem(self) -> torch.Tensor:
        """``M = I - W^T`` with W's diagonal held at zero (float32)."""
        w = self.w * self.off_diag
        return torch.eye(len(w), device=w.device) - w.t()

    def mlp_parameters(self):
        return [p for n, p in self.named_parameters() if n != "w"]

    def loss(self, x: torch.Tensor, m: torch.Tensor, inv_solve, noise: torch.Tensor, alpha: float,
             beta: float) -> torch.Tensor:
        """The batch loss for cells ``x`` (B, G); ``inv_solve(z)`` returns ``z M^{-1}``."""
        dev = x.device
        with autocast(dev):
            h = self.encoder(x.unsqueeze(-1))
            mu, logvar = self.mu(h).squeeze(-1).float(), self.logvar(h).squeeze(-1).float()
        mu_z, logvar_z = mu @ m, logvar @ m
        var_z = logvar_z.exp()
        z = mu_z + noise * torch.sqrt(var_z + 1e-10)
        z_x = inv_solve(z)
        with autocast(dev):
            x_hat = self.decoder(z_x.unsqueeze(-1)).squeeze(-1).float()
        rec = torch.mean((x - x_hat) ** 2)
        p_mu, p_logvar = self.prior_mu @ m, self.prior_logvar @ m
        kl = 0.5 * torch.mean(p_logvar - logvar_z + (var_z + (mu_z - p_mu) ** 2) / p_logvar.exp() - 1.0)
        sparse = torch.mean(torch.abs(self.w * self.off_diag))
        return rec + beta * kl + alpha * sparse


def _run_seed(seed: int, run: int) -> int:
    return int(np.random.SeedSequence([int(seed) % (2 ** 63), run, 0xDE95]).generate_state(1)[0])


@contextlib.contextmanager
def _seeded(seed: int, dev: torch.device):
    devices = [dev.index or 0] if dev.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


def _train_once(x: torch.Tensor, params: DeepSEMParams, seed: int, *, run: int, progress, should_stop,
                offset: int, total: int) -> np.ndarray:
    """One DeepSEM training; returns W (G x G float64, row = target, column = regulator)."""
    dev = x.device
    n_cells, n_genes = x.shape
    rng = np.random.default_rng(seed)
    w0 = np.full((n_genes, n_genes), 1.0 / max(n_genes - 1, 1)) + rng.random((n_genes, n_genes)) * 2e-4
    np.fill_diagonal(w0, 0.0)
    with _seeded(seed, dev):
        model = SEMVAE(n_genes, params.hidden, torch.from_numpy(w0.astype(np.float32)))
    model.to(dev)
    opt_mlp = torch.optim.RMSprop(model.mlp_parameters(), lr=params.lr)
    opt_w = torch.optim.RMSprop([model.w], lr=0.2 * params.lr)
    sched = torch.optim.lr_scheduler.StepLR(opt_mlp, step_size=1, gamma=params.lr_decay)
    use_amp = dev.type == "cuda"
    scalers = {k: torch.amp.GradScaler("cuda", enabled=use_amp) for k in ("mlp", "w")}
    order_gen = torch.Generator(device="cpu").manual_seed(seed)
    noise_gen = torch.Generator(device=dev).manual_seed(seed + 1)
    cycle = params.mlp_epochs + params.w_epochs
    for epoch in range(params.epochs):
        check_stop(should_stop)
        t0 = time.perf_counter()
        train_w = epoch % cycle >= params.mlp_epochs
        for p in model.mlp_parameters():
            p.requires_grad_(not train_w)
        model.w.requires_grad_(train_w)
        opt, scaler = (opt_w, scalers["w"]) if train_w else (opt_mlp, scalers["mlp"])
        if not train_w:   # W fixed for the epoch: factorise M once
            with torch.no_grad():
                lu, piv = torch.linalg.lu_factor(model.sem())
        perm = torch.randperm(n_cells, generator=order_gen).to(dev)
        total_loss, n_batches = torch.zeros((), device=dev), 0
        for bi, s in enumerate(range(0, n_cells, params.batch_size)):
            if bi and bi % _CHECK_EVERY == 0:
                check_stop(should_stop)
            xb = x[perm[s:s + params.batch_size]]
            noise = torch.randn(xb.shape, generator=noise_gen, device=dev)
            m = model.sem()
            if train_w:   # z M^{-1}, differentiable in W
                def inv_solve(z, m=m):
                    return torch.linalg.solve(m, z, left=False)
            else:
                def inv_solve(z):
                    return torch.linalg.lu_solve(lu, piv, z, left=False)
            loss = model.loss(xb, m, inv_solve, noise, params.alpha, params.beta)
            opt.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
            total_loss += loss.detach()
            n_batches += 1
        sched.step()
        mean_loss = float(total_loss) / max(n_batches, 1)
        if not np.isfinite(mean_loss):
            raise FloatingPointError(f"deepsem: the loss became {mean_loss} in epoch {epoch + 1} of run "
                                     f"{run + 1}; lower lr or alpha")
        seconds = time.perf_counter() - t0
        done = offset + epoch + 1
        progress(done, total, f"run {run + 1}, epoch {epoch + 1}/{params.epochs}", epoch=done,
                 loss=mean_loss, seconds=round(seconds, 4))
    return (model.w * model.off_diag).detach().to("cpu", torch.float64).numpy()


def deepsem_adjacency(dataset: Dataset, params: DeepSEMParams | dict | None = None, *, seed: int = 0,
                      progress=no_progress, should_stop=never_stop, device: str = "cpu") -> np.ndarray:
    """The ensemble mean of ``|W|`` (G x G float64; row = target, column = regulator, genes in
    ``dataset.genes`` order) over ``n_runs`` DeepSEM trainings."""
    params = coerce_params(DeepSEMParams, params, method="deepsem")
    dev = torch.device(str(device or "cpu"))
    x = torch.from_numpy(np.ascontiguousarray(normalized_expression(dataset).T)).to(dev)
    total = params.n_runs * params.epochs
    acc = np.zeros((dataset.n_genes, dataset.n_genes))
    for run in range(params.n_runs):
        w = _train_once(x, params, _run_seed(seed, run), run=run, progress=progress, should_stop=should_stop,
                        offset=run * params.epochs, total=total)
        acc += np.abs(w)
    return acc / params.n_runs


def deepsem(dataset: Dataset, pairs: pd.DataFrame, params: DeepSEMParams | dict | None = None, *,
            train: pd.DataFrame | None = None, seed: int = 0, progress=no_progress, should_stop=never_stop,
            device: str = "cpu") -> np.ndarray:
    """DeepSEM scores ``|W[target, regulator]|`` (ensemble mean, float64) for the rows of
    ``pairs``. Unsupervised: ``train`` is ignored. See the module docstring."""
    if dataset.n_genes < 2:
        raise InputError("DeepSEM needs at least two genes", where="deepsem")
    a = deepsem_adjacency(dataset, params, seed=seed, progress=progress, should_stop=should_stop,
                          device=device)
    check_stop(should_stop)
    reg, tgt = pair_rows(pairs, dataset)
    return a[tgt, reg]

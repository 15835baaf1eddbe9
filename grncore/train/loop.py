"""A small, reusable training loop for the deep methods (`fit`), seeding and checkpoints.

Design (DESIGN.md sections 3 and 5):

* **Data stays on the device.** ``fit`` takes in-memory tensors (one or more inputs and a
  target, all with the same first dimension), moves each of them to ``device`` once, and cuts
  mini-batches by indexing on the device with a shuffled permutation. No ``DataLoader``, no
  worker processes, no host-device copy per step. Tensors that are already on the device are not
  copied; the same tensor passed twice (e.g. an autoencoder's input and target) is moved once.
* **Mixed precision only on CUDA**: the forward pass and the loss run under
  ``torch.autocast("cuda", dtype=torch.float16)`` and the backward pass through a
  ``torch.amp.GradScaler``. On CPU and Apple MPS everything runs in float32. Models should return
  logits and use ``BCEWithLogitsLoss`` (``BCELoss`` after a sigmoid is not autocast-safe).
* **Seeded determinism on CPU**: `seed_everything` seeds Python, NumPy and torch; the shuffling
  permutation comes from its own ``torch.Generator`` seeded with ``seed``, so the batch order does
  not depend on anything else that draws random numbers; while ``fit`` runs on the CPU,
  ``torch.use_deterministic_algorithms(True, warn_only=True)`` is switched on (and restored
  afterwards). The same seed then gives bit-identical weights and scores on the CPU. On CUDA
  (atomics in cuDNN, autocast) results are reproducible only up to floating-point noise.
  Dropout draws from torch's global generator (torch offers no per-module generator), so two
  trainings running at the same time in one process may perturb each other's dropout masks.
* **Early stopping** on a validation metric (higher is better, e.g. AUROC) computed by
  ``val_fn(model)`` after every epoch: training stops after ``patience`` epochs without an
  improvement greater than ``min_delta``, and the best weights are restored into the model at the
  end (and written to ``checkpoint_path`` with ``torch.save(state_dict)`` whenever they improve,
  atomically, so a half-written file is never left behind). Without a validation metric (no
  ``val_fn``, or it returns None/NaN because the validation part lacks a class) the last epoch's
  weights are kept and saved.
* **Progress and cancel** follow `grncore.train.progress`: after every epoch
  ``progress(done, total, "epoch e/n", epoch=e, loss=..., val_auroc=..., seconds=...)``;
  ``should_stop`` is polled before every epoch, every ``check_every`` batches and before the
  validation pass, so a cancel takes effect within one epoch (`Cancelled` is raised; the model's
  weights are then undefined and no checkpoint of the cancelled epoch is written).

Checkpoints are our own files and are read back ONLY by `load_checkpoint`, with
``torch.load(path, weights_only=True)``, which cannot execute code from a tampered file.
"""

from __future__ import annotations

import contextlib
import math
import os
import random
import tempfile
import time
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pandas as pd
import torch
from torch import nn

from .progress import check_stop, never_stop, no_progress

__all__ = ["fit", "seed_everything", "load_checkpoint", "save_checkpoint", "autocast",
           "HISTORY_COLUMNS"]

HISTORY_COLUMNS = ("epoch", "loss", "val_auroc", "seconds")


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python's ``random``, NumPy's legacy global generator and torch (CPU and all CUDA
    devices) with ``seed``; return a fresh CPU ``torch.Generator`` seeded with ``seed`` (use it
    for shuffling so the batch order depends on the seed alone)."""
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed % (2 ** 32))
    torch.manual_seed(seed)  # also seeds every CUDA device (and MPS)
    g = torch.Generator(device="cpu")
    g.manual_seed(seed)
    return g


def _device(device) -> torch.device:
    return device if isinstance(device, torch.device) else torch.device(str(device))


def autocast(device) -> contextlib.AbstractContextManager:
    """``torch.autocast`` (float16) on CUDA, a no-op context elsewhere. Use it for inference
    too, so scores are computed the same way as during training."""
    dev = _device(device)
    if dev.type == "cuda":
        return torch.autocast(device_type="cuda", dtype=torch.float16)
    return contextlib.nullcontext()


@contextlib.contextmanager
def _deterministic(enabled: bool):
    """Switch on deterministic algorithms (warn only) for the block; restore the previous mode."""
    if not enabled:
        yield
        return
    prev = torch.are_deterministic_algorithms_enabled()
    prev_warn = torch.is_deterministic_algorithms_warn_only_enabled()
    try:
        torch.use_deterministic_algorithms(True, warn_only=True)
        yield
    finally:
        torch.use_deterministic_algorithms(prev, warn_only=prev_warn)


def save_checkpoint(model: nn.Module, path: str | os.PathLike) -> Path:
    """Write ``model.state_dict()`` (moved to the CPU) to ``path`` atomically (temp file in the
    same folder, then ``os.replace``); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to("cpu").clone() for k, v in model.state_dict().items()}
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        torch.save(state, tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def load_checkpoint(model: nn.Module, path: str | os.PathLike, *, strict: bool = True) -> nn.Module:
    """Load a state dict written by `save_checkpoint`/`fit` into ``model`` (in place; returned).

    Uses ``torch.load(path, map_location="cpu", weights_only=True)`` only: the file may hold
    tensors and plain containers, never pickled objects. The tensors are copied into the model's
    parameters and buffers on whatever device the model is on."""
    state = torch.load(Path(path), map_location="cpu", weights_only=True)
    if not isinstance(state, dict):
        raise ValueError(f"{path} does not hold a state dict")
    model.load_state_dict(state, strict=strict)
    return model


def _to_device(tensors: Sequence[torch.Tensor], dev: torch.device) -> list[torch.Tensor]:
    moved: dict[int, torch.Tensor] = {}
    out = []
    for t in tensors:
        if not isinstance(t, torch.Tensor):
            t = torch.as_tensor(np.asarray(t))
        key = id(t)
        if key not in moved:
            moved[key] = t.to(dev, non_blocking=False)
        out.append(moved[key])
    return out


def fit(
    model: nn.Module,
    tensors: Sequence[torch.Tensor],
    *,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    epochs: int,
    batch_size: int = 100,
    device: str | torch.device = "cpu",
    val_fn: Callable[[nn.Module], float | None] | None = None,
    patience: int | None = None,
    min_delta: float = 0.0,
    checkpoint_path: str | os.PathLike | None = None,
    progress=no_progress,
    should_stop: Callable[[], bool] = never_stop,
    seed: int = 0,
    shuffle: bool = True,
    amp: bool | None = None,
    grad_clip: float | None = None,
    check_every: int = 20,
    progress_offset: int = 0,
    progress_total: int | None = None,
    field_prefix: str = "",
) -> pd.DataFrame:
    """Train ``model`` on in-memory ``tensors`` for up to ``epochs`` epochs; return the history.

    Parameters
    ----------
    model : the module; moved to ``device``. It is called as ``model(*inputs)`` where ``inputs``
        are the batches of ``tensors[:-1]``; ``tensors[-1]`` is the target, so the loss of a batch
        is ``loss_fn(model(*inputs), target)`` (for an autoencoder pass ``(x, x)``).
    tensors : tensors (or arrays) with the same first dimension ``n``; moved to the device once.
    loss_fn, optimizer : the loss (mean over the batch) and an optimizer over ``model``'s
        parameters (create it after the model; moving a model does not invalidate it).
    epochs, batch_size : full passes over the data and rows per step (the last batch may be
        smaller). ``shuffle``: a new permutation per epoch from a generator seeded with ``seed``.
    val_fn : ``val_fn(model) -> float`` (higher is better, e.g. validation AUROC), called after
        every epoch with the model in eval mode under ``torch.no_grad``; None/NaN = undefined.
    patience : stop after this many epochs without improvement of the validation metric by more
        than ``min_delta`` (None or 0: never stop early). The best weights are restored at the end.
    checkpoint_path : where to save the best ``state_dict`` (see module doc); None = don't.
    progress, should_stop : the `grncore.train.progress` protocol. Progress is reported as
        ``(progress_offset + epoch, progress_total or epochs)`` with fields
        ``{field_prefix}epoch, {field_prefix}loss, {field_prefix}val_auroc, {field_prefix}seconds``
        (a pre-training phase can use ``field_prefix="ae_"`` so its rows do not mix with the main
        curves; then ``val_auroc`` is left out when there is no ``val_fn``).
    seed : seeds the shuffling generator (call `seed_everything` before building the model for
        reproducible initial weights and dropout).
    amp : mixed precision; None (default) = on for CUDA, off elsewhere. Forced off off-CUDA.
    grad_clip : clip the gradient norm to this value (None: no clipping).
    check_every : poll ``should_stop`` every this many batches within an epoch.

    Returns
    -------
    DataFrame with one row per finished epoch: ``epoch`` (1-based), ``loss`` (mean training loss
    over the epoch, weighted by batch size), ``val_auroc`` (NaN when undefined), ``seconds``
    (wall time of the epoch including validation); ``attrs["best_epoch"]`` and
    ``attrs["stopped_early"]`` tell what happened.

    Raises `grncore.train.progress.Cancelled` when ``should_stop()`` turns true.
    """
    epochs = int(epochs)
    batch_size = int(batch_size)
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if len(tensors) < 2:
        raise ValueError("fit needs at least one input tensor and a target tensor")
    dev = _device(device)
    use_amp = (dev.type == "cuda") if amp is None else (bool(amp) and dev.type == "cuda")
    model.to(dev)
    data = _to_device(tensors, dev)
    n = int(data[0].shape[0])
    if n == 0:
        raise ValueError("fit got no training rows")
    if any(int(t.shape[0]) != n for t in data):
        raise ValueError("all tensors passed to fit need the same first dimension")
    *inputs, target = data
    gen = torch.Generator(device="cpu")
    gen.manual_seed(int(seed))
    scaler = torch.amp.GradScaler("cuda", enabled=use_amp)
    total = progress_total if progress_total is not None else epochs
    patience = int(patience) if patience else 0
    p = field_prefix

    rows: list[dict] = []
    best_metric = -math.inf
    best_state: dict | None = None
    best_epoch = 0
    bad_epochs = 0
    stopped_early = False
    with _deterministic(dev.type == "cpu"):
        for epoch in range(1, epochs + 1):
            check_stop(should_stop)
            t0 = time.perf_counter()
            model.train()
            order = torch.randperm(n, generator=gen) if shuffle else torch.arange(n)
            order = order.to(dev)
            loss_sum = torch.zeros((), device=dev, dtype=torch.float32)
            for b, start in enumerate(range(0, n, batch_size)):
                if b and b % check_every == 0:
                    check_stop(should_stop)
                idx = order[start:start + batch_size]
                batch = [t.index_select(0, idx) for t in inputs]
                y = target.index_select(0, idx)
                optimizer.zero_grad(set_to_none=True)
                with autocast(dev) if use_amp else contextlib.nullcontext():
                    out = model(*batch)
                    loss = loss_fn(out, y)
                if use_amp:
                    scaler.scale(loss).backward()
                    if grad_clip:
                        scaler.unscale_(optimizer)
                        nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
                    scaler.step(optimizer)
                    scaler.update()
                else:
                    loss.backward()
                    if grad_clip:
                        nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
                    optimizer.step()
                loss_sum += loss.detach().float() * len(idx)
            epoch_loss = float(loss_sum.item()) / n  # one device sync per epoch
            if not math.isfinite(epoch_loss):
                raise FloatingPointError(f"training loss became {epoch_loss} in epoch {epoch}; "
                                         "lower the learning rate")
            check_stop(should_stop)
            metric = float("nan")
            if val_fn is not None:
                model.eval()
                with torch.no_grad():
                    m = val_fn(model)
                metric = float("nan") if m is None else float(m)
            improved = False
            if math.isfinite(metric):
                if best_state is None or metric > best_metric + min_delta:
                    best_metric, improved = metric, True
                    bad_epochs = 0
                else:
                    bad_epochs += 1
            elif val_fn is None or not any(math.isfinite(r["val_auroc"]) for r in rows):
                improved = True  # no validation metric: the latest weights are the "best"
            if improved:
                best_epoch = epoch
                best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
                if checkpoint_path is not None:
                    save_checkpoint(model, checkpoint_path)
            seconds = time.perf_counter() - t0
            rows.append({"epoch": epoch, "loss": epoch_loss, "val_auroc": metric, "seconds": seconds})
            fields = {f"{p}epoch": epoch, f"{p}loss": epoch_loss}
            if val_fn is not None or not p:
                fields[f"{p}val_auroc"] = metric
            fields[f"{p}seconds"] = round(seconds, 4)
            progress(progress_offset + epoch, total, f"{p.replace('_', ' ')}epoch {epoch}/{epochs}", **fields)
            if patience and bad_epochs >= patience:
                stopped_early = True
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    hist = pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))
    hist.attrs["best_epoch"] = best_epoch
    hist.attrs["best_val_auroc"] = best_metric if math.isfinite(best_metric) else float("nan")
    hist.attrs["stopped_early"] = stopped_early
    return hist

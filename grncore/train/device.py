"""Torch device resolution: CUDA, then Apple MPS, then CPU.

``resolve("auto")`` picks the best available device; ``resolve("cpu")``/``"cuda"``/``"cuda:1"``/
``"mps"`` pick one explicitly and raise `InputError` (a ``ValueError``) naming the choices when it
is not available.
``describe(device)`` gives the text the sidebar and run records show.
"""

from __future__ import annotations

import os

import torch

from ..data import InputError

CHOICES = ("auto", "cpu", "cuda", "mps")


def available() -> list[str]:
    """Device choices usable on this machine, best first (always ends with "cpu")."""
    out = []
    if torch.cuda.is_available():
        out += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        out.append("mps")
    return out + ["cpu"]


def resolve(preference: str = "auto") -> torch.device:
    """The torch device for ``preference`` ("auto", "cpu", "cuda", "cuda:N" or "mps")."""
    pref = (preference or "auto").strip().lower()
    if pref == "auto":
        return torch.device(available()[0])
    if pref == "cpu":
        return torch.device("cpu")
    if pref.startswith("cuda"):
        if not torch.cuda.is_available():
            raise InputError("CUDA was requested but no CUDA GPU is visible to torch", where="device",
                             fix=f"use one of {', '.join(available())} or auto")
        dev = torch.device(pref)
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise InputError(f"{pref} does not exist: this machine has {torch.cuda.device_count()} CUDA device(s)",
                             where="device", fix=f"use one of {', '.join(available())} or auto")
        return dev
    if pref == "mps":
        if "mps" not in available():
            raise InputError("Apple MPS was requested but is not available", where="device",
                         fix=f"use one of {', '.join(available())} or auto")
        return torch.device("mps")
    raise InputError(f"unknown device {preference!r}", where="device", fix=f"use one of {', '.join(CHOICES)} or cuda:N")


def describe(device: torch.device | str | None = None) -> str:
    """Human-readable name, e.g. "CUDA: NVIDIA H100 80GB HBM3", "Apple MPS", "CPU (2 cores)"."""
    dev = resolve("auto") if device is None else torch.device(device)
    if dev.type == "cuda":
        return f"CUDA: {torch.cuda.get_device_name(dev)}"
    if dev.type == "mps":
        return "Apple MPS"
    return f"CPU ({os.cpu_count()} cores, torch {torch.__version__.split('+')[0]})"

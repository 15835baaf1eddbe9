"""The compute devices of this machine, named without importing torch.

Importing torch takes seconds and hundreds of MB; a page process should pay that only when a
torch model runs. The sidebar still wants to say where such a model would train, so this module
answers from what the operating system and the installed torch build say, with torch unloaded:

- NVIDIA GPUs: the kernel driver lists each GPU in ``/proc/driver/nvidia/gpus/<PCI id>/information``
  (a ``Model:`` line), in PCI order; ``CUDA_VISIBLE_DEVICES`` (indices) narrows the list as CUDA
  would (an empty value or a non-number hides every GPU, like CUDA).
- whether the installed torch can use them: its build record ``torch/version.py`` states the
  CUDA version it was built for (``cuda = None`` on CPU-only wheels); read as text, not imported.
- Apple MPS: macOS on Apple silicon (``platform``), where torch's MPS backend exists.

Once torch is imported (a torch model ran in this process), `choices` and `describe` ask torch
itself (`grncore.train.device`), which is the authority; before that, the text says that the
device is confirmed when a model starts. `grncore.train.device.resolve` decides at run time.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import re
import sys
from pathlib import Path

__all__ = ["nvidia_gpus", "torch_cuda_build", "has_mps", "choices", "describe"]

NVIDIA_PROC = Path("/proc/driver/nvidia/gpus")


def nvidia_gpus(proc: Path | None = None, visible: str | None = None) -> list[str]:
    """Model names of the NVIDIA GPUs CUDA would show (PCI order), from the driver's /proc files.

    ``visible``: the ``CUDA_VISIBLE_DEVICES`` value (default: this process's environment; None
    when unset = all GPUs). Unreadable entries are skipped; no driver gives []."""
    proc = NVIDIA_PROC if proc is None else proc
    try:
        entries = sorted(p for p in proc.iterdir() if p.is_dir())
    except OSError:
        return []
    names = []
    for entry in entries:
        try:
            text = (entry / "information").read_text(errors="replace")
        except OSError:
            continue
        m = re.search(r"^Model:\s*(.+?)\s*$", text, re.MULTILINE)
        names.append(m.group(1) if m else "NVIDIA GPU")
    if visible is None:
        visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is None:
        return names
    picked = []
    for item in visible.split(","):
        item = item.strip()
        if not item.isdigit() or int(item) >= len(names):
            break  # CUDA stops at the first invalid entry
        picked.append(names[int(item)])
    return picked


def torch_cuda_build() -> str | None:
    """The CUDA version the installed torch was built for ("12.8"), None for a CPU-only build or
    no torch; read from ``torch/version.py`` without importing torch."""
    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        try:
            text = (Path(folder) / "version.py").read_text()
        except OSError:
            continue
        m = re.search(r"^cuda\s*(?::[^=]*)?=\s*['\"]([^'\"]+)['\"]", text, re.MULTILINE)
        return m.group(1) if m else None
    return None


def has_mps() -> bool:
    """macOS on Apple silicon (where torch offers the MPS backend)."""
    return platform.system() == "Darwin" and platform.machine() == "arm64"


def _torch_loaded() -> bool:
    return "torch" in sys.modules


def choices() -> list[str]:
    """Device choices, best first, ending with "cpu" (as `grncore.train.device.available`)."""
    if _torch_loaded():
        from .device import available

        return available()
    out = []
    if torch_cuda_build():
        out += [f"cuda:{i}" for i in range(len(nvidia_gpus()))]
    if has_mps():
        out.append("mps")
    return out + ["cpu"]


def describe(choice: str = "auto") -> str:
    """What ``choice`` ("auto", "cpu", "cuda:N", "mps") means on this machine, for the sidebar.

    With torch loaded this is `grncore.train.device.describe` of the resolved device; before,
    the same kind of text from `nvidia_gpus` / `has_mps`, marked as checked when a model starts."""
    pref = (choice or "auto").strip().lower()
    if _torch_loaded():
        from .device import describe as torch_describe, resolve

        try:
            return torch_describe(resolve(pref))
        except ValueError as err:
            return str(err)
    gpus = nvidia_gpus() if torch_cuda_build() else []
    later = " (confirmed by torch when a model starts)"
    if pref == "auto":
        pref = "cuda:0" if gpus else ("mps" if has_mps() else "cpu")
    if pref.startswith("cuda"):
        tail = pref[len("cuda"):].lstrip(":")
        index = int(tail) if tail.isdigit() else (0 if tail == "" else -1)
        if 0 <= index < len(gpus):
            return f"CUDA: {gpus[index]}{later}"
        return f"{pref} is not available here; torch models will fail to start on it"
    if pref == "mps":
        return "Apple MPS" + later if has_mps() else "Apple MPS is not available here"
    return f"CPU ({os.cpu_count()} cores)"

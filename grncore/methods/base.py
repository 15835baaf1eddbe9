"""The method record (`MethodSpec`), parameter declaration and validation, time estimates.

A method is a plain function ::

    fn(dataset, pairs, params, *, train=None, seed=0, progress=no_progress,
       should_stop=never_stop, device="cpu") -> np.ndarray

returning one float64 score per row of ``pairs`` (a DataFrame with ``regulator`` and ``target``
columns; higher = more likely an edge). Its parameters are a dataclass whose fields all have a
default and ``metadata=dict(min=..., max=..., help=..., choices=...)`` (declared with `param`),
so that pages build widgets and the CLI coerces ``--param name=value`` strings with
`validate_params`. `MethodSpec` ties the function to its metadata, decoupler-style.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from ..data import Dataset, InputError

FAMILIES = ("correlation", "information", "trees", "dynamics", "sentinel", "deep")

__all__ = ["MethodSpec", "param", "validate_params", "coerce_params", "time_estimate", "n_cores", "FAMILIES"]


def param(default, *, help: str, min=None, max=None, choices=None):  # noqa: A002 (names match metadata)
    """A params-dataclass field with its default, bounds and help text.

    ``min``/``max`` bound numbers (inclusive); ``choices`` lists the allowed values of a
    categorical parameter. The Models page builds one widget per field from this metadata."""
    meta: dict[str, Any] = {"help": help}
    if min is not None:
        meta["min"] = min
    if max is not None:
        meta["max"] = max
    if choices is not None:
        meta["choices"] = tuple(choices)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class MethodSpec:
    """Metadata record of one inference method (what the registry lists).

    ``fn`` is the method function or a lazy reference ``"package.module:function"`` to it,
    imported on the first call (`function`). Torch methods are registered by reference, so that
    ``import grncore.methods`` (the registry, the Models page, the CLI, every tree-method worker
    process) never imports torch; their ``params`` dataclass lives in a torch-free module of the
    family (e.g. `grncore.methods.gnt_params`).

    ``time_hint`` is either a short human string ("seconds") or a function
    ``(n_genes, n_tfs, n_samples) -> seconds`` estimating an all-candidate-pairs run with
    default parameters on one core (`time_estimate` turns it into text).

    ``needs``: an optional check ``needs(dataset) -> reason | None`` for what a method requires
    beyond the data kind (e.g. a pseudotime or time column in ``dataset.samples``); see
    `unavailable`."""

    name: str
    family: str
    description: str
    reference: str
    supervised: bool
    kinds: tuple[str, ...]
    params: type
    fn: Callable[..., np.ndarray] | str
    time_hint: str | Callable[[int, int, int], float] = "seconds"
    needs: Callable[[Dataset], str | None] | None = None

    def __post_init__(self):
        if self.family not in FAMILIES:
            raise ValueError(f"unknown method family {self.family!r}")
        if not dataclasses.is_dataclass(self.params):
            raise TypeError("MethodSpec.params must be a dataclass type")
        if isinstance(self.fn, str):
            module, sep, attr = self.fn.partition(":")
            if not (sep and module and attr.isidentifier()):
                raise ValueError(f"MethodSpec.fn must be a callable or 'module:function', not {self.fn!r}")
        elif not callable(self.fn):
            raise TypeError("MethodSpec.fn must be a callable or a 'module:function' string")

    @property
    def function(self) -> Callable[..., np.ndarray]:
        """The method function; a ``"module:function"`` reference is imported on first use."""
        if not isinstance(self.fn, str):
            return self.fn
        found = _RESOLVED.get(self.fn)
        if found is None:
            module, _, attr = self.fn.partition(":")
            found = getattr(importlib.import_module(module), attr)
            if not callable(found):
                raise TypeError(f"{self.fn} is not callable")
            _RESOLVED[self.fn] = found
        return found

    def unavailable(self, dataset: Dataset) -> str | None:
        """Why this method cannot run on ``dataset`` (plain words after the method's name, e.g.
        "needs time_series data (this is single_cell)"), or None when it can: the data kind must be one of ``kinds``, and ``needs(dataset)`` (e.g.
        "needs pseudotime or time") must return None."""
        if dataset.kind not in self.kinds:
            return f"needs {' or '.join(self.kinds)} data (this is {dataset.kind})"
        return self.needs(dataset) if self.needs is not None else None

    def defaults(self):
        """The params instance with every default."""
        return self.params()


_RESOLVED: dict[str, Callable[..., np.ndarray]] = {}


# ---------------------------------------------------------------------- params
_TRUE = {"1", "true", "yes", "on", "y", "t"}
_FALSE = {"0", "false", "no", "off", "n", "f"}


def validate_params(spec: MethodSpec, values=None):
    """Return a ``spec.params`` instance from ``values`` (None, a mapping, or an instance).

    Strings (from the CLI's ``--param n_trees=100`` or a text widget) are coerced to the type of
    the field's default; numbers are checked against ``min``/``max`` and categorical values
    against ``choices``. Raises `InputError` naming the parameter, the bad value and what is
    allowed; an unknown name lists the known ones."""
    return coerce_params(spec.params, values, method=spec.name)


def coerce_params(cls: type, values=None, *, method: str):
    """`validate_params` for a params dataclass ``cls`` of the method called ``method`` (what a
    method module uses on its own parameters: it needs no registry record)."""
    if values is None:
        return cls()
    if isinstance(values, cls):
        values = dataclasses.asdict(values)
    if not isinstance(values, Mapping):
        raise InputError(f"parameters of {method} must be name=value pairs, not {type(values).__name__}",
                         where=f"{method} parameters")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    out = {}
    for name, raw in values.items():
        name = str(name).strip().replace("-", "_")
        if name not in fields:
            known = ", ".join(fields) or "none"
            raise InputError(f"unknown parameter {name!r} for {method}", where=f"{method} parameters",
                             fix=f"known parameters: {known}")
        out[name] = _coerce(method, fields[name], raw)
    return cls(**out)


def _coerce(method: str, f: dataclasses.Field, raw):
    meta = dict(f.metadata)
    default = f.default
    where = f"{method} parameter {f.name}"
    allowed = _allowed_text(meta, default)
    value = raw.strip() if isinstance(raw, str) else raw
    try:
        if meta.get("choices"):
            choices = meta["choices"]
            if value not in choices:
                # accept "100" for a numeric choice
                match = [c for c in choices if str(c) == str(value)]
                if not match:
                    raise ValueError
                value = match[0]
            return value
        if isinstance(default, bool):
            if isinstance(value, (bool, np.bool_)):
                return bool(value)
            if isinstance(value, (int, np.integer)) and value in (0, 1):
                return bool(value)
            text = str(value).lower()
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
            raise ValueError
        if isinstance(default, int):
            if isinstance(value, (bool, np.bool_)):
                raise ValueError
            if isinstance(value, (float, np.floating)):
                if not float(value).is_integer():
                    raise ValueError
                value = int(value)
            elif isinstance(value, str):
                number = float(value)
                if not number.is_integer():
                    raise ValueError
                value = int(number)
            value = int(value)
        elif isinstance(default, float):
            if isinstance(value, (bool, np.bool_)):
                raise ValueError
            value = float(value)
            if not math.isfinite(value):
                raise ValueError
        elif isinstance(default, str):
            value = str(value)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"invalid value {str(raw)[:40]!r}", where=where, fix=f"use {allowed}") from None
    lo, hi = meta.get("min"), meta.get("max")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise InputError(f"value {value!r} is out of range", where=where, fix=f"use {allowed}")
    return value


def _allowed_text(meta: dict, default) -> str:
    if meta.get("choices"):
        return "one of " + ", ".join(str(c) for c in meta["choices"])
    if isinstance(default, bool):
        return "true or false"
    kind = "an integer" if isinstance(default, int) else "a number"
    lo, hi = meta.get("min"), meta.get("max")
    if lo is not None and hi is not None:
        return f"{kind} from {lo} to {hi}"
    if lo is not None:
        return f"{kind} >= {lo}"
    if hi is not None:
        return f"{kind} <= {hi}"
    return kind


# ---------------------------------------------------------------------- time estimates
def time_estimate(spec: MethodSpec, dataset: Dataset, n_jobs: int | None = None) -> str:
    """Human text for how long scoring all candidate pairs of ``dataset`` should take."""
    hint = spec.time_hint
    if isinstance(hint, str):
        return hint
    cores = n_jobs or n_cores()
    seconds = float(hint(dataset.n_genes, len(dataset.tfs), dataset.n_samples))
    if spec.family == "trees":
        seconds /= cores
    if seconds < 5:
        return "a few seconds"
    if seconds < 90:
        return f"about {seconds:.0f} s" + (f" on {cores} cores" if spec.family == "trees" else "")
    if seconds < 5400:
        return f"about {seconds / 60:.0f} min" + (f" on {cores} cores" if spec.family == "trees" else "")
    return f"about {seconds / 3600:.1f} h" + (f" on {cores} cores" if spec.family == "trees" else "")


def n_cores() -> int:
    """CPU cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover (macOS, Windows)
        return max(1, os.cpu_count() or 1)

"""TF -> target relationships ``y = f(x)``: fit, evaluate, propagate a change.

Every form is linear in its coefficients over a basis of ``x``, so it is fitted by least squares
(``numpy.linalg.lstsq``); Hill adds a small grid over its shape parameters.

=========  ==================================  ============  =======================================
name       f(x)                                 coefficients  two-point (state means) reduction
=========  ==================================  ============  =======================================
linear     a*x + b                              2             same
linear0    a*x                                  1             same (least squares through 0)
quadratic  a*x^2 + b*x + c                      3             a*x^2 + c
sqrt       a*sqrt(x+) + b                       2             same
sin        a*sin(t) + b*cos(t), t = s(x)        2             same
hill       b + a*x+^n / (K^n + x+^n)            4 (a,b,K,n)   n = 1, K = mean of the two x
=========  ==================================  ============  =======================================

Guards (``x+ = max(x, 0)``):

- sqrt domain: ``sqrt`` is taken of ``x+``, so a propagated level below zero reads as zero
  instead of being undefined; hill uses ``x+`` likewise.
- sinusoid non-monotonicity: ``sin``/``cos`` of raw expression would wrap around an arbitrary
  number of periods over the data (a gene at 2 and at 2 + 2*pi would be "the same"). The input is
  therefore rescaled, ``t = (pi/2) * (clip(x, lo, hi) - lo) / (hi - lo)`` with ``[lo, hi]`` the
  fitted range of ``x``: over the data the curve spans a quarter period (at most one turning
  point, no repetition), and outside the data it is held at its edge value instead of
  extrapolating into the next period.

Propagation never uses a derivative: the change at a target when its regulator moves from ``x``
by ``dx`` is ``f(x + dx) - f(x)`` (exact for every form, including the guarded ones).

Fit quality: ``R^2 = 1 - SSE/SST`` on the fitting pairs (1 when the fit is exact, e.g. any
two-coefficient form on two points). ``auto`` fits every form and keeps, per edge, the one with
the lowest information criterion: ``BIC = n*ln(SSE/n) + k*ln(n)`` (default) or
``AIC = n*ln(SSE/n) + 2k``, k the number of coefficients (Hill counts K and n).
A regulator with no spread in the fitting data (``max(x) - min(x) < 1e-12``) carries no
information about the slope: the fit is the constant ``mean(y)`` (no change propagates).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..data import InputError

FORMS = ("linear", "linear0", "quadratic", "sqrt", "sin", "hill")
RELATIONSHIPS = (*FORMS, "auto")
LABELS = {"linear": "a*x + b", "linear0": "a*x", "quadratic": "a*x^2 + b*x + c", "sqrt": "a*sqrt(x) + b",
          "sin": "a*sin(x) + b*cos(x)", "hill": "Hill b + a*x^n/(K^n + x^n)", "auto": "auto (per edge, BIC)"}
N_COEF = {"linear": 2, "linear0": 1, "quadratic": 3, "sqrt": 2, "sin": 2, "hill": 4}
_HILL_QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
_HILL_N = (1.0, 2.0, 4.0)
_FLAT = 1e-12


@dataclass(frozen=True)
class Fit:
    """One fitted edge relationship. ``coef`` are the basis coefficients; ``lo, hi`` the range of
    ``x`` it was fitted on (the sinusoid's scaling); ``K, n`` Hill's shape."""

    form: str
    coef: tuple[float, ...]
    r2: float
    n: int
    lo: float = 0.0
    hi: float = 1.0
    K: float = 1.0
    hill_n: float = 1.0

    def __call__(self, x):
        """``f(x)`` for a scalar (python float out) or an array."""
        if np.ndim(x) == 0:
            return _eval_scalar(self, float(x))
        reduced = self.form == "quadratic" and len(self.coef) == 2
        return _basis(self.form, np.asarray(x, dtype=float), self, reduced) @ np.asarray(self.coef)

    def propagate(self, x: float, dx: float) -> float:
        """The change of the target when the regulator moves from ``x`` to ``x + dx``."""
        return _eval_scalar(self, x + dx) - _eval_scalar(self, x)

    @property
    def params(self) -> dict:
        """The coefficients by name (for tables and JSON)."""
        if self.form == "quadratic" and len(self.coef) == 2:
            return {"a": self.coef[0], "b": 0.0, "c": self.coef[1]}
        names = {"linear": ("a", "b"), "linear0": ("a",), "quadratic": ("a", "b", "c"), "sqrt": ("a", "b"),
                 "sin": ("a", "b"), "hill": ("a", "b")}[self.form]
        out = dict(zip(names, self.coef))
        if self.form == "hill":
            out.update(K=self.K, n=self.hill_n)
        return out


def _sin_t(x, lo: float, hi: float):
    span = hi - lo
    if span <= _FLAT:
        return np.zeros_like(x) if np.ndim(x) else 0.0
    return (math.pi / 2) * (np.clip(x, lo, hi) - lo) / span


def _hill_h(s, K: float, n: float):
    sn = np.power(s, n)
    return sn / (K ** n + sn)


def _basis(form: str, x: np.ndarray, fit_or_shape, reduced: bool = False) -> np.ndarray:
    """The design matrix of ``form`` at ``x`` (one column per coefficient)."""
    one = np.ones_like(x)
    if form == "linear":
        return np.column_stack([x, one])
    if form == "linear0":
        return x[:, None]
    if form == "quadratic":
        return np.column_stack([x * x, one]) if reduced else np.column_stack([x * x, x, one])
    if form == "sqrt":
        return np.column_stack([np.sqrt(np.maximum(x, 0.0)), one])
    if form == "sin":
        t = _sin_t(x, fit_or_shape.lo, fit_or_shape.hi)
        return np.column_stack([np.sin(t), np.cos(t)])
    if form == "hill":
        return np.column_stack([_hill_h(np.maximum(x, 0.0), fit_or_shape.K, fit_or_shape.hill_n), one])
    raise ValueError(form)


def _eval_scalar(fit: Fit, x: float) -> float:
    c = fit.coef
    f = fit.form
    if f == "linear":
        return c[0] * x + c[1]
    if f == "linear0":
        return c[0] * x
    if f == "quadratic":
        return c[0] * x * x + c[1] if len(c) == 2 else c[0] * x * x + c[1] * x + c[2]
    if f == "sqrt":
        return c[0] * math.sqrt(max(x, 0.0)) + c[1]
    if f == "sin":
        t = float(_sin_t(x, fit.lo, fit.hi))
        return c[0] * math.sin(t) + c[1] * math.cos(t)
    if f == "hill":
        s = max(x, 0.0)
        sn = s ** fit.hill_n
        return c[0] * sn / (fit.K ** fit.hill_n + sn) + c[1]
    raise ValueError(f)


def _r2(sse: float, y: np.ndarray) -> float:
    sst = float(((y - y.mean()) ** 2).sum())
    if sst <= _FLAT:
        return 1.0 if sse <= _FLAT else 0.0
    return 1.0 - sse / sst


def _lstsq(B: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    coef, *_ = np.linalg.lstsq(B, y, rcond=None)
    resid = y - B @ coef
    return coef, float(resid @ resid)


def _constant(form: str, x: np.ndarray, y: np.ndarray, reduced: bool) -> Fit:
    """The no-information fit: ``f = mean(y)`` whatever ``x`` (regulator without spread)."""
    m = float(y.mean())
    lo = hi = float(x.min())
    coef = {"linear": (0.0, m), "linear0": (0.0,), "quadratic": (0.0, m) if reduced else (0.0, 0.0, m),
            "sqrt": (0.0, m), "sin": (0.0, m), "hill": (0.0, m)}[form]
    sse = float(((y - m) ** 2).sum())
    if form == "linear0":  # through zero: the best a*x at constant x = x0 is a = mean(y)/x0
        x0 = float(x[0])
        a = m / x0 if abs(x0) > _FLAT else 0.0
        coef = (a,)
        sse = float(((y - a * x) ** 2).sum())
    return Fit(form, tuple(float(v) for v in coef), _r2(sse, y), len(y), lo=lo, hi=hi)


def fit(form: str, x, y, *, reduced: bool = False) -> Fit:
    """Fit ``y = f(x)`` of ``form`` (one of `FORMS`) by least squares.

    ``reduced``: fit the two-coefficient reduction of quadratic and Hill (the two state means of
    the ``gager`` mode cannot determine more; see the module table).
    """
    if form not in FORMS:
        raise InputError(f"unknown relationship {form!r}", where="relationship",
                         fix=f"use one of {', '.join(RELATIONSHIPS)}")
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1 or len(x) < 2:
        raise ValueError("fit needs two equal-length 1-d arrays with at least 2 points")
    if float(x.max() - x.min()) < _FLAT:
        return _constant(form, x, y, reduced)
    lo, hi = float(x.min()), float(x.max())
    if form == "hill":
        s = np.maximum(x, 0.0)
        pos = s[s > 0]
        if reduced or len(pos) == 0:
            grid = [(float(s.mean()) if s.mean() > 0 else 1.0, 1.0)]
        else:
            grid = [(float(k), n) for k in np.unique(np.quantile(pos, _HILL_QUANTILES)) for n in _HILL_N]
        best = None
        for K, n in grid:
            shape = Fit("hill", (0.0, 0.0), 0.0, len(x), K=K, hill_n=n)
            coef, sse = _lstsq(_basis("hill", x, shape), y)
            if best is None or sse < best[1] - 1e-15:
                best = (coef, sse, K, n)
        coef, sse, K, n = best
        return Fit("hill", tuple(float(v) for v in coef), _r2(sse, y), len(y), lo=lo, hi=hi, K=K, hill_n=n)
    shape = Fit(form, (), 0.0, len(x), lo=lo, hi=hi)
    coef, sse = _lstsq(_basis(form, x, shape, reduced=reduced and form == "quadratic"), y)
    return Fit(form, tuple(float(v) for v in coef), _r2(sse, y), len(y), lo=lo, hi=hi)


def criterion(f: Fit, x, y, kind: str = "bic") -> float:
    """BIC (``n ln(SSE/n) + k ln n``) or AIC (``n ln(SSE/n) + 2k``) of a fit on its data."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    resid = y - np.asarray(f(x))
    n = len(y)
    sse = max(float(resid @ resid), 1e-300)
    k = N_COEF[f.form]
    penalty = k * math.log(n) if kind == "bic" else 2 * k
    return n * math.log(sse / n) + penalty


def fit_auto(x, y, *, kind: str = "bic") -> Fit:
    """Every form fitted, the one with the lowest information criterion kept (ties: `FORMS` order)."""
    fits = [fit(f, x, y) for f in FORMS]
    scores = [criterion(f, x, y, kind) for f in fits]
    return fits[int(np.argmin(scores))]


def fit_relationship(relationship: str, x, y, *, reduced: bool = False) -> Fit:
    """`fit` for one of `FORMS`, `fit_auto` for ``"auto"`` (not on two points: every
    two-coefficient form fits them exactly, so no criterion can choose)."""
    if relationship == "auto":
        if reduced:
            raise InputError("the auto relationship needs per-cell pairs; the gager mode fits on two state "
                             "means, where every two-coefficient form is exact", where="relationship",
                             fix="use mode corrected, or a fixed relationship")
        return fit_auto(x, y)
    return fit(relationship, x, y, reduced=reduced)

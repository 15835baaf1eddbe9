"""Preprocessing: detect the value scale, library-size normalise + log1p, BEELINE gene selection.

Plain functions on `Dataset` (scanpy's ``pp`` style); each returns a new `Dataset` with a note
saying what was done, and never modifies its input. All work is vectorised NumPy on float32 with
at most one full-size copy of the matrix, so a 20,000 genes x 5,000 cells matrix is normalised and
reduced to a few hundred genes in seconds.

- `detect_scale` tells raw counts from log-transformed and other values.
- `normalize_log1p` scales each sample to ``target_sum`` and applies ``log1p`` (scanpy's
  ``normalize_total`` + ``log1p``).
- `gene_ordering` computes BEELINE's ``GeneOrdering.csv`` (p-value of variation along pseudotime
  and variance per gene); `select_genes` keeps all significant TFs plus the top-N most variable
  significant genes (Pratapa et al. 2020).
- `preprocess` chains them: ``normalize="auto"`` normalises only data detected as counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .dataset import Dataset
from .errors import InputError

__all__ = ["Scale", "detect_scale", "normalize_log1p", "gene_ordering", "select_genes",
           "preprocess"]

_LOG_MAX = 30.0          # log1p of 1e13: no log-scaled expression value is larger
_SAMPLE = 1_000_000      # values inspected for integrality


# ---------------------------------------------------------------------- scale detection
@dataclass(frozen=True)
class Scale:
    """The detected scale of an expression matrix: ``kind`` in {"counts", "log", "other"} and a
    one-line human ``reason``."""

    kind: str
    reason: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.reason}"


def _matrix(data) -> np.ndarray:
    if isinstance(data, Dataset):
        data = data.expression
    if isinstance(data, pd.DataFrame):
        data = data.to_numpy()
    return np.asarray(data)


def detect_scale(expression) -> Scale:
    """Classify the values of ``expression`` (a `Dataset`, DataFrame or array).

    Rules, in order:

    - any negative value -> ``"other"`` (z-scores, log-ratios, centred or batch-corrected data);
    - all values (a random sample of up to 10^6 of them) within 1e-3 of an integer and the
      maximum above 1 -> ``"counts"`` (raw UMI / read counts);
    - maximum at most 1 -> ``"other"``: values in [0, 1] are linear concentrations scaled to
      their maximum (DREAM4 / GeneNetWeaver data) or binary data, not logarithms;
    - maximum below 30 -> ``"log"`` (e.g. log1p of normalised counts, log2 TPM);
    - otherwise ``"other"``: non-integer values on a linear scale (TPM, FPKM, normalised counts).

    Only ``"counts"`` is normalised by ``preprocess(normalize="auto")``.
    """
    X = _matrix(expression)
    if X.size == 0:
        raise InputError("the expression matrix is empty", where="expression")
    lo, hi = float(np.min(X)), float(np.max(X))
    if lo < 0:
        return Scale("other", f"negative values (min {lo:.3g}): z-scores, log-ratios or centred "
                              "data; left as is")
    flat = np.ravel(X, order="K")
    if flat.size > _SAMPLE:
        idx = np.random.default_rng(0).integers(0, flat.size, _SAMPLE)
        flat = flat[idx]
    integral = bool(np.all(np.abs(flat - np.rint(flat)) < 1e-3))
    if integral and hi > 1:
        return Scale("counts", f"non-negative integers up to {hi:.0f}: raw counts")
    if hi <= 1:
        return Scale("other", f"values within [0, {hi:.3g}]: linear levels scaled to their maximum "
                              "(DREAM4-like) or binary data; left as is")
    if hi < _LOG_MAX:
        return Scale("log", f"non-integer values in [0, {hi:.3g}]: already log-transformed")
    return Scale("other", f"non-integer values up to {hi:.3g}: a linear scale such as TPM/FPKM; "
                          "choose normalize='yes' to log-transform")


# ---------------------------------------------------------------------- normalisation
def normalize_log1p(dataset: Dataset, target_sum: float | None = 1e4) -> Dataset:
    """Library-size normalisation then ``log1p``: ``x'_gc = log(1 + target_sum * x_gc / sum_g x_gc)``.

    Parameters
    ----------
    dataset : a `Dataset` with non-negative values (counts).
    target_sum : total each sample is scaled to (scanpy's default 1e4 = "CP10k"); ``None`` uses
        the median library size. Samples whose total is 0 stay 0 (with a note).

    Works on one float32 copy of the matrix (in place after that).
    """
    X = dataset.expression.to_numpy(dtype=np.float32, copy=True)
    if X.min() < 0:
        raise InputError("normalisation needs non-negative values (counts), but the data have "
                         "negative values", where=dataset.name,
                         fix="use normalize='no' for z-scores or log-ratios")
    totals = X.sum(axis=0, dtype=np.float64)
    positive = totals > 0
    if target_sum is None:
        target_sum = float(np.median(totals[positive])) if positive.any() else 1.0
    elif not target_sum > 0:
        raise ValueError(f"target_sum must be positive, got {target_sum!r}")
    factor = np.zeros_like(totals)
    factor[positive] = target_sum / totals[positive]
    X *= factor.astype(np.float32)[None, :]
    np.log1p(X, out=X)
    notes = [f"normalised each sample to {target_sum:g} total and log1p-transformed"]
    if not positive.all():
        notes.append(f"{int((~positive).sum())} samples with zero total left at 0")
    expr = pd.DataFrame(X, index=dataset.expression.index, columns=dataset.expression.columns,
                        copy=False)
    return dataset.replace(expression=expr, notes=dataset.notes + tuple(notes))


# ---------------------------------------------------------------------- gene ordering
def _spline_basis(t: np.ndarray, df: int) -> np.ndarray:
    """Intercept plus a cubic regression spline with ``df`` degrees of freedom on ``t`` in [0, 1]:
    ``t, t^2, t^3`` and truncated cubics ``(t - k)^3_+`` at ``df - 3`` interior quantile knots
    (a polynomial of degree ``df`` when ``df < 3``), orthonormalised by QR."""
    cols = [np.ones_like(t)]
    for d in range(1, min(df, 3) + 1):
        cols.append(t ** d)
    if df > 3:
        knots = np.quantile(t, np.linspace(0, 1, df - 1)[1:-1])
        cols += [np.clip(t - k, 0, None) ** 3 for k in knots]
    B = np.column_stack(cols)
    Q, R = np.linalg.qr(B)
    keep = np.abs(np.diag(R)) > 1e-10 * np.abs(R).max()      # drop collinear columns
    return Q[:, keep]


def gene_ordering(dataset: Dataset, covariate: str = "auto", *, df: int = 4,
                  chunk: int = 2048) -> pd.DataFrame:
    """Per-gene p-value of variation and variance: our version of BEELINE's ``GeneOrdering.csv``.

    BEELINE fits a generalised additive model (R ``VGAM``) of each gene along pseudotime and
    reports its p-value (``VGAMpValue``) and the gene's variance. We fit, per gene, the
    least-squares cubic regression spline on the covariate (``df`` degrees of freedom, see
    `_spline_basis`) and compare it with the constant model by the F-test
    ``F = ((RSS0 - RSS1) / df) / (RSS1 / (n - df - 1))`` — a Gaussian GAM with fixed knots instead
    of VGAM's smoothing spline, and exact, vectorised least squares for all genes at once.

    ``covariate``: ``"auto"`` uses ``pseudotime``, else ``time`` from the sample metadata when
    present, else none; or name a metadata column; ``None`` for none. Samples with a missing
    covariate are left out of the test. Without a covariate, the test is on dispersion (like
    scanpy's "seurat" flavour, but robust): ``log(var / mean)`` of each gene (on ``expm1`` of
    the values when they are log-scaled, else as given) is z-scored with median and MAD among genes of similar mean (`_dispersion_z`) and
    ``p = P(Z > z)`` under a standard normal.

    Returns a DataFrame indexed by gene with columns ``pvalue``, ``variance``, ``statistic`` (F or
    z) and the ``test`` used.
    """
    if covariate == "auto":
        covariate = next((c for c in ("pseudotime", "time") if c in dataset.samples
                          and dataset.samples[c].notna().sum() >= 10), None)
    Y = dataset.expression.to_numpy()
    G, C = Y.shape
    mean = np.empty(G)
    var = np.empty(G)
    if covariate is not None:
        if covariate not in dataset.samples:
            raise InputError(f"no sample metadata column {covariate!r}", where=dataset.name,
                             fix="use 'auto', None or one of: " + ", ".join(map(str, dataset.samples.columns)))
        t = pd.to_numeric(dataset.samples[covariate], errors="coerce").to_numpy(float)
        ok = np.isfinite(t)
        n = int(ok.sum())
        t = t[ok]
        span = t.max() - t.min() if n else 0.0
        if n < df + 3 or span <= 0:
            raise InputError(f"the {covariate!r} column has too few distinct values for a test "
                             f"({n} samples)", where=dataset.name,
                             fix="select genes without a covariate (covariate=None)")
        Q = _spline_basis((t - t.min()) / span, df)
        p_eff = Q.shape[1] - 1
        stat = np.empty(G)
        all_ok = bool(ok.all())
        for s in range(0, G, chunk):
            block = Y[s:s + chunk].astype(np.float64)
            mean[s:s + chunk], var[s:s + chunk] = _mean_var(block)
            if not all_ok:
                block = block[:, ok]
                rss0 = _mean_var(block)[1] * (n - 1)
            else:
                rss0 = var[s:s + chunk] * (n - 1)
            # Q's non-intercept columns are orthogonal to the constant: no centring needed
            proj = block @ Q[:, 1:]
            explained = np.einsum("ij,ij->i", proj, proj)
            rss1 = np.maximum(rss0 - explained, 1e-300)
            stat[s:s + chunk] = (explained / p_eff) / (rss1 / (n - p_eff - 1))
        from scipy.stats import f as f_dist
        pval = f_dist.sf(stat, p_eff, n - p_eff - 1)
        pval[~(var > 0)] = 1.0                               # constant genes
        test = f"F-test of a cubic spline (df={p_eff}) on {covariate}"
    else:
        unlog = detect_scale(dataset).kind == "log"
        lin_mean, lin_var = np.empty(G), np.empty(G)
        for s in range(0, G, chunk):
            block = Y[s:s + chunk].astype(np.float64)
            mean[s:s + chunk], var[s:s + chunk] = _mean_var(block)
            if unlog:
                np.expm1(block, out=block)
                lin_mean[s:s + chunk], lin_var[s:s + chunk] = _mean_var(block)
        stat = _dispersion_z(lin_mean, lin_var) if unlog else _dispersion_z(mean, var)
        from scipy.stats import norm
        pval = norm.sf(stat)
        pval[~np.isfinite(stat)] = 1.0
        test = "dispersion z-score within mean bins"
    return pd.DataFrame({"pvalue": pval, "variance": var, "statistic": stat, "test": test},
                        index=dataset.expression.index)


def _mean_var(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row means and unbiased variances in two passes over a float64 block."""
    n = block.shape[1]
    sums = block.sum(1)
    mean = sums / n
    sq = np.einsum("ij,ij->i", block, block)
    var = np.maximum(sq - sums * mean, 0.0) / max(n - 1, 1)
    return mean, var


def _dispersion_z(mean: np.ndarray, var: np.ndarray, n_bins: int = 20) -> np.ndarray:
    """Robust z-score of ``log(var / mean)`` among genes of similar mean: genes are put in up to
    ``n_bins`` bins by mean quantile (at least 10 genes a bin) and ``z = (d - median) / (1.4826 *
    MAD)`` within each bin (the median absolute deviation of all genes where a bin's is 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        disp = np.log(var / mean)
    z = np.full(len(mean), np.nan)
    good = np.isfinite(disp) & (mean > 0)
    if good.sum() < 3:
        return z
    d, m = disp[good], mean[good]
    n_bins = max(1, min(n_bins, len(d) // 10))
    edges = np.quantile(m, np.linspace(0, 1, n_bins + 1))
    bins = np.clip(np.searchsorted(edges, m, side="right") - 1, 0, n_bins - 1)
    global_mad = 1.4826 * np.median(np.abs(d - np.median(d)))
    out = np.zeros(len(d))
    for b in np.unique(bins):
        sel = bins == b
        med = np.median(d[sel])
        mad = 1.4826 * np.median(np.abs(d[sel] - med))
        scale = mad if mad > 0 else global_mad
        out[sel] = (d[sel] - med) / scale if scale > 0 else 0.0
    z[good] = out
    return z


# ---------------------------------------------------------------------- gene selection
def select_genes(dataset: Dataset, n_top: int = 500, pvalue: float = 0.01, *,
                 bonferroni: bool = True, covariate: str | None = "auto", df: int = 4,
                 ordering: pd.DataFrame | None = None) -> Dataset:
    """BEELINE's gene selection: all significantly varying TFs plus the ``n_top`` most variable
    significant non-TF genes.

    BEELINE (Pratapa et al. 2020): genes are tested for variation along pseudotime (a GAM,
    Bonferroni-corrected p < 0.01); the selected set is every significant TF plus the top 500 or
    1,000 significant genes by variance. Here: p-values and variances from `gene_ordering` (a
    spline F-test on pseudotime / time, or a dispersion test when there is no covariate; see its
    docstring), Bonferroni-corrected when ``bonferroni`` (``p * n_genes < pvalue``); kept genes are
    the significant TFs (all of them) and the ``n_top`` significant non-TF genes with the largest
    variance ("additional" genes, as in the paper). Fewer are kept when fewer are significant.
    When the TF list is every gene (no TF list was given), only the top ``n_top`` are kept.

    Without a covariate (no ``pseudotime``/``time``) BEELINE's test cannot be run: the dispersion
    test then only decides which TFs are kept, and the ``n_top`` others are the non-TF genes of
    largest variance among all non-constant genes (as scanpy's highly-variable genes would give
    ``n_top`` genes), so ``n_top`` genes are kept whenever that many vary.
    The ground-truth network is restricted to edges between kept genes and the TF list to kept
    TFs; a note records the counts. ``ordering`` may pass a precomputed `gene_ordering`.

    The gene order of the input is preserved.
    """
    if isinstance(n_top, bool) or not isinstance(n_top, (int, np.integer)) or n_top < 0:
        raise ValueError(f"n_top must be a non-negative integer, got {n_top!r}")
    if not 0 < pvalue <= 1:
        raise ValueError(f"pvalue must be in (0, 1], got {pvalue!r}")
    if ordering is None:
        ordering = gene_ordering(dataset, covariate, df=df)
    genes = dataset.expression.index
    ordering = ordering.reindex(genes)
    p = ordering["pvalue"].to_numpy(float)
    if bonferroni:
        p = np.minimum(p * len(genes), 1.0)
    sig = np.nan_to_num(p, nan=1.0) < pvalue
    tf_set = set(dataset.tfs)
    tf_list_given = len(tf_set) < len(genes)
    is_tf = genes.isin(list(tf_set)) if tf_list_given else np.zeros(len(genes), bool)
    keep_tf = sig & is_tf
    variance = np.nan_to_num(ordering["variance"].to_numpy(float), nan=-np.inf)
    test = str(ordering["test"].iloc[0]) if len(ordering) else "test"
    covariate_test = not test.startswith("dispersion")
    # with a covariate the top-N come from the significant genes (BEELINE); without one, from
    # every varying gene (the dispersion test only gates the TFs)
    pool = sig if covariate_test else variance > 0
    cand = np.flatnonzero(pool & ~is_tf)
    top = cand[np.argsort(-variance[cand], kind="stable")[:n_top]]
    keep = keep_tf.copy()
    keep[top] = True
    n_keep = int(keep.sum())
    if n_keep < 2:
        raise InputError(f"only {n_keep} of {len(genes)} genes vary significantly "
                         f"({test}, {'Bonferroni ' if bonferroni else ''}p < {pvalue:g})",
                         where=dataset.name,
                         fix="raise pvalue, turn off bonferroni or skip gene selection")
    kept_genes = genes[keep]
    others = "significant genes" if covariate_test else "varying genes (no pseudotime/time to test)"
    note = (f"selected {n_keep} of {len(genes)} genes (BEELINE-style: {int(keep_tf.sum())} "
            f"significant TFs + top {len(top)} {others} by variance; {test}, "
            f"{'Bonferroni ' if bonferroni else ''}p < {pvalue:g}; {int(sig.sum())} significant)")
    notes = list(dataset.notes) + [note]
    net = dataset.network
    if net is not None:
        kept_set = set(kept_genes)
        inside = net["regulator"].isin(kept_set) & net["target"].isin(kept_set)
        notes.append(f"ground truth restricted to the selected genes: {int(inside.sum())} of "
                     f"{len(net)} edges kept")
        net = net[inside] if inside.any() else None
    tfs = [t for t in dataset.tfs if t in set(kept_genes)] if tf_list_given else None
    if tf_list_given and not tfs:
        notes.append("no TF of the TF list was selected; all genes are allowed as regulators")
        tfs = list(kept_genes) if net is None else None
    expr = dataset.expression.loc[kept_genes]
    return Dataset.create(expr, samples=dataset.samples, network=net, tfs=tfs, name=dataset.name,
                          kind=dataset.kind, source=dataset.source, extras=dataset.extras,
                          notes=notes)


# ---------------------------------------------------------------------- pipeline
def preprocess(dataset: Dataset, normalize: str = "auto", n_top_genes: int | None = None, *,
               target_sum: float | None = 1e4, pvalue: float = 0.01,
               bonferroni: bool = True) -> Dataset:
    """Normalise (when needed) and optionally select genes, BEELINE style.

    Parameters
    ----------
    normalize : ``"auto"`` normalises (`normalize_log1p`) only when `detect_scale` says
        ``"counts"``; ``"yes"`` always; ``"no"`` never.
    n_top_genes : ``None`` keeps every gene; otherwise `select_genes` with ``n_top=n_top_genes``
        (500 or 1,000 are BEELINE's choices), ``pvalue`` and ``bonferroni``.
    target_sum : passed to `normalize_log1p`.

    The detected scale and every step are recorded in the returned dataset's notes.
    """
    if normalize not in ("auto", "yes", "no"):
        raise ValueError(f"normalize must be 'auto', 'yes' or 'no', got {normalize!r}")
    scale = detect_scale(dataset)
    out = dataset.replace(notes=dataset.notes + (f"detected scale {scale}",))
    if normalize == "yes" or (normalize == "auto" and scale.kind == "counts"):
        out = normalize_log1p(out, target_sum=target_sum)
    if n_top_genes is not None:
        out = select_genes(out, n_top=n_top_genes, pvalue=pvalue, bonferroni=bonferroni)
    return out

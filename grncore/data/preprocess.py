"""Preprocessing: detect the value scale, library-size normalise + log1p, BEELINE gene selection.

Plain functions on `Dataset` (scanpy's ``pp`` style); each returns a new `Dataset` with a note
saying what was done, and never modifies its input. All work is vectorised NumPy on float32 with
at most one full-size copy of the matrix, so a 20,000 genes x 5,000 cells matrix is normalised and
reduced to a few hundred genes in seconds.

Sparse single-cell files (``.h5ad``) take `preprocess_cells` instead: the same steps on a
`CellMatrix` that stays CSR/CSC (scanpy's way: scaling and ``log1p`` on the stored values, per-gene
means and variances from sums and sums of squares, the spline F-test as ``X^T Q``; see
`grncore.data.sparse`), and only the selected genes are ever made dense. Both paths give the same
numbers (float tolerance) and the same notes.

- `detect_scale` tells raw counts from log-transformed and other values.
- `normalize_log1p` scales each sample to ``target_sum`` and applies ``log1p`` (scanpy's
  ``normalize_total`` + ``log1p``).
- `gene_ordering` computes BEELINE's ``GeneOrdering.csv`` (p-value of variation along pseudotime
  and variance per gene); `select_genes` keeps all significant TFs plus the top-N most variable
  significant genes (Pratapa et al. 2020).
- `preprocess` chains them: ``normalize="auto"`` normalises only data detected as counts;
  `preprocess_cells` is its sparse twin, and `selection_of` reads back the `Selection` made.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace

import numpy as np
import pandas as pd

from . import sparse as sps
from .dataset import Dataset, align_samples, resolve_regulators, validate_names
from .errors import InputError
from .sparse import CellMatrix

__all__ = ["Scale", "Selection", "detect_scale", "normalize_log1p", "normalize_cells",
           "gene_ordering", "select_genes", "selection_of", "preprocess", "preprocess_cells"]

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


def _matrix(data):
    if isinstance(data, Dataset):
        data = data.expression
    if isinstance(data, CellMatrix):
        data = data.X
    if isinstance(data, pd.DataFrame):
        data = data.to_numpy()
    return data if sps.sp.issparse(data) else np.asarray(data)


def detect_scale(expression) -> Scale:
    """Classify the values of ``expression`` (a `Dataset`, DataFrame, array, `CellMatrix` or
    scipy sparse matrix; sparse ones are read through their stored values only).

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
    if X.shape[0] * X.shape[1] == 0:
        raise InputError("the expression matrix is empty", where="expression")
    if sps.sp.issparse(X):                      # implicit zeros are integers: check stored values
        lo, hi = sps.value_range(X)
    else:
        lo, hi = float(np.min(X)), float(np.max(X))
    if lo < 0:
        return Scale("other", f"negative values (min {lo:.3g}): z-scores, log-ratios or centred "
                              "data; left as is")
    if sps.sp.issparse(X):
        flat = sps.stored_values(X, _SAMPLE)
    else:
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
        raise _negative(dataset.name)
    factor, notes = _size_factors(X.sum(axis=0, dtype=np.float64), target_sum)
    X *= factor.astype(np.float32)[None, :]
    np.log1p(X, out=X)
    expr = pd.DataFrame(X, index=dataset.expression.index, columns=dataset.expression.columns,
                        copy=False)
    return dataset.replace(expression=expr, notes=dataset.notes + tuple(notes))


def normalize_cells(cells: CellMatrix, target_sum: float | None = 1e4, *,
                    where: str = "expression") -> list[str]:
    """`normalize_log1p` of a sparse `CellMatrix`, in place on its stored values (zeros stay
    zeros: ``log1p(0) = 0``); returns the notes. Same float32 arithmetic as the dense path."""
    X = cells.X
    if X.data.size and X.data.min() < 0:
        raise _negative(where)
    factor, notes = _size_factors(sps.cell_totals(X), target_sum)
    sps.scale_cells(X, factor)
    np.log1p(X.data, out=X.data)
    return notes


def _negative(where: str) -> InputError:
    return InputError("normalisation needs non-negative values (counts), but the data have "
                      "negative values", where=where, fix="use normalize='no' for z-scores or log-ratios")


def _size_factors(totals: np.ndarray, target_sum: float | None) -> tuple[np.ndarray, list[str]]:
    """Per-sample factors ``target_sum / total`` (0 for an empty sample) and the notes."""
    positive = totals > 0
    if target_sum is None:
        target_sum = float(np.median(totals[positive])) if positive.any() else 1.0
    elif not target_sum > 0:
        raise ValueError(f"target_sum must be positive, got {target_sum!r}")
    factor = np.zeros_like(totals)
    factor[positive] = target_sum / totals[positive]
    notes = [f"normalised each sample to {target_sum:g} total and log1p-transformed"]
    if not positive.all():
        notes.append(f"{int((~positive).sum())} samples with zero total left at 0")
    return factor, notes


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


def gene_ordering(dataset: Dataset | CellMatrix, covariate: str = "auto", *, df: int = 4,
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

    ``dataset`` may also be a sparse `CellMatrix` (cells x genes): means and variances then come
    from per-gene sums and sums of squares of the stored values and the spline fit from
    ``X^T Q`` (`grncore.data.sparse`), never densifying the matrix; dense ones go ``chunk``
    genes at a time.

    Returns a DataFrame indexed by gene with columns ``pvalue``, ``variance``, ``statistic`` (F or
    z) and the ``test`` used.
    """
    cells = isinstance(dataset, CellMatrix)
    if cells:
        samples = dataset.samples if dataset.samples is not None else pd.DataFrame(index=dataset.cells)
        name, genes = "expression", dataset.genes
    else:
        samples, name, genes = dataset.samples, dataset.name, dataset.expression.index
    sparse = cells and dataset.is_sparse
    Y = dataset.X if sparse else (np.asarray(dataset.X).T if cells else dataset.expression.to_numpy())
    G = len(genes)
    if covariate == "auto":
        covariate = next((c for c in ("pseudotime", "time") if c in samples
                          and samples[c].notna().sum() >= 10), None)
    if covariate is not None:
        if covariate not in samples:
            raise InputError(f"no sample metadata column {covariate!r}", where=name,
                             fix="use 'auto', None or one of: " + ", ".join(map(str, samples.columns)))
        t = pd.to_numeric(samples[covariate], errors="coerce").to_numpy(float)
        ok = np.isfinite(t)
        n = int(ok.sum())
        t = t[ok]
        span = t.max() - t.min() if n else 0.0
        if n < df + 3 or span <= 0:
            raise InputError(f"the {covariate!r} column has too few distinct values for a test "
                             f"({n} samples)", where=name,
                             fix="select genes without a covariate (covariate=None)")
        Q = _spline_basis((t - t.min()) / span, df)
        p_eff = Q.shape[1] - 1
        if sparse:
            mean, var, rss0, explained = _spline_sums_sparse(Y, ok, Q)
        else:
            mean, var, rss0, explained = _spline_sums_dense(Y, ok, Q, chunk)
        rss1 = np.maximum(rss0 - explained, 1e-300)
        stat = (explained / p_eff) / (rss1 / (n - p_eff - 1))
        from scipy.stats import f as f_dist
        pval = f_dist.sf(stat, p_eff, n - p_eff - 1)
        pval[~(var > 0)] = 1.0                               # constant genes
        test = f"F-test of a cubic spline (df={p_eff}) on {covariate}"
    else:
        unlog = detect_scale(dataset).kind == "log"
        if sparse:
            mean, var = _moments(*sps.gene_sums(Y), Y.shape[0])
            lin_mean, lin_var = (_moments(*sps.gene_sums(Y, np.expm1), Y.shape[0]) if unlog
                                 else (None, None))
        else:
            mean, var, lin_mean, lin_var = np.empty(G), np.empty(G), np.empty(G), np.empty(G)
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
                        index=genes)


def _spline_sums_dense(Y: np.ndarray, ok: np.ndarray, Q: np.ndarray, chunk: int):
    """Per gene (rows of genes x samples ``Y``): mean and variance over all samples, the constant
    model's RSS over the samples ``ok`` and the spline's explained sum of squares
    ``||y_ok Q_1||^2`` (Q's non-intercept columns are orthogonal to the constant: no centring
    needed), ``chunk`` genes at a time in float64."""
    G = Y.shape[0]
    n = int(ok.sum())
    mean, var, rss0, explained = (np.empty(G) for _ in range(4))
    all_ok = bool(ok.all())
    for s in range(0, G, chunk):
        block = Y[s:s + chunk].astype(np.float64)
        mean[s:s + chunk], var[s:s + chunk] = _mean_var(block)
        if not all_ok:
            block = block[:, ok]
            rss0[s:s + chunk] = _mean_var(block)[1] * (n - 1)
        else:
            rss0[s:s + chunk] = var[s:s + chunk] * (n - 1)
        proj = block @ Q[:, 1:]
        explained[s:s + chunk] = np.einsum("ij,ij->i", proj, proj)
    return mean, var, rss0, explained


def _spline_sums_sparse(X, ok: np.ndarray, Q: np.ndarray):
    """`_spline_sums_dense` for a sparse cells x genes ``X``: moments from per-gene sums and sums
    of squares, the projection as ``X_ok^T Q_1`` (`sparse.gene_projection`)."""
    mean, var = _moments(*sps.gene_sums(X), X.shape[0])
    n = int(ok.sum())
    if ok.all():
        rss0 = var * (n - 1)
    else:
        X = X[np.flatnonzero(ok)]
        rss0 = _moments(*sps.gene_sums(X), n)[1] * (n - 1)
    proj = sps.gene_projection(X, Q[:, 1:])
    return mean, var, rss0, np.einsum("ij,ij->i", proj, proj)


def _mean_var(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row means and unbiased variances of a float64 block, from sums and sums of squares."""
    return _moments(block.sum(1), np.einsum("ij,ij->i", block, block), block.shape[1])


def _moments(sums: np.ndarray, sq: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Means ``s / n`` and unbiased variances ``max(q - s^2 / n, 0) / (n - 1)`` from sums ``s`` and
    sums of squares ``q`` over ``n`` values (scanpy's sparse mean/variance)."""
    mean = sums / n
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
_NUM = r"[\d,]+"
_NOTE = re.compile(
    rf"^selected (?P<genes_kept>{_NUM}) of (?P<genes_in>{_NUM}) genes \(BEELINE-style: "
    rf"(?:(?P<tfs_kept>{_NUM}) of (?P<tfs_in>{_NUM}) TFs kept \(significant\) \+ |no TF list, )"
    rf"top (?P<others_kept>{_NUM}) of (?P<others_pool>{_NUM}) (?P<pool>.+?) by variance, "
    rf"N = (?P<n_top>{_NUM}); (?P<test>.+), (?P<bonferroni>Bonferroni )?p < (?P<pvalue>[^;]+); "
    rf"(?P<significant>{_NUM}) significant\)$")


@dataclass(frozen=True)
class Selection:
    """The gene selection `select_genes` made, as the Data page and ``grncore validate`` show it.

    ``tfs_in`` is the number of TFs of the TF list among the genes (0 when there is no TF list:
    every gene may regulate and only the top ``n_top`` are kept); ``others_pool`` the non-TF
    genes the top ``n_top`` by variance were taken from (``pool`` says which: the significant
    genes, or every varying gene when there is no pseudotime/time to test).
    The selection is recorded in the dataset's notes (`note`) and read back by `selection_of`,
    so it survives the workspace store.
    """

    genes_in: int
    genes_kept: int
    tfs_in: int
    tfs_kept: int
    others_kept: int
    others_pool: int
    pool: str
    n_top: int
    significant: int
    test: str
    pvalue: float
    bonferroni: bool

    @property
    def method(self) -> str:
        """One line: the rule and the test, e.g. ``BEELINE: significant TFs + top 500 by variance
        (F-test of a cubic spline (df=4) on pseudotime, Bonferroni p < 0.01)``."""
        rule = "significant TFs + top" if self.tfs_in else "top"
        return (f"BEELINE: {rule} {self.n_top:,} {self.pool} by variance ({self.test}, "
                f"{'Bonferroni ' if self.bonferroni else ''}p < {self.pvalue:g})")

    def note(self) -> str:
        tf_part = (f"{self.tfs_kept:,} of {self.tfs_in:,} TFs kept (significant) + " if self.tfs_in
                   else "no TF list, ")
        return (f"selected {self.genes_kept:,} of {self.genes_in:,} genes (BEELINE-style: {tf_part}"
                f"top {self.others_kept:,} of {self.others_pool:,} {self.pool} by variance, "
                f"N = {self.n_top:,}; {self.test}, {'Bonferroni ' if self.bonferroni else ''}"
                f"p < {self.pvalue:g}; {self.significant:,} significant)")

    def as_dict(self) -> dict:
        return {**asdict(self), "method": self.method}

    @classmethod
    def from_note(cls, note: str) -> "Selection | None":
        """The selection a `note` describes, or None for any other note."""
        m = _NOTE.match(note)
        if m is None:
            return None
        g = m.groupdict()
        num = {k: int((g[k] or "0").replace(",", "")) for k in
               ("genes_kept", "genes_in", "tfs_kept", "tfs_in", "others_kept", "others_pool",
                "n_top", "significant")}
        return cls(pool=g["pool"], test=g["test"], pvalue=float(g["pvalue"]),
                   bonferroni=bool(g["bonferroni"]), **num)


def selection_of(dataset: Dataset) -> Selection | None:
    """The last gene selection recorded in ``dataset.notes`` (None when genes were not selected)."""
    for note in reversed(dataset.notes):
        sel = Selection.from_note(note)
        if sel is not None:
            return sel
    return None


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
    TFs; a note records the counts (and the `Selection`, see `selection_of`). ``ordering`` may
    pass a precomputed `gene_ordering`.

    The gene order of the input is preserved.
    """
    _check_selection_args(n_top, pvalue)
    if ordering is None:
        ordering = gene_ordering(dataset, covariate, df=df)
    keep, tfs, net, notes = _select(dataset.expression.index, dataset.tfs, dataset.network,
                                    ordering, n_top, pvalue, bonferroni, dataset.name)
    expr = dataset.expression.iloc[np.flatnonzero(keep)]
    return Dataset.create(expr, samples=dataset.samples, network=net, tfs=tfs, name=dataset.name,
                          kind=dataset.kind, source=dataset.source, extras=dataset.extras,
                          notes=list(dataset.notes) + notes)


def _check_selection_args(n_top, pvalue) -> None:
    if isinstance(n_top, bool) or not isinstance(n_top, (int, np.integer)) or n_top < 0:
        raise ValueError(f"n_top must be a non-negative integer, got {n_top!r}")
    if not 0 < pvalue <= 1:
        raise ValueError(f"pvalue must be in (0, 1], got {pvalue!r}")


def _select(genes: pd.Index, tfs, network: pd.DataFrame | None, ordering: pd.DataFrame,
            n_top: int, pvalue: float, bonferroni: bool, where: str):
    """The rule of `select_genes` on names and statistics only (shared by the dense and the
    sparse path): ``(keep mask over genes, tfs for Dataset.create, restricted network, notes)``."""
    ordering = ordering.reindex(genes)
    p = ordering["pvalue"].to_numpy(float)
    if bonferroni:
        p = np.minimum(p * len(genes), 1.0)
    sig = np.nan_to_num(p, nan=1.0) < pvalue
    tf_set = set(tfs)
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
                         where=where,
                         fix="raise pvalue, turn off bonferroni or skip gene selection")
    kept_genes = genes[keep]
    sel = Selection(genes_in=len(genes), genes_kept=n_keep,
                    tfs_in=int(is_tf.sum()) if tf_list_given else 0, tfs_kept=int(keep_tf.sum()),
                    others_kept=len(top), others_pool=len(cand),
                    pool="significant genes" if covariate_test else "varying genes (no pseudotime/time to test)",
                    n_top=int(n_top), significant=int(sig.sum()), test=test, pvalue=float(pvalue),
                    bonferroni=bool(bonferroni))
    notes = [sel.note()]
    net = network
    if net is not None:
        kept_set = set(kept_genes)
        inside = net["regulator"].isin(kept_set) & net["target"].isin(kept_set)
        notes.append(f"ground truth restricted to the selected genes: {int(inside.sum())} of "
                     f"{len(net)} edges kept")
        net = net[inside] if inside.any() else None
    out_tfs = [t for t in tfs if t in set(kept_genes)] if tf_list_given else None
    if tf_list_given and not out_tfs:
        notes.append("no TF of the TF list was selected; all genes are allowed as regulators")
        out_tfs = list(kept_genes) if net is None else None
    return keep, out_tfs, net, notes


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
    _check_normalize(normalize)
    scale = detect_scale(dataset)
    out = dataset.replace(notes=dataset.notes + (f"detected scale {scale}",))
    if normalize == "yes" or (normalize == "auto" and scale.kind == "counts"):
        out = normalize_log1p(out, target_sum=target_sum)
    if n_top_genes is not None:
        out = select_genes(out, n_top=n_top_genes, pvalue=pvalue, bonferroni=bonferroni)
    return out


def _check_normalize(normalize: str) -> None:
    if normalize not in ("auto", "yes", "no"):
        raise ValueError(f"normalize must be 'auto', 'yes' or 'no', got {normalize!r}")


def preprocess_cells(cells: CellMatrix, normalize: str = "auto", n_top_genes: int | None = None, *,
                     network: pd.DataFrame | None = None, tfs=None, target_sum: float | None = 1e4,
                     pvalue: float = 0.01, bonferroni: bool = True, limit: int | None = None,
                     where: str = "expression", name: str = "dataset", kind: str = "single_cell",
                     source: str = "", notes=()) -> Dataset:
    """`preprocess` for a single-cell `CellMatrix`, keeping a sparse ``X`` sparse until the end.

    Returns the `Dataset` that ``preprocess(Dataset.create(<cells as genes x cells>, network=...,
    tfs=..., name=..., notes=...), normalize, n_top_genes, ...)`` would give (same values to
    float tolerance, same genes, TFs, network and notes), but only the selected genes are ever
    dense: scale detection, normalisation (`normalize_cells`, in place on the stored values: the
    `CellMatrix` is consumed), the `gene_ordering` statistics and the selection run on the sparse
    matrix, and the genes x cells float32 result must fit ``limit`` bytes (default
    `sparse.max_dense_bytes`, the ``GRN_MAX_DENSE_BYTES`` environment variable or 4 GiB), else an
    `InputError` gives the numbers and asks for fewer genes (``n_top_genes``) or cells.

    ``where`` names the file in messages; ``name``, ``kind``, ``source`` and ``notes`` go to the
    `Dataset` (``notes`` first, then those of `resolve_regulators` and of each step).
    """
    _check_normalize(normalize)
    if n_top_genes is not None:
        _check_selection_args(n_top_genes, pvalue)
    fields = dict(name=name, kind=kind, source=source)
    if not cells.is_sparse:
        expr = pd.DataFrame(sps.dense_genes(cells.X, np.arange(cells.n_genes), where=where, limit=limit),
                            index=cells.genes, columns=cells.cells)
        ds = Dataset.create(expr, samples=cells.samples, network=network, tfs=tfs, notes=notes,
                            where=where, **fields)
        return preprocess(ds, normalize, n_top_genes, target_sum=target_sum, pvalue=pvalue,
                          bonferroni=bonferroni)
    genes, cell_ids = validate_names(cells.genes, cells.cells, where)
    samples = cells.samples if cells.samples is not None else pd.DataFrame(index=cell_ids)
    cells = replace(cells, genes=genes, cells=cell_ids, samples=align_samples(samples, cell_ids, where))
    net, tf_list, reg_notes = resolve_regulators(genes, network, tfs)
    out_notes = list(notes) + reg_notes
    scale = detect_scale(cells)
    out_notes.append(f"detected scale {scale}")
    if normalize == "yes" or (normalize == "auto" and scale.kind == "counts"):
        out_notes += normalize_cells(cells, target_sum=target_sum, where=name)
    keep = np.ones(len(genes), bool)
    out_tfs = tf_list
    if n_top_genes is not None:
        ordering = gene_ordering(cells)
        keep, out_tfs, net, sel_notes = _select(genes, tf_list, net, ordering, n_top_genes,
                                                pvalue, bonferroni, name)
        out_notes += sel_notes
    rows = np.flatnonzero(keep)
    expr = pd.DataFrame(sps.dense_genes(cells.X, rows, where=where, limit=limit),
                        index=genes[rows], columns=cell_ids, copy=False)
    return Dataset.create(expr, samples=cells.samples, network=net, tfs=out_tfs, notes=out_notes,
                          where=where, **fields)

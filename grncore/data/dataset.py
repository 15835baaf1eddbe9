"""`Dataset`: the one object every part of GRN Workbench passes around.

A dataset is an expression matrix (genes x samples, float32), per-sample metadata, an optional
ground-truth network and the set of regulators allowed as edge sources. ``Dataset.create``
normalises and validates its inputs and raises `InputError` naming the problem; the constructor
itself only checks the invariants, so a `Dataset` that exists is always consistent.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from .errors import InputError

KINDS = ("single_cell", "time_series", "bulk")
NETWORK_COLUMNS = ("regulator", "target", "sign", "weight")
SAMPLE_COLUMNS = ("time", "experiment", "pseudotime", "condition")


@dataclass(frozen=True, eq=False)
class Dataset:
    """Expression data with its (optional) ground truth.

    Attributes
    ----------
    expression : genes x samples float32 DataFrame; the index holds unique gene symbols (str),
        the columns unique sample ids (str).
    samples : per-sample metadata indexed like ``expression.columns``; optional columns
        ``time`` (float), ``experiment`` (time-series run id), ``pseudotime`` (float),
        ``condition`` (state label).
    network : ground-truth edges, columns ``regulator, target, sign, weight`` (``sign`` is
        +1 activation / -1 repression / 0 unknown; ``weight`` NaN when absent) or None.
    tfs : regulators allowed as edge sources (sorted). Defaults to the regulators of the ground
        truth, else all genes.
    name, kind, source : a display name, one of `KINDS`, and a provenance string.
    extras : further gene x condition matrices that came with the data (e.g. DREAM4
        ``knockouts``, ``knockdowns``, ``wildtype``, ``multifactorial``).
    notes : validation messages for the user (e.g. edges dropped because a gene was absent).
    """

    expression: pd.DataFrame
    samples: pd.DataFrame
    network: pd.DataFrame | None
    tfs: tuple[str, ...]
    name: str
    kind: str = "single_cell"
    source: str = ""
    extras: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def __post_init__(self):
        e = self.expression
        if e.dtypes.nunique() != 1 or e.dtypes.iloc[0] != np.float32:
            raise TypeError("Dataset.expression must be float32; build datasets with Dataset.create")
        if not e.index.is_unique or not e.columns.is_unique:
            raise TypeError("Dataset.expression needs unique gene and sample names")
        if not self.samples.index.equals(e.columns):
            raise TypeError("Dataset.samples must be indexed by the expression columns")
        if self.kind not in KINDS:
            raise TypeError(f"Dataset.kind must be one of {KINDS}, not {self.kind!r}")

    # ------------------------------------------------------------------ construction
    @classmethod
    def create(
        cls,
        expression: pd.DataFrame,
        *,
        samples: pd.DataFrame | None = None,
        network: pd.DataFrame | None = None,
        tfs: Iterable[str] | None = None,
        name: str = "dataset",
        kind: str = "single_cell",
        source: str = "",
        extras: Mapping[str, pd.DataFrame] | None = None,
        notes: Iterable[str] = (),
        where: str = "expression",
    ) -> "Dataset":
        """Validate and normalise the parts of a dataset.

        ``where`` names the expression input in messages (usually its file name). Network edges
        whose genes are absent from the expression are dropped with a note, as are self-loops
        and duplicate edges; a network left with no edge is an `InputError`. A TF list is
        intersected with the genes (genome-wide TF lists are the norm, as in BEELINE) with a note
        naming what was ignored; a TF list naming no gene of the expression is an `InputError`.
        """
        notes = list(notes)
        expr = _validate_expression(expression, where)
        if samples is None:
            samples = pd.DataFrame(index=expr.columns.copy())
        samples = align_samples(samples, expr.columns, where)
        net, tf_list, reg_notes = resolve_regulators(expr.index, network, tfs)
        notes += reg_notes
        if kind not in KINDS:
            raise InputError(f"unknown data kind {kind!r}", fix=f"use one of {', '.join(KINDS)}")
        return cls(expression=expr, samples=samples, network=net, tfs=tf_list, name=name,
                   kind=kind, source=source, extras=dict(extras or {}), notes=tuple(notes))

    def with_(self, **changes) -> "Dataset":
        """A copy with some fields replaced, validated again through `create`."""
        fields = dict(expression=self.expression, samples=self.samples, network=self.network,
                      tfs=self.tfs, name=self.name, kind=self.kind, source=self.source,
                      extras=self.extras, notes=self.notes)
        fields.update(changes)
        return Dataset.create(fields.pop("expression"), **fields)

    # ------------------------------------------------------------------ summaries
    @property
    def genes(self) -> pd.Index:
        return self.expression.index

    @property
    def n_genes(self) -> int:
        return self.expression.shape[0]

    @property
    def n_samples(self) -> int:
        return self.expression.shape[1]

    @property
    def n_edges(self) -> int:
        return 0 if self.network is None else len(self.network)

    @property
    def n_candidate_pairs(self) -> int:
        """Ordered (regulator, target) pairs with regulator in `tfs`, no self-loops."""
        return len(self.tfs) * (self.n_genes - 1)

    @property
    def density(self) -> float:
        """True edges over candidate pairs (the positive rate of the unsupervised split)."""
        n = self.n_candidate_pairs
        return self.n_edges / n if n else 0.0

    def summary(self) -> dict:
        """The numbers the Data page and `grncore validate` show."""
        return {"genes": self.n_genes, "samples": self.n_samples, "edges": self.n_edges,
                "tfs": len(self.tfs), "kind": self.kind, "density": round(self.density, 6)}

    def fingerprint(self) -> str:
        """SHA-256 over expression values, gene/sample names, network and TFs (16 hex digits)."""
        h = hashlib.sha256()
        h.update(np.ascontiguousarray(self.expression.to_numpy()).tobytes())
        h.update("\x00".join(self.expression.index).encode())
        h.update("\x00".join(self.expression.columns).encode())
        if self.network is not None:
            h.update(self.network[["regulator", "target"]].to_csv(index=False).encode())
        h.update("\x00".join(self.tfs).encode())
        return h.hexdigest()[:16]

    def replace(self, **changes) -> "Dataset":
        """`dataclasses.replace` for fields that need no re-validation (name, source, notes)."""
        return replace(self, **changes)


# ---------------------------------------------------------------------- validation helpers
def resolve_regulators(genes: pd.Index, network: pd.DataFrame | None = None,
                       tfs: Iterable[str] | None = None) -> tuple[pd.DataFrame | None, tuple[str, ...], list[str]]:
    """The ground truth and TF list `Dataset.create` keeps for ``genes``, with its notes: the
    network validated against the genes, the TF list intersected with them (default: the
    regulators of the network, else every gene), sorted. Shared with the sparse single-cell
    path, which selects genes before the dense `Dataset` exists."""
    notes: list[str] = []
    net = None
    if network is not None:
        net, net_notes = _validate_network(network, genes)
        notes += net_notes
    if tfs is not None:
        tf_list, tf_notes = _validate_tfs(tfs, genes)
        notes += tf_notes
    elif net is not None:
        tf_list = sorted(set(net["regulator"]))
    else:
        tf_list = sorted(genes)
    return net, tuple(tf_list), notes


def validate_names(genes, samples, where: str) -> tuple[pd.Index, pd.Index]:
    """Gene and sample names as `Dataset.create` keeps them (str, stripped), or `InputError` for
    an empty matrix, a missing or duplicated name, or fewer than two genes or samples."""
    if len(genes) == 0 or len(samples) == 0:
        raise InputError("the expression matrix is empty", where=where,
                         fix="provide a genes x samples table with a header row of sample names")
    genes = pd.Index([str(g).strip() for g in genes])
    samples = pd.Index([str(s).strip() for s in samples])
    if (genes == "").any() or genes.isin(["nan", "None"]).any():
        row = int(np.flatnonzero((genes == "") | genes.isin(["nan", "None"]))[0])
        raise InputError(f"gene name missing in data row {row + 1}", where=where,
                         fix="give every row a gene name in the first column")
    dup = genes[genes.duplicated()]
    if len(dup):
        raise InputError(f"gene names are duplicated ({_few(dup.unique())})", where=where,
                         fix="make gene names unique, e.g. sum or drop the duplicated rows")
    dup = samples[samples.duplicated()]
    if len(dup):
        raise InputError(f"sample names are duplicated ({_few(dup.unique())})", where=where,
                         fix="make sample (column) names unique")
    if len(genes) < 2:
        raise InputError("only one gene: a network needs at least two genes", where=where,
                         fix="check the orientation (genes must be rows, or pass the transposed table)")
    if len(samples) < 2:
        raise InputError("only one sample: correlations and models need at least two samples",
                         where=where, fix="provide at least two samples (cells, time points or conditions)")
    return genes, samples


def _validate_expression(expression: pd.DataFrame, where: str) -> pd.DataFrame:
    if not isinstance(expression, pd.DataFrame):
        raise TypeError("expression must be a pandas DataFrame (genes x samples)")
    genes, samples = validate_names(expression.index, expression.columns, where)
    non_numeric = [c for c, t in expression.dtypes.items() if not pd.api.types.is_numeric_dtype(t)]
    if non_numeric:
        col = non_numeric[0]
        values = pd.to_numeric(expression[col], errors="coerce")
        bad = expression[col][values.isna() & expression[col].notna()]
        if len(bad):
            raise InputError(f"non-numeric value {str(bad.iloc[0])[:40]!r} for gene {bad.index[0]!r}, "
                             f"sample {col!r}", where=where,
                             fix="expression values must be numbers (use . as the decimal point)")
    if (expression.dtypes == np.float32).all():  # the readers' fast path: check in place, no float64 copy
        values = expression.to_numpy()
    else:
        values = expression.to_numpy(dtype=np.float64, na_value=np.nan)
    finite = np.isfinite(values)
    if not finite.all():
        r, c = np.argwhere(~finite)[0]
        raise InputError(f"value {values[r, c]} (not a finite number) for gene {genes[r]!r}, "
                         f"sample {samples[c]!r}; {int((~finite).sum())} such cells in all",
                         where=where, fix="impute or drop missing and infinite values before loading")
    if values.dtype != np.float32 and np.abs(values).max() > np.finfo(np.float32).max:
        raise InputError("values too large for 32-bit floats", where=where,
                         fix="rescale the data (e.g. log-transform)")
    return pd.DataFrame(values.astype(np.float32, copy=False), index=genes, columns=samples)


def align_samples(samples: pd.DataFrame, columns: pd.Index, where: str) -> pd.DataFrame:
    """Sample metadata as `Dataset.create` keeps it: one row per sample of ``columns``, in that
    order (missing ones NaN), ``time``/``pseudotime`` as floats."""
    samples = samples.copy()
    samples.index = pd.Index([str(s).strip() for s in samples.index])
    if not samples.index.is_unique:
        raise InputError("sample metadata names a sample twice", where="sample metadata",
                         fix="give each sample one row")
    missing = columns.difference(samples.index)
    if len(missing) == len(columns) and len(samples.columns):
        raise InputError(f"no sample of the expression is in the metadata (e.g. {columns[0]!r})",
                         where="sample metadata",
                         fix="the first column must hold the sample ids used in the expression header")
    samples = samples.reindex(columns)
    for col in ("time", "pseudotime"):
        if col in samples:
            samples[col] = pd.to_numeric(samples[col], errors="coerce").astype(float)
    return samples


def _validate_network(network: pd.DataFrame, genes: pd.Index) -> tuple[pd.DataFrame, list[str]]:
    notes: list[str] = []
    if "regulator" not in network or "target" not in network:
        raise TypeError("network needs regulator and target columns")
    net = pd.DataFrame({
        "regulator": network["regulator"].astype(str).str.strip(),
        "target": network["target"].astype(str).str.strip(),
        "sign": (pd.to_numeric(network["sign"], errors="coerce").fillna(0).astype(np.int8)
                 if "sign" in network else np.zeros(len(network), np.int8)),
        "weight": (pd.to_numeric(network["weight"], errors="coerce").astype(float)
                   if "weight" in network else np.nan),
    })
    if net.empty:
        raise InputError("the network has no edges", where="network",
                         fix="provide one edge per row: regulator, target")
    known = net["regulator"].isin(genes) & net["target"].isin(genes)
    if not known.any():
        raise InputError(f"none of the {len(net)} edges connects genes of the expression "
                         f"(e.g. {net['regulator'].iloc[0]!r} -> {net['target'].iloc[0]!r})",
                         where="network",
                         fix="check that the network uses the same gene identifiers as the expression")
    if not known.all():
        absent = sorted(set(net.loc[~known, "regulator"]).union(net.loc[~known, "target"]) - set(genes))
        notes.append(f"dropped {int((~known).sum())} of {len(net)} edges whose genes are not in the "
                     f"expression ({_few(absent)})")
        net = net[known]
    loops = net["regulator"] == net["target"]
    if loops.any():
        notes.append(f"dropped {int(loops.sum())} self-loops")
        net = net[~loops]
    dup = net.duplicated(["regulator", "target"])
    if dup.any():
        notes.append(f"dropped {int(dup.sum())} duplicated edges")
        net = net[~dup]
    if net.empty:
        raise InputError("no edge is left after dropping self-loops", where="network",
                         fix="a ground truth needs edges between two different genes")
    return net.reset_index(drop=True), notes


def _validate_tfs(tfs: Iterable[str], genes: pd.Index) -> tuple[list[str], list[str]]:
    tf_list = list(dict.fromkeys(str(t).strip() for t in tfs if str(t).strip()))
    if not tf_list:
        raise InputError("the TF list is empty", where="TF list", fix="list one regulator per line")
    gene_set = set(genes)
    unknown = [t for t in tf_list if t not in gene_set]
    if len(unknown) == len(tf_list):
        raise InputError(f"no TF in the list is a gene of the expression ({_few(unknown)})",
                         where="TF list", fix="use the gene identifiers of the expression matrix")
    notes = []
    if unknown:
        notes.append(f"ignored {len(unknown)} of {len(tf_list)} TFs that are not genes of the "
                     f"expression ({_few(unknown)})")
    return sorted(t for t in tf_list if t in gene_set), notes


def _few(names: Iterable, k: int = 3) -> str:
    names = [str(n) for n in names]
    shown = ", ".join(repr(n) for n in names[:k])
    return shown + (f" and {len(names) - k} more" if len(names) > k else "")

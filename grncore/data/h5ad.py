"""AnnData ``.h5ad`` reader (cells x genes -> genes x samples).

The file is checked to be HDF5 before AnnData opens it (h5py never unpickles). ``X`` is used,
dense or sparse; ``obs`` columns become sample metadata (time/pseudotime/condition recognised as
in `read_metadata`).

`read_h5ad_cells` keeps a sparse ``X`` sparse (a `CellMatrix`, cells x genes CSR/CSC with float32
values) for `preprocess.preprocess_cells`, which densifies only the selected genes; `read_h5ad`
makes the whole matrix dense, within the limit of `sparse.max_dense_bytes`.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .dataset import Dataset
from .errors import InputError
from .sparse import CellMatrix, dense_genes
from .io_common import HDF5_MAGIC, GZIP_MAGIC, as_path, build_dataset, describe_magic, strip_extensions
from .tabular import normalise_metadata


def read_h5ad(path, *, name: str | None = None, kind: str = "single_cell") -> Dataset:
    """Read an AnnData file into a `Dataset` (genes = ``var_names``, samples = ``obs_names``).

    The whole matrix becomes dense (genes x cells float32): an `InputError` gives the numbers when
    that exceeds `sparse.max_dense_bytes`; ``load(..., n_top_genes=N)`` selects genes first."""
    p = as_path(path, "AnnData")
    cells = read_h5ad_cells(p)
    expr = pd.DataFrame(dense_genes(cells.X, np.arange(cells.n_genes), where=p.name),
                        index=cells.genes, columns=cells.cells, copy=False)
    return build_dataset(expr, samples=cells.samples, name=name or strip_extensions(p.name), kind=kind,
                         source=f"h5ad: {p}", where=p.name)


def read_h5ad_cells(path) -> CellMatrix:
    """Read an AnnData file into a `CellMatrix`: ``X`` as stored (CSR/CSC stay sparse, values as
    float32), gene and cell names, and ``obs`` as sample metadata. Non-finite values are an
    `InputError` (a sparse matrix is checked here, on its stored values; a dense one by
    `Dataset.create`, which names the gene and sample)."""
    p = as_path(path, "AnnData")
    try:
        with open(p, "rb") as fh:
            head = fh.read(1024)
    except OSError as err:
        raise InputError(f"cannot read the file ({err.strerror or err})", where=p.name) from None
    if not head:
        raise InputError("the file is empty (0 bytes)", where=p.name, fix="provide a non-empty .h5ad file")
    if not head.startswith(HDF5_MAGIC):
        known = describe_magic(head)
        if known:
            looks = known[0]
        elif head.startswith(GZIP_MAGIC):
            looks = "a gzip-compressed file"
        elif b"\x00" not in head:
            looks = "a text file (a CSV/TSV table renamed .h5ad?)"
        else:
            looks = "binary data of an unknown kind"
        raise InputError(f"this is not an AnnData/HDF5 file: it looks like {looks}", where=p.name,
                         fix="save the AnnData object with adata.write_h5ad(...), or load a table as .csv")
    try:
        import anndata

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            adata = anndata.read_h5ad(p)
    except Exception as err:  # noqa: BLE001 - any failure to parse is bad input
        raise InputError(f"the HDF5 file is not a readable AnnData object ({type(err).__name__}: "
                         f"{str(err).splitlines()[0][:160] if str(err) else ''})", where=p.name,
                         fix="write it with anndata (adata.write_h5ad) and check that it opens in scanpy") from None
    X = adata.X
    if X is None:
        raise InputError("the AnnData object has no X matrix", where=p.name,
                         fix="store the expression values in adata.X")
    try:
        if sp.issparse(X):
            X = X if X.format in ("csr", "csc") else X.tocsr()
            X = (sp.csr_matrix if X.format == "csr" else sp.csc_matrix)(X)  # sparse arrays too
            X.data = values = np.asarray(X.data, dtype=np.float32)
        else:
            X = values = np.asarray(X, dtype=np.float32)
    except (TypeError, ValueError):
        raise InputError("adata.X is not numeric", where=p.name, fix="store numbers in adata.X") from None
    if X.ndim != 2:
        raise InputError("adata.X is not a matrix", where=p.name, fix="store a cells x genes matrix in adata.X")
    n_bad = int(np.count_nonzero(~np.isfinite(values))) if sp.issparse(X) else 0  # dense: Dataset.create
    if n_bad:
        raise InputError(f"adata.X has {n_bad} values that are not finite numbers (NaN or infinite)",
                         where=p.name, fix="impute or drop missing and infinite values before saving")
    genes = pd.Index([str(g) for g in adata.var_names])
    cells = pd.Index([str(c) for c in adata.obs_names])
    obs = adata.obs.copy()
    obs.index = cells
    samples = normalise_metadata(obs) if obs.shape[1] else None
    return CellMatrix(X=X, genes=genes, cells=cells, samples=samples)

"""AnnData ``.h5ad`` reader (cells x genes -> genes x samples).

The file is checked to be HDF5 before AnnData opens it (h5py never unpickles). ``X`` is used,
dense or sparse; ``obs`` columns become sample metadata (time/pseudotime/condition recognised as
in `read_metadata`).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .dataset import Dataset
from .errors import InputError
from .io_common import HDF5_MAGIC, GZIP_MAGIC, as_path, build_dataset, describe_magic, strip_extensions
from .tabular import normalise_metadata


def read_h5ad(path, *, name: str | None = None, kind: str = "single_cell") -> Dataset:
    """Read an AnnData file into a `Dataset` (genes = ``var_names``, samples = ``obs_names``)."""
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
    if hasattr(X, "toarray"):
        X = X.toarray()
    try:
        values = np.asarray(X, dtype=np.float32)
    except (TypeError, ValueError):
        raise InputError("adata.X is not numeric", where=p.name, fix="store numbers in adata.X") from None
    if values.ndim != 2:
        raise InputError("adata.X is not a matrix", where=p.name, fix="store a cells x genes matrix in adata.X")
    genes = [str(g) for g in adata.var_names]
    cells = [str(c) for c in adata.obs_names]
    expr = pd.DataFrame(np.ascontiguousarray(values.T), index=genes, columns=cells)
    obs = adata.obs.copy()
    obs.index = cells
    samples = normalise_metadata(obs) if obs.shape[1] else None
    return build_dataset(expr, samples=samples, name=name or strip_extensions(p.name), kind=kind,
                         source=f"h5ad: {p}", where=p.name)

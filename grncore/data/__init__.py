"""Data layer: the `Dataset`, readers and writers, validation, preprocessing and simulators.

Submodules by role (as in scanpy): `grncore.data.simulate` makes datasets with known truth,
`grncore.data.preprocess` normalises and selects genes; readers and writers are re-exported here.

Readers (all raise `InputError` for bad input): `load` (the single entry point: a file or a
folder, format detected), `load_folder`, `read_expression`, `read_network`, `read_tfs`,
`read_metadata`, `read_beeline`, `read_dream4`, `read_h5ad`, `read_predictions`.
Writers: `write_beeline`, `write_dream4`.
"""

from .dataset import Dataset
from .errors import InputError
from .beeline import read_beeline, write_beeline
from .dream4 import read_dream4, write_dream4
from .h5ad import read_h5ad
from .load import FORMATS, detect_format, load, load_folder
from .predictions import read_predictions
from .tabular import read_expression, read_metadata, read_network, read_tfs

__all__ = [
    "Dataset", "InputError",
    "load", "load_folder", "detect_format", "FORMATS",
    "read_expression", "read_network", "read_tfs", "read_metadata",
    "read_beeline", "read_dream4", "read_h5ad", "read_predictions",
    "write_beeline", "write_dream4",
]

"""Data layer: the `Dataset`, readers and writers, validation, preprocessing and simulators.

Submodules by role (as in scanpy): `grncore.data.simulate` makes datasets with known truth,
`grncore.data.preprocess` normalises and selects genes; readers and writers are re-exported here.
"""

from .dataset import Dataset
from .errors import InputError

__all__ = ["Dataset", "InputError"]

"""grncore: the engine of GRN Workbench (data, methods, evaluation, training, jobs).

The package never imports Streamlit; the pages in ``pages/`` are thin layers over it.
"""

__version__ = "0.1.0"

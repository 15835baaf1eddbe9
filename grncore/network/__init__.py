"""Predicted networks: ranking, views for drawing, comparison, consensus and exports.

- `grncore.network.predicted`: the pred frame (``regulator, target, score, rank, known,
  trained[, sign]``), `rank_scores`, `predicted_network` (a stored run), `read_predictions_file`.
- `grncore.network.view`: `select` -> `View` (top-k / threshold, TF-only, novel-only, k-hop
  neighbourhood, missed edges, the 500-edge cap), `hubs`, `gene_panel`, `neighbourhood`.
- `grncore.network.compare`: `overlap`, `overlap_curve` (Jaccard of top-k sets).
- `grncore.network.consensus`: `consensus` (mean rank / mean normalised score).
- `grncore.network.export`: `export_bytes`, `write` in `FORMATS`.

No streamlit and no torch here: the Network page and the CLI build on these.
"""

from .compare import overlap, overlap_curve
from .consensus import consensus
from .predicted import PRED_COLUMNS, predicted_network, rank_scores, read_predictions_file, to_pred
from .view import View, gene_panel, hubs, neighbourhood, select

__all__ = ["PRED_COLUMNS", "predicted_network", "rank_scores", "read_predictions_file", "to_pred",
           "View", "select", "hubs", "gene_panel", "neighbourhood", "overlap", "overlap_curve",
           "consensus"]

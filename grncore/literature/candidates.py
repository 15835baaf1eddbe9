"""Candidates for a literature review: the highest-scored pairs the ground truth does not know.

In the thesis (section 5.7.1) these are the model's false positives: test pairs labelled 0 that the
classifier ranks high. Here they come from any pred frame (`grncore.network.predicted`): an
evaluation run's test pairs (``known = label``) or a discovery run's candidate pairs, keeping those
with ``known == 0`` that were not training pairs (``trained == 0``).
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from ..data import InputError

CANDIDATE_COLUMNS = ("regulator", "target", "score", "rank", "percentile", "regulator_degree", "target_degree",
                     "regulator_is_tf", "target_is_tf", "reverse_known")


def candidates(pred: pd.DataFrame, *, network: pd.DataFrame | None = None, tfs: Iterable[str] | None = None,
               top: int = 50) -> pd.DataFrame:
    """The ``top`` best-ranked pairs of ``pred`` that are neither known edges nor training pairs.

    Columns (`CANDIDATE_COLUMNS`): ``score`` and ``rank`` as in ``pred`` (rank among all scored
    pairs, 1 = best); ``percentile`` = 100 * (n - rank + 1) / n, the share of the n scored pairs
    ranked at or below this one; ``regulator_degree`` / ``target_degree``: the number of known
    edges touching each gene (either direction); ``regulator_is_tf`` / ``target_is_tf``;
    ``reverse_known``: the pair target -> regulator is a known edge (in a symmetric truth such as
    STRING such a "false positive" is the same interaction read backwards).

    ``network`` is the ground truth (``regulator, target``); without it the known pairs of
    ``pred`` stand in. ``tfs`` defaults to the network's regulators.
    """
    if top < 1:
        raise InputError(f"the number of candidates must be at least 1, not {top}", where="top",
                         fix="ask for e.g. the top 50")
    missing = [c for c in ("regulator", "target", "score", "rank", "known") if c not in pred]
    if missing:
        raise InputError(f"the predicted network lacks {', '.join(missing)}", where="candidates",
                         fix="build it with grncore.network.predicted")
    if network is None:
        network = pred.loc[pred["known"] == 1, ["regulator", "target"]]
    net = network[["regulator", "target"]].astype(str).drop_duplicates()
    tf_set = set(map(str, tfs)) if tfs is not None else set(net["regulator"])
    n = len(pred)
    mask = pred["known"].to_numpy() == 0
    if "trained" in pred:
        mask &= pred["trained"].to_numpy() == 0
    pool = pred.loc[mask]
    top_rows = pool.nsmallest(top, "rank") if len(pool) > top else pool.sort_values("rank")
    out = pd.DataFrame({"regulator": top_rows["regulator"].astype(str).to_numpy(),
                        "target": top_rows["target"].astype(str).to_numpy(),
                        "score": top_rows["score"].to_numpy(np.float64),
                        "rank": top_rows["rank"].to_numpy(np.int64)})
    out["percentile"] = 100.0 * (n - out["rank"] + 1) / max(n, 1)
    degree = pd.concat([net["regulator"], net["target"]]).value_counts()
    out["regulator_degree"] = out["regulator"].map(degree).fillna(0).astype(np.int64)
    out["target_degree"] = out["target"].map(degree).fillna(0).astype(np.int64)
    out["regulator_is_tf"] = out["regulator"].isin(tf_set)
    out["target_is_tf"] = out["target"].isin(tf_set)
    known = pd.MultiIndex.from_frame(net)
    out["reverse_known"] = pd.MultiIndex.from_arrays([out["target"], out["regulator"]]).isin(known)
    return out[list(CANDIDATE_COLUMNS)].reset_index(drop=True)


def run_candidates(workspace, run_id: str, top: int = 50) -> pd.DataFrame:
    """`candidates` of a finished run of ``workspace``, with the truth and TFs of its dataset."""
    from ..network.predicted import predicted_network

    pred = predicted_network(workspace, run_id)
    network = tfs = None
    try:
        ds = workspace.load_dataset(workspace.get_run(run_id).dataset_id)
        network, tfs = ds.network, ds.tfs
    except (KeyError, InputError, OSError):
        pass  # the dataset was deleted: the run's own known pairs stand in
    if network is None:
        network = pred.loc[pred["known"] == 1, ["regulator", "target"]]
    return candidates(pred, network=network, tfs=tfs, top=top)

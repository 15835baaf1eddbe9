r"""Expression restoration: which TFs, set to their target-state level, move a source cell state
toward a target state (GAGER, Chowdhury, Any, Samee & Rahman, bioRxiv 2024.11, and its
nonlinear extension, ``papers/nonlinear-expression-restoration.txt``; DESIGN.md section 8).

Common ground
-------------
Source and target states are genes x samples; ``s_g`` and ``t_g`` are a gene's means in each.
Each GRN's importances are divided by its maximum ``|importance|`` and edges above the edge
threshold ``th1`` are kept; the difference network keeps the target-state edges not also kept in
the source-state GRN (with one GRN for both states: all its kept edges), weighted by the
normalised target-state importance ``w``, and holds every node of the kept target-state GRN
(`grncore.restore.network`). The objective is ``D = sum_g |d_g|`` over its nodes except the
hidden ones (``hide_genes``: not counted, still choosable); ``D0`` is ``D`` before any step and
the run stops once ``D < th2 * D0``. Each edge carries a fitted relationship ``y = f_pt(x)``
(`grncore.restore.relationships`: linear, linear0, quadratic, sqrt, sin, hill, auto).

``mode="gager"`` (as published)
------------------------------
- ``d_g = t_g - s_g``; cycles broken by deleting the lowest-weight edge of a cycle until acyclic.
- Candidates: every node, ordered by depth (0 without parents, else 1 + the deepest parent), then
  by descending outgoing weight.
- Edges fitted on the two state means ``(s_p, s_t)``, ``(t_p, t_t)`` (two-coefficient forms).
- Single pass: tentatively set ``d_c = 1e-5`` and recompute every descendant ``t`` of ``c`` in
  topological order as ``d_t = mean_{p in parents(t)} w_pt * [f_pt(s_p + d_p) - f_pt(s_p)]``
  (for the linear fit ``= a_pt * d_p * w_pt``, the published formula); keep it if ``D`` fell.
  As published, this shrinks downstream differences whenever they are recomputed (``w <= 1``).

``mode="corrected"``
--------------------
- State: predicted levels ``x_g``, starting at ``s_g``; ``d_g = t_g - x_g``.
- Cycles broken by the Eades-Lin-Smyth feedback-arc-set heuristic (O((V+E) log V)).
- Candidates: regulators only (nodes with an outgoing difference-network edge, within ``tfs``
  when given).
- Edges fitted on per-sample pairs (``fit_expression``, else the samples of both states pooled):
  two state means cannot determine a three-parameter curve.
- Restoring ``c`` clamps ``x_c := t_c`` (an intervention; clamped genes are not moved again) and
  propagates in topological order: ``dx_t = sum_{p in parents(t), dx_p != 0} f_pt(x_p + dx_p) - f_pt(x_p)``
  (an additive model over the per-edge fits; no derivative).
- Best first: each step restores the candidate whose restoration leaves the smallest ``D``; it
  stops when none lowers ``D`` or ``D < th2 * D0``.

Both greedies depend on ``th2`` only through their stopping rule, so the threshold sweep (90% ..
10%) is one run per relationship at 10%, cut at each threshold (`cut`).

Default relationship (`DEFAULT_RELATIONSHIP`): linear for gager (as published), hill for
corrected (chosen on the DREAM4 knockout validation, bench/results/restoration.md).

Outputs (`Restoration`): chosen TFs with the remaining difference after each step, every
candidate's difference if it alone were restored first (best first), per-gene source / target /
predicted, the difference network, per-edge fit quality (form, R^2).
"""

from .core import (DEFAULT_RELATIONSHIP, MODES, SWEEP_THRESHOLDS, Problem, Restoration, cut, fit_edges, fit_table, prepare,
                   relationships_for, restore, run, sweep, sweep_summary)
from .inputs import (UNSUPERVISED, grn_of_scores, infer_grn, pair_states, read_state, split_states,
                     state_dataset, state_labels)
from .network import as_grn, break_cycles_fas, break_cycles_gager, difference_network, feedback_arc_set
from .relationships import FORMS, LABELS, RELATIONSHIPS, Fit, fit, fit_auto, fit_relationship

__all__ = ["DEFAULT_RELATIONSHIP", "MODES", "SWEEP_THRESHOLDS", "Problem", "Restoration", "cut", "fit_edges", "fit_table", "prepare",
           "relationships_for", "restore", "run", "sweep", "sweep_summary", "UNSUPERVISED", "infer_grn", "state_dataset", "grn_of_scores",
           "pair_states", "read_state", "split_states", "state_labels", "as_grn", "break_cycles_fas", "break_cycles_gager",
           "difference_network", "feedback_arc_set", "FORMS", "LABELS", "RELATIONSHIPS", "Fit", "fit",
           "fit_auto", "fit_relationship"]

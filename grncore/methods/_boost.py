"""Gradient-boosting engine for GRNBoost2 (``backend="fast"``): numpy tables + a numba kernel.

Same model as scikit-learn's ``GradientBoostingRegressor`` with arboreto's settings (squared
error, ``F_0 = mean(y)``, depth-limited exact-split regression trees on the residuals of a random
``subsample`` of the samples, ``max_features`` TFs per split, shrinkage ``learning_rate``, OOB
early stopping), computed differently:

* the feature matrix is shared by every target, so each TF's values are ranked and its samples
  ordered **once per worker** (`prepare`) instead of sorting every candidate TF's in-node values
  at every node of every tree with an introsort (what scikit-learn's ``BestSplitter`` does; that is
  most of a GRNBoost2 fit);
* trees grow in compiled code (`grncore.methods._boost_kernel`, numba): a node's split search gathers
  each candidate TF's in-node samples from its presorted samples with a branch-free compaction and
  scores every threshold on them (small nodes sort their few samples' packed keys instead); no Python runs
  per node, so a tree costs ~0.1-0.3 ms at BEELINE sizes instead of ~5 ms (numpy, per-node calls)
  or ~10 ms (scikit-learn). `boost_target` runs the kernel 20 trees at a time and polls
  ``should_stop`` in between.

Rules mirrored from scikit-learn 1.9 (``sklearn/tree/_splitter.pyx``, ``_criterion.pyx``,
``sklearn/ensemble/_gb.py``), so that the model is the same up to random draws and float
rounding:

* a node is split when it has >= 2 in-bag samples and impurity > machine epsilon; ``k = max(1,
  int(max_features * n_features))`` candidate TFs are drawn uniformly without replacement, TFs
  constant in the node included (``BestSplitter`` counts them as visited), and more only while
  every TF drawn is constant there (at least one must be non-constant); thresholds lie between consecutive distinct in-node values (``x[p+1] > x[p] +
  1e-7``), at the midpoint ``x[p]/2 + x[p+1]/2`` in float64; the split maximises the MSE proxy
  ``S_L^2/n_L + S_R^2/n_R`` (first maximum in draw order, then in threshold order);
* leaves predict the mean in-bag residual; out-of-bag samples follow the thresholds;
* the out-of-bag improvement ``I_i`` is measured as scikit-learn >= 1.3 does (loss on tree ``i``'s
  OOB samples after tree ``i`` minus that on tree ``i-1``'s OOB samples after tree ``i-1``; for ``i =
  0`` the loss before tree 0 on its OOB samples) or, with ``same_oob``, on the same OOB samples
  before and after the tree; arboreto's ``EarlyStopMonitor`` stops after tree ``i >= window - 1`` when
  ``mean(I[i-window+1 : i+1]) < 0`` (tree ``i`` is kept);
* importances are the split gains ``S_L^2/n_L + S_R^2/n_R - S^2/n`` summed per TF, normalised to sum
  1 and multiplied by the number of trees (arboreto's ``to_feature_importances``).

The subsample and the feature draws (lazy Fisher-Yates shuffles of the samples per tree and of the
allowed TFs per node) come from a splitmix64 stream seeded by one draw of the target's
``numpy.random.Generator``, so a target's scores depend only on its seed, never on the batch or
the worker it runs in.
"""

from __future__ import annotations

import numpy as np

from ..train.progress import check_stop, never_stop

FEATURE_THRESHOLD = 1e-7  # scikit-learn's _splitter.FEATURE_THRESHOLD
CHUNK = 20  # trees per kernel call (``should_stop`` is polled in between)


def prepare(X: np.ndarray) -> dict:
    """Per-worker tables of the feature matrix ``X`` (features x samples, shared by every target).

    ``code[f, s]``: rank of ``X[f, s]`` among the distinct values of feature ``f`` (values closer than
    ``FEATURE_THRESHOLD`` to the previous distinct value share its rank, as scikit-learn never
    splits between them); ``keys[f, s] = code[f, s] << shift | s`` (int32 when it fits, else int64);
    ``ranked[f]``: ``keys[f]`` sorted (the samples in value order, then by index, with their ranks);
    ``lo[f, c]`` / ``hi[f, c]``: smallest / largest value of rank ``c`` (for thresholds)."""
    X = np.ascontiguousarray(X, dtype=np.float32)
    F, n = X.shape
    order = np.argsort(X, axis=1, kind="stable")
    Xs = np.take_along_axis(X, order, axis=1).astype(np.float64)
    step = np.zeros((F, n), dtype=np.int64)
    step[:, 1:] = Xs[:, 1:] > Xs[:, :-1] + FEATURE_THRESHOLD
    code_sorted = np.cumsum(step, axis=1)
    n_codes = int(code_sorted[:, -1].max()) + 1 if F and n else 1
    code = np.empty((F, n), dtype=np.int64)
    np.put_along_axis(code, order, code_sorted, axis=1)
    shift = max(1, int(n - 1).bit_length())
    dtype = np.int32 if (n_codes << shift) < 2**31 else np.int64
    keys = ((code << shift) | np.arange(n)).astype(dtype)
    lo = np.full((F, n_codes), np.inf, dtype=np.float32)
    hi = np.full((F, n_codes), -np.inf, dtype=np.float32)
    first = step.astype(bool)
    first[:, 0] = True  # sorted values: a rank's first position holds its smallest value
    last = np.zeros((F, n), dtype=bool)
    last[:, :-1] = first[:, 1:]
    last[:, -1] = True  # ... and its last position its largest
    f_idx = np.broadcast_to(np.arange(F)[:, None], (F, n))
    lo[f_idx[first], code_sorted[first]] = Xs[first]
    hi[f_idx[last], code_sorted[last]] = Xs[last]
    return {"X": X, "keys": keys, "ranked": np.sort(keys, axis=1), "shift": shift, "lo": lo, "hi": hi}


def boost_target(tables: dict, y: np.ndarray, exclude: int, p: dict, rng: np.random.Generator,
                 should_stop=never_stop, out_pred: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """Boost one target ``y`` (float64, samples) on the features of ``tables`` (see `prepare`)
    minus feature ``exclude`` (-1: none). Returns (importances over all features, n_trees);
    ``out_pred``, if given, receives the final in-sample predictions (for tests)."""
    from ._boost_kernel import grow

    X = tables["X"]
    F, n = X.shape
    feats = np.delete(np.arange(F), exclude) if exclude >= 0 else np.arange(F)
    P = len(feats)
    imp = np.zeros(F, dtype=np.float64)
    if P == 0 or n < 2:
        return imp, 0
    y = np.ascontiguousarray(y, dtype=np.float64)
    k = max(1, int(p["max_features"] * P))
    n_in = max(1, int(p["subsample"] * n))
    window = int(p["early_stop_window"]) if n_in < n else 0
    total_trees = max(1, int(p["n_estimators"]))
    pred = np.full(n, np.average(y))
    improvements = np.zeros(total_trees, dtype=np.float64)
    prev_loss = np.zeros(1)
    state = rng.integers(0, 2**63, size=1).astype(np.uint64)  # the kernel's random stream
    n_trees = 0
    while n_trees < total_trees:
        check_stop(should_stop)
        n_trees, stopped = grow(X, tables["ranked"], tables["keys"], tables["shift"],
                                tables["lo"], tables["hi"], feats, y, pred, improvements, imp, prev_loss,
                                n_trees, min(total_trees, n_trees + CHUNK), k, n_in,
                                float(p["learning_rate"]), int(p["max_depth"]), window,
                                p["oob_improvement"] == "same_oob", state)
        if stopped:
            break
    if out_pred is not None:
        out_pred[:] = pred
    total = imp.sum()
    if total > 0:
        imp *= n_trees / total
    return imp, n_trees

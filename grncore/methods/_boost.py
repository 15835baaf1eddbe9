"""Level-wise gradient-boosting engine for GRNBoost2 (``backend="fast"``), numpy only.

Same model as scikit-learn's ``GradientBoostingRegressor`` with arboreto's settings (squared
error, ``F_0 = mean(y)``, depth-limited exact-split regression trees on the residuals of a random
``subsample`` of the samples, ``max_features`` TFs per split, shrinkage ``learning_rate``, OOB
early stopping), computed differently:

* the feature matrix is shared by every target, so each TF's values are ranked **once per worker**
  (`prepare`: ``keys[f, s] = rank << shift | s``) instead of sorting every candidate TF's in-node
  values at every node of every tree with an introsort (what scikit-learn's ``BestSplitter``
  does; that is most of a GRNBoost2 fit);
* at a node, the packed int32 keys of all candidate TFs are gathered and sorted with numpy's SIMD
  sort in one call, which orders every candidate's node samples and names them; residuals are
  gathered and cumulated, and every threshold of every candidate is scored with one vectorised
  expression (about 12 array passes over candidates x node samples per node).

Rules mirrored from scikit-learn 1.9 (``sklearn/tree/_splitter.pyx``, ``_criterion.pyx``,
``sklearn/ensemble/_gb.py``), so that the model is the same up to random draws and float
rounding:

* a node is split when it has >= 2 in-bag samples and impurity > machine epsilon; candidate TFs are
  drawn uniformly without replacement until ``k = max(1, int(max_features * n_features))`` TFs
  that are non-constant in the node have been seen (constant ones do not count, as in
  ``BestSplitter``); thresholds lie between consecutive distinct in-node values (``x[p+1] > x[p] +
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

The subsample and the feature draws come from one ``numpy.random.Generator`` per target, so a
target's scores depend only on its seed, never on the batch or the worker it runs in.
"""

from __future__ import annotations

import numpy as np

from ..train.progress import check_stop, never_stop

FEATURE_THRESHOLD = 1e-7  # scikit-learn's _splitter.FEATURE_THRESHOLD
EPSILON = np.finfo(np.float64).eps  # scikit-learn's _tree.EPSILON


def prepare(X: np.ndarray) -> dict:
    """Per-worker tables of the feature matrix ``X`` (features x samples, shared by every target).

    ``code[f, s]``: rank of ``X[f, s]`` among the distinct values of feature ``f`` (values closer than
    ``FEATURE_THRESHOLD`` to the previous distinct value share its rank, as scikit-learn never
    splits between them); ``keys[f, s] = code[f, s] << shift | s`` (int32 when it fits, else int64),
    so that sorting a node's keys of one feature sorts its samples by value and names them;
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
    rows = np.repeat(np.arange(F), n)
    np.minimum.at(lo, (rows, code.ravel()), X.ravel())
    np.maximum.at(hi, (rows, code.ravel()), X.ravel())
    return {"X": X, "keys": keys, "shift": shift, "lo": lo, "hi": hi}


def boost_target(tables: dict, y: np.ndarray, exclude: int, p: dict, rng: np.random.Generator,
                 should_stop=never_stop, out_pred: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """Boost one target ``y`` (float64, samples) on the features of ``tables`` (see `prepare`)
    minus feature ``exclude`` (-1: none). Returns (importances over all features, n_trees);
    ``out_pred``, if given, receives the final in-sample predictions (for tests)."""
    X = tables["X"]
    F, n = X.shape
    P = F - (1 if exclude >= 0 else 0)
    imp = np.zeros(F, dtype=np.float64)
    if P == 0 or n < 2:
        return imp, 0
    y = np.asarray(y, dtype=np.float64)
    k = max(1, int(p["max_features"] * P))
    kc = min(P, k + 2)  # candidates sorted per node (more only if some are constant there)
    n_in = max(1, int(p["subsample"] * n))
    lr, depth = float(p["learning_rate"]), int(p["max_depth"])
    window = int(p["early_stop_window"]) if n_in < n else 0
    same_oob = p["oob_improvement"] == "same_oob"
    n_nodes = 2 ** (depth + 1) - 1
    pred = np.full(n, np.average(y))
    improvements = np.zeros(max(1, int(p["n_estimators"])), dtype=np.float64)
    prev_loss = 0.0
    node_of = np.zeros(n, dtype=np.intp)
    split_feat = np.zeros(n_nodes, dtype=np.intp)
    split_thr = np.zeros(n_nodes, dtype=np.float64)
    oob_mask = np.zeros(n, dtype=bool)
    n_trees = 0
    for i in range(int(p["n_estimators"])):
        if i % 20 == 0:
            check_stop(should_stop)
        if n_in < n:
            perm = rng.permutation(n)
            inb = perm[:n_in]
            oob_mask[:] = False
            oob_mask[perm[n_in:]] = True
        else:
            inb = np.arange(n)
        resid = y - pred
        if window:
            before = float(np.average(np.square(resid[oob_mask])))
            if i == 0 or same_oob:
                prev_loss = before
        node_of[:] = 0
        r_in = resid[inb]
        r2_in = r_in * r_in
        nid = np.zeros(n_in, dtype=np.intp)
        for d in range(depth):
            lo = 2 ** d - 1
            cnt = np.bincount(nid, minlength=n_nodes)
            s1 = np.bincount(nid, weights=r_in, minlength=n_nodes)
            s2 = np.bincount(nid, weights=r2_in, minlength=n_nodes)
            members = inb[np.argsort(nid, kind="stable")]  # in-bag samples grouped by node
            bounds = np.concatenate([[0], np.cumsum(cnt)])
            split_any = False
            for node in range(lo, 2 * lo + 1):
                m = int(cnt[node])
                if m < 2 or s2[node] / m - (s1[node] / m) ** 2 <= EPSILON:  # scikit-learn: a leaf
                    continue
                perm = rng.permutation(P)
                if exclude >= 0:
                    perm += perm >= exclude
                mem = members[bounds[node]:bounds[node + 1]]
                res = _split_node(tables, resid, mem, perm, kc, float(s1[node]), k)
                if res is None:
                    continue
                split_feat[node], split_thr[node], g = res
                imp[split_feat[node]] += g
                split_any = True
                sel = node_of == node
                node_of[sel] = 2 * node + 1 + (X[split_feat[node], sel] > split_thr[node])
            if not split_any:
                break
            nid = node_of[inb]
        leaf_n = np.bincount(nid, minlength=n_nodes)
        leaf_s = np.bincount(nid, weights=r_in, minlength=n_nodes)
        value = np.divide(leaf_s, leaf_n, out=np.zeros(n_nodes), where=leaf_n > 0)
        pred += lr * value[node_of]
        n_trees = i + 1
        if window:
            after = float(np.average(np.square(y[oob_mask] - pred[oob_mask])))
            improvements[i] = prev_loss - after
            prev_loss = after
            if i >= window - 1 and np.mean(improvements[i - window + 1:i + 1]) < 0:
                break
    if out_pred is not None:
        out_pred[:] = pred
    total = imp.sum()
    if total > 0:
        imp *= n_trees / total
    return imp, n_trees


def _split_node(tables: dict, resid: np.ndarray, mem: np.ndarray, perm: np.ndarray, kc: int, total: float,
                k: int):
    """Best split of one node (in-bag samples ``mem``, residual sum ``total``) among the first ``k``
    features of ``perm`` (a random permutation of the allowed features) that are non-constant on
    ``mem``: (feature, threshold, gain), or None when every feature is constant there. The first
    ``kc`` features of ``perm`` are examined first, the rest only when fewer than ``k`` of those
    are non-constant (as scikit-learn's ``BestSplitter`` keeps drawing). Sorting packed keys
    (value rank << shift | sample) with numpy's SIMD sort orders every candidate's node samples
    at once. The proxy ``S_L^2/n_L + S_R^2/n_R - S^2/n`` is computed as ``n (S_L - n_L S/n)^2 /
    (n_L n_R)`` (the same number, fewer array passes)."""
    shift = tables["shift"]
    table = tables["keys"]
    m = len(mem)
    cand = perm[:kc]
    keys = table[cand][:, mem]  # (c, m)
    keys.sort(axis=1)
    ok = (keys[:, -1] >> shift) != (keys[:, 0] >> shift)  # non-constant rows (sorted: first != last)
    n_ok = np.cumsum(ok)
    if n_ok[-1] < k and len(perm) > kc:
        more = table[perm[kc:]][:, mem]
        more.sort(axis=1)
        keys = np.concatenate([keys, more])
        cand = perm
        n_ok = np.cumsum((keys[:, -1] >> shift) != (keys[:, 0] >> shift))
    if n_ok[-1] == 0:
        return None
    last = int(np.searchsorted(n_ok, k)) + 1 if n_ok[-1] >= k else len(cand)  # rows used
    keys = keys[:last]
    tie = (keys[:, 1:] ^ keys[:, :-1]) < (1 << shift)  # no threshold between equal values
    a = np.cumsum(resid.take(keys[:, :-1] & ((1 << shift) - 1)), axis=1)
    nl = np.arange(1, m, dtype=np.float64)
    a -= nl * (total / m)
    a *= a
    a *= m / (nl * (m - nl))
    np.copyto(a, -1.0, where=tie)
    best = int(np.argmax(a))
    row, p = divmod(best, m - 1)
    f = int(cand[row])
    lo_v = float(tables["hi"][f, keys[row, p] >> shift])  # largest value of the left rank
    hi_v = float(tables["lo"][f, keys[row, p + 1] >> shift])  # smallest of the next rank in the node
    t = lo_v / 2.0 + hi_v / 2.0
    if t == hi_v or not np.isfinite(t):
        t = lo_v
    return f, t, float(a[row, p])

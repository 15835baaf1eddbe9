"""Compiled (numba) tree growing for `grncore.methods._boost`: a chunk of boosting iterations of
one target. Imported only when a ``backend="fast"`` fit runs (numba is not loaded by
``import grncore.methods``); compiled once and cached next to this file (``cache=True``), and made ready at import (`_warm`:
a tiny fit loads the cached machine code, ~1 s, or compiles it, ~20 s, the first time), so that
the forkserver, which preloads this module, forks workers that fit at once.

A node's split search gathers each candidate feature's in-node samples in value order from the
worker's precomputed table (``ranked[f]``: the feature's packed keys rank << shift | sample,
sorted) by a branch-free compaction (`_gather`), then scores every threshold on the gathered keys
(`_best`), so no sorting happens while trees grow; nodes much smaller than the sample count
(``m * SORT_BELOW < n``) gather and sort their packed keys instead (`_sort_members`). The rules are
those of `grncore.methods._boost` (scikit-learn's ``BestSplitter`` and ``GradientBoostingRegressor``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

EPSILON = np.finfo(np.float64).eps  # scikit-learn's _tree.EPSILON
SORT_BELOW = 32  # a node with m samples sorts its keys when m * SORT_BELOW < n (else it gathers);
# 32 measured best of 8, 16, 32, 64 on simulated 2,000 x 5,000 counts (12.3, 11.1, 10.4, 10.4 ms per tree)
_GOLDEN, _MIX1, _MIX2 = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_U30, _U27, _U31, _U32 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(32)


@njit(cache=True, nogil=True)
def _below(state, r):
    """A uniform integer in [0, r) from the splitmix64 stream ``state[0]`` (Vigna; Lemire's
    multiply-shift; numba's own Generator support compiles ~10x slower)."""
    state[0] += _GOLDEN
    z = state[0]
    z = (z ^ (z >> _U30)) * _MIX1
    z = (z ^ (z >> _U27)) * _MIX2
    z ^= z >> _U31
    return np.int64(((z >> _U32) * np.uint64(r)) >> _U32)


@njit(cache=True, nogil=True)
def _best(k, m, shift, resid, mean, best):
    """Best threshold among a node's ``m`` packed keys ``k[:m]`` of one feature, in value order:
    (gain, left rank, right rank, non-constant); gain > ``best`` only if it beats it."""
    low = (1 << shift) - 1
    sl = 0.0
    gain, cl, cr = best, -1, -1
    moved = False
    for j in range(m - 1):
        sl += resid[k[j] & low]
        c, nxt = k[j] >> shift, k[j + 1] >> shift
        if nxt != c:
            moved = True
            nl = j + 1
            a = sl - nl * mean
            a = a * a * (m / (nl * (m - nl)))
            if a > gain:
                gain, cl, cr = a, c, nxt
    return gain, cl, cr, moved


@njit(cache=True, nogil=True)
def _gather(ranked_f, shift, bag_node, node, m, buf):
    """The node's ``m`` keys of one feature in value order, into ``buf[:m]``: a branch-free
    compaction of the feature's presorted keys (every key is written; the cursor moves on only for
    the node's samples), so the cost is a few cycles per sample with no mispredicted branches."""
    low = (1 << shift) - 1
    c = 0
    for j in range(ranked_f.shape[0]):
        key = ranked_f[j]
        buf[c] = key
        c += bag_node[key & low] == node
        if c == m:
            break


@njit(cache=True, nogil=True)
def _sort_members(keys_f, members, m, buf):
    """As `_gather`, for a small node: sort the node's packed keys of the feature instead."""
    for j in range(m):
        buf[j] = keys_f[members[j]]
    buf[:m].sort()


@njit(cache=True, nogil=True)
def grow(X, ranked, keys, shift, lo, hi, feats, y, pred, improvements, imp, prev_loss,
         start, stop, k, n_in, lr, depth, window, same_oob, state):
    """Boosting iterations ``start .. stop-1`` of one target; returns (trees fitted in total,
    early-stopped). ``pred``, ``improvements``, ``imp`` and ``prev_loss[0]`` carry the state from
    one call to the next, ``state[0]`` the random stream (uint64); ``feats``: the allowed features
    (the target left out)."""
    F, n = X.shape
    P = feats.shape[0]
    n_nodes = 2 ** (depth + 1) - 1
    node_of = np.zeros(n, dtype=np.int64)
    bag_node = np.zeros(n, dtype=np.int64)
    inbag = np.ones(n, dtype=np.bool_)
    resid = np.empty(n)
    cnt = np.zeros(n_nodes, dtype=np.int64)
    s1 = np.zeros(n_nodes)
    s2 = np.zeros(n_nodes)
    split_f = np.full(n_nodes, -1, dtype=np.int64)
    split_t = np.zeros(n_nodes)
    members = np.empty(n, dtype=np.int64)
    buf = np.empty(n, dtype=keys.dtype)
    draw = feats.copy()
    perm = np.arange(n)
    for i in range(start, stop):
        if n_in < n:
            inbag[:] = False
            for j in range(n_in):  # the first n_in of a Fisher-Yates shuffle
                r = j + _below(state, n - j)
                perm[j], perm[r] = perm[r], perm[j]
                inbag[perm[j]] = True
        for s in range(n):
            resid[s] = y[s] - pred[s]
        if window > 0:
            acc, c_oob = 0.0, 0
            for s in range(n):
                if not inbag[s]:
                    acc += resid[s] * resid[s]
                    c_oob += 1
            if i == 0 or same_oob:
                prev_loss[0] = acc / c_oob
        node_of[:] = 0
        for s in range(n):
            bag_node[s] = 0 if inbag[s] else -1
        for d in range(depth):
            first = 2 ** d - 1
            cnt[:] = 0
            s1[:] = 0.0
            s2[:] = 0.0
            for s in range(n):
                b = bag_node[s]
                if b >= 0:
                    cnt[b] += 1
                    s1[b] += resid[s]
                    s2[b] += resid[s] * resid[s]
            split_any = False
            for node in range(first, 2 * first + 1):
                split_f[node] = -1
                m = cnt[node]
                if m < 2 or s2[node] / m - (s1[node] / m) ** 2 <= EPSILON:  # scikit-learn: a leaf
                    continue
                mean = s1[node] / m
                small = m * SORT_BELOW < n
                if small:
                    c_m = 0
                    for s in range(n):
                        if bag_node[s] == node:
                            members[c_m] = s
                            c_m += 1
                best, bf, bl, br = -1.0, -1, -1, -1
                found = 0
                for j in range(P):  # draw k features without replacement (more while all are constant)
                    r = j + _below(state, P - j)
                    f = draw[r]
                    draw[r] = draw[j]
                    draw[j] = f
                    if small:
                        _sort_members(keys[f], members, m, buf)
                    else:
                        _gather(ranked[f], shift, bag_node, node, m, buf)
                    g, cl, cr, moved = _best(buf, m, shift, resid, mean, best)
                    if moved:
                        found += 1
                        if cl >= 0:
                            best, bf, bl, br = g, f, cl, cr
                    if j + 1 >= k and found > 0:
                        break
                if bf < 0:
                    continue
                lo_v = np.float64(hi[bf, bl])  # largest value of the left rank
                hi_v = np.float64(lo[bf, br])  # smallest value of the next rank in the node
                t = lo_v / 2.0 + hi_v / 2.0
                if t == hi_v or not np.isfinite(t):
                    t = lo_v
                split_f[node] = bf
                split_t[node] = t
                imp[bf] += best
                split_any = True
            if not split_any:
                break
            for s in range(n):
                nd = node_of[s]
                f = split_f[nd] if nd >= first else -1
                if f >= 0:
                    nd = 2 * nd + 1 + (1 if np.float64(X[f, s]) > split_t[nd] else 0)
                    node_of[s] = nd
                bag_node[s] = nd if inbag[s] else -1
        cnt[:] = 0
        s1[:] = 0.0
        for s in range(n):
            b = bag_node[s]
            if b >= 0:
                cnt[b] += 1
                s1[b] += resid[s]
        for s in range(n):
            nd = node_of[s]
            if cnt[nd] > 0:
                pred[s] += lr * (s1[nd] / cnt[nd])
        if window > 0:
            acc, c_oob = 0.0, 0
            for s in range(n):
                if not inbag[s]:
                    e = y[s] - pred[s]
                    acc += e * e
                    c_oob += 1
            after = acc / c_oob
            improvements[i] = prev_loss[0] - after
            prev_loss[0] = after
            if i >= window - 1:
                tot = 0.0
                for j in range(i - window + 1, i + 1):
                    tot += improvements[j]
                if tot / window < 0:
                    return i + 1, True
    return stop, False


def _warm() -> None:
    """Run `grow` once on a tiny problem, with the argument types real fits use (int32 keys)."""
    X = np.random.default_rng(0).normal(size=(3, 8)).astype(np.float32)
    codes = np.argsort(np.argsort(X, axis=1), axis=1)
    keys = (codes << 3 | np.arange(8)).astype(np.int32)
    y = X[0].astype(np.float64)
    grow(X, np.sort(keys, axis=1), keys, 3, np.sort(X, axis=1), np.sort(X, axis=1), np.arange(1, 3), y,
         np.zeros(8), np.zeros(2), np.zeros(3), np.zeros(1), 0, 2, 1, 7, 0.1, 2, 2, False,
         np.ones(1, dtype=np.uint64))


_warm()

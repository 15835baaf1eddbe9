"""Simulated expression data with a known gene regulatory network (toy data, demo, test fixtures).

Everything here is deterministic given ``seed`` (NumPy ``default_rng``) and vectorised over
samples, so a 100-gene DREAM4-like time series or a 100-gene x 500-cell single-cell set takes
well under a second.

The model
---------
**Network** (`random_network`). Genes ``G1..Gn``; a TF set of about 12 % of the genes (at least 2)
in a random *topological order*. The first TFs of that order are *master regulators* with no
regulator; every other gene gets 1-3 regulators (mean ``mean_degree``) drawn without replacement
from the TFs allowed to regulate it (all TFs for a non-TF, the TFs earlier in the order for a TF,
so TFs regulate TFs in cascades but the graph stays acyclic). Regulators are drawn with
probability proportional to a Zipf popularity ``(rank + 1) ** -1`` over a random ranking of the
TFs, which gives a heavy-tailed (scale-free-like) out-degree: a few hub TFs and many small ones.
Edges are activations with probability ``activation`` (default 2/3), repressions otherwise; no
self-loops.

**Kinetics** (`hill_kinetics`, the GeneNetWeaver / SERGIO family). For gene ``i`` with
regulators ``R_i``::

    dx_i/dt = lambda_i * xmax_i * p_i * f_i(x) - lambda_i * x_i

    f_i(x) = b_i + (1 - b_i) * sum_{j in R_i} w_ij h_ij(x_j) / sum_{j in R_i} w_ij
    h_ij(x) = x^n / (K_ij^n + x^n)          (activation)
    h_ij(x) = K_ij^n / (K_ij^n + x^n)       (repression)

with Hill coefficient ``n = 2``, basal activity ``b_i ~ U(0.02, 0.1)``, decay
``lambda_i ~ rate * U(0.7, 1.3)``, maximal level ``xmax_i ~ U(0.6, 1.4)`` (so the production
rate is ``m_i = lambda_i * xmax_i``), edge weights ``w_ij ~ U(0.5, 1.5)`` and ``p_i`` a
perturbation multiplier (1 in the wild type). For a master regulator ``f_i = u_i(t)``, an external
input in (0, 1]. As in SERGIO, the half-response ``K_ij`` is the mean steady-state level of the
regulator ``j`` over random master inputs (computed level by level along the acyclic graph), which
keeps every Hill function in its responsive range.

**Noise**. Euler-Maruyama integration of the chemical-Langevin-type SDE (GeneNetWeaver, SERGIO)::

    dx_i = (P_i - D_i) dt + sigma * (sqrt(P_i) + sqrt(D_i)) dW_i,
    P_i = lambda_i xmax_i p_i f_i(x),   D_i = lambda_i x_i,

clipped at zero; at steady state the relative standard deviation is about ``sigma * sqrt(2)``.

**Technical noise** (`single_cell`, `two_states`): counts ``~ Poisson(mu * Gamma(1/phi, phi))``
(negative binomial with dispersion ``phi``) with ``mu = x * s_g * l_c`` (gene capture/expression
scale ``s_g`` log-normal around ``depth``, library size factor ``l_c`` log-normal), then SERGIO's
dropout: each count is zeroed with probability ``1 / (1 + exp(shape * (log1p(mu) - q)))`` where
``q`` is the ``dropout`` quantile of ``log1p(mu)``.

References: Marbach et al. 2009 / Schaffter et al. 2011 (GeneNetWeaver, DREAM4 protocol);
Dibaeinia & Sinha 2020 (SERGIO); Pratapa et al. 2020 (BEELINE, BoolODE).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .dataset import Dataset

__all__ = ["GRN", "Kinetics", "TwoStates", "random_network", "hill_kinetics", "steady_state",
           "time_series", "single_cell", "two_states", "demo", "DEMO_NAME"]

DEMO_NAME = "Demo: simulated single-cell (100 genes)"


# ---------------------------------------------------------------------- network
@dataclass(frozen=True, eq=False)
class GRN:
    """A random GRN: gene names, TFs in topological order, master regulators, signed edges.

    ``edges`` has the `Dataset` network columns ``regulator, target, sign, weight``.
    """

    genes: tuple[str, ...]
    tfs: tuple[str, ...]
    masters: tuple[str, ...]
    edges: pd.DataFrame

    @property
    def n_genes(self) -> int:
        return len(self.genes)


def _check_int(name: str, value, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def random_network(n_genes: int, n_tfs: int | None = None, mean_degree: float = 2.0, *,
                   n_masters: int | None = None, activation: float = 2 / 3, seed: int = 0,
                   prefix: str = "G") -> GRN:
    """A random sparse, acyclic, signed GRN with a TF set and a heavy-tailed out-degree.

    Parameters
    ----------
    n_genes : number of genes (>= 3), named ``f"{prefix}1"``.. ``f"{prefix}{n_genes}"``.
    n_tfs : number of TFs (default ``max(2, round(0.12 * n_genes))``), chosen at random.
    mean_degree : mean number of regulators of a regulated gene, in [1, 3]: each regulated gene
        gets ``1 + Binomial(2, (mean_degree - 1) / 2)`` regulators (fewer when fewer are allowed).
    n_masters : TFs without regulators (default ``max(1, round(n_tfs / 4))``).
    activation : probability that an edge is an activation (sign +1) rather than a repression.
    seed : random seed.

    See the module docstring for the model.
    """
    n_genes = _check_int("n_genes", n_genes, 3)
    if n_tfs is None:
        n_tfs = max(2, int(round(0.12 * n_genes)))
    n_tfs = _check_int("n_tfs", n_tfs, 2)
    if n_tfs >= n_genes:
        raise ValueError(f"n_tfs ({n_tfs}) must be smaller than n_genes ({n_genes})")
    if not 1.0 <= float(mean_degree) <= 3.0:
        raise ValueError(f"mean_degree must be in [1, 3], got {mean_degree!r}")
    if n_masters is None:
        n_masters = max(1, int(round(n_tfs / 4)))
    n_masters = _check_int("n_masters", n_masters, 1)
    if n_masters >= n_tfs:
        raise ValueError(f"n_masters ({n_masters}) must be smaller than n_tfs ({n_tfs})")
    if not 0.0 <= activation <= 1.0:
        raise ValueError(f"activation must be a probability, got {activation!r}")

    rng = np.random.default_rng(seed)
    genes = [f"{prefix}{i + 1}" for i in range(n_genes)]
    tf_idx = rng.choice(n_genes, n_tfs, replace=False)          # topological order of the TFs
    popularity = 1.0 / (rng.permutation(n_tfs) + 1.0)            # Zipf over a random ranking
    is_tf = np.zeros(n_genes, bool)
    is_tf[tf_idx] = True
    p_extra = (float(mean_degree) - 1.0) / 2.0

    regs, tgts = [], []
    for pos in range(n_masters, n_tfs):                          # TFs: regulated by earlier TFs
        _draw_regulators(rng, tf_idx[pos], np.arange(pos), popularity, p_extra, regs, tgts)
    all_tfs = np.arange(n_tfs)
    for g in np.flatnonzero(~is_tf):                             # other genes: by any TF
        _draw_regulators(rng, g, all_tfs, popularity, p_extra, regs, tgts)
    regs = tf_idx[np.asarray(regs)]
    tgts = np.asarray(tgts)
    n_edges = len(regs)
    sign = np.where(rng.random(n_edges) < activation, 1, -1).astype(np.int8)
    weight = rng.uniform(0.5, 1.5, n_edges)
    names = np.asarray(genes, dtype=object)
    edges = pd.DataFrame({"regulator": names[regs], "target": names[tgts], "sign": sign,
                          "weight": weight})
    return GRN(genes=tuple(genes), tfs=tuple(names[tf_idx]),
               masters=tuple(names[tf_idx[:n_masters]]), edges=edges)


def _draw_regulators(rng, target, allowed, popularity, p_extra, regs, tgts):
    k = min(1 + rng.binomial(2, p_extra), len(allowed))
    p = popularity[allowed] / popularity[allowed].sum()
    chosen = rng.choice(allowed, k, replace=False, p=p)
    regs.extend(chosen.tolist())
    tgts.extend([target] * k)


# ---------------------------------------------------------------------- kinetics
@dataclass(frozen=True, eq=False)
class Kinetics:
    """Hill-type kinetic parameters of a `GRN` (see module docstring) as arrays over genes and
    edges: ``edge_reg``/``edge_tgt`` (gene indices), ``act`` (activation flag), ``w`` (weight
    normalised to sum 1 per target), ``K`` (half-response, calibrated in place by
    `hill_kinetics`), per-gene ``basal``, ``decay``, ``xmax``, ``master`` flag and ``level``
    (depth in the acyclic graph).
    """

    grn: GRN
    edge_reg: np.ndarray
    edge_tgt: np.ndarray
    act: np.ndarray
    w: np.ndarray
    K: np.ndarray
    hill: float
    basal: np.ndarray
    decay: np.ndarray
    xmax: np.ndarray
    master: np.ndarray
    level: np.ndarray
    master_idx: np.ndarray = field(repr=False)
    # f = const - S @ (1 / (1 + (x_reg / K) ** n)) for regulated genes (see _production_activity)
    S: object = field(repr=False, default=None)
    const: np.ndarray = field(repr=False, default=None)


def hill_kinetics(grn: GRN, *, hill: float = 2.0, rate: float = 1.0, seed: int = 0,
                  n_calibration: int = 200) -> Kinetics:
    """Draw kinetic parameters for ``grn`` and calibrate half-responses (SERGIO style).

    ``rate`` sets the time unit (mean decay rate). ``K_ij`` is the mean steady-state level of
    regulator ``j`` over ``n_calibration`` random master inputs ``u ~ U(0.1, 1)``.
    """
    from scipy import sparse

    rng = np.random.default_rng(seed)
    genes = pd.Index(grn.genes)
    G = len(genes)
    e = grn.edges
    ri = genes.get_indexer(e["regulator"]).astype(np.int64)
    ti = genes.get_indexer(e["target"]).astype(np.int64)
    act = e["sign"].to_numpy() > 0
    w = e["weight"].to_numpy(float)
    wsum = np.bincount(ti, weights=w, minlength=G)
    w = w / wsum[ti]
    indeg = np.bincount(ti, minlength=G)
    master = indeg == 0
    level = np.zeros(G, np.int64)
    by_target = {g: ri[ti == g] for g in np.flatnonzero(~master)}
    order = [genes.get_loc(t) for t in grn.tfs] + [g for g in range(G) if genes[g] not in set(grn.tfs)]
    for g in order:                                    # TFs in topological order, then the rest
        if not master[g]:
            level[g] = 1 + level[by_target[g]].max()
    basal = rng.uniform(0.02, 0.1, G)
    # sum_act w h + sum_rep w (1 - h) = sum_act w - sum_signed w h',  h' = 1 / (1 + (x/K)^n)
    signed = np.where(act, w, -w) * (1.0 - basal[ti])
    S = sparse.csr_matrix((signed, (ti, np.arange(len(ti)))), shape=(G, len(ti)))
    const = basal + (1.0 - basal) * np.bincount(ti, weights=np.where(act, w, 0.0), minlength=G)
    kin = Kinetics(grn=grn, edge_reg=ri, edge_tgt=ti, act=act, w=w, K=np.ones(len(ri)),
                   hill=float(hill), basal=basal, decay=rate * rng.uniform(0.7, 1.3, G),
                   xmax=rng.uniform(0.6, 1.4, G), master=master, level=level,
                   master_idx=np.flatnonzero(master), S=S, const=const)
    u = np.ones((G, n_calibration))
    u[master] = rng.uniform(0.1, 1.0, (int(master.sum()), n_calibration))
    steady_state(kin, u, calibrate=True)
    return kin


def _production_activity(kin: Kinetics, X: np.ndarray, u) -> np.ndarray:
    """``f(x)`` for every gene (rows) and sample (columns); masters take their input ``u``."""
    q = X[kin.edge_reg]                                        # (E, C)
    q *= (1.0 / kin.K)[:, None]
    if kin.hill == 2.0:
        q *= q
    else:
        q **= kin.hill
    q += 1.0
    np.reciprocal(q, out=q)                                    # h' = 1 / (1 + (x/K)^n)
    f = kin.S @ q
    np.subtract(kin.const[:, None], f, out=f)
    f[kin.master_idx] = np.broadcast_to(u, f.shape)[kin.master_idx]
    return f


def steady_state(kin: Kinetics, u: np.ndarray, p: np.ndarray | float = 1.0, *,
                 calibrate: bool = False) -> np.ndarray:
    """Noise-free steady state ``x_i = xmax_i p_i f_i(x)``, solved level by level (exact on the
    acyclic graph). ``u`` (master inputs) and ``p`` (production multipliers) broadcast to
    ``(n_genes, n_samples)``. With ``calibrate`` the half-responses ``K`` are set (in place) to the
    mean level of each regulator, as each level is solved.
    """
    u = np.asarray(u, float)
    C = u.shape[1] if u.ndim == 2 else 1
    G = len(kin.xmax)
    P = np.broadcast_to(np.asarray(p, float) * kin.xmax[:, None], (G, C))
    X = np.zeros((G, C))
    for lev in range(int(kin.level.max()) + 1):
        rows = kin.level == lev
        f = _production_activity(kin, X, u)
        X[rows] = P[rows] * f[rows]
        if calibrate:
            mean = np.maximum(X.mean(1), 1e-3)
            sel = rows[kin.edge_reg]
            kin.K[sel] = mean[kin.edge_reg[sel]]
    return X


def _integrate(kin: Kinetics, X0: np.ndarray, n_steps: int, dt: float, sigma: float,
               rng: np.random.Generator, *, u=None, p=None, record_at=None,
               snapshot_every: int | None = None):
    """Euler-Maruyama for the SDE of the module docstring, vectorised over samples (columns).

    ``u(step) -> (G|1, C)`` master inputs and ``p(step) -> (G, C)`` multipliers are callables or
    arrays. ``record_at`` (C,) captures each column at its own step (single cells sampled at
    random times); ``snapshot_every`` captures all columns every k steps (time series).
    """
    X = np.array(X0, dtype=float, copy=True)
    G, C = X.shape
    out = np.zeros_like(X) if record_at is not None else None
    snaps = [X.copy()] if snapshot_every else None
    lam = kin.decay[:, None]
    m = (kin.decay * kin.xmax)[:, None]
    sqdt = np.sqrt(dt)
    if record_at is not None:
        hit0 = record_at == 0
        out[:, hit0] = X[:, hit0]
    for step in range(1, n_steps + 1):
        t_prev = step - 1
        uu = u(t_prev) if callable(u) else (1.0 if u is None else u)
        pp = p(t_prev) if callable(p) else (1.0 if p is None else p)
        prod = m * pp * _production_activity(kin, X, uu)
        deg = lam * X
        noise = rng.standard_normal((G, C))
        noise *= np.sqrt(prod) + np.sqrt(deg)
        X += (prod - deg) * dt + sigma * sqdt * noise
        np.maximum(X, 0.0, out=X)
        if record_at is not None:
            hit = record_at == step
            if hit.any():
                out[:, hit] = X[:, hit]
        if snapshot_every and step % snapshot_every == 0:
            snaps.append(X.copy())
    return out if record_at is not None else (np.stack(snaps) if snaps else X)


# ---------------------------------------------------------------------- technical noise
def _technical_counts(X: np.ndarray, rng: np.random.Generator, *, depth: float, dispersion: float,
                      dropout: float, dropout_shape: float, library_sd: float) -> np.ndarray:
    """Negative-binomial counts on a library size, then SERGIO-like dropout (module docstring)."""
    G, C = X.shape
    scale = np.exp(rng.normal(np.log(depth), 0.8, G))
    lib = np.exp(rng.normal(0.0, library_sd, C))
    mu = X * scale[:, None] * lib[None, :]
    if dispersion > 0:
        mu = mu * rng.gamma(1.0 / dispersion, dispersion, mu.shape)
    counts = rng.poisson(mu).astype(np.float32)
    if dropout > 0:
        lm = np.log1p(X * scale[:, None] * lib[None, :])
        q = np.quantile(lm, dropout)
        p_drop = 1.0 / (1.0 + np.exp(dropout_shape * (lm - q)))
        counts[rng.random(counts.shape) < p_drop] = 0.0
    return counts


def _network_frame(grn: GRN) -> pd.DataFrame:
    return grn.edges.copy()


# ---------------------------------------------------------------------- time series (DREAM4)
def time_series(n_genes: int = 100, n_experiments: int = 10, n_times: int = 21,
                t_end: float = 1000.0, seed: int = 0, noise: float = 0.15, *,
                measurement_noise: float = 0.025, perturbed_fraction: float = 1 / 3,
                max_fold: float = 4.0, steps_per_interval: int = 10, n_tfs: int | None = None,
                name: str | None = None) -> Dataset:
    """A DREAM4-like time-series dataset with its ground truth.

    Protocol (DREAM4 / GeneNetWeaver): each experiment starts from the wild-type steady state
    (master inputs ``u ~ U(0.2, 1)``, fixed); at ``t = 0`` the production of a random third of the
    genes is multiplied by ``p = max_fold ** U(-1, 1)`` (up to 4-fold up or down); the
    perturbation is removed at ``t_end / 2`` and the system relaxes back. ``n_times`` points are
    taken evenly over ``[0, t_end]``. The SDE (intrinsic ``noise`` = sigma) is integrated with
    ``steps_per_interval`` Euler-Maruyama steps per sampling interval; the time unit makes the mean
    decay rate ``10 / t_end`` (relaxation time ~100 for t_end = 1000). Gaussian measurement noise
    (sd ``measurement_noise`` relative to the largest level) is added, values are clipped at 0 and
    divided by the overall maximum, so they lie in [0, 1] as in DREAM4.

    Returns a `Dataset` (kind ``time_series``) whose samples are ``e{experiment}_t{time}`` with
    metadata ``experiment`` (1-based) and ``time``; ``extras["wildtype"]`` holds the noise-free
    wild-type steady state on the same scale.
    """
    n_experiments = _check_int("n_experiments", n_experiments, 1)
    n_times = _check_int("n_times", n_times, 2)
    if t_end <= 0:
        raise ValueError(f"t_end must be positive, got {t_end!r}")
    grn = random_network(n_genes, n_tfs=n_tfs, seed=seed)
    kin = hill_kinetics(grn, rate=10.0 / t_end, seed=seed + 1)
    rng = np.random.default_rng([seed, 2])
    G = grn.n_genes
    u_wt = np.ones((G, 1))
    u_wt[kin.master] = rng.uniform(0.2, 1.0, (int(kin.master.sum()), 1))
    x_wt = steady_state(kin, u_wt)
    E = n_experiments
    p_pert = np.ones((G, E))
    n_pert = max(1, int(round(perturbed_fraction * G)))
    for e in range(E):
        genes_e = rng.choice(G, n_pert, replace=False)
        p_pert[genes_e, e] = max_fold ** rng.uniform(-1.0, 1.0, n_pert)
    k = _check_int("steps_per_interval", steps_per_interval, 1)
    n_steps = (n_times - 1) * k
    dt = t_end / n_steps
    half = n_steps // 2
    ones = np.ones((G, E))
    snaps = _integrate(kin, np.repeat(x_wt, E, axis=1), n_steps, dt, noise, rng,
                       u=u_wt, p=lambda s: p_pert if s < half else ones, snapshot_every=k)
    # snaps: (n_times, G, E) -> genes x (experiment-major, time-minor)
    values = snaps.transpose(1, 2, 0).reshape(G, E * n_times)
    top = values.max()
    values = values + rng.normal(0.0, measurement_noise * top, values.shape)
    np.maximum(values, 0.0, out=values)
    scale = values.max()
    values /= scale
    times = np.linspace(0.0, t_end, n_times)
    time_labels = [f"{t:g}" for t in times]
    cols = [f"e{e + 1}_t{tl}" for e in range(E) for tl in time_labels]
    samples = pd.DataFrame({"experiment": np.repeat(np.arange(1, E + 1), n_times),
                            "time": np.tile(times, E)}, index=cols)
    expr = pd.DataFrame(values.astype(np.float32), index=list(grn.genes), columns=cols)
    wt = pd.DataFrame((x_wt / scale).astype(np.float32), index=list(grn.genes), columns=["wildtype"])
    return Dataset.create(
        expr, samples=samples, network=_network_frame(grn), tfs=grn.tfs,
        name=name or f"Simulated DREAM4-like time series ({G} genes, seed {seed})",
        kind="time_series", source=f"grncore.data.simulate.time_series(seed={seed})",
        extras={"wildtype": wt},
        notes=[f"simulated: {E} experiments x {n_times} time points over t=0..{t_end:g}; "
               f"production of {n_pert} genes perturbed until t={t_end / 2:g}"])


# ---------------------------------------------------------------------- single cell
def _switch_inputs(rng, n_master: int, n_traj: int, t_end: float):
    """Master input programmes: per trajectory and master, a sigmoid switch between a low level
    ``U(0.05, 0.2)`` and a high level ``U(0.7, 1)`` (up or down with equal probability) at a random
    time ``tau ~ U(0.15, 0.85) * t_end`` with width ``U(0.03, 0.1) * t_end``. Returns the start
    level, end level, tau and width, each ``(n_traj, n_master)``."""
    lo = rng.uniform(0.05, 0.2, (n_traj, n_master))
    hi = rng.uniform(0.7, 1.0, (n_traj, n_master))
    up = rng.random((n_traj, n_master)) < 0.5
    tau = rng.uniform(0.15, 0.85, (n_traj, n_master)) * t_end
    width = rng.uniform(0.03, 0.1, (n_traj, n_master)) * t_end
    return np.where(up, lo, hi), np.where(up, hi, lo), tau, width


def single_cell(n_genes: int = 100, n_cells: int = 500, seed: int = 0, dropout: float = 0.2, *,
                n_trajectories: int = 1, noise: float = 0.3, extrinsic: float = 0.3,
                t_end: float = 8.0, dt: float = 0.05, depth: float = 50.0,
                dispersion: float = 0.1, dropout_shape: float = 4.0, library_sd: float = 0.3,
                n_tfs: int | None = None, name: str | None = None) -> Dataset:
    """A single-cell count dataset sampled along trajectories (BoolODE / SERGIO-like).

    Each trajectory is a programme of the master regulators' inputs ``u_k(t)`` (sigmoid switches
    at random times, see `_switch_inputs`); cells are split evenly among ``n_trajectories``. Every
    cell is its own SDE path (intrinsic ``noise`` = sigma, time unit = 1 / mean decay rate) that
    starts from the steady state of its trajectory at ``t = 0`` and is sampled at a random time
    ``t_c ~ U(0, t_end)``; its master inputs are scaled by a per-cell log-normal factor
    (``extrinsic`` = sd of its log), extrinsic cell-to-cell variation that propagates down the
    network. Samples metadata: ``pseudotime = t_c / t_end`` and ``trajectory`` (1-based). Technical
    noise as in the module docstring: negative-binomial counts (``depth``, ``dispersion``,
    ``library_sd``) and dropout (``dropout`` quantile, ``dropout_shape``); values are raw counts
    (integers stored as float32).
    """
    n_cells = _check_int("n_cells", n_cells, 2)
    n_traj = _check_int("n_trajectories", n_trajectories, 1)
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
    grn = random_network(n_genes, n_tfs=n_tfs, seed=seed)
    kin = hill_kinetics(grn, rate=1.0, seed=seed + 1)
    rng = np.random.default_rng([seed, 3])
    G, C = grn.n_genes, n_cells
    mi = kin.master_idx
    a, b, tau, width = _switch_inputs(rng, len(mi), n_traj, t_end)
    traj = np.arange(C) % n_traj
    rng.shuffle(traj)
    ext = np.exp(rng.normal(0.0, extrinsic, (len(mi), C)))
    n_steps = int(round(t_end / dt))
    t_cell = rng.uniform(0.0, t_end, C)
    record = np.clip(np.rint(t_cell / dt).astype(np.int64), 0, n_steps)
    A, B, TAU, W = (x[traj].T for x in (a, b, tau, width))      # (n_master, C)
    U = np.ones((G, C))

    def inputs(step):
        t = step * dt
        U[mi] = ext * (A + (B - A) / (1.0 + np.exp(-(t - TAU) / W)))
        return U

    x0 = steady_state(kin, inputs(0).copy())
    X = _integrate(kin, x0, n_steps, dt, noise, rng, u=inputs, record_at=record)
    counts = _technical_counts(X, rng, depth=depth, dispersion=dispersion, dropout=dropout,
                               dropout_shape=dropout_shape, library_sd=library_sd)
    cells = [f"cell{i + 1}" for i in range(C)]
    samples = pd.DataFrame({"pseudotime": record * dt / t_end, "trajectory": traj + 1}, index=cells)
    expr = pd.DataFrame(counts, index=list(grn.genes), columns=cells)
    zero = float((counts == 0).mean())
    return Dataset.create(
        expr, samples=samples, network=_network_frame(grn), tfs=grn.tfs,
        name=name or f"Simulated single-cell ({G} genes x {C} cells, seed {seed})",
        kind="single_cell", source=f"grncore.data.simulate.single_cell(seed={seed})",
        notes=[f"simulated: {C} cells on {n_traj} trajector{'y' if n_traj == 1 else 'ies'}; raw counts with "
               f"{zero:.0%} zeros (dropout quantile {dropout:g})"])


# ---------------------------------------------------------------------- two states
@dataclass(frozen=True, eq=False)
class TwoStates:
    """A source and a target state that differ by perturbing a few known TFs.

    ``dataset`` has samples metadata ``condition`` in {"source", "target"}; ``perturbed_tfs``
    names the perturbed TFs and ``perturbation`` their production multipliers (< 1 knockdown,
    > 1 overexpression); ``fold_changes`` is the noise-free log2 fold change target / source of
    every gene (steady states at the nominal master inputs).
    """

    dataset: Dataset
    perturbed_tfs: tuple[str, ...]
    perturbation: dict
    fold_changes: pd.Series


def two_states(n_genes: int = 60, n_cells: int = 200, n_perturbed_tfs: int = 3, seed: int = 0, *,
               knockdown: float = 0.1, overexpression: float = 4.0, noise: float = 0.1,
               extrinsic: float = 0.2, dropout: float = 0.1, depth: float = 20.0,
               dispersion: float = 0.1, n_tfs: int | None = None,
               name: str | None = None) -> TwoStates:
    """Source and target cell states of one GRN that differ by perturbing ``n_perturbed_tfs`` TFs.

    The perturbed TFs are drawn among TFs with at least one target; each is knocked down
    (production x ``knockdown``) or overexpressed (x ``overexpression``) with equal probability.
    Half the cells are source (wild type), half target (perturbed): each cell starts at the
    steady state of its condition with per-cell extrinsic variation of the master inputs
    (``extrinsic``), runs the SDE (``noise``) for 3 time units, and is turned into counts with
    the technical noise model (module docstring). The perturbation propagates downstream
    through the GRN, so many genes besides the perturbed TFs change.
    """
    n_cells = _check_int("n_cells", n_cells, 4)
    grn = random_network(n_genes, n_tfs=n_tfs, seed=seed)
    n_pert = _check_int("n_perturbed_tfs", n_perturbed_tfs, 1)
    kin = hill_kinetics(grn, rate=1.0, seed=seed + 1)
    rng = np.random.default_rng([seed, 4])
    genes = pd.Index(grn.genes)
    with_targets = sorted(set(grn.edges["regulator"]))
    if n_pert > len(with_targets):
        raise ValueError(f"n_perturbed_tfs ({n_pert}) exceeds the {len(with_targets)} TFs with targets")
    chosen = [str(t) for t in rng.choice(with_targets, n_pert, replace=False)]
    factors = {t: (knockdown if rng.random() < 0.5 else overexpression) for t in chosen}
    G, C = len(genes), n_cells
    p_target = np.ones((G, 1))
    for t, fct in factors.items():
        p_target[genes.get_loc(t)] = fct
    u_nom = np.ones((G, 1))
    u_nom[kin.master] = rng.uniform(0.3, 1.0, (int(kin.master.sum()), 1))
    fc = np.log2((steady_state(kin, u_nom, p_target)[:, 0] + 1e-3)
                 / (steady_state(kin, u_nom)[:, 0] + 1e-3))
    cond = np.array(["source"] * (C // 2) + ["target"] * (C - C // 2))
    P = np.where(cond == "target", p_target, 1.0)                # (G, C)
    U = np.repeat(u_nom, C, axis=1)
    U[kin.master] *= np.exp(rng.normal(0.0, extrinsic, (int(kin.master.sum()), C)))
    x0 = steady_state(kin, U, P)
    dt = 0.05
    X = _integrate(kin, x0, int(3.0 / dt), dt, noise, rng, u=U, p=P,
                   record_at=np.full(C, int(3.0 / dt)))
    counts = _technical_counts(X, rng, depth=depth, dispersion=dispersion, dropout=dropout,
                               dropout_shape=4.0, library_sd=0.3)
    cells = [f"{c}{i + 1}" for i, c in enumerate(cond)]
    desc = ", ".join(f"{t} ({'knockdown' if f < 1 else 'overexpression'} x{f:g})"
                     for t, f in factors.items())
    ds = Dataset.create(
        pd.DataFrame(counts, index=list(genes), columns=cells),
        samples=pd.DataFrame({"condition": cond}, index=cells),
        network=_network_frame(grn), tfs=grn.tfs,
        name=name or f"Simulated two states ({G} genes, {n_pert} perturbed TFs, seed {seed})",
        kind="single_cell", source=f"grncore.data.simulate.two_states(seed={seed})",
        notes=[f"perturbed TFs (target vs source): {desc}"])
    return TwoStates(dataset=ds, perturbed_tfs=tuple(chosen), perturbation=factors,
                     fold_changes=pd.Series(fc, index=genes, name="log2fc"))


# ---------------------------------------------------------------------- demo
def demo(seed: int = 0) -> Dataset:
    """The built-in demo dataset the app opens with: `single_cell` with 100 genes x 400 cells,
    ground truth and TF list."""
    ds = single_cell(n_genes=100, n_cells=400, seed=seed, name=DEMO_NAME)
    return ds.replace(source=f"grncore.data.simulate.demo(seed={seed})")

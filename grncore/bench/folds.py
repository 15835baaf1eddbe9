"""Repeated, covering splits: K-fold ``tf_disjoint`` / ``gene_disjoint`` and repeated ``edge_random``.

One split of a dozen held-out regulators is a noisy estimate (on BEELINE mHSC-GM, gnt scored AUROC
0.55 with one split seed and 0.88 with another). With ``folds=K`` in the split options, the
regulators (``tf_disjoint``) or genes (``gene_disjoint``) are cut once by seed into K folds and the
method is trained K times, each time tested on one fold, validated on held-out regulators / genes
of the other folds and trained on the rest (see `grncore.bench.splits.tf_disjoint`): every
regulator is tested exactly once. With ``repeats=R``, ``edge_random`` is drawn R times with seeds
``seed, seed + 1, ...`` (a pair may then be tested in several repeats). The fold splits are a pure
function of (dataset, split, seed, options), so the ``degree`` sentinel and every compared method
see the same folds.

Reported (`FoldMetrics`, a `Metrics` of the pooled held-out pairs plus):

- per fold: its held-out regulators (or genes), its test size and its metrics (``folds``);
- ``<m>_mean`` and ``<m>_sd`` over the folds for ``m`` in AUROC, AUPRC, AUPRC ratio, EPR (sample
  standard deviation, ``ddof=1``);
- the pooled metrics (the plain fields: ``auroc`` ...) over all held-out pairs, scores of
  different folds ranked together (one scale for unsupervised methods and the sentinels; a trained
  model's folds are K models whose score scales may differ, one more reason to read the fold mean
  and sd next to the pooled figure);
- ``<m>_ci``: a 95% percentile bootstrap interval of the pooled metric. For ``tf_disjoint`` and
  ``gene_disjoint`` the resampled units are the held-out regulators (`metrics.cluster_bootstrap`:
  the pairs of one TF are not independent); for ``edge_random`` the pairs (`metrics.bootstrap`).

Unsupervised methods do not depend on the training part, so they score the union of the folds'
test pairs in one call (the same scores as K calls, at the cost of one).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from .. import methods
from ..data import InputError
from .metrics import Metrics, bootstrap, cluster_bootstrap, evaluate, pr_curve, roc_curve
from .run import RunResult, _datasets_by_name, store, versions
from .splits import Split, make_split

FOLD_OPTION = {"tf_disjoint": "folds", "gene_disjoint": "folds", "edge_random": "repeats"}
"""The split option that makes a split repeated, per split."""
SUMMARY = ("auroc", "auprc", "auprc_ratio", "epr")
BOOTSTRAP_RESAMPLES = 500

__all__ = ["FoldMetrics", "FOLD_OPTION", "n_folds", "fold_splits", "summarise", "score_folds"]


@dataclass(frozen=True)
class FoldMetrics(Metrics):
    """Pooled `Metrics` of all held-out pairs plus the per-fold summary (see module doc)."""

    folds: list = field(default_factory=list)
    n_folds: int = 0
    auroc_mean: float = float("nan")
    auroc_sd: float = float("nan")
    auprc_mean: float = float("nan")
    auprc_sd: float = float("nan")
    auprc_ratio_mean: float = float("nan")
    auprc_ratio_sd: float = float("nan")
    epr_mean: float = float("nan")
    epr_sd: float = float("nan")
    auroc_ci: list = field(default_factory=list)
    auprc_ratio_ci: list = field(default_factory=list)
    epr_ci: list = field(default_factory=list)
    ci_units: str = "pairs"


def n_folds(split: str, options: dict | None) -> int:
    """The number of folds (or repeats) ``options`` ask of ``split``; 0 for a single split."""
    key = FOLD_OPTION.get(split)
    return int((options or {}).get(key) or 0) if key else 0


def fold_splits(dataset, split: str, seed: int, options: dict | None) -> list[Split]:
    """The K splits of a repeated split, fold (or repeat) 0 first; each is
    ``make_split(dataset, split, seed=seed, **options, fold=k)`` (``repeat=k`` for edge_random)."""
    k = n_folds(split, options)
    if not k:
        raise InputError(f"the split options ask for no folds of {split}", where="split",
                         fix=f"set {FOLD_OPTION.get(split, 'folds')}, e.g. 5")
    index = "repeat" if FOLD_OPTION[split] == "repeats" else "fold"
    return [make_split(dataset, split, seed=seed, **dict(options), **{index: i}) for i in range(k)]


def held_out(sp: Split) -> list[str]:
    """What fold ``sp`` tests: its test regulators (tf_disjoint), test genes (gene_disjoint), or
    an empty list (edge_random repeats hold out edges, not nodes)."""
    if "tfs" in sp.info:
        return list(sp.info["tfs"]["test"])
    if "genes" in sp.info:
        return list(sp.info["genes"]["test"])
    return []


def summarise(predictions: pd.DataFrame, split: str, held: list[list[str]], *, seed: int = 0,
              n_boot: int = BOOTSTRAP_RESAMPLES) -> FoldMetrics:
    """`FoldMetrics` of ``predictions`` (``regulator, target, score, label, fold``; every held-out
    pair of every fold) with ``held[k]`` the regulators / genes held out in fold k."""
    per_fold = []
    for k, part in predictions.groupby("fold", sort=True):
        m = evaluate(part["label"].to_numpy(), part["score"].to_numpy())
        per_fold.append({"fold": int(k), "held_out": held[int(k)] if int(k) < len(held) else [],
                         **{name: getattr(m, name) for name in (*SUMMARY, "n_pairs", "n_positives", "positive_rate")}})
    labels, scores = predictions["label"].to_numpy(), predictions["score"].to_numpy()
    pooled = evaluate(labels, scores)
    if FOLD_OPTION.get(split) == "folds":
        ci = cluster_bootstrap(labels, scores, predictions["regulator"].astype(str).to_numpy(), n=n_boot, seed=seed)
        units = "regulators"
    else:
        ci = bootstrap(labels, scores, n=n_boot, seed=seed)
        units = "pairs"
    stats = {}
    for name in SUMMARY:
        values = np.array([f[name] for f in per_fold], dtype=float)
        stats[f"{name}_mean"] = float(values.mean())
        stats[f"{name}_sd"] = float(values.std(ddof=1)) if len(values) > 1 else float("nan")
    return FoldMetrics(**asdict(pooled), folds=per_fold, n_folds=len(per_fold), **stats,
                       auroc_ci=list(ci["auroc"]), auprc_ratio_ci=list(ci["auprc_ratio"]),
                       epr_ci=list(ci["epr"]), ci_units=units)


def pooled_test(dataset, split: str, seed: int, sp: Split) -> tuple[pd.DataFrame, list[list[str]] | None]:
    """The test pairs a comparison under ``sp``'s options scores: ``sp.test`` for a single split
    (and None), else every fold's test pairs with a ``fold`` column (and what each fold held out);
    used to score another tool's predictions on exactly the pairs of a comparison."""
    options = sp.info.get("options", {})
    if not n_folds(split, options):
        return sp.test, None
    splits = [sp, *fold_splits(dataset, split, seed, options)[1:]]
    return (pd.concat([s.test.assign(fold=np.int16(i)) for i, s in enumerate(splits)], ignore_index=True),
            [held_out(s) for s in splits])


def score_folds(dataset, test_ds, sp, spec, params_obj, method, split, seed, progress, should_stop,
                resolved_device, workspace, run_id, dataset_id, workdir) -> RunResult:
    """`grncore.bench.run.run` for a repeated split: train and score fold by fold, pool, summarise
    and store (artifacts ``predictions`` with a ``fold`` column, pooled ``roc`` / ``pr``, per-fold
    ``roc_folds`` / ``pr_folds``, ``history`` with a ``fold`` field)."""
    options = dict(sp.info.get("options", {}))
    splits = [sp, *fold_splits(dataset, split, seed, options)[1:]]
    k = len(splits)
    history: list[dict] = []
    t0 = time.perf_counter()
    tests = [s.test.assign(fold=np.int16(i)) for i, s in enumerate(splits)]
    datasets = _datasets_by_name(dataset, sp)
    if spec.supervised:
        scores = []
        for i, s in enumerate(splits):
            def fold_progress(done, total, message="", _i=i, **fields):
                if fields:
                    history.append({"fold": _i, **fields})
                frac = done / total if total else 0.0
                progress(int(1000 * (_i + frac)), 1000 * k, f"fold {_i + 1}/{k}: {message}",
                         **({"fold": _i, **fields} if fields else {}))

            scores.append(methods.score_pairs(test_ds, s.test, method, params_obj, train=s.train, val=s.val,
                                              seed=seed, progress=fold_progress, should_stop=should_stop,
                                              device=resolved_device, workdir=workdir, datasets=datasets))
        scores = np.concatenate(scores)
        test = pd.concat(tests, ignore_index=True)
    else:  # nothing is trained: one call on the union of the test folds gives the same scores
        test = pd.concat(tests, ignore_index=True)
        scores = methods.score_pairs(test_ds, test, method, params_obj, seed=seed, progress=progress,
                                     should_stop=should_stop, device=resolved_device, workdir=workdir,
                                     datasets=datasets)
    seconds = time.perf_counter() - t0
    labels = test["label"].to_numpy()
    predictions = pd.DataFrame({"regulator": test["regulator"].astype(str).to_numpy(),
                                "target": test["target"].astype(str).to_numpy(), "score": scores,
                                "label": labels, "fold": test["fold"].to_numpy()})
    metrics = summarise(predictions, split, [held_out(s) for s in splits], seed=seed)
    result = RunResult(
        method=method, split=split, seed=seed, params=asdict(params_obj), split_options=options,
        dataset_name=test_ds.name, dataset_fingerprint=test_ds.fingerprint(), metrics=metrics,
        predictions=predictions, roc=roc_curve(labels, scores), pr=pr_curve(labels, scores), seconds=seconds,
        device=resolved_device, versions=versions(), protocol=sp.protocol,
        history=pd.DataFrame(history) if history else None,
        extra={"test_pairs": int(len(test)), "test_positives": int(labels.sum()),
               "train_pairs": [int(len(s.train)) for s in splits]},
        frames=fold_curves(predictions))
    if workspace is not None:
        store(workspace, result, run_id=run_id, dataset_id=dataset_id or test_ds.fingerprint())
    return result


def fold_curves(predictions: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Per-fold ROC and PR curves (``roc_folds``, ``pr_folds`` artifacts, a ``fold`` column) of
    pooled predictions with a ``fold`` column: what the page draws on request."""
    curves = {"roc_folds": [], "pr_folds": []}
    for i, part in predictions.groupby("fold", sort=True):
        y, s = part["label"].to_numpy(), part["score"].to_numpy()
        curves["roc_folds"].append(roc_curve(y, s, max_points=500).assign(fold=int(i)))
        curves["pr_folds"].append(pr_curve(y, s, max_points=500).assign(fold=int(i)))
    return {name: pd.concat(parts, ignore_index=True) for name, parts in curves.items()}

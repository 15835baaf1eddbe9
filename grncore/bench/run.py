"""Run orchestration: split -> fit/score -> evaluate -> store.

`run` is the one function behind the Models page, the background jobs and the CLI. It builds the
split from ``(dataset, split, seed, split_options)`` — a pure function, so every method compared
under the same split and seed is scored on the identical test pairs — asks the method for scores of
the test pairs (supervised methods also get the training pairs), evaluates them and, given a
workspace, stores a row plus Parquet artifacts (``predictions``, ``roc``, ``pr``, ``history``).
The stored record holds everything needed to repeat the run: dataset fingerprint, method, params,
split and its options, seed, device, where the per-target work ran (``ran_on``: this process, local
processes or the Dask cluster's address), package versions and wall time.
"""

from __future__ import annotations

import functools
import platform
import re
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd

import grncore

from .. import methods, parallel
from ..data import Dataset, InputError
from ..data.ranking import attach_signs, pair_keys, rank_scores
from ..train.progress import Cancelled, never_stop, no_progress
from .metrics import Metrics, evaluate, pr_curve, roc_curve
from .splits import SPLITS, Split, make_split


@dataclass
class RunResult:
    """What one run produced (see module doc). ``predictions`` has one row per test pair:
    ``regulator, target, score, label``."""

    method: str
    split: str
    seed: int
    params: dict
    split_options: dict
    dataset_name: str
    dataset_fingerprint: str
    metrics: Metrics
    predictions: pd.DataFrame
    roc: pd.DataFrame
    pr: pd.DataFrame
    seconds: float
    device: str
    versions: dict
    protocol: str = "unsupervised"
    history: pd.DataFrame | None = None
    extra: dict = field(default_factory=dict)
    run_id: str | None = None
    frames: dict = field(default_factory=dict)  # further artifacts (per-fold curves of repeated splits)
    ran_on: str = field(default_factory=parallel.ran_on)  # where the per-target work ran (`run` records it)

    def record(self) -> dict:
        """A JSON-able description that is enough to repeat the run."""
        return {
            "method": self.method, "split": self.split, "seed": self.seed, "params": self.params,
            "split_options": self.split_options, "protocol": self.protocol,
            "dataset_name": self.dataset_name, "dataset_fingerprint": self.dataset_fingerprint,
            "metrics": self.metrics.as_dict(), "seconds": round(self.seconds, 4), "device": self.device,
            "versions": self.versions, "ran_on": self.ran_on, **self.extra,
        }


def versions() -> dict:
    """Versions of Python and the packages that decide a run's numbers. torch's (when it is
    loaded) comes from its installed metadata, not from the module: another thread's run may be
    importing torch at this moment, and a half-imported module has no ``__version__`` yet (the
    10-session load bench hit exactly that)."""
    import sklearn

    out = {"python": platform.python_version(), "grncore": grncore.__version__,
           "numpy": np.__version__, "pandas": pd.__version__, "scikit-learn": sklearn.__version__}
    if "torch" in sys.modules:
        out["torch"] = _installed_version("torch")
    return out


@functools.lru_cache(maxsize=None)
def _installed_version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:  # loaded from a source tree, not installed
        return "unknown"


def build_split(dataset: Dataset | Sequence[Dataset], split: str, seed: int, split_options: dict | None) -> tuple[Split, Dataset]:
    """The split and the dataset whose pairs are tested (the held-out one for network_disjoint)."""
    options = dict(split_options or {})
    if split not in SPLITS:
        raise InputError(f"unknown split {split!r}", where="split", fix=f"use one of {', '.join(SPLITS)}")
    if SPLITS[split].multi_dataset:
        datasets = [dataset] if isinstance(dataset, Dataset) else list(dataset)
        test_index = int(options.get("test_index", len(datasets) - 1))
        options["test_index"] = test_index
        return make_split(datasets, split, seed=seed, **options), datasets[test_index]
    if not isinstance(dataset, Dataset):
        raise InputError(f"the {split} split takes one dataset", where="split")
    return make_split(dataset, split, seed=seed, **options), dataset


def run(dataset: Dataset | Sequence[Dataset], method: str, split: str = "unsupervised", params=None,
        seed: int = 0, *, split_options: dict | None = None, progress=no_progress, should_stop=never_stop,
        device: str = "auto", workspace=None, run_id: str | None = None, dataset_id: str | None = None) -> RunResult:
    """Score and evaluate ``method`` on the test pairs of ``split`` (see module doc).

    With ``workspace`` the result is stored: into the existing row ``run_id`` (the job manager
    creates rows when runs are queued) or a new row; whatever goes wrong after that (scoring,
    evaluation, storing, a cancel) ends the row as failed or cancelled with the message, so no row
    is ever left "running". Raises `InputError` for impossible
    combinations (unknown method or split, a supervised method on the unsupervised split, a
    dataset without ground truth) and `Cancelled` when ``should_stop()`` turned true.
    """
    spec = methods.get(method)
    params_obj = methods.validate_params(spec, params or {})
    sp, test_ds = build_split(dataset, split, seed, split_options)
    if spec.supervised and not sp.supervised:
        raise InputError(f"{method} is supervised and the {split} split has no training pairs",
                         where="split", fix="use an unsupervised method: this dataset has no known edge to train on"
                         if split == "discovery" else "choose edge_random, tf_disjoint, gene_disjoint or network_disjoint")
    resolved_device = _resolve_device(spec, device)
    if workspace is not None and run_id is None:
        run_id = workspace.create_run(dataset_id=dataset_id or test_ds.fingerprint(), dataset_name=test_ds.name,
                                      method=method, split=split, seed=seed, params=asdict(params_obj),
                                      split_options=dict(sp.info.get("options", {})), device=resolved_device,
                                      status="running")
    try:
        workdir = workspace.run_dir(run_id) if workspace is not None else None
        if workdir is not None:
            workdir.mkdir(parents=True, exist_ok=True)
        with parallel.recording():  # the results built inside note where the work ran (RunResult.ran_on)
            return _scorer(split, sp)(dataset, test_ds, sp, spec, params_obj, method, split, seed, progress,
                                      should_stop, resolved_device, workspace, run_id, dataset_id, workdir)
    except BaseException as exc:  # every way out ends the row (done, failed with the message, cancelled)
        if workspace is not None:
            _end_row(workspace, run_id, exc)
        raise


def _score_evaluate_store(dataset, test_ds, sp, spec, params_obj, method, split, seed, progress, should_stop,
                          resolved_device, workspace, run_id, dataset_id, workdir) -> RunResult:
    history: list[dict] = []

    def recording_progress(done, total, message="", **fields):
        if fields:
            history.append(dict(fields))
        progress(done, total, message, **fields)

    test = sp.test
    t0 = time.perf_counter()
    scores = methods.score_pairs(test_ds, test, method, params_obj, train=sp.train if sp.supervised else None,
                                 val=sp.val if sp.supervised else None, seed=seed, progress=recording_progress,
                                 should_stop=should_stop, device=resolved_device, workdir=workdir,
                                 datasets=_datasets_by_name(dataset, sp))
    seconds = time.perf_counter() - t0
    if split == "discovery":  # the predicted network, in-sample (see _discovery_result)
        result = _discovery_result(test_ds, sp, scores, method, seed, asdict(params_obj), seconds,
                                   resolved_device, history, trained_on=sp.train if spec.supervised else None)
        if workspace is not None:
            store(workspace, result, run_id=run_id, dataset_id=dataset_id or test_ds.fingerprint())
        return result
    labels = test["label"].to_numpy()
    result = RunResult(
        method=method, split=split, seed=seed, params=asdict(params_obj), split_options=dict(sp.info.get("options", {})),
        dataset_name=test_ds.name, dataset_fingerprint=test_ds.fingerprint(), metrics=evaluate(labels, scores),
        predictions=pd.DataFrame({"regulator": test["regulator"].astype(str).to_numpy(),
                                  "target": test["target"].astype(str).to_numpy(), "score": scores, "label": labels}),
        roc=roc_curve(labels, scores), pr=pr_curve(labels, scores), seconds=seconds, device=resolved_device,
        versions=versions(), protocol=sp.protocol, history=pd.DataFrame(history) if history else None,
        extra={"test_pairs": int(len(test)), "test_positives": int(labels.sum()),
               "train_pairs": int(len(sp.train))})
    if workspace is not None:
        store(workspace, result, run_id=run_id, dataset_id=dataset_id or test_ds.fingerprint())
    return result


def _scorer(split: str, sp: Split):
    """`_score_evaluate_store` for one split; `grncore.bench.folds.score_folds` when the split
    options ask for folds or repeats."""
    from . import folds

    return folds.score_folds if folds.n_folds(split, sp.info.get("options")) else _score_evaluate_store


def _discovery_result(test_ds: Dataset, sp: Split, scores: np.ndarray, method: str, seed: int, params: dict,
                      seconds: float, device: str, history: list[dict], trained_on: pd.DataFrame | None) -> RunResult:
    """The result of a discovery run: its predicted network and in-sample figures.

    ``predictions`` holds every candidate pair in canonical order with ``regulator, target,
    score, rank`` (1 = best; ties in canonical pair order, `grncore.data.ranking.rank_scores`),
    ``known`` (in the ground truth), ``trained`` (a pair of ``trained_on``, the training pairs the
    method was given; None for unsupervised methods, which train on nothing), ``label`` (= known) and ``sign``
    when the ground truth has signs. The scored pairs include the training pairs, so the metrics
    are in-sample: computed only when the dataset has both known edges and non-edges, and the
    record says ``in_sample: true`` with a note; otherwise every metric is NaN and the curves are
    empty (a dataset without ground truth gets its predicted network all the same).
    """

    test = sp.test
    labels = test["label"].to_numpy()
    trained = _trained_mask(test, trained_on) if trained_on is not None else np.zeros(len(test), bool)
    pred = rank_scores(pd.DataFrame({"regulator": test["regulator"].astype(str).to_numpy(),
                                     "target": test["target"].astype(str).to_numpy(), "score": scores}))
    pred["known"] = labels.astype(np.int8)
    pred["trained"] = trained.astype(np.int8)
    pred["label"] = labels.astype(np.int8)
    pred = attach_signs(pred, test_ds.network)
    n_known = int(labels.sum())
    evaluable = 0 < n_known < len(labels)
    if evaluable:
        metrics, roc, pr = evaluate(labels, scores), roc_curve(labels, scores), pr_curve(labels, scores)
    else:
        nan = float("nan")
        metrics = Metrics(auroc=nan, auprc=nan, auprc_ratio=nan, epr=nan, early_precision=nan,
                          n_pairs=len(labels), n_positives=n_known,
                          positive_rate=n_known / len(labels) if len(labels) else 0.0, n_top=0)
        roc = pd.DataFrame({"fpr": [], "tpr": [], "threshold": []}, dtype=float)
        pr = pd.DataFrame({"recall": [], "precision": [], "threshold": []}, dtype=float)
    note = ("in-sample: the scored pairs include every training pair, so these figures measure fit, "
            "not generalisation; evaluate with the other splits" if evaluable else
            "no ground truth to compare with: a predicted network without metrics")
    return RunResult(
        method=method, split="discovery", seed=seed, params=params, split_options=dict(sp.info.get("options", {})),
        dataset_name=test_ds.name, dataset_fingerprint=test_ds.fingerprint(), metrics=metrics, predictions=pred,
        roc=roc, pr=pr, seconds=seconds, device=device, versions=versions(), protocol=sp.protocol,
        history=pd.DataFrame(history) if history else None,
        extra={"in_sample": True, "evaluable": evaluable, "note": note, "n_pairs": int(len(test)),
               "known_pairs": n_known, "trained_pairs": int(trained.sum()),
               "train_pairs": int(len(trained_on)) if trained_on is not None else 0})


def _trained_mask(test: pd.DataFrame, train: pd.DataFrame) -> np.ndarray:
    """Whether each test pair is a training pair (vectorised on the categorical codes)."""
    if not len(train):
        return np.zeros(len(test), bool)
    cats = test["regulator"].cat.categories
    same = all(f[c].cat.categories.equals(cats) for f in (test, train) for c in ("regulator", "target"))
    if not same:
        return np.asarray(pair_keys(test).isin(pair_keys(train)))

    def key(f):
        return f["regulator"].cat.codes.to_numpy(np.int64) * len(cats) + f["target"].cat.codes.to_numpy(np.int64)

    return np.isin(key(test), key(train))


def _end_row(workspace, run_id: str, exc: BaseException) -> None:
    """End the row of a call that did not finish: cancelled or failed, with the reason."""
    status = "cancelled" if isinstance(exc, (Cancelled, KeyboardInterrupt)) else "failed"
    message = str(exc) if isinstance(exc, (InputError, Cancelled)) else f"internal error: {type(exc).__name__}: {exc}"
    workspace.update_run(run_id, status=status, message=message or status, finished_at=time.time())


def _datasets_by_name(dataset, sp: Split) -> dict | None:
    """For network-disjoint splits: the values of the pairs' ``dataset`` column -> Dataset
    (the dataset names, made unique as ``name[i]`` the way `make_network_split` does)."""
    if isinstance(dataset, Dataset):
        return None
    datasets = list(dataset)
    names = [d.name for d in datasets]
    if len(set(names)) < len(names):
        names = [f"{d.name}[{i}]" for i, d in enumerate(datasets)]
    return dict(zip(names, datasets))


def evaluate_predictions(dataset: Dataset, predictions: pd.DataFrame, *, name: str = "external",
                         split: str = "unsupervised", seed: int = 0, split_options: dict | None = None,
                         workspace=None, dataset_id: str | None = None) -> RunResult:
    """Evaluate another tool's predicted network (``regulator, target, score``) on the test pairs
    of a split, like a run. Test pairs the file does not score rank below every scored pair
    (they share the lowest score); how many there were is recorded."""
    t0 = time.perf_counter()
    sp, test_ds = build_split(dataset, split, seed, split_options)
    from . import folds

    test, held = folds.pooled_test(dataset, split, seed, sp)
    pred = predictions.copy()
    pred["regulator"] = pred["regulator"].astype(str)
    pred["target"] = pred["target"].astype(str)
    pred = pred.groupby(["regulator", "target"], as_index=False)["score"].max()
    keys = pair_keys(test)
    scores = pd.Series(pred["score"].to_numpy(), index=pair_keys(pred)).reindex(keys).to_numpy(dtype=np.float64)
    missing = ~np.isfinite(scores)
    if missing.all():
        raise InputError("the predicted network scores none of the test pairs", where=name,
                         fix="check that it uses the same gene identifiers as the dataset")
    scores[missing] = np.nanmin(scores[~missing]) - 1.0
    labels = test["label"].to_numpy()
    frame = pd.DataFrame({"regulator": keys.get_level_values(0), "target": keys.get_level_values(1),
                          "score": scores, "label": labels})
    if held is not None:  # a comparison over folds: the file is scored fold by fold like a run
        frame["fold"] = test["fold"].to_numpy()
    result = RunResult(
        method=f"external:{name}", split=split, seed=seed, params={}, split_options=dict(sp.info.get("options", {})),
        dataset_name=test_ds.name, dataset_fingerprint=test_ds.fingerprint(),
        metrics=evaluate(labels, scores) if held is None else folds.summarise(frame, split, held, seed=seed),
        predictions=frame,
        roc=roc_curve(labels, scores), pr=pr_curve(labels, scores), seconds=time.perf_counter() - t0,
        device="cpu", versions=versions(), protocol=sp.protocol,
        extra={"test_pairs": int(len(test)), "test_positives": int(labels.sum()),
               "unscored_test_pairs": int(missing.sum())},
        frames=folds.fold_curves(frame) if held is not None else {})
    if workspace is not None:
        store(workspace, result, dataset_id=dataset_id or test_ds.fingerprint())
    return result


def store(workspace, result: RunResult, *, run_id: str | None = None, dataset_id: str) -> str:
    """Write ``result``'s artifacts, then mark its row done (a new row when ``run_id`` is None).
    A row created here that cannot be completed is marked failed, never left "running"."""
    own_row = run_id is None
    if own_row:
        run_id = workspace.create_run(dataset_id=dataset_id, dataset_name=result.dataset_name, method=result.method,
                                      split=result.split, seed=result.seed, params=result.params,
                                      split_options=result.split_options, device=result.device, status="running")
    try:
        frames = {"predictions": result.predictions, "roc": result.roc, "pr": result.pr, **result.frames}
        if result.history is not None:
            frames["history"] = result.history
        workspace.save_run_artifacts(run_id, frames)
        workspace.update_run(run_id, status="done", metrics=result.metrics.as_dict(), record=result.record(),
                             params=result.params, device=result.device, finished_at=time.time(), message="")
    except BaseException as exc:
        if own_row:
            _end_row(workspace, run_id, exc)
        raise
    result.run_id = run_id
    return run_id


def _resolve_device(spec, device: str) -> str:
    """The device a method runs on: "cpu" for non-torch methods (those registered with a callable;
    torch methods are registered by "module:function" reference, see `MethodSpec`); `InputError` naming the choices
    for a device string that is not one (checked for every method, so a typo never passes)."""
    pref = (device or "auto").strip().lower()
    if not _DEVICE_NAME.fullmatch(pref):
        raise InputError(f"unknown device {device!r}", where="device", fix="use one of auto, cpu, cuda, cuda:N, mps")
    if not isinstance(spec.fn, str):
        return "cpu"
    from ..train.device import resolve

    return str(resolve(pref))


_DEVICE_NAME = re.compile(r"auto|cpu|mps|cuda(:\d+)?")

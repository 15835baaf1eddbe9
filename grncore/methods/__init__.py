"""Inference methods and their registry (decoupler-style).

Each method is a small function (one module per family) with a docstring stating its math and
reference, wrapped in a `MethodSpec` and listed once in `REGISTRY`. `score_pairs` is the shared
runner: it validates the parameters and the dataset kind, calls the method, and checks the
output (one finite float64 score per pair). Adding a method = one module + one registry line;
a method that needs torch is registered by reference (``fn="grncore.methods.gnt:gnt"``, imported
on its first call) with its params dataclass in a torch-free module of its family
(`grncore.methods.dream4_params`, `grncore.methods.gnt_params`), so ``import grncore.methods``
never imports torch.

>>> from grncore import methods
>>> scores = methods.score_pairs(dataset, pairs, "pearson")            # doctest: +SKIP
>>> methods.score_pairs(dataset, pairs, "grnboost2", {"n_jobs": "2"})  # doctest: +SKIP
"""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd

from ..data import Dataset, InputError
from ..data.dataset import KINDS
from ..train.progress import never_stop, no_progress
from .base import FAMILIES, MethodSpec, param, time_estimate, validate_params
from .correlation import CorrelationParams, pearson, spearman
from .information import MutualInfoParams, mutual_info
from .dynamics import SCODEParams, scode, scode_needs
from .sentinels import SentinelParams, degree, random
from .trees import Genie3Params, GRNBoost2Params, genie3, genie3_seconds, grnboost2, grnboost2_seconds
# torch methods: torch-free params here, the functions named "module:function" below and
# imported (with torch) by MethodSpec on their first call
from . import cnnc_params, deepsem_params, diffusion_params, dream4_params, genelink_params, gnt_params, scgreat_params

__all__ = ["REGISTRY", "MethodSpec", "get", "score_pairs", "validate_params", "time_estimate", "param",
           "register", "catalog", "group", "FAMILIES"]

_ALL = tuple(KINDS)
_PEARSON_REF = "Pearson (1895); correlation baseline of BEELINE, Pratapa et al., Nat. Methods 17:147 (2020)"

REGISTRY: dict[str, MethodSpec] = {}


def register(spec: MethodSpec) -> MethodSpec:
    """Add ``spec`` to `REGISTRY` (a name can be registered once)."""
    if spec.name in REGISTRY:
        raise ValueError(f"method {spec.name!r} is already registered")
    REGISTRY[spec.name] = spec
    return spec


for _spec in (
    MethodSpec("pearson", "correlation", "Absolute Pearson correlation of regulator and target",
               _PEARSON_REF, False, _ALL, CorrelationParams, pearson, "seconds"),
    MethodSpec("spearman", "correlation", "Absolute Spearman rank correlation of regulator and target",
               "Spearman, Am. J. Psychol. 15:72 (1904); BEELINE, Pratapa et al. (2020)",
               False, _ALL, CorrelationParams, spearman, "seconds"),
    MethodSpec("mutual_info", "information", "Mutual information of equal-frequency discretised expression",
               "Margolin et al., ARACNE, BMC Bioinformatics 7(Suppl 1):S7 (2006)",
               False, _ALL, MutualInfoParams, mutual_info, "seconds"),
    MethodSpec("genie3", "trees", "Random forest per target; TF importance (GENIE3, arboreto settings)",
               "Huynh-Thu et al., PLoS ONE 5:e12776 (2010); arboreto, Moerman et al. (2019)",
               False, _ALL, Genie3Params, genie3, genie3_seconds),
    MethodSpec("grnboost2", "trees", "Gradient boosting per target with OOB early stopping (GRNBoost2)",
               "Moerman et al., Bioinformatics 35:2159 (2019)",
               False, _ALL, GRNBoost2Params, grnboost2, grnboost2_seconds),
    MethodSpec("degree", "sentinel", "Leakage sentinel: train out-degree(regulator) x in-degree(target)",
               "node-degree shortcut of supervised GRN link prediction (see DESIGN.md section 4)",
               True, _ALL, SentinelParams, degree, "instant"),
    MethodSpec("random", "sentinel", "Uniform random scores (chance floor)",
               "random predictor of BEELINE's AUPRC ratio / EPR, Pratapa et al. (2020)",
               False, _ALL, SentinelParams, random, "instant"),
    MethodSpec("lstm", "deep", "LSTM over the regulator/target time courses of each experiment "
               "(directed labels; mean over experiments)", dream4_params.REFERENCE, True,
               dream4_params.KINDS, dream4_params.LSTMParams, "grncore.methods.dream4_nets:lstm",
               dream4_params.dream4_seconds),
    MethodSpec("cnn", "deep", "LeNet-5-style CNN on the 2 x T regulator/target time-course image",
               dream4_params.REFERENCE, True, dream4_params.KINDS, dream4_params.CNNParams,
               "grncore.methods.dream4_nets:cnn", dream4_params.dream4_seconds),
    MethodSpec("ae_nn", "deep", "Autoencoder (3-d code per time course) + two-branch network",
               dream4_params.REFERENCE, True, dream4_params.KINDS, dream4_params.AENNParams,
               "grncore.methods.dream4_nets:ae_nn", dream4_params.dream4_seconds),
    MethodSpec("gnt", "deep", "GeneNet Transformer: id + expression tokens through a 2-layer transformer "
               "encoder trained on training-edge neighbours; Hadamard edge features; SVM",
               gnt_params.GNT_REFERENCE, True, gnt_params.KINDS, gnt_params.GNTParams,
               "grncore.methods.gnt:gnt", gnt_params.gnt_seconds),
    MethodSpec("gne", "deep", "GNE: MLP embeddings of gene id + expression trained on training-edge "
               "neighbours; Hadamard edge features; SVM",
               gnt_params.GNE_REFERENCE, True, gnt_params.KINDS, gnt_params.GNEParams,
               "grncore.methods.gnt:gne", gnt_params.gne_seconds),
    MethodSpec("scgreat", "deep", "scGREAT without BioBERT: (regulator, target) expression tokens through a "
               "2-layer transformer encoder and an MLP head, trained with BCE on the training pairs",
               scgreat_params.REFERENCE, True, scgreat_params.KINDS, scgreat_params.SCGREATParams,
               "grncore.methods.scgreat:scgreat", scgreat_params.scgreat_seconds),
    MethodSpec("genelink", "deep", "GENELink: 2-layer graph attention network over the training graph "
               "with expression node features; regulator/target heads; dot-product edge score",
               genelink_params.REFERENCE, True, genelink_params.KINDS, genelink_params.GENELinkParams,
               "grncore.methods.genelink:genelink", genelink_params.genelink_seconds),
    MethodSpec("diffusion", "deep", "Denoising diffusion (RegDiffusion): a noise predictor mixes genes "
               "through a learned sparse adjacency A; score |A[regulator, target]|",
               diffusion_params.REFERENCE, False, diffusion_params.KINDS, diffusion_params.DiffusionParams,
               "grncore.methods.diffusion:diffusion", diffusion_params.diffusion_seconds),
    MethodSpec("cnnc", "deep", cnnc_params.DESCRIPTION, cnnc_params.REFERENCE, True, cnnc_params.KINDS,
               cnnc_params.CNNCParams, "grncore.methods.cnnc:cnnc", cnnc_params.cnnc_seconds),
    MethodSpec("deepsem", "deep", "DeepSEM: beta-VAE around a structural-equation layer x = x W^T + z; "
               "|W[target, regulator]| averaged over n_runs seeds", deepsem_params.REFERENCE, False,
               deepsem_params.KINDS, deepsem_params.DeepSEMParams, "grncore.methods.deepsem:deepsem",
               deepsem_params.deepsem_seconds),
    MethodSpec("scode", "dynamics", "SCODE: linear ODE dx/dt = A x on pseudotime through x = W z, dz/dt = B z; "
               "|A[target, regulator]|", "Matsumoto et al., SCODE, Bioinformatics 33:2314 (2017)",
               False, _ALL, SCODEParams, scode, "seconds", needs=scode_needs),
):
    register(_spec)


def get(name: str) -> MethodSpec:
    """The `MethodSpec` called ``name``; `InputError` listing the known names otherwise."""
    try:
        return REGISTRY[name]
    except (KeyError, TypeError):
        raise InputError(f"unknown method {name!r}", where="method",
                         fix=f"use one of {', '.join(REGISTRY)}") from None


def group(spec: MethodSpec) -> str:
    """The group a method is listed under: "unsupervised · <family>", "supervised · <family>" or
    "sentinel"."""
    if spec.family == "sentinel":
        return "sentinel"
    return f"{'supervised' if spec.supervised else 'unsupervised'} · {spec.family}"


def catalog() -> pd.DataFrame:
    """Every registered method, one row each (group, method, description, reference), ordered by
    group: the unsupervised families in `FAMILIES` order, then the supervised ones, then the
    sentinels; registry order within a group."""
    rank = {f: i for i, f in enumerate(FAMILIES)}
    specs = sorted(REGISTRY.values(), key=lambda s: (s.family == "sentinel", s.family != "sentinel" and s.supervised,
                                                     rank[s.family]))
    return pd.DataFrame({"group": [group(s) for s in specs], "method": [s.name for s in specs],
                         "description": [s.description for s in specs],
                         "reference": [s.reference for s in specs]})


def score_pairs(dataset: Dataset, pairs: pd.DataFrame, method_name: str, params=None, *, train=None,
                seed: int = 0, progress=no_progress, should_stop=never_stop, device: str = "cpu",
                **kw) -> np.ndarray:
    """Score every row of ``pairs`` with method ``method_name`` (the shared runner).

    ``params``: None (defaults), a dict (strings are coerced, see `validate_params`) or the
    method's params instance. ``train``: training pairs (regulator, target, label) for
    supervised methods. Further keywords (``val``, ``workdir``, ``datasets`` ...) reach methods
    whose signature accepts them. Raises `InputError` for an unknown method, bad parameters, a
    data kind the method does not accept, pairs naming unknown genes, or a supervised method
    without training pairs; ``Cancelled`` when ``should_stop()`` turned true. Returns float64
    scores aligned with ``pairs`` (higher = more likely an edge).
    """
    spec = get(method_name)
    p = validate_params(spec, params)
    reason = spec.unavailable(dataset)
    if reason is not None:
        raise InputError(f"{spec.name} {reason}", where="method",
                         fix="choose a method the Models page offers for this dataset")
    if not isinstance(pairs, pd.DataFrame) or not {"regulator", "target"} <= set(pairs.columns):
        raise InputError("pairs need regulator and target columns", where="pairs")
    if spec.supervised and (train is None or len(train) == 0):
        raise InputError(f"{spec.name} is supervised and needs training pairs", where="split",
                         fix="choose a split with training pairs (edge_random, tf_disjoint, gene_disjoint)")
    if len(pairs) == 0:
        return np.zeros(0, dtype=np.float64)
    fn = spec.function  # imports a lazily registered (torch) method on its first call
    accepted = inspect.signature(fn).parameters
    takes_any = any(q.kind is inspect.Parameter.VAR_KEYWORD for q in accepted.values())
    extra = {k: v for k, v in kw.items() if takes_any or k in accepted}
    scores = fn(dataset, pairs, p, train=train, seed=seed, progress=progress, should_stop=should_stop,
                     device=device, **extra)
    scores = np.asarray(scores, dtype=np.float64)
    if scores.shape != (len(pairs),):
        raise RuntimeError(f"{spec.name} returned {scores.shape} scores for {len(pairs)} pairs")
    if not np.isfinite(scores).all():
        raise RuntimeError(f"{spec.name} returned {int((~np.isfinite(scores)).sum())} non-finite scores")
    return scores

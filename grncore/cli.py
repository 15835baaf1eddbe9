"""Command line interface: ``python -m grncore <command> ...``.

Commands
--------
validate   read expression (+ network, TFs, metadata), print a JSON summary
simulate   write a simulated dataset (BEELINE or DREAM4 files) with known truth
infer      run one method on one split, write metrics.json and predictions.csv
           (``--split discovery``: the predicted network, every candidate pair, no evaluation)
bench      run a grid of datasets x methods x splits, write a CSV and a Markdown table
consensus  combine predicted networks by mean rank or mean normalised score
export     write a (filtered) predicted network as csv, BEELINE, arboreto, GraphML, SIF,
           Cytoscape JSON or a standalone HTML view
literature PubMed / PubTator3 evidence for the top unknown pairs of a predicted network: evidence.csv
restore    expression restoration (GAGER / corrected): restoration.json and, with --sweep, sweep.csv

Exit codes: 0 success, 2 bad input or usage (``error: <message naming the file>`` on stderr),
1 an internal error (a one-line message; ``--debug`` shows the traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from .data import InputError

FORMATS = ("auto", "beeline", "dream4", "csv", "h5ad")


def _add_input_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--expression", required=True, help="expression file (CSV/TSV/.gz/.h5ad) or a BEELINE/DREAM4 folder")
    p.add_argument("--network", help="ground-truth network file (optional)")
    p.add_argument("--tfs", help="TF list file (optional)")
    p.add_argument("--metadata", help="sample metadata file with pseudotime/time/condition (optional)")
    p.add_argument("--format", choices=FORMATS, default="auto", help="input format (default: auto-detect)")
    p.add_argument("--orientation", choices=("auto", "genes_rows", "genes_columns"), default="auto",
                   help="orientation of a generic table (default: auto-detect)")
    p.add_argument("--normalize", choices=("auto", "yes", "no"), default="no",
                   help="library-size normalisation + log1p: auto = only for raw counts (default: no)")
    p.add_argument("--top-genes", type=int, default=None, metavar="N",
                   help="BEELINE gene selection: significant TFs + top-N variable genes (e.g. 500, 1000)")


def _existing_path(value: str | None, flag: str, *, file_only: bool = False) -> str | None:
    """``value`` when it names an existing file (or folder, unless ``file_only``); `InputError` naming
    ``flag`` otherwise. None passes through (an optional argument left out)."""
    if value is not None and not (Path(value).is_file() if file_only else Path(value).exists()):
        raise InputError(f"no such file{'' if file_only else ' or folder'}: {value}", where=flag,
                         fix="check the path (relative paths start from the current directory)")
    return value


def load_inputs(args: argparse.Namespace):
    """The `Dataset` the input arguments describe, preprocessed as asked (by `load`, so that a
    sparse .h5ad is normalised and reduced to the selected genes before it becomes dense)."""
    from .data import load

    for flag in ("expression", "network", "tfs", "metadata"):
        _existing_path(getattr(args, flag), f"--{flag}")
    if args.top_genes is not None and args.top_genes < 1:
        raise InputError(f"--top-genes must be a positive number, not {args.top_genes}")
    return load(args.expression, network=args.network, tfs=args.tfs, metadata=args.metadata,
                format=args.format, orientation=args.orientation, normalize=args.normalize,
                n_top_genes=args.top_genes)


def cmd_validate(args: argparse.Namespace) -> int:
    from .data.preprocess import detect_scale, selection_of

    ds = load_inputs(args)
    out = ds.summary()
    out["scale"] = detect_scale(ds.expression).kind
    out["name"] = ds.name
    sel = selection_of(ds)
    out["selection"] = sel.as_dict() if sel is not None else None
    out["notes"] = list(ds.notes)
    print(json.dumps(out))
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from .data import simulate, write_beeline, write_dream4

    if args.genes < 5:
        raise InputError(f"--genes must be at least 5, not {args.genes}")
    if args.cells is not None and args.cells < 10:
        raise InputError(f"--cells must be at least 10, not {args.cells}")
    out = Path(args.out)
    if args.kind == "single-cell":
        ds = simulate.single_cell(n_genes=args.genes, n_cells=args.cells or 500, seed=args.seed)
        write_beeline(ds, out)
    elif args.kind == "two-states":
        ds = simulate.two_states(n_genes=args.genes, n_cells=args.cells or 400, seed=args.seed).dataset
        write_beeline(ds, out)
    else:
        ds = simulate.time_series(n_genes=args.genes, seed=args.seed)
        write_dream4(ds, out)
    summary = ds.summary()
    summary["out"] = str(out)
    print(json.dumps(summary))
    return 0


class ProgressBar:
    """A text progress bar on stderr: redrawn in place on a terminal, a line per 10% otherwise."""

    def __init__(self, label: str, stream=None):
        self.label, self.stream = label, stream or sys.stderr
        self.tty = self.stream.isatty()
        self.start = time.monotonic()
        self.last_decile = -1

    def __call__(self, done: int, total: int, message: str = "", **fields) -> None:
        frac = min(1.0, done / total) if total else 0.0
        elapsed = time.monotonic() - self.start
        eta = f"ETA {elapsed / done * (total - done):.0f}s" if done else "ETA ?"
        bar = "#" * int(frac * 30)
        line = f"{self.label} [{bar:<30}] {done}/{total} {eta} {message}"[:120]
        if self.tty:
            self.stream.write("\r" + line.ljust(120))
            self.stream.flush()
        elif int(frac * 10) != self.last_decile:
            self.last_decile = int(frac * 10)
            self.stream.write(line + "\n")

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")


def _parse_params(pairs: list[str] | None) -> dict:
    params = {}
    for item in pairs or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--param {item!r} is not key=value", where="--param", fix="write e.g. --param n_trees=100")
        params[key.strip()] = value.strip()
    return params


METRICS_KEYS = ("auroc", "auprc", "auprc_ratio", "epr")


def sentinel_needed(method: str) -> bool:
    """Whether ``method``'s figures must be read next to the ``degree`` sentinel on the same pairs."""
    from . import methods

    return methods.get(method).supervised and method != "degree"


def _fold_options(split: str, folds: int | None, repeats: int | None) -> dict:
    """Split options of ``--folds`` / ``--repeats`` (see `grncore.bench.folds`)."""
    from .bench.folds import FOLD_OPTION

    options = {}
    for flag, value in (("folds", folds), ("repeats", repeats)):
        if value is None:
            continue
        if FOLD_OPTION.get(split) != flag:
            takes = [s for s, o in FOLD_OPTION.items() if o == flag]
            raise InputError(f"--{flag} does not apply to the {split} split", where=f"--{flag}",
                             fix=f"use it with {' or '.join(takes)}")
        options[flag] = value
    return options


FOLD_KEYS = ("n_folds", "auroc_mean", "auroc_sd", "auprc_mean", "auprc_sd", "auprc_ratio_mean", "auprc_ratio_sd",
             "epr_mean", "epr_sd", "auroc_ci", "auprc_ratio_ci", "epr_ci", "ci_units", "folds")


def _dask_address(args: argparse.Namespace) -> str | None:
    """The ``--dask-scheduler`` address (default ``GRN_DASK_SCHEDULER``); None for local processes."""
    value = (args.dask_scheduler or "").strip()
    return None if value in ("", "local") else value


def _add_dask_arg(p: argparse.ArgumentParser, what: str) -> None:
    from .parallel import SCHEDULER_ENV, env_scheduler

    p.add_argument("--dask-scheduler", default=env_scheduler(), metavar="tcp://HOST:PORT",
                   help=f"run {what} on this Dask cluster (needs requirements-dask.txt); default: "
                        f"${SCHEDULER_ENV} if set; 'local' = local processes")


def cmd_infer(args: argparse.Namespace) -> int:
    from .parallel import use_dask

    with use_dask(_dask_address(args)):
        return _infer(args)


def _infer(args: argparse.Namespace) -> int:
    from .bench.run import run

    options = _fold_options(args.split, args.folds, args.repeats)  # refuses --folds with discovery too
    ds = load_inputs(args)
    if args.split == "discovery":
        return _infer_discovery(args, ds)
    out = Path(args.out)
    bar = ProgressBar(args.method)
    try:
        result = run(ds, args.method, args.split, _parse_params(args.param), args.seed, progress=bar,
                     device=args.device, split_options=options)
    finally:
        bar.close()
    out.mkdir(parents=True, exist_ok=True)
    m = result.metrics
    metrics = {"method": result.method, "split": result.split, "seed": result.seed,
               **{k: getattr(m, k) for k in METRICS_KEYS}, "n_test_pairs": m.n_pairs,
               "n_test_positives": m.n_positives, "seconds": round(result.seconds, 3), "device": result.device,
               "dataset": result.dataset_name, "dataset_fingerprint": result.dataset_fingerprint,
               "params": result.params, "split_options": result.split_options, "versions": result.versions}
    metrics.update({k: getattr(m, k) for k in FOLD_KEYS if hasattr(m, k)})
    if sentinel_needed(args.method):  # the page's rule: a supervised model is read next to `degree`
        deg = run(ds, "degree", args.split, None, args.seed, split_options=result.split_options).metrics
        metrics.update(degree_auroc=deg.auroc, degree_auprc=deg.auprc, lift_auroc=m.auroc - deg.auroc,
                       lift_auprc=m.auprc - deg.auprc)
        if hasattr(deg, "auroc_mean"):  # same folds: the sentinel's spread too
            metrics.update(degree_auroc_mean=deg.auroc_mean, degree_auroc_sd=deg.auroc_sd, degree_auroc_ci=deg.auroc_ci)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1))
    result.predictions.to_csv(out / "predictions.csv", index=False)
    shown = ("method", "split", "seed", *METRICS_KEYS, "auroc_mean", "auroc_sd", "auroc_ci", "lift_auroc", "seconds")
    print(json.dumps({k: metrics[k] for k in shown if k in metrics}))
    return 0


def _infer_discovery(args: argparse.Namespace, ds) -> int:
    """``infer --split discovery``: DIR/predictions.csv (regulator, target, score, rank, known,
    trained[, sign]) for every candidate pair and DIR/metrics.json describing the run. Nothing
    here is an evaluation: figures against the ground truth (when there is one) are written only
    under ``in_sample_metrics``, next to ``in_sample: true``."""
    from .bench.run import run

    bar = ProgressBar(args.method)
    try:
        result = run(ds, args.method, "discovery", _parse_params(args.param), args.seed, progress=bar,
                     device=args.device)
    finally:
        bar.close()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    pred = result.predictions
    cols = ["regulator", "target", "score", "rank", "known", "trained"] + (["sign"] if "sign" in pred else [])
    pred[cols].to_csv(out / "predictions.csv", index=False)
    rec = result.record()
    metrics = {"method": result.method, "split": "discovery", "seed": result.seed, "n_pairs": len(pred),
               "n_known": rec["known_pairs"], "n_trained": rec["trained_pairs"], "seconds": round(result.seconds, 3),
               "in_sample": True, "note": rec["note"], "device": result.device, "dataset": result.dataset_name,
               "dataset_fingerprint": result.dataset_fingerprint, "params": result.params,
               "split_options": result.split_options, "versions": result.versions}
    if rec["evaluable"]:
        metrics["in_sample_metrics"] = {k: getattr(result.metrics, k) for k in METRICS_KEYS}
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1))
    print(json.dumps({k: metrics[k] for k in ("method", "split", "seed", "n_pairs", "n_known", "n_trained", "seconds")}))
    return 0


def _existing(paths: list[str], flag: str) -> list[Path]:
    return [Path(_existing_path(v, flag, file_only=True)) for v in paths]


def cmd_consensus(args: argparse.Namespace) -> int:
    from .network import consensus, read_predictions_file

    paths = _existing(args.predictions, "--predictions")
    if len(paths) < 2:
        raise InputError("a consensus needs at least two predicted networks", where="--predictions",
                         fix="pass two or more files: --predictions A.csv B.csv")
    cons = consensus([read_predictions_file(p) for p in paths], how=args.how)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    cons.to_csv(out, index=False)
    print(json.dumps({"how": args.how, "inputs": len(paths), "pairs": len(cons), "out": str(out)}))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from .data import read_tfs
    from .network import read_predictions_file, select
    from .network.export import write

    (path,) = _existing([args.predictions], "--predictions")
    tfs = read_tfs(_existing([args.tfs], "--tfs")[0]) if args.tfs else None
    pred = read_predictions_file(path)
    max_edges = args.max_edges if args.max_edges is not None else (500 if args.format == "html" else None)
    view = select(pred, top_k=args.top_k, threshold=args.threshold, tfs=tfs, tfs_only=args.tfs_only,
                  novel_only=args.novel_only, show_missed=args.missed, max_edges=max_edges)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write(view, args.format, out, title=path.stem)
    missed = int((view.edges["status"] == "missed").sum())
    print(json.dumps({"format": args.format, "edges": len(view.edges) - missed, "missed": missed,
                      "nodes": len(view.nodes), "truncated": view.truncated, "out": str(out)}))
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from .bench.grid import markdown_table, run_grid

    out = Path(args.out)
    table = run_grid(args.dataset, args.method, args.split, seed=args.seed, params=_parse_params(args.param),
                     device=args.device, log=lambda line: print(line, file=sys.stderr), folds=args.folds,
                     repeats=args.repeats, dask_scheduler=_dask_address(args))
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "bench.csv", index=False)
    (out / "bench.md").write_text(markdown_table(table))
    print(json.dumps({"rows": len(table), "csv": str(out / "bench.csv"), "markdown": str(out / "bench.md")}))
    return 0


def _add_fold_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--folds", type=int, default=None, metavar="K",
                   help="tf_disjoint / gene_disjoint: K-fold over regulators / genes, each held out once; "
                        "metrics per fold, mean, sd, pooled, 95%% bootstrap intervals")
    p.add_argument("--repeats", type=int, default=None, metavar="R",
                   help="edge_random: R repeats with seeds seed..seed+R-1")


def cmd_literature(args: argparse.Namespace) -> int:
    """Evidence for the top-N unknown pairs of a predictions file, cached in the workspace's
    literature.sqlite; offline, what the cache holds is written with a note on stderr (exit 0)."""
    from .jobs import workspace_path
    from .literature import LiteratureStore, candidates, evidence_export, lookup
    from .network.predicted import read_predictions_file

    cands = candidates(read_predictions_file(_existing_path(args.predictions, "--predictions", file_only=True)),
                       top=args.top)
    store = LiteratureStore(workspace_path())
    bar = ProgressBar("literature")
    try:
        report = lookup(cands, store, organism=args.organism, refresh=args.refresh, progress=bar)
    finally:
        bar.close()
    for notice in report.notices():
        print(f"note: {notice}", file=sys.stderr)
    ev = report.evidence
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    evidence_export(ev).to_csv(out / "evidence.csv", index=False)
    counts = ev["pubmed_count"]
    print(json.dumps({"pairs": len(ev), "fetched": int(counts.notna().sum()),
                      "with_papers": int((counts.fillna(0) > 0).sum()), "offline": report.offline,
                      "csv": str(out / "evidence.csv")}))
    return 0




def cmd_restore(args: argparse.Namespace) -> int:
    from .data import read_predictions, read_tfs
    from . import restore as rs

    source = rs.read_state(_existing_path(args.source, "--source"))
    target = rs.read_state(_existing_path(args.target, "--target"))
    if args.network is not None and (args.source_network or args.target_network):
        raise InputError("give either --network or --source-network/--target-network, not both", where="--network")
    if args.network is None and (args.source_network is None) != (args.target_network is None):
        raise InputError("--source-network and --target-network go together", where="--source-network")
    if args.network is None and args.target_network is None:
        raise InputError("no GRN given", where="--network", fix="give --network, or --source-network and --target-network")
    grns = {}
    for flag, value in (("--network", args.network), ("--source-network", args.source_network),
                        ("--target-network", args.target_network)):
        if value is not None:
            grns[flag] = read_predictions(_existing_path(value, flag))
    target_grn = grns.get("--network", grns.get("--target-network"))
    source_grn = grns.get("--source-network")
    tfs = read_tfs(_existing_path(args.tfs, "--tfs")) if args.tfs else None
    fit_expr = rs.read_state(_existing_path(args.fit_expression, "--fit-expression")) if args.fit_expression else None
    hide = [g for g in (args.hide_genes or "").split(",") if g.strip()]
    rs.core.check_threshold(args.threshold, "--threshold")
    relationship = args.relationship or rs.DEFAULT_RELATIONSHIP[args.mode]
    problem = rs.prepare(source, target, target_grn, source_grn, mode=args.mode,
                         edge_threshold=args.edge_threshold, tfs=tfs, hide_genes=hide, fit_expression=fit_expr)
    cache: dict = {relationship: {}}
    fits = rs.fit_edges(problem, relationship, source, target, fit_expr, cache[relationship])
    result = rs.run(problem, fits, args.threshold, relationship=relationship)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "restoration.json").write_text(json.dumps(result.to_json(), indent=1))
    summary = {"chosen": result.chosen_genes, "initial_difference": result.initial_difference,
               "final_difference": result.final_difference, "json": str(out / "restoration.json")}
    if args.sweep:
        table = rs.sweep(problem, source, target, fit_expr, fits_cache=cache)
        table.to_csv(out / "sweep.csv", index=False)
        summary["sweep"] = str(out / "sweep.csv")
    print(json.dumps(summary))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m grncore", description="GRN Workbench engine")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="read and validate a dataset, print a JSON summary")
    _add_input_args(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("simulate", help="write a simulated dataset with known truth")
    p.add_argument("kind", choices=("single-cell", "time-series", "two-states"))
    p.add_argument("--genes", type=int, required=True)
    p.add_argument("--cells", type=int, default=None, help="cells (single-cell, two-states)")
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--out", required=True, help="output folder (BEELINE or DREAM4 files)")
    p.set_defaults(func=cmd_simulate)

    p = sub.add_parser("infer", help="run one method on one split; write metrics.json and predictions.csv")
    _add_input_args(p)
    p.add_argument("--method", required=True, help="a registered method (see grncore.methods.REGISTRY)")
    p.add_argument("--split", default="unsupervised",
                   help="unsupervised (default), edge_random, tf_disjoint, gene_disjoint, or discovery "
                        "(the predicted network: every candidate pair, for exploring, not evaluating)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--param", action="append", metavar="KEY=VALUE", help="a method parameter (repeatable)")
    p.add_argument("--device", default="auto", help="auto (CUDA, then MPS, then CPU), cpu, cuda, cuda:N, mps")
    _add_fold_args(p)
    _add_dask_arg(p, "the per-target fits of genie3 / grnboost2")
    p.add_argument("--out", required=True, help="output folder")
    p.set_defaults(func=cmd_infer)

    p = sub.add_parser("consensus", help="combine predicted networks by mean rank or mean normalised score")
    p.add_argument("--predictions", nargs="+", required=True,
                   help="predicted networks: our predictions.csv, arboreto TF,target,importance, BEELINE rankedEdges.csv")
    p.add_argument("--how", choices=("rank", "score"), default="rank",
                   help="rank: mean rank (Borda, default); score: mean min-max normalised score")
    p.add_argument("--out", required=True, help="output CSV (our predictions columns)")
    p.set_defaults(func=cmd_consensus)

    from .network.export import FORMATS as EXPORT_FORMATS

    p = sub.add_parser("export", help="write a predicted network for Cytoscape, GRNsight, BEELINE, arboreto ...")
    p.add_argument("--predictions", required=True, help="a predicted network file (as for consensus)")
    cut = p.add_mutually_exclusive_group()
    cut.add_argument("--top-k", type=int, default=None, metavar="K", help="the K best-ranked edges")
    cut.add_argument("--threshold", type=float, default=None, metavar="T", help="edges with score >= T")
    p.add_argument("--tfs-only", action="store_true", help="only edges whose regulator is in the TF list (--tfs)")
    p.add_argument("--tfs", help="TF list file: marks TFs (is_tf) and defines --tfs-only (default: every regulator)")
    p.add_argument("--novel-only", action="store_true", help="leave out edges of the ground truth (known = 1)")
    p.add_argument("--missed", action="store_true",
                   help="also write known edges ranked below the cut between written genes (status missed)")
    p.add_argument("--max-edges", type=int, default=None, metavar="N",
                   help="at most N edges, best first (default: no cap; 500 for html)")
    p.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    p.add_argument("--out", required=True, help="output file")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("bench", help="run datasets x methods x splits; write bench.csv and bench.md")
    p.add_argument("--dataset", nargs="+", required=True, help="dataset folders or files (BEELINE, DREAM4, ...)")
    p.add_argument("--method", nargs="+", required=True)
    p.add_argument("--split", nargs="+", default=["unsupervised"],
                   help="splits; network_disjoint tests each dataset in turn after training on the others")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--param", action="append", metavar="KEY=VALUE", help="parameter for every method that has it")
    p.add_argument("--device", default="auto")
    _add_fold_args(p)
    _add_dask_arg(p, "the grid's cells (and their per-target fits)")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("literature", help="PubMed / PubTator3 evidence for the top unknown pairs; write evidence.csv")
    p.add_argument("--predictions", required=True,
                   help="predicted network: predictions.csv (regulator,target,score,label), TF,target,importance "
                        "or BEELINE rankedEdges.csv")
    p.add_argument("--top", type=int, default=50, metavar="N", help="pairs to look up (default 50)")
    p.add_argument("--organism", default=None, metavar="TERM", help='PubMed organism term, e.g. "Mus musculus"')
    p.add_argument("--refresh", action="store_true", help="ask the services again even for cached pairs")
    p.add_argument("--out", required=True, help="output folder (evidence.csv)")
    p.set_defaults(func=cmd_literature)

    p = sub.add_parser("restore", help="expression restoration: which TFs move the source state toward the target")
    p.add_argument("--source", required=True, help="source-state expression (genes x samples; any format `validate` reads)")
    p.add_argument("--target", required=True, help="target-state expression (same gene space)")
    p.add_argument("--network", help="one GRN for both states (TF,target,importance; BEELINE; our predictions)")
    p.add_argument("--source-network", help="source-state GRN (with --target-network)")
    p.add_argument("--target-network", help="target-state GRN (with --source-network)")
    p.add_argument("--fit-expression", help="samples to fit the relationships on (corrected mode; default: both states pooled)")
    p.add_argument("--tfs", help="TF list restricting the candidates (corrected mode)")
    p.add_argument("--relationship", choices=("linear", "linear0", "quadratic", "sqrt", "sin", "hill", "auto"),
                   default=None, help="default: hill in corrected mode, linear in gager mode")
    p.add_argument("--mode", choices=("gager", "corrected"), default="corrected")
    p.add_argument("--threshold", type=float, default=0.35, help="th2: stop below this fraction of the initial difference")
    p.add_argument("--edge-threshold", type=float, default=0.1, help="th1: keep edges above this normalised importance")
    p.add_argument("--hide-genes", help="comma-separated genes left out of the objective (still choosable)")
    p.add_argument("--sweep", action="store_true", help="also write sweep.csv (th2 90%%..10%%, every relationship)")
    p.add_argument("--out", required=True, help="output folder")
    p.set_defaults(func=cmd_restore)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed "usage ... error: ..." and exits 2
        return int(exc.code or 0)
    try:
        return args.func(args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the CLI promises no tracebacks
        if args.debug:
            raise
        print(f"error: internal error ({type(exc).__name__}: {exc}); rerun with --debug and report it",
              file=sys.stderr)
        return 1

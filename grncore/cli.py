"""Command line interface: ``python -m grncore <command> ...``.

Commands
--------
validate   read expression (+ network, TFs, metadata), print a JSON summary
simulate   write a simulated dataset (BEELINE or DREAM4 files) with known truth

Exit codes: 0 success, 2 bad input or usage (``error: <message naming the file>`` on stderr),
1 an internal error (a one-line message; ``--debug`` shows the traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
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


def load_inputs(args: argparse.Namespace):
    """The `Dataset` the input arguments describe, preprocessed as asked."""
    from .data import load
    from .data.preprocess import preprocess

    for flag in ("expression", "network", "tfs", "metadata"):
        value = getattr(args, flag)
        if value is not None and not Path(value).exists():
            raise InputError(f"no such file or folder: {value}", where=f"--{flag}",
                             fix="check the path (relative paths start from the current directory)")
    ds = load(args.expression, network=args.network, tfs=args.tfs, metadata=args.metadata,
              format=args.format, orientation=args.orientation)
    if args.normalize != "no" or args.top_genes:
        if args.top_genes is not None and args.top_genes < 1:
            raise InputError(f"--top-genes must be a positive number, not {args.top_genes}")
        ds = preprocess(ds, normalize=args.normalize, n_top_genes=args.top_genes)
    return ds


def cmd_validate(args: argparse.Namespace) -> int:
    from .data.preprocess import detect_scale

    ds = load_inputs(args)
    out = ds.summary()
    out["scale"] = detect_scale(ds.expression).kind
    out["name"] = ds.name
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

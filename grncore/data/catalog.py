"""Finding datasets in a server-side folder (``GRN_DATA_DIR``) that a lab admin fills.

Users pick from what is found; they never type a path, so nothing outside the folder is reachable.
"""

from __future__ import annotations

from pathlib import Path

EXPRESSION_NAMES = ("ExpressionData.csv", "BL--ExpressionData.csv", "BL--ExpressionData.csv.gz",
                    "timeseries.tsv")


def is_dataset_folder(folder: Path) -> bool:
    """A BEELINE, GENELink or DREAM4 folder: one holding a known expression file."""
    if any((folder / name).is_file() for name in EXPRESSION_NAMES):
        return True
    return any(folder.glob("*_timeseries.tsv"))


def find_datasets(root: str | Path, max_depth: int = 4, limit: int = 500) -> list[Path]:
    """Dataset folders and ``.h5ad`` files below ``root`` (sorted, at most ``limit``).

    Hidden entries and symbolic links are skipped, so the listing stays inside ``root``.
    """
    root = Path(root).resolve()
    found: list[Path] = []

    def walk(folder: Path, depth: int) -> None:
        if len(found) >= limit:
            return
        if is_dataset_folder(folder):
            found.append(folder)
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            return
        for entry in entries:
            if entry.name.startswith(".") or entry.is_symlink():
                continue
            if entry.is_file() and entry.suffix == ".h5ad":
                found.append(entry)
            elif entry.is_dir() and depth < max_depth:
                walk(entry, depth + 1)

    walk(root, 0)
    return sorted(found[:limit])

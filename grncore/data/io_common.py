"""Shared plumbing of the readers: safe file sniffing, text access, delimiter detection.

Every reader starts with `sniff`, which looks at the first bytes of a file (after gunzip when the
file is gzip-compressed) and raises `InputError` saying what the file looks like when it is not
UTF-8 text: a ZIP archive (e.g. an Excel workbook), HDF5, a Python pickle (never unpickled), NumPy,
Parquet, UTF-16 text, binary garbage, an HTML page. Nothing here ever deserialises user data.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, TextIO

from .errors import InputError

HEAD_BYTES = 64 * 1024
# header lines of wide tables (20,000+ cells) are far longer than csv's default 128 KiB field limit
csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))
GZIP_MAGIC = b"\x1f\x8b"
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"

#: what `sniff` reports for files that are not text, by leading bytes
_MAGICS: tuple[tuple[bytes, str, str], ...] = (
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx workbook or a zipped folder are ZIP files)",
     "unzip it, or export the sheet as CSV"),
    (b"PK\x05\x06", "an empty ZIP archive", "export the table as CSV"),
    (HDF5_MAGIC, "an HDF5 file (such as AnnData .h5ad or .h5)",
     "if it is AnnData, give it the .h5ad extension; otherwise export the table as CSV"),
    (b"\x93NUMPY", "a NumPy .npy array", "save the matrix as CSV with gene and sample names"),
    (b"PAR1", "a Parquet file", "export the table as CSV"),
    (b"\xd0\xcf\x11\xe0", "an old Excel/Office document", "export the sheet as CSV"),
    (b"%PDF", "a PDF document", "export the table as CSV"),
    (b"BZh", "a bzip2-compressed file", "decompress it, or recompress it with gzip (.gz)"),
    (b"\xfd7zXZ\x00", "an xz-compressed file", "decompress it, or recompress it with gzip (.gz)"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", "extract it and load the CSV inside"),
    (b"\x28\xb5\x2f\xfd", "a Zstandard-compressed file", "decompress it, or recompress it with gzip (.gz)"),
    (b"\x89PNG", "a PNG image", "load the data table, not a picture of it"),
    (b"\xff\xd8\xff", "a JPEG image", "load the data table, not a picture of it"),
    (b"\xff\xfe\x00\x00", "UTF-32 encoded text", "save the file as UTF-8 text"),
    (b"\xff\xfe", "UTF-16 encoded text", "save the file as UTF-8 text (e.g. 'CSV UTF-8' in Excel)"),
    (b"\xfe\xff", "UTF-16 encoded text", "save the file as UTF-8 text (e.g. 'CSV UTF-8' in Excel)"),
)


@dataclass(frozen=True)
class Sniffed:
    """What `sniff` learnt: the path, whether it is gzip-compressed, and its first text."""

    path: Path
    gzipped: bool
    head: str  # decoded text of the first HEAD_BYTES (possibly cut in the last line), no BOM
    truncated: bool  # True when the file is longer than ``head``

    @property
    def name(self) -> str:
        return self.path.name

    def lines(self, n: int = 50) -> list[str]:
        """The first ``n`` complete lines of the head (the last, possibly cut, one dropped)."""
        lines = self.head.splitlines()
        if self.truncated and lines:
            lines = lines[:-1]
        return lines[:n]


def as_path(path, role: str) -> Path:
    """``path`` as an existing file `Path`, else `InputError`."""
    try:
        p = Path(path)
    except TypeError:
        raise InputError(f"expected a file path for the {role}, got {type(path).__name__}") from None
    if not p.exists():
        raise InputError(f"file not found ({p})", where=p.name or str(p),
                         fix="check the path and the file name")
    if p.is_dir():
        raise InputError(f"expected a {role} file but this is a folder", where=p.name,
                         fix="pass the file inside the folder, or load the folder as BEELINE/DREAM4 data")
    return p


def describe_magic(raw: bytes) -> tuple[str, str] | None:
    """(description, fix) for a known binary signature at the start of ``raw``."""
    for magic, what, fix in _MAGICS:
        if raw.startswith(magic):
            return what, fix
    if len(raw) >= 2 and raw[0] == 0x80 and raw[1] in (2, 3, 4, 5):
        return ("a Python pickle (pickles can run code when loaded, so they are never opened)",
                "export the data as CSV")
    return None


def sniff(path, role: str = "data") -> Sniffed:
    """Check that ``path`` is a non-empty UTF-8 text file (gzip allowed) and return its head.

    Raises `InputError` naming what the file looks like otherwise.
    """
    p = as_path(path, role)
    name = p.name
    try:
        with open(p, "rb") as fh:
            raw = fh.read(HEAD_BYTES + 1)
    except OSError as err:
        raise InputError(f"cannot read the file ({err.strerror or err})", where=name,
                         fix="check that the file exists and is readable") from None
    if not raw:
        raise InputError("the file is empty (0 bytes)", where=name,
                         fix=f"provide a non-empty {role} file")
    gzipped = raw.startswith(GZIP_MAGIC)
    if gzipped:
        try:
            with gzip.open(p, "rb") as fh:
                raw = fh.read(HEAD_BYTES + 1)
        except (OSError, EOFError, zlib.error) as err:
            raise InputError(f"the file is a corrupt or truncated gzip archive ({err})", where=name,
                             fix="compress the file again (gzip) or upload it uncompressed") from None
        if not raw:
            raise InputError("the file is empty after decompression", where=name,
                             fix=f"provide a non-empty {role} file")
    truncated = len(raw) > HEAD_BYTES
    raw = raw[:HEAD_BYTES]
    known = describe_magic(raw)
    if known and raw.startswith(b"PK") and b"xl/" in raw:
        known = ("an Excel .xlsx workbook (a ZIP archive)", "export the sheet as CSV (File > Save As > CSV UTF-8)")
    if known:
        what, fix = known
        inner = " inside the gzip archive" if gzipped else ""
        raise InputError(f"this is not a text table: it looks like {what}{inner}", where=name, fix=fix)
    if b"\x00" in raw[:4096]:
        # UTF-16 without a byte-order mark: every other byte is NUL for ASCII text
        sample = raw[:4096]
        if len(sample) >= 8 and sample[1::2].count(0) > 0.8 * len(sample[1::2]):
            raise InputError("this is not UTF-8 text: it looks like UTF-16 encoded text", where=name,
                             fix="save the file as UTF-8 text (e.g. 'CSV UTF-8' in Excel)")
        raise InputError("this is not a text table: it contains binary data (NUL bytes)", where=name,
                         fix=f"provide the {role} as a CSV/TSV text file")
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        head = decoder.decode(raw, final=not truncated)
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise InputError(f"this is not UTF-8 text (byte 0x{raw[err.start]:02x} on line {line}); "
                         "it may be binary or use a legacy encoding such as Latin-1", where=name,
                         fix="save the file as UTF-8 text") from None
    control = sum(1 for ch in head[:4096] if ord(ch) < 32 and ch not in "\t\r\n\f\v")
    if control > 0.01 * min(len(head), 4096) + 2:
        raise InputError("this is not a text table: it contains binary control characters",
                         where=name, fix=f"provide the {role} as a CSV/TSV text file")
    if not head.strip():
        raise InputError("the file contains only whitespace", where=name,
                         fix=f"provide a non-empty {role} file")
    start = head.lstrip()[:200].lower()
    if start.startswith(("<!doctype html", "<html", "<?xml", "<head", "<body")):
        raise InputError("this is not a text table: it looks like an HTML/XML page "
                         "(perhaps a web page saved instead of the data file)", where=name,
                         fix="download the raw data file itself")
    if start.startswith("{") or start.startswith("[{"):
        raise InputError("this is not a text table: it looks like JSON", where=name,
                         fix="export the data as CSV/TSV")
    return Sniffed(path=p, gzipped=gzipped, head=head, truncated=truncated)


def open_text(sn: Sniffed) -> TextIO:
    """A text stream over the whole file (gunzipped when needed, BOM stripped)."""
    if sn.gzipped:
        return io.TextIOWrapper(gzip.open(sn.path, "rb"), encoding="utf-8-sig", newline="")
    return open(sn.path, encoding="utf-8-sig", newline="")


# ---------------------------------------------------------------------- delimiters
DELIMITER_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", " ": "whitespace"}
WHITESPACE = " "


def split_line(line: str, delim: str) -> list[str]:
    """Fields of one line (quotes honoured for real delimiters; runs of blanks for whitespace)."""
    line = line.rstrip("\r\n")
    if delim == WHITESPACE:
        return [f.strip('"').strip("'") for f in line.split()]
    return next(csv.reader([line], delimiter=delim), [])


def sniff_delimiter(lines: list[str]) -> str | None:
    """The delimiter of a table from its first lines: tab, comma, semicolon or whitespace.

    Returns None when every candidate gives one field per line (a one-column file).
    """
    lines = [ln for ln in lines if ln.strip()][:30]
    if not lines:
        return None
    best, best_score = None, (0, 0)
    for delim in ("\t", ",", ";", WHITESPACE):
        counts = [len(split_line(ln, delim)) for ln in lines]
        if max(counts) <= 1:
            continue
        body = counts[1:] or counts
        consistent = len(set(body)) == 1 and counts[0] in (body[0], body[0] - 1)
        multi = sum(c > 1 for c in counts)
        score = (2 if consistent else 0, multi)
        if score > best_score:
            best, best_score = delim, score
    return best


@contextmanager
def reading(sn: Sniffed) -> Iterator[None]:
    """Turn decoding, gzip and csv errors met while reading ``sn`` into `InputError`."""
    try:
        yield
    except UnicodeDecodeError:
        raise InputError("the file is not UTF-8 text further down (a binary or Latin-1 part)",
                         where=sn.name, fix="save the file as UTF-8 text") from None
    except (EOFError, zlib.error, OSError) as err:
        raise InputError(f"the gzip archive is corrupt or truncated ({err})", where=sn.name,
                         fix="compress the file again (gzip) or upload it uncompressed") from None
    except csv.Error as err:
        raise InputError(f"the file is not a well-formed table ({err})", where=sn.name,
                         fix="check quotes and delimiters") from None


def iter_rows(sn: Sniffed, delim: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) for each non-blank line of the whole file; errors as `InputError`."""
    with reading(sn):
        with open_text(sn) as fh:
            if delim == WHITESPACE:
                for i, line in enumerate(fh, 1):
                    if line.strip():
                        yield i, split_line(line, delim)
            else:
                reader = csv.reader(fh, delimiter=delim)
                last = 0
                for row in reader:
                    if row and any(f.strip() for f in row):
                        yield last + 1, row
                    last = reader.line_num


_NUMBER = re.compile(r"^\s*[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|inf|infinity|nan)\s*$",
                     re.IGNORECASE)
#: values pyarrow and pandas read as missing (NaN) in numeric columns
NULL_VALUES = ("", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
               "1.#QNAN", "N/A", "NA", "NULL", "NaN", "n/a", "nan", "null", "None")
_NULLS = frozenset(NULL_VALUES)


def nfields(n: int) -> str:
    """``"1 field"`` / ``"3 fields"``."""
    return f"{n} field" if n == 1 else f"{n} fields"


def is_number(text: str) -> bool:
    """True for text that reads as a number (inf/nan included)."""
    return bool(_NUMBER.match(text))


def is_number_or_null(text: str) -> bool:
    return text.strip() in _NULLS or is_number(text)


def looks_decimal(text: str) -> bool:
    """A number written with a decimal point or exponent (not an integer id)."""
    return is_number(text) and any(c in text for c in ".eE") and not text.strip().lower().startswith(("inf", "nan"))


def strip_extensions(name: str) -> str:
    """File name without data extensions: ``BL--ExpressionData.csv.gz`` -> ``BL--ExpressionData``."""
    lower = name.lower()
    for ext in (".gz", ".csv", ".tsv", ".txt", ".tab", ".h5ad"):
        if lower.endswith(ext):
            name, lower = name[: -len(ext)], lower[: -len(ext)]
    return name


# ---------------------------------------------------------------------- dataset assembly
_PART_WHERE = ("network", "TF list", "sample metadata")


def relocate(err: InputError, files: dict) -> InputError:
    """``err`` from `Dataset.create` with the generic part name replaced by its file name."""
    f = files.get(err.where)
    if f:
        return InputError(err.what, where=f"{Path(str(f)).name} ({err.where})", fix=err.fix)
    return err


def build_dataset(expression, *, where: str, network_file=None, tfs_file=None, metadata_file=None,
                  **kwargs):
    """`Dataset.create` whose errors about the network / TF list / metadata name their files."""
    from .dataset import Dataset

    files = {"network": network_file, "TF list": tfs_file, "sample metadata": metadata_file}
    try:
        return Dataset.create(expression, where=where, **kwargs)
    except InputError as err:
        raise relocate(err, files) from None

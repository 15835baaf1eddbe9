"""Build the bad-input corpus (deterministic): ``python tests/bad_inputs/make_corpus.py``.

Every file is small. ``manifest.json`` lists, per bad input: the file (or folder), its role
(expression | network | tfs | metadata | folder), the companion files `load` needs (a good
expression for a bad network ...), extra `load` keyword arguments, the name the message must
contain (the file name unless said otherwise) and a lowercase substring of the message.
``good`` lists odd but valid inputs that must load. test_bad_inputs.py also rebuilds the corpus
in a temporary folder and checks that it matches the committed files byte for byte.
"""

from __future__ import annotations

import gzip
import io
import json
import pickle
import random
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

GOOD_EXPR = ",S1,S2,S3,S4\nG1,1.0,2.0,3.0,4.5\nG2,0.5,0.1,2.2,3.3\nG3,7,8,9,10\nG4,0,0,1,0.25\nG5,2,3,1,0\n"
GOOD_NET = "Gene1,Gene2\nG1,G2\nG2,G3\nG1,G4\n"


def _gz(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            zf.writestr(info, data)
    return buf.getvalue()


def _files() -> dict[str, bytes]:
    rng = random.Random(0)
    f: dict[str, bytes] = {}
    t = lambda s: s.encode("utf-8")  # noqa: E731
    # companions
    f["good_expression.csv"] = t(GOOD_EXPR)
    f["good_network.csv"] = t(GOOD_NET)
    # ---- expression
    f["empty.csv"] = b""
    f["header_only.csv"] = t(",S1,S2,S3\n")
    f["non_numeric.csv"] = t(GOOD_EXPR.replace("G3,7,8,9,10", "G3,7,eight,9,10"))
    f["nan_value.csv"] = t(GOOD_EXPR.replace("G2,0.5,0.1", "G2,0.5,NA"))
    f["inf_value.csv"] = t(GOOD_EXPR.replace("G4,0,0,1", "G4,0,inf,1"))
    f["duplicated_genes.csv"] = t(GOOD_EXPR.replace("G5,", "G1,"))
    f["duplicated_samples.csv"] = t(GOOD_EXPR.replace("S3", "S2"))
    f["ragged_rows.csv"] = t(GOOD_EXPR.replace("G3,7,8,9,10", "G3,7,8,9,10,11"))
    f["short_row.tsv"] = t(GOOD_EXPR.replace(",", "\t").replace("G4\t0\t0\t1\t0.25", "G4\t0\t0"))
    f["binary_garbage.csv"] = bytes(rng.randrange(256) for _ in range(600)) + b"\x00\x00"
    f["pickle_renamed.csv"] = pickle.dumps({"genes": ["G1", "G2"], "values": [1.0, 2.0]}, protocol=4)
    f["corrupt.csv.gz"] = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + bytes(rng.randrange(256) for _ in range(200))
    f["truncated.csv.gz"] = _gz(t(GOOD_EXPR * 20))[:60]
    f["empty_inside.csv.gz"] = _gz(b"")
    f["gzip_of_pickle.csv.gz"] = _gz(pickle.dumps([1, 2, 3], protocol=4))
    f["text_named.h5ad"] = t(GOOD_EXPR)
    f["corrupt.h5ad"] = b"\x89HDF\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(300))
    f["zip_renamed.csv"] = _zip({"data.csv": t(GOOD_EXPR)})
    f["xlsx_renamed.csv"] = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
    f["hdf5_named.csv"] = b"\x89HDF\r\n\x1a\n" + b"\x00" * 100
    f["numpy_renamed.csv"] = b"\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }" + b" " * 10
    f["single_gene.csv"] = t(",S1,S2,S3\nG1,1,2,3\n")
    f["single_sample.csv"] = t(",S1\nG1,1\nG2,2\nG3,3\n")
    f["decimal_comma.csv"] = t(";S1;S2;S3\nG1;1,5;2,5;3\nG2;0,1;0,2;0,3\n")
    f["pipe_delimited.csv"] = t("|S1|S2|S3\nG1|1|2|3\nG2|4|5|6\n")
    f["headerless_numeric.csv"] = t("G1,0.5,0.25,1.5\nG2,1.25,0.5,2.0\nG3,0.1,0.2,0.3\n")
    f["numbers_first_column.csv"] = t("S1,S2,S3\n0.5,0.25,1.5\n1.25,0.5,2.0\n0.1,0.2,0.3\n")
    f["utf16.csv"] = GOOD_EXPR.encode("utf-16")
    f["utf16_nobom.csv"] = GOOD_EXPR.encode("utf-16-le")
    f["latin1.csv"] = GOOD_EXPR.replace("G5", "Gène5").encode("latin-1")
    f["whitespace_only.csv"] = b"   \n\t\n  \r\n"
    f["one_token.csv"] = t("G1\n")
    f["html_page.csv"] = t("<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body></body></html>\n")
    f["json_renamed.csv"] = t('{"genes": ["G1", "G2"], "values": [[1, 2], [3, 4]]}\n')
    f["missing_gene_name.csv"] = t(GOOD_EXPR.replace("G4,0,0", ",0,0"))
    f["huge_value.csv"] = t(GOOD_EXPR.replace("G3,7,8", "G3,7,1e300"))
    # ---- DREAM4 time series
    d4 = '"Time"\t"G1"\t"G2"\t"G3"\n\n0.0\t0.1\t0.2\t0.3\n50.0\t0.2\t0.3\t0.4\n\n0.0\t0.3\t0.2\t0.1\n50.0\t0.4\t0.1\t0.2\n'
    f["dream4_no_time.tsv"] = t(d4.replace('"Time"', '"Hour"'))
    f["dream4_bad_time.tsv"] = t(d4.replace("50.0\t0.2", "fifty\t0.2"))
    f["dream4_ragged.tsv"] = t(d4.replace("50.0\t0.4\t0.1\t0.2", "50.0\t0.4\t0.1"))
    f["dream4_non_numeric.tsv"] = t(d4.replace("0.4\t0.1\t0.2", "0.4\thigh\t0.2"))
    # ---- networks (with good_expression.csv)
    f["network_absent_genes.csv"] = t("Gene1,Gene2\nX1,X2\nX2,X3\n")
    f["network_one_column.csv"] = t("Gene1\nG1\nG2\nG3\n")
    f["network_empty.csv"] = b""
    f["network_header_only.csv"] = t("Gene1,Gene2,Type\n")
    f["network_self_loops.csv"] = t("Gene1,Gene2\nG1,G1\nG2,G2\n")
    f["network_all_zero.tsv"] = t("G1\tG2\t0\nG2\tG3\t0\n")
    f["network_binary.csv"] = b"\x00\x01\x02garbage\x00" * 20
    f["network_missing_target.csv"] = t("Gene1,Gene2\nG1,G2\nG3,\n")
    # ---- TF lists (with good_expression.csv + good_network.csv)
    f["tfs_unknown.csv"] = t("TF\nFOXA1\nGATA4\n")
    f["tfs_empty.csv"] = b""
    f["tfs_header_only.csv"] = t("TF\n")
    # ---- metadata (with good_expression.csv)
    f["metadata_no_match.csv"] = t("cell,time\nX1,0\nX2,1\n")
    f["metadata_duplicate_ids.csv"] = t("cell,time\nS1,0\nS1,1\nS2,2\n")
    f["metadata_one_column.csv"] = t("cell\nS1\nS2\n")
    f["metadata_ragged.csv"] = t("cell,time,condition\nS1,0,a\nS2,1\n")
    # ---- GENELink folders
    genes = ["G1", "G2", "G3", "G4", "G5"]
    gl_expr = GOOD_EXPR
    gl_net = "Gene1,Gene2\nG1,G2\nG2,G3\n"
    gl_tf = ",TF,index\n0,G1,0\n1,G2,1\n"
    gl_target = ",Gene,index\n" + "".join(f"{i},{g},{i}\n" for i, g in enumerate(genes))
    gl_label = ",TF,Target\n0,0,1\n1,1,2\n"
    base = {"BL--ExpressionData.csv": gl_expr, "TF.csv": gl_tf, "Target.csv": gl_target}
    for name, files in {
        "genelink_bad_label": {**base, "Label.csv": ",TF,Target\n0,0,1\n1,1,99\n"},
        "genelink_mixed_target": {**base, "BL--network.csv": gl_net, "Label.csv": gl_label,
                                  "Target.csv": gl_target.replace("0,G1,0", "0,G2,0")},
        "genelink_label_disagree": {**base, "BL--network.csv": gl_net, "Label.csv": ",TF,Target\n0,0,1\n1,0,3\n"},
        "folder_unknown": {"notes.txt": "not a dataset\n"},
        "beeline_no_cells": {"ExpressionData.csv": ",\nG1\nG2\n"},
    }.items():
        for fname, text in files.items():
            f[f"{name}/{fname}"] = t(text)
    # ---- good but odd
    f["good/negative_values.csv"] = t(GOOD_EXPR.replace("G4,0,0,1,0.25", "G4,-1.5,-0.2,1,-3e-2"))
    f["good/script_gene_names.csv"] = t(GOOD_EXPR.replace("G5,", '"<script>alert(1)</script>",')
                                        .replace("G4,", "<b>G4</b>,"))
    f["good/quoted_headers.tsv"] = t('""\t"S1"\t"S2"\t"S3"\n"G1"\t1\t2\t3\n"G2"\t4\t5\t6\n')
    f["good/windows_crlf.csv"] = t(GOOD_EXPR.replace("\n", "\r\n"))
    f["good/gzipped.csv.gz"] = _gz(t(GOOD_EXPR))
    f["good/gzip_named_csv.csv"] = _gz(t(GOOD_EXPR))
    f["good/semicolon_dot_decimal.csv"] = t(GOOD_EXPR.replace(",", ";"))
    f["good/whitespace_delimited.txt"] = t(GOOD_EXPR.replace(",", "   ").replace("   S1", "gene   S1", 1)
                                           .lstrip())
    f["good/r_style_header.csv"] = t(GOOD_EXPR[1:])
    f["good/utf8_bom.csv"] = b"\xef\xbb\xbf" + t(GOOD_EXPR)
    f["good/trailing_blank_lines.csv"] = t(GOOD_EXPR + "\n\n\n")
    f["good/missing_as_empty_ok_names.csv"] = t(GOOD_EXPR.replace("G1,", "NA_gene,"))
    f["good/dream4_no_blank_lines.tsv"] = t(d4.replace("\n\n", "\n"))
    return f


GOOD = [
    {"file": "good/negative_values.csv", "genes": 5, "samples": 4},
    {"file": "good/script_gene_names.csv", "genes": 5, "samples": 4,
     "has_gene": "<script>alert(1)</script>"},
    {"file": "good/quoted_headers.tsv", "genes": 2, "samples": 3},
    {"file": "good/windows_crlf.csv", "genes": 5, "samples": 4},
    {"file": "good/gzipped.csv.gz", "genes": 5, "samples": 4},
    {"file": "good/gzip_named_csv.csv", "genes": 5, "samples": 4},
    {"file": "good/semicolon_dot_decimal.csv", "genes": 5, "samples": 4},
    {"file": "good/whitespace_delimited.txt", "genes": 5, "samples": 4},
    {"file": "good/r_style_header.csv", "genes": 5, "samples": 4},
    {"file": "good/utf8_bom.csv", "genes": 5, "samples": 4},
    {"file": "good/trailing_blank_lines.csv", "genes": 5, "samples": 4},
    {"file": "good/missing_as_empty_ok_names.csv", "genes": 5, "samples": 4},
    {"file": "good/dream4_no_blank_lines.tsv", "genes": 3, "samples": 4, "kind": "time_series"},
]


def _bad() -> list[dict]:
    E = {"expression": "good_expression.csv"}
    EN = {"expression": "good_expression.csv", "network": "good_network.csv"}
    rows = [
        # file, role, expected substring, companions, kwargs, name in message
        ("empty.csv", "expression", "empty"),
        ("header_only.csv", "expression", "no data rows"),
        ("non_numeric.csv", "expression", "non-numeric value 'eight'"),
        ("nan_value.csv", "expression", "not a finite number"),
        ("inf_value.csv", "expression", "not a finite number"),
        ("duplicated_genes.csv", "expression", "gene names are duplicated"),
        ("duplicated_samples.csv", "expression", "sample names are duplicated"),
        ("ragged_rows.csv", "expression", "line 4 has 6 fields"),
        ("short_row.tsv", "expression", "line 5 has 3 fields"),
        ("binary_garbage.csv", "expression", "binary"),
        ("pickle_renamed.csv", "expression", "pickle"),
        ("corrupt.csv.gz", "expression", "gzip"),
        ("truncated.csv.gz", "expression", "gzip"),
        ("empty_inside.csv.gz", "expression", "empty after decompression"),
        ("gzip_of_pickle.csv.gz", "expression", "pickle"),
        ("text_named.h5ad", "expression", "text file"),
        ("corrupt.h5ad", "expression", "not a readable anndata"),
        ("zip_renamed.csv", "expression", "zip archive"),
        ("xlsx_renamed.csv", "expression", "excel"),
        ("hdf5_named.csv", "expression", "hdf5"),
        ("numpy_renamed.csv", "expression", "numpy"),
        ("single_gene.csv", "expression", "only one gene"),
        ("single_sample.csv", "expression", "only one sample"),
        ("decimal_comma.csv", "expression", "decimal comma"),
        ("pipe_delimited.csv", "expression", "only one column"),
        ("headerless_numeric.csv", "expression", "no header row"),
        ("numbers_first_column.csv", "expression", "first column holds numbers"),
        ("utf16.csv", "expression", "utf-16"),
        ("utf16_nobom.csv", "expression", "utf-16"),
        ("latin1.csv", "expression", "not utf-8"),
        ("whitespace_only.csv", "expression", "only whitespace"),
        ("one_token.csv", "expression", "single column"),
        ("html_page.csv", "expression", "html"),
        ("json_renamed.csv", "expression", "json"),
        ("missing_gene_name.csv", "expression", "gene name missing"),
        ("huge_value.csv", "expression", "too large"),
        ("dream4_no_time.tsv", "expression", "no 'time' column", None, {"format": "dream4"}),
        ("dream4_bad_time.tsv", "expression", "'fifty' on line 4 is not a number"),
        ("dream4_ragged.tsv", "expression", "line 7 has 3 fields"),
        ("dream4_non_numeric.tsv", "expression", "non-numeric value 'high'"),
        ("network_absent_genes.csv", "network", "none of the 2 edges", E),
        ("network_one_column.csv", "network", "one column", E),
        ("network_empty.csv", "network", "empty", E),
        ("network_header_only.csv", "network", "no edges", E),
        ("network_self_loops.csv", "network", "self-loops", E),
        ("network_all_zero.tsv", "network", "no edges", E),
        ("network_binary.csv", "network", "binary", E),
        ("network_missing_target.csv", "network", "line 3 has no target", E),
        ("tfs_unknown.csv", "tfs", "no tf in the list", EN),
        ("tfs_empty.csv", "tfs", "empty", EN),
        ("tfs_header_only.csv", "tfs", "empty", EN),
        ("metadata_no_match.csv", "metadata", "no sample of the expression", E),
        ("metadata_duplicate_ids.csv", "metadata", "appears twice", E),
        ("metadata_one_column.csv", "metadata", "only one column", E),
        ("metadata_ragged.csv", "metadata", "line 3 has 2 fields", E),
        ("genelink_bad_label", "folder", "out of range", None, None, "Label.csv"),
        ("genelink_mixed_target", "folder", "different folders", None, None, "Target.csv"),
        ("genelink_label_disagree", "folder", "disagree", None, None, "Label.csv"),
        ("folder_unknown", "folder", "neither beeline"),
        ("beeline_no_cells", "folder", "line 2 has 1 field", None, None, "ExpressionData.csv"),
    ]
    out = []
    for r in rows:
        file, role, expect = r[:3]
        companions = r[3] if len(r) > 3 and r[3] else {}
        kwargs = r[4] if len(r) > 4 and r[4] else {}
        name = r[5] if len(r) > 5 else Path(file).name
        out.append({"file": file, "role": role, "companions": companions, "kwargs": kwargs,
                    "name_in_message": name, "expect": expect})
    return out


def build(out_dir: Path) -> None:
    out_dir = Path(out_dir)
    for rel, data in _files().items():
        p = out_dir / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    manifest = {"bad": _bad(), "good": GOOD}
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")


def listing() -> list[str]:
    """Relative paths of every file `build` writes (manifest included)."""
    return sorted(list(_files()) + ["manifest.json"])


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    build(target)
    print(f"wrote {len(listing())} files to {target}")

"""Literature review of a run's "false positives" (DESIGN.md section 9).

- `grncore.literature.candidates`: the top-N scored pairs the ground truth does not know, with
  rank, percentile, known degrees, TF flags and whether the reverse pair is known.
- `grncore.literature.client`: NCBI E-utilities (esearch, esummary) and PubTator3 search over
  urllib, with a shared rate limiter, retries and clear errors (`ServiceError`, `ServiceOffline`).
- `grncore.literature.store`: ``<workspace>/literature.sqlite``: cached answers and reviews.
- `grncore.literature.lookup`: `lookup` (cache, then both services side by side), `evidence_table`
  (cache only), `LookupJob` (background thread with progress and cancel).
- `grncore.literature.review`: verdict summary, CSV and Table-5.13-style Markdown exports.

No streamlit here; the Literature page and the CLI build on these.
"""

from .candidates import CANDIDATE_COLUMNS, candidates, run_candidates
from .client import Eutils, PubTator, ServiceError, ServiceOffline, pair_term, pubtator_query
from .lookup import LookupJob, LookupReport, evidence_export, evidence_table, lookup, pubmed_search_url, pubmed_url
from .review import export_csv, export_markdown, highlight, reviewed_candidates, summary
from .store import VERDICTS, LiteratureStore

__all__ = ["CANDIDATE_COLUMNS", "candidates", "run_candidates", "Eutils", "PubTator", "ServiceError",
           "ServiceOffline", "pair_term", "pubtator_query", "LookupJob", "LookupReport", "evidence_export", "evidence_table",
           "lookup", "pubmed_search_url", "pubmed_url", "export_csv", "export_markdown", "highlight", "reviewed_candidates",
           "summary", "VERDICTS", "LiteratureStore"]

"""Literature page: a run's top "false positives", their PubMed / PubTator3 evidence, verdicts, exports."""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from grncore.data import InputError
from grncore.literature import (VERDICTS, LiteratureStore, LookupJob, evidence_export, evidence_table,
                                export_csv, export_markdown, highlight, pubmed_url, reviewed_candidates,
                                run_candidates, summary)
from pages import _ui

ws = _ui.workspace()
store = LiteratureStore.of(ws)
st.title("Literature")
if "lit_flash" in st.session_state:  # set before a rerun, shown once after it
    st.success(st.session_state.pop("lit_flash"))
st.caption("The highest-scored pairs that the ground truth does not know (the thesis's false positives), "
           "with papers naming both genes. Evidence is fetched only when you press **Fetch evidence**; the "
           "PubMed links open in your own browser.")


@st.cache_resource(show_spinner=False)
def _lookup_jobs() -> dict[str, LookupJob]:
    """Lookups of this server process by id (they outlive page changes and reruns)."""
    return {}


@st.cache_data(show_spinner=False, max_entries=8)
def _candidates(root: str, run_id: str, top: int) -> pd.DataFrame:
    """The run's candidates (a run's stored predictions never change, so they are cached)."""
    return run_candidates(ws, run_id, top=top)


runs = ws.list_runs(status="done")
if not runs:
    st.info("No finished run yet. Start runs on the Models page; their top unknown pairs are listed here.")
    st.page_link("pages/models.py", label="Go to Models", icon=":material/model_training:")
    st.stop()

labels = {r.id: f"{r.method} · {r.dataset_name} · {r.split} · seed {r.seed} · {r.id}" for r in runs}
c1, c2, c3 = st.columns([3, 1, 2])
run_id = c1.selectbox("Run", list(labels), format_func=labels.get, key="lit_run")
top = int(c2.number_input("Top N", min_value=5, max_value=500, value=50, step=5, key="lit_top"))
organism = c3.text_input("Organism term (optional)", key="lit_organism", placeholder="Mus musculus",
                         help='Added to the PubMed query: "A"[tiab] AND "B"[tiab] AND "Mus musculus".').strip()
try:
    cands = _candidates(str(ws.root), run_id, top)
except InputError as exc:
    st.error(_ui.md(exc))
    st.stop()
if cands.empty:
    st.info("Every scored pair of this run is a known edge or a training pair: nothing to review.")
    st.stop()

# ---------------------------------------------------------------------------------------------- lookup
jobs = _lookup_jobs()
current = jobs.get(st.session_state.get("lit_job", ""))
busy = current is not None and current.running
b1, b2, _ = st.columns([1, 1, 4])
started = None
if b1.button("Fetch evidence", type="primary", disabled=busy, key="lit_fetch",
             help="Ask PubMed (E-utilities) and PubTator3 about the pairs not in the cache yet."):
    started = LookupJob(cands, store, organism=organism or None).start()
elif b2.button("Refresh all", disabled=busy, key="lit_refresh",
               help="Ask again for every pair; an answer that does not come back leaves the cached one."):
    started = LookupJob(cands, store, organism=organism or None, refresh=True).start()


def _track(job: LookupJob) -> None:
    """Make ``job`` this session's lookup (kept in the process-wide registry, which holds the
    20 most recent lookups)."""
    for old in [k for k, j in jobs.items() if not j.running][:-19]:
        del jobs[old]
    st.session_state["lit_job"] = job_id = f"{time.time():.6f}-{id(job)}"
    jobs[job_id] = job
    st.session_state.pop("lit_notices", None)


if started is not None:
    _track(started)


_job = jobs.get(st.session_state.get("lit_job", ""))
_polling = _job is not None and (_job.running or st.session_state.get("lit_shown") != st.session_state.get("lit_job"))


@st.fragment(run_every=1.0 if _polling else None)  # polls only while a lookup runs or its end is unseen
def lookup_progress() -> None:
    """This session's lookup: progress and Cancel while it runs, then one line on how it went.
    Every state draws the same two slots, so nothing of an earlier state is left on screen."""
    job = jobs.get(st.session_state.get("lit_job", ""))
    status, action = st.empty(), st.empty()
    if job is None:
        return
    snap = job.snapshot()
    if job.running:
        text = f"{snap['done']}/{snap['total']} · {snap['message']} · {_ui.fmt_seconds(snap['elapsed'])}"
        status.progress(snap["fraction"], text=_ui.md(text))
        if action.button("Cancel lookup", key="lit_cancel"):
            job.cancel()
        return
    report = job.report
    if st.session_state.get("lit_shown") != st.session_state.get("lit_job"):
        st.session_state["lit_shown"] = st.session_state.get("lit_job")
        st.session_state["lit_notices"] = (report.notices() if report else []) + (
            [f"The lookup failed: {job.error}"] if job.error else [])
        if report and report.cancelled:
            st.session_state["lit_notices"].append("The lookup was cancelled; what arrived is cached.")
        st.rerun(scope="app")  # show the new evidence
    services = "" if report is None else ": " + " · ".join(
        f"{name} {s.state} ({s.requests} requests)" for name, s in report.services.items())
    took = "" if report is None else f" in {report.seconds:.1f} s"
    status.caption(_ui.md(f"Last lookup {job.status}{took}{services}"))


lookup_progress()
for notice in st.session_state.get("lit_notices", []):
    st.warning(_ui.md(notice), icon=":material/cloud_off:")

evidence = evidence_table(store, cands, organism or None)
reviews = store.reviews()
joined = reviewed_candidates(evidence, reviews)

# ---------------------------------------------------------------------------------------------- candidates
st.subheader(f"Top {len(cands)} unknown pairs")
f1, f2, f3 = st.columns([2, 1, 1])
gene = f1.text_input("Filter by gene", key="lit_filter", placeholder="a gene name").strip().lower()
only_hits = f2.checkbox("Only pairs with papers", key="lit_only_hits")
hide_reverse = f3.checkbox("Hide pairs whose reverse is known", key="lit_hide_reverse")
shown = joined
if gene:
    shown = shown[shown["regulator"].str.lower().str.contains(gene, regex=False)
                  | shown["target"].str.lower().str.contains(gene, regex=False)]
if only_hits:
    shown = shown[shown["pubmed_count"].fillna(0) > 0]
if hide_reverse:
    shown = shown[~shown["reverse_known"]]
table = shown[["regulator", "target", "rank", "score", "pubmed_count", "pubtator_count", "verdict", "search_url",
               "percentile", "regulator_degree", "target_degree", "regulator_is_tf", "target_is_tf", "reverse_known"]]
st.dataframe(table, hide_index=True, key="lit_table", column_config={
    "score": st.column_config.NumberColumn(format="%.4f"),
    "pubmed_count": st.column_config.NumberColumn("PubMed", help="papers naming both genes in title or abstract"),
    "pubtator_count": st.column_config.NumberColumn("PubTator3", help="papers with both genes as gene entities"),
    "search_url": st.column_config.LinkColumn("link", display_text="PubMed"),
    "percentile": st.column_config.NumberColumn(format="%.2f"),
    "regulator_degree": st.column_config.NumberColumn("reg. degree", help="known edges of the regulator"),
    "target_degree": st.column_config.NumberColumn("target degree", help="known edges of the target"),
    "regulator_is_tf": st.column_config.CheckboxColumn("reg. TF"),
    "target_is_tf": st.column_config.CheckboxColumn("target TF"),
    "reverse_known": st.column_config.CheckboxColumn("reverse known", help="target -> regulator is a known edge")})
n_fetched = int(evidence["pubmed_count"].notna().sum())
st.caption(f"{len(shown)} of {len(cands)} pairs shown · evidence cached for {n_fetched} · click a column "
           "header to sort.")

# ---------------------------------------------------------------------------------------------- one pair
st.subheader("Evidence and verdict")
pair_labels = {i: f"{r['regulator']} → {r['target']} (rank {r['rank']}, {r['verdict']})" for i, r in joined.iterrows()}
i = st.selectbox("Pair", list(pair_labels), format_func=pair_labels.get, key="lit_pair")
row = joined.loc[i]
reg, tgt = row["regulator"], row["target"]
m1, m2, m3, m4 = st.columns(4)
m1.metric("PubMed papers", "not fetched" if pd.isna(row["pubmed_count"]) else int(row["pubmed_count"]))
m2.metric("PubTator3 papers", "not fetched" if pd.isna(row["pubtator_count"]) else int(row["pubtator_count"]))
m3.metric("Rank", int(row["rank"]))
m4.metric("Percentile", f"{row['percentile']:.2f}")
l1, l2 = st.columns([3, 1])
l1.markdown(f"[Search PubMed for {_ui.md(reg)} and {_ui.md(tgt)}]({row['search_url']})")
if l2.button("Refresh this pair", key="lit_refresh_pair", disabled=busy):
    _track(LookupJob(cands[(cands["regulator"] == reg) & (cands["target"] == tgt)], store,
                     organism=organism or None, refresh=True).start())
    st.rerun()
fetched = [f"{name} fetched {time.strftime('%Y-%m-%d %H:%M', time.localtime(t))}"
           for name, t in (("PubMed", row["eutils_fetched_at"]), ("PubTator3", row["pubtator_fetched_at"]))
           if pd.notna(t)]
st.caption(" · ".join(fetched) if fetched else "No evidence cached for this pair yet: press Fetch evidence.")
if row["pmids"]:
    lines = [f"- [{p}]({pubmed_url(p)}) {_ui.md(t) or '(no title)'} · {_ui.md(j)} {_ui.md(y)}"
             + (f" · {_ui.md(c)}" if c else "")
             for p, t, j, y, c in zip(row["pmids"], row["titles"], row["journals"], row["years"], row["pmcids"])]
    st.markdown("\n".join(lines))
for p in row["passages"]:
    text = "".join(f"**{_ui.md(piece)}**" if hit else _ui.md(piece) for piece, hit in highlight(p["sentence"], p["mentions"]))
    st.markdown(f"> {text}  \n> — PMID [{_ui.md(p['pmid'])}]({pubmed_url(p['pmid'])}) · {_ui.md(p['title'])}")

existing = store.review(reg, tgt) or {}
default_quote = existing.get("quote") or (row["passages"][0]["sentence"] if row["passages"] else "")
default_pmids = existing.get("pmids") or (row["passages"][0]["pmid"] if row["passages"] else "")
# the form's widgets are keyed by the pair and by what their defaults come from, so that new evidence
# or a saved review shows in them (a widget keeps the value of its first run otherwise)
key = f"{reg}|{tgt}|{existing.get('reviewed_at', '')}|{row['pubtator_fetched_at']}"
with st.form(f"lit_review|{reg}|{tgt}"):
    verdict = st.radio("Verdict", VERDICTS, horizontal=True, key=f"lit_verdict|{key}",
                       index=VERDICTS.index(existing["verdict"]) if existing.get("verdict") in VERDICTS else None)
    pmids = st.text_input("PubMed ids", value=default_pmids, key=f"lit_pmids|{key}", help="comma-separated")
    quote = st.text_area("Quote (the evidence sentence)", value=default_quote, key=f"lit_quote|{key}")
    note = st.text_input("Note", value=existing.get("note", ""), key=f"lit_note|{key}")
    reviewer = st.text_input("Reviewer", value=existing.get("reviewer") or st.session_state.get("lit_reviewer", ""),
                             key=f"lit_reviewer|{key}")
    saved = st.form_submit_button("Save verdict", type="primary")
if saved and verdict is None:
    st.error("Choose a verdict first.")
elif saved:
    try:
        store.save_review(reg, tgt, verdict, pmids=pmids, quote=quote, note=note, reviewer=reviewer, run_id=run_id)
    except InputError as exc:
        st.error(_ui.md(exc))
    else:
        st.session_state["lit_reviewer"] = reviewer
        st.session_state["lit_flash"] = f"Saved: {_ui.md(reg)} → {_ui.md(tgt)} is {verdict}."
        st.rerun()
if existing:
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(existing["reviewed_at"]))
    st.caption(_ui.md(f"Reviewed {when}" + (f" by {existing['reviewer']}" if existing["reviewer"] else "")))
    if st.button("Delete this verdict", key=f"lit_delete|{reg}|{tgt}"):
        store.delete_review(reg, tgt)
        st.session_state["lit_flash"] = f"Deleted the verdict on {_ui.md(reg)} → {_ui.md(tgt)}."
        st.rerun()

# ---------------------------------------------------------------------------------------------- summary, exports
st.subheader("Summary")
table = summary(cands, reviews, evidence)
supported = int(table.set_index("verdict").loc["supported", "pairs"])
st.markdown(f"**{supported} of {len(cands)}** top pairs have literature support.")
st.dataframe(table, hide_index=True, key="lit_summary",
             column_config={"share": st.column_config.NumberColumn(format="percent")})
mine = reviews.merge(cands[["regulator", "target"]], on=["regulator", "target"])
d1, d2, d3 = st.columns(3)
d1.download_button("Reviews (CSV)", export_csv(mine), file_name=f"reviews_{run_id}.csv", mime="text/csv", on_click="ignore",
                   disabled=mine.empty)
d2.download_button("Table 5.13 (Markdown)", export_markdown(mine, title=f"Literature-supported predicted interactions ({labels[run_id]})"),
                   file_name=f"literature_{run_id}.md", mime="text/markdown", disabled=mine.empty, on_click="ignore",
                   help="Supported pairs: gene pair, PubMed id, evidence, as in the thesis's Table 5.13.")
d3.download_button("Evidence (CSV)", evidence_export(evidence).to_csv(index=False),
                   file_name=f"evidence_{run_id}.csv", mime="text/csv", on_click="ignore")

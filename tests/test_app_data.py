"""Page tests (Streamlit AppTest) for the app shell and the Data page."""

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from grncore.data import simulate
from grncore.jobs import Workspace

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def run_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def metric_values(at) -> dict:
    return {m.label: m.value for m in at.metric}


def choose_source(at, source: str) -> AppTest:
    at.radio(key="data_source").set_value(source).run()
    assert not at.exception, at.exception
    return at


def upload_and_load(at, **files) -> AppTest:
    """Set the upload widgets (role -> (file name, bytes)) and press Load."""
    choose_source(at, "Upload files")
    for role, (name, data) in files.items():
        at.file_uploader(key=f"up_{role}").set_value((name, data, "text/plain"))
    next(b for b in at.button if b.label == "Load").click()
    at.run()
    assert not at.exception, at.exception
    return at


def test_first_start_shows_the_demo_dataset_summary():
    at = run_app()
    demo = simulate.demo(seed=0)
    values = metric_values(at)
    assert values["Genes"] == str(demo.n_genes)
    assert values["Samples"] == str(demo.n_samples)
    assert values["True edges"] == str(demo.n_edges)
    assert values["TFs"] == str(len(demo.tfs))
    assert demo.name.split(":")[0] in at.subheader[0].value
    # sidebar: active dataset and the compute device
    sidebar_text = " ".join(m.value for m in at.sidebar.markdown) + " ".join(c.value for c in at.sidebar.caption)
    assert "CPU" in sidebar_text or "CUDA" in sidebar_text or "MPS" in sidebar_text
    assert len(at.get("plotly_chart")) >= 1


def test_demo_is_stored_and_still_active_after_a_restart():
    first = run_app()
    ws = Workspace()
    [record] = ws.list_datasets()
    second = run_app()  # a new session on the same workspace
    assert metric_values(second) == metric_values(first)
    assert [r.id for r in ws.list_datasets()] == [record.id]


def test_bad_upload_shows_an_error_and_the_app_keeps_running():
    at = run_app()
    before = metric_values(at)
    at = upload_and_load(at, expression=("broken.csv", b"gene,c1,c2\nG1,1,2\nG2,3,oops\n"))
    assert at.error, "no st.error shown"
    message = at.error[0].value
    assert "broken" in message and "oops" in message
    assert metric_values(at) == before  # the active dataset is unchanged and still rendered


def test_good_upload_becomes_the_active_dataset():
    ds = simulate.single_cell(n_genes=20, n_cells=60, seed=3)
    expr = ds.expression.to_csv().encode()
    net = ds.network.rename(columns={"regulator": "Gene1", "target": "Gene2"})[["Gene1", "Gene2"]].to_csv(index=False).encode()
    at = upload_and_load(run_app(), expression=("ExpressionData.csv", expr), network=("refNetwork.csv", net))
    assert not at.error, [e.value for e in at.error]
    values = metric_values(at)
    assert values["Genes"] == "20" and values["Samples"] == "60" and values["True edges"] == str(ds.n_edges)
    assert len(Workspace().list_datasets()) == 2


def test_an_upload_shows_file_names_not_server_paths_and_is_not_kept():
    ds = simulate.single_cell(n_genes=20, n_cells=60, seed=3)
    net = ds.network.rename(columns={"regulator": "Gene1", "target": "Gene2"})[["Gene1", "Gene2"]].to_csv(index=False)
    at = upload_and_load(run_app(), expression=("ExpressionData.csv", ds.expression.to_csv().encode()),
                         network=("refNetwork.csv", net.encode()))
    ws = Workspace()
    shown = " ".join(c.value for c in at.caption) + " ".join(c.value for c in at.sidebar.caption)
    assert "ExpressionData" in shown and "refNetwork" in shown  # provenance names the uploaded files ...
    assert str(ws.root) not in shown.replace("\\", "") and "uploads" not in shown  # ... and no server path
    assert list((ws.root / "uploads").iterdir()) == []  # the stored dataset is what is kept
    (record,) = [r for r in ws.list_datasets() if "ExpressionData" in r.name]
    assert ws.load_dataset(record.id).n_genes == 20


def test_html_in_gene_names_is_shown_as_text():
    expr = b"gene,c1,c2,c3\n<script>alert(1)</script>,1,2,3\nG2,2,1,0\nG3,5,1,2\n"
    net = b"Gene1,Gene2\n<script>alert(1)</script>,G2\n<b>bold</b>,G3\n"
    at = upload_and_load(run_app(), expression=("html.csv", expr), network=("net.csv", net))
    assert not at.error, [e.value for e in at.error]
    notes = " ".join(i.value for i in at.info)
    assert "bold" in notes  # the dropped edge's gene is named ...
    assert "<b>" not in notes and r"\<b\>" in notes  # ... escaped, so Markdown shows it literally


def test_simulated_time_series_can_be_generated():
    at = choose_source(run_app(), "Simulated")
    at.selectbox(key="sim_kind").set_value("Time series (DREAM4 protocol)")
    at.number_input(key="sim_genes").set_value(30)
    next(b for b in at.button if b.label == "Generate").click()
    at.run()
    assert not at.exception, at.exception
    values = metric_values(at)
    assert values["Genes"] == "30" and values["Samples"] == str(10 * 21)


def test_saved_datasets_can_be_switched():
    ws = Workspace()
    ws.save_dataset(simulate.single_cell(n_genes=15, n_cells=40, seed=1))
    at = choose_source(run_app(), "Saved datasets")
    pick = at.selectbox(key="saved_pick")
    assert len(pick.options) == 2
    target = next(r for r in ws.list_datasets() if r.n_genes == 15)
    pick.set_value(target.id)
    next(b for b in at.button if b.label == "Make active").click()
    at.run()
    assert metric_values(at)["Genes"] == "15"


def test_preprocessing_makes_a_normalised_copy():
    at = run_app()
    at.radio(key="pp_normalize").set_value("yes")
    next(b for b in at.button if b.label == "Apply to a copy").click()
    at.run()
    assert not at.exception, at.exception
    assert "log1p" in at.subheader[0].value
    assert len(Workspace().list_datasets()) == 2


CORPUS = Path(__file__).resolve().parent / "bad_inputs"
UPLOAD_SUFFIXES = {"expression": (".csv", ".tsv", ".txt", ".gz", ".h5ad"), "network": (".csv", ".tsv", ".txt", ".gz"),
                   "tfs": (".csv", ".tsv", ".txt", ".gz"), "metadata": (".csv", ".tsv", ".txt", ".gz")}
FORMAT_CHOICES = {"auto", "beeline", "dream4", "csv", "h5ad"}


def test_every_uploadable_bad_input_shows_its_message_and_the_app_keeps_running():
    """The bad-input corpus through the upload form: each file (with its companions) gives an
    st.error containing the corpus's expected message; the demo dataset stays active."""
    entries = [e for e in json.loads((CORPUS / "manifest.json").read_text())["bad"]
               if e["role"] in UPLOAD_SUFFIXES and e["file"].endswith(UPLOAD_SUFFIXES[e["role"]])
               and set(e["kwargs"]) <= {"format"}]
    assert len(entries) >= 40
    at = choose_source(run_app(), "Upload files")
    before = metric_values(at)
    problems = []
    for entry in entries:
        files = {**entry["companions"], entry["role"]: entry["file"]}
        for role in UPLOAD_SUFFIXES:
            name = files.get(role)
            at.file_uploader(key=f"up_{role}").set_value(
                (name, (CORPUS / name).read_bytes(), "application/octet-stream") if name else None)
        fmt = entry["kwargs"].get("format", "auto")
        assert fmt in FORMAT_CHOICES
        at.selectbox(key="up_format").set_value(fmt)
        next(b for b in at.button if b.label == "Load").click()
        at.run()
        errors = [e.value for e in at.error]
        if at.exception or not errors:
            problems.append(f"{entry['file']}: no error shown (exception: {at.exception})")
        elif entry["expect"].lower() not in errors[0].lower().replace("\\", ""):
            problems.append(f"{entry['file']}: {errors[0]!r} lacks {entry['expect']!r}")
    assert not problems, "\n".join(problems)
    assert metric_values(at) == before
    assert len(Workspace().list_datasets()) == 1


def test_a_linked_server_data_folder_lists_and_loads(tmp_path, monkeypatch):
    from grncore.cli import main

    real = tmp_path / "lab-data"
    assert main(["simulate", "single-cell", "--genes", "20", "--cells", "60", "--seed", "2",
                 "--out", str(real / "sim")]) == 0
    (tmp_path / "data-link").symlink_to(real, target_is_directory=True)  # a lab mounts its data via a link
    monkeypatch.setenv("GRN_DATA_DIR", str(tmp_path / "data-link"))
    at = choose_source(run_app(), "Server folder")
    pick = next(s for s in at.selectbox if s.label.startswith("Dataset in the server data folder"))
    assert [str(p).endswith("sim") for p in pick.options] == [True]
    next(b for b in at.button if b.label == "Load").click()
    at.run()
    assert not at.exception, at.exception
    assert metric_values(at)["Genes"] == "20"
    assert str(real) not in " ".join(c.value for c in at.caption).replace("\\", "")  # relative path shown

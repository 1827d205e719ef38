"""Batch reports: atomic writes, safe HTML, the index, skip-unchanged, failures, parameter safety, CLI.

The slow tests run ``tests/fixtures/report_notebook.ipynb``, a stand-in with the parameters of
``notebooks/company_report.ipynb``, on ``tests/fixtures/report_postings.csv``: a tiny posting table
whose company names, titles and descriptions carry ``<script>``, ``<img onerror>`` and a Python
injection attempt.
"""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from click.testing import CliRunner

from kit.cli import cli
from kit.core.errors import KitError, SelectionError
from kit.core.schema import conform
from kit.report import batch as report
from kit.report import htmlexport, runner

FIXTURES = Path(__file__).resolve().parent / "fixtures"
INJECTION = 'x"; import os; os.system("touch pwned") #'
BOLT = "Bolt <script>document.title='pwned';window.pwned=1</script> Labs"


@pytest.fixture
def postings(fixtures) -> pd.DataFrame:
    return conform(pd.read_csv(fixtures / "report_postings.csv"), "postings")


@pytest.fixture
def notebook(fixtures) -> Path:
    return fixtures / "report_notebook.ipynb"


# ------------------------------------------------------------------------------------- safe outputs


@pytest.mark.parametrize(
    ("fragment", "present", "absent"),
    [
        ("<script>window.pwned=1</script><p>ok</p>", "<p>ok</p>", "<script"),
        ('<img src=x onerror="window.pwned=1">', "&lt;img", "<img"),
        ('<a href="javascript:alert(1)">x</a>', "<a>x</a>", "javascript:"),
        ("<table><tr><td>1</td></tr></table>", "<td>1</td>", "&lt;td"),
        ("<style>@import url(http://evil/x.css);</style><b>b</b>", "<b>b</b>", "evil"),
        ('<iframe src="http://evil"></iframe>', "&lt;iframe", "<iframe"),
        ("<svg onload=alert(1)>", "&lt;svg", "<svg"),
    ],
)
def test_clean_fragment(fragment, present, absent):
    out = htmlexport.clean_fragment(fragment)
    assert present in out
    assert absent not in out


def _nb_with_outputs(*outputs) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.v4.new_output("display_data", data=data) for data in outputs]
    nb.cells = [cell]
    return nb


def test_prepare_outputs_makes_plotly_div_and_escapes_json():
    fig = {"data": [{"type": "bar", "x": ["a"], "y": [1], "name": "</script><script>window.pwned=1</script>"}],
           "layout": {}}
    nb = _nb_with_outputs({htmlexport.PLOTLY_MIME: fig, "text/html": "<script src='https://cdn.plot.ly'></script>"})
    out = htmlexport.prepare_outputs(nb).cells[0].outputs
    assert list(out[0].data) == ["text/html"]
    html = out[0].data["text/html"]
    assert "Plotly.newPlot" in html
    assert "cdn.plot.ly" not in html
    assert "</script><script>window.pwned" not in html
    assert "\\u003c\\u002fscript\\u003e" in html


def test_prepare_outputs_drops_plotlyjs_activation_and_javascript():
    nb = _nb_with_outputs(
        {"text/html": "<script>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>"},
        {"application/javascript": "window.pwned=1", "text/plain": "x"},
    )
    out = htmlexport.prepare_outputs(nb).cells[0].outputs
    assert len(out) == 1
    assert "application/javascript" not in out[0].data


def test_prepare_outputs_escapes_markdown_and_html_outputs():
    nb = _nb_with_outputs(
        {"text/markdown": "**Title:** <img src=x onerror=alert(1)>", "text/plain": "m"},
        {"text/html": "<div>Lead <script>window.pwned=1</script></div>"},
    )
    before = json.dumps(nb)
    out = htmlexport.prepare_outputs(nb).cells[0].outputs
    assert "<strong>Title:</strong>" in out[0].data["text/html"]
    assert "&lt;img" in out[0].data["text/html"]
    assert "<script" not in out[1].data["text/html"]
    assert json.dumps(nb) == before  # the input notebook is not modified


def test_header_escapes_everything():
    head = htmlexport.header_html(title=BOLT, rows=[("Company", "<img src=x onerror=1>")], links=[("i", "index.html")])
    assert "<script>" not in head and "<img" not in head
    assert "&lt;script&gt;" in head
    assert '<a href="index.html">' in head


def test_standalone_html_is_offline_with_hidden_code():
    fig = {"data": [{"type": "bar", "x": ["a"], "y": [1]}], "layout": {}}
    nb = _nb_with_outputs({htmlexport.PLOTLY_MIME: fig})
    nb.cells[0].source = "SECRET_SOURCE_LINE = 1"
    page = htmlexport.standalone_html(nb, title="T", header=htmlexport.header_html(title="T", rows=[]))
    assert "SECRET_SOURCE_LINE" not in page
    assert 'src="http' not in page and "require.js" not in page.split("</head>")[1]
    assert page.count("Plotly.newPlot") == 1
    assert page.count("plotly.js v") == 1  # the library banner: plotly.js inlined exactly once


# -------------------------------------------------------------------------------------------- index


def _manifest(out: Path, slug: str, **fields) -> None:
    base = {"slug": slug, "label": slug, "status": "ok", "html": f"{slug}.html", "figures": {}, "sources": ["s.csv"],
            "data_hash": "abc", "generated": "now"}
    (out / f"{slug}{report.MANIFEST_SUFFIX}").write_text(json.dumps({**base, **fields}))


def test_index_lists_reports_failures_and_escapes(tmp_path):
    _manifest(tmp_path, "bolt-1", label=BOLT, figures={"n_pmt": 12, "n_tpm": 9, "overlap": 0.4567,
                                                       "overlap_measure": "cosine_lexicon",
                                                       "top_pmt": "<img src=x onerror=alert(1)>", "top_tpm": "risks"})
    _manifest(tmp_path, "bad-2", label="Bad Co", status="failed", html=None, notebook="bad-2.ipynb",
              error="SelectionError: no postings for '<script>x</script>'")
    page = report.write_index(tmp_path).read_text(encoding="utf-8")
    assert '<a href="bolt-1.html">' in page
    # the one <script> is the index's own sorting / market filter (issue 12.7); nothing planted in the data runs
    assert page.count("<script") == 1 and "<script>x" not in page and "<script>document" not in page
    assert "<img" not in page
    assert "&lt;script&gt;document.title" in page
    assert "0.46" in page and ">12<" in page and ">9<" in page and "risks" in page
    assert "failed" in page and "no postings for" in page and 'href="bad-2.ipynb"' in page
    assert page.index("Bad Co") < page.index("Bolt")  # failures first
    assert 'href="bad-2.html"' not in page


def test_run_result_table_and_exit_code(tmp_path):
    ok = report.ReportResult("Acme", "", "acme-1", "ok", 1.25, html=tmp_path / "acme-1.html",
                             figures={"n_pmt": 3, "n_tpm": 4})
    bad = report.ReportResult("Bad", "Seattle", "bad-1", "failed", error="ValueError: boom")
    res = report.RunResult([ok, bad], tmp_path / "index.html", tmp_path)
    table = res.table()
    assert "acme-1.html" in table and "1.2s" in table and "Bad in Seattle" in table
    assert "failed: Bad in Seattle: ValueError: boom" in table
    assert res.exit_code == 1
    assert report.RunResult([ok], tmp_path / "i", tmp_path).exit_code == 0


# ------------------------------------------------------------------------------- the shared table


def test_shared_parquet_is_read_back_as_stored_when_the_parent_loaded_it(tmp_path, fixtures, monkeypatch):
    """Files: the kernels' ``kit.load_postings`` skips the pipeline; a caller's DataFrame: it does not."""
    import kit
    import kit.load.postings

    loaded = kit.load_postings(fixtures / "report_postings.csv")
    work = tmp_path / ".work"
    work.mkdir()
    (work / "postings-old.parquet").write_bytes(b"stale")
    path = report._shared_parquet(loaded, work, "h1", loaded=True)
    assert [p.name for p in work.iterdir()] == ["postings-h1.parquet"]
    calls = []
    real = kit.load.postings.read_postings
    monkeypatch.setattr(kit.load.postings, "read_postings", lambda *a, **k: calls.append(a) or real(*a, **k))
    again = kit.load_postings(path)
    assert calls == []
    pd.testing.assert_frame_equal(again, loaded)
    assert again.attrs["kit_source_key"] == loaded.attrs["kit_source_key"]
    plain = report._shared_parquet(loaded, work, "h2", loaded=False)
    kit.load_postings(plain)
    assert calls == [(plain,)] and [p.name for p in work.iterdir()] == ["postings-h2.parquet"]


# ------------------------------------------------------------------------------------------ targets


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, {("Acme Cloud", ""), (BOLT, ""), (INJECTION, ""), ("Failing Corp", ""), ("Société Générale Tech", "")}),
        ({"min_postings": 5}, {("Acme Cloud", "")}),
        ({"companies": ["Tiny Co"]}, {("Tiny Co", "")}),
        ({"companies": ["Tiny Co"], "all_": True, "min_postings": 5}, {("Tiny Co", ""), ("Acme Cloud", "")}),
        ({"markets": ["Seattle"]}, {("", "Seattle")}),
        ({"companies": ["Acme Cloud"], "markets": ["Seattle", "SF Bay Area"]},
         {("Acme Cloud", "Seattle"), ("Acme Cloud", "SF Bay Area")}),
    ],
)
def test_targets(postings, options, expected):
    kw = {"companies": [], "markets": [], "all_": False, "min_postings": 4, "since": "", "until": "", **options}
    assert set(report._targets(postings, **kw)) == expected


def test_no_eligible_company_is_a_clear_error(postings):
    with pytest.raises(SelectionError, match="at least 99"):
        report._targets(postings, companies=[], markets=[], all_=False, min_postings=99, since="", until="")


def test_bad_inputs_are_kit_errors(tmp_path, postings, notebook):
    with pytest.raises(KitError, match="notebook not found"):
        report.run(postings=postings, notebook=tmp_path / "nope.ipynb", out=tmp_path)
    with pytest.raises(SelectionError, match="not a date"):
        report.run(postings=postings, notebook=notebook, out=tmp_path, since="last week")
    with pytest.raises(KitError, match="posting file not found"):
        report.run(postings=[tmp_path / "missing.csv"], notebook=notebook, out=tmp_path)


def test_unknown_company_fails_without_stopping_the_run(tmp_path, postings, notebook, monkeypatch):
    """A company the data does not have fails in the parent; nothing is executed, the index says why."""
    class NoPool:  # nothing may be submitted
        warm: list = []

        def __init__(self, **kw):
            self.tasks = []

        def submit(self, tasks):
            assert tasks == []

        def results(self, **kw):
            return iter(())

        def close(self):
            pass

    monkeypatch.setattr(report, "WorkerPool", NoPool)
    res = report.run(companies=["Nope Inc"], postings=postings, notebook=notebook, out=tmp_path, progress=False)
    assert [r.status for r in res.reports] == ["failed"]
    assert res.exit_code == 1
    assert "Nope Inc" in res.reports[0].error
    assert "Nope Inc" in res.index.read_text(encoding="utf-8")


def test_cli_errors_are_one_line(tmp_path):
    result = CliRunner().invoke(cli, ["report", "--notebook", str(tmp_path / "nope.ipynb"), "--out", str(tmp_path),
                                      "--postings", str(tmp_path / "missing.csv")])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "not found" in result.output


# ------------------------------------------------------------------------- real runs (notebooks)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """One real run over three companies (one planted failure), then the same run again."""
    out = tmp_path_factory.mktemp("reports")
    cwd = Path.cwd()
    os.chdir(out)  # a `touch pwned` would land here (or in the notebook folder)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KIT_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "kit-cache"))
        df = conform(pd.read_csv(FIXTURES / "report_postings.csv"), "postings")
        nb = FIXTURES / "report_notebook.ipynb"
        kw = {"companies": ["Acme Cloud", INJECTION, BOLT, "Failing Corp"], "postings": df, "notebook": nb,
              "out": out, "jobs": 2, "progress": False}
        try:
            first = report.run(**kw)
            second = report.run(**kw)
        finally:
            os.chdir(cwd)
    return out, first, second, kw


@pytest.mark.slow
def test_batch_writes_reports_and_reports_the_failure(batch):
    out, first, _, _ = batch
    status = {r.company: r.status for r in first.reports}
    assert status == {"Acme Cloud": "ok", INJECTION: "ok", BOLT: "ok", "Failing Corp": "failed"}
    assert first.exit_code == 1
    failed = first.failed[0]
    assert "planted failure" in failed.error
    assert failed.notebook is not None and failed.notebook.exists()  # the traceback is kept
    index = first.index.read_text(encoding="utf-8")
    assert "planted failure" in index and "Failing Corp" in index
    for r in first.reports:
        if r.status == "ok":
            assert r.html.exists() and r.notebook.exists()
            assert r.html.parent == out
            assert f'href="{r.html.name}"' in index
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*.tmp"))


@pytest.mark.slow
def test_parameters_are_data_not_code(batch):
    out, first, _, _ = batch
    from kit.core.paths import NOTEBOOKS_DIR, ROOT

    for folder in (out, NOTEBOOKS_DIR, ROOT, FIXTURES, Path.cwd()):
        assert not (folder / "pwned").exists(), folder
    inj = next(r for r in first.reports if r.company == INJECTION)
    nb = nbformat.read(inj.notebook, as_version=4)
    injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    tree = ast.parse(injected.source)  # only plain assignments of string constants, the name intact
    values = {}
    for node in tree.body:
        assert isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant), ast.dump(node)
        values[node.targets[0].id] = node.value.value
    assert values["company"] == INJECTION
    assert "_kit_reset" not in json.dumps([c.source for c in nb.cells])  # the runner's reset cell is removed


@pytest.mark.slow
def test_warm_kernel_forgets_the_previous_report(tmp_path, monkeypatch):
    """Two notebooks on one warm kernel: the second sees none of the first one's variables."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    params = nbformat.v4.new_code_cell('company = ""')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(
        "leaked = sorted(k for k in globals() if k in ('secret', 'pd', '_kit_reset') or k[1:].isdigit())\n"
        "assert not leaked, leaked\nimport pandas as pd\nsecret = company\npd.DataFrame({'a': [1]})")]
    nbformat.write(nb, tmp_path / "ns.ipynb")
    monkeypatch.setattr(runner, "_WORKER", {})
    runner.init_worker({"KIT_PLOTLY_RENDERER": "plotly_mimetype"}, str(tmp_path), str(tmp_path))
    outcomes, kernels = [], []
    try:
        for c in ("a", "b"):
            task = {"notebook": str(tmp_path / "ns.ipynb"), "html": str(tmp_path / f"{c}.html"),
                    "ipynb": str(tmp_path / f"{c}.ipynb"), "title": c, "header": [], "params": {"company": c}}
            outcomes.append(runner.run_notebook(task))
            kernels.append(runner._WORKER.get("km"))
    finally:
        runner.stop_kernel()
    assert [o["status"] for o in outcomes] == ["ok", "ok"], outcomes
    assert kernels[0] is not None and kernels[0] is kernels[1]  # one warm kernel served both


@pytest.mark.slow
def test_report_html_is_standalone_and_escaped(batch):
    _, first, _, _ = batch
    bolt = next(r for r in first.reports if r.company == BOLT)
    page = bolt.html.read_text(encoding="utf-8")
    head, body = page.split("</head>", 1)
    assert page.count("plotly.js v") == 1
    assert "Plotly.newPlot" in body
    assert "<script>document.title" not in page and "<img src=x" not in body
    assert "&lt;script&gt;document.title=&#x27;pwned&#x27;" in body or "&lt;script&gt;document.title='pwned'" in body
    assert 'src="http' not in page
    for label in ("Company", "Posting data", "Data hash", "Kit version", "Run time"):
        assert f"<th>{label}</th>" in body
    assert "import plotly" not in body  # code cells hidden


@pytest.mark.slow
def test_rerun_skips_unchanged_and_force_reruns(batch, tmp_path, monkeypatch):
    out, first, second, kw = batch
    assert {r.company: r.status for r in second.reports} == {
        "Acme Cloud": "skipped", INJECTION: "skipped", BOLT: "skipped", "Failing Corp": "failed"}
    skipped = next(r for r in second.reports if r.company == "Acme Cloud")
    assert skipped.figures == next(r for r in first.reports if r.company == "Acme Cloud").figures
    # --force, and an edited notebook, re-run a report
    forced = report.run(**{**kw, "companies": ["Acme Cloud"], "force": True})
    assert [r.status for r in forced.reports] == ["ok"]
    nb = nbformat.read(kw["notebook"], as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("edited"))
    edited = tmp_path / "edited.ipynb"
    nbformat.write(nb, edited)
    again = report.run(**{**kw, "companies": ["Acme Cloud"], "notebook": edited})
    assert [r.status for r in again.reports] == ["ok"]
    assert "edited" in again.reports[0].html.read_text(encoding="utf-8")
    index = again.index.read_text(encoding="utf-8")
    assert "Failing Corp" in index  # earlier reports stay listed
    # an edited rule file or kit module (same version) re-runs it too
    monkeypatch.setattr(report, "file_fingerprint", lambda paths: "edited-rules")
    rules = report.run(**{**kw, "companies": ["Acme Cloud"], "notebook": edited})
    assert [r.status for r in rules.reports] == ["ok"]


@pytest.mark.slow
def test_cli_report_runs_and_exits_nonzero_on_failure(tmp_path, fixtures, postings):
    path = tmp_path / "postings.parquet"
    postings.to_parquet(path)
    result = CliRunner().invoke(cli, ["report", "--postings", str(path), "--notebook",
                                      str(fixtures / "report_notebook.ipynb"), "--out", str(tmp_path / "out"),
                                      "--company", "Acme Cloud", "--company", "Failing Corp", "--jobs", "1"])
    assert result.exit_code == 1, result.output
    assert "Acme Cloud" in result.output and "failed" in result.output
    assert "1 written" in result.output and "1 failed" in result.output
    assert (tmp_path / "out" / "index.html").exists()


def _fake_analyses(monkeypatch, overlap_value):
    def role_overlap(sel):
        return pd.DataFrame({"company": ["(all)", "(all)", "Acme Cloud"],
                             "measure": ["jaccard_frequent_phrases", report.OVERLAP_MEASURE, report.OVERLAP_MEASURE],
                             "value": [0.1, 0.2, overlap_value]})

    def distinctive_phrases(sel):
        return pd.DataFrame({"phrase": ["product", "roadmap", "customer research", "risks", "program manager"],
                             "z": [9.0, 5.0, 3.0, -4.0, -8.0], "side": ["pmt", "pmt", "pmt", "tpm", "tpm"]})

    monkeypatch.setattr(report, "role_overlap", role_overlap)
    monkeypatch.setattr(report, "distinctive_phrases", distinctive_phrases)


def test_key_figures_pick_telling_phrases_and_the_company_overlap(postings, monkeypatch):
    _fake_analyses(monkeypatch, 0.75)
    fig = report._key_figures(postings, company="Acme Cloud", market="", since="", until="")
    assert (fig["n"], fig["n_pmt"], fig["n_tpm"]) == (6, 3, 3)
    assert fig["overlap"] == 0.75 and fig["overlap_measure"] == report.OVERLAP_MEASURE
    # issue 12.3: the most distinctive MULTI-word phrase per role; a single word only when there is no longer one
    assert (fig["top_pmt"], fig["top_tpm"]) == ("customer research", "risks")


def test_key_figures_leave_out_what_cannot_be_said(postings, monkeypatch):
    _fake_analyses(monkeypatch, float("nan"))
    one_sided = postings[postings["role"].eq("tpm").fillna(False).astype(bool)]
    fig = report._key_figures(one_sided, company="Acme Cloud", market="", since="", until="")
    assert fig["n_pmt"] == 0
    assert "overlap" not in fig and "top_pmt" not in fig and "top_tpm" not in fig
    assert any("both roles" in note for note in fig["notes"])

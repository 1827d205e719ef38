"""Every notebook in notebooks/: one typed `parameters` cell first, no stored outputs, thin.

Each runs end to end with papermill on the bundled sample, then again for another company in a market.
"""

from __future__ import annotations

import ast
import json

import nbformat
import pytest

from kit.core.paths import NOTEBOOKS_DIR, ROOT

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
IDS = [p.stem for p in NOTEBOOKS]
PLOTLY = "application/vnd.plotly.v1+json"
#: The report template's parameters, which `kit report` passes by name.
REPORT_PARAMETERS = {"company", "market", "postings", "pay", "since", "until", "stories"}
#: The "another company and a market" run: a selection that exists in the bundled sample (and, for the
#: notebooks that take them, experience stories, so the report's optional story-fit section runs too).
OTHER = {"company": "Northwind Data", "market": "London",
         "stories": str(ROOT / "tests" / "fixtures" / "stories_paragraphs.txt")}


def _read(path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _code_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code"]


def _parameters(nb) -> dict[str, ast.AnnAssign]:
    cell = _code_cells(nb)[0]
    return {node.target.id: node for node in ast.parse(cell.source).body if isinstance(node, ast.AnnAssign)}


def test_there_are_notebooks():
    names = {p.stem for p in NOTEBOOKS}
    assert {"00_start_here", "01_phrases", "02_titles", "03_overlap", "04_pay_levels", "company_report"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_first_code_cell_is_the_only_parameters_cell(path):
    nb = _read(path)
    tagged = [i for i, c in enumerate(_code_cells(nb)) if "parameters" in c.metadata.get("tags", [])]
    assert tagged == [0]
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_parameters_are_typed_commented_and_documented_by_papermill(path):
    import papermill as pm

    nb = _read(path)
    params = _parameters(nb)
    assert params, "the parameters cell assigns nothing"
    source = _code_cells(nb)[0].source.splitlines()
    for name, node in params.items():
        assert node.annotation is not None, name
        assert "#" in source[node.lineno - 1], f"{name}: no comment for papermill --help-notebook"
    inferred = pm.inspect_notebook(str(path))
    assert set(inferred) == set(params), "papermill skips a line (a comment must not contain '=')"
    assert all(p["help"] for p in inferred.values())


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_committed_without_outputs_or_execution_counts(path):
    for cell in _code_cells(_read(path)):
        assert cell.outputs == [], cell.source[:60]
        assert cell.execution_count is None, cell.source[:60]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebooks_are_thin(path):
    for cell in _code_cells(_read(path)):
        tree = ast.parse(cell.source)
        defs = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.Lambda))]
        assert not defs, f"define functions in kit/, not in a notebook: {cell.source[:60]}"
        assert "../" not in cell.source and "read_csv(" not in cell.source, "paths resolve through the kit"


def test_report_template_keeps_the_parameter_names_kit_report_passes():
    params = _parameters(_read(NOTEBOOKS_DIR / "company_report.ipynb"))
    assert REPORT_PARAMETERS <= set(params)


# -- execution ---------------------------------------------------------------------------------------------


def _execute(path, tmp_path, parameters: dict) -> nbformat.NotebookNode:
    import papermill as pm

    declared = set(_parameters(_read(path)))
    out = tmp_path / path.name
    pm.execute_notebook(str(path), str(out), parameters={k: v for k, v in parameters.items() if k in declared},
                        kernel_name="python3", cwd=str(tmp_path), progress_bar=False)
    return _read(out)


def _outputs(nb) -> list:
    return [o for c in _code_cells(nb) for o in c.outputs]


def _text(nb) -> str:
    parts = []
    for o in _outputs(nb):
        if o.output_type == "stream":
            parts.append(o.text)
        for data in o.get("data", {}).values():
            parts.append(data if isinstance(data, str) else json.dumps(data))
    return "\n".join(parts)


def _figure_calls(nb) -> int:
    return sum(c.source.count(".figure(") for c in _code_cells(nb))


def _check(nb) -> None:
    errors = [o for o in _outputs(nb) if o.output_type == "error"]
    assert not errors, "\n".join(f"{o.ename}: {o.evalue}" for o in errors)
    figures = [o for o in _outputs(nb) if PLOTLY in o.get("data", {})
               or "plotly" in str(o.get("data", {}).get("text/html", ""))]  # whichever renderer is set
    assert len(figures) >= _figure_calls(nb)  # every chart cell drew a figure (a message figure at worst)
    for fig in figures:
        if PLOTLY in fig.data:
            assert fig.data[PLOTLY]["layout"]["title"]["text"]


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_runs_on_the_bundled_sample(path, tmp_path):
    nb = _execute(path, tmp_path, {})
    _check(nb)
    text = _text(nb)
    if "view = views.view(" in "".join(c.source for c in _code_cells(nb)):
        assert "all companies and markets" in text and "PM-T" in text


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_runs_for_another_company_in_a_market(path, tmp_path):
    nb = _execute(path, tmp_path, OTHER)
    _check(nb)
    text = _text(nb)
    assert OTHER["company"] in text or "company" not in _parameters(_read(path))
    if path.stem == "company_report":
        # the story-fit section ran kit.fit: a result, or its reason (this selection has under 20 TPM postings)
        assert "No stories given" not in text
        assert "Overall:" in text or "7 TPM" in text


@pytest.mark.slow
def test_report_for_an_unknown_company_shows_a_message_not_an_error(tmp_path):
    nb = _execute(NOTEBOOKS_DIR / "company_report.ipynb", tmp_path, {"company": "No Such Company Ltd"})
    _check(nb)
    assert "No postings to show" in _text(nb)

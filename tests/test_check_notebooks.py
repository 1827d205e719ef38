"""tools/check_notebooks.py: the notebook-output check run by pre-commit and ``make lint``."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

from kit.core.paths import ROOT

TOOL = ROOT / "tools" / "check_notebooks.py"
_spec = importlib.util.spec_from_file_location("check_notebooks", TOOL)
check_notebooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_notebooks)


def _notebook(*, outputs: bool) -> dict:
    code = {"cell_type": "code", "metadata": {}, "source": "1 + 1",
            "outputs": [{"output_type": "execute_result", "data": {"text/plain": "2"}, "metadata": {},
                         "execution_count": 1}] if outputs else [],
            "execution_count": 1 if outputs else None}
    return {"cells": [{"cell_type": "markdown", "metadata": {}, "source": "# t"}, code],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def test_the_repository_notebooks_are_clean():
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks
    assert check_notebooks.main([str(p) for p in notebooks]) == 0


def test_a_notebook_with_outputs_fails_and_fix_strips_it(tmp_path, capsys):
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(_notebook(outputs=True)))
    assert check_notebooks.main([str(path)]) == 1
    assert "cell 2: 1 output(s)" in capsys.readouterr().err
    assert check_notebooks.main(["--fix", str(path)]) == 0
    fixed = json.loads(path.read_text())
    assert fixed["cells"][1]["outputs"] == [] and fixed["cells"][1]["execution_count"] is None
    assert fixed["cells"][1]["source"] == "1 + 1" and fixed["cells"][0]["source"] == "# t"
    assert check_notebooks.main([str(path)]) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["nb.ipynb"]  # no temp file left


def test_a_broken_file_is_reported_not_a_traceback(tmp_path):
    path = tmp_path / "bad.ipynb"
    path.write_text("{not json")
    proc = subprocess.run([sys.executable, str(TOOL), str(path)], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 1
    assert "not a readable notebook" in proc.stderr and "Traceback" not in proc.stderr

"""Ctrl-C during ``kit report``: stops within seconds, exit 130, one line, nothing left running, a rerun completes.

Each case runs ``kit report`` as a subprocess on the small fixture table with a notebook that sleeps while a
report runs (``KIT_TEST_SLEEP``), and interrupts it at one point: while the kit starts, while postings load,
while the workers run a report (SIGINT to the process, and to the process group as a terminal does).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest
from interrupts import interrupt, kit_command, subprocess_env

pytestmark = pytest.mark.slow

SLEEP_CELL = "import os, time\ntime.sleep(float(os.environ.get('KIT_TEST_SLEEP', '0')))"


@pytest.fixture
def setup(tmp_path, fixtures):
    nb = nbformat.read(fixtures / "report_notebook.ipynb", as_version=4)
    nb.cells.insert(2, nbformat.v4.new_code_cell(SLEEP_CELL))
    notebook = tmp_path / "slow_report.ipynb"
    nbformat.write(nb, notebook)
    postings = tmp_path / "postings.csv"
    shutil.copy(fixtures / "report_postings.csv", postings)
    out = tmp_path / "out"
    args = ["report", "--postings", str(postings), "--notebook", str(notebook), "--out", str(out), "--jobs", "2",
            "--company", "Acme Cloud", "--company", "Société Générale Tech"]
    return args, out, {"KIT_CACHE_DIR": str(tmp_path / "cache"), "KIT_TEST_SLEEP": "60"}


def _assert_clean_stop(result, out: Path) -> None:
    assert result.signalled_after is not None, f"the trigger never came: {result.stderr[-2000:]}"
    assert result.exit_seconds is not None and result.exit_seconds < 10, "did not exit within 10 s of SIGINT"
    assert result.returncode == 130, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "DeadKernelError" not in result.stderr
    errors = [ln for ln in result.stderr_lines() if ln.startswith("error:")]
    assert len(errors) == 1 and "interrupted" in errors[0], result.stderr
    assert result.leftovers == [], f"processes left behind: {result.leftovers}"
    if out.exists():  # consistent: no temp files, every manifest names files that exist
        assert not list(out.glob(".*.tmp*")), list(out.glob(".*"))
        for manifest in out.glob("*.manifest.json"):
            m = json.loads(manifest.read_text())
            for key in ("html", "notebook"):
                if m.get(key) and m["status"] == "ok":
                    assert (out / m[key]).exists(), m


def _rerun_completes(args: list[str], env: dict[str, str], out: Path) -> None:
    result = interrupt(kit_command(*args), at=10_000, env=subprocess_env(**{**env, "KIT_TEST_SLEEP": "0"}),
                       exit_timeout=1)
    assert result.returncode == 0, result.stderr[-3000:]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Acme Cloud" in index and "Société Générale Tech" in index


@pytest.mark.parametrize(("at", "group"), [
    (0.5, False),  # while python starts and imports
    ("loading postings", False),  # while the postings load (the pool is warming its kernels)
    ("report(s) to run", True),  # workers starting reports; Ctrl-C in a terminal reaches the whole group
])
def test_interrupt_before_and_during_load(setup, at, group):
    args, out, env = setup
    result = interrupt(kit_command(*args), at=at, env=subprocess_env(**env), group=group)
    if result.signalled_after is None and result.returncode is not None and isinstance(at, float):
        pytest.skip("the command finished before the interrupt")
    _assert_clean_stop(result, out)


@pytest.mark.parametrize("group", [False, True])
def test_interrupt_while_workers_run_then_rerun(setup, group):
    args, out, env = setup
    # the "reports" progress bar appears once the reports are queued; the notebooks then sleep 60 s
    result = interrupt(kit_command(*args), at="reports:", env=subprocess_env(**env), group=group)
    _assert_clean_stop(result, out)
    assert (out / "index.html").exists(), "the index is written on interrupt"
    _rerun_completes(args, env, out)

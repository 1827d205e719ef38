"""Shipped files: where they are found, and ``kit notebooks DIR`` copying the notebooks out."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kit.cli import cli
from kit.core import paths
from kit.core.bundle import bundled_notebooks, copy_notebooks
from kit.core.errors import KitError


def test_a_checkout_reads_the_repository_folders():
    # the tests run from a checkout (editable install or PYTHONPATH): no kit/_bundled, the repo's folders
    assert not paths.INSTALLED
    assert paths.BUNDLED_DIR is None
    assert paths.NOTEBOOKS_DIR == paths.ROOT / "notebooks"
    assert paths.SAMPLE_POSTINGS == paths.ROOT / "datasets" / "sample_postings.csv.gz"
    assert (paths.TEMPLATES_DIR / "kit_report" / "index.html.j2").is_file()


def test_the_notebooks_are_the_repository_notebooks():
    names = [p.name for p in bundled_notebooks()]
    assert "company_report.ipynb" in names and "00_start_here.ipynb" in names
    assert names == sorted(p.name for p in (paths.ROOT / "notebooks").glob("*.ipynb"))


def test_copy_notebooks_writes_every_notebook_byte_for_byte(tmp_path):
    written = copy_notebooks(tmp_path / "mine")
    assert [p.name for p in written] == [p.name for p in bundled_notebooks()]
    for src, dst in zip(bundled_notebooks(), written, strict=True):
        assert dst.read_bytes() == src.read_bytes()
        json.loads(dst.read_text())  # a notebook, not a temp file's half
    assert sorted(p.name for p in (tmp_path / "mine").iterdir()) == sorted(p.name for p in written)


def test_copy_notebooks_refuses_to_overwrite_and_copies_nothing(tmp_path):
    (tmp_path / "01_phrases.ipynb").write_text("my edits")
    with pytest.raises(KitError, match=r"already there \(01_phrases.ipynb\).*--force"):
        copy_notebooks(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["01_phrases.ipynb"]
    assert (tmp_path / "01_phrases.ipynb").read_text() == "my edits"


def test_copy_notebooks_force_overwrites(tmp_path):
    (tmp_path / "01_phrases.ipynb").write_text("my edits")
    copy_notebooks(tmp_path, force=True)
    assert (tmp_path / "01_phrases.ipynb").read_bytes() == (paths.NOTEBOOKS_DIR / "01_phrases.ipynb").read_bytes()


def test_copy_notebooks_into_a_file_is_a_clear_error(tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("x")
    with pytest.raises(KitError, match="is a file, not a folder"):
        copy_notebooks(target)


def test_cli_notebooks_prints_the_paths_and_refuses_a_second_time(tmp_path):
    first = CliRunner().invoke(cli, ["notebooks", str(tmp_path)])
    assert first.exit_code == 0, first.output
    assert str(tmp_path / "company_report.ipynb") in first.output.splitlines()
    second = CliRunner().invoke(cli, ["notebooks", str(tmp_path)])
    assert second.exit_code == 1
    assert "--force" in second.output
    third = CliRunner().invoke(cli, ["notebooks", str(tmp_path), "--force"])
    assert third.exit_code == 0, third.output

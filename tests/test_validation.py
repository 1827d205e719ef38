"""Tests for kit.load.validation and the ``kit validate`` command."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from kit.cli import cli
from kit.core.errors import DataError
from kit.load.validation import validate


def test_validate_postings_report(fixtures):
    (report,) = validate([fixtures / "jobspy_postings.csv"])
    assert (report.kind, report.format, report.rows_read, report.rows_loaded) == ("postings", "jobspy", 6, 5)
    assert report.duplicates_merged == 1
    assert report.unparsed == {"date_posted": 1}
    assert report.columns["date_posted"] == "posted_date"
    assert report.salaries_stated == 3 and report.salaries_from_text == 1
    text = report.render()
    for expected in ("format 'jobspy'", "rows read:    6", "1 duplicate rows merged", "date_posted: 1"):
        assert expected in text
    assert re.search(r"date_posted +-> posted_date", text)


def test_validate_pay_reports(fixtures):
    lca, levels = validate([fixtures / "lca_fy2017.csv", fixtures / "levels_salaries.csv"])
    assert (lca.kind, lca.format, lca.rows_loaded) == ("pay", "lca", 3)
    assert lca.columns["WAGE_RATE_OF_PAY"] == "base, total"
    assert (levels.format, levels.rows_read, levels.rows_loaded, levels.rows_skipped) == ("levels", 5, 4, 1)
    assert levels.unparsed == {"timestamp": 1}
    assert "values that could not be parsed" in levels.render()


def test_validate_forced_kind_and_bad_file(fixtures):
    (report,) = validate(fixtures / "generic_postings.csv", kind="postings")
    assert report.format == "generic" and report.rows_loaded == 3
    with pytest.raises(DataError, match="file is empty"):
        validate([fixtures / "bad_empty.csv"])


def test_cli_validate_ok(fixtures):
    result = CliRunner().invoke(cli, ["validate", str(fixtures / "linkedin_postings.csv")])
    assert result.exit_code == 0, result.output
    assert "format 'linkedin'" in result.output and "listed_time: 1" in result.output


@pytest.mark.parametrize("name", ["bad_empty.csv", "bad_binary.csv", "bad_missing_title.csv", "missing.csv"])
def test_cli_validate_bad_file_one_line_exit_1(fixtures, name):
    result = CliRunner().invoke(cli, ["validate", str(fixtures / name)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and name in lines[0]
    assert "Traceback" not in result.output


def test_cli_validate_format_option(fixtures):
    result = CliRunner().invoke(cli, ["validate", "--format", "lca", str(fixtures / "lca_fy2013.csv")])
    assert result.exit_code == 0 and "pay, format 'lca'" in result.output

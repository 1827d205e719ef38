"""The CLI's outer behaviour: errors are one line and a non-zero exit, never a traceback."""

from __future__ import annotations

from click.testing import CliRunner

from kit.cli import cli


def test_file_system_errors_print_one_line_and_exit_1(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = CliRunner().invoke(cli, ["generate", "--postings", "5", "--companies", "2", "--pay", "5",
                                      "--out", str(blocker / "sub")])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "a-file" in lines[0]


def test_debug_shows_the_original_exception(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = CliRunner().invoke(cli, ["--debug", "generate", "--postings", "5", "--out", str(blocker / "sub")])
    assert result.exit_code != 0 and isinstance(result.exception, OSError)


def test_unknown_company_report_fails_with_exit_1(tmp_path):
    result = CliRunner().invoke(cli, ["report", "--company", "Nope Corp", "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "Nope Corp" in result.output and "failed" in result.output
    assert (tmp_path / "out" / "index.html").exists()

"""``kit prepare``: a postings file loaded once (company partitions over processes) into a table reports re-read."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest
from click.testing import CliRunner

from kit.cli import cli
from kit.load.postings import load_postings
from kit.sample.synthetic import write_corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("prepare")
    write_corpus(folder, n_postings=1200, n_companies=12, seed=7, n_pay=10)
    return folder / "postings.csv.gz"


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_prepare_writes_the_table_load_postings_gives_and_leaves_the_input_alone(corpus, tmp_path):
    before = _digest(corpus)
    out = tmp_path / "sub" / "prepared.parquet"
    result = CliRunner().invoke(cli, ["prepare", str(corpus), "--out", str(out), "--workers", "2",
                                      "--rows-per-partition", "300"])
    assert result.exit_code == 0, result.output
    assert "postings from" in result.output and str(out) in result.output
    assert _digest(corpus) == before
    assert [p.name for p in out.parent.iterdir()] == ["prepared.parquet"]  # no temp file left beside it
    expected = load_postings(corpus)
    prepared = load_postings(out)  # read as stored: the fast path
    pd.testing.assert_frame_equal(prepared, expected, check_exact=True)
    assert prepared.attrs["kit_source_key"] == expected.attrs["kit_source_key"]
    assert f"{len(expected):,} postings" in result.output


@pytest.mark.parametrize("name", ["prepared.csv", "postings.csv.gz"])
def test_prepare_refuses_an_out_that_is_not_parquet_or_is_the_input(corpus, tmp_path, name):
    out = corpus if name == "postings.csv.gz" else tmp_path / name
    before = _digest(corpus)
    result = CliRunner().invoke(cli, ["prepare", str(corpus), "--out", str(out)])
    assert result.exit_code == 2
    assert "--out" in result.output
    assert _digest(corpus) == before
    assert not (tmp_path / "prepared.csv").exists()


def test_prepare_names_a_missing_source(tmp_path):
    result = CliRunner().invoke(cli, ["prepare", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "x.parquet")])
    assert result.exit_code == 2
    assert "nope.csv" in result.output


def test_prepare_of_an_unreadable_file_is_one_error_line_and_writes_nothing(tmp_path):
    source = tmp_path / "bad.csv"
    source.write_text("foo,bar\n1,2\n")
    out = tmp_path / "out.parquet"
    result = CliRunner().invoke(cli, ["prepare", str(source), "--out", str(out)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "'title'" in result.output
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]

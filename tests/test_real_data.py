"""The real public files in ../shared/data/real load through the right adapter (skipped when absent)."""

from __future__ import annotations

import warnings

import pytest

from kit.io.formats import detect_format
from kit.io.readers import ParseWarning, read_source
from kit.load.pay import read_pay
from kit.load.postings import read_postings

pytestmark = pytest.mark.real


@pytest.mark.parametrize(
    ("name", "fmt", "rows"),
    [
        ("jobspy_postings.csv.gz", "jobspy", 3270),
        ("linkedin_postings.csv.gz", "linkedin", 659),
    ],
)
def test_real_postings(real_file, name, fmt, rows):
    path = real_file(name)
    assert detect_format(read_source(path).columns, kind="auto") == fmt
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = read_postings(path)
    info = loaded.sources[0]
    assert (info.format, info.rows_read) == (fmt, rows)
    df = loaded.frame
    assert 0.5 * rows < len(df) <= rows  # de-duplicated, but not collapsed
    assert df.posting_id.is_unique and df.title.notna().all()
    assert df.market.notna().sum() > 0.9 * df.location.notna().sum()
    assert not df.description.str.contains("<p>|&amp;|\\*\\*", regex=True, na=False).any()
    unparsed = [w for w in caught if issubclass(w.category, ParseWarning) and w.message.column]
    assert sum(w.message.count for w in unparsed) < 0.01 * rows


@pytest.mark.parametrize(
    ("name", "fmt", "rows"),
    [
        ("lca_disclosure.csv.gz", "lca", 15196),
        ("levels_salaries.csv.gz", "levels", 33455),
    ],
)
def test_real_pay(real_file, name, fmt, rows):
    path = real_file(name)
    assert detect_format(read_source(path).columns, kind="auto") == fmt
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        loaded = read_pay(path)
    info = loaded.sources[0]
    assert (info.format, info.rows_read) == (fmt, rows)
    df = loaded.frame
    assert len(df) == rows - info.rows_dropped and len(df) > 0.99 * rows
    assert df.total.notna().all() and (df.total > 0).all()
    assert {"tpm", "pm"} <= set(df.role)
    if fmt == "lca":
        assert set(df.case_status) >= {"Certified", "Denied"}
        assert df.total.median() > 50_000  # hourly wages were annualized
    else:
        assert df.year.between(2015, 2030).all()

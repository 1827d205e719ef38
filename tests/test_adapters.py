"""Tests for kit/io/formats: each source format's columns -> canonical columns."""

from __future__ import annotations

import pandas as pd
import pytest

from kit.core.errors import DataError
from kit.io.formats import adapt_pay, adapt_postings
from kit.io.readers import ParseWarning, read_source


def _adapt_postings(fixtures, name, fmt, **kw):
    return adapt_postings(read_source(fixtures / name), fmt, label=name, **kw)


def test_jobspy_columns(fixtures):
    with pytest.warns(ParseWarning, match="'date_posted': 1 value"):
        df, used = _adapt_postings(fixtures, "jobspy_postings.csv", "jobspy")
    assert used["id"] == "posting_id" and used["date_posted"] == "posted_date" and used["interval"] == "salary_interval"
    row = df.set_index("posting_id").loc["in-3"]
    assert row.title == "Product Manager, Technical"
    assert row.remote is True or row.remote == True  # noqa: E712 - nullable boolean
    assert (row.salary_min, row.salary_max, row._salary_interval) == (70, 85, "hourly")  # not yet annualized
    assert (df.source == "jobspy").all()
    assert str(df.posted_date.dtype) == "datetime64[ns]"


def test_linkedin_columns(fixtures):
    with pytest.warns(ParseWarning, match="listed_time"):
        df, used = _adapt_postings(fixtures, "linkedin_postings.csv", "linkedin")
    assert used["job_id"] == "posting_id" and used["listed_time"] == "posted_date"
    assert used["med_salary"] == "salary_min, salary_max"
    first = df.iloc[0]
    assert first.posting_id == "3700000001" and first.company == "Harborlight Systems"
    assert first.posted_date == pd.Timestamp("2024-04-15")
    second = df.iloc[1]  # only a median hourly figure: it fills both ends
    assert (second.salary_min, second.salary_max, second._salary_interval) == (80, 80, "HOURLY")
    assert second.remote == True  # noqa: E712
    assert pd.isna(df.iloc[0].remote)


def test_generic_with_mapping_keeps_other_columns(fixtures):
    mapping = {"title": "Job Title", "description": "Text", "company": "Employer", "posted_date": "Posted On"}
    df, used = _adapt_postings(fixtures, "generic_postings.csv", "generic", mapping=mapping)
    assert used["Job Title"] == "title" and used["Text"] == "description"
    assert "Team" in df.columns and df.title.iloc[0] == "Technical Program Manager"
    assert df.posted_date.iloc[2] == pd.Timestamp("2024-05-07")


def test_generic_mapping_unknown_column_lists_found_columns(fixtures):
    with pytest.raises(DataError, match="'Job Title'.*columns found") as info:
        _adapt_postings(fixtures, "generic_postings.csv", "generic", mapping={"title": "Title!", "description": "Text"})
    assert "generic_postings.csv" in str(info.value) and "Fix mapping['title']" in str(info.value)


def test_generic_mapping_bad_key(fixtures):
    with pytest.raises(DataError, match="mapping key 'headline' is not a postings column"):
        _adapt_postings(fixtures, "generic_postings.csv", "generic", mapping={"headline": "Job Title"})


def test_missing_required_column_suggests_mapping(fixtures):
    with pytest.raises(DataError) as info:
        _adapt_postings(fixtures, "bad_missing_title.csv", "generic")
    msg = str(info.value)
    assert "bad_missing_title.csv" in msg and "'title'" in msg and "mapping=" in msg and "'company'" in msg


def test_unknown_postings_format(fixtures):
    with pytest.raises(DataError, match="unknown postings format 'indeed'"):
        _adapt_postings(fixtures, "generic_postings.csv", "indeed")


def test_levels_adapter(fixtures):
    raw = read_source(fixtures / "levels_salaries.csv")
    with pytest.warns(ParseWarning) as rec:
        df, used = adapt_pay(raw, "levels", label="levels_salaries.csv")
    assert [w.message.column for w in rec] == ["timestamp"]  # "n/a" is a missing value, not a parse failure
    assert used["totalyearlycompensation"] == "total"
    first = df.iloc[0]
    assert (first.base, first.stock, first.bonus, first.total, first.year) == (185000, 70000, 30000, 285000, 2021)
    no_breakdown = df.iloc[2]  # base 0: the export gave no breakdown
    assert pd.isna(no_breakdown.base) and pd.isna(no_breakdown.stock) and no_breakdown.total == 190000
    assert pd.isna(df.iloc[3].total) and pd.isna(df.iloc[3].base)
    assert (df.currency == "USD").all() and (df.n == 1).all()


@pytest.mark.parametrize(
    ("fixture", "expected_totals", "status"),
    [
        ("lca_fy2021.csv", [165000, 85.5 * 2080, 5000 * 26, None], "Certified"),
        ("lca_fy2017.csv", [120000, 9500 * 12, 2000 * 52], "CERTIFIED"),
        ("lca_fy2013.csv", [55 * 2080, 98000], "CERTIFIED"),
    ],
)
def test_lca_adapter_generations(fixtures, fixture, expected_totals, status):
    raw = read_source(fixtures / fixture)
    if fixture == "lca_fy2021.csv":
        with pytest.warns(ParseWarning, match="WAGE_RATE_OF_PAY_FROM.*1 value"):
            df, used = adapt_pay(raw, "lca", label=fixture)
    else:
        df, used = adapt_pay(raw, "lca", label=fixture)
    got = [None if pd.isna(v) else round(float(v), 2) for v in df.total]
    assert got == expected_totals
    assert df.base.equals(df.total)
    assert df.case_status.iloc[0] == status
    assert df.location.iloc[0].endswith((", WA", ", CA"))
    assert (df.source == "lca").all() and "company" in used.values()


def test_lca_missing_columns(fixtures):
    raw = pd.DataFrame({"CASE_NUMBER": ["x"], "CASE_STATUS": ["Certified"], "JOB_TITLE": ["TPM"]})
    with pytest.raises(DataError, match="EMPLOYER_NAME"):
        adapt_pay(raw, "lca", label="lca.csv")


def test_kit_pay_and_unknown_pay_format():
    raw = pd.DataFrame({"company": ["Acme"], "title": ["TPM"], "level": ["L5"], "total": ["200000"], "year": ["2024"]})
    df, _ = adapt_pay(raw, "kit", label="x")
    assert df.total.iloc[0] == 200000 and df.year.iloc[0] == 2024 and df.n.iloc[0] == 1
    with pytest.raises(DataError, match="unknown pay format"):
        adapt_pay(raw, "glassdoor", label="x")
    with pytest.raises(DataError, match="'company'"):
        adapt_pay(raw.drop(columns="company"), "kit", label="x")

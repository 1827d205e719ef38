"""Tests for kit.prepare.salary: annualizing stated pay and parsing ranges from text."""

from __future__ import annotations

import pandas as pd
import pytest

from kit.prepare.salary import annualize, interval_factor, parse_salary_text


@pytest.mark.parametrize(
    ("interval", "factor"),
    [("hourly", 2080), ("Hour", 2080), ("HOURLY", 2080), ("hr", 2080), ("weekly", 52), ("Week", 52),
     ("Bi-Weekly", 26), ("BIWEEKLY", 26), ("monthly", 12), ("Month", 12), ("mth", 12), ("daily", 260),
     ("yearly", 1), ("Year", 1), ("annual", 1), ("yr", 1)],
)
def test_interval_factor(interval, factor):
    assert interval_factor(pd.Series([interval])).iloc[0] == factor


def test_interval_factor_unknown_is_na():
    assert interval_factor(pd.Series(["per fortnight-ish", None])).isna().all()


def test_annualize_stated_and_guessed():
    amounts = pd.Series([50, 5000, 100000, 20, 150, 1000])
    intervals = pd.Series(["hourly", "monthly", None, "Bi-Weekly", None, None])
    out = annualize(amounts, intervals)
    assert out.tolist()[:5] == [104000, 60000, 100000, 520, 312000]
    assert pd.isna(out.iloc[5])  # 1,000 with no interval is ambiguous


@pytest.mark.parametrize(
    ("text", "lo", "hi", "cur"),
    [
        ("Pay: $150,000 - $210,000 a year", 150000, 210000, "USD"),
        ("150k-210k USD", 150000, 210000, "USD"),
        ("$75/hr", 156000, 156000, "USD"),
        ("$148k-210k annually", 148000, 210000, "USD"),
        ("The range is $150-210K", 150000, 210000, "USD"),
        ("$99,875—$129,250 CAD", 99875, 129250, "CAD"),
        ("C$120,000 - C$140,000", 120000, 140000, "CAD"),
        ("Salary range: £60k to £80k", 60000, 80000, "GBP"),
        ("€60.000 - €80.000", 60000, 80000, "EUR"),
        ("USD$3,000 - 7,000 / month", 36000, 84000, "USD"),
        ("between $34.00 to $38.00 per hour.", 70720, 79040, "USD"),
        ("US$52/hour to US$75/hour", 108160, 156000, "USD"),
        ("Same range twice: $100,000 - $120,000 and again $100,000 - $120,000", 100000, 120000, "USD"),
    ],
)
def test_parse_salary_text_found(text, lo, hi, cur):
    row = parse_salary_text(pd.Series([text])).iloc[0]
    assert (row.salary_min, row.salary_max, row.salary_currency) == (lo, hi, cur)


@pytest.mark.parametrize(
    "text",
    [
        "$137,871 - $152,000 USD / $172,339 - $190,000 CAD",  # two ranges: ambiguous
        "Tier 1: $117,000 - $145,000\nTier 2: $105,000 - $130,000",  # location tiers: ambiguous
        "$250-$2,500 loans over 3-18 months",  # not pay
        "we offer a 401k and 5 weeks off",
        "$68,000k-110,400k",  # implausible
        "3-5 years of experience",
        "$150,000",  # a single figure without an interval
        "",
    ],
)
def test_parse_salary_text_not_found(text):
    row = parse_salary_text(pd.Series([text])).iloc[0]
    assert pd.isna(row.salary_min) and pd.isna(row.salary_max)


def test_parse_salary_text_keeps_index_and_na():
    out = parse_salary_text(pd.Series([None, "$100,000 - $120,000"], index=["a", "b"]))
    assert list(out.index) == ["a", "b"]
    assert pd.isna(out.loc["a", "salary_min"]) and out.loc["b", "salary_max"] == 120000

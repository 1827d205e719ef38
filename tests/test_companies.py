"""Tests for kit.prepare.companies: company-name keys and the alias table."""

from __future__ import annotations

import pandas as pd
import pytest

from kit.core.errors import DataError
from kit.prepare.companies import (
    company_key,
    company_keys,
    company_labels,
    display_name,
    display_names,
    load_company_aliases,
)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Amazon", "amazon"),
        ("Amazon.com Services LLC", "amazon"),
        ("AMAZON WEB SERVICES, INC.", "amazon"),
        ("AWS", "amazon"),
        ("Amazon Development Center U.S., Inc.", "amazon"),
        ("Google LLC", "google"),
        ("YouTube", "youtube"),  # separately branded subsidiary: kept apart (documented policy)
        ("Facebook", "meta"),
        ("JPMorgan Chase & Co.", "jpmorgan chase"),
        ("JPMorgan Chase Bank, N.A.", "jpmorgan chase"),
        ("Acme Cloud, Inc.", "acme cloud"),
        ("ACME CLOUD", "acme cloud"),
        ("The Walt Disney Company", "walt disney"),
        ("Zürich Versicherung AG", "zurich versicherung"),
        ("Services", "services"),  # a suffix word alone is kept
        (None, ""),
        ("", ""),
    ],
)
def test_company_key(name, key):
    assert company_key(name) == key


def test_company_keys_factorizes_by_key_with_most_common_label():
    df = pd.DataFrame({"company": ["AWS", "Amazon.com Services LLC", "AWS", None, "Acme Cloud"]})
    codes, keys, labels = company_keys(df)
    assert list(keys) == ["amazon", "acme cloud"]
    assert codes.tolist() == [0, 0, 0, -1, 1]
    assert list(labels) == ["AWS", "Acme Cloud"]
    assert company_labels(df).tolist()[:3] == ["AWS", "AWS", "AWS"]
    assert company_labels(df).isna().tolist() == [False, False, False, True, False]
    assert company_keys(df)[0] is codes  # cached per table


def test_cache_follows_column_changes():
    df = pd.DataFrame({"company": ["AWS", "Acme"]})
    company_keys(df)
    df["company"] = ["Globex", "Globex"]
    assert list(company_keys(df)[1]) == ["globex"]


def test_alias_file(tmp_path):
    path = tmp_path / "aliases.csv"
    path.write_text("# comment\ncompany,alias,note\nInitech,Initrode Corp.,merger\n")
    assert load_company_aliases(path) == {"initech": "initech", "initrode": "initech"}
    path.write_text("name,other\nx,y\n")
    with pytest.raises(DataError, match="company,alias"):
        load_company_aliases(path)


def test_default_alias_file_keys_are_normalized():
    aliases = load_company_aliases()
    assert aliases["amazon web"] == "amazon"
    assert all(key == company_key(key) or aliases.get(company_key(key)) == key for key in set(aliases.values()))


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("Initech, Inc.", "Initech"),
        ("Initech Inc", "Initech"),
        ("Umbrella Analytics LLC", "Umbrella Analytics"),
        ("Acme Cloud Ltd.", "Acme Cloud"),
        ("Amazon Web Services", "Amazon Web Services"),  # a brand word, not a legal form
        ("Inc.", "Inc."),  # nothing would be left
        ("  Globex   Systems GmbH ", "Globex Systems"),
    ],
)
def test_display_name_drops_legal_forms(raw, shown):
    assert display_name(raw) == shown


def test_one_company_one_name():
    raw = pd.Series(["Initech, Inc.", "Initech", "Initech Inc", "Initech, Inc.", None, "Umbrella Analytics LLC"])
    out = display_names(raw)
    assert out.tolist()[:4] == ["Initech"] * 4
    assert out.isna().tolist() == [False, False, False, False, True, False]
    assert out.iloc[5] == "Umbrella Analytics"
    df = pd.DataFrame({"company": raw})
    assert company_labels(df).dropna().unique().tolist() == ["Initech", "Umbrella Analytics"]


def test_sample_has_one_name_per_company():
    import kit
    from kit.core.paths import SAMPLE_POSTINGS

    if not SAMPLE_POSTINGS.exists():
        pytest.skip("the bundled sample is not built")
    df = kit.load_postings()
    names = df["company"].dropna()
    assert names.nunique() == 18
    assert {company_key(n) for n in names.unique()} == set(company_keys(df)[1])
    assert not names.str.contains(r"(?:,|\bInc\b|\bLLC\b)").any()

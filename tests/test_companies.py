"""Tests for kit.prepare.companies: company-name keys and the alias table."""

from __future__ import annotations

import pandas as pd
import pytest

from kit.core.errors import DataError
from kit.prepare.companies import company_key, company_keys, company_labels, load_company_aliases


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

"""Tests for kit.analysis.selection: select() on postings and pay tables."""

from __future__ import annotations

import pandas as pd
import pytest

import kit
from kit.core.errors import DataError, SelectionError
from kit.core.schema import conform


@pytest.fixture
def postings(fixtures) -> pd.DataFrame:
    df = conform(pd.read_csv(fixtures / "role_postings.csv"), "postings")
    df.attrs["kit_source_key"] = "selection-tests"
    return df


@pytest.fixture
def pay() -> pd.DataFrame:
    return conform(
        pd.DataFrame(
            {
                "company": ["Google LLC", "Meta Platforms, Inc.", "Acme Cloud", "Acme Cloud"],
                "role": ["tpm", "pmt", "tpm", "pmt"],
                "ladder": ["senior", "staff", "senior", "mid"],
                "market": ["SF Bay Area", "New York", "Seattle", "Seattle"],
                "year": [2022, 2023, 2024, None],
            }
        ),
        "pay",
    )


def ids(df: pd.DataFrame) -> list[str]:
    return df["posting_id"].tolist()


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"company": "Amazon"}, ["p1", "p2", "p3"]),
        ({"company": "amazon web services"}, ["p1", "p2", "p3"]),
        ({"company": "ACME CLOUD, INC."}, ["p4", "p5", "p6"]),
        ({"company": "Acme"}, ["p4", "p5", "p6"]),  # a unique prefix is enough (issue 12)
        ({"company": "systems"}, ["p7", "p8"]),  # ... and so is a unique whole word
        ({"company": ["Acme Cloud", "Globex Systems"]}, ["p4", "p5", "p6", "p7", "p8"]),
        ({"market": "seattle"}, ["p1", "p2"]),
        ({"market": "Bay Area"}, ["p3", "p4"]),
        ({"market": "SF"}, ["p3", "p4"]),
        ({"market": "Mountain View"}, ["p3", "p4"]),  # a city resolves through kit/data/markets.csv
        ({"market": ["NYC", "Austin"]}, ["p5", "p6", "p7", "p8"]),
        ({"since": "2024-03-05", "until": "2024-05-12"}, ["p3", "p4", "p5", "p6"]),
        ({"since": "2024-06-01"}, ["p7"]),  # the undated p8 is dropped when dates are asked for
        ({"until": "2024-01-15"}, ["p1"]),
        ({"roles": "TPM"}, ["p2", "p4", "p6", "p7"]),
        ({"roles": ["pmt", "pm"], "seniority": "senior"}, ["p1", "p3"]),
        ({"company": "Acme Cloud", "roles": "tpm", "market": "New York"}, ["p6"]),
        ({}, ["p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8"]),
    ],
)
def test_select_postings(postings, options, expected):
    assert ids(kit.select(postings, **options)) == expected


def test_select_keeps_attrs_and_does_not_modify_input(postings):
    before = postings.copy()
    out = kit.select(postings, company="Amazon")
    assert out.attrs["kit_source_key"] == "selection-tests"
    pd.testing.assert_frame_equal(postings, before)
    assert kit.select(postings).attrs == postings.attrs


def test_empty_result_is_allowed(postings):
    out = kit.select(postings, company="Amazon", roles="other")
    assert out.empty
    assert list(out.columns) == list(postings.columns)


@pytest.mark.parametrize(
    ("options", "suggestion"),
    [
        ({"company": "Amazn"}, "Amazon.com Services LLC"),
        ({"company": "Acme Clod"}, "Acme Cloud"),
        ({"company": "Globex Sytems"}, "Globex Systems"),
        ({"market": "Seatle"}, "Seattle"),
        ({"market": "New Yrok"}, "New York"),
    ],
)
def test_unknown_names_raise_with_closest_matches(postings, options, suggestion):
    with pytest.raises(SelectionError) as err:
        kit.select(postings, **options)
    assert suggestion in err.value.suggestions
    assert repr(suggestion) in str(err.value)
    assert isinstance(err.value, kit.KitError)


def test_several_partial_matches_are_named():
    df = conform(pd.DataFrame({"company": ["Acme Cloud", "Acme Robotics", "Globex"], "title": ["x", "y", "z"]}),
                 "postings")
    with pytest.raises(SelectionError, match=r"'Acme' matches 2 companies: 'Acme Cloud', 'Acme Robotics'") as err:
        kit.select(df, company="Acme")
    assert err.value.suggestions == ["Acme Cloud", "Acme Robotics"]
    assert kit.select(df, company="Acme Rob")["company"].tolist() == ["Acme Robotics"]


def test_select_pay(pay):
    assert kit.select(pay, company="Google")["company"].tolist() == ["Google LLC"]
    assert kit.select(pay, company="facebook")["company"].tolist() == ["Meta Platforms, Inc."]
    assert kit.select(pay, since="2023-01-01")["year"].tolist() == [2023, 2024]
    assert kit.select(pay, until="2022-12-31")["year"].tolist() == [2022]
    assert kit.select(pay, seniority="senior", roles="tpm")["company"].tolist() == ["Google LLC", "Acme Cloud"]
    assert kit.select(pay, market="bay area", company="google")["year"].tolist() == [2022]


def test_missing_column_is_a_data_error():
    with pytest.raises(DataError, match="'market'"):
        kit.select(pd.DataFrame({"company": ["Acme"]}), market="Seattle")
    with pytest.raises(DataError, match="posted_date"):
        kit.select(pd.DataFrame({"company": ["Acme"]}), since="2024-01-01")

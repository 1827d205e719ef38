"""Tests for kit/levels.py: the levels table, level-code normalization, assign_ladder."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from kit.core.errors import DataError
from kit.core.schema import LADDER, LEVELS_COLUMNS, conform
from kit.prepare.levels import LEVELS_FILE, assign_ladder, load_levels, normalize_level, unmapped_levels


def _read_pay(path) -> pd.DataFrame:
    return conform(pd.read_csv(path, dtype={"level": "string"}), "pay")


# -- normalization -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("L6", "L6"),
        ("l6", "L6"),
        ("L 6", "L6"),
        (" L6 ", "L6"),
        ("IC-5", "IC5"),
        ("ic 5", "IC5"),
        ("ICT - 5", "ICT5"),
        ("ICT_3", "ICT3"),
        ("Level 63", "63"),
        ("level63", "63"),
        ("Grade 7", "7"),
        ("Gr 7", "7"),
        ("Band 9", "9"),
        ("Band D", "D"),
        ("5a", "5A"),
        ("L5B", "L5B"),
        ("Senior  MTS", "SENIOR MTS"),
        ("senior product manager", "SENIOR PRODUCT MANAGER"),
        ("L6 SDM", "L6 SDM"),
        ("63", "63"),
    ],
)
def test_normalize_level(raw, expected):
    assert normalize_level(raw) == expected


@pytest.mark.parametrize("raw", [None, "", "   ", pd.NA, float("nan")])
def test_normalize_level_missing(raw):
    assert normalize_level(raw) is pd.NA


# -- the built-in table ------------------------------------------------------------------------------


def test_load_levels_builtin_is_canonical_and_covers_twelve_employers():
    levels = load_levels(LEVELS_FILE)
    assert list(levels.columns) == list(LEVELS_COLUMNS)
    assert levels["ladder"].isin(LADDER).all()
    assert (levels["ladder_rank"] == levels["ladder"].map(LADDER.index)).all()
    companies = set(levels["company"])
    for name in ("Amazon", "Google", "Facebook", "Microsoft", "Apple", "Oracle", "Salesforce", "Uber",
                 "LinkedIn", "Intel", "Cisco", "IBM"):
        assert name in companies, name
    assert len(companies) >= 12


def test_load_levels_default_includes_builtin():
    levels = load_levels()
    assert set(load_levels(LEVELS_FILE)["company"]) <= set(levels["company"])


@pytest.mark.parametrize(
    ("company", "level", "family", "expected"),
    [
        ("Amazon", "L4", "program", "entry"),
        ("Amazon", "L5", "program", "mid"),
        ("Amazon", "L6", "product", "senior"),
        ("Amazon", "L7", "product", "principal"),
        ("Amazon", "L8", "program", "director"),
        ("Google", "L3", "product", "entry"),
        ("Google", "L6", "program", "staff"),
        ("Google", "L9", "program", "director"),
        ("Facebook", "IC3", "product", "entry"),
        ("Facebook", "IC6", "program", "staff"),
        ("Facebook", "M1", "program", "staff"),
        ("Facebook", "D1", "product", "director"),
        ("Microsoft", "59", "product", "entry"),
        ("Microsoft", "64", "product", "senior"),
        ("Microsoft", "65", "program", "staff"),
        ("Microsoft", "70", "program", "director"),
        ("Apple", "ICT2", "product", "entry"),
        ("Apple", "ICT6", "program", "principal"),
        ("Oracle", "IC1", "program", "entry"),
        ("Oracle", "M4", "program", "director"),
        ("Salesforce", "SMTS", "program", "senior"),
        ("Salesforce", "Senior Product Manager", "product", "senior"),
        ("Uber", "L5A", "program", "senior"),
        ("LinkedIn", "Senior Staff", "program", "principal"),
        ("Intel", "Grade 12", "program", "director"),
        ("Cisco", "Grade 6", "program", "entry"),
        ("IBM", "Band D", "program", "director"),
    ],
)
def test_builtin_mapping(company, level, family, expected):
    pay = conform(pd.DataFrame({"company": [company], "level": [level], "family": [family]}), "pay")
    out = assign_ladder(pay)
    assert out["ladder"].iloc[0] == expected
    assert out["ladder_rank"].iloc[0] == LADDER.index(expected)


# -- bad levels files --------------------------------------------------------------------------------


def test_load_levels_custom_file(fixtures):
    levels = load_levels(fixtures / "levels_custom.csv")
    assert levels["company"].tolist() == ["Foo Robotics"] * 3
    assert levels["ladder_rank"].tolist() == [1, 2, 3]  # the empty one is computed


@pytest.mark.parametrize(
    ("name", "fragments"),
    [
        ("levels_missing_column.csv", ["levels_missing_column.csv", "column 'level'", "missing column"]),
        ("levels_bad_ladder.csv", ["levels_bad_ladder.csv", "column 'ladder'", "row 2", "'middle'"]),
        ("levels_bad_rank.csv", ["levels_bad_rank.csv", "column 'ladder_rank'", "row 2"]),
        ("levels_conflict.csv", ["levels_conflict.csv", "different rungs", "rows 1 and 2"]),
        ("no_such_levels_file.csv", ["no_such_levels_file.csv", "not found"]),
    ],
)
def test_load_levels_bad_input(fixtures, name, fragments):
    with pytest.raises(DataError) as info:
        load_levels(fixtures / name)
    for fragment in fragments:
        assert fragment in str(info.value)


def test_load_levels_accepts_dataframe():
    df = pd.DataFrame({"company": ["Foo Robotics"], "level": ["L9"], "ladder": ["Director"]})
    levels = load_levels(df)
    assert levels["ladder"].tolist() == ["director"]
    assert levels["family"].tolist() == ["all"]


# -- assign_ladder -----------------------------------------------------------------------------------


def test_assign_ladder_level_codes(fixtures):
    pay = _read_pay(fixtures / "pay_levels_codes.csv")
    with pytest.warns(UserWarning, match=r"1 level codes \(2 rows\).*1 companies \(1 rows\)"):
        out = assign_ladder(pay)
    expected = ["senior", "senior", "mid", "senior", "senior", None, None, "senior", "senior", "senior",
                "staff", "principal", "director", None]
    assert [None if pd.isna(v) else v for v in out["ladder"]] == expected
    assert out["ladder_rank"].iloc[0] == 3
    assert out["ladder_rank"].isna().sum() == 3
    assert len(out) == len(pay)  # unmapped rows are kept, not dropped


def test_assign_ladder_reports_unmapped(fixtures):
    pay = _read_pay(fixtures / "pay_levels_codes.csv")
    with pytest.warns(UserWarning):
        out = assign_ladder(pay)
    report = unmapped_levels(out)
    assert report[["company", "level", "n", "reason"]].values.tolist() == [
        ["Amazon", "XYZ9", 2, "level not in table"],
        ["Foo Robotics", "L3", 1, "company not in table"],
    ]
    assert str(report["n"].dtype) == "Int64"


def test_unmapped_report_survives_concat_of_subsets(fixtures):
    pay = _read_pay(fixtures / "pay_levels_codes.csv")
    with pytest.warns(UserWarning):
        out = assign_ladder(pay)
    both = pd.concat([out[out["company"] == "Amazon"], out[out["company"] != "Amazon"]])
    assert len(both) == len(out)
    assert len(unmapped_levels(both)) == 2


def test_assign_ladder_custom_levels_and_no_warning(fixtures):
    pay = _read_pay(fixtures / "pay_levels_codes.csv")
    pay = pay[pay["company"] == "Foo Robotics"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = assign_ladder(pay, fixtures / "levels_custom.csv")
    assert out["ladder"].tolist() == ["entry"]
    assert "unmapped_levels" not in out.attrs
    assert unmapped_levels(out).empty


def test_assign_ladder_family_specific_row_wins():
    levels = load_levels(pd.DataFrame({
        "company": ["Foo Robotics", "Foo Robotics"], "family": ["all", "product"],
        "level": ["Lead", "Lead"], "ladder": ["staff", "senior"]}))
    pay = conform(pd.DataFrame({"company": ["Foo Robotics"] * 3, "level": ["Lead"] * 3,
                                "family": ["product", "program", None]}), "pay")
    out = assign_ladder(pay, levels)
    assert out["ladder"].tolist() == ["senior", "staff", "staff"]


def test_assign_ladder_warn_false_is_silent(fixtures):
    pay = _read_pay(fixtures / "pay_levels_codes.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = assign_ladder(pay, warn=False)
    assert len(unmapped_levels(out)) == 2


def test_assign_ladder_title_seniority_for_rows_without_level(fixtures):
    pay = _read_pay(fixtures / "pay_lca_titles.csv")
    out = assign_ladder(pay)
    got = [None if pd.isna(v) else v for v in out["ladder"]]
    assert got == ["senior", "principal", None, "director"]  # no seniority word -> NA, not invented


def test_assign_ladder_keeps_existing_ladder_unless_overwrite():
    pay = conform(pd.DataFrame({"company": ["Amazon"], "level": ["L6"], "ladder": ["staff"]}), "pay")
    assert assign_ladder(pay)["ladder"].tolist() == ["staff"]
    assert assign_ladder(pay, overwrite=True)["ladder"].tolist() == ["senior"]


def test_assign_ladder_does_not_modify_input(fixtures):
    pay = _read_pay(fixtures / "pay_lca_titles.csv")
    before = pay.copy()
    assign_ladder(pay)
    pd.testing.assert_frame_equal(pay, before)


@pytest.mark.real
def test_assign_ladder_real_levels_file(real_file):
    raw = pd.read_csv(real_file("levels_salaries.csv.gz"), usecols=["company", "level", "title"])
    pay = conform(raw, "pay")
    with pytest.warns(UserWarning, match="not in the levels table|not mapped|no ladder"):
        out = assign_ladder(pay)
    amazon = out[(out["company"] == "Amazon") & (out["level"] == "L6")]
    assert len(amazon) > 100 and (amazon["ladder"] == "senior").all()
    report = unmapped_levels(out)
    with_level = out["level"].notna() & (out["level"].str.strip() != "")
    assert report["n"].sum() == (out["ladder"].isna() & with_level).sum()

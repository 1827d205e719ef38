"""Tests for kit.load.pay.load_pay: levels, LCA (three file generations) and kit pay tables."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import kit
from kit.core.errors import DataError
from kit.core.paths import SAMPLE_PAY
from kit.core.schema import PAY_COLUMNS
from kit.io.readers import ParseWarning


def _load(*args, **kwargs) -> tuple[pd.DataFrame, list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = kit.load_pay(*args, **kwargs)
    return df, [w for w in caught if issubclass(w.category, ParseWarning)]


def test_levels_end_to_end(fixtures):
    df, caught = _load(fixtures / "levels_salaries.csv")
    assert list(df.columns[: len(PAY_COLUMNS)]) == list(PAY_COLUMNS)
    assert len(df) == 4  # the row with neither total nor base breakdown is skipped
    assert {w.message.column for w in caught} == {"timestamp", "total"}
    assert df.role.tolist() == ["tpm", "pm", "other", "pm"]
    assert df.family.iloc[0] == "program"
    assert df.market.tolist() == ["Seattle", "SF Bay Area", "London", "New York"]
    assert df.country.tolist() == ["US", "US", "GB", "US"]
    assert df.year.iloc[0] == 2021 and pd.isna(df.year.iloc[3])
    assert (df.source == "levels").all()


@pytest.mark.parametrize(
    ("fixture", "rows", "roles"),
    [
        ("lca_fy2021.csv", 3, ["tpm", "pmt", "pgm"]),
        ("lca_fy2017.csv", 3, ["tpm", "pm", "pgm"]),
        ("lca_fy2013.csv", 2, ["tpm", "pm"]),
    ],
)
def test_lca_end_to_end(fixtures, fixture, rows, roles):
    df, _ = _load(fixtures / fixture)
    assert len(df) == rows and df.role.tolist() == roles
    assert (df.total == df.base).all() and df.case_status.notna().all()
    assert df.year.notna().all()
    certified = df[df.case_status.str.lower() == "certified"]
    assert 1 <= len(certified) < len(df)


def test_lca_ladder_from_title_seniority(fixtures):
    df, _ = _load(fixtures / "lca_fy2021.csv")
    assert df.set_index("title").loc["Senior Product Manager, Technical", "ladder"] == "senior"


def test_kit_pay_round_trip(fixtures, tmp_path):
    df, _ = _load(fixtures / "levels_salaries.csv")
    df.to_csv(tmp_path / "pay.csv", index=False)
    again, _ = _load(tmp_path / "pay.csv")
    assert again.total.tolist() == df.total.tolist() and again.role.tolist() == df.role.tolist()


def test_postings_file_is_refused(fixtures):
    with pytest.raises(DataError, match="looks like job postings.*load_postings"):
        kit.load_pay(fixtures / "jobspy_postings.csv")


def test_unknown_pay_table(fixtures):
    with pytest.raises(DataError, match="unknown pay table format.*'alpha'"):
        kit.load_pay(fixtures / "bad_unknown.csv")
    with pytest.raises(DataError, match="unknown pay format 'glassdoor'"):
        kit.load_pay(fixtures / "levels_salaries.csv", format="glassdoor")


def test_no_pay_figures_raises():
    frame = pd.DataFrame({"EMPLOYER_NAME": ["A"], "JOB_TITLE": ["TPM"], "WAGE_RATE_OF_PAY_FROM": ["TBD"],
                          "WAGE_UNIT_OF_PAY": ["Year"], "CASE_STATUS": ["Certified"]})
    with pytest.raises(DataError, match="no row has a pay figure"):
        _load(frame)


def test_missing_required_lca_column(tmp_path):
    path = tmp_path / "lca.csv"
    pd.DataFrame({"CASE_NUMBER": ["1"], "CASE_STATUS": ["Certified"], "JOB_TITLE": ["TPM"],
                  "WAGE_UNIT_OF_PAY": ["Year"]}).to_csv(path, index=False)
    with pytest.raises(DataError) as info:
        kit.load_pay(path, format="lca")
    assert "lca.csv" in str(info.value) and "EMPLOYER_NAME" in str(info.value)


@pytest.mark.skipif(not SAMPLE_PAY.exists(), reason="bundled sample not generated yet")
def test_default_loads_bundled_sample():
    df, _ = _load()
    assert len(df) > 100 and df.total.notna().all() and set(df.role) & {"pmt", "tpm"}


@pytest.mark.parametrize(("fixture", "n_warnings"), [("pay_levels_codes.csv", 1), ("lca_fy2021.csv", 0)])
def test_saved_pay_is_read_as_stored_and_equals_the_full_pipeline(fixtures, tmp_path, monkeypatch, fixture,
                                                                  n_warnings):
    import kit.load.pay as pay

    df, _ = _load(fixtures / fixture)
    path = pay.save_pay(df, tmp_path / "pay.parquet")
    full, full_warned = _with_warnings(lambda: pay.read_pay(path).frame)
    monkeypatch.setattr(pay, "read_pay", lambda *a, **k: pytest.fail("the full pipeline ran"))
    fast, fast_warned = _with_warnings(lambda: kit.load_pay(path))
    pd.testing.assert_frame_equal(fast, full)
    pd.testing.assert_frame_equal(fast, df)
    assert fast.attrs == full.attrs == df.attrs
    assert len(fast_warned) == n_warnings and fast_warned == full_warned  # unmapped levels reported the same way


def _with_warnings(call) -> tuple[pd.DataFrame, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = call()
    return df, [str(w.message) for w in caught]


def test_saved_pay_with_edited_rules_runs_the_full_pipeline(fixtures, tmp_path, monkeypatch):
    import kit.load.pay as pay

    rules = tmp_path / "levels.csv"
    rules.write_text("x\n")
    monkeypatch.setattr(pay, "PIPELINE_FILES", (*pay.PIPELINE_FILES, rules))
    df, _ = _load(fixtures / "lca_fy2021.csv")
    path = pay.save_pay(df, tmp_path / "pay.parquet")
    rules.write_text("y\n")
    calls = []
    real = pay.read_pay
    monkeypatch.setattr(pay, "read_pay", lambda *a, **k: calls.append(a) or real(*a, **k))
    again, _ = _load(path)
    assert len(calls) == 1
    pd.testing.assert_frame_equal(again, df)

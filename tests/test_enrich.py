"""kit.prepare.enrich.enrich_postings: fills the derived postings columns and nothing else."""

from __future__ import annotations

import pandas as pd
import pytest

from kit.core.schema import POSTINGS_COLUMNS, POSTINGS_DERIVED, POSTINGS_RAW, conform
from kit.prepare.enrich import enrich_postings

TECH = "Deep work on APIs, microservices, distributed systems and system design; computer science degree."
PROGRAM = "Own schedules, milestones, risks and dependencies; on-time delivery of each release; status reports."
PRODUCT = "Own the product vision, strategy and roadmap; customer research; requirements; KPIs; adoption."


@pytest.fixture
def postings() -> pd.DataFrame:
    raw = pd.DataFrame(
        {
            "posting_id": ["a", "b", "c", "d", "e", "f"],
            "company": ["Acme", "Acme", "Beta", "Beta", "Beta", "Gamma"],
            "title": [
                "Sr. Technical Program Mgr, AWS",
                "Product Manager",
                "Program Manager II",
                "Technical Product Manager",
                "Programmer",
                None,
            ],
            "description": [PROGRAM, TECH + " " + PRODUCT, PROGRAM, PROGRAM, TECH, "no title"],
            "location": ["Seattle, WA"] * 6,
            "salary_min": [150000.0, None, 120000.0, None, None, None],
        },
        index=[10, 11, 12, 13, 14, 15],
    )
    return conform(raw, "postings")


def test_fills_derived_columns(postings):
    out = enrich_postings(postings)
    assert out["role"].tolist() == ["tpm", "pmt", "pgm", "pmt", "other", "other"]
    assert out["role_basis"].tolist() == ["title", "description", "title", "title", "title", "title"]
    assert out["seniority"].fillna("-").tolist() == ["senior", "-", "mid", "-", "-", "-"]
    assert out.loc[10, "variant"] == "Technical Program Manager"
    assert out.loc[10, "title_clean"] == "Technical Program Manager"
    assert out.loc[13, "title_text_mismatch"] == True  # noqa: E712  titled PM-T, reads like a TPM posting
    assert out.loc[12, "title_text_mismatch"] == False  # noqa: E712
    assert out.loc[14, "family"] == "engineering"
    assert out["role_confidence"].between(0, 1).all()


def test_dtypes_order_and_untouched_columns(postings):
    out = enrich_postings(postings)
    assert list(out.columns) == list(POSTINGS_COLUMNS)
    for col, dtype in POSTINGS_COLUMNS.items():
        assert str(out[col].dtype) == dtype, col
    for col in POSTINGS_RAW:
        pd.testing.assert_series_equal(out[col], postings[col])
    assert list(out.index) == list(postings.index)
    assert postings["role"].isna().all()  # the input is not modified


def test_extra_columns_and_missing_description():
    df = pd.DataFrame({"title": ["TPM", "Product Manager"], "mine": [1, 2]})
    out = enrich_postings(df)
    assert out["mine"].tolist() == [1, 2]
    assert out["role"].tolist() == ["tpm", "pm"]
    assert set(POSTINGS_DERIVED) <= set(out.columns)
    assert out["title_text_mismatch"].isna().iloc[1]


def test_empty_frame():
    out = enrich_postings(conform(pd.DataFrame(), "postings"))
    assert len(out) == 0
    assert str(out["role"].dtype) == "string"

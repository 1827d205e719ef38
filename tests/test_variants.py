"""kit.analysis.variants.title_variants: role x variant x raw title counts with shares per company."""

from __future__ import annotations

import pandas as pd
import pytest

import kit
from kit.analysis.variants import VARIANT_COLUMNS, title_variants
from kit.core.errors import DataError


@pytest.fixture
def postings() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "company": ["Acme"] * 5 + ["Beta"] * 3,
            "title": [
                "Technical Program Manager",
                "Technical Program Manager",
                "Sr. TPM",
                "Engineering Program Manager",
                "Product Manager",
                "Product Manager, Technical",
                "Technical Product Manager",
                "Technical Product Manager",
            ],
        }
    )


def test_counts_and_shares(postings):
    out = title_variants(postings)
    assert list(out.columns) == VARIANT_COLUMNS
    acme_tpm = out[(out["company"] == "Acme") & (out["role"] == "tpm")]
    assert acme_tpm["n"].sum() == 4
    assert acme_tpm["share"].sum() == pytest.approx(1.0)
    top = acme_tpm.iloc[0]
    assert (top["variant"], top["title"], top["n"], top["share"]) == (
        "Technical Program Manager",
        "Technical Program Manager",
        2,
        pytest.approx(0.5),
    )
    sr = acme_tpm[acme_tpm["title"] == "Sr. TPM"].iloc[0]
    assert sr["variant"] == "Technical Program Manager" and sr["share"] == pytest.approx(0.25)
    beta = out[out["company"] == "Beta"]
    assert beta["role"].unique().tolist() == ["pmt"]
    assert beta.set_index("title")["share"].to_dict() == {
        "Technical Product Manager": pytest.approx(2 / 3),
        "Product Manager, Technical": pytest.approx(1 / 3),
    }
    # companies sorted, roles in ROLES order within a company
    assert out["company"].tolist() == sorted(out["company"].tolist())
    assert out[out["company"] == "Acme"]["role"].drop_duplicates().tolist() == ["tpm", "pm"]


def test_uses_given_role_and_variant_columns(postings):
    given = postings.assign(role="tpm", variant="Program Manager, Technical")
    out = title_variants(given)
    assert set(out["role"]) == {"tpm"}
    assert set(out["variant"]) == {"Program Manager, Technical"}
    assert out.groupby("company")["share"].sum().round(9).tolist() == [1.0, 1.0]


def test_without_company_and_role_filter(postings):
    out = title_variants(postings[["title"]], roles=("pmt",))
    assert set(out["company"]) == {"(all)"}
    assert out["n"].sum() == 3
    pooled = title_variants(postings, by_company=False)
    assert set(pooled["company"]) == {"(all)"} and pooled["n"].sum() == len(postings)


def test_missing_company_and_na_variant():
    df = pd.DataFrame({"company": [None, "Acme"], "title": ["Programmer", "Programmer"]})
    out = title_variants(df)
    assert set(out["company"]) == {"(unknown)", "Acme"}
    assert out["variant"].isna().all()
    assert out["share"].tolist() == [1.0, 1.0]


def test_errors_and_public_name(postings):
    with pytest.raises(DataError, match="title"):
        title_variants(pd.DataFrame({"company": ["x"]}))
    with pytest.raises(DataError, match="unknown role"):
        title_variants(postings, roles=("cto",))
    assert kit.title_variants is title_variants

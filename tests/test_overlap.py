"""Tests for kit.analysis.overlap.role_overlap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kit
from kit.analysis.overlap import COLUMNS, MEASURES, MIN_N
from kit.core.schema import conform

PMT = "Own the product roadmap and vision, research customer needs and grow revenue with written communication."
TPM = "Manage schedules, risks and dependencies; deliver on time with stakeholders across engineering teams."


def _frame(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["company", "role", "description"])
    df.insert(0, "posting_id", [f"id{i}" for i in range(len(df))])
    return df


def test_columns_measures_and_scopes(fixtures):
    df = conform(pd.read_csv(fixtures / "role_postings.csv"), "postings")
    df.attrs["kit_source_key"] = "overlap-tests"
    out = kit.role_overlap(df)
    assert list(out.columns) == COLUMNS
    assert out["company"].unique().tolist() == ["(all)", "Acme Cloud", "Amazon.com Services", "Globex Systems"]
    assert out.groupby("company", sort=False).size().eq(len(MEASURES)).all()
    allrow = out[out["company"] == "(all)"].iloc[0]
    assert (allrow["n_a"], allrow["n_b"]) == (3, 4)
    assert out["small_sample"].all()  # every group is below MIN_N
    globex = out[out["company"] == "Globex Systems"].set_index("measure")
    assert (globex.loc["cosine_lexicon", "n_a"], globex.loc["cosine_lexicon", "n_b"]) == (0, 1)
    assert globex["value"].isna().all()  # no PM-T posting at Globex (its PM is role "pm")
    values = out["value"].dropna()
    assert ((values >= -1e-12) & (values <= 1 + 1e-12)).all()
    assert out["description"].str.len().gt(20).all()


def test_identical_roles_overlap_fully():
    df = _frame([("Acme", role, PMT + " " + TPM) for role in ["pmt", "tpm"] * 3])
    out = kit.role_overlap(df).query("company == '(all)'").set_index("measure")["value"]
    assert out["jaccard_frequent_phrases"] == pytest.approx(1)
    assert out["cosine_lexicon"] == pytest.approx(1)
    assert out["cosine_ngrams"] == pytest.approx(1)
    assert out["shared_theme_gap"] == pytest.approx(0)


def test_disjoint_roles_do_not_overlap():
    df = _frame([("Acme", "pmt", PMT)] * 3 + [("Acme", "tpm", TPM)] * 3)
    out = kit.role_overlap(df).query("company == '(all)'").set_index("measure")["value"]
    assert out["jaccard_frequent_phrases"] == pytest.approx(0)
    assert out["cosine_lexicon"] == pytest.approx(0)
    assert out["cosine_ngrams"] == pytest.approx(0)
    assert out["share_nearer_other"] == pytest.approx(0)
    assert out["shared_theme_gap"] > 0  # written communication only in the PM-T text


def test_nearer_other_counts_postings_that_read_like_the_other_role():
    rows = [("Acme", "pmt", PMT)] * 4 + [("Acme", "tpm", TPM)] * 4 + [("Acme", "pmt", TPM)]
    out = kit.role_overlap(_frame(rows)).query("company == '(all)'").set_index("measure")["value"]
    assert out["share_nearer_other"] == pytest.approx(1 / 9)


def test_companies_grouped_by_alias_and_small_sample_flag():
    rows = [("AWS", "pmt", PMT)] * MIN_N + [("Amazon.com Services LLC", "tpm", TPM)] * MIN_N
    rows += [("Acme", "tpm", TPM)]
    out = kit.role_overlap(_frame(rows))
    companies = out.drop_duplicates("company").set_index("company")
    assert companies.index.tolist() == ["(all)", "AWS", "Acme"]
    assert (companies.loc["AWS", "n_a"], companies.loc["AWS", "n_b"]) == (MIN_N, MIN_N)
    assert not companies.loc["AWS", "small_sample"]
    assert companies.loc["Acme", "small_sample"]


def test_theme_shares_in_attrs():
    df = _frame([("Acme", "pmt", PMT), ("Acme", "pmt", "nothing relevant"), ("Acme", "tpm", TPM)])
    themes = kit.role_overlap(df).attrs["themes"]
    assert list(themes.columns)[:6] == ["theme", "side", "share_a", "share_b", "n_a", "n_b"]
    t = themes.set_index("theme")
    assert t.loc["roadmap", "share_a"] == 0.5 and t.loc["roadmap", "share_b"] == 0
    assert t.loc["dependencies", "share_b"] == 1.0
    assert t.loc["written_communication", "side"] == "shared"
    assert (t["n_a"] == 2).all() and (t["n_b"] == 1).all()


def test_swapped_roles_give_symmetric_measures():
    df = _frame([("Acme", "pmt", PMT)] * 3 + [("Acme", "tpm", TPM + " roadmap")] * 2)
    ab = kit.role_overlap(df, "pmt", "tpm").set_index(["company", "measure"])["value"]
    ba = kit.role_overlap(df, "tpm", "pmt").set_index(["company", "measure"])["value"]
    np.testing.assert_allclose(ab.to_numpy(), ba.to_numpy())

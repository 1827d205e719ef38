"""Tests for kit.prepare.dedupe: reposts and multi-location copies become one row."""

from __future__ import annotations

import pandas as pd

from kit.prepare.dedupe import dedupe_postings, duplicate_key


def _frame(rows):
    return pd.DataFrame(rows, columns=["posting_id", "company", "title", "description", "location", "posted_date"])


def test_reposts_and_locations_merge():
    df = _frame([
        ["1", "Acme", "Technical Program Manager", "Lead programs. Req 1234.", "Seattle, WA", "2024-02-01"],
        ["2", "ACME", "technical program manager", "Lead programs!  Req 9876.", "Austin, TX", "2024-01-15"],
        ["3", "Acme", "Technical Program Manager", "Lead programs. Req 1234.", "Seattle, WA", "2024-03-01"],
        ["4", "Acme", "Product Manager", "Lead programs. Req 1234.", "Seattle, WA", "2024-02-01"],
        ["5", "Other Co", "Technical Program Manager", "Lead programs. Req 1234.", "Seattle, WA", "2024-02-01"],
    ])
    out = dedupe_postings(df)
    assert len(out) == 3
    tpm = out[out.posting_id == "2"].iloc[0]  # the earliest posting is kept
    assert tpm.duplicates == 3
    assert tpm.locations == "Seattle, WA; Austin, TX"  # in the order the rows came
    assert out.set_index("posting_id").loc["4", "duplicates"] == 1
    assert out.set_index("posting_id").loc["5", "locations"] == "Seattle, WA"


def test_empty_descriptions_never_merge():
    df = _frame([["1", "Acme", "TPM", None, "A", None], ["2", "Acme", "TPM", "", "B", None]])
    assert len(dedupe_postings(df)) == 2
    assert duplicate_key(df).nunique() == 2


def test_existing_duplicate_counts_add_up():
    df = _frame([["1", "Acme", "TPM", "Same text", "A", "2024-01-01"],
                 ["2", "Acme", "TPM", "Same text", "B", "2024-01-02"]])
    df["duplicates"] = pd.array([3, pd.NA], dtype="Int64")
    out = dedupe_postings(df)
    assert len(out) == 1 and out.duplicates.iloc[0] == 4


def test_different_text_stays_separate():
    df = _frame([["1", "Acme", "TPM", "Own the release train.", "A", None],
                 ["2", "Acme", "TPM", "Own the product roadmap.", "A", None]])
    out = dedupe_postings(df)
    assert len(out) == 2 and (out.duplicates == 1).all()


def test_merged_locations_keep_first_seen_order():
    df = pd.DataFrame(
        {
            "company": ["Acme"] * 3 + ["Other"],
            "title": ["Product Manager"] * 4,
            "description": ["Same text."] * 4,
            "location": ["Oslo", "Lima", "Oslo", "Rome"],
        }
    )
    out = dedupe_postings(df)
    assert out["locations"].tolist() == ["Oslo; Lima", "Rome"]
    assert out["duplicates"].tolist() == [3, 1]

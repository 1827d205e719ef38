"""``signal_matches(..., sections=, kinds=)`` counts the lines of the chosen sections without cutting the texts.

It must find exactly what scanning :func:`kit.prepare.sections.section_text` finds (how ``roles_from_text`` read
the role's own text before), on the kit's own spans and on spans it did not write (then it cuts the texts).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kit
from kit.prepare.roles import signal_matches
from kit.prepare.sections import ROLE_KINDS, section_text, spans_series


@pytest.fixture(scope="module")
def sample():
    return kit.load_postings().head(400)


def _both(frame: pd.DataFrame, kinds) -> tuple[pd.DataFrame, pd.DataFrame]:
    fast = signal_matches(frame["description"], sections=frame["sections"], kinds=tuple(kinds))
    slow = signal_matches(section_text(frame, list(kinds)))
    return fast, slow


@pytest.mark.parametrize("kinds", [ROLE_KINDS, ("about",), ("requirements",), ("benefits", "legal"), ("body",)])
def test_same_matches_as_cutting_the_sections(sample, kinds):
    fast, slow = _both(sample, kinds)
    assert len(fast) > 0 or kinds in (("body",), ("benefits", "legal"))
    pd.testing.assert_frame_equal(fast, slow)


def test_spans_the_kit_did_not_write_fall_back_to_cutting():
    text = ("About us\nAcme builds APIs and SDKs.\nWhat you'll do\n- Own the API roadmap and system design\n"
            "Benefits\n- Great SDK stipend")
    frame = pd.DataFrame({"description": [text] * 6, "company": ["Acme"] * 6}).astype("string")
    good = spans_series(frame["description"])[0]
    frame["sections"] = pd.Series([
        good,
        "responsibilities:0-20;about:20-40",             # cuts lines in the middle, does not reach the end
        "about:0-9;responsibilities:12-200",              # a gap
        None,                                             # no spans: one body
        "",
        "garbage",
    ], dtype="string")
    for kinds in (ROLE_KINDS, ("about",), ("responsibilities",)):
        fast, slow = _both(frame, kinds)
        pd.testing.assert_frame_equal(fast, slow)


def test_lower_case_that_changes_length():
    text = "İstanbul office\nWhat you'll do\n- Own the API roadmap, system design and SDKs"
    frame = pd.DataFrame({"description": [text, text.replace("İ", "I")]}, dtype="string")
    frame["sections"] = spans_series(frame["description"])
    fast, slow = _both(frame, ROLE_KINDS)
    pd.testing.assert_frame_equal(fast, slow)
    assert set(fast["row"]) == {0, 1}


def test_chunks_of_picked_rows_count_what_one_pass_counts(sample, monkeypatch):
    # roles_from_text scans the rows it needs a chunk at a time (taken from the whole column): tiny chunks, the same
    from kit.prepare import roles
    from kit.prepare.titles import classify_titles

    classified = classify_titles(sample["title"].reset_index(drop=True))
    desc = sample["description"].reset_index(drop=True)
    spans = sample["sections"].reset_index(drop=True)
    whole = roles.roles_from_text(classified, desc, sections=spans)
    signals = roles.load_signals()
    rows = [i for i in range(len(desc)) if i % 3 != 1 and pd.notna(desc[i])]
    texts, picked = roles._arrow_strings(desc.astype("string")), roles._arrow_strings(spans.astype("string"))
    one = roles._arrow_counts(texts.take(rows), picked.take(rows), ROLE_KINDS, signals)
    for size in (1, 13):
        monkeypatch.setattr(roles, "_SCAN_ROWS", size)
        got = roles._arrow_counts(texts, picked, ROLE_KINDS, signals, rows=np.array(rows))
        assert (got != one).nnz == 0 and got.shape == one.shape
        pd.testing.assert_frame_equal(roles.roles_from_text(classified, desc, sections=spans), whole)
    assert one.nnz > 50  # the sample has phrases to count
    assert (whole["role_basis"] == "description").any()

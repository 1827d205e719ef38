"""The column engine (kit/prepare/text_fast.py) gives exactly ``clean_text`` of each value.

``clean_series`` cleans distinct lines once and runs the HTML step in RE2; these tests compare it value by value
with the one-text cleaner on generated markup: the tokens are the ones each step and guard looks for, so texts mix
whole-text guards (entities, horizontal rules) with lines that depend on them.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kit.prepare import text_fast
from kit.prepare.text import clean_series, clean_text

#: what the steps and their guards look for (and a few words and characters around them)
TOKENS = [
    "word", "Own the API", "x", " ", "  ", "\n", "\n\n\n", "\r", "\r\n", "\t", "\x0b", "\x1c", "-", "--", "- -",
    "-  -  -", "*", "**", "* *", "***", "_", "__", "+", "+ ", "#", "## ", "### Head", "&", ";", "&amp;", "&amp",
    "&#13;", "&#10;", "&#x2028;", "&NewLine;", "&lt;b&gt;", "\\", "\\*", "\\_", "[", "]", "](", "[a](b)",
    "![x](y.png)", "(", ")", "<", ">", "<p>", "</p>", "<li>", "</li >", "<LI class=x>", "<br/>", "<b>", "</b>",
    "<h2>", "<div\n>", "<a href='#x'>", "<!--", "-->", "<script>", "</script>", "<style>", "</STYLE>", "<lı>",
    "<lié>", "<ſcript>", "<pK>", "\u00a0", "\u2028", "\u200b", "\u3000", "•", "• ", "·", "é", "–", "£", "\x85",
]

texts = st.lists(st.sampled_from(TOKENS), max_size=40).map("".join)


def _check(values: list[str | None]) -> None:
    got = clean_series(pd.Series(values, dtype="string")).tolist()
    want = [None if v is None else clean_text(v) for v in values]
    assert [None if pd.isna(g) else g for g in got] == want


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(texts, min_size=1, max_size=12))
def test_column_equals_value_by_value(values):
    _check(values)


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(texts, min_size=1, max_size=12))
def test_small_chunks_and_shared_lines(monkeypatch, values):
    # the same lines in several chunks (the per-column cache of cleaned lines), HTML and plain chunks apart
    monkeypatch.setattr(text_fast, "CHUNK_ROWS", 3)
    _check(values + [None] + values[::-1])


@pytest.mark.parametrize("value", [
    "a\n-  -  -\nb --",          # a line of spaced dashes is a rule only because another line has "--"
    "a\n-  -  -\nb",             # ... and stays text without it
    "&amp\nx;",                  # entities decoded because the text (not the line) has ";"
    "&amp\nx",
    "&#13;\nx;",                 # an entity that makes a "\r": cleaned whole
    "<b>&</b>#13;",              # ... also when a tag kept "&" and "#" apart
    "<p>x</p>\r\n<p>y</p>",
    "<lı>x</lı>",                # dotless i: Python's case-insensitive "li", not RE2's
    "<!-- a --><li>b",
    "", " ", "\n\n", "\u2028",
])
def test_edge_cases(value):
    _check([value, "plain", value])


def test_nulls_and_empty_column():
    _check([None, None])
    assert clean_series(pd.Series([], dtype="string")).tolist() == []
    out = text_fast.clean_values(pa.array([None, "<b>x</b>"], type=pa.string()))
    assert out.to_pylist() == [None, "x"]


def test_arrow_trims_what_str_strip_strips():
    assert text_fast._PY_SPACE == "".join(chr(c) for c in range(0x110000) if chr(c).isspace())

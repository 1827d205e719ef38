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


# --- the tag pieces, line joins and Arrow layouts of the column engine -----------------------------------------------
#: tags that only Python's Unicode-aware re takes as tags (case folding, \b, \s), blocked and unclosed "<", NUL,
#: hidden parts behind a "<s" guard, and lines that end in characters str.strip removes
HOSTILE = [
    "<a <b>", "<a </li> b>", "a < b <p>c", "<<p>p>", "<</li>li>x", "<p\x00>", "<a\x00</li>>", "<li", "x <li",
    "<lı>", "<LI\u0130>", "<blocKquote>", "<ſcript>x</script>", "<strong><ſtyle>a</style>", "<sCrIpT>x", "<!---->",
    "<!-- <p> -->", "<style>a", "<é>", "<li\u00e9>", "<br\u00a0/>", "</li\u2003>", "</li\x1c>", "<p>\u2028</p>",
    "\x1c", "\x1d", "\x1f", "\x85", "\u1680", "\u2029", "\u205f", "&NewLine;", "&Tab;", "&nbsp;", "&#x85;", "&#133;",
    "&#x2029;", " \n", "\n ", "   ", "\n\n", "é", "\u00ad", "\ufeff", "x\x00y",
]
hostile_texts = st.lists(st.sampled_from(TOKENS + HOSTILE), max_size=30).map("".join)
#: any characters at all, the odd ones often
odd_texts = st.text(alphabet=st.sampled_from(list(text_fast._PY_SPACE + "<>/!&#;-*_\\[]()+•\x00éı\u0130ſ\u212aliSsp"))
                    | st.characters(), max_size=60)


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(hostile_texts | odd_texts, min_size=1, max_size=12))
def test_hostile_text_equals_value_by_value(values):
    _check(values)


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(hostile_texts | texts, min_size=1, max_size=16), st.integers(1, 5), st.integers(1, 7))
def test_batches_blocks_and_input_chunks(monkeypatch, values, rows, per_chunk):
    # several batches and blocks (one dictionary per batch, one output chunk per block) over an input of many
    # chunks, some of them sliced, string and large_string alike
    monkeypatch.setattr(text_fast, "CHUNK_ROWS", rows)
    monkeypatch.setattr(text_fast, "BATCH_ROWS", rows * 2)
    values = values + [None] + values
    want = [None if v is None else clean_text(v) for v in values]
    for typ in (pa.string(), pa.large_string()):
        whole = pa.array(["pad"] + values + ["pad"], type=typ).slice(1, len(values))
        chunks = pa.chunked_array([whole.slice(at, per_chunk) for at in range(0, len(values), per_chunk)], type=typ)
        out = text_fast.clean_values(chunks)
        assert out.to_pylist() == want
        assert all(len(c) <= rows for c in out.chunks)


@pytest.mark.parametrize("value", [
    "<a <b>x",                   # a blocked "<": the text is cleaned whole
    "<a </li> b>",               # ... where removing one tag makes another
    "<strong>x</strong><ſcript>y</script>z",   # "<s" opens the guard, Python's case folding opens a script
    "<ſcript>y</script>z",       # no guard: the script stays text
    "<p>a\u2028b</p>",           # a line separator becomes a line break inside a cleaned line
    "a\n\x85\nb\n\n\n\x1c",      # lines that are nothing but characters strip() removes
    "&NewLine;x;\n\n\n\ny",      # a named entity that decodes to a line break
    "x\n\n\n",                   # a text's last line written without its line break
    "<p>x</p>\n\n<p>\n</p>",
    "<li>x", "<p>", "<>", "< p>", "<p", "<p>\x00<p>",
])
def test_hostile_edge_cases(value):
    _check([value, "plain", "<p>plain</p>", value])


def test_column_of_only_html_only_nulls_and_only_empty():
    _check(["<p>a</p>", "<li>b", "<br>"])
    _check(["", "", ""])
    _check([None, "", None])
    _check(["<p>a</p>", None, ""])

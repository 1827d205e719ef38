"""Tests for kit.prepare.text: HTML, entities, markdown and whitespace cleaning."""

from __future__ import annotations

import pandas as pd
import pytest

from kit.prepare.text import clean_series, clean_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<p>Lead <b>programs</b> &amp; launches</p>", "Lead programs & launches"),
        ("<ul><li>one</li><li>two</li></ul>", "- one\n- two"),
        ("line<br>break<br/>again", "line\nbreak\nagain"),
        ("<script>var x = 1;</script>Visible", "Visible"),
        ("Caf&eacute; &#8211; &#x41;PI &lt;b&gt;", "Café – API <b>"),
        ("**Bold** and *em* and _under_", "Bold and em and under"),
        ("### Header\nbody", "Header\nbody"),
        ("# Title", "Title"),
        ("[our site](https://x.example/jobs) and ![logo](a.png)", "our site and logo"),
        ("  * item one \n  * item two", "- item one\n- item two"),
        ("• bullet", "- bullet"),
        ("escaped \\- dash \\* star", "escaped - dash * star"),
        ("a\r\nb\rc", "a\nb\nc"),
        ("a\u00a0\u00a0b\u200bc", "a bc"),
        ("a  \t b", "a b"),
        ("one\n\n\n\n two", "one\n\ntwo"),
        ("---\ntext\n***", "text"),
        ("snake_case_name and 2*3*4", "snake_case_name and 2*3*4"),
        ("   ", ""),
        ("plain text stays", "plain text stays"),
    ],
)
def test_clean_text(raw, expected):
    assert clean_text(raw) == expected


def test_clean_text_none():
    assert clean_text(None) is None


def test_clean_series_keeps_na_and_index():
    s = pd.Series(["<b>x</b>", None, "y"], index=[10, 20, 30])
    out = clean_series(s)
    assert list(out.index) == [10, 20, 30]
    assert out.iloc[0] == "x" and pd.isna(out.iloc[1]) and out.iloc[2] == "y"
    assert str(out.dtype) == "string"


def test_clean_is_idempotent():
    raw = "<p>**Own** the roadmap &amp; KPIs</p>\n\n\n  * ship"
    once = clean_text(raw)
    assert clean_text(once) == once

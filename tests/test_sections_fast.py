"""kit.prepare.sections_fast: the column engine's Arrow / RE2 readings equal the plain Python ones line for line.

Generated hostile lines (Unicode whitespace, letters and digits, curly quotes, numbering, emoji, colons near the
cut-offs, very long whitespace runs) are read both ways: heading kinds, wording, spans and boilerplate.
"""

from __future__ import annotations

import random

import pandas as pd
import pyarrow as pa
import pytest

from kit.core import memory
from kit.prepare import sections_fast
from kit.prepare.sections import (
    _INLINE,
    _heading_kind,
    _norm_heading,
    company_boilerplate,
    load_section_rules,
    parse_spans,
    section_spans,
    spans_series,
)
from kit.prepare.text_fast import _PY_SPACE

HEADS = ["about us", "About the role", "WHAT YOU'LL DO", "what you\u2019ll do", "What you`ll bring", "Benefits",
         "requirements", "Responsibilities", "the role", "equity", "you", "Nice to have", "Minimum qualifications",
         "Our mission", "Why Acme?", "About Ünïcode GmbH", "Über uns", "Description du poste", "responsabilités",
         "votre rôle et vos missions", "Pay range", "Compensation", "Qualifications/Requirements", "EEO",
         "as a senior product manager on the x team, you will", "Skills & experience", "Location"]
LEADS = ["", "", "", "- ", "• ", "🚀 ", "1. ", "12) ", "ii) ", "iv. ", "**", "__", "# ", "$", "(", "\u00a0", "\u3000",
         "\x1c", "\t", "\u2003\u2003", "١. ", "٣) ", "_*", "...", "--", "*-* "]
TAILS = ["", "", ":", " :", "::", "**", "__", "_*:", " \u00a0", "\t", "\u2028", ":  ", "?"]
AFTER = ["", "we build rockets", "five years of product management in retail or banking",
         "\u00a0\u00a0 a long enough sentence after the colon, surely", " " * 90 + "far text after a long gap here",
         "x" * 21, "x" * 20, "\u3000\u3000short", "$120,000 - $150,000 base + bonus"]
WORDS = ["Acme", "İstanbul", "straße", "ΟΔΟΣ", "naïve", "cafe\u0301", "١٢٣", "under_score", "x" * 70, "  ", "\u2009",
         "e-verify", "401(k)", "paid time off", "we are a leading", "founded in 2009", "equal opportunity employer",
         "reasonable accommodation", "not sponsor", "\u00a0401k\u00a0", "PTO", "series b round", "raised $5"]


def _hostile_lines(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        head = rng.choice(HEADS)
        if rng.random() < 0.3:
            head = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4))) + (" " + head if rng.random() < .5
                                                                                   else "")
        if rng.random() < 0.2:
            head = head.replace(" ", rng.choice(["  ", "\u00a0", "\t", " \u2003", "\x0b", "\x1f"]))
        line = rng.choice(LEADS) + head + rng.choice(TAILS)
        if rng.random() < 0.35:
            line = line.rstrip(":") + rng.choice([":", " : ", ":\u00a0"]) + rng.choice(AFTER)
        if rng.random() < 0.1:
            line = rng.choice(WORDS) * rng.randint(1, 12) + line
        if rng.random() < 0.1:
            line = line.upper() if rng.random() < 0.5 else line.lower()
        out.append(rng.choice(["", " ", "\u00a0", "\t"]) + line + rng.choice(["", " ", "\u3000"]))
    return out


def _python_kind(line: str, rules) -> str | None:
    """sections._line_info's heading kind, spelled out."""
    kind = _heading_kind(line, rules)
    if kind is None and ":" in line[:62]:
        m = _INLINE.match(line.strip())
        if m and (k := _heading_kind(m.group(1), rules)) is not None and len(m.group(2)) > 20:
            kind = k
    return kind


def _facts(lines: list[str]):
    rules = load_section_rules()
    kinds = [k for k, _ in rules.headings] + [k for k in sections_fast._EXTRA
                                             if k not in {k for k, _ in rules.headings}]
    return rules, kinds, sections_fast._Lines(pa.array(lines, type=pa.large_string()), rules, kinds)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_heading_kinds_equal_pythons_on_hostile_lines(seed):
    lines = _hostile_lines(seed, 4000)
    rules, kinds, facts = _facts(lines)
    got = [kinds[k] if k >= 0 else None for k in facts.head.tolist()]
    want = [_python_kind(line, rules) for line in lines]
    assert got == want
    assert sum(k is not None for k in want) > 300  # the generator makes real headings, inline ones too
    assert any(k is not None and ":" in line.strip()[:-1] for k, line in zip(want, lines, strict=True))


def test_heading_normalization_equals_norm_heading():
    lines = _hostile_lines(7, 3000)
    rules = load_section_rules()
    low = pa.array([line.strip().lower() for line in lines], type=pa.large_string())
    norm, words = sections_fast._Headings(rules).normalize(low)
    assert norm.to_pylist() == [_norm_heading(line.strip()) for line in lines]
    assert words.tolist() == [len(_norm_heading(line.strip()).split()) for line in lines]


def test_colon_within_counts_characters():
    strings = ["é" * 61 + ":x", "é" * 62 + ":x", "a" * 61 + ":", "a" * 62 + ":", ":", "", "ab", "x:y:z",
               "🚀" * 40 + ":"]
    got = sections_fast._colon_within(pa.array(strings, type=pa.large_string()), 62).tolist()
    assert got == [":" in s[:62] for s in strings]


def test_wording_flags_equal_pythons_on_hostile_lines():
    lines = _hostile_lines(11, 3000) + [w + " " + v for w in WORDS for v in WORDS]
    rules, _kinds, facts = _facts(lines)
    flags = facts.flags
    assert [bool(f & sections_fast._LEGAL) for f in flags] == [
        not line.strip() == "" and bool(rules.legal.search(line.lower())) for line in lines]
    assert [bool(f & sections_fast._BENEFITS) for f in flags] == [
        line.strip() != "" and bool(rules.benefits.search(line.lower())) for line in lines]
    assert [bool(f & sections_fast._ABOUT) for f in flags] == [
        line.strip() != "" and bool(rules.about.search(line.lower().strip())) for line in lines]


def _texts(seed: int, n: int):
    rng = random.Random(seed)
    pool = _hostile_lines(seed, 600) + ["", "   ", "\u00a0",
                                        "Acme builds rockets and satellites for everyone on earth.",
                                        "ACME  builds rockets and\u00a0satellites for everyone on earth."]
    texts, companies = [], []
    for i in range(n):
        company = rng.choice(["Acme", "Acme", "Globex", None, f"Solo{i % 7}"])
        lines = [rng.choice(pool) for _ in range(rng.randint(0, 12))]
        if company == "Acme" and rng.random() < 0.8:
            lines.insert(rng.randint(0, len(lines)), pool[-1 if rng.random() < 0.5 else -2])
        text = "\n".join(lines)
        if texts and rng.random() < 0.2:  # the same text again, under another company too
            text = rng.choice(texts) or text
        texts.append(None if rng.random() < 0.03 else text)
        companies.append(company)
    return texts, companies


def _check_spans(texts, companies):
    desc = pd.Series(pd.array(texts, dtype="string"))
    comp = pd.Series(pd.array(companies, dtype="string"))
    repeated = company_boilerplate(desc, comp)
    got = spans_series(desc, comp)
    assert str(got.dtype) == "string"
    for text, company, spans in zip(texts, companies, got.tolist(), strict=True):
        if not text:
            assert spans is pd.NA
            continue
        assert parse_spans(spans) == section_spans(text, repeated=repeated.get(company, frozenset())), text
    return repeated


@pytest.mark.parametrize("seed", [4, 5])
def test_spans_equal_section_spans_on_hostile_texts(seed):
    texts, companies = _texts(seed, 700)
    repeated = _check_spans(texts, companies)
    assert "Acme" in repeated


def test_equal_texts_found_by_their_line_codes_and_by_arrow_when_codes_collide(monkeypatch):
    texts, companies = _texts(9, 300)
    texts += ["a\nb", "a\nb", "a\n", "a", "\na", "", "", "\n", "\n\n"]
    companies += ["X", "Y", "X", "X", "X", "X", None, "X", "X"]
    desc = pa.array(texts, type=pa.large_string())
    split = sections_fast._Split(desc)
    codes, first = split.text_codes(desc)
    by_text: dict[str, int] = {}
    for i, text in enumerate(texts):
        if text is None:
            assert codes[i] == -1
        else:
            assert by_text.setdefault(text, codes[i]) == codes[i]
            assert texts[first[codes[i]]] == text
    assert len(set(by_text.values())) == len(by_text)
    _check_spans(texts, companies)
    # a hash collision (here: faked) falls back to Arrow's hash of the texts, with the same answers
    monkeypatch.setattr(sections_fast._Split, "_same_lines", lambda self, a, b: False)
    codes2, first2 = sections_fast._Split(desc).text_codes(desc)
    assert [texts[first2[c]] if c >= 0 else None for c in codes2] == texts
    _check_spans(texts, companies)


def test_python_whitespace_list_is_the_one_re_uses():
    import re

    assert {chr(c) for c in range(0x110000) if re.match(r"\s", chr(c))} == set(_PY_SPACE)


def test_odd_space_rows_select_every_line_whose_spaces_need_squeezing():
    import re

    strings = ["a b", "a  b", "a\tb", "a\x0bb", "\x1cab", "ab ", " ab", "a\u00a0b", "", " ", "  ", "ab  ",
               "x" * 9 + "  ", "é  é", "é é"] + _hostile_lines(3, 500)
    got = sections_fast._odd_space_rows(pa.array(strings, type=pa.large_string()))
    for s, hit in zip(strings, got.tolist(), strict=True):
        if re.search(sections_fast._ODD_SPACE, s):
            assert hit, repr(s)
    assert not got[0] and not got[14]


def test_sliced_and_chunked_columns_give_the_same_spans():
    texts, companies = _texts(6, 200)
    desc = pd.Series(pd.array(texts, dtype="string"))
    comp = pd.Series(pd.array(companies, dtype="string"))
    whole = spans_series(desc, comp)
    part = desc.iloc[37:].reset_index(drop=True)  # an Arrow slice: offset into the same buffers
    assert part.array._pa_array.chunk(0).offset > 0
    want = spans_series(pd.Series(pd.array(texts[37:], dtype="string")), comp.iloc[37:].reset_index(drop=True))
    assert spans_series(part, comp.iloc[37:].reset_index(drop=True)).tolist() == want.tolist()
    chunked = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(
        [pa.array(texts[:50], type=pa.large_string()), pa.array(texts[50:], type=pa.large_string())])))
    assert spans_series(chunked, comp).tolist() == whole.tolist()


def test_text_codes_and_spans_are_the_same_in_tiny_chunks(monkeypatch):
    # the per-line arrays are built a chunk of rows at a time: chunks of 1 and 7 rows give the whole-column answers
    texts, companies = _texts(11, 300)
    texts += ["a\nb", "a\nb", "a\n", "a", "\na", "", "\n", "\n\n"]
    companies += ["X", "Y", "X", "X", "X", "X", "X", "X"]
    desc = pa.array(texts, type=pa.large_string())
    whole = sections_fast._Split(desc).text_codes(desc)
    spans = spans_series(pd.Series(pd.array(texts, dtype="string")), pd.Series(pd.array(companies, dtype="string")))
    for size in (1, 7):
        monkeypatch.setattr(sections_fast, "_CHUNK", size)
        codes, first = sections_fast._Split(desc).text_codes(desc)
        assert codes.tolist() == whole[0].tolist() and first.tolist() == whole[1].tolist()
        again = spans_series(pd.Series(pd.array(texts, dtype="string")),
                             pd.Series(pd.array(companies, dtype="string")))
        assert again.equals(spans)
    _check_spans(texts, companies)


def test_release_memory_keeps_arrow_data_and_returns():
    arr = pa.array(["x" * 100] * 1000)
    memory.release_memory()
    memory.release_memory()
    assert arr.to_pylist()[-1] == "x" * 100

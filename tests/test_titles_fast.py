"""kit.prepare.titles_fast: the whole-list title reader gives the one-title reader's rows, value for value."""

from __future__ import annotations

import random
import re
import sys

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kit.prepare import titles as T
from kit.prepare.titles_fast import barrier_chars, classify_many, normalize_many
from tests.conftest import REAL_DIR

RULES = T.load_title_rules()

#: pieces titles are made of: rule words, abbreviations, level codes, separators, cut characters, Unicode traps
PIECES = [
    "senior", "sr", "sr.", "Sr.", "SR", "staff", "senior staff", "principal", "lead", "head of", "head", "vp",
    "vice president", "intern", "co-op", "coop", "entry-level", "entry level", "junior", "jr.", "chief", "cpo",
    "product", "products", "product manager", "product management", "product owner", "products owner", "pm", "PM",
    "pm-t", "pm - t", "pm, technical", "pmt", "tpm", "tpgm", "epm", "oracle epm", "epm consultant", "pgm", "apm",
    "gpm", "program manager", "programme", "programmes", "program", "programs", "project manager",
    "project/program", "program management engineering manager", "technical", "technical services", "tech", "infra",
    "infrastructure", "platform", "data platform", "developer", "developer tools", "api", "apis", "ai/ml",
    "ml / ai", "ai", "ml", "it", "information technology", "technology", "data", "integrations", "observability",
    "sales", "marketing", "product marketing manager", "engineer", "engineering", "software engineer", "programmer",
    "designer", "analyst", "portfolio manager", "pm - fixed income", "chief of staff", "chief product officer",
    "director", "director of product", "manager", "mgr", "mgmt", "eng", "dir", "l5", "l-5", "L 5", "ic4", "p3",
    "e5", "e-7", "g10", "/l5", "l5/", "ii", "iii", "iv", "v", "1", "2", "3", "4", "12", "99", "remote", "hybrid",
    "u.s.", "usa", "emea", "full-time", "contract", "req #12345", "(r-123456)", "[00089065]", "kbgfjg17086-11",
    "jc45", "job id: 4321", "r-98765", "#123", "1234567", ", ", " - ", "- ", " -", " \u2013 ", " \u2014 ", "\u2013",
    "\u2014", " / ", "/", " | ", ": ", ";", "(", ")", "[", "]", "{", "}", "&", " & ", "+", "!", "?", "'", '"', "*",
    "=", "<", ">", "@", "%", "^", "~", "`", "$", ".", "..", ",", "#", "_", "\\", " ", "  ", "\t", "\n", "\r",
    "\x0b", "\x0c", "\x1c", "\x1f", "\x00", "\x7f", "\x85", "\xa0", "\u2007", "\u200b", "\ufeff", "\u3000",
    "\xe2\u20ac\u201c", "\xe2\u20ac\u201d", "\xe2\u20ac\u2122", "\xe3\xa9", "\xe2", "\xe9", "\xc9", "\xdf",
    "\u0130", "\u212a", "\ufb01", "\u03a3", "\u03c2", "\u65e5\u672c\u8a9e", "\u0663", "\uff15", "\xb2",
    "produkt manager", "chef de produit", "gerente de producto", "programm manager", "\u0138", "\u01c5",
    "\U0001f600", "\u0301", "x\u0307",
]


def _random_titles(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = ["", " ", ",", " - ", "senior", "pm", "l5", "\n", "é"]
    for _ in range(n):
        k = rng.choice([1, 2, 3, 4, 6, 8, 12])
        parts = [rng.choice(PIECES) for _ in range(k)]
        glue = rng.choice(["", " ", " ", ", ", " - "])
        title = glue.join(parts) if rng.random() < 0.7 else "".join(parts)
        if rng.random() < 0.3:
            title = title.upper() if rng.random() < 0.5 else title.title()
        out.append(title)
    out.append(" ".join(rng.choice(PIECES) for _ in range(400)))  # very long
    out.append("senior product manager, " * 200)
    return out


def _slow(titles: list, rules: T.TitleRules = RULES) -> list[tuple]:
    return [T._classify_one(t, rules) for t in titles]


def _assert_same(titles: list, rules: T.TitleRules = RULES) -> None:
    fast = classify_many(titles, rules)
    slow = _slow(titles, rules)
    assert len(fast) == len(slow)
    for title, a, b in zip(titles, fast, slow, strict=True):
        assert a == b, f"{title!r}: fast {a} != one-title {b}"
        assert [type(x) for x in a] == [type(x) for x in b], title


def test_generated_awkward_titles_match_the_one_title_reader():
    titles = _random_titles(6000, seed=13)
    _assert_same(titles)
    # a second pass over warm memo tables gives the same rows too
    _assert_same(list(reversed(titles)))


def test_normalize_many_matches_normalize_title():
    titles = _random_titles(3000, seed=5)
    assert normalize_many(titles, RULES) == [T.normalize_title(t, RULES) for t in titles]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=0, max_size=10).map("".join))
def test_any_title_from_the_pieces_matches(title):
    _assert_same([title, title.lower(), title.upper()])


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
def test_any_text_matches(title):
    _assert_same([title, f"senior {title} product manager", f"{title}, l5 - remote"])


def test_non_string_titles_read_as_their_str():
    titles = [12345, 3.5, "Product Manager", ("tpm",)]
    _assert_same(titles)


def test_classify_titles_rows_equal_the_one_title_reader():
    titles = pd.Series(_random_titles(500, seed=2) + [None, float("nan"), "", "  "], dtype=object)
    out = T.classify_titles(titles)
    keys = titles.astype("string").str.strip().str.lower()
    for i, key in enumerate(keys):
        if pd.isna(key) or key == "":
            assert out.loc[i, "role"] == "other" and out.loc[i, "role_confidence"] == 0.0
            continue
        row = T._classify_one(key, RULES)
        got = tuple(None if pd.isna(v) else v for v in out.loc[i, list(T.TITLE_COLUMNS)])
        assert got == row, key


def test_whitespace_of_re_and_str_split_agree():
    # normalize_many replaces _SPACES / _TRIM by str.split / str.strip: both must see the same whitespace
    every = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    assert set(re.findall(r"\s", every)) == {ch for ch in every if ch.isspace()}


# --- the chunk cuts -------------------------------------------------------------------------------------------
def test_barrier_chars_of_the_bundled_patterns():
    assert "," in barrier_chars(RULES.seniority_rx)
    assert " " not in barrier_chars(RULES.seniority_rx)  # "vice president" holds a space
    assert " " in barrier_chars(RULES.code_rx)
    assert "/" not in barrier_chars(RULES.code_rx)  # its lookbehind reads a slash: "/l5" is no level code


@pytest.mark.parametrize(("pattern", "cuts"), [
    (r"a,b", " "),  # consumes the comma
    (r"(?<=,)a", " "),  # a lookbehind reads it
    (r"a(?!\s*,)", ""),  # a lookahead reads it (and whitespace)
    (r"[^x]", ""),  # a negated class consumes everything but x
    (r"(a)\1", ""),  # back-reference: no cuts
    (r"(?i)a", ""),  # flags: no cuts
    (r"a?", ""),  # may match empty: no cuts
    (r"a.", ""),  # any character but a newline
])
def test_barrier_chars_refuse_what_a_pattern_may_read(pattern, cuts):
    assert barrier_chars(re.compile(pattern), ", ") == cuts


def test_barrier_chars_keep_what_no_node_reads():
    assert barrier_chars(re.compile(r"(?<!\w)(?:senior|lead)(?!\w)"), ", /") == ", /"
    assert barrier_chars(re.compile(r"\bvice\s+president\b"), ", /") == ",/"


# --- a rules file whose patterns read the usual cut characters ------------------------------------------------
def test_rules_whose_patterns_read_cut_characters(tmp_path):
    text = T.TITLES_FILE.read_text(encoding="utf-8")
    text = text.replace("  staff: 'staff|senior\\s+staff|group'", "  staff: 'staff|senior,\\s*staff|group|a&b'")
    text = text.replace("  - '\\b\\d{5,}\\b'", "  - '\\b\\d{5,}\\b'\n  - '(?<=\\()x\\d+(?=\\))'")
    text = text.replace("  intern: 'interns?|", "  intern: '(?<=\\()summer(?=\\))|interns?|")
    text = text.replace("  director: 'director|", "  director: '^boss|director|")  # an anchor: cuts need context
    assert "senior,\\s*staff" in text and "x\\d+" in text and "(?<=\\()summer" in text
    path = tmp_path / "titles.yaml"
    path.write_text(text, encoding="utf-8")
    rules = T.load_title_rules(path)
    assert "," not in barrier_chars(rules.seniority_rx) and "&" not in barrier_chars(rules.seniority_rx)
    titles = _random_titles(1500, seed=21) + [
        "senior, staff product manager", "a&b program manager (x123)", "product manager (x42) - l5", "senior,staff tpm",
        "product manager (summer)", "tpm, summer", "boss, tpm", "tpm|boss", "tpm|boss lead",
    ]
    _assert_same(titles, rules)
    assert classify_many(["senior, staff product manager"], rules)[0][1] == "staff"
    assert [row[1] for row in classify_many(["tpm (summer)", "tpm, summer"], rules)] == ["intern", None]
    rows = classify_many(["boss, tpm", "tpm|boss", "tpm|boss lead"], rules)
    assert [row[1] for row in rows] == ["director", None, "senior"]


# --- the real posting files (titles read here, never stored) ---------------------------------------------------
@pytest.mark.parametrize("name", ["jobspy_postings.csv.gz", "linkedin_postings.csv.gz"])
def test_real_titles_match_the_one_title_reader(name):
    path = REAL_DIR / name
    if not path.exists():
        pytest.skip(f"real file {path} not present (set KIT_REAL_DIR)")
    titles = pd.read_csv(path, usecols=["title"], dtype=str)["title"].dropna().unique().tolist()
    keys = T.title_keys(pd.Series(titles, dtype=object))
    _assert_same(titles)
    _assert_same(keys)


def test_named_words_match_like_one_wrapped_group_per_alternative():
    from kit.core.datafiles import read_yaml

    raw = read_yaml(T.TITLES_FILE, what="title rules")
    texts = _random_titles(3000, seed=8)
    texts = texts + [t.lower() for t in texts] + [T.normalize_title(t) for t in texts]
    for prefix, alternations in (("s", list(raw["seniority"].values())), ("a", list(raw["abbreviation_patterns"]))):
        old = re.compile("|".join(f"(?P<{prefix}{k}>{T._words(a)})" for k, a in enumerate(alternations)))
        new = re.compile(T._named_words(prefix, alternations))
        for text in texts:
            got = [(m.span(), m.lastgroup, m.groups()) for m in new.finditer(text)]
            assert got == [(m.span(), m.lastgroup, m.groups()) for m in old.finditer(text)], text
    assert T._named_words("s", []) == r"(?!x)x"


def test_ascii_superset_finds_every_match_in_printable_ascii():
    import pyarrow as pa
    import pyarrow.compute as pc

    from kit.prepare.titles_fast import ascii_superset

    texts = [t for t in _random_titles(4000, seed=3) if all(" " <= ch <= "~" for ch in t)]
    texts = sorted({t.lower() for t in texts} | {T.normalize_title(t) for t in texts})
    patterns = [RULES.requisition, RULES.abbreviation_patterns, *(p for p, _ in RULES.overrides),
                re.compile(r"(?<=x)ab(?=c)(?!d)"), re.compile(r"a\d+\s\w"), re.compile(r"(?<!q)z[^a]")]
    for pattern in patterns:
        source = ascii_superset(pattern)
        assert source is not None, pattern.pattern
        hit = pc.match_substring_regex(pa.array(texts, type=pa.large_string()), source).to_pylist()
        missed = [t for t, h in zip(texts, hit, strict=True) if not h and pattern.search(t)]
        assert not missed, (pattern.pattern, missed[:3])
    assert ascii_superset(re.compile("(?i)a")) is None
    assert ascii_superset(re.compile(r"(a)\1")) is None
    # tighter than the any-text superset: a lookahead at the end stays, digits stay digits
    assert pc.match_substring_regex(pa.array(["pm", "12345", "pm fund"]),
                                    ascii_superset(re.compile(r"pm(?=\s*fund)|\b\d{6,}\b"))).to_pylist() == [
        False, False, True]

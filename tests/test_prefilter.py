"""kit.prepare.prefilter: the RE2 prefilter only narrows which strings Python's re searches, never the answer."""

from __future__ import annotations

import random
import re

import pytest

from kit.prepare.prefilter import search_mask, superset_pattern

PATTERNS = [
    r"\b401\(?k\)?", r"mention the word \w+ to show", r"^(we are|we're) (a|an|the) ", r"\$\s?\d[\d,.]*k?\s?(-|to)\s?\d",
    r"series [a-e]\b.{0,40}(round|raised)", r"(?<!not )sponsor(?!ship)", r"(a)b\1", r"caf[éè] [^x]{2,}", r"x{1200}",
    r"end$", r"\Bing\b", r"[^\W\d]+ing",
]
ALPHABET = ["we are a ", "we're the ", "401k", "401(k)", "$ 120", "$1,200k - 3", "series b ", "round", "raised",
            "not sponsor", "sponsorship", "sponsor", "abab", "aba", "café xy", "café ab", "cafè x",
            "mention the word ", "çà", " çà ",
            " to show", "end", "ing", "sing ", "١٢٣", "\u00a0", "x" * 5, "x" * 1201, "İ", "ß", "_", "\t"]


@pytest.mark.parametrize("source", PATTERNS)
def test_search_mask_is_exactly_pythons_answer(source):
    pattern = re.compile(source)
    rng = random.Random(source)
    strings = ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 6))) for _ in range(3000)]
    got = search_mask(pattern, strings)
    assert got.tolist() == [pattern.search(s) is not None for s in strings]
    assert got.any()


def test_unsafe_flags_fall_back_to_python_only():
    assert superset_pattern(re.compile("abc", re.IGNORECASE)) is None
    assert superset_pattern(re.compile("(?m)^abc")) is None
    assert superset_pattern(re.compile(r"(a)?(?(1)b|c)")) is None
    assert search_mask(re.compile("ABC", re.IGNORECASE), ["xabcx", "ab"]).tolist() == [True, False]


def test_word_classes_widen_instead_of_missing_unicode():
    # RE2's \w and \d are ASCII-only; the prefilter must still select Unicode words and digits
    assert search_mask(re.compile(r"word \w+ here"), ["word ĉaŭ here"]).tolist() == [True]
    assert search_mask(re.compile(r"^\d+$"), ["١٢٣"]).tolist() == [True]


ASCII_PATTERNS = [r"\s\w+\b", r"end$", r"a\Z", r"x\s*y", r"[\s\d]+z", r"[^\s]+q", r"\bpto\b", r"[^\W\d_]{2}\B",
                  r"^(we|us) ", r"\D\S\W", r"(?:ab|a)(?:bc|c)$", r"[-a-c]{2,3}?d"]
ASCII_ALPHABET = ["a", "b", "c", "d", "q", "x", "y", "z", "1", "_", "-", " ", "\t", "\x0b", "\x0c", "\x1c", "\x1f",
                  "\n", "end", "pto", "we ", "us ", "\u00a0", "é", "١", "İ", "$"]


@pytest.mark.parametrize("source", ASCII_PATTERNS)
def test_ascii_pattern_is_exact_and_search_mask_is_pythons_answer(source):
    from kit.prepare.prefilter import ascii_pattern

    pattern = re.compile(source)
    assert ascii_pattern(pattern) is not None
    rng = random.Random(source)
    strings = ["".join(rng.choice(ASCII_ALPHABET) for _ in range(rng.randint(0, 8))) for _ in range(4000)]
    want = [pattern.search(s) is not None for s in strings]
    assert search_mask(pattern, strings).tolist() == want
    one_line = [s for s in strings if "\n" not in s]
    assert search_mask(pattern, one_line, one_line=True).tolist() == [pattern.search(s) is not None
                                                                      for s in one_line]
    assert any(want) and not all(want)


def test_constructs_without_an_exact_re2_form_have_no_ascii_pattern():
    from kit.prepare.prefilter import ascii_pattern

    for source in [r"(?<!not )sponsor", r"(a)b\1", r"x{1200}", r"a(?=b)", r"(?>ab)c", r"a++"]:
        assert ascii_pattern(re.compile(source)) is None, source
    assert superset_pattern(re.compile(r"(?<!not )sponsor")) is not None

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

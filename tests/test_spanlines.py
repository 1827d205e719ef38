"""kit.prepare.spanlines.lines_in_kinds gives the answer of kit.prepare.sections_fast.lines_in_kinds.

Compared on the kit's own spans of generated postings and on spans it did not write (garbled forms, gaps,
overlaps, cuts inside a line, empty sections, nulls, empty strings), for several kinds.
"""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from kit.prepare import sections_fast, spanlines
from kit.prepare.sections import ROLE_KINDS, spans_series

KINDS = [ROLE_KINDS, ("about",), ("body",), ("requirements",), ("benefits", "legal"), ("requirements/minimum",)]


def _lines(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    lists = pc.split_pattern(pa.array(texts, type=pa.string()), "\n")
    return np.diff(lists.offsets.to_numpy()), pc.utf8_length(lists.flatten()).to_numpy().astype(np.int64)


def _compare(texts: list[str], spans: list[str | None]) -> int:
    n_lines, line_len = _lines(texts)
    arr = pa.array(spans, type=pa.string())
    fitted = 0
    for kinds in KINDS:
        want = sections_fast.lines_in_kinds(n_lines, line_len, arr, kinds)
        got = spanlines.lines_in_kinds(n_lines, line_len, arr, kinds)
        if want is None:
            assert got is None, kinds
        else:
            fitted += 1
            assert got is not None and np.array_equal(got, want), kinds
    return fitted


def _postings(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    heads = ["About us", "What you'll do", "Requirements", "Minimum qualifications", "Benefits", "EEO statement",
             "Responsibilities:", "Who you are", ""]
    words = ["api", "roadmap", "we", "build", "pay", "équipe", "naïve", "401(k)", "- bullet", "x" * 80]
    out = []
    for _ in range(n):
        lines = []
        for _ in range(rng.randint(0, 14)):
            lines.append(rng.choice(heads) if rng.random() < 0.3 else " ".join(rng.choices(words, k=rng.randint(0, 9))))
        out.append("\n".join(lines))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kit_spans_same_lines(seed):
    texts = _postings(seed, 700)
    spans = spans_series(pd.Series(texts, dtype="string")).tolist()
    spans = [None if pd.isna(s) else s for s in spans]
    assert _compare(texts, spans) == len(KINDS)


def _garble(rng: random.Random, spans: str | None, length: int) -> str | None:
    choice = rng.randrange(9)
    if choice == 0:
        return None
    if choice == 1:
        return ""
    if choice == 2:
        return "garbage"
    if choice == 3:
        return f"body:0-{length};"
    if choice == 4:
        return f"about:0-{max(length - 1, 0)}"  # does not reach the end
    if choice == 5:
        return f"about:0-1;body:1-{length}"  # cuts a line
    if choice == 6:
        return f"about:0-0;body:0-{length}"  # an empty section first
    if choice == 7:
        return f"Body:0-{length}"  # not the kit's kind spelling
    return spans


def test_spans_the_kit_did_not_write():
    rng = random.Random(5)
    texts = _postings(9, 300)
    spans = spans_series(pd.Series(texts, dtype="string")).tolist()
    fitted = 0
    for k in range(len(texts)):  # one garbled text in a block of good ones, then blocks of garbled ones
        spans_k = [None if pd.isna(s) else s for s in spans]
        spans_k[k] = _garble(rng, spans_k[k], len(texts[k]))
        fitted += _compare(texts[max(0, k - 3):k + 3], spans_k[max(0, k - 3):k + 3])
    assert 0 < fitted < len(texts) * len(KINDS)


def test_no_spans_at_all():
    texts = ["a\nb", "", "c"]
    assert _compare(texts, [None, None, ""]) == len(KINDS)

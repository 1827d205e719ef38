"""kit.prepare.salary's window search finds the matches the plain search of each window finds.

``_find_ranges`` finds anchors in one regex pass and starts each search a few characters before the next digit;
the reference below is the simple path it replaced (``str.find`` per marker, ``finditer`` over each whole window).
Compared on generated awkward text: every marker, Unicode digits and white space, ``k`` anchors, ranges across
window edges, long gaps, neighbouring windows that merge; and ``parse_salary_text`` end to end.
"""

from __future__ import annotations

import random

import pandas as pd
import pytest

from kit.prepare import salary
from kit.prepare.salary import _ANCHORS, _K_ANCHOR, _RANGE, _WINDOW, parse_salary_text


def _reference(text: str) -> list[dict]:
    anchors = []
    for marker in _ANCHORS:
        at = text.find(marker)
        while at != -1:
            anchors.append(at)
            at = text.find(marker, at + 1)
    if not anchors:
        anchors = [m.start() for m in _K_ANCHOR.finditer(text)]
    if not anchors:
        return []
    anchors.sort()
    before, after = _WINDOW
    found, lo, hi = [], None, None
    for a in anchors:
        if hi is not None and a - before <= hi:
            hi = a + after
            continue
        if hi is not None:
            found.extend(m.groupdict() for m in _RANGE.finditer(text, lo, hi))
        lo, hi = max(a - before, 0), a + after
    found.extend(m.groupdict() for m in _RANGE.finditer(text, lo, hi))
    return found


_PIECES = ["$", "£", "€", "₹", "USD", "CAD", "AUD", "SGD", "GBP", "EUR", "INR", "US$", "C$", "CA$", "A$", "S$",
           "USD $", "150", "150,000", "1.234.567", "99,875.50", "12.5", "k", "K", " k", "-", "–", "—", " to ", "to",
           " - ", "/hr", " per hour", " a year", " annually", "/month", " an hour", " hourly", "\u0663\u0664",
           "\u00a0", "\u2009", "\u3000", " ", "  ", "\n", ".", ",", "x", "401(k)", "k8s", "USDX", "XUSD", "9k9",
           "5k.", "_", "é", "Pay: ", "$$", "2024-2025", "20-30%", "30k-40k", "x" * 70, "y" * 200]


def _texts(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        out.append("".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 40))))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_find_ranges_equals_the_plain_window_search(seed):
    texts = _texts(seed, 3000)
    total = 0
    for text in texts:
        want = _reference(text)
        assert salary._find_ranges(text) == want, repr(text)
        total += len(want)
    assert total > 1000


def test_anchor_pass_finds_what_str_find_finds():
    rng = random.Random(8)
    for _ in range(2000):
        text = "".join(rng.choice(_ANCHORS + ("U", "S", "D", "CA", "AU", "x", "$")) for _ in range(rng.randint(0, 30)))
        found = sorted(at for marker in _ANCHORS for at in range(len(text)) if text.startswith(marker, at))
        assert [m.start() for m in salary._ANCHOR.finditer(text)] == found


def test_parse_salary_text_same_as_with_the_plain_search(monkeypatch):
    texts = pd.Series(_texts(5, 2000) + [None, "", "Pay: $150,000 - $210,000 a year"], dtype="string")
    fast = parse_salary_text(texts)
    monkeypatch.setattr(salary, "_find_ranges", _reference)
    slow = parse_salary_text(texts)
    pd.testing.assert_frame_equal(fast, slow)
    assert fast["salary_min"].notna().sum() > 50

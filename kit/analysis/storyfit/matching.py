"""Story fit, step 2: light stemming and phrase matching of stories against the lexicon and story signals.

Each story is matched against the lexicon's phrases and variants (``kit/data/lexicon.yaml``) and against
everyday first-person wording mapped to the same themes (``kit/data/story_signals.yaml``: "unblocked three
teams" -> dependencies). Words are lightly stemmed (ship / ships / shipped / shipping: the shared
:func:`kit.prepare.phrasematch.stem`), so ordinary wording matches; joiners (space, hyphen, slash) are alike as in
every phrase match of the kit (a story's words are its runs of letters or digits);
a number (digits or a number word) matches ``#``, and ``...`` lets up to :data:`MAX_GAP` words sit
between its neighbours.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from kit.analysis.claims import phrase_variants, theme_lexicon
from kit.core.datafiles import read_yaml
from kit.core.errors import DataError
from kit.core.paths import DATA_DIR
from kit.prepare.phrasematch import stem

__all__ = ["MAX_GAP", "SIGNALS_FILE", "build_matcher", "highlight", "match_story", "stem"]

SIGNALS_FILE = DATA_DIR / "story_signals.yaml"
#: "..." in a signal pattern lets up to this many words sit between its neighbours.
MAX_GAP = 3

_TOKEN = re.compile(r"[a-z]+|\d+(?:[.,]\d+)*%?", re.IGNORECASE)
_NUMBER_WORDS = frozenset(
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
    "eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred hundreds thousand thousands "
    "million millions dozen dozens half double twice several".split()
)
_GAP = "..."
_NUM = "#"


def _tokens(text: str) -> list[tuple[str, int, int]]:
    """(stem, start, end) per word; a number (digits or number word) becomes the stem "#"."""
    out = []
    for m in _TOKEN.finditer(text):
        word = m.group().lower()
        out.append((_NUM if _is_number(word) else stem(word), m.start(), m.end()))
    return out


def _compile(pattern: str) -> tuple[str, ...]:
    elems: list[str] = []
    for piece in pattern.split():
        if piece in (_GAP, _NUM):
            elems.append(piece)
        else:
            elems.extend(_NUM if _is_number(m.group().lower()) else stem(m.group()) for m in _TOKEN.finditer(piece))
    while elems and elems[0] == _GAP:
        elems.pop(0)
    while elems and elems[-1] == _GAP:
        elems.pop()
    return tuple(elems)


def _is_number(word: str) -> bool:
    return word[:1].isdigit() or word in _NUMBER_WORDS


def _match_from(stems: list[str], elems: tuple[str, ...], k: int, i: int) -> int:
    """Last token index of a match of ``elems[k:]`` starting at token ``i``, or -1."""
    if k == len(elems):
        return i - 1
    e = elems[k]
    if e == _GAP:
        for skip in range(MAX_GAP + 1):
            end = _match_from(stems, elems, k + 1, i + skip)
            if end >= 0:
                return end
        return -1
    if i >= len(stems):
        return -1
    if e == stems[i]:
        return _match_from(stems, elems, k + 1, i + 1)
    return -1


@dataclass(frozen=True)
class _Matcher:
    """Compiled patterns: first element -> [(elements, theme, phrase, source)]."""

    by_first: dict

    def find(self, text: str) -> list[dict]:
        toks = _tokens(text)
        stems = [t[0] for t in toks]
        hits = []
        for i, s in enumerate(stems):
            for elems, theme, phrase, source in self.by_first.get(s, ()):
                end = _match_from(stems, elems, 0, i)
                if end >= 0:
                    a, b = toks[i][1], toks[end][2]
                    hits.append({"theme": theme, "phrase": phrase, "source": source, "start": a, "end": b,
                                 "matched": text[a:b]})
        # one hit per theme and span; drop a span inside a longer span of the same theme (lexicon first)
        hits.sort(key=lambda h: (h["theme"], h["start"], -h["end"], h["source"] != "lexicon"))
        kept: list[dict] = []
        for h in hits:
            if kept and kept[-1]["theme"] == h["theme"] and h["start"] >= kept[-1]["start"] \
                    and h["end"] <= kept[-1]["end"]:
                continue
            kept.append(h)
        return sorted(kept, key=lambda h: (h["start"], h["theme"]))


@lru_cache(maxsize=2)
def _signals(path: str) -> tuple[tuple[str, str], ...]:
    spec = read_yaml(path, what="story signals")
    out = []
    for theme, pats in (spec.get("signals") or {}).items():
        for p in pats or ():
            if not isinstance(p, str):
                raise DataError.build(f"theme {theme!r}: pattern {p!r} is not text", path=path,
                                      expected="a string pattern", fix='quote patterns that start with "#"')
            out.append((str(theme), p))
    return tuple(out)


def _lexicon_patterns(lex: pd.DataFrame) -> list[tuple[str, str]]:
    out = []
    for row in lex.itertuples(index=False):
        for p in [row.phrase, *phrase_variants(getattr(row, "variants", None))]:
            if isinstance(p, str) and p.strip():
                out.append((str(row.theme), p))
    return out


def build_matcher(lex: pd.DataFrame) -> _Matcher:
    """Compile the lexicon phrases (and variants) and the story signals of its themes into one matcher."""
    themes = set(lex["theme"].dropna().astype(str))
    by_first: dict[str, list] = {}
    items = [(t, p, "lexicon") for t, p in _lexicon_patterns(lex)]
    items += [(t, p, "signal") for t, p in _signals(str(SIGNALS_FILE)) if t in themes]
    for theme, phrase, source in items:
        elems = _compile(phrase)
        if not elems:
            continue
        by_first.setdefault(elems[0], []).append((elems, theme, phrase, source))
    return _Matcher(by_first=by_first)


def match_story(text: str, *, lexicon: pd.DataFrame | None = None) -> pd.DataFrame:
    """The theme phrases in one story.

    Args:
        text: The story.
        lexicon: A lexicon frame (default :func:`kit.load_lexicon`).

    Returns:
        One row per match: ``theme, phrase`` (the lexicon phrase or signal pattern), ``source``
        ("lexicon" / "signal"), ``start, end`` (character offsets), ``matched`` (the story's words).
    """
    lex = lexicon if lexicon is not None else theme_lexicon()
    hits = build_matcher(lex).find(text)
    return pd.DataFrame(hits, columns=["theme", "phrase", "source", "start", "end", "matched"])


def highlight(text: str, spans: Iterable[tuple[int, int, str]]) -> str:
    """HTML-escape ``text`` and wrap each span in ``<mark title="label">``; overlapping spans merge.

    Args:
        text: Plain text.
        spans: (start, end, label) character spans.

    Returns:
        Safe HTML.
    """
    merged: list[list] = []
    for a, b, label in sorted(spans):
        if merged and a < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
            if label not in merged[-1][2]:
                merged[-1][2].append(label)
        else:
            merged.append([a, b, [label]])
    out, pos = [], 0
    for a, b, labels in merged:
        out.append(html.escape(text[pos:a]))
        out.append(f'<mark title="{html.escape(", ".join(labels))}">{html.escape(text[a:b])}</mark>')
        pos = b
    out.append(html.escape(text[pos:]))
    return "".join(out)



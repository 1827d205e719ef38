"""The one phrase matcher: how a phrase is normalized, spelled and found in texts.

Every phrase list of the kit (the lexicon's variants, the claims' fallback phrases, the role signals, the story
signals) is matched with the same rules, defined here once:

* **Normalization** (:func:`normalize_phrase`): lower case; the *joiners* -- whitespace, hyphen, slash -- are
  all the same, so "Cross-functional", "cross functional" and "cross/functional" are one phrase, written with
  single spaces ("cross functional").
* **Spellings** (:func:`spellings`): the ways a normalized phrase can be written, its words joined by each of
  :data:`JOINERS` (the phrase index counts a variant under every spelling, because its tokens keep compounds).
* **Word edges** (:data:`WORD_EDGE_BEFORE` / :data:`WORD_EDGE_AFTER`): a phrase matches only as whole words:
  no ASCII letter or digit right before or after it ("roadmap" is not found in "roadmaps").
* **Light stemming** (:func:`stem`, optional, used by story fit): ship / ships / shipped / shipping -> ship.

:class:`PhraseMatcher` is compiled once from a list of phrases (or groups of spellings of one phrase) and finds
which of them occur in texts; each DISTINCT text is scanned once, with one character-trie regex (so the regex
engine does not try every phrase at every position), and the answer is a sparse text x phrase matrix.

Who uses what: the phrase index counts each lexicon variant under its :func:`spellings`
(:func:`kit.index.lexicon.spellings`); claims match fallback phrases with :class:`PhraseMatcher`; role signals
compile their trie with :func:`trie_regex` and key variants by :func:`normalize_phrase`; story fit stems with
:func:`stem`. One difference is left on purpose: the index's *text* preprocessor
(:func:`kit.index.lexicon.normalize`) also treats the Unicode dashes U+2010-U+2015 between two word characters as
joiners, which :data:`JOINER_RUN` does not (adding them here would change role results).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import sparse

__all__ = [
    "JOINERS",
    "JOINER_RUN",
    "WORD_EDGE_AFTER",
    "WORD_EDGE_BEFORE",
    "PhraseMatcher",
    "normalize_phrase",
    "phrase_words",
    "spellings",
    "stem",
    "trie_regex",
]

#: The characters that join the words of a phrase; any run of them is one joiner.
JOINERS = (" ", "-", "/")
#: A regex for a run of joiners (whitespace of any kind, hyphen, slash).
JOINER_RUN = r"[\s\-/]+"
#: Nothing alphanumeric (ASCII) right before / after a match.
WORD_EDGE_BEFORE = r"(?<![a-z0-9])"
WORD_EDGE_AFTER = r"(?![a-z0-9])"

_JOINER_RUN = re.compile(JOINER_RUN)
_DOUBLE = re.compile(r"([bdgmnprt])\1$")
_EDGE_CHAR = re.compile(r"[a-z0-9]")  # a character that continues a word (matching WORD_EDGE_*)


def phrase_words(phrase: str) -> list[str]:
    """The words of ``phrase``: lower-cased, split at runs of joiners (:data:`JOINERS`).

    Args:
        phrase: A phrase as written ("Cross-Functional", "go/no-go").

    Returns:
        Its words (empty for a blank phrase).
    """
    return [w for w in _JOINER_RUN.split(phrase.strip().lower()) if w]


def normalize_phrase(phrase: str) -> str:
    """The normalized phrase: lower case, words separated by single spaces ("Go/No-Go" -> "go no go").

    Args:
        phrase: A phrase as written.

    Returns:
        The normalized phrase ("" for a blank one).
    """
    return " ".join(phrase_words(phrase))


def spellings(phrase: str) -> tuple[str, ...]:
    """Every spelling of a phrase: its normalized words joined by a space, a hyphen or a slash.

    Args:
        phrase: A phrase (normalized or not: it is normalized first).

    Returns:
        The spellings, the space-separated one first (3 ** (words - 1) of them).
    """
    out = [""]
    for k, word in enumerate(phrase_words(phrase)):
        out = [s + word for s in out] if k == 0 else [s + j + word for s in out for j in JOINERS]
    return tuple(out) if out != [""] else ()


def stem(word: str) -> str:
    """Light stemmer: ship/ships/shipped/shipping -> ship; dependencies -> dependency.

    Strips one of -ies/-ied (-> y), -ing, -ed, -s (not -ss/-us/-is), then a final -e of longer
    words, and undoubles a final consonant left by -ing/-ed (shipp -> ship).

    Args:
        word: One word.

    Returns:
        Its stem (lower case).
    """
    w = word.lower()
    if len(w) <= 3 or not w.isalpha():
        return w
    if w.endswith(("ies", "ied")) and len(w) > 4:
        return w[:-3] + "y"
    stripped = ""
    for suf in ("ing", "ed"):
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            w, stripped = w[: -len(suf)], suf
            break
    else:
        if w.endswith("s") and not w.endswith(("ss", "us", "is")):
            w = w[:-1]
    if stripped and _DOUBLE.search(w):
        w = w[:-1]
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]
    return w


def trie_regex(phrases: Iterable[str], *, space: str = JOINER_RUN) -> str:
    """A regex alternation of normalized ``phrases`` as a character trie; a space matches ``space``.

    At each position the longest phrase is tried first (a shorter one when the longer fails).

    Args:
        phrases: Normalized phrases (words separated by single spaces).
        space: The regex a space stands for (default: a run of joiners).

    Returns:
        The regex source (no word edges; "" for no phrases).
    """
    trie: dict = {}
    for phrase in phrases:
        node = trie
        for ch in phrase:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        alts, optional = [], False
        for ch in sorted(node):
            if ch == "":
                optional = True
                continue
            piece = space if ch == " " else re.escape(ch)
            alts.append(piece + build(node[ch]))
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        if optional:
            body = f"(?:{body})?"
        return body

    return build(trie)


class PhraseMatcher:
    """Which of a list of phrases occur in texts (whole words, joiners alike, case-insensitive).

    Built once from the phrases; column ``k`` of :meth:`find` is ``phrases[k]``, which is one phrase or a
    group of phrases (a phrase and its variants: the column is True when any of them occurs). Matches may
    overlap: "cross functional team" contains both "cross functional" and "functional team".

    Args:
        phrases: Phrases, or groups of phrases (any iterable of strings that is not a string).

    Attributes:
        n: The number of columns (phrases or groups).
        keys: Normalized phrase -> the columns it belongs to.
    """

    def __init__(self, phrases: Sequence[str | Iterable[str]]) -> None:
        self.n = len(phrases)
        keys: dict[str, set[int]] = {}
        for k, item in enumerate(phrases):
            for p in [item] if isinstance(item, str) else item:
                key = normalize_phrase(str(p)) if p is not None else ""
                if key:
                    keys.setdefault(key, set()).add(k)
        self.keys: dict[str, tuple[int, ...]] = {key: tuple(sorted(cols)) for key, cols in keys.items()}
        body = trie_regex(sorted(self.keys))
        # a lookahead at every position: overlapping matches are all seen; the longest one per start position
        # comes back, and the shorter phrases it begins with are found among its prefixes (see :meth:`columns`)
        self._regex = (
            re.compile(rf"{WORD_EDGE_BEFORE}(?=({body}){WORD_EDGE_AFTER})", re.IGNORECASE) if body else None
        )

    def columns(self, text: str) -> set[int]:
        """The columns (phrases or groups) found in one text.

        Args:
            text: Any text.

        Returns:
            The set of column numbers.
        """
        if self._regex is None or not text:
            return set()
        found: set[int] = set()
        keys = self.keys
        for match in self._regex.findall(text.lower()):
            # the match and every shorter phrase it begins with (one that ends at a word edge)
            for end in range(len(match), 0, -1):
                if end == len(match) or not _EDGE_CHAR.match(match, end):
                    cols = keys.get(normalize_phrase(match[:end]))
                    if cols:
                        found.update(cols)
        return found

    def find(self, texts: Iterable[str | None] | pd.Series) -> sparse.csr_matrix:
        """Which text contains which phrase: each distinct text is scanned once.

        Args:
            texts: Texts (None / NA count as empty).

        Returns:
            A boolean sparse matrix, one row per text (in order) and one column per phrase or group.
        """
        series = texts if isinstance(texts, pd.Series) else pd.Series(list(texts), dtype=object)
        codes, distinct = pd.factorize(series.astype("string").fillna(""))
        rows, cols = [], []
        for i, text in enumerate(distinct):
            hit = self.columns(str(text))
            rows.extend([i] * len(hit))
            cols.extend(sorted(hit))
        per_distinct = sparse.csr_matrix(
            (np.ones(len(rows), dtype=bool), (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64))),
            shape=(len(distinct), self.n),
        )
        if len(codes) == 0:
            return sparse.csr_matrix((0, self.n), dtype=bool)
        return sparse.csr_matrix(per_distinct[np.asarray(codes)], dtype=bool)

r"""Role-signal phrases found in many lines at once: one RE2 pass in Arrow, the same matches as Python's ``re``.

:func:`kit.prepare.roles.load_signals` compiles the signal phrases into one Python pattern::

    (?<![a-z0-9])(?:TRIE)(?:e?s)?(?![a-z0-9])

(``TRIE``: :func:`kit.prepare.phrasematch.trie_regex` of the normalized variants; a space stands for a run of
joiners ``[\s\-/]+``). ``pattern.findall(line)`` on each distinct lower-cased line is what the role scores count.
Python's ``re`` tries the trie at every position of ~25 M characters at 100k postings; RE2 (Arrow's
``replace_substring_regex``, C++, one DFA pass) does the same search several times faster, but has no
lookarounds. :func:`re2_pattern` spells the same pattern for RE2:

* **The word edges** become RE2's ASCII word boundaries. RE2's word characters are ``[0-9A-Za-z_]``, the pattern's
  are ``[a-z0-9]``; the two agree on a text without ASCII capitals and underscores, so :func:`find_all` first
  writes those as ``#`` (they are never inside a match: no phrase holds them and they are not joiners, so a
  match and the characters either side of it keep their word / non-word nature). At a phrase's start the
  look-behind is ``\b`` when the phrase starts with a word character, ``\B`` when not; at its end the
  look-ahead is ``\b`` after a word character (any ``s`` / ``es`` ending) and ``\B`` after a non-word one
  ("c++", "scalabilité"): the end is part of each phrase's branch of the trie, in the order Python tries them
  (a longer phrase first, then the endings ``es``, ``s``, none).
* **Leftmost-first**: RE2 (not in longest-match mode) picks among alternatives in the order a backtracking
  engine does, and ``replace_substring_regex`` resumes after each match, as ``findall`` does.
* **Joiners**: the space class lists Python's ``\s`` (``str.isspace()``) code points one by one (RE2's ``\s`` is
  ASCII only); other characters are written as ``\x{...}`` code points.

Every match is marked in the lines with newlines (``"\n\0\n"``; the lines hold none) and read back with one
``split_pattern``: the matched strings come out as an Arrow array with their line numbers, no Python call per
line. tests/test_signalscan.py compares :func:`find_all` with ``findall`` on generated hostile text; where a rule
file cannot be spelled safely (an empty phrase, a phrase holding ``_``, ``#`` or an ASCII capital)
:func:`re2_pattern` returns None and the caller scans with Python's ``re``.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["RE2_SPACE", "find_all", "re2_pattern"]

#: Python's ``[\s\-/]+`` (str.isspace() characters, hyphen, slash) spelled for RE2, whose ``\s`` is ASCII only
RE2_SPACE = (
    r"[\t\n\x0b\x0c\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\-/]+"
)
#: what ASCII capitals and underscores in a text are written as before the RE2 search (a non-word character)
_STAND_IN = "#"
_NOT_RE2_SAFE = frozenset("_" + _STAND_IN + "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _is_word(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


def _literal(ch: str) -> str:
    return ch if (ch.isascii() and ch.isalnum()) else f"\\x{{{ord(ch):x}}}"


def re2_pattern(phrases: Iterable[str]) -> str | None:
    r"""The RE2 spelling of ``(?<![a-z0-9])(?:trie_regex(phrases))(?:e?s)?(?![a-z0-9])`` (see the module doc).

    Args:
        phrases: Normalized phrases (lower case, words separated by single spaces).

    Returns:
        The RE2 source, or None when a phrase cannot be spelled safely (empty, or holding ``_``, ``#`` or an
        ASCII capital) or there are no phrases.
    """
    trie: dict = {}
    for phrase in phrases:
        if not phrase or _NOT_RE2_SAFE.intersection(phrase):
            return None
        node = trie
        for ch in phrase:
            node = node.setdefault(ch, {})
        node[""] = {}
    if not trie:
        return None

    def build(node: dict, last: str) -> str:
        # the order of trie_regex: children by character (a longer phrase first), then the end of a phrase here
        alts = [(RE2_SPACE if ch == " " else _literal(ch)) + build(node[ch], ch) for ch in sorted(node) if ch]
        if "" in node:
            alts.append(r"(?:es\b|s\b|" + (r"\b" if _is_word(last) else r"\B") + ")")
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    starts = [(r"\b" if _is_word(ch) else r"\B") + _literal(ch) + build(trie[ch], ch) for ch in sorted(trie)]
    return "(?:" + "|".join(starts) + ")"


def find_all(lines: pa.Array, pattern: str) -> tuple[np.ndarray, pa.Array]:
    """Every match of ``pattern`` (from :func:`re2_pattern`) in each line, as ``findall`` of the Python pattern.

    Args:
        lines: Lower-cased lines, without newlines (as ``split_pattern`` on newlines cuts them; an Arrow string
            array, nulls read as empty).
        pattern: The RE2 pattern.

    Returns:
        ``(line, matched)``: the line number of each match (int64, ascending) and the matched strings, in order.

    Raises:
        pyarrow.ArrowInvalid: If RE2 cannot compile ``pattern``.
    """
    lines = pc.fill_null(lines, "")
    # "[A-Z_]" as a one-character alternative marks the (rare) lines holding one, with no pass of its own: such a
    # character is never inside a phrase, and matches before it are found right; those lines are searched again
    line, matched = _marked(lines, f"{pattern}|[A-Z_]")
    hit = pc.match_substring_regex(matched, "^[A-Z_]$").to_numpy(zero_copy_only=False)
    if hit.any():
        redo = np.unique(line[hit])
        fixed = pc.replace_substring_regex(lines.take(pa.array(redo)), "[A-Z_]", _STAND_IN)
        again, again_matched = _marked(fixed, pattern)
        keep = ~np.isin(line, redo)
        line = np.concatenate([line[keep], redo[again]])
        order = np.argsort(line, kind="stable")
        line = line[order]
        matched = pa.concat_arrays([matched.filter(pa.array(keep)), again_matched.cast(matched.type)]).take(
            pa.array(order))
    return line, matched


def _marked(lines: pa.Array, pattern: str) -> tuple[np.ndarray, pa.Array]:
    """(line, matched) of every match: marked with newlines by one RE2 replace, read back with one split."""
    marked = pc.replace_substring_regex(lines, pattern=pattern, replacement="\n\\0\n")
    parts = pc.split_pattern(marked, "\n")
    offsets = parts.offsets.to_numpy(zero_copy_only=False).astype(np.int64)
    per_line = np.diff(offsets)
    # "gap \n match \n gap \n match \n gap": the matches are the odd pieces of each line
    n_matches = (per_line - 1) // 2
    line = np.repeat(np.arange(len(per_line), dtype=np.int64), n_matches)
    first = np.repeat(offsets[:-1] + 1 - 2 * np.concatenate([[0], np.cumsum(n_matches)[:-1]]), n_matches)
    at = first + 2 * np.arange(len(line), dtype=np.int64)
    return line, parts.values.take(pa.array(at, type=pa.int64()))

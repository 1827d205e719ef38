r"""Search many strings with a Python regex fast: Arrow (RE2) decides the ASCII strings, ``re`` only the rest.

Python's ``re`` tries every alternative at every position, so a rule file's alternation of phrases costs tens of
microseconds per long line. A compiled Python pattern is rewritten into RE2 (Arrow's ``match_substring_regex``
runs it over a whole column in C++) in two ways:

* :func:`ascii_pattern`: the same answers as Python's ``search`` on every ASCII string without a newline. On such
  strings Python's Unicode classes are ASCII ones (``\d`` = ``[0-9]``, ``\w`` = ``[0-9A-Za-z_]``, ``\s`` = the
  ASCII ``str.isspace`` characters, spelled out since RE2's ``\s`` lacks ``\v``), ``\b`` is RE2's ASCII word
  boundary and ``$`` is the end. Lookarounds, back-references, possessive / atomic constructs and repeats over
  RE2's limit have no exact RE2 form: no ASCII pattern then.
* :func:`superset_pattern`: matches *at least* every string the Python one matches (ASCII classes widened with
  every non-ASCII character, word boundaries and lookarounds dropped, back-references widened to ``.*``).

:func:`search_mask` answers ASCII strings with the first (when there is one) and runs Python's pattern only on the
other strings the second selects. Where a pattern cannot be rewritten safely (case-insensitive or multi-line
flags, conditional groups) everything is searched in Python. The answers are always exactly the Python pattern's
(tests/test_prefilter.py checks this on generated hostile strings).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

try:  # Python >= 3.11
    from re import _constants as _c
    from re import _parser as _p
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

__all__ = ["ascii_pattern", "search_mask", "superset_pattern"]

_OK_FLAGS = re.UNICODE | re.VERBOSE
_RE2_MAX_REPEAT = 1000
_NON_ASCII = "\\x{80}-\\x{10ffff}"


class _Unsafe(Exception):
    pass


def _char(code: int) -> str:
    ch = chr(code)
    return ch if (ch.isascii() and ch.isalnum()) else f"\\x{{{code:x}}}"


def _ranges(chars: list[int]) -> str:
    """Code points as an RE2 class body of ranges."""
    out, i = [], 0
    while i < len(chars):
        j = i
        while j + 1 < len(chars) and chars[j + 1] == chars[j] + 1:
            j += 1
        out.append(_char(chars[i]) if i == j else f"{_char(chars[i])}-{_char(chars[j])}")
        i = j + 1
    return "".join(out)


@functools.lru_cache(maxsize=16)
def _ascii_members(category: object) -> str:
    r"""The ASCII characters Python's ``re`` puts in a category (``\d``, ``\W``, ...), as an RE2 class body."""
    source = {_c.CATEGORY_DIGIT: r"\d", _c.CATEGORY_NOT_DIGIT: r"\D", _c.CATEGORY_SPACE: r"\s",
              _c.CATEGORY_NOT_SPACE: r"\S", _c.CATEGORY_WORD: r"\w", _c.CATEGORY_NOT_WORD: r"\W"}.get(category)
    if source is None:
        raise _Unsafe
    pattern = re.compile(source)
    return _ranges([i for i in range(128) if pattern.match(chr(i))])


class _Emitter:
    """One rewrite of a parsed Python pattern: ``exact`` (on ASCII strings without newline) or a superset."""

    def __init__(self, *, exact: bool, keep_end: bool, keep_start: bool = True) -> None:
        self.exact = exact
        self.keep_end = keep_end or exact
        self.keep_start = keep_start or exact

    def set_(self, items: list) -> str:
        negate = bool(items) and items[0][0] is _c.NEGATE
        parts = []
        for op, av in items[1:] if negate else items:
            if op is _c.LITERAL:
                parts.append(_char(av))
            elif op is _c.RANGE:
                parts.append(f"{_char(av[0])}-{_char(av[1])}")
            elif op is _c.CATEGORY:
                # exactly the ASCII members; a superset of the class also takes every non-ASCII character (in a
                # negated class: leaves them out of what it excludes), a subset of a negated one none of them
                parts.append(_ascii_members(av))
                if not self.exact and not negate:
                    parts.append(_NON_ASCII)
            else:
                raise _Unsafe
        body = "".join(parts)
        if negate:
            return f"[^{body}]" if body else "(?s:.)"
        return f"[{body}]" if body else "[^\\x00-\\x{10ffff}]"

    def emit(self, sub) -> str:
        out = []
        for op, av in sub:
            if op is _c.LITERAL:
                out.append(_char(av))
            elif op is _c.NOT_LITERAL:
                out.append(f"[^{_char(av)}]")
            elif op is _c.ANY:
                out.append(".")
            elif op is _c.IN:
                out.append(self.set_(av))
            elif op is _c.AT:
                if av in (_c.AT_BEGINNING, _c.AT_BEGINNING_STRING):
                    if self.keep_start:
                        out.append("^")
                elif av in (_c.AT_END, _c.AT_END_STRING):
                    if self.keep_end:  # the same assertion on strings without a newline
                        out.append("$")
                elif av in (_c.AT_BOUNDARY, _c.AT_NON_BOUNDARY):
                    if self.exact:  # RE2's ASCII word boundary: Python's on ASCII strings
                        out.append("\\b" if av is _c.AT_BOUNDARY else "\\B")
                elif self.exact:
                    raise _Unsafe
            elif op is _c.BRANCH:
                out.append("(?:" + "|".join(self.emit(alt) for alt in av[1]) + ")")
            elif op is _c.SUBPATTERN:
                _group, add, _del, body = av
                if add & ~_OK_FLAGS:
                    raise _Unsafe
                out.append(f"(?:{self.emit(body)})")
            elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT) or op is getattr(_c, "POSSESSIVE_REPEAT", None):
                lo, hi, body = av
                if self.exact and op not in (_c.MAX_REPEAT, _c.MIN_REPEAT):
                    raise _Unsafe
                inner = f"(?:{self.emit(body)})"
                if lo > _RE2_MAX_REPEAT or (hi != _c.MAXREPEAT and hi > _RE2_MAX_REPEAT):
                    if self.exact:
                        raise _Unsafe
                    out.append(inner + "*")
                elif hi == _c.MAXREPEAT:
                    out.append(f"{inner}{{{lo},}}")
                else:
                    out.append(f"{inner}{{{lo},{hi}}}")
            elif op is getattr(_c, "ATOMIC_GROUP", None) and not self.exact:
                out.append(f"(?:{self.emit(av)})")
            elif op in (_c.ASSERT, _c.ASSERT_NOT) and not self.exact:
                pass  # lookarounds: dropped (matching more)
            elif op is _c.GROUPREF and not self.exact:
                out.append(".*")
            else:
                raise _Unsafe
        return "".join(out)


def _rewrite(pattern: re.Pattern, *, exact: bool, keep_end: bool, keep_start: bool = True) -> str | None:
    if not isinstance(pattern.pattern, str):
        return None
    try:
        parsed = _p.parse(pattern.pattern, pattern.flags)
        if parsed.state.flags & ~_OK_FLAGS:
            return None
        return _Emitter(exact=exact, keep_end=keep_end, keep_start=keep_start).emit(parsed)
    except (_Unsafe, re.error, AttributeError, TypeError, ValueError, RecursionError):
        return None


@functools.lru_cache(maxsize=256)  # parsing a long pattern costs ~10 ms; section rules ask once per chunk
def superset_pattern(pattern: re.Pattern, *, keep_end: bool = False, keep_start: bool = True) -> str | None:
    r"""An RE2 pattern matching at least every string ``pattern.search`` matches (within one line), or None.

    Args:
        pattern: A compiled Python ``str`` pattern.
        keep_end: Keep ``$`` / ``\Z`` as RE2's ``$`` (end of text) instead of dropping them. Only for strings
            without a newline, where Python's ``$`` (end, or before a final newline) is the same assertion: a
            whole-string pattern (``^(?:...)$``) then stays one.
        keep_start: False drops ``^`` / ``\A`` too: the result then also matches every string that merely
            *contains* one the pattern matches (a line whose stripped form the pattern is searched in).

    Returns:
        The RE2 source, or None when the pattern uses flags or constructs that cannot be widened safely.
    """
    return _rewrite(pattern, exact=False, keep_end=keep_end, keep_start=keep_start)


@functools.lru_cache(maxsize=256)
def ascii_pattern(pattern: re.Pattern) -> str | None:
    """An RE2 pattern with exactly ``pattern.search``'s answer on every ASCII string without a newline, or None.

    Args:
        pattern: A compiled Python ``str`` pattern.

    Returns:
        The RE2 source, or None when the pattern has flags or constructs RE2 cannot express exactly (lookarounds,
        back-references, possessive or atomic groups, repeats over 1000, case-insensitive / multi-line flags).
    """
    return _rewrite(pattern, exact=True, keep_end=True)


def _python(pattern: re.Pattern, arrow: pa.Array, idx: np.ndarray, out: np.ndarray) -> None:
    search = pattern.search
    values = arrow.take(pa.array(idx, type=pa.int64())).to_pylist()
    for i, text in zip(idx.tolist(), values, strict=True):
        out[i] = search(text) is not None


def search_mask(pattern: re.Pattern, strings: Sequence[str] | None, *, arrow: pa.Array | None = None,
                ascii_: np.ndarray | None = None, one_line: bool = False) -> np.ndarray:
    """``[pattern.search(s) is not None for s in strings]`` as a bool array, in RE2 where that is exact.

    Args:
        pattern: A compiled Python pattern.
        strings: The strings (no ``None``); searched as given (lower them first if the pattern expects it). None
            when ``arrow`` holds them: only the strings RE2 cannot answer are then made Python strings.
        arrow: The same strings as an Arrow array, when the caller has it (else built here).
        ascii_: Which strings are ASCII, when the caller knows (else computed here).
        one_line: The caller knows that no string holds a newline (else they are looked for).

    Returns:
        A bool array, one per string: exactly the Python pattern's answer.
    """
    arr = arrow if arrow is not None else pa.array(strings if strings is not None else [], type=pa.large_string())
    n = len(arr)
    out = np.zeros(n, dtype=bool)
    if n == 0:
        return out
    exact, wide = ascii_pattern(pattern), superset_pattern(pattern)
    rest = np.ones(n, dtype=bool)  # strings Python must answer (unless the superset rules them out)
    try:
        if exact is not None:
            simple = ascii_ if ascii_ is not None else pc.string_is_ascii(arr).to_numpy(zero_copy_only=False)
            if not one_line:  # (RE2 finds a literal byte with memchr: faster than match_substring)
                simple = simple & ~pc.match_substring_regex(arr, "\n").to_numpy(zero_copy_only=False)
            hit = pc.match_substring_regex(arr, exact).to_numpy(zero_copy_only=False)
            out[simple] = hit[simple]
            rest = ~simple
        if wide is not None and rest.any():
            idx = np.flatnonzero(rest)
            sub = arr if idx.size == n else arr.take(pa.array(idx, type=pa.int64()))
            rest[idx[~pc.match_substring_regex(sub, wide).to_numpy(zero_copy_only=False)]] = False
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        rest = np.ones(n, dtype=bool)
    if rest.any():
        _python(pattern, arr, np.flatnonzero(rest), out)
    return out

r"""Search many strings with a Python regex fast: an Arrow (RE2) prefilter that can only over-select, then ``re``.

Python's ``re`` tries every alternative at every position, so a rule file's alternation of phrases costs tens of
microseconds per long line. :func:`superset_pattern` rewrites a compiled Python pattern into an RE2 pattern that
matches *at least* every string the Python one matches (character classes with ``\\d`` / ``\\w`` / ``\\s`` widen to
any character, word boundaries and lookarounds are dropped, back-references widen to ``.*``); Arrow's
``match_substring_regex`` runs it over the whole column in C++, and only the strings it selects are searched
with the original Python pattern. The answers are therefore exactly the Python pattern's; where a pattern cannot
be rewritten safely (case-insensitive or multi-line flags, conditional groups) everything is searched in Python.
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

__all__ = ["search_mask", "superset_pattern"]

_OK_FLAGS = re.UNICODE | re.VERBOSE
_RE2_MAX_REPEAT = 1000


class _Unsafe(Exception):
    pass


def _char(code: int) -> str:
    ch = chr(code)
    return ch if (ch.isascii() and ch.isalnum()) else f"\\x{{{code:x}}}"


def _emit_set(items: list) -> str:
    parts = []
    for op, av in items:
        if op is _c.LITERAL:
            parts.append(_char(av))
        elif op is _c.RANGE:
            parts.append(f"{_char(av[0])}-{_char(av[1])}")
        else:  # NEGATE, CATEGORY (\d \w \s), ...: any character is a superset
            return "."
    return f"[{''.join(parts)}]" if parts else "."


def _emit(sub) -> str:
    out = []
    for op, av in sub:
        if op is _c.LITERAL:
            out.append(_char(av))
        elif op is _c.NOT_LITERAL:
            out.append(f"[^{_char(av)}]")
        elif op is _c.ANY:
            out.append(".")
        elif op is _c.IN:
            out.append(_emit_set(av))
        elif op is _c.AT:
            if av in (_c.AT_BEGINNING, _c.AT_BEGINNING_STRING):
                out.append("^")
            # end anchors and word boundaries: dropped (matching more)
        elif op is _c.BRANCH:
            out.append("(?:" + "|".join(_emit(alt) for alt in av[1]) + ")")
        elif op is _c.SUBPATTERN:
            _group, add, _del, body = av
            if add & ~_OK_FLAGS:
                raise _Unsafe
            out.append(f"(?:{_emit(body)})")
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
            lo, hi, body = av
            inner = f"(?:{_emit(body)})"
            if lo > _RE2_MAX_REPEAT or (hi != _c.MAXREPEAT and hi > _RE2_MAX_REPEAT):
                out.append(inner + "*")
            elif hi == _c.MAXREPEAT:
                out.append(f"{inner}{{{lo},}}")
            else:
                out.append(f"{inner}{{{lo},{hi}}}")
        elif op is getattr(_c, "ATOMIC_GROUP", None):
            out.append(f"(?:{_emit(av)})")
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            pass  # lookarounds: dropped (matching more)
        elif op is _c.GROUPREF:
            out.append(".*")
        else:
            raise _Unsafe
    return "".join(out)


@functools.lru_cache(maxsize=256)  # parsing a long pattern costs ~10 ms; section rules ask once per chunk
def superset_pattern(pattern: re.Pattern) -> str | None:
    """An RE2 pattern matching at least every string ``pattern.search`` matches (within one line), or None.

    Args:
        pattern: A compiled Python ``str`` pattern.

    Returns:
        The RE2 source, or None when the pattern uses flags or constructs that cannot be widened safely.
    """
    if not isinstance(pattern.pattern, str):
        return None
    try:
        parsed = _p.parse(pattern.pattern, pattern.flags)
        if parsed.state.flags & ~_OK_FLAGS:
            return None
        return _emit(parsed)
    except (_Unsafe, re.error, AttributeError, TypeError, ValueError):
        return None


def search_mask(pattern: re.Pattern, strings: Sequence[str] | None, *, arrow: pa.Array | None = None) -> np.ndarray:
    """``[pattern.search(s) is not None for s in strings]`` as a bool array, with the RE2 prefilter.

    Args:
        pattern: A compiled Python pattern.
        strings: The strings (no ``None``); searched as given (lower them first if the pattern expects it). None
            when ``arrow`` holds them: only the prefilter's candidates are then made Python strings.
        arrow: The same strings as an Arrow array, when the caller has it (else built here).

    Returns:
        A bool array, one per string: exactly the Python pattern's answer.
    """
    n = len(strings) if strings is not None else len(arrow)
    out = np.zeros(n, dtype=bool)
    if n == 0:
        return out
    candidates: np.ndarray | None = None
    source = superset_pattern(pattern)
    if source is not None:
        try:
            arr = arrow if arrow is not None else pa.array(strings, type=pa.large_string())
            hit = pc.match_substring_regex(arr, source)
            candidates = np.flatnonzero(hit.to_numpy(zero_copy_only=False))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            candidates = None
    search = pattern.search
    if strings is None:  # the candidates' text from Arrow
        idx = np.arange(n) if candidates is None else candidates
        for i, text in zip(idx.tolist(), arrow.take(pa.array(idx, type=pa.int64())).to_pylist(), strict=True):
            out[i] = search(text) is not None
        return out
    for i in range(n) if candidates is None else candidates:
        out[i] = search(strings[i]) is not None
    return out

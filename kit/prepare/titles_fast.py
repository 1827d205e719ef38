r"""Classify many distinct titles at once, with exactly the rows of the one-title reader in :mod:`kit.prepare.titles`.

The one-title reader runs about 25 Python regular-expression passes per title. Over a corpus of distinct titles
most of that work repeats: titles are few segments ("senior product manager", "payments", "l5") recombined, so
this module computes every step on the smallest piece it provably depends on, once per distinct piece:

* **normalizing** (requisition codes, multi-word and one-word abbreviations): an Arrow (RE2) prefilter that can
  only over-select (:func:`kit.prepare.prefilter.superset_pattern`) picks the titles a step may change, and only
  those run the step's Python pattern; spaces and trimming use ``str.split`` / ``str.strip``, which test the same
  Unicode whitespace as ``re``'s ``\s``. Titles with characters outside printable ASCII take the one-title path.
* **seniority words and level codes** are found per *chunk* of the title: the title is cut at characters the
  pattern can never consume (not even inside a lookaround), see :func:`barrier_chars`; a match then never spans
  a cut and every lookaround reads the same characters in a chunk (with its one cut character either side) as in
  the whole title, so the matches over the title are the matches over its chunks.
* **segments** (skip test, heads, numerals, suffix words, title case) are memoized per segment string, and the
  head-dependent part of a row per (head segment, next segment, bare-"PM" flag).
* **overrides** (whole-title patterns) are searched only in the titles their RE2 superset selects.

Everything else is the one-title reader's own code, so the rows are the same value for value; the tests compare
both paths on the real files and on generated awkward titles.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kit.core.schema import LADDER
from kit.prepare import titles as _t
from kit.prepare.prefilter import superset_pattern

try:  # Python >= 3.11
    from re import _constants as _c
    from re import _parser as _p
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

__all__ = ["ascii_superset", "barrier_chars", "classify_many", "normalize_many"]

#: characters tried as chunk cuts (punctuation that separates title parts; never a newline, see barrier_chars)
CUT_CANDIDATES = " ,;|:()[]{}/&+!?'\"*=<>@%^~`$"
#: characters _TRIM removes at both ends (_TRIM's class, whitespace handled by str.split)
_TRIM_CHARS = " -\u2013\u2014.,/&:;"
#: printable ASCII: titles made only of these take the vectorized normalizing
_NOT_PRINTABLE_ASCII = r"[^\x20-\x7e]"
_DIGIT = re.compile(r"\d").search
#: memo tables are cleared past this many entries (a long-lived process reading many corpora stays in bounds)
MEMO_LIMIT = 500_000

_CATEGORY_RX = {
    _c.CATEGORY_DIGIT: r"\d", _c.CATEGORY_NOT_DIGIT: r"\D", _c.CATEGORY_SPACE: r"\s", _c.CATEGORY_NOT_SPACE: r"\S",
    _c.CATEGORY_WORD: r"\w", _c.CATEGORY_NOT_WORD: r"\W",
}
_REPEATS = tuple(op for op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)) if op)


class _Unsafe(Exception):
    pass


def _in_set(items: list, ch: str) -> bool:
    negate = False
    hit = False
    for op, av in items:
        if op is _c.NEGATE:
            negate = True
        elif op is _c.LITERAL:
            hit = hit or chr(av) == ch
        elif op is _c.RANGE:
            hit = hit or av[0] <= ord(ch) <= av[1]
        elif op is _c.CATEGORY and av in _CATEGORY_RX:
            hit = hit or re.fullmatch(_CATEGORY_RX[av], ch) is not None
        else:
            raise _Unsafe
    return hit != negate


def _consumes(sub: Any, ch: str) -> bool:
    """Whether any character-consuming node of a parsed pattern (lookaround bodies included) can consume ``ch``."""
    for op, av in sub:
        if op is _c.LITERAL:
            if chr(av) == ch:
                return True
        elif op is _c.NOT_LITERAL:
            if chr(av) != ch:
                return True
        elif op is _c.ANY:
            if ch != "\n":
                return True
        elif op is _c.IN:
            if _in_set(av, ch):
                return True
        elif op is _c.BRANCH:
            if any(_consumes(alt, ch) for alt in av[1]):
                return True
        elif op is _c.SUBPATTERN:
            _group, add, dele, body = av
            if add or dele:
                raise _Unsafe
            if _consumes(body, ch):
                return True
        elif op in _REPEATS:
            if _consumes(av[2], ch):
                return True
        elif op is getattr(_c, "ATOMIC_GROUP", None):
            if _consumes(av, ch):
                return True
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            if _consumes(av[1], ch):
                return True
        elif op is _c.AT:
            continue  # anchors and word boundaries: see barrier_chars
        else:  # back-references, conditionals, anything new: no cut is safe
            raise _Unsafe
    return False


def barrier_chars(pattern: re.Pattern, candidates: str = CUT_CANDIDATES) -> str:
    r"""The characters of ``candidates`` at which a text may be cut without changing ``pattern.finditer``'s matches.

    A character qualifies when no node of the pattern can consume it, lookaround bodies included. Then no match
    contains it, no lookaround reads past it, and the matches over a text are the matches over its chunks, each
    searched with the cut character either side as context: a match needs at least one character (checked), so
    none starts at a cut, and anchors (``^``, ``$``, ``\b``) read at most the one context character. Patterns with
    flags, back-references or conditionals give no cuts (the whole text is one chunk). Newlines are never cuts
    (``$`` matches before a final newline).

    Args:
        pattern: A compiled Python ``str`` pattern.
        candidates: Characters to try.

    Returns:
        The qualifying characters (possibly empty).
    """
    if not isinstance(pattern.pattern, str) or pattern.flags & ~re.UNICODE:
        return ""
    try:
        parsed = _p.parse(pattern.pattern, pattern.flags)
        if parsed.state.flags & ~re.UNICODE or parsed.getwidth()[0] < 1:
            return ""
        return "".join(ch for ch in dict.fromkeys(candidates) if ch != "\n" and not _consumes(parsed, ch))
    except (_Unsafe, re.error, AttributeError, TypeError, ValueError, OverflowError):
        return ""


_ASCII_CATEGORY = {  # what each class matches among ASCII characters (inputs of the fast normalizing are ASCII)
    _c.CATEGORY_DIGIT: "0-9", _c.CATEGORY_WORD: "0-9A-Za-z_", _c.CATEGORY_SPACE: "\\t\\n\\x0b\\x0c\\r \\x1c-\\x1f",
}


def _ascii_char(code: int) -> str:
    ch = chr(code)
    return ch if (ch.isascii() and ch.isalnum()) else f"\\x{{{code:x}}}"


def _ascii_set(items: list) -> str:
    parts = []
    for op, av in items:
        if op is _c.LITERAL:
            parts.append(_ascii_char(av))
        elif op is _c.RANGE:
            parts.append(f"{_ascii_char(av[0])}-{_ascii_char(av[1])}")
        elif op is _c.CATEGORY and av in _ASCII_CATEGORY:
            parts.append(_ASCII_CATEGORY[av])
        else:  # negated sets, other classes: any character is a superset
            return "(?s:.)"
    return f"[{''.join(parts)}]" if parts else "(?s:.)"


def _zero_width(op: Any, av: Any) -> bool:
    """A node that only tests (dropped by the superset): negative lookarounds and anchors."""
    return op is _c.AT or op is _c.ASSERT_NOT


def _ascii_emit(sub: Any, *, head: bool, tail: bool) -> str:
    """RE2 matching every ASCII string the parsed pattern ``sub`` matches somewhere (a superset, for searching).

    Lookarounds are dropped, except a positive lookbehind opening the match (``head``) or a positive lookahead
    closing it (``tail``): those become plain text before / after it, which a search still finds.
    """
    items = list(sub)
    out = []
    for k, (op, av) in enumerate(items):
        at_head = head and all(_zero_width(*x) for x in items[:k])
        at_tail = tail and all(_zero_width(*x) for x in items[k + 1:])
        if op is _c.LITERAL:
            out.append(_ascii_char(av))
        elif op is _c.NOT_LITERAL or op is _c.ANY:
            out.append("(?s:.)")
        elif op is _c.IN:
            out.append(_ascii_set(av))
        elif op is _c.AT:
            continue
        elif op is _c.BRANCH:
            out.append("(?:" + "|".join(_ascii_emit(alt, head=at_head, tail=at_tail) for alt in av[1]) + ")")
        elif op is _c.SUBPATTERN:
            _group, add, dele, body = av
            if add or dele:
                raise _Unsafe
            out.append(f"(?:{_ascii_emit(body, head=at_head, tail=at_tail)})")
        elif op in _REPEATS:
            lo, hi, body = av
            inner = f"(?:{_ascii_emit(body, head=False, tail=False)})"
            if lo > 1000 or (hi != _c.MAXREPEAT and hi > 1000):
                out.append(inner + "*")
            elif hi == _c.MAXREPEAT:
                out.append(f"{inner}{{{lo},}}")
            else:
                out.append(f"{inner}{{{lo},{hi}}}")
        elif op is getattr(_c, "ATOMIC_GROUP", None):
            out.append(f"(?:{_ascii_emit(av, head=False, tail=False)})")
        elif op is _c.ASSERT:
            direction, body = av
            if (direction < 0 and at_head) or (direction > 0 and at_tail):
                out.append(f"(?:{_ascii_emit(body, head=direction < 0, tail=direction > 0)})")
        elif op is _c.ASSERT_NOT:
            continue
        else:  # back-references, conditionals: no superset
            raise _Unsafe
    return "".join(out)


def ascii_superset(pattern: re.Pattern) -> str | None:
    r"""An RE2 pattern found in every printable-ASCII string in which ``pattern.search`` finds a match, or None.

    Unlike :func:`kit.prepare.prefilter.superset_pattern` (any text) it keeps ``\d`` / ``\w`` / ``\s`` as their
    ASCII classes and a lookaround at either end of the match, so it selects far fewer titles.

    Args:
        pattern: A compiled Python ``str`` pattern.

    Returns:
        The RE2 source, or None when the pattern uses flags or constructs it cannot widen safely.
    """
    if not isinstance(pattern.pattern, str) or pattern.flags & ~re.UNICODE:
        return None
    try:
        parsed = _p.parse(pattern.pattern, pattern.flags)
        if parsed.state.flags & ~re.UNICODE:
            return None
        return _ascii_emit(parsed, head=True, tail=True)
    except (_Unsafe, re.error, AttributeError, TypeError, ValueError, OverflowError):
        return None


class _Memo(dict):
    """A dict computing missing values with ``fn`` (lookups of known keys stay a plain C dict lookup)."""

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        super().__init__()
        self._fn = fn

    def __missing__(self, key: Any) -> Any:
        if len(self) >= MEMO_LIMIT:
            self.clear()
        value = self[key] = self._fn(key)
        return value


def _cutter(chars: str) -> re.Pattern | None:
    """A pattern splitting a text at ``chars``, keeping them (None: no cuts)."""
    return re.compile("([" + re.escape(chars) + "])") if chars else None


def _chunked(cut: re.Pattern | None, memo: _Memo, text: str) -> list:
    """The memoized per-chunk values for ``text``, each chunk looked up with its cut character either side."""
    if cut is None:
        return list(memo[text])
    parts = cut.split(text)  # [chunk, cut, chunk, cut, ..., chunk]
    last = len(parts) - 1
    if last == 0:
        return list(memo[text])
    out: list = []
    for k in range(0, last + 1, 2):
        if parts[k]:
            out.extend(memo[(parts[k - 1] if k else "") + parts[k] + (parts[k + 1] if k < last else "")])
    return out


def _combine(found: list[str], infos: list[tuple]) -> str | None:
    """``_seniority``'s answer from the levels found in the chunks and the segments' trailing numerals."""
    for info in infos:
        if info[0] is not None:
            found.append(info[0])
    if not found:
        return None
    if "intern" in found:
        return "intern"
    return max(found, key=LADDER.index)


def _arrow_hits(source: str | None, arr: pa.Array, n: int) -> np.ndarray:
    """Rows where an RE2 superset pattern matches (all rows when there is none or RE2 refuses it)."""
    if source is None:
        return np.ones(n, dtype=bool)
    try:
        return pc.match_substring_regex(arr, source).to_numpy(zero_copy_only=False).astype(bool, copy=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return np.ones(n, dtype=bool)


class _Fast:
    """Per-rules state: prefilter patterns, chunk cuts and memo tables (built once per compiled rules)."""

    def __init__(self, rules: _t.TitleRules) -> None:
        self.rules = rules
        r = rules
        self.req_source = ascii_superset(r.requisition)  # the fast normalizing reads printable ASCII only
        self.abbr_source = ascii_superset(r.abbreviation_patterns)
        words = sorted({k for k in r.abbreviations if re.fullmatch("[a-z]+", k)}, key=len, reverse=True)
        self.word_source = rf"\b(?:{'|'.join(words)})\b" if words else None
        self.override_sources = [superset_pattern(p) for p, _ in r.overrides]
        self.trim = _Memo(lambda x: _t._TRIM.sub("", x))
        self.segment = _Memo(self._segment)
        self.first_named = _Memo(self._first_named)
        self.headed = _Memo(self._headed)
        self.head_part = _Memo(self._head_part)
        self.suffix_hit = _Memo(self._suffix_hit)
        self.title_case = _Memo(lambda x: _t._title_case(x, rules))
        # seniority words and level codes: searched per chunk, cut where neither pattern reads (see barrier_chars)
        cuts = set(barrier_chars(r.seniority_rx)) & set(barrier_chars(r.code_rx))
        self.cut = _cutter("".join(ch for ch in CUT_CANDIDATES if ch in cuts))
        self.levels = _Memo(self._levels)
        self.words_source = superset_pattern(r.seniority_rx)

    # --- normalizing -------------------------------------------------------------------------------------------
    def normalize(self, titles: list[str], lowered: list[str]) -> list[str]:
        """``normalize_title`` of each title (``lowered``: the same titles, lower-cased)."""
        r = self.rules
        n = len(lowered)
        if n == 0:
            return []
        arr = pa.array(lowered, type=pa.large_string())
        slow = _arrow_hits(_NOT_PRINTABLE_ASCII, arr, n)
        text = list(lowered)
        for i in np.flatnonzero(slow).tolist():  # non-ASCII (replacements) or control characters: one at a time
            text[i] = _t.normalize_title(titles[i], r)
        fast = ~slow
        # requisition codes (only where a digit or '#' is, as normalize_title does)
        digit = _arrow_hits(r"[0-9#]", arr, n) & fast
        req = digit & _arrow_hits(self.req_source, arr, n)
        sub = r.requisition.sub
        for i in np.flatnonzero(req).tolist():
            text[i] = sub(" ", text[i])
        if req.any():
            arr = pa.array(text, type=pa.large_string())
        # multi-word abbreviations
        hits = fast & _arrow_hits(self.abbr_source, arr, n)
        if hits.any():
            expansions = r.pattern_expansions
            abbr_sub = r.abbreviation_patterns.sub

            def expand(m: re.Match) -> str:
                return expansions[int(m.lastgroup[1:])]

            for i in np.flatnonzero(hits).tolist():
                text[i] = abbr_sub(expand, text[i])
            arr = pa.array(text, type=pa.large_string())
        # one-word abbreviations (only words spelled [a-z]+ can ever match _WORD_DOT's group)
        if self.word_source is not None:
            hits = fast & _arrow_hits(self.word_source, arr, n)
            abbr = r.abbreviations

            def word(m: re.Match) -> str:
                return abbr.get(m.group(1), m.group(0))

            word_sub = _t._WORD_DOT.sub
            for i in np.flatnonzero(hits).tolist():
                text[i] = word_sub(word, text[i])
        # _TRIM.sub("", _SPACES.sub(" ", t)): re's \s and str.split test the same Unicode whitespace
        for i in np.flatnonzero(fast).tolist():
            text[i] = " ".join(text[i].split()).strip(_TRIM_CHARS)
        return text

    # --- pieces ------------------------------------------------------------------------------------------------
    def _levels(self, chunk: str) -> tuple[str, ...]:
        """The levels of the seniority words and level codes in a chunk (``_seniority``'s first two passes)."""
        r = self.rules
        found = [r.seniority_levels[int(m.lastgroup[1:])] for m in r.seniority_rx.finditer(chunk)]
        if not _DIGIT(chunk):  # code_rx's group 2 is r"\d{1,2}": no digit, no level code
            return tuple(found)
        for m in r.code_rx.finditer(chunk):
            level = r.codes.get(m.group(1), {}).get(int(m.group(2)))
            if level:
                found.append(level)
        return tuple(found)

    def _segment(self, seg: str) -> tuple[str | None, bool, tuple | None]:
        """(numeral level, names a job, last head match (start, end, text, head index) or None)."""
        r = self.rules
        m = r.numeral_rx.search(seg)
        numeral = r.numerals[m.group(1)] if m and m.group(1) in r.numerals else None
        named = bool(_t._TRIM.sub("", r.numeral_rx.sub("", r.skip_rx.sub("", seg)).replace(" ", "")))
        last = None
        if named:
            matches = list(r.heads_rx.finditer(seg))
            if matches:
                mm = matches[-1]
                last = (mm.start(), mm.end(), mm.group(0), int(mm.lastgroup[1:]))
        return numeral, named, last

    def _first_named(self, seg: str) -> tuple:
        """The row's (title_clean, family) when no segment has a head (``seg``: the first named one, or "")."""
        r = self.rules
        clean = _t._strip_words(seg, r)
        family = "engineering" if clean and re.search(r"\bengineer", clean) else "other"
        return _t._title_case(clean, r) or None, family

    def _head_part(self, head_seg: str) -> tuple:
        """What a head segment alone decides: its head, its words around the head, the modifier found in them."""
        r = self.rules
        start, end, matched, idx = self.segment[head_seg][2]
        head = r.heads[idx]
        prefix = head_seg[:start]
        rest = head_seg[end:]
        kind = head.kind
        modded = kind in r.modifiers
        prefix_hit = _t._prefix_modifier(kind, f"{prefix} {matched}", r) if modded else None
        rest_hit = self.suffix_hit[(kind, rest)] if modded else None
        clean = f"{_t._strip_words(prefix, r)} {matched}".strip()
        rest_clean = _t._strip_words(rest, r)
        if rest_clean and head.role == "other" and not r.heads_rx.search(rest_clean):
            tail = f"{clean}{rest[: len(rest) - len(rest.lstrip())][:1] or ' '}{rest_clean}"
        else:
            tail = clean
        return head, modded, prefix_hit, rest_hit, clean, tail

    def _suffix_hit(self, key: tuple[str, str]) -> tuple[int, str | None] | None:
        kind, suffix = key
        return _t._suffix_modifier(kind, _t._suffix_candidate(suffix, self.rules), self.rules)

    def _headed(self, key: tuple[str, str, bool]) -> tuple:
        """(title_clean, family, role, variant, confidence) of a head segment, the next segment, the bare-PM flag."""
        head_seg, nxt, bare_pm = key
        head, modded, prefix_hit, rest_hit, clean, tail = self.head_part[head_seg]
        role, variant, confidence = head.role, head.variant, head.confidence
        suffix_label = None
        if modded:
            mods = self.rules.modifiers[head.kind]
            mod, suffix_label = _t._first_modifier([prefix_hit, rest_hit, self.suffix_hit[(head.kind, nxt)]], mods)
            if mod is not None:
                role = mod.role or {"product": "pmt", "program": "tpm"}.get(head.kind, role)
                variant, confidence = mod.variant, mod.confidence
        if head.kind == "product" and bare_pm:
            confidence = min(confidence, 0.55 if role == head.role else 0.8)
        if suffix_label and suffix_label not in clean:
            clean = f"{clean}, {suffix_label}"
        else:  # _classify_one's elif: the words after a non-manager head
            clean = tail
        return self.title_case[clean], head.family, role, variant, confidence

    # --- rows --------------------------------------------------------------------------------------------------
    def row(self, text: str, bare_pm: bool, maybe_override: bool, levels: bool) -> tuple:
        """``_classify_one``'s row for a title's normalized text, its bare-"PM" flag and its prefilter flags."""
        r = self.rules
        trim = self.trim
        segments = [s for s in (trim[x] for x in _t._SPLIT.split(text)) if s]
        segment = self.segment
        infos = [segment[s] for s in segments]
        found = _chunked(self.cut, self.levels, text) if levels else []
        seniority = _combine(found, infos)
        if maybe_override:
            for pattern, over in r.overrides:
                if pattern.search(text):
                    clean = _t._TRIM.sub("", r.location_rx.sub(" ", text))
                    clean = _t._title_case(_t._SPACES.sub(" ", clean), r) or None
                    return (clean, seniority, over.family, over.role, over.variant, over.confidence, "title")
        first_named = None
        for k, info in enumerate(infos):
            if not info[1]:
                continue
            if first_named is None:
                first_named = segments[k]
            if info[2] is not None:
                bare = bare_pm and r.heads[info[2][3]].kind == "product"
                nxt = segments[k + 1] if k + 1 < len(segments) else ""
                clean, family, role, variant, confidence = self.headed[(segments[k], nxt, bare)]
                return (clean, seniority, family, role, variant, confidence, "title")
        clean, family = self.first_named[first_named or ""]
        return (clean, seniority, family, "other", None, 0.7, "title")

    def classify(self, titles: Sequence[Any]) -> list[tuple]:
        titles = [str(t) for t in titles]
        lowered = [t.lower() for t in titles]
        texts = self.normalize(titles, lowered)
        n = len(texts)
        if n == 0:
            return []
        arr = pa.array(texts, type=pa.large_string())
        newline = _arrow_hits("\n", arr, n)  # RE2's '.' stops at a newline: the supersets hold within a line
        maybe = np.zeros(n, dtype=bool)
        for source in self.override_sources:
            maybe |= _arrow_hits(source, arr, n)
        maybe |= newline
        # seniority words (RE2 superset) or level codes (they hold a digit: ASCII, or any non-ASCII text)
        levels = newline | _arrow_hits(self.words_source, arr, n) | _arrow_hits("[0-9]", arr, n)
        levels |= ~pc.string_is_ascii(arr).to_numpy(zero_copy_only=False)
        bare = _t._BARE_PM.search
        rows: dict[tuple, tuple] = {}
        out = []
        for low, text, *flags in zip(lowered, texts, maybe.tolist(), levels.tolist(), strict=True):
            key = (text, "pm" in low and bare(low) is not None)
            got = rows.get(key)
            if got is None:
                got = rows[key] = self.row(*key, *flags)
            out.append(got)
        return out


_STATE: dict[int, _Fast] = {}


def _state(rules: _t.TitleRules) -> _Fast:
    fast = _STATE.get(id(rules))
    if fast is None or fast.rules is not rules:
        if len(_STATE) >= 8:
            _STATE.clear()
        fast = _STATE[id(rules)] = _Fast(rules)
    return fast


def normalize_many(titles: Sequence[Any], rules: _t.TitleRules) -> list[str]:
    """``[normalize_title(t, rules) for t in titles]``, computed over the whole list.

    Args:
        titles: Titles (any objects; read as ``str(t)``).
        rules: Compiled title rules (:func:`kit.prepare.titles.load_title_rules`).

    Returns:
        The normalized titles, in order.
    """
    titles = [str(t) for t in titles]
    return _state(rules).normalize(titles, [t.lower() for t in titles])


def classify_many(titles: Sequence[Any], rules: _t.TitleRules) -> list[tuple]:
    """The classification rows of ``titles``, equal to the one-title reader's (``_classify_one``) row for row.

    Args:
        titles: Titles (any objects; read as ``str(t)``), typically distinct ones.
        rules: Compiled title rules (:func:`kit.prepare.titles.load_title_rules`).

    Returns:
        One row tuple per title, in order, in :data:`kit.prepare.titles.TITLE_COLUMNS` order.
    """
    return _state(rules).classify(titles)

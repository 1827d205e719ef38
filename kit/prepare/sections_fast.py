r"""Column-wide engine behind :func:`kit.prepare.sections.spans_series` and :func:`company_boilerplate`.

Same answers as running :func:`kit.prepare.sections.section_spans` text by text, computed over a whole column:

1. every row's text is cut at its newlines with numpy over the column's UTF-8 bytes: the lines are views on those
   bytes (no copy), dictionary-encoded once; equal texts are found from their sequences of line codes (a hash,
   then checked line by line);
2. every *distinct* line is read once, over the whole dictionary in Arrow: length, blank, lower case (Python's
   ``lower`` only for non-ASCII lines) and the normalized form used for company boilerplate. Wording (legal,
   benefits, about): one RE2 pass of all three patterns' supersets picks the lines that may have any, then each
   pattern is answered by RE2 on ASCII lines (:func:`kit.prepare.prefilter.ascii_pattern`: exact there) and by
   Python's ``re`` on the other selected lines; benefits / about only for lines where ``section_spans`` asks.
   Headings: the lines that can be one (short non-bullet lines, or an early colon for "Heading: text") are
   normalized as ``_norm_heading`` does it, in Arrow (``\w`` / ``\d`` / ``\s`` spelled out for the characters
   present, as Python's ``re`` reads them), and matched kind by kind in RE2; Python's ``_heading_kind`` decides
   only non-ASCII headings that a superset of a heading pattern selects;
3. company boilerplate is counted with hash-based factorizing over (company, distinct text, normalized line)
   codes; when cutting texts, only lines that can be marked (under no heading) are counted;
4. the line-by-line state machine of ``section_spans`` (current heading, "headed", blank lines joining the
   section before) becomes running maxima over line positions, and spans are formatted with Arrow string
   kernels, straight into the result column.

Private to :mod:`kit.prepare.sections` (imported lazily from there); timings in ``python -m benchmarks --only load``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kit.core.memory import release_memory
from kit.prepare.prefilter import ascii_pattern, search_mask, superset_pattern
from kit.prepare.text_fast import _PY_SPACE

if TYPE_CHECKING:
    from kit.prepare.sections import SectionRules

__all__ = ["spans_column"]

# kind codes: the heading kinds first (in rules order), then these
_EXTRA = ("body", "legal", "benefits", "boilerplate", "about")
#: (text, company) pairs cut per chunk (bounds the per-line arrays: ~20 lines per text x ~15 arrays)
_CHUNK = 10_000

#: Python's ``str.split()`` whitespace on ASCII text (``_PY_SPACE``: all of it, what ``str.strip()`` removes)
_ASCII_SPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f "
_ASCII_SPACE_RUN = "[\t\n\x0b\x0c\r\x1c-\x1f ]+"
_ODD_SPACE = "[\t\n\x0b\x0c\r\x1c-\x1f]|  "


def _x(chars: str) -> str:
    r"""Characters as RE2 ``\x{...}`` escapes (for a character class)."""
    return "".join(f"\\x{{{ord(c):x}}}" for c in chars)


#: Python's ``\s`` (``str.isspace``, what ``_PY_SPACE`` lists) as an RE2 class body
_SPACE_CLASS = _x(_PY_SPACE)
#: a string with a run of whitespace that is not one plain space
_SQUEEZE = f"[{_x(_PY_SPACE.replace(' ', ''))}]| [{_SPACE_CLASS}]"
#: ``sections._INLINE`` (``^([^:\n]{3,60}?)\s*:\s*(\S.*)$``) matches a stripped line when the text before its
#: first colon (``before``) is 3+ characters, 60 at most without its trailing whitespace, and a non-space follows
#: the colon and the whitespace after it (``gap``); group 1 stripped is ``before`` stripped, group 2 the rest of
#: the line. Read on the first ``_INLINE_PREFIX`` characters (the colon is among the first 62); one pass (RE2's
#: one-pass matcher: no choice to backtrack over).
_INLINE_HEAD = f"^(?P<before>[^:]*):(?P<gap>[{_SPACE_CLASS}]*)[^{_SPACE_CLASS}]"
_INLINE_PREFIX = 128


def _arrow_strings(s: pd.Series) -> pa.Array:
    arr = pa.array(s.array) if not isinstance(s.array, pd.arrays.ArrowStringArray) else s.array._pa_array
    if isinstance(arr, pa.ChunkedArray):  # (one chunk: as it is; combining would copy it)
        arr = arr.chunk(0) if arr.num_chunks == 1 else arr.combine_chunks()
    return arr if arr.type == pa.large_string() else arr.cast(pa.large_string())


def _ints(arr: pa.Array) -> np.ndarray:
    return arr.to_numpy(zero_copy_only=False).astype(np.int64)


def _bools(arr: pa.Array) -> np.ndarray:
    return arr.to_numpy(zero_copy_only=False)


def _take(arr: pa.Array, idx: np.ndarray) -> pa.Array:
    return arr.take(pa.array(idx, type=pa.int64()))


def _offsets_and_data(arr: pa.Array) -> tuple[np.ndarray, np.ndarray, pa.Buffer]:
    """A ``large_string`` array's offsets (its own slice) and its data buffer, as numpy views."""
    if arr.type != pa.large_string():
        raise TypeError(f"expected a large_string array, got {arr.type}")
    bufs = arr.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int64)[arr.offset:arr.offset + len(arr) + 1]
    data_buf = bufs[2] if bufs[2] is not None else pa.py_buffer(b"")
    return offsets, np.frombuffer(data_buf, dtype=np.uint8), data_buf


def _newlines(data: np.ndarray, lo: int, hi: int) -> np.ndarray:
    r"""Positions of the ``\n`` bytes in ``data[lo:hi]`` (a megabyte at a time: the mask stays in cache)."""
    step = 1 << 20
    parts = [np.flatnonzero(data[at:min(at + step, hi)] == 10) + at for at in range(lo, hi, step)]
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


def _lower(arr: pa.Array, ascii_: np.ndarray) -> pa.Array:
    """``str.lower()`` of every string: Arrow's ASCII lower case, Python's for the non-ASCII ones."""
    low = pc.ascii_lower(arr)
    if not ascii_.all():
        other = pa.array(~ascii_)
        low = pc.replace_with_mask(low, other, pa.array([v.lower() for v in arr.filter(other).to_pylist()],
                                                        type=low.type))
    return low


class _Split:
    r"""Every row's text as lines: per row its first line and line count, per line its distinct-line code.

    ``text.split("\n")`` of row ``r`` is ``distinct[code[first[r]:first[r] + count[r]]]`` (an empty text is one
    empty line). Null rows are cut too (``valid`` False; their lines are never read). A line is encoded with the
    newline after it (every line but a text's last has one), so one line can have two codes; ``distinct`` holds
    the lines without it.
    """

    def __init__(self, arr: pa.Array) -> None:
        n = len(arr)
        self.valid = np.ones(n, dtype=bool) if arr.null_count == 0 else _bools(arr.is_valid())
        offsets, data, data_buf = _offsets_and_data(arr)
        nl = _newlines(data, int(offsets[0]), int(offsets[-1]))
        before = np.searchsorted(nl, offsets)  # newlines before each text's start
        self.count = np.diff(before) + 1
        self.first = np.arange(n, dtype=np.int64) + before[:-1] - before[0]
        total = n + nl.size
        # line j is data[starts[j]:starts[j + 1]]: a text's first line starts at its offset, the others one past a
        # newline (so every line but a text's last ends with its newline)
        starts = np.empty(total + 1, dtype=np.int64)
        is_first = np.zeros(total, dtype=bool)
        is_first[self.first] = True
        head = starts[:-1]
        head[is_first] = offsets[:-1]
        head[~is_first] = nl + 1
        starts[-1] = offsets[-1]
        del is_first, head, nl
        encoded = pc.dictionary_encode(pa.LargeStringArray.from_buffers(total, pa.py_buffer(starts), data_buf))
        del starts
        self.code = encoded.indices.to_numpy(zero_copy_only=False)
        self.distinct = pc.utf8_rtrim(encoded.dictionary, "\n")  # a line holds no other newline

    def text_codes(self, arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
        """Per row the code of its text (-1 for null; equal texts share one) and per code the first row with it.

        Two texts are equal exactly when their line-code sequences are: a polynomial hash of the sequence groups
        them, and every row is then compared line by line with its group's first row (Arrow's hash of the texts
        themselves if two sequences ever collide).
        """
        rows = np.flatnonzero(self.valid)
        if rows.size == 0:
            return np.full(len(self.valid), -1, dtype=np.int64), np.empty(0, dtype=np.int64)
        count = self.count[rows]
        powers = np.cumprod(np.full(int(count.max()), 0x9E3779B97F4A7C15, dtype=np.uint64))
        key = np.empty(rows.size, dtype=np.uint64)
        for lo in range(0, rows.size, _CHUNK):  # per chunk of rows: the per-line arrays stay small
            c = count[lo:lo + _CHUNK]
            first = np.cumsum(c) - c
            within = np.arange(int(c.sum())) - np.repeat(first, c)
            at = np.repeat(self.first[rows[lo:lo + _CHUNK]], c) + within
            mixed = (self.code[at].astype(np.uint64) + np.uint64(1)) * powers[within]
            key[lo:lo + _CHUNK] = np.add.reduceat(mixed, first) + c.astype(np.uint64) * np.uint64(0xC2B2AE3D27D4EB4F)
            del at, within, mixed
        codes = pd.factorize(key)[0].astype(np.int64)
        seen = np.maximum.accumulate(np.concatenate([[-1], codes[:-1]]))
        rep = rows[np.flatnonzero(codes > seen)]  # first row of each code (codes number in order of appearance)
        other = rows != rep[codes]
        if other.any() and not self._same_lines(rows[other], rep[codes[other]]):
            encoded = pc.dictionary_encode(arr)
            codes_all = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
            _, first_row = np.unique(codes_all[rows], return_index=True)  # every code has a valid row
            return codes_all, rows[first_row]
        out = np.full(len(self.valid), -1, dtype=np.int64)
        out[rows] = codes
        return out, rep

    def _same_lines(self, a: np.ndarray, b: np.ndarray) -> bool:
        if not np.array_equal(self.count[a], self.count[b]):
            return False
        count = self.count[a]
        within = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
        return bool(np.array_equal(self.code[np.repeat(self.first[a], count) + within],
                                   self.code[np.repeat(self.first[b], count) + within]))


#: first bytes of a string that ``_LEAD`` may remove (not [0-9A-Za-z_$(]; non-ASCII: maybe) / ``_NUMBERING`` may
#: match at (a digit, i, v, x; non-ASCII: maybe a digit)
_LEAD_CHECK = np.ones(256, dtype=bool)
_LEAD_CHECK[[ord(c) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_$("]] = False
_NUMBER_CHECK = np.zeros(256, dtype=bool)
_NUMBER_CHECK[[ord(c) for c in "0123456789ivx"]] = True
_NUMBER_CHECK[128:] = True


def _byte_rows(arr: pa.Array, byte: int) -> np.ndarray:
    """Which strings of a ``large_string`` array hold ``byte``."""
    offsets, data, _ = _offsets_and_data(arr)
    lo, hi = int(offsets[0]), int(offsets[-1])
    out = np.zeros(len(arr), dtype=bool)
    out[np.searchsorted(offsets, np.flatnonzero(data[lo:hi] == byte) + lo, side="right") - 1] = True
    return out


def _first_byte_in(arr: pa.Array, table: np.ndarray) -> np.ndarray:
    """Which (non-empty) strings of a ``large_string`` array start with a byte ``table`` marks."""
    offsets, data, _ = _offsets_and_data(arr)
    out = np.diff(offsets) > 0
    out[out] = table[data[offsets[:-1][out]]]
    return out


def _replace_where(arr: pa.Array, where: np.ndarray, pattern: str, replacement: str) -> pa.Array:
    """``replace_substring_regex`` on the strings ``where`` says (the others would not change)."""
    if not where.any():
        return arr
    if where.all():
        return pc.replace_substring_regex(arr, pattern, replacement)
    mask = pa.array(where)
    return pc.replace_with_mask(arr, mask, pc.replace_substring_regex(arr.filter(mask), pattern, replacement)
                                .cast(arr.type))


class _Headings:
    """The heading patterns in RE2, and the Arrow form of ``sections._norm_heading``.

    Per heading kind (in rules order): an RE2 pattern exact on ASCII strings and a superset of it for the others
    (None where a pattern has no such form: Python then decides whatever the superset, or everything, selects).
    """

    def __init__(self, rules: SectionRules) -> None:
        from kit.prepare.sections import _LEAD, _NUMBERING

        # the Arrow steps below spell out these two patterns of sections.py
        if (_LEAD.pattern, _NUMBERING.pattern) != (r"^[^\w$(]+", r"^(?:\d{1,2}[.)]|[ivx]{1,4}[.)])\s+"):
            raise RuntimeError("kit.prepare.sections._LEAD / _NUMBERING changed: update sections_fast._Headings")
        self.rules = rules
        self.kinds = [(ascii_pattern(p), superset_pattern(p, keep_end=True)) for _, p in rules.headings]
        wide = [w for _, w in self.kinds]
        self.any = "|".join(f"(?:{w})" for w in wide) if all(w is not None for w in wide) else None

    def normalize(self, low: pa.Array) -> tuple[pa.Array, np.ndarray]:
        """``_norm_heading`` of stripped, lower-cased lines, and their word counts (``len(norm.split())``)."""
        # the characters beyond ASCII present, read as Python's re reads them (\w, \d)
        ascii_ = _ascii_rows(low)
        extra = sorted(set("".join(low.filter(pa.array(~ascii_)).to_pylist())) - set(_PY_SPACE))
        word = _x("".join(c for c in extra if re.match(r"\w", c)))
        digit = _x("".join(c for c in extra if re.match(r"\d", c)))
        # each replacement only on the strings it can change (told by their bytes)
        s = _replace_where(low, ~ascii_ | _byte_rows(low, ord("`")), "[\u2019\u2018`]", "'")
        s = _replace_where(s, _first_byte_in(s, _LEAD_CHECK), f"^[^0-9A-Za-z_$({word}]+", "")
        s = _replace_where(s, _first_byte_in(s, _NUMBER_CHECK),
                           f"^(?:[0-9{digit}]{{1,2}}[.)]|[ivx]{{1,4}}[.)])[{_SPACE_CLASS}]+", "")
        s = pc.utf8_trim(pc.utf8_rtrim(pc.utf8_trim(s, _PY_SPACE), ":"), _PY_SPACE)
        s = pc.utf8_trim(pc.utf8_trim(s, "_*"), _PY_SPACE)
        odd = pc.match_substring_regex(s, _SQUEEZE)
        if pc.any(odd).as_py():
            s = pc.replace_with_mask(s, odd, pc.replace_substring_regex(s.filter(odd), f"[{_SPACE_CLASS}]+", " "))
        words = np.where(_ints(pc.utf8_length(s)) > 0, _ints(pc.count_substring(s, " ")) + 1, 0)
        return s, words

    def decide(self, low: pa.Array, eligible: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The heading kind (index into ``rules.headings``, -1 for none) of stripped lower-cased lines.

        Args:
            low: The lines, stripped and lower-cased.
            eligible: Lines that may be headings at all (short enough, not a bullet).

        Returns:
            ``(kind, python)``: the kind where RE2 decided it, and which lines Python must decide instead.
        """
        kind = np.full(len(low), -1, dtype=np.int64)
        python = np.zeros(len(low), dtype=bool)
        idx = np.flatnonzero(eligible)
        if not idx.size:
            return kind, python
        norm, words = self.normalize(_take(low, idx))
        fits = (words > 0) & (words <= self.rules.max_words)
        if self.any is not None:  # a line no kind's superset matches is no heading
            fits &= _bools(pc.match_substring_regex(norm, self.any))
        idx, norm = idx[fits], norm.filter(pa.array(fits))
        open_ = np.ones(idx.size, dtype=bool)
        ascii_ = _bools(pc.string_is_ascii(norm))
        for k, (exact, wide) in enumerate(self.kinds):
            if not open_.any():
                break
            wide_hit = _bools(pc.match_substring_regex(norm, wide)) if wide is not None else True
            if exact is not None:
                hit = open_ & ascii_ & _bools(pc.match_substring_regex(norm, exact))
                kind[idx[hit]] = k
                open_ &= ~hit
                python[idx[open_ & ~ascii_ & wide_hit]] = True
                open_ &= ascii_ | ~wide_hit
            else:
                python[idx[open_ & wide_hit]] = True
                open_ &= ~wide_hit
        return kind, python


def _colon_within(arr: pa.Array, n: int) -> np.ndarray:
    """Whether ``":" in s[:n]`` for each string: the first colon's byte offset, characters only for non-ASCII."""
    offsets, data, _ = _offsets_and_data(arr)
    lo, hi = int(offsets[0]), int(offsets[-1])
    at = np.flatnonzero(data[lo:hi] == 58) + lo
    row = np.searchsorted(offsets, at, side="right") - 1
    first = np.ones(row.size, dtype=bool)
    first[1:] = row[1:] != row[:-1]
    row, at = row[first], at[first]
    out = np.zeros(len(arr), dtype=bool)
    near = at - offsets[row] < n
    out[row[near]] = True  # within n bytes: within n characters
    far = row[~near]  # a colon past n bytes is within n characters only where multi-byte characters come first
    far = far[(offsets[far + 1] - offsets[far]) > _ints(pc.utf8_length(_take(arr, far)))] if far.size else far
    if far.size:
        out[far] = _bools(pc.match_substring(pc.utf8_slice_codeunits(_take(arr, far), 0, n), ":"))
    return out


def _heading_codes(distinct: pa.Array, trimmed: pa.Array, low: pa.Array, stripped_len: np.ndarray,
                   blank: np.ndarray, rules: SectionRules) -> np.ndarray:
    """Per distinct line the heading kind it starts (index into ``rules.headings``) or -1: ``_line_info``'s kind."""
    from kit.prepare.sections import _INLINE, _heading_kind

    head = np.full(len(distinct), -1, dtype=np.int64)
    # only short non-bullet lines, or a "Heading: text" colon early in the line, can be one
    whole = ~blank & (stripped_len <= rules.max_chars) & ~_bools(pc.starts_with(trimmed, "- "))
    colon = ~blank & _colon_within(distinct, 62)
    cand = np.flatnonzero(whole | colon)
    if not cand.size:
        return head
    rules_re2 = _Headings(rules)
    kind, python = rules_re2.decide(pc.utf8_trim(_take(low, cand), _PY_SPACE), whole[cand])
    # "Heading: text": the part before the first colon read as a heading line of its own, the text after it
    # longer than 20 characters
    ask = np.flatnonzero(colon[cand] & (kind < 0) & ~python)
    if ask.size:
        line_len = stripped_len[cand[ask]]
        parts = pc.extract_regex(pc.utf8_slice_codeunits(_take(trimmed, cand[ask]), 0, _INLINE_PREFIX), _INLINE_HEAD)
        matched = _bools(parts.is_valid())
        python[ask[~matched & (line_len > _INLINE_PREFIX)]] = True  # the text may start past the prefix
        ask, line_len, parts = ask[matched], line_len[matched], parts.filter(pa.array(matched))
        before = parts.field("before")
        before_len = _ints(pc.utf8_length(before))
        head_text = pc.utf8_trim(before, _PY_SPACE)
        head_len = _ints(pc.utf8_length(head_text))  # (the text starts stripped: = before's length right-trimmed)
        rest_len = line_len - before_len - 1 - _ints(pc.utf8_length(parts.field("gap")))
        fits = ((before_len >= 3) & (head_len <= 60) & (rest_len > 20) & (head_len > 0)
                & (head_len <= rules.max_chars) & ~_bools(pc.starts_with(head_text, "- ")))
        k2, p2 = rules_re2.decide(_lower(head_text, _bools(pc.string_is_ascii(head_text))), fits)
        kind[ask] = k2
        python[ask] |= p2
    kind_of = {k: i for i, (k, _) in enumerate(rules.headings)}
    ask = np.flatnonzero(python)
    for i, line in zip(ask.tolist(), _take(distinct, cand[ask]).to_pylist(), strict=True):
        found = _heading_kind(line, rules)
        if found is None and ":" in line[:62]:
            m = _INLINE.match(line.strip())
            if m and (k := _heading_kind(m.group(1), rules)) is not None and len(m.group(2)) > 20:
                found = k
        kind[i] = -1 if found is None else kind_of[found]
    head[cand] = kind
    return head


#: per distinct line, bits of ``_Lines.flags``
_BLANK, _LEGAL, _LONG, _HEAD, _BENEFITS, _ABOUT = 1, 2, 4, 8, 16, 32
#: where a line sits (``_Lines.table``): under a role heading, under another heading, under none
_IN_ROLE, _IN_OTHER, _IN_NONE = 0, 1, 2


def _ascii_rows(arr: pa.Array) -> np.ndarray:
    """``str.isascii()`` per string of a ``large_string`` array, from its bytes (non-ASCII bytes are few)."""
    offsets, data, _ = _offsets_and_data(arr)
    lo, hi = int(offsets[0]), int(offsets[-1])
    out = np.ones(len(arr), dtype=bool)
    out[np.searchsorted(offsets, np.flatnonzero(data[lo:hi] >= 128) + lo, side="right") - 1] = False
    return out


def _char_lengths(arr: pa.Array, ascii_: np.ndarray) -> np.ndarray:
    """``len(s)`` per string: the byte length, Arrow's count of characters where ``ascii_`` says non-ASCII.

    An array cut from another (trimmed, say) can reuse the other's flags: it has no more non-ASCII strings.
    """
    out = np.diff(_offsets_and_data(arr)[0])
    wide = np.flatnonzero(~ascii_)
    if wide.size:
        out[wide] = _ints(pc.utf8_length(_take(arr, wide)))
    return out


def _odd_space_rows(arr: pa.Array) -> np.ndarray:
    """Strings of a ``large_string`` array that may hold a run of whitespace other than one space.

    Any control byte or two spaces in a row (the bytes, two at a time as 16-bit words at both alignments); a hit
    on two strings' boundary or a control byte that is no whitespace only costs a replacement that changes nothing.
    """
    offsets, data, _ = _offsets_and_data(arr)
    lo, hi = int(offsets[0]), int(offsets[-1])
    b = data[lo:hi]
    hit = [np.flatnonzero(b < 32)]
    for shift in (0, 1):
        pairs = b[shift:shift + (b.size - shift) // 2 * 2].view(np.uint16)
        hit.append(np.flatnonzero(pairs == 0x2020) * 2 + shift)
    out = np.zeros(len(arr), dtype=bool)
    out[np.searchsorted(offsets, np.concatenate(hit) + lo, side="right") - 1] = True
    return out


class _Lines:
    """What ``section_spans`` reads of each distinct line, computed once per line over the dictionary.

    ``flags`` holds per line: blank, legal wording, long (boilerplate length), heading, benefits wording, about
    wording; ``head`` the heading kind; ``table[where, line]`` the kind ``section_spans`` gives the line where it
    sits (-1: the current section's), boilerplate aside.
    """

    def __init__(self, distinct: pa.Array, rules: SectionRules, kinds: list[str]) -> None:
        from kit.prepare.sections import _ROLE_HEADED

        n = len(distinct)
        code = {k: i for i, k in enumerate(kinds)}
        self.distinct = distinct
        # what section_spans reads of a line with len(), .strip() (Python's whitespace), .lower() and .split()
        self.ascii = ascii_ = _ascii_rows(distinct)
        self.length = _char_lengths(distinct, ascii_)
        self.step = (self.length + 1).astype(np.int32)  # a line and its newline, in characters
        trimmed = pc.utf8_trim(distinct, _PY_SPACE)
        stripped_len = _char_lengths(trimmed, ascii_)
        blank = stripped_len == 0
        self.low = low = _lower(distinct, ascii_)
        legal, benefits, about = self._wording(rules, blank)
        self.head = _heading_codes(distinct, trimmed, low, stripped_len, blank, rules).astype(np.int8)
        del trimmed
        self._normalized(~blank & (stripped_len >= rules.repeat_min_chars))
        is_head = self.head >= 0
        long_ = self.norm >= 0
        self.flags = (blank.astype(np.uint8) * _BLANK + legal.astype(np.uint8) * _LEGAL
                      + long_.astype(np.uint8) * _LONG + is_head.astype(np.uint8) * _HEAD
                      + benefits.astype(np.uint8) * _BENEFITS + about.astype(np.uint8) * _ABOUT)
        # the kind per place, as section_spans decides it: heading, then legal wording; outside the role's
        # sections benefits wording; under no heading then (boilerplate, decided per company, and) about wording
        base = np.full(n, -1, dtype=np.int8)
        base[legal & ~is_head] = code["legal"]
        base[is_head] = self.head[is_head]
        other = base.copy()
        other[(base < 0) & benefits] = code["benefits"]
        none = other.copy()
        none[(other < 0) & about] = code["about"]
        self.table = np.stack([base, other, none])
        self.place = np.array([_IN_ROLE if k.split("/")[0] in _ROLE_HEADED else _IN_OTHER for k in kinds], np.uint8)
        self.place[code["body"]] = _IN_NONE  # (no heading kind is "body": current is "body" only under none)

    def _wording(self, rules: SectionRules, blank: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Legal, benefits and about wording per line.

        One RE2 pass picks the lines that may have any (about is searched in the stripped line); each pattern then
        answers those (RE2 on ASCII lines, Python on the others it selects).
        """
        wide = [superset_pattern(rules.legal), superset_pattern(rules.benefits),
                superset_pattern(rules.about, keep_start=False)]
        worded = ~blank
        if all(w is not None for w in wide):
            worded &= _bools(pc.match_substring_regex(self.low, "|".join(f"(?:{w})" for w in wide)))
        return (self._search(rules.legal, worded, strip=False), self._search(rules.benefits, worded, strip=False),
                self._search(rules.about, worded, strip=True))

    def _normalized(self, long_: np.ndarray) -> None:
        """``norm`` (code of ``" ".join(low.split())``, -1 for lines not ``long_``) and ``norm_text``."""
        low = self.low
        # (over every line, read only for the long ones: cheaper than taking them out first)
        odd = _odd_space_rows(low)  # replacing is slow per value in Arrow: only where needed
        norm = low
        if odd.any():
            mask = pa.array(odd)
            norm = pc.replace_with_mask(low, mask, pc.replace_substring_regex(
                low.filter(mask), _ASCII_SPACE_RUN, " ").cast(low.type))
        norm = pc.utf8_trim(norm, _ASCII_SPACE)
        wide_long = long_ & ~self.ascii
        if wide_long.any():
            mask = pa.array(wide_long)
            norm = pc.replace_with_mask(norm, mask, pa.array([" ".join(v.split()) for v in
                                                              low.filter(mask).to_pylist()], type=norm.type))
        norm_codes = pc.dictionary_encode(norm)
        self.norm = np.where(long_, _ints(norm_codes.indices), -1)
        self.norm_text = norm_codes.dictionary  # Arrow strings; read back only for boilerplate hits

    def _search(self, pattern: re.Pattern, wanted: np.ndarray, *, strip: bool) -> np.ndarray:
        out = np.zeros(len(self.distinct), dtype=bool)
        idx = np.flatnonzero(wanted)
        if idx.size:
            sub = _take(self.low, idx)
            out[idx] = search_mask(pattern, None, arrow=pc.utf8_trim(sub, _PY_SPACE) if strip else sub,
                                   ascii_=self.ascii[idx], one_line=True)
        return out


def _codes(s: pd.Series) -> tuple[np.ndarray, pa.Array]:
    """Dictionary codes (-1 for NA) and the distinct values, by Arrow's hash kernel (~10x pandas' factorize)."""
    encoded = pc.dictionary_encode(_arrow_strings(s))
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, encoded.dictionary


def _line_codes(code: np.ndarray, starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``code`` of the lines ``starts[i]:starts[i] + counts[i]``, all i in order (a slice when they follow on)."""
    n = int(counts.sum())
    if np.array_equal(starts[1:], starts[:-1] + counts[:-1]):
        return code[starts[0]:starts[0] + n]
    return code[np.repeat(starts - (np.cumsum(counts) - counts), counts) + np.arange(n)]


class _Texts:
    """The distinct texts' lines, their kinds before boilerplate, and what the boilerplate rule needs.

    Per line of every distinct text (texts one after another): ``kind`` (int8), ``blank`` and ``step`` (length + 1);
    the lines that boilerplate could mark (under no heading, plain and long: ``loose`` positions and their
    normalized-line code) and, text by text, its long lines' normalized codes (``keys``: text * n_norm + norm).
    """

    def __init__(self, split: _Split, t_first: np.ndarray, t_count: np.ndarray, lines: _Lines, body: int, *,
                 keys: bool) -> None:
        n_norm = max(len(lines.norm_text), 1)
        self.count = t_count
        self.first = np.cumsum(t_count) - t_count  # each text's first line, in the texts' line arrays
        total = int(t_count.sum())
        self.kind = np.empty(total, dtype=np.int8)
        self.blank = np.empty(total, dtype=bool)
        self.step = np.empty(total, dtype=np.int32)
        loose, loose_norm, text_keys = [], [], []
        n_dist = lines.table.shape[1]
        if 3 * n_dist >= 2**31:  # pragma: no cover - (int32 table positions)
            raise ValueError("too many distinct lines")
        for at in range(0, t_count.size, _CHUNK):
            counts = t_count[at:at + _CHUNK]
            code = _line_codes(split.code, t_first[at:at + _CHUNK], counts)
            lo = int(self.first[at])
            n = code.size
            gfirst = np.cumsum(counts) - counts
            flags = lines.flags[code]
            # the current section: a text's first line or a heading starts one (kind "body" or the heading's)
            starts = (flags & _HEAD) > 0
            starts[gfirst] = True
            marks = np.flatnonzero(starts)
            heads = lines.head[code[marks]]
            section = np.where(heads >= 0, heads, np.int8(body)).astype(np.int8)
            current = section[np.cumsum(starts, dtype=np.int32) - 1]
            place = lines.place[current]
            kind = lines.table.ravel()[place.astype(np.int32) * np.int32(n_dist) + code]
            keep = kind >> 7  # -1 where the table says "the current section's" (-1), else 0
            self.kind[lo:lo + n] = (kind & ~keep) | (current & keep)
            self.blank[lo:lo + n] = (flags & _BLANK) > 0
            self.step[lo:lo + n] = lines.step[code]
            can = np.flatnonzero((place == _IN_NONE) & ((flags & (_BLANK | _LEGAL | _HEAD | _BENEFITS | _LONG))
                                                         == _LONG))
            loose.append(can + lo)
            loose_norm.append(lines.norm[code[can]])
            if keys:  # (de-duplicated per text in _boilerplate, once only the lines it counts are left)
                long_ = np.flatnonzero(flags & _LONG)
                text = np.searchsorted(gfirst, long_, side="right") - 1 + at
                text_keys.append(text * n_norm + lines.norm[code[long_]])
        self.loose = np.concatenate(loose) if loose else np.empty(0, dtype=np.int64)
        self.loose_norm = np.concatenate(loose_norm) if loose_norm else np.empty(0, dtype=np.int64)
        self.keys = np.concatenate(text_keys) if text_keys else np.empty(0, dtype=np.int64)


def _boilerplate(d_codes: np.ndarray, c_codes: np.ndarray, texts: _Texts, n_norm: int, rules: SectionRules, *,
                 markable: bool) -> np.ndarray:
    """Sorted keys ``company_code * n_norm + norm_code`` of lines repeated across most of a company's postings.

    Same rule as :func:`kit.prepare.sections.company_boilerplate` (rows with a text and a company; companies with
    at least ``repeat_min_postings`` such rows; a normalized line of >= ``repeat_min_chars`` characters in at
    least ``max(repeat_min_postings, ceil(repeat_share * distinct texts))`` of the company's distinct texts).
    ``markable`` keeps only the lines ``section_spans`` can mark as boilerplate (found under no heading).
    """
    ok = (d_codes >= 0) & (c_codes >= 0)
    if not ok.any():
        return np.empty(0, dtype=np.int64)
    n_comp, n_text = int(c_codes.max()) + 1, int(d_codes.max()) + 1
    rows = np.bincount(c_codes[ok], minlength=n_comp)
    ok &= (rows >= rules.repeat_min_postings)[np.maximum(c_codes, 0)]
    pairs = pd.unique(c_codes[ok] * n_text + d_codes[ok])  # distinct (company, text)
    if pairs.size == 0:
        return np.empty(0, dtype=np.int64)
    p_comp, p_text = pairs // n_text, pairs % n_text
    n_texts = np.bincount(p_comp, minlength=n_comp)
    need = np.maximum(rules.repeat_min_postings, np.ceil(rules.repeat_share * n_texts).astype(np.int64))
    keys = texts.keys
    if markable:
        can = np.zeros(n_norm, dtype=bool)
        can[texts.loose_norm] = True
        keys = keys[can[keys % n_norm]]
    keys = pd.unique(keys)  # once per text and line (a text's keys stay together, in text order)
    # each text's keys (they come text by text), repeated for each of its companies
    key_text = keys // n_norm
    k_first = np.searchsorted(key_text, np.arange(n_text))
    k_count = np.bincount(key_text, minlength=n_text)
    count = k_count[p_text]
    at = np.repeat(k_first[p_text] - (np.cumsum(count) - count), count) + np.arange(int(count.sum()))
    per_company = np.repeat(p_comp, count) * n_norm + keys[at] % n_norm
    codes, uniq = pd.factorize(per_company)
    counts = np.bincount(codes, minlength=uniq.size)
    return np.sort(uniq[counts >= need[uniq // n_norm]])


def spans_column(
    desc: pd.Series, comp: pd.Series | None, rules: SectionRules, *, spans: bool = True
) -> tuple[pd.Series | None, dict]:
    """The ``sections`` span strings of ``desc`` (and the boilerplate hits per company, as normalized lines).

    Args:
        desc: Clean texts (``string`` dtype).
        comp: Companies (``string``) or None (no boilerplate step).
        rules: Compiled section rules.
        spans: False returns ``(None, boilerplate)`` without cutting the texts into sections.

    Returns:
        ``(spans, boilerplate)``: the span strings on ``desc``'s index (NA for NA / empty texts) and
        ``{company: [normalized lines]}`` (with ``spans``, only the lines that mark one: found under no heading).
    """
    kinds = [k for k, _ in rules.headings] + [k for k in _EXTRA if k not in {k for k, _ in rules.headings}]
    code = {k: i for i, k in enumerate(kinds)}
    arr = _arrow_strings(desc)
    if len(arr) == arr.null_count:  # no text at all (empty column, all NA)
        return (pd.Series(pd.NA, index=desc.index, dtype="string") if spans else None), {}
    split = _Split(arr)
    d_codes, rep_row = split.text_codes(arr)
    t_first, t_count = split.first[rep_row], split.count[rep_row]
    release_memory()
    lines = _Lines(split.distinct, rules, kinds)
    # the lines' texts are read only while their facts are computed (norm_text stays, for boilerplate hits)
    split.distinct = lines.distinct = lines.low = None
    release_memory()
    n_norm = max(len(lines.norm_text), 1)
    texts = _Texts(split, t_first, t_count, lines, code["body"], keys=comp is not None)
    del split
    if comp is not None:
        c_codes, c_dict = _codes(comp)
        c_uniq = c_dict.to_pylist()
        hits = _boilerplate(d_codes, c_codes, texts, n_norm, rules, markable=spans)
    else:
        c_codes, c_uniq, hits = np.full(len(desc), -1, dtype=np.int64), [], np.empty(0, dtype=np.int64)
    hit_comp = np.unique(hits // n_norm)
    found = {c_uniq[int(c)]: _take(lines.norm_text, hits[hits // n_norm == c] % n_norm).to_pylist()
             for c in hit_comp}
    if not spans:
        return None, found
    # one computation per distinct (text, company with boilerplate) pair; empty texts have no spans
    has_hits = np.zeros(len(c_uniq) + 1, dtype=bool)
    has_hits[hit_comp] = True
    c_eff = np.where(has_hits[c_codes], c_codes, -1)
    t_empty = (t_count == 1) & (texts.step[texts.first] == 1)
    valid = d_codes >= 0
    valid[valid] = ~t_empty[d_codes[valid]]
    width = int(c_eff.max()) + 2
    pair_of_row, pairs = pd.factorize(d_codes[valid] * width + (c_eff[valid] + 1))
    p_t, p_c = pairs // width, pairs % width - 1
    names = pa.array([f"{k}:" for k in kinds], type=pa.string())
    parts = [_spans_for_pairs(p_t[at:at + _CHUNK], p_c[at:at + _CHUNK], texts, hits, n_norm, names,
                              code["boilerplate"]) for at in range(0, pairs.size, _CHUNK)]
    joined = pa.concat_arrays(parts).cast(pa.large_string()) if parts else pa.array([], type=pa.large_string())
    if valid.all() and np.array_equal(pair_of_row, np.arange(len(desc))):
        result = joined  # (one distinct pair per row, in order: the common case after de-duplication)
    elif len(joined):
        take = np.zeros(len(desc), dtype=np.int64)
        take[valid] = pair_of_row
        result = joined.take(pa.array(take, mask=~valid))
    else:
        result = pa.nulls(len(desc), pa.large_string())
    return pd.Series(pd.array(result, dtype="string"), index=desc.index), found


def _spans_for_pairs(p_t: np.ndarray, p_c: np.ndarray, texts: _Texts, hits: np.ndarray, n_norm: int,
                     names: pa.Array, boiler: int) -> pa.Array:
    """The span strings of some (text, company) pairs (``names``: each kind's ``"kind:"``)."""
    starts, counts = texts.first[p_t], texts.count[p_t]
    n_pairs = starts.size
    group_first = np.cumsum(counts) - counts  # position of each pair's first line
    n = int(counts.sum())
    if np.array_equal(starts[1:], starts[:-1] + counts[:-1]):
        at = slice(int(starts[0]), int(starts[0]) + n)
        kind, blank, step = texts.kind[at], texts.blank[at], texts.step[at]
    else:
        at = np.repeat(starts - group_first, counts) + np.arange(n)
        kind, blank, step = texts.kind[at], texts.blank[at], texts.step[at]
    with_comp = np.flatnonzero(p_c >= 0)
    if hits.size and with_comp.size:
        # the loose lines of each pair's text whose normalized form the pair's company repeats: boilerplate
        lo = np.searchsorted(texts.loose, starts[with_comp])
        hi = np.searchsorted(texts.loose, starts[with_comp] + counts[with_comp])
        cnt = hi - lo
        idx = np.repeat(lo - (np.cumsum(cnt) - cnt), cnt) + np.arange(int(cnt.sum()))
        key = np.repeat(p_c[with_comp], cnt) * n_norm + texts.loose_norm[idx]
        found = np.minimum(np.searchsorted(hits, key), hits.size - 1)
        rep = hits[found] == key
        if rep.any():
            kind = kind.copy()
            kind[(texts.loose[idx] - np.repeat(starts[with_comp] - group_first[with_comp], cnt))[rep]] = boiler
    # merge: blank lines (not first) join the span before; a span starts where the kind changes
    first = np.zeros(n, dtype=bool)
    first[group_first] = True
    marked = np.flatnonzero(~blank | first)
    mk = kind[marked]
    new = np.empty(marked.size, dtype=bool)
    new[0] = True
    new[1:] = mk[1:] != mk[:-1]
    new |= first[marked]
    s_pos = marked[new]
    # character offsets of lines within their text
    csum = np.cumsum(step, dtype=np.int64) - step
    s_group = np.cumsum(first[s_pos], dtype=np.int64) - 1
    s_start = csum[s_pos] - csum[group_first[s_group]]
    last_line = group_first + counts - 1
    text_len = csum[last_line] + step[last_line] - csum[group_first] - 1
    per_group = np.bincount(s_group, minlength=n_pairs)
    s_end = np.empty_like(s_start)
    s_end[:-1] = s_start[1:]
    s_end[np.cumsum(per_group) - 1] = text_len
    parts = pc.binary_join_element_wise(names.take(pa.array(kind[s_pos])), pa.array(s_start).cast(pa.string()),
                                        "-", pa.array(s_end).cast(pa.string()), "")
    list_offsets = np.concatenate([[0], np.cumsum(per_group)]).astype(np.int32)
    return pc.binary_join(pa.ListArray.from_arrays(pa.array(list_offsets), parts), ";")

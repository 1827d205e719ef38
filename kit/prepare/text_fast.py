r"""Column-wide engine behind :func:`kit.prepare.text.clean_series`: the same text as cleaning each value alone.

:func:`kit.prepare.text.clean_text` runs HTML -> entities -> odd characters -> escapes -> links -> headers -> rules
-> bullets -> emphasis -> spaces -> blank lines -> strip over one text. Apart from the HTML step, the blank-line
collapse and the final strip, every step only looks inside one line (no pattern crosses a ``"\n"``), and the
whole-text guards are either exact (a step is skipped only where it would change nothing) or the OR of the
lines' answers: entities (the text has "&" and ";") and horizontal rules (:func:`kit.prepare.text._rule_guard`).
So a column is cleaned in chunks of :data:`CHUNK_ROWS` values (within a chunk, HTML values apart from the others):

1. HTML values (``<`` + letter) get the HTML step: four RE2 replacements over the ASCII ones without comments,
   scripts or styles (on ASCII text RE2's case-insensitive letters, ```` and the spelled-out ``\s`` are
   Python's), Python's ``_clean_html`` value by value for the others;
2. values that are not line-local - a ``"
"`` (line breaks change), or entities that might decode to one
   (``&#``) - are cleaned whole, value by value, by the same function as ``clean_text``;
3. the others are split into lines in Arrow (C++) and every DISTINCT line is cleaned once: in Python
   (``_before_rules`` / ``_after_rules``, cached for the whole column per (line, entities) and both rule answers)
   for lines with markup, with RE2 for the rest (only runs of spaces to squeeze, ends to trim); the lines are
   joined back, blank-line runs collapsed and the ends stripped (Python's whitespace set) in Arrow.

Posting texts are built from a company's paragraphs and bullet banks, so the distinct lines are a small share of
the lines (100k postings: ~110k distinct of ~1.5M, a third of them with markup). ``tests/test_text_fast.py``
checks the answers against ``clean_text`` value by value on generated markup.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kit.prepare import text as _text

__all__ = ["clean_values"]

#: what ``str.strip()`` removes (the ``str.isspace`` characters; tests/test_text_fast.py checks the list), for Arrow
_PY_SPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
             "\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
#: a line matching none of this needs no Python (only its runs of spaces are squeezed and its ends trimmed): no
#: character an escape, link, header, rule or emphasis step looks for, no odd character (``_CHAR_FIXES``), no "+"
#: or bullet character opening a bullet, no line of dashes that a rule removes; "&" counts only in texts whose
#: entities are decoded (see ``_by_lines``)
_MARKUP = (r"[\\\]#*_\t\x0b\x0c\r" + "".join(f"\\x{{{ord(c):x}}}" for c, _ in _text._CHAR_FIXES)
           + "".join(f"\\x{{{ord(c):x}}}" for c in _text._BULLET_CHARS) + r"]|--|- -|^ *\+ |^ *(?:- *){3,}$")
_HTML = "<[a-zA-Z/!]"  # the same test as ``_HAS_TAG``
#: HTML the RE2 tag steps cannot take: comments, scripts, styles (cut by ``_drop_hidden``, a left-to-right scan)
_HIDDEN = "(?i)<!--|<script|<style"
#: the HTML step (``_clean_html`` without ``_drop_hidden``) in RE2, for ASCII texts: on ASCII, Python's
#: case-insensitive letters and ``\b`` are RE2's; ``\s`` is spelled out (Python's includes \x1c-\x1f)
_HTML_STEPS = (
    ("(?i)" + _text._LIST_ITEM_END.pattern.replace(r"\s", r"[\t\n\x0b\x0c\r\x1c-\x1f ]"), ""),
    ("(?i)" + _text._LIST_ITEM.pattern, "\n- "),
    ("(?i)" + _text._BLOCK_TAG.pattern, "\n"),
    (_text._ANY_TAG.pattern, ""),
)


def _mask(arr: pa.Array, pattern: str) -> np.ndarray:
    # RE2 (the regex kernel) finds a literal several times faster than Arrow's plain substring kernel
    return pc.fill_null(pc.match_substring_regex(arr, pattern), False).to_numpy(zero_copy_only=False)


def _replace_where(arr: pa.Array, pattern: str, replacement: str) -> pa.Array:
    """``replace_substring_regex`` on the values that match only (replacing costs per value, matching does not)."""
    hit = _mask(arr, pattern)
    if not hit.any():
        return arr
    done = pc.replace_substring_regex(arr.filter(pa.array(hit)), pattern, replacement)
    return pc.replace_with_mask(arr, pa.array(hit), done.cast(arr.type))


#: values cleaned per chunk: the per-line arrays of a chunk stay a few tens of MB whatever the column's size
CHUNK_ROWS = 20_000


def clean_values(texts: pa.Array | pa.ChunkedArray) -> pa.ChunkedArray:
    """Clean every value of a string array, as :func:`kit.prepare.text.clean_text` would; nulls stay null.

    Args:
        texts: Raw texts (Arrow string / large_string, nulls allowed).

    Returns:
        A ``large_string`` chunked array of the cleaned texts, same order.
    """
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks() if texts.num_chunks else pa.array([], type=pa.large_string())
    texts = texts.cast(pa.large_string())
    lines = _LineCleaner()
    chunks = []
    for at in range(0, len(texts), CHUNK_ROWS):
        chunk = texts.slice(at, CHUNK_ROWS)
        tag = _mask(chunk, _HTML)
        if not tag.any() or tag.all():  # one kind of text
            chunks.append(lines.clean(chunk, html=bool(tag.any())))
            continue
        # HTML values and the others cleaned apart (the HTML steps run on the HTML ones only), then put back in order
        order = np.concatenate([np.flatnonzero(~tag), np.flatnonzero(tag)])
        done = pa.concat_arrays([lines.clean(chunk.filter(pa.array(~tag)), html=False),
                                 lines.clean(chunk.filter(pa.array(tag)), html=True)])
        where = np.empty(len(order), dtype=np.int64)
        where[order] = np.arange(len(order))
        chunks.append(done.take(pa.array(where)))
    return pa.chunked_array(chunks, type=pa.large_string())


def _html_step(texts: pa.Array, tag: np.ndarray) -> pa.Array:
    """The HTML step of the values where ``tag``: RE2 over the ASCII ones without hidden parts, else Python."""
    ascii_ = pc.string_is_ascii(texts).to_numpy(zero_copy_only=False)
    fast = tag & ascii_ & ~_mask(texts, _HIDDEN)
    slow = tag & ~fast
    if fast.any():
        mask = pa.array(fast)
        done = texts if fast.all() else texts.filter(mask)
        for pattern, replacement in _HTML_STEPS:
            done = pc.replace_substring_regex(done, pattern, replacement)
        texts = done if fast.all() else pc.replace_with_mask(texts, mask, done.cast(pa.large_string()))
    if slow.any():
        mask = pa.array(slow)
        done = [_text._clean_html(t) for t in texts.filter(mask).to_pylist()]
        texts = pc.replace_with_mask(texts, mask, pa.array(done, type=pa.large_string()))
    return texts


class _LineCleaner:
    """Cleans chunks of texts line by line; a markup line is cleaned in Python once for the whole column."""

    def __init__(self) -> None:
        # (line, entities) -> (has a double marker, cleaned with rules off, cleaned with rules on)
        self._seen: dict[tuple[str, bool], tuple[bool, str, str]] = {}

    def clean(self, chunk: pa.Array, *, html: bool) -> pa.Array:
        """One chunk of raw texts (nulls allowed) -> cleaned texts; ``html``: they may hold HTML tags."""
        valid = None
        if chunk.null_count:
            valid = pc.is_valid(chunk)
            chunk = chunk.filter(valid)
        out = chunk
        if len(chunk):
            if html:  # HTML values: the HTML step, then the rest of the cleaning like any other text
                chunk = _html_step(chunk, _mask(chunk, _HTML))
            entities = _mask(chunk, "&") & _mask(chunk, ";")
            # not line-local: a "\r" (the line breaks change), or entities that might decode to one: cleaned whole
            whole = _mask(chunk, "\r") | (entities & _mask(chunk, "&#"))
            out = self._by_lines(chunk, entities)
            if whole.any():
                mask = pa.array(whole)
                done = [_text._after_html(t) for t in chunk.filter(mask).to_pylist()]
                out = pc.replace_with_mask(out, mask, pa.array(done, type=pa.large_string()))
        if valid is not None:
            out = pc.replace_with_mask(pa.nulls(len(valid), pa.large_string()), valid, out)
        return out

    def _markup(self, values: list[str], variants: np.ndarray) -> tuple[np.ndarray, list[str], list[str]]:
        """(double marker, rules-off text, rules-on text) of each (line, entities) variant, cached."""
        seen = self._seen
        hit = np.zeros(len(values), dtype=bool)
        off, on = [], []
        for i, (value, amp) in enumerate(zip(values, (variants & 1).astype(bool).tolist(), strict=True)):
            key = (value, amp)
            got = seen.get(key)
            if got is None:
                before = _text._before_rules(value, amp)
                cleaned = _text._after_rules(before, False)[1:].rstrip(" ")
                if ("-" in before or "*" in before or "_" in before) and _text._MD_RULE.search(before):
                    ruled = _text._after_rules(before, True)[1:].rstrip(" ")
                else:
                    ruled = cleaned
                got = seen[key] = (_text._rule_guard(before), cleaned, ruled)
            hit[i] = got[0]
            off.append(got[1])
            on.append(got[2])
        return hit, off, on

    def _by_lines(self, texts: pa.Array, entities: np.ndarray) -> pa.Array:
        """Clean line-local texts line by line: each distinct (line, entities, rules) once."""
        lists = pc.split_pattern(texts, "\n")
        offsets = lists.offsets
        n_lines = np.diff(offsets.to_numpy(zero_copy_only=False))
        encoded = pc.dictionary_encode(lists.flatten())
        codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        distinct = encoded.dictionary
        nd = len(distinct)
        text_of = np.repeat(np.arange(len(texts)), n_lines)
        # entities decoded in a line only when its text has both "&" and ";" (the whole-text guard)
        amp = _mask(distinct, "&")[codes] & entities[text_of]  # then a line with "&" is markup
        # plain lines: squeeze runs of spaces, trim spaces (what the space loops leave of an ASCII line, no markup)
        plain_out = pc.utf8_trim(_replace_where(distinct, " {2,}", " "), " ").cast(pa.large_string())
        # markup lines in Python: every (line, entities) variant that occurs
        py_line = _mask(distinct, _MARKUP)[codes] | amp
        variant = codes * 2 + amp
        wanted = np.zeros(nd * 2, dtype=bool)
        wanted[variant[py_line]] = True
        keys = np.flatnonzero(wanted)
        hit, off, on = self._markup(distinct.take(pa.array(keys // 2)).to_pylist(), keys)
        # the text-wide rules guard: any of its lines has a double marker
        key_hit = np.zeros(nd * 2, dtype=bool)
        key_hit[keys] = hit
        line_hit = np.zeros(len(codes), dtype=bool)
        line_hit[py_line] = key_hit[variant[py_line]]
        rules = np.bincount(text_of[line_hit], minlength=len(texts)) > 0
        # pieces: plain_out (nd), then the markup variants with rules off, then with rules on
        slot = np.zeros(nd * 4, dtype=np.int64)  # (variant, rules) -> position in the pieces
        slot[keys * 2] = nd + np.arange(len(keys))
        slot[keys * 2 + 1] = nd + len(keys) + np.arange(len(keys))
        pieces = pa.concat_arrays([plain_out, pa.array(off + on, type=pa.large_string())])
        per_line = np.where(py_line, slot[variant * 2 + rules[text_of]], codes)
        flat = pieces.take(pa.array(per_line))
        joined = pc.binary_join(pa.ListArray.from_arrays(offsets, flat), pa.scalar("\n", pa.large_string()))
        joined = _replace_where(joined, "\n\n\n+", "\n\n")
        return pc.utf8_trim(joined, _PY_SPACE).cast(pa.large_string())

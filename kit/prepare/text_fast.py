r"""Column-wide engine behind :func:`kit.prepare.text.clean_series`: the same text as cleaning each value alone.

:func:`kit.prepare.text.clean_text` runs HTML -> entities -> odd characters -> escapes -> links -> headers -> rules
-> bullets -> emphasis -> spaces -> blank lines -> strip over one text. Apart from the HTML step, the blank-line
collapse and the final strip, every step only looks inside one line (no pattern crosses a ``"\n"``), and the
whole-text guards are either exact (a step is skipped only where it would change nothing) or the OR of the
lines' answers: entities (the text has "&" and ";") and horizontal rules (:func:`kit.prepare.text._rule_guard`).
A column is cleaned in batches of :data:`BATCH_ROWS` values (one dictionary of lines and one of tag pieces per
batch) and written in blocks of :data:`CHUNK_ROWS` (one output chunk each). Apart from the HTML texts (copied once,
then their tag-stepped text), no step copies text before the cleaned block is written:

1. HTML values (``<`` + letter) are cut before every ``<`` (numpy over the bytes, Arrow views over the same
   buffer). Each piece holds at most one tag, at its start, and as long as no ``<`` of the text is followed by
   another ``<`` before a ``>`` (a "blocked" ``<``, which could become a tag when the tag after it goes), the tag
   steps of every piece are the tag steps of the text. So every DISTINCT piece is cleaned once, with the RE2 tag
   steps when it is ASCII (there RE2's case-insensitive letters, ``\b`` and the spelled-out ``\s`` are Python's),
   else with Python's (:func:`kit.prepare.text._strip_tags`). Texts with a blocked ``<`` or with comments,
   scripts or styles (cut by :func:`kit.prepare.text._drop_hidden`, a left-to-right scan) are cleaned whole by
   ``clean_text``;
2. every text (HTML ones after step 1) is cut into lines the same way (a line's value keeps its ``"\n"``) and the
   lines are dictionary-encoded, so every DISTINCT line is looked at once: one RE2 pass picks the lines with
   markup, "&", ";", "\r" or runs of spaces, and numpy their first and last bytes; lines with markup (and lines
   with "&" in texts whose entities are decoded) are cleaned in Python (``_before_rules`` / ``_after_rules``,
   cached for the whole column per (line, entities) with both rule answers), the others with RE2 (runs of spaces
   squeezed, ends trimmed) where they need it at all. The per-text guards (entities, rules, not line-local) are
   ORs of per-line flags over the lines' codes (numpy);
3. blank-line collapse and the final strip are decided per line from the lengths of the cleaned lines (numpy), and
   the kept cleaned lines are gathered, with their line breaks, straight into the block's text (one ``take``,
   its buffer sized to the output: see :class:`_Gather`). Texts that are not line-local (a ``"\r"``, entities
   that might decode to one (``&#``)), or whose cleaned lines hold a line break (an odd line separator, a decoded
   ``&NewLine;``) or start or end with a space character ``str.strip`` removes are cleaned whole, value by value,
   by the same function as ``clean_text``.

Posting texts are built from a company's paragraphs and bullet banks, so distinct lines and tag pieces are a small
share of all of them (100k postings: ~1.5M lines, ~125k distinct; ~1M tag pieces, ~19k distinct; ~7k distinct
markup lines). ``tests/test_text_fast.py`` checks the answers against ``clean_text`` value by value on generated
markup and hostile text.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kit.prepare import text as _text

__all__ = ["clean_chunks", "clean_values"]

#: what ``str.strip()`` removes (the ``str.isspace`` characters; tests/test_text_fast.py checks the list), for Arrow
_PY_SPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
             "\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
#: a line matching none of this needs no Python (only its runs of spaces are squeezed and its ends trimmed): no
#: character an escape, link, header, rule or emphasis step looks for, no odd character (``_CHAR_FIXES``), no "+"
#: or bullet character opening a bullet, no line of dashes that a rule removes; "&" counts only in texts whose
#: entities are decoded (see ``_Cleaner._flags``)
_MARKUP = (r"[\\\]#*_\t\x0b\x0c\r" + "".join(f"\\x{{{ord(c):x}}}" for c, _ in _text._CHAR_FIXES)
           + "".join(f"\\x{{{ord(c):x}}}" for c in _text._BULLET_CHARS) + r"]|--|- -|^ *\+ |^ *(?:- *){3,}$")
_HTML = "<[a-zA-Z/!]"  # the same test as ``_HAS_TAG``
#: the tag steps (:func:`kit.prepare.text._strip_tags`) in RE2, for ASCII text: on ASCII, Python's
#: case-insensitive letters and ``\b`` are RE2's; ``\s`` is spelled out (Python's includes \x1c-\x1f)
_HTML_STEPS = (
    ("(?i)" + _text._LIST_ITEM_END.pattern.replace(r"\s", r"[\t\n\x0b\x0c\r\x1c-\x1f ]"), ""),
    ("(?i)" + _text._LIST_ITEM.pattern, "\n- "),
    ("(?i)" + _text._BLOCK_TAG.pattern, "\n"),
    (_text._ANY_TAG.pattern, ""),
)
#: tag pieces (cut before each "<"), ASCII ones: ``_drop_hidden``'s guard passes ("<!--", "<s", "<S"); the piece
#: opens a comment, script or style (``_HIDDEN_START`` at its start); its "<" is blocked by the next piece's "<"
#: when another piece follows (no ">" and no NUL after it)
_PIECE_GUARD = "^(?:<!--|<[sS])"
_PIECE_HIDDEN = r"(?i)^<(?:!--|(?:script|style)\b)"
_PIECE_OPEN = "^<[^<>\x00]*$"

#: values cleaned per block (and per output chunk): a block's per-line arrays stay a few MB whatever the column
CHUNK_ROWS = 20_000
#: values per batch: one dictionary of lines (and one of tag pieces) per batch, so each distinct one is looked at
#: once per batch; until its blocks are written a batch holds views of the input, offsets, codes and its HTML texts
BATCH_ROWS = 200_000


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


def clean_values(texts: pa.Array | pa.ChunkedArray) -> pa.ChunkedArray:
    """Clean every value of a string array, as :func:`kit.prepare.text.clean_text` would; nulls stay null.

    Args:
        texts: Raw texts (Arrow string / large_string, nulls allowed).

    Returns:
        A ``large_string`` chunked array of the cleaned texts, same order, in chunks of at most
        :data:`CHUNK_ROWS` values.
    """
    return pa.chunked_array(clean_chunks(texts), type=pa.large_string())


def clean_chunks(texts: pa.Array | pa.ChunkedArray) -> list[pa.Array]:
    """Like :func:`clean_values`, as a list of ``large_string`` arrays of at most :data:`CHUNK_ROWS` values each."""
    if isinstance(texts, pa.Array):
        texts = pa.chunked_array([texts])
    if texts.type not in (pa.string(), pa.large_string()):
        texts = texts.cast(pa.large_string())
    cleaner, out = _Cleaner(), []
    for at in range(0, len(texts), BATCH_ROWS):
        out.extend(cleaner.batch(texts.slice(at, BATCH_ROWS)))
    return out


# --- helpers over Arrow buffers -------------------------------------------------------------------------------------
def _layout(arr: pa.Array) -> tuple[np.ndarray, np.ndarray, pa.Buffer]:
    """(offsets as int64 into the data buffer, the data bytes, the data buffer) of a string / large_string array."""
    width = np.int64 if arr.type == pa.large_string() else np.int32
    offs = np.frombuffer(arr.buffers()[1], dtype=width)[arr.offset:arr.offset + len(arr) + 1].astype(np.int64)
    buf = arr.buffers()[2] or pa.py_buffer(b"")
    return offs, np.frombuffer(buf, dtype=np.uint8), buf


def _find(data: np.ndarray, lo: int, hi: int, byte: int) -> np.ndarray:
    """Positions of ``byte`` in ``data[lo:hi]`` (scanned in slices: no mask the size of the text)."""
    step = 1 << 22
    found = [np.flatnonzero(data[at:min(at + step, hi)] == byte) + at for at in range(lo, hi, step)]
    return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)


def _cut(offs: np.ndarray, data: np.ndarray, byte: int, after: bool,
         keep: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Cut the texts ``[offs[i], offs[i + 1])`` at every ``byte`` as ``str.split`` would.

    The cut is after the byte when ``after``, else before it; texts where not ``keep`` stay whole.

    Returns:
        (the pieces' offsets, how many pieces each text has): the pieces are contiguous in the data buffer.
    """
    pos = _find(data, int(offs[0]), int(offs[-1]), byte)
    counts = np.diff(np.searchsorted(pos, offs))  # hits per text
    if keep is not None and not keep.all():
        pos = pos[np.repeat(keep, counts)]
        counts = np.where(keep, counts, 0)
    pieces = counts + 1
    first = np.cumsum(pieces) - pieces
    bounds = np.empty(int(pieces.sum()) + 1, dtype=np.int64)
    bounds[first] = offs[:-1]
    bounds[np.arange(len(pos)) + np.repeat(first + 1 - (np.cumsum(counts) - counts), counts)] = pos + after
    bounds[-1] = offs[-1]
    return bounds, pieces


def _strings(bounds: np.ndarray, buf: pa.Buffer, valid: np.ndarray | None = None) -> pa.Array:
    """A ``large_string`` array viewing ``buf`` between ``bounds`` (no copy); null where not ``valid``."""
    n = len(bounds) - 1
    if valid is None or valid.all():
        return pa.LargeStringArray.from_buffers(n, pa.py_buffer(bounds), buf)
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(bounds), buf, pa.array(valid).buffers()[1],
                                            int(n - valid.sum()))


def _starts(counts: np.ndarray) -> np.ndarray:
    return np.cumsum(counts) - counts


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``concatenate([arange(s, s + c) for s, c in zip(starts, counts)])`` without the loop."""
    return np.repeat(starts - _starts(counts), counts) + np.arange(int(counts.sum()))


def _any_per(flags: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Per group of consecutive items starting at ``first`` (no group empty): whether any item is set."""
    return np.logical_or.reduceat(flags, first) if len(flags) else np.zeros(len(first), dtype=bool)


def _encode(arrays: list[pa.Array]) -> tuple[np.ndarray, pa.Array]:
    """Dictionary codes (null -> the dictionary's length) of the values of ``arrays`` together, and the dictionary."""
    enc = pc.dictionary_encode(pa.chunked_array(arrays, type=pa.large_string()))
    dictionary = enc.chunks[0].dictionary if enc.num_chunks else pa.array([], pa.large_string())
    nd = len(dictionary)
    codes = [pc.fill_null(c.indices, nd).to_numpy(zero_copy_only=False) for c in enc.chunks]
    return (np.concatenate(codes).astype(np.int32, copy=False) if codes else np.zeros(0, dtype=np.int32)), dictionary


class _Block:
    """One block of texts on its way: which are HTML, where every text's lines are, which are cleaned whole."""

    def __init__(self, parts: list[pa.Array]) -> None:
        self.parts = parts  # the block's pieces of the column's chunks (views)
        self.n = sum(len(p) for p in parts)
        self.valid = np.concatenate([p.is_valid().to_numpy(zero_copy_only=False) for p in parts])
        self.tag = np.concatenate([_mask(p, _HTML) for p in parts]) & self.valid
        self.html_rows = np.flatnonzero(self.tag)
        # the HTML texts (one array), then the same after the tag steps
        self.html = (pa.chunked_array(parts).filter(pa.array(self.tag)).combine_chunks().cast(pa.large_string())
                     if len(self.html_rows) else None)
        self.after_html: pa.Array | None = None
        self.slow = np.zeros(self.n, dtype=bool)  # HTML texts cleaned whole by clean_text
        self.arrays: list[pa.Array] = []  # lines: views of the texts, a null line for a text that is not cut
        self.starts = np.zeros(self.n, dtype=np.int64)  # text i's lines: arrays' values starts[i] .. + counts[i]
        self.counts = np.zeros(self.n, dtype=np.int64)
        self.codes = np.zeros(0, dtype=np.int64)  # every text's lines' dictionary codes, in text order
        self.kind = np.zeros(0, dtype=np.uint8)  # per line: 0 plain, 1 markup, 2 markup with entities decoded
        self.whole = np.zeros(self.n, dtype=bool)  # texts cleaned whole
        self.kept = np.zeros(0, dtype=np.int64)  # the pieces of the texts' kept lines, in order
        self.last = np.zeros(0, dtype=bool)  # ... whether each is its text's last (no "\n" after it)
        self.per = np.zeros(self.n, dtype=np.int64)  # kept lines per text
        self.rows = np.zeros(0, dtype=np.int64)  # texts cleaned whole, and their cleaned text
        self.whole_out: list[str] = []

    def cut_lines(self) -> None:
        """Cut every valid text into lines (HTML ones after the tag steps)."""
        base, at = 0, 0
        for p in self.parts:
            offs, data, buf = _layout(p)
            keep = self.valid[at:at + len(p)] & ~self.tag[at:at + len(p)]
            bounds, pieces = _cut(offs, data, 10, True, keep)
            self.arrays.append(_strings(bounds, buf, np.repeat(keep, pieces)))
            self.starts[at:at + len(p)] = base + _starts(pieces)
            self.counts[at:at + len(p)] = pieces
            base, at = base + len(bounds) - 1, at + len(p)
        if self.after_html is not None:
            keep = ~self.slow[self.html_rows]
            offs, data, buf = _layout(self.after_html)
            bounds, pieces = _cut(offs, data, 10, True, keep)
            self.arrays.append(_strings(bounds, buf, np.repeat(keep, pieces)))
            self.starts[self.html_rows] = base + _starts(pieces)
            self.counts[self.html_rows] = pieces

    def whole_texts(self, rows: np.ndarray) -> list[str]:
        """``clean_text`` of the texts at ``rows`` (HTML ones from after the tag steps unless slow)."""
        raw = pa.chunked_array(self.parts).take(pa.array(rows)).to_pylist()
        at_html = np.searchsorted(self.html_rows, rows)
        done = []
        for row, text, i in zip(rows.tolist(), raw, at_html.tolist(), strict=True):
            if not self.tag[row]:
                done.append(_text._after_html(text))
            elif self.slow[row]:
                done.append(_text._clean_one(text))
            else:
                done.append(_text._after_html(self.after_html[i].as_py()))
        return done


#: a cleaned line that does not join plainly: a first or last character ``str.strip`` removes (before its "\n")
_EDGE = "".join(f"\\x{{{ord(c):x}}}" for c in _PY_SPACE if c != "\n")
_UNEVEN_LINE = f"^[{_EDGE}]|[{_EDGE}]\n?$"
#: _MARKUP for a line that may end with its "\n" (RE2's "$" is the end of the value only)
_MARKUP_LINE = _MARKUP[:-1] + "\n?$"
#: a cleaned markup line that does not join plainly: a line break inside, a first or last character strip() removes
_SPACE = "".join(f"\\x{{{ord(c):x}}}" for c in _PY_SPACE)
_UNEVEN = f"\n|^[{_SPACE}]|[{_SPACE}]$"
_NL = pa.scalar("\n", pa.large_string())
_EMPTY = pa.scalar("", pa.large_string())
#: one pass over the distinct lines finds the ones that need a closer look: markup, "&", ";", "\r", two spaces
_ATTENTION = "[&;\r" + _MARKUP_LINE[1:] + "|  "
#: bytes that may start or end a character ``str.strip`` removes (UTF-8: any non-ASCII byte may)
_EDGE_BYTE = np.zeros(256, dtype=bool)
_EDGE_BYTE[[ord(c) for c in _PY_SPACE if c.isascii()]] = True
_EDGE_BYTE[128:] = True


class _Lines:
    r"""What is known of every distinct line of a batch (its dictionary; the null line is code ``len``).

    A line's value keeps its "\\n" (but for a text's last line): the value is the cleaned line as it is written out
    when it is a plain line that is not its text's last.
    """

    def __init__(self, dictionary: pa.Array) -> None:
        self.nd = nd = len(dictionary)
        offs, data, _ = _layout(dictionary)
        length = np.diff(offs)
        ends = np.maximum(offs[1:] - 1, 0)
        self.has_nl = np.append((length > 0) & (data[ends] == 10 if len(data) else False), False)
        content = length - self.has_nl[:nd]
        # first and last byte of every non-empty line: a space to trim, or a character strip() may remove
        some = np.flatnonzero(content > 0)
        head, tail = data[offs[:-1][some]], data[ends[some] - self.has_nl[some]]
        spaced = np.zeros(nd, dtype=bool)
        spaced[some] = (head == 32) | (tail == 32)
        edge = np.zeros(nd, dtype=bool)
        edge[some] = _EDGE_BYTE[head] | _EDGE_BYTE[tail]
        # "&", ";", "\r", "&#", markup; runs of spaces: one pass finds the lines to look at more closely
        look = np.flatnonzero(_mask(dictionary, _ATTENTION) | spaced | edge)
        subset = dictionary.take(pa.array(look))
        self.bits = np.zeros(nd + 1, dtype=np.uint8)
        for bit, pattern in enumerate(("&", ";", "\r", "&#", _MARKUP_LINE)):
            self.bits[look] |= _mask(subset, pattern).astype(np.uint8) << bit
        # plain lines: squeeze runs of spaces, trim spaces (what the space loops leave of a line without markup)
        fix = _mask(subset, "  ") | spaced[look]
        self.fix = look[fix]
        self.fixed = pc.replace_substring_regex(pc.replace_substring_regex(subset.filter(pa.array(fix)), " {2,}", " "),
                                                "^ | (\n?)$", r"\1").cast(pa.large_string())
        length[self.fix] = pc.binary_length(self.fixed).to_numpy(zero_copy_only=False)
        self.empty = np.append(length - self.has_nl[:nd] == 0, False)
        self.uneven = np.zeros(nd + 1, dtype=bool)
        if edge.any():
            cleaned = pc.replace_with_mask(subset, pa.array(fix), self.fixed) if fix.any() else subset
            self.uneven[look] = _mask(cleaned, _UNEVEN_LINE) & edge[look]
        self.wanted = np.zeros(nd * 2 + 2, dtype=bool)  # (line, entities) variants cleaned in Python


class _Cleaner:
    """Cleans batches of texts; a markup line is cleaned in Python once for the whole column."""

    def __init__(self) -> None:
        # (line, entities) -> (has a double marker, cleaned with rules off, cleaned with rules on)
        self._seen: dict[tuple[str, bool], tuple[bool, str, str]] = {}

    def batch(self, texts: pa.ChunkedArray) -> list[pa.Array]:
        """Raw texts (nulls allowed) -> cleaned texts, one array per block of :data:`CHUNK_ROWS`."""
        blocks = [_Block([c for c in texts.slice(at, CHUNK_ROWS).chunks if len(c)])
                  for at in range(0, len(texts), CHUNK_ROWS)]
        if any(b.html is not None for b in blocks):
            self._tag_steps([b for b in blocks if b.html is not None])
        for b in blocks:
            b.cut_lines()
        codes, dictionary = _encode([a for b in blocks for a in b.arrays])
        at = 0
        for b in blocks:
            size = sum(len(a) for a in b.arrays)
            b.codes, b.arrays, at = codes[at:at + size][_ranges(b.starts, b.counts)], [], at + size
        del codes
        lines = _Lines(dictionary)
        nd = lines.nd
        for b in blocks:
            self._flags(b, lines)
        # markup lines in Python: every (line, entities) variant that occurs
        keys = np.flatnonzero(lines.wanted)
        values = [v[:-1] if v.endswith("\n") else v for v in dictionary.take(pa.array(keys // 2)).to_pylist()]
        hit, off, on = self._markup(values, keys)
        key_hit = np.zeros(nd * 2 + 2, dtype=bool)
        key_hit[keys] = hit
        # pieces: plain lines (nd), the markup variants with rules off, with rules on, none (for no line)
        slot = np.zeros(nd * 4 + 4, dtype=np.int64)  # (variant, rules) -> piece
        slot[keys * 2] = nd + np.arange(len(keys))
        slot[keys * 2 + 1] = nd + len(keys) + np.arange(len(keys))
        markup = pa.array(off + on, type=pa.large_string())
        del off, on
        length = pc.binary_length(markup).to_numpy(zero_copy_only=False)
        empty = np.concatenate([lines.empty[:nd], length == 0, [False]]).astype(bool)
        uneven = np.concatenate([lines.uneven[:nd], _mask(markup, _UNEVEN), [False]]).astype(bool)
        for b in blocks:
            self._keep(b, lines, key_hit, slot, empty, uneven)
        # what is written: the lines' values as they are, squeezed / trimmed ones, a text's last line without its
        # "\n", the markup variants with a "\n" and without
        is_cut = np.zeros(nd + 1, dtype=bool)  # lines written as a text's last that have a "\n" to drop
        for b in blocks:
            is_cut[b.kept[b.last & (b.kept < nd)]] = True
        cut = np.flatnonzero(is_cut & lines.has_nl)
        as_written = np.arange(nd, dtype=np.int64)
        as_written[lines.fix] = nd + np.arange(len(lines.fix))
        at_cut = np.zeros(nd + 1, dtype=np.int64)
        at_cut[cut] = nd + len(lines.fix) + np.arange(len(cut))
        with_nl = nd + len(lines.fix) + len(cut)
        cut_values = dictionary.take(pa.array(cut))
        at_fix = np.minimum(np.searchsorted(lines.fix, cut), max(len(lines.fix) - 1, 0))
        was_fixed = lines.fix[at_fix] == cut if len(lines.fix) else np.zeros(len(cut), dtype=bool)
        if was_fixed.any():
            cut_values = pc.replace_with_mask(cut_values, pa.array(was_fixed),
                                              lines.fixed.take(pa.array(at_fix[was_fixed])))
        # the markup variants written with a "\n" (not a text's last line), and without
        inner, outer = np.zeros(len(markup), dtype=bool), np.zeros(len(markup), dtype=bool)
        for b in blocks:
            mine = b.kept >= nd
            inner[b.kept[mine & ~b.last] - nd] = True
            outer[b.kept[mine & b.last] - nd] = True
        inner, outer = np.flatnonzero(inner), np.flatnonzero(outer)
        at_markup = np.zeros((2, len(markup) + 1), dtype=np.int64)
        at_markup[0, inner] = with_nl + np.arange(len(inner))
        at_markup[1, outer] = with_nl + len(inner) + np.arange(len(outer))
        indexes = []
        for b in blocks:
            k = b.kept
            pk = np.minimum(k, nd - 1)
            indexes.append(np.where(k < nd, np.where(b.last & at_cut[pk].astype(bool), at_cut[pk], as_written[pk]),
                                    at_markup[b.last.astype(np.int64), np.maximum(k - nd, 0)]))
            b.kept = b.last = np.zeros(0, dtype=np.int64)
        table = _Gather([dictionary, lines.fixed, pc.utf8_rtrim(cut_values, "\n"),
                         pc.binary_join_element_wise(markup.take(pa.array(inner)), _EMPTY, _NL),
                         markup.take(pa.array(outer))], indexes)
        del dictionary, lines, cut_values, markup
        return [self._write(b, table.take(i, index)) for i, (b, index) in enumerate(zip(blocks, indexes, strict=True))]

    def _tag_steps(self, blocks: list[_Block]) -> None:
        """The tag steps of every block's HTML texts (``after_html``; ``slow``: texts ``clean_text`` cleans whole)."""
        arrays, cuts = [], []
        for b in blocks:
            offs, data, buf = _layout(b.html)
            bounds, pieces = _cut(offs, data, 60, False, None)
            arrays.append(_strings(bounds, buf))
            cuts.append(pieces)
        codes, distinct = _encode(arrays)
        del arrays
        out, flags = _tag_pieces(distinct)
        mines = np.split(codes, np.cumsum([int(pieces.sum()) for pieces in cuts])[:-1])
        table = _Gather([out], mines)
        for i, (b, pieces, mine) in enumerate(zip(blocks, cuts, mines, strict=True)):
            first = _starts(pieces)
            occ = flags[mine]
            blocked = (occ & 4) != 0
            blocked[first + pieces - 1] = False  # the text's last "<": nothing after it to become a tag with
            hidden = np.bitwise_or.reduceat(occ & 3, first) == 3  # the guard passes and a hidden part opens
            b.slow[b.html_rows] = hidden | _any_per(blocked, first)
            taken = table.take(i, mine)
            toffs = np.frombuffer(taken.buffers()[1], dtype=np.int64)[:len(mine) + 1]
            b.after_html = pa.LargeStringArray.from_buffers(len(b.html), pa.py_buffer(toffs[np.r_[first, len(mine)]]),
                                                            taken.buffers()[2] or pa.py_buffer(b""))
            b.html = None

    def _flags(self, b: _Block, lines: _Lines) -> None:
        """A block's texts cleaned whole (``b.whole``), its lines' kinds (``b.kind``); the variants it wants."""
        first = _starts(b.counts)
        text_of = np.repeat(np.arange(b.n, dtype=np.int32), b.counts)
        bits = lines.bits[b.codes]
        per_text = np.bitwise_or.reduceat(bits, first)
        entities = (per_text & 3) == 3
        # not line-local: a "\r" (the line breaks change), or entities that might decode to one: cleaned whole
        b.whole = b.slow | ((per_text & 4) != 0) | (entities & ((per_text & 8) != 0))
        live = b.valid & ~b.whole
        amp = (bits & 1).astype(bool) & entities[text_of]
        py_line = (((bits & 16) != 0) | amp) & live[text_of]
        b.kind = (py_line.astype(np.uint8) + (py_line & amp)).astype(np.uint8)
        py = np.flatnonzero(py_line)
        lines.wanted[b.codes[py].astype(np.int64) * 2 + amp[py]] = True

    def _keep(self, b: _Block, lines: _Lines, key_hit: np.ndarray, slot: np.ndarray, empty: np.ndarray,
              uneven: np.ndarray) -> None:
        """A block's kept lines (``b.kept``, ``b.last``, ``b.per``) and its texts cleaned whole (``b.rows``)."""
        n, counts, codes = b.n, b.counts, b.codes
        first = _starts(counts)
        text_of = np.repeat(np.arange(n, dtype=np.int32), counts)
        py = np.flatnonzero(b.kind)
        variant = codes[py].astype(np.int64) * 2 + (b.kind[py] == 2)
        # the text-wide rules guard: any of its lines has a double marker
        rules = np.zeros(n, dtype=bool)
        rules[text_of[py[key_hit[variant]]]] = True
        piece = np.minimum(codes, lines.nd - 1).astype(np.int64)
        piece[py] = slot[variant * 2 + rules[text_of[py]]]
        piece[~(b.valid & ~b.whole)[text_of]] = len(empty) - 1  # texts cleaned whole: no piece
        # texts cleaned whole: not line-local, or a cleaned line that does not join plainly
        whole = b.whole | (_any_per(uneven[piece], first) & b.valid)
        live = (b.valid & ~whole)[text_of]
        # blank lines: a text's lines from its first to its last non-empty one, no two empty ones in a row
        full = ~empty[piece] & live
        seen = np.cumsum(full)
        before = seen - full - np.repeat(seen[first] - full[first], counts)  # non-empty lines before, in the text
        total = np.add.reduceat(full.astype(np.int64), first)[text_of]
        prev_empty = np.r_[False, ~full[:-1]]
        keep = (before + full >= 1) & (before < total) & live & (full | ~prev_empty)
        b.kept = piece[keep]
        b.last = (full & (before + 1 == total))[keep]
        b.per = np.add.reduceat(keep.astype(np.int64), first)
        b.rows = np.flatnonzero(whole & b.valid)
        b.whole_out = b.whole_texts(b.rows) if len(b.rows) else []
        b.codes = b.kind = np.zeros(0, dtype=np.int64)
        b.after_html = None

    def _write(self, b: _Block, taken: pa.Array) -> pa.Array:
        """A block's cleaned texts from its kept lines' values (``taken``, in order) and the texts cleaned whole."""
        n = b.n
        toffs = np.frombuffer(taken.buffers()[1], dtype=np.int64)[:len(taken) + 1]
        nulls = int(n - b.valid.sum())
        out = pa.LargeStringArray.from_buffers(n, pa.py_buffer(toffs[np.r_[_starts(b.per), len(taken)]]),
                                               taken.buffers()[2] or pa.py_buffer(b""),
                                               pa.array(b.valid).buffers()[1] if nulls else None, nulls)
        if len(b.rows):  # texts cleaned whole by clean_text's own code
            mask = np.zeros(n, dtype=bool)
            mask[b.rows] = True
            out = pc.replace_with_mask(out, pa.array(mask), pa.array(b.whole_out, type=pa.large_string()))
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


class _Gather:
    """``table.take(index)`` for several index arrays into one table, each output buffer allocated at its size.

    Arrow's take presizes its output's data as (the table's mean value length x the number of indices) and doubles
    it when short. Distinct lines are long and few, the lines written out short and many, so that guess is a few
    times the output (100k postings: ~88 MB for a block of 31 MB). Empty values after the table (offsets only), as
    many as each take needs, bring the mean to that take's own: each take reads a slice of one table.
    """

    def __init__(self, parts: list[pa.Array], indexes: list[np.ndarray]) -> None:
        lengths = np.concatenate([np.diff(_layout(p)[0]) for p in parts])
        total, self.size = int(lengths.sum()), len(lengths)
        self.pads = []
        for index in indexes:  # mean = total / (size + pad) >= what this take writes per index
            need = int(lengths[index].sum())
            self.pads.append(max(total * len(index) // need - self.size - 1, 0) if need else 0)
        pad = max(self.pads, default=0)
        empty = pa.LargeStringArray.from_buffers(pad, pa.py_buffer(np.zeros(pad + 1, dtype=np.int64)),
                                                 pa.py_buffer(b""))
        self.table = pa.concat_arrays([p.cast(pa.large_string()) for p in parts] + [empty])

    def take(self, i: int, index: np.ndarray) -> pa.Array:
        """``table.take(index)``, ``index`` being the ``i``-th of the index arrays given."""
        return self.table.slice(0, self.size + self.pads[i]).take(pa.array(index))


def _tag_pieces(distinct: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Distinct tag pieces -> (after the tag steps, flags: 1 hidden guard, 2 opens a hidden part, 4 blocked "<")."""
    ascii_ = pc.string_is_ascii(distinct).to_numpy(zero_copy_only=False)
    out = distinct
    for pattern, replacement in _HTML_STEPS:
        out = _replace_where(out, pattern, replacement)
    flags = (_mask(distinct, _PIECE_GUARD) * 1 + _mask(distinct, _PIECE_HIDDEN) * 2
             + _mask(distinct, _PIECE_OPEN) * 4)
    if not ascii_.all():  # Python's own steps and tests where RE2 and Python may differ
        other = np.flatnonzero(~ascii_)
        values = distinct.take(pa.array(other)).to_pylist()
        flags[other] = [v.startswith(("<!--", "<s", "<S")) + 2 * bool(_text._HIDDEN_START.match(v))
                        + 4 * (v.startswith("<") and ">" not in v and "\x00" not in v) for v in values]
        out = pc.replace_with_mask(out, pa.array(~ascii_),
                                   pa.array([_text._strip_tags(v) for v in values], type=pa.large_string()))
    return out, flags

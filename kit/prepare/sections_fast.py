"""Column-wide engine behind :func:`kit.prepare.sections.spans_series` and :func:`company_boilerplate`.

Same answers as running :func:`kit.prepare.sections.section_spans` text by text, computed over a whole column:

1. the distinct texts are split into lines in one Arrow pass (``split_pattern``) and the lines dictionary-encoded;
2. every *distinct* line is read once: length, blank, lower case and the normalized form used for company
   boilerplate over the whole dictionary in Arrow (Python's ``lower`` only for non-ASCII lines); heading kind in
   Python only for the lines that can be headings (short non-bullet lines, or an early colon); legal / benefits /
   about wording with an RE2 prefilter, Python's patterns on its candidates only;
3. company boilerplate is counted with numpy over (company, distinct text, normalized line) codes;
4. the line-by-line state machine of ``section_spans`` (current heading, "headed", blank lines joining the
   section before) becomes running maxima over line positions, and spans are formatted with Arrow string
   kernels.

Private to :mod:`kit.prepare.sections` (imported lazily from there); timings in ``python -m benchmarks --only load``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kit.prepare.prefilter import search_mask
from kit.prepare.text_fast import _PY_SPACE

if TYPE_CHECKING:
    from kit.prepare.sections import SectionRules

__all__ = ["boilerplate_codes", "spans_column"]

# kind codes: the heading kinds first (in rules order), then these
_EXTRA = ("body", "legal", "benefits", "boilerplate", "about")
#: texts cut per chunk (bounds the per-line arrays: ~20 lines per text x ~15 arrays of int64)
_CHUNK = 10_000


def _arrow_strings(s: pd.Series) -> pa.Array:
    arr = pa.array(s.array) if not isinstance(s.array, pd.arrays.ArrowStringArray) else s.array._pa_array
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr.cast(pa.large_string())


class _Lines:
    """The lines of distinct texts: per line its text id and distinct-line code; per distinct line its features."""

    def __init__(self, texts: pa.Array, rules: SectionRules, kinds: list[str]) -> None:
        from kit.prepare.sections import _INLINE, _ROLE_HEADED, _heading_kind

        # split and dictionary-encode chunk by chunk (the lines of all texts are never in memory at once), then
        # one dictionary for all: unified in order of first appearance, the codes a single encoding would give
        counts, encoded = [], []
        for at in range(0, len(texts), _CHUNK):
            lists = pc.split_pattern(texts.slice(at, _CHUNK), "\n")
            counts.append(np.diff(lists.offsets.to_numpy(zero_copy_only=False)))
            encoded.append(pc.dictionary_encode(lists.flatten()))
        if encoded:
            unified = pa.chunked_array(encoded).unify_dictionaries()
            distinct = unified.chunk(0).dictionary
            codes = [_ints(c.indices) for c in unified.chunks]
        else:
            distinct, codes = pa.array([], type=pa.large_string()), []
        self.offsets = np.concatenate([[0], np.cumsum(np.concatenate(counts or [[]]))]).astype(np.int64)
        self.codes = np.concatenate(codes or [np.empty(0, dtype=np.int64)]).astype(np.int64)
        n = len(distinct)
        self.distinct = distinct
        self._rules = rules
        self._asked: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        # per distinct line, over the whole dictionary in Arrow: what section_spans reads of a line with
        # len(), .strip() (Python's whitespace), .lower() (ASCII lines; the others in Python) and .split()
        self.length = _ints(pc.utf8_length(distinct))
        stripped_len = _ints(pc.utf8_length(pc.utf8_trim(distinct, _PY_SPACE)))
        self.blank = stripped_len == 0
        ascii_ = pc.string_is_ascii(distinct).to_numpy(zero_copy_only=False)
        low = pc.ascii_lower(distinct)
        if not ascii_.all():
            other = pa.array(~ascii_)
            low = pc.replace_with_mask(low, other, pa.array([v.lower() for v in distinct.filter(other).to_pylist()],
                                                            type=low.type))
        self.low = low
        self.legal = search_mask(rules.legal, None, arrow=low)
        # headings: only short non-bullet lines, or a "Heading: text" colon early in the line, can be one
        maybe = ~self.blank & (
            ((stripped_len <= rules.max_chars)
             & ~pc.starts_with(pc.utf8_trim(distinct, _PY_SPACE), "- ").to_numpy(zero_copy_only=False))
            | pc.match_substring_regex(pc.utf8_slice_codeunits(distinct, 0, 62), ":").to_numpy(zero_copy_only=False))
        kind_code = {k: i for i, k in enumerate(kinds)}
        self.head = np.full(n, -1, dtype=np.int64)
        cand = np.flatnonzero(maybe)
        for i, line in zip(cand.tolist(), distinct.take(pa.array(cand, type=pa.int64())).to_pylist(), strict=True):
            kind = _heading_kind(line, rules)
            if kind is None and ":" in line[:62]:
                m = _INLINE.match(line.strip())
                if m and (k := _heading_kind(m.group(1), rules)) is not None and len(m.group(2)) > 20:
                    kind = k
            if kind is not None:
                self.head[i] = kind_code[kind]
        # long lines and their normalized form (" ".join(low.split())), numbered in order of first appearance
        self.long = ~self.blank & (stripped_len >= rules.repeat_min_chars)
        self.norm = np.full(n, -1, dtype=np.int64)
        long_pos = np.flatnonzero(self.long)
        long_low = low.take(pa.array(long_pos, type=pa.int64()))
        # (replacing is slow per value in Arrow: only lines with a run of whitespace other than one space)
        odd = pc.match_substring_regex(long_low, _ODD_SPACE)
        norm = long_low
        if pc.any(odd).as_py():
            norm = pc.replace_with_mask(long_low, odd, pc.replace_substring_regex(
                long_low.filter(odd), _ASCII_SPACE_RUN, " ").cast(long_low.type))
        norm = pc.utf8_trim(norm, _ASCII_SPACE)
        wide = ~ascii_[long_pos]
        if wide.any():
            mask = pa.array(wide)
            norm = pc.replace_with_mask(norm, mask, pa.array([" ".join(v.split()) for v in
                                                              long_low.filter(mask).to_pylist()], type=norm.type))
        norm_codes = pc.dictionary_encode(norm)
        self.norm[long_pos] = _ints(norm_codes.indices)
        self.norm_text = norm_codes.dictionary  # Arrow strings; read back only for boilerplate hits
        self.role_headed = np.array([k.split("/")[0] in _ROLE_HEADED for k in kinds])

    def wording(self, which: str, wanted: np.ndarray) -> np.ndarray:
        """``benefits`` / ``about`` wording per distinct line, searched once per line and only where ``wanted``.

        Lines not yet asked about read False; the answers are kept for later calls (chunks of texts).
        """
        value, done = self._asked.setdefault(which, (np.zeros(len(self.distinct), dtype=bool),
                                                     np.zeros(len(self.distinct), dtype=bool)))
        pattern = self._rules.benefits if which == "benefits" else self._rules.about
        idx = np.flatnonzero(wanted & ~done)
        if idx.size:
            subset = self.low.take(pa.array(idx, type=pa.int64())).to_pylist()
            value[idx] = search_mask(pattern, subset if which == "benefits" else [v.strip() for v in subset])
            done[idx] = True
        return value


#: Python's ``str.split()`` whitespace on ASCII text (``_PY_SPACE``: all of it, what ``str.strip()`` removes)
_ASCII_SPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f "
_ASCII_SPACE_RUN = "[\t\n\x0b\x0c\r\x1c-\x1f ]+"
_ODD_SPACE = "[\t\n\x0b\x0c\r\x1c-\x1f]|  "


def _ints(arr: pa.Array) -> np.ndarray:
    return arr.to_numpy(zero_copy_only=False).astype(np.int64)


def _codes(s: pd.Series) -> tuple[np.ndarray, pa.Array]:
    """Dictionary codes (-1 for NA) and the distinct values, by Arrow's hash kernel (~10x pandas' factorize)."""
    arr = pa.array(s.array) if not isinstance(s.array, pd.arrays.ArrowStringArray) else s.array._pa_array
    if isinstance(arr, pa.ChunkedArray) and arr.num_chunks > 1:
        # chunk by chunk, one dictionary unified in order of first appearance (the codes one encoding gives),
        # without first copying the column into one array
        unified = pc.dictionary_encode(arr).unify_dictionaries()
        codes = np.concatenate([_ints(pc.fill_null(c.indices, -1)) for c in unified.chunks])
        return codes, unified.chunk(0).dictionary.cast(pa.large_string())
    encoded = pc.dictionary_encode(_arrow_strings(s))
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, encoded.dictionary


def _unique(x: np.ndarray) -> np.ndarray:
    """Sorted distinct values (numpy's hash-based ``unique`` is ~30x slower on large int arrays)."""
    s = np.sort(x)
    keep = np.ones(s.size, dtype=bool)
    keep[1:] = s[1:] != s[:-1]
    return s[keep]


def boilerplate_codes(
    d_codes: np.ndarray, c_codes: np.ndarray, lines: _Lines, rules: SectionRules
) -> np.ndarray:
    """Sorted keys ``company_code * n_norm + norm_code`` of lines repeated across most of a company's postings.

    Same rule as :func:`kit.prepare.sections.company_boilerplate` (rows with a text and a company; companies with
    at least ``repeat_min_postings`` such rows; a normalized line of >= ``repeat_min_chars`` characters in at
    least ``max(repeat_min_postings, ceil(repeat_share * distinct texts))`` of the company's distinct texts).
    """
    n_norm = max(len(lines.norm_text), 1)
    ok = (d_codes >= 0) & (c_codes >= 0)
    c_ok, d_ok = c_codes[ok], d_codes[ok]
    if c_ok.size == 0:
        return np.empty(0, dtype=np.int64)
    n_comp = int(c_codes.max()) + 1
    rows = np.bincount(c_ok, minlength=n_comp)
    big = rows >= rules.repeat_min_postings
    keep = big[c_ok]
    pairs = _unique(c_ok[keep] * (int(d_codes.max()) + 1) + d_ok[keep])
    if pairs.size == 0:
        return np.empty(0, dtype=np.int64)
    pc_, pd_ = pairs // (int(d_codes.max()) + 1), pairs % (int(d_codes.max()) + 1)
    n_texts = np.bincount(pc_, minlength=n_comp)
    need = np.maximum(rules.repeat_min_postings, np.ceil(rules.repeat_share * n_texts).astype(np.int64))
    starts, ends = lines.offsets[pd_], lines.offsets[pd_ + 1]
    counts = ends - starts
    pair_of_line = np.repeat(np.arange(pairs.size), counts)
    pos = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts) + np.repeat(starts, counts)
    norm = lines.norm[lines.codes[pos]]
    has = norm >= 0
    key = _unique(pair_of_line[has].astype(np.int64) * n_norm + norm[has])  # one count per text and line
    comp = pc_[key // n_norm]
    cn = comp * n_norm + key % n_norm
    uniq, cnt = np.unique(cn, return_counts=True)
    return uniq[cnt >= need[uniq // n_norm]]


def spans_column(
    desc: pd.Series, comp: pd.Series | None, rules: SectionRules, *, spans: bool = True
) -> tuple[pd.Series | None, dict]:
    """The ``sections`` span strings of ``desc`` (and the boilerplate hits per company, as normalized lines).

    Args:
        desc: Clean texts (``string`` dtype).
        comp: Companies (``string``) or None (no boilerplate step).
        rules: Compiled section rules.
        spans: False returns ``(None, boilerplate)`` without cutting the texts.

    Returns:
        ``(spans, boilerplate)``: the span strings on ``desc``'s index (NA for NA / empty texts) and
        ``{company: [normalized lines]}``.
    """
    kinds = [k for k, _ in rules.headings] + [k for k in _EXTRA if k not in {k for k, _ in rules.headings}]
    code = {k: i for i, k in enumerate(kinds)}
    body, legal, benefits, boiler, about = (code[k] for k in _EXTRA)
    d_codes, texts = _codes(desc)
    if len(texts) == 0:  # no text at all (empty column, all NA)
        return (pd.Series(pd.NA, index=desc.index, dtype="string") if spans else None), {}
    lines = _Lines(texts, rules, kinds)
    n_norm = max(len(lines.norm_text), 1)
    if comp is not None:
        c_codes, c_dict = _codes(comp)
        c_uniq = c_dict.to_pylist()
        hits = boilerplate_codes(d_codes, c_codes, lines, rules)
    else:
        c_codes, c_uniq, hits = np.full(len(desc), -1, dtype=np.int64), [], np.empty(0, dtype=np.int64)
    hit_comp = _unique(hits // n_norm)
    found = {c_uniq[int(c)]: lines.norm_text.take(pa.array(hits[hits // n_norm == c] % n_norm)).to_pylist()
             for c in hit_comp}
    if not spans:
        return None, found
    # one computation per distinct (text, company with boilerplate) pair
    c_eff = np.where(np.isin(c_codes, hit_comp), c_codes, -1)
    valid = d_codes >= 0
    texts_len = pc.utf8_length(texts).to_numpy(zero_copy_only=False)
    valid &= texts_len[np.maximum(d_codes, 0)] > 0
    width = int(c_eff.max()) + 2
    pair_key = np.where(valid, d_codes * width + (c_eff + 1), -1)
    pairs, inverse = np.unique(pair_key, return_inverse=True)
    real = pairs >= 0
    p_d, p_c = pairs // width, pairs % width - 1
    p_d, p_c = p_d[real], p_c[real]
    out_values = np.full(pairs.size, None, dtype=object)
    if p_d.size:  # in chunks of texts: the per-line arrays stay a few tens of MB whatever the corpus size
        parts = [_spans_for_pairs(p_d[at:at + _CHUNK], p_c[at:at + _CHUNK], lines, hits, n_norm, kinds,
                                  (body, legal, benefits, boiler, about)) for at in range(0, p_d.size, _CHUNK)]
        out_values[real] = np.concatenate(parts)
    result = out_values[inverse.reshape(-1)]
    result[~valid] = None
    return pd.Series(pd.array(list(result), dtype="string"), index=desc.index), found


def _spans_for_pairs(
    p_d: np.ndarray, p_c: np.ndarray, lines: _Lines, hits: np.ndarray, n_norm: int, kinds: list[str],
    extra: tuple[int, int, int, int, int],
) -> np.ndarray:
    body, legal, benefits, boiler, about = extra
    starts, ends = lines.offsets[p_d], lines.offsets[p_d + 1]
    counts = ends - starts
    group_first = np.cumsum(counts) - counts  # position of each pair's first line
    group = np.repeat(np.arange(p_d.size), counts)
    n = int(counts.sum())
    pos = np.arange(n)
    code = lines.codes[pos - np.repeat(group_first, counts) + np.repeat(starts, counts)]
    gstart = group_first[group]
    first = pos == gstart
    blank = lines.blank[code]
    head = lines.head[code]
    is_head = head >= 0
    # current heading: the last heading at or before the line, within the text
    last = np.maximum.accumulate(np.where(is_head, pos, -1))
    headed = last >= gstart
    current = np.where(headed, head[np.maximum(last, 0)], body)
    role = lines.role_headed[current]
    # wording asked only where section_spans would ask it (distinct lines)
    plain = ~blank & ~is_head & ~lines.legal[code]
    ben_line = lines.wording("benefits", np.bincount(code[plain & ~role], minlength=len(lines.distinct)) > 0)
    ben = ben_line[code] & ~role
    kind = current.copy()
    rest = plain & ~ben
    if hits.size:
        key = np.where(p_c[group] >= 0, p_c[group] * n_norm + lines.norm[code], -1)
        rep = rest & ~headed & lines.long[code] & (p_c[group] >= 0) & np.isin(key, hits)
    else:
        rep = np.zeros(n, dtype=bool)
    ask_about = rest & ~rep & ~headed
    about_line = lines.wording("about", np.bincount(code[ask_about], minlength=len(lines.distinct)) > 0)
    ab = ask_about & about_line[code]
    kind[is_head & ~blank] = head[is_head & ~blank]
    kind[~blank & ~is_head & lines.legal[code]] = legal
    kind[plain & ben] = benefits
    kind[rep] = boiler
    kind[ab] = about
    # merge: blank lines (not first) join the span before; a span starts where the kind changes
    marked = ~blank | first
    ek = kind[np.maximum.accumulate(np.where(marked, pos, -1))]
    prev = np.empty_like(ek)
    prev[1:] = ek[:-1]
    starter = first | (~blank & (kind != np.where(first, -1, prev)))
    # character offsets of lines within their text
    step = lines.length[code] + 1
    csum = np.cumsum(step) - step
    line_start = csum - csum[gstart]
    text_len = np.add.reduceat(step, group_first) - 1 if n else np.empty(0, dtype=np.int64)
    s_pos = np.flatnonzero(starter)
    s_group = group[s_pos]
    s_start = line_start[s_pos]
    s_end = np.empty_like(s_start)
    s_end[:-1] = s_start[1:]
    last_of_group = np.ones(s_pos.size, dtype=bool)
    last_of_group[:-1] = s_group[1:] != s_group[:-1]
    s_end[last_of_group] = text_len[s_group[last_of_group]]
    s_kind = pa.array(np.array(kinds, dtype=object)[kind[s_pos]], type=pa.string())
    parts = pc.binary_join_element_wise(s_kind, ":", pa.array(s_start).cast(pa.string()), "-",
                                        pa.array(s_end).cast(pa.string()), "")
    per_group = np.bincount(s_group, minlength=p_d.size)
    list_offsets = np.concatenate([[0], np.cumsum(per_group)]).astype(np.int32)
    joined = pc.binary_join(pa.ListArray.from_arrays(pa.array(list_offsets), parts), ";")
    return np.array(joined.to_pylist(), dtype=object)


def lines_in_kinds(n_lines: np.ndarray, line_len: np.ndarray, spans: pa.Array,
                   kinds: tuple[str, ...]) -> np.ndarray | None:
    """Which lines of each text lie in a section of ``kinds``, read from the ``sections`` span strings.

    The lines are those of ``text.split(newline)``, given by their count per text and their length (characters);
    a text without spans (null or empty) is one "body" section, as :func:`kit.prepare.sections.section_text`
    reads it. A line counts when its section's kind, or the kind's family (``requirements`` of
    ``requirements/minimum``), is in ``kinds``.

    Args:
        n_lines: Lines per text (at least 1 each).
        line_len: Characters per line (all texts' lines in order).
        spans: The span strings, one per text (nulls allowed).
        kinds: The section kinds wanted.

    Returns:
        A bool per line, or None when the spans do not cut each text at line starts into consecutive sections
        from 0 to its end (not spans this kit wrote for these texts): the caller cuts the texts itself then.
    """
    n_texts = len(n_lines)
    line_len = line_len.astype(np.int64)
    line_text = np.repeat(np.arange(n_texts), n_lines)
    step = line_len + 1
    text_len = np.bincount(line_text, weights=step, minlength=n_texts).astype(np.int64) - 1
    # global character positions: text t starts at base[t], one past the previous text's end
    base = np.concatenate([[0], np.cumsum(text_len + 1)[:-1]]).astype(np.int64)
    line_start = np.cumsum(step) - step  # == base[text] + the line's offset in its text
    spans = pc.fill_null(spans.cast(pa.large_string()), "")
    has = pc.greater(pc.binary_length(spans), 0).to_numpy(zero_copy_only=False)
    parts = pc.split_pattern(spans, ";")
    per_text = np.diff(parts.offsets.to_numpy(zero_copy_only=False))
    pieces = parts.flatten().filter(pa.array(np.repeat(has, per_text)))
    per_text = np.where(has, per_text, 0)
    fields = pc.extract_regex(pieces, r"^(?P<kind>[a-z/]+):(?P<start>\d+)-(?P<end>\d+)$")
    if fields.null_count:
        return None
    kind_codes = pc.dictionary_encode(fields.field("kind"))
    wanted = np.array([k in kinds or k.split("/")[0] in kinds for k in kind_codes.dictionary.to_pylist()] + [False])
    span_ok = wanted[kind_codes.indices.to_numpy(zero_copy_only=False)]
    starts = pc.cast(fields.field("start"), pa.int64()).to_numpy(zero_copy_only=False)
    ends = pc.cast(fields.field("end"), pa.int64()).to_numpy(zero_copy_only=False)
    span_text = np.repeat(np.arange(n_texts), per_text)
    # consecutive sections from 0 to the text's end ...
    first = np.ones(len(starts), dtype=bool)
    first[1:] = span_text[1:] != span_text[:-1]
    last = np.ones(len(starts), dtype=bool)
    last[:-1] = first[1:]
    prev_end = np.concatenate([[0], ends[:-1]])
    if (np.any(starts[first] != 0) or np.any(starts[~first] != prev_end[~first])
            or np.any(ends[last] != text_len[span_text[last]]) or np.any(ends < starts)):
        return None
    # ... each starting at a line start
    keep = ends > starts
    k_start, k_ok = base[span_text[keep]] + starts[keep], span_ok[keep]
    pos = np.searchsorted(line_start, k_start)
    if np.any(pos >= len(line_start)) or np.any(line_start[np.minimum(pos, len(line_start) - 1)] != k_start):
        return None
    # each line's section: the last non-empty one starting at or before it (the first starts at the text's 0)
    out = np.full(len(line_start), "body" in kinds, dtype=bool)
    spanned = has[line_text]
    which = np.searchsorted(k_start, line_start[spanned], side="right") - 1
    out[spanned] = k_ok[which]
    return out

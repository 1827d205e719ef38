"""Which lines of each text lie in sections of some kinds, read from the ``sections`` span strings, fast.

The span strings are read by two Arrow kernels without capture groups: one RE2 match of the whole string checks
its form (``kind:start-end`` pieces joined by ``;``), one split at ``;``, ``:`` and ``-`` cuts it into kind,
start, end; each line's section is a running count of section starts, not a binary search. tests/test_spanlines.py
compares it with the first column version (a capturing ``extract_regex`` per piece and a binary search, kept there
as the reference) on the kit's own spans and on spans it did not write.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["lines_in_kinds"]

_PIECE = r"[a-z/]+:\d+-\d+"
_SPANS = rf"^{_PIECE}(?:;{_PIECE})*$"


def _ints(arr: pa.Array) -> np.ndarray:
    return pc.cast(arr, pa.int64()).to_numpy(zero_copy_only=False)


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
    given = spans.filter(pa.array(has))
    per_text = np.zeros(n_texts, dtype=np.int64)
    if len(given):
        if not pc.all(pc.match_substring_regex(given, _SPANS)).as_py():
            return None
        tokens = pc.split_pattern(pc.replace_substring(pc.replace_substring(given, ":", ";"), "-", ";"), ";")
        per_text[has] = np.diff(tokens.offsets.to_numpy(zero_copy_only=False)) // 3
        flat = tokens.flatten()
        third = np.arange(0, len(flat), 3, dtype=np.int64)
        kind_of = flat.take(pa.array(third))
        starts, ends = _ints(flat.take(pa.array(third + 1))), _ints(flat.take(pa.array(third + 2)))
    else:
        kind_of = pa.array([], type=pa.large_string())
        starts = ends = np.empty(0, dtype=np.int64)
    kind_codes = pc.dictionary_encode(kind_of)
    wanted = np.array([k in kinds or k.split("/")[0] in kinds for k in kind_codes.dictionary.to_pylist()] + [False])
    span_ok = wanted[kind_codes.indices.to_numpy(zero_copy_only=False).astype(np.int64)]
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
    # each line's section: the last non-empty one starting at or before it (the first starts at the text's 0);
    # the non-empty sections start at distinct lines in order, so that is a running count of section starts
    out = np.full(len(line_start), "body" in kinds, dtype=bool)
    spanned = has[line_text]
    starts_here = np.zeros(len(line_start), dtype=np.int64)
    starts_here[pos] = 1
    which = np.cumsum(starts_here) - 1
    out[spanned] = k_ok[which[spanned]]
    return out

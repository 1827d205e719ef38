"""kit.prepare.spanlines.lines_in_kinds gives the answer of the first column version (kept below as the reference).

Compared on the kit's own spans of generated postings and on spans it did not write (garbled forms, gaps,
overlaps, cuts inside a line, empty sections, nulls, empty strings), for several kinds.
"""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from kit.prepare import spanlines
from kit.prepare.sections import ROLE_KINDS, spans_series

KINDS = [ROLE_KINDS, ("about",), ("body",), ("requirements",), ("benefits", "legal"), ("requirements/minimum",)]


def _reference_lines_in_kinds(n_lines: np.ndarray, line_len: np.ndarray, spans: pa.Array,
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


def _lines(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    lists = pc.split_pattern(pa.array(texts, type=pa.string()), "\n")
    return np.diff(lists.offsets.to_numpy()), pc.utf8_length(lists.flatten()).to_numpy().astype(np.int64)


def _compare(texts: list[str], spans: list[str | None]) -> int:
    n_lines, line_len = _lines(texts)
    arr = pa.array(spans, type=pa.string())
    fitted = 0
    for kinds in KINDS:
        want = _reference_lines_in_kinds(n_lines, line_len, arr, kinds)
        got = spanlines.lines_in_kinds(n_lines, line_len, arr, kinds)
        if want is None:
            assert got is None, kinds
        else:
            fitted += 1
            assert got is not None and np.array_equal(got, want), kinds
    return fitted


def _postings(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    heads = ["About us", "What you'll do", "Requirements", "Minimum qualifications", "Benefits", "EEO statement",
             "Responsibilities:", "Who you are", ""]
    words = ["api", "roadmap", "we", "build", "pay", "équipe", "naïve", "401(k)", "- bullet", "x" * 80]
    out = []
    for _ in range(n):
        lines = []
        for _ in range(rng.randint(0, 14)):
            lines.append(rng.choice(heads) if rng.random() < 0.3 else " ".join(rng.choices(words, k=rng.randint(0, 9))))
        out.append("\n".join(lines))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kit_spans_same_lines(seed):
    texts = _postings(seed, 700)
    spans = spans_series(pd.Series(texts, dtype="string")).tolist()
    spans = [None if pd.isna(s) else s for s in spans]
    assert _compare(texts, spans) == len(KINDS)


def _garble(rng: random.Random, spans: str | None, length: int) -> str | None:
    choice = rng.randrange(9)
    if choice == 0:
        return None
    if choice == 1:
        return ""
    if choice == 2:
        return "garbage"
    if choice == 3:
        return f"body:0-{length};"
    if choice == 4:
        return f"about:0-{max(length - 1, 0)}"  # does not reach the end
    if choice == 5:
        return f"about:0-1;body:1-{length}"  # cuts a line
    if choice == 6:
        return f"about:0-0;body:0-{length}"  # an empty section first
    if choice == 7:
        return f"Body:0-{length}"  # not the kit's kind spelling
    return spans


def test_spans_the_kit_did_not_write():
    rng = random.Random(5)
    texts = _postings(9, 300)
    spans = spans_series(pd.Series(texts, dtype="string")).tolist()
    fitted = 0
    for k in range(len(texts)):  # one garbled text in a block of good ones, then blocks of garbled ones
        spans_k = [None if pd.isna(s) else s for s in spans]
        spans_k[k] = _garble(rng, spans_k[k], len(texts[k]))
        fitted += _compare(texts[max(0, k - 3):k + 3], spans_k[max(0, k - 3):k + 3])
    assert 0 < fitted < len(texts) * len(KINDS)


def test_no_spans_at_all():
    texts = ["a\nb", "", "c"]
    assert _compare(texts, [None, None, ""]) == len(KINDS)

"""The phrase index's tokenizer: descriptions to tokens and 1-3 word n-grams, with a compiled fast path.

Tokens are the matches of :data:`kit.index.lexicon.TOKEN_PATTERN` in the lower-cased text (compounds such
as "trade-offs" and "ai/ml" as one token, else scikit-learn's default word pattern). Two ways to get them, same output:

* :func:`analyzer` - Python's ``re.findall`` per text, n-grams joined as strings (any pattern, any n);
* :func:`tokenize_partition` - a whole partition of texts at once: ASCII texts are split into word runs
  by numpy over their bytes, the others by ``re.findall``; the tokens come back as one pyarrow array
  plus per-text counts. The byte path is used only for patterns listed in :data:`_ARROW_SPLITS`, whose
  meaning on ASCII text is a simple byte class (a test checks the equivalence on generated text); any
  other pattern (e.g. a new :data:`~kit.index.lexicon.TOKEN_PATTERN`) uses ``re.findall`` for every text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kit.index.lexicon import TOKEN_PATTERN

__all__ = ["analyzer", "lengths_and_ends", "stop_set", "texts_of", "tokenize_partition"]

#: Token patterns with an equivalent on ASCII text: (joiners, minimum token length without a joiner).
#: ``(?u)\b\w\w+\b`` on ASCII text = maximal runs of ``[A-Za-z0-9_]`` of two or more characters;
#: the compound pattern = maximal runs of word bytes and of ``-`` / ``/`` bytes that have a word byte on both
#: sides, kept when two or more bytes long or holding a joiner ("a-b", "ai/ml").
_ARROW_SPLITS: dict[str, tuple[bytes, int]] = {
    r"(?u)\b\w\w+\b": (b"", 2),
    r"(?u)\b\w+(?:[-/]\w+)+\b|\b\w\w+\b": (b"-/", 2),
}
_WORD_BYTES = np.zeros(256, dtype=bool)
for _c in b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_":
    _WORD_BYTES[_c] = True
_LOWER_BYTES = np.arange(256, dtype=np.uint8)
_LOWER_BYTES[ord("A") : ord("Z") + 1] += 32


def stop_set(stop_words: str | Iterable[str] | None) -> frozenset[str]:
    """The stop-word set: ``"english"`` (scikit-learn's list), a list of words (lower-cased), or None (empty).

    Raises:
        ValueError: ``stop_words`` is another string.
    """
    if stop_words is None:
        return frozenset()
    if isinstance(stop_words, str):
        if stop_words != "english":
            raise ValueError(f"stop_words={stop_words!r}: expected 'english', a list of words or None")
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        return frozenset(ENGLISH_STOP_WORDS)
    return frozenset(str(w).lower() for w in stop_words)


def texts_of(values: Iterable) -> list[str]:
    """``values`` as a list of str (None / NA / NaN become "")."""
    if isinstance(values, pd.Series):
        return values.astype("string").fillna("").tolist()
    return ["" if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA else str(v) for v in values]


def lengths_and_ends(names: np.ndarray) -> tuple[np.ndarray, pa.Array, pa.Array]:
    """Words per n-gram (int8), first word and last word (pyarrow arrays) of n-gram strings."""
    arr = pa.array(names, type=pa.large_string()) if len(names) else pa.array([], type=pa.large_string())
    lengths = pc.add(pc.count_substring(arr, " "), 1).to_numpy(zero_copy_only=False).astype(np.int8)
    first = pc.replace_substring_regex(arr, r" .*$", "")
    last = pc.replace_substring_regex(arr, r"^.* ", "")
    return lengths, first, last


def analyzer(max_n: int, lengths: list[int] | None = None, *, pattern: str = TOKEN_PATTERN):
    """scikit-learn's word analysis (lower case, the token pattern, 1..max_n word n-grams), faster.

    Same output as ``CountVectorizer(ngram_range=(1, max_n)).build_analyzer()``: all unigrams, then all
    bigrams, then trigrams, joined with ``map``/``zip`` in C instead of a Python loop over slices.
    The default token pattern keeps a hyphenated or slashed compound as one token ("cross-functional");
    lexicon variants are counted under every spelling (:func:`kit.index.lexicon.spellings`), so
    "cross functional" in the lexicon still matches it. When ``lengths`` is given, each document's
    token count is appended to it.
    """
    findall = re.compile(pattern).findall
    join = " ".join

    def analyze(doc: str) -> list[str]:
        tokens = findall(doc.lower())
        if lengths is not None:
            lengths.append(len(tokens))
        grams = list(tokens)
        for n in range(2, max_n + 1):
            grams += map(join, zip(*(tokens[i:] for i in range(n)), strict=False))
        return grams

    return analyze


def tokenize_partition(texts: list[str], *, pattern: str = TOKEN_PATTERN) -> tuple[pa.Array, np.ndarray]:
    """The tokens of every text of a partition, in order, as one flat array, and the count per text.

    Args:
        texts: The texts (str).
        pattern: The token pattern (:data:`kit.index.lexicon.TOKEN_PATTERN`).

    Returns:
        ``(tokens, counts)``: a pyarrow large_string array of all tokens (text 0's first) and an
        int64 array, ``counts[i]`` = tokens of text ``i``.
    """
    n = len(texts)
    split = _ARROW_SPLITS.get(pattern)
    findall = re.compile(pattern).findall
    if split is None or n == 0:
        return _python_tokens(texts, range(n), findall, n)
    ascii_mask = np.fromiter((t.isascii() for t in texts), dtype=bool, count=n)
    ascii_rows = np.flatnonzero(ascii_mask)
    other_rows = np.flatnonzero(~ascii_mask)
    arr = pa.array([texts[i] for i in ascii_rows] if len(other_rows) else texts, type=pa.large_string())
    tokens_a, counts_a = _ascii_word_runs(arr, split[1], joiners=split[0])
    if not len(other_rows):
        return tokens_a, counts_a
    tokens_b, counts_b = _python_tokens(texts, other_rows, findall, n)
    counts = np.zeros(n, dtype=np.int64)
    counts[ascii_rows] = counts_a
    counts[other_rows] = counts_b[other_rows]
    # interleave: token k of the output comes from tokens_a or tokens_b, in text order
    from_b = np.repeat(~ascii_mask, counts)
    order = np.empty(len(from_b), dtype=np.int64)
    order[~from_b] = np.arange(len(tokens_a))
    order[from_b] = len(tokens_a) + np.arange(len(tokens_b))
    both = pa.concat_arrays([tokens_a.cast(pa.large_string()), tokens_b])
    return both.take(pa.array(order)), counts


def _ascii_word_runs(arr: pa.LargeStringArray, min_len: int, *, joiners: bytes = b"") -> tuple[pa.Array, np.ndarray]:
    """Maximal runs of word bytes (``[A-Za-z0-9_]``) of at least ``min_len`` bytes, lower-cased, in ASCII texts.

    Works on the array's byte buffer with numpy: word / non-word per byte, run starts and ends (a
    text's first and last byte always bound a run), then the kept runs' bytes copied into one buffer.
    With ``joiners`` (e.g. ``b"-/"``), a joiner byte between two word bytes of the same text belongs to the run
    (a compound), and a run holding one is kept whatever its length.
    """
    n = len(arr)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset : arr.offset + n + 1]
    data_buf = arr.buffers()[2]
    data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, dtype=np.uint8)
    data = data[offsets[0] : offsets[-1]]
    offsets = offsets - offsets[0]
    size = len(data)
    if not size:
        return pa.array([], type=pa.large_string()), np.zeros(n, dtype=np.int64)
    word = _WORD_BYTES[data]
    nonempty = offsets[1:] > offsets[:-1]
    joined = None
    if joiners and size > 2:
        is_joiner = np.isin(data, np.frombuffer(joiners, dtype=np.uint8))
        # a joiner is inside a compound when both neighbours are word bytes of the same text
        joined = np.zeros(size, dtype=bool)
        joined[1:-1] = is_joiner[1:-1] & word[:-2] & word[2:]
        joined[offsets[:-1][nonempty]] = False
        joined[offsets[1:][nonempty] - 1] = False
        word = word | joined
    before = np.empty(size, dtype=bool)  # the previous byte is a word byte of the same text
    before[0] = False
    before[1:] = word[:-1]
    before[offsets[:-1][nonempty]] = False
    after = np.empty(size, dtype=bool)  # the next byte is a word byte of the same text
    after[-1] = False
    after[:-1] = word[1:]
    after[offsets[1:][nonempty] - 1] = False
    starts = np.flatnonzero(word & ~before)
    ends = np.flatnonzero(word & ~after) + 1
    lens = ends - starts
    keep = lens >= min_len
    if joined is not None and joined.any():
        in_run = np.cumsum(joined)  # joiners up to each byte: a run holds one when the count grows across it
        keep |= (in_run[ends - 1] - in_run[starts] + joined[starts]) > 0
    inside = word  # the word bytes, minus those of runs shorter than min_len
    short_starts, short_lens = starts[~keep], lens[~keep]
    for k in range(min_len - 1):
        inside[short_starts[short_lens > k] + k] = False
    starts, ends, lens = starts[keep], ends[keep], lens[keep]
    doc = np.searchsorted(offsets, starts, side="right") - 1
    counts = np.bincount(doc, minlength=n).astype(np.int64)
    chars = _LOWER_BYTES[data[inside]]
    token_offsets = np.zeros(len(lens) + 1, dtype=np.int64)
    np.cumsum(lens, out=token_offsets[1:])
    tokens = pa.LargeStringArray.from_buffers(len(lens), pa.py_buffer(token_offsets), pa.py_buffer(chars.tobytes()))
    return tokens, counts


def _python_tokens(texts: list[str], rows: Iterable[int], findall, n: int) -> tuple[pa.Array, np.ndarray]:
    counts = np.zeros(n, dtype=np.int64)
    tokens: list[str] = []
    extend = tokens.extend
    for i in rows:
        found = findall(texts[i].lower())
        counts[i] = len(found)
        extend(found)
    return pa.array(tokens, type=pa.large_string()), counts

"""The counting seam of the phrase index: a map over partitions of texts and a merge.

* **map** - :func:`count_partition` ``(texts, params) -> PartitionCounts`` tokenizes and counts one
  partition. It is pure and its inputs and outputs pickle (plain lists, numpy / scipy / pyarrow
  arrays, a frozen dataclass), so it can run in another process or on another machine.
* **merge** - :func:`merge_partitions` unions the partitions' vocabularies in first-seen order, stacks
  their matrices and prunes n-grams seen in fewer than ``min_df`` texts.

The vocabulary order is the order in which n-grams are first seen reading the texts in order (each
text's unigrams, then bigrams, then trigrams), so the result does not depend on where the partition
boundaries fall: any partitioning, counted anywhere, merges to the same matrices.

**Backends** run the map: :data:`BACKENDS` maps a name to a callable
``run(partitions: list, params: CountParams, **options) -> list[PartitionCounts]``. Built in:
``"local"`` (in this process, the default), ``"processes"`` (a process pool over the machine's cores;
option ``workers``) and ``"dask"`` (:mod:`kit.index.distributed`; options ``client``, ``scheduler``).
:func:`register_backend` adds one.

Counting inside a partition (:func:`count_partition`) uses pyarrow's compiled kernels: tokens are
dictionary-encoded, 2-3 word n-grams are packed into one int64 of their token codes (21 bits each)
and factorized with numpy / pandas, and only the n-grams kept get a string. The result equals
scikit-learn's ``CountVectorizer._count_vocab`` with :func:`kit.index.tokenize.analyzer` (used as the
fallback for longer n-grams or a partition with more than two million distinct tokens).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from kit.core.pool import worker_pool
from kit.index.lexicon import MAX_WORDS, TOKEN_PATTERN, spellings
from kit.index.tokenize import analyzer, lengths_and_ends, stop_set, texts_of, tokenize_partition

__all__ = [
    "BACKENDS",
    "DEFAULT_CHUNK",
    "CountParams",
    "NgramCounts",
    "PartitionCounts",
    "count_ngrams",
    "count_partition",
    "count_params",
    "merge_partitions",
    "partition",
    "register_backend",
    "run_map",
]

DEFAULT_CHUNK = 20_000  # texts per partition: 20k keeps the packed n-gram arrays ~0.3 GB (100k: 1.35 GiB peak)
_BITS = 21
_MASK = (1 << _BITS) - 1


@dataclass(frozen=True)
class CountParams:
    """What every partition is counted with (picklable; the same for all partitions of one build).

    Attributes:
        min_n: Shortest open n-gram kept.
        max_n: Longest open n-gram kept.
        n_vec: Longest n-gram counted (``max_n``, or the lexicon's longest variant when larger).
        stop_words: Open n-grams starting or ending with one of these are dropped.
        variants: ``(variant, phrase column)`` pairs of the lexicon (empty: no lexicon counts).
        n_phrases: Lexicon columns (None: no lexicon counts).
        vocabulary: Keep only these n-grams (in this order, no stop-word or length filter), or None.
        token_pattern: The token pattern (:data:`kit.index.lexicon.TOKEN_PATTERN`).
    """

    min_n: int = 1
    max_n: int = 3
    n_vec: int = 3
    stop_words: frozenset = frozenset()
    variants: tuple = ()
    n_phrases: int | None = None
    vocabulary: tuple | None = None
    token_pattern: str = TOKEN_PATTERN


@dataclass
class PartitionCounts:
    """The map's output for one partition (rows = its texts, in order).

    Attributes:
        ngrams: CSR ``rows x len(names)`` int32 counts of the kept n-grams.
        names: The kept n-grams (pyarrow large_string), in first-seen order within the partition.
        lexicon: CSR ``rows x n_phrases`` int32 lexicon counts, or None.
        doc_lengths: Tokens per text (int32).
    """

    ngrams: sp.csr_matrix
    names: pa.Array
    lexicon: sp.csr_matrix | None
    doc_lengths: np.ndarray


@dataclass
class NgramCounts:
    """What :func:`count_ngrams` returns: open n-gram counts (and optionally lexicon counts)."""

    ngrams: sp.csr_matrix
    vocabulary: np.ndarray
    ngram_lengths: np.ndarray
    doc_lengths: np.ndarray
    lexicon: sp.csr_matrix | None = None


def count_params(
    *,
    ngram_range: tuple[int, int] = (1, 3),
    stop_words: str | Iterable[str] | None = "english",
    lexicon: pd.DataFrame | None = None,
    vocabulary: Sequence[str] | None = None,
    token_pattern: str = TOKEN_PATTERN,
) -> CountParams:
    """The :class:`CountParams` of a build (validates ``ngram_range`` and ``stop_words``).

    Raises:
        ValueError: ``ngram_range`` is not ``(min_n, max_n)`` with 1 <= min_n <= max_n, or ``stop_words`` is
            another string than "english".
    """
    min_n, max_n = ngram_range
    if not 1 <= min_n <= max_n:
        raise ValueError(f"ngram_range={ngram_range!r}: expected (min_n, max_n) with 1 <= min_n <= max_n")
    variants: tuple = ()
    if lexicon is not None:
        # each variant under each spelling (space, hyphen, slash between its words): compounds are one token
        variants = tuple((s, j) for j, vs in enumerate(lexicon["variants"]) for v in vs for s in spellings(str(v)))
    return CountParams(
        min_n=int(min_n),
        max_n=int(max_n),
        n_vec=max(int(max_n), MAX_WORDS if lexicon is not None else 1),
        stop_words=stop_set(stop_words),
        variants=variants,
        n_phrases=None if lexicon is None else len(lexicon),
        vocabulary=None if vocabulary is None else tuple(str(v) for v in vocabulary),
        token_pattern=token_pattern,
    )


# --------------------------------------------------------------------------------------------- map
def count_partition(texts: Iterable, params: CountParams) -> PartitionCounts:
    """Tokenize and count one partition of texts (the map step; pure, picklable in and out).

    Args:
        texts: The partition's texts (a list, a pandas Series; None / NA count as empty).
        params: From :func:`count_params`.

    Returns:
        A :class:`PartitionCounts`.
    """
    texts = texts_of(texts)
    if params.n_vec <= 3:
        counted = _count_packed(texts, params)
        if counted is not None:
            return counted
    return _count_strings(texts, params)


def _count_packed(texts: list[str], params: CountParams) -> PartitionCounts | None:
    n = len(texts)
    tokens, lens = tokenize_partition(texts, pattern=params.token_pattern)
    encoded = pc.dictionary_encode(tokens)
    dictionary = encoded.dictionary
    if len(dictionary) >= _MASK:
        return None  # codes would not fit in 21 bits
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64) + 1
    seq, indptr = _gram_sequence(codes, lens, params.n_vec)
    gram_codes, keys = pd.factorize(seq, sort=False)
    keys = np.asarray(keys, dtype=np.int64)
    x = sp.csr_matrix(
        (np.ones(len(seq), dtype=np.int32), gram_codes.astype(np.int32), indptr), shape=(n, len(keys))
    )
    x.sum_duplicates()
    fields = [(keys >> (_BITS * s)) & _MASK for s in (2, 1, 0)]  # token code + 1 of word 1..3 (0 = none)
    lengths = sum((f > 0).astype(np.int8) for f in fields)
    first = np.where(fields[0] > 0, fields[0], np.where(fields[1] > 0, fields[1], fields[2])) - 1
    last = fields[2] - 1
    lex = None
    if params.n_phrases is not None:
        cols = _variant_columns(params.variants, dictionary, keys, params.n_vec)
        lex = _lexicon_counts(x, cols, params)
    if params.vocabulary is not None:
        names = _gram_names(dictionary, fields, lengths, np.arange(len(keys)))
        keep = np.flatnonzero(
            pc.is_in(names, value_set=pa.array(params.vocabulary, type=pa.large_string())).to_numpy(
                zero_copy_only=False
            )
        )
        names = names.take(pa.array(keep))
    else:
        ok = (lengths >= params.min_n) & (lengths <= params.max_n)
        if params.stop_words and len(keys):
            stop = pc.is_in(dictionary, value_set=pa.array(sorted(params.stop_words), type=pa.large_string()))
            stop = stop.to_numpy(zero_copy_only=False)
            ok &= ~(stop[first] | stop[last])
        keep = np.flatnonzero(ok)
        names = _gram_names(dictionary, fields, lengths, keep)
    return PartitionCounts(x[:, keep].tocsr(), names, lex, lens.astype(np.int32))


def _gram_sequence(codes: np.ndarray, lens: np.ndarray, n_vec: int) -> tuple[np.ndarray, np.ndarray]:
    """Every n-gram occurrence as a packed int64 key, in the analyzer's order; and the row pointer.

    Text ``d``'s unigrams come first, then its bigrams, then its trigrams (as
    :func:`kit.index.tokenize.analyzer` emits them), so factorizing the sequence numbers the n-grams
    in the order scikit-learn's vocabulary does. Token ``p`` of text ``d`` starts its k-word gram at
    ``indptr[d] + (grams of fewer words in d) + p``.
    """
    n = len(lens)
    n_tok = len(codes)
    starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lens, out=starts[1:])
    per = [np.maximum(lens - k, 0) for k in range(n_vec)]  # grams of k + 1 words per text
    total = np.sum(per, axis=0) if n else np.zeros(0, dtype=np.int64)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(total, out=indptr[1:])
    seq = np.empty(int(indptr[-1]), dtype=np.int64)
    base = np.repeat(indptr[:-1] - starts[:-1], lens) + np.arange(n_tok, dtype=np.int64)  # indptr[d] + p
    seq[base] = codes
    left = np.repeat(starts[1:], lens) - np.arange(n_tok, dtype=np.int64)  # tokens from p to the text's end
    shift = np.repeat(lens, lens)  # grams of fewer words placed before, per token
    key = codes
    for k in range(1, n_vec):
        key = (key[:-1] << _BITS) | codes[k:]  # gram of k + 1 words starting at each token (where it fits)
        ok = left[: len(key)] > k
        seq[(base[: len(key)] + shift[: len(key)])[ok]] = key[ok]
        shift = shift + np.repeat(per[k], lens)
    return seq, indptr


def _gram_names(dictionary: pa.Array, fields: list[np.ndarray], lengths: np.ndarray, rows: np.ndarray) -> pa.Array:
    """The strings of the packed n-grams at ``rows`` ("word word word"), built by pyarrow."""
    dictionary = dictionary.cast(pa.large_string())
    lens = lengths[rows]
    pieces, where = [], []
    for n_words in (1, 2, 3):
        at = np.flatnonzero(lens == n_words)
        if not len(at):
            continue
        words = [dictionary.take(pa.array(f[rows[at]] - 1)) for f in fields[3 - n_words :]]
        space = pa.scalar(" ", pa.large_string())
        pieces.append(words[0] if n_words == 1 else pc.binary_join_element_wise(*words, space))
        where.append(at)
    if not pieces:
        return pa.array([], type=pa.large_string())
    order = np.empty(len(rows), dtype=np.int64)
    order[np.concatenate(where)] = np.arange(len(rows))
    return pa.concat_arrays(pieces).take(pa.array(order))


def _variant_columns(variants: tuple, dictionary: pa.Array, keys: np.ndarray, n_vec: int) -> np.ndarray:
    """Column of each lexicon variant among the partition's n-grams (-1: not seen)."""
    cols = np.full(len(variants), -1, dtype=np.int64)
    if not variants or not len(keys):
        return cols
    lookup = pd.Index(dictionary.to_pandas())
    key_index = pd.Index(keys)
    packed = np.full(len(variants), -1, dtype=np.int64)
    for i, (variant, _) in enumerate(variants):
        words = variant.split(" ")
        if not 1 <= len(words) <= n_vec:
            continue
        found = lookup.get_indexer(words)
        if (found < 0).any():
            continue
        key = 0
        for code in found:
            key = (key << _BITS) | (int(code) + 1)
        packed[i] = key
    ok = packed >= 0
    cols[ok] = key_index.get_indexer(packed[ok])
    return cols


def _lexicon_counts(x: sp.csr_matrix, cols: np.ndarray, params: CountParams) -> sp.csr_matrix:
    phrase_of = np.array([j for _, j in params.variants], dtype=np.int64)
    hit = cols >= 0
    mapping = sp.csr_matrix(
        (np.ones(hit.sum(), dtype=np.int32), (np.arange(hit.sum()), phrase_of[hit])),
        shape=(int(hit.sum()), params.n_phrases),
    )
    lex = (x[:, cols[hit]] @ mapping).tocsr()
    lex.sort_indices()  # canonical: the product's index order would depend on the partition's column numbering
    return lex


def _count_strings(texts: list[str], params: CountParams) -> PartitionCounts:
    """The reference path: scikit-learn's counting step with the string analyzer (any n)."""
    from sklearn.feature_extraction.text import CountVectorizer

    n_tokens: list[int] = []
    cv = CountVectorizer(analyzer=analyzer(params.n_vec, n_tokens, pattern=params.token_pattern), dtype=np.int32)
    x, vocab = _fit(cv, texts)
    names = np.empty(len(vocab), dtype=object)
    names[np.fromiter(vocab.values(), dtype=np.int64, count=len(vocab))] = list(vocab)
    lengths, first, last = lengths_and_ends(names)
    lex = None
    if params.n_phrases is not None:
        cols = np.array([vocab.get(v, -1) for v, _ in params.variants], dtype=np.int64)
        lex = _lexicon_counts(x, cols, params)
    if params.vocabulary is not None:
        fixed = set(params.vocabulary)
        keep = np.array([i for i, nm in enumerate(names) if nm in fixed], dtype=np.int64)
    else:
        ok = (lengths >= params.min_n) & (lengths <= params.max_n)
        if params.stop_words:
            value_set = pa.array(sorted(params.stop_words), type=pa.large_string())
            bad = pc.or_(pc.is_in(first, value_set=value_set), pc.is_in(last, value_set=value_set))
            ok &= ~bad.to_numpy(zero_copy_only=False)
        keep = np.flatnonzero(ok)
    doc_lengths = np.array(n_tokens[: len(texts)], dtype=np.int32)
    kept = pa.array(names[keep].tolist(), type=pa.large_string())
    return PartitionCounts(x[:, keep].tocsr(), kept, lex, doc_lengths)


def _fit(cv, texts: list[str]) -> tuple[sp.csr_matrix, dict[str, int]]:
    """Count ``texts`` with ``cv``; the vocabulary is left in first-seen order (not sorted).

    Uses ``CountVectorizer._count_vocab`` (the counting step of ``fit_transform``, stable since
    scikit-learn 0.x) to skip sorting the vocabulary; falls back to ``fit_transform``.
    """
    if not texts:
        return sp.csr_matrix((0, 0), dtype=np.int32), {}
    count = getattr(cv, "_count_vocab", None)
    try:
        if count is not None:
            vocab, x = count(texts, False)
        else:  # pragma: no cover - a future scikit-learn without the private step
            x = cv.fit_transform(texts)
            vocab = cv.vocabulary_
    except ValueError:  # empty vocabulary: no text has a token
        return sp.csr_matrix((len(texts), 0), dtype=np.int32), {}
    x = sp.csr_matrix((x.data.astype(np.int32, copy=False), x.indices, x.indptr), shape=x.shape)
    return x, dict(vocab)


# ------------------------------------------------------------------------------------------- merge
def merge_partitions(parts: Sequence[PartitionCounts], params: CountParams, *, min_df: int = 1) -> NgramCounts:
    """Merge partitions counted by :func:`count_partition`, in order (the merge step).

    Args:
        parts: The partitions' counts, in the order of their texts.
        params: The :class:`CountParams` they were counted with.
        min_df: Keep open n-grams seen in at least this many texts (ignored with a fixed vocabulary).

    Returns:
        A :class:`NgramCounts` over all the partitions' texts.
    """
    parts = [p for p in parts if p.ngrams.shape[0]] or list(parts[:1])
    n = sum(p.ngrams.shape[0] for p in parts)
    doc_lengths = np.concatenate([p.doc_lengths for p in parts]) if parts else np.zeros(0, dtype=np.int32)
    lex = None
    if params.n_phrases is not None:
        blocks = [p.lexicon for p in parts]
        lex = sp.vstack(blocks, format="csr") if blocks else sp.csr_matrix((0, params.n_phrases), dtype=np.int32)
    if params.vocabulary is not None:
        fixed = {v: i for i, v in enumerate(dict.fromkeys(params.vocabulary))}
        out_names = np.array(list(fixed), dtype=object)
        blocks = []
        for p in parts:
            names = p.names.to_pylist()
            x = p.ngrams
            indices = np.array([fixed[nm] for nm in names], dtype=np.int32)[x.indices] if names else x.indices
            blocks.append(sp.csr_matrix((x.data, indices, x.indptr), shape=(x.shape[0], len(fixed))))
        mat = sp.vstack(blocks, format="csr") if blocks else sp.csr_matrix((0, len(fixed)), dtype=np.int32)
        mat.sort_indices()
        return NgramCounts(mat, out_names, lengths_and_ends(out_names)[0], doc_lengths, lex)
    if not parts:
        return NgramCounts(sp.csr_matrix((0, 0), dtype=np.int32), np.array([], dtype=object), np.zeros(0, np.int8),
                           doc_lengths, lex)
    if len(parts) == 1:
        mat, names = parts[0].ngrams, parts[0].names
    else:
        encoded = pc.dictionary_encode(pa.concat_arrays([p.names.cast(pa.large_string()) for p in parts]))
        codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int32)
        names = encoded.dictionary
        blocks, offset = [], 0
        for p in parts:
            x = p.ngrams
            remap = codes[offset : offset + x.shape[1]]
            offset += x.shape[1]
            blocks.append(sp.csr_matrix((x.data, remap[x.indices], x.indptr), shape=(x.shape[0], len(names))))
        mat = sp.vstack(blocks, format="csr")
        mat.sort_indices()
    if min_df > 1 and mat.shape[1]:
        dfreq = np.bincount(mat.indices, minlength=mat.shape[1])
        keep = np.flatnonzero(dfreq >= min_df)
        mat, names = mat[:, keep].tocsr(), names.take(pa.array(keep))
    out_names = np.asarray(names.to_numpy(zero_copy_only=False), dtype=object)
    if mat.shape[0] != n:  # pragma: no cover - defensive
        raise AssertionError("merged rows differ from the partitions' rows")
    return NgramCounts(mat, out_names, lengths_and_ends(out_names)[0], doc_lengths, lex)


# ---------------------------------------------------------------------------------------- backends
def _run_local(partitions: list, params: CountParams, progress: bool = False, **_options) -> list[PartitionCounts]:
    items = partitions
    if progress:
        from tqdm.auto import tqdm

        items = tqdm(partitions, desc="indexing", unit="partition")
    return [count_partition(p, params) for p in items]


def _run_processes(
    partitions: list, params: CountParams, *, workers: int | None = None, **_options
) -> list[PartitionCounts]:
    workers = max(1, min(workers or os.cpu_count() or 1, len(partitions)))
    if workers == 1 or len(partitions) == 1:
        return _run_local(partitions, params)
    with worker_pool(workers, preload=["kit.index.counting"]) as pool:
        return list(pool.map(count_partition, partitions, [params] * len(partitions)))


def _run_dask(partitions: list, params: CountParams, **options) -> list[PartitionCounts]:
    from kit.index.distributed import run_dask  # optional extra: imported only when asked for

    return run_dask(partitions, params, **options)


#: Backend name -> ``run(partitions, params, **options) -> list[PartitionCounts]`` (in partition order).
BACKENDS: dict[str, Callable[..., list[PartitionCounts]]] = {
    "local": _run_local,
    "processes": _run_processes,
    "dask": _run_dask,
}


def register_backend(name: str, run: Callable[..., list[PartitionCounts]]) -> None:
    """Add (or replace) a backend.

    Args:
        name: The ``backend=`` name.
        run: ``run(partitions, params, **options)`` returning one :class:`PartitionCounts` per partition, in order.
    """
    BACKENDS[name] = run


def run_map(backend: str, partitions: list, params: CountParams, **options) -> list[PartitionCounts]:
    """Run :func:`count_partition` over ``partitions`` with the named backend.

    Raises:
        ValueError: No backend of that name.
    """
    try:
        run = BACKENDS[backend]
    except KeyError:
        raise ValueError(f"backend={backend!r}: expected one of {', '.join(sorted(BACKENDS))}") from None
    return run(partitions, params, **options)


def _parallelism(backend: str, options: dict) -> int:
    """How many partitions the backend counts at once: the cluster's threads for "dask", else the workers / CPUs."""
    if backend == "dask":
        from kit.index.distributed import cluster_threads  # optional extra: imported only when asked for

        return cluster_threads(options.get("client"))
    return int(options.get("workers") or os.cpu_count() or 1)


def partition(texts: list[str], size: int) -> list[list[str]]:
    """``texts`` cut into consecutive partitions of at most ``size`` texts (one empty partition if none)."""
    size = max(1, int(size))
    return [texts[i : i + size] for i in range(0, max(len(texts), 1), size)]


def count_ngrams(
    texts: Iterable[str | None],
    *,
    ngram_range: tuple[int, int] = (1, 3),
    stop_words: str | Iterable[str] | None = "english",
    min_df: int = 1,
    lexicon: pd.DataFrame | None = None,
    vocabulary: Sequence[str] | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    progress: bool = False,
    backend: str = "local",
    folder: str | os.PathLike | None = None,
    **options,
) -> NgramCounts:
    """Count n-grams (and lexicon phrases) in ``texts`` in one tokenizing pass: map over partitions, then merge.

    Args:
        texts: Descriptions (None / NA count as empty).
        ngram_range: Smallest and largest n-gram size kept in ``ngrams``.
        stop_words: ``"english"`` (scikit-learn's list), a list of words, or None. An n-gram that
            starts or ends with a stop word is dropped (a stop word alone is dropped too).
        min_df: Keep n-grams seen in at least this many texts.
        lexicon: A :func:`kit.index.lexicon.load_lexicon` frame; when given, ``lexicon`` counts are
            returned too (variants are matched before any stop-word or ``min_df`` pruning).
        vocabulary: Restrict the n-grams to this vocabulary, in this order (no pruning applied).
        chunk_size: Texts per partition (bounds peak memory).
        progress: Show a tqdm progress bar over partitions (local backend).
        backend: A name in :data:`BACKENDS` ("local", "processes", "dask").
        folder: Spill (:mod:`kit.index.spill`): each partition's counts go to a file in this folder as soon as
            they are counted, then a two-pass merge; peak memory is the final matrix plus a partition (per
            worker). The result is the same. The caller owns (and removes) the folder.
        **options: Passed to the backend (``workers`` for "processes"; ``client``, ``scheduler`` for "dask").

    Returns:
        A :class:`NgramCounts`; the same whatever the backend or ``chunk_size``.
    """
    params = count_params(ngram_range=ngram_range, stop_words=stop_words, lexicon=lexicon, vocabulary=vocabulary)
    texts = texts_of(texts)
    if backend != "local":  # at least two partitions per worker thread, so a slow worker is not waited for long
        spread = 2 * _parallelism(backend, options)
        chunk_size = min(chunk_size, max(1_000, -(-len(texts) // spread)))
    if folder is None or params.vocabulary is not None:
        parts = run_map(backend, partition(texts, chunk_size), params, progress=progress, **options)
        return merge_partitions(parts, params, min_df=min_df)
    from kit.index.spill import count_spilled, merge_spilled  # spill builds on this module

    parts = partition(texts, chunk_size)
    if backend == "dask":  # the client writes each partition's counts as they come back
        paths = run_map(backend, parts, params, folder=folder, **options)
    elif backend in ("local", "processes"):
        workers = 1 if backend == "local" else _parallelism(backend, options)
        paths = count_spilled(parts.__getitem__, len(parts), params, folder, workers=workers)
    else:
        raise ValueError(f"backend={backend!r} does not spill (spill with 'local', 'processes' or 'dask')")
    return merge_spilled(paths, params, min_df=min_df)

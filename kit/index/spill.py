"""Out-of-core counting: each partition's counts are spilled to disk, then merged in two passes.

The in-memory merge (:func:`kit.index.counting.merge_partitions`) holds every partition's counts, stacks them
(a second copy) and prunes n-grams below ``min_df`` (a third). On a million postings that is three copies of
a ~1.7 GB matrix. Here each partition is counted (:func:`kit.index.counting.count_partition`, in this process
or in a process per core) and written to a file in a temporary folder at once, and the merge reads them back
twice:

1. **vocabulary pass** - the partitions' n-gram strings (small next to the matrices) are united in first-seen
   order and their document frequencies summed, which gives the kept columns (``min_df``) and the final
   row pointer;
2. **fill pass** - each partition's matrix is re-numbered to the kept columns, sorted within its rows and
   copied into arrays allocated once at their final size.

So the peak is the final matrix plus one partition (per worker), and the result is the in-memory merge's,
element for element: same vocabulary in the same order, same matrices (tests/test_spill.py).

The partitions' texts are cut from the frame one partition at a time (:func:`kit.index.scope.scoped_text` of
that slice), so the counted text of the whole table is never held either.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from kit.core.pool import worker_pool
from kit.index.counting import CountParams, NgramCounts, PartitionCounts, count_partition
from kit.index.tokenize import lengths_and_ends, texts_of

__all__ = ["SPILL_ROWS", "count_spilled", "merge_spilled", "part_paths", "write_part"]

#: ``build_index(spill=None)`` spills above this many postings (below, the in-memory merge is cheap enough).
SPILL_ROWS = 250_000


def write_part(counts: PartitionCounts, path: str) -> str:
    """Write one partition's counts to ``path`` (whole or not at all: temp file, then rename); returns the path."""
    tmp = f"{path}.tmp"
    with open(tmp, "wb") as fh:
        pickle.dump(counts, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)
    return path


def part_paths(folder: str | os.PathLike, n_parts: int) -> list[str]:
    """The file of each of ``n_parts`` partitions in ``folder``, in partition order."""
    return [str(Path(folder) / f"part-{i:06d}.pkl") for i in range(n_parts)]


def _count_to_file(texts, params: CountParams, path: str) -> str:
    """Count one partition and write its counts to ``path`` (the worker's job; returns the path)."""
    return write_part(count_partition(texts, params), path)


def _read(path: str) -> PartitionCounts:
    with open(path, "rb") as fh:
        return pickle.load(fh)  # noqa: S301 - our own file, written a moment ago in our own temp folder


def count_spilled(
    texts_of_part: Callable[[int], list[str]],
    n_parts: int,
    params: CountParams,
    folder: str | os.PathLike,
    *,
    workers: int = 1,
) -> list[str]:
    """Count ``n_parts`` partitions into files in ``folder``, in this process or in ``workers`` processes.

    Args:
        texts_of_part: ``texts_of_part(i)`` -> the texts of partition ``i`` (called once per partition, in order,
            so at most ``workers + 1`` partitions' texts are held at a time).
        n_parts: Number of partitions.
        params: From :func:`kit.index.counting.count_params`.
        folder: Where the partition files go (one per partition).
        workers: Processes counting at once (1: in this process).

    Returns:
        The partition files, in partition order.
    """
    paths = part_paths(folder, n_parts)
    if workers <= 1 or n_parts <= 1:
        for i, path in enumerate(paths):
            _count_to_file(texts_of_part(i), params, path)
        return paths
    with worker_pool(workers, preload=["kit.index.counting"]) as pool:  # Ctrl-C: the workers are ended at once
        running: set[Future] = set()
        for i, path in enumerate(paths):  # bounded in flight: the texts are pickled only when a worker is free
            if len(running) > workers:
                done, running = wait(running, return_when=FIRST_COMPLETED)
                for f in done:
                    f.result()
            running.add(pool.submit(_count_to_file, texts_of_part(i), params, path))
        for f in running:
            f.result()
    return paths


def _parts(paths: list[str]) -> Iterator[PartitionCounts]:
    for path in paths:
        yield _read(path)


def merge_spilled(paths: list[str], params: CountParams, *, min_df: int = 1) -> NgramCounts:
    """Merge spilled partitions in two passes; the same result as :func:`kit.index.counting.merge_partitions`.

    Args:
        paths: Partition files from :func:`count_spilled`, in the order of their texts.
        params: The :class:`kit.index.counting.CountParams` they were counted with (no fixed vocabulary).
        min_df: Keep n-grams seen in at least this many texts.

    Returns:
        A :class:`kit.index.counting.NgramCounts`.

    Raises:
        ValueError: ``params`` has a fixed vocabulary (use the in-memory merge).
    """
    if params.vocabulary is not None:
        raise ValueError("merge_spilled: a fixed vocabulary is merged in memory (kit.index.counting.merge_partitions)")
    # pass 1: vocabulary (first-seen order), document frequencies, rows, lexicon, token counts
    names, dfreqs, rows, doc_lengths, lex_blocks = [], [], [], [], []
    for part in _parts(paths):
        x = part.ngrams
        names.append(part.names.cast(pa.large_string()))
        dfreqs.append(np.bincount(x.indices, minlength=x.shape[1]).astype(np.int64))
        rows.append(x.shape[0])
        doc_lengths.append(part.doc_lengths)
        if params.n_phrases is not None:
            lex_blocks.append(part.lexicon)
    n = int(sum(rows))
    if names:
        encoded = pc.dictionary_encode(pa.concat_arrays(names))
        codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        vocab = encoded.dictionary
    else:
        codes, vocab = np.zeros(0, dtype=np.int64), pa.array([], type=pa.large_string())
    dfreq = np.bincount(codes, weights=np.concatenate(dfreqs) if dfreqs else None, minlength=len(vocab))
    keep = dfreq >= max(int(min_df), 1) if min_df > 1 else np.ones(len(vocab), dtype=bool)
    new_id = np.full(len(vocab), -1, dtype=np.int64)
    new_id[keep] = np.arange(int(keep.sum()))
    n_cols = int(keep.sum())
    # per partition: local column -> final column (-1: pruned)
    remaps, offset = [], 0
    for block in names:
        remaps.append(new_id[codes[offset : offset + len(block)]].astype(np.int32))
        offset += len(block)
    del codes, names, dfreqs
    # pass 2: fill the final arrays (row pointer first, from the kept entries per row)
    index_dtype = np.int32
    indptr = np.zeros(n + 1, dtype=np.int64)
    row0 = 0
    for part, remap in zip(_parts(paths), remaps, strict=True):
        x = part.ngrams
        row_of = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
        indptr[row0 + 1 : row0 + 1 + x.shape[0]] = np.bincount(row_of[remap[x.indices] >= 0], minlength=x.shape[0])
        row0 += x.shape[0]
    np.cumsum(indptr, out=indptr)
    nnz = int(indptr[-1])
    if nnz < np.iinfo(np.int32).max and n_cols < np.iinfo(np.int32).max:
        indptr_out = indptr.astype(np.int32)
    else:  # pragma: no cover - beyond 2**31 stored counts
        indptr_out, index_dtype = indptr, np.int64
    data = np.empty(nnz, dtype=np.int32)
    indices = np.empty(nnz, dtype=index_dtype)
    row0 = 0
    for part, remap in zip(_parts(paths), remaps, strict=True):
        x = part.ngrams
        cols = remap[x.indices]
        kept = cols >= 0
        counts_per_row = np.diff(indptr[row0 : row0 + x.shape[0] + 1])
        local_ptr = np.zeros(x.shape[0] + 1, dtype=np.int64)
        np.cumsum(counts_per_row, out=local_ptr[1:])
        block = sp.csr_matrix((x.data[kept], cols[kept], local_ptr), shape=(x.shape[0], max(n_cols, 1)))
        block.has_sorted_indices = False
        block.sort_indices()
        start, stop = int(indptr[row0]), int(indptr[row0 + x.shape[0]])
        data[start:stop] = block.data
        indices[start:stop] = block.indices
        row0 += x.shape[0]
    mat = sp.csr_matrix((data, indices, indptr_out), shape=(n, n_cols), copy=False)
    out_names = np.asarray(vocab.take(pa.array(np.flatnonzero(keep))).to_numpy(zero_copy_only=False), dtype=object)
    lex = None
    if params.n_phrases is not None:
        lex = sp.vstack(lex_blocks, format="csr") if lex_blocks else sp.csr_matrix((0, params.n_phrases),
                                                                                   dtype=np.int32)
    lengths = np.concatenate(doc_lengths) if doc_lengths else np.zeros(0, dtype=np.int32)
    return NgramCounts(mat, out_names, lengths_and_ends(out_names)[0], lengths, lex)


def count_frame_spilled(
    texts_of_slice: Callable[[int, int], object],
    n_rows: int,
    params: CountParams,
    *,
    chunk_size: int,
    min_df: int = 1,
    workers: int = 1,
    folder: str | os.PathLike | None = None,
) -> NgramCounts:
    """Count ``n_rows`` texts out of core: partitions of ``chunk_size`` spilled to a temporary folder, then merged.

    Args:
        texts_of_slice: ``texts_of_slice(start, stop)`` -> the texts of rows ``start:stop`` (any iterable
            :func:`kit.index.tokenize.texts_of` takes).
        n_rows: Rows in all.
        params: From :func:`kit.index.counting.count_params`.
        chunk_size: Rows per partition.
        min_df: Keep n-grams seen in at least this many texts.
        workers: Processes counting at once (1: in this process).
        folder: Parent of the temporary folder (default: the system's temp folder, ``$TMPDIR``); it is removed
            afterwards, also on an error or interrupt.

    Returns:
        A :class:`kit.index.counting.NgramCounts`, equal to the in-memory build's.
    """
    size = max(1, int(chunk_size))
    bounds = [(i, min(i + size, n_rows)) for i in range(0, max(n_rows, 1), size)]
    with tempfile.TemporaryDirectory(prefix="kit-index-", dir=folder) as tmp:
        paths = count_spilled(lambda i: texts_of(texts_of_slice(*bounds[i])), len(bounds), params, tmp,
                              workers=workers)
        return merge_spilled(paths, params, min_df=min_df)

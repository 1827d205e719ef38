"""Finding the phrase index of a frame: build it (through the counting seam), or reuse it from memory or disk.

:func:`build_index` builds (or fetches) the index of a postings table: the descriptions are counted by
:mod:`kit.index.counting` (a map over partitions, on the backend asked for, then a merge), the result
is kept in memory (a few recent indexes) and in the disk cache (:mod:`kit.index.cache`). A cached index
is used only if its posting ids equal the frame's, so a stale cache is never used. The data key is
``df.attrs["kit_index_key"]`` or ``["kit_source_key"]`` (set by ``load_postings``), else
:func:`kit.core.schema.content_key`; the cache name adds the lexicon hash, the index parameters and the
kit version.

:func:`index_for` maps any frame to (index, row positions): a selection (row subset whose ``attrs``
carry the parent's key) reuses the parent's index without re-tokenizing. :func:`row_slice` and
:func:`column_sums` are the analyses' shared ways to read it.

Backends (``backend=``): ``"local"`` (default), ``"processes"`` (both cores), ``"dask"`` (a
``dask.distributed`` cluster; ``client=`` or ``$KIT_DASK_SCHEDULER``). With ``backend=None`` the
kit uses ``"dask"`` when ``$KIT_DASK_SCHEDULER`` is set, else ``"local"``. The index is the same
whichever backend counted it.
"""

from __future__ import annotations

import hashlib
import os
import weakref
from collections import OrderedDict
from os import PathLike

import numpy as np
import pandas as pd
import scipy.sparse as sp

from kit.core.schema import require_columns
from kit.index import cache as _cache
from kit.index.counting import DEFAULT_CHUNK, count_ngrams, count_params, merge_partitions, run_map
from kit.index.lexicon import TOKEN_PATTERN, lexicon_hash, load_lexicon
from kit.index.model import PhraseIndex
from kit.index.scope import DEFAULT_SECTIONS, Sections, scope_kinds, scope_label, scoped_text
from kit.index.spill import SPILL_ROWS, count_frame_spilled, merge_spilled

__all__ = [
    "DEFAULT_MIN_DF",
    "INDEX_NGRAM_RANGE",
    "INDEX_STOP_WORDS",
    "STATS",
    "build_index",
    "clear_memory",
    "clear_slices",
    "column_sums",
    "index_for",
    "remember",
    "remember_subset",
    "row_slice",
    "source_key",
]

#: Open n-gram settings of the index (``distinctive_phrases`` reuses the index when its own match).
INDEX_NGRAM_RANGE = (1, 3)
INDEX_STOP_WORDS = "english"
DEFAULT_MIN_DF = 2
_KEY_ATTRS = ("kit_index_key", "kit_source_key")
_MEMORY_SLOTS = 4

#: Counters for tests and benchmarks: ``builds`` (tokenizing passes), ``disk_loads``, ``memory_hits``,
#: ``slices`` (row slices taken by :func:`row_slice`, i.e. not shared).
STATS = {"builds": 0, "disk_loads": 0, "memory_hits": 0, "slices": 0}

_REGISTRY: OrderedDict[tuple, PhraseIndex] = OrderedDict()
_PARENTS: dict[str, weakref.ref] = {}
#: Recent row slices of an index (:func:`row_slice`): (index id, matrix name, rows digest) -> (index, matrix).
_SLICES: OrderedDict[tuple, tuple] = OrderedDict()
_SLICE_SLOTS = 6


# ---------------------------------------------------------------------------------------- keys
def source_key(df: pd.DataFrame) -> str | None:
    """The data key a loader put in ``df.attrs`` (``kit_index_key`` or ``kit_source_key``), if any."""
    for name in _KEY_ATTRS:
        value = (getattr(df, "attrs", None) or {}).get(name)  # a Dask DataFrame has no attrs
        if value:
            return str(value)
    return None


def _lexicon_digest(lexicon: str | PathLike | pd.DataFrame) -> str:
    if isinstance(lexicon, pd.DataFrame):
        digest = lexicon.attrs.get("hash")
        if not digest:
            h = hashlib.blake2b(digest_size=8)
            for row in lexicon[["phrase", "theme", "side", "variants"]].itertuples(index=False):
                h.update(repr(tuple(row)).encode())
            digest = h.hexdigest()
        return str(digest)
    return lexicon_hash(lexicon)


def _lexicon_frame(lexicon: str | PathLike | pd.DataFrame) -> pd.DataFrame:
    return lexicon if isinstance(lexicon, pd.DataFrame) else load_lexicon(lexicon)


def _params(lex_hash: str, min_df: int, sections: str = DEFAULT_SECTIONS) -> dict:
    from kit._version import __version__

    return {
        "sections": sections,
        "ngram_range": INDEX_NGRAM_RANGE,
        "stop_words": INDEX_STOP_WORDS,
        "min_df": int(min_df),
        "lexicon_hash": lex_hash,
        "version": __version__,
        "token_pattern": TOKEN_PATTERN,
    }


def _slot(key: str, params: dict) -> tuple:
    return (key, params["lexicon_hash"], params["min_df"], params["version"], params.get("sections", "all"))


def _cache_path(key: str, params: dict):
    return _cache.cache_path(key, params)


def _load(path, key: str, params: dict) -> PhraseIndex | None:
    index = _cache.load_index(path, key, params)
    if index is not None:
        STATS["disk_loads"] += 1
    return index


def _ids(df: pd.DataFrame) -> pd.Index | None:
    if "posting_id" not in df.columns:
        return None
    ids = pd.Index(df["posting_id"].astype("string"))
    if ids.hasnans or not ids.is_unique:
        return None
    return ids


def _register(index: PhraseIndex) -> None:
    slot = _slot(index.key, index.params)
    _REGISTRY[slot] = index
    _REGISTRY.move_to_end(slot)
    while len(_REGISTRY) > _MEMORY_SLOTS:
        _REGISTRY.popitem(last=False)


def _same_rows(index: PhraseIndex, df, ids: pd.Index | None, n_rows: int | None = -1) -> bool:
    n_rows = len(df) if n_rows == -1 else n_rows
    if n_rows is not None and len(index) != n_rows:
        return False
    if n_rows is None and ids is not None and len(index) != len(ids):
        return False
    if ids is None or index.posting_ids is None:
        return ids is None and index.posting_ids is None
    return bool((index.posting_ids.to_numpy(dtype=object) == ids.to_numpy(dtype=object)).all())


def clear_memory() -> None:
    """Forget every in-memory index, remembered parent table and row slice (the disk cache stays)."""
    _REGISTRY.clear()
    _PARENTS.clear()
    _POSITIONS.clear()
    _SLICES.clear()


def clear_slices() -> None:
    """Forget the remembered row slices of :func:`row_slice` (benchmarks use it to time a cold call chain)."""
    _SLICES.clear()


def row_slice(index: PhraseIndex, name: str, rows: np.ndarray) -> sp.csr_matrix:
    """``index.<name>[rows]`` (``name``: "ngrams" or "lexicon"), shared by the analyses of one selection.

    The last few slices are remembered by (index, matrix, exact rows), so ``distinctive_phrases`` and
    ``role_overlap`` on the same selection slice the large n-gram matrix once (one slice per role). Treat the result as
    read-only: it may be handed to another caller.
    """
    rows = np.ascontiguousarray(rows, dtype=np.intp)
    digest = hashlib.blake2b(rows.tobytes(), digest_size=16).digest()
    slot = (id(index), name, len(rows), digest)
    hit = _SLICES.get(slot)
    if hit is not None and hit[0] is index:
        _SLICES.move_to_end(slot)
        return hit[1]
    STATS["slices"] += 1
    mat = getattr(index, name)[rows]
    _SLICES[slot] = (index, mat)
    while len(_SLICES) > _SLICE_SLOTS:
        _SLICES.popitem(last=False)
    return mat


def column_sums(x: sp.csr_matrix, *, row_weights: np.ndarray | None = None, binary: bool = False) -> np.ndarray:
    """Column sums of ``x`` by one sparse matrix-vector product (a single pass over its stored entries).

    Integer counts are summed in their own dtype (exact, no up-cast copy of ``x``); weighted sums in
    float64.

    Args:
        x: A CSR matrix (e.g. a :func:`row_slice` of the n-gram counts).
        row_weights: Multiply row ``i``'s entries by ``row_weights[i]`` before summing.
        binary: Count stored entries (postings containing the column) instead of summing values.

    Returns:
        A float64 array of length ``x.shape[1]``.
    """
    if binary:
        x = sp.csr_matrix((np.ones(len(x.data), dtype=x.dtype), x.indices, x.indptr), shape=x.shape, copy=False)
    if row_weights is None:
        vector = np.ones(x.shape[0], dtype=x.dtype)
    else:
        vector = np.asarray(row_weights, dtype=np.float64)
    return np.asarray(x.T @ vector, dtype=np.float64)


# ----------------------------------------------------------------------------------- build
def build_index(
    postings,
    *,
    lexicon: str | PathLike | pd.DataFrame = "default",
    min_df: int = DEFAULT_MIN_DF,
    cache: bool = True,
    progress: bool = False,
    chunk_size: int = DEFAULT_CHUNK,
    backend: str | None = None,
    client=None,
    workers: int | None = None,
    sections: Sections = DEFAULT_SECTIONS,
    spill: bool | None = None,
) -> PhraseIndex:
    """Build (or fetch from memory / disk) the phrase index of a postings table.

    The index counts the text chosen by ``sections`` (:mod:`kit.index.scope`): by default the role's own
    sections, cut from the ``sections`` spans of a loaded table; the choice is one of the index parameters,
    so each choice is cached apart.

    Args:
        postings: A frame with a ``description`` column; ``posting_id`` (unique) names the rows,
            otherwise rows are indexed by position. May be a Dask DataFrame (e.g.
            ``dask.dataframe.read_parquet`` of a posting store): its partitions are counted where they
            live (``backend`` "dask").
        lexicon: ``"default"``, a lexicon YAML path, or a :func:`kit.index.lexicon.load_lexicon` frame.
        min_df: Open n-grams seen in fewer postings are not kept.
        cache: Read and write the disk cache in :func:`kit.core.paths.cache_dir`.
        progress: Show a progress bar while tokenizing (local backend).
        chunk_size: Postings per partition (bounds peak memory on large tables).
        backend: "local" (in this process), "processes" (a process per core), "dask" (a
            ``dask.distributed`` cluster), or another name in :data:`kit.index.counting.BACKENDS`.
            None: "dask" when ``$KIT_DASK_SCHEDULER`` is set, else "local".
        client: A ``dask.distributed.Client`` for "dask" (default: one connected to
            ``$KIT_DASK_SCHEDULER``, or a local cluster).
        workers: Processes for "processes" (default: the CPU count).
        sections: "role" (default: summary, responsibilities, requirements, un-headed body), "all" (the whole
            description) or a list of section kinds (:func:`kit.index.scope.scope_kinds`).
        spill: Count out of core (:mod:`kit.index.spill`: each partition's counts go to a temporary file, then a
            two-pass merge), which bounds peak memory to the final matrix plus a partition per worker; the
            result is the same. None: above :data:`kit.index.spill.SPILL_ROWS` postings. With "dask" the client
            writes each partition's counts to its temporary folder as they come back, so it never holds them all.

    Returns:
        The :class:`PhraseIndex` (the same whatever the backend); it is also kept in memory for :func:`index_for`.

    Raises:
        DataError: ``postings`` has no ``description`` column, ``sections`` names an unknown kind, or "dask"
            is asked for without the ``swimlanes-kit[dask]`` extra installed.
    """
    require_columns(postings.columns, ("description",), path="<DataFrame>", problem="no description column to index",
                    expected="a postings table with a 'description' column",
                    fix="load it with kit.load_postings or rename your text column to 'description'")
    if backend is None:
        backend = "dask" if (client is not None or os.environ.get("KIT_DASK_SCHEDULER")) else "local"
    distributed_frame = _is_dask_frame(postings)
    if distributed_frame:
        backend = "dask" if backend == "local" else backend
        from kit.index.distributed import frame_ids, frame_key

        key = source_key(postings) or frame_key(postings)
        ids = frame_ids(postings, client=client)
        n_rows = None
    else:
        from kit.core.schema import content_key

        key = source_key(postings) or content_key(postings)
        ids = _ids(postings)
        n_rows = len(postings)
    label = scope_label(sections)
    params = _params(_lexicon_digest(lexicon), min_df, label)
    hit = _REGISTRY.get(_slot(key, params))
    if hit is not None and _same_rows(hit, postings, ids, n_rows):
        STATS["memory_hits"] += 1
        _REGISTRY.move_to_end(_slot(key, params))
        _remember_own_rows(postings, hit)
        return hit
    path = _cache_path(key, params)
    if cache and path.exists():
        index = _load(path, key, params)
        if index is not None and _same_rows(index, postings, ids, n_rows):
            _register(index)
            _remember_own_rows(postings, index)
            return index
    lock = _cache.build_lock(path) if cache else _no_lock()
    with lock:
        if cache and path.exists():  # another process built it while we waited for the lock
            index = _load(path, key, params)
            if index is not None and _same_rows(index, postings, ids, n_rows):
                _register(index)
                _remember_own_rows(postings, index)
                return index
        lex = _lexicon_frame(lexicon)
        options = {"client": client} if backend == "dask" else {"workers": workers} if backend == "processes" else {}
        if distributed_frame:
            cparams = count_params(ngram_range=INDEX_NGRAM_RANGE, stop_words=INDEX_STOP_WORDS, lexicon=lex)
            texts = postings["description"] if label == "all" else postings.map_partitions(
                scoped_text, sections if isinstance(sections, str) or sections is None else list(sections),
                meta=("description", "string"))
            # spill=None: by the row count, known here from the ids (a frame without posting_id is not spilled)
            if (ids is not None and len(ids) > SPILL_ROWS) if spill is None else spill:
                with _spill_folder() as tmp:
                    paths = run_map(backend, texts.to_delayed(), cparams, folder=tmp, **options)
                    counts = merge_spilled(paths, cparams, min_df=min_df)
            else:
                parts = run_map(backend, texts.to_delayed(), cparams, **options)
                counts = merge_partitions(parts, cparams, min_df=min_df)
        else:
            counts = None
            wants_spill = len(postings) > SPILL_ROWS if spill is None else spill
            if wants_spill and backend in ("local", "processes"):
                counts = _count_spilled(postings, sections, lex, chunk_size=chunk_size, min_df=min_df,
                                        workers=1 if backend == "local" else (workers or os.cpu_count() or 1))
            elif wants_spill and backend == "dask":
                with _spill_folder() as tmp:
                    counts = count_ngrams(scoped_text(postings, sections), ngram_range=INDEX_NGRAM_RANGE,
                                          stop_words=INDEX_STOP_WORDS, min_df=min_df, lexicon=lex,
                                          chunk_size=chunk_size, backend=backend, folder=tmp, **options)
        if counts is None:
            counts = count_ngrams(
                scoped_text(postings, sections),
                ngram_range=INDEX_NGRAM_RANGE,
                stop_words=INDEX_STOP_WORDS,
                min_df=min_df,
                lexicon=lex,
                chunk_size=chunk_size,
                progress=progress,
                backend=backend,
                **options,
            )
        STATS["builds"] += 1
        index = PhraseIndex(
            posting_ids=ids,
            lexicon=counts.lexicon,
            phrases=lex.reset_index(drop=True),
            ngrams=counts.ngrams,
            vocabulary=counts.vocabulary,
            ngram_lengths=counts.ngram_lengths,
            doc_lengths=counts.doc_lengths,
            key=key,
            params=params,
        )
        _register(index)
        _remember_own_rows(postings, index)
        if cache:
            try:
                _cache.save_index(index, path)
            except OSError:  # a read-only or full cache folder must not break an analysis
                pass
    return index


def _count_spilled(postings: pd.DataFrame, sections: Sections, lex: pd.DataFrame, *, chunk_size: int, min_df: int,
                   workers: int):
    """:func:`kit.index.spill.count_frame_spilled` of the frame's counted text, or None if the temp folder is unusable.

    A full or read-only temporary folder gives a warning and None: the caller then counts in memory.
    """
    cparams = count_params(ngram_range=INDEX_NGRAM_RANGE, stop_words=INDEX_STOP_WORDS, lexicon=lex)
    if "sections" in postings.columns or scope_kinds(sections) is None:  # row by row: cut per partition
        def texts_of_slice(start: int, stop: int):
            return scoped_text(postings.iloc[start:stop], sections)
    else:  # boilerplate is found per company over the whole table: cut once
        whole = scoped_text(postings, sections)

        def texts_of_slice(start: int, stop: int):
            return whole.iloc[start:stop]
    try:
        return count_frame_spilled(texts_of_slice, len(postings), cparams, chunk_size=chunk_size, min_df=min_df,
                                   workers=workers)
    except OSError as exc:  # e.g. a full or read-only $TMPDIR
        import warnings

        warnings.warn(f"phrase index: could not spill partitions to the temporary folder ({exc}); counting in "
                      "memory instead (set TMPDIR to a folder with room)", RuntimeWarning, stacklevel=3)
        return None


def _spill_folder():
    """A temporary folder for spilled partition counts (removed afterwards, also on an error or interrupt)."""
    import tempfile

    return tempfile.TemporaryDirectory(prefix="kit-index-")


class _no_lock:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _is_dask_frame(obj) -> bool:
    """A Dask DataFrame (checked by duck typing, so dask is imported only when one is passed)."""
    return not isinstance(obj, pd.DataFrame) and hasattr(obj, "to_delayed") and hasattr(obj, "npartitions")


_POSITIONS: dict[int, tuple] = {}


def _column_token(series: pd.Series) -> object:
    """An object that stays the same while a column's data is unchanged (its backing array)."""
    array = series.array
    return getattr(array, "_ndarray", array)


def _remember_positions(df: pd.DataFrame, token: object, index: PhraseIndex, pos: np.ndarray) -> None:
    """Keep the row positions of a few recent frames (weakly), so several analyses of one selection map ids once."""
    if len(_POSITIONS) >= 8:
        _POSITIONS.pop(next(iter(_POSITIONS)))
    slot = id(df)
    try:
        ref = weakref.ref(df, lambda _r, s=slot: _POSITIONS.pop(s, None))
    except TypeError:  # pragma: no cover
        return
    _POSITIONS[slot] = (ref, token, index, pos)


def _known_positions(df: pd.DataFrame) -> tuple | None:
    """``(index, positions)`` remembered for this very frame (unchanged ids, index still in memory), else None."""
    memo = _POSITIONS.get(id(df))
    if memo is None or memo[0]() is not df or "posting_id" not in df.columns:
        return None
    index = memo[2]
    if memo[1] is not _column_token(df["posting_id"]) or _REGISTRY.get(_slot(index.key, index.params)) is not index:
        return None
    return index, memo[3]


def _remember_own_rows(postings: pd.DataFrame, index: PhraseIndex) -> None:
    """After :func:`build_index` checked that ``postings`` are the index's rows in order: positions 0..n-1."""
    if index.posting_ids is not None and isinstance(postings, pd.DataFrame) and "posting_id" in postings.columns:
        _remember_positions(postings, _column_token(postings["posting_id"]), index, np.arange(len(index)))


def remember_subset(parent: pd.DataFrame, child: pd.DataFrame, rows: np.ndarray) -> None:
    """Note that ``child`` is ``parent.iloc[rows]``, so :func:`index_for` maps it without looking up ids.

    Called by :func:`kit.select`; does nothing unless ``parent``'s positions in an in-memory index
    are known (it was indexed or mapped before and its ``posting_id`` column is unchanged).
    """
    known = _known_positions(parent)
    if known is None or "posting_id" not in child.columns:
        return
    memo = _POSITIONS.pop(id(parent))  # re-insert: the parent stays among the most recent entries
    _POSITIONS[id(parent)] = memo
    index, pos = known
    _remember_positions(child, _column_token(child["posting_id"]), index, pos[np.asarray(rows, dtype=np.intp)])


def remember(df: pd.DataFrame) -> None:
    """Note ``df`` as the full table behind its data key, so subsets of it reuse its index.

    Called by :func:`kit.select` and :func:`index_for`; a loader may call it too. Only a weak
    reference is kept; the largest frame seen for a key wins.
    """
    key = source_key(df)
    if key is None or "description" not in df.columns:
        return
    ref = _PARENTS.get(key)
    current = ref() if ref is not None else None
    if current is None or len(df) > len(current):
        _PARENTS[key] = weakref.ref(df)


def index_for(
    df: pd.DataFrame,
    *,
    lexicon: str | PathLike | pd.DataFrame = "default",
    min_df: int = DEFAULT_MIN_DF,
    sections: Sections = DEFAULT_SECTIONS,
) -> tuple[PhraseIndex, np.ndarray]:
    """The phrase index covering ``df`` and the positions of ``df``'s rows in it.

    A frame whose ``attrs`` carry a loader's data key (a loaded table, or any selection of it)
    reuses the index of the full table: from memory, from the remembered parent table, or from the
    disk cache; nothing is re-tokenized. A frame without a key is indexed on the fly (and kept in
    memory under its content hash).

    Args:
        df: A frame with a ``description`` column (and ``posting_id`` for keyed tables).
        lexicon: As in :func:`build_index`.
        min_df: As in :func:`build_index`.
        sections: As in :func:`build_index` (default: the role's own sections); each choice has its own index.

    Returns:
        ``(index, positions)``: ``index.lexicon[positions]`` are ``df``'s rows, in ``df``'s order.
    """
    key = source_key(df)
    if key is not None and "posting_id" in df.columns:
        remember(df)
        params = _params(_lexicon_digest(lexicon), min_df, scope_label(sections))
        slot = _slot(key, params)
        hit = _REGISTRY.get(slot)
        memo = _POSITIONS.get(id(df))
        token = _column_token(df["posting_id"])
        if hit is not None and memo is not None and memo[0]() is df and memo[1] is token and memo[2] is hit:
            STATS["memory_hits"] += 1  # the same frame again (several analyses of one selection)
            return hit, memo[3]
        if hit is not None and (pos := hit.positions(df)) is not None:
            STATS["memory_hits"] += 1
            _REGISTRY.move_to_end(slot)
            _remember_positions(df, token, hit, pos)
            return hit, pos
        ref = _PARENTS.get(key)
        parent = ref() if ref is not None else None
        if parent is not None and parent is not df:
            index = build_index(parent, lexicon=lexicon, min_df=min_df, sections=sections)
            if (pos := index.positions(df)) is not None:
                return index, pos
        path = _cache_path(key, params)
        if path.exists():
            index = _load(path, key, params)
            if index is not None and (pos := index.positions(df)) is not None:
                _register(index)
                return index, pos
        index = build_index(df, lexicon=lexicon, min_df=min_df, sections=sections)
        pos = index.positions(df)
        if pos is not None:
            return index, pos
    plain = df[[c for c in ("description", "posting_id", "sections", "company") if c in df.columns]]
    plain = plain.copy(deep=False)
    plain.attrs = {}
    index = build_index(plain, lexicon=lexicon, min_df=min_df, sections=sections)
    pos = index.positions(plain)
    return index, (np.arange(len(df)) if pos is None else pos)

"""The phrase index: sparse posting x phrase counts built in one pass over the descriptions.

:func:`build_index` tokenizes every description once with scikit-learn's ``CountVectorizer``
(lower case, its default word pattern, 1-3 word n-grams; see :func:`_analyzer`) and derives two
matrices from that single count matrix:

* ``lexicon``: postings x canonical lexicon phrases (the counts of a phrase's variants summed);
* ``ngrams``: postings x open n-grams of 1-3 words, *stop-word aware* (no n-gram starts or ends
  with a scikit-learn English stop word, so "deliver on time" stays while "on the" goes) and seen
  in at least ``min_df`` postings.

Large corpora are vectorized in chunks of ``chunk_size`` postings whose vocabularies are merged,
so memory stays bounded; the result is the same as one pass.

The index is cached on disk in :func:`kit.core.paths.cache_dir` under a name made of the data key
(``df.attrs["kit_index_key"]`` or ``["kit_source_key"]`` set by ``load_postings``, else
:func:`kit.core.schema.content_key`), the lexicon file hash, the index parameters and ``kit.__version__``;
a cached index is used only if its posting ids equal the frame's, so a stale cache is never used.
Files are written atomically (temporary file + ``os.replace``).

:func:`index_for` maps any frame to (index, row positions): a selection (row subset whose ``attrs``
carry the parent's key) reuses the parent's index without re-tokenizing.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import tempfile
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from kit.core.errors import DataError
from kit.index.lexicon import MAX_WORDS, TOKEN_PATTERN, lexicon_hash, load_lexicon

__all__ = [
    "INDEX_NGRAM_RANGE",
    "INDEX_STOP_WORDS",
    "STATS",
    "NgramCounts",
    "PhraseIndex",
    "build_index",
    "clear_memory",
    "clear_slices",
    "count_ngrams",
    "column_sums",
    "index_for",
    "remember",
    "remember_subset",
    "row_slice",
]

#: Open n-gram settings of the index (``distinctive_phrases`` reuses the index when its own match).
INDEX_NGRAM_RANGE = (1, 3)
INDEX_STOP_WORDS = "english"
DEFAULT_MIN_DF = 2
DEFAULT_CHUNK = 50_000
_CACHE_FORMAT = 1
_KEY_ATTRS = ("kit_index_key", "kit_source_key")
_MEMORY_SLOTS = 4
_TOKEN = re.compile(TOKEN_PATTERN)

#: Counters for tests and benchmarks: ``builds`` (tokenizing passes), ``disk_loads``, ``memory_hits``,
#: ``slices`` (row slices taken by :func:`row_slice`, i.e. not shared).
STATS = {"builds": 0, "disk_loads": 0, "memory_hits": 0, "slices": 0}

_REGISTRY: OrderedDict[tuple, PhraseIndex] = OrderedDict()
_PARENTS: dict[str, weakref.ref] = {}
#: Recent row slices of an index (:func:`row_slice`): (index id, matrix name, rows digest) -> (index, matrix).
_SLICES: OrderedDict[tuple, tuple] = OrderedDict()
_SLICE_SLOTS = 6


@dataclass(eq=False)
class PhraseIndex:
    """Sparse posting x phrase counts for one table.

    Attributes:
        posting_ids: One label per indexed posting (``posting_id``), or ``None`` for a positional
            index (a frame without unique posting ids: rows are matched by position).
        lexicon: CSR ``n_postings x n_phrases`` int32 counts of each canonical lexicon phrase.
        phrases: The lexicon frame (:func:`kit.index.lexicon.load_lexicon`), row ``j`` = column ``j``.
        ngrams: CSR ``n_postings x n_ngrams`` int32 counts of the open n-grams.
        vocabulary: Object array of the n-gram strings, entry ``j`` = column ``j``.
        ngram_lengths: Words per n-gram (int8), aligned with ``vocabulary``.
        doc_lengths: Tokens per posting (int32).
        key: The data key the index was built (and cached) under.
        params: ``ngram_range``, ``stop_words``, ``min_df``, ``lexicon_hash``, ``version``.
    """

    posting_ids: pd.Index | None
    lexicon: sp.csr_matrix
    phrases: pd.DataFrame
    ngrams: sp.csr_matrix
    vocabulary: np.ndarray
    ngram_lengths: np.ndarray
    doc_lengths: np.ndarray
    key: str
    params: dict = field(default_factory=dict)
    derived: dict = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return self.lexicon.shape[0]

    def __repr__(self) -> str:
        return (
            f"PhraseIndex({len(self)} postings, {self.lexicon.shape[1]} lexicon phrases, "
            f"{self.ngrams.shape[1]} n-grams, key={self.key!r})"
        )

    def tfidf(self) -> sp.csr_matrix:
        """Rows of ``ngrams`` as l2-normalized tf-idf (float32), computed once per index.

        tf is the raw count, idf the smoothed ln((1 + N) / (1 + df)) + 1 over all N indexed postings
        (scikit-learn's ``TfidfTransformer`` defaults); a posting without n-grams is a zero row.
        """
        if "tfidf" not in self.derived:
            x = self.ngrams
            n = x.shape[0]
            dfreq = np.bincount(x.indices, minlength=x.shape[1])
            idf = (np.log((1 + n) / (1 + dfreq)) + 1).astype(np.float32)
            data = x.data.astype(np.float32) * idf[x.indices]
            row = np.repeat(np.arange(n), np.diff(x.indptr))
            norms = np.sqrt(np.bincount(row, weights=data.astype(np.float64) ** 2, minlength=n))
            data /= np.where(norms > 0, norms, 1)[row].astype(np.float32)
            self.derived["tfidf"] = sp.csr_matrix((data, x.indices, x.indptr), shape=x.shape)
        return self.derived["tfidf"]

    def tfidf_weights(self) -> tuple[np.ndarray, np.ndarray]:
        """``(idf, row_scale)`` (float64) with ``tfidf()[i, j] = ngrams[i, j] * idf[j] * row_scale[i]``, computed once.

        ``idf`` is the smoothed ln((1 + N) / (1 + df)) + 1; ``row_scale`` is 1 / the l2 norm of the
        row's count x idf vector (0 for a posting without n-grams). Analyses that only need sums of
        tf-idf rows use these with :func:`column_sums` instead of slicing the tf-idf matrix.
        """
        if "tfidf_weights" not in self.derived:
            x = self.ngrams
            n = x.shape[0]
            dfreq = np.bincount(x.indices, minlength=x.shape[1])
            idf = np.log((1 + n) / (1 + dfreq)) + 1
            weighted = x.data * idf[x.indices]
            row = np.repeat(np.arange(n), np.diff(x.indptr))
            norms = np.sqrt(np.bincount(row, weights=weighted**2, minlength=n))
            scale = np.where(norms > 0, 1 / np.where(norms > 0, norms, 1), 0.0)
            self.derived["tfidf_weights"] = (idf, scale)
        return self.derived["tfidf_weights"]

    def vocabulary_arrow(self):
        """The n-gram vocabulary as a pyarrow string array (for fast ``take``), computed once."""
        if "vocabulary_arrow" not in self.derived:
            import pyarrow as pa

            self.derived["vocabulary_arrow"] = pa.array(self.vocabulary.tolist(), type=pa.large_string())
        return self.derived["vocabulary_arrow"]

    def theme_mentions(self) -> tuple[sp.csr_matrix, pd.DataFrame]:
        """Postings x themes 0/1 matrix (mentions any phrase of the theme) and ``[theme, side, theme_label]``."""
        if "themes" not in self.derived:
            codes, themes = pd.factorize(self.phrases["theme"])
            n_p = len(codes)
            mapping = sp.csr_matrix((np.ones(n_p), (np.arange(n_p), codes)), shape=(n_p, len(themes)))
            mentions = (self.lexicon.astype(bool).astype(np.float64) @ mapping).astype(bool).astype(np.float64)
            first = self.phrases.drop_duplicates("theme").set_index("theme").loc[list(themes)]
            info = first[["side", "theme_label"]].reset_index()
            self.derived["themes"] = (sp.csr_matrix(mentions), info)
        return self.derived["themes"]

    def positions(self, df: pd.DataFrame) -> np.ndarray | None:
        """Row positions of ``df``'s postings in this index, or ``None`` if some are not in it."""
        if self.posting_ids is None:
            return None
        if "posting_id" not in df.columns:
            return None
        pos = self.posting_ids.get_indexer(df["posting_id"])
        if (pos < 0).any():
            return None
        return pos


@dataclass
class NgramCounts:
    """What :func:`count_ngrams` returns: open n-gram counts (and optionally lexicon counts)."""

    ngrams: sp.csr_matrix
    vocabulary: np.ndarray
    ngram_lengths: np.ndarray
    doc_lengths: np.ndarray
    lexicon: sp.csr_matrix | None = None


def _stop_set(stop_words: str | Iterable[str] | None) -> frozenset[str]:
    if stop_words is None:
        return frozenset()
    if isinstance(stop_words, str):
        if stop_words != "english":
            raise ValueError(f"stop_words={stop_words!r}: expected 'english', a list of words or None")
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        return frozenset(ENGLISH_STOP_WORDS)
    return frozenset(str(w).lower() for w in stop_words)


def _texts(values: Iterable) -> list[str]:
    if isinstance(values, pd.Series):
        return values.astype("string").fillna("").tolist()
    return ["" if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA else str(v) for v in values]


def _fit(cv, texts: list[str]) -> tuple[sp.csr_matrix, dict[str, int]]:
    """Count ``texts`` with ``cv``; the vocabulary is left in first-seen order (not sorted).

    Uses ``CountVectorizer._count_vocab`` (the counting step of ``fit_transform``, stable since
    scikit-learn 0.x) to skip sorting the vocabulary, which on real postings with millions of
    distinct n-grams costs about a third of ``fit_transform``; falls back to ``fit_transform``.
    """
    if not texts:
        return sp.csr_matrix((0, 0), dtype=np.int32), {}
    try:
        count = cv._count_vocab
    except AttributeError:  # pragma: no cover - a future scikit-learn without the private step
        count = None
    try:
        if count is not None:
            vocab, x = count(texts, False)
        else:  # pragma: no cover
            x = cv.fit_transform(texts)
            vocab = cv.vocabulary_
    except ValueError:  # empty vocabulary: no text has a token
        return sp.csr_matrix((len(texts), 0), dtype=np.int32), {}
    x = sp.csr_matrix((x.data.astype(np.int32, copy=False), x.indices, x.indptr), shape=x.shape)
    return x, dict(vocab)


def _names(vocabulary: dict[str, int]) -> np.ndarray:
    names = np.empty(len(vocabulary), dtype=object)
    names[np.fromiter(vocabulary.values(), dtype=np.int64, count=len(vocabulary))] = list(vocabulary)
    return names


def _lengths_and_ends(names: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Words per n-gram, first word and last word, vectorized with pyarrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(names, type=pa.large_string()) if len(names) else pa.array([], type=pa.large_string())
    lengths = pc.add(pc.count_substring(arr, " "), 1).to_numpy(zero_copy_only=False).astype(np.int8)
    first = pc.replace_substring_regex(arr, r" .*$", "")
    last = pc.replace_substring_regex(arr, r"^.* ", "")
    return lengths, first, last


def _analyzer(max_n: int, lengths: list[int] | None = None):
    """scikit-learn's word analysis (lower case, default token pattern, 1..max_n word n-grams), faster.

    Same output as ``CountVectorizer(ngram_range=(1, max_n)).build_analyzer()`` up to the order of
    the n-grams (which counting ignores): the n-grams are joined with ``map``/``zip`` in C instead of
    a Python loop over slices. Hyphens and slashes split words in the token pattern, so
    "cross-functional" and "cross functional" give the same tokens, as :func:`kit.index.lexicon.normalize` does.
    When ``lengths`` is given, each document's token count is appended to it.
    """
    findall = _TOKEN.findall
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


def count_ngrams(
    texts: Iterable[str | None],
    *,
    ngram_range: tuple[int, int] = INDEX_NGRAM_RANGE,
    stop_words: str | Iterable[str] | None = INDEX_STOP_WORDS,
    min_df: int = 1,
    lexicon: pd.DataFrame | None = None,
    vocabulary: Sequence[str] | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    progress: bool = False,
) -> NgramCounts:
    """Count n-grams (and lexicon phrases) in ``texts`` in one tokenizing pass.

    Args:
        texts: Descriptions (None / NA count as empty).
        ngram_range: Smallest and largest n-gram size kept in ``ngrams``.
        stop_words: ``"english"`` (scikit-learn's list), a list of words, or None. An n-gram that
            starts or ends with a stop word is dropped (a stop word alone is dropped too).
        min_df: Keep n-grams seen in at least this many texts.
        lexicon: A :func:`kit.index.lexicon.load_lexicon` frame; when given, ``lexicon`` counts are
            returned too (variants are matched before any stop-word or ``min_df`` pruning).
        vocabulary: Restrict the n-grams to this vocabulary, in this order (no pruning applied).
        chunk_size: Texts per vectorizer pass (bounds peak memory).
        progress: Show a tqdm progress bar over chunks.

    Returns:
        A :class:`NgramCounts`.
    """
    from sklearn.feature_extraction.text import CountVectorizer

    texts = _texts(texts)
    min_n, max_n = ngram_range
    if not 1 <= min_n <= max_n:
        raise ValueError(f"ngram_range={ngram_range!r}: expected (min_n, max_n) with 1 <= min_n <= max_n")
    stop = _stop_set(stop_words)
    n_vec = max(max_n, MAX_WORDS if lexicon is not None else 1)
    variant_rows: list[tuple[str, int]] = []
    if lexicon is not None:
        variant_rows = [(v, j) for j, vs in enumerate(lexicon["variants"]) for v in vs]
    fixed = None
    if vocabulary is not None:
        fixed = {str(v): i for i, v in enumerate(vocabulary)}

    chunks = range(0, max(len(texts), 1), chunk_size)
    if progress:
        from tqdm.auto import tqdm

        chunks = tqdm(chunks, desc="indexing", unit="chunk")
    parts_x, parts_names, parts_lex, parts_len = [], [], [], []
    for start in chunks:
        block = texts[start : start + chunk_size]
        n_tokens: list[int] = []
        cv = CountVectorizer(analyzer=_analyzer(n_vec, n_tokens), dtype=np.int32)
        x, vocab = _fit(cv, block)
        names = _names(vocab)
        lengths, first, last = _lengths_and_ends(names)
        parts_len.append(np.array(n_tokens[: len(block)], dtype=np.int32))
        if lexicon is not None:
            cols = np.array([vocab.get(v, -1) for v, _ in variant_rows], dtype=np.int64)
            phrase_of = np.array([j for _, j in variant_rows], dtype=np.int64)
            hit = cols >= 0
            mapping = sp.csr_matrix(
                (np.ones(hit.sum(), dtype=np.int32), (np.arange(hit.sum()), phrase_of[hit])),
                shape=(int(hit.sum()), len(lexicon)),
            )
            parts_lex.append((x[:, cols[hit]] @ mapping).tocsr())
        if fixed is not None:
            keep = np.array([i for i, nm in enumerate(names) if nm in fixed], dtype=np.int64)
        else:
            import pyarrow as pa
            import pyarrow.compute as pc

            ok = (lengths >= min_n) & (lengths <= max_n)
            if stop:
                value_set = pa.array(sorted(stop), type=pa.large_string())
                bad = pc.or_(pc.is_in(first, value_set=value_set), pc.is_in(last, value_set=value_set))
                ok &= ~bad.to_numpy(zero_copy_only=False)
            keep = np.flatnonzero(ok)
        parts_x.append(x[:, keep].tocsr())
        parts_names.append(names[keep])

    doc_lengths = np.concatenate(parts_len) if parts_len else np.zeros(0, dtype=np.int32)
    lex = sp.vstack(parts_lex, format="csr") if lexicon is not None else None
    if fixed is not None:
        out_names = np.array(list(fixed), dtype=object)
        blocks = []
        for x, names in zip(parts_x, parts_names, strict=True):
            x.indices = np.array([fixed[n] for n in names], dtype=np.int32)[x.indices] if len(names) else x.indices
            blocks.append(sp.csr_matrix((x.data, x.indices, x.indptr), shape=(x.shape[0], len(fixed))))
        mat = sp.vstack(blocks, format="csr")
        mat.sort_indices()
        lengths = _lengths_and_ends(out_names)[0]
        return NgramCounts(mat, out_names, lengths, doc_lengths[: len(texts)], lex)
    if len(parts_x) == 1:
        mat, out_names = parts_x[0], parts_names[0]
    else:
        codes, uniques = pd.factorize(np.concatenate(parts_names))
        out_names = np.asarray(uniques, dtype=object)
        blocks, offset = [], 0
        for x, names in zip(parts_x, parts_names, strict=True):
            remap = codes[offset : offset + len(names)].astype(np.int32)
            offset += len(names)
            blocks.append(sp.csr_matrix((x.data, remap[x.indices], x.indptr), shape=(x.shape[0], len(out_names))))
        mat = sp.vstack(blocks, format="csr")
        mat.sort_indices()
    if min_df > 1 and mat.shape[1]:
        dfreq = np.bincount(mat.indices, minlength=mat.shape[1])
        keep = np.flatnonzero(dfreq >= min_df)
        mat, out_names = mat[:, keep].tocsr(), out_names[keep]
    lengths = _lengths_and_ends(out_names)[0]
    n = len(texts)
    if mat.shape[0] != n:  # no texts at all: one empty chunk was vectorized
        mat = sp.csr_matrix((n, mat.shape[1]), dtype=np.int32)
        lex = sp.csr_matrix((n, lex.shape[1]), dtype=np.int32) if lex is not None else None
        doc_lengths = np.zeros(n, dtype=np.int32)
    return NgramCounts(mat, out_names, lengths, doc_lengths, lex)


# ---------------------------------------------------------------------------------------- keys
def source_key(df: pd.DataFrame) -> str | None:
    """The data key a loader put in ``df.attrs`` (``kit_index_key`` or ``kit_source_key``), if any."""
    for name in _KEY_ATTRS:
        value = df.attrs.get(name)
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


def _params(lex_hash: str, min_df: int) -> dict:
    from kit._version import __version__

    return {
        "ngram_range": INDEX_NGRAM_RANGE,
        "stop_words": INDEX_STOP_WORDS,
        "min_df": int(min_df),
        "lexicon_hash": lex_hash,
        "version": __version__,
        "token_pattern": TOKEN_PATTERN,
    }


def _slot(key: str, params: dict) -> tuple:
    return (key, params["lexicon_hash"], params["min_df"], params["version"])


def _cache_path(key: str, params: dict) -> Path:
    from kit.core.paths import cache_dir

    digest = hashlib.blake2b(repr(sorted(params.items())).encode(), digest_size=6).hexdigest()
    safe = "".join(c for c in key if c.isalnum() or c in "-_")[:64]
    return cache_dir() / f"index-{safe}-{params['lexicon_hash']}-{digest}-v{params['version']}.pkl"


def _ids(df: pd.DataFrame) -> pd.Index | None:
    if "posting_id" not in df.columns:
        return None
    ids = pd.Index(df["posting_id"].astype("string"))
    if ids.hasnans or not ids.is_unique:
        return None
    return ids


def _save(index: PhraseIndex, path: Path) -> None:
    payload = {
        "format": _CACHE_FORMAT,
        "key": index.key,
        "params": index.params,
        "posting_ids": None if index.posting_ids is None else index.posting_ids.to_numpy(dtype=object),
        "lexicon": index.lexicon,
        "phrases": index.phrases,
        "ngrams": index.ngrams,
        "vocabulary": "\n".join(index.vocabulary.tolist()),
        "n_vocabulary": len(index.vocabulary),
        "doc_lengths": index.doc_lengths,
    }
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(payload, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _load(path: Path, key: str, params: dict) -> PhraseIndex | None:
    try:
        with open(path, "rb") as fh:
            payload = pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError):
        return None
    if not isinstance(payload, dict) or payload.get("format") != _CACHE_FORMAT:
        return None
    if payload.get("key") != key or payload.get("params") != params:
        return None
    vocab = payload["vocabulary"].split("\n") if payload["n_vocabulary"] else []
    vocabulary = np.array(vocab, dtype=object)
    ids = payload["posting_ids"]
    STATS["disk_loads"] += 1
    return PhraseIndex(
        posting_ids=None if ids is None else pd.Index(ids, dtype="string"),
        lexicon=payload["lexicon"],
        phrases=payload["phrases"],
        ngrams=payload["ngrams"],
        vocabulary=vocabulary,
        ngram_lengths=_lengths_and_ends(vocabulary)[0],
        doc_lengths=payload["doc_lengths"],
        key=key,
        params=params,
    )


def _register(index: PhraseIndex) -> None:
    slot = _slot(index.key, index.params)
    _REGISTRY[slot] = index
    _REGISTRY.move_to_end(slot)
    while len(_REGISTRY) > _MEMORY_SLOTS:
        _REGISTRY.popitem(last=False)


def _same_rows(index: PhraseIndex, df: pd.DataFrame, ids: pd.Index | None) -> bool:
    if len(index) != len(df):
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
    postings: pd.DataFrame,
    *,
    lexicon: str | PathLike | pd.DataFrame = "default",
    min_df: int = DEFAULT_MIN_DF,
    cache: bool = True,
    progress: bool = False,
    chunk_size: int = DEFAULT_CHUNK,
) -> PhraseIndex:
    """Build (or fetch from memory / disk) the phrase index of a postings table.

    Args:
        postings: A frame with a ``description`` column; ``posting_id`` (unique) names the rows,
            otherwise rows are indexed by position.
        lexicon: ``"default"``, a lexicon YAML path, or a :func:`kit.index.lexicon.load_lexicon` frame.
        min_df: Open n-grams seen in fewer postings are not kept.
        cache: Read and write the disk cache in :func:`kit.core.paths.cache_dir`.
        progress: Show a progress bar while tokenizing.
        chunk_size: Postings per vectorizer pass (bounds peak memory on large tables).

    Returns:
        The :class:`PhraseIndex`; it is also kept in memory for :func:`index_for`.

    Raises:
        DataError: ``postings`` has no ``description`` column.
    """
    if "description" not in postings.columns:
        raise DataError.build(
            "no description column to index",
            path="<DataFrame>",
            column="description",
            expected="a postings table with a 'description' column",
            fix="load it with kit.load_postings or rename your text column to 'description'",
        )
    from kit.core.schema import content_key

    params = _params(_lexicon_digest(lexicon), min_df)
    key = source_key(postings) or content_key(postings)
    ids = _ids(postings)
    hit = _REGISTRY.get(_slot(key, params))
    if hit is not None and _same_rows(hit, postings, ids):
        STATS["memory_hits"] += 1
        _REGISTRY.move_to_end(_slot(key, params))
        _remember_own_rows(postings, hit)
        return hit
    path = _cache_path(key, params)
    if cache and path.exists():
        index = _load(path, key, params)
        if index is not None and _same_rows(index, postings, ids):
            _register(index)
            _remember_own_rows(postings, index)
            return index
    lex = _lexicon_frame(lexicon)
    counts = count_ngrams(
        postings["description"],
        ngram_range=INDEX_NGRAM_RANGE,
        stop_words=INDEX_STOP_WORDS,
        min_df=min_df,
        lexicon=lex,
        chunk_size=chunk_size,
        progress=progress,
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
            _save(index, path)
        except OSError:  # a read-only or full cache folder must not break an analysis
            pass
    return index


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
    if index.posting_ids is not None and "posting_id" in postings.columns:
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
    df: pd.DataFrame, *, lexicon: str | PathLike | pd.DataFrame = "default", min_df: int = DEFAULT_MIN_DF
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

    Returns:
        ``(index, positions)``: ``index.lexicon[positions]`` are ``df``'s rows, in ``df``'s order.
    """
    key = source_key(df)
    if key is not None and "posting_id" in df.columns:
        remember(df)
        params = _params(_lexicon_digest(lexicon), min_df)
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
            index = build_index(parent, lexicon=lexicon, min_df=min_df)
            if (pos := index.positions(df)) is not None:
                return index, pos
        path = _cache_path(key, params)
        if path.exists():
            index = _load(path, key, params)
            if index is not None and (pos := index.positions(df)) is not None:
                _register(index)
                return index, pos
        index = build_index(df, lexicon=lexicon, min_df=min_df)
        pos = index.positions(df)
        if pos is not None:
            return index, pos
    plain = df[["description"] + (["posting_id"] if "posting_id" in df.columns else [])]
    plain = plain.copy(deep=False)
    plain.attrs = {}
    index = build_index(plain, lexicon=lexicon, min_df=min_df)
    pos = index.positions(plain)
    return index, (np.arange(len(df)) if pos is None else pos)

"""The phrase index (compatibility module): the names it always had, now defined in their own modules.

* :mod:`kit.index.tokenize` - tokens and n-grams;
* :mod:`kit.index.counting` - the map / merge seam (``count_partition``, ``merge_partitions``,
  ``count_ngrams``) and its backends;
* :mod:`kit.index.model` - :class:`PhraseIndex`;
* :mod:`kit.index.cache` - the bounded on-disk cache;
* :mod:`kit.index.lookup` - ``build_index``, ``index_for``, ``row_slice``, ``column_sums`` and the
  in-memory registries.

New code imports from those modules; this one re-exports them so existing imports keep working.
"""

from __future__ import annotations

from kit.index.counting import DEFAULT_CHUNK, NgramCounts, count_ngrams
from kit.index.lookup import (
    DEFAULT_MIN_DF,
    INDEX_NGRAM_RANGE,
    INDEX_STOP_WORDS,
    STATS,
    build_index,
    clear_memory,
    clear_slices,
    column_sums,
    index_for,
    remember,
    remember_subset,
    row_slice,
    source_key,
)
from kit.index.model import PhraseIndex

__all__ = [
    "DEFAULT_CHUNK",
    "DEFAULT_MIN_DF",
    "INDEX_NGRAM_RANGE",
    "INDEX_STOP_WORDS",
    "STATS",
    "NgramCounts",
    "PhraseIndex",
    "build_index",
    "clear_memory",
    "clear_slices",
    "column_sums",
    "count_ngrams",
    "index_for",
    "remember",
    "remember_subset",
    "row_slice",
    "source_key",
]

"""Out-of-core counting (kit.index.spill): partitions spilled to disk, merged in two passes, equal the in-memory build.

Tiny partitions (a few texts each) make every merge case happen on a small corpus: n-grams first seen in a late
partition, n-grams kept only because two partitions together reach ``min_df``, empty texts, empty partitions.
"""

from __future__ import annotations

import numpy as np
import pytest

import kit
from kit.index import lookup
from kit.index.counting import count_ngrams, count_params, count_partition, merge_partitions, partition
from kit.index.lexicon import load_lexicon
from kit.index.spill import count_frame_spilled, count_spilled, merge_spilled

TEXTS = [
    "Own the product roadmap and work with engineering on the platform roadmap.",
    "",
    None,
    "Drive the program schedule; manage cross-functional dependencies and risks.",
    "the and of",  # stop words only: a row without kept n-grams
    "Platform roadmap, API design, technical product manager, product roadmap.",
    "Program manager for data center hardware programs and schedules.",
    "Work with engineering. Own the API roadmap. Drive adoption of the platform.",
    "Technical program manager: risks, dependencies, schedules, launch readiness.",
    "",
    "Rare words appear once: zeppelin quokka.",
    "Technical product manager owns the API platform and the product roadmap.",
]


@pytest.fixture(autouse=True)
def _fresh_memory():
    lookup.clear_memory()
    yield
    lookup.clear_memory()


def _same(a, b) -> None:
    assert a.vocabulary.tolist() == b.vocabulary.tolist()
    for name in ("ngrams", "lexicon"):
        x, y = getattr(a, name), getattr(b, name)
        if x is None:
            assert y is None
            continue
        assert x.shape == y.shape and x.dtype == y.dtype
        assert (x != y).nnz == 0
        x.sort_indices()
        y.sort_indices()
        assert np.array_equal(x.indptr, y.indptr) and np.array_equal(x.indices, y.indices)
        assert np.array_equal(x.data, y.data)
    assert np.array_equal(a.ngram_lengths, b.ngram_lengths)
    assert np.array_equal(a.doc_lengths, b.doc_lengths)


@pytest.mark.parametrize("size", [1, 2, 5, 100])
@pytest.mark.parametrize("min_df", [1, 2, 3])
def test_spilled_merge_equals_the_in_memory_merge(tmp_path, size, min_df):
    params = count_params(lexicon=load_lexicon())
    parts = partition(TEXTS, size)
    memory = merge_partitions([count_partition(p, params) for p in parts], params, min_df=min_df)
    paths = count_spilled(lambda i: parts[i], len(parts), params, tmp_path)
    assert len(list(tmp_path.glob("part-*.pkl"))) == len(parts)
    spilled = merge_spilled(paths, params, min_df=min_df)
    _same(memory, spilled)
    if min_df > 1:  # the case that needs the global document frequency: kept only across partitions
        assert len(spilled.vocabulary) < len(merge_partitions([count_partition(TEXTS, params)], params).vocabulary)


def test_spilled_count_in_two_processes_equals_in_process(tmp_path):
    params = count_params(lexicon=load_lexicon())
    one = count_frame_spilled(lambda a, b: TEXTS[a:b], len(TEXTS), params, chunk_size=3, min_df=2, workers=1,
                              folder=tmp_path)
    two = count_frame_spilled(lambda a, b: TEXTS[a:b], len(TEXTS), params, chunk_size=3, min_df=2, workers=2,
                              folder=tmp_path)
    _same(one, two)
    assert list(tmp_path.iterdir()) == []  # the temporary folders are gone


def test_no_texts_and_no_tokens(tmp_path):
    params = count_params()
    for texts in ([], ["", None, "a"]):
        parts = partition(texts, 2)
        memory = merge_partitions([count_partition(p, params) for p in parts], params, min_df=2)
        spilled = merge_spilled(count_spilled(lambda i, parts=parts: parts[i], len(parts), params, tmp_path), params,
                                min_df=2)
        _same(memory, spilled)
        assert spilled.ngrams.shape == (len(texts), 0)


@pytest.mark.parametrize("backend", ["local", "processes"])
def test_count_ngrams_with_a_folder_spills_and_gives_the_same_counts(tmp_path, backend):
    lex = load_lexicon()
    memory = count_ngrams(TEXTS, lexicon=lex, min_df=2, chunk_size=3)
    spilled = count_ngrams(TEXTS, lexicon=lex, min_df=2, chunk_size=3, backend=backend, folder=tmp_path, workers=2)
    _same(memory, spilled)
    assert len(list(tmp_path.glob("part-*.pkl"))) == 4  # 12 texts in partitions of 3, each written once
    with pytest.raises(ValueError, match="does not spill"):
        count_ngrams(TEXTS, backend="nowhere", folder=tmp_path)


def test_fixed_vocabulary_is_refused(tmp_path):
    params = count_params(vocabulary=["product roadmap"])
    with pytest.raises(ValueError, match="fixed vocabulary"):
        merge_spilled([], params)


@pytest.fixture(scope="module")
def sample():
    return kit.load_postings()


@pytest.mark.parametrize("sections", ["role", "all"])
def test_build_index_spilled_equals_in_memory(sample, sections):
    df = sample
    memory = lookup.build_index(df, cache=False, spill=False, sections=sections)
    lookup.clear_memory()
    spilled = lookup.build_index(df, cache=False, spill=True, chunk_size=97, sections=sections)
    assert spilled is not memory
    _same(memory, spilled)
    assert spilled.posting_ids.equals(memory.posting_ids)
    lookup.clear_memory()
    spread = lookup.build_index(df, cache=False, spill=True, chunk_size=401, backend="processes", workers=2,
                                sections=sections)
    _same(memory, spread)


def _sleep(seconds: float) -> float:
    import time

    time.sleep(seconds)
    return seconds


def test_worker_pool_ends_its_workers_when_the_block_is_interrupted():
    from kit.core.pool import worker_pool

    with worker_pool(2) as pool:
        assert pool.submit(_sleep, 0).result() == 0
    with pytest.raises(KeyboardInterrupt):
        with worker_pool(2) as pool:
            running = [pool.submit(_sleep, 600) for _ in range(3)]
            while not any(f.running() for f in running):
                _sleep(0.05)
            processes = list(pool._processes.values())
            raise KeyboardInterrupt
    assert processes and not any(p.is_alive() for p in processes)  # not left to sleep for 10 minutes


def test_an_unusable_temp_folder_falls_back_to_counting_in_memory(sample, monkeypatch, tmp_path):
    df = sample.head(300)
    memory = lookup.build_index(df, cache=False, spill=False)
    lookup.clear_memory()
    import tempfile

    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    monkeypatch.setattr(tempfile, "tempdir", str(not_a_folder))  # the temp "folder" is a file: mkdtemp fails
    with pytest.warns(RuntimeWarning, match="counting in memory"):
        fallback = lookup.build_index(df, cache=False, spill=True, chunk_size=50)
    _same(memory, fallback)

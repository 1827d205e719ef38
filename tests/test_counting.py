"""Tests for the index's counting seam (kit.index.counting): map / merge, backends, the compiled tokenizer.

The equality tests compare backends and partitionings with each other (whatever the token pattern);
:func:`test_sample_build_matches_the_pinned_fingerprint` pins the sample's index under today's pattern, for the
whole description (``sections="all"``) and for the role's own sections (the default). To re-pin after a deliberate
change of :data:`kit.index.lexicon.TOKEN_PATTERN` (or of the section rules), run
``python -c "import kit, tests.test_counting as t; print(t.index_fingerprint(kit.build_index(kit.load_postings(),
cache=False, sections=SECTIONS)))"`` for SECTIONS "all" and "role" and add the pattern and digests to ``PINNED``.
"""

from __future__ import annotations

import hashlib
import pickle
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kit
from kit.core.errors import DataError
from kit.index import counting, lookup
from kit.index.counting import count_ngrams, count_params, count_partition, merge_partitions
from kit.index.lexicon import TOKEN_PATTERN, load_lexicon
from kit.index.tokenize import tokenize_partition

#: (token pattern, sections) -> digest of the bundled sample's index. The "all" digest of the original pattern was
#: pinned before the seam existed (the CountVectorizer-based count_ngrams of kit 0.1.0): the whole description
#: still gives it. "role" (the default since the index counts the role's own sections) was pinned when sections came.
PINNED = {
    (r"(?u)\b\w\w+\b", "all"): "9d58e0e8ca86a60a7624b78d6a3d7ace45cf224944f043dded811047a5f17474",
    (r"(?u)\b\w\w+\b", "role"): "a1d5624ebb4878b866ec2f00cbe4686f3fad9dcbb2225479614d561e9c43af2a",
    # re-pinned on purpose (issue 12 item 3): hyphenated / slashed compounds are one token ("trade-offs")
    (r"(?u)\b\w+(?:[-/]\w+)+\b|\b\w\w+\b", "all"): "01c536aea1f6df87ff3bce40dd6032c04fbcb80857dc7c37e70fdf2ab02ed1dd",
    (r"(?u)\b\w+(?:[-/]\w+)+\b|\b\w\w+\b", "role"): "e6b6023104d96d1b5b6506bebc4f532a4968909261cc3be0b988e98200c7909e",
}

UNICODE = [
    "Été à Paris, ÇA VA très bien; naïve café",
    "plain ascii text here, plain ascii text",
    "ﬁnance ﬂow İstanbul ǅemal ΣΊΣΥΦΟΣ",
    "straße STRASSE 東京 での 仕事 x2 a_b __init__",
    "",
    None,
    "Own the roadmap; own the road-map. Cross-functional/cross functional TPMs.",
]


@pytest.fixture(autouse=True)
def _fresh_memory():
    lookup.clear_memory()
    yield
    lookup.clear_memory()


def index_fingerprint(index) -> str:
    """Digest of an index's vocabulary (in order), n-gram and lexicon matrices (canonical CSR), lengths."""
    h = hashlib.sha256()
    h.update("\n".join(index.vocabulary.tolist()).encode())
    for m in (index.ngrams, index.lexicon):
        m = m.tocsr().copy()
        m.sum_duplicates()
        m.sort_indices()
        for a in (m.indptr, m.indices, m.data):
            h.update(a.astype(np.int64).tobytes())
        h.update(repr(m.shape).encode())
    h.update(index.doc_lengths.astype(np.int64).tobytes())
    h.update(index.ngram_lengths.astype(np.int64).tobytes())
    return h.hexdigest()


def assert_same_counts(a, b) -> None:
    """Two NgramCounts / PhraseIndex objects hold the same vocabulary (same order) and the same arrays."""
    assert a.vocabulary.tolist() == b.vocabulary.tolist()
    for name in ("ngrams", "lexicon"):
        x, y = getattr(a, name), getattr(b, name)
        if x is None or y is None:
            assert x is None and y is None
            continue
        assert x.shape == y.shape and x.dtype == y.dtype == np.int32
        for field in ("indptr", "indices", "data"):
            assert np.array_equal(getattr(x, field), getattr(y, field)), (name, field)
    assert np.array_equal(a.doc_lengths, b.doc_lengths) and a.doc_lengths.dtype == b.doc_lengths.dtype
    assert np.array_equal(a.ngram_lengths, b.ngram_lengths)


def _reference(texts, **kw):
    """count_ngrams through scikit-learn's CountVectorizer counting step (the pre-seam code path), one partition."""
    lexicon = kw.pop("lexicon", None)
    min_df = kw.pop("min_df", 1)
    params = count_params(lexicon=lexicon, **kw)
    return merge_partitions([counting._count_strings(counting.texts_of(texts), params)], params, min_df=min_df)


@pytest.fixture(scope="module")
def sample():
    return kit.load_postings()


@pytest.mark.parametrize("sections", ["all", "role"])
def test_sample_build_matches_the_pinned_fingerprint(sample, sections):
    if (TOKEN_PATTERN, sections) not in PINNED:
        pytest.skip(f"no fingerprint pinned for TOKEN_PATTERN={TOKEN_PATTERN!r}, sections={sections!r}: re-pin (see "
                    "the module docstring)")
    index = kit.build_index(sample, cache=False, sections=sections)
    assert index.params["sections"] == sections
    assert index_fingerprint(index) == PINNED[(TOKEN_PATTERN, sections)]


@pytest.mark.parametrize(
    "options",
    [
        {"min_df": 2, "lexicon": "default"},
        {"min_df": 1},
        {"ngram_range": (2, 3), "stop_words": None, "min_df": 2},
        {"ngram_range": (1, 4), "stop_words": ["team", "the"]},  # longer than 3 words: the string path
        {"vocabulary": ["product roadmap", "roadmap", "not seen anywhere", "the team"]},
    ],
)
def test_compiled_counting_equals_the_countvectorizer_path(sample, options):
    options = dict(options)
    if options.get("lexicon") == "default":
        options["lexicon"] = load_lexicon("default")
    texts = sample["description"].iloc[:800].tolist() + UNICODE
    assert_same_counts(count_ngrams(texts, **options), _reference(texts, **options))


@pytest.mark.parametrize("chunk_size", [1, 7, 333, 10_000])
def test_any_partitioning_merges_to_the_same_counts(sample, chunk_size):
    lex = load_lexicon("default")
    texts = UNICODE + sample["description"].iloc[:400].tolist()
    one = count_ngrams(texts, lexicon=lex, min_df=2, chunk_size=10**6)
    assert_same_counts(count_ngrams(texts, lexicon=lex, min_df=2, chunk_size=chunk_size), one)


def test_processes_backend_equals_local(sample):
    local = kit.build_index(sample, cache=False, backend="local")
    lookup.clear_memory()
    spread = kit.build_index(sample, cache=False, backend="processes", workers=2, chunk_size=1_000)
    assert_same_counts(spread, local)
    assert spread.posting_ids.equals(local.posting_ids)


def test_edge_cases_equal_the_reference():
    lex = load_lexicon("default")
    for texts in ([], ["", None], ["a b c", "x"], ["   ", "!!"], UNICODE):
        assert_same_counts(count_ngrams(texts, lexicon=lex), _reference(texts, lexicon=lex))
        assert_same_counts(count_ngrams(texts, min_df=2), _reference(texts, min_df=2))


def test_partition_counts_pickle_and_merge_the_same():
    params = count_params(lexicon=load_lexicon("default"))
    parts = [count_partition(UNICODE[:3], params), count_partition(UNICODE[3:], params)]
    again = pickle.loads(pickle.dumps((parts, params)))
    assert_same_counts(merge_partitions(again[0], again[1]), merge_partitions(parts, params))


def test_unknown_backend_is_a_clear_error():
    with pytest.raises(ValueError, match="backend='nope'.*local"):
        count_ngrams(["a text"], backend="nope")


def test_registered_backend_is_used():
    calls = []

    def run(partitions, params, **_):
        calls.append(len(partitions))
        return [count_partition(p, params) for p in partitions]

    counting.register_backend("recording", run)
    try:
        out = count_ngrams(["one text here", "another text here"], backend="recording", chunk_size=1)
    finally:
        counting.BACKENDS.pop("recording")
    assert calls and out.ngrams.shape[0] == 2


_TEXT = st.text(
    alphabet=st.sampled_from(list("abAZ _09-/.,\n\t\x0b\x1c~é\u00b2\u0130ﬁ東ǅ")), max_size=40
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_TEXT, max_size=6))
def test_compiled_tokenizer_equals_re_findall(texts):
    tokens, counts = tokenize_partition(texts)
    findall = re.compile(TOKEN_PATTERN).findall
    expected = [findall(t.lower()) for t in texts]
    assert counts.tolist() == [len(e) for e in expected]
    assert tokens.to_pylist() == [tok for e in expected for tok in e]


def test_the_byte_path_serves_todays_pattern_and_compounds_are_tokens():
    from kit.index import tokenize

    assert TOKEN_PATTERN in tokenize._ARROW_SPLITS  # the fast path is used, not the re.findall fallback
    text = "Trade-offs, end-to-end and go/no-go calls on AI/ML; -dash- a--b x/ y"
    tokens, _ = tokenize_partition([text])
    assert tokens.to_pylist() == re.compile(TOKEN_PATTERN).findall(text.lower())
    assert tokens.to_pylist()[:6] == ["trade-offs", "end-to-end", "and", "go/no-go", "calls", "on"]
    assert "ai/ml" in tokens.to_pylist() and "dash" in tokens.to_pylist()


def test_lexicon_phrases_match_both_spellings():
    lex = load_lexicon()
    j = int(lex.index[lex["phrase"] == "cross functional"][0]) if (lex["phrase"] == "cross functional").any() else None
    if j is None:
        pytest.skip("the lexicon has no 'cross functional' phrase")
    texts = ["Lead cross-functional launches.", "Lead cross functional launches.", "Lead cross/functional work."]
    counts = count_ngrams(texts, lexicon=lex, min_df=1)
    assert counts.lexicon[:, j].toarray().ravel().tolist() == [1, 1, 1]
    assert "cross-functional" in set(counts.vocabulary.tolist())
    custom = lex.iloc[[j]].assign(variants=[("go no go",)])  # a lexicon "go/no-go" is normalized to words
    both = count_ngrams(["the go/no-go call", "the go no go call", "going"], lexicon=custom.reset_index(drop=True),
                        min_df=1)
    assert both.lexicon[:, 0].toarray().ravel().tolist() == [1, 1, 0]


def test_missing_dask_is_a_data_error_naming_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "dask", None)
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(DataError, match=r"swimlanes-kit\[dask\]"):
        count_ngrams(["a text here"], backend="dask")


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed", reason="dask.distributed is not installed (swimlanes-kit[dask])")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    client = distributed.Client(cluster, set_as_default=False)
    yield client
    client.close()
    cluster.close()


def test_dask_build_equals_local_build(sample, dask_client):
    local = kit.build_index(sample, cache=False)
    lookup.clear_memory()
    remote = kit.build_index(sample, cache=False, backend="dask", client=dask_client, chunk_size=700)
    assert_same_counts(remote, local)
    assert index_fingerprint(remote) == index_fingerprint(local)


def test_dask_dataframe_from_parquet_equals_local_build(sample, dask_client, tmp_path):
    dd = pytest.importorskip("dask.dataframe", reason="dask.dataframe is not installed")
    frame = sample[["posting_id", "description"]].reset_index(drop=True)
    for i, start in enumerate(range(0, len(frame), 1_000)):  # a small "posting store" of four Parquet parts
        frame.iloc[start : start + 1_000].to_parquet(tmp_path / f"part-{i}.parquet", index=False)
    ddf = dd.read_parquet(str(tmp_path / "*.parquet"))
    assert ddf.npartitions > 1
    remote = kit.build_index(ddf, cache=False, client=dask_client)
    lookup.clear_memory()
    local = kit.build_index(pd.read_parquet(tmp_path), cache=False)
    assert_same_counts(remote, local)
    assert remote.posting_ids.equals(local.posting_ids)


def test_kit_dask_scheduler_sends_default_builds_to_that_cluster(sample, dask_client, monkeypatch):
    local = kit.build_index(sample, cache=False)
    lookup.clear_memory()
    seen = []
    real = counting.BACKENDS["dask"]

    def recording(parts, params, **kw):
        seen.append(kw)
        return real(parts, params, **kw)

    monkeypatch.setitem(counting.BACKENDS, "dask", recording)
    monkeypatch.setenv("KIT_DASK_SCHEDULER", dask_client.scheduler.address)
    remote = kit.build_index(sample, cache=False)  # backend=None: the scheduler in the environment
    assert seen and seen[0]["client"] is None  # the backend connected to $KIT_DASK_SCHEDULER itself
    assert_same_counts(remote, local)


def test_dask_partitions_follow_the_clusters_threads_not_the_clients_cpus(dask_client, monkeypatch):
    """Two partitions per cluster thread (2 workers x 1 thread here), whatever this machine's CPU count."""
    seen = []
    real = counting.BACKENDS["dask"]

    def recording(parts, params, **kw):
        seen.append(len(parts))
        return real(parts, params, **kw)

    monkeypatch.setitem(counting.BACKENDS, "dask", recording)
    monkeypatch.setattr(counting.os, "cpu_count", lambda: 16)  # a big client machine: would cut 32 partitions
    texts = [f"product roadmap item {i} owned by the platform team" for i in range(8_000)]
    remote = counting.count_ngrams(texts, backend="dask", client=dask_client, chunk_size=100_000)
    assert seen == [4]  # 2 x (2 workers x 1 thread): 2,000 texts each
    local = counting.count_ngrams(texts)
    assert (remote.ngrams != local.ngrams).nnz == 0
    assert list(remote.vocabulary) == list(local.vocabulary)


def test_dask_spilled_build_equals_local_build_and_writes_every_partition(sample, dask_client, monkeypatch):
    """spill=True on the Dask path: counts are written to files as they arrive, merged in two passes, same index."""
    from kit.index import spill

    local = kit.build_index(sample, cache=False)
    lookup.clear_memory()
    merged = []
    real = spill.merge_spilled

    def recording(paths, params, **kw):
        merged.append([Path(p).exists() for p in paths])
        return real(paths, params, **kw)

    monkeypatch.setattr(lookup, "merge_spilled", recording)
    monkeypatch.setattr(spill, "merge_spilled", recording)
    remote = kit.build_index(sample, cache=False, backend="dask", client=dask_client, chunk_size=700, spill=True)
    assert merged and len(merged[0]) >= 4 and all(merged[0])  # every partition reached its file before the merge
    assert_same_counts(remote, local)
    assert index_fingerprint(remote) == index_fingerprint(local)


def test_dask_dataframe_spilled_build_equals_local_build(sample, dask_client, tmp_path):
    dd = pytest.importorskip("dask.dataframe", reason="dask.dataframe is not installed")
    frame = sample[["posting_id", "description"]].reset_index(drop=True)
    for i, start in enumerate(range(0, len(frame), 1_000)):
        frame.iloc[start : start + 1_000].to_parquet(tmp_path / f"part-{i}.parquet", index=False)
    ddf = dd.read_parquet(str(tmp_path / "*.parquet"))
    remote = kit.build_index(ddf, cache=False, client=dask_client, spill=True, min_df=2)
    lookup.clear_memory()
    local = kit.build_index(pd.read_parquet(tmp_path), cache=False, min_df=2)
    assert_same_counts(remote, local)
    assert remote.posting_ids.equals(local.posting_ids)


def test_dask_spill_sends_texts_a_window_ahead_not_all_at_once(dask_client, monkeypatch, tmp_path):
    """The client scatters at most 2 x threads + 2 partitions before the first counts are written."""
    from kit.index import spill

    scattered, written = [], []
    real_scatter, real_write = dask_client.scatter, spill.write_part

    def scatter(data, *a, **kw):
        scattered.append(len(data))
        return real_scatter(data, *a, **kw)

    def write(counts, path):
        written.append(len(scattered))
        return real_write(counts, path)

    monkeypatch.setattr(dask_client, "scatter", scatter)
    monkeypatch.setattr(spill, "write_part", write)
    texts = [f"platform roadmap {i % 97} and program risks {i % 13}" for i in range(8_000)]
    remote = counting.count_ngrams(texts, backend="dask", client=dask_client, chunk_size=1_000, folder=tmp_path,
                                   min_df=2)
    assert scattered == [1] * 8  # one partition per scatter, 8 partitions of 1,000
    assert written[0] <= 6  # 2 workers x 1 thread: 2 x 2 + 2 ahead at most
    local = counting.count_ngrams(texts, min_df=2)
    assert (remote.ngrams != local.ngrams).nnz == 0
    assert list(remote.vocabulary) == list(local.vocabulary)

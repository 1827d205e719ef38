"""Tests for kit.index.phraseindex: one-pass phrase index, disk cache, and selections reusing the parent index."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kit
from kit.core.errors import DataError
from kit.core.paths import cache_dir
from kit.core.schema import conform
from kit.index import phraseindex as kindex
from kit.index.phraseindex import STATS, build_index, count_ngrams, index_for


@pytest.fixture(autouse=True)
def _fresh_memory():
    kindex.clear_memory()
    yield
    kindex.clear_memory()


def _postings(fixtures, key: str | None = "test-key") -> pd.DataFrame:
    df = conform(pd.read_csv(fixtures / "role_postings.csv"), "postings")
    if key:
        df.attrs["kit_source_key"] = key
    return df


def _lexicon_row(index, row: int) -> dict[str, int]:
    names = index.phrases["phrase"].tolist()
    counts = index.lexicon[row].toarray().ravel()
    return {names[j]: int(c) for j, c in enumerate(counts) if c}


def test_lexicon_counts_sum_variants_and_normalize_hyphens():
    df = pd.DataFrame(
        {"description": ["Own the roadmap and the road map. Cross-functional, cross functional.", "deliver on time"]}
    )
    index = build_index(df, cache=False)
    first = _lexicon_row(index, 0)
    assert first["roadmap"] == 2
    assert first["cross functional"] == 2
    assert _lexicon_row(index, 1) == {"on time delivery": 1, "delivery": 1}


def test_open_ngrams_are_stop_word_aware_and_min_df_pruned():
    texts = ["we deliver on time for the team", "they deliver on time to the team", "unique words here"]
    index = build_index(pd.DataFrame({"description": texts}), cache=False, min_df=2)
    vocab = set(index.vocabulary)
    assert {"deliver", "deliver on time", "team", "time"} <= vocab
    assert not {"on", "the", "on time", "the team", "unique", "words"} & vocab  # stop-word edges; df < 2
    assert all(1 <= n <= 3 for n in index.ngram_lengths)
    assert index.doc_lengths.tolist() == [7, 7, 3]


def test_chunked_counting_equals_one_pass():
    texts = [
        "manage the product roadmap",
        "manage risks and dependencies",
        "the product roadmap and risks",
        None,
        "dependencies across teams",
    ]
    lex = kit.load_lexicon()
    one = count_ngrams(texts, min_df=2, lexicon=lex)
    many = count_ngrams(texts, min_df=2, lexicon=lex, chunk_size=2)
    assert sorted(one.vocabulary) == sorted(many.vocabulary)
    order = [list(many.vocabulary).index(v) for v in one.vocabulary]
    assert (one.ngrams.toarray() == many.ngrams.toarray()[:, order]).all()
    assert (one.lexicon.toarray() == many.lexicon.toarray()).all()
    assert one.doc_lengths.tolist() == many.doc_lengths.tolist() == [4, 4, 5, 0, 3]


def test_fixed_vocabulary():
    texts = ["the lazy pig", "lazy lazy dog"]
    counts = count_ngrams(texts, ngram_range=(1, 1), stop_words=None, vocabulary=["pig", "lazy"])
    assert counts.vocabulary.tolist() == ["pig", "lazy"]
    assert counts.ngrams.toarray().tolist() == [[1, 1], [0, 2]]


def test_memory_then_disk_cache(fixtures):
    df = _postings(fixtures, key="cache-1")
    builds, loads = STATS["builds"], STATS["disk_loads"]
    first = build_index(df)
    assert STATS["builds"] == builds + 1
    assert build_index(df) is first  # memory
    kindex.clear_memory()
    again = build_index(df)
    assert STATS["builds"] == builds + 1 and STATS["disk_loads"] == loads + 1
    assert (again.lexicon != first.lexicon).nnz == 0
    assert list(again.vocabulary) == list(first.vocabulary)
    assert not list(cache_dir().glob("*.tmp"))  # written atomically


def test_changed_data_is_rebuilt(fixtures):
    df = _postings(fixtures, key=None)
    build_index(df)
    builds = STATS["builds"]
    changed = df.copy()
    changed.loc[0, "description"] = "Entirely different text about milestones"
    kindex.clear_memory()
    index = build_index(changed)
    assert STATS["builds"] == builds + 1
    assert "milestones" in _lexicon_row(index, 0)


def test_cache_with_same_key_but_other_rows_is_not_used(fixtures):
    df = _postings(fixtures, key="shared-key")
    build_index(df)
    other = df.iloc[:3].copy()  # same attrs key, different rows: the cached index must not be reused as-is
    kindex.clear_memory()
    builds = STATS["builds"]
    index = build_index(other)
    assert STATS["builds"] == builds + 1
    assert len(index) == 3


def test_changed_lexicon_is_rebuilt(fixtures, tmp_path):
    df = _postings(fixtures, key="lex-key")
    build_index(df)
    path = tmp_path / "lex.yaml"
    path.write_text("themes:\n  - id: plans\n    side: tpm\n    phrases:\n      - schedules\n")
    builds = STATS["builds"]
    custom = build_index(df, lexicon=path)
    assert STATS["builds"] == builds + 1
    assert custom.phrases["phrase"].tolist() == ["schedules"]
    assert custom.lexicon[:, 0].toarray().ravel().tolist() == [0, 1, 0, 0, 0, 1, 1, 0]
    path.write_text(path.read_text() + "      - risks\n")
    kindex.clear_memory()
    assert build_index(df, lexicon=path).phrases["phrase"].tolist() == ["schedules", "risks"]
    assert STATS["builds"] == builds + 2


def test_corrupt_cache_file_is_ignored(fixtures):
    df = _postings(fixtures, key="corrupt-key")
    build_index(df)
    for path in cache_dir().glob("index-corrupt-key-*"):
        path.write_bytes(b"not a pickle")
    kindex.clear_memory()
    builds = STATS["builds"]
    assert len(build_index(df)) == len(df)
    assert STATS["builds"] == builds + 1


def test_selection_reuses_parent_index(fixtures):
    df = _postings(fixtures, key="parent-key")
    parent = build_index(df)
    builds = STATS["builds"]
    sub = kit.select(df, company="Acme Cloud")
    index, pos = index_for(sub)
    assert index is parent
    assert STATS["builds"] == builds
    assert df["posting_id"].iloc[pos].tolist() == sub["posting_id"].tolist()
    assert (index.lexicon[pos] != parent.lexicon[[3, 4, 5]]).nnz == 0


def test_selection_first_builds_the_full_table_once(fixtures):
    df = _postings(fixtures, key="select-first")
    builds = STATS["builds"]
    sub = kit.select(df, roles="tpm")
    index, pos = index_for(sub)
    assert len(index) == len(df)  # the remembered parent was indexed, not the subset
    assert STATS["builds"] == builds + 1
    index_for(kit.select(df, roles="pmt"))
    kit.phrase_frequency(kit.select(df, company="Amazon"))
    assert STATS["builds"] == builds + 1


def test_plain_frame_is_indexed_on_the_fly():
    df = pd.DataFrame({"description": ["roadmap", "risks", "roadmap"], "role": ["pmt", "tpm", "pmt"]})
    index, pos = index_for(df)
    assert pos.tolist() == [0, 1, 2]
    assert index.posting_ids is None
    builds = STATS["builds"]
    index_for(df)
    assert STATS["builds"] == builds  # kept in memory under the content hash


def test_duplicate_posting_ids_fall_back_to_positions():
    df = pd.DataFrame({"posting_id": ["a", "a"], "description": ["roadmap", "risks"]})
    index, pos = index_for(df)
    assert pos.tolist() == [0, 1]
    assert _lexicon_row(index, 1) == {"risks": 1}


def test_missing_description_is_a_data_error():
    with pytest.raises(DataError, match="description"):
        build_index(pd.DataFrame({"title": ["x"]}))


def test_empty_frame():
    index = build_index(pd.DataFrame({"description": pd.Series([], dtype="string")}), cache=False)
    assert len(index) == 0
    assert index.ngrams.shape[0] == 0
    assert isinstance(index.doc_lengths, np.ndarray)


def test_selection_of_an_indexed_table_gets_its_positions_without_an_id_lookup(fixtures, monkeypatch):
    df = _postings(fixtures, key="handoff")
    index = build_index(df)
    sub = kit.select(df, company="Acme Cloud")
    monkeypatch.setattr(kindex.PhraseIndex, "positions", lambda self, frame: pytest.fail("looked ids up"))
    got, pos = index_for(sub)
    assert got is index
    assert df["posting_id"].iloc[pos].tolist() == sub["posting_id"].tolist()


def test_handoff_ignores_a_parent_whose_ids_changed(fixtures):
    df = _postings(fixtures, key="handoff-changed")
    build_index(df)
    df["posting_id"] = df["posting_id"].iloc[::-1].to_numpy()  # same ids, other rows: positions must be looked up
    sub = kit.select(df, company="Acme Cloud")
    index, pos = index_for(sub)
    assert index.posting_ids[pos].tolist() == sub["posting_id"].tolist()


def test_row_slice_is_shared_for_the_same_rows_and_cleared_on_request(fixtures):
    index = build_index(_postings(fixtures, key="slices"))
    before = STATS["slices"]
    first = kindex.row_slice(index, "ngrams", np.array([4, 1]))
    assert kindex.row_slice(index, "ngrams", np.array([4, 1])) is first
    assert STATS["slices"] == before + 1
    assert (first != index.ngrams[[4, 1]]).nnz == 0
    assert kindex.row_slice(index, "ngrams", np.array([1, 4])) is not first  # other order, other slice
    kindex.clear_slices()
    assert kindex.row_slice(index, "ngrams", np.array([4, 1])) is not first


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, [3, 0, 7]),
        ({"binary": True}, [2, 0, 2]),
        ({"row_weights": np.array([0.5, 2.0])}, [4.5, 0, 11.0]),
    ],
)
def test_column_sums(options, expected):
    import scipy.sparse as sp

    x = sp.csr_matrix(np.array([[1, 0, 2], [2, 0, 5]], dtype=np.int32))
    assert kindex.column_sums(x, **options).tolist() == pytest.approx(expected)


def test_tfidf_weights_reproduce_the_tfidf_matrix(fixtures):
    index = build_index(_postings(fixtures, key="tfidf-weights"))
    idf, scale = index.tfidf_weights()
    x = index.ngrams.tocoo()
    rebuilt = x.data * idf[x.col] * scale[x.row]
    assert np.allclose(rebuilt, index.tfidf().tocoo().data, rtol=1e-6)

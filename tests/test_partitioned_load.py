"""kit.load.partitioned: a file loaded in company partitions (over processes) equals ``load_postings`` of it.

Small synthetic corpora cut into many partitions (a few hundred rows each), so duplicates, company spellings and
boilerplate all have to stay inside their partitions for the tables to match.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from kit.load import partitioned
from kit.load.partitioned import load_postings_partitioned
from kit.load.postings import load_postings
from kit.sample.synthetic import write_corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    write_corpus(folder, n_postings=2500, n_companies=24, seed=5, n_pay=10)
    return folder / "postings.csv.gz"


def _loaded(fn, *args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = fn(*args, **kwargs)
    return df, sorted({str(w.message) for w in caught})


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert a.attrs["kit_source_key"] == b.attrs["kit_source_key"]


def test_partitions_over_two_processes_equal_load_postings(corpus, monkeypatch):
    calls = []
    real = partitioned._write_partitions
    monkeypatch.setattr(partitioned, "_write_partitions", lambda *a: calls.append(1) or real(*a))
    whole = load_postings(corpus)
    parts = load_postings_partitioned(corpus, rows_per_partition=250, workers=2)
    assert calls, "the file was not partitioned"
    assert whole["duplicates"].gt(1).any()  # reposts were merged: they had to meet in one partition
    _same(whole, parts)


def test_no_ids_untitled_rows_and_company_spellings(corpus, tmp_path):
    raw = pd.read_csv(corpus, dtype=str, keep_default_na=False, na_values=[""])
    raw = raw.drop(columns=["posting_id"])
    rng = np.random.default_rng(0)
    raw.loc[rng.choice(len(raw), 40, replace=False), "title"] = np.nan  # dropped, with a warning
    first = raw["company"].iloc[0]
    rows = np.flatnonzero(raw["company"].eq(first).to_numpy())
    raw.loc[rows[::3], "company"] = f"{first}, Inc."  # one company under two spellings: one display name
    raw = pd.concat([raw, raw.iloc[rows[:30]]], ignore_index=True)  # exact reposts at the end of the file
    path = tmp_path / "noids.csv"
    raw.to_csv(path, index=False)
    whole, said = _loaded(load_postings, path)
    parts, told = _loaded(load_postings_partitioned, path, rows_per_partition=200, workers=1)
    _same(whole, parts)
    assert parts["posting_id"].str.startswith("noids-").all()
    assert any("without a title" in m for m in told)
    assert said == told


def test_files_it_cannot_partition_exactly_are_loaded_whole(corpus, tmp_path, monkeypatch):
    raw = pd.read_csv(corpus, dtype=str, keep_default_na=False, na_values=[""])
    raw.loc[5, "posting_id"] = np.nan  # some ids missing, some not
    path = tmp_path / "mixed.csv"
    raw.to_csv(path, index=False)
    monkeypatch.setattr(partitioned, "_write_partitions", lambda *a: pytest.fail("partitioned"))
    _same(load_postings(path), load_postings_partitioned(path, rows_per_partition=200, workers=1))
    parquet = tmp_path / "postings.parquet"
    raw.to_parquet(parquet)
    _same(load_postings(parquet), load_postings_partitioned(parquet, workers=1))

"""The loaded sample is byte-identical to the output pinned before the load pipeline was vectorized (issue 13).

Re-pin only for a deliberate change of the load output (the 30k pin likewise, on ``write_corpus(n_postings=30_000,
seed=11)``):
``python -c "import kit, tests.test_load_fingerprint as t; print(t.frame_fingerprint(kit.load_postings()))"``.
"""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

import kit

#: main at a765442 (before the load pipeline was vectorized), on a generated corpus of 30k postings (the load
#: benchmark's generator and seed: HTML, markdown, reposts, several companies per market)
PINNED_30K = "bb3ed45cd055095d1a9141caabb5600aae2c514a6855ca149261fd9229f08b5e"

#: main at a7df683 (before this round of load work, issue 13), on the load benchmark's 100k corpus
#: (``write_corpus(n_postings=100_000, seed=11)``); slow: generating and loading 100k postings takes a while
PINNED_100K = "987c1fe50c2e4429b4898f8156e2b29db664cbccaad37f3ff095e24461f44091"

#: main at ac54768 (checked on a clean export of main); earlier pins: 5c01c29a (dc6bf0e), 4ed9ae6c (4940d84)
PINNED = "d6e0212dedeb5e1d5afbce311d78dc718fed5ec6a29ba7930f1639ea45b88c2c"


def frame_fingerprint(df: pd.DataFrame) -> str:
    """Digest of a frame's column names, dtypes, length and every value's repr, column by column."""
    h = hashlib.sha256()
    h.update(repr(list(df.columns)).encode())
    h.update(repr([str(t) for t in df.dtypes]).encode())
    h.update(repr(len(df)).encode())
    for column in df.columns:
        values = df[column].astype("object").map(repr)
        h.update(pd.util.hash_pandas_object(values, index=False).to_numpy().tobytes())
    return h.hexdigest()


def test_loaded_sample_matches_the_pinned_fingerprint():
    assert frame_fingerprint(kit.load_postings()) == PINNED


def test_loaded_30k_corpus_matches_the_pinned_fingerprint(tmp_path):
    from kit.sample.synthetic import write_corpus

    write_corpus(tmp_path, n_postings=30_000, seed=11)
    assert frame_fingerprint(kit.load_postings(tmp_path / "postings.csv.gz")) == PINNED_30K


@pytest.mark.slow
def test_loaded_100k_corpus_matches_the_pinned_fingerprint(tmp_path):
    from kit.sample.synthetic import write_corpus

    write_corpus(tmp_path, n_postings=100_000, seed=11)
    assert frame_fingerprint(kit.load_postings(tmp_path / "postings.csv.gz")) == PINNED_100K

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

#: a generated corpus of 30k postings (the load benchmark's generator and seed: HTML, markdown, reposts, several
#: companies per market). Pins, newest first: branch titles3 (issue 15), two deliberate changes: (1) title rules:
#: executive program titles ("VP / Head of Program Management", "VP of Programs") -> role other, "Product Manager -
#: Integrations" -> pmt (role / variant / role_confidence / role_basis / title_clean / title_text_mismatch of those rows
#: only: 475 of 27,939 rows with (2)); (2) the generator's truth: bare executive product / program titles have
#: synthetic_role "other" (that column only; no other generated value changed). be26952f: branch rolemodel (the
#: fitted role_confidence of generic titles read with text); bb3ed45c: main at a765442 (before the load pipeline was
#: vectorized).
PINNED_30K = "21bc7474d6e317f684030709d3285212dadaf0acf811f66017e5ff1b72d31ee7"

#: the bundled sample: branch titles3 (issue 15), the same two changes as PINNED_30K (the sample regenerated: only its
#: synthetic_role column changed, 41 raw rows; 39 of 3,355 loaded rows differ); earlier pins: bbe6405c (rolemodel,
#: role_confidence only), d6e0212d (a7df683), 5c01c29a (dc6bf0e), 4ed9ae6c (4940d84)
PINNED = "94be796b023cda423f7a7185411ec240b429fa09a576ac383248c599791d571b"

#: every column but role_confidence (sample, then the 30k corpus): titles3's change as above; earlier 544d348e /
#: 0de88aa2 (main a7df683 .. rolemodel: the calibration changed role_confidence and nothing else)
PINNED_BUT_CONFIDENCE = "17cd58539c0780434c181c9c3b8ec8c0aeee8d72887db87d449d195799a240cf"
PINNED_30K_BUT_CONFIDENCE = "82fdc69c3d1edb106584d10d2b980b760848d43f3118158e8fb23d6995d29f8e"

#: the load benchmark's 100k corpus (``write_corpus(n_postings=100_000, seed=11)``): main at 2805d11 (titles3 and
#: rolemodel merged), the output the load work of issue 13 must keep; slow (generating and loading take a while)
PINNED_100K = "5133c97372e681aae3351b75a4f21a4cc8931435683d75ac6528090cd140361d"


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
    loaded = kit.load_postings()
    assert frame_fingerprint(loaded.drop(columns="role_confidence")) == PINNED_BUT_CONFIDENCE
    assert frame_fingerprint(loaded) == PINNED


def test_loaded_30k_corpus_matches_the_pinned_fingerprint(tmp_path):
    from kit.sample.synthetic import write_corpus

    write_corpus(tmp_path, n_postings=30_000, seed=11)
    loaded = kit.load_postings(tmp_path / "postings.csv.gz")
    assert frame_fingerprint(loaded.drop(columns="role_confidence")) == PINNED_30K_BUT_CONFIDENCE
    assert frame_fingerprint(loaded) == PINNED_30K


@pytest.mark.slow
def test_loaded_100k_corpus_matches_the_pinned_fingerprint(tmp_path):
    from kit.sample.synthetic import write_corpus

    write_corpus(tmp_path, n_postings=100_000, seed=11)
    assert frame_fingerprint(kit.load_postings(tmp_path / "postings.csv.gz")) == PINNED_100K


#: the real posting files (../shared/data/real): sha256 of the file as developed against -> fingerprint of its load
#: (main at 4258c7a, kept by every load-speed change of issue 13 since). Hashes only: no row or text of the files.
PINNED_REAL = {
    "jobspy_postings.csv.gz": ("bc303da7e241d7e622fdd88c41171777c558ac11618864c1728bd52ad16de81d",
                               "398d80e9c5376f579e6f5119d5c43395f5c046c0efa8987e30c9360faed91e4c"),
    "linkedin_postings.csv.gz": ("4b808ac1a32d4f30a8018361ad55b0c21ecdb0f4791963c6bbeb2d321559933c",
                                 "78db92f1f0897024771344fb205648949fdb7ada42e30331dce9fd33bc5060ce"),
}


@pytest.mark.parametrize("name", sorted(PINNED_REAL))
def test_loaded_real_file_matches_its_pinned_fingerprint(real_file, name):
    path = real_file(name)
    file_sha, pinned = PINNED_REAL[name]
    if hashlib.sha256(path.read_bytes()).hexdigest() != file_sha:
        pytest.skip(f"{name} is not the file the fingerprint was pinned on (the shared data changed)")
    assert frame_fingerprint(kit.load_postings(path)) == pinned

"""The fast paths of kit.prepare.dedupe against the simple rule they must equal.

``_codes_within`` tells descriptions apart by the ends of their normalized text before normalizing whole ones;
``_gather`` copies the kept rows of a chunked text column in one pass. Both are compared with the plain rule (each
text lower-cased as ASCII and stripped of ASCII punctuation, digits and whitespace; Arrow's own take) on generated
awkward text: non-ASCII case pairs, characters the rule deletes, texts that differ only in the middle, long runs of
deleted characters at either end, NA, and chunked columns.
"""

from __future__ import annotations

import random
import string

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import kit.prepare.dedupe as dedupe
from kit.prepare.dedupe import _codes_within, _gather, _norm_codes, dedupe_postings, duplicate_key

_TABLE = (string.punctuation + string.digits + string.whitespace).encode()
#: pieces of text: ASCII letters in both cases, what the rule deletes, and non-ASCII letters whose case it keeps
_PIECES = ["Lead", "lead", "LEAD", "roadmap", " ", "\t", "\n", "\x0b", "\x0c", "\r", "  ", ".", "!", "-", "#", "2024",
           "7", "É", "é", "ß", "SS", "ss", "İ", "i", "ı", "Σ", "σ", "ς", "\u00a0", "\u2003", "\U0001f600", "ǅ", "ﬁ",
           "K", "\u212a", "k"]


def _rule(value: str | None) -> bytes:
    return b"" if value is None else value.encode().lower().translate(None, _TABLE)


def _awkward(n: int, seed: int) -> list[str | None]:
    """Texts built to meet every branch: short and long, equal or not once normalized, noisy ends."""
    rng = random.Random(seed)
    base = ["".join(rng.choice(_PIECES) for _ in range(rng.choice([0, 1, 3, 40, 400]))) for _ in range(12)]
    out: list[str | None] = []
    for _ in range(n):
        roll = rng.random()
        if roll < 0.04:
            out.append(None)
            continue
        text = rng.choice(base)
        if roll < 0.5:  # the same text with noise the rule deletes, anywhere
            noise = lambda: "".join(rng.choice(" .!-#2024\t\n") for _ in range(rng.choice([0, 1, 5, 300])))  # noqa: E731
            cut = rng.randrange(len(text) + 1)
            text = noise() + text[:cut] + noise() + text[cut:] + noise()
        elif roll < 0.7:  # one character changed in the middle: equal ends, different text
            mid = len(text) // 2
            text = text[:mid] + rng.choice(_PIECES) + text[mid + 1 :]
        elif roll < 0.8:  # case changed: ASCII case folds, other case does not
            text = text.swapcase() if rng.random() < 0.5 else text.upper()
        out.append(text)
    return out


def _series(values: list[str | None], cuts: tuple[int, ...]) -> pd.Series:
    """``values`` as an Arrow string column in chunks cut at ``cuts`` (an empty chunk included)."""
    bounds = [0, *cuts, len(values)]
    chunks = [pa.array(values[a:b], pa.large_string()) for a, b in zip(bounds, bounds[1:], strict=False)]
    chunks.insert(1, pa.array([], pa.large_string()))
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(chunks, type=pa.large_string())))


def _partition(*cols: np.ndarray) -> np.ndarray:
    frame = pd.DataFrame({str(i): c for i, c in enumerate(cols)})
    return frame.groupby(list(frame.columns), sort=False).ngroup().to_numpy()


_STAGE_SETS = {
    "default": dedupe._STAGES,
    "whole texts only": (),
    "ends that always collide": ((0, 4, 1), (-1, 4, 1)),
    "ends rarely known": ((0, 8, 8), (-1, 8, 8), (0, 16, 12)),
}


@pytest.mark.parametrize("stages", list(_STAGE_SETS), ids=list(_STAGE_SETS))
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_codes_within_groups_equal_the_rule(monkeypatch, stages, seed):
    monkeypatch.setattr(dedupe, "_STAGES", _STAGE_SETS[stages])
    values = _awkward(1500, seed)
    rng = np.random.default_rng(seed)
    groups = rng.integers(0, 6, len(values))
    normed = [_rule(v) for v in values]
    want = _partition(groups, pd.factorize(np.array(normed, dtype=object))[0])
    for s in (pd.Series(values, dtype="string"), _series(values, (7, 700)), pd.Series(values, dtype=object)):
        codes, empty = _codes_within(s, groups)
        assert np.array_equal(_partition(groups, codes), want)
        assert empty.tolist() == [not v for v in normed]


def test_codes_within_tells_apart_texts_equal_at_both_ends():
    head, tail = "Own the platform roadmap. " * 40, " Equal opportunity employer." * 30
    values = [head + "alpha" + tail, head + "ALPHA!" + tail, head + "beta" + tail, "12 34", None, "", head]
    codes, empty = _codes_within(pd.Series(values, dtype="string"), np.zeros(len(values), dtype=np.int64))
    assert codes[0] == codes[1] and len({codes[0], codes[2], codes[6]}) == 3
    assert codes[3] == codes[4] == codes[5]  # nothing left once normalized: one text
    assert empty.tolist() == [False, False, False, True, True, True, False]


def _simple_key(df: pd.DataFrame) -> np.ndarray:
    """duplicate_key by the simple rule: every description normalized whole."""
    company = _norm_codes(df["company"])[0]
    title = _norm_codes(df["title"])[0]
    desc, empty = _norm_codes(df["description"], distinct=False)
    key = _partition(company, title, desc).astype("int64")
    if empty.any():
        key[empty] = key.max(initial=0) + 1 + np.arange(int(empty.sum()), dtype="int64")
    return key


def _postings(seed: int, n: int = 1200) -> pd.DataFrame:
    rng = random.Random(seed)
    return pd.DataFrame({
        "posting_id": [f"p{i}" for i in range(n)],
        "company": pd.Series([rng.choice(["Acme", "ACME", "Initech", None]) for _ in range(n)], dtype="string"),
        "title": pd.Series([rng.choice(["TPM", "tpm.", "Product Manager", "É PM", "é PM"]) for _ in range(n)],
                           dtype="string"),
        "description": _series(_awkward(n, seed), (n // 3, n // 2)),
        "location": pd.Series([rng.choice(["Oslo", "Lima", None, "Rome"]) for _ in range(n)], dtype="string"),
        "posted_date": pd.to_datetime([f"2024-01-{rng.randint(1, 28):02d}" if rng.random() > 0.1 else None
                                       for _ in range(n)]),
    })


@pytest.mark.parametrize("seed", [4, 5])
def test_duplicate_key_equals_the_simple_rule(seed):
    df = _postings(seed)
    assert duplicate_key(df).tolist() == _simple_key(df).tolist()


def test_duplicate_key_survives_colliding_python_hashes(monkeypatch):
    """Company and title codes compare texts whose hashes are equal byte for byte."""
    df = _postings(6)
    want = _simple_key(df)
    monkeypatch.setattr(dedupe, "hash", lambda value: 0, raising=False)  # every value collides
    assert duplicate_key(df).tolist() == want.tolist()


@pytest.mark.parametrize("consume", [False, True])
def test_dedupe_of_a_chunked_column_equals_the_combined_one(consume):
    df = _postings(7)
    want = dedupe_postings(df.assign(description=df["description"].astype(object).astype("string")))
    got = dedupe_postings(df.copy(), consume=consume)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert len(got) < len(df)  # some rows merged: the take dropped rows


def _nulls_with_bytes() -> pa.Array:
    """A ``large_string`` array whose null slots still span bytes (Arrow allows it), sliced off its start."""
    base = pa.array(["ab", "cde", "f", "", "ghij", "k", "lm"], pa.large_string())
    _, offsets, data = base.buffers()
    bitmap = pa.py_buffer(np.packbits(np.array([1, 0, 1, 1, 0, 1, 1], dtype=bool), bitorder="little").tobytes())
    return pa.Array.from_buffers(pa.large_string(), 7, [bitmap, offsets, data], null_count=2).slice(1)


@pytest.mark.parametrize("mapped", [False, True], ids=["pool", "mapped pages"])
@pytest.mark.parametrize("free", [False, True])
def test_gather_equals_arrow_take(monkeypatch, free, mapped):
    if mapped:  # every text buffer from an anonymous mapping, as large columns get them
        monkeypatch.setattr(dedupe, "_CONSUME_BYTES", 1)
    rng = np.random.default_rng(8)
    values = _awkward(900, 8)
    chunks = [pa.array(values[:300], pa.large_string()), pa.array([], pa.large_string()),
              pa.array(values[300:], pa.large_string()).slice(5), _nulls_with_bytes()]
    whole = pa.chunked_array(chunks).combine_chunks()
    for rows in (np.arange(len(whole)), np.array([], dtype=np.int64), np.array([0, len(whole) - 1]),
                 np.sort(rng.choice(len(whole), 600, replace=False)), np.flatnonzero(rng.random(len(whole)) < 0.97)):
        got = _gather(list(chunks), rows, free=free)
        got.validate(full=True)
        want = whole.take(pa.array(rows, pa.int64()))
        assert got.equals(want) and got.null_count == want.null_count
        if len(rows) == len(whole):  # null slots keep no bytes
            assert got.buffers()[2].size == sum(len(v.encode()) for v in want.to_pylist() if v is not None)


def _data_address(s: pd.Series) -> int:
    arr = pa.array(s.array)
    arr = arr.chunk(0) if isinstance(arr, pa.ChunkedArray) else arr
    return arr.buffers()[2].address


@pytest.mark.parametrize("consume", [False, True])
def test_nothing_dropped_shares_the_text_and_equals_a_copy(consume):
    texts = [f"Own roadmap {i} " + "x" * (i % 50) + chr(97 + i % 26) * (i + 1) for i in range(3000)]
    df = pd.DataFrame({"company": "Acme", "title": "TPM", "description": pd.Series(texts, dtype="string"),
                       "big": pd.Series(["y" * 400 + str(i) for i in range(3000)], dtype="string")},
                      index=pd.RangeIndex(10, 3010))
    want = dedupe_postings(df.copy(deep=True))
    source = _data_address(df["big"])
    got = dedupe_postings(df, consume=consume)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert len(got) == 3000 and isinstance(got.index, pd.RangeIndex)
    assert _data_address(got["big"]) == source  # not copied
    assert ("big" in df.columns) is not consume


@pytest.mark.parametrize("value", ["Initech, Inc.", "  ACME   Cloud 2.0 ", "Ünïcødé GmbH & Co. KG", "", "42",
                                   "tab\there\nnewline", "Zoë's Café (Paris)", "\u00a0non-breaking\u2003space"])
def test_compared_form_is_the_column_normalizing_of_one_value(value):
    import pyarrow as pa

    from kit.prepare.dedupe import _normalized, compared_form

    assert compared_form(value) == _normalized(pa.array([value, "other"], type=pa.large_string()))[0]

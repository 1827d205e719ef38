"""Column-wide fast paths of the load (issue 13) give what the plain pandas operations give, value for value."""

from __future__ import annotations

import gzip
import random

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from kit.core.schema import conform, content_key
from kit.io import readers
from kit.io.readers import read_source
from kit.io.values import ParseWarning, strip_text, to_number
from kit.prepare.dedupe import _norm_codes, dedupe_postings, duplicate_key

#: every code point Arrow (and so pandas' str.strip) treats as whitespace, plus look-alikes that are not
SPACES = [chr(c) for c in (9, 10, 11, 12, 13, 0x1C, 0x1F, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x200A, 0x2028, 0x2029,
                           0x202F, 0x205F, 0x3000)]
NOT_SPACES = ["\u200b", "\u2060", "\ufeff", "\u180e", "\u0080", "\u2080", "\u3001", "\u1681", "\x00", "é", "a", "."]


def _hostile(n: int, seed: int) -> list[str | None]:
    rng = random.Random(seed)
    alphabet = SPACES + NOT_SPACES + ["A", "Z", "7", "-", "\U0001f600", "ß"]
    return [None if rng.random() < 0.05 else "".join(rng.choice(alphabet) for _ in range(rng.choice([0, 1, 2, 5])))
            for _ in range(n)]


def _chunked(values: list[str | None], cut: int) -> pd.Series:
    chunks = [pa.array(values[:cut], pa.large_string()), pa.array([], pa.large_string()),
              pa.array(values[cut:], pa.large_string())]
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(chunks)))


@pytest.mark.parametrize("empty_to_na", [True, False])
def test_strip_text_is_pandas_strip(empty_to_na):
    values = _hostile(5000, 1)
    for s in (pd.Series(values, dtype="string"), pd.Series(values, dtype=object), _chunked(values, 77),
              pd.Series(values, dtype="string").iloc[3::4], pd.Series([1.5, None])):
        want = s.astype("string").str.strip()
        want = want.replace("", pd.NA) if empty_to_na else want
        pd.testing.assert_series_equal(strip_text(s, empty_to_na=empty_to_na), want, check_exact=True)


def test_strip_text_shares_unchanged_text():
    s = pd.Series(["no space", "x", None], dtype="string")
    out = pa.array(strip_text(s).array)
    assert out.buffers()[2].address == pa.array(s.array).buffers()[2].address


def test_to_number_whole_numbers_and_the_general_way_agree():
    rng = random.Random(2)
    whole = [str(rng.randint(0, 10**15 - 1)) if rng.random() > 0.2 else None for _ in range(2000)]
    fast = to_number(pd.Series(whole, dtype="string", name="pay"), label="f", column="pay")
    with pytest.warns(ParseWarning, match="1 value"):  # "x": the general way, which counts what it cannot read
        general = to_number(pd.Series([*whole, "x"], dtype="string", name="pay"), label="f", column="pay").iloc[:-1]
    pd.testing.assert_series_equal(fast, general, check_exact=True)
    assert fast.dtype == "Float64" and fast.name == "pay"


def test_norm_codes_partition_matches_the_per_value_rule():
    values = _hostile(4000, 3) + ["Req 123. Lead!", "req  lead", " ", "", None, "x\u00ff"]
    s = _chunked(values, 1000)
    drop = __import__("string")
    table = (drop.punctuation + drop.digits + drop.whitespace).encode()
    normed = [b"" if v is None else v.encode().lower().translate(None, table) for v in values]
    want_codes = pd.factorize(np.array(normed, dtype=object))[0]
    for distinct in (True, False):
        codes, empty = _norm_codes(s, distinct=distinct)
        assert np.array_equal(pd.factorize(codes)[0], want_codes)
        assert empty.tolist() == [not v for v in normed]


def test_consuming_dedupe_gives_the_same_table_and_empties_large_text():
    big = ["Lead the platform roadmap. " * 3000 + str(i % 7) for i in range(40)]
    df = pd.DataFrame({"company": ["Acme"] * 40, "title": ["TPM"] * 40,
                       "description": _chunked(big, 13), "location": [f"City {i % 3}" for i in range(40)],
                       "posted_date": pd.date_range("2024-01-01", periods=40)})
    want = dedupe_postings(df)
    assert want["duplicates"].tolist() == [40] and want["locations"].iloc[0] == "City 0; City 1; City 2"
    got = dedupe_postings(df, consume=True)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert "description" not in df.columns and "company" in df.columns  # only large text is let go
    assert duplicate_key(got).tolist() == [0]


def test_content_key_ignores_chunking_and_conform_adds_missing_columns():
    values = _hostile(3000, 4)
    one = pd.DataFrame({"posting_id": pd.Series(values, dtype="string"), "title": values, "description": values})
    many = one.assign(description=_chunked(values, 1234))
    assert content_key(one) == content_key(many)
    assert content_key(one) != content_key(one.iloc[::-1])
    out = conform(pd.DataFrame({"title": ["a", None]}), "postings")
    assert out["first_seen"].dtype == "datetime64[ns]" and out["first_seen"].isna().all()
    assert str(out["board"].dtype) == "string" and out["board"].isna().all()
    assert out["duplicates"].dtype == "Int64" and out["remote"].dtype == "boolean"


def test_csv_columns_come_back_as_one_chunk_and_a_late_nul_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "CSV_BLOCK_BYTES", 64 << 10)  # many blocks, so many chunks to join
    path = tmp_path / "p.csv.gz"
    rows = "".join(f'{i},"Title {i}","line one\nline two {i}"\n' for i in range(60_000))
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write("id,title,description\n" + rows)
    df = read_source(path)
    assert len(df) == 60_000 and df["description"].iloc[59_999] == "line one\nline two 59999"
    assert pa.chunked_array(pa.array(df["description"].array)).num_chunks == 1
    bad = tmp_path / "nul.csv"
    bad.write_bytes(b"id,title,description\n" + rows.encode() + b'1,"x","a\x00b"\n')
    with pytest.raises(Exception, match="NUL"):
        read_source(bad)


def test_content_key_hashed_ahead_is_the_final_tables_or_recomputed():
    from kit.load.postings import _KeyAhead

    df = pd.DataFrame({"posting_id": ["1", "2"], "title": ["a", "b"], "description": ["x", None]}, dtype="string")
    same = _KeyAhead(df)
    assert same.result(conform(df.copy(), "postings")) == content_key(df)
    changed = _KeyAhead(df)
    edited = df.assign(description=pd.Series(["y", None], dtype="string"))
    assert changed.result(edited) == content_key(edited) != content_key(df)
    plain = _KeyAhead(df.astype(object))  # not Arrow text: hashed at the end
    assert plain.result(df) == content_key(df)

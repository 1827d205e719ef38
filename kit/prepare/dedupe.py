"""Merge duplicated postings: reposts and one posting listed in many locations become one row.

Two rows are duplicates when they have the same company, the same normalized title and a near-identical
description. "Near-identical" is decided by hashing a normalized form of the text (lower case; punctuation,
digits and whitespace dropped; a 128-bit digest per distinct text), so changed dates, requisition numbers,
punctuation, case or spacing do not make a repost look new. Rows without a description are never merged on text alone.

The kept row is the earliest posted one (input order breaks ties); it gets ``duplicates`` = the number of source
rows merged (summing any earlier counts) and ``locations`` = the distinct locations of the merged rows joined by
``"; "``.
"""

from __future__ import annotations

import string
from hashlib import blake2b

import numpy as np
import pandas as pd
import pyarrow as pa

__all__ = ["dedupe_postings", "duplicate_key"]

#: ASCII bytes dropped before comparing texts: punctuation, digits, whitespace
_DROP = (string.punctuation + string.digits + string.whitespace).encode()
_CHUNK = 10_000  # distinct values normalized per chunk


def _norm_codes(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Per row, a code of the normalized text (equal codes = equal text once normalized) and whether it is empty.

    Normalized = UTF-8 bytes, ASCII lower-cased, ASCII punctuation / digits / whitespace removed; NA is empty.
    Each distinct value is normalized once, a chunk of values at a time, and kept only as a 128-bit BLAKE2 digest
    (two different texts share one with a probability of ~1e-27 among a million): the long normalized texts are
    never all in memory at once.
    """
    codes, uniques = pd.factorize(s.astype("string"), use_na_sentinel=True)
    arr = pa.array(uniques.array if hasattr(uniques, "array") else uniques, type=pa.large_string())
    digests: list[bytes] = []
    empty_of: list[bool] = []
    for at in range(0, len(arr), _CHUNK):
        for v in arr.slice(at, _CHUNK).to_pylist():
            normed = v.encode("utf-8", "replace").lower().translate(None, _DROP)
            empty_of.append(not normed)
            digests.append(blake2b(normed, digest_size=16).digest())
    digests.append(blake2b(b"", digest_size=16).digest())  # code -1 (NA) -> the last entry
    empty_of.append(True)
    norm_codes, norm_uniques = pd.factorize(np.array(digests, dtype=object))
    empty = np.zeros(len(norm_uniques), dtype=bool)
    empty[norm_codes[np.array(empty_of, dtype=bool)]] = True
    row = norm_codes[codes]
    return row, empty[row]


def duplicate_key(df: pd.DataFrame) -> pd.Series:
    """A group number per row; equal numbers mean "the same posting".

    Args:
        df: Postings with ``title`` and ``description`` (``company`` optional).

    Returns:
        An ``int64`` series; rows with an empty description get a group of their own each.
    """
    n = len(df)
    company = _norm_codes(df["company"])[0] if "company" in df.columns else np.zeros(n, dtype=np.int64)
    title = _norm_codes(df["title"])[0]
    desc, empty = _norm_codes(df["description"])
    parts = pd.DataFrame({"c": company, "t": title, "d": desc})
    key = parts.groupby(["c", "t", "d"], sort=False).ngroup().to_numpy(dtype="int64", copy=True)
    if empty.any():
        key[empty] = key.max(initial=0) + 1 + np.arange(int(empty.sum()), dtype="int64")
    return pd.Series(key, index=df.index, dtype="int64")


def dedupe_postings(df: pd.DataFrame) -> pd.DataFrame:
    """Collapse duplicated postings.

    Args:
        df: Postings (any index); ``posted_date``, ``location`` and ``duplicates`` are used when present.

    Returns:
        A new frame with one row per distinct posting, a fresh ``RangeIndex``, ``duplicates`` (``Int64``) and
        ``locations`` (``string``) filled.
    """
    work = df.reset_index(drop=True)
    key = duplicate_key(work)
    counts = (
        work["duplicates"].astype("Int64").fillna(1).clip(lower=1).astype("int64")
        if "duplicates" in work.columns
        else pd.Series(1, index=work.index, dtype="int64")
    )
    location = work["location"].astype("string") if "location" in work.columns else pd.Series(
        pd.NA, index=work.index, dtype="string")
    if "locations" in work.columns:  # a table the kit wrote before keeps its merged locations
        location = work["locations"].astype("string").fillna(location)
    order = np.arange(len(work))
    if "posted_date" in work.columns:
        date = pd.to_datetime(work["posted_date"], errors="coerce")
        date_num = date.to_numpy(dtype="datetime64[ns]").astype("int64")
        date_num = np.where(date.isna().to_numpy(), np.iinfo(np.int64).max, date_num)
        order = np.lexsort((order, date_num, key.to_numpy()))
    else:
        order = np.lexsort((order, key.to_numpy()))
    sorted_key = key.to_numpy()[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = sorted_key[1:] != sorted_key[:-1]
    keep_rows = np.sort(order[first])

    group_sizes = key.map(key.value_counts())
    out = work.iloc[keep_rows].copy()
    totals = counts.groupby(key).sum()
    out["duplicates"] = key.iloc[keep_rows].map(totals).astype("Int64").to_numpy()
    locations = location.copy()
    multi = (group_sizes > 1).to_numpy()
    if multi.any():
        sub = pd.DataFrame({"key": key[multi], "loc": location[multi]}).dropna(subset=["loc"])
        groups: dict[int, list[str]] = {}
        for k, loc in zip(*(sub.drop_duplicates()[c].tolist() for c in ("key", "loc")), strict=True):
            groups.setdefault(k, []).append(loc)  # row order within each group, as groupby would keep it
        joined = pd.Series({k: "; ".join(v) for k, v in groups.items()}, dtype="object")
        kept_multi = key.iloc[keep_rows][multi[keep_rows]]
        out.loc[out.index[multi[keep_rows]], "locations"] = kept_multi.map(joined).to_numpy()
        single_mask = ~multi[keep_rows]
        out.loc[out.index[single_mask], "locations"] = locations.iloc[keep_rows][single_mask].to_numpy()
    else:
        out["locations"] = locations.iloc[keep_rows].to_numpy()
    out["locations"] = out["locations"].astype("string")
    return out.reset_index(drop=True)

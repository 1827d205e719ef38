"""Merge duplicated postings: reposts and one posting listed in many locations become one row.

Two rows are duplicates when they have the same company, the same normalized title and a near-identical
description. "Near-identical" means equal once normalized (lower case; punctuation, digits and whitespace dropped;
compared exactly, see :func:`_norm_codes`; descriptions are first told apart by the ends of their normalized text,
see :func:`_codes_within`), so changed dates, requisition numbers, punctuation, case or spacing do
not make a repost look new. Rows without a description are never merged on text alone.

The kept row is the earliest posted one (input order breaks ties); it gets ``duplicates`` = the number of source
rows merged (summing any earlier counts) and ``locations`` = the distinct locations of the merged rows joined by
``"; "``.
"""

from __future__ import annotations

import copy
import mmap
import string

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kit.core.memory import release_memory

__all__ = ["compared_form", "dedupe_postings", "duplicate_key"]

#: ASCII bytes dropped before comparing texts: punctuation, digits, whitespace
_DROP = (string.punctuation + string.digits + string.whitespace).encode()
#: ASCII upper case -> lower case, every other byte unchanged (``bytes.lower``)
_LOWER = bytes.maketrans(string.ascii_uppercase.encode(), string.ascii_lowercase.encode())
#: a byte that never occurs in UTF-8 text: it marks where one value ends in a block of values normalized together
_END = b"\xff"
_CHUNK = 10_000  # values normalized per block


def compared_form(value: str) -> bytes:
    """One text as de-duplication compares it: UTF-8, ASCII lower-cased, ASCII punctuation, digits and spaces dropped.

    What the column-wide normalizing here computes for each value (:func:`_normalized`); for code that must group
    texts the same way one at a time (:mod:`kit.load.partitioned` keeps each company's rows in one partition).
    """
    return value.encode("utf-8", "replace").lower().translate(None, _DROP)
_BLOCK_BYTES = 8 << 20  # ... and at most about this many bytes of text per block
_CONSUME_BYTES = 1 << 20  # dedupe_postings(consume=True) lets go of text columns of at least this size


def _norm_codes(s: pd.Series, *, distinct: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Per row, a code of the normalized text (equal codes = equal text once normalized) and whether it is empty.

    Normalized = UTF-8 bytes, ASCII lower-cased, ASCII punctuation / digits / whitespace removed; NA is empty.
    Values are normalized a block at a time (:func:`_normalized`). Equality is exact, in two passes that never hold
    all normalized texts at once: the first keeps only each value's length and Python hash; only values whose
    (length, hash) another value shares are normalized again and compared byte for byte.

    Args:
        s: The column.
        distinct: Normalize each distinct value once (short columns with many repeats: titles, companies);
            False normalizes row by row (descriptions, nearly all distinct: finding the distinct ones would cost
            more than it saves).
    """
    codes = None
    if distinct:
        codes, uniques = pd.factorize(s.astype("string"), use_na_sentinel=True)
        arr = pa.array(uniques.array if hasattr(uniques, "array") else uniques, type=pa.large_string())
    else:
        arr = pa.array(s.astype("string").array)
    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    hashes: list[int] = []
    empty_of: list[bool] = []
    for chunk in chunks:
        for block in _blocks(chunk):
            for v in _normalized(block):
                hashes.append(hash(v))
                empty_of.append(not v)
    if codes is not None:  # code -1 (NA) -> an empty text, the last entry
        hashes.append(hash(b""))
        empty_of.append(True)
    norm_codes = pd.factorize(np.array(hashes, dtype=np.int64))[0].astype(np.int64)
    shared = np.flatnonzero(np.bincount(norm_codes)[norm_codes] > 1)
    if len(shared):  # equal hashes: compare the normalized texts themselves
        at = shared[shared < len(arr)]
        texts = [v for piece in _pieces(chunks, at) for block in _blocks(piece) for v in _normalized(block)]
        if len(at) < len(shared):  # the NA entry
            texts.append(b"")
        norm_codes[shared] = len(norm_codes) + pd.factorize(np.array(texts, dtype=object))[0]
    empty = np.array(empty_of, dtype=bool)
    if codes is None:
        return norm_codes, empty
    return norm_codes[codes], empty[codes]


def _blocks(arr: pa.Array):
    """``arr`` in slices of at most ``_CHUNK`` values and about ``_BLOCK_BYTES`` bytes of text (a value may exceed)."""
    n = len(arr)
    if n == 0:
        return
    ends = np.cumsum(pc.binary_length(arr).fill_null(0).to_numpy(zero_copy_only=False), dtype=np.int64)
    at = 0
    while at < n:
        stop = min(n, at + _CHUNK)
        base = int(ends[at - 1]) if at else 0
        cut = int(np.searchsorted(ends[at:stop], base + _BLOCK_BYTES, side="right")) + at
        stop = max(at + 1, min(stop, cut))
        yield arr.slice(at, stop - at)
        at = stop


def _normalized(block: pa.Array) -> list[bytes]:
    """The normalized bytes of each value of one block (NA -> ``b""``).

    The block's values, each followed by a byte UTF-8 never holds, go through one ``bytes.translate`` (lower case
    and removal in one C pass) and are split at that byte again.
    """
    values = pc.fill_null(block.cast(pa.large_binary()), b"")
    marked = pc.binary_join_element_wise(values, pa.scalar(b"", pa.large_binary()), pa.scalar(_END, pa.large_binary()))
    _, offsets, data = marked.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int64)[marked.offset : marked.offset + len(marked) + 1]
    normed = bytes(memoryview(data)[int(bounds[0]) : int(bounds[-1])]).translate(_LOWER, _DROP).split(_END)
    if len(normed) != len(block) + 1:  # a 0xFF byte inside a value (not UTF-8 text): one value at a time
        return [v.lower().translate(None, _DROP) for v in values.to_pylist()]
    normed.pop()
    return normed


#: how :func:`_codes_within` tells texts apart before normalizing them whole: (end, raw bytes, normalized bytes)
#: = compare the first (0) or last (-1) ``normalized bytes`` of the normalized text, read from that many raw bytes
_STAGES = ((0, 128, 96), (-1, 128, 96), (0, 384, 288), (-1, 384, 288))


def _codes_within(s: pd.Series, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row, a code of the normalized text that is exact among the rows of one group, and whether it is empty.

    Rows of the same group (``groups``: one integer per row) get equal codes exactly when their texts are equal once
    normalized (the rule of :func:`_norm_codes`); codes of rows in different groups mean nothing. Most rows are told
    apart without normalizing their whole text: a row alone in its group needs no code, and the first and last
    bytes of the normalized text, read from a few raw bytes at each end (:data:`_STAGES`), split the groups
    further. Only rows still sharing a group after that (near-identical texts: the duplicates) are normalized
    whole and compared byte for byte.

    Args:
        s: The text column.
        groups: A group number per row (company and title codes, say).

    Returns:
        ``(codes, empty)``: ``int64`` codes and a boolean array (NA or nothing left once normalized).
    """
    n = len(s)
    arr = pa.array(s.astype("string").array)
    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    chunks = [c.cast(pa.large_binary()) for c in chunks]
    raw_len = np.zeros(n, dtype=np.int64)
    at = 0
    for c in chunks:
        raw_len[at : at + len(c)] = pc.binary_length(c).fill_null(0).to_numpy(zero_copy_only=False)
        at += len(c)
    group = np.asarray(groups, dtype=np.int64)
    live = np.arange(n)
    empty = np.zeros(n, dtype=bool)
    for i, (end, raw_bytes, norm_bytes) in enumerate(_STAGES):
        if i:  # only rows that still share their group with another row
            live = live[np.bincount(group[live])[group[live]] > 1]
            if not len(live):
                break
        inv, known = _ends(chunks, live, raw_len, end=end, raw_bytes=raw_bytes, norm_bytes=norm_bytes)
        if i == 0:  # every row, so it also says which are empty
            empty = known & (pc.binary_length(inv).to_numpy(zero_copy_only=False) == 0)
            if not known.all():
                empty[~known] = False
        if not known.all():  # too little text at that end: normalize these rows whole
            rows = live[~known]
            whole = _normalized_whole(chunks, rows)
            if i == 0:
                empty[rows] = pc.binary_length(whole).to_numpy(zero_copy_only=False) == 0
            cut = pc.binary_slice(whole, 0, norm_bytes) if end == 0 else pc.binary_slice(whole, -norm_bytes)
            where = np.flatnonzero(~known)
            inv = pc.take(pa.concat_arrays([inv.filter(pa.array(known)), cut]),
                          pa.array(np.argsort(np.concatenate([np.flatnonzero(known), where]), kind="stable")))
        code = pc.dictionary_encode(inv).indices.to_numpy(zero_copy_only=False).astype(np.int64)
        sub = pd.factorize(group[live] * (int(code.max(initial=0)) + 1) + code)[0]
        group = group.copy() if i == 0 else group
        group[live] = sub + (int(group.max(initial=-1)) + 1)  # new numbers, apart from the rows left behind
    else:
        if _STAGES:
            live = live[np.bincount(group[live])[group[live]] > 1]
    codes = -1 - np.arange(n, dtype=np.int64)  # a row alone in its group: a code no other row has
    if len(live):
        whole = _normalized_whole(chunks, live)
        codes[live] = pc.dictionary_encode(whole).indices.to_numpy(zero_copy_only=False)
        if not _STAGES:  # no stage said which rows are empty: every row was normalized whole
            empty = pc.binary_length(whole).to_numpy(zero_copy_only=False) == 0
    return codes, empty


def _ends(chunks: list, rows: np.ndarray, raw_len: np.ndarray, *, end: int, raw_bytes: int,
          norm_bytes: int) -> tuple[pa.Array, np.ndarray]:
    """The first (``end`` 0) or last (-1) ``norm_bytes`` of the normalized text of ``rows``, from ``raw_bytes``.

    Normalizing keeps the order of what it keeps, so the normalized first (last) raw bytes are the start (end) of
    the normalized text. Returns them and whether that is known: it is not where the raw bytes read were not the
    whole text and left fewer than ``norm_bytes`` once normalized (those rows' values are then meaningless).
    """
    lens = raw_len[rows]
    # one Arrow pass keeps the bytes read and marks where each value ends: "first bytes" + END or END + "last bytes"
    if end == 0:
        cut = lambda a: pc.binary_replace_slice(a, raw_bytes, 1 << 62, _END)  # noqa: E731
    else:
        cut = lambda a: pc.binary_replace_slice(a, 0, -raw_bytes, _END)  # noqa: E731
    if int(lens.sum()) <= len(raw_len) * raw_bytes:
        pieces = [cut(p) for p in _pieces(chunks, rows)]
    else:  # cut the whole column, then take (fewer bytes copied than taking the rows' whole texts)
        pieces = list(_pieces([cut(c) for c in chunks], rows))
    normed = [_normalized_marked(pc.fill_null(block, pa.scalar(_END, pa.large_binary())), lead=end != 0)
              for piece in pieces for block in _blocks(piece)]
    normed_arr = pa.concat_arrays(normed) if normed else pa.array([], pa.large_binary())
    norm_len = pc.binary_length(normed_arr).to_numpy(zero_copy_only=False)
    known = (lens <= raw_bytes) | (norm_len >= norm_bytes)
    inv = pc.binary_slice(normed_arr, 0, norm_bytes) if end == 0 else pc.binary_slice(normed_arr, -norm_bytes)
    return inv, known


def _normalized_whole(chunks: list, rows: np.ndarray) -> pa.Array:
    """The normalized text of ``rows`` (ascending positions), one ``large_binary`` value each."""
    normed = [_normalized_array(block) for piece in _pieces(chunks, rows) for block in _blocks(piece)]
    return pa.concat_arrays(normed) if normed else pa.array([], pa.large_binary())


def _normalized_array(block: pa.Array) -> pa.Array:
    """:func:`_normalized` as one ``large_binary`` array (no Python object per value)."""
    values = pc.fill_null(block.cast(pa.large_binary()), b"")
    marked = pc.binary_join_element_wise(values, pa.scalar(b"", pa.large_binary()), pa.scalar(_END, pa.large_binary()))
    return _normalized_marked(marked, lead=False)


def _normalized_marked(marked: pa.Array, *, lead: bool) -> pa.Array:
    """Normalize values that each carry one ``_END`` byte at their end (or start, ``lead``), without it.

    All values go through one ``bytes.translate``; the ``_END`` bytes found in its output say where each value
    starts and ends.
    """
    n = len(marked)
    _, offsets, data = marked.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int64)[marked.offset : marked.offset + n + 1]
    normed = bytes(memoryview(data)[int(bounds[0]) : int(bounds[-1])]).translate(_LOWER, _DROP) if n else b""
    marks = np.flatnonzero(np.frombuffer(normed, dtype=np.uint8) == _END[0])
    if len(marks) != n:  # a 0xFF byte inside a value (not UTF-8 text): one value at a time
        values = [v[1:] if lead else v[:-1] for v in marked.to_pylist()]
        return pa.array([v.lower().translate(None, _DROP) for v in values], type=pa.large_binary())
    offs = np.empty(n + 1, dtype=np.int64)
    if lead:  # END + value: value i starts after the i + 1 marks up to its own
        offs[:n] = marks - np.arange(n)
        offs[n] = len(normed) - n
    else:  # value + END: value i ends where its mark is, less the i marks before
        offs[0] = 0
        offs[1:] = marks - np.arange(n)
    return pa.LargeBinaryArray.from_buffers(pa.large_binary(), n,
                                           [None, pa.py_buffer(offs), pa.py_buffer(normed.replace(_END, b""))])


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
    pair = pd.DataFrame({"c": company, "t": title}).groupby(["c", "t"], sort=False).ngroup().to_numpy(dtype="int64")
    desc, empty = _codes_within(df["description"], pair)
    parts = pd.DataFrame({"c": company, "t": title, "d": desc})
    key = parts.groupby(["c", "t", "d"], sort=False).ngroup().to_numpy(dtype="int64", copy=True)
    if empty.any():
        key[empty] = key.max(initial=0) + 1 + np.arange(int(empty.sum()), dtype="int64")
    return pd.Series(key, index=df.index, dtype="int64")


def dedupe_postings(df: pd.DataFrame, *, consume: bool = False) -> pd.DataFrame:
    """Collapse duplicated postings.

    Args:
        df: Postings (any index); ``posted_date``, ``location`` and ``duplicates`` are used when present.
        consume: Let go of ``df``'s large text while the result is built: each such column (1 MB or more) is
            removed from ``df`` once its kept rows are copied, so the text is not held twice (``load_postings``
            does this with its own intermediate frame). The default leaves ``df`` untouched.

    Returns:
        A new frame with one row per distinct posting, a fresh ``RangeIndex``, ``duplicates`` (``Int64``) and
        ``locations`` (``string``) filled.
    """
    key = duplicate_key(df).to_numpy()
    counts = (
        df["duplicates"].astype("Int64").fillna(1).clip(lower=1).to_numpy(dtype="int64")
        if "duplicates" in df.columns
        else np.ones(len(df), dtype="int64")
    )
    location = df["location"].astype("string") if "location" in df.columns else pd.Series(
        pd.NA, index=df.index, dtype="string")
    if "locations" in df.columns:  # a table the kit wrote before keeps its merged locations
        location = df["locations"].astype("string").fillna(location)
    location = location.reset_index(drop=True)
    keep_rows = _kept_rows(df, key)
    totals = np.zeros(int(key.max(initial=-1)) + 1, dtype="int64")
    np.add.at(totals, key, counts)
    sizes = np.bincount(key, minlength=len(totals))
    multi = sizes[key] > 1
    kept_locations = location.iloc[keep_rows].to_numpy(dtype=object, na_value=None)
    if multi.any():
        sub = pd.DataFrame({"key": key[multi], "loc": location[multi]}).dropna(subset=["loc"])
        groups: dict[int, list[str]] = {}
        for k, loc in zip(*(sub.drop_duplicates()[c].tolist() for c in ("key", "loc")), strict=True):
            groups.setdefault(k, []).append(loc)  # row order within each group, as groupby would keep it
        joined = {k: "; ".join(v) for k, v in groups.items()}
        for i in np.flatnonzero(multi[keep_rows]):
            kept_locations[i] = joined.get(int(key[keep_rows[i]]))
    attrs = copy.deepcopy(df.attrs)
    if df.columns.has_duplicates:  # column by column needs unique names: one take of the whole frame instead
        out = df.iloc[keep_rows].reset_index(drop=True)
    else:
        columns: dict[object, pd.Series] = {}
        for col in list(df.columns):
            columns[col] = _take(df, col, keep_rows, consume=consume)
        out = pd.DataFrame(columns, index=pd.RangeIndex(len(keep_rows)), copy=False)
    out["duplicates"] = totals[key[keep_rows]]
    out["locations"] = pd.array(kept_locations, dtype="string")
    out.attrs = attrs
    return out


def _take(df: pd.DataFrame, col: object, rows: np.ndarray, *, consume: bool) -> pd.Series:
    """``df[col].iloc[rows]`` with a fresh ``RangeIndex``; ``consume`` removes a large text column from ``df``.

    Arrow text ends up in one chunk: large or chunked text is copied once, straight into it (:func:`_gather`;
    Arrow's own take of a chunked column first joins all its chunks, and taking each chunk then joining the pieces
    copies it twice), a single chunk with no row dropped is passed on as it is. With ``consume`` each source chunk
    is freed once its rows are copied, so the text is never held much more than once.
    """
    s = df[col]
    arr = pa.array(s.array) if isinstance(s.array, pd.arrays.ArrowStringArray) else None
    if arr is None or len(s) == 0:
        return s.iloc[rows].reset_index(drop=True)
    dtype, typ = s.dtype, arr.type
    chunks = list(arr.chunks) if isinstance(arr, pa.ChunkedArray) else [arr]
    if len(rows) == len(s) and len(chunks) == 1:  # no row dropped: the same (immutable) text, nothing copied
        if consume and arr.nbytes >= _CONSUME_BYTES:
            del df[col]
        return pd.Series(pa.chunked_array(chunks, type=typ), dtype=dtype, name=col)
    # only large text is let go (each removal rebuilds the frame's column list: a wide table stays linear)
    arr_bytes = arr.nbytes
    consume = consume and arr_bytes >= _CONSUME_BYTES
    del s, arr
    if consume:
        del df[col]  # the chunks below are the last references to the column's text
    if pa.types.is_large_string(typ) and (len(chunks) > 1 or arr_bytes >= _CONSUME_BYTES):
        taken = _gather(chunks, rows, free=consume)
    else:
        pieces = list(_pieces(chunks, rows, free=consume))
        taken = pieces[0] if len(pieces) == 1 else pa.concat_arrays(pieces)
        del pieces
    return pd.Series(pa.chunked_array([taken], type=typ), dtype=dtype, name=col)


def _gather(chunks: list, rows: np.ndarray, *, free: bool = False) -> pa.Array:
    """The values at the (ascending) positions ``rows`` of a ``large_string`` column held as ``chunks``, as one array.

    The text is copied once, straight into the new array, a run of consecutive rows at a time (taking each chunk
    and then joining the pieces copies it twice). A null keeps no bytes, as Arrow's take makes it. ``free`` drops
    each chunk from ``chunks`` once its rows are copied.
    """
    starts, ends, valid = [], [], []
    start = 0
    for chunk in chunks:
        n = len(chunk)
        lo, hi = np.searchsorted(rows, [start, start + n])
        local = rows[lo:hi] - start
        offs = np.frombuffer(chunk.buffers()[1], dtype=np.int64)[chunk.offset : chunk.offset + n + 1]
        a, b = offs[local], offs[local + 1]
        if chunk.null_count:
            ok = chunk.is_valid().to_numpy(zero_copy_only=False)[local]
            b = np.where(ok, b, a)
            valid.append(ok)
        else:
            valid.append(np.ones(len(local), dtype=bool))
        starts.append(a)
        ends.append(b)
        start += n
    lengths = [e - a for a, e in zip(starts, ends, strict=True)]
    offsets = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(np.concatenate(lengths) if lengths else np.zeros(0, dtype=np.int64), out=offsets[1:])
    # from Arrow's memory pool: it keeps memory the steps before freed, so the copy rarely waits for fresh pages
    buffer = _fresh_buffer(int(offsets[-1]))
    data = np.frombuffer(buffer, dtype=np.uint8)
    at = 0
    for i in range(len(chunks)):
        a, e = starts[i], ends[i]
        if len(a):
            src = np.frombuffer(chunks[i].buffers()[2], dtype=np.uint8)
            cut = np.flatnonzero(a[1:] != e[:-1]) + 1  # where a run of adjacent bytes ends
            run_a = a[np.concatenate([[0], cut])]
            run_e = e[np.concatenate([cut - 1, [len(a) - 1]])]
            for x, y in zip(run_a.tolist(), run_e.tolist(), strict=True):
                data[at : at + y - x] = src[x:y]
                at += y - x
            del src
        if free:
            chunks[i] = None  # its rows are copied: free it
    ok = np.concatenate(valid) if valid else np.zeros(0, dtype=bool)
    bitmap = None if ok.all() else pa.py_buffer(np.packbits(ok, bitorder="little").tobytes())
    return pa.Array.from_buffers(pa.large_string(), len(rows), [bitmap, pa.py_buffer(offsets), buffer],
                                 null_count=int(len(ok) - ok.sum()))


def _fresh_buffer(size: int) -> pa.Buffer:
    """A writable buffer of ``size`` bytes, its pages mapped in one go where the system can (Linux).

    Large text is copied into memory the process has not touched yet; faulting its pages in one at a time (or as
    huge pages the kernel may first compact) costs more than the copy. ``MAP_POPULATE`` maps them in one call.
    What Arrow's pool and malloc keep of freed memory is handed back first, so the new pages do not come on top of
    it (the peak stays that of the live arrays).
    """
    populate = getattr(mmap, "MAP_POPULATE", None)
    if size < _CONSUME_BYTES or populate is None:
        return pa.allocate_buffer(size)
    release_memory()  # hand back what the pool keeps first: the new pages do not come on top of it
    try:
        return pa.py_buffer(mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | populate))
    except (OSError, ValueError):  # no anonymous mapping of that size: the memory pool
        return pa.allocate_buffer(size)


def _pieces(chunks: list, rows: np.ndarray, *, free: bool = False):
    """The values at the (ascending) positions ``rows`` of a column held as ``chunks``, one piece per chunk.

    ``free`` drops each chunk from ``chunks`` once its rows are taken.
    """
    start = 0
    for i in range(len(chunks)):
        n = len(chunks[i])
        lo, hi = np.searchsorted(rows, [start, start + n])
        piece = chunks[i].take(pa.array(rows[lo:hi] - start))
        if free:
            chunks[i] = None  # its rows are copied: free it
        start += n
        yield piece


def _kept_rows(df: pd.DataFrame, key: np.ndarray) -> np.ndarray:
    """The positions of the rows kept (the earliest posted of each key; input order breaks ties), ascending."""
    order = np.arange(len(df))
    if "posted_date" in df.columns:
        date = pd.to_datetime(df["posted_date"], errors="coerce")
        date_num = date.to_numpy(dtype="datetime64[ns]").astype("int64")
        date_num = np.where(date.isna().to_numpy(), np.iinfo(np.int64).max, date_num)
        order = np.lexsort((order, date_num, key))
    else:
        order = np.lexsort((order, key))
    sorted_key = key[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = sorted_key[1:] != sorted_key[:-1]
    return np.sort(order[first])

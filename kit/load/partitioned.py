"""Loading a large postings file in company partitions, a process per core: the same table as ``load_postings``.

``load_postings`` holds the whole file at every step (raw text, cleaned text, sections, titles...): a million
postings peak near 12 GB on one core. :func:`load_postings_partitioned` cuts the file into partitions that
never split what ``load_postings`` decides across rows, loads each partition with ``load_postings``'s own
pipeline in a worker process, and puts the rows back in the whole file's order:

* **What stays together.** Every step that looks at more than one row groups by company: display names
  (one name per company key), de-duplication (same company, title and text), company-repeated boilerplate
  in sections. So a partition is a set of companies: the hash of the company's display name, normalized as
  de-duplication compares it. Titles, roles, salaries, markets are read row by row.
* **Two streaming passes over the file** (pyarrow's CSV reader, every column as text, as ``load_postings``
  reads it): the first adapts each chunk to find company, title and posting id; the second writes each
  titled row to its partition's Parquet file in a temporary folder.
* **Workers** (``workers`` processes) run :func:`kit.load.postings.read_postings` on one partition each and
  write the result to the temporary folder (Parquet, read back column by column: dtypes exact). Peak memory is
  about that of ``load_postings`` on ``rows_per_partition`` rows, per worker, then the table plus one column.
* **Order.** ``load_postings`` keeps, of each group of duplicates, one row, and returns the kept rows in file
  order. A partition's rows are in file order too, so the rows are put back by their position in the file,
  found from the posting id (unique ids), or from the id the pipeline generates ("<stem>-<n>") when the file
  has none.

The result equals ``load_postings(path)``: same rows, order, values, dtypes and ``kit_source_key``
(tests/test_partitioned_load.py). Files it cannot partition exactly are loaded by ``load_postings`` in one
piece: other than UTF-8 CSV / TSV (optionally gzipped), some but not all posting ids missing, repeated ids, or
no company column.
"""

from __future__ import annotations

import os
import re
import tempfile
import warnings
import zlib
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from kit.core.errors import DataError
from kit.core.pool import worker_pool
from kit.core.schema import content_key
from kit.io.formats import adapt, detect_format, get_format
from kit.io.readers import plain_csv_delimiter
from kit.io.values import ParseWarning
from kit.load.postings import load_postings, read_postings
from kit.prepare.companies import display_names
from kit.prepare.dedupe import compared_form

__all__ = ["ROWS_PER_PARTITION", "load_postings_partitioned"]

#: Titled rows per partition (about 1 GB of peak memory per worker at 80k synthetic postings).
ROWS_PER_PARTITION = 80_000
_CSV_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz", ".txt", ".txt.gz", ".tab", ".tab.gz")
_BLOCK = 1 << 24  # bytes per CSV block read (16 MB of text)
_GENERATED = re.compile(r"^df-(\d+)$")


def load_postings_partitioned(
    source: str | PathLike,
    *,
    format: str | None = None,  # noqa: A002 - load_postings' keyword
    mapping: dict[str, str] | None = None,
    workers: int | None = None,
    rows_per_partition: int = ROWS_PER_PARTITION,
    folder: str | PathLike | None = None,
) -> pd.DataFrame:
    """``load_postings(source)`` of a large CSV file, in company partitions over ``workers`` processes.

    Args:
        source: A CSV / TSV file (optionally ``.gz``); anything else is passed to ``load_postings`` as is.
        format: As ``load_postings`` (None: detected from the header).
        mapping: As ``load_postings``.
        workers: Processes loading partitions at once (default: the CPU count).
        rows_per_partition: Titled rows per partition (bounds each worker's memory).
        folder: Parent of the temporary folder for partitions (default ``$TMPDIR``); removed afterwards.

    Returns:
        The same frame as ``load_postings(source, format=format, mapping=mapping)``.

    Raises:
        DataError: As ``load_postings``.
    """
    path = Path(source) if isinstance(source, str | PathLike) else None
    if path is None or not path.name.lower().endswith(_CSV_SUFFIXES) or not path.is_file():
        return load_postings(source, format=format, mapping=mapping)
    with tempfile.TemporaryDirectory(prefix="kit-load-", dir=folder) as tmp:
        plan = _plan(path, format=format, mapping=mapping, rows_per_partition=rows_per_partition)
        if plan is None:
            return load_postings(source, format=format, mapping=mapping)
        parts = _write_partitions(path, plan, Path(tmp))
        _give_back()  # the first pass's adapted chunks: freed, handed back before the workers start
        outputs = _load_partitions(parts, plan, workers=workers or os.cpu_count() or 1)
        return _assemble(outputs, plan)


# ------------------------------------------------------------------------------------------------ reading
def _csv_options(path: Path):
    """(read, parse, convert) options as ``kit.io.readers`` reads a UTF-8 CSV, or None to leave the file to it."""
    import pyarrow.csv as pacsv

    sep = plain_csv_delimiter(path)
    if sep is None:
        return None  # load_postings reads it (or says what is wrong)
    try:
        header = pd.read_csv(path, sep=sep, nrows=0, encoding="utf-8-sig").columns
    except (DataError, OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError, EOFError):
        return None  # load_postings says what is wrong
    if header.duplicated().any() or any(str(c).startswith("Unnamed: ") for c in header):
        return None
    return (
        list(header),
        pacsv.ReadOptions(block_size=_BLOCK),
        pacsv.ParseOptions(delimiter=sep, newlines_in_values=True),
        pacsv.ConvertOptions(column_types={c: pa.large_string() for c in header}, strings_can_be_null=True,
                             null_values=[""]),
    )


def _batches(path: Path, options):
    import pyarrow.csv as pacsv

    header, read, parse, convert = options
    with pacsv.open_csv(path, read_options=read, parse_options=parse, convert_options=convert) as reader:
        if reader.schema.names != header:
            raise ValueError("header differs")
        for batch in reader:
            if batch.num_rows:
                yield batch


def _frame(batch: pa.RecordBatch | pa.Table, names: list[str]) -> pd.DataFrame:
    """A batch as ``kit.io.readers`` reads a CSV: string columns, names stripped."""
    df = batch.to_pandas(types_mapper={pa.large_string(): pd.StringDtype()}.get)
    df.columns = names
    return df


def _plan(path: Path, *, format: str | None, mapping: dict[str, str] | None,  # noqa: A002
          rows_per_partition: int) -> dict | None:
    """Pass 1: each row's partition (-1: no title) and the id mode, or None when the file is left to load_postings."""
    options = _csv_options(path)
    if options is None:
        return None
    names = [str(c).strip().lstrip("\ufeff") for c in options[0]]
    label = str(path)
    fmt = format
    if fmt is None:
        fmt = "generic" if mapping else detect_format(names, kind="postings")
        if fmt is None:
            return None
    else:
        get_format(fmt, "postings", label=label)
    companies, titled, ids = [], [], []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for batch in _batches(path, options):
                frame, _ = adapt(_frame(batch, names), fmt, "postings", label=label, mapping=mapping)
                if len(frame) != batch.num_rows or "company" not in frame.columns:
                    return None
                titled.append(frame["title"].notna().to_numpy(dtype=bool))
                companies.append(frame["company"].astype("string"))
                ids.append(frame["posting_id"].astype("string") if "posting_id" in frame.columns
                           else pd.Series(pd.NA, index=frame.index, dtype="string"))
    except (DataError, pa.ArrowException, ValueError):
        return None
    if not titled:
        return None
    titled = np.concatenate(titled)
    n_titled = int(titled.sum())
    if n_titled == 0:
        return None
    company = pd.concat(companies, ignore_index=True)[titled]
    shown = display_names(company.reset_index(drop=True))
    codes, uniques = pd.factorize(shown, use_na_sentinel=True)
    n_parts = max(1, -(-n_titled // max(1, int(rows_per_partition))))
    buckets = np.array([zlib.crc32(compared_form(str(v))) % n_parts for v in uniques] + [0], dtype=np.int64)
    part_of = np.full(len(titled), -1, dtype=np.int64)
    part_of[titled] = buckets[codes]  # code -1 (no company) -> the last entry: partition 0
    posting_ids = pd.concat(ids, ignore_index=True)[titled].reset_index(drop=True)
    missing = posting_ids.isna()
    if missing.all():
        mode = "generated"
    elif missing.any() or not posting_ids.is_unique or posting_ids.str.fullmatch(_GENERATED.pattern).any():
        return None
    else:
        mode = "ids"
    return {"names": names, "options": options, "format": fmt, "mapping": mapping, "label": label,
            "part_of": part_of, "n_parts": n_parts, "n_rows": len(titled), "n_titled": n_titled, "mode": mode,
            "ids": None if mode == "generated" else pd.Index(posting_ids)}


def _write_partitions(path: Path, plan: dict, folder: Path) -> list[tuple[Path, np.ndarray]]:
    """Pass 2: each partition's titled rows (raw text columns) to a Parquet file; with their titled-row numbers."""
    import pyarrow.parquet as pq

    names, part_of, n_parts = plan["names"], plan["part_of"], plan["n_parts"]
    files = [folder / f"raw-{i:04d}.parquet" for i in range(n_parts)]
    writers: dict[int, pq.ParquetWriter] = {}
    rank = np.cumsum(part_of >= 0) - 1  # titled-row number (the id load_postings would generate)
    rows: list[list[np.ndarray]] = [[] for _ in range(n_parts)]
    start = 0
    try:
        for batch in _batches(path, plan["options"]):
            where = part_of[start : start + batch.num_rows]
            batch = batch.rename_columns(names)
            for i in np.unique(where[where >= 0]):
                pick = np.flatnonzero(where == i)
                if i not in writers:
                    writers[i] = pq.ParquetWriter(files[i], batch.schema)
                writers[i].write_batch(batch.take(pa.array(pick)))
                rows[i].append(rank[start + pick])
            start += batch.num_rows
    finally:
        for w in writers.values():
            w.close()
    return [(files[i], np.concatenate(rows[i])) for i in range(n_parts) if rows[i]]


# ------------------------------------------------------------------------------------------------ loading
def _load_one(raw_path: str, out_path: str, fmt: str, mapping: dict | None, names: list[str]) -> list[tuple]:
    """The worker's job: ``read_postings`` of one partition, written to ``out_path`` (Parquet); returns its warnings."""
    import pyarrow.parquet as pq

    raw = _frame(pq.read_table(raw_path), names)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = read_postings(raw, format=fmt, mapping=mapping).frame
    del raw
    df.attrs = {}
    tmp = f"{out_path}.tmp"
    df.to_parquet(tmp, index=False)  # pandas metadata: every dtype comes back exactly (tests/test_partitioned_load.py)
    os.replace(tmp, out_path)
    return [(type(w.message), str(w.message), getattr(w.message, "__dict__", {})) for w in caught]


def _load_partitions(parts: list[tuple[Path, np.ndarray]], plan: dict, *, workers: int) -> list[tuple]:
    jobs = [(str(raw), str(raw.with_name(raw.stem.replace("raw-", "out-") + ".parquet"))) for raw, _ in parts]
    args = (plan["format"], plan["mapping"], plan["names"])
    if workers <= 1 or len(jobs) == 1:
        found = [_load_one(r, o, *args) for r, o in jobs]
    else:
        # a fresh worker per partition (its memory back to the system); Ctrl-C ends the workers at once
        with worker_pool(min(workers, len(jobs)), preload=["kit.load.postings"], max_tasks_per_child=1) as pool:
            futures = [pool.submit(_load_one, r, o, *args) for r, o in jobs]
            found = [f.result() for f in futures]
    _warn(found, plan)
    return [(out, rows) for (_, out), (_, rows) in zip(jobs, parts, strict=True)]


def _warn(found: list[list[tuple]], plan: dict) -> None:
    """The partitions' warnings, once each, with the file's name for the frame's; plus the rows without a title."""
    label = plan["label"]
    seen: set[str] = set()
    dropped = plan["n_rows"] - plan["n_titled"]
    if dropped:
        warnings.warn(ParseWarning(f"{label}: {dropped} row(s) without a title were skipped", source=label,
                                   column="title", count=dropped), stacklevel=4)
    for cls, text, attrs in (w for ws in found for w in ws):
        text = text.replace("<DataFrame>", label)
        if text in seen:
            continue
        seen.add(text)
        try:
            fields = {k: v for k, v in attrs.items() if k in ("source", "column", "count")}
            if fields.get("source") == "<DataFrame>":
                fields["source"] = label
            warning = cls(text, **fields) if cls is ParseWarning else cls(text)
        except TypeError:  # pragma: no cover - a warning class with another signature
            warning = UserWarning(text)
        warnings.warn(warning, stacklevel=4)


def _give_back() -> None:
    """Return freed memory to the system (Arrow's pool and, on glibc, malloc's), so the peak is the live data."""
    pa.default_memory_pool().release_unused()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (macOS, Windows, musl): nothing to trim
        pass


def _assemble(outputs: list[tuple[str, np.ndarray]], plan: dict) -> pd.DataFrame:
    """The partitions' tables in file order, read column by column (peak: the table plus about one column)."""
    import pyarrow.parquet as pq

    order = []
    for out, rows in outputs:
        ids = pd.read_parquet(out, columns=["posting_id"])["posting_id"].astype("string")
        if plan["mode"] == "ids":
            where = plan["ids"].get_indexer(ids)
        else:  # the pipeline named the rows "df-<n>": n = the row's place in this partition
            local = ids.str.extract(_GENERATED, expand=False).astype("int64").to_numpy()
            where = rows[local]
        if (where < 0).any():  # pragma: no cover - an id the plan did not see
            raise AssertionError("a loaded posting id is not in the file")
        order.append(where)
    position = np.concatenate(order)
    perm = np.argsort(position, kind="stable")
    columns = pq.read_schema(outputs[0][0]).pandas_metadata["columns"]
    columns = [c["name"] for c in columns if c["name"] is not None and not str(c["name"]).startswith("__index")]
    take = pa.array(perm)
    data = {}
    for col in columns:
        first = pd.read_parquet(outputs[0][0], columns=[col])[col]
        arrow = getattr(first.array, "_pa_array", None)
        if isinstance(first.array, pd.arrays.ArrowStringArray) and isinstance(arrow, pa.ChunkedArray):
            # text (the big columns): Arrow chunks read as stored, one gather, handed to pandas without a copy
            kind = arrow.type
            del first, arrow
            chunks = [c.cast(kind) for out, _ in outputs for c in pq.read_table(out, columns=[col]).column(0).chunks]
            joined = pa.concat_arrays(chunks)  # one copy, then the pieces go: the gather below needs no second
            del chunks
            _give_back()
            data[col] = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([joined.take(take)])),
                                  dtype=pd.StringDtype("pyarrow"))
            del joined
        else:
            pieces = [first] + [pd.read_parquet(out, columns=[col])[col] for out, _ in outputs[1:]]
            data[col] = pd.concat(pieces, ignore_index=True).take(perm).reset_index(drop=True)
            del pieces, first
        _give_back()  # this column's partition copies go back to the system before the next is read
    for out, _ in outputs:
        os.unlink(out)
    out = pd.DataFrame(data, copy=False)
    del data
    if plan["mode"] == "generated":
        stem = plan["label"].rsplit("/", 1)[-1].split(".", 1)[0]
        out["posting_id"] = pd.Series([f"{stem}-{i}" for i in position[perm]], dtype="string")
    # each partition was conformed by the pipeline: same columns, dtypes and order, so no second (copying) conform
    out.attrs["kit_source_key"] = content_key(out)
    return out

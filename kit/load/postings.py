"""``load_postings``: read -> adapt -> clean text -> market -> de-duplicate -> salaries -> enrich -> conform.

Every step is vectorized over the whole table or works on distinct values only: texts cleaned in Arrow with each
distinct LINE cleaned once (:mod:`kit.prepare.text_fast`), locations resolved once per distinct value, duplicates
found by hashing, salaries parsed and roles read after de-duplication, section spans cut over whole columns and the
role signals counted on the role's own lines straight from those spans. ``description_raw`` shares the raw
text's Arrow buffers (no copy). Timings: ``python -m benchmarks --only load`` (benchmarks/bench_load.py).

Fast path: :func:`save_postings` writes a loaded table as Parquet marked with the kit version and a fingerprint
of the files the pipeline depends on (:data:`PIPELINE_FILES`: the rule files kit/data/titles.yaml,
role_signals.yaml, markets.csv and the code that applies them). ``load_postings`` of such a file, while both
match, reads it as stored (conform + ``attrs["kit_source_key"]``) instead of cleaning, de-duplicating and
enriching again; the result is the same frame either way. ``kit report`` hands its notebooks such a file.
"""

from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass, field
from functools import partial
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kit.core.background import Background, start
from kit.core.errors import DataError
from kit.core.memory import release_memory
from kit.core.paths import DATA_DIR, PACKAGE_DIR, SAMPLE_POSTINGS
from kit.core.schema import conform, content_key
from kit.io.formats import adapt, detect_format, get_format
from kit.io.readers import (
    ParseWarning,
    adapt_sources,
    read_kit_parquet,
    read_source,
    source_label,
    write_kit_parquet,
)
from kit.io.store import is_store, read_store
from kit.io.values import plausible_pay
from kit.prepare.companies import display_names
from kit.prepare.dedupe import dedupe_postings
from kit.prepare.enrich import enrich_postings
from kit.prepare.markets import assign_markets
from kit.prepare.salary import annualize, parse_salary_text
from kit.prepare.text import clean_series
from kit.prepare.titles import classify_keys, primed, title_keys

__all__ = ["PIPELINE_FILES", "SourceInfo", "load_postings", "read_postings", "save_postings"]

Source = str | PathLike | pd.DataFrame

#: The files whose contents decide what ``load_postings`` makes of a source: the rule files and the code of
#: every step. A table saved by :func:`save_postings` is re-used as is only while none of them changed.
PIPELINE_FILES: tuple[Path, ...] = (
    *(DATA_DIR / name for name in ("titles.yaml", "role_signals.yaml", "role_calibration.yaml", "markets.csv",
                                   "sections.yaml", "company_aliases.csv")),
    *(PACKAGE_DIR / f"{name}.py" for name in ("load/postings", "io/readers", "io/values", "io/intervals", "io/store",
                                              "prepare/text", "prepare/text_fast", "prepare/markets",
                                              "prepare/dedupe", "prepare/salary", "prepare/companies",
                                              "prepare/enrich", "prepare/titles", "prepare/titles_fast",
                                              "prepare/roles", "prepare/signalscan", "prepare/spanlines",
                                              "prepare/phrasematch", "prepare/calibration", "prepare/sections",
                                              "prepare/sections_fast", "prepare/prefilter",
                                              "core/background",
                                              "core/schema")),
    *sorted((PACKAGE_DIR / "io" / "formats").glob("*.py")),
)


@dataclass
class SourceInfo:
    """What one source was read as (shown by ``kit validate``)."""

    label: str
    format: str
    rows_read: int
    columns: dict[str, str] = field(default_factory=dict)  # source column -> canonical column
    rows_dropped: int = 0  # rows without a title


@dataclass
class LoadedPostings:
    """The loaded table plus what happened on the way."""

    frame: pd.DataFrame
    sources: list[SourceInfo]
    rows_before_dedupe: int


def load_postings(
    source: Source | list[Source] | None = None,
    *,
    format: str | None = None,  # noqa: A002 - the public keyword the contract names
    mapping: dict[str, str] | None = None,
    sheet: str | int | None = None,
    header_row: int | None = None,
) -> pd.DataFrame:
    """Load job postings into the canonical postings table.

    Args:
        source: A path (CSV, CSV.gz, Parquet, JSON Lines, XLSX), a posting-store folder (``kit fetch --store``;
            its postings carry ``board``, ``first_seen``, ``last_seen``, ``closed_at``), a DataFrame, or a list of
            them (concatenated, then de-duplicated together). None loads the bundled sample
            (``datasets/sample_postings.csv.gz``).
        format: "jobspy", "linkedin", "generic" or "kit"; None detects it from the columns of each source.
        mapping: Canonical column -> your column name, e.g. ``{"title": "Job Title", "description": "Text"}``,
            for files in no known format (implies ``format="generic"`` when ``format`` is None).
        sheet: Excel files: the sheet holding the postings (name or 0-based position; default the first).
        header_row: Excel files: the 1-based row with the column names (default 1; 2 under a title row).

    Returns:
        ``conform(df, "postings")``: one row per unique posting, with ``duplicates`` (rows merged) and the extra
        column ``locations`` (the merged rows' locations joined by "; "). ``attrs["kit_source_key"]`` holds a
        content hash of the table.

        A Parquet file written by :func:`save_postings` with this kit version and unchanged rule files is read
        as stored (same result, without re-running the pipeline).

    Raises:
        DataError: A file is missing, empty, unreadable, in an unknown format, lacks a required column, or no
            postings are left.
    """
    if mapping is None and format in (None, "kit"):
        saved = read_kit_parquet(source, table="postings", files=PIPELINE_FILES)
        if saved is not None:
            df = conform(saved[0], "postings")
            key = content_key(df)
            if saved[1].get("kit_source_key") == key:  # the rows are the ones saved (else: full pipeline)
                df.attrs["kit_source_key"] = key
                return df
    return read_postings(source, format=format, mapping=mapping, sheet=sheet, header_row=header_row).frame


def save_postings(df: pd.DataFrame, path: str | PathLike) -> Path:
    """Save a postings table (as :func:`load_postings` returned it) for fast re-loading.

    Writes Parquet atomically (temp file + ``os.replace``), recording in the schema metadata the kit version,
    the table's ``kit_source_key`` (the content hash ``load_postings`` would compute for these rows) and a
    fingerprint of :data:`PIPELINE_FILES`. ``load_postings(path)`` then reads it as stored while the kit version
    and those files are unchanged, else runs the full pipeline on it (a plain "kit"-format file). Save tables
    ``load_postings`` returned, or row selections of them: the fast path returns the saved values, so a frame
    edited by hand would be re-read with its edits, where the full pipeline would enrich it again.

    Args:
        df: The postings table (conformed before writing).
        path: Destination ``.parquet`` file; its folder is created.

    Returns:
        ``Path(path)``.
    """
    out = conform(df, "postings")
    out.attrs = {}
    return write_kit_parquet(out, path, table="postings", files=PIPELINE_FILES,
                             attrs={"kit_source_key": content_key(out)})


def read_postings(
    source: Source | list[Source] | None = None,
    *,
    format: str | None = None,  # noqa: A002
    mapping: dict[str, str] | None = None,
    sheet: str | int | None = None,
    header_row: int | None = None,
) -> LoadedPostings:
    """Like :func:`load_postings` (always the full pipeline), but also return what each source was read as."""
    df, infos = adapt_sources(source, sample=SAMPLE_POSTINGS, adapt=partial(_adapt_one, format=format,
                                                                            mapping=mapping, sheet=sheet,
                                                                            header_row=header_row))
    label = infos[0].label if len(infos) == 1 else f"{len(infos)} sources"
    if len(df) == 0:
        raise DataError.build("no postings left after dropping rows without a title", path=label,
                              expected="at least one row with a job title",
                              fix="check the title column (or the mapping= that names it)")
    for col in ("company", "location"):
        if col not in df.columns:
            df[col] = pd.Series(pd.NA, index=df.index, dtype="string")
    df["company"] = display_names(df["company"])  # one company, one name: "Initech, Inc." -> "Initech"
    df = _clean_text(df)
    release_memory()  # the raw text's cleaning buffers: handed back, not kept for the next step to grow on
    titles_ahead = _titles_ahead(df["title"])  # a second core classifies the titles meanwhile
    try:
        df = _remote_from_location(df)
        markets = assign_markets(df["location"], df["remote"] if "remote" in df.columns else None)
        if "market" in df.columns:  # a kit table may carry its own markets; fill only the gaps
            markets["market"] = df["market"].astype("string").fillna(markets["market"])
            markets["country"] = df["country"].astype("string").fillna(markets["country"])
        df["market"] = markets["market"]
        df["country"] = markets["country"]
        rows_before = len(df)
        df = dedupe_postings(df, consume=True)  # the columns are copied one at a time, not held twice
        release_memory()
        df = _salaries(df)  # row by row, so after de-duplication: merged rows are not parsed for nothing
        df = _unique_ids(df)
        key_ahead = _KeyAhead(df)  # the content key hashed on another thread while enrich runs
        if titles_ahead is None:
            df = enrich_postings(df)
        else:
            with primed(titles_ahead.result):  # waited for only when the titles are classified
                df = enrich_postings(df)
    finally:
        if titles_ahead is not None:
            titles_ahead.close()
    df = df.drop(columns=[c for c in df.columns if c.startswith("_")])
    df = conform(df, "postings")
    df.attrs["kit_source_key"] = key_ahead.result(df)
    return LoadedPostings(df, infos, rows_before)


#: the columns :func:`kit.core.schema.content_key` hashes by default
_KEY_COLUMNS = ("posting_id", "title", "description")


class _KeyAhead:
    """``content_key`` of the final table, hashed on a thread as soon as its columns are final.

    The hashed columns (ids, titles, descriptions) do not change after de-duplication; BLAKE2 lets go of the GIL
    while it hashes the text, so the hash overlaps with enrich. :meth:`result` returns it only when the final
    table holds the very same Arrow buffers (same arrays, so the same bytes); otherwise it hashes the final table.
    """

    def __init__(self, df: pd.DataFrame) -> None:
        self._part = pd.DataFrame({c: df[c] for c in _KEY_COLUMNS if c in df.columns}, copy=False)
        self._signature = _buffers(self._part)
        self._box: dict[str, str] = {}
        self._thread = None
        if self._signature is not None:
            self._thread = threading.Thread(target=self._run, name="kit-content-key", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        self._box["key"] = content_key(self._part)

    def result(self, final: pd.DataFrame) -> str:
        """The content key of ``final`` (the table this was started on, after enrich and conform)."""
        if self._thread is not None:
            self._thread.join()
        part = final[[c for c in _KEY_COLUMNS if c in final.columns]]
        if "key" in self._box and list(part.columns) == list(self._part.columns) and len(part) == len(self._part) \
                and _buffers(part) == self._signature:
            return self._box["key"]
        return content_key(final)


def _buffers(part: pd.DataFrame) -> tuple | None:
    """Which Arrow buffers (address, size), chunk offsets and lengths hold each column; None for non-Arrow ones."""
    out = []
    for col in part.columns:
        values = part[col].array
        if not isinstance(values, pd.arrays.ArrowStringArray):
            return None
        arr = pa.chunked_array(pa.array(values))
        out.append(tuple((c.offset, len(c), tuple((b.address, b.size) if b is not None else None for b in c.buffers()))
                         for c in arr.chunks))
    return tuple(out)


def _adapt_one(src: Source, *, format: str | None, mapping: dict[str, str] | None,  # noqa: A002
               sheet: str | int | None = None, header_row: int | None = None) -> tuple[pd.DataFrame, SourceInfo]:
    label = source_label(src)

    if is_store(src):  # a posting store folder (kit fetch): its raw rows, in the kit format
        raw, format, mapping = read_store(src), "kit", None  # noqa: A001
    else:
        raw = read_source(src, sheet=sheet, header_row=header_row)
    fmt = format
    if fmt is None:
        fmt = "generic" if mapping else detect_format(raw.columns, kind="postings")
        if fmt is None:
            other = detect_format(raw.columns, kind="pay")
            if other is not None:
                raise DataError.build(f"looks like a pay table ({other} format), not postings", path=label,
                                      fix="load it with kit.load_pay(...)")
            fmt = "generic"
    else:
        get_format(fmt, "postings", label=label)  # an unknown name says which formats exist
    frame, used = adapt(raw, fmt, "postings", label=label, mapping=mapping)
    frame = _stated_salaries(frame, label=label, used=used)
    no_title = frame["title"].isna()
    dropped = int(no_title.sum())
    if dropped:
        warnings.warn(ParseWarning(f"{label}: {dropped} row(s) without a title were skipped",
                                   source=label, column="title", count=dropped), stacklevel=4)
        frame = frame[~no_title.to_numpy(dtype=bool)].copy()
    if "posting_id" not in frame.columns or frame["posting_id"].isna().any():
        stem = "df" if label == "<DataFrame>" else label.rsplit("/", 1)[-1].split(".", 1)[0]
        generated = pd.Series([f"{stem}-{i}" for i in range(len(frame))], index=frame.index, dtype="string")
        frame["posting_id"] = frame["posting_id"].fillna(generated) if "posting_id" in frame.columns else generated
    return frame, SourceInfo(label, fmt, len(raw), used, dropped)


def _clean_text(df: pd.DataFrame) -> pd.DataFrame:
    original = df["description"].astype("string")
    cleaned = clean_series(original)
    changed = (cleaned != original).fillna(False).to_numpy(dtype=bool)
    if "description_raw" in df.columns:
        # the raw text where cleaning changed it (Arrow if_else: pandas' mask on strings is ~20x slower)
        raw_col = df["description_raw"].astype("string")
        picked = pc.if_else(pa.array(changed), _arrow(original), _arrow(raw_col).cast(_arrow(original).type))
    else:  # the raw text where cleaning changed it, else missing: the original's buffers, a new validity bitmap
        picked = _where_valid(_arrow(original), changed)
    df["description_raw"] = pd.Series(picked, index=df.index, dtype="string")
    df["description"] = cleaned
    df["title"] = clean_series(df["title"]).str.replace("\n", " ", regex=False)
    if "company" in df.columns:
        df["company"] = df["company"].astype("string").str.strip().replace("", pd.NA)
    return df


#: below this many rows the titles are classified in this process (a worker's start-up would cost more)
BACKGROUND_MIN_ROWS = 20_000


def _titles_ahead(titles: pd.Series) -> Background | None:
    """Classify the distinct titles in a second process while this one de-duplicates, parses pay and cuts sections.

    Titles are short (little to pickle) and classified one distinct title at a time in Python, so they overlap
    well with the column-wide steps here. The rows are the ones :func:`classify_titles` computes (same function,
    same rules file), consulted through :class:`kit.prepare.titles.primed`.
    """
    if len(titles) < BACKGROUND_MIN_ROWS:
        return None
    return start(classify_keys, title_keys(titles))


def _arrow(s: pd.Series) -> pa.Array:
    arr = pa.array(s.array)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _where_valid(arr: pa.Array, keep: np.ndarray) -> pa.Array:
    """``arr`` with the values where ``keep`` is False made null, sharing ``arr``'s offsets and data (no copy)."""
    valid = keep if arr.null_count == 0 else keep & arr.is_valid().to_numpy(zero_copy_only=False)
    # the bitmap is read from bit ``arr.offset`` on, as the offsets buffer is
    bitmap = pa.py_buffer(np.packbits(np.concatenate([np.zeros(arr.offset, dtype=bool), valid]),
                                      bitorder="little").tobytes())
    _, offsets, data = arr.buffers()
    return pa.Array.from_buffers(arr.type, len(arr), [bitmap, offsets, data], offset=arr.offset)


_REMOTE_WORDS = r"(?i)\b(?:remote|telecommute|work from home|wfh)\b"


def _remote_from_location(df: pd.DataFrame) -> pd.DataFrame:
    """Where the source gives no remote flag but the location says "Remote", the posting is remote."""
    remote = df["remote"].astype("boolean") if "remote" in df.columns else pd.Series(
        pd.NA, index=df.index, dtype="boolean")
    says_remote = df["location"].astype("string").str.contains(_REMOTE_WORDS, regex=True, na=False)
    df["remote"] = remote.mask(remote.isna() & says_remote.to_numpy(dtype=bool), True)
    return df


def _salaries(df: pd.DataFrame) -> pd.DataFrame:
    for col in ("salary_min", "salary_max"):
        if col not in df.columns:
            df[col] = pd.Series(pd.NA, index=df.index, dtype="Float64")
    if "salary_currency" not in df.columns:
        df["salary_currency"] = pd.Series(pd.NA, index=df.index, dtype="string")
    stated = df["salary_min"].notna() | df["salary_max"].notna()
    basis = df["salary_basis"].astype("string") if "salary_basis" in df.columns else pd.Series(
        pd.NA, index=df.index, dtype="string")
    basis = basis.mask(stated.to_numpy(dtype=bool) & basis.isna().to_numpy(dtype=bool), "stated")
    todo = ~stated.to_numpy(dtype=bool)
    if todo.any():
        # every row to parse: the column itself (no copy of the text); else the rows to parse, by position
        parsed = parse_salary_text(df["description"] if todo.all() else df["description"].iloc[np.flatnonzero(todo)])
        found = parsed["salary_min"].notna().to_numpy(dtype=bool)
        if found.any():
            idx = df.index[todo][found]
            df.loc[idx, "salary_min"] = parsed["salary_min"].to_numpy()[found]
            df.loc[idx, "salary_max"] = parsed["salary_max"].to_numpy()[found]
            df.loc[idx, "salary_currency"] = parsed["salary_currency"].to_numpy()[found]
            basis.loc[idx] = "description"
    df["salary_basis"] = basis
    df["salary_currency"] = df["salary_currency"].astype("string").str.upper()
    return df


def _stated_salaries(frame: pd.DataFrame, *, label: str, used: dict[str, str]) -> pd.DataFrame:
    """One source's stated salaries made annual (by its interval column, if any) and plausible.

    Kit tables are annual already; sources with an interval column are annualized (an unknown interval word
    makes the amount missing). Annual figures outside the band of their currency (kit/data/bounds.yaml) become
    missing; each step warns once per column with a count.
    """
    source_of = {canon.split(",")[0].strip(): src for src, canon in used.items()}
    interval = frame["_salary_interval"] if "_salary_interval" in frame.columns else None
    currency = frame["salary_currency"] if "salary_currency" in frame.columns else None
    for i, col in enumerate(("salary_min", "salary_max")):
        if col not in frame.columns:
            continue
        values = frame[col]
        if interval is not None:
            # one warning for the interval column, not one per salary column
            values = annualize(values, interval, label=label if i == 0 or "salary_min" not in frame.columns
                               else None, column=source_of.get("salary_interval", "interval"))
        frame[col] = plausible_pay(values, currency, label=label, column=source_of.get(col, col))
    if interval is not None:
        frame = frame.drop(columns=["_salary_interval"])
    return frame


def _unique_ids(df: pd.DataFrame) -> pd.DataFrame:
    ids = df["posting_id"].astype("string")
    dup = ids.duplicated(keep="first")
    if dup.any():  # the same id in two sources with different text: keep both, make the ids distinct
        n = ids.groupby(ids).cumcount()
        df["posting_id"] = ids.mask(dup, ids + "#" + (n + 1).astype("string"))
    return df

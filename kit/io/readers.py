"""Open a source (CSV, CSV.gz, TSV, Parquet, JSON Lines, XLSX, or a DataFrame) as a raw table.

Everything is read as text (CSV / XLSX) so the adapters decide how to parse each column and can count the
values they could not parse (:func:`to_number`, :func:`to_date` emit one :class:`ParseWarning` per column).
Source files are only ever opened for reading.

Which format a table is in, and how it is adapted, is the format registry's job (:mod:`kit.io.formats`).

Shared by both loaders: :func:`adapt_sources` (default sample, list of sources, adapt each, concatenate) and the
Parquet files the kit writes itself (:func:`write_kit_parquet` / :func:`read_kit_parquet`, see
``kit.load.postings.save_postings``).
"""

from __future__ import annotations

import gzip
import json
import re
import warnings
from collections.abc import Callable, Iterable
from os import PathLike
from pathlib import Path
from typing import Any

import pandas as pd

from kit.core.errors import DataError
from kit.core.files import atomic_write, file_fingerprint

__all__ = [
    "ParseWarning",
    "adapt_sources",
    "file_fingerprint",
    "read_kit_parquet",
    "read_source",
    "source_label",
    "to_date",
    "to_number",
    "write_kit_parquet",
]

class ParseWarning(UserWarning):
    """Values that could not be parsed (they became NA), or a fallback the reader had to take.

    Attributes:
        source: The file (or label) concerned.
        column: The source column, or None for file-level notes (e.g. encoding).
        count: How many values could not be parsed.
    """

    def __init__(self, message: str, *, source: str = "", column: str | None = None, count: int = 0):
        super().__init__(message)
        self.source = source
        self.column = column
        self.count = count


def warn_unparsed(label: str, column: str, count: int, expected: str) -> None:
    """Emit the one warning for a column whose values could not all be parsed."""
    if count:
        msg = f"{label}: column {column!r}: {count} value(s) could not be parsed as {expected} and were left empty"
        warnings.warn(ParseWarning(msg, source=label, column=column, count=count), stacklevel=3)


def source_label(source: object) -> str:
    """A short label for messages: the file path, or ``"<DataFrame>"``."""
    return "<DataFrame>" if isinstance(source, pd.DataFrame) else str(source)


_UNNAMED = re.compile(r"^Unnamed: \d+$")
_TEXT_SUFFIXES = {".csv", ".tsv", ".txt", ".tab"}


def read_source(source: str | PathLike | pd.DataFrame) -> pd.DataFrame:
    """Read one source into a frame of (mostly) text columns.

    Args:
        source: A path to CSV / CSV.gz / TSV / Parquet / JSON Lines / XLSX, or a DataFrame (used as is, never
            modified).

    Returns:
        The raw table, column names stripped of spaces.

    Raises:
        DataError: The file is missing, empty, unreadable, of an unsupported type, or has no data rows.
    """
    if isinstance(source, pd.DataFrame):
        df = source.copy()
        label = "<DataFrame>"
    else:
        path = Path(source)
        label = str(path)
        if not path.exists():
            raise DataError.build("file not found", path=path, fix="check the path (it is relative to the current "
                                  f"working directory {Path.cwd()})")
        if path.is_dir():
            raise DataError.build("is a folder, not a file", path=path, fix="pass the data files inside it")
        if path.stat().st_size == 0:
            raise DataError.build("file is empty", path=path, expected="a header line and data rows")
        df = _read_path(path)
    df.columns = [str(c).strip().lstrip("\ufeff") for c in df.columns]
    df = df.loc[:, [c for c in df.columns if not _UNNAMED.match(c)]]
    if df.columns.empty:
        raise DataError.build("no columns found", path=label, expected="a header line naming the columns")
    if len(df) == 0:
        raise DataError.build("no data rows (only a header)", path=label, expected="at least one data row")
    return df


def _read_path(path: Path) -> pd.DataFrame:
    name = path.name.lower()
    base = name[:-3] if name.endswith(".gz") else name
    suffix = Path(base).suffix
    try:
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(path)
        if suffix in (".jsonl", ".ndjson", ".json"):
            return _read_json(path, lines=suffix != ".json")
        if suffix in (".xlsx", ".xlsm", ".xls"):
            return _read_excel(path)
    except ImportError as exc:
        raise DataError.build(f"cannot read {suffix} files: {exc}", path=path,
                              fix="install the missing package (pip install pyarrow openpyxl), or save the file as "
                                  "CSV") from exc
    except DataError:
        raise
    except Exception as exc:  # corrupt parquet / xlsx / json: say so in one line
        raise DataError.build(f"cannot be read as {suffix[1:]} ({type(exc).__name__}: {exc})", path=path,
                              fix="check the file is complete and of the type its name says") from exc
    if suffix in _TEXT_SUFFIXES or suffix == "":
        return _read_text_table(path, gz=name.endswith(".gz"))
    raise DataError.build(f"unsupported file type {suffix!r}", path=path,
                          expected="CSV, CSV.gz, TSV, Parquet, JSON Lines (.jsonl) or Excel (.xlsx)",
                          fix="convert the file to CSV")


def _read_json(path: Path, *, lines: bool) -> pd.DataFrame:
    try:
        return pd.read_json(path, lines=lines, dtype=False)
    except ValueError:
        if lines:
            raise
        return pd.read_json(path, lines=True, dtype=False)


def _read_excel(path: Path) -> pd.DataFrame:
    # python-calamine (Rust) reads an LCA quarter ~10x faster than openpyxl and gives the same strings;
    # openpyxl stays the fallback for a workbook calamine cannot read
    try:
        import python_calamine  # noqa: F401
    except ImportError:
        pass
    else:
        try:
            return pd.read_excel(path, dtype=str, engine="calamine")
        except Exception:  # noqa: BLE001 - any calamine failure: let openpyxl try (and report) instead
            pass
    try:
        import openpyxl  # noqa: F401
    except ImportError as exc:
        raise DataError.build("reading Excel files needs the openpyxl package, which is not installed", path=path,
                              fix="run `pip install openpyxl python-calamine`, or save the sheet as CSV") from exc
    return pd.read_excel(path, dtype=str, engine="openpyxl")


def _read_text_table(path: Path, *, gz: bool) -> pd.DataFrame:
    try:
        with (gzip.open(path, "rb") if gz else open(path, "rb")) as fh:
            head = fh.read(65536)
    except (OSError, EOFError) as exc:
        raise DataError.build(f"cannot be read ({exc})", path=path,
                              fix="check the file is a complete, uncompressed CSV or a valid .csv.gz") from exc
    if not head.strip():
        raise DataError.build("file is empty", path=path, expected="a header line and data rows")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ["utf-16"]
    elif b"\x00" in head:
        raise DataError.build("is not a text file (it contains binary data)", path=path,
                              expected="CSV text in UTF-8", fix="export the data as CSV (UTF-8)")
    else:
        encodings = ["utf-8-sig", "cp1252", "latin-1"]
    first_line = head.split(b"\n", 1)[0]
    sep = "\t" if path.name.lower().endswith((".tsv", ".tsv.gz", ".tab")) or (
        first_line.count(b"\t") > first_line.count(b",")) else ","
    if encodings[0] == "utf-8-sig":
        fast = _read_csv_arrow(path, sep)
        if fast is not None:
            return fast
    for encoding in encodings:
        try:
            df = pd.read_csv(path, sep=sep, dtype=str, encoding=encoding, keep_default_na=False, na_values=[""])
        except UnicodeDecodeError:
            continue
        except pd.errors.EmptyDataError as exc:
            raise DataError.build("file is empty", path=path, expected="a header line and data rows") from exc
        except pd.errors.ParserError as exc:
            raise DataError.build(f"is not valid CSV ({exc})".rstrip(), path=path,
                                  fix="check quoting on that line, or re-export the file as CSV") from exc
        except (OSError, EOFError) as exc:
            raise DataError.build(f"cannot be read ({exc})", path=path, fix="check the file is complete") from exc
        if encoding not in ("utf-8-sig", "utf-16"):
            msg = f"{path}: not valid UTF-8; read as {encoding} (check accented characters, or save the file as UTF-8)"
            warnings.warn(ParseWarning(msg, source=str(path)), stacklevel=4)
        return df
    raise DataError.build("cannot be decoded as text", path=path, expected="UTF-8 text",
                          fix="save the file as UTF-8 CSV")


def _read_csv_arrow(path: Path, sep: str) -> pd.DataFrame | None:
    """Fast path: pyarrow's multi-threaded CSV reader, every column as text. None when it cannot be used
    (not UTF-8, malformed, duplicate column names ...): the pandas reader then decides, warns or explains."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        header = pd.read_csv(path, sep=sep, nrows=0, encoding="utf-8-sig").columns
        if header.duplicated().any() or any(str(c).startswith("Unnamed: ") for c in header):
            return None
        table = pacsv.read_csv(
            path,
            parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types={c: pa.large_string() for c in header},
                                                 strings_can_be_null=True, null_values=[""]),
        )
        if table.column_names != list(header):
            return None
    except Exception:  # any problem: let the pandas reader produce the proper message or fallback
        return None
    return table.to_pandas(types_mapper={pa.large_string(): pd.StringDtype()}.get)


# --- value parsing -----------------------------------------------------------------------------------------------
_MONEY_JUNK = re.compile(r"[\s$€£₹,]|^(?:USD|US\$|EUR|GBP|INR)|(?:USD|EUR|GBP|INR)$", re.IGNORECASE)


def to_number(values: pd.Series, *, label: str, column: str) -> pd.Series:
    """Parse numbers ("120000", "$120,000.00", " 95.5 "); unparseable values -> NA with one warning.

    Args:
        values: The raw column.
        label: The source label for the warning.
        column: The source column name for the warning.

    Returns:
        A ``Float64`` series.
    """
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("Float64")
    s = values.astype("string").str.strip()
    cleaned = s.str.replace(_MONEY_JUNK, "", regex=True)
    num = pd.to_numeric(cleaned.astype(object).where(cleaned.notna(), None), errors="coerce").astype("Float64")
    bad = s.notna() & (s != "") & ~s.str.lower().isin(["nan", "none", "null", "n/a", "na", "-"]) & num.isna()
    warn_unparsed(label, column, int(bad.sum()), "a number")
    return num


#: date formats tried (vectorized) after ISO 8601, before the slow per-value fallback
_DATE_FORMATS = ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y", "%d/%m/%Y", "%Y/%m/%d", "%d.%m.%Y", "%b %d, %Y",
                 "%d %b %Y", "%B %d, %Y")


def to_date(values: pd.Series, *, label: str, column: str, unit: str | None = None) -> pd.Series:
    """Parse dates (ISO, "6/11/2017 14:53:57", epoch numbers with ``unit``); unparseable -> NaT, one warning.

    Args:
        values: The raw column.
        label: The source label for the warning.
        column: The source column name for the warning.
        unit: "ms" or "s" when the values are epoch numbers.

    Returns:
        A ``datetime64[ns]`` series (time-zone naive, UTC where a zone was given).
    """
    if unit is not None:
        num = to_number(values, label=label, column=column)
        arr = num.to_numpy(dtype="float64", na_value=float("nan"))
        out = pd.to_datetime(pd.Series(arr, index=values.index), unit=unit, errors="coerce")
        return out.astype("datetime64[ns]")
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        out = values
        if getattr(out.dt, "tz", None) is not None:
            out = out.dt.tz_convert(None)
        return out.astype("datetime64[ns]")
    s = values.astype("string").str.strip()
    s = s.mask(s == "")
    uniq = pd.Series(s.dropna().unique(), dtype="string")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = pd.to_datetime(uniq, errors="coerce", format="ISO8601", utc=True)
        for fmt in (*_DATE_FORMATS, "mixed"):  # explicit formats are vectorized; "mixed" parses one by one
            todo = parsed.isna()
            if not todo.any():
                break
            sample = uniq[todo]
            if fmt != "mixed" and pd.isna(pd.to_datetime(sample.iloc[:1], errors="coerce", format=fmt)).all():
                continue
            parsed[todo] = pd.to_datetime(sample, errors="coerce", format=fmt, utc=True)
    lookup = pd.Series(parsed.dt.tz_convert(None).to_numpy(), index=uniq.to_numpy())
    out = pd.Series(s.map(lookup).to_numpy(), index=values.index).astype("datetime64[ns]")
    warn_unparsed(label, column, int((s.notna() & out.isna()).sum()), "a date")
    return out


# --- several sources, one table ----------------------------------------------------------------------------------
def adapt_sources(
    source: str | PathLike | pd.DataFrame | list | tuple | None,
    *,
    sample: Path,
    adapt: Callable[[str | PathLike | pd.DataFrame], tuple[pd.DataFrame, Any]],
) -> tuple[pd.DataFrame, list[Any]]:
    """Adapt one source or a list of them and concatenate (what ``load_postings`` and ``load_pay`` share).

    Args:
        source: A path, a DataFrame, a list / tuple of them, or None for ``sample``.
        sample: The bundled sample file used when ``source`` is None.
        adapt: Reads and adapts one source -> ``(canonical-ish frame, what it was read as)``.

    Returns:
        ``(frame, infos)``: the adapted frames concatenated (fresh ``RangeIndex``) and one info per source.

    Raises:
        DataError: ``source`` is None and the sample is missing, or ``source`` is an empty list.
    """
    if source is None:
        source = sample
        if not Path(sample).exists():
            raise DataError.build("the bundled sample is missing", path=sample,
                                  fix="regenerate it with `kit generate --out datasets` or pass your own file")
    sources = list(source) if isinstance(source, list | tuple) else [source]
    if not sources:
        raise DataError.build("no sources given", expected="a path, a DataFrame, or a list of them")
    frames, infos = [], []
    for src in sources:
        frame, info = adapt(src)
        frames.append(frame)
        infos.append(info)
    df = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    return df.reset_index(drop=True), infos


# --- Parquet files the kit wrote itself --------------------------------------------------------------------------
#: Key of the Parquet schema metadata entry that marks a table the kit wrote (JSON: table, kit_version,
#: fingerprint, attrs).
KIT_PARQUET_KEY = b"swimlanes_kit"


def write_kit_parquet(df: pd.DataFrame, path: str | PathLike, *, table: str,
                      files: Iterable[str | PathLike] | None, attrs: dict[str, Any] | None = None) -> Path:
    """Write ``df`` as Parquet atomically (temp file + ``os.replace``), marked as written by this kit.

    Args:
        df: The canonical table (written without its index).
        path: Destination; its folder is created.
        table: "postings" or "pay" (what :func:`read_kit_parquet` must be asked for).
        files: The files the loader's result depends on (their :func:`file_fingerprint` is recorded); None
            writes a plain Parquet file without the mark (it is then always loaded through the full pipeline).
        attrs: JSON-able ``attrs`` to restore on reading.

    Returns:
        ``Path(path)``.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from kit._version import __version__

    plain = df.copy(deep=False)
    plain.attrs = {}
    arrow = pa.Table.from_pandas(plain, preserve_index=False)
    if files is not None:
        mark = {"table": table, "kit_version": __version__, "fingerprint": file_fingerprint(files),
                "attrs": attrs or {}}
        arrow = arrow.replace_schema_metadata({**(arrow.schema.metadata or {}),
                                               KIT_PARQUET_KEY: json.dumps(mark).encode()})
    return atomic_write(path, write=lambda tmp: pq.write_table(arrow, tmp))


def read_kit_parquet(source: object, *, table: str,
                     files: Iterable[str | PathLike]) -> tuple[pd.DataFrame, dict[str, Any]] | None:
    """Read a Parquet file :func:`write_kit_parquet` wrote, if it is still valid; else None.

    Valid means: marked for ``table``, written by this kit version, and with the same :func:`file_fingerprint`
    of ``files`` (the rule files and code it was loaded with are unchanged). Anything else (another file type,
    a user's own Parquet, an unreadable file) returns None, and the caller runs its full pipeline, which also
    explains any error.

    Args:
        source: What the loader was given (only a single path can qualify).
        table: "postings" or "pay".
        files: The files the loader's result depends on (hashed only for a marked file of the right table).

    Returns:
        ``(frame as stored, attrs recorded)`` or None.
    """
    if not isinstance(source, str | PathLike):
        return None
    path = Path(source)
    if path.suffix.lower() not in (".parquet", ".pq") or not path.is_file():
        return None
    import pyarrow.parquet as pq

    from kit._version import __version__

    try:
        raw = (pq.read_schema(path).metadata or {}).get(KIT_PARQUET_KEY)
        mark = json.loads(raw) if raw else None
        if not (isinstance(mark, dict) and mark.get("table") == table and mark.get("kit_version") == __version__
                and mark.get("fingerprint") == file_fingerprint(files)):
            return None
        df = pd.read_parquet(path)
    except Exception:  # unreadable or odd: the full pipeline reads it again and says what is wrong
        return None
    df.attrs = {}
    return df, dict(mark.get("attrs") or {})

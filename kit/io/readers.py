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
import io
import json
import re
import warnings
import zlib
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from os import PathLike
from pathlib import Path
from typing import Any

import pandas as pd

from kit.core.errors import DataError
from kit.core.files import atomic_write, file_fingerprint
from kit.io.values import ParseWarning, to_date, to_number, warn_unparsed  # noqa: F401 - re-exported

__all__ = [
    "ParseWarning",
    "adapt_sources",
    "check_source_type",
    "file_fingerprint",
    "plain_csv_delimiter",
    "read_kit_parquet",
    "read_source",
    "reading",
    "source_label",
    "to_date",
    "to_number",
    "write_kit_parquet",
]

def source_label(source: object) -> str:
    """A short label for messages: the file path, or ``"<DataFrame>"``."""
    return "<DataFrame>" if isinstance(source, pd.DataFrame) else str(source)


_UNNAMED = re.compile(r"^Unnamed: \d+$")
_TEXT_SUFFIXES = {".csv", ".tsv", ".txt", ".tab"}


_SOURCE_TYPES = "a file path (str or pathlib.Path) or a pandas DataFrame"


@contextmanager
def reading(path: str | PathLike, *, what: str = "file"):
    """The one place where OS and decoder errors become :class:`DataError` (every loader reads inside it).

    Turns ``PermissionError``, ``IsADirectoryError`` and other ``OSError``, ``EOFError`` / ``BadGzipFile``
    (a truncated .gz), ``UnicodeDecodeError``, ``zipfile.BadZipFile`` (a corrupt .xlsx) and ``MemoryError``
    into one-line DataErrors naming the file and what to do. A DataError raised inside passes unchanged.

    Args:
        path: The file being read.
        what: What it should be, for the message ("postings file", "levels table" ...).
    """
    import zipfile

    try:
        yield
    except DataError:
        raise
    except IsADirectoryError:
        raise DataError.build("is a folder, not a file", path=path, fix="pass the data files inside it") from None
    except PermissionError:
        raise DataError.build("permission denied: the kit may not read it", path=path,
                              fix="check the file's permissions (ls -l), or copy it somewhere you can read") from None
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise DataError.build(f"the compressed data is truncated or corrupt ({_one_line(exc)})", path=path,
                              fix="download or copy the file again; `gzip -t FILE` checks a .gz file") from None
    except zipfile.BadZipFile as exc:
        raise DataError.build(f"is not a valid Excel workbook ({_one_line(exc)})", path=path,
                              fix="open and save it again in Excel or LibreOffice, or export it as CSV") from None
    except UnicodeDecodeError as exc:
        raise DataError.build(f"cannot be decoded as text ({exc.encoding} fails at byte {exc.start})", path=path,
                              expected=f"a {what} in UTF-8 (or UTF-16, cp1252)",
                              fix="save the file as UTF-8") from None
    except MemoryError:
        raise DataError.build("is too large to read into memory", path=path,
                              fix="split it into smaller files, or convert it to Parquet") from None
    except OSError as exc:
        raise DataError.build(f"cannot be read ({exc.strerror or _one_line(exc)})", path=path,
                              fix="check the file is complete and readable") from None


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def check_source_type(source: object, *, what: str = "source") -> None:
    """DataError for a source that is neither a path nor a DataFrame (e.g. ``load_postings(42)``).

    Args:
        source: What the caller passed.
        what: The argument's role, for the message.
    """
    if not isinstance(source, str | PathLike | pd.DataFrame):
        raise DataError.build(f"{what} is a {type(source).__name__} ({_one_line(source)[:60]!r}), not a file",
                              expected=_SOURCE_TYPES, fix="pass the path of your file, e.g. 'data/postings.csv'")


def read_source(source: str | PathLike | pd.DataFrame, *, sheet: str | int | None = None,
                header_row: int | None = None) -> pd.DataFrame:
    """Read one source into a frame of (mostly) text columns.

    Args:
        source: A path to CSV / CSV.gz / TSV / Parquet / JSON Lines / XLSX, or a DataFrame (used as is, never
            modified).
        sheet: Excel only: the sheet to read (name or 0-based position; default the first).
        header_row: Excel only: the 1-based row holding the column names (default 1; e.g. 2 under a title row).

    Returns:
        The raw table, column names stripped of spaces.

    Raises:
        DataError: The source is not a path or DataFrame; the file is missing, empty, unreadable (permissions,
            truncated, not decodable), of an unsupported type, or has no data rows.
    """
    check_source_type(source)
    if isinstance(source, pd.DataFrame):
        df = source.copy()
        label = "<DataFrame>"
    else:
        path = Path(source)
        label = str(path)
        with reading(path):
            if not path.exists():
                raise DataError.build("file not found", path=path, fix="check the path (it is relative to the "
                                      f"current working directory {Path.cwd()})")
            if path.is_dir():
                raise DataError.build("is a folder, not a file", path=path, fix="pass the data files inside it")
            if path.stat().st_size == 0:
                raise DataError.build("file is empty", path=path, expected="a header line and data rows")
            df = _read_path(path, sheet=sheet, header_row=header_row)
    df = _decode_bytes_columns(df, label)
    df.columns = [str(c).strip().lstrip("\ufeff") for c in df.columns]
    df = df.loc[:, [c for c in df.columns if not _UNNAMED.match(c)]]
    if df.columns.empty:
        raise DataError.build("no columns found", path=label, expected="a header line naming the columns")
    if len(df) == 0:
        raise DataError.build("no data rows (only a header)", path=label, expected="at least one data row")
    return df


_SURROGATE = re.compile("[\ud800-\udfff]")


def _unencodable(v) -> bool:
    """A str that is not valid Unicode text (a lone surrogate, e.g. from ``bytes.decode(errors="surrogateescape")``)."""
    if not isinstance(v, str) or v.isascii():
        return False
    try:
        v.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _decode_bytes_columns(df: pd.DataFrame, label: str) -> pd.DataFrame:
    """Binary cells (a Parquet ``binary`` column): UTF-8 text is decoded; other bytes become missing, counted.

    Text cells holding lone surrogates (which no UTF-8 / Arrow string can hold) keep their text with each such
    character replaced by U+FFFD, counted in a warning.
    """
    for col in df.columns:
        values = df[col]
        if values.dtype != object:
            continue
        broken = values.map(_unencodable)
        if broken.any():
            df[col] = values.where(~broken, values[broken].map(lambda v: _SURROGATE.sub("\ufffd", v)))
            values = df[col]
            n = int(broken.sum())
            warnings.warn(ParseWarning(f"{label}: column {col!r}: {n} value(s) hold lone surrogates (not Unicode "
                                       "text); each such character was replaced by U+FFFD", source=label,
                                       column=str(col), count=n), stacklevel=3)
        is_bytes = values.map(lambda v: isinstance(v, bytes | bytearray | memoryview))
        if not is_bytes.any():
            continue
        bad = 0

        def decode(v):
            nonlocal bad
            if not isinstance(v, bytes | bytearray | memoryview):
                return v
            try:
                return bytes(v).decode("utf-8")
            except UnicodeDecodeError:
                bad += 1
                return None

        df[col] = values.map(decode)
        warn_unparsed(label, str(col), bad, "text (the column holds binary data)")
    return df


def _read_path(path: Path, *, sheet: str | int | None = None, header_row: int | None = None) -> pd.DataFrame:
    name = path.name.lower()
    base = name[:-3] if name.endswith(".gz") else name
    suffix = Path(base).suffix
    try:
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(path)
        if suffix in (".jsonl", ".ndjson", ".json"):
            return _read_json(path, lines=suffix != ".json", gz=name.endswith(".gz"))
        if suffix in (".xlsx", ".xlsm", ".xls"):
            return _read_excel(path, sheet=sheet, header_row=header_row)
    except ImportError as exc:
        raise DataError.build(f"cannot read {suffix} files: {exc}", path=path,
                              fix="install the missing package (pip install pyarrow openpyxl), or save the file as "
                                  "CSV") from exc
    except (DataError, OSError, EOFError, UnicodeDecodeError, MemoryError):
        raise  # said by reading()
    except Exception as exc:  # corrupt parquet / xlsx / json: say so in one line
        raise DataError.build(f"cannot be read as {suffix[1:]} ({type(exc).__name__}: {_one_line(exc)[:300]})",
                              path=path, fix="check the file is complete and of the type its name says") from None
    if suffix in _TEXT_SUFFIXES or suffix == "":
        return _read_text_table(path, gz=name.endswith(".gz"))
    raise DataError.build(f"unsupported file type {suffix!r}", path=path,
                          expected="CSV, CSV.gz, TSV, Parquet, JSON Lines (.jsonl) or Excel (.xlsx)",
                          fix="convert the file to CSV")


def _read_json(path: Path, *, lines: bool, gz: bool = False) -> pd.DataFrame:
    """JSON Lines (one object per line; a broken line is reported by its line number) or a JSON array."""
    with (gzip.open(path, "rt", encoding="utf-8-sig") if gz else open(path, encoding="utf-8-sig")) as fh:
        text = fh.read()
    if "\x00" in text:
        raise DataError.build("is not a text file (it contains NUL bytes)", path=path, expected="JSON text in UTF-8")
    stripped = text.lstrip()
    if not lines or stripped.startswith("["):  # a JSON array, also when saved as .jsonl
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            if lines:
                raise DataError.build(f"line {exc.lineno}: not valid JSON ({exc.msg})", path=path,
                                      expected="one JSON object per line (JSON Lines) or one JSON array") from None
            return _read_json(path, lines=True, gz=gz)
        if isinstance(data, dict):
            data = [data]
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise DataError.build("the JSON is not a list of records", path=path,
                                  expected='objects such as {"title": ..., "description": ...}')
        return pd.DataFrame.from_records(data)
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError.build(f"line {number}: not valid JSON ({exc.msg} at column {exc.colno})", path=path,
                                  expected="one JSON object per line",
                                  fix="fix or delete that line (a line cut short, or a line break inside a value)"
                                  ) from None
        if not isinstance(record, dict):
            raise DataError.build(f"line {number}: a JSON {type(record).__name__}, not an object", path=path,
                                  expected='one object per line, e.g. {"title": "...", "description": "..."}')
        records.append(record)
    return pd.DataFrame.from_records(records)


def _sheet_names(path: Path) -> list[str]:
    try:
        from python_calamine import CalamineWorkbook  # noqa: PLC0415 - optional fast reader
    except ImportError:
        CalamineWorkbook = None  # noqa: N806
    if CalamineWorkbook is not None:
        try:
            return list(CalamineWorkbook.from_path(str(path)).sheet_names)
        except Exception:  # noqa: BLE001 - let openpyxl try (and report) instead
            pass
    import openpyxl  # noqa: PLC0415 - only for Excel files

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def _read_sheet(path: Path, sheet: str | int, header: int) -> pd.DataFrame:
    # python-calamine (Rust) reads an LCA quarter ~10x faster than openpyxl and gives the same strings;
    # openpyxl stays the fallback for a workbook calamine cannot read
    try:
        import python_calamine  # noqa: F401, PLC0415 - optional fast reader
    except ImportError:
        pass
    else:
        try:
            return pd.read_excel(path, dtype=str, engine="calamine", sheet_name=sheet, header=header)
        except Exception:  # noqa: BLE001 - any calamine failure: let openpyxl try (and report) instead
            pass
    return pd.read_excel(path, dtype=str, engine="openpyxl", sheet_name=sheet, header=header)


def _read_excel(path: Path, *, sheet: str | int | None = None, header_row: int | None = None) -> pd.DataFrame:
    try:
        import openpyxl  # noqa: F401, PLC0415 - only for Excel files
    except ImportError as exc:
        raise DataError.build("reading Excel files needs the openpyxl package, which is not installed", path=path,
                              fix="run `pip install openpyxl python-calamine`, or save the sheet as CSV") from exc
    if header_row is not None and (not isinstance(header_row, int) or header_row < 1):
        raise DataError.build(f"header_row={header_row!r} is not a row number", path=path,
                              expected="the 1-based row holding the column names, e.g. header_row=2")
    names = _sheet_names(path)
    if isinstance(sheet, str) and sheet not in names or isinstance(sheet, int) and not 0 <= sheet < len(names):
        raise DataError.build(f"no sheet {sheet!r}", path=path,
                              expected=f"one of the workbook's sheets: {', '.join(map(repr, names))}",
                              fix="pass sheet='<name>' or sheet=<0-based position>")
    chosen = 0 if sheet is None else sheet
    df = _read_sheet(path, chosen, (header_row or 1) - 1)
    shown = names[chosen] if isinstance(chosen, int) else chosen
    if df.dropna(how="all").empty:
        others = [n for n in names if n != shown]
        hint = (f"the data may be on another sheet ({', '.join(map(repr, others))}): pass sheet='<name>'"
                if others else "check the sheet has a header row and data rows")
        raise DataError.build(f"sheet {shown!r} has no data rows", path=path, fix=hint)
    cols = [str(c) for c in df.columns]
    unnamed = sum(bool(_UNNAMED.match(c)) for c in cols)
    if len(cols) > 1 and unnamed >= len(cols) - 1 and header_row is None:
        raise DataError.build(f"sheet {shown!r}: row 1 names only {len(cols) - unnamed} of {len(cols)} columns "
                              "(a title row above the header?)", path=path,
                              fix="pass header_row=<the row holding the column names>, e.g. header_row=2")
    missing = _formulas_without_values(path, shown, df) if _has_formulas(path) else 0
    if missing:
        msg = (f"{path}: sheet {shown!r}: {missing} formula cell(s) have no saved value and were read as empty "
               "(the file was written by a program that does not compute formulas); open and save it in Excel or "
               "LibreOffice, or export CSV")
        warnings.warn(ParseWarning(msg, source=str(path), count=missing), stacklevel=5)
    return df


def _has_formulas(path: Path) -> bool:
    """Whether any worksheet of the workbook holds a formula (a byte scan of the sheet XML, no parsing).

    Data exports (a DOL LCA quarter) have none, so the slow per-cell formula check runs only for workbooks
    that could need it.
    """
    import zipfile  # noqa: PLC0415 - only for Excel files

    try:
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                    continue
                tail = b""
                with zf.open(name) as fh:
                    for chunk in iter(lambda fh=fh: fh.read(1 << 20), b""):
                        block = tail + chunk
                        if b"<f>" in block or b"<f " in block or b"<x:f" in block:
                            return True
                        tail = block[-8:]
    except (zipfile.BadZipFile, OSError):
        return True  # let the careful check (and its reader) decide
    return False


def _formulas_without_values(path: Path, sheet: str, df: pd.DataFrame, limit: int = 100_000) -> int:
    """How many formula cells of ``sheet`` have no cached value (read as empty); only checked when cells are empty."""
    if not df.isna().any().any():
        return 0
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        ws = book[sheet]
        formulas = set()
        for i, row in enumerate(ws.iter_rows(values_only=True)):
            if i > limit:
                break
            formulas.update((i, j) for j, v in enumerate(row) if isinstance(v, str) and v.startswith("="))
    finally:
        book.close()
    if not formulas:
        return 0
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        ws = book[sheet]
        empty = 0
        for i, row in enumerate(ws.iter_rows(values_only=True)):
            if i > limit:
                break
            empty += sum(1 for j, v in enumerate(row) if v is None and (i, j) in formulas)
    finally:
        book.close()
    return empty


def _read_text_table(path: Path, *, gz: bool) -> pd.DataFrame:
    with (gzip.open(path, "rb") if gz else open(path, "rb")) as fh:  # errors: said by reading()
        head = fh.read(65536)
    if not head.strip():
        raise DataError.build("file is empty", path=path, expected="a header line and data rows")
    utf16 = _utf16_encoding(head)
    source: Path | io.StringIO = path
    if utf16:
        encodings = [utf16]
        with (gzip.open(path, "rb") if gz else open(path, "rb")) as fh:
            text = fh.read().decode(utf16)
        text = text.lstrip("\ufeff")
        _reject_nul(text.encode("utf-8"), path)
        source = io.StringIO(text)
        head = text[:65536].encode("utf-8")
    else:
        _reject_nul(head, path)  # the whole file is checked below, before anything else is said about it
        encodings = ["utf-8-sig", "cp1252", "latin-1"]
    try:
        _reject_markup(head, path)
    except DataError:
        if not utf16:
            _reject_nul_anywhere(path, gz=gz, head=head)
        raise
    sep = _delimiter(head, path)
    sep_name = _SEP_NAMES[sep]
    if encodings[0] == "utf-8-sig":
        # a file the Arrow reader parses has every byte in a column name or a value: it says whether there is a
        # NUL anywhere without a second pass over the (decompressed) file
        fast = _read_csv_arrow(path, sep)
        if fast is not None:
            return fast
    if not utf16:
        _reject_nul_anywhere(path, gz=gz, head=head)
    for encoding in encodings:
        try:
            if isinstance(source, io.StringIO):
                source.seek(0)
            df = pd.read_csv(source, sep=sep, dtype=str, encoding=None if isinstance(source, io.StringIO)
                             else encoding, keep_default_na=False, na_values=[""])
        except UnicodeDecodeError:
            continue
        except pd.errors.EmptyDataError as exc:
            raise DataError.build("file is empty", path=path, expected="a header line and data rows") from exc
        except pd.errors.ParserError as exc:
            raise DataError.build(f"is not valid CSV with {sep_name} as the delimiter ({_one_line(exc)[:300]})",
                                  path=path, fix="check quoting on that line (an unbalanced \" swallows the "
                                  "following fields), or re-export the file as CSV") from None
        if encoding not in ("utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"):
            msg = f"{path}: not valid UTF-8; read as {encoding} (check accented characters, or save the file as UTF-8)"
            warnings.warn(ParseWarning(msg, source=str(path)), stacklevel=4)
        return df
    raise DataError.build("cannot be decoded as text", path=path, expected="UTF-8 text",
                          fix="save the file as UTF-8 CSV")


_SEP_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


def _delimiter(head: bytes, path: Path) -> str:
    """The field delimiter: tab for .tsv, else the most frequent of , ; tab | in the header line (outside quotes)."""
    if path.name.lower().endswith((".tsv", ".tsv.gz", ".tab")):
        return "\t"
    first = head.split(b"\n", 1)[0]
    first = re.sub(rb'"[^"]*"', b"", first)
    counts = {sep: first.count(sep.encode()) for sep in _SEP_NAMES}
    best = max(counts, key=lambda k: (counts[k], k == ","))
    return best if counts[best] else ","


def _utf16_encoding(head: bytes) -> str | None:
    """"utf-16" (with a BOM), "utf-16-le" / "utf-16-be" (without: every other byte is NUL in ASCII-heavy text)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    sample = head[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.6 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.6 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def _reject_nul(data: bytes, path: Path, offset: int = 0) -> None:
    at = data.find(b"\x00")
    if at != -1:
        line = data[:at].count(b"\n") + 1 if not offset else None
        where = f"line {line}" if line else f"byte {offset + at:,}"
        raise DataError.build(f"is not a text file: it contains a NUL byte ({where})", path=path,
                              expected="CSV text in UTF-8 (or UTF-16)",
                              fix="export the data as CSV (UTF-8) again; a NUL byte means binary data or a damaged "
                                  "file")


def _reject_nul_anywhere(path: Path, *, gz: bool, head: bytes) -> None:
    """NUL bytes are refused wherever they are (not only in the first 64 KB): one memchr scan per 1 MB chunk."""
    _reject_nul(head, path)
    with (gzip.open(path, "rb") if gz else open(path, "rb")) as fh:
        offset = 0
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            _reject_nul(chunk, path, offset=offset or 1) if b"\x00" in chunk else None
            offset += len(chunk)


_MARKUP_START = re.compile(rb"^\s*(?:<!doctype\s+html|<html|<\?xml|<head|<body)", re.I)


def _reject_markup(head: bytes, path: Path) -> None:
    if _MARKUP_START.match(head.lstrip(b"\xef\xbb\xbf")):
        raise DataError.build("is a web page (HTML / XML), not a CSV table", path=path,
                              fix="a page saved from a browser is not the data: download the CSV export itself")


def plain_csv_delimiter(path: Path) -> str | None:
    """The delimiter of a CSV (gzip or not) that reading would take as UTF-8 text, or None.

    None when the file is empty, UTF-16, holds a NUL byte anywhere or is a web page: reading it says what is wrong
    (or decodes it). For readers of their own that must treat a file exactly as :func:`read_source` does
    (:mod:`kit.load.partitioned`).
    """
    gz = path.name.lower().endswith(".gz")
    try:
        with gzip.open(path, "rb") if gz else open(path, "rb") as fh:
            head = fh.read(65536)
        if not head.strip() or _utf16_encoding(head):
            return None
        _reject_nul_anywhere(path, gz=gz, head=head)
        _reject_markup(head, path)
    except (DataError, OSError, EOFError):
        return None
    return _delimiter(head, path)


def _read_csv_arrow(path: Path, sep: str) -> pd.DataFrame | None:
    """Fast path: pyarrow's multi-threaded CSV reader, every column as text.

    Each column comes back as one Arrow chunk (the reader's blocks joined once, column by column, while the table is
    small): the steps after it then work on whole columns without joining them again (``combine_chunks`` of one
    chunk is free), and ``description_raw`` can share the text's buffers.

    None when it cannot be used (not UTF-8, malformed, duplicate column names ...): the pandas reader then
    decides, warns or explains.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        header = pd.read_csv(path, sep=sep, nrows=0, encoding="utf-8-sig").columns
        if header.duplicated().any() or any(str(c).startswith("Unnamed: ") for c in header):
            return None
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(block_size=CSV_BLOCK_BYTES),
            parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types={c: pa.large_string() for c in header},
                                                 strings_can_be_null=True, null_values=[""]),
        )
        if table.column_names != list(header) or any("\x00" in str(c) for c in header):
            return None
        names = table.column_names
        columns = list(table.columns)
        del table
        if any(_has_nul(col) for col in columns):
            return None  # a NUL byte: the reader below says where
        for i, col in enumerate(columns):  # one chunk per column; each column's blocks are freed once joined
            columns[i] = pa.chunked_array([col.combine_chunks()], type=col.type) if col.num_chunks != 1 else col
        table = pa.Table.from_arrays(columns, names=names)
        del columns
    except Exception:  # any problem: let the pandas reader produce the proper message or fallback
        return None
    return table.to_pandas(types_mapper={pa.large_string(): pd.StringDtype()}.get)


#: bytes of CSV text pyarrow parses per block (per thread); larger blocks cost less per block with the same values
CSV_BLOCK_BYTES = 4 << 20


def _has_nul(column) -> bool:
    """Whether any text value of an Arrow column holds a NUL byte (a scan of each chunk's text bytes)."""
    import numpy as np
    import pyarrow as pa

    for chunk in column.chunks:
        if not (pa.types.is_large_string(chunk.type) or pa.types.is_string(chunk.type)) or not len(chunk):
            continue
        _, offsets_buf, data_buf = chunk.buffers()
        if data_buf is None:
            continue
        width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        offsets = np.frombuffer(offsets_buf, dtype=width)
        data = np.frombuffer(data_buf, dtype=np.uint8)[offsets[chunk.offset] : offsets[chunk.offset + len(chunk)]]
        if len(data) and not data.all():
            return True
    return False


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

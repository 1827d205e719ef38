"""Open a source (CSV, CSV.gz, TSV, Parquet, JSON Lines, XLSX, or a DataFrame) and detect its format.

Everything is read as text (CSV / XLSX) so the adapters decide how to parse each column and can count the
values they could not parse (:func:`to_number`, :func:`to_date` emit one :class:`ParseWarning` per column).
Source files are only ever opened for reading.

Format signatures (columns that identify a source; see :data:`SIGNATURES`):

* postings: ``jobspy`` (JobSpy scraper output), ``linkedin`` (LinkedIn job postings export), ``kit``
  (canonical columns), ``generic`` (anything, with ``mapping=``);
* pay: ``levels`` (levels-style compensation export), ``lca`` (US DOL H-1B LCA disclosure), ``kit``.

Shared by both loaders: :func:`adapt_sources` (default sample, list of sources, adapt each, concatenate) and the
Parquet files the kit writes itself (:func:`write_kit_parquet` / :func:`read_kit_parquet`, see
``kit.load.postings.save_postings``).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import tempfile
import warnings
from collections.abc import Callable, Iterable
from os import PathLike
from pathlib import Path
from typing import Any

import pandas as pd

from kit.core.errors import DataError
from kit.io.values import ParseWarning, to_date, to_number, warn_unparsed  # noqa: F401 - re-exported

__all__ = [
    "PAY_FORMATS",
    "POSTINGS_FORMATS",
    "SIGNATURES",
    "ParseWarning",
    "adapt_sources",
    "detect_format",
    "file_fingerprint",
    "read_kit_parquet",
    "read_source",
    "source_label",
    "to_date",
    "to_number",
    "write_kit_parquet",
]

POSTINGS_FORMATS = ("jobspy", "linkedin", "generic", "kit")
PAY_FORMATS = ("levels", "lca", "kit")

#: format -> (kind, required columns, identifying columns of which at least ``min_hits`` must be present, min_hits)
SIGNATURES: dict[str, tuple[str, frozenset[str], frozenset[str], int]] = {
    "jobspy": ("postings", frozenset({"title"}),
               frozenset({"job_url", "site", "date_posted", "min_amount", "max_amount", "interval", "is_remote",
                          "job_url_direct", "salary_source", "job_type", "company_url"}), 4),
    "linkedin": ("postings", frozenset({"title"}),
                 frozenset({"job_id", "company_name", "listed_time", "pay_period", "max_salary", "min_salary",
                            "med_salary", "formatted_work_type", "job_posting_url", "original_listed_time",
                            "normalized_salary", "remote_allowed"}), 4),
    "levels": ("pay", frozenset({"totalyearlycompensation"}),
               frozenset({"timestamp", "company", "level", "title", "basesalary", "stockgrantvalue", "bonus",
                          "yearsofexperience"}), 3),
    "lca": ("pay", frozenset(),
            frozenset({"CASE_NUMBER", "CASE_STATUS", "EMPLOYER_NAME", "JOB_TITLE", "WAGE_RATE_OF_PAY_FROM",
                       "WAGE_UNIT_OF_PAY", "WORKSITE_CITY", "WORKSITE_STATE", "LCA_CASE_NUMBER",
                       "LCA_CASE_EMPLOYER_NAME", "LCA_CASE_JOB_TITLE", "LCA_CASE_WAGE_RATE_FROM",
                       "LCA_CASE_WAGE_RATE_UNIT", "WAGE_RATE_OF_PAY", "STATUS", "VISA_CLASS"}), 3),
    "kit_pay": ("pay", frozenset({"company", "total"}), frozenset({"level", "title", "base", "ladder", "currency"}), 1),
    "kit_postings": ("postings", frozenset({"title", "description"}),
                     frozenset({"posting_id", "company", "posted_date", "location", "market", "salary_min"}), 1),
}


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
    try:
        import openpyxl  # noqa: F401
    except ImportError as exc:
        raise DataError.build("reading Excel files needs the openpyxl package, which is not installed", path=path,
                              fix="run `pip install openpyxl`, or save the sheet as CSV") from exc
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


def detect_format(columns, *, kind: str = "auto") -> str | None:
    """Guess a source format from its column names.

    Args:
        columns: The column names.
        kind: "postings", "pay" or "auto" (either).

    Returns:
        "jobspy", "linkedin", "kit", "levels" or "lca" (with ``kind="auto"``, the canonical formats come back as
        "kit_postings" / "kit_pay"), or None when nothing fits.
    """
    cols = {str(c).strip() for c in columns}
    upper = {c.upper() for c in cols}
    best: tuple[float, str] | None = None
    for fmt, (fmt_kind, required, ident, min_hits) in SIGNATURES.items():
        if kind != "auto" and fmt_kind != kind:
            continue
        have = upper if fmt == "lca" else cols
        if not required <= have:
            continue
        hits = len(ident & have)
        if hits < min_hits:
            continue
        score = hits / len(ident) + (0.5 if fmt not in ("kit_pay", "kit_postings") else 0)
        if best is None or score > best[0]:
            best = (score, fmt)
    if best is None:
        return None
    fmt = best[1]
    if kind != "auto" and fmt.startswith("kit_"):
        return "kit"
    return fmt


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


def file_fingerprint(paths: Iterable[str | PathLike]) -> str:
    """A 16-hex-digit hash of the names and contents of ``paths`` (a missing file counts as "missing").

    Args:
        paths: The files whose contents decide a result (rule files, the code that applies them).

    Returns:
        A digest that changes whenever any of the files changes.
    """
    h = hashlib.sha256()
    for path in paths:
        path = Path(path)
        h.update(path.name.encode() + b"\0")
        try:
            h.update(path.read_bytes())
        except OSError:
            h.update(b"<missing>")
        h.update(b"\0")
    return h.hexdigest()[:16]


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

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    plain = df.copy(deep=False)
    plain.attrs = {}
    arrow = pa.Table.from_pandas(plain, preserve_index=False)
    if files is not None:
        mark = {"table": table, "kit_version": __version__, "fingerprint": file_fingerprint(files),
                "attrs": attrs or {}}
        arrow = arrow.replace_schema_metadata({**(arrow.schema.metadata or {}),
                                               KIT_PARQUET_KEY: json.dumps(mark).encode()})
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        pq.write_table(arrow, tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


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


# --- the kit's own YAML data files (lexicon, titles, role signals, claims, story signals, templates) -------------
def read_yaml(path: str | PathLike, *, what: str) -> dict:
    """Read one of the kit's editable YAML data files into a mapping.

    Every data file goes through here, so a user who breaks one while editing it gets the same clear
    error wherever it is read.

    Args:
        path: The YAML file.
        what: What the file holds, for the message (e.g. "title rules").

    Returns:
        The top-level mapping (empty for an empty file).

    Raises:
        DataError: The file is missing or unreadable, is not valid YAML, or its top level is not a mapping.
    """
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - a safe loader
    except OSError as exc:
        raise DataError.build(f"{what}: cannot read the file ({exc.strerror or exc})", path=path,
                              fix="restore the file from git, or pass the path of a valid copy") from None
    except yaml.YAMLError as exc:
        raise DataError.build(f"{what}: not valid YAML ({exc})", path=path,
                              fix="fix the YAML syntax (see the file's header), or restore it from git") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise DataError.build(f"{what}: the file holds a {type(data).__name__}, not a mapping", path=path,
                              expected="top-level keys as in the file shipped in kit/data")
    return data

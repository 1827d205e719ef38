"""One parser per kind of value in a source: numbers, dates, pay figures; one warning per column for what failed.

The promise of every loader: a value the kit cannot read, or that cannot be true, becomes missing, and ONE
:class:`ParseWarning` per column counts them. "Cannot be true" is data, in ``kit/data/bounds.yaml``:

* dates outside ``dates.min`` .. ``dates.max`` (e.g. 9999-12-31, 0001-01-01, a 1970 date from epoch seconds
  read as milliseconds); epoch numbers are read in the unit (s, ms, us, ns) that puts them inside the bounds;
* pay outside the band of its currency (negative, infinite, $1M an hour).

:func:`to_timestamp` is the same date parser for arguments (``select(since=...)``, ``kit report --until``): an
argument that is not a date, or lies outside the bounds, raises :class:`~kit.core.errors.SelectionError`.
"""

from __future__ import annotations

import re
import warnings
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kit.core.datafiles import read_yaml
from kit.core.errors import SelectionError
from kit.core.paths import DATA_DIR

__all__ = [
    "BOUNDS_FILE",
    "ParseWarning",
    "date_bounds",
    "pay_bounds",
    "plausible_pay",
    "strip_text",
    "to_date",
    "to_number",
    "to_timestamp",
    "warn_unparsed",
]

#: The plausibility bounds (dates, pay per currency).
BOUNDS_FILE = DATA_DIR / "bounds.yaml"


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
    """Emit the one warning for a column whose values could not all be parsed (nothing when ``count`` is 0).

    Args:
        label: The source (file path or ``"<DataFrame>"``).
        column: The source column.
        count: How many values became missing.
        expected: What a valid value looks like, e.g. "a date between 1990-01-01 and 2100-12-31".
    """
    if count:
        msg = f"{label}: column {column!r}: {count} value(s) could not be parsed as {expected} and were left empty"
        warnings.warn(ParseWarning(msg, source=label, column=column, count=count), stacklevel=3)


# --- text ----------------------------------------------------------------------------------------------------------
def _byte_table(values: list[int]) -> np.ndarray:
    table = np.zeros(256, dtype=bool)
    table[values] = True
    return table


_ASCII_SPACE = [*range(0x09, 0x0E), *range(0x1C, 0x21)]
#: first bytes of a value that may start with whitespace (ASCII, or the lead byte of a multi-byte space:
#: U+0085 / U+00A0 C2, U+1680 E1, U+2000-U+205F E2, U+3000 E3)
_MAY_START_SPACE = _byte_table([*_ASCII_SPACE, 0xC2, 0xE1, 0xE2, 0xE3])
#: last bytes of a value that may end with whitespace (ASCII, or the last byte of a multi-byte space)
_MAY_END_SPACE = _byte_table([*_ASCII_SPACE, 0x85, 0xA0, *range(0x80, 0x8B), 0xA8, 0xA9, 0xAF, 0x9F])


def strip_text(values: pd.Series, *, empty_to_na: bool = True) -> pd.Series:
    """``values.astype("string").str.strip()`` (and ``.replace("", pd.NA)``), without copying text that is unchanged.

    Arrow-backed text is copied only when a value starts or ends with whitespace (pandas strips with Arrow's
    ``utf8_trim_whitespace``; its whitespace is exactly ``utf8_is_space``'s, checked on every code point) and keeps
    its chunks; empty values become missing with a new validity bitmap over the same buffers.

    Args:
        values: A column of text (any dtype).
        empty_to_na: Empty strings (after stripping) become NA.

    Returns:
        A ``string`` series with the index of ``values``.
    """
    s = values.astype("string")
    if not isinstance(s.array, pd.arrays.ArrowStringArray):
        s = s.str.strip()
        return s.replace("", pd.NA) if empty_to_na else s
    arr = pa.chunked_array(pa.array(s.array))
    chunks = []
    for chunk in arr.chunks:
        if _may_need_strip(chunk):
            chunk = pc.utf8_trim_whitespace(chunk)
        if empty_to_na:
            empty = pc.fill_null(pc.equal(pc.binary_length(chunk), 0), False)
            if pc.any(empty).as_py():
                chunk = pc.if_else(empty, pa.scalar(None, chunk.type), chunk)
        chunks.append(chunk)
    return pd.Series(pa.chunked_array(chunks, type=arr.type), index=s.index, dtype=s.dtype, name=s.name)


def _may_need_strip(chunk: pa.Array) -> bool:
    """Whether a value of ``chunk`` starts or ends with whitespace (first and last bytes, then those values exactly)."""
    if len(chunk) == 0 or chunk.null_count == len(chunk):
        return False
    _, offsets_buf, data_buf = chunk.buffers()
    if data_buf is None:
        return False
    width = np.int64 if pa.types.is_large_string(chunk.type) or pa.types.is_large_binary(chunk.type) else np.int32
    offsets = np.frombuffer(offsets_buf, dtype=width)[chunk.offset : chunk.offset + len(chunk) + 1].astype(np.int64)
    filled = np.flatnonzero(offsets[1:] > offsets[:-1])
    if not len(filled):
        return False
    data = np.frombuffer(data_buf, dtype=np.uint8)
    maybe = _MAY_START_SPACE[data[offsets[filled]]] | _MAY_END_SPACE[data[offsets[filled + 1] - 1]]
    if not maybe.any():
        return False
    picked = chunk.take(pa.array(filled[maybe]))
    spaced = pc.or_(pc.utf8_is_space(pc.utf8_slice_codeunits(picked, 0, 1)),
                    pc.utf8_is_space(pc.utf8_slice_codeunits(picked, -1)))
    return bool(pc.any(pc.fill_null(spaced, False)).as_py())


# --- bounds ------------------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _bounds() -> dict:

    return read_yaml(BOUNDS_FILE, what="plausibility bounds")


def date_bounds() -> tuple[pd.Timestamp, pd.Timestamp]:
    """The earliest and latest plausible date (``dates.min`` / ``dates.max`` of ``kit/data/bounds.yaml``).

    Returns:
        ``(first, last)``; ``last`` is the end of its day.
    """
    dates = _bounds().get("dates") or {}
    lo = pd.Timestamp(str(dates.get("min", "1990-01-01")))
    hi = pd.Timestamp(str(dates.get("max", "2100-12-31"))) + pd.Timedelta(days=1) - pd.Timedelta(1, "ns")
    return lo, hi


def pay_bounds(currency: str | None, *, kind: str = "stated") -> tuple[float, float]:
    """The plausible annual band of one currency.

    Args:
        currency: ISO code ("USD", "INR" ...); None or unknown codes get the default band.
        kind: "stated" (a salary / wage column) or "text" (found in description text: narrower).

    Returns:
        ``(low, high)`` annual amounts.
    """
    bands = (_bounds().get("pay") or {}).get(kind) or {}
    band = bands.get(str(currency).upper()) if currency else None
    lo, hi = band or bands.get("default") or (1000, 20_000_000)
    return float(lo), float(hi)


def _date_expected() -> str:
    lo, hi = date_bounds()
    return f"a date between {lo:%Y-%m-%d} and {hi:%Y-%m-%d}"


# --- numbers -----------------------------------------------------------------------------------------------------
_MONEY_JUNK = re.compile(r"[\s$€£₹,]|^(?:USD|US\$|EUR|GBP|INR)|(?:USD|EUR|GBP|INR)$", re.IGNORECASE)
_MISSING_WORDS = ["nan", "none", "null", "n/a", "na", "-"]


def to_number(values: pd.Series, *, label: str, column: str) -> pd.Series:
    """Parse numbers ("120000", "$120,000.00", " 95.5 "); unparseable or infinite values -> NA with one warning.

    Args:
        values: The raw column.
        label: The source label for the warning.
        column: The source column name for the warning.

    Returns:
        A ``Float64`` series of finite numbers (``inf``, ``1e309`` and the like are counted and left empty).
    """
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        num = values.astype("Float64")
        bad = num.notna() & ~np.isfinite(num.to_numpy(dtype="float64", na_value=0.0))
    else:
        if values.dtype == object and values.map(lambda v: isinstance(v, bytes)).any():
            values = values.map(lambda v: v.decode("utf-8", "replace") if isinstance(v, bytes) else v)
        s = strip_text(values, empty_to_na=False)
        whole = _whole_numbers(s)
        if whole is not None:
            return whole
        # the junk pattern (case-insensitive: pandas runs it value by value in Python) only where a value is not
        # a plain number already (nothing to remove there); plain numbers are found with one RE2 pass
        plain = s.str.fullmatch(r"[0-9]+(?:\.[0-9]+)?", na=False).to_numpy(dtype=bool)
        cleaned = s.copy()
        if not plain.all():
            cleaned[~plain] = s[~plain].str.replace(_MONEY_JUNK, "", regex=True)
        num = pd.to_numeric(cleaned.astype(object).where(cleaned.notna(), None), errors="coerce").astype("Float64")
        given = s.notna() & (s != "") & ~s.str.lower().isin(_MISSING_WORDS)
        finite = np.isfinite(num.to_numpy(dtype="float64", na_value=np.nan))
        bad = given & ~pd.Series(finite, index=values.index)
    bad = bad.fillna(False).to_numpy(dtype=bool)
    if bad.any():
        num = num.mask(bad)
    warn_unparsed(label, column, int(bad.sum()), "a finite number")
    return num


def _whole_numbers(s: pd.Series) -> pd.Series | None:
    """``s`` as ``Float64`` when every present value is a whole number of at most 15 digits, else None.

    Such numbers are exact as doubles whatever parses them, so Arrow's cast gives the values pandas' parser would
    (the common case: a salary column of plain amounts); anything else goes the general way.
    """
    if not isinstance(s.array, pd.arrays.ArrowStringArray) or not len(s):
        return None
    arr = pa.chunked_array(pa.array(s.array))
    if not pc.all(pc.fill_null(pc.match_substring_regex(arr, r"^[0-9]{1,15}$"), True)).as_py():
        return None
    num = pc.cast(arr, pa.float64()).combine_chunks()
    missing = num.is_null().to_numpy(zero_copy_only=False)
    data = pc.fill_null(num, 0.0).to_numpy(zero_copy_only=False)
    return pd.Series(pd.arrays.FloatingArray(np.asarray(data, dtype="float64"), np.asarray(missing, dtype=bool)),
                     index=s.index, name=s.name)


def plausible_pay(annual: pd.Series, currency: pd.Series | str | None = None, *, label: str, column: str,
                  kind: str = "stated", allow_zero: bool = False) -> pd.Series:
    """Keep annual pay figures inside the band of their currency (``kit/data/bounds.yaml``); others -> NA, one warning.

    Args:
        annual: Annual amounts (``Float64``).
        currency: Currency codes aligned with ``annual``, one code for all, or None (the default band).
        label: The source label for the warning.
        column: The source column for the warning.
        kind: "stated" or "text" (see :func:`pay_bounds`).
        allow_zero: Components such as stock or bonus may be 0 or small: only negative, infinite and
            above-band figures are dropped.

    Returns:
        ``annual`` with implausible figures set to NA.
    """
    v = pd.to_numeric(annual, errors="coerce").astype("Float64")
    arr = v.to_numpy(dtype="float64", na_value=np.nan)
    if isinstance(currency, pd.Series):
        codes = currency.astype("string").str.upper().reindex(v.index)
        uniq = [c for c in codes.dropna().unique()]
        lo = np.full(len(v), pay_bounds(None, kind=kind)[0])
        hi = np.full(len(v), pay_bounds(None, kind=kind)[1])
        for code in uniq:
            at = (codes == code).fillna(False).to_numpy(dtype=bool)
            lo[at], hi[at] = pay_bounds(code, kind=kind)
    else:
        band = pay_bounds(currency, kind=kind)
        lo, hi = np.full(len(v), band[0]), np.full(len(v), band[1])
    if allow_zero:
        lo = np.zeros(len(v))
    with np.errstate(invalid="ignore"):
        bad = ~np.isnan(arr) & ~((arr >= lo) & (arr <= hi))
    if bad.any():
        v = v.mask(bad)
        shown = f"{pay_bounds(None, kind=kind)[0]:,.0f}-{pay_bounds(None, kind=kind)[1]:,.0f}"
        warn_unparsed(label, column, int(bad.sum()),
                      f"plausible annual pay ({shown} a year in USD; bands per currency in kit/data/bounds.yaml)")
    return v


# --- dates -------------------------------------------------------------------------------------------------------
#: date formats tried (vectorized) after ISO 8601, before the slow per-value fallback
_DATE_FORMATS = ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y", "%d/%m/%Y", "%Y/%m/%d", "%d.%m.%Y", "%b %d, %Y",
                 "%d %b %Y", "%B %d, %Y")
#: epoch units, tried in order: the first that puts a number inside the date bounds wins
_EPOCH_UNITS = {"s": 1e9, "ms": 1e6, "us": 1e3, "ns": 1.0}
_NUMERIC = re.compile(r"^\s*[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?\s*$")


def _epoch_to_ns(num: np.ndarray) -> np.ndarray:
    """Epoch numbers (float, NaN for missing) -> int64 nanoseconds, NaT-valued where no unit fits the bounds."""
    lo, hi = date_bounds()
    out = np.full(len(num), np.iinfo(np.int64).min, dtype=np.int64)  # NaT
    todo = np.isfinite(num)
    for factor in _EPOCH_UNITS.values():
        with np.errstate(invalid="ignore", over="ignore"):
            ns = num * factor
            fits = todo & (ns >= lo.value) & (ns <= hi.value)
        out[fits] = ns[fits].astype(np.int64)
        todo &= ~fits
    return out


def to_date(values: pd.Series, *, label: str, column: str, unit: str | None = None) -> pd.Series:
    """Parse dates (ISO, "6/11/2017 14:53:57", epoch numbers); unparseable or implausible -> NaT, one warning.

    Dates outside the bounds of ``kit/data/bounds.yaml`` (default 1990-01-01 .. 2100-12-31) count as
    unparseable. Epoch numbers (a numeric column, or text that is all numbers) are read in seconds,
    milliseconds, microseconds or nanoseconds, whichever puts each value inside the bounds.

    Args:
        values: The raw column.
        label: The source label for the warning.
        column: The source column name for the warning.
        unit: Kept for callers that know the column holds epoch numbers ("s", "ms", "epoch"): forces the
            epoch reading; the unit itself is still decided by magnitude.

    Returns:
        A ``datetime64[ns]`` series (time-zone naive, UTC where a zone was given).
    """
    lo, hi = date_bounds()
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        out = values
        if getattr(out.dt, "tz", None) is not None:
            out = out.dt.tz_convert(None)
        inside = out.isna() | ((out >= lo) & (out <= hi))
        bad = ~inside.fillna(True).to_numpy(dtype=bool)
        out = out.mask(bad).astype("datetime64[ns]")
        warn_unparsed(label, column, int(bad.sum()), _date_expected())
        return out
    s = values if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype) \
        else values.astype("string").str.strip()
    if unit is not None or pd.api.types.is_numeric_dtype(s.dtype) or _all_numeric(s):
        num = pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        given = ~pd.isna(s) if pd.api.types.is_numeric_dtype(s.dtype) else (s.notna() & (s != "")).to_numpy(bool)
        given = np.asarray(given, dtype=bool)
        out = pd.Series(_epoch_to_ns(num).view("datetime64[ns]"), index=values.index)
        warn_unparsed(label, column, int((given & out.isna().to_numpy()).sum()),
                      f"{_date_expected()} (or epoch seconds / milliseconds in that range)")
        return out
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
            try:
                parsed[todo] = pd.to_datetime(sample, errors="coerce", format=fmt, utc=True)
            except (ValueError, OverflowError):  # pandas refuses a whole batch it cannot hold: value by value
                parsed[todo] = [_one_date(v, fmt) for v in sample]
    naive = parsed.dt.tz_convert(None)
    inside = (naive >= lo) & (naive <= hi)
    naive = naive.where(inside.fillna(False))
    table = np.append(naive.astype("datetime64[ns]").to_numpy(), np.datetime64("NaT", "ns"))
    codes = pd.Index(uniq.to_numpy(dtype=object)).get_indexer(s.to_numpy(dtype=object, na_value=None))
    out = pd.Series(table[codes], index=values.index)  # code -1 (missing / not seen) -> the NaT at the end
    warn_unparsed(label, column, int((s.notna() & out.isna()).sum()), _date_expected())
    return out


def _one_date(value: str, fmt: str) -> pd.Timestamp:
    try:
        return pd.to_datetime(value, errors="coerce", format=fmt, utc=True)
    except (ValueError, OverflowError):
        return pd.NaT


def _all_numeric(s: pd.Series) -> bool:
    present = s.dropna()
    present = present[present != ""]
    if present.empty:
        return False
    head = present.iloc[:200]
    return bool(head.str.fullmatch(_NUMERIC).fillna(False).all())


def to_timestamp(value: object, *, what: str) -> pd.Timestamp:
    """Parse a date argument (``since``, ``until``, ``--since``) with the bounds every date column has.

    Args:
        value: A string such as "2025-01-31", a ``datetime`` / ``Timestamp``, or a ``date``.
        what: The argument's name for the message ("since", "--until").

    Returns:
        A time-zone naive ``Timestamp``.

    Raises:
        SelectionError: ``value`` is not a date, or lies outside the plausible range.
    """
    lo, hi = date_bounds()
    example = "expected YYYY-MM-DD, e.g. 2025-01-31"
    if isinstance(value, bool) or not isinstance(value, str | pd.Timestamp) and not hasattr(value, "year"):
        raise SelectionError(f"{what} {value!r} is not a date ({type(value).__name__}); {example}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ts = pd.Timestamp(value.strip() if isinstance(value, str) else value)
    except (ValueError, TypeError, OverflowError):
        raise SelectionError(f"{what} {value!r} is not a date; {example}") from None
    if ts is pd.NaT or pd.isna(ts):
        raise SelectionError(f"{what} {value!r} is not a date; {example}")
    if ts.tzinfo is not None:
        ts = ts.tz_convert(None)
    if not lo <= ts <= hi:
        raise SelectionError(f"{what} {value!r} is outside the range of dates the kit accepts "
                             f"({lo:%Y-%m-%d} to {hi:%Y-%m-%d}, set in kit/data/bounds.yaml)")
    return ts

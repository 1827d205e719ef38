"""The canonical tables every adapter produces and every analysis reads.

Column lists and dtypes live here, once. :func:`conform` turns any frame that has (some of) the
columns into the canonical shape: missing columns become NA (never invented), dtypes are coerced,
column order is fixed, extra columns are kept at the end.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kit.core.errors import DataError

__all__ = [
    "LADDER",
    "LEVELS_COLUMNS",
    "PAY_COLUMNS",
    "POSTINGS_COLUMNS",
    "POSTINGS_DERIVED",
    "POSTINGS_HISTORY",
    "POSTINGS_RAW",
    "ROLES",
    "conform",
    "content_key",
]

#: Role codes: technical product manager, technical program manager, product manager not evidently
#: technical, program manager not evidently technical, anything else.
ROLES = ("pmt", "tpm", "pm", "pgm", "other")

#: The normalized seniority ladder, lowest first. ``ladder_rank`` is the position in this tuple.
LADDER = ("intern", "entry", "mid", "senior", "staff", "principal", "director", "vp")

# name -> pandas dtype. "string" is pandas' nullable string; "Float64"/"Int64"/"boolean" nullable.
POSTINGS_RAW: dict[str, str] = {
    "posting_id": "string",
    "company": "string",
    "title": "string",
    "description": "string",  # plain text: HTML stripped, entities decoded, markdown removed
    "location": "string",
    "market": "string",  # metro / region, e.g. "SF Bay Area", "Remote - US"; raw location if unknown
    "country": "string",  # ISO 3166-1 alpha-2 where known
    "posted_date": "datetime64[ns]",
    "source": "string",  # "jobspy", "linkedin", "generic", "sample", file name ...
    "url": "string",
    "remote": "boolean",
    "salary_min": "Float64",  # annualized
    "salary_max": "Float64",  # annualized
    "salary_currency": "string",
    "salary_basis": "string",  # "stated" (structured fields) or "description" (parsed from text)
    "description_raw": "string",  # the original text where cleaning changed it, else NA
    "duplicates": "Int64",  # how many source rows this posting merged (1 = unique)
}
POSTINGS_DERIVED: dict[str, str] = {
    "title_clean": "string",
    "seniority": "string",  # one of LADDER, or NA
    "family": "string",  # product, program, project, engineering, other
    "role": "string",  # one of ROLES
    "role_confidence": "Float64",  # 0-1
    "role_basis": "string",  # "title" or "description"
    "variant": "string",  # canonical title variant from kit/data/titles.yaml, or NA
    "title_text_mismatch": "boolean",  # titled as one role, text reads like the other
    "sections": "string",  # section spans of description, "about:0-120;responsibilities:120-900" (kit.prepare.sections)
}
#: Optional columns of postings from the posting store (``kit fetch``); NA for every other source.
POSTINGS_HISTORY: dict[str, str] = {
    "board": "string",  # the job board, e.g. "greenhouse:stripe"
    "first_seen": "datetime64[ns]",  # UTC time of the first fetch that listed the posting
    "last_seen": "datetime64[ns]",  # UTC time of the latest fetch that listed it
    "closed_at": "datetime64[ns]",  # the first fetch of its board that no longer listed it; NA while open
}
POSTINGS_COLUMNS: dict[str, str] = {**POSTINGS_RAW, **POSTINGS_DERIVED, **POSTINGS_HISTORY}

PAY_COLUMNS: dict[str, str] = {
    "company": "string",
    "title": "string",
    "family": "string",  # product, program, ... (from the title)
    "role": "string",  # one of ROLES (from the title); "pm" where the source cannot tell PM-T
    "level": "string",  # the company's own code, e.g. "L6", "IC5"
    "ladder": "string",  # one of LADDER, or NA when the level is not mapped
    "ladder_rank": "Int64",  # position of ``ladder`` in LADDER
    "base": "Float64",
    "stock": "Float64",
    "bonus": "Float64",
    "total": "Float64",
    "currency": "string",
    "location": "string",
    "market": "string",
    "country": "string",
    "year": "Int64",
    "date": "datetime64[ns]",
    "years_experience": "Float64",
    "source": "string",  # "levels", "lca", "postings", "sample" ...
    "case_status": "string",  # LCA only, e.g. "Certified"
    "n": "Int64",  # observations behind the row (1 for a single report)
    "percentile": "Float64",  # for published percentiles, else NA
}

LEVELS_COLUMNS: dict[str, str] = {
    "company": "string",
    "family": "string",  # role family the ladder applies to: "all", "product", "program", "manager"
    "level": "string",  # the company's own code
    "ladder": "string",  # one of LADDER
    "ladder_rank": "Int64",
    "track": "string",  # "ic" or "manager"
    "note": "string",
}

_TABLES = {"postings": POSTINGS_COLUMNS, "pay": PAY_COLUMNS, "levels": LEVELS_COLUMNS}


def conform(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """Return ``df`` in the canonical shape of ``table`` ("postings", "pay" or "levels").

    Missing columns are added as NA; known columns are cast to their canonical dtype; canonical
    columns come first in canonical order, extra columns follow unchanged.

    Args:
        df: Any frame with some of the canonical columns.
        table: Which canonical table.

    Returns:
        A new frame; ``df`` is not modified.
    """
    spec = _TABLES[table]
    out = df.copy()
    n = len(out)
    for col, dtype in spec.items():
        if col not in out.columns:
            out[col] = _missing(n, dtype, out.index)
            continue
        if dtype == "datetime64[ns]":
            out[col] = pd.to_datetime(out[col], errors="coerce")
            if getattr(out[col].dt, "tz", None) is not None:
                out[col] = out[col].dt.tz_convert(None)
            out[col] = out[col].astype("datetime64[ns]")
        elif str(out[col].dtype) != dtype:
            out[col] = out[col].astype(dtype)
    extra = [c for c in out.columns if c not in spec]
    return out[list(spec) + extra]


def content_key(df: pd.DataFrame, columns: tuple[str, ...] = ("posting_id", "title", "description")) -> str:
    """A stable hex digest of the given columns' contents (order-sensitive), for cache keys.

    Args:
        df: The table.
        columns: Which columns to hash; absent ones are skipped.

    Returns:
        A 16-hex-digit key that changes whenever any hashed value or the row order changes.
    """
    import hashlib

    h = hashlib.blake2b(digest_size=8)
    h.update(str(len(df)).encode())
    for col in columns:
        if col in df.columns:
            # the UTF-8 bytes and value boundaries straight from Arrow's buffers (no per-value hashing in Python),
            # chunk by chunk: the same bytes as of the column joined into one array, without joining it
            chunks = _text_chunks(df[col])
            h.update(col.encode())
            base = 0
            for _, offsets, _ in chunks:
                h.update((offsets[:-1] - offsets[0] + base).tobytes())
                base += int(offsets[-1] - offsets[0])
            h.update(np.array([base], dtype=np.int64).tobytes())
            for _, offsets, data in chunks:
                if data is not None and offsets[-1] > offsets[0]:
                    h.update(memoryview(data)[int(offsets[0]) : int(offsets[-1])])
    return h.hexdigest()


def _text_chunks(values: pd.Series) -> list[tuple[pa.Array, np.ndarray, pa.Buffer | None]]:
    """A column as text (missing -> a NUL character): per Arrow chunk, ``(chunk, int64 offsets, data buffer)``."""
    arr = pa.array(values.astype("string").array)
    out = []
    for chunk in arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]:
        if chunk.null_count:
            chunk = pc.fill_null(chunk, pa.scalar("\x00", chunk.type))
        _, offset_buf, data = chunk.buffers()
        width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        offsets = np.frombuffer(offset_buf, dtype=width)[chunk.offset : chunk.offset + len(chunk) + 1].astype(np.int64)
        out.append((chunk, offsets, data))
    if not out:  # no chunk at all: one empty one (the offsets of an empty array: [0])
        out.append((pa.array([], pa.large_string()), np.zeros(1, dtype=np.int64), None))
    return out


def _missing(n: int, dtype: str, index: pd.Index) -> pd.Series:
    """An all-missing column of ``dtype`` (NaT for dates), as ``conform`` adds it."""
    if dtype == "datetime64[ns]":
        return pd.Series(np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]"), index=index)
    if dtype == "string":
        return pd.Series(pa.nulls(n, pa.large_string()), index=index, dtype="string")
    return pd.Series(pd.array([], dtype=dtype).take(np.full(n, -1), allow_fill=True), index=index)


def require_columns(columns: Iterable[object], required: Iterable[str | None], *, path: object = None,
                    expected: str, fix: str | None = None, problem: str = "missing column") -> None:
    """The one required-columns check: raise a :class:`DataError` naming the first missing column.

    Args:
        columns: The columns a table (or file) has, e.g. ``df.columns``.
        required: The columns needed; None entries are skipped (an option that was not given).
        path: The file or label (``"<DataFrame>"``, ``"<pay table>"``) for the message.
        expected: What the table should have been, for the message.
        fix: What the user can do (None: nothing to add).
        problem: The problem, in a few words; ``{missing}`` is replaced by the quoted missing names.

    Raises:
        DataError: A required column is missing.
    """
    have = set(columns)
    missing = [c for c in required if c is not None and c not in have]
    if missing:
        raise DataError.build(problem.format(missing=", ".join(repr(m) for m in missing)), path=path,
                              column=missing[0], expected=expected, fix=fix)

"""``load_pay``: read -> adapt (levels / LCA / kit) -> role and family from the title -> ladder -> market -> conform.

:func:`save_pay` writes a loaded table as Parquet that ``load_pay`` reads back as stored while the kit version and
:data:`PIPELINE_FILES` are unchanged (the same idea as ``kit.load.postings.save_postings``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import partial
from os import PathLike
from pathlib import Path

import pandas as pd

from kit.core.errors import DataError
from kit.core.paths import DATA_DIR, PACKAGE_DIR, SAMPLE_LEVELS, SAMPLE_PAY
from kit.core.schema import conform
from kit.io.formats import FORMATS, adapt, detect_format, get_format, names
from kit.io.formats.common import pay_rows_without_figures
from kit.io.readers import (
    ParseWarning,
    adapt_sources,
    read_kit_parquet,
    read_source,
    source_label,
    write_kit_parquet,
)
from kit.load.postings import SourceInfo
from kit.prepare.levels import _unmapped_message, assign_ladder, unmapped_levels
from kit.prepare.markets import assign_markets
from kit.prepare.titles import classify_titles

__all__ = ["PIPELINE_FILES", "load_pay", "read_pay", "save_pay"]

Source = str | PathLike | pd.DataFrame

#: The files whose contents decide what ``load_pay`` makes of a source (rule files, the bundled levels table,
#: the code of every step); a table saved by :func:`save_pay` is re-used as is only while none of them changed.
PIPELINE_FILES: tuple[Path, ...] = (
    *(DATA_DIR / name for name in ("titles.yaml", "levels.csv", "markets.csv", "company_aliases.csv")),
    SAMPLE_LEVELS,
    *(PACKAGE_DIR / f"{name}.py" for name in ("load/pay", "io/readers", "prepare/salary",
                                              "prepare/markets", "prepare/titles", "prepare/levels",
                                              "prepare/companies", "core/schema")),
    *sorted((PACKAGE_DIR / "io" / "formats").glob("*.py")),
)


@dataclass
class LoadedPay:
    """The loaded pay table plus what each source was read as."""

    frame: pd.DataFrame
    sources: list[SourceInfo]


def load_pay(source: Source | list[Source] | None = None, *, format: str | None = None,  # noqa: A002
             sheet: str | int | None = None, header_row: int | None = None) -> pd.DataFrame:
    """Load a pay table (levels-style export, DOL H-1B LCA disclosure, or the kit's own format).

    Args:
        source: A path (CSV, CSV.gz, Parquet, JSON Lines, XLSX), a DataFrame, or a list of them (concatenated).
            None loads the bundled sample (``datasets/sample_pay.csv``).
        format: "levels", "lca" or "kit"; None detects it from the columns.
        sheet: Excel files: the sheet holding the pay table (name or 0-based position; default the first).
        header_row: Excel files: the 1-based row with the column names (default 1; 2 under a title row).

    Returns:
        ``conform(df, "pay")``: annual ``base`` / ``stock`` / ``bonus`` / ``total`` (LCA: the offered wage,
        annualized, as base and total; levels rows whose base is 0 are "no breakdown": base/stock/bonus NA),
        ``role`` / ``family`` from the title, ``ladder`` / ``ladder_rank`` from the company's level (or, without
        one, the title's seniority), ``market`` / ``country`` from the location, and for LCA ``case_status`` (keep
        ``df[df.case_status == "Certified"]`` for certified cases only).

    Raises:
        DataError: A file is missing, empty, unreadable, in an unknown format, lacks a required column, or no
            row has a pay figure.
    """
    if format in (None, "kit"):
        saved = read_kit_parquet(source, table="pay", files=PIPELINE_FILES)
        if saved is not None:
            return _as_loaded(*saved)
    return read_pay(source, format=format, sheet=sheet, header_row=header_row).frame


def _as_loaded(df: pd.DataFrame, attrs: dict) -> pd.DataFrame:
    """A saved table as ``load_pay`` returns it: conformed, ``attrs`` restored, unmapped levels warned about."""
    df = conform(df, "pay")
    unmapped = attrs.get("unmapped_levels")
    if unmapped:  # as assign_ladder stores and reports them
        df.attrs["unmapped_levels"] = tuple((str(c), str(lv), int(n), str(r)) for c, lv, n, r in unmapped)
        warnings.warn(_unmapped_message(unmapped_levels(df)), UserWarning, stacklevel=3)
    return df


def save_pay(df: pd.DataFrame, path: str | PathLike) -> Path:
    """Save a pay table (as :func:`load_pay` returned it) for fast re-loading.

    Parquet, written atomically, marked with the kit version and a fingerprint of :data:`PIPELINE_FILES`;
    ``load_pay(path)`` reads it as stored while both match (restoring ``attrs["unmapped_levels"]`` and its
    warning), else runs the full pipeline on it.

    Args:
        df: The pay table (conformed before writing).
        path: Destination ``.parquet`` file; its folder is created.

    Returns:
        ``Path(path)``.
    """
    out = conform(df, "pay")
    out.attrs = {}
    unmapped = [[str(c), str(lv), int(n), str(r)] for c, lv, n, r in unmapped_levels(df).itertuples(index=False)]
    return write_kit_parquet(out, path, table="pay", files=PIPELINE_FILES,
                             attrs={"unmapped_levels": unmapped} if unmapped else {})


def read_pay(source: Source | list[Source] | None = None, *, format: str | None = None,  # noqa: A002
             sheet: str | int | None = None, header_row: int | None = None) -> LoadedPay:
    """Like :func:`load_pay` (always the full pipeline), but also return what each source was read as."""
    df, infos = adapt_sources(source, sample=SAMPLE_PAY, adapt=partial(_adapt_one, format=format, sheet=sheet,
                                                                       header_row=header_row))
    df = _enrich(df)
    return LoadedPay(conform(df, "pay"), infos)


def _adapt_one(src: Source, *, format: str | None, sheet: str | int | None = None,  # noqa: A002
               header_row: int | None = None) -> tuple[pd.DataFrame, SourceInfo]:
    label = source_label(src)
    raw = read_source(src, sheet=sheet, header_row=header_row)
    fmt = format
    if fmt is None:
        fmt = detect_format(raw.columns, kind="pay")
        if fmt is None:
            if detect_format(raw.columns, kind="postings") is not None:
                raise DataError.build("looks like job postings, not a pay table", path=label,
                                      fix="load it with kit.load_postings(...)")
            shown = ", ".join(repr(c) for c in list(raw.columns)[:30])
            raise DataError.build("unknown pay table format", path=label,
                                  expected=f"one of: {_described('pay')}; columns found: {shown}",
                                  fix=f"pass format= one of {', '.join(repr(n) for n in names('pay'))} after renaming "
                                      "the columns to that format")
    else:
        get_format(fmt, "pay", label=label)  # an unknown name says which formats exist
    frame, used = adapt(raw, fmt, "pay", label=label)
    empty = pay_rows_without_figures(frame)
    dropped = int(empty.sum())
    if dropped == len(frame):
        raise DataError.build("no row has a pay figure", path=label, expected="numbers in the pay columns",
                              fix="check the wage / total columns are filled and numeric")
    if dropped:
        warnings.warn(ParseWarning(f"{label}: {dropped} row(s) without any pay figure were skipped",
                                   source=label, column="total", count=dropped), stacklevel=4)
        frame = frame[~empty].copy()
    return frame, SourceInfo(label, fmt, len(raw), used, dropped)


def _enrich(df: pd.DataFrame) -> pd.DataFrame:

    titles = classify_titles(df["title"] if "title" in df.columns else pd.Series(pd.NA, index=df.index))
    for col in ("role", "family"):
        if col not in df.columns or df[col].isna().all():
            df[col] = titles[col].to_numpy()
    df = assign_ladder(df, title_seniority=pd.Series(titles["seniority"].to_numpy(), index=df.index))
    markets = assign_markets(df["location"] if "location" in df.columns else pd.Series(pd.NA, index=df.index))
    for col in ("market", "country"):
        df[col] = df[col].astype("string").fillna(markets[col]) if col in df.columns else markets[col]
    return df


def _described(table: str) -> str:
    return "; ".join(f.description for (t, _), f in FORMATS.items() if t == table)

"""``load_pay``: read -> adapt (levels / LCA / kit) -> role and family from the title -> ladder -> market -> conform."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from os import PathLike

import pandas as pd

from kit.adapters import adapt_pay, pay_rows_without_figures
from kit.errors import DataError
from kit.markets import assign_markets
from kit.paths import SAMPLE_PAY
from kit.postings import SourceInfo
from kit.readers import PAY_FORMATS, ParseWarning, detect_format, read_source, source_label
from kit.schema import conform

__all__ = ["load_pay", "read_pay"]

Source = str | PathLike | pd.DataFrame


@dataclass
class LoadedPay:
    """The loaded pay table plus what each source was read as."""

    frame: pd.DataFrame
    sources: list[SourceInfo]


def load_pay(source: Source | list[Source] | None = None, *, format: str | None = None) -> pd.DataFrame:  # noqa: A002
    """Load a pay table (levels-style export, DOL H-1B LCA disclosure, or the kit's own format).

    Args:
        source: A path (CSV, CSV.gz, Parquet, JSON Lines, XLSX), a DataFrame, or a list of them (concatenated).
            None loads the bundled sample (``datasets/sample_pay.csv``).
        format: "levels", "lca" or "kit"; None detects it from the columns.

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
    return read_pay(source, format=format).frame


def read_pay(source: Source | list[Source] | None = None, *, format: str | None = None) -> LoadedPay:  # noqa: A002
    """Like :func:`load_pay`, but also return what each source was read as."""
    if source is None:
        source = SAMPLE_PAY
        if not SAMPLE_PAY.exists():
            raise DataError.build("the bundled sample is missing", path=SAMPLE_PAY,
                                  fix="regenerate it with `kit generate --out datasets` or pass your own file")
    sources = list(source) if isinstance(source, list | tuple) else [source]
    if not sources:
        raise DataError.build("no sources given", expected="a path, a DataFrame, or a list of them")
    frames, infos = [], []
    for src in sources:
        frame, info = _adapt_one(src, format=format)
        frames.append(frame)
        infos.append(info)
    df = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    df = df.reset_index(drop=True)
    df = _enrich(df)
    return LoadedPay(conform(df, "pay"), infos)


def _adapt_one(src: Source, *, format: str | None) -> tuple[pd.DataFrame, SourceInfo]:  # noqa: A002
    label = source_label(src)
    raw = read_source(src)
    fmt = format
    if fmt is None:
        fmt = detect_format(raw.columns, kind="pay")
        if fmt is None:
            if detect_format(raw.columns, kind="postings") is not None:
                raise DataError.build("looks like job postings, not a pay table", path=label,
                                      fix="load it with kit.load_postings(...)")
            shown = ", ".join(repr(c) for c in list(raw.columns)[:30])
            raise DataError.build("unknown pay table format", path=label,
                                  expected=f"a levels export, an LCA disclosure file or kit pay columns; columns "
                                           f"found: {shown}",
                                  fix="pass format='levels', 'lca' or 'kit' after renaming the columns to that format")
    elif fmt not in PAY_FORMATS:
        raise DataError.build(f"unknown pay format {fmt!r}", path=label, expected=f"one of {', '.join(PAY_FORMATS)}",
                              fix="leave format=None to detect it from the columns")
    frame, used = adapt_pay(raw, fmt, label=label)
    empty = pay_rows_without_figures(frame)
    dropped = int(empty.sum())
    if dropped == len(frame):
        raise DataError.build("no row has a pay figure", path=label, expected="numbers in the pay columns",
                              fix="check the wage / total columns are filled and numeric")
    if dropped:
        warnings.warn(ParseWarning(f"{label}: {dropped} row(s) without any pay figure were skipped",
                                   source=label, column="total", count=dropped), stacklevel=3)
        frame = frame[~empty].copy()
    return frame, SourceInfo(label, fmt, len(raw), used, dropped)


def _enrich(df: pd.DataFrame) -> pd.DataFrame:
    from kit.levels import assign_ladder
    from kit.titles import classify_titles

    titles = classify_titles(df["title"] if "title" in df.columns else pd.Series(pd.NA, index=df.index))
    for col in ("role", "family"):
        if col not in df.columns or df[col].isna().all():
            df[col] = titles[col].to_numpy()
    df = assign_ladder(df)
    markets = assign_markets(df["location"] if "location" in df.columns else pd.Series(pd.NA, index=df.index))
    for col in ("market", "country"):
        df[col] = df[col].astype("string").fillna(markets[col]) if col in df.columns else markets[col]
    return df

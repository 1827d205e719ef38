"""What the format adapters share.

Value parsers for flags and ids, the column-map adapter, the missing-columns error. Postings adapters leave salaries
as stated, with the stated interval in the helper column ``_salary_interval`` (:mod:`kit.load.postings` annualizes
them); pay adapters annualize themselves.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from kit.core.errors import DataError
from kit.core.schema import POSTINGS_RAW
from kit.io.values import plausible_pay, strip_text, to_date, to_number, warn_unparsed

__all__ = ["column_map", "id_text", "mapped", "mapped_frame", "missing_columns", "pay_rows_without_figures", "text",
           "to_bool"]

_TRUE = {"true", "t", "1", "1.0", "yes", "y"}
_FALSE = {"false", "f", "0", "0.0", "no", "n"}
#: Columns holding epoch milliseconds rather than dates.
EPOCH_MS_COLUMNS = ("listed_time", "original_listed_time")


def missing_columns(label: str, fmt: str, missing: list[str], found: list[str], fix: str) -> DataError:
    """The error for a source that lacks a column its format needs (lists the columns found)."""
    shown = ", ".join(repr(c) for c in found[:40]) + (" ..." if len(found) > 40 else "")
    return DataError.build(
        f"missing required column(s) {', '.join(repr(m) for m in missing)} for format {fmt!r}",
        path=label, column=missing[0], expected=f"the {fmt} columns; columns found: {shown}", fix=fix,
    )


def to_bool(values: pd.Series, *, label: str, column: str) -> pd.Series:
    """Parse flags ("True", "1", "yes", 1.0 ...) into a ``boolean`` series; others -> NA with one warning."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("boolean")
    s = values.astype("string").str.strip().str.lower()
    out = pd.Series(pd.NA, index=values.index, dtype="boolean")
    out[s.isin(_TRUE).fillna(False).to_numpy(dtype=bool)] = True
    out[s.isin(_FALSE).fillna(False).to_numpy(dtype=bool)] = False
    bad = s.notna() & (s != "") & ~s.isin(["nan", "none", "null"]) & out.isna()
    warn_unparsed(label, column, int(bad.sum()), "true/false")
    return out


def id_text(values: pd.Series) -> pd.Series:
    """Posting ids as text: whole floats (``12.0`` from a CSV) lose their ``.0``; others are stripped."""
    if pd.api.types.is_float_dtype(values.dtype):
        whole = values.dropna()
        if (whole == whole.round()).all():
            return values.astype("Int64").astype("string")
    return strip_text(values, empty_to_na=False)


def text(s: pd.Series) -> pd.Series:
    """Strip text; empty strings become NA."""
    return strip_text(s)


def mapped_frame(raw: pd.DataFrame, plan: dict[str, str | list[str]], *, label: str, source: str) -> pd.DataFrame:
    """Build canonical postings columns from a plan ``canonical -> source column(s)``."""
    out = pd.DataFrame(index=raw.index)
    for canon, src in plan.items():
        cols = [src] if isinstance(src, str) else src
        series = None
        for col in cols:
            part = raw[col]
            if canon == "posted_date":
                unit = "ms" if col in EPOCH_MS_COLUMNS else None
                part = to_date(part, label=label, column=col, unit=unit)
            elif canon in ("salary_min", "salary_max"):
                part = to_number(part, label=label, column=col)
            elif canon == "remote":
                part = to_bool(part, label=label, column=col)
            elif canon == "posting_id":
                part = id_text(part)
            elif canon != "duplicates":
                part = strip_text(part)
            series = part if series is None else series.fillna(part)
        out[canon] = series
    if "source" not in out.columns:
        out["source"] = source
    return out


def mapped(fmt: str, plan_for: Callable[[pd.DataFrame], dict[str, str | list[str]]], *,
           keep_unmapped: bool = False) -> Callable[..., tuple[pd.DataFrame, dict[str, str]]]:
    """Build a postings adapter from ``plan_for(raw) -> {canonical column: source column(s)}``.

    The adapter applies the user's ``mapping=`` overrides (canonical column -> source column), checks that a
    title and a description were found, parses each column by its canonical type, and returns ``(frame, used)``.

    Args:
        fmt: The format name (the ``source`` value of the rows and the name in messages).
        plan_for: The source columns to read, given the raw frame's columns.
        keep_unmapped: Keep source columns no canonical column read (generic and kit tables).
    """

    def adapt(raw: pd.DataFrame, *, label: str, mapping: dict[str, str] | None = None
              ) -> tuple[pd.DataFrame, dict[str, str]]:
        found = list(raw.columns)
        plan = plan_for(raw)
        for canon, src in (mapping or {}).items():
            if canon not in POSTINGS_RAW and canon != "salary_interval":
                raise DataError.build(f"mapping key {canon!r} is not a postings column", path=label,
                                      expected=f"keys among {', '.join(sorted(POSTINGS_RAW))}, salary_interval",
                                      fix='write mapping={"title": "<your title column>", ...}')
            if src not in raw.columns:
                raise missing_columns(label, fmt, [src], found,
                                      f"fix mapping[{canon!r}]; it must name one of the columns found")
            plan["_salary_interval" if canon == "salary_interval" else canon] = src
        missing = [c for c in ("title", "description") if c not in plan]
        if missing:
            example = ", ".join(f'"{c}": "<your {c} column>"' for c in missing)
            raise missing_columns(label, fmt, missing, found, f"pass mapping={{{example}}} (format='generic')")
        out = mapped_frame(raw, plan, label=label, source=fmt)
        if keep_unmapped:  # one concat, not one insert per column (a 5,000-column file stays fast)
            used_sources = {s for v in plan.values() for s in ([v] if isinstance(v, str) else v)}
            have = set(out.columns)
            extra = [col for col in raw.columns if col not in used_sources and col not in have]
            if extra:
                out = pd.concat([out, raw[extra]], axis=1)
        used: dict[str, str] = {}
        for canon, src in plan.items():
            for s in [src] if isinstance(src, str) else src:
                used[s] = f"{used[s]}, {canon.lstrip('_')}" if s in used else canon.lstrip("_")
        return out, used

    return adapt


def column_map(names: dict[str, tuple[str, ...]]) -> Callable[[pd.DataFrame], dict[str, list[str]]]:
    """``plan_for`` of a format that is a fixed column map (canonical -> source names, all present ones read)."""

    def plan_for(raw: pd.DataFrame) -> dict[str, list[str]]:
        plan = {}
        for canon, cols in names.items():
            present = [n for n in cols if n in raw.columns]
            if present:
                plan[canon] = present
        return plan

    return plan_for


def bound_pay(out: pd.DataFrame, *, label: str, used: dict[str, str]) -> None:
    """Pay figures outside the plausible band of their currency (kit/data/bounds.yaml) -> NA, one warning each."""
    source_of = {canon.split(",")[0].strip(): src for src, canon in used.items()}
    currency = out["currency"] if "currency" in out.columns else None
    for col, allow_zero in (("total", False), ("base", False), ("stock", True), ("bonus", True)):
        if col in out.columns:
            out[col] = plausible_pay(out[col], currency, label=label, column=source_of.get(col, col),
                                     allow_zero=allow_zero)


def pay_rows_without_figures(df: pd.DataFrame) -> np.ndarray:
    """Boolean mask of pay rows with neither a total nor a base figure."""
    total = df["total"] if "total" in df.columns else pd.Series(pd.NA, index=df.index, dtype="Float64")
    base = df["base"] if "base" in df.columns else pd.Series(pd.NA, index=df.index, dtype="Float64")
    return (total.isna() & base.isna()).to_numpy(dtype=bool)

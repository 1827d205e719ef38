"""Selection: pick rows of any kit table by company, market, dates, seniority and role.

``select`` works on postings and pay tables alike (it uses whichever columns the table has) and
returns a row subset with the table's ``attrs`` (so the subset reuses the phrase index of its
parent table). Company names match through :mod:`kit.prepare.companies` (case, punctuation, legal suffixes
and the alias file); market names case-insensitively, through ``kit/data/market_aliases.csv``, and
as a location through ``kit/data/markets.csv`` ("Mountain View" -> "SF Bay Area").
"""

from __future__ import annotations

import csv
import difflib
import re
from collections.abc import Iterable
from functools import lru_cache

import numpy as np
import pandas as pd

from kit.core.errors import DataError, SelectionError
from kit.core.memo import ColumnMemo
from kit.core.paths import DATA_DIR
from kit.core.schema import LADDER, ROLES, require_columns
from kit.io.values import to_timestamp
from kit.prepare.companies import company_key, company_keys

__all__ = ["MARKET_ALIASES", "date_range", "market_key", "select"]

MARKET_ALIASES = DATA_DIR / "market_aliases.csv"
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def market_key(name: object) -> str:
    """Case- and punctuation-insensitive form of a market name ("SF Bay Area" -> "sf bay area")."""
    if name is None or name is pd.NA or (isinstance(name, float) and np.isnan(name)):
        return ""
    return _NON_ALNUM.sub(" ", str(name).lower()).strip()


@lru_cache(maxsize=1)
def _market_aliases() -> dict[str, str]:
    with open(MARKET_ALIASES, encoding="utf-8", newline="") as fh:
        rows = csv.DictReader(line for line in fh if line.strip() and not line.lstrip().startswith("#"))
        return {market_key(r["alias"]): str(r["market"]) for r in rows if r.get("alias") and r.get("market")}


def _as_list(value: str | Iterable[str] | None, option: str = "value") -> list[str] | None:
    """``value`` as a list of names; SelectionError for anything that is not text or a list of text."""
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable) and not isinstance(value, bytes | dict):
        items = list(value)
        bad = [v for v in items if not isinstance(v, str)]
        if not bad:
            return items
        value = bad[0]
    raise SelectionError(f"{option}= must be a name or a list of names (text), not {type(value).__name__} "
                         f"{value!r}; e.g. {option}={_EXAMPLES.get(option, 'name')!r}")


_EXAMPLES = {"company": "Acme", "market": "SF Bay Area", "seniority": "senior", "roles": "tpm"}


def _check_known(values: list[str], valid: Iterable[str], option: str) -> None:
    """SelectionError naming the valid values when one of ``values`` is not among them."""
    valid = list(valid)
    unknown = [v for v in values if v.strip().lower() not in valid]
    if unknown:
        close = difflib.get_close_matches(unknown[0].strip().lower(), valid, n=3, cutoff=0.5)
        hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
        raise SelectionError(f"unknown {option} {unknown[0]!r}{hint}; valid values: {', '.join(valid)}",
                             suggestions=close)


def _require(df: pd.DataFrame, column: str, option: str) -> None:
    require_columns(df.columns, (column,), path="<DataFrame>",
                    problem=f"cannot select by {option}: the table has no {column!r} column",
                    expected=f"a kit postings or pay table with a {column!r} column",
                    fix=f"drop the {option}= option or load the table with kit.load_postings / kit.load_pay")


def _suggest(wanted: str, names: list[str], what: str, column: str) -> SelectionError:
    folded = {name.lower(): name for name in names}
    close = difflib.get_close_matches(wanted.lower(), list(folded), n=5, cutoff=0.5)
    starts = [n for low, n in folded.items() if low.startswith(wanted.lower()[:3])] if wanted else []
    suggestions = list(dict.fromkeys([folded[c] for c in close] + sorted(starts)[:5]))[:5]
    hint = f"closest: {', '.join(repr(s) for s in suggestions)}" if suggestions else "no similar name"
    return SelectionError(
        f"no {what} {wanted!r} in column {column!r} ({hint}); {len(names):,} {what} names are in the table",
        suggestions=suggestions,
    )


#: Market codes per market column (see :mod:`kit.core.memo` for the lifetime).
_MARKETS: ColumnMemo[tuple[np.ndarray, np.ndarray, list[str]]] = ColumnMemo("market codes", maxsize=2)


def _market_codes(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, list[str]]:
    return _MARKETS.get(df["market"], _factorize_markets)


def _factorize_markets(series: pd.Series) -> tuple[np.ndarray, np.ndarray, list[str]]:
    codes, uniques = pd.factorize(series)
    names = [str(u) for u in uniques]
    keys = np.array([market_key(u) for u in names], dtype=object)
    return codes, keys, names


def _market_mask(df: pd.DataFrame, markets: list[str]) -> np.ndarray:
    codes, keys, names = _market_codes(df)
    aliases = _market_aliases()
    wanted: set[int] = set()
    for m in markets:
        mk = market_key(m)
        candidates = {mk, market_key(aliases.get(mk, ""))}
        try:  # a city or suburb name: resolve through the location rules
            from kit.prepare.markets import locate

            located = locate(m)[0]
            if located:
                candidates.add(market_key(located))
        except (ImportError, DataError):
            pass
        candidates.discard("")
        hits = np.flatnonzero(np.isin(keys, list(candidates)))
        if not len(hits):
            raise _suggest(m, names, "market", "market")
        wanted.update(hits.tolist())
    return np.isin(codes, list(wanted))


def _company_mask(df: pd.DataFrame, companies: list[str]) -> np.ndarray:
    codes, keys, labels = company_keys(df, "company")
    position = {k: i for i, k in enumerate(keys)}
    wanted = []
    for c in companies:
        k = company_key(c)
        if k not in position:
            k = _partial_company(c, k, keys, labels, df)
        wanted.append(position[k])
    return np.isin(codes, wanted)


def date_range(since: object, until: object, *, names: tuple[str, str] = ("since", "until")
               ) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """Parse and check a since / until pair (:func:`kit.io.values.to_timestamp`; since must not be after until).

    Args:
        since: First date or None.
        until: Last date or None.
        names: How the caller calls them, for messages (``("--since", "--until")`` on the command line).

    Returns:
        ``(since, until)`` as timestamps (None where not given).

    Raises:
        SelectionError: Not a date, out of the accepted range, or since after until.
    """
    lo = to_timestamp(since, what=names[0]) if since is not None else None
    hi = to_timestamp(until, what=names[1]) if until is not None else None
    if lo is not None and hi is not None and lo > hi:
        raise SelectionError(f"{names[0]} {lo:%Y-%m-%d} is after {names[1]} {hi:%Y-%m-%d}: no date can match; "
                             "swap them")
    return lo, hi
def _partial_company(wanted: str, key: str, keys: np.ndarray, labels: np.ndarray, df: pd.DataFrame) -> str:
    """The one company whose key starts with ``key`` or has it as whole words ("Acme" -> "acme cloud").

    Raises:
        SelectionError: No company matches (with the closest names), or several do (naming them).
    """
    hits = [i for i, k in enumerate(keys) if key and (k.startswith(key) or f" {key} " in f" {k} ")]
    if len(hits) == 1:
        return str(keys[hits[0]])
    if not hits:
        raise _suggest(wanted, [str(x) for x in pd.unique(df["company"].dropna())], "company", "company")
    several = sorted(str(labels[i]) for i in hits)
    raise SelectionError(
        f"company {wanted!r} matches {len(several)} companies: {', '.join(repr(n) for n in several)}; "
        "name one of them (a longer part of its name is enough)",
        suggestions=several,
    )


def _date_mask(df: pd.DataFrame, since: object, until: object) -> np.ndarray:
    lo, hi = date_range(since, until)
    for col in ("posted_date", "date"):
        if col in df.columns and df[col].notna().any():
            values = pd.to_datetime(df[col], errors="coerce")
            if hi is not None and hi == hi.normalize():  # a bare date includes that whole day
                hi = hi + pd.Timedelta(days=1) - pd.Timedelta(1, "ns")
            mask = values.notna().to_numpy(dtype=bool, copy=True)
            if lo is not None:
                mask &= (values >= lo).fillna(False).to_numpy(dtype=bool)
            if hi is not None:
                mask &= (values <= hi).fillna(False).to_numpy(dtype=bool)
            return mask
    if "year" in df.columns:
        years = pd.to_numeric(df["year"], errors="coerce")
        mask = years.notna().to_numpy(dtype=bool, copy=True)
        if lo is not None:
            mask &= (years >= lo.year).fillna(False).to_numpy(dtype=bool)
        if hi is not None:
            mask &= (years <= hi.year).fillna(False).to_numpy(dtype=bool)
        return mask
    _require(df, "posted_date", "since/until")
    raise AssertionError("unreachable")


def _values_mask(df: pd.DataFrame, column: str, values: list[str]) -> np.ndarray:
    wanted = {v.strip().lower() for v in values}
    return df[column].astype("string").str.lower().isin(wanted).fillna(False).to_numpy(dtype=bool)


def select(
    df: pd.DataFrame,
    *,
    company: str | Iterable[str] | None = None,
    market: str | Iterable[str] | None = None,
    since: str | pd.Timestamp | None = None,
    until: str | pd.Timestamp | None = None,
    seniority: str | Iterable[str] | None = None,
    roles: str | Iterable[str] | None = None,
    open_only: bool = False,
) -> pd.DataFrame:
    """Rows of a postings or pay table matching every given condition (None = no condition).

    Args:
        df: A kit table (postings or pay), or any frame with the columns used.
        company: Company name(s); case-, punctuation- and suffix-insensitive and alias-aware
            ("Amazon" matches "Amazon.com Services LLC" and "AMAZON WEB SERVICES, INC."); a unique
            prefix or whole word of a name is enough ("Acme" selects "Acme Cloud"; when several
            companies match, the error names them).
        market: Market name(s) in the ``market`` column, case-insensitive; aliases such as "Bay Area"
            or "SF" and city names ("Mountain View") resolve to the market ("SF Bay Area").
        since: First date kept (inclusive), on ``posted_date`` (postings) or ``date`` / ``year``
            (pay: a year-only row is kept when its year lies within the years of since/until).
        until: Last date kept (inclusive; a bare date keeps that whole day). Rows without a date
            are dropped when since or until is given.
        seniority: Ladder step(s), e.g. "senior", on ``seniority`` (postings) or ``ladder`` (pay).
        roles: Role code(s), e.g. "tpm" or ["pmt", "tpm"], on ``role``.
        open_only: Keep only postings open at the last fetch of their board (``closed_at`` NA; tables without
            the column, i.e. not from a posting store, are all open).

    Returns:
        The matching rows (possibly none), in the original order, with ``df.attrs`` kept.

    Raises:
        SelectionError: A company or market not in the table (the message lists the closest names, also in
            ``.suggestions``); a name that is not text; an unknown role or seniority (the message lists the
            valid values); a since / until that is not a date, outside kit/data/bounds.yaml, or since after until.
        DataError: The table lacks a column the selection needs.
    """
    if not isinstance(df, pd.DataFrame):
        raise SelectionError(f"select() needs a table (a DataFrame from kit.load_postings / kit.load_pay), "
                             f"not {type(df).__name__}")
    companies = _as_list(company, "company")
    markets = _as_list(market, "market")
    levels = _as_list(seniority, "seniority")
    wanted_roles = _as_list(roles, "roles")
    if levels:
        _check_known(levels, LADDER, "seniority")
    if wanted_roles:
        _check_known(wanted_roles, ROLES, "role")
    if since is not None or until is not None:
        date_range(since, until)  # bad arguments fail before any work
    mask = np.ones(len(df), dtype=bool)
    if companies:
        _require(df, "company", "company")
        mask &= _company_mask(df, companies)
    if markets:
        _require(df, "market", "market")
        mask &= _market_mask(df, markets)
    if since is not None or until is not None:
        mask &= _date_mask(df, since, until)
    if levels:
        column = "seniority" if "seniority" in df.columns else "ladder"
        _require(df, column, "seniority")
        mask &= _values_mask(df, column, levels)
    if wanted_roles:
        _require(df, "role", "roles")
        mask &= _values_mask(df, "role", wanted_roles)
    if open_only and "closed_at" in df.columns:
        mask &= df["closed_at"].isna().to_numpy(dtype=bool)
    indexed = "description" in df.columns
    if indexed:
        from kit.index.phraseindex import remember

        remember(df)
    rows = np.flatnonzero(mask)
    out = df.copy(deep=False) if len(rows) == len(df) else df.iloc[rows]
    out.attrs = dict(df.attrs)
    if indexed:  # the subset's positions in the parent's phrase index, so analyses skip the id lookup
        from kit.index.phraseindex import remember_subset

        remember_subset(df, out, rows)
    return out

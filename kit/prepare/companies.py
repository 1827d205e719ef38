"""Company names: one normalized key per employer, so "Amazon" finds "AMAZON WEB SERVICES, INC.".

:func:`company_key` folds case, accents and punctuation, drops legal suffixes (Inc, LLC, Ltd, Corp,
Corporation, GmbH, ".com", Services, ...) and then applies the alias table
``kit/data/company_aliases.csv`` (documented at its top: which names are one employer and why).
:func:`company_keys` does it for a whole column, normalizing each distinct name once and caching
the result per table, so a selection on 100k postings takes milliseconds.

One company, one name: :func:`display_names` gives every spelling of one employer the same display name,
and :func:`kit.load.postings.load_postings` writes it into the ``company`` column, so counts, pickers,
charts and reports all see "Initech" once (not "Initech", "Initech Inc" and "Initech, Inc."). The display
name is the alias file's ``display`` column for the key when set, else the key's commonest spelling with
its legal form and trailing punctuation removed (:func:`display_name`: "Initech, Inc." -> "Initech";
"Umbrella Analytics LLC" -> "Umbrella Analytics"; generic endings such as "Services" are kept).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from functools import lru_cache
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

from kit.core.errors import DataError
from kit.core.memo import ColumnMemo
from kit.core.paths import DATA_DIR

__all__ = ["COMPANY_ALIASES", "LEGAL_FORMS", "company_key", "company_keys", "company_labels", "display_name",
           "display_names", "load_company_aliases"]

COMPANY_ALIASES = DATA_DIR / "company_aliases.csv"

_DOTCOM = re.compile(r"\.(?:com|net|io|ai|org)\b")
_DOTS = re.compile(r"(?<=\w)[.'\u2019](?=\w)|(?<=\w)\.(?=\s|$)")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
#: Trailing words dropped from company names (legal forms and generic endings).
SUFFIXES = frozenset(
    "inc incorporated llc ltd limited corp corporation co company gmbh plc ag sa bv nv lp llp pllc pc "
    "holdings holding services technologies na us usa and".split()
)
#: Legal forms a display name drops ("Initech, Inc." -> "Initech"); brand words like "Services" stay, and so do
#: "Corp" / "Corporation", which are often part of how a company is called ("Failing Corp").
LEGAL_FORMS = frozenset("inc incorporated llc ltd limited gmbh plc ag sa bv nv lp llp pllc pc".split())
_LEGAL_TAIL = re.compile(r"[\s,]+(?:" + "|".join(sorted(LEGAL_FORMS, key=len, reverse=True)) + r")\.?\s*$",
                         re.IGNORECASE)


def _fold(name: str) -> str:
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = _DOTCOM.sub(" ", text)
    text = _DOTS.sub("", text)
    words = _NON_ALNUM.sub(" ", text).split()
    if words and words[0] == "the" and len(words) > 1:
        words = words[1:]
    while len(words) > 1 and words[-1] in SUFFIXES:
        words.pop()
    return " ".join(words)


def load_company_aliases(path: str | PathLike | None = None) -> dict[str, str]:
    """Read the alias table into ``{normalized alias: company key}``.

    Args:
        path: An alias CSV (default ``kit/data/company_aliases.csv``): columns ``company``,
            ``alias`` (and an optional ``note``); lines starting with ``#`` are comments.

    Returns:
        The mapping; every company key also maps to itself.

    Raises:
        DataError: The file lacks the ``company`` or ``alias`` column.
    """
    path = Path(path) if path else COMPANY_ALIASES
    stat = path.stat()
    return dict(_aliases(path, stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=4)
def _aliases(path: Path, _mtime: int = 0, _size: int = 0) -> tuple[tuple[str, str], ...]:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(line for line in fh if line.strip() and not line.lstrip().startswith("#")))
    if rows and not {"company", "alias"} <= set(rows[0]):
        raise DataError.build(
            "missing columns", path=path, expected="columns company,alias[,note]", fix="fix the header line"
        )
    out: dict[str, str] = {}
    for i, row in enumerate(rows, start=1):
        key = _fold(row.get("company") or "")
        alias = _fold(row.get("alias") or "")
        if not key or not alias:
            raise DataError.build("empty company or alias", path=path, row=i, expected="both columns filled")
        out.setdefault(key, key)
        out[alias] = key
    return tuple(out.items())


@lru_cache(maxsize=65536)
def company_key(name: str | None) -> str:
    """The normalized key of a company name ("" for a missing name).

    Examples: ``"Amazon.com Services LLC"``, ``"AMAZON WEB SERVICES, INC."`` and ``"AWS"`` all give
    ``"amazon"``; ``"Acme Cloud, Inc."`` gives ``"acme cloud"``.

    Args:
        name: A company name as it appears in data.

    Returns:
        The company key (lower case, suffixes dropped, aliases applied).
    """
    if name is None or name is pd.NA or (isinstance(name, float) and np.isnan(name)):
        return ""
    folded = _fold(str(name))
    return _alias_map().get(folded, folded)


@lru_cache(maxsize=1)
def _alias_map() -> dict[str, str]:
    return dict(_aliases(COMPANY_ALIASES))


@lru_cache(maxsize=1)
def _display_map() -> dict[str, str]:
    """Company key -> display name from the alias file's optional ``display`` column."""
    with open(COMPANY_ALIASES, encoding="utf-8", newline="") as fh:
        rows = csv.DictReader(line for line in fh if line.strip() and not line.lstrip().startswith("#"))
        out: dict[str, str] = {}
        for row in rows:
            shown = (row.get("display") or "").strip()
            if shown:
                out.setdefault(_alias_map().get(_fold(row.get("company") or ""), ""), shown)
    out.pop("", None)
    return out


def display_name(name: str) -> str:
    """A spelling without its legal form and trailing punctuation: "Initech, Inc." -> "Initech".

    Args:
        name: A company name as it appears in data.

    Returns:
        The name with trailing legal forms (:data:`LEGAL_FORMS`), commas and dots removed and
        whitespace collapsed; the name itself when nothing would be left.
    """
    text = " ".join(str(name).split())
    while True:
        shorter = _LEGAL_TAIL.sub("", text)
        if shorter == text or not shorter.rstrip(" ,."):
            break
        text = shorter.rstrip(" ,")
    return text or str(name).strip()


def display_names(values: pd.Series) -> pd.Series:
    """One display name per company key for a column of raw names (module docstring: the rule).

    Args:
        values: Raw company names (any dtype; missing stays missing).

    Returns:
        A ``string`` Series aligned with ``values``.
    """
    raw_codes, raw = pd.factorize(values)
    if not len(raw):
        return pd.Series(pd.NA, index=values.index, dtype="string", name=values.name)
    counts = np.bincount(raw_codes[raw_codes >= 0], minlength=len(raw))
    keys = [company_key(v) for v in raw]
    totals: dict[str, dict[str, int]] = {}
    for name, key, n in zip(raw, keys, counts, strict=True):
        shown = display_name(str(name))
        per = totals.setdefault(key, {})
        per[shown] = per.get(shown, 0) + int(n)
    fixed = _display_map()
    best = {k: fixed.get(k) or max(per, key=per.__getitem__) for k, per in totals.items()}  # ties: first seen
    mapped = np.array([best[k] if k else str(name) for name, k in zip(raw, keys, strict=True)], dtype=object)
    out = np.where(raw_codes >= 0, mapped[np.maximum(raw_codes, 0)], None)
    return pd.Series(out, index=values.index, dtype="string", name=values.name)


#: Company keys per company column (see :mod:`kit.core.memo` for the lifetime).
_KEYS: ColumnMemo[tuple[np.ndarray, np.ndarray, np.ndarray]] = ColumnMemo("company keys", maxsize=8)


def company_keys(df: pd.DataFrame, column: str = "company") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Factorize a table's company column by company key, once per table.

    Args:
        df: Any kit table.
        column: The company column.

    Returns:
        ``(codes, keys, labels)``: ``codes[i]`` is row i's position in ``keys`` (-1 for a missing
        name); ``keys`` are the distinct company keys; ``labels`` the display name of each (module docstring).
        Cached per (table, column) while the column's array is unchanged.
    """
    return _KEYS.get(df[column], _factorize_companies)


def _factorize_companies(series: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    raw_codes, raw = pd.factorize(series)
    raw_keys = np.array([company_key(v) for v in raw], dtype=object)
    key_codes, keys = pd.factorize(raw_keys)
    key_codes = np.where(raw_keys == "", -1, key_codes)
    codes = np.where(raw_codes >= 0, key_codes[np.maximum(raw_codes, 0)], -1) if len(raw) else raw_codes
    counts = np.bincount(raw_codes[raw_codes >= 0], minlength=len(raw))
    per_key: list[dict[str, int]] = [{} for _ in range(len(keys))]
    for i, name in enumerate(raw):
        k = key_codes[i]
        if k >= 0:
            shown = display_name(str(name))
            per_key[k][shown] = per_key[k].get(shown, 0) + int(counts[i])
    fixed = _display_map()
    labels = np.array([fixed.get(str(keys[k])) or max(per, key=per.__getitem__) if per else ""
                       for k, per in enumerate(per_key)], dtype=object)
    keys = np.asarray(keys, dtype=object)
    return codes, keys, labels


def company_labels(df: pd.DataFrame, column: str = "company") -> pd.Series:
    """One display name per row (module docstring: the rule; NA if missing)."""
    codes, _keys, labels = company_keys(df, column)
    out = np.where(codes >= 0, labels[np.maximum(codes, 0)] if len(labels) else None, None)
    return pd.Series(out, index=df.index, dtype="string", name=column)

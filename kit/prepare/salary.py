"""Salaries: annualize stated amounts, and parse a pay range stated only in the description text.

Annual factors: hour x2080, day x260, week x52, bi-week x26, half-month x24, month x12, year x1. Interval names
are matched loosely ("hourly", "Hour", "hr", "HOURLY", "per hour", "Bi-Weekly", "mth" ...).

A range in the text is used only when it is unambiguous: every pay figure found in a description must agree
on one (min, max, currency) after annualizing; a posting listing several ranges (per location tier, or USD and
CAD) gets none. Figures need a currency marker (``$``, ``£``, ``€``, ``₹``, ``USD``, ``C$`` ...) or a ``k``
suffix; without an explicit interval, amounts of 10,000 and up are read as yearly and amounts under 300 as
hourly; anything else is ambiguous and skipped. Annualized values outside the plausible band of their currency
(``pay.text`` in ``kit/data/bounds.yaml``: 10k-2M by default) are dropped.

A stated interval the kit does not know ("per sprint") is not guessed: the amount becomes missing (with one
counted warning when :func:`annualize` is given a ``label``).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kit.io.intervals import ANNUAL_FACTORS, annualize, interval_factor
from kit.io.values import pay_bounds

__all__ = ["ANNUAL_FACTORS", "annualize", "interval_factor", "parse_salary_text"]  # the first three: kit.io.intervals

_CURRENCY_CODES = {
    "usd": "USD", "us$": "USD", "$": "USD", "cad": "CAD", "c$": "CAD", "ca$": "CAD", "aud": "AUD", "a$": "AUD",
    "sgd": "SGD", "s$": "SGD", "gbp": "GBP", "£": "GBP", "eur": "EUR", "€": "EUR", "inr": "INR", "₹": "INR",
}

_CUR = r"(?:US\$|C\$|CA\$|A\$|S\$|(?:USD|CAD|AUD|SGD|GBP|EUR|INR)\s?[$£€₹]?|[$£€₹])"
_NUM = r"\d{1,3}(?:[,.]\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?"
_PER = (r"(?:\s*(?:/|per|an|a)\s*(?:hour|hr|year|yr|annum|month|mo|week|wk|day)\b"
        r"|\s+(?:hourly|annually|yearly|monthly|weekly|daily)\b)")
_RANGE = re.compile(
    rf"(?P<c1>{_CUR})?\s?(?P<a>{_NUM})\s?(?P<ka>[kK])?(?P<pa>{_PER})?"
    rf"\s*(?:-|–|—|to)\s*"
    rf"(?P<c2>{_CUR})?\s?(?P<b>{_NUM})\s?(?P<kb>[kK])?(?![\w.,]\d)"
    rf"(?:\s?(?P<c3>USD|CAD|AUD|SGD|GBP|EUR|INR)\b)?(?P<pb>{_PER})?"
    rf"|(?P<c4>{_CUR})\s?(?P<s>{_NUM})\s?(?P<ks>[kK])?(?:\s?(?P<c5>USD|CAD|AUD|SGD|GBP|EUR|INR)\b)?(?P<ps>{_PER})"
)
_HAS_MONEY_RE2 = r"[$£€₹]|\d\s?[kK]\b|\b(?:USD|CAD|AUD|SGD|GBP|EUR|INR)\b"  # vectorized prefilter (pyarrow RE2)
_ANCHORS = ("$", "£", "€", "₹", "USD", "CAD", "AUD", "SGD", "GBP", "EUR", "INR")
#: every anchor in one pass (no anchor can begin inside another, so these are the places ``str.find`` finds)
_ANCHOR = re.compile("|".join(map(re.escape, _ANCHORS)))
_K_ANCHOR = re.compile(r"[kK](?<=\d[kK])\b|[kK](?<=\d [kK])\b")
_WINDOW = (60, 90)  # characters searched before / after an anchor
_EURO_THOUSANDS = re.compile(r"^\d{1,3}(?:\.\d{3})+$")
#: a match of ``_RANGE`` holds a digit (``_NUM``) at most this many characters after its start (the longest
#: currency, "USD $", and one space), so no match starts before the first digit less this
_LEAD = 6
_DIGIT = re.compile(r"\d")


def _to_number(text: pd.Series, k: pd.Series) -> pd.Series:
    raw = text.astype("string")
    euro = raw.str.match(_EURO_THOUSANDS, na=False) & ~raw.str.contains(",", regex=False, na=False)
    raw = raw.mask(euro, raw.str.replace(".", "", regex=False)).str.replace(",", "", regex=False)
    num = pd.to_numeric(raw, errors="coerce").astype("Float64")
    return num.mask(k.notna(), num * 1000)


def _currency(code: pd.Series) -> pd.Series:
    key = code.astype("string").str.lower().str.replace(r"\s+", "", regex=True)
    by_full = key.map(_CURRENCY_CODES, na_action="ignore")
    by_code = key.str.rstrip("$£€₹").map(_CURRENCY_CODES, na_action="ignore")
    by_sym = key.str[-1:].map(_CURRENCY_CODES, na_action="ignore")
    return by_full.fillna(by_code).fillna(by_sym).astype("string")


def _find_ranges(text: str) -> list[dict]:
    """All pay-figure matches in one text, searched only in windows around currency markers (fast).

    In a window, the search starts :data:`_LEAD` characters before the next digit and stops when no digit is left:
    the same matches as ``_RANGE.finditer(text, lo, hi)``, without trying the pattern at every position.
    """
    anchors = [m.start() for m in _ANCHOR.finditer(text)]
    if not anchors:
        anchors = [m.start() for m in _K_ANCHOR.finditer(text)]
    if not anchors:
        return []
    before, after = _WINDOW
    windows, lo, hi = [], None, None
    for a in anchors:
        if hi is not None and a - before <= hi:
            hi = a + after
            continue
        if hi is not None:
            windows.append((lo, hi))
        lo, hi = max(a - before, 0), a + after
    windows.append((lo, hi))
    found = []
    digit, search = _DIGIT.search, _RANGE.search
    for lo, hi in windows:
        pos = lo
        while (d := digit(text, pos, hi)) is not None:
            m = search(text, max(pos, d.start() - _LEAD), hi)
            if m is None:
                break
            found.append(m.groupdict())
            pos = m.end()
    return found


def parse_salary_text(text: pd.Series) -> pd.DataFrame:
    """Find one unambiguous pay range per description.

    Args:
        text: Description text (plain; run :func:`kit.prepare.text.clean_series` first).

    Returns:
        A frame with the index of ``text`` and columns ``salary_min``, ``salary_max`` (annual, ``Float64``) and
        ``salary_currency`` (``string``); all NA where no single unambiguous range was found.

    Examples:
        >>> parse_salary_text(pd.Series(["Pay: $150,000 - $210,000 a year"])).iloc[0].tolist()
        [150000.0, 210000.0, 'USD']
    """
    out = pd.DataFrame(
        {
            "salary_min": pd.Series(pd.NA, index=text.index, dtype="Float64"),
            "salary_max": pd.Series(pd.NA, index=text.index, dtype="Float64"),
            "salary_currency": pd.Series(pd.NA, index=text.index, dtype="string"),
        }
    )
    s = text.astype("string").reset_index(drop=True)
    if s.isna().all():
        return out
    arr = pa.array(s.array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    mask = pc.fill_null(pc.match_substring_regex(arr, pattern=_HAS_MONEY_RE2), False).to_numpy(zero_copy_only=False)
    rows, found_groups = [], []
    candidates = mask.nonzero()[0]
    texts = arr.take(pa.array(candidates)).to_pylist()  # one conversion, not one pandas lookup per row
    for pos, text_value in zip(candidates.tolist(), texts, strict=True):
        for groups in _find_ranges(text_value):
            rows.append(pos)
            found_groups.append(groups)
    if not rows:
        return out
    m = pd.DataFrame(found_groups, dtype="string")
    m.index = pd.MultiIndex.from_arrays([rows, range(len(rows))])
    single = m["s"].notna()
    ka = m["ka"].where(~single, m["ks"])
    kb = m["kb"].where(~single, m["ks"])
    a = _to_number(m["a"].where(~single, m["s"]), ka)
    b = _to_number(m["b"].where(~single, m["s"]), kb)
    # "150-210k": the k on the upper bound applies to a small lower bound too
    a = a.mask(~single & ka.isna() & kb.notna() & (a < 1000), a * 1000)
    code = m["c3"].fillna(m["c5"]).fillna(m["c1"]).fillna(m["c2"]).fillna(m["c4"])
    currency = _currency(code)
    marked = code.notna() | kb.notna()
    per = m["pb"].fillna(m["pa"]).fillna(m["ps"])
    lo = annualize(a, per)
    hi = annualize(b, per)

    codes = currency.fillna("").to_numpy(dtype=object)
    bands = {c: pay_bounds(c or None, kind="text") for c in set(codes.tolist())}
    bounds_lo = np.array([bands[c][0] for c in codes], dtype=float)
    bounds_hi = np.array([bands[c][1] for c in codes], dtype=float)
    in_band = (lo >= bounds_lo) & (hi <= bounds_hi)
    ok = marked & lo.notna() & hi.notna() & (lo <= hi) & in_band
    found = pd.DataFrame(
        {"row": m.index.get_level_values(0), "lo": lo.round(2).to_numpy(), "hi": hi.round(2).to_numpy(),
         "cur": currency.fillna("").to_numpy()}
    )[ok.fillna(False).to_numpy()]
    if found.empty:
        return out
    found = found.drop_duplicates()
    sizes = found.groupby("row").size()
    found = found[found["row"].isin(sizes.index[sizes == 1])]
    pos = found["row"].to_numpy()
    out.iloc[pos, 0] = found["lo"].to_numpy()
    out.iloc[pos, 1] = found["hi"].to_numpy()
    out.iloc[pos, 2] = found["cur"].replace("", pd.NA).to_numpy()
    return out

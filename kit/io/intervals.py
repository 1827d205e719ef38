"""Pay intervals: interval words -> annual multipliers, and annualizing amounts by their stated interval.

Annual factors: hour x2080, day x260, week x52, bi-week x26, half-month x24, month x12, year x1. Interval names
are matched loosely ("hourly", "Hour", "hr", "HOURLY", "per hour", "Bi-Weekly", "mth" ...). A stated interval the
kit does not know ("per sprint") is not guessed: the amount becomes missing (with one counted warning when
:func:`annualize` is given a ``label``). Value parsing, so it sits in the io layer: pay formats (LCA wage units)
and the postings loader both use it.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from kit.io.values import warn_unparsed

__all__ = ["ANNUAL_FACTORS", "annualize", "interval_factor"]

#: canonical interval -> multiplier to a year
ANNUAL_FACTORS: dict[str, float] = {
    "hour": 2080.0,
    "day": 260.0,
    "week": 52.0,
    "biweek": 26.0,
    "halfmonth": 24.0,
    "month": 12.0,
    "year": 1.0,
}
_INTERVAL_ALIASES: dict[str, str] = {
    **{k: "hour" for k in ("hour", "hourly", "hr", "hrs", "h", "perhour", "anhour", "ahour")},
    **{k: "day" for k in ("day", "daily", "perday", "aday")},
    **{k: "week" for k in ("week", "weekly", "wk", "perweek", "aweek")},
    **{k: "biweek" for k in ("biweekly", "biweek", "bi", "fortnight", "fortnightly", "everytwoweeks")},
    **{k: "halfmonth" for k in ("semimonthly", "twicemonthly")},
    **{k: "month" for k in ("month", "monthly", "mth", "mo", "permonth", "amonth", "mon")},
    **{k: "year" for k in ("year", "yearly", "yr", "annual", "annually", "annum", "perannum", "peryear", "ayear",
                           "pa", "y")},
}
_NON_LETTERS = re.compile(r"[^a-z]+")
_NON_LETTERS = re.compile(r"[^a-z]+")


def interval_factor(interval: pd.Series) -> pd.Series:
    """Map interval names to annual multipliers.

    Args:
        interval: Interval names as the source spells them.

    Returns:
        A ``Float64`` series of multipliers; NA where the name is missing or unknown.
    """
    key = interval.astype("string").str.lower().str.replace(_NON_LETTERS, "", regex=True)
    canon = key.map(_INTERVAL_ALIASES, na_action="ignore")
    return canon.map(ANNUAL_FACTORS, na_action="ignore").astype("Float64")


def annualize(amount: pd.Series, interval: pd.Series | None = None, *, label: str | None = None,
              column: str = "interval") -> pd.Series:
    """Annualize amounts by their stated interval.

    Where no interval is stated, amounts of 10,000 and up are taken as yearly, amounts under 300 as hourly, and
    anything between is left NA (ambiguous). A stated interval that is not a known word ("per sprint") is not
    guessed: the amount becomes NA.

    Args:
        amount: Numeric amounts.
        interval: Interval names, aligned with ``amount`` (None = none stated).
        label: The source, for the one warning counting amounts dropped for an unknown interval (None: no
            warning).
        column: The interval column, for that warning.

    Returns:
        A ``Float64`` series of annual amounts.
    """
    amt = pd.to_numeric(amount, errors="coerce").astype("Float64")
    guess_ok = np.ones(len(amt), dtype=bool)
    if interval is None:
        factor = pd.Series(pd.NA, index=amt.index, dtype="Float64")
    else:
        interval = interval.reindex(amt.index)
        factor = interval_factor(interval)
        words = interval.astype("string").str.strip()
        unknown = (words.notna() & (words != "") & ~words.str.lower().isin(["nan", "none", "null"])
                   & factor.isna()).fillna(False).to_numpy(dtype=bool)
        guess_ok = ~unknown
        if label is not None:
            warn_unparsed(label, column, int((unknown & amt.notna().to_numpy()).sum()),
                          "a pay interval (hour, day, week, bi-week, month, year ...)")
    v = amt.to_numpy(dtype=float, na_value=np.nan)
    guess = np.where(v >= 10_000, 1.0, np.where(v < 300, 2080.0, np.nan))
    guess = pd.Series(np.where(guess_ok, guess, np.nan), index=amt.index)
    factor = factor.fillna(guess.astype("Float64"))
    return (amt * factor).astype("Float64")

"""Location text -> market (metro or region) and country, from the editable rules in ``kit/data/markets.csv``.

Resolution order for one location string (see the header of the rules file):

1. a known city or suburb that agrees with any country / state also named -> its metro ("Mountain View, CA, USA"
   -> "SF Bay Area", "US"); "Dublin, CA" is not Dublin, Ireland;
2. a remote posting (the text says remote / telecommute / anywhere, names a region such as EMEA, or the source
   flags it) -> the remote market of its country or region ("Remote,US" -> "Remote - US"; no country -> "Remote");
3. only a country named -> the country's name as market ("Germany" -> "Germany", "DE");
4. anything else -> the raw location, stripped (never dropped), with the country when one was recognized.

Each distinct (location, remote) pair is resolved once, so a column of 100k postings maps in milliseconds.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import pandas as pd

from kit.core.errors import DataError
from kit.core.paths import DATA_DIR

__all__ = ["MARKETS_FILE", "assign_markets", "load_market_rules", "locate"]

MARKETS_FILE = DATA_DIR / "markets.csv"

_REMOTE = re.compile(r"\b(?:remote|remotely|telecommute|telework|work from home|wfh|anywhere|worldwide|distributed)\b")
_SPLIT = re.compile(r"[,;/()|\[\]]|\s+-+\s*|\s*-+\s+|(?<=[a-z])-(?=remote\b)|(?<=remote)-(?=[a-z])|\bor\b|\bonly\b")
_FILLER = re.compile(r"\b(?:remote|remotely|hybrid|telecommute|telework|onsite|on site|in office|fully|based|within|"
                     r"from|work from home|wfh|distributed)\b")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class _City:
    market: str
    country: str
    state: str


@dataclass
class MarketRules:
    """Parsed rules: alias lookups and one compiled city regex."""

    cities: dict[str, list[_City]] = field(default_factory=dict)
    countries: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # alias -> (code, name, remote)
    regions: dict[str, str] = field(default_factory=dict)  # alias -> remote market
    states: dict[str, tuple[str, str]] = field(default_factory=dict)  # alias -> (country, state code)
    country_remote: dict[str, str] = field(default_factory=dict)  # code -> remote market
    city_regex: re.Pattern | None = None


def _fold(text: str) -> str:
    """Lower-case, accent-free text."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).lower()


def _flat(text: str) -> str:
    return _NON_ALNUM.sub(" ", text).strip()


@cache
def load_market_rules(path: str | Path | None = None) -> MarketRules:
    """Read and index the market rules file (cached per path).

    Args:
        path: A rules CSV in the format of ``kit/data/markets.csv``; None for the bundled file.

    Returns:
        The parsed rules.

    Raises:
        DataError: If the file lacks a required column.
    """
    path = Path(path) if path is not None else MARKETS_FILE
    table = pd.read_csv(path, comment="#", dtype=str, keep_default_na=False)
    required = {"kind", "alias", "market", "country", "state", "remote_market"}
    if missing := required - set(table.columns):
        raise DataError.build(
            f"market rules lack columns {sorted(missing)}", path=path, expected=f"columns {sorted(required)}",
            fix="restore the header line of the bundled kit/data/markets.csv",
        )
    rules = MarketRules()
    for row in table.itertuples(index=False):
        alias = _fold(row.alias.strip())
        if not alias:
            continue
        if row.kind == "city":
            rules.cities.setdefault(_flat(alias), []).append(_City(row.market, row.country, row.state))
        elif row.kind == "country":
            rules.countries[alias] = (row.country, row.market, row.remote_market)
            rules.country_remote.setdefault(row.country, row.remote_market)
        elif row.kind == "region":
            rules.regions[alias] = row.remote_market
        elif row.kind in ("state", "province"):
            rules.states[alias] = (row.country, row.state)
    names = sorted(rules.cities, key=len, reverse=True)
    rules.city_regex = re.compile(r"\b(?:" + "|".join(re.escape(n) for n in names) + r")\b")
    return rules


@lru_cache(maxsize=200_000)
def locate(location: str | None, remote: bool = False) -> tuple[str | None, str | None]:
    """Resolve one location string.

    Args:
        location: Free-text location ("Mountain View, CA, USA", "Remote (US)", "Shanghai, China" ...).
        remote: True when the source flags the posting as remote.

    Returns:
        ``(market, country)``; country is an ISO 3166-1 alpha-2 code or None.

    Examples:
        >>> locate("Mountain View, CA, USA")
        ('SF Bay Area', 'US')
        >>> locate("Remote,US")
        ('Remote - US', 'US')
    """
    rules = load_market_rules()
    raw = (location or "").strip()
    if not raw:
        return ("Remote", None) if remote else (None, None)
    text = _fold(raw)
    is_remote = remote or bool(_REMOTE.search(text))

    countries: list[str] = []
    regions: list[str] = []
    us_states: set[str] = set()
    implied: list[str] = []
    unknown = False
    for part in _SPLIT.split(text):
        token = part.strip(" .-_*'\"")
        if not token:
            continue
        if token in rules.regions:
            regions.append(rules.regions[token])
            continue
        token = " ".join(_FILLER.sub(" ", token).split()).strip(" .-")
        if not token:
            continue
        if token in rules.countries:
            countries.append(rules.countries[token][0])
        elif token in rules.regions:
            regions.append(rules.regions[token])
        elif token in rules.states:
            country, state = rules.states[token]
            implied.append(country)
            if country == "US":
                us_states.add(state)
        else:
            unknown = True
    if any(c != "US" for c in countries):  # "Paris, IL, France": IL is a region code, not Illinois
        implied = [c for c in implied if c != "US"]
        us_states = set()
    named = list(dict.fromkeys(countries + implied))

    if rules.city_regex is not None:
        for match in rules.city_regex.finditer(_flat(text)):
            for city in rules.cities[match.group(0)]:
                if named and city.country not in named:
                    continue
                if city.state and us_states and city.state not in us_states:
                    continue
                return city.market, city.country

    country = named[0] if len(named) == 1 else None
    if is_remote or regions:
        remotes = list(dict.fromkeys(rules.country_remote.get(c, "Remote") for c in named))
        if len(remotes) == 1 and not (regions and regions[0] != remotes[0] and not countries):
            return remotes[0], country
        if not named and regions:
            return regions[0], None
        if is_remote:
            return "Remote", country
    if country is not None and not unknown and countries:
        return _country_name(country), country
    return raw, country


@cache
def _country_names() -> dict[str, str]:
    rules = load_market_rules()
    names: dict[str, str] = {}
    for code, name, _ in rules.countries.values():
        names.setdefault(code, name)
    return names


def _country_name(code: str) -> str:
    return _country_names().get(code, code)


def assign_markets(location: pd.Series, remote: pd.Series | None = None) -> pd.DataFrame:
    """Market and country for a column of locations.

    Args:
        location: Free-text locations.
        remote: Optional remote flags aligned with ``location`` (NA = not flagged).

    Returns:
        A frame with the index of ``location`` and ``string`` columns ``market`` and ``country``.
    """
    loc = location.astype("string")
    flag = (
        pd.Series(False, index=loc.index)
        if remote is None
        else remote.reindex(loc.index).astype("boolean").fillna(False).astype(bool)
    )
    pairs = pd.DataFrame({"loc": loc, "remote": flag})
    uniq = pairs.drop_duplicates()
    resolved = [
        locate(None if pd.isna(v) else str(v), bool(r)) for v, r in zip(uniq["loc"], uniq["remote"], strict=True)
    ]
    uniq = uniq.assign(
        market=pd.array([m for m, _ in resolved], dtype="string"),
        country=pd.array([c for _, c in resolved], dtype="string"),
    )
    merged = pairs.merge(uniq, on=["loc", "remote"], how="left")
    return pd.DataFrame(
        {"market": merged["market"].to_numpy(), "country": merged["country"].to_numpy()}, index=loc.index
    ).astype("string")

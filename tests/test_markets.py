"""Tests for kit.prepare.markets: location text -> market and country via kit/data/markets.csv."""

from __future__ import annotations

import pandas as pd
import pytest

from kit.core.errors import DataError
from kit.prepare.markets import assign_markets, load_market_rules, locate


@pytest.mark.parametrize(
    ("location", "market", "country"),
    [
        ("Mountain View, CA, USA", "SF Bay Area", "US"),
        ("San Francisco, CA", "SF Bay Area", "US"),
        ("CA San Francisco, California, United States", "SF Bay Area", "US"),
        ("Seattle, WA", "Seattle", "US"),
        ("Bellevue, WA", "Seattle", "US"),
        ("New York, NY", "New York", "US"),
        ("Jersey City, NJ", "New York", "US"),
        ("Cambridge, MA", "Boston", "US"),
        ("Cambridge, EN, United Kingdom", "Cambridge UK", "GB"),
        ("Austin, TX", "Austin", "US"),
        ("Santa Monica, CA", "Los Angeles", "US"),
        ("Chicago, IL", "Chicago", "US"),
        ("Boulder, CO", "Denver", "US"),
        ("Washington, DC, United States", "Washington DC", "US"),
        ("Arlington, VA", "Washington DC", "US"),
        ("Atlanta, Georgia", "Atlanta", "US"),
        ("London, EN, United Kingdom", "London", "GB"),
        ("Dublin, Ireland", "Dublin", "IE"),
        ("Dublin", "Dublin", "IE"),
        ("Dublin, CA", "SF Bay Area", "US"),
        ("Berlin, BE, Germany", "Berlin", "DE"),
        ("München, Germany", "Munich", "DE"),
        ("Zürich, Switzerland", "Zurich", "CH"),
        ("Amsterdam, NH, Netherlands", "Amsterdam", "NL"),
        ("Paris, IL, France", "Paris", "FR"),
        ("Toronto, ON, Canada", "Toronto", "CA"),
        ("Vancouver, BC, Canada", "Vancouver", "CA"),
        ("Bangalore, KA, India", "Bengaluru", "IN"),
        ("Hyderabad, TS, India", "Hyderabad", "IN"),
        ("Singapore, SG, Singapore", "Singapore", "SG"),
        ("Sydney, NS, Australia", "Sydney", "AU"),
        ("Tel Aviv-Yafo, Israel", "Tel Aviv", "IL"),
        ("Shanghai, China", "Shanghai", "CN"),
        ("Remote (US)", "Remote - US", "US"),
        ("Remote,US", "Remote - US", "US"),
        ("US,Remote", "Remote - US", "US"),
        ("Remote - United States", "Remote - US", "US"),
        ("USA - Remote", "Remote - US", "US"),
        ("Remote (U.S.)", "Remote - US", "US"),
        ("Remote,Dayton, OH", "Remote - US", "US"),
        ("Westlake, TX", "Dallas", "US"),
        ("Dublin, OH", "Columbus", "US"),
        ("Arlington, TX", "Dallas", "US"),
        ("Moscow, MC, Russia", "Moscow", "RU"),
        ("Moscow, ID, United States", "Moscow, ID, United States", "US"),
        ("Remote - Poland", "Remote - Europe", "PL"),
        ("EMEA - Remote", "Remote - Europe", None),
        ("Latin America Only", "Remote - LATAM", None),
        ("remote,Asia", "Remote - APAC", None),
        ("Remote", "Remote", None),
        ("Worldwide", "Remote", None),
        ("Remote,New York, NY", "New York", "US"),
        ("Germany", "Germany", "DE"),
        ("United States", "United States", "US"),
        ("Omaha, NE", "Omaha, NE", "US"),  # unknown city: raw value kept, country known
        ("Melbourne, FL", "Melbourne, FL", "US"),  # not Melbourne, Australia
        ("Springfield, ZZ", "Springfield, ZZ", None),
        ("  Somewhere odd  ", "Somewhere odd", None),
    ],
)
def test_locate(location, market, country):
    assert locate(location) == (market, country)


def test_locate_remote_flag_from_source():
    assert locate("United States", True) == ("Remote - US", "US")
    assert locate("Seattle, WA", True) == ("Seattle", "US")
    assert locate(None, True) == ("Remote", None)
    assert locate(None) == (None, None)


def test_assign_markets_vectorized():
    loc = pd.Series(["Seattle, WA", None, "United States", "Seattle, WA"], index=[5, 6, 7, 8])
    remote = pd.Series([False, True, True, pd.NA], index=[5, 6, 7, 8], dtype="boolean")
    out = assign_markets(loc, remote)
    assert list(out.index) == [5, 6, 7, 8]
    assert out["market"].tolist() == ["Seattle", "Remote", "Remote - US", "Seattle"]
    assert out["country"].iloc[0] == "US" and pd.isna(out["country"].iloc[1])


def test_rules_file_is_editable(tmp_path):
    rules = tmp_path / "markets.csv"
    rules.write_text("# comment\nkind,alias,market,country,state,remote_market\n"
                     "city,springfield,Springfield Metro,US,IL,\n"
                     "state,il,,US,IL,\ncountry,united states,United States,US,,Remote - US\n")
    parsed = load_market_rules(rules)
    assert parsed.cities["springfield"][0].market == "Springfield Metro"
    assert parsed.city_regex.search("springfield il")


def test_rules_file_missing_column(tmp_path):
    rules = tmp_path / "bad.csv"
    rules.write_text("kind,alias\ncity,x\n")
    with pytest.raises(DataError, match="market rules lack columns"):
        load_market_rules(rules)

"""role_trend: monthly share of postings per role and per phrase."""

from __future__ import annotations

import pandas as pd
import pytest

from kit.analysis.trend import auto_freq, role_trend
from kit.core.schema import conform


def _postings(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["posted_date", "role", "description"])
    df["posting_id"] = [f"p{i}" for i in range(len(df))]
    return conform(df, "postings")


ROWS = [
    ("2025-01-03", "pmt", "Own the product roadmap."),
    ("2025-01-20", "pmt", "Customer research and the Product  Roadmap."),
    ("2025-01-28", "tpm", "Manage dependencies and risks."),
    ("2025-01-30", "other", "Write code."),
    ("2025-03-02", "tpm", "Track dependencies; roadmaps are not roadmap-ish."),
    ("2025-03-09", "tpm", "Run the program."),
    (None, "pmt", "Undated product roadmap posting."),
]


def test_role_shares_per_month():
    out = role_trend(_postings(ROWS))
    assert list(out.columns[:5]) == ["month", "series", "n_postings", "n", "share"]
    jan = out[out["month"] == "2025-01-01"].set_index("series")
    assert jan.loc["pmt", "n"] == 2 and jan.loc["pmt", "n_postings"] == 4
    assert jan.loc["pmt", "share"] == pytest.approx(0.5)
    assert jan.loc["tpm", "share"] == pytest.approx(0.25)
    mar = out[out["month"] == "2025-03-01"].set_index("series")
    assert mar.loc["tpm", "share"] == pytest.approx(1.0)
    assert mar.loc["pmt", "n"] == 0  # every role appears in every month
    # February has no postings: left out rather than a 0/0 share
    assert not (out["month"] == "2025-02-01").any()
    assert set(out["kind"]) == {"role"}


def test_phrase_shares_count_each_posting_once_and_match_whole_words():
    out = role_trend(_postings(ROWS), phrases=["product roadmap", "dependencies"])
    phrase = out[out["kind"] == "phrase"].set_index(["series", "month"])
    assert phrase.loc[("product roadmap", pd.Timestamp("2025-01-01")), "n"] == 2
    assert phrase.loc[("dependencies", pd.Timestamp("2025-01-01")), "share"] == pytest.approx(0.25)
    assert phrase.loc[("dependencies", pd.Timestamp("2025-03-01")), "n"] == 1
    assert phrase.loc[("product roadmap", pd.Timestamp("2025-03-01")), "n"] == 0
    # role series first, then phrases in the order asked
    assert list(dict.fromkeys(out["series"])) == ["other", "pmt", "tpm", "product roadmap", "dependencies"]


def test_quarterly_bins():
    out = role_trend(_postings(ROWS), freq="QS")
    assert out[out["series"] == "tpm"]["n"].tolist() == [3]
    assert out["n_postings"].iloc[0] == 6


@pytest.mark.parametrize("rows", [[], [(None, "pmt", "x")]])
def test_no_dated_postings_gives_an_empty_frame(rows):
    out = role_trend(_postings(rows) if rows else conform(pd.DataFrame(), "postings"))
    assert out.empty
    assert list(out.columns[:5]) == ["month", "series", "n_postings", "n", "share"]


def test_frequency_is_kept_in_attrs_for_the_chart_title():
    assert role_trend(_postings(ROWS), freq="QS").attrs["freq"] == "QS"


@pytest.mark.parametrize(("per_month", "months", "expected"), [(25, 3, "MS"), (10, 6, "QS"), (2, 6, "YS")])
def test_auto_freq_picks_the_finest_period_with_enough_postings(per_month, months, expected):
    dates = [f"2025-{m:02d}-{d:02d}" for m in range(1, months + 1) for d in range(1, per_month + 1)]
    df = pd.DataFrame({"posted_date": pd.to_datetime(dates)})
    assert auto_freq(df, min_per_period=20) == expected

"""Tests for kit.charts.tables: tables for people (formatting, folding, escaping, no index)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from kit.charts.tables import fmt_interval, fmt_money, fmt_n, fmt_pct, people_table

LONG_CLAIM = "PM-T postings mention product strategy, roadmap, customers, revenue and adoption more than TPM postings"


def claims_frame() -> pd.DataFrame:
    df = pd.DataFrame({
        "claim": [LONG_CLAIM, LONG_CLAIM, "Both mention <shared> skills"],
        "theme": ["strategy", "roadmap", "written_communication"],
        "expected": ["pmt > tpm", "pmt > tpm", "similar (within 10 points)"],
        "share_a": [0.754717, 0.45283, 0.641509], "share_b": [0.348624, 0.137615, 0.706422],
        "n_a": [106, 106, 12], "n_b": [109, 109, 109],
        "effect": [40.609313, 31.521551, -6.491258], "ci_low": [27.660699, 19.560909, -18.720222],
        "ci_high": [51.494104, 42.349729, 5.977425],
        "verdict": ["supported", "supported", "not enough data"],
        "note": ["pmt mentions it more", "pmt mentions it more", "cannot tell"],
    })
    df.attrs.update(a="pmt", b="tpm")
    return df


def _floats(text: str) -> list[str]:
    return re.findall(r"\d+\.\d+", text)


def test_formatters():
    assert fmt_pct(0.754717) == "75%"
    assert fmt_pct(None) == ""
    assert fmt_interval(27.660699, 51.494104) == "[27.7, 51.5]"
    assert fmt_money(160_000, "USD") == "USD 160k"
    assert fmt_n(106, 109) == "106 / 109"
    assert fmt_n(12, 109) == "12 / 109 (small)"


def test_claims_table_is_for_people():
    table = people_table(claims_frame(), "claims")
    frame = table.frame
    assert list(frame.columns)[:4] == ["Claim", "Theme", "Expected", "PM-T postings"]
    row = frame.iloc[0]
    assert row["Claim"] == LONG_CLAIM  # full text, not cut
    assert (row["PM-T postings"], row["TPM postings"], row["Difference"]) == ("75%", "35%", "+40.6 pts")
    assert row["95% interval"] == "[27.7, 51.5]" and row["n"] == "106 / 109"
    assert row["Theme"] == "strategy" and frame.iloc[2]["Theme"] == "written communication"
    assert frame.iloc[2]["Expected"] == "similar (±10 pts)" and "Supported:" in table.notes[0]
    html = table.to_html()
    assert "<th" in html and ">0<" not in html  # no index column
    assert 'class="kit-badge kit-badge-' in html and ">supported</span>" in html
    assert "&lt;shared&gt;" in html and "<shared>" not in html  # data text is escaped
    assert html.count(LONG_CLAIM) == 1  # the claim heads its group once
    assert all(len(f.split(".")[1]) <= 3 for f in _floats(re.sub(r"<style.*?</style>", "", html, flags=re.S)))


def test_pay_claims_fold_currencies_without_data():
    rows = []
    for cur, ratio, n in (("EUR", None, (9, 6)), ("USD", 0.979181, (93, 120))):
        for claim in ("same bracket", "one role paid more", "converge at director"):
            rows.append({"company": "Acme Cloud", "source": "sample", "currency": cur, "claim": claim,
                         "ratio": ratio, "ci_low": ratio and ratio - 0.02, "ci_high": ratio and ratio + 0.03,
                         "n_a": n[0], "n_b": n[1], "ranks": "mid, senior", "verdict": "supported" if ratio else
                         "not enough data", "detail": "tpm/pmt = 0.98", "basis": "role"})
    df = pd.DataFrame(rows).astype({"ratio": "Float64", "ci_low": "Float64", "ci_high": "Float64"})
    df.attrs["roles"] = ("pmt", "tpm")
    table = people_table(df, "pay_claims")
    assert table.frame["Currency"].tolist() == ["USD"] * 3  # EUR rows folded
    assert "Company" not in table.frame.columns  # one company: said once, not per row
    assert len(table.notes) == 1 and "EUR: not enough data" in table.notes[0] and "9 PM-T and 6 TPM" in table.notes[0]
    assert table.frame.iloc[0]["TPM / PM-T pay"] == "0.98"
    assert "<NA>" not in table.to_html() and "nan" not in table.to_html()


def test_generic_table_and_empty_message():
    df = pd.DataFrame({"phrase": ["a"], "share": [0.123456], "z_score": [3.14159265], "n_docs": [4]})
    frame = people_table(df).frame
    assert frame.to_dict("records") == [{"Phrase": "a", "Share": "12.3%", "Z score": "3.14", "N docs": "4"}]
    empty = pd.DataFrame()
    empty.attrs["message"] = "No pay table loaded."
    assert "No pay table loaded." in people_table(empty).to_html()
    with pytest.raises(KeyError, match="unknown table kind"):
        people_table(df, "nope")


def test_views_show_formats_the_sample():
    from kit import views

    v = views.view(company="Acme Cloud")
    overview = v.show("overview").frame
    assert overview["Role"].tolist()[:2] == ["PM-T", "TPM"] and "role" not in overview.columns
    assert "Claims checked" in v.show("claims").to_html()

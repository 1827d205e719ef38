"""Tests for kit.analysis.findings: key findings written from constructed analysis tables."""

from __future__ import annotations

import pandas as pd

from kit.analysis.findings import COLUMNS, key_findings
from kit.charts.tables import Findings


def claims() -> pd.DataFrame:
    rows = [
        ("TPM postings mention dependencies more", "dependencies", 0.17, 0.61, -44.0, -55.0, -32.0, "supported"),
        ("TPM postings mention dependencies more", "risk", 0.46, 0.50, -4.0, -15.0, 7.0, "not enough data"),
        ("PM-T postings mention roadmap more", "roadmap", 0.45, 0.14, 31.0, 19.0, 42.0, "supported"),
        ("Both mention writing", "writing", 0.30, 0.60, -30.0, -42.0, -18.0, "contradicted"),
    ]
    df = pd.DataFrame(rows, columns=["claim", "theme", "share_a", "share_b", "effect", "ci_low", "ci_high", "verdict"])
    df["expected"] = ["tpm > pmt", "tpm > pmt", "pmt > tpm", "similar"]
    return df.assign(n_a=106, n_b=109)


def pay_claims() -> pd.DataFrame:
    return pd.DataFrame({
        "currency": ["USD", "EUR"], "claim": ["same bracket", "same bracket"], "ratio": [0.98, None],
        "ci_low": [0.96, None], "ci_high": [1.01, None], "n_a": [93, 9], "n_b": [120, 6],
        "verdict": ["supported", "not enough data"], "basis": ["role", "role"],
    })


def test_findings_are_sentences_with_numbers_and_n():
    out = key_findings(counts={"pmt": 106, "tpm": 109, "pm": 7}, claims=claims(), pay_claims=pay_claims(),
                       label="Acme Cloud")
    assert list(out.columns) == COLUMNS
    assert out["kind"].tolist()[0] == "scope" and "106 PM-T and 109 TPM" in out["sentence"].iloc[0]
    diffs = out[out["kind"] == "difference"]["sentence"].tolist()
    # largest clear difference first; the undecided "risk" theme is never stated as a difference
    assert diffs[0] == ("TPM postings at Acme Cloud mention dependencies far more often than PM-T postings: "
                        "61% vs 17% of postings, n = 109 / 106.")
    assert not any("risk" in s for s in diffs)
    verdicts = dict(zip(out.loc[out["kind"] == "claim", "sentence"].str[:12],
                        out.loc[out["kind"] == "claim", "verdict"], strict=True))
    assert verdicts == {"Partly held:": "mixed", "Held: “PM-T ": "supported", "Did not hold": "contradicted"}
    pay = out[out["kind"] == "pay"]["sentence"].tolist()
    assert pay == ["Pay (USD): “same bracket” holds: TPM / PM-T median pay 0.98 [0.96, 1.01], n = 120 / 93."]
    limits = " ".join(out[out["kind"] == "limit"]["sentence"])
    assert "EUR (9 / 6)" in limits and "PM (generic) (7)" in limits


def test_small_samples_are_said_and_nothing_is_invented():
    out = key_findings(counts={"pmt": 3, "tpm": 25})
    assert out["kind"].tolist() == ["scope", "limit"]
    assert "Fewer than 20 postings of one role (PM-T 3, TPM 25)" in out["sentence"].iloc[1]


def test_findings_render_escaped_with_badges():
    frame = key_findings(counts={"pmt": 30, "tpm": 30}, claims=claims().assign(claim="<b>x</b> claim"))
    html = Findings(frame).to_html()
    assert "Key findings" in html and "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html
    assert 'class="kit-badge kit-badge-' in html

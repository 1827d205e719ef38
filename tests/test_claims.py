"""Tests for kit.analysis.claims: domain claims, Newcombe intervals, verdicts."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from kit.analysis.claims import COLUMNS, check_claims, lexicon_mentions, load_claims
from kit.analysis.stats import newcombe_interval, wilson_interval
from kit.core.errors import DataError
from kit.core.schema import conform

ROADMAP = "You will own the product roadmap."
COMMS = "Strong written communication skills."
FILLER = "Join our team in the office."


def frame(groups: dict[str, tuple[int, dict[str, int]]]) -> pd.DataFrame:
    """Postings per role: role -> (n, {sentence: how many of the n postings contain it})."""
    rows = []
    for role, (n, sentences) in groups.items():
        for i in range(n):
            text = " ".join(s for s, k in sentences.items() if i < k) or FILLER
            rows.append({"posting_id": f"{role}{i}", "company": "Acme", "title": role, "description": text,
                         "role": role})
    return conform(pd.DataFrame(rows), "postings")


def row(res: pd.DataFrame, theme: str) -> pd.Series:
    return res.set_index("theme").loc[theme]


def test_newcombe_matches_published_example():
    # Newcombe (1998) Statistics in Medicine 17:873, table II: 56/70 vs 48/80, method 10.
    low, high = newcombe_interval(56, 70, 48, 80)
    assert low == pytest.approx(0.0524, abs=5e-4)
    assert high == pytest.approx(0.3339, abs=5e-4)


@pytest.mark.parametrize(
    ("x", "n", "low", "high"),
    [(0, 10, 0.0, 0.2775), (10, 10, 0.7225, 1.0), (5, 10, 0.2366, 0.7634)],
)
def test_wilson_interval(x, n, low, high):
    lo, hi = wilson_interval(x, n)
    assert (lo, hi) == (pytest.approx(low, abs=5e-4), pytest.approx(high, abs=5e-4))


def test_columns_follow_the_contract():
    res = check_claims(frame({"pmt": (30, {ROADMAP: 24}), "tpm": (30, {ROADMAP: 3})}))
    assert list(res.columns) == COLUMNS
    assert COLUMNS[:11] == ["claim", "theme", "expected", "share_a", "share_b", "n_a", "n_b", "effect", "ci_low",
                            "ci_high", "verdict"]
    claims, _ = load_claims()
    assert len(res) == len(claims)
    assert set(res["verdict"]) <= {"supported", "contradicted", "not enough data"}


def test_roadmap_80_vs_10_is_supported():
    res = check_claims(frame({"pmt": (40, {ROADMAP: 32}), "tpm": (40, {ROADMAP: 4})}))
    r = row(res, "roadmap")
    assert (r.share_a, r.share_b, r.n_a, r.n_b) == (0.8, 0.1, 40, 40)
    assert r.effect == pytest.approx(70.0)
    assert 0 < r.ci_low < 70 < r.ci_high <= 100
    assert r.verdict == "supported"
    assert r.expected == "pmt > tpm"


def test_reversed_is_contradicted():
    res = check_claims(frame({"pmt": (40, {ROADMAP: 4}), "tpm": (40, {ROADMAP: 32})}))
    r = row(res, "roadmap")
    assert r.effect == pytest.approx(-70.0)
    assert r.ci_high < 0
    assert r.verdict == "contradicted"


def test_tiny_groups_are_not_enough_data():
    res = check_claims(frame({"pmt": (5, {ROADMAP: 5}), "tpm": (5, {})}))
    r = row(res, "roadmap")
    assert r.verdict == "not enough data"
    assert "fewer than 20" in r.note
    assert (res["verdict"] == "not enough data").all()


def test_inconclusive_interval_is_not_enough_data():
    res = check_claims(frame({"pmt": (25, {ROADMAP: 6}), "tpm": (25, {ROADMAP: 5})}))
    r = row(res, "roadmap")
    assert r.ci_low < 0 < r.ci_high
    assert r.verdict == "not enough data"
    assert "includes 0" in r.note


@pytest.mark.parametrize(
    ("k_a", "k_b", "verdict"),
    [(200, 208, "supported"), (360, 80, "contradicted"), (200, 160, "not enough data")],
)
def test_shared_skills_equivalence(k_a, k_b, verdict):
    res = check_claims(frame({"pmt": (400, {COMMS: k_a}), "tpm": (400, {COMMS: k_b})}))
    r = row(res, "written_communication")
    assert r.expected.startswith("similar")
    assert r.verdict == verdict


def test_swapping_roles_flips_effect():
    df = frame({"pmt": (40, {ROADMAP: 32}), "tpm": (40, {ROADMAP: 4})})
    ab, ba = row(check_claims(df), "roadmap"), row(check_claims(df, a="tpm", b="pmt"), "roadmap")
    assert ba.effect == pytest.approx(-ab.effect)
    assert ba.ci_low == pytest.approx(-ab.ci_high)
    assert ba.expected == "tpm > pmt"


def test_bootstrap_is_seeded():
    df = frame({"pmt": (40, {ROADMAP: 32}), "tpm": (40, {ROADMAP: 4})})
    one = check_claims(df, method="bootstrap", seed=3)
    two = check_claims(df, method="bootstrap", seed=3)
    pd.testing.assert_frame_equal(one, two)
    assert row(one, "roadmap").verdict == "supported"
    assert one.attrs["method"] == "bootstrap"


def test_other_roles_are_ignored():
    df = frame({"pmt": (30, {ROADMAP: 24}), "tpm": (30, {ROADMAP: 3}), "other": (50, {ROADMAP: 50})})
    r = row(check_claims(df), "roadmap")
    assert (r.n_a, r.n_b, r.share_a) == (30, 30, 0.8)


def test_missing_role_column_is_a_clear_error():
    df = pd.DataFrame({"description": ["roadmap"]})
    with pytest.raises(DataError, match="role"):
        check_claims(df)


def test_claim_themes_exist_in_the_lexicon():
    from kit.index.lexicon import load_lexicon

    claims, _ = load_claims()
    assert set(claims["theme"]) <= set(load_lexicon()["theme"])


def test_mentions_match_hyphen_and_space_variants():
    df = pd.DataFrame({"description": ["Drive cross-functional work", "cross functional teams", "nothing here"]})
    m = lexicon_mentions(df)
    tmat, names = m.themes()
    col = tmat[:, names.index("cross_functional")].toarray().ravel()
    assert col.tolist() == [True, True, False]


def test_shares_are_nan_free_with_both_roles():
    res = check_claims(frame({"pmt": (20, {}), "tpm": (20, {})}))
    assert not res[["share_a", "share_b", "effect"]].isna().any().any()
    assert all(not math.isnan(x) for x in res["ci_low"])

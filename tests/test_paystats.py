"""Tests for kit/paystats.py. Expected figures were computed by hand from the fixture files.

tests/fixtures/pay_ladder.csv (total pay, in $1000):
    mid    pmt 100 110 120 130      -> median 115, p25 107.5, p75 122.5 (linear interpolation)
    mid    tpm 110 120 130 140 150  -> median 130, p25 120,   p75 140
    senior pmt 200 220 240          -> median 220, p25 210,   p75 230
    senior tpm 230 250              -> median 240, p25 235,   p75 245
    + one "other" row, one tpm row without total, one tpm row without ladder (level X9)
    ratio (median TPM / median PM-T): mid 130/115, senior 240/220
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kit.analysis.paystats import (
    _pooled_ratio,
    check_pay_claims,
    pay_by_level,
    pay_by_source,
    pay_from_postings,
    pay_ratio,
)
from kit.analysis.stats import boot_medians
from kit.core.errors import DataError, KitError, SelectionError
from kit.core.schema import conform


@pytest.fixture
def pay(fixtures) -> pd.DataFrame:
    return conform(pd.read_csv(fixtures / "pay_ladder.csv", dtype={"level": "string"}), "pay")


def _rows(table: pd.DataFrame, columns: list[str]) -> list[list]:
    return [[None if pd.isna(v) else v for v in row] for row in table[columns].itertuples(index=False)]


# -- pay_by_level ------------------------------------------------------------------------------------


def test_pay_by_level_medians_and_quartiles(pay):
    out = pay_by_level(pay, n_boot=200)
    assert list(out.columns[:8]) == ["ladder", "ladder_rank", "role", "n", "median", "p25", "p75", "small_sample"]
    assert _rows(out, ["ladder", "ladder_rank", "role", "n", "median", "p25", "p75"]) == [
        ["mid", 2, "pmt", 4, 115000.0, 107500.0, 122500.0],
        ["mid", 2, "tpm", 5, 130000.0, 120000.0, 140000.0],
        ["senior", 3, "pmt", 3, 220000.0, 210000.0, 230000.0],
        ["senior", 3, "tpm", 2, 240000.0, 235000.0, 245000.0],
    ]
    assert (out["basis"] == "role").all() and (out["source"] == "sample").all()
    assert out.attrs["compared_by"] == "role" and out.attrs["compare"] == "role"
    assert out.attrs["n_unassigned"] == 1  # the X9 row has no ladder: left out and counted
    assert out.attrs["currency"] == "USD"


def test_pay_by_level_ratio(pay):
    ratio = pay_by_level(pay, n_boot=500).attrs["ratio"]
    assert list(ratio.columns[:10]) == ["ladder", "ladder_rank", "median_a", "median_b", "ratio", "ci_low",
                                        "ci_high", "n_a", "n_b", "small_sample"]
    assert ratio["ladder"].tolist() == ["mid", "senior"]
    assert ratio["ratio"].tolist() == pytest.approx([130 / 115, 240 / 220])
    assert ratio["median_a"].tolist() == [115000.0, 220000.0]
    assert ratio["n_a"].tolist() == [4, 3] and ratio["n_b"].tolist() == [5, 2]
    assert (ratio["ci_low"] <= ratio["ratio"]).all() and (ratio["ratio"] <= ratio["ci_high"]).all()
    assert ratio.attrs["ratio_definition"] == "median tpm / median pmt"


def test_pay_ratio_matches_attrs(pay):
    pd.testing.assert_frame_equal(pay_ratio(pay, n_boot=300, seed=3),
                                  pay_by_level(pay, n_boot=300, seed=3).attrs["ratio"])


@pytest.mark.parametrize(("min_n", "flags", "ratio_flags"), [
    (5, [True, False, True, True], [True, True]),
    (3, [False, False, False, True], [False, True]),
    (1, [False, False, False, False], [False, False]),
])
def test_small_sample_flag(pay, min_n, flags, ratio_flags):
    out = pay_by_level(pay, min_n=min_n, n_boot=100)
    assert out["small_sample"].tolist() == flags
    assert out.attrs["ratio"]["small_sample"].tolist() == ratio_flags


def test_measure_base_and_bonus(pay):
    base = pay_by_level(pay, measure="base", n_boot=100)
    assert base.loc[base["ladder"] == "mid", "median"].tolist() == [97500.0, 110000.0]
    bonus = pay_by_level(pay, measure="bonus", n_boot=100)
    assert bonus.loc[bonus["ladder"] == "senior", "median"].tolist() == [10000.0, 10000.0]
    assert base.attrs["measure"] == "base"


def test_market_filter(pay):
    out = pay_by_level(pay, market="Seattle", n_boot=100)
    mid = out[out["ladder"] == "mid"]
    assert mid["n"].tolist() == [2, 3]
    assert mid["median"].tolist() == [105000.0, 120000.0]


def test_company_filter_alias_aware_and_unknown(pay):
    assert len(pay_by_level(pay, company="ACME CLOUD, INC.", n_boot=50)) == 4
    with pytest.raises(SelectionError):
        pay_by_level(pay, company="Nonexistent Widgets", n_boot=50)


def test_by_level(pay):
    out = pay_by_level(pay, by="level", n_boot=100)
    assert list(out.columns[:3]) == ["company", "level", "ladder_rank"]
    assert _rows(out, ["company", "level", "role", "n", "median"]) == [
        ["Acme Cloud", "P2", "pmt", 4, 115000.0],
        ["Acme Cloud", "P2", "tpm", 5, 130000.0],
        ["Acme Cloud", "P3", "pmt", 3, 220000.0],
        ["Acme Cloud", "P3", "tpm", 2, 240000.0],
        ["Acme Cloud", "X9", "tpm", 1, 145000.0],  # unmapped level still shown, rank NA, sorted last
    ]
    ratio = out.attrs["ratio"]
    assert ratio["level"].tolist() == ["P2", "P3", "X9"]
    assert ratio["ratio"].iloc[2] is pd.NA


def test_single_observation_has_ratio_but_no_interval():
    df = conform(pd.DataFrame({"role": ["pmt", "tpm", "tpm"], "ladder": ["mid"] * 3,
                               "total": [100.0, 110.0, 130.0]}), "pay")
    r = pay_ratio(df, n_boot=50)
    assert r["ratio"].iloc[0] == pytest.approx(1.2)
    assert r["ci_low"].iloc[0] is pd.NA and r["ci_high"].iloc[0] is pd.NA


def test_unassigned_group(pay):
    out = pay_by_level(pay, unassigned=True, n_boot=50)
    assert _rows(out.tail(1), ["ladder", "ladder_rank", "role", "n", "median"]) == [
        ["(unassigned)", None, "tpm", 1, 145000.0]]
    assert out.attrs["ratio"]["ladder"].tolist() == ["mid", "senior", "(unassigned)"]
    assert len(pay_by_level(pay, n_boot=50)) == 4  # left out by default


def test_bad_options(pay):
    with pytest.raises(KitError, match="measure"):
        pay_by_level(pay, measure="salary")
    with pytest.raises(KitError, match="by="):
        pay_by_level(pay, by="grade")
    with pytest.raises(DataError, match="column 'role'"):
        pay_by_level(pay.drop(columns=["role"]))


def test_currencies_are_never_pooled(pay):
    pay = pay.copy()
    pay.loc[0, "currency"] = "EUR"  # the 100k mid PM-T row
    out = pay_by_level(pay, n_boot=50)
    assert out.attrs["currencies"] == ["EUR", "USD"] and out.attrs["currency"] is None
    mid = out[(out["ladder"] == "mid") & (out["role"] == "pmt")]
    assert _rows(mid, ["currency", "n", "median"]) == [["EUR", 1, 100000.0], ["USD", 3, 120000.0]]
    claims = check_pay_claims(pay, min_n=1, n_boot=50)
    assert set(claims["currency"]) == {"USD"}  # the EUR group has only PM-T: skipped, counted
    assert claims.attrs["skipped_companies"] == 1


# -- bootstrap ---------------------------------------------------------------------------------------


def test_bootstrap_reproducible_under_seed(pay):
    a = pay_ratio(pay, seed=7, n_boot=400)
    b = pay_ratio(pay, seed=7, n_boot=400)
    c = pay_ratio(pay, seed=8, n_boot=400)
    pd.testing.assert_frame_equal(a, b)
    assert (a[["ci_low", "ci_high"]].to_numpy() != c[["ci_low", "ci_high"]].to_numpy()).any()
    assert a["ratio"].tolist() == c["ratio"].tolist()  # the point estimate does not depend on the seed


def test_bootstrap_group_interval_independent_of_other_groups(pay):
    full = pay_ratio(pay, seed=1, n_boot=300)
    mid_only = pay_ratio(pay[pay["ladder"] == "mid"], seed=1, n_boot=300)
    assert mid_only["ci_low"].iloc[0] == full["ci_low"].iloc[0]
    assert mid_only["ci_high"].iloc[0] == full["ci_high"].iloc[0]


def test_boot_medians_is_vectorized_resampling():
    x = np.array([1.0, 2.0, 3.0, 10.0])
    got = boot_medians(x, 6, np.random.default_rng(42))
    idx = np.random.default_rng(42).integers(0, 4, size=(6, 4))
    assert got.tolist() == np.median(x[idx], axis=1).tolist()


def test_constant_values_give_a_point_interval():
    df = conform(pd.DataFrame({"role": ["pmt"] * 3 + ["tpm"] * 3, "ladder": ["senior"] * 6,
                               "total": [100.0] * 3 + [115.0] * 3}), "pay")
    r = pay_ratio(df, n_boot=50)
    assert r["ratio"].iloc[0] == pytest.approx(1.15)
    assert r["ci_low"].iloc[0] == pytest.approx(1.15) and r["ci_high"].iloc[0] == pytest.approx(1.15)


def test_pooled_ratio_weights_by_harmonic_n():
    # mid: ratio 1.2 with n 20/20 (weight 10); senior: ratio 1.0 with n 20/60 (weight 15)
    cells = [(np.full(20, 100.0), np.full(20, 120.0)), (np.full(20, 200.0), np.full(60, 200.0))]
    ratio, low, high = _pooled_ratio(cells, n_boot=50, rng=np.random.default_rng(0))
    assert ratio == pytest.approx(1.2 ** 0.4)
    assert low == pytest.approx(1.2 ** 0.4) and high == pytest.approx(1.2 ** 0.4)


# -- family fallback ---------------------------------------------------------------------------------


def _levels_style(pm_role: str = "pm", n_pmt: int = 0) -> pd.DataFrame:
    rows = [("Product Manager", "product", pm_role, "senior", 200.0 + i) for i in range(20)]
    rows += [("Technical Product Manager", "product", "pmt", "senior", 300.0) for _ in range(n_pmt)]
    rows += [("Technical Program Manager", "program", "tpm", "senior", 220.0 + i) for i in range(10)]
    return conform(pd.DataFrame(rows, columns=["title", "family", "role", "ladder", "total"]).assign(
        source="levels"), "pay")


def test_family_fallback_when_no_pmt_rows():
    out = pay_by_level(_levels_style(), n_boot=100)
    assert out.attrs["compared_by"] == "family" and out.attrs["compare"] == "family"
    assert out["role"].tolist() == ["product", "program"]
    assert (out["basis"] == "family").all()
    assert "family" in out.attrs["note"]
    ratio = out.attrs["ratio"]
    assert ratio["ratio"].iloc[0] == pytest.approx(224.5 / 209.5)
    assert (ratio["basis"] == "family").all()
    assert ratio.attrs["ratio_definition"] == "median program / median product"


@pytest.mark.parametrize(("n_pmt", "expected"), [(0, "family"), (1, "family"), (3, "role")])
def test_family_fallback_threshold(n_pmt, expected):
    # 20 pm + n_pmt pmt rows in the product family: fall back while pmt < 10% of the family
    assert pay_by_level(_levels_style(n_pmt=n_pmt), n_boot=50).attrs["compared_by"] == expected


def test_family_compare_can_be_forced():
    df = _levels_style(pm_role="pmt")
    assert pay_by_level(df, n_boot=50).attrs["compared_by"] == "role"
    forced = pay_by_level(df, n_boot=50, compare="family")
    assert forced["role"].tolist() == ["product", "program"]


# -- sources -----------------------------------------------------------------------------------------


def test_sources_are_never_pooled(pay):
    lca = pay.assign(source="lca", total=pay["total"] * 2)
    out = pay_by_level(pd.concat([pay, lca], ignore_index=True), n_boot=50)
    assert sorted(out["source"].unique()) == ["lca", "sample"]
    mid = out[(out["ladder"] == "mid") & (out["role"] == "pmt")].set_index("source")
    assert mid.loc["sample", "median"] == 115000.0 and mid.loc["lca", "median"] == 230000.0
    assert mid["n"].tolist() == [4, 4]
    assert out.attrs["sources"] == ["lca", "sample"]


def _postings() -> pd.DataFrame:
    return conform(pd.DataFrame({
        "posting_id": ["a", "b", "c", "d"],
        "company": ["Acme Cloud"] * 4,
        "title": ["Technical Product Manager", "Technical Program Manager", "Senior TPM", "Product Manager"],
        "salary_min": [100000.0, 120000.0, None, 90000.0],
        "salary_max": [140000.0, 160000.0, 200000.0, 110000.0],
        "salary_currency": ["USD"] * 4,
        "posted_date": ["2025-03-01", "2025-04-02", "2025-05-03", "2025-06-04"],
        "seniority": ["mid", "mid", "senior", pd.NA],
        "family": ["product", "program", "program", "product"],
        "role": ["pmt", "tpm", "tpm", "pm"],
    }), "postings")


def test_pay_from_postings_midpoints():
    rows = pay_from_postings(_postings())
    assert rows["base"].tolist() == [120000.0, 140000.0, 100000.0]  # the posting with one bound is left out
    assert rows["total"].isna().all()  # a posted range is base pay: total is not invented
    assert (rows["source"] == "posted range").all()
    assert _rows(rows, ["ladder", "ladder_rank", "year"]) == [["mid", 2, 2025], ["mid", 2, 2025], [None, None, 2025]]


def test_pay_by_source_labels_each_source(pay):
    out = pay_by_source(pay, postings=_postings(), n_boot=50)
    assert out.attrs["measure"] == "base"
    posted = out[out["source"] == "posted range"]
    assert _rows(posted, ["ladder", "role", "n", "median"]) == [["mid", "pmt", 1, 120000.0],
                                                                ["mid", "tpm", 1, 140000.0]]
    assert "sample" in set(out["source"])


# -- claims ------------------------------------------------------------------------------------------


def _claims_data(tpm_factor: dict[str, float], n: int = 30, company: str = "Acme Cloud") -> pd.DataFrame:
    """Rows per rank: n PM-T and n TPM; PM-T pay 150k..(150k + 100 (n-1)), TPM = PM-T x factor."""
    base = {"mid": 150_000.0, "senior": 200_000.0, "staff": 260_000.0, "director": 400_000.0}
    rows = []
    for rung, factor in tpm_factor.items():
        values = base[rung] + 100.0 * np.arange(n)
        rows += [(company, "pmt", rung, v) for v in values]
        rows += [(company, "tpm", rung, v * factor) for v in values]
    return conform(pd.DataFrame(rows, columns=["company", "role", "ladder", "total"]).assign(source="sample"),
                   "pay")


def _verdicts(claims: pd.DataFrame) -> dict[str, str]:
    return dict(zip(claims["claim"], claims["verdict"], strict=True))


def test_claims_equal_pay_same_bracket():
    claims = check_pay_claims(_claims_data({"mid": 1.0, "senior": 1.0}), n_boot=300)
    assert _verdicts(claims) == {"same bracket": "supported", "one role paid more": "contradicted",
                                 "converge at director": "not enough data"}
    row = claims[claims["claim"] == "same bracket"].iloc[0]
    assert row["ratio"] == pytest.approx(1.0)
    assert 0.95 <= row["ci_low"] <= 1.0 <= row["ci_high"] <= 1.05
    assert row["n_a"] == 60 and row["n_b"] == 60 and row["ranks"] == "mid, senior"


def test_claims_tpm_paid_more():
    claims = check_pay_claims(_claims_data({"mid": 1.15, "senior": 1.15}), n_boot=300)
    assert _verdicts(claims)["one role paid more"] == "supported"
    assert _verdicts(claims)["same bracket"] == "contradicted"
    row = claims[claims["claim"] == "one role paid more"].iloc[0]
    assert row["ratio"] == pytest.approx(1.15)
    assert row["detail"].startswith("tpm paid 15% more than pmt")


def test_claims_converge_at_director():
    claims = check_pay_claims(_claims_data({"mid": 1.15, "senior": 1.15, "director": 1.0}), n_boot=300)
    row = claims[claims["claim"] == "converge at director"].iloc[0]
    assert row["verdict"] == "supported"
    assert row["ratio"] == pytest.approx(1.0) and row["ranks"] == "director"


def test_claims_no_convergence_at_director():
    claims = check_pay_claims(_claims_data({"mid": 1.15, "senior": 1.15, "director": 1.2}), n_boot=300)
    assert _verdicts(claims)["converge at director"] == "contradicted"


def test_claims_not_enough_data_and_skipped_companies():
    small = _claims_data({"mid": 1.15}, n=5, company="Tiny Co")
    only_pmt = _claims_data({"mid": 1.0}, company="Solo Co")
    only_pmt = only_pmt[only_pmt["role"] == "pmt"]
    claims = check_pay_claims(pd.concat([small, only_pmt], ignore_index=True), n_boot=100)
    assert set(claims["company"]) == {"Tiny Co"}
    assert (claims["verdict"] == "not enough data").all()
    assert claims.attrs["skipped_companies"] == 1
    assert claims.loc[0, "detail"] == ("ranks mid, senior, staff hold 5 pmt and 5 tpm observations (counting ranks "
                                       "where both have 3+); 20+ of each are needed")
    assert claims.loc[0, "n_a"] == 5


def test_claims_pool_small_ranks_and_skip_tiny_cells():
    # 12 + 12 per role in mid and senior pool to 24 >= 20; staff has only 2 TPMs: it takes no part
    data = pd.concat([_claims_data({"mid": 1.15, "senior": 1.15}, n=12), _claims_data({"staff": 1.0}, n=2)],
                     ignore_index=True)
    row = check_pay_claims(data, n_boot=200).iloc[1]
    assert row["claim"] == "one role paid more" and row["verdict"] == "supported"
    assert row["ranks"] == "mid, senior" and row["n_a"] == 24 and row["n_b"] == 24


def test_claims_tolerance_changes_verdict():
    data = _claims_data({"mid": 1.08, "senior": 1.08})
    assert _verdicts(check_pay_claims(data, tolerance=0.05, n_boot=200))["same bracket"] == "contradicted"
    assert _verdicts(check_pay_claims(data, tolerance=0.15, n_boot=200))["same bracket"] == "supported"
    with pytest.raises(KitError, match="tolerance"):
        check_pay_claims(data, tolerance=5)


def test_claims_columns_and_reproducible():
    data = _claims_data({"mid": 1.03, "senior": 1.1})
    a = check_pay_claims(data, seed=5, n_boot=200)
    pd.testing.assert_frame_equal(a, check_pay_claims(data, seed=5, n_boot=200))
    assert list(a.columns) == ["company", "source", "currency", "claim", "ratio", "ci_low", "ci_high", "n_a", "n_b",
                               "ranks", "verdict", "detail", "basis"]
    assert set(a["verdict"]) <= {"supported", "contradicted", "not enough data"}


# -- bundled sample and real files -------------------------------------------------------------------


def test_sample_pay_end_to_end():
    import kit

    pay = kit.load_pay()
    out = pay_by_level(pay, company="Acme Cloud", n_boot=200)
    assert out.attrs["compared_by"] == "role"  # the sample's titles tell PM-T from PM
    assert {"pmt", "tpm"} <= set(out["role"])
    assert (out["n"] > 0).all() and (out["p25"] <= out["median"]).all() and (out["median"] <= out["p75"]).all()
    claims = check_pay_claims(pay, n_boot=200)
    assert {"same bracket", "one role paid more", "converge at director"} == set(claims["claim"])
    assert "Acme Cloud" in set(claims["company"])


@pytest.mark.real
def test_real_levels_amazon_by_level(real_file):
    import kit

    with pytest.warns(UserWarning, match="not mapped|no ladder"):
        pay = kit.load_pay(real_file("levels_salaries.csv.gz"))
    out = pay_by_level(pay, company="Amazon", by="level", n_boot=500)
    assert out.attrs["compared_by"] == "family"  # levels-style titles say just "Product Manager"
    l6 = out[out["level"] == "L6"].set_index("role")
    assert l6.loc["product", "n"] > 100 and l6.loc["program", "n"] > 50
    ratio = out.attrs["ratio"].set_index("level").loc["L6"]
    assert ratio["ci_low"] < ratio["ratio"] < ratio["ci_high"]


@pytest.mark.real
def test_real_lca_pay_by_level_runs(real_file):
    import kit

    pay = kit.load_pay(real_file("lca_disclosure.csv.gz"))
    out = pay_by_level(pay, unassigned=True, n_boot=200)
    assert set(out["source"]) == {"lca"}
    assert out["n"].sum() > 50

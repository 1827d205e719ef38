"""Tests for kit.analysis.phrases: phrase_frequency and distinctive_phrases (Monroe, Colaresi & Quinn 2008)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import kit
from kit.analysis.phrases import DISTINCTIVE_COLUMNS, FREQUENCY_COLUMNS
from kit.analysis.stats import wilson_interval
from kit.core.errors import DataError
from kit.core.schema import conform
from kit.index import phraseindex as kindex

Z = 0.6894227886807968
WORKED = pd.DataFrame(
    {
        "description": [
            "the quick brown fox jumps over the lazy pig",
            "the lazy purple pig jumps over the lazier donkey",
        ],
        "role": ["pmt", "tpm"],
    }
)


@pytest.fixture
def postings(fixtures) -> pd.DataFrame:
    df = conform(pd.read_csv(fixtures / "role_postings.csv"), "postings")
    df.attrs["kit_source_key"] = "phrases-tests"
    return df


def test_worked_example_is_reproduced_exactly():
    out = kit.distinctive_phrases(WORKED, prior=0.05, ngram_range=(1, 1), stop_words=None)
    assert list(out.columns) == DISTINCTIVE_COLUMNS
    z = out.set_index("phrase")["z"]
    for word in ("brown", "fox", "quick"):
        assert z[word] == pytest.approx(Z, abs=1e-12)
    for word in ("donkey", "lazier", "purple"):
        assert z[word] == pytest.approx(-Z, abs=1e-12)
    for word in ("the", "jumps", "over", "lazy", "pig"):
        assert z[word] == pytest.approx(0, abs=1e-12)
    assert out["z"].is_monotonic_decreasing
    assert out.set_index("phrase").loc["the", ["count_a", "count_b", "docs_a", "total"]].tolist() == [2, 2, 1, 4]
    assert out.set_index("phrase").loc["brown", "variance"] == pytest.approx(1 / 1.05 + 1 / 0.05)
    assert out.attrs["a"] == "pmt" and out.attrs["n_a"] == 1 and out.attrs["tokens_a"] == 9
    assert out.loc[out["phrase"] == "fox", "side"].item() == "pmt"
    assert out.loc[out["phrase"] == "donkey", "side"].item() == "tpm"


def test_swapping_groups_flips_the_sign():
    ab = kit.distinctive_phrases(WORKED, "pmt", "tpm", prior=0.05, ngram_range=(1, 2), stop_words=None)
    ba = kit.distinctive_phrases(WORKED, "tpm", "pmt", prior=0.05, ngram_range=(1, 2), stop_words=None)
    joined = ab.set_index("phrase")["z"].to_frame("ab").join(ba.set_index("phrase")["z"].rename("ba"))
    np.testing.assert_allclose(joined["ab"], -joined["ba"], atol=1e-12)
    assert (joined["ab"] != 0).any()


def test_background_prior():
    background = pd.Series(["the fox and the pig", "a pig"])
    out = kit.distinctive_phrases(WORKED, prior=background, ngram_range=(1, 1), stop_words=None).set_index("phrase")
    alpha = {"the": 2.01, "fox": 1.01, "pig": 2.01}  # background counts + 0.01 floor
    alpha0 = sum(alpha.values()) + 0.01 * 8  # eight more words are absent from the background
    a_fox = alpha["fox"]
    delta = math.log((1 + a_fox) / (9 + alpha0 - 1 - a_fox)) - math.log(a_fox / (9 + alpha0 - a_fox))
    assert out.loc["fox", "log_odds"] == pytest.approx(delta, abs=1e-12)
    assert out.loc["fox", "z"] == pytest.approx(delta / math.sqrt(1 / (1 + a_fox) + 1 / a_fox), abs=1e-12)
    assert "background" in out.attrs["prior"]


def test_stop_words_and_ngrams():
    out = kit.distinctive_phrases(WORKED, prior=0.05)  # defaults: 1-3 words, English stop words
    phrases = set(out["phrase"])
    assert "quick brown fox" in phrases
    assert not {"the", "over", "the lazy"} & phrases
    assert "jumps over the" not in phrases  # ends with a stop word


def test_indexed_table_uses_the_index_without_rebuilding(postings):
    kindex.build_index(postings)
    builds = kindex.STATS["builds"]
    out = kit.distinctive_phrases(kit.select(postings, roles=["pmt", "tpm"]))
    assert out.attrs["source"] == "index"
    assert kindex.STATS["builds"] == builds
    assert out.attrs["n_a"] == 3 and out.attrs["n_b"] == 4
    z = out.set_index("phrase")["z"]
    assert z["roadmap"] > 0 > z["dependencies"]
    assert (out.loc[out["z"] > 0, "side"] == "pmt").all()


def test_distinctive_needs_columns():
    with pytest.raises(DataError, match="'role'"):
        kit.distinctive_phrases(pd.DataFrame({"description": ["x"]}))


@pytest.mark.parametrize(("k", "n", "low", "high"), [(1, 2, 0.0945312, 0.9054688), (0, 10, 0.0, 0.2775328)])
def test_wilson_interval(k, n, low, high):
    lo, hi = wilson_interval(np.array([k]), np.array([n]))
    assert lo[0] == pytest.approx(low, abs=1e-6)
    assert hi[0] == pytest.approx(high, abs=1e-6)


def test_phrase_frequency_shares(postings):
    out = kit.phrase_frequency(postings)
    assert list(out.columns)[:9] == ["role", *FREQUENCY_COLUMNS]
    assert out["role"].unique().tolist() == ["pmt", "tpm", "pm"]  # ROLES order
    row = out.set_index(["role", "phrase"]).loc[("pmt", "roadmap")]
    assert (row["n_mentioning"], row["n_postings"]) == (3, 3)  # "road map" counts as roadmap
    assert row["share"] == 1.0
    assert row["theme"] == "roadmap" and row["side"] == "pmt"
    lo, hi = wilson_interval(np.array([3]), np.array([3]))
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((lo[0], hi[0]))
    tpm = out.set_index(["role", "phrase"]).loc[("tpm", "dependencies")]
    assert (tpm["n_mentioning"], tpm["n_postings"], tpm["share"]) == (4, 4, 1.0)
    assert len(out) == 3 * len(kit.load_lexicon())
    assert out.attrs["by"] == "role"


def test_phrase_frequency_counts_a_posting_once(postings):
    df = postings.iloc[:1].copy()
    df["description"] = "roadmap roadmap roadmap road map"
    df.attrs = {}
    out = kit.phrase_frequency(df).set_index("phrase")
    assert out.loc["roadmap", "n_mentioning"] == 1


def test_phrase_frequency_top_by_none_and_ngrams(postings):
    top = kit.phrase_frequency(postings, top=2)
    assert top.groupby("role").size().tolist() == [2, 2, 2]
    assert top.groupby("role", sort=False)["share"].apply(lambda s: s.is_monotonic_decreasing).all()
    overall = kit.phrase_frequency(postings, by=None)
    assert overall["group"].eq("(all)").all()
    assert overall.set_index("phrase").loc["roadmap", "n_postings"] == 8
    grams = kit.phrase_frequency(postings, lexicon="ngrams")
    assert grams["theme"].isna().all() and grams["side"].isna().all()
    assert (grams["n_mentioning"] > 0).all()
    assert grams.set_index(["role", "phrase"]).loc[("tpm", "dependencies"), "n_mentioning"] == 4


def test_phrase_frequency_on_a_plain_frame():
    df = pd.DataFrame({"description": ["Own the roadmap", "Own risks", "no match"], "role": ["pmt", "tpm", "pmt"]})
    out = kit.phrase_frequency(df).set_index(["role", "phrase"])
    assert out.loc[("pmt", "roadmap"), ["n_mentioning", "n_postings"]].tolist() == [1, 2]
    assert out.loc[("tpm", "risks"), "share"] == 1.0


def test_balance_company_weights_companies_equally():
    df = pd.DataFrame(
        {
            "company": ["Big", "Big", "Big", "Small"],
            "role": ["pmt"] * 4,
            "description": ["our roadmap", "the roadmap", "a road map", "customer research"],
        }
    )
    plain = kit.phrase_frequency(df).set_index("phrase").loc["roadmap"]
    balanced = kit.phrase_frequency(df, balance="company").set_index("phrase").loc["roadmap"]
    assert plain["share"] == 0.75
    assert balanced["share"] == pytest.approx(0.5)  # mean of 3/3 and 0/1
    assert (balanced["n_mentioning"], balanced["n_postings"]) == (3, 4)
    assert balanced["n_effective"] == pytest.approx(3.0)  # (sum w)^2 / sum w^2 = 2^2 / (3/9 + 1)
    lo, hi = wilson_interval(np.array([1.5]), np.array([3.0]))
    assert (balanced["ci_low"], balanced["ci_high"]) == pytest.approx((lo[0], hi[0]))
    grams = kit.phrase_frequency(df, lexicon="ngrams", balance="company").set_index("phrase")
    assert grams.loc["roadmap", "share"] == pytest.approx(1 / 3)  # n-gram "roadmap": Big 2/3, Small 0/1
    assert "research" not in grams.index  # in one posting only: below the index min_df of 2


def test_balance_company_treats_aliases_as_one_company():
    df = pd.DataFrame(
        {
            "company": ["AWS", "Amazon.com Services LLC", "Acme"],
            "role": ["tpm"] * 3,
            "description": ["risks", "schedule", "risks"],
        }
    )
    out = kit.phrase_frequency(df, balance="company").set_index("phrase")
    assert out.loc["risks", "share"] == pytest.approx(0.75)  # amazon 1/2, acme 1/1


def test_phrase_frequency_by_company_merges_aliases(postings):
    out = kit.phrase_frequency(postings, by="company")
    # sorted labels; the three Amazon spellings are one group under its first most frequent spelling, shown
    # without its legal form (issue 12.5: one company, one display name)
    assert out["company"].unique().tolist() == ["Acme Cloud", "Amazon.com Services", "Globex Systems"]
    amazon = out.set_index(["company", "phrase"]).loc[("Amazon.com Services", "roadmap")]
    assert (amazon["n_mentioning"], amazon["n_postings"]) == (2, 3)


def test_phrase_frequency_errors(postings):
    with pytest.raises(ValueError, match="balance"):
        kit.phrase_frequency(postings, balance="market")
    with pytest.raises(DataError, match="'team'"):
        kit.phrase_frequency(postings, by="team")


def test_distinctive_and_overlap_share_one_slice_per_role(postings):
    kindex.build_index(postings)
    kindex.clear_slices()
    sel = kit.select(postings, company="Acme Cloud")
    before = kindex.STATS["slices"]
    kit.distinctive_phrases(sel)
    assert kindex.STATS["slices"] == before + 2  # the pmt rows and the tpm rows
    kit.role_overlap(sel)
    assert kindex.STATS["slices"] == before + 3  # + the lexicon rows; the n-gram slices are reused


def test_index_and_vectorized_paths_agree(postings):
    kindex.build_index(postings)
    sel = kit.select(postings, roles=["pmt", "tpm"])
    from_index = kit.distinctive_phrases(sel, prior=0.1)
    plain = sel[["description", "role"]].copy()
    plain.attrs = {}
    vectorized = kit.distinctive_phrases(plain, prior=0.1)
    assert vectorized.attrs["source"] == "vectorized"
    common = from_index.merge(vectorized, on="phrase", suffixes=("_i", "_v"))
    assert len(common) > 0
    assert (common["count_a_i"] == common["count_a_v"]).all()
    assert (common["docs_b_i"] == common["docs_b_v"]).all()


@pytest.mark.parametrize(
    ("roles", "a", "n_a", "n_b"),
    [
        (["pmt", None, "tpm", "pmt"], "pmt", 2, 1),
        (["pmt", "tpm", "tpm", pd.NA], ["pmt", "tpm"], 3, 2),
    ],
)
def test_groups_ignore_missing_roles(roles, a, n_a, n_b):
    df = pd.DataFrame({"description": ["roadmap strategy", "risks roadmap", "risks", "customers"], "role": roles})
    df["role"] = df["role"].astype("string")
    out = kit.distinctive_phrases(df, a=a, b="tpm", prior=0.5, stop_words=None)
    assert (out.attrs["n_a"], out.attrs["n_b"]) == (n_a, n_b)


def test_readable_phrases_drop_title_words_and_fold_fragments():
    from kit.analysis.phrases import readable_phrases

    dist = pd.DataFrame({
        "phrase": ["product", "trade offs", "trade", "offs", "roadmap", "program management", "risks", "end"],
        "docs_a": [50, 38, 40, 38, 45, 2, 5, 30], "docs_b": [5, 6, 7, 6, 10, 40, 60, 30],
        "z": [12.0, 4.6, 4.5, 4.4, 4.0, -6.0, -6.4, 0.1],
    })
    dist.attrs["a"] = "pmt"
    out = readable_phrases(dist)
    assert out["phrase"].tolist() == ["trade offs", "roadmap", "risks", "end"]
    assert out.attrs["folded"] == {"trade": "trade offs", "offs": "trade offs"} and out.attrs["a"] == "pmt"
    everything = readable_phrases(dist, exclude_title_words=False, fold=False)
    assert everything["phrase"].tolist() == dist["phrase"].tolist()

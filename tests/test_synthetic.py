"""Tests for kit/synthetic.py: determinism, the bundled sample, coverage of the design's variants."""

from __future__ import annotations

import gzip
import re

import pandas as pd
import pytest
from click.testing import CliRunner

from kit.core.errors import KitError
from kit.core.paths import SAMPLE_LEVELS, SAMPLE_PAY, SAMPLE_POSTINGS
from kit.core.schema import LADDER, LEVELS_COLUMNS, PAY_COLUMNS, POSTINGS_RAW, ROLES
from kit.sample import synthetic

DESIGN_VARIANTS = {
    "pmt": ["Technical Product Manager", "Product Manager, Technical", "Platform Product Manager",
            "Product Manager, Infrastructure", "Data Platform Product Manager", "AI/ML Product Manager",
            "Developer Platform Product Manager"],
    "tpm": ["Technical Program Manager", "Program Manager, Technical", "Product Technical Program Manager",
            "Infrastructure Program Manager", "Engineering Program Manager", "Release Program Manager"],
}
UNRELATED = ["Software Engineer", "Product Designer", "Product Marketing Manager", "Data Analyst", "Programmer",
             "Production Engineer", "Project Manager"]


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return pd.read_csv(SAMPLE_POSTINGS, keep_default_na=True)


@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    return synthetic.generate_postings(400, seed=11)


def test_same_seed_same_frame(small):
    pd.testing.assert_frame_equal(small, synthetic.generate_postings(400, seed=11))


def test_different_seed_different_frame(small):
    other = synthetic.generate_postings(400, seed=12)
    assert not small["description"].equals(other["description"])
    assert not small["title"].equals(other["title"])


def test_columns_are_the_kit_raw_format(small):
    expected = ["posting_id", "company", "title", "description", "location", "market", "country", "posted_date",
                "source", "url", "remote", "salary_min", "salary_max", "salary_currency", "synthetic_role"]
    assert list(small.columns) == expected
    assert set(expected) - {"synthetic_role"} <= set(POSTINGS_RAW)
    for col in expected:
        if col in POSTINGS_RAW:
            assert str(small[col].dtype) == POSTINGS_RAW[col], col
    assert small["market"].isna().all() and small["country"].isna().all()
    assert small["posting_id"].is_unique
    assert set(small["synthetic_role"]) <= set(ROLES)
    assert (small["source"] == "sample").all()
    assert small["url"].str.startswith("https://jobs.example.com/").all()


@pytest.mark.parametrize("n", [0, 1, 7])
def test_tiny_corpora(n):
    df = synthetic.generate_postings(n)
    assert len(df) == n
    assert df["posting_id"].is_unique


def test_chunks_concatenate_to_the_whole():
    chunks = list(synthetic.iter_postings(250, seed=3, chunk_size=100))
    assert [len(c) for c in chunks] == [100, 100, 50]
    whole = pd.concat(chunks)
    assert whole["posting_id"].is_unique
    assert whole.index.is_unique


def test_write_corpus_is_byte_identical_and_atomic(tmp_path):
    a = synthetic.write_corpus(tmp_path / "a", n_postings=300, n_pay=50, seed=5)
    b = synthetic.write_corpus(tmp_path / "b", n_postings=300, n_pay=50, seed=5)
    assert [p.name for p in a] == ["postings.csv.gz", "pay.csv", "levels.csv"]
    for pa, pb in zip(a, b, strict=True):
        assert pa.read_bytes() == pb.read_bytes()
    assert not list((tmp_path / "a").glob(".*tmp*"))
    frame = synthetic.generate_postings(300, seed=5)
    assert len(pd.read_csv(a[0])) == len(frame)


def _csv_bytes(path) -> bytes:
    return gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()


def test_bundled_files_equal_the_generator(tmp_path):
    """The committed sample is exactly what the documented command writes (compare uncompressed text)."""
    written = synthetic.write_corpus(tmp_path, prefix="sample_", **synthetic.SAMPLE_OPTIONS)
    for new, bundled in zip(written, [SAMPLE_POSTINGS, SAMPLE_PAY, SAMPLE_LEVELS], strict=True):
        assert new.name == bundled.name
        assert _csv_bytes(new) == _csv_bytes(bundled), f"{bundled} is stale: run `python -m kit.sample.synthetic`"


def test_sample_counts(sample):
    dup_key = sample[["company", "title", "description"]].apply(tuple, axis=1)
    assert dup_key.nunique() >= 3000
    assert len(sample) >= 3000
    companies = {re.sub(r",? (Inc\.?|LLC)$", "", c) for c in sample["company"]}
    assert len(companies) >= 15
    counts = sample["company"].value_counts()
    assert counts.iloc[0] >= 280
    assert (counts < 20).sum() >= 3
    dates = pd.to_datetime(sample["posted_date"], format="%Y-%m-%d")
    assert dates.min() >= pd.Timestamp("2023-01-01") and dates.max() <= pd.Timestamp("2026-12-31")
    by_year = dates.dt.year.value_counts()
    assert by_year[2025] > by_year[2023]  # growth over time
    assert 0.2 < sample["salary_min"].notna().mean() < 0.8
    assert sample["description"].str.contains(r"\$\d{2,3},\d{3}|\d{2,3}k-\d{2,3}k", regex=True).any()
    assert set(sample["salary_currency"].dropna()) >= {"USD", "GBP", "EUR", "INR", "CAD"}


def test_sample_has_eight_markets(sample):
    tpl = synthetic.load_templates()
    metro = {loc: m for m, spec in tpl["markets"].items() for loc in spec["locations"]}
    assert sample["location"].map(metro).notna().all()
    assert sample["location"].map(metro).nunique() >= 8
    for loc in ["San Francisco, CA", "Mountain View, CA, USA", "Seattle, WA", "New York, NY",
                "London, England, United Kingdom", "Bengaluru, Karnataka, India", "Remote (US)"]:
        assert (sample["location"] == loc).any(), loc


def test_sample_covers_every_design_variant(sample):
    for role, variants in DESIGN_VARIANTS.items():
        titles = sample.loc[sample["synthetic_role"] == role, "title"]
        for variant in variants:
            assert titles.str.contains(variant, regex=False).sum() >= 3, variant
    for title in UNRELATED:
        assert (sample["title"].str.contains(title, regex=False) & (sample["synthetic_role"] == "other")).any(), title


def test_generic_titles_are_decided_by_text(sample):
    generic = sample[sample["title"].str.fullmatch(r"(Senior |Sr\. )?Product Manager")]
    assert set(generic["synthetic_role"]) == {"pmt", "pm"}
    generic = sample[sample["title"].str.fullmatch(r"(Senior |Sr\. )?Program Manager")]
    assert set(generic["synthetic_role"]) == {"tpm", "pgm"}


def test_executive_titles_are_not_pm_or_program_line_roles(sample):
    """Bare "VP / Head of Product (Management) / Program Management / Programs" are truth `other` (titles.yaml)."""
    named_area = r"(?!.*(?:Platform|Infrastructure|Developer|Data|Technical))"  # "VP, Product Management, Platform"
    bare = sample["title"].str.match(rf"(?:VP,? (?:of )?|Vice President, |Head of )(?:Product|Program)\b{named_area}")
    assert bare.sum() >= 20
    assert set(sample.loc[bare, "synthetic_role"]) == {"other"}
    director = sample["title"].str.match(r"Director(?:,| of) Product(?: Management)?\b(?! (?:Marketing|Design))")
    assert director.sum() >= 5 and set(sample.loc[director, "synthetic_role"]) <= {"pm", "pmt"}
    named = sample["title"].str.match(r"(?:VP|Vice President|Head of).*Product.*(?:Platform|Infrastructure)")
    assert named.any() and set(sample.loc[named, "synthetic_role"]) == {"pmt"}


@pytest.mark.parametrize("pattern", [r"\bSenior ", r"^Sr\. ", r"^Staff ", r"^Principal ", r"^Associate ", r" II\b",
                                     r"^Director", r"^Head of ", r"^VP|^Vice President", r"\bL\d\b|\(IC\d\)",
                                     r" - R-\d+", r" - [A-Z][a-z]+"])
def test_sample_title_seniority_and_decorations(sample, pattern):
    assert sample["title"].str.contains(pattern, regex=True).any()


def test_sample_writing_varies(sample):
    text = sample["description"]
    n = len(text)
    assert 0.12 < text.str.contains("<p>", regex=False).sum() / n < 0.3
    assert 0.08 < text.str.contains(r"^## |\n## ", regex=True).sum() / n < 0.25
    assert text.str.contains("&amp;", regex=False).any() and text.str.contains("<li>", regex=False).any()
    typos = text.str.contains("managment|roadmpa|requirments|enginering|experiance", regex=True).sum() / n
    assert 0.005 < typos < 0.1
    assert text.str.contains("equal opportunity", case=False).mean() > 0.5
    # PM-T postings carry program language and TPM postings product language, at lower rates
    product = text.str.contains(r"road ?map|customer research|KPIs", regex=True, case=False)
    program = text.str.contains(r"dependencies|on-time|status reports?|operational readiness", regex=True, case=False)
    role = sample["synthetic_role"]
    assert product[role == "pmt"].mean() > product[role == "tpm"].mean() > 0.1
    assert program[role == "tpm"].mean() > program[role == "pmt"].mean() > 0.1
    shared_skills = r"written (?:and verbal )?communication|influence (?:without|across)|through influence"
    shared = text.str.contains(shared_skills, regex=True, case=False)
    assert abs(shared[role == "pmt"].mean() - shared[role == "tpm"].mean()) < 0.1


def test_sample_has_reposts_and_multi_location_copies(sample):
    same_text = sample.duplicated(["company", "title", "description"], keep=False)
    assert 0.04 < same_text.mean() < 0.25
    groups = sample[same_text].groupby(["company", "title", "description"])
    assert (groups["location"].nunique() > 1).any()  # one text in several locations
    assert (groups["posted_date"].nunique() > 1).any()  # reposts on later dates


def test_pay_table(tmp_path):
    pay = pd.read_csv(SAMPLE_PAY)
    assert list(pay.columns) == synthetic.PAY_OUT_COLUMNS
    assert set(pay.columns) <= set(PAY_COLUMNS)
    assert len(pay) >= 3000 and pay["company"].nunique() >= 15
    assert (pay["total"] == pay["base"] + pay["stock"] + pay["bonus"]).all()
    assert (pay["source"] == "sample").all() and (pay["n"] == 1).all()
    usd_senior_tpm = pay[(pay["currency"] == "USD") & (pay["title"] == "Technical Program Manager")]
    assert 120_000 < usd_senior_tpm["base"].median() < 300_000
    levels = pd.read_csv(SAMPLE_LEVELS, dtype={"level": str})
    joined = pay.astype({"level": str}).merge(levels, on=["company", "level"], how="left")
    assert joined["ladder"].notna().all()  # every pay level is in the levels table


def _ratio(pay: pd.DataFrame, levels: pd.DataFrame, companies: list[str], ladders: set[str]) -> float:
    """Median TPM / PM-T base at some companies, after dividing out level, market and year."""
    tpl = synthetic.load_templates()
    scale = {loc: spec["pay_scale"] for spec in tpl["markets"].values() for loc in spec["locations"]}
    df = pay[pay["company"].isin(companies)].merge(levels, on=["company", "level"])
    df = df[df["ladder"].isin(ladders)]
    norm = df["base"] / (df["ladder"].map(tpl["pay"]["base"]) * df["location"].map(scale) * 1.03 ** (df["year"] - 2023))
    role = df["title"].map(lambda t: "tpm" if "Program" in t else "pmt")
    return norm[role == "tpm"].median() / norm[role == "pmt"].median()


@pytest.fixture(scope="module")
def pay_and_levels() -> tuple[pd.DataFrame, pd.DataFrame]:
    return pd.read_csv(SAMPLE_PAY, dtype={"level": str}), pd.read_csv(SAMPLE_LEVELS, dtype={"level": str})


@pytest.mark.parametrize(("company", "low", "high"), [
    ("Globex Systems", 1.05, 1.15),  # tpm_more
    ("Contoso Payments", 1.05, 1.16),  # tpm_more
    ("Acme Cloud", 0.96, 1.04),  # same
    ("Woodgrove Bank", 0.96, 1.04),  # same
    ("Trey Research", 0.85, 0.96),  # pmt_more
    ("Umbrella Analytics", 0.87, 0.97),  # pmt_more
])
def test_planted_pay_patterns(pay_and_levels, company, low, high):
    assert low < _ratio(*pay_and_levels, [company], {"entry", "mid", "senior", "staff"}) < high


def test_tracks_converge_at_director(pay_and_levels):
    tpl = synthetic.load_templates()
    tpm_more = [c["short"] for c in tpl["companies"] if c.get("pay_pattern") == "tpm_more"]
    assert _ratio(*pay_and_levels, tpm_more, {"mid", "senior", "staff"}) > 1.06
    assert 0.96 < _ratio(*pay_and_levels, tpm_more, {"director", "vp"}) < 1.04


def test_levels_table():
    levels = pd.read_csv(SAMPLE_LEVELS, dtype={"level": str})
    assert list(levels.columns) == list(LEVELS_COLUMNS)
    assert set(levels["ladder"]) <= set(LADDER)
    assert (levels["ladder"].map(LADDER.index) == levels["ladder_rank"]).all()
    assert set(levels["track"]) == {"ic", "manager"} and (levels["family"] == "all").all()
    assert not levels.duplicated(["company", "level"]).any()
    assert levels["company"].nunique() >= 15
    styles = levels.groupby("company")["level"].first()
    assert styles.str.match(r"^(L|P|IC|E|T|G|Band )?\d+$|^Associate$").all()
    assert styles.str.replace(r"\d+", "", regex=True).nunique() >= 6


def test_pay_accepts_posting_spellings():
    pay = synthetic.generate_pay(["Initech, Inc.", "Umbrella Analytics LLC", "Some New Co"], n=60, seed=1)
    assert set(pay["company"]) <= {"Initech", "Umbrella Analytics", "Some New Co"}
    assert len(pay) == 60
    levels = synthetic.generate_levels(["Some New Co"])
    assert set(levels["company"]) == {"Some New Co"} and len(levels) >= 6


def test_many_companies_get_invented_names():
    df = synthetic.generate_postings(2000, n_companies=40, seed=2)
    assert df["company"].str.replace(r",? (Inc\.|LLC|Ltd|GmbH)$", "", regex=True).nunique() >= 35


def test_cli_generate_writes_three_files(tmp_path):
    from kit.cli import cli

    result = CliRunner().invoke(cli, ["generate", "--out", str(tmp_path / "corpus"), "--postings", "120",
                                      "--pay", "30", "--seed", "4"])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "corpus").iterdir())
    assert names == ["levels.csv", "pay.csv", "postings.csv.gz"]
    assert len(pd.read_csv(tmp_path / "corpus" / "postings.csv.gz")) == 120
    assert str(tmp_path / "corpus" / "pay.csv") in result.output


def test_cli_defaults_are_the_sample_options():
    from kit.cli import generate

    defaults = {p.name: p.default for p in generate.params}
    assert {"n_postings": defaults["n_postings"], "n_companies": defaults["companies"],
            "seed": defaults["seed"]} == synthetic.SAMPLE_OPTIONS


@pytest.mark.parametrize("options", [{"n": -1}, {"n": 5, "n_companies": 0}, {"n": 5, "chunk_size": 0}])
def test_bad_options_raise_kit_error(options):
    with pytest.raises(KitError, match="expected n >= 0"):
        list(synthetic.iter_postings(**options))


def test_cli_rejects_negative_counts(tmp_path):
    from kit.cli import cli

    result = CliRunner().invoke(cli, ["generate", "--out", str(tmp_path), "--postings", "-5"])
    assert result.exit_code != 0 and "--postings" in result.output
    assert not list(tmp_path.iterdir())


def test_loads_through_the_kit_loader():
    """The sample reads with the loader's "kit" format (skipped until kit.load.postings exists)."""
    postings = pytest.importorskip("kit.load.postings")
    df = postings.load_postings(SAMPLE_POSTINGS, format="kit")
    assert len(df) >= 3000
    assert df["market"].notna().mean() > 0.95

"""kit.prepare.roles: role from the description for generic titles, title/text mismatch, explain_role."""

from __future__ import annotations

import pandas as pd
import pytest

from kit.core.errors import DataError
from kit.prepare.roles import RoleExplanation, explain_role, load_signals, roles_from_text, signal_matches
from kit.prepare.titles import classify_titles

TECH = (
    "You will work on our public APIs and SDKs, review system design and architecture for distributed systems "
    "and microservices, and weigh technical trade-offs with engineers. A computer science degree or an "
    "engineering background is required."
)
PRODUCT = (
    "Own the product vision, strategy and roadmap. Lead customer research, turn customer needs into "
    "requirements, define KPIs, and drive adoption with the go-to-market team."
)
PROGRAM = (
    "Own the program schedule and milestones, manage risks and dependencies across teams, drive on-time "
    "delivery of every release, and send weekly status reports."
)
PLAIN = "Join a friendly team. We value kindness and curiosity. Great benefits."


def _refine(title: str, description: str | None) -> pd.Series:
    classified = classify_titles([title])
    return roles_from_text(classified, pd.Series([description], dtype="object")).iloc[0]


@pytest.mark.parametrize(
    ("title", "description", "role", "basis"),
    [
        ("Product Manager", TECH + " " + PRODUCT, "pmt", "description"),
        ("Program Manager", TECH + " " + PROGRAM, "tpm", "description"),
        ("Senior Product Manager", PRODUCT, "pm", "title"),
        ("Program Manager II", PROGRAM, "pgm", "title"),
        ("Product Manager", PLAIN, "pm", "title"),
        ("Product Manager", None, "pm", "title"),
        ("Product Manager", "", "pm", "title"),
        ("Technical Program Manager", PLAIN, "tpm", "title"),  # a technical title stays technical
        ("Software Engineer", TECH, "other", "title"),  # only generic pm / pgm titles are upgraded
        ("Project Manager", TECH + PROGRAM, "other", "title"),
        ("Product Owner", TECH, "pmt", "description"),
    ],
)
def test_role_from_description(title, description, role, basis):
    row = _refine(title, description)
    assert row["role"] == role
    assert row["role_basis"] == basis


def test_confidence_grows_with_evidence():
    weak = _refine("Product Manager", "Experience with APIs, architecture and SQL.")
    strong = _refine("Product Manager", TECH + " Experience with SQL, Kubernetes, CI/CD and data pipelines.")
    assert weak["role"] == strong["role"] == "pmt"
    assert 0.5 <= weak["role_confidence"] < strong["role_confidence"] < 1
    none = _refine("Product Manager", PLAIN)
    some = _refine("Product Manager", "Some API work.")
    assert none["role"] == some["role"] == "pm"
    assert none["role_confidence"] > some["role_confidence"]


@pytest.mark.parametrize(
    ("title", "description", "lean", "mismatch"),
    [
        ("Technical Product Manager", PROGRAM, "program", True),
        ("Product Manager", PROGRAM, "program", True),
        ("Technical Program Manager", PRODUCT, "product", True),
        ("Program Manager", PRODUCT, "product", True),
        ("Technical Product Manager", PRODUCT, "product", False),
        ("Technical Program Manager", PROGRAM, "program", False),
        ("Technical Program Manager", PRODUCT + " " + PROGRAM, "mixed", False),
        ("Product Manager", PLAIN, "none", False),
    ],
)
def test_title_text_mismatch(title, description, lean, mismatch):
    row = _refine(title, description)
    assert row["text_lean"] == lean
    assert bool(row["title_text_mismatch"]) is mismatch


def test_mismatch_is_na_without_text_and_false_for_other_titles():
    out = roles_from_text(
        classify_titles(["Product Manager", "Data Scientist", "Data Scientist"]),
        pd.Series([None, PROGRAM, None], dtype="object"),
    )
    assert pd.isna(out.loc[0, "title_text_mismatch"])
    assert out.loc[1, "title_text_mismatch"] == False  # noqa: E712 (nullable boolean)
    assert out.loc[2, "title_text_mismatch"] == False  # noqa: E712
    assert pd.isna(out.loc[1, "text_lean"])


def test_signal_matches_variants_plurals_and_separators():
    m = signal_matches(pd.Series(["Road-map and roadmaps; cross-team dependencies. The API, two APIs.", None, ""]))
    counts = dict(zip(m["phrase"], m["count"], strict=True))
    assert counts["roadmap"] == 2
    assert counts["api"] == 2
    assert counts["dependencies"] == 1
    assert set(m["row"]) == {0}
    assert set(m["signal"]) <= {"technical", "product", "program"}


def test_signal_matches_whole_words_only():
    m = signal_matches(pd.Series(["rapid capital gains; the mlb season; scheduled? no."]))
    assert "api" not in set(m["phrase"])
    assert "machine learning" not in set(m["phrase"])


def test_distinct_phrases_score_once():
    repeated = _refine("Product Manager", "API " * 50)
    assert repeated["role"] == "pm"
    assert repeated["technical_score"] == 1.0


def test_vectorized_over_many_rows_keeps_alignment():
    titles = ["Product Manager", "Program Manager", "Product Manager", "Data Scientist"] * 250
    texts = [TECH, TECH, PLAIN, TECH] * 250
    idx = pd.RangeIndex(1000) + 7
    classified = classify_titles(pd.Series(titles, index=idx))
    out = roles_from_text(classified, pd.Series(texts, index=idx))
    assert list(out.index) == list(idx)
    assert out["role"].tolist() == ["pmt", "tpm", "pm", "other"] * 250


def test_explain_role_lists_phrases_and_decision():
    ex = explain_role({"title": "Program Manager", "description": TECH + " " + PROGRAM})
    assert isinstance(ex, RoleExplanation)
    assert (ex.role, ex.basis, ex.title_role) == ("tpm", "description", "pgm")
    assert list(ex.phrases.columns) == ["phrase", "signal", "count"]
    assert {"api", "microservices", "milestones"} <= set(ex.phrases["phrase"])
    text = str(ex)
    assert "TPM" in text and "description" in text and "microservices" in text
    assert ex.scores["technical"] >= 3


def test_explain_role_accepts_series_and_keywords():
    posting = pd.Series({"title": "Product Manager", "description": PRODUCT})
    a = explain_role(posting)
    b = explain_role(title="Product Manager", description=PRODUCT)
    assert a.role == b.role == "pm"
    assert a.text_lean == "product"
    assert explain_role(title="Technical Program Manager").text_lean is None
    with pytest.raises(DataError, match="title or a description"):
        explain_role({})


def test_explain_role_html_escapes_posting_text():
    evil = "<script>alert(1)</script> We build APIs & microservices."
    ex = explain_role(title="Product <b>Manager</b>", description=evil)
    page = ex._repr_html_()
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Product &lt;b&gt;Manager&lt;/b&gt;" in page
    assert "<table>" in page


def test_bad_signals_file(tmp_path):
    path = tmp_path / "signals.yaml"
    path.write_text("technical: [api]\nproduct: [roadmap]\nprogram: [roadmap]\n")
    with pytest.raises(DataError, match="roadmap"):
        load_signals(path)
    path.write_text("technical: [api]\nproduct: [roadmap]\n")
    with pytest.raises(DataError, match="program"):
        load_signals(path)


def test_signal_matches_unicode_separators_pass_the_prefilter():
    # the RE2 line prefilter must let through every line Python's regex matches ([\s\-/] is Unicode-aware)
    out = signal_matches(pd.Series(["Own distributed\u00a0systems and API\u3000design", "nothing here", None]))
    assert dict(zip(out["phrase"], out["count"], strict=True)) == {"api": 1, "distributed systems": 1}
    assert set(out["row"]) == {0}


# --- issue 15: technical depth counts only where the job asks it of the person -----------------------------------

COMPANY_APIS = (
    "About us\nBrightmoss is the leading developer platform: our APIs, SDKs and distributed systems power "
    "microservices architecture for ten thousand engineering teams.\n"
)
CONSUMER_JOB = (
    "What you'll do\n- Own the roadmap for our rewards app for shoppers\n- Run A/B tests and talk to customers\n"
    "Requirements\n- 4+ years of product management in consumer apps\n"
    "Benefits\n- Learning stipend for Kubernetes and AWS courses\n"
)
API_JOB = (
    "What you'll do\n- Own the API roadmap and the SDKs our partners build on\n"
    "- Work with engineers on architecture trade-offs and technical design reviews\n"
    "Requirements\n- Experience with distributed systems\n"
)


def test_company_self_description_does_not_make_a_consumer_pm_technical():
    row = _refine("Product Manager", COMPANY_APIS + CONSUMER_JOB)
    assert (row["role"], row["technical_score"]) == ("pm", 0.0)
    old = roles_from_text(classify_titles(["Product Manager"]), pd.Series([COMPANY_APIS + CONSUMER_JOB]), text="all")
    assert old.loc[0, "role"] == "pmt"  # the old whole-text reading is still available


def test_technical_duties_in_responsibilities_make_a_pm_technical():
    row = _refine("Product Manager", COMPANY_APIS + API_JOB)
    assert (row["role"], row["role_basis"]) == ("pmt", "description")
    assert row["role_confidence"] > 0.7


def test_unheaded_company_opening_line_does_not_count():
    text = "We are a leading API platform for payments, SDKs and microservices.\n" + CONSUMER_JOB
    assert _refine("Product Manager", text)["role"] == "pm"


def test_role_confidence_is_monotone_in_the_technical_score():
    texts = ["Own the roadmap.", "Own the API roadmap.", "Own the API roadmap and SDKs.",
             "Own the API roadmap and SDKs; review architecture.", API_JOB]
    out = roles_from_text(classify_titles(["Product Manager"] * len(texts)), pd.Series(texts))
    p_tech = out["role_confidence"].where(out["role"] == "pmt", 1 - out["role_confidence"])
    assert p_tech.is_monotonic_increasing and p_tech.iloc[0] < 0.5 < p_tech.iloc[-1]


def test_explain_role_says_which_sentences_counted_and_why_not():
    ex = explain_role(title="Product Manager", description=COMPANY_APIS + CONSUMER_JOB)
    assert list(ex.evidence.columns) == ["section", "counted", "sentence", "phrases", "why"]
    about = ex.evidence[ex.evidence["section"] == "about"]
    assert len(about) == 1 and not about["counted"].any()
    assert "company describing itself" in about["why"].iloc[0]
    counted = ex.evidence[ex.evidence["counted"]]
    assert set(counted["section"].str.split("/").str[0]) <= {"responsibilities", "requirements"}
    assert "NOT counted" in str(ex) and "company describing itself" in ex._repr_html_()
    assert ex.scores["technical"] == 0.0

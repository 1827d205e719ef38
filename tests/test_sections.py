"""kit.prepare.sections: posting text cut into about / summary / responsibilities / requirements / benefits / legal."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

import kit
from kit.core.errors import DataError
from kit.prepare.sections import (
    company_boilerplate,
    load_section_rules,
    parse_spans,
    role_text,
    section_spans,
    section_text,
    sections,
    spans_series,
)


def _kinds(secs):
    return [k for k, _ in secs]


def _text_of(secs, kind):
    return "\n".join(t for k, t in secs if k == kind)


def test_markdown_headings(fixtures):
    secs = sections((fixtures / "sections" / "markdown.md").read_text())
    assert _kinds(secs) == [
        "about", "summary", "responsibilities", "requirements/minimum", "requirements/preferred", "benefits", "legal",
    ]
    assert "messaging APIs" in _text_of(secs, "about")
    assert "Own the roadmap for the inbox app" in _text_of(secs, "responsibilities")
    assert "$140,000" in _text_of(secs, "benefits")
    assert "equal opportunity" in _text_of(secs, "legal")
    assert "**" not in "".join(t for _, t in secs) and "#" not in "".join(t for _, t in secs)


def test_html_headings(fixtures):
    secs = sections((fixtures / "sections" / "html.html").read_text())
    assert _kinds(secs) == ["about", "responsibilities", "requirements", "benefits", "legal"]
    assert "Track risks and dependencies" in _text_of(secs, "responsibilities")
    assert "<" not in "".join(t for _, t in secs)


def test_plain_caps_headings_and_opening_company_line(fixtures):
    secs = sections((fixtures / "sections" / "caps.txt").read_text())
    assert _kinds(secs) == ["body", "summary", "responsibilities", "requirements/minimum", "benefits"]
    assert "API roadmap" in _text_of(secs, "responsibilities")


def test_lever_lists_headings(fixtures):
    posting = json.loads((fixtures / "sections" / "lever.json").read_text())
    secs = sections(posting)
    assert _kinds(secs) == ["body", "responsibilities", "requirements", "benefits", "legal"]
    assert "Comfort with SQL" in _text_of(secs, "requirements")
    assert "Paid parental leave" in _text_of(secs, "benefits")


def test_no_headings_is_one_body(fixtures):
    text = (fixtures / "sections" / "none.txt").read_text().strip()
    assert sections(text) == [("body", text)]
    assert sections("") == [] and sections(None) == []


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("What You'll Do:", "responsibilities"),
        ("What you\u2019ll do", "responsibilities"),
        ("Minimum Qualifications", "requirements/minimum"),
        ("Nice to have", "requirements/preferred"),
        ("About the role", "summary"),
        ("About Zephyr Labs", "about"),
        ("Why join us?", "about"),
        ("Our tech stack", "about"),
        ("Perks & Benefits", "benefits"),
        ("Equal Employment Opportunity", "legal"),
        ("\U0001f44b You", "requirements"),
    ],
)
def test_heading_variants(line, kind):
    secs = sections(f"{line}\nSome words under the heading that are long enough.")
    assert secs[0][0] == kind


def test_inline_heading_with_text_on_the_same_line():
    secs = sections("Responsibilities: Lead the quarterly planning of the checkout team.\nRequirements: Five years "
                    "of product management in retail.")
    assert _kinds(secs) == ["responsibilities", "requirements/minimum"]


def test_legal_wording_counts_as_legal_anywhere():
    secs = sections("What you'll do\n- Own the roadmap\n- We do not discriminate on the basis of race or age.")
    assert _kinds(secs) == ["responsibilities", "legal"]


def test_spans_cover_the_text_and_round_trip():
    text = "About us\nWe are a small bakery.\n\nWhat you'll do\n- Bake\n\nBenefits\n- Bread"
    spans = section_spans(text)
    assert spans[0][1] == 0 and spans[-1][2] == len(text)
    assert all(a[2] == b[1] for a, b in zip(spans, spans[1:], strict=False))
    packed = ";".join(f"{k}:{s}-{e}" for k, s, e in spans)
    assert parse_spans(packed) == spans


def test_company_repeated_paragraph_is_boilerplate_without_heading():
    intro = "Pinecrest Analytics helps hospitals forecast staffing with our cloud data platform and APIs."
    jobs = [f"{intro}\nWhat you'll do\n- Own the {area} roadmap" for area in ("billing", "intake", "rota", "forms")]
    other = "Solo Co sells lamps and builds APIs for lamp makers everywhere in the world.\nWhat you'll do\n- Sell lamps"
    frame = pd.DataFrame({"description": [*jobs, other], "company": ["Pinecrest"] * 4 + ["Solo"]})
    repeated = company_boilerplate(frame["description"], frame["company"])
    assert set(repeated) == {"Pinecrest"}
    spans = spans_series(frame["description"], frame["company"])
    assert parse_spans(spans[0])[0][0] == "boilerplate"
    assert parse_spans(spans[4])[0][0] == "body"  # one posting only: not repeated
    own = section_text(frame.assign(sections=spans), "role")
    assert "APIs" not in own[0] and "billing roadmap" in own[0]


def test_repeated_duties_under_a_role_heading_stay_the_role_text():
    duty = "- Work with engineering to define requirements and ship the roadmap at a rapid pace every quarter"
    frame = pd.DataFrame({"description": [f"The role\n{duty}\n- item {k}" for k in range(4)], "company": ["Acme"] * 4})
    spans = spans_series(frame["description"], frame["company"])
    assert all(k == "summary" for k, _, _ in parse_spans(spans[0]))


def test_loaded_postings_carry_spans_and_role_text(fixtures):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the fixture holds one unparseable date on purpose
        df = kit.load_postings(fixtures / "jobspy_postings.csv")
    assert "sections" in df.columns
    has = df["description"].notna() & df["description"].str.len().gt(0)
    assert df.loc[has, "sections"].notna().all()
    own, full = role_text(df), section_text(df, "all")
    assert (own.str.len() <= full.str.len()).all()
    assert kit.sections is sections and kit.role_text is role_text


def test_section_text_rejects_unknown_kinds():
    with pytest.raises(DataError, match="unknown section kinds"):
        section_text(pd.DataFrame({"description": ["x"]}), ["perks"])


def test_bad_rules_file(tmp_path):
    path = tmp_path / "sections.yaml"
    path.write_text("version: 1\nheadings:\n  about: ['(unclosed']\nwording: {}\n")
    with pytest.raises(DataError, match="bad pattern"):
        load_section_rules(path)
    path.write_text("version: 1\nheadings:\n  perks: ['x']\nwording: {}\n")
    with pytest.raises(DataError, match="unknown heading kinds"):
        load_section_rules(path)


def _boilerplate_one_by_one(texts, companies):
    """company_boilerplate's rule, spelled out in plain Python (the column engine must agree)."""
    import math

    from kit.prepare.sections import _line_hash

    rules = load_section_rules()
    rows, distinct = {}, {}
    for text, company in zip(texts, companies, strict=True):
        if text is None or company is None:
            continue
        rows[company] = rows.get(company, 0) + 1
        distinct.setdefault(company, set()).add(text)
    out = {}
    for company, n in rows.items():
        if n < rules.repeat_min_postings:
            continue
        counts = {}
        for text in distinct[company]:
            for line in {" ".join(x.lower().split()) for x in text.split("\n")
                         if len(x.strip()) >= rules.repeat_min_chars}:
                counts[line] = counts.get(line, 0) + 1
        need = max(rules.repeat_min_postings, math.ceil(rules.repeat_share * len(distinct[company])))
        hits = frozenset(_line_hash(line) for line, c in counts.items() if c >= need)
        if hits:
            out[company] = hits
    return out


def test_column_engine_equals_section_spans_text_by_text():
    """spans_series (one Arrow / numpy pass over the column) gives what section_spans gives one text at a time."""
    import random

    from kit.prepare.sections import company_boilerplate, section_spans

    pool = ["About us", "What you'll do", "Requirements:", "Nice to have", "Benefits", "", "   ", "- Own the roadmap",
            "We are a fintech startup building payment rails for small shops.",
            "Acme Ünïcode Corp is a leading maker of things people like to use every day.",
            "We do not discriminate on the basis of race or age.", "Paid time off and a 401(k) match.",
            "Requirements: five years of product management in retail or banking", "1. Responsibilities",
            "Base salary $120,000 - $150,000", "Founded in 2009 and backed by great investors.",
            "Our mission is to make maps.", "The role", "- Write specs with engineering teams every single week",
            # odd whitespace, non-ASCII case and an early colon: the column engine reads these in Arrow or Python
            "ABOUT US\u00a0", "\u3000Benefits", "\x1cThe role", "RESPONSIBILITIES\t", "İstanbul office",
            "Über uns:  wir bauen Software für Menschen, die gute Werkzeuge mögen",
            "Requirements :  five years of product management experience in payments",
            "Responsibilities: own the roadmap for payments, write specs with engineers and ship every quarter",
            "Acme  ÜBER\u2003 rockets:   we build satellites and rockets for the whole wide world"]
    rng = random.Random(5)
    texts, companies = [], []
    for i in range(400):
        company = rng.choice(["Acme", "Globex", "Initech", None, f"Solo{i}"])
        lines = [rng.choice(pool) for _ in range(rng.randint(0, 9))]
        if company == "Acme" and rng.random() < 0.8:
            lines.insert(0, "Acme builds   rockets and satellites for everyone who needs to reach orbit.")
            lines.insert(1, rng.choice(["Acme  İS   a great place\u2003to work, on rockets and satellites.",
                                     "acme İs a great place to work, on rockets and satellites."]))
        texts.append(None if rng.random() < 0.03 else "\n".join(lines))
        companies.append(company)
    frame = pd.DataFrame({"description": pd.array(texts, dtype="string"), "company": pd.array(companies,
                                                                                              dtype="string")})
    repeated = company_boilerplate(frame["description"], frame["company"])
    assert "Acme" in repeated
    assert repeated == _boilerplate_one_by_one(texts, companies)
    got = spans_series(frame["description"], frame["company"])
    for text, company, spans in zip(texts, companies, got.tolist(), strict=True):
        if not text:
            assert spans is pd.NA
            continue
        want = section_spans(text, repeated=repeated.get(company, frozenset()))
        assert parse_spans(spans) == want, text


def test_column_engine_on_empty_and_missing_texts():
    assert spans_series(pd.Series([], dtype="string")).empty
    out = spans_series(pd.Series([None, None], dtype="string"), pd.Series(["A", None], dtype="string"))
    assert out.isna().all() and str(out.dtype) == "string"
    out = spans_series(pd.Series(["", "Benefits\n- Dental"], dtype="string"), pd.Series([None, None], dtype="string"))
    assert out.isna().tolist() == [True, False] and out[1] == "benefits:0-17"

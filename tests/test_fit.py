"""Tests for kit.analysis.storyfit: story reading, phrase matching, scoring, gaps, matches, errors, CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

import kit.analysis.storyfit as kfit
from kit.analysis.storyfit import (
    FitResult,
    fit,
    highlight,
    match_story,
    read_stories,
    split_stories,
    stem,
    theme_weights,
)
from kit.cli import cli
from kit.core.errors import DataError, KitError
from kit.core.schema import conform

PMT_SENTENCES = [
    "Own the product roadmap and product strategy.",
    "Run customer research and translate customer needs into requirements.",
    "Drive adoption and revenue growth; define KPIs.",
    "Prioritize the backlog and make trade-offs.",
    "Lead the product launch.",
]
TPM_SENTENCES = [
    "Manage schedules and milestones.",
    "Identify risks and drive mitigation.",
    "Manage cross-team dependencies.",
    "Ensure on-time delivery.",
    "Run the release train and release planning.",
]
SHARED_SENTENCES = ["Strong written communication skills.", "Work with cross-functional teams and stakeholders."]

TPM_STORY = ("I ran the weekly release train for 14 services, tracked cross-team dependencies and cut the release "
             "slip from 3 weeks to 2 days by flagging risks early.")
PMT_STORY = ("I talked to 40 customers, rewrote the roadmap around their pain points and grew adoption 30% in two "
             "quarters.")
SHARED_STORY = "I wrote clear docs and presented them to stakeholders."


def make_postings(n_per_role: int = 30, seed: int = 0) -> pd.DataFrame:
    """PM-T postings use the PM-T sentences, TPM postings the TPM ones; both use the shared ones."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(2 * n_per_role):
        role = "pmt" if i < n_per_role else "tpm"
        bank = PMT_SENTENCES if role == "pmt" else TPM_SENTENCES
        text = " ".join(rng.choice(bank, 3, replace=False)) + " " + " ".join(SHARED_SENTENCES)
        rows.append({"posting_id": f"p{i:03d}", "company": "Acme" if i % 2 else "Globex",
                     "title": "Technical Program Manager" if role == "tpm" else "Technical Product Manager",
                     "description": text, "role": role, "market": "SF Bay Area"})
    return conform(pd.DataFrame(rows), "postings")


@pytest.fixture(scope="module")
def postings() -> pd.DataFrame:
    return make_postings()


@pytest.fixture(scope="module")
def result(postings) -> FitResult:
    return fit([TPM_STORY, PMT_STORY, SHARED_STORY], postings)


# ------------------------------------------------------------------------------------------ words


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["ship", "ships", "shipped", "shipping"], "ship"),
        (["dependency", "dependencies"], "dependency"),
        (["prioritize", "prioritized", "prioritizes", "prioritizing"], "prioritiz"),
        (["release", "releases", "released", "releasing"], "releas"),
        (["customer", "customers"], "customer"),
        (["plan", "plans", "planned", "planning"], "plan"),
        (["business"], "business"),
    ],
)
def test_stem_groups_inflections(words, expected):
    assert {stem(w) for w in words} == {expected}


@pytest.mark.parametrize(
    ("text", "theme", "matched"),
    [
        ("I shipped the new billing flow", "delivery", "shipped"),
        ("we cut the release slip from 3 weeks to 2 days", "release", "release"),
        ("we cut the release slip from 3 weeks to 2 days", "schedule", "slip"),
        ("talked to 40 customers about setup", "customers", "talked to 40 customers"),
        ("unblocked three teams in a week", "dependencies", "unblocked"),
        ("unblocked three teams in a week", "execution", "three teams"),
        ("grew adoption 30% after the redesign", "adoption", "grew adoption"),
        ("Drove Cross-Functional alignment", "cross_functional", "Cross-Functional"),
        ("owned the product road map", "roadmap", "product road map"),
    ],
)
def test_match_story_maps_ordinary_wording(text, theme, matched):
    hits = match_story(text)
    assert matched in hits.loc[hits["theme"] == theme, "matched"].tolist()


def test_match_story_finds_nothing_in_neutral_text():
    assert match_story("I like long walks and good coffee.").empty


def test_signal_themes_exist_in_the_lexicon():
    from kit.index.lexicon import load_lexicon

    with open(kfit.SIGNALS_FILE, encoding="utf-8") as fh:
        spec = yaml.safe_load(fh)
    themes = set(load_lexicon()["theme"])
    assert set(spec["signals"]) <= themes
    assert all(isinstance(p, str) and p.strip() for pats in spec["signals"].values() for p in pats)


# ------------------------------------------------------------------------------------------ scoring


def story(result: FitResult, i: int) -> pd.Series:
    return result.stories.set_index("story_id").loc[i]


def test_release_dependency_risk_story_reads_tpm(result):
    s = story(result, 1)
    assert s.lean == "tpm"
    assert s.score < -0.5
    assert s.tpm_evidence > 0 and s.pmt_evidence == 0
    for phrase in ("release train", "dependencies", "risks"):
        assert phrase in s.phrases
    assert {"release", "dependencies", "risk"} <= set(s.themes.split(", "))


def test_customer_roadmap_adoption_story_reads_pmt(result):
    s = story(result, 2)
    assert s.lean == "pmt"
    assert s.score > 0.5
    for phrase in ("talked to 40 customers", "roadmap", "grew adoption"):
        assert phrase in s.phrases
    assert {"customers", "roadmap", "adoption"} <= set(s.themes.split(", "))


def test_communication_only_story_is_shared_ground(result):
    s = story(result, 3)
    assert s.lean == "shared"
    assert s.score == pytest.approx(0.0)
    assert "written_communication" in s.themes and "stakeholder_alignment" in s.themes


def test_scores_trace_to_weights(result):
    w = result.weights.set_index("theme")["weight"]
    ev = result.evidence
    for s in result.stories.itertuples():
        themes = set(ev.loc[ev["story_id"] == s.story_id, "theme"])
        p = sum(max(w[t], 0) for t in themes)
        t = sum(max(-w[t], 0) for t in themes)
        assert s.pmt_evidence == pytest.approx(p)
        assert s.tpm_evidence == pytest.approx(t)
        assert s.score == pytest.approx((p - t) / (p + t + 1))


def test_overall_lean_and_pulling_stories(result):
    o = result.overall.iloc[0]
    assert (o.n_stories, o.n_pmt, o.n_tpm, o.n_shared) == (3, 1, 1, 1)
    assert o.pulling_tpm == "1" and o.pulling_pmt == "2"
    assert o.pmt_share + o.tpm_share == pytest.approx(1.0)
    side = "TPM" if o.tpm_share > 0.5 else "PM-T"
    assert o.label == f"{max(o.pmt_share, o.tpm_share) * 100:.0f}% {side}"


def test_all_tpm_stories_lean_tpm(postings):
    res = fit([TPM_STORY, "I kept the milestones and the schedule on track and shipped on time."], postings)
    assert res.lean == "tpm"
    assert res.overall.iloc[0].label == "100% TPM"


def test_weights_separate_role_themes_and_flip_when_swapped(postings):
    w = theme_weights(postings).set_index("theme")
    assert w.loc["roadmap", "weight"] > 0 and w.loc["dependencies", "weight"] < 0
    assert w.loc["written_communication", "weight"] == 0
    assert w.loc["roadmap", "share_a"] == pytest.approx(w.loc["roadmap", "docs_a"] / 30)
    assert w.loc["roadmap", "share_b"] == 0.0
    swapped = theme_weights(postings, a="tpm", b="pmt").set_index("theme")
    np.testing.assert_allclose(swapped["log_odds"], -w["log_odds"])


def test_gaps_are_common_role_themes_missing_from_stories(postings):
    res = fit([PMT_STORY], postings)
    gaps = res.gaps
    assert set(gaps["role"]) == {"pmt", "tpm"}
    assert not gaps["theme"].isin(res.evidence["theme"]).any()
    assert (gaps["share"] >= kfit.GAP_MIN_SHARE).all()
    tpm_gaps = res.gaps_for("tpm")
    assert {"schedule", "risk", "dependencies"} <= set(tpm_gaps["theme"])
    assert tpm_gaps.set_index("theme").loc["dependencies", "distinctive"]
    assert "dependencies" in tpm_gaps.set_index("theme").loc["dependencies", "phrases"]
    # the story leans PM-T: default gaps are the PM-T ones, e.g. strategy it does not show
    assert set(res.gaps_for()["role"]) == {"pmt"}
    assert "strategy" in set(res.gaps_for()["theme"])


def test_matches_top_five_per_role_with_reasons(result, postings):
    m = result.matches
    assert set(m["role"]) == {"pmt", "tpm"}
    assert m.groupby("role").size().max() <= kfit.TOP_MATCHES
    roles = postings.set_index("posting_id")["role"]
    assert (roles.loc[m["posting_id"]].to_numpy() == m["role"].to_numpy()).all()
    assert m.groupby("role")["score"].apply(lambda s: s.is_monotonic_decreasing).all()
    assert m["why"].str.startswith("both mention").all()
    # each role's matches explain themselves with that role's themes first
    w = result.weights.set_index("theme_label")["weight"]
    first = m["shared_themes"].str.split(", ").str[0]
    assert (w.loc[first[m["role"] == "tpm"]] < 0).all()
    assert (w.loc[first[m["role"] == "pmt"]] > 0).all()


def test_to_dict_is_json_and_complete(result):
    d = json.loads(json.dumps(result.to_dict()))
    assert d["overall"]["lean"] == result.lean
    assert [s["lean"] for s in d["stories"]] == ["tpm", "pmt", "shared"]
    assert {"gaps", "matches", "evidence", "weights", "scope", "notes"} <= set(d)


def test_str_summary(result):
    text = str(result)
    assert "Overall:" in text and "Gaps:" in text and "Postings your stories fit best" in text
    assert "#1 TPM" in text and "#2 PM-T" in text and "#3 shared" in text


def test_html_escapes_story_text(postings):
    res = fit(["<script>alert(1)</script> I tracked dependencies & risks."], postings)
    page = res._repr_html_()
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert "<mark" in page and "dependencies</mark>" in page and "&amp; <mark" in page


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        ([], "a &lt;b&gt; c"),
        ([(2, 5, "x")], 'a <mark title="x">&lt;b&gt;</mark> c'),
        ([(0, 3, "x"), (2, 7, "y")], '<mark title="x, y">a &lt;b&gt; c</mark>'),
    ],
)
def test_highlight(spans, expected):
    assert highlight("a <b> c", spans) == expected


def test_story_without_signal_gets_a_note(postings):
    res = fit([TPM_STORY, "I like long walks and good coffee."], postings)
    assert story(res, 2).lean == "shared"
    assert any("story 2" in n for n in res.notes)


# ------------------------------------------------------------------------------------------ input


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("one\n\ntwo", ["one", "two"]),
        ("first line\nsecond line\n\n\n  \nthird", ["first line second line", "third"]),
        ("Acme - TPM\n- did a\n- did b\n  continued\nGlobex - PM\n* did c", ["did a", "did b continued", "did c"]),
        ("# Heading\n\n**Bold** [link](http://x) story", ["Bold link story"]),
        ("1. first\n2) second", ["first", "second"]),
        ("<!-- note -->\n\nstory", ["story"]),
    ],
)
def test_split_stories(text, expected):
    assert split_stories(text) == expected


def test_txt_paragraphs(fixtures):
    stories = read_stories(fixtures / "stories_paragraphs.txt")
    assert len(stories) == 3
    assert stories[1].startswith("I interviewed 25 customers") and "pain points and grew" in stories[1]


def test_resume_bullets(fixtures, postings):
    path = fixtures / "stories_resume.md"
    stories = read_stories(str(path))
    assert len(stories) == 5
    assert not any("Northwind" in s or "Jordan" in s for s in stories)
    res = fit(path, postings)
    assert res.stories["lean"].tolist()[:2] == ["tpm", "tpm"]
    assert story(res, 4).lean == "pmt"


def test_pasted_text_is_split():
    assert read_stories(f"{TPM_STORY}\n\n{PMT_STORY}") == [TPM_STORY, PMT_STORY]


@pytest.mark.parametrize("stories", [[], [""], ["  ", "\n"], "", "   \n\n  "])
def test_empty_input(stories):
    with pytest.raises(DataError, match="no stories"):
        read_stories(stories)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("resume.pdf", b"%PDF-1.4 ...", "(?i)save it as .txt or .md"),
        ("resume.docx", b"PK\x03\x04 ...", "(?i)save it as .txt or .md"),
        ("resume.txt", b"PK\x03\x04\x00\x00binary", "(?i)save it as .txt or .md"),
        ("empty.md", b"  \n\n", "is empty"),
    ],
)
def test_bad_files(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        read_stories(path)


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        read_stories(str(tmp_path / "nope.txt"))


def test_non_text_items():
    with pytest.raises(DataError, match="story 2 is a int"):
        read_stories(["fine", 3])


@pytest.mark.parametrize(
    "foreign",
    [
        "Lideré el lanzamiento de la nueva plataforma de pagos con tres equipos de ingeniería y redujimos retrasos.",
        "Ich habe die Einführung der neuen Plattform mit drei Teams geleitet und die Verzögerungen halbiert.",
        "我负责了新支付平台的发布，协调了三个工程团队，并将发布延迟从三周缩短到两天。",
    ],
)
def test_non_english_story_is_named(postings, foreign):
    with pytest.raises(DataError, match=r"story 2 .*does not look like English.*English only"):
        fit([TPM_STORY, foreign], postings)


def test_english_resume_keywords_are_not_flagged(postings):
    res = fit(["Roadmap, pricing, customer discovery, onboarding funnel, retention, adoption, launches, beta"],
              postings)
    assert story(res, 1).lean == "pmt"


# ------------------------------------------------------------------------------------------ scope


def test_postings_without_roles_is_a_clear_error():
    df = make_postings().assign(role=pd.NA)
    with pytest.raises(KitError, match="PM-T and .* TPM postings"):
        fit([TPM_STORY], df)


def test_small_selection_borrows_weights(postings):
    pytest.importorskip("kit.analysis.selection")
    small = pd.concat([postings.iloc[:3], postings.iloc[-40:]])
    small.loc[small.index[:3], "company"] = "Tiny Co"
    res = fit([TPM_STORY], small, company="Tiny Co")
    assert res.scope["weights_from"] == "all postings"
    assert any("theme weights come from all postings" in n for n in res.notes)
    assert set(res.matches["posting_id"]) <= set(small.loc[small["company"] == "Tiny Co", "posting_id"])


# ------------------------------------------------------------------------------------------ CLI


@pytest.fixture
def cli_postings(monkeypatch, postings):
    import kit.cli

    monkeypatch.setattr(kit.cli, "_fit_postings", lambda paths: postings)


def test_cli_text(cli_postings, fixtures):
    out = CliRunner().invoke(cli, ["fit", str(fixtures / "stories_paragraphs.txt")])
    assert out.exit_code == 0, out.output
    assert "Overall:" in out.output and "#1 TPM" in out.output and "#2 PM-T" in out.output


def test_cli_json(cli_postings, fixtures):
    out = CliRunner().invoke(cli, ["fit", str(fixtures / "stories_paragraphs.txt"), "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert [s["lean"] for s in data["stories"]] == ["tpm", "pmt", "shared"]


def test_cli_bad_file_is_one_line(cli_postings, tmp_path):
    path = tmp_path / "resume.pdf"
    path.write_bytes(b"%PDF-1.4")
    out = CliRunner().invoke(cli, ["fit", str(path)])
    assert out.exit_code == 1
    assert "save it as .txt or .md" in out.output.lower()
    assert "Traceback" not in out.output


def test_kit_fit_is_callable_after_importing_the_module(postings):
    import kit
    import kit.analysis.storyfit  # noqa: F401 - rebinds the package attribute to the module

    res = kit.fit([TPM_STORY], postings)
    assert isinstance(res, FitResult) and res.lean == "tpm"


def test_selection_without_either_role_is_a_selection_error(postings):
    pytest.importorskip("kit.analysis.selection")
    from kit.core.errors import SelectionError

    df = postings.copy()
    df.loc[df.index[:5], ["company", "role"]] = ["Other Co", "other"]
    with pytest.raises(SelectionError, match="no PM-T or TPM postings"):
        fit([TPM_STORY], df, company="Other Co")


# ------------------------------------------------------------------------------------------ notebook

NOTEBOOK = kfit.DATA_DIR.parents[1] / "notebooks" / "05_story_fit.ipynb"


def test_notebook_is_committed_clean_with_typed_parameters():
    from papermill.inspection import _infer_parameters
    from papermill.iorw import load_notebook_node

    nb = load_notebook_node(str(NOTEBOOK))
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    assert tagged == [0]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in nb.cells if c.cell_type == "code")
    params = {p.name: p for p in _infer_parameters(nb)}
    assert list(params) == ["stories", "company", "market", "postings"]
    assert all(p.inferred_type_name == "str" and p.help for p in params.values())


@pytest.mark.slow
def test_notebook_runs_with_stories_and_company(tmp_path, fixtures):
    import papermill as pm

    out = tmp_path / "out.ipynb"
    pm.execute_notebook(str(NOTEBOOK), str(out), kernel_name="python3", cwd=str(tmp_path), progress_bar=False,
                        parameters={"stories": str(fixtures / "stories_resume.md"), "company": "Acme Cloud"})
    text = out.read_text(encoding="utf-8")
    assert "kit-fit-stories" in text and "<mark" in text


def test_headline_answers_plainly_and_matches_the_lean(postings):
    res = fit([TPM_STORY, PMT_STORY, SHARED_STORY], postings)
    o = res.overall.iloc[0]
    n_lean = {"pmt": o.n_pmt, "tpm": o.n_tpm}.get(o.lean)
    if o.lean == "shared":
        assert o.headline.startswith("Reads as shared ground") and "TPM" not in o.headline.split(":")[0]
    else:
        name = {"pmt": "PM-T", "tpm": "TPM"}[o.lean]
        assert o.headline.startswith(f"Reads as {name}: {n_lean} of 3 stories lean {name}")
    assert f"Overall: {o.headline}" in str(res) and o.headline in res._repr_html_()
    assert "<th>Phrases to add</th>" in res._repr_html_() and "theme_label" not in res._repr_html_()

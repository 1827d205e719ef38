"""Tests for kit.index.lexicon: the role-phrase lexicon and the shared text normalization."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from kit.core.errors import DataError
from kit.core.paths import DATA_DIR
from kit.index.lexicon import LEXICON_COLUMNS, SIDES, lexicon_hash, load_lexicon, load_themes, normalize, tokenize

THEMES = {
    "pmt": ["strategy", "roadmap", "customers", "requirements", "revenue", "adoption", "prioritization", "launch"],
    "tpm": ["schedule", "risk", "dependencies", "execution", "delivery", "release", "readiness", "program_process"],
    "shared": ["written_communication", "cross_functional", "technical_credibility", "stakeholder_alignment"],
    "technical": ["apis", "architecture", "distributed_systems", "data_flow", "reliability", "system_design"],
}


def test_default_lexicon_columns_and_sides():
    lex = load_lexicon()
    assert tuple(lex.columns) == LEXICON_COLUMNS
    assert set(lex["side"]) == set(SIDES)
    assert lex["phrase"].is_unique
    assert lex.attrs["hash"] == lexicon_hash()
    assert all(isinstance(v, tuple) and v for v in lex["variants"])


@pytest.mark.parametrize(("side", "themes"), THEMES.items())
def test_default_lexicon_has_the_documented_themes(side, themes):
    found = load_themes().set_index("theme")
    for theme in themes:
        assert found.loc[theme, "side"] == side
        assert found.loc[theme, "n_phrases"] >= 1


def test_claims_themes_exist_in_lexicon():
    claims = yaml.safe_load((DATA_DIR / "claims.yaml").read_text()) if (DATA_DIR / "claims.yaml").exists() else None
    if claims is None:
        pytest.skip("kit/data/claims.yaml not present")
    wanted = {t for c in claims["claims"] for t in c["themes"]}
    assert wanted <= set(load_lexicon()["theme"])


@pytest.mark.parametrize(
    ("phrase", "variant"),
    [
        ("roadmap", "road map"),
        ("roadmap", "roadmaps"),
        ("cross functional", "cross functional"),
        ("on time delivery", "deliver on time"),
        ("on time delivery", "on schedule"),
        ("go no go", "no go"),
        ("trade offs", "tradeoffs"),
    ],
)
def test_synonyms_are_variants_of_one_phrase(phrase, variant):
    lex = load_lexicon().set_index("phrase")
    assert variant in lex.loc[phrase, "variants"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Cross-Functional", "cross functional"),
        ("go/no-go", "go no go"),
        ("On-time delivery", "on time delivery"),
        ("end\u2013to\u2013end", "end to end"),
        ("well - spaced", "well - spaced"),
    ],
)
def test_normalize(text, expected):
    assert normalize(text) == expected


def test_tokenize_drops_one_letter_words():
    assert tokenize("A/B testing of the API") == ["testing", "of", "the", "api"]


@pytest.mark.parametrize(
    ("phrase", "text", "hit"),
    [
        ("roadmap", "Owns the Road-Map for Q3", True),
        ("cross functional", "works with Cross-Functional teams", True),
        ("on time delivery", "we deliver on time", True),
        ("roadmap", "roadmapping", False),
    ],
)
def test_pattern_finds_variants_in_raw_text(phrase, text, hit):
    pattern = load_lexicon().set_index("phrase").loc[phrase, "pattern"]
    assert bool(re.search(pattern, text)) is hit


def test_contained_variant_is_dropped():
    variants = load_lexicon().set_index("phrase").loc["cross functional", "variants"]
    assert "cross functional teams" not in variants  # listed in the file, but "cross functional" already matches


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "lexicon.yaml"
    path.write_text(body)
    return path


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("themes:\n  - id: t\n    side: pmt\n    phrases: [translate customer needs into requirements]\n", "5 words"),
        ("themes:\n  - id: t\n    side: pmt\n    phrases: [a/b testing]\n", "shorter than two characters"),
        ("themes:\n  - id: t\n    side: product\n    phrases: [roadmap]\n", "side 'product'"),
        ("themes:\n  - id: t\n    side: pmt\n    phrases: [roadmap, {plan: [road map, Roadmap]}]\n", "already belongs"),
        ("themes:\n  - id: t\n    side: pmt\n    phrases: []\n", "no phrases"),
        ("themes:\n  - {id: t, side: pmt, phrases: [plan]}\n  - {id: t, side: tpm, phrases: [risk]}\n", "twice"),
        ("nothing: here\n", "no `themes` list"),
        ("themes: [\n", "not valid YAML"),
    ],
)
def test_bad_lexicon_names_file_and_problem(tmp_path, body, message):
    path = _write(tmp_path, body)
    with pytest.raises(DataError) as err:
        load_lexicon(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_custom_lexicon_and_hash_changes_with_content(tmp_path):
    body = "themes:\n  - id: plans\n    label: Plans\n    side: tpm\n    phrases:\n      - plan: [plans]\n"
    path = _write(tmp_path, body)
    first = lexicon_hash(path)
    lex = load_lexicon(path)
    assert lex["phrase"].tolist() == ["plan"]
    assert lex["variants"].iloc[0] == ("plan", "plans")
    path.write_text(path.read_text() + "      - schedule\n")
    assert lexicon_hash(path) != first
    assert load_lexicon(path)["phrase"].tolist() == ["plan", "schedule"]


def test_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="cannot read the lexicon"):
        load_lexicon(tmp_path / "none.yaml")

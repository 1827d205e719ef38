"""Tests for kit.prepare.phrasematch: the one phrase normalization and matcher of the kit."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kit.analysis.claims import phrase_pattern
from kit.index.lexicon import spellings as lexicon_spellings
from kit.prepare.phrasematch import PhraseMatcher, normalize_phrase, phrase_words, spellings, stem


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("Cross-Functional", "cross functional"),
        ("cross functional", "cross functional"),
        ("cross/functional", "cross functional"),
        ("  Go/No-Go  ", "go no go"),
        ("end - to -\tend", "end to end"),
        ("roadmap", "roadmap"),
        ("node.js", "node.js"),
        ("   ", ""),
    ],
)
def test_normalize_phrase(phrase, expected):
    assert normalize_phrase(phrase) == expected
    assert phrase_words(phrase) == (expected.split(" ") if expected else [])


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("roadmap", ("roadmap",)),
        ("trade offs", ("trade offs", "trade-offs", "trade/offs")),
        ("Trade-Offs", ("trade offs", "trade-offs", "trade/offs")),
        ("", ()),
    ],
)
def test_spellings(phrase, expected):
    assert spellings(phrase) == expected


def test_spellings_of_three_words_and_the_lexicon_uses_them():
    out = spellings("go no go")
    assert len(out) == 9 and out[0] == "go no go" and "go/no-go" in out and "go-no-go" in out
    assert lexicon_spellings("go no go") == out


@pytest.mark.parametrize(
    ("text", "found"),
    [
        # joiners: space, hyphen, slash, runs of them, line breaks
        ("Strong cross-functional skills", {"cross functional"}),
        ("strong cross functional skills", {"cross functional"}),
        ("strong cross/functional skills", {"cross functional"}),
        ("strong cross -\nfunctional skills", {"cross functional"}),
        ("crossfunctional", set()),
        # case
        ("OWN THE ROADMAP", {"roadmap"}),
        # word edges: no letter or digit right before or after
        ("roadmaps and roadmapping", set()),
        ("a roadmap.", {"roadmap"}),
        ("(roadmap)", {"roadmap"}),
        ("roadmap2", set()),
        ("xroadmap", set()),
        ("the roadmap-owner", {"roadmap"}),
        # overlapping and nested phrases are all found
        ("cross functional team", {"cross functional", "functional team"}),
        ("data science team", {"data", "data science"}),
        ("database", set()),
        ("node.js and node", {"node.js", "node"}),
        ("node.js", {"node.js", "node"}),
        ("nodejs", set()),
        ("", set()),
    ],
)
def test_matcher_table(text, found):
    phrases = ["cross functional", "functional team", "roadmap", "data", "data science", "node.js", "node"]
    matcher = PhraseMatcher(phrases)
    assert {phrases[k] for k in matcher.columns(text)} == found
    # the single-pattern spelling of the same rules agrees, phrase by phrase
    for k, p in enumerate(phrases):
        assert bool(phrase_pattern([p]).search(text)) == (k in matcher.columns(text))


def test_groups_and_shared_variants():
    matcher = PhraseMatcher([["stakeholder", "stakeholders"], ["roadmap"], ["Stakeholders", "partners"]])
    assert matcher.n == 3
    assert matcher.columns("align stakeholders") == {0, 2}
    assert matcher.columns("our partners") == {2}


def test_find_is_a_text_by_phrase_matrix_over_distinct_texts():
    matcher = PhraseMatcher(["roadmap", "api"])
    texts = pd.Series(["Own the roadmap", None, "Design the API and the roadmap", "Own the roadmap", pd.NA])
    mat = matcher.find(texts)
    assert mat.shape == (5, 2) and mat.dtype == bool
    assert mat.toarray().tolist() == [[True, False], [False, False], [True, True], [True, False], [False, False]]
    assert matcher.find([]).shape == (0, 2)


def test_no_phrases_matches_nothing():
    assert PhraseMatcher([]).find(["anything"]).shape == (1, 0)
    assert PhraseMatcher(["", "  "]).columns("anything") == set()
    assert phrase_pattern([]).search("anything") is None


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["ship", "ships", "shipped", "shipping"], "ship"),
        (["dependency", "dependencies"], "dependency"),
        (["Roadmap", "roadmaps"], "roadmap"),
        (["process"], "process"),
        (["api"], "api"),
    ],
)
def test_stem(words, expected):
    assert {stem(w) for w in words} == {expected}


_PIECES = ["cross", "functional", "team", "data", "science", "node", ".js", "s", "x", "1", " ", "-", "/", "\n",
           "(", "."]
_PHRASES = ["cross functional", "functional team", "data", "data science", "science team", "node.js", "node",
            "team data"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=12))
def test_matcher_agrees_with_one_plain_regex_per_phrase(pieces):
    text = "".join(pieces)
    matcher = PhraseMatcher(_PHRASES)
    expected = {k for k, p in enumerate(_PHRASES) if _naive(p).search(text)}
    assert matcher.columns(text) == expected
    assert {k for k, p in enumerate(_PHRASES) if phrase_pattern([p]).search(text)} == expected


def _naive(phrase: str) -> re.Pattern:
    """The rules written out for one phrase: words joined by runs of space/hyphen/slash, ASCII word edges."""
    body = r"[\s\-/]+".join(re.escape(w) for w in phrase.split(" "))
    return re.compile(rf"(?<![a-z0-9]){body}(?![a-z0-9])", re.IGNORECASE)

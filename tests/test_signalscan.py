"""kit.prepare.signalscan: the RE2 scan finds exactly what Python's ``findall`` of the role-signal pattern finds.

The fast path (one RE2 pass in Arrow, word edges spelled as ASCII word boundaries) is compared with the simple
path (``Signals.regex.findall`` per line) on generated hostile text: capitals, underscores, accented letters,
``+``, Unicode white space and dashes next to phrases, plural endings, runs of joiners; on a rule file with
awkward phrases; and, when present, on every line of the real posting files. ``roles_from_text`` and
``signal_matches`` are compared with the same functions forced onto Python's ``re``.
"""

from __future__ import annotations

import dataclasses
import random
import warnings

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from kit.prepare.roles import _has_text, _scores, load_signals, roles_from_text, signal_matches
from kit.prepare.sections import ROLE_KINDS, spans_series
from kit.prepare.signalscan import find_all, re2_pattern
from kit.prepare.titles import classify_titles

_ODD = ["_", "#", "A", "Z", "é", "è", "+", "++", "ü", "ß", "İ", "ı", "ſ", "\u212a", "K", "\u00a0", "\u2003",
        "\u2009", "\x1c", "\x1f", "\x85", "\u3000", "\u2028", "-", "/", " ", "  ", " - ", "\t", "\r", "\x0b", "\x0c",
        "9", "0", "x", "q", ".", ",", "(", ")", "'", "\u2019", "\u2010", "\u2014", "\U0001f600", "s", "es", "e",
        "_api", "api_", "c", "++s", "\u0660", "\u00b2"]


def _hostile(keys: list[str], n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(0, 25)):
            piece = rng.choice(keys) if rng.random() < 0.55 else rng.choice(_ODD)
            if rng.random() < 0.3:
                piece = piece.replace(" ", rng.choice(["-", "/", "  ", "\u2009", " -/ ", "\t", "_", "#", ".", "é",
                                                       "\u00a0", "\u2010"]))
            if rng.random() < 0.15:
                piece = piece.upper() if rng.random() < 0.5 else piece[: max(1, len(piece) // 2)]
            parts.append(piece)
            if rng.random() < 0.5:
                parts.append(rng.choice([" ", "", "-", "s", "es", "é", "_", "a", "1", "+", "S", "ES"]))
        out.append("".join(parts).replace("\n", " "))
    return out


def _fast(lines: list[str], pattern: str) -> list[list[str]]:
    line, matched = find_all(pa.array(lines, type=pa.string()), pattern)
    got: list[list[str]] = [[] for _ in lines]
    for i, m in zip(line.tolist(), matched.to_pylist(), strict=True):
        got[i].append(m)
    return got


def _assert_same(lines: list[str], signals, *, show: bool = True) -> None:
    assert signals.re2 is not None
    got = _fast(lines, signals.re2)
    for k, (text, fast) in enumerate(zip(lines, got, strict=True)):
        assert fast == signals.regex.findall(text), repr(text) if show else f"line {k}"  # real text is not shown


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_bundled_signals_same_matches_as_findall_on_hostile_text(seed):
    signals = load_signals()
    lines = _hostile(list(signals.lookup), 4000, seed)
    _assert_same(lines, signals)  # as written (capitals, underscores) ...
    _assert_same([x.lower() for x in lines], signals)  # ... and lower-cased, as signal_matches scans them
    assert sum(map(len, _fast(lines, signals.re2))) > 4000  # the text really is full of phrases


AWKWARD = """
technical: [c++, .net, scalabilité, "r&d", 5g, a/b testing, x, node.js, "q&a"]
product: [roadmap, product-led growth, go-to-market, "s", "e"]
program: [milestones, cross functional, "e2e", programme, système]
"""


def test_awkward_phrases_same_matches_as_findall(tmp_path):
    path = tmp_path / "signals.yaml"
    path.write_text(AWKWARD, encoding="utf-8")
    signals = load_signals(path)
    assert signals.re2 is not None  # '.net' starts with a non-word character, 'c++' ends with one
    lines = _hostile(list(signals.lookup) + ["net", "r", "d", "&", "5", "js", "#", "q"], 6000, 7)
    _assert_same(lines, signals)
    _assert_same([x.lower() for x in lines], signals)


def test_phrases_re2_cannot_spell_fall_back_to_python(tmp_path):
    assert re2_pattern(["snake_case"]) is None and re2_pattern([""]) is None and re2_pattern([]) is None
    path = tmp_path / "signals.yaml"
    path.write_text("technical: [snake_case, api]\nproduct: [roadmap]\nprogram: [milestones]\n")
    signals = load_signals(path)
    assert signals.re2 is None
    out = signal_matches(pd.Series(["our snake_case API", "the roadmap"]), signals=signals)
    assert dict(zip(out["phrase"], out["count"], strict=True)) == {"snake_case": 1, "api": 1, "roadmap": 1}


def _python_only(signals):
    return dataclasses.replace(signals, re2=None)


def _texts(seed: int, n: int) -> pd.Series:
    rng = random.Random(seed)
    keys = list(load_signals().lookup)
    lines = _hostile(keys, n * 6, seed)
    heads = ["What you'll do", "Requirements", "About us", "Benefits", "Responsibilities:", "", "Who you are"]
    texts = []
    for k in range(n):
        body = []
        for line in lines[k * 6:(k + 1) * 6]:
            if rng.random() < 0.4:
                body.append(rng.choice(heads))
            body.append(("- " if rng.random() < 0.5 else "") + line)
        texts.append("\n".join(body))
    texts[::17] = [None] * len(texts[::17])
    texts[5::23] = ["   \n\t "] * len(texts[5::23])
    return pd.Series(texts, dtype="string")


@pytest.mark.parametrize("seed", [11, 12])
def test_signal_matches_fast_equals_python_path(seed):
    texts = _texts(seed, 600)
    spans = spans_series(texts)
    signals = load_signals()
    for kwargs in ({}, {"sections": spans, "kinds": ROLE_KINDS}, {"sections": spans, "kinds": ("about",)}):
        fast = signal_matches(texts, signals=signals, **kwargs)
        slow = signal_matches(texts, signals=_python_only(signals), **kwargs)
        assert len(fast) > 100
        pd.testing.assert_frame_equal(fast, slow)


@pytest.mark.parametrize("text", ["role", "all"])
def test_roles_from_text_fast_scores_equal_the_long_way(text):
    texts = _texts(21, 800)
    titles = ["Product Manager", "Program Manager", "Technical Product Manager", "Data Scientist"]
    classified = classify_titles([titles[k % 4] for k in range(len(texts))])
    spans = spans_series(texts)
    fast = roles_from_text(classified, texts, sections=spans, text=text)
    slow = roles_from_text(classified, texts, sections=spans, text=text, signals=_python_only(load_signals()))
    pd.testing.assert_frame_equal(fast, slow)
    # and the scores are those of signal_matches + _scores (pandas' sums) over the same texts
    needs = classified["role"].isin(["pm", "pgm", "pmt", "tpm"]) & texts.fillna("").str.strip().ne("")
    kwargs = {"sections": spans[needs], "kinds": ROLE_KINDS} if text == "role" else {}
    scores = _scores(signal_matches(texts[needs], **kwargs), texts.index)
    for signal in ("technical", "product", "program"):
        pd.testing.assert_series_equal(fast[f"{signal}_score"], scores[signal], check_names=False)
    assert (fast["technical_score"] > 0).sum() > 50


def test_weights_that_do_not_sum_exactly_go_the_long_way(tmp_path):
    path = tmp_path / "signals.yaml"
    path.write_text("technical:\n  - api: {variants: [sdk], weight: 0.1}\n  - sql: {weight: 0.2}\n"
                    "product: [roadmap]\nprogram: [milestones]\n")
    texts = pd.Series(["API, SDK and SQL", "sql", None, "roadmap api"], dtype="string")
    out = roles_from_text(classify_titles(["Product Manager"] * 4), texts, signals=load_signals(path))
    assert out["technical_score"].tolist() == [0.1 + 0.2, 0.2, 0.0, 0.1]


def test_has_text_is_pandas_strip():
    values = ["", " ", "\u00a0", "\u3000x", "\x1c", "\u200b", " \t\n", "a", " a ", None, "\u2028", "\x85", "\ufeff",
              "\u180e", "é", "\u2007 \u2007"]
    s = pd.Series(values * 3, dtype="string")
    pd.testing.assert_series_equal(_has_text(s), s.str.strip().fillna("").ne(""))


def _real_lines() -> list[str]:
    from tests.conftest import REAL_DIR

    names = ["jobspy_postings.csv.gz", "linkedin_postings.csv.gz"]
    missing = [n for n in names if not (REAL_DIR / n).exists()]
    if missing:
        pytest.skip(f"real data files {missing} not present in {REAL_DIR} (they live outside the repo in ../shared)")
    import kit

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        texts = pd.concat([kit.load_postings(REAL_DIR / n)["description"] for n in names])
    lines = pc.split_pattern(pc.utf8_lower(pa.array(texts.dropna().astype(str).tolist())), "\n").flatten()
    return pc.unique(lines).to_pylist()


@pytest.mark.real
def test_real_postings_same_matches_as_findall():
    lines = _real_lines()
    assert len(lines) > 1000
    _assert_same(lines, load_signals(), show=False)

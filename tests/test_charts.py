"""Chart functions: traces, labels, colours and small-sample marks on small hand-built tables."""

from __future__ import annotations

import os

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from kit import charts

PMT, TPM = charts.COLORS["pmt"], charts.COLORS["tpm"]
EVIL = "<script>alert(1)</script> & co"


def _freq(n_a: int = 120, n_b: int = 15) -> pd.DataFrame:
    rows = []
    for role, n, shares in (("pmt", n_a, (0.8, 0.1, 0.5)), ("tpm", n_b, (0.2, 0.7, 0.45))):
        for phrase, share in zip(("product roadmap", "dependencies", EVIL), shares, strict=True):
            rows.append(dict(role=role, phrase=phrase, theme="theme", side="pmt", n_mentioning=round(share * n),
                             n_postings=n, share=share, ci_low=share - 0.05, ci_high=share + 0.05))
    return pd.DataFrame(rows)


def _dist(n_a: int = 120, n_b: int = 15) -> pd.DataFrame:
    df = pd.DataFrame({
        "phrase": ["roadmap", "customer", EVIL, "communication", "risks", "dependencies"],
        "count_a": [90, 60, 30, 50, 5, 3], "count_b": [5, 4, 30, 45, 70, 80],
        "docs_a": [80, 50, 25, 40, 5, 3], "docs_b": [5, 4, 25, 40, 60, 70],
        "log_odds": [2.0, 1.5, 0.0, 0.1, -1.8, -2.2], "variance": 0.1,
        "z": [6.0, 4.0, 0.1, 0.5, -5.0, -7.0], "side": ["pmt", "pmt", "pmt", "pmt", "tpm", "tpm"],
    })
    df["total"] = df["count_a"] + df["count_b"]
    df.attrs.update(a="pmt", b="tpm", n_a=n_a, n_b=n_b)
    return df


def _variants() -> pd.DataFrame:
    return pd.DataFrame({
        "company": ["Acme", "Acme", EVIL, EVIL, "Acme"],
        "role": ["pmt", "tpm", "pmt", "tpm", "pmt"],
        "variant": ["Technical Product Manager", "Technical Program Manager", "Platform Product Manager",
                    "Engineering Program Manager", None],
        "title": ["Senior Technical Product Manager", "TPM II", "Platform PM", EVIL, "PM, Technical"],
        "n": [40, 30, 5, 8, 12], "share": [0.77, 1.0, 1.0, 1.0, 0.23],
    })


def _themes() -> pd.DataFrame:
    df = pd.DataFrame({"theme": ["roadmap", "execution", "communication"], "side": ["pmt", "tpm", "shared"],
                       "share_a": [0.6, 0.2, 0.7], "share_b": [0.1, 0.7, 0.65], "n_a": 120, "n_b": 15})
    df.attrs.update(a="pmt", b="tpm")
    return df


def _overlap() -> pd.DataFrame:
    return pd.DataFrame({"company": ["(all)", "Acme", EVIL], "measure": "jaccard", "value": [0.4, 0.5, 0.2],
                         "n_a": [125, 52, 5], "n_b": [38, 30, 8], "small_sample": [False, False, True],
                         "description": "Jaccard similarity of the phrase sets"})


def _pay(roles=("pmt", "tpm")) -> pd.DataFrame:
    a, b = roles
    df = pd.DataFrame({"ladder": ["mid", "mid", "senior", "senior"], "ladder_rank": [2, 2, 3, 3],
                       "role": [a, b, a, b], "n": [40, 35, 50, 10], "median": [150e3, 145e3, 200e3, 210e3],
                       "p25": [130e3, 125e3, 180e3, 185e3], "p75": [170e3, 165e3, 230e3, 235e3],
                       "small_sample": [False, False, False, True]})
    df.attrs.update(by="ladder", measure="total", currency="USD", compare="role" if a == "pmt" else "family")
    return df


def _trend() -> pd.DataFrame:
    months = pd.to_datetime(["2025-01-01", "2025-02-01"])
    rows = []
    for m, total in zip(months, (100, 10), strict=True):
        rows += [dict(month=m, series="pmt", n_postings=total, n=total // 2, kind="role"),
                 dict(month=m, series="tpm", n_postings=total, n=total // 4, kind="role"),
                 dict(month=m, series=EVIL, n_postings=total, n=1, kind="phrase")]
    df = pd.DataFrame(rows)
    df["share"] = df["n"] / df["n_postings"]
    return df


ALL = [
    (charts.phrase_frequency_chart, _freq),
    (charts.distinctive_scatter, _dist),
    (charts.distinctive_bars, _dist),
    (charts.variants_sunburst, _variants),
    (charts.variants_by_company, _variants),
    (charts.theme_shares_chart, _themes),
    (charts.overlap_sets_chart, _dist),
    (charts.overlap_by_company, _overlap),
    (charts.pay_by_level_chart, _pay),
    (charts.trend_chart, _trend),
]


def _trace(fig: go.Figure, name_start: str) -> go.BaseTraceType:
    return next(t for t in fig.data if (t.name or "").startswith(name_start))


@pytest.mark.parametrize(("chart", "make"), ALL, ids=[c.__name__ for c, _ in ALL])
def test_every_chart_uses_the_template_states_n_and_escapes_text(chart, make):
    fig = chart(make())
    assert isinstance(fig, go.Figure)
    assert fig.layout.template.layout.colorway == charts.PALETTE
    assert fig.layout.title.text
    assert "n=" in fig.layout.title.subtitle.text
    assert len(fig.data) >= 1
    dumped = fig.to_json()
    assert "<script>" not in dumped


@pytest.mark.parametrize(("chart", "make"), ALL, ids=[c.__name__ for c, _ in ALL])
def test_every_chart_turns_an_empty_table_into_a_message(chart, make):
    empty = make().iloc[0:0]
    fig = chart(empty)
    assert len(fig.data) == 0
    assert fig.layout.annotations[0].text.startswith("No ")


def test_phrase_frequency_sorted_by_difference_with_n_in_hover_and_small_group_marked():
    fig = charts.phrase_frequency_chart(_freq(n_b=15))
    pmt, tpm = _trace(fig, "PM-T"), _trace(fig, "TPM")
    assert pmt.marker.color == PMT and tpm.marker.color == TPM
    # ascending difference (pmt - tpm), so the most PM-T phrase is at the top of the horizontal chart
    assert list(pmt.y) == ["dependencies", "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co", "product roadmap"]
    assert pmt.x[-1] == pytest.approx(80.0)
    assert "of %{customdata[1]} postings" in pmt.hovertemplate
    assert pmt.customdata[-1][0] == 96 and pmt.customdata[-1][1] == 120
    assert "n<20" in tpm.name and "n<20" not in pmt.name
    assert set(tpm.marker.pattern.shape) == {"/"} and set(pmt.marker.pattern.shape) == {""}
    assert max(tpm.marker.opacity) < 1 and min(pmt.marker.opacity) == 1


def test_phrase_frequency_top_keeps_the_largest_differences():
    fig = charts.phrase_frequency_chart(_freq(), top=2)
    assert set(_trace(fig, "PM-T").y) == {"dependencies", "product roadmap"}


def test_distinctive_scatter_colours_sides_labels_extremes_and_flags_small_group():
    fig = charts.distinctive_scatter(_dist(n_b=12), label=1)
    more_a, more_b = _trace(fig, "more PM-T"), _trace(fig, "more TPM")
    assert more_a.marker.color == PMT and more_b.marker.color == TPM
    assert sorted(more_a.y) == [4.0, 6.0] and sorted(more_b.y) == [-7.0, -5.0]
    assert [t for t in more_a.text if t] == ["roadmap"] and [t for t in more_b.text if t] == ["dependencies"]
    assert fig.layout.xaxis.type == "log"
    assert "TPM n<20" in fig.layout.title.subtitle.text


def test_distinctive_bars_diverge_around_zero():
    fig = charts.distinctive_bars(_dist(), top=2)
    assert all(z > 0 for z in _trace(fig, "PM-T").x) and all(z < 0 for z in _trace(fig, "TPM").x)
    assert "n<20" in _trace(fig, "TPM").name


def test_variants_sunburst_builds_role_variant_title_tree():
    fig = charts.variants_sunburst(_variants())
    sb = fig.data[0]
    assert sb.type == "sunburst"
    ids = list(sb.ids)
    parents = dict(zip(ids, sb.parents, strict=True))
    assert parents["r:pmt"] == "" and parents["r:pmt/v:Technical Product Manager"] == "r:pmt"
    assert sb.values[ids.index("r:pmt")] == 57
    assert "r:pmt/v:(no variant)" in ids
    assert sb.marker.colors[ids.index("r:tpm")] == TPM
    assert "&lt;script&gt;" in " ".join(sb.labels)


def test_variants_by_company_stacks_roles_and_marks_small_companies():
    fig = charts.variants_by_company(_variants())
    pmt = _trace(fig, "PM-T")
    assert list(pmt.x) == [5, 52]  # sorted: the small company first (bottom), Acme on top
    assert pmt.y[0].endswith("(n<20)") and "&lt;script&gt;" in pmt.y[0]
    assert list(pmt.marker.pattern.shape) == ["/", ""]


def test_variants_by_company_merges_spellings_of_one_company():
    df = _variants()
    df.loc[len(df)] = ["Acme, Inc.", "tpm", "Technical Program Manager", "TPM", 3, 1.0]
    fig = charts.variants_by_company(df)
    tpm = _trace(fig, "TPM")
    assert list(tpm.y)[-1] == "Acme" and list(tpm.x)[-1] == 33


def test_theme_shares_bands_shared_themes():
    fig = charts.theme_shares_chart(_themes())
    assert {t.marker.color for t in fig.data} == {PMT, TPM}
    assert len(fig.layout.shapes) == 1 and "0,158,115" in fig.layout.shapes[0].fillcolor
    labels = list(_trace(fig, "PM-T").y)
    assert labels.index("communication (shared)") == fig.layout.shapes[0].y0 + 0.5


def test_overlap_sets_counts_each_set():
    fig = charts.overlap_sets_chart(_dist())
    counts = {t.name: t.x[0] for t in fig.data}
    assert counts == {"distinctive of PM-T": 2, "distinctive of TPM": 2, "shared (used by both, not distinctive)": 2}
    assert fig.data[1].marker.color == charts.COLORS["shared"]
    # TPM n=15 is a small sample: its set and the shared set (which depends on it) are hatched
    assert [tuple(t.marker.pattern.shape) for t in fig.data] == [("/",), ("/",), ("",)]


def test_overlap_by_company_reference_line_and_small_mark():
    fig = charts.overlap_by_company(_overlap())
    bar = fig.data[0]
    assert list(bar.x) == [0.2, 0.5]
    assert bar.y[0].endswith("(n<20)") and list(bar.marker.pattern.shape) == ["/", ""]
    assert any(s.type == "line" and s.x0 == 0.4 for s in fig.layout.shapes)


def test_pay_by_level_boxes_medians_and_small_samples():
    fig = charts.pay_by_level_chart(_pay())
    bars = [t for t in fig.data if t.type == "bar"]
    meds = [t for t in fig.data if t.type == "scatter" and t.mode == "text"]
    assert [b.marker.color for b in bars] == [PMT, TPM]
    assert list(bars[1].base) == [125e3, 185e3] and list(bars[1].y) == [40e3, 50e3]
    assert list(meds[1].text) == ["145k", "210k<br>n<20"]
    assert list(meds[1].y) == [165e3, 235e3]  # labels sit above the bars
    assert list(bars[1].marker.pattern.shape) == ["", "/"]
    assert list(fig.layout.xaxis.ticktext) == ["mid", "senior"]
    assert "by role" in fig.layout.title.text and "family" not in fig.layout.title.text
    assert "USD" in fig.layout.yaxis.title.text


def test_pay_by_level_keeps_one_currency_and_says_so():
    usd = _pay()
    gbp = _pay().assign(currency="GBP", n=5)
    table = pd.concat([usd.assign(currency="USD"), gbp], ignore_index=True)
    table.attrs.update(by="ladder", measure="total", currency=None)
    fig = charts.pay_by_level_chart(table)
    bars = [t for t in fig.data if t.type == "bar"]
    assert sum(len(b.x) for b in bars) == 4
    sub = fig.layout.title.subtitle.text
    assert "showing currency USD only" in sub and "GBP (n=20)" in sub
    assert "(USD)" in fig.layout.yaxis.title.text


def test_pay_by_level_title_says_when_compared_by_family():
    fig = charts.pay_by_level_chart(_pay(roles=("product", "program")))
    assert "family" in fig.layout.title.text
    assert [t.marker.color for t in fig.data if t.type == "bar"] == [PMT, TPM]


def test_trend_lines_roles_and_phrases_with_hollow_small_months():
    fig = charts.trend_chart(_trend())
    pmt, tpm = _trace(fig, "PM-T"), _trace(fig, "TPM")
    phrase = next(t for t in fig.data if "script" in t.name)
    assert pmt.line.color == PMT and tpm.line.color == TPM and phrase.line.dash == "dot"
    assert list(pmt.y) == [50.0, 50.0]
    assert list(pmt.marker.color) == [PMT, "white"]  # the 10-posting month is hollow
    assert "small sample" in pmt.customdata[1][2]


@pytest.mark.parametrize(("freq", "labels", "word"), [("YS", ["2023", "2024", "2025"], "year"),
                                                      ("QS", ["2023 Q1", "2023 Q2", "2023 Q3"], "quarter")])
def test_trend_ticks_follow_the_bin(freq, labels, word):
    starts = pd.date_range("2023-01-01", periods=3, freq=freq)
    trend = pd.DataFrame({"month": list(starts) * 2, "series": ["pmt"] * 3 + ["tpm"] * 3, "kind": "role",
                          "n_postings": 40, "n": 20, "share": 0.5})
    trend.attrs["freq"] = freq
    fig = charts.trend_chart(trend)
    assert list(fig.layout.xaxis.ticktext) == labels  # one label per bin, each once
    assert f"per {word}" in fig.layout.title.text and f"{word}s with fewer" in fig.layout.title.subtitle.text
    assert fig.layout.width is None and fig.layout.autosize  # takes its container's width
    assert fig.data[0].customdata[0][3] == labels[0]  # the hover names the bin too


def test_empty_figure_escapes_message():
    fig = charts.empty_figure("No postings for <b>x</b>")
    assert fig.layout.annotations[0].text == "No postings for &lt;b&gt;x&lt;/b&gt;"


@pytest.mark.parametrize(("code", "name", "color"), [("pmt", "PM-T", PMT), ("tpm", "TPM", TPM),
                                                      ("pm", "PM (generic)", "#CC79A7"),  # issue 12.4: its own colour
                                                      ("pgm", "Program Mgr (generic)", "#D55E00")])
def test_role_names_and_colours(code, name, color):
    assert charts.role_name(code) == name
    assert charts.role_color(code) == color


def test_a_role_without_a_colour_gets_its_own_never_a_known_roles():
    assert charts.role_name("<x>") == "&lt;x&gt;"
    color = charts.role_color("<x>")
    assert color == charts.role_color("<x>")  # stable
    assert color not in {charts.COLORS[r] for r in ("pmt", "tpm", "pm", "pgm", "shared", "other")}


def test_long_subtitles_wrap_and_the_top_margin_makes_room():
    from kit.charts.figures import wrap_subtitle

    long = "; ".join(f"part {i} of a long subtitle &amp; more" for i in range(8))
    lines = wrap_subtitle(long, width=60).split("<br>")
    assert len(lines) > 2 and all(len(line.replace("&amp;", "&")) <= 60 for line in lines)
    assert "<br>".join(lines).replace("<br>", " ") == long  # nothing lost, only line breaks added
    fig = charts.empty_figure("x")
    fig = charts.figures._layout(fig, "T", long, margin=dict(l=10, t=95))
    assert fig.layout.margin.t >= 95 + 18 * fig.layout.title.subtitle.text.count("<br>") and fig.layout.margin.l == 10


def test_setup_registers_template_and_renderer(monkeypatch):
    old_template, old_renderer = pio.templates.default, pio.renderers.default
    try:
        monkeypatch.setenv("KIT_PLOTLY_RENDERER", "notebook_connected")
        assert charts.setup() == "notebook_connected"
        assert pio.templates.default == "swimlanes"
        assert charts.setup("json") == "json"
    finally:
        pio.templates.default, pio.renderers.default = old_template, old_renderer
        os.environ.pop("KIT_PLOTLY_RENDERER", None)

"""The selection view (tables and charts that never raise) and the ipywidgets explorer, driven by code."""

from __future__ import annotations

import os
import re

import pandas as pd
import pytest

import kit
from kit import views
from kit.core.paths import ROOT
from kit.index import phraseindex as kit_index
from kit.widgets import explorer

FIXTURE = ROOT / "tests" / "fixtures" / "explorer_postings.csv"


@pytest.fixture(scope="module")
def postings(tmp_path_factory):
    # module scope runs before conftest's per-test cache isolation: keep the index cache out of ~/.cache
    os.environ.setdefault("KIT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    return kit.load_postings(FIXTURE)


def test_view_selects_and_states_counts(postings):
    v = views.view(postings, False, company="Alpha Cloud")
    assert len(v.postings) == 24 and not v.empty
    ov = v.overview().set_index("role")
    assert ov.loc["pmt", "postings"] == 12 and ov.loc["tpm", "name"] == "TPM"
    md = v._repr_markdown_()
    assert "Alpha Cloud" in md and "PM-T 12" in md and "Fewer than 20 postings" in md


def test_view_blank_parameters_mean_no_condition(postings):
    v = views.view(postings, False, company="", market="", since="", until="")
    assert len(v.postings) == len(postings)
    assert v.label == "all companies and markets"


def test_unknown_company_gives_an_empty_view_with_suggestions(postings):
    v = views.view(postings, False, company="Alpha Clowd")
    assert v.empty and "Alpha Cloud" in v.message
    table = v.table("phrases")
    assert table.empty and "Alpha Cloud" in table.attrs["message"]
    fig = v.figure("phrases")
    assert len(fig.data) == 0 and "Alpha Cloud" in fig.layout.annotations[0].text
    assert "No postings to show" in v._repr_markdown_()


def test_one_sided_selection_explains_instead_of_failing(postings):
    v = views.view(postings, False, company="Gamma Labs")
    fig = v.figure("distinctive")
    assert len(fig.data) == 0
    assert "6 PM-T and 0 TPM" in fig.layout.annotations[0].text
    assert v.figure("titles").data[0].type == "sunburst"  # what one role alone can show still draws


def test_no_pay_table_is_a_message(postings):
    v = views.view(postings, False)
    assert v.table("pay").attrs["message"] == "No pay table loaded."
    assert "No pay table" in v.figure("pay").layout.annotations[0].text


def test_story_fit_without_stories_is_a_note(postings):
    note = views.view(postings, False).story_fit("")
    assert isinstance(note, views.Note) and "stories" in note._repr_markdown_()


@pytest.mark.parametrize("name", sorted(views.CHARTS))
def test_every_chart_of_a_two_role_selection_draws(postings, name):
    v = views.view(postings, False, market="SF Bay Area")
    fig = v.figure(name)
    if name == "pay":
        assert len(fig.data) == 0
    else:
        assert len(fig.data) > 0, fig.layout.annotations
        assert "SF Bay Area" in fig.layout.title.subtitle.text


def _phrase_counts(ex) -> dict:
    fig = ex.figures["phrases"]
    return {t.name: tuple(t.x) for t in fig.data}


def test_explorer_redraws_in_place_when_a_picker_changes(postings):
    ex = kit.explore(postings, pay=False)
    assert ex.tabs.titles == ("Phrases", "Distinctive", "Titles", "Overlap", "Pay", "Trend")
    assert ex.company.options == ("(all)", "Alpha Cloud", "Beta Data", "Gamma Labs")  # most postings first
    before = _phrase_counts(ex)
    figure = ex.figures["phrases"]
    assert set(before) == {"PM-T (n=28)", "TPM (n=22)"}
    builds = kit_index.STATS["builds"]
    ex.company.value = "Beta Data"
    after = _phrase_counts(ex)
    assert ex.figures["phrases"] is figure  # same widget, new data
    assert set(after) == {"PM-T (n=10, n<20)", "TPM (n=10, n<20)"}
    assert after["TPM (n=10, n<20)"] != before["TPM (n=22)"]
    assert "Beta Data" in ex.status.value
    assert "Beta Data" in figure.layout.title.subtitle.text
    assert kit_index.STATS["builds"] == builds  # the cached index was reused, nothing re-tokenized


def test_explorer_empty_selection_shows_a_message(postings):
    ex = kit.explore(postings, pay=False)
    ex.company.value = "Gamma Labs"
    ex.market.value = "London"
    assert "No postings to show" in ex.status.value
    fig = ex.figures["phrases"]
    assert len(fig.data) == 0 and fig.layout.annotations[0].text


def test_explorer_draws_other_tabs_when_shown_and_follows_dates_and_roles(postings):
    ex = kit.explore(postings, pay=False)
    assert len(ex.figures["trend"].data) == 0  # not drawn until shown
    ex.tabs.selected_index = list(explorer.TABS).index("Trend")
    trend = ex.figures["trend"]
    # 50 postings over 6 months is under 20 a month: the view bins by quarter instead
    assert {len(t.x) for t in trend.data} == {2} and "per quarter" in trend.layout.title.text
    assert "n=50 dated postings" in trend.layout.title.subtitle.text
    ex.dates.value = ("2025-02", "2025-03")
    assert "per year" in trend.layout.title.text and "n=50" not in trend.layout.title.subtitle.text
    ex.role_b.value = "pm"  # no generic PMs in the fixture: the comparison explains itself
    ex.tabs.selected_index = 0
    assert "0 PM (generic)" in ex.figures["phrases"].layout.annotations[0].text


def test_load_caches_by_path():
    first = views.load(FIXTURE)
    assert views.load(FIXTURE) is first
    frame = pd.DataFrame()
    assert views.load(frame) is frame


def test_explorer_overlap_tab_shows_the_claims_table_for_people(postings):
    ex = kit.explore(postings, pay=False)
    ex.tabs.selected_index = list(explorer.TABS).index("Overlap")
    html = ex.tables["themes"].value
    assert "Claims checked" in html and 'class="kit-badge kit-badge-' in html
    assert not re.search(r">\s*0\.\d{4,}", html)  # shares as percentages, not raw fractions


def test_role_b_drives_the_trend_tab(postings):
    ex = kit.explore(postings, pay=False)
    ex.role_a.value, ex.role_b.value = "tpm", "pm"  # the fixture has no generic PMs: only Role A's line
    ex.tabs.selected_index = list(explorer.TABS).index("Trend")
    assert [t.name for t in ex.figures["trend"].data if t.line.dash == "solid"] == ["TPM"]
    ex.role_b.value = "pmt"
    names = [t.name for t in ex.figures["trend"].data if t.line.dash == "solid"]
    assert names == ["TPM", "PM-T"]  # Role A first, then Role B: the pickers decide, not a fixed pair


def test_view_and_explorer_say_which_sections_were_counted(postings):
    v = views.view(postings, False, company="Alpha Cloud")
    assert v.sections == "role" and "role's own sections" in v._repr_markdown_()
    assert v.table("phrases").attrs["sections"] == "role" and v.table("claims").attrs["sections"] == "role"
    whole = views.view(postings, False, company="Alpha Cloud", sections="all")
    assert "whole description" in whole._repr_markdown_()
    assert whole.table("phrases").attrs["sections"] == "all" and whole.table("overlap").attrs["sections"] == "all"
    ex = kit.explore(postings, pay=False)
    assert "role&#x27;s own sections" in ex.status.value or "role's own sections" in ex.status.value


@pytest.fixture(scope="module")
def sample_explorer(postings):  # ``postings`` first: its cache directory is set before the sample is indexed
    ex = kit.explore("", pay="")
    ex.role_b.value = "pm"  # by hand, as a reader would
    ex.draw_all()
    return ex


def _role_names_drawn(fig) -> set[str]:
    names = {str(t.name) for t in fig.data if t.name}
    for t in fig.data:
        if t.type == "sunburst":
            names |= {str(label) for label in t.labels if label in ("PM-T", "TPM", "PM (generic)")}
    return names


@pytest.mark.parametrize("tab", list(explorer.TABS))
def test_role_b_pm_is_drawn_on_every_tab_and_tpm_never(sample_explorer, tab):
    fig = sample_explorer.figures[explorer.TABS[tab]]
    names = _role_names_drawn(fig)
    assert len(fig.data) > 0, tab
    assert any("PM (generic)" in n for n in names), (tab, names)
    assert not any("TPM" in n for n in names), (tab, names)
    assert "TPM" not in str(fig.layout.title.subtitle.text or ""), tab


def test_pay_tab_colours_each_role_apart(sample_explorer):
    bars = [t for t in sample_explorer.figures["pay"].data if t.type == "bar"]
    colours = {t.name: t.marker.color for t in bars}
    assert len(colours) == 2 and len(set(colours.values())) == 2, colours
    pm = next(c for n, c in colours.items() if n.startswith("PM (generic)"))
    pmt = next(c for n, c in colours.items() if n.startswith("PM-T"))
    assert pmt == kit.charts.COLORS["pmt"] and pm == kit.charts.COLORS["pm"]


def test_claims_under_the_overlap_tab_name_role_b(sample_explorer):
    html = sample_explorer.tables["themes"].value
    assert "PM (generic) postings" in html and "&gt; pm<" not in html and "> pm<" not in html


def test_explorer_charts_follow_their_container_width(postings):
    from kit.widgets.figure import FitFigureWidget, resizing_esm

    ex = kit.explore(postings, pay=False)
    assert all(isinstance(f, FitFigureWidget) for f in ex.figures.values())
    esm = resizing_esm()
    assert esm is not None and "ResizeObserver" in esm and "autosizeFigure" in esm
    assert ex.figures["phrases"]._esm == esm  # the patched front end is what the browser gets
    fig = ex.figures["phrases"]
    assert fig.layout.autosize and fig.layout.width is None
    assert ex.tabs.layout.width == "100%" and all(p.layout.width == "100%" for p in ex.tabs.children)


def test_the_same_role_twice_says_so_instead_of_failing(postings):
    ex = kit.explore(postings, pay=False)
    ex.role_b.value = "pmt"  # Role A is PM-T already
    fig = ex.figures["phrases"]
    assert len(fig.data) == 0 and "both PM-T" in fig.layout.annotations[0].text


# -- the story-fit app (05_story_fit.ipynb) ----------------------------------------------------------------


def test_story_fit_button_redraws_the_whole_result_area(postings):
    from kit.prepare.companies import company_key
    from kit.widgets.storyfit import story_fit_app

    sample = views.load("")
    app = story_fit_app(sample, company="Acme")  # a unique prefix picks the company's display name
    assert app.company.value == "Acme Cloud"
    labels = [label for label, _value in app.company.options[1:]]
    assert len({company_key(x) for x in labels}) == len(labels)  # one entry per company
    raw = set(sample["company"].dropna().astype(str))
    assert not any(x.endswith((" Inc", ", Inc.")) for x in labels) or raw <= set(labels)
    blocks = {"headline": app.headline, "stories": app.stories, "gaps": app.gaps, "matches": app.matches}
    before = {k: b.value for k, b in blocks.items()}
    chart_before = app.chart.layout.title.subtitle.text
    assert "Acme Cloud" in before["headline"] and "Acme Cloud" in before["matches"]
    other = next(x for x in labels if x != "Acme Cloud")
    app.company.value = other
    app.text.value = ("Ran the weekly release train across six teams, tracked dependencies and risks, and "
                      "kept the launch schedule on time.\n\nWrote the migration plan and escalated blockers.")
    app.button.click()
    after = {k: b.value for k, b in blocks.items()}
    changed = [k for k in blocks if after[k] != before[k]]
    assert changed == list(blocks), f"unchanged after pressing the button: {set(blocks) - set(changed)}"
    assert other in after["headline"] and "2 stories" in after["headline"]
    assert "release train" in after["stories"] and "Acme Cloud" not in after["matches"]
    assert app.chart.layout.title.subtitle.text != chart_before and other in app.chart.layout.title.subtitle.text
    assert other in app.to_html() and "text/html" in app._repr_mimebundle_()


def test_story_fit_that_cannot_fit_says_why_and_clears_the_old_result(postings):
    from kit.widgets.storyfit import story_fit_app

    app = story_fit_app(postings)
    assert app.result is not None and app.matches.value
    app.text.value = "   "  # no stories: a reason, and none of the previous result left on screen
    app.button.click()
    assert app.result is None and "No fit for all postings" in app.headline.value
    assert app.stories.value == app.gaps.value == app.matches.value == ""
    assert len(app.chart.data) == 0 and app.chart.layout.annotations

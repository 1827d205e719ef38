"""The story-fit app of ``05_story_fit.ipynb``: stories, a company picker, one button, and a result area.

The result area (headline, per-story table, gaps, best-matching postings, theme chart) is redrawn as a whole by
every press of the button.

The picker lists each company once, under its display name (:func:`kit.prepare.companies.company_keys`), however
the postings spell it. Every block comes from :func:`kit.analysis.storyfit.fit` and the tables for people
(:mod:`kit.charts.tables`); the notebook only calls :func:`story_fit_app`.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from os import PathLike

import pandas as pd

from kit import charts
from kit.analysis.selection import select
from kit.analysis.storyfit import EXAMPLE_STORIES, FitResult, fit, read_stories
from kit.charts.tables import people_table
from kit.core.errors import KitError
from kit.prepare.companies import company_keys
from kit.views.api import load
from kit.widgets.figure import FitFigureWidget

__all__ = ["StoryFitApp", "company_names", "story_fit_app"]

ALL_COMPANIES = "(all companies)"


def company_names(postings: pd.DataFrame) -> list[str]:
    """Each company of ``postings`` once, by its display name, most postings first (ties by name).

    Args:
        postings: A postings table.

    Returns:
        Display names ("Initech" for "Initech", "Initech Inc" and "Initech, Inc.").
    """
    codes, _keys, labels = company_keys(postings)
    sizes = pd.Series(codes[codes >= 0]).value_counts()
    ranked = sorted(sizes.items(), key=lambda kv: (-kv[1], str(labels[kv[0]])))
    return [str(labels[k]) for k, _n in ranked]


def _display_name(postings: pd.DataFrame, company: str, names: list[str]) -> str:
    """The picker entry for a ``company`` parameter ("Acme" -> "Acme Cloud"); "" when it names no one company."""
    if not company or company in names:
        return company or ""
    try:
        rows = select(postings, company=company)
    except KitError:
        return ""
    found = company_names(rows) if len(rows) else []
    return found[0] if len(found) == 1 else ""


class StoryFitApp:
    """Stories, a company picker and a button over a result area that is redrawn whole on every press.

    Attributes:
        widget: The whole interface (Jupyter displays the app itself).
        text, company, button: The inputs.
        headline, stories, gaps, matches, notes: ``HTML`` widgets of the result area; ``chart`` the theme chart.
        result: The last :class:`FitResult`, or None when the last press could not fit (``headline`` says why).
    """

    def __init__(self, postings: pd.DataFrame, *, stories: Sequence[str], company: str = "", market: str = ""):
        import ipywidgets as w

        self.postings = postings
        self.market = market
        names = company_names(postings)
        full = w.Layout(width="100%")
        self.text = w.Textarea(value="\n\n".join(stories), layout=w.Layout(width="100%", height="240px"))
        self.company = w.Dropdown(options=[(ALL_COMPANIES, ""), *[(n, n) for n in names]],
                                  value=_display_name(postings, company, names), description="Company")
        self.button = w.Button(description="Fit my stories", button_style="primary", icon="play")
        self.headline = w.HTML(layout=full)
        self.stories = w.HTML(layout=full)
        self.gaps = w.HTML(layout=full)
        self.matches = w.HTML(layout=full)
        self.notes = w.HTML(layout=full)
        self.chart = FitFigureWidget()
        self.result: FitResult | None = None
        self.button.on_click(lambda _button: self.update())
        results = w.VBox([self.headline, w.HTML("<h4>Story by story</h4>"), self.stories, self.gaps,
                          self.matches, self.chart, self.notes], layout=full)
        self.widget = w.VBox([self.text, w.HBox([self.company, self.button]), results], layout=full)
        self.update()

    def _repr_mimebundle_(self, **kwargs) -> dict:
        """The live widget, plus the result as static HTML for executed notebooks and HTML exports."""
        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        bundle["text/html"] = self.to_html()
        return bundle

    def to_html(self) -> str:
        """The result area as it stands, as one HTML fragment (no widgets)."""
        return "".join(b.value for b in (self.headline, self.stories, self.gaps, self.matches, self.notes))

    def update(self) -> FitResult | None:
        """Fit the stories in the text box against the picked company and redraw every block of the result.

        Returns:
            The new :class:`FitResult`, or None when the stories or the selection cannot be fitted.
        """
        where = self.company.value or self.market or "all postings"
        try:
            result = fit(self.text.value, self.postings, company=self.company.value or None,
                         market=self.market or None)
        except KitError as exc:
            self.result = None
            message = f"<p><b>No fit for {html.escape(where)}.</b> {html.escape(str(exc))}</p>"
            self.headline.value = message
            for block in (self.stories, self.gaps, self.matches, self.notes):
                block.value = ""
            self._figure(charts.empty_figure(str(exc), title="Themes per role"))
            return None
        self.result = result
        o = result.overall.iloc[0]
        sc = result.scope
        self.headline.value = (f"<h3>{html.escape(str(o['headline']))}</h3>"
                               f"<p>{len(result.stories)} stories against {html.escape(where)}: "
                               f"{int(sc['n_pmt']):,} PM-T and {int(sc['n_tpm']):,} TPM postings.</p>")
        self.stories.value = result.stories_html()
        self.gaps.value = people_table(result.gaps_for(), "fit_gaps").to_html() if len(result.gaps_for()) else (
            "<h4>Gaps</h4><p>None: your stories cover every theme most of these postings mention.</p>")
        self.matches.value = people_table(result.matches, "fit_matches").to_html() if len(result.matches) else (
            "<p>No posting shares a theme with your stories.</p>")
        self.notes.value = "".join(f"<p><em>Note: {html.escape(n)}</em></p>" for n in result.notes)
        self._figure(charts.theme_shares_chart(result.weights, context=where))
        return result

    def _figure(self, fig) -> None:
        with self.chart.batch_update():
            self.chart.data = ()
            self.chart.add_traces(list(fig.data))
            self.chart.layout = fig.layout


def story_fit_app(postings: str | PathLike | pd.DataFrame | None = None, *, stories: str | PathLike = "",
                  company: str = "", market: str = "") -> StoryFitApp:
    """The story-fit app: edit the stories, pick a company, press the button; the whole result redraws.

    Args:
        postings: Loaded postings, a posting file, or None / ``""`` for the bundled sample.
        stories: A .txt / .md file of stories or pasted text; ``""`` for the example stories.
        company: Company to start with (alias-aware: "Acme" picks "Acme Cloud"); ``""`` for all.
        market: Market the stories are read against; ``""`` for all.

    Returns:
        A :class:`StoryFitApp`; Jupyter displays it.

    Raises:
        DataError: The stories file cannot be read as stories.
    """
    return StoryFitApp(load(postings, kind="postings"), stories=read_stories(stories or EXAMPLE_STORIES),
                       company=company, market=market)

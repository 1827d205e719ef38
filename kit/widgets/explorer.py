"""The ipywidgets explorer (``kit.explore``): company, market, date-range, seniority and role pickers over chart
tabs that update in place (plotly ``FigureWidget``) from the loaded table and its cached phrase index; files are
never re-read. Every table and chart comes from the view layer (:mod:`kit.views`).
"""

from __future__ import annotations

from os import PathLike

import pandas as pd

from kit import charts
from kit.core.schema import LADDER, ROLES
from kit.prepare.companies import company_keys
from kit.views.api import ALL, ANY, View, load, view
from kit.widgets.figure import FitFigureWidget

__all__ = ["TABS", "TAB_TABLES", "Explorer", "explore"]


# -- the interactive app ---------------------------------------------------------------------------------------

#: Explorer tab label -> chart name.
TABS = {"Phrases": "phrases", "Distinctive": "distinctive", "Titles": "titles", "Overlap": "themes",
        "Pay": "pay", "Trend": "trend"}
#: Chart name -> the table for people shown under that chart (:mod:`kit.charts.tables`, as in the reports).
TAB_TABLES = {"themes": "claims", "pay": "pay_claims"}


class Explorer:
    """The ipywidgets app returned by :func:`explore`.

    Attributes:
        widget: The whole interface (display it, or let Jupyter display the Explorer itself).
        company, market, dates, seniority, role_a, role_b: The picker widgets.
        tabs: The ``Tab`` of chart panes; ``figures`` maps chart name -> ``go.FigureWidget``; ``tables`` maps
            chart name -> the ``HTML`` widget of the table for people under it (:data:`TAB_TABLES`).
        status: An HTML line: what is selected, or why nothing is.
        current: The :class:`View` on screen.
    """

    def __init__(self, postings: pd.DataFrame, pay: str | PathLike | pd.DataFrame | bool | None):
        import ipywidgets as w

        self.data = postings
        self.pay = pay

        codes, _keys, labels = company_keys(postings)  # one entry per company, however it is spelled
        sizes = pd.Series(codes[codes >= 0]).value_counts()
        companies = [str(labels[k]) for k in sizes.index]
        markets = postings["market"].astype("string").value_counts()
        months = sorted(pd.to_datetime(postings["posted_date"]).dropna().dt.to_period("M").unique())
        month_labels = [str(m) for m in months] or ["(no dates)"]
        self.company = w.Dropdown(options=[ALL, *companies], value=ALL, description="Company")
        self.market = w.Dropdown(options=[ALL, *markets.index.tolist()], value=ALL, description="Market")
        self.dates = w.SelectionRangeSlider(options=month_labels, index=(0, len(month_labels) - 1),
                                            description="Months", continuous_update=False,
                                            layout=w.Layout(width="480px"))
        levels = [lv for lv in LADDER if lv in set(postings["seniority"].astype("string").dropna())]
        self.seniority = w.Dropdown(options=[ANY, *levels], value=ANY, description="Seniority")
        role_opts = [(charts.NAMES.get(r, r), r) for r in ROLES]
        self.role_a = w.Dropdown(options=role_opts, value="pmt", description="Role A")
        self.role_b = w.Dropdown(options=role_opts, value="tpm", description="Role B")
        self.status = w.HTML()
        self.figures = {name: FitFigureWidget() for name in TABS.values()}  # as wide as their tab
        #: chart name -> HTML widget with the formatted table shown under that chart
        full = dict(width="100%")
        self.tables = {name: w.HTML(layout=w.Layout(**full)) for name in TAB_TABLES}
        panes = [w.VBox([self.figures[n], *([self.tables[n]] if n in self.tables else [])], layout=w.Layout(**full))
                 for n in TABS.values()]
        self.tabs = w.Tab(children=panes, titles=list(TABS), layout=w.Layout(**full))
        self._stale: set[str] = set()
        wrap = dict(flex_flow="row wrap", width="100%")  # pickers wrap in a narrow panel instead of being cut
        pickers = w.VBox([w.HBox([self.company, self.market, self.seniority], layout=w.Layout(**wrap)),
                          w.HBox([self.role_a, self.role_b, self.dates], layout=w.Layout(**wrap))])
        self.widget = w.VBox([pickers, self.status, self.tabs], layout=w.Layout(**full))
        for picker in (self.company, self.market, self.dates, self.seniority, self.role_a, self.role_b):
            picker.observe(self._on_change, names="value")
        self.tabs.observe(self._on_tab, names="selected_index")
        self.current: View | None = None
        self.update()

    def _ipython_display_(self):  # pragma: no cover - exercised in Jupyter only
        from IPython.display import display

        display(self.widget)

    @property
    def selected_chart(self) -> str:
        """The chart name of the visible tab."""
        return list(TABS.values())[self.tabs.selected_index or 0]

    def _options(self) -> dict:
        since = until = None
        if self.dates.value and self.dates.value[0] != "(no dates)":
            first, last = self.dates.value
            if (first, last) != (self.dates.options[0], self.dates.options[-1]):
                since = pd.Period(first, "M").start_time.strftime("%Y-%m-%d")
                until = pd.Period(last, "M").end_time.strftime("%Y-%m-%d")
        return dict(company=self.company.value, market=self.market.value, since=since, until=until,
                    seniority=self.seniority.value)

    def update(self) -> View:
        """Re-select with the pickers' values and redraw the visible tab (others redraw when shown)."""
        self.current = view(self.data, self.pay,
                            roles=(self.role_a.value, self.role_b.value), **self._options())
        v = self.current
        if v.empty:
            self.status.value = f"<b>No postings to show.</b> {charts.esc(v.message)}"
        else:
            self.status.value = (charts.esc(f"{v.label}: {len(v.postings):,} postings") + "<br><small>"
                                 + charts.esc(v.sections_note) + "</small>")
        self._stale = set(TABS.values())
        self._draw(self.selected_chart)
        return v

    def _draw(self, name: str) -> None:
        fig = self.current.figure(name)
        target = self.figures[name]
        with target.batch_update():
            target.data = ()
            target.add_traces(list(fig.data))
            target.layout = fig.layout
        if name in self.tables:
            self.tables[name].value = self.current.show(TAB_TABLES[name]).to_html()
        self._stale.discard(name)

    def _on_change(self, _change) -> None:
        self.update()

    def _on_tab(self, _change) -> None:
        if self.selected_chart in self._stale:
            self._draw(self.selected_chart)

    def draw_all(self) -> None:
        """Redraw every tab now (the app otherwise redraws a tab when it is shown)."""
        for name in list(self._stale):
            self._draw(name)


def explore(postings: str | PathLike | pd.DataFrame | None = None,
            pay: str | PathLike | pd.DataFrame | bool | None = None) -> Explorer:
    """An interactive explorer: pick company, market, months, seniority and roles; charts update in place.

    Args:
        postings: Loaded postings, a posting file, or None / ``""`` for the bundled sample.
        pay: Loaded pay table, a pay file, None / ``""`` for the bundled sample, or ``False`` for none.

    Returns:
        An :class:`Explorer`; Jupyter displays it. Its pickers and figures are attributes, so code
        (and tests) can drive it: ``ex.company.value = "Acme Cloud"`` redraws ``ex.figures``.
    """
    return Explorer(load(postings, kind="postings"), pay)

"""The notebook API: one selection of the data, its analysis tables and charts.

:func:`view` -> :class:`View`: load (once, cached) and select postings / pay for a company, market, date range,
seniority and pair of roles. ``View.table(name)`` runs one analysis on the selection and ``View.figure(name)``
charts it. Neither raises for a selection the data cannot answer (an unknown company, no postings left, too few of
one role): the table comes back empty with the reason in ``attrs["message"]`` and the figure shows that message.
This is what keeps notebooks thin — no try/except or if/else in a cell. Used by the notebooks, the report template
and the explorer (:mod:`kit.widgets.explorer`) alike.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from kit import charts
from kit.analysis.claims import check_claims
from kit.analysis.findings import key_findings
from kit.analysis.overlap import role_overlap
from kit.analysis.paystats import check_pay_claims, pay_by_level
from kit.analysis.phrases import distinctive_phrases, phrase_frequency, readable_phrases
from kit.analysis.selection import select
from kit.analysis.storyfit import fit
from kit.analysis.trend import auto_freq, role_trend
from kit.analysis.variants import title_variants
from kit.charts.tables import Findings, PeopleTable, people_table
from kit.core.errors import KitError, SelectionError
from kit.index.scope import DEFAULT_SECTIONS, scope_label, scope_note
from kit.load.pay import load_pay
from kit.load.postings import load_postings

__all__ = ["CHARTS", "TABLES", "Note", "View", "load", "view"]

ALL = "(all)"
ANY = "(any)"

_LOADED: dict[tuple, pd.DataFrame] = {}


def load(source: str | PathLike | pd.DataFrame | None = None, *, kind: str = "postings") -> pd.DataFrame:
    """Load postings or pay once per process: ``""``/None = the bundled sample, else a path or a frame.

    Args:
        source: A file path (any supported format), a loaded frame (returned as is), or ``""`` / None.
        kind: ``"postings"`` or ``"pay"``.

    Returns:
        The canonical table; the same object on repeated calls while the file is unchanged.
    """
    if isinstance(source, pd.DataFrame):
        return source
    path = Path(source).expanduser() if source else None
    stamp = path.stat().st_mtime_ns if path is not None and path.exists() else None
    key = (kind, str(path.resolve()) if path is not None else "", stamp)
    if key not in _LOADED:
        loader = load_postings if kind == "postings" else load_pay
        _LOADED[key] = loader(path)
    return _LOADED[key]


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value in (ALL, ANY)


def _opt(value: object) -> object:
    return None if _blank(value) else value


@dataclass
class View:
    """A selection of postings (and the pay table) with its analyses and charts.

    Attributes:
        postings: The selected postings (possibly empty).
        pay_source: Where the pay table comes from (see :func:`view`); :attr:`pay` loads it on first use.
        options: The selection: company, market, since, until, seniority.
        roles: The two roles compared, (a, b).
        message: Why the selection is empty ("" when it is not).
        sections: The postings' text the analyses count (:mod:`kit.index.scope`; default: the role's own sections).
    """

    postings: pd.DataFrame
    pay_source: str | PathLike | pd.DataFrame | bool | None
    options: dict
    roles: tuple[str, str] = ("pmt", "tpm")
    message: str = ""
    sections: str | tuple[str, ...] = DEFAULT_SECTIONS
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def pay(self) -> pd.DataFrame | None:
        """The pay table, loaded (and cached) on first use; None when ``pay=False`` was given."""
        if self.pay_source is False:
            return None
        return load(self.pay_source, kind="pay")

    @property
    def label(self) -> str:
        """The selection in words, for chart subtitles: ``"Acme Cloud · SF Bay Area · since 2025-01-01"``."""
        o = dict(self.options)
        if o.get("company") and not self.empty:  # "Acme" -> "Acme Cloud": the name the data use
            names = self.postings["company"].dropna().unique()
            if len(names) == 1:
                o["company"] = str(names[0])
        parts = [str(o[k]) for k in ("company", "market", "seniority") if o.get(k)]
        if o.get("since") or o.get("until"):
            parts.append(f"{o.get('since') or '…'} to {o.get('until') or '…'}")
        return " · ".join(parts) or "all companies and markets"

    @property
    def sections_note(self) -> str:
        """One line saying which sections of the postings the analyses counted (shown by reports and the explorer)."""
        return scope_note(self.sections)

    @property
    def empty(self) -> bool:
        """True when the selection has no postings."""
        return len(self.postings) == 0

    def overview(self) -> pd.DataFrame:
        """Postings per role in the selection: ``[role, name, postings, companies, markets, first, last]``."""
        df = self.postings
        if df.empty:
            return pd.DataFrame(columns=["role", "name", "postings", "companies", "markets", "first", "last"])
        roles = df["role"].astype("string").fillna("other")
        out = (df.assign(_role=roles).groupby("_role", observed=True)
               .agg(postings=("_role", "size"), companies=("company", "nunique"), markets=("market", "nunique"),
                    first=("posted_date", "min"), last=("posted_date", "max"))
               .reset_index().rename(columns={"_role": "role"}))
        out.insert(1, "name", [charts.NAMES.get(r, r) for r in out["role"]])
        order = {r: i for i, r in enumerate(charts.NAMES)}
        return out.sort_values("role", key=lambda s: s.map(order).fillna(99)).reset_index(drop=True)

    def _repr_markdown_(self) -> str:
        if self.empty:
            return f"**No postings to show.** {self.message}"
        ov = self.overview().set_index("role")["postings"]
        a, b = self.roles
        counts = ", ".join(f"{charts.NAMES.get(r, r)} {int(n):,}" for r, n in ov.items())
        small = [charts.NAMES.get(r, r) for r in (a, b) if int(ov.get(r, 0)) < charts.MIN_N]
        note = (f"\n\n⚠ Fewer than {charts.MIN_N} postings for {' and '.join(small)}: charts mark these groups "
                "as small samples; read their numbers as anecdotes, not rates." if small else "")
        dates = self.postings["posted_date"].dropna()
        span = f", posted {dates.min():%Y-%m-%d} to {dates.max():%Y-%m-%d}" if len(dates) else ""
        n_comp = self.postings["company"].nunique()
        return (f"**{self.label}**: {len(self.postings):,} postings from {n_comp:,} "
                f"compan{'y' if n_comp == 1 else 'ies'}{span} — {counts}.{note}\n\n{self.sections_note}")

    def table(self, name: str) -> pd.DataFrame:
        """Run one analysis (see :data:`TABLES`) on the selection; empty with a message instead of raising.

        Args:
            name: A key of :data:`TABLES`.

        Returns:
            The analysis table; when the data cannot answer, an empty frame whose ``attrs["message"]``
            says why.
        """
        if name not in self._cache:
            needs_postings = name not in ("pay", "pay_claims")
            a, b = self.roles
            roles = self.postings["role"].astype("string") if "role" in self.postings else pd.Series(dtype="string")
            n_a, n_b = int(roles.eq(a).sum()), int(roles.eq(b).sum())
            if needs_postings and self.empty:
                self._cache[name] = _message_frame(self.message or "No postings in this selection.")
            elif name in _NEEDS_BOTH and a == b:
                self._cache[name] = _message_frame(
                    f"Role A and Role B are both {charts.role_name(a)}: pick two different roles to compare.")
            elif name in _NEEDS_BOTH and (n_a == 0 or n_b == 0):
                self._cache[name] = _message_frame(
                    f"This selection has {n_a} {charts.role_name(a)} and {n_b} {charts.role_name(b)} postings; "
                    "the comparison needs postings of both roles.")
            elif not needs_postings and self.pay_source is False:
                self._cache[name] = _message_frame("No pay table loaded.")
            else:
                try:
                    self._cache[name] = TABLES[name](self)
                except KitError as exc:
                    self._cache[name] = _message_frame(str(exc))
        return self._cache[name]

    def show(self, name: str) -> PeopleTable:
        """A table for people (:mod:`kit.charts.tables`): ``"overview"`` or a key of :data:`TABLES`.

        Args:
            name: ``"overview"``, or an analysis name ("claims", "pay_claims", ...).

        Returns:
            A :class:`kit.charts.tables.PeopleTable`: labelled, formatted, no index; when the data cannot
            answer, an empty one that says why.
        """
        if name == "overview":
            if self.empty:
                return people_table(_message_frame(self.message or "No postings in this selection."))
            return people_table(self.overview(), "overview")
        table = self.table(name)
        kind = name if name in ("claims", "pay_claims") else None
        return people_table(table, kind)

    def findings(self) -> Findings:
        """The key findings of this selection (:func:`kit.analysis.findings.key_findings`), ready to show.

        Returns:
            A :class:`kit.charts.tables.Findings` (its ``frame`` is the tidy findings table).
        """
        counts = self.postings["role"].astype("string").value_counts().to_dict() if not self.empty else {}
        claims = self.table("claims")
        pay_claims = self.table("pay_claims") if self.pay_source is not False else None
        frame = key_findings(counts={str(k): int(v) for k, v in counts.items()},
                             claims=claims if len(claims) else None,
                             pay_claims=pay_claims if pay_claims is not None and len(pay_claims) else None,
                             label=self.label if self.options.get("company") or self.options.get("market") else "",
                             roles=tuple(self.roles))
        return Findings(frame)

    def story_fit(self, stories: str | Sequence[str] | None):
        """:func:`kit.fit` of experience stories against this selection's postings, or a note saying why not.

        Args:
            stories: A path to a .txt / .md file, pasted text, or a list of stories; ``""`` skips.

        Returns:
            A :class:`kit.analysis.storyfit.FitResult`, or a :class:`Note` (no stories given / the data cannot answer).
        """
        if not stories:
            return Note("No stories given: set the `stories` parameter to a .txt/.md file of your experience "
                        "stories (one per paragraph) to see which role they read like.")
        if self.empty:
            return Note(self.message or "No postings in this selection.")
        try:
            return fit(stories, self.postings, sections=self.sections)
        except KitError as exc:
            return Note(str(exc))

    def figure(self, name: str) -> go.Figure:
        """The chart ``name`` (see :data:`CHARTS`) of the selection; a message figure when there is no data."""
        table_name, chart = CHARTS[name]
        table = self.table(table_name)
        if len(table) == 0:
            return charts.empty_figure(table.attrs.get("message") or "No data in this selection.",
                                       title=_TITLES.get(name, name))
        return chart(table, context=self.label, **_role_kwargs(chart, self.roles))


def _role_kwargs(chart: Callable[..., go.Figure], roles: tuple[str, str]) -> dict:
    """The chosen Role A / Role B as the keyword options ``chart`` takes (``a``/``b`` or ``roles``)."""
    params = inspect.signature(chart).parameters
    out: dict = {}
    if "a" in params and "b" in params:
        out.update(a=roles[0], b=roles[1])
    if "roles" in params:
        out["roles"] = tuple(roles)
    return out


class Note(str):
    """A message that Jupyter shows as a paragraph (what :meth:`View.story_fit` returns instead of failing)."""

    def _repr_markdown_(self) -> str:
        return f"*{charts.esc(self)}*"


#: Analyses that compare the two roles and need postings of both.
_NEEDS_BOTH = {"phrases", "distinctive", "overlap", "themes", "claims", "trend_phrases"}


def _message_frame(message: str) -> pd.DataFrame:
    frame = pd.DataFrame()
    frame.attrs["message"] = message
    return frame


def view(
    postings: str | PathLike | pd.DataFrame | None = None,
    pay: str | PathLike | pd.DataFrame | None = None,
    *,
    company: str | None = None,
    market: str | None = None,
    since: str | None = None,
    until: str | None = None,
    seniority: str | None = None,
    roles: Sequence[str] = ("pmt", "tpm"),
    sections: str | Sequence[str] = DEFAULT_SECTIONS,
) -> View:
    """Load (cached) and select: the one call at the top of every notebook.

    Empty strings mean "no condition", so notebook parameters can be passed straight through.

    Args:
        postings: Posting file path, loaded frame, or ``""`` / None for the bundled sample.
        pay: Pay file path, loaded frame, ``""`` / None for the bundled sample, or ``False`` for none;
            loaded only when a pay table or chart is asked for.
        company: Company (alias-aware, see :func:`kit.select`).
        market: Market ("SF Bay Area", "London", aliases such as "Bay Area").
        since: First posting date, ``YYYY-MM-DD``.
        until: Last posting date, ``YYYY-MM-DD``.
        seniority: One ladder step, e.g. ``"senior"``.
        roles: The two roles compared (first two used).
        sections: The text the analyses count: "role" (default: summary, responsibilities, requirements),
            "all" (the whole description) or a list of section kinds; ``""`` / None mean "role".

    Returns:
        A :class:`View`; an unknown company or market gives an empty view whose ``message`` lists
        the closest names.
    """
    data = load(postings, kind="postings")
    opts = {k: _opt(v) for k, v in dict(company=company, market=market, since=since, until=until,
                                          seniority=seniority).items()}
    pair = tuple(list(roles)[:2]) if roles and len(roles) >= 2 else ("pmt", "tpm")
    message = ""
    try:
        selected = select(data, **opts)
    except SelectionError as exc:
        selected, message = data.iloc[0:0], str(exc)
    if len(selected) == 0 and not message:
        message = f"No postings match {', '.join(f'{k}={v!r}' for k, v in opts.items() if v) or 'this selection'}."
    scope = DEFAULT_SECTIONS if _blank(sections) else sections if isinstance(sections, str) else tuple(sections)
    scope_label(scope)  # an unknown kind is a mistake in the notebook's parameters: say so here
    return View(selected, pay, opts, pair, message, scope)


# -- the registry: analysis tables and the charts drawn from them ------------------------------------------


def _pair_rows(v: View) -> pd.DataFrame:
    a, b = v.roles
    return v.postings[v.postings["role"].astype("string").isin([a, b])]


def _phrases(v: View) -> pd.DataFrame:
    return phrase_frequency(_pair_rows(v), by="role", sections=v.sections)


def _distinctive(v: View) -> pd.DataFrame:
    a, b = v.roles
    # no title words, no fragments
    return readable_phrases(distinctive_phrases(_pair_rows(v), a, b, sections=v.sections))


def _variants(v: View) -> pd.DataFrame:
    return title_variants(v.postings)


def _overlap(v: View) -> pd.DataFrame:
    return role_overlap(v.postings, *v.roles, sections=v.sections)


def _themes(v: View) -> pd.DataFrame:
    overlap = v.table("overlap")
    themes = overlap.attrs.get("themes")
    if themes is None:
        return _message_frame(overlap.attrs.get("message", "No theme shares for this selection."))
    themes = themes.copy()
    themes.attrs.update(a=v.roles[0], b=v.roles[1])
    return themes


def _claims(v: View) -> pd.DataFrame:
    return check_claims(v.postings, a=v.roles[0], b=v.roles[1], sections=v.sections)


def _pay(v: View) -> pd.DataFrame:
    return pay_by_level(v.pay, company=v.options.get("company"), market=v.options.get("market"),
                            roles=tuple(v.roles))


def _pay_claims(v: View) -> pd.DataFrame:
    return check_pay_claims(v.pay, roles=tuple(v.roles), company=v.options.get("company"),
                                market=v.options.get("market"))


def _trend(v: View) -> pd.DataFrame:
    """Role shares per month (quarter / year when months are thin), plus the phrase leaning most to each role."""
    freq = v.table("phrases")
    phrases: list[str] = []
    if len(freq):
        a, b = v.roles
        wide = freq.pivot_table(index="phrase", columns="role", values="share", aggfunc="first")
        if a in wide and b in wide:
            diff = (wide[a] - wide[b]).dropna().sort_values()
            phrases = list(dict.fromkeys([str(diff.index[-1]), str(diff.index[0])])) if len(diff) else []
    out = role_trend(v.postings, phrases=phrases, freq=auto_freq(v.postings, min_per_period=charts.MIN_N),
                     sections=v.sections)
    out.attrs["roles"] = tuple(v.roles)  # Role A / Role B drive the chart's lines
    return out


#: name -> function(View) -> analysis table.
TABLES: dict[str, Callable[[View], pd.DataFrame]] = {
    "phrases": _phrases,
    "distinctive": _distinctive,
    "variants": _variants,
    "overlap": _overlap,
    "themes": _themes,
    "claims": _claims,
    "pay": _pay,
    "pay_claims": _pay_claims,
    "trend": _trend,
}

#: chart name -> (table name, chart function).
CHARTS: dict[str, tuple[str, Callable[..., go.Figure]]] = {
    "phrases": ("phrases", charts.phrase_frequency_chart),
    "distinctive": ("distinctive", charts.distinctive_scatter),
    "distinctive_bars": ("distinctive", charts.distinctive_bars),
    "titles": ("variants", charts.variants_sunburst),
    "titles_by_company": ("variants", charts.variants_by_company),
    "themes": ("themes", charts.theme_shares_chart),
    "overlap_sets": ("distinctive", charts.overlap_sets_chart),
    "overlap": ("overlap", charts.overlap_by_company),
    "pay": ("pay", charts.pay_by_level_chart),
    "trend": ("trend", charts.trend_chart),
}

_TITLES = {
    "phrases": "Share of postings mentioning each phrase",
    "distinctive": "Distinctive phrases",
    "distinctive_bars": "Most distinctive phrases on each side",
    "titles": "Job titles by role and variant",
    "titles_by_company": "Postings per company and role",
    "themes": "Themes per role",
    "overlap_sets": "Phrase sets",
    "overlap": "Overlap between the roles, per company",
    "pay": "Pay per level",
    "trend": "Share of postings per month",
}

"""Tables for people: one formatter for every table a person reads (notebooks, the HTML report, the explorer).

The analyses return tidy frames for code (shares as fractions, intervals as two columns, role codes); this
module turns one into a :class:`PeopleTable`: labelled columns, percentages and money with their units,
intervals written "[27.7, 51.5]", sample sizes next to the numbers they qualify ("106 / 109"), verdicts as
coloured badges, full claim text, no index column, and rows that carry no information folded into one line
(a currency with no pay data for the selection is one row saying so, not three rows of blanks).

Rendering is `great_tables <https://posit-dev.github.io/great-tables/>`_, chosen over pandas' Styler
because its output is one self-contained ``<div>`` with its CSS scoped to the table id: the same HTML shows
unchanged in JupyterLab (``_repr_html_``), in nbconvert's offline report and inside an ipywidgets ``HTML``
widget of the explorer, with no stylesheet to ship and no notebook-wide CSS leaking in or out. Styler
output depends on the page's CSS (JupyterLab and nbconvert style tables differently) and always carries
the index unless told otherwise at every call site. It is a maintained, pure-Python dependency already in
the environment; it needs no browser or JavaScript.

Every cell is formatted here as text and HTML-escaped before great_tables sees it (great_tables does not
escape the output of custom formatters), so text from the data (company names, phrases) is shown
literally. :attr:`PeopleTable.frame` holds the display strings: tests and the terminal read it.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import count

import pandas as pd
from great_tables import GT
from great_tables import html as gt_html

from kit.charts.figures import MIN_N, role_name

__all__ = ["REPORT_CSS", "VERDICT_STYLES", "Findings", "PeopleTable", "fmt_interval", "fmt_money", "fmt_n",
           "fmt_number", "fmt_pct", "people_table"]

#: Badge colours per verdict (background, text); anything else is grey.
VERDICT_STYLES = {
    "supported": ("#D7F0E5", "#0B6B45"),
    "contradicted": ("#FBE0DC", "#A3261A"),
    "not enough data": ("#ECECEC", "#555555"),
    "mixed": ("#FFF1CC", "#7A5A00"),
}
_BADGE = ("display:inline-block;padding:1px 8px;border-radius:9px;font-size:0.85em;font-weight:600;"
          "white-space:nowrap;background:{bg};color:{fg}")
_IDS = count(1)


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def fmt_pct(value: object, *, digits: int = 0, sign: bool = False) -> str:
    """A fraction as a percentage: 0.7547 -> "75%" ("" when missing).

    Args:
        value: A share between 0 and 1.
        digits: Decimals shown.
        sign: Show "+" on positive values.

    Returns:
        The text.
    """
    if _missing(value):
        return ""
    return f"{float(value) * 100:{'+' if sign else ''}.{digits}f}%"


def fmt_number(value: object, *, digits: int = 1, sign: bool = False, unit: str = "") -> str:
    """A number with at most ``digits`` decimals and an optional unit: 40.609 -> "40.6" ("" when missing)."""
    if _missing(value):
        return ""
    text = f"{float(value):{'+' if sign else ''},.{digits}f}"
    return f"{text}{unit}"


def fmt_interval(low: object, high: object, *, digits: int = 1, scale: float = 1.0) -> str:
    """Two bounds as "[27.7, 51.5]" ("" when either is missing)."""
    if _missing(low) or _missing(high):
        return ""
    return f"[{float(low) * scale:.{digits}f}, {float(high) * scale:.{digits}f}]"


def fmt_money(value: object, currency: object = "") -> str:
    """Money with its currency: 160000, "USD" -> "USD 160k"; 1.2e6 -> "USD 1.20M" ("" when missing)."""
    if _missing(value):
        return ""
    v = float(value)
    cur = f"{currency} " if isinstance(currency, str) and currency else ""
    if abs(v) >= 1e6:
        return f"{cur}{v / 1e6:.2f}M"
    if abs(v) >= 1e4:
        return f"{cur}{v / 1e3:.0f}k"
    return f"{cur}{v:,.0f}"


def fmt_n(*values: object) -> str:
    """Sample sizes: (106, 109) -> "106 / 109"; a size under :data:`MIN_N` gets a "(small)" mark."""
    parts = ["?" if _missing(v) else f"{int(v):,}" for v in values]
    small = any(not _missing(v) and int(v) < MIN_N for v in values)
    return " / ".join(parts) + (" (small)" if small else "")


def _slug(text: str) -> str:
    return "-".join(text.lower().split()) or "none"


def _badge(verdict: object) -> str:
    text = "" if _missing(verdict) else str(verdict)
    bg, fg = VERDICT_STYLES.get(text, ("#ECECEC", "#555555"))
    return (f'<span class="kit-badge kit-badge-{_slug(text)}" style="{_BADGE.format(bg=bg, fg=fg)}">'
            f"{html.escape(text)}</span>")


def _report_css() -> str:
    """The same look for the offline report, whose sanitizer drops inline styles and ``<style>`` elements."""
    badge = _BADGE.replace("background:{bg};color:{fg}", "")
    rules = [f".kit-badge{{{badge};background:#ECECEC;color:#555555}}"]
    rules += [f".kit-badge-{_slug(v)}{{background:{bg};color:{fg}}}" for v, (bg, fg) in VERDICT_STYLES.items()]
    rules += [
        ".gt_table{border-collapse:collapse;width:100%;font-size:13px;margin:8px 0 16px 0;"
        "border-top:2px solid #A8A8A8;border-bottom:2px solid #A8A8A8}",
        ".gt_table th,.gt_table td{padding:4px 6px;border:none;vertical-align:top}",
        ".gt_heading,.gt_title,.gt_subtitle{text-align:left !important}",
        ".gt_title{font-size:15px;font-weight:600;padding-top:6px}",
        ".gt_subtitle{font-size:12px;color:#555;padding-bottom:6px}",
        ".gt_col_heading{font-weight:600;border-bottom:2px solid #D3D3D3;vertical-align:bottom}",
        ".gt_row{border-top:1px solid #E6E6E6}",
        ".gt_left{text-align:left !important}",
        ".gt_right{text-align:right !important;font-variant-numeric:tabular-nums}",
        ".gt_group_heading{font-weight:600;background:#F6F8FA;border-top:1px solid #D3D3D3;text-align:left !important}",
        ".gt_sourcenote{font-size:12px;color:#555;text-align:left !important}",
        ".jp-RenderedHTMLCommon .gt_table tbody tr:nth-child(odd){background:transparent}",
        ".kit-findings{border-left:4px solid #0072B2;padding:6px 14px;background:#F5F9FC;margin:8px 0 16px 0}",
        ".kit-findings h3{margin:6px 0}",
        ".kit-findings .kit-finding-head{margin:10px 0 2px 0;font-weight:600}",
    ]
    return "\n".join(rules)


@dataclass
class PeopleTable:
    """A formatted table: display strings plus how to render them.

    Attributes:
        frame: One column per displayed column (labels as headers), every cell a display string.
        title: Heading above the table ("" for none).
        subtitle: Line under the heading, e.g. the sample sizes.
        notes: Source notes under the table (folded rows, caveats).
        badges: Columns shown as verdict badges.
        numeric: Columns aligned right.
        group: Column whose value heads a group of rows (shown once per group, e.g. the claim text).
        message: When there is nothing to show: the reason (the table is then empty).
    """

    frame: pd.DataFrame
    title: str = ""
    subtitle: str = ""
    notes: list[str] = field(default_factory=list)
    badges: tuple[str, ...] = ()
    numeric: tuple[str, ...] = ()
    group: str | None = None
    message: str = ""

    def to_html(self) -> str:
        """The table as one self-contained HTML fragment (great_tables; CSS scoped to the table)."""
        if self.frame.empty:
            text = self.message or "Nothing to show for this selection."
            return f'<p class="kit-table-empty"><em>{html.escape(text)}</em></p>'
        shown = self.frame.copy()
        for col in shown.columns:
            if col == self.group:  # great_tables escapes group headings itself
                shown[col] = shown[col].map(lambda v: "" if _missing(v) else str(v))
            elif col in self.badges:
                shown[col] = shown[col].map(_badge)
            elif col in self.numeric:  # "[27.7, 51.6]" and "106 / 109" never break across lines
                shown[col] = shown[col].map(
                    lambda v: f'<span style="white-space:nowrap">{html.escape("" if _missing(v) else str(v))}</span>')
            else:
                shown[col] = shown[col].map(lambda v: html.escape("" if _missing(v) else str(v)))
        table = GT(shown, groupname_col=self.group, id=f"kit-table-{next(_IDS)}")
        cols = [c for c in shown.columns if c != self.group]
        table = table.fmt(lambda v: v, columns=cols)  # already formatted and escaped above
        if self.title or self.subtitle:
            table = table.tab_header(title=gt_html(html.escape(self.title)),
                                     subtitle=gt_html(html.escape(self.subtitle)) if self.subtitle else None)
        right = [c for c in self.numeric if c in cols]
        if right:
            table = table.cols_align("right", columns=right)
        left = [c for c in cols if c not in right]
        if left:
            table = table.cols_align("left", columns=left)
        for note in self.notes:
            table = table.tab_source_note(gt_html(html.escape(note)))
        table = table.tab_options(table_font_size="13px", data_row_padding="4px", table_width="100%",
                                  heading_align="left", row_group_font_weight="600",
                                  container_width="100%", table_margin_left="0px")
        return table.as_raw_html()

    def _repr_html_(self) -> str:
        return self.to_html()

    def __str__(self) -> str:
        if self.frame.empty:
            return self.message or "Nothing to show."
        lines = [self.title] if self.title else []
        lines.append(self.frame.to_string(index=False))
        lines += self.notes
        return "\n".join(lines)


# -- the table kinds ---------------------------------------------------------------------------------------


def _claims(df: pd.DataFrame) -> PeopleTable:
    a, b = df.attrs.get("a", "pmt"), df.attrs.get("b", "tpm")
    na, nb = role_name(a), role_name(b)
    expected = {"a": f"{na} more", "b": f"{nb} more", "similar": "similar"}
    out = pd.DataFrame({
        "Claim": df["claim"].astype(str),
        "Theme": df["theme"].astype(str).str.replace("_", " "),
        "Expected": [expected.get(str(e), _role_names(str(e), {a: na, b: nb})) for e in df["expected"]],
        f"{na} postings": [fmt_pct(v) for v in df["share_a"]],
        f"{nb} postings": [fmt_pct(v) for v in df["share_b"]],
        "Difference": [fmt_number(v, sign=True, unit=" pts") for v in df["effect"]],
        "95% interval": [fmt_interval(lo, hi) for lo, hi in zip(df["ci_low"], df["ci_high"], strict=True)],
        "n": [fmt_n(x, y) for x, y in zip(df["n_a"], df["n_b"], strict=True)],
        "Verdict": df["verdict"].astype(str),
    })
    out["Expected"] = out["Expected"].str.replace(r"similar \(within (\d+) points\)", r"similar (±\1 pts)", regex=True)
    held = int((df["verdict"] == "supported").sum())
    notes = ["Supported: the 95% interval of the difference lies wholly on the expected side (for “similar”: "
             "inside the margin). Contradicted: wholly on the other side (outside the margin). Not enough data: "
             "the interval straddles the line, so this sample cannot tell."]
    return PeopleTable(
        out, title="Claims checked", group="Claim", badges=("Verdict",), notes=notes,
        numeric=(f"{na} postings", f"{nb} postings", "Difference", "95% interval", "n"),
        subtitle=f"{held} of {len(df)} tests held; share of postings mentioning the theme, "
                 f"difference in percentage points ({na} minus {nb}); n = {na} / {nb} postings"
                 + ("" if (a, b) == ("pmt", "tpm") else
                    f"; the claims are written about PM-T and TPM and tested here as {na} and {nb}"),
    )


def _role_names(text: str, names: dict[str, str]) -> str:
    """Role codes written as words in ``text`` ("PM-T > pm" -> "PM-T > PM (generic)"); codes inside words stay."""
    return re.sub(r"\b(" + "|".join(re.escape(c) for c in sorted(names, key=len, reverse=True)) + r")\b",
                  lambda m: names[m.group(1)], text)


def _pay_claims(df: pd.DataFrame) -> PeopleTable:
    roles = df.attrs.get("roles") or ("pmt", "tpm")
    na, nb = role_name(roles[0]), role_name(roles[1]) if len(roles) > 1 else "TPM"
    keys = [c for c in ("company", "source", "currency") if c in df.columns]
    show_keys = [c for c in keys if df[c].nunique(dropna=True) > 1 or c == "currency"]
    rows, folded = [], []
    for group_values, part in df.groupby(keys, sort=True, dropna=False) if keys else [((), df)]:
        group_values = group_values if isinstance(group_values, tuple) else (group_values,)
        where = dict(zip(keys, group_values, strict=True))
        informative = part["ratio"].notna()
        if not informative.any():
            first = part.iloc[0]
            n_text = f"{int(part['n_a'].max())} {na} and {int(part['n_b'].max())} {nb} observations"
            label = " · ".join(str(where[k]) for k in show_keys)
            folded.append(f"{label}: not enough data for any pay claim ({n_text}; {MIN_N}+ of each needed)"
                          if not _missing(first.get("n_a")) else f"{label}: no pay data")
            continue
        for r in part.itertuples(index=False):
            row = {k.capitalize(): str(where[k]) for k in show_keys}
            row.update({
                "Claim": str(r.claim),
                f"{nb} / {na} pay": fmt_number(r.ratio, digits=2),
                "95% interval": fmt_interval(r.ci_low, r.ci_high, digits=2),
                "n": fmt_n(r.n_a, r.n_b),
                "Levels": "" if _missing(r.ranks) else str(r.ranks),
                "Verdict": str(r.verdict),
                "Detail": str(r.detail).replace("pmt", na).replace("tpm", nb),
            })
            rows.append(row)
    out = pd.DataFrame(rows)
    notes = []
    if folded:
        notes.append("Not tested: " + "; ".join(folded) + ".")
    if "basis" in df.columns and (df["basis"] == "family").any():
        notes.append("Some sources cannot tell technical from other product managers: compared by family there.")
    return PeopleTable(
        out, title="Pay claims checked", badges=("Verdict",), notes=notes,
        numeric=(f"{nb} / {na} pay", "95% interval", "n"),
        subtitle=f"ratio of median yearly total pay ({nb} over {na}; 1.00 = equal); n = {na} / {nb} observations",
        message="No pay claim could be tested: " + "; ".join(folded) if folded and not rows else "",
    )


def _overview(df: pd.DataFrame) -> PeopleTable:
    out = pd.DataFrame({
        "Role": [role_name(r) for r in df["role"]],
        "Postings": [fmt_number(v, digits=0) for v in df["postings"]],
        "Companies": [fmt_number(v, digits=0) for v in df["companies"]],
        "Markets": [fmt_number(v, digits=0) for v in df["markets"]],
        "First posted": [v.strftime("%Y-%m-%d") if not _missing(v) else "" for v in df["first"]],
        "Last posted": [v.strftime("%Y-%m-%d") if not _missing(v) else "" for v in df["last"]],
    })
    return PeopleTable(out, title="Postings per role", numeric=("Postings", "Companies", "Markets"))


def _fit_gaps(df: pd.DataFrame) -> PeopleTable:
    out = pd.DataFrame({
        "Role": [role_name(r) for r in df["role"]],
        "Theme": df["theme_label"].astype(str),
        "Postings mentioning it": [f"{fmt_pct(s)} of {int(n):,}" for s, n in zip(df["share"], df["n_postings"],
                                                                              strict=True)],
        "Distinctive of the role": ["yes" if d else "" for d in df["distinctive"]],
        "Phrases to add": df["phrases"].astype(str),
    })
    return PeopleTable(out, title="Gaps: common in these postings, not in your stories",
                       numeric=("Postings mentioning it",))


def _fit_matches(df: pd.DataFrame) -> PeopleTable:
    out = pd.DataFrame({
        "Role": [role_name(r) for r in df["role"]],
        "#": df["rank"].astype(int),
        "Company": df["company"].astype(str),
        "Title": df["title"].astype(str),
        "Score": [fmt_number(v, digits=2) for v in df["score"]],
        "Why": df["why"].astype(str),
    })
    return PeopleTable(out, title="Postings the stories fit best", numeric=("#", "Score"),
                       subtitle="score = how close the posting's themes are to the stories' themes "
                                "(cosine similarity, 0 to 1; higher is closer)")


def _label(column: str) -> str:
    return str(column).replace("_", " ").strip().capitalize()


def _generic(df: pd.DataFrame) -> PeopleTable:
    """Any other frame: labelled columns, no index, floats with at most 3 decimals, share columns as %."""
    out = {}
    numeric = []
    for col in df.columns:
        s = df[col]
        name = _label(col)
        if pd.api.types.is_bool_dtype(s):
            out[name] = ["yes" if v is True else "no" if v is False else "" for v in s]
        elif pd.api.types.is_float_dtype(s) or (pd.api.types.is_numeric_dtype(s) and not
                                                pd.api.types.is_integer_dtype(s)):
            is_share = "share" in str(col) or str(col).endswith(("_pct", "_rate"))
            out[name] = [fmt_pct(v, digits=1) if is_share else _short_float(v) for v in s]
            numeric.append(name)
        elif pd.api.types.is_integer_dtype(s):
            out[name] = [fmt_number(v, digits=0) for v in s]
            numeric.append(name)
        elif pd.api.types.is_datetime64_any_dtype(s):
            out[name] = [v.strftime("%Y-%m-%d") if not _missing(v) else "" for v in s]
        else:
            out[name] = ["" if _missing(v) else str(v) for v in s]
    badges = tuple(c for c in out if c == "Verdict")
    return PeopleTable(pd.DataFrame(out), numeric=tuple(numeric), badges=badges)


def _short_float(value: object) -> str:
    if _missing(value):
        return ""
    v = float(value)
    if math.isinf(v):
        return "∞" if v > 0 else "-∞"
    digits = 0 if abs(v) >= 100 else 1 if abs(v) >= 10 else 2 if abs(v) >= 1 else 3
    return f"{v:,.{digits}f}"


KINDS: dict[str, Callable[[pd.DataFrame], PeopleTable]] = {
    "claims": _claims,
    "pay_claims": _pay_claims,
    "overview": _overview,
    "fit_gaps": _fit_gaps,
    "fit_matches": _fit_matches,
}


def people_table(df: pd.DataFrame, kind: str | None = None, *, title: str | None = None,
                 drop: Sequence[str] = ()) -> PeopleTable:
    """Format an analysis table for people (module docstring: what "formatted" means).

    Args:
        df: A tidy analysis table; an empty one with ``attrs["message"]`` gives that message.
        kind: "claims", "pay_claims", "overview", "fit_gaps", "fit_matches", or None for the generic formatter.
        title: Heading to use instead of the kind's own.
        drop: Columns of ``df`` to leave out (generic tables).

    Returns:
        A :class:`PeopleTable` (shows itself in Jupyter; ``to_html()`` for pages and widgets).

    Raises:
        KeyError: An unknown ``kind``.
    """
    if kind is not None and kind not in KINDS:
        raise KeyError(f"unknown table kind {kind!r}; known: {', '.join(KINDS)}")
    if df is None or len(df) == 0:
        message = (df.attrs.get("message") if df is not None else None) or "Nothing to show for this selection."
        return PeopleTable(pd.DataFrame(), title=title or "", message=message)
    frame = df.drop(columns=[c for c in drop if c in df.columns])
    table = KINDS[kind](frame) if kind else _generic(frame)
    if title is not None:
        table.title = title
    return table


#: CSS for the offline report (``kit.report.htmlexport`` puts it in the page head).
REPORT_CSS = _report_css()

_FINDING_HEADS = {"scope": "", "difference": "What sets the roles apart", "claim": "The domain claims, checked",
                  "pay": "Pay", "limit": "What this data cannot say"}


@dataclass
class Findings:
    """The "what this data says" block: :func:`kit.analysis.findings.key_findings` rendered for people.

    Attributes:
        frame: The findings frame (``kind``, ``sentence``, values, n, ``verdict``).
    """

    frame: pd.DataFrame

    def to_html(self) -> str:
        """The block as HTML: a heading, then the sentences grouped by kind (verdicts as badges)."""
        parts = ['<div class="kit-findings" style="border-left:4px solid #0072B2;padding:6px 14px;'
                 'background:#F5F9FC;margin:8px 0 16px 0"><h3 style="margin:6px 0">Key findings</h3>']
        for kind, head in _FINDING_HEADS.items():
            rows = self.frame[self.frame["kind"] == kind]
            if rows.empty:
                continue
            if head:
                parts.append(f'<p class="kit-finding-head" style="margin:10px 0 2px 0;font-weight:600">'
                             f"{html.escape(head)}</p>")
            items = []
            for r in rows.itertuples(index=False):
                badge = f" {_badge(r.verdict)}" if isinstance(r.verdict, str) and r.verdict else ""
                items.append(f"<li>{html.escape(str(r.sentence))}{badge}</li>")
            tag = "p" if kind == "scope" else "ul"
            body = "".join(items) if tag == "ul" else html.escape(str(rows.iloc[0]["sentence"]))
            parts.append(f'<{tag} style="margin:2px 0">{body}</{tag}>')
        parts.append("</div>")
        return "".join(parts)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __str__(self) -> str:
        return "\n".join(f"- {s}" for s in self.frame["sentence"])

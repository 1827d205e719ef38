"""Charts: one plotly ``go.Figure`` per analysis table, all in one template.

Every function takes the tidy table an analysis returns (see ARCHITECTURE.md, "Analysis outputs")
and returns a figure; none shows or writes it. Conventions shared by all charts:

* one registered template, ``"swimlanes"`` (fonts, margins, Okabe-Ito colour-blind-safe palette);
* PM-T is always blue ``#0072B2``, TPM orange ``#E69F00``, shared green ``#009E73``, generic PM purple
  ``#CC79A7``, generic program manager vermillion ``#D55E00``, other grey;
* every title says what is measured, and a subtitle gives the sample sizes (n);
* groups with fewer than :data:`MIN_N` postings (or pay observations) are *marked* — lighter,
  hatched, and labelled ``n<20`` — never hidden;
* text that comes from the data (phrases, titles, company names) is HTML-escaped, because plotly
  renders a subset of HTML in labels and hover text;
* an empty table gives :func:`empty_figure` with a message instead of an exception.
"""

from __future__ import annotations

import html
import os
import re
import textwrap
import zlib
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from kit.analysis.stats import MIN_N
from kit.prepare.companies import company_key

__all__ = [
    "COLORS",
    "MIN_N",
    "NAMES",
    "PALETTE",
    "TEMPLATE",
    "distinctive_bars",
    "distinctive_scatter",
    "empty_figure",
    "esc",
    "open_postings_chart",
    "overlap_by_company",
    "overlap_sets_chart",
    "pay_by_level_chart",
    "phrase_frequency_chart",
    "role_color",
    "role_name",
    "setup",
    "theme_shares_chart",
    "trend_chart",
    "variants_by_company",
    "variants_sunburst",
]


#: Okabe-Ito palette (colour-blind safe), in the order series are coloured.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")

#: Colour per role code, side or family. PM-T and TPM keep these colours in every chart.
COLORS = {
    "pmt": "#0072B2",
    "tpm": "#E69F00",
    "shared": "#009E73",
    "pm": "#CC79A7",  # not a lighter blue: PM-T vs generic PM must not read as one role
    "pgm": "#D55E00",
    "other": "#999999",
    "product": "#0072B2",
    "program": "#E69F00",
}

#: Display name per role code, side or family.
NAMES = {
    "pmt": "PM-T",
    "tpm": "TPM",
    "pm": "PM (generic)",
    "pgm": "Program Mgr (generic)",
    "other": "Other",
    "shared": "Shared",
    "product": "Product (family)",
    "program": "Program (family)",
}

TEMPLATE = "swimlanes"
GREY = "#999999"
SMALL_OPACITY = 0.4
SMALL_PATTERN = "/"
SMALL_TAG = f"n<{MIN_N}"
_TAG = re.compile(r"<[^>]+>")


def _template() -> go.layout.Template:
    base = go.layout.Template(pio.templates["plotly_white"])
    base.layout.update(
        font=dict(family="Inter, 'Segoe UI', Helvetica, Arial, sans-serif", size=13, color="#222222"),
        title=dict(x=0.01, xanchor="left", y=0.97, yanchor="top", font=dict(size=17)),
        margin=dict(l=70, r=30, t=95, b=60),
        colorway=list(PALETTE),
        hoverlabel=dict(font=dict(size=12), align="left"),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1.0, title=None),
        xaxis=dict(gridcolor="#E6E6E6", zerolinecolor="#BBBBBB", automargin=True, title=dict(standoff=8)),
        yaxis=dict(gridcolor="#E6E6E6", zerolinecolor="#BBBBBB", automargin=True, title=dict(standoff=8)),
        paper_bgcolor="white",
        plot_bgcolor="white",
    )
    return base


pio.templates[TEMPLATE] = _template()


def setup(renderer: str | None = None) -> str:
    """Make the swimlanes template the default and pick a plotly renderer.

    Args:
        renderer: A plotly renderer name; default ``$KIT_PLOTLY_RENDERER`` if set, else plotly's own
            default (the batch report runner sets the variable for offline HTML export).

    Returns:
        The renderer now in use.
    """
    pio.templates[TEMPLATE] = _template()
    pio.templates.default = TEMPLATE
    chosen = renderer or os.environ.get("KIT_PLOTLY_RENDERER")
    if chosen:
        pio.renderers.default = chosen
    return pio.renderers.default


# -- small helpers -------------------------------------------------------------------------------


def esc(value: object) -> str:
    """HTML-escape text from the data (``<``, ``>``, ``&``) so plotly shows it literally."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return html.escape(str(value), quote=False)


def role_name(code: object) -> str:
    """Display name for a role code / side / family (``"pmt"`` -> ``"PM-T"``); unknown codes escaped."""
    return NAMES.get(str(code), esc(code))


#: Colours for role codes without one of their own: no two known roles share a colour, and another role
#: gets one of these (the same one every time), never a known role's blue or orange.
EXTRA_COLORS = ("#56B4E9", "#000000", "#8C564B", "#F0E442", "#7F7F7F")


def role_color(code: object) -> str:
    """Colour for a role code / side / family; a role without its own colour gets a stable one of its own."""
    key = str(code)
    if key in COLORS:
        return COLORS[key]
    return EXTRA_COLORS[zlib.crc32(key.encode("utf-8")) % len(EXTRA_COLORS)]


def _n(value: object) -> str:
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return "?"


def _small(n: object) -> bool:
    try:
        return int(n) < MIN_N
    except (TypeError, ValueError):
        return True


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _label(code: object, n: object) -> str:
    """Legend name: ``PM-T (n=120)`` or ``TPM (n=12, n<20)``."""
    tag = f", {SMALL_TAG}" if _small(n) else ""
    return f"{role_name(code)} (n={_n(n)}{tag})"


#: Subtitle lines are wrapped at about this many characters: plotly never wraps text, and a longer line is
#: clipped at the figure's edge in a 1,000 px window (about 6.5 px per character at the subtitle's size).
SUBTITLE_CHARS = 100


def wrap_subtitle(text: str, *, width: int = SUBTITLE_CHARS) -> str:
    """Break a subtitle into lines of at most about ``width`` visible characters, joined with ``<br>``.

    Lines break after "; " or " · " (the subtitle's own separators), else after ", ", else at a space; existing
    ``<br>`` breaks are kept and markup (``<b>``, ``&amp;``) is not counted.

    Args:
        text: Subtitle text (already escaped).
        width: Visible characters per line.

    Returns:
        The text with ``<br>`` between lines.
    """
    out = []
    for line in text.split("<br>"):
        while _visible_len(line) > width:
            cut = _break_at(line, width)
            if cut <= 0:
                break
            out.append(line[:cut].rstrip())
            line = line[cut:].lstrip()
        out.append(line)
    return "<br>".join(out)


def _visible_len(text: str) -> int:
    return len(html.unescape(_TAG.sub("", text)))


def _break_at(line: str, width: int) -> int:
    """Index to break ``line`` at: the last separator before ``width`` visible characters."""
    limit = len(line)
    for i in range(len(line) + 1):  # the raw index where the visible text reaches ``width``
        if _visible_len(line[:i]) > width:
            limit = i - 1
            break
    for sep in ("; ", " · ", ", ", " "):
        cut = line.rfind(sep, 0, limit)
        if cut > width // 3:
            return cut + len(sep)
    return -1


def _layout(fig: go.Figure, title: str, subtitle: str = "", context: str = "", **layout) -> go.Figure:
    sub = wrap_subtitle(" · ".join(s for s in (esc(context), subtitle) if s))
    if "<br>" in sub:  # room for each further subtitle line above the legend, whatever margin the chart set
        margin = dict(layout.get("margin") or {})
        margin["t"] = max(int(margin.get("t") or 95), 95 + 18 * sub.count("<br>"))
        layout["margin"] = margin
    # no fixed width anywhere: figures take their container's width (reports, JupyterLab, the explorer)
    fig.update_layout(template=TEMPLATE, title=dict(text=title, subtitle=dict(text=sub)), autosize=True, **layout)
    return fig


def _wrap(text: str, width: int) -> str:
    """Shorten ``text`` to about ``width`` characters, on a comma, with an ellipsis."""
    if len(text) <= width:
        return text
    cut = text.rfind(",", 0, width)
    return text[: cut if cut > 0 else width] + ", …"


def empty_figure(message: str, *, title: str = "No data") -> go.Figure:
    """A figure with no traces that says why, for selections with no postings.

    Args:
        message: What is missing and what to try (shown in the middle of the chart).
        title: The chart title.

    Returns:
        A figure with one annotation and hidden axes.
    """
    fig = go.Figure()
    lines = textwrap.wrap(str(message), 90) or [""]
    fig.add_annotation(text="<br>".join(esc(line) for line in lines), x=0.5, y=0.5, xref="paper", yref="paper",
                       showarrow=False, font=dict(size=15, color="#555555"))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, esc(title), height=300)


def _is_empty(df: pd.DataFrame | None) -> bool:
    return df is None or len(df) == 0


def _bar_marker(code: object, small: Sequence[bool]) -> dict:
    """Bar marker: role colour, lighter and hatched where the group is a small sample."""
    small = list(small)
    return dict(
        color=role_color(code),
        opacity=[SMALL_OPACITY if s else 1.0 for s in small],
        pattern=dict(shape=[SMALL_PATTERN if s else "" for s in small], fillmode="overlay", solidity=0.3),
        line=dict(color=role_color(code), width=1),
    )


def _pair(df: pd.DataFrame, a: str | None, b: str | None) -> tuple[str, str]:
    a = a or df.attrs.get("a", "pmt")
    b = b or df.attrs.get("b", "tpm")
    return str(a), str(b)


# -- phrases ---------------------------------------------------------------------------------------


def phrase_frequency_chart(
    freq: pd.DataFrame,
    *,
    a: str = "pmt",
    b: str = "tpm",
    by: str = "role",
    top: int = 25,
    context: str = "",
) -> go.Figure:
    """Share of postings mentioning each phrase, group ``a`` vs group ``b``, sorted by the difference.

    Args:
        freq: ``phrase_frequency`` output: ``[<by>, phrase, theme, side, n_mentioning, n_postings,
            share, ci_low, ci_high]``.
        a: The first group (left colour), usually ``"pmt"``.
        b: The second group, usually ``"tpm"``.
        by: The group column.
        top: How many phrases to show (the largest absolute differences).
        context: Selection shown in the subtitle (company, market, dates).

    Returns:
        Horizontal grouped bars (share in %), error bars from the confidence interval, n in hover.
    """
    title = "Share of postings mentioning each phrase"
    if _is_empty(freq):
        return empty_figure("No postings in this selection.", title=title)
    df = freq[freq[by].astype("string").isin([a, b])].copy()
    if df.empty:
        return empty_figure(f"No {role_name(a)} or {role_name(b)} postings in this selection.", title=title)
    wide = df.pivot_table(index="phrase", columns=by, values="share", aggfunc="first").reindex(columns=[a, b])
    wide = wide.fillna(0.0)
    wide["diff"] = wide[a] - wide[b]
    wide = wide.reindex(wide["diff"].abs().sort_values(ascending=False).index[:top]).sort_values("diff")
    phrases = list(wide.index)
    fig = go.Figure()
    for code in (b, a):  # b first so that a is drawn on top in horizontal grouped bars
        part = df[df[by].astype("string") == code].set_index("phrase").reindex(phrases)
        n_groups = part["n_postings"].dropna()
        n_total = int(n_groups.max()) if len(n_groups) else 0
        share = part["share"].astype("Float64").fillna(0).astype(float) * 100
        lo = (part["ci_low"].astype("Float64").astype(float) * 100) if "ci_low" in part else None
        hi = (part["ci_high"].astype("Float64").astype(float) * 100) if "ci_high" in part else None
        error = None
        if lo is not None and hi is not None and lo.notna().any():
            error = dict(type="data", symmetric=False, array=(hi - share).clip(lower=0).fillna(0).tolist(),
                         arrayminus=(share - lo).clip(lower=0).fillna(0).tolist(), thickness=1, width=2,
                         color="#555555")
        small = [_small(v) for v in part["n_postings"]]
        custom = list(zip(part["n_mentioning"].fillna(0).astype(int), part["n_postings"].fillna(0).astype(int),
                          [esc(t) for t in part.get("theme", pd.Series(index=part.index, dtype="string"))],
                          [f" ({SMALL_TAG})" if s else "" for s in small], strict=True))
        fig.add_bar(
            y=[esc(p) for p in phrases], x=share.tolist(), orientation="h", name=_label(code, n_total),
            marker=_bar_marker(code, small), error_x=error, customdata=custom,
            hovertemplate=(f"<b>%{{y}}</b><br>{role_name(code)}: %{{x:.1f}}% of postings"
                           "<br>%{customdata[0]} of %{customdata[1]} postings%{customdata[3]}"
                           "<br>theme: %{customdata[2]}<extra></extra>"),
        )
    n_a = int(df.loc[df[by].astype("string") == a, "n_postings"].max() or 0) if (df[by] == a).any() else 0
    n_b = int(df.loc[df[by].astype("string") == b, "n_postings"].max() or 0) if (df[by] == b).any() else 0
    sub = (f"{role_name(a)} n={_n(n_a)} postings, {role_name(b)} n={_n(n_b)}; sorted by the difference; "
           "whiskers = 95% interval")
    return _layout(
        fig, title, sub, context, barmode="group", bargap=0.25, legend_traceorder="reversed",
        xaxis_title="share of postings mentioning the phrase (%)", yaxis_title=None,
        height=max(380, 120 + 26 * len(phrases)),
    )


def _dist_pair(dist: pd.DataFrame) -> tuple[str, str, object, object]:
    a, b = _pair(dist, None, None)
    return a, b, dist.attrs.get("n_a"), dist.attrs.get("n_b")


def distinctive_scatter(
    dist: pd.DataFrame,
    *,
    label: int = 8,
    z_threshold: float = 1.96,
    max_points: int = 3000,
    context: str = "",
) -> go.Figure:
    """Scattertext-style view of distinctive phrases: how common (x, log) vs how distinctive (z, y).

    Args:
        dist: ``distinctive_phrases`` output: ``[phrase, count_a, count_b, docs_a, docs_b, total,
            log_odds, variance, z, side]`` with ``attrs`` ``a``, ``b``, ``n_a``, ``n_b``.
        label: How many extreme phrases to label on each side.
        z_threshold: |z| below this is drawn grey ("not distinctive").
        max_points: Keep at most this many phrases (the most common) so the chart stays light.
        context: Selection shown in the subtitle.

    Returns:
        A scatter with one trace per side plus a grey "neither" trace; dotted lines at +-threshold.
    """
    title = "Distinctive phrases (log-odds z-score vs how common)"
    if _is_empty(dist):
        return empty_figure("No phrases to compare in this selection.", title=title)
    a, b, n_a, n_b = _dist_pair(dist)
    df = dist.sort_values("total", ascending=False).head(max_points).copy()
    df["z"] = df["z"].astype(float)
    groups = [
        (a, df[df["z"] >= z_threshold]),
        (b, df[df["z"] <= -z_threshold]),
        ("neither", df[df["z"].abs() < z_threshold]),
    ]
    fig = go.Figure()
    labelled = _pick_labels(df, label=label, z_threshold=z_threshold)
    for code, part in groups:
        text = [esc(p) if i in labelled else "" for i, p in zip(part.index, part["phrase"], strict=True)]
        name = (f"more {role_name(code)}" if code != "neither" else f"neither (|z|<{z_threshold:g})")
        custom = list(zip([esc(p) for p in part["phrase"]], part["docs_a"], part["docs_b"], part["count_a"],
                          part["count_b"], strict=True))
        fig.add_scatter(
            x=part["total"].astype(float).tolist(), y=part["z"].tolist(), mode="markers+text", name=name, text=text,
            textposition="middle right" if code != b else "middle left", textfont=dict(size=11),
            marker=dict(color=role_color(code) if code != "neither" else "#BBBBBB", size=7,
                        opacity=0.85 if code != "neither" else 0.5, line=dict(width=0)),
            customdata=custom,
            hovertemplate=(f"<b>%{{customdata[0]}}</b><br>z = %{{y:.2f}}<br>{role_name(a)}: %{{customdata[1]}}"
                           f" postings (%{{customdata[3]}} mentions)<br>{role_name(b)}: %{{customdata[2]}}"
                           " postings (%{customdata[4]} mentions)<extra></extra>"),
        )
    for y in (z_threshold, -z_threshold):
        fig.add_hline(y=y, line=dict(color="#888888", width=1, dash="dot"))
    small = [f"{role_name(c)} {SMALL_TAG}" for c, n in ((a, n_a), (b, n_b)) if n is not None and _small(n)]
    sub = (f"{role_name(a)} n={_n(n_a)} postings, {role_name(b)} n={_n(n_b)}"
           + (f" ({', '.join(small)}: small sample)" if small else "")
           + f"; above 0 = more {role_name(a)}, below 0 = more {role_name(b)}")
    return _layout(fig, title, sub, context, xaxis_type="log", xaxis_dtick="D2",
                   xaxis_title="how common: mentions in both groups (log scale)",
                   yaxis_title=f"z-score (+ {role_name(a)}, − {role_name(b)})", height=560)


def _pick_labels(df: pd.DataFrame, *, label: int, z_threshold: float) -> set:
    """Up to ``label`` extreme phrases per side whose text labels do not overlap (greedy, by |z|).

    Positions are compared in axis units: log10(total) horizontally (a label of k characters is
    taken as ~0.022 k decades wide) and z vertically (3.5% of the z range).
    """
    if df.empty:
        return set()
    z = df["z"].astype(float)
    logx = np.log10(df["total"].astype(float).clip(lower=1))
    dy = max(float(z.max() - z.min()), 1.0) * 0.035
    placed: list[tuple[float, float, float]] = []  # (x0, x1, y) of each label
    chosen: set = set()
    for sign in (1, -1):
        side = df[(z * sign) >= z_threshold]
        count = 0
        for idx in (z[side.index] * sign).sort_values(ascending=False).index:
            width = 0.022 * len(str(df.at[idx, "phrase"])) + 0.05
            x = float(logx[idx])
            x0, x1 = (x, x + width) if sign > 0 else (x - width, x)
            y = float(z[idx])
            if any(abs(y - py) < dy and x0 < px1 and px0 < x1 for px0, px1, py in placed):
                continue
            placed.append((x0, x1, y))
            chosen.add(idx)
            count += 1
            if count >= label:
                break
    return chosen


def distinctive_bars(dist: pd.DataFrame, *, top: int = 12, context: str = "") -> go.Figure:
    """Diverging bars of the most distinctive phrases on each side (z-score).

    Args:
        dist: ``distinctive_phrases`` output (see :func:`distinctive_scatter`).
        top: How many phrases per side.
        context: Selection shown in the subtitle.

    Returns:
        Horizontal bars: group ``a`` to the right (positive z), group ``b`` to the left.
    """
    title = "Most distinctive phrases on each side (log-odds z-score)"
    if _is_empty(dist):
        return empty_figure("No phrases to compare in this selection.", title=title)
    a, b, n_a, n_b = _dist_pair(dist)
    df = dist.copy()
    df["z"] = df["z"].astype(float)
    pos = df[df["z"] > 0].nlargest(top, "z")
    neg = df[df["z"] < 0].nsmallest(top, "z")
    fig = go.Figure()
    for code, part, n in ((b, neg.sort_values("z", ascending=False), n_b), (a, pos.sort_values("z"), n_a)):
        custom = list(zip(part["docs_a"], part["docs_b"], strict=True))
        fig.add_bar(
            x=part["z"].tolist(), y=[esc(p) for p in part["phrase"]], orientation="h", name=_label(code, n),
            marker=_bar_marker(code, [_small(n)] * len(part)), customdata=custom,
            hovertemplate=(f"<b>%{{y}}</b><br>z = %{{x:.2f}}<br>{role_name(a)}: %{{customdata[0]}} postings"
                           f"<br>{role_name(b)}: %{{customdata[1]}} postings<extra></extra>"),
        )
    for x in (1.96, -1.96):
        fig.add_vline(x=x, line=dict(color="#888888", width=1, dash="dot"))
    sub = f"{role_name(a)} n={_n(n_a)} postings, {role_name(b)} n={_n(n_b)}; dotted: |z| = 1.96 (p ≈ 0.05)"
    return _layout(fig, title, sub, context, barmode="overlay", legend_traceorder="reversed",
                   xaxis_title=f"z-score (← more {role_name(b)} · more {role_name(a)} →)",
                   height=max(380, 120 + 24 * (len(pos) + len(neg))))


# -- titles ---------------------------------------------------------------------------------------


def variants_sunburst(variants: pd.DataFrame, *, roles: Sequence[str] | None = ("pmt", "tpm"),
                      titles_per_variant: int = 5, min_title_share: float = 0.04, context: str = "") -> go.Figure:
    """Role -> title variant -> raw title, sized by postings.

    Args:
        variants: ``title_variants`` output: ``[company, role, variant, title, n, share]``.
        roles: Which roles to show (None = all, including "other").
        titles_per_variant: At most this many raw titles per variant; the rest are grouped as
            "other titles".
        min_title_share: Titles below this share of their variant are grouped as "other titles" too.
        context: Selection shown in the subtitle.

    Returns:
        A sunburst (click a role or variant to zoom in).
    """
    title = "Job titles: role → title variant → raw title"
    if _is_empty(variants):
        return empty_figure("No postings in this selection.", title=title)
    df = variants.copy()
    df["role"] = df["role"].astype("string").fillna("other")
    if roles is not None:
        df = df[df["role"].isin(list(roles))]
        if df.empty:
            return empty_figure("No postings of these roles in this selection.", title=title)
    df["variant"] = df["variant"].astype("string").fillna("(no variant)")
    df["title"] = df["title"].astype("string").fillna("(no title)")
    df = df.groupby(["role", "variant", "title"], as_index=False, observed=True)["n"].sum()
    ids, labels, parents, values, colors, hover = [], [], [], [], [], []
    order = [r for r in NAMES if r in set(df["role"])] + sorted(set(df["role"]) - set(NAMES))
    for role in order:
        rpart = df[df["role"] == role]
        rn = int(rpart["n"].sum())
        rid = f"r:{role}"
        ids.append(rid)
        labels.append(f"{role_name(role)}" + (f" ({SMALL_TAG})" if _small(rn) else ""))
        parents.append("")
        values.append(rn)
        colors.append(role_color(role))
        hover.append(f"{rn:,} postings")
        for variant, vpart in rpart.groupby("variant", sort=False):
            vn = int(vpart["n"].sum())
            vid = f"{rid}/v:{variant}"
            ids.append(vid)
            labels.append(esc(variant))
            parents.append(rid)
            values.append(vn)
            colors.append(role_color(role))
            hover.append(f"{vn:,} postings ({vn / rn:.0%} of {role_name(role)})")
            vpart = vpart.sort_values("n", ascending=False)
            shown = vpart.head(titles_per_variant)
            shown = shown[shown["n"] >= min_title_share * vn]
            for _, row in shown.iterrows():
                ids.append(f"{vid}/t:{row['title']}")
                labels.append(esc(row["title"]))
                parents.append(vid)
                values.append(int(row["n"]))
                colors.append(role_color(role))
                hover.append(f"{int(row['n']):,} postings")
            rest = vpart.drop(index=shown.index)
            if len(rest):
                ids.append(f"{vid}/t:(other)")
                labels.append(f"{len(rest)} other titles")
                parents.append(vid)
                values.append(int(rest["n"].sum()))
                colors.append(role_color(role))
                hover.append(f"{int(rest['n'].sum()):,} postings")
    total = int(df["n"].sum())
    fig = go.Figure(go.Sunburst(
        ids=ids, labels=labels, parents=parents, values=values, branchvalues="total",
        marker=dict(colors=colors, line=dict(color="white", width=1)), customdata=hover,
        hovertemplate="<b>%{label}</b><br>%{customdata}<extra></extra>", insidetextorientation="auto",
        maxdepth=2,
    ))
    sub = (f"n={total:,} postings; inner ring = role, outer = canonical title variant; "
           "click a variant for the titles as posted")
    return _layout(fig, title, sub, context, margin=dict(l=10, r=10, t=95, b=10), height=640)


def _merge_spellings(companies: pd.Series, weights: pd.Series) -> pd.Series:
    """One name per company: spellings with the same company key ("Initech, Inc.", "Initech") become
    the most frequent one, as in the other per-company analyses."""
    names = companies.astype("string").fillna("(unknown)")
    keys = names.map(company_key)
    top = (pd.DataFrame({"key": keys, "name": names, "w": weights.astype(float)})
           .groupby(["key", "name"], observed=True)["w"].sum().reset_index()
           .sort_values("w", ascending=False).drop_duplicates("key").set_index("key")["name"])
    return keys.map(top).astype("string")


def variants_by_company(variants: pd.DataFrame, *, roles: Sequence[str] = ("pmt", "tpm"), top: int = 20,
                        context: str = "") -> go.Figure:
    """Postings per company and role, with the title variants each company uses in the hover.

    Spellings of one company ("Initech, Inc.", "Initech") are merged under the most frequent one.

    Args:
        variants: ``title_variants`` output: ``[company, role, variant, title, n, share]``.
        roles: Which roles to show.
        top: How many companies (most postings first).
        context: Selection shown in the subtitle.

    Returns:
        Horizontal stacked bars per company; companies with fewer than MIN_N postings are hatched.
    """
    title = "Postings per company and role, with the title variants used"
    if _is_empty(variants):
        return empty_figure("No postings in this selection.", title=title)
    df = variants[variants["role"].astype("string").isin(list(roles))].copy()
    if df.empty:
        return empty_figure("No postings for these roles in this selection.", title=title)
    df["variant"] = df["variant"].astype("string").fillna("(no variant)")
    df["company"] = _merge_spellings(df["company"], df["n"])
    per = df.groupby(["company", "role"], observed=True)["n"].sum().unstack(fill_value=0)
    per = per.reindex(columns=list(roles), fill_value=0)
    per["total"] = per.sum(axis=1)
    per = per.sort_values("total", ascending=False).head(top).sort_values("total")
    fig = go.Figure()
    for code in roles:
        hovers, small = [], []
        for company in per.index:
            part = df[(df["company"] == company) & (df["role"] == code)]
            vs = part.groupby("variant")["n"].sum().sort_values(ascending=False)
            lines = "<br>".join(f"  {esc(v)}: {int(n)}" for v, n in vs.head(6).items())
            hovers.append(f"{len(vs)} variants<br>{lines}" if len(vs) else "none")
            small.append(_small(per.loc[company, "total"]))
        fig.add_bar(
            y=[esc(c) + (f" ({SMALL_TAG})" if s else "") for c, s in zip(per.index, small, strict=True)],
            x=per[code].tolist(), orientation="h", name=role_name(code), marker=_bar_marker(code, small),
            customdata=hovers,
            hovertemplate=f"<b>%{{y}}</b><br>{role_name(code)}: %{{x}} postings<br>%{{customdata}}<extra></extra>",
        )
    sub = (f"{_plural(len(per), 'company', 'companies')}, n={int(per['total'].sum()):,} postings; "
           f"hatched = fewer than {MIN_N} postings")
    return _layout(fig, title, sub, context, barmode="stack", xaxis_title="postings", legend_traceorder="normal",
                   height=max(360, 120 + 26 * len(per)))


# -- overlap --------------------------------------------------------------------------------------


def theme_shares_chart(themes: pd.DataFrame, *, a: str | None = None, b: str | None = None,
                       context: str = "") -> go.Figure:
    """Share of postings mentioning each theme, per role side by side; shared themes highlighted.

    Args:
        themes: ``role_overlap(...).attrs["themes"]``: ``[theme, side, share_a, share_b, n_a, n_b]``.
        a: First role code (default ``themes.attrs["a"]`` or ``"pmt"``).
        b: Second role code (default ``themes.attrs["b"]`` or ``"tpm"``).
        context: Selection shown in the subtitle.

    Returns:
        Grouped horizontal bars; rows of themes the lexicon calls shared sit on a green band.
    """
    title = "Themes: share of postings mentioning each, per role"
    if _is_empty(themes):
        return empty_figure("No postings in this selection.", title=title)
    a, b = _pair(themes, a, b)
    df = themes.copy()
    df["side"] = df["side"].astype("string").fillna("other")
    side_order = {a: 0, "shared": 1, b: 2}
    df["_o"] = df["side"].map(side_order).fillna(3)
    df = df.sort_values(["_o", "share_a"], ascending=[False, True])
    names = df["theme_label"].fillna(df["theme"]) if "theme_label" in df else df["theme"]
    labels = [f"{esc(t)} ({'shared' if s == 'shared' else role_name(s)})" for t, s in zip(names, df["side"],
                                                                                           strict=True)]
    n_a, n_b = df["n_a"].max(), df["n_b"].max()
    fig = go.Figure()
    for code, col, n in ((b, "share_b", n_b), (a, "share_a", n_a)):
        fig.add_bar(
            y=labels, x=(df[col].astype(float) * 100).tolist(), orientation="h", name=_label(code, n),
            marker=_bar_marker(code, [_small(n)] * len(df)),
            hovertemplate=f"<b>%{{y}}</b><br>{role_name(code)}: %{{x:.1f}}% of {_n(n)} postings<extra></extra>",
        )
    for idx, side in enumerate(df["side"]):
        if side == "shared":  # a light green band behind the row (category idx spans idx +- 0.5)
            fig.add_shape(type="rect", xref="paper", x0=0, x1=1, yref="y", y0=idx - 0.5, y1=idx + 0.5,
                          layer="below", line=dict(width=0), fillcolor="rgba(0,158,115,0.12)")
    sub = (f"{role_name(a)} n={_n(n_a)}, {role_name(b)} n={_n(n_b)} postings; "
           "green band = skills the lexicon lists as shared by both roles")
    return _layout(fig, title, sub, context, barmode="group", bargap=0.25, legend_traceorder="reversed",
                   xaxis_title="share of postings mentioning the theme (%)", height=max(380, 130 + 34 * len(df)))


def overlap_sets_chart(dist: pd.DataFrame, *, z_threshold: float = 1.96, examples: int = 8,
                       context: str = "") -> go.Figure:
    """How many phrases are distinctive of each role vs used by both, with examples.

    Args:
        dist: ``distinctive_phrases`` output. A phrase is distinctive of a role when its z-score
            passes ``z_threshold`` in that role's direction, and shared when both roles use it and
            it does not.
        z_threshold: The |z| that counts as distinctive.
        examples: How many example phrases to list per set.
        context: Selection shown in the subtitle.

    Returns:
        Three horizontal bars (distinctive of a, shared, distinctive of b) with example phrases.
    """
    title = "Phrase sets: distinctive of each role vs shared by both"
    if _is_empty(dist):
        return empty_figure("No phrases to compare in this selection.", title=title)
    a, b, n_a, n_b = _dist_pair(dist)
    z = dist["z"].astype(float)
    both = (dist["docs_a"].astype(float) > 0) & (dist["docs_b"].astype(float) > 0)
    sets = [
        (b, f"distinctive of {role_name(b)}", dist[z <= -z_threshold].sort_values("z")),
        ("shared", "shared (used by both, not distinctive)",
         dist[both & (z.abs() < z_threshold)].sort_values("total", ascending=False)),
        (a, f"distinctive of {role_name(a)}", dist[z >= z_threshold].sort_values("z", ascending=False)),
    ]
    small_a, small_b = (n is not None and _small(n) for n in (n_a, n_b))
    small_of = {a: small_a, b: small_b, "shared": small_a or small_b}
    fig = go.Figure()
    for code, name, part in sets:
        ex = ", ".join(esc(p) for p in part["phrase"].head(examples))
        marker = _bar_marker(code, [small_of[code]]) | {"color": role_color(code)}
        fig.add_bar(
            y=[name], x=[len(part)], orientation="h", name=name, marker=marker, width=0.45,
            text=[f"{len(part):,}"], textposition="outside", customdata=[ex],
            hovertemplate="<b>%{y}</b><br>%{x} phrases<br>e.g. %{customdata}<extra></extra>",
        )
        fig.add_annotation(x=0, y=name, xref="x", yref="y", yshift=-25, xanchor="left", showarrow=False,
                           text="e.g. " + (_wrap(ex, 110) if ex else "(none)"), align="left",
                           font=dict(size=11, color="#444444"))
    small = [role_name(c) for c, n in ((a, n_a), (b, n_b)) if n is not None and _small(n)]
    sub = (f"{role_name(a)} n={_n(n_a)}, {role_name(b)} n={_n(n_b)} postings; |z| ≥ {z_threshold:g} = distinctive"
           + (f"; {', '.join(small)}: {SMALL_TAG}, small sample" if small else ""))
    return _layout(fig, title, sub, context, showlegend=False, xaxis_title="phrases (count)", height=420,
                   bargap=0.5, margin=dict(l=260))


def overlap_by_company(overlap: pd.DataFrame, *, measure: str | None = None, top: int = 25,
                       context: str = "") -> go.Figure:
    """One overlap measure per company, with the overall value as a reference line.

    Args:
        overlap: ``role_overlap`` output: ``[company, measure, value, n_a, n_b, small_sample,
            description]``; ``company == "(all)"`` is the overall row.
        measure: Which measure to chart (default: the first one in the table).
        top: How many companies (most postings first).
        context: Selection shown in the subtitle.

    Returns:
        Horizontal bars per company; small samples hatched and labelled ``n<20``.
    """
    title = "Overlap between the roles, per company"
    if _is_empty(overlap):
        return empty_figure("No postings in this selection.", title=title)
    a, b = _pair(overlap, None, None)
    measure = measure or str(overlap["measure"].iloc[0])
    df = overlap[overlap["measure"] == measure].copy()
    if df.empty:
        return empty_figure(f"No values of the measure {measure!r}.", title=title)
    desc = esc(df["description"].dropna().iloc[0]) if df["description"].notna().any() else ""
    overall = df[df["company"] == "(all)"]
    per = df[df["company"] != "(all)"].copy()
    per["_n"] = per["n_a"].fillna(0).astype(int) + per["n_b"].fillna(0).astype(int)
    per = per.sort_values("_n", ascending=False).head(top).sort_values("value")
    small = [bool(s) if pd.notna(s) else True for s in per["small_sample"]]
    fig = go.Figure()
    fig.add_bar(
        y=[esc(c) + (f" ({SMALL_TAG})" if s else "") for c, s in zip(per["company"], small, strict=True)],
        x=per["value"].astype(float).tolist(), orientation="h", name=esc(measure),
        marker=_bar_marker("shared", small),
        customdata=list(zip(per["n_a"].fillna(0).astype(int), per["n_b"].fillna(0).astype(int), strict=True)),
        hovertemplate=("<b>%{y}</b><br>" + esc(measure) + f" = %{{x:.2f}}<br>{role_name(a)} n=%{{customdata[0]}}, "
                       f"{role_name(b)} n=%{{customdata[1]}}<extra></extra>"),
    )
    if len(overall):
        v = float(overall["value"].iloc[0])
        fig.add_vline(x=v, line=dict(color="#444444", dash="dash", width=1),
                      annotation_text=f"all companies: {v:.2f}", annotation_position="top")
    if len(overall):
        n_note = (f"all companies: {role_name(a)} n={_n(overall['n_a'].iloc[0])}, "
                  f"{role_name(b)} n={_n(overall['n_b'].iloc[0])} postings")
    else:
        n_note = f"n={int(per['_n'].sum()):,} postings"
    sub = (f"{esc(measure)}" + (f": {desc}" if desc else "") + f"<br>{_plural(len(per), 'company', 'companies')}; "
           f"{n_note}; "
           f"hatched = fewer than {MIN_N} postings")
    values = per["value"].astype(float).dropna()
    unit = dict(xaxis_range=[0, 1.02]) if len(values) and values.between(0, 1).all() else {}
    return _layout(fig, title, sub, context, showlegend=False, xaxis_title=esc(measure),
                   height=max(340, 150 + 26 * len(per)), **unit)


# -- pay ------------------------------------------------------------------------------------------


def _by_column(table: pd.DataFrame) -> str:
    by = table.attrs.get("by")
    if by and by in table.columns:
        return str(by)
    for col in ("ladder", "level", "family"):
        if col in table.columns:
            return col
    return str(table.columns[0])


def _one_slice(table: pd.DataFrame, columns: Sequence[str]) -> tuple[pd.DataFrame, list[str]]:
    """Keep the best-covered value of each column (e.g. one currency); say what was left out."""
    df = table.copy()
    notes = []
    for col in columns:
        if col not in df or df[col].nunique(dropna=True) <= 1:
            continue
        sizes = df.groupby(df[col].astype("string"), observed=True)["n"].sum().sort_values(ascending=False)
        keep = str(sizes.index[0])
        others = ", ".join(f"{esc(k)} (n={int(v):,})" for k, v in sizes.iloc[1:].items())
        notes.append(f"showing {col} {esc(keep)} only; also in the data: {others} — select a market to see them")
        df = df[df[col].astype("string") == keep]
    return df, notes


def pay_by_level_chart(table: pd.DataFrame, *, measure: str | None = None, context: str = "") -> go.Figure:
    """Pay per ladder rank and role: interquartile range as a bar, the median marked and labelled.

    Args:
        table: ``pay_by_level`` output: ``[<by>, ladder_rank, role, n, median, p25, p75,
            small_sample]``. If ``attrs["compare"] == "family"`` (roles compared by family because the
            source cannot tell PM-T from PM), the title says so.
        measure: Pay measure named in the title (default ``attrs["measure"]`` or ``"total"``).
        context: Selection shown in the subtitle.

    Returns:
        Per level, one floating bar per role from p25 to p75 with a median tick and label; groups
        with fewer than MIN_N observations are lighter, hatched and labelled ``n<20``.
    """
    measure = measure or str(table.attrs.get("measure", "total"))
    family = (table.attrs.get("compare") == "family" or bool(table.attrs.get("by_family"))
              or ("role" in table.columns and table["role"].astype("string").isin(["product", "program"]).any()))
    what = "by role family (product vs program)" if family else "by role"
    title = f"{measure.capitalize()} pay per level, {what}"
    if _is_empty(table):
        return empty_figure("No pay observations in this selection.", title=title)
    by = _by_column(table)
    df, dropped = _one_slice(table, ("currency", "source"))
    df["_level"] = df[by].astype("string").fillna("(unmapped)")
    if by == "level" and "company" in df:  # company-native codes only compare within a company
        df["_level"] = df["company"].astype("string").fillna("?") + " · " + df["_level"]
    rank = df["ladder_rank"].astype("Float64") if "ladder_rank" in df else pd.Series(pd.NA, index=df.index)
    order = df.assign(_r=rank).sort_values("_r", na_position="last")["_level"].drop_duplicates().tolist()
    pos = {level: i for i, level in enumerate(order)}
    present = set(df["role"].astype("string").dropna())
    roles = [r for r in NAMES if r in present] + sorted(present - set(NAMES))
    width = 0.8 / max(len(roles), 1)
    fig = go.Figure()
    for k, code in enumerate(roles):
        part = df[df["role"].astype("string") == code]
        part = part.assign(_x=part["_level"].map(pos) - 0.4 + width * (k + 0.5)).sort_values("_x")
        flags = part["small_sample"] if "small_sample" in part else pd.Series(pd.NA, index=part.index)
        small = [bool(s) if pd.notna(s) else _small(n) for s, n in zip(flags, part["n"], strict=True)]
        p25, p75, med = (part[c].astype("Float64").astype(float) for c in ("p25", "p75", "median"))
        tags = [f" ({SMALL_TAG})" if s else "" for s in small]
        custom = [[esc(lv), int(n) if pd.notna(n) else 0, t, a, m, b]
                  for lv, n, t, a, m, b in zip(part["_level"], part["n"], tags, p25, med, p75, strict=True)]
        hover = (f"<b>{role_name(code)}</b>, %{{customdata[0]}}<br>median %{{customdata[4]:,.0f}}"
                 "<br>p25 %{customdata[3]:,.0f} – p75 %{customdata[5]:,.0f}<br>n=%{customdata[1]}%{customdata[2]}"
                 "<extra></extra>")
        n_total = int(part["n"].fillna(0).sum())
        fig.add_bar(
            x=part["_x"].tolist(), base=p25.tolist(), y=(p75 - p25).clip(lower=0).tolist(), width=width * 0.9,
            name=_label(code, n_total), legendgroup=code, marker=_bar_marker(code, small), customdata=custom,
            hovertemplate=hover,
        )
        fig.add_scatter(
            x=part["_x"].tolist(), y=med.tolist(), mode="markers", legendgroup=code, showlegend=False,
            marker=dict(symbol="line-ew-open", size=width * 55, color="#222222", line=dict(width=3, color="#222222")),
            customdata=custom, hovertemplate=hover, name=f"{role_name(code)} median",
        )
        fig.add_scatter(  # the median's value above the bar, where it cannot cover the neighbouring bar
            x=part["_x"].tolist(), y=p75.tolist(), mode="text", legendgroup=code, showlegend=False,
            text=[f"{m / 1000:,.0f}k" + ("<br>" + t.strip(" ()") if t else "") if pd.notna(m) else ""
                  for m, t in zip(med, tags, strict=True)],
            textposition="top center", textfont=dict(size=11, color="#222222"), hoverinfo="skip",
            name=f"{role_name(code)} median label",
        )
    currency = table.attrs.get("currency") or (str(df["currency"].iloc[0]) if "currency" in df else "")
    n_all = int(df["n"].fillna(0).sum())
    sub = (f"n={n_all:,} pay observations; bar = 25th–75th percentile, tick and label = median; "
           f"lighter, hatched = fewer than {MIN_N}")
    notes = [esc(table.attrs["note"])] if table.attrs.get("note") else []
    notes += dropped
    if notes:
        sub += "<br>" + "; ".join(notes)
    unit = f" ({esc(currency)})" if currency else ""
    top = float(pd.to_numeric(df["p75"], errors="coerce").max()) if "p75" in df else float("nan")
    # headroom for the median labels above the highest bar (a text trace does not widen the axis itself)
    headroom = dict(autorangeoptions=dict(include=[top * 1.12])) if np.isfinite(top) else {}
    return _layout(fig, title, sub, context, barmode="overlay", bargap=0,
                   xaxis=dict(tickmode="array", tickvals=list(range(len(order))), ticktext=[esc(o) for o in order],
                              range=[-0.6, len(order) - 0.4], title="level (normalized ladder)", showgrid=False),
                   yaxis=dict(title=f"{measure} pay per year{unit}", tickformat=",.0f", **headroom), height=520)


# -- trend ----------------------------------------------------------------------------------------


_PERIODS = {"MS": "month", "M": "month", "ME": "month", "QS": "quarter", "Q": "quarter", "QE": "quarter",
            "YS": "year", "Y": "year", "YE": "year", "W": "week"}


def period_label(start: pd.Timestamp, period: str) -> str:
    """How a bin is written on the axis: "2024" (year), "2024 Q2" (quarter), "Mar 2024" (month)."""
    ts = pd.Timestamp(start)
    if period == "year":
        return f"{ts.year}"
    if period == "quarter":
        return f"{ts.year} Q{ts.quarter}"
    if period == "week":
        return f"{ts:%d %b %Y}"
    return f"{ts:%b %Y}"


def trend_chart(trend: pd.DataFrame, *, series: Iterable[str] | None = None, context: str = "") -> go.Figure:
    """Monthly share of postings per role, and for chosen phrases.

    Args:
        trend: ``role_trend`` output: ``[month, series, n_postings, n, share]`` (plus ``kind``:
            "role" or "phrase").
        series: Which series to draw (default: PM-T, TPM and every phrase series).
        context: Selection shown in the subtitle.

    Returns:
        One line per series; months with fewer than MIN_N postings have hollow markers and say so
        in the hover.
    """
    period = _PERIODS.get(str(trend.attrs.get("freq", "MS")), "period")
    title = f"Share of postings per {period}"
    if _is_empty(trend):
        return empty_figure("No dated postings in this selection.", title=title)
    df = trend.copy()
    if "kind" not in df:
        df["kind"] = ["role" if s in NAMES else "phrase" for s in df["series"]]
    if series is None:  # the two roles compared (``attrs["roles"]``, set by the view), else PM-T and TPM
        pair = tuple(trend.attrs.get("roles") or ("pmt", "tpm"))
        keep = [s for s in pair if s in set(df["series"])]
        keep += list(dict.fromkeys(df.loc[df["kind"] == "phrase", "series"]))
    else:
        keep = list(series)
    fig = go.Figure()
    size = 8 if df["month"].nunique() <= 24 else 5
    taken = {role_color(k) for k in keep if k in NAMES}  # phrase lines never borrow a drawn role's colour
    extra = iter([c for c in ("#CC79A7", "#D55E00", "#000000", "#009E73", "#56B4E9", "#F0E442") if c not in taken] * 4)
    for name in keep:
        part = df[df["series"] == name].sort_values("month")
        if part.empty:
            continue
        is_role = part["kind"].iloc[0] == "role"
        color = role_color(name) if is_role else next(extra)
        small = [_small(n) for n in part["n_postings"]]
        label = role_name(name) if is_role else f"“{esc(name)}”"
        fig.add_scatter(
            x=part["month"].tolist(), y=(part["share"].astype(float) * 100).tolist(), mode="lines+markers",
            name=label, line=dict(color=color, width=2.5 if is_role else 1.8, dash="solid" if is_role else "dot"),
            marker=dict(color=["white" if s else color for s in small], size=size,
                        line=dict(color=color, width=2), symbol="circle"),
            customdata=[[int(n), int(t), f" ({SMALL_TAG}: small sample)" if s else "", period_label(m, period)]
                        for n, t, s, m in zip(part["n"], part["n_postings"], small, part["month"], strict=True)],
            hovertemplate=(f"<b>{label}</b> %{{customdata[3]}}<br>%{{y:.1f}}% — %{{customdata[0]}} of "
                           "%{customdata[1]}"
                           " postings%{customdata[2]}<extra></extra>"),
        )
    months = df.drop_duplicates("month")
    n_all = int(months["n_postings"].sum())
    sub = (f"n={n_all:,} dated postings over {_plural(len(months), period, period + 's')}; hollow markers = "
           f"{period}s with fewer than {MIN_N} postings; dotted lines = phrases")
    # one tick per bin, written as the bin (never "2023, 2023, 2024" from a month axis over yearly bins)
    bins = sorted(pd.to_datetime(months["month"]).unique())
    step = max(1, -(-len(bins) // 16))  # at most ~16 labels
    ticks = bins[::step]
    return _layout(fig, title, sub, context, xaxis_title=f"{period} posted",
                   xaxis=dict(tickmode="array", tickvals=ticks, ticktext=[period_label(t, period) for t in ticks]),
                   yaxis_title="share of postings (%)", yaxis_rangemode="tozero", height=460)


def open_postings_chart(history: pd.DataFrame, *, context: str = "") -> go.Figure:
    """Open postings per role at each fetch of a posting store.

    Args:
        history: ``kit.analysis.history.open_by_fetch`` output: ``[fetched_at, role, n_open]``.
        context: Selection shown in the subtitle.

    Returns:
        One line per role (PM-T, TPM first); a message figure when the table has no fetch history.
    """
    title = "Open postings per role, by fetch"
    if _is_empty(history) or "role" not in history:
        return empty_figure("No fetch history: fetch a board into a store (kit fetch BOARD --store DIR) and load "
                            "the store.", title=title)
    fig = go.Figure()
    roles = [r for r in ("pmt", "tpm", "pm", "pgm", "other") if r in set(history["role"])]
    for role in roles:
        part = history[history["role"] == role].sort_values("fetched_at")
        fig.add_scatter(x=part["fetched_at"].tolist(), y=part["n_open"].tolist(), mode="lines+markers",
                        name=role_name(role), line=dict(color=role_color(role), width=2.5 if role in ("pmt", "tpm")
                                                        else 1.5),
                        hovertemplate=f"<b>{esc(role_name(role))}</b> %{{x|%Y-%m-%d %H:%M}} UTC<br>"
                                      "%{y} open<extra></extra>")
    n_fetches = history["fetched_at"].nunique()
    sub = f"{_plural(n_fetches, 'fetch', 'fetches')}; open = seen and not yet closed (first_seen / closed_at)"
    return _layout(fig, title, sub, context, xaxis_title="fetch (UTC)", yaxis_title="open postings",
                   yaxis_rangemode="tozero", height=420)

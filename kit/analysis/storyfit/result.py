"""Story fit, the result: :class:`FitResult` (tidy frames) and its rendering as text and HTML."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field

import pandas as pd

from kit.analysis.storyfit.matching import highlight

__all__ = ["ROLE_NAMES", "FitResult", "pct"]

ROLE_NAMES = {"pmt": "PM-T", "tpm": "TPM", "shared": "shared"}


def pct(x: float) -> str:
    """0.42 -> "42%"."""
    return f"{x * 100:.0f}%"


@dataclass
class FitResult:
    """What :func:`fit` returns. Every frame is tidy; ``str()`` is the CLI summary.

    Attributes:
        stories: ``story_id, text, lean, score, pmt_evidence, tpm_evidence, phrases, themes``.
        overall: One row: ``lean, label, headline`` (the plain answer, e.g. "Reads as TPM: 4 of 5 stories
            lean TPM (70% TPM of the evidence)"), ``pmt_share, tpm_share, pmt_evidence, tpm_evidence,
            n_stories, n_pmt, n_tpm, n_shared, pulling_pmt, pulling_tpm``.
        gaps: ``role, theme, theme_label, share, n_postings, weight, distinctive, phrases``.
        matches: ``role, rank, posting_id, company, title, score, shared_themes, why``.
        evidence: One row per story x match: ``story_id, theme, theme_label, matched, phrase,
            source, start, end, weight``.
        weights: :func:`theme_weights` of the postings the weights came from.
        scope: What was compared: company, market, n_pmt, n_tpm, weights_from.
        notes: Caveats (small scope, stories with no signal).
    """

    stories: pd.DataFrame
    overall: pd.DataFrame
    gaps: pd.DataFrame
    matches: pd.DataFrame
    evidence: pd.DataFrame
    weights: pd.DataFrame
    scope: dict
    notes: list[str] = field(default_factory=list)

    @property
    def lean(self) -> str:
        """The overall lean: "pmt", "tpm" or "shared"."""
        return str(self.overall["lean"].iloc[0])

    def gaps_for(self, role: str | None = None) -> pd.DataFrame:
        """Gaps of one role (default: the overall lean; both when shared)."""
        role = role or self.lean
        out = self.gaps if role == "shared" else self.gaps[self.gaps["role"] == role]
        return out.reset_index(drop=True)

    def __str__(self) -> str:
        o = self.overall.iloc[0]
        sc = self.scope
        where = ", ".join(f"{k} {sc[k]}" for k in ("company", "market") if sc.get(k)) or "all postings"
        lines = [
            f"Story fit: {len(self.stories)} stories against {where} "
            f"({sc['n_pmt']} PM-T and {sc['n_tpm']} TPM postings)",
            "",
            f"Overall: {o['headline']}",
            f"  ({o['n_tpm']} stories read TPM, {o['n_pmt']} PM-T, {o['n_shared']} shared ground)",
        ]
        if o["pulling_pmt"]:
            lines.append(f"  pulling PM-T: stories {o['pulling_pmt']}")
        if o["pulling_tpm"]:
            lines.append(f"  pulling TPM:  stories {o['pulling_tpm']}")
        lines += ["", "Stories (score: -1 TPM ... +1 PM-T)"]
        for r in self.stories.itertuples(index=False):
            text = r.text if len(r.text) <= 90 else r.text[:87] + "..."
            lines.append(f"  #{r.story_id} {ROLE_NAMES[r.lean]:<6} {r.score:+.2f}  {text}")
            lines.append(f"       {r.phrases or 'no role phrases found'}")
        role = self.lean
        gaps = self.gaps_for(role)
        title = "both roles" if role == "shared" else f"{ROLE_NAMES[role]} postings"
        lines += ["", f"Gaps: common in {title}, not in your stories"]
        if gaps.empty:
            lines.append("  none: your stories cover every theme most of these postings mention")
        for r in gaps.head(12).itertuples(index=False):
            mark = " *" if r.distinctive else ""
            lines.append(f"  {ROLE_NAMES[r.role]:<5} {r.theme_label:<34} {pct(r.share):>4} of postings{mark}"
                         f"  e.g. {r.phrases}")
        if not gaps.empty:
            lines.append("  (* = distinctive of that role in these postings)")
        lines += ["", "Postings your stories fit best"]
        if self.matches.empty:
            lines.append("  none share a theme with your stories")
        for r in self.matches.itertuples(index=False):
            lines.append(f"  {ROLE_NAMES[r.role]:<5} {r.rank}. {r.company} - {r.title} [{r.posting_id}] "
                         f"score {r.score:.2f}")
            lines.append(f"           why: {r.why}")
        if self.notes:
            lines += ["", *[f"Note: {n}" for n in self.notes]]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """JSON-ready dict: scope, overall, stories, evidence, gaps, matches, weights, notes."""

        def records(df: pd.DataFrame) -> list[dict]:
            return json.loads(df.to_json(orient="records", date_format="iso"))

        return {
            "scope": self.scope,
            "overall": records(self.overall)[0],
            "stories": records(self.stories),
            "evidence": records(self.evidence),
            "gaps": records(self.gaps),
            "matches": records(self.matches),
            "weights": records(self.weights),
            "notes": list(self.notes),
        }

    def stories_html(self) -> str:
        """The per-story table as HTML, story text escaped with ``<mark>`` around matched phrases."""
        rows = []
        for r in self.stories.itertuples(index=False):
            ev = self.evidence[self.evidence["story_id"] == r.story_id]
            spans = [(int(e.start), int(e.end), f"{e.theme_label} ({e.weight:+.2f})") for e in ev.itertuples()]
            rows.append(
                f"<tr><td>{r.story_id}</td><td>{html.escape(ROLE_NAMES[r.lean])}</td><td>{r.score:+.2f}</td>"
                f"<td style='text-align:left'>{highlight(r.text, spans)}</td>"
                f"<td style='text-align:left'>{html.escape(r.phrases)}</td></tr>"
            )
        head = "<tr><th>#</th><th>lean</th><th>score</th><th>story</th><th>driven by</th></tr>"
        return f"<table class='kit-fit-stories'>{head}{''.join(rows)}</table>"

    def gaps_html(self) -> str:
        """The gaps of the overall lean as a readable table: theme name, share with n, the phrases to add."""
        gaps = self.gaps_for()
        if gaps.empty:
            return "<p>None: your stories cover every theme most of these postings mention.</p>"
        rows = "".join(
            f"<tr><td>{html.escape(ROLE_NAMES.get(r.role, r.role))}</td><td>{html.escape(str(r.theme_label))}</td>"
            f"<td style='text-align:right'>{pct(r.share)} of {int(r.n_postings)}</td>"
            f"<td>{'yes' if r.distinctive else ''}</td><td>{html.escape(str(r.phrases))}</td></tr>"
            for r in gaps.itertuples(index=False))
        head = ("<tr><th>Role</th><th>Theme</th><th>Postings mentioning it</th><th>Distinctive of the role</th>"
                "<th>Phrases to add</th></tr>")
        return f"<table class='kit-fit-gaps'>{head}{rows}</table>"

    def _repr_html_(self) -> str:
        o = self.overall.iloc[0]
        notes = "".join(f"<p><em>Note: {html.escape(n)}</em></p>" for n in self.notes)
        return (
            f"<h4>Overall: {html.escape(str(o['headline']))}</h4>"
            f"{self.stories_html()}<h4>Gaps: common in these postings, not in your stories</h4>{self.gaps_html()}"
            f"<h4>Best-matching postings</h4>{self.matches.to_html(index=False, escape=True)}{notes}"
        )



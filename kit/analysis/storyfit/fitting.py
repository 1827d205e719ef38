"""Story fit, steps 4-7: scoring the stories, the overall lean, gaps and best-matching postings.

:func:`fit` takes the postings; it never loads data (the CLI and the notebook views load and pass them).
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike

import numpy as np
import pandas as pd

from kit.analysis.claims import lexicon_mentions, theme_lexicon
from kit.analysis.selection import select
from kit.analysis.storyfit.matching import build_matcher
from kit.analysis.storyfit.result import ROLE_NAMES, FitResult, pct
from kit.analysis.storyfit.stories import check_english, read_stories
from kit.analysis.storyfit.weights import theme_weights
from kit.core.errors import DataError, KitError, SelectionError
from kit.core.schema import require_columns
from kit.index.scope import DEFAULT_SECTIONS, Sections, scope_label

__all__ = ["GAP_MIN_SHARE", "LEAN_SCORE", "LEAN_SHARE", "MIN_ROLE_POSTINGS", "TOP_MATCHES", "fit"]

#: A story leans to a role when |score| >= LEAN_SCORE; overall when a role has >= LEAN_SHARE of evidence.
LEAN_SCORE = 0.2
LEAN_SHARE = 0.6
#: A theme is a gap when at least this share of the role's postings mention it.
GAP_MIN_SHARE = 0.2
#: Best-matching postings shown per role.
TOP_MATCHES = 5
#: Weights need at least this many postings of each role; fewer in scope -> weights from all postings.
MIN_ROLE_POSTINGS = 10


def _scope(postings: pd.DataFrame, company: str | None, market: str | None) -> pd.DataFrame:
    if not isinstance(postings, pd.DataFrame):
        raise DataError.build(f"postings must be a loaded postings table, not {type(postings).__name__}",
                              path="<postings>", expected="a DataFrame from kit.load_postings",
                              fix="load the files first: kit.fit(stories, kit.load_postings(path))")
    require_columns(postings.columns, ("role", "description"), path="<postings>", problem="no {missing} column",
                    expected="a postings table", fix="load postings with kit.load_postings")
    if company or market:
        return select(postings, company=company or None, market=market or None)
    return postings


def _role_rows(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["role"].astype("string").isin(["pmt", "tpm"]).fillna(False).to_numpy()]


def _score_stories(texts: list[str], found: list[list[dict]], wmap: dict, label: dict):
    """Per-story scores and the evidence rows behind them (module docstring, step 4)."""
    notes: list[str] = []
    ev_rows, story_rows = [], []
    for sid, (text, hits) in enumerate(zip(texts, found, strict=True), start=1):
        seen: dict[tuple[str, str], dict] = {}
        for h in hits:
            seen.setdefault((h["theme"], h["matched"].lower()), h)
        themes_hit: dict[str, list[str]] = {}
        for (theme, _), h in seen.items():
            w = float(wmap.get(theme, 0.0))
            ev_rows.append({"story_id": sid, "theme": theme, "theme_label": label.get(theme, theme),
                            "matched": h["matched"], "phrase": h["phrase"], "source": h["source"],
                            "start": h["start"], "end": h["end"], "weight": w})
            themes_hit.setdefault(theme, []).append(h["matched"])
        ws = {t: float(wmap.get(t, 0.0)) for t in themes_hit}
        p = sum(w for w in ws.values() if w > 0)
        tt = sum(-w for w in ws.values() if w < 0)
        score = (p - tt) / (p + tt + 1)
        lean = "pmt" if score >= LEAN_SCORE else "tpm" if score <= -LEAN_SCORE else "shared"
        order = sorted(themes_hit, key=lambda t: -abs(ws[t]))
        phrases = "; ".join(
            f"{label.get(t, t)} ({ws[t]:+.2f}): " + ", ".join(f'"{x}"' for x in dict.fromkeys(themes_hit[t]))
            for t in order
        )
        story_rows.append({"story_id": sid, "text": text, "lean": lean, "score": score, "pmt_evidence": p,
                           "tpm_evidence": tt, "phrases": phrases, "themes": ", ".join(order)})
        if not hits:
            notes.append(f"story {sid} has no phrase the kit knows; add what you did and its result")
    stories_df = pd.DataFrame(story_rows)
    evidence = pd.DataFrame(ev_rows, columns=["story_id", "theme", "theme_label", "matched", "phrase", "source",
                                              "start", "end", "weight"])
    return stories_df, evidence, notes


def _overall(stories_df: pd.DataFrame) -> pd.DataFrame:
    """The lean across all stories (module docstring, step 5)."""
    P, T = float(stories_df["pmt_evidence"].sum()), float(stories_df["tpm_evidence"].sum())
    total = P + T
    pmt_share = P / total if total else 0.5
    lean = "pmt" if total and pmt_share >= LEAN_SHARE else "tpm" if total and 1 - pmt_share >= LEAN_SHARE else "shared"
    if not total:
        text_label = "no role signal (shared ground)"
    elif pmt_share >= 0.5:
        text_label = f"{pct(pmt_share)} PM-T"
    else:
        text_label = f"{pct(1 - pmt_share)} TPM"

    def pulling(role: str) -> str:
        s = stories_df[stories_df["lean"] == role].sort_values("score", ascending=role == "tpm")
        return ", ".join(str(i) for i in s["story_id"])

    n = len(stories_df)
    counts = {r: int((stories_df["lean"] == r).sum()) for r in ("pmt", "tpm", "shared")}
    if not total:
        headline = f"No role signal: none of your {n} stories uses wording that separates the roles"
    elif lean == "shared":
        headline = (f"Reads as shared ground: {text_label} of the evidence, under the {LEAN_SHARE:.0%} needed to "
                    f"call a role ({counts['tpm']} of {n} stories lean TPM, {counts['pmt']} PM-T)")
    else:
        headline = (f"Reads as {ROLE_NAMES[lean]}: {counts[lean]} of {n} stories lean {ROLE_NAMES[lean]} "
                    f"({text_label} of the evidence)")
    overall = pd.DataFrame([{
        "lean": lean, "label": text_label, "headline": headline, "pmt_share": pmt_share if total else np.nan,
        "tpm_share": 1 - pmt_share if total else np.nan, "pmt_evidence": P, "tpm_evidence": T,
        "n_stories": len(stories_df), "n_pmt": int((stories_df["lean"] == "pmt").sum()),
        "n_tpm": int((stories_df["lean"] == "tpm").sum()), "n_shared": int((stories_df["lean"] == "shared").sum()),
        "pulling_pmt": pulling("pmt"), "pulling_tpm": pulling("tpm"),
    }])
    return overall


def fit(
    stories: str | PathLike | Sequence[str],
    postings: pd.DataFrame,
    *,
    company: str | None = None,
    market: str | None = None,
    sections: Sections = DEFAULT_SECTIONS,
) -> FitResult:
    """Which role do these experience stories read like, against the postings in scope?

    Args:
        stories: A list of stories, pasted text, or a path to a .txt / .md file (one story per
            paragraph; resume bullets are one story each).
        postings: The postings table (from :func:`kit.load_postings`); ``fit`` never loads files.
        company: Narrow to one company (:func:`kit.select`, alias-aware).
        market: Narrow to one market.
        sections: The postings' text counted for weights, gaps and matches: "role" (default: the role's own
            sections), "all" (the whole description) or a list of section kinds (:mod:`kit.index.scope`).

    Returns:
        A :class:`FitResult` (module docstring: how every number is computed).

    Raises:
        DataError: Empty, non-text or non-English stories; postings that are not a table or lack
            role/description.
        SelectionError: An unknown company / market.
        KitError: Postings without both PM-T and TPM postings.
    """
    texts = read_stories(stories)
    lex = theme_lexicon()
    matcher = build_matcher(lex)
    found = [matcher.find(t) for t in texts]
    check_english(texts, found)

    full = postings
    scope = _scope(postings, company, market)
    scope = _role_rows(scope)
    notes: list[str] = []
    n_p = int((scope["role"] == "pmt").sum())
    n_t = int((scope["role"] == "tpm").sum())
    if n_p + n_t == 0 and (company or market):
        where = " / ".join(x for x in (company, market) if x)
        raise SelectionError(f"{where}: no PM-T or TPM postings in this selection; pick another company or market")
    m_scope = lexicon_mentions(scope, sections=sections)
    weights_from = "scope"
    if min(n_p, n_t) >= MIN_ROLE_POSTINGS:
        weights = theme_weights(scope, mentions=m_scope, sections=sections)
    else:
        pool = _role_rows(full)
        fp, ft = int((pool["role"] == "pmt").sum()), int((pool["role"] == "tpm").sum())
        if min(fp, ft) < MIN_ROLE_POSTINGS:
            hint = ("the 'role' column is empty: load postings with kit.load_postings, which classifies titles"
                    if full["role"].isna().all() else "use a larger posting file (default: the bundled sample)")
            raise KitError(
                f"fit needs at least {MIN_ROLE_POSTINGS} PM-T and {MIN_ROLE_POSTINGS} TPM postings to weigh "
                f"phrases; these postings have {fp} PM-T and {ft} TPM ({hint})"
            )
        weights = theme_weights(pool, sections=sections)
        weights_from = "all postings"
        notes.append(f"the selection has {n_p} PM-T and {n_t} TPM postings (< {MIN_ROLE_POSTINGS} of one role); "
                     "theme weights come from all postings, gaps and matches from the selection")

    wmap = weights.set_index("theme")["weight"].to_dict()
    label = weights.set_index("theme")["theme_label"].to_dict()
    label.update({t: lbl for t, lbl in zip(lex["theme"].astype(str), lex.get("theme_label", lex["theme"]),
                                           strict=True) if t not in label and isinstance(lbl, str)})

    stories_df, evidence, story_notes = _score_stories(texts, found, wmap, label)
    notes += story_notes
    overall = _overall(stories_df)

    story_themes = set(evidence["theme"])
    gaps = _gaps(scope, m_scope, weights, story_themes, label)
    matches = _matches(scope, m_scope, story_themes, label, weights)
    info = {"company": company or None, "market": market or None, "n_pmt": n_p, "n_tpm": n_t,
            "weights_from": weights_from, "sections": scope_label(sections)}
    return FitResult(stories=stories_df, overall=overall, gaps=gaps, matches=matches, evidence=evidence,
                     weights=weights, scope=info, notes=notes)


def _gaps(scope: pd.DataFrame, m, weights: pd.DataFrame, story_themes: set, label: dict) -> pd.DataFrame:
    tmat, names = m.themes()
    tmat = tmat.tocsc()
    pmat = m.matrix.tocsc()
    role = scope["role"].astype("string").fillna("").to_numpy()
    wmap = weights.set_index("theme")["weight"].to_dict()
    rows = []
    for r in ("pmt", "tpm"):
        mask = role == r
        n = int(mask.sum())
        if not n:
            continue
        share = np.asarray(tmat[mask].sum(axis=0)).ravel() / n
        pshare = np.asarray(pmat[mask].sum(axis=0)).ravel() / n
        for j, theme in enumerate(names):
            if theme in story_themes or share[j] < GAP_MIN_SHARE:
                continue
            cols = np.flatnonzero((m.phrases["theme"].astype(str) == theme).to_numpy())
            top = cols[np.argsort(-pshare[cols], kind="stable")][:3]
            top = [c for c in top if pshare[c] > 0]
            w = float(wmap.get(theme, 0.0))
            rows.append({
                "role": r, "theme": theme, "theme_label": label.get(theme, theme), "share": float(share[j]),
                "n_postings": n, "weight": w, "distinctive": bool(w > 0 if r == "pmt" else w < 0),
                "phrases": ", ".join(f'"{m.phrases["phrase"].iloc[c]}" ({pct(pshare[c])})' for c in top),
            })
    out = pd.DataFrame(rows, columns=["role", "theme", "theme_label", "share", "n_postings", "weight", "distinctive",
                                      "phrases"])
    return out.sort_values(["role", "distinctive", "share"], ascending=[True, False, False], ignore_index=True)


def _matches(scope: pd.DataFrame, m, story_themes: set, label: dict, weights: pd.DataFrame) -> pd.DataFrame:
    """Best-matching postings per role (module docstring, step 7)."""
    cols = ["role", "rank", "posting_id", "company", "title", "score", "shared_themes", "why"]
    tmat, names = m.themes()
    tmat = tmat.tocsr().astype(float)
    n = tmat.shape[0]
    if not n or not story_themes:
        return pd.DataFrame(columns=cols)
    idf = np.log((n + 1) / (np.asarray(tmat.sum(axis=0)).ravel() + 1)) + 1
    post_norm = np.sqrt(np.asarray(tmat.multiply(idf**2).sum(axis=1)).ravel())
    wmap = weights.set_index("theme")["weight"].to_dict()
    w = np.array([float(wmap.get(t, 0.0)) for t in names])
    in_story = np.array([t in story_themes for t in names])
    role = scope["role"].astype("string").fillna("").to_numpy()
    pmat = m.matrix.tocsr()
    theme_of = m.phrases["theme"].astype(str).to_numpy()
    phrase_of = m.phrases["phrase"].astype(str).to_numpy()
    rows = []
    for r, sign in (("pmt", 1.0), ("tpm", -1.0)):
        # story theme vector for role r: themes leaning to r count (1 + |weight|) times, others once
        s = np.where(in_story, idf * (1 + np.clip(sign * w, 0, None)), 0.0)
        dot = tmat @ (s * idf)
        denom = post_norm * np.linalg.norm(s)
        score = np.divide(dot, denom, out=np.zeros(n), where=denom > 0)
        idx = np.flatnonzero((role == r) & (score > 0))
        idx = idx[np.argsort(-score[idx], kind="stable")][:TOP_MATCHES]
        for rank, i in enumerate(idx, start=1):
            shared = sorted((j for j in tmat[i].indices if in_story[j]), key=lambda j: -s[j] * idf[j])
            order = {names[j]: k for k, j in enumerate(shared)}
            ph = sorted((c for c in pmat[i].indices if theme_of[c] in order), key=lambda c: order[theme_of[c]])
            rec = scope.iloc[i]
            rows.append({
                "role": r, "rank": rank, "posting_id": str(rec.get("posting_id", i)),
                "company": str(rec.get("company", "")), "title": str(rec.get("title", "")), "score": float(score[i]),
                "shared_themes": ", ".join(label.get(names[j], names[j]) for j in shared),
                "why": "both mention " + ", ".join(f'"{phrase_of[c]}"' for c in list(dict.fromkeys(ph))[:6]),
            })
    return pd.DataFrame(rows, columns=cols)



"""Trend: the monthly share of postings per role, and of postings mentioning chosen phrases."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from kit.index.phraseindex import index_for
from kit.index.scope import DEFAULT_SECTIONS, Sections, scoped_text

__all__ = ["auto_freq", "role_trend"]

COLUMNS = ["month", "series", "n_postings", "n", "share", "kind"]
_SPACE = re.compile(r"\s+")


def _mentions(postings: pd.DataFrame, phrases: Sequence[str], sections: Sections) -> dict[str, np.ndarray]:
    """Posting x phrase mention flags: from the phrase index (lexicon phrase or n-gram), else a text search."""
    found: dict[str, np.ndarray] = {}
    wanted = {p: _SPACE.sub(" ", p.strip().lower()) for p in phrases}
    if "description" in postings:
        index, pos = index_for(postings, sections=sections)
        lex = {str(p).lower(): j for j, p in enumerate(index.phrases["phrase"])}
        vocab = {str(p): j for j, p in enumerate(index.vocabulary)}
        for phrase, words in wanted.items():
            if words in lex:
                col = index.lexicon[pos][:, lex[words]]
            elif words in vocab:
                col = index.ngrams[pos][:, vocab[words]]
            else:
                continue
            found[phrase] = np.asarray(col.toarray()).reshape(-1) > 0
    text = None
    for phrase, words in wanted.items():
        if phrase in found:
            continue
        if text is None:
            text = scoped_text(postings, sections).astype("string").fillna("").str.lower()
            text = text.str.replace(_SPACE, " ", regex=True)
        found[phrase] = text.str.contains(r"(?<!\w)" + re.escape(words) + r"(?!\w)", regex=True).to_numpy(dtype=bool)
    return found


def role_trend(
    postings: pd.DataFrame,
    *,
    phrases: Sequence[str] | None = None,
    freq: str = "MS",
    sections: Sections = DEFAULT_SECTIONS,
) -> pd.DataFrame:
    """Monthly share of postings per role, and of postings mentioning each chosen phrase.

    Postings without a ``posted_date`` are left out. Periods with no postings are omitted.

    Args:
        postings: Canonical postings (``posted_date``, ``role``; ``description`` for phrases).
        phrases: Phrases to follow; a posting counts once however often it says the phrase
            (case-insensitive, whole words).
        freq: pandas period frequency of the bins ("MS" = calendar month, "QS" = quarter, "W" ...).
        sections: The text searched for ``phrases``: "role" (default: the role's own sections), "all" or kinds.

    Returns:
        ``[month, series, n_postings, n, share, kind]``: ``series`` is a role code (``kind ==
        "role"``) or a phrase (``kind == "phrase"``); ``n_postings`` is all dated postings in the
        period, ``n`` those of the role / mentioning the phrase, ``share = n / n_postings``.
    """
    if postings is None or len(postings) == 0 or "posted_date" not in postings:
        return _empty()
    dates = pd.to_datetime(postings["posted_date"], errors="coerce")
    keep = dates.notna().to_numpy()
    if not keep.any():
        return _empty()
    df = pd.DataFrame({"month": dates[keep].to_numpy()})
    df["month"] = pd.to_datetime(df["month"])
    roles = postings["role"].astype("string").fillna("other") if "role" in postings else pd.Series(
        ["other"] * len(postings), dtype="string")
    df["role"] = roles.to_numpy()[keep]
    grouper = pd.Grouper(key="month", freq=freq)
    totals = df.groupby(grouper).size().rename("n_postings")
    totals = totals[totals > 0]
    frames = []
    per_role = df.groupby([grouper, "role"]).size().rename("n").reset_index()
    per_role = per_role.rename(columns={"role": "series"})
    per_role["kind"] = "role"
    frames.append(per_role)
    if phrases:
        flags = _mentions(postings, list(phrases), sections)
        for phrase in phrases:
            counts = (pd.DataFrame({"month": df["month"], "hit": flags[phrase][keep]})
                      .groupby(grouper)["hit"].sum().rename("n").reset_index())
            counts["series"] = phrase
            counts["kind"] = "phrase"
            frames.append(counts)
    out = pd.concat(frames, ignore_index=True).merge(totals.reset_index(), on="month", how="inner")
    # every role appears in every month (0 when absent), so lines do not skip months
    roles_seen = sorted(per_role["series"].unique())
    full = pd.MultiIndex.from_product([totals.index, roles_seen], names=["month", "series"]).to_frame(index=False)
    full["kind"] = "role"
    role_rows = full.merge(out[out["kind"] == "role"], on=["month", "series", "kind"], how="left")
    role_rows["n_postings"] = role_rows["month"].map(totals)
    role_rows["n"] = role_rows["n"].fillna(0)
    out = pd.concat([role_rows, out[out["kind"] == "phrase"]], ignore_index=True)
    out["n"] = out["n"].astype("int64")
    out["n_postings"] = out["n_postings"].astype("int64")
    out["share"] = out["n"] / out["n_postings"]
    out["series"] = out["series"].astype("string")
    out["kind"] = out["kind"].astype("string")
    order = {name: i for i, name in enumerate([*roles_seen, *(phrases or [])])}
    out = out.assign(_k=(out["kind"] == "phrase").astype(int), _o=out["series"].map(order))
    out = out.sort_values(["_k", "_o", "month"], ignore_index=True)[COLUMNS]
    out.attrs["freq"] = freq
    return out


def auto_freq(postings: pd.DataFrame, *, min_per_period: int = 20) -> str:
    """The finest of month / quarter / year with on average at least ``min_per_period`` dated postings.

    Args:
        postings: Postings with ``posted_date``.
        min_per_period: Wanted average postings per period (the charts' small-sample threshold).

    Returns:
        ``"MS"``, ``"QS"`` or ``"YS"``.
    """
    dates = pd.to_datetime(postings["posted_date"], errors="coerce").dropna() if "posted_date" in postings else []
    if len(dates) == 0:
        return "MS"
    for freq, period in (("MS", "M"), ("QS", "Q")):
        if len(dates) / max(dates.dt.to_period(period).nunique(), 1) >= min_per_period:
            return freq
    return "YS"


def _empty() -> pd.DataFrame:
    dtypes = {"month": "datetime64[ns]", "series": "string", "n_postings": "int64", "n": "int64", "share": "float64",
              "kind": "string"}
    return pd.DataFrame({col: pd.Series(dtype=dtypes[col]) for col in COLUMNS})

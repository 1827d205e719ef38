"""Story fit, step 3: how much each lexicon theme separates PM-T from TPM in the postings in scope.

For each theme, the share of PM-T and of TPM postings mentioning it, and the log odds ratio
``log[(x_p+.5)/(n_p-x_p+.5)] - log[(x_t+.5)/(n_t-x_t+.5)]`` (Haldane-Anscombe corrected) with its
z = ratio / sqrt(sum of the four reciprocals). A theme weighs its log odds ratio when it separates the roles
in these postings (|z| >= 1.96 and |ratio| >= 0.25, i.e. odds differ by at least ~28%); otherwise it weighs
0: shared ground. Themes the lexicon declares shared by both roles (side "shared") always weigh 0:
DESIGN.md names them the overlap, so showing them moves a story towards neither role.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kit.analysis.claims import lexicon_mentions
from kit.index.scope import DEFAULT_SECTIONS, Sections

__all__ = ["MIN_LOG_ODDS", "Z_MIN", "theme_weights"]

#: A theme separates the roles when |z| >= Z_MIN and |log odds ratio| >= MIN_LOG_ODDS.
Z_MIN = 1.96
MIN_LOG_ODDS = 0.25


def theme_weights(
    postings: pd.DataFrame, *, a: str = "pmt", b: str = "tpm", mentions=None, sections: Sections = DEFAULT_SECTIONS
) -> pd.DataFrame:
    """How much each lexicon theme separates role a from role b in these postings.

    Args:
        postings: Postings with ``role`` and ``description`` (uses the cached index when loaded).
        a: The role with positive weights (PM-T).
        b: The role with negative weights (TPM).
        mentions: Precomputed :class:`kit.analysis.claims.Mentions` for ``postings`` (internal).
        sections: The text counted: "role" (default: the role's own sections), "all" or a list of kinds.

    Returns:
        One row per theme: ``theme, theme_label, side, docs_a, docs_b, n_a, n_b, share_a, share_b,
        log_odds, z, weight, leans`` (``leans`` in a / b / "shared"); ``attrs`` carry a, b.
    """
    role = postings["role"].astype("string").fillna("").to_numpy()
    is_a, is_b = role == a, role == b
    m = mentions if mentions is not None else lexicon_mentions(postings, sections=sections)
    tmat, names = m.themes()
    tmat = tmat.tocsc()
    docs_a = np.asarray(tmat[is_a].sum(axis=0)).ravel().astype(float)
    docs_b = np.asarray(tmat[is_b].sum(axis=0)).ravel().astype(float)
    n_a, n_b = int(is_a.sum()), int(is_b.sum())
    lor = np.log((docs_a + 0.5) / (n_a - docs_a + 0.5)) - np.log((docs_b + 0.5) / (n_b - docs_b + 0.5))
    var = 1 / (docs_a + 0.5) + 1 / (n_a - docs_a + 0.5) + 1 / (docs_b + 0.5) + 1 / (n_b - docs_b + 0.5)
    z = lor / np.sqrt(var)
    info = m.phrases.groupby("theme", sort=False).agg(
        theme_label=("theme_label", "first"), side=("side", lambda s: s.mode().iloc[0] if s.notna().any() else pd.NA)
    )
    side = np.array([info["side"].get(n, pd.NA) for n in names], dtype=object)
    shared = np.array([isinstance(v, str) and v == "shared" for v in side], dtype=bool)
    separates = (np.abs(z) >= Z_MIN) & (np.abs(lor) >= MIN_LOG_ODDS) & ~shared
    weight = np.where(separates, lor, 0.0)
    out = pd.DataFrame({
        "theme": names,
        "theme_label": [info["theme_label"].get(n, n) for n in names],
        "side": side,
        "docs_a": docs_a.astype(int), "docs_b": docs_b.astype(int), "n_a": n_a, "n_b": n_b,
        "share_a": docs_a / n_a if n_a else np.nan, "share_b": docs_b / n_b if n_b else np.nan,
        "log_odds": lor, "z": z, "weight": weight,
        "leans": np.where(weight > 0, a, np.where(weight < 0, b, "shared")),
    })
    out["theme_label"] = out["theme_label"].fillna(out["theme"].str.replace("_", " "))
    out.attrs.update({"a": a, "b": b})
    return out



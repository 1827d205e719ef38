"""Fill the derived postings columns (title_clean, seniority, family, role, ...) from title and description.

:func:`enrich_postings` is called by :func:`kit.load.postings.load_postings`; it only writes the columns
listed in :data:`kit.core.schema.POSTINGS_DERIVED` and leaves every other column untouched. Every derived
value can be recomputed from ``title`` and ``description`` (rules in kit/data/titles.yaml and
kit/data/role_signals.yaml).
"""

from __future__ import annotations

import pandas as pd

from kit.core.memory import release_memory
from kit.core.schema import POSTINGS_DERIVED
from kit.prepare.roles import roles_from_text
from kit.prepare.sections import spans_series
from kit.prepare.titles import classify_titles

__all__ = ["enrich_postings"]


def enrich_postings(df: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``df`` with the derived postings columns filled.

    The title gives title_clean, seniority, family, variant and a first role
    (:func:`kit.prepare.titles.classify_titles`); the description then upgrades generic pm / pgm titles to
    pmt / tpm when it shows technical depth and flags title/text mismatches
    (:func:`kit.prepare.roles.roles_from_text`, reading only the role's own sections). ``sections`` keeps the section
    spans of each description (:mod:`kit.prepare.sections`; boilerplate repeated across a company's postings
    is found over the company groups of ``df``).

    Args:
        df: A postings frame with ``title``; ``description`` is used when present.

    Returns:
        A new frame; the columns of ``POSTINGS_DERIVED`` are (over)written with their canonical
        dtypes, all other columns are unchanged. A frame without ``title`` gets role "other" with
        confidence 0.
    """
    out = df.copy()
    titles = out["title"] if "title" in out.columns else pd.Series([None] * len(out), index=out.index, dtype=object)
    descriptions = (
        out["description"]
        if "description" in out.columns
        else pd.Series([None] * len(out), index=out.index, dtype=object)
    )
    positional = pd.RangeIndex(len(out))
    companies = out["company"].reset_index(drop=True) if "company" in out.columns else None
    # each step's transient arrays are freed before the next one starts: the peak is one step's, not their sum
    release_memory()
    spans = spans_series(descriptions.reset_index(drop=True).astype("string"), companies)
    release_memory()
    classified = classify_titles(titles.reset_index(drop=True))
    refined = roles_from_text(classified, descriptions.reset_index(drop=True).set_axis(positional), sections=spans)
    release_memory()
    values = {
        "title_clean": classified["title_clean"],
        "seniority": classified["seniority"],
        "family": classified["family"],
        "role": refined["role"],
        "role_confidence": refined["role_confidence"],
        "role_basis": refined["role_basis"],
        "variant": classified["variant"],
        "title_text_mismatch": refined["title_text_mismatch"],
        "sections": spans,
    }
    for col, dtype in POSTINGS_DERIVED.items():
        out[col] = pd.Series(values[col].to_numpy(), index=out.index).astype(dtype)
    return out

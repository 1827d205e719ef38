"""Which titles a company uses for each role: counts of role x variant x raw title, with shares.

``share`` is within company x role: of a company's postings with that role, the share carrying this
exact raw title. Postings are rows (a loaded postings table is already de-duplicated).
"""

from __future__ import annotations

import pandas as pd

from kit.core.errors import DataError
from kit.core.schema import ROLES, require_columns
from kit.prepare.titles import classify_titles

__all__ = ["ALL_COMPANIES", "UNKNOWN_COMPANY", "VARIANT_COLUMNS", "title_variants"]

#: Output columns of :func:`title_variants`.
VARIANT_COLUMNS = ["company", "role", "variant", "title", "n", "share"]
#: The ``company`` value when no company column is given (or ``by_company=False``).
ALL_COMPANIES = "(all)"
#: The ``company`` value for postings without a company name.
UNKNOWN_COMPANY = "(unknown)"


def title_variants(
    postings: pd.DataFrame, *, by_company: bool = True, roles: tuple[str, ...] | list[str] | None = None
) -> pd.DataFrame:
    """Count role x variant x raw title per company, with each title's share of its company x role.

    Args:
        postings: Any frame with a ``title`` column; ``company``, ``role`` and ``variant`` are used
            when present, otherwise computed (roles and variants from the title with
            :func:`kit.prepare.titles.classify_titles`; missing companies become "(all)").
        by_company: Count per company (default) or over the whole frame (company "(all)").
        roles: Keep only these roles (e.g. ``("pmt", "tpm")``); all roles by default.

    Returns:
        Columns ``[company, role, variant, title, n, share]``; ``share = n / postings of that
        company and role``; ``variant`` is NA where the title has no canonical variant. Sorted by
        company, role (in ``ROLES`` order), then ``n`` descending and title.

    Raises:
        DataError: If there is no ``title`` column, or ``roles`` names an unknown role.
    """
    require_columns(postings.columns, ("title",), path="<DataFrame>", problem="no 'title' column",
                    expected="a frame with job titles", fix="rename your title column to 'title'")
    if roles is not None:
        unknown = [r for r in roles if r not in ROLES]
        if unknown:
            raise DataError.build(f"unknown role(s) {unknown}", expected=f"roles from {ROLES}")
    frame = pd.DataFrame(index=postings.index)
    frame["title"] = postings["title"].astype("string").str.strip()
    if not by_company or "company" not in postings.columns:
        frame["company"] = ALL_COMPANIES
    else:
        frame["company"] = postings["company"].astype("string").fillna(UNKNOWN_COMPANY)
    missing = [c for c in ("role", "variant") if c not in postings.columns]
    if missing:

        classified = classify_titles(postings["title"])
        for col in missing:
            postings_col = classified[col]
            frame[col] = postings_col.to_numpy()
    for col in ("role", "variant"):
        if col not in missing:
            frame[col] = postings[col].to_numpy()
    frame["role"] = frame["role"].astype("string").fillna("other")
    frame["variant"] = frame["variant"].astype("string")
    if roles is not None:
        frame = frame[frame["role"].isin(list(roles))]
    frame = frame[frame["title"].notna()]

    keys = ["company", "role", "variant", "title"]
    counts = frame.groupby(keys, dropna=False, sort=False, observed=True).size().rename("n").reset_index()
    totals = counts.groupby(["company", "role"], sort=False)["n"].transform("sum")
    counts["n"] = counts["n"].astype("Int64")
    counts["share"] = (counts["n"] / totals).astype("Float64")
    order = {r: k for k, r in enumerate(ROLES)}
    counts["_role_order"] = counts["role"].map(order).fillna(len(ROLES))
    counts = counts.sort_values(["company", "_role_order", "n", "title"], ascending=[True, True, False, True])
    out = counts[VARIANT_COLUMNS].reset_index(drop=True)
    for col in ("company", "role", "variant", "title"):
        out[col] = out[col].astype("string")
    return out

"""Pay per level for PM-T and TPM, the ratio of their medians with a bootstrap interval, pay claims.

* :func:`pay_by_level` — n, median, p25, p75 per ladder rank (or company level) and role, plus the
  ratio frame in ``attrs["ratio"]`` (also returned by :func:`pay_ratio`).
* :func:`check_pay_claims` — "same bracket", "one role paid more", "converge at director" per company.
* :func:`pay_from_postings` / :func:`pay_by_source` — posted salary ranges as pay rows, and every
  source side by side.

Conventions used throughout (and stated in each result's ``attrs``):

* **Ratio** = median of role *b* / median of role *a*; with the default ``roles=("pmt", "tpm")`` that
  is **median TPM / median PM-T**: above 1 means TPMs are paid more.
* **Interval**: percentile bootstrap, 95%. Each role's observations are resampled independently with
  replacement (``n_boot`` replicates, all drawn in one numpy array operation); the interval is the
  2.5th and 97.5th percentile of the replicate ratios (NA when a side has a single observation). The
  generator is seeded from ``seed`` *and* the group's key, so a group's interval is the same whatever
  other groups are in the table, identical for the same seed and different for another seed.
* **Quartiles**: linear interpolation between order statistics (pandas / numpy default).
* **Small samples**: a group with fewer than :data:`MIN_N` (20) observations is flagged
  ``small_sample``, never hidden. 20 matches the kit-wide threshold (ARCHITECTURE.md) and is roughly
  where a bootstrap interval of a median stops being dominated by the two or three middle values.
* **Family fallback**: levels-style exports title every product manager "Product Manager", so their
  rows have role "pm", not "pmt". When (almost) none of a requested technical role is present but
  its family is (fewer than 10% of the family's rows carry the technical role), both sides are
  compared by *family* — product vs program — and the result says so: ``attrs["compare"] ==
  attrs["compared_by"] == "family"``, a ``basis`` column "family", and the role column holds
  "product" / "program".
* **Sources and currencies are never pooled**: self-reported pay ("levels", "sample"), LCA offered
  wages ("lca") and posted salary ranges ("posted range") measure different things, and there is no
  exchange rate in the kit. Every output has ``source`` and ``currency`` columns and every statistic
  is computed within one source and one currency (a missing currency is the group "unknown").
* **Values used**: missing values are skipped; for ``total`` and ``base`` a value <= 0 is treated as
  missing (levels-style exports write base 0 when there is no breakdown); zero stock / bonus is kept.
  Each row counts as one observation.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from kit.analysis.selection import select
from kit.analysis.stats import MIN_N, boot_medians, percentile_interval, seeded_rng
from kit.core.errors import KitError
from kit.core.schema import LADDER, conform, require_columns
from kit.prepare.companies import company_keys
from kit.prepare.levels import assign_ladder
from kit.prepare.titles import classify_titles

__all__ = [
    "FAMILY_FALLBACK_SHARE",
    "MEASURES",
    "MIN_CELL",
    "MIN_N",
    "UNASSIGNED",
    "check_pay_claims",
    "pay_by_level",
    "pay_by_source",
    "pay_from_postings",
    "pay_ratio",
]

#: Pay measures a pay table can carry.
MEASURES = ("total", "base", "stock", "bonus")
#: Compare by family when fewer than this share of a family's rows carry the technical role asked for.
FAMILY_FALLBACK_SHARE = 0.10
#: Role -> family, for the family fallback.
FAMILY_OF = {"pmt": "product", "pm": "product", "tpm": "program", "pgm": "program"}
#: A rank takes part in a pooled claim ratio when both roles have at least this many observations there.
MIN_CELL = 3
#: Group label of rows without a rank / level when ``pay_by_level(..., unassigned=True)``.
UNASSIGNED = "(unassigned)"
#: Label of pay rows made from posted salary ranges.
POSTED_SOURCE = "posted range"

_RANK = {name: i for i, name in enumerate(LADDER)}
_BELOW = ("mid", "senior", "staff")  # ranks pooled for "same bracket" / "one role paid more"
_TOP = ("director", "vp")  # ranks pooled for "converge at director"


# -- selection and preparation ---------------------------------------------------------------------


def _select(pay: pd.DataFrame, company: str | Sequence[str] | None, market: str | Sequence[str] | None):
    if company is None and market is None:
        return pay

    return select(pay, company=company, market=market)


def _need(pay: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    require_columns(pay.columns, columns, path="<pay table>",
                    expected=f"a pay table with {', '.join(columns)} for {what}",
                    fix="load it with kit.load_pay(), or add the column")


def _values(series: pd.Series, measure: str) -> pd.Series:
    values = pd.to_numeric(series, errors="coerce").astype("Float64")
    if measure in ("total", "base"):
        values = values.where(values > 0)
    return values


def _families(df: pd.DataFrame) -> pd.Series:
    fam = df["family"].astype("string").str.lower() if "family" in df.columns else pd.Series(
        pd.NA, index=df.index, dtype="string")
    from_role = df["role"].astype("string").str.lower().map(FAMILY_OF).astype("string")
    return fam.fillna(from_role)


def _company_display(names: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(alias-aware key, display name) per row, from the one company normalizer (:mod:`kit.prepare.companies`)."""
    names = names.astype("string")
    codes, keys, labels = company_keys(names.to_frame("company"))
    has = codes >= 0
    pick = np.maximum(codes, 0)
    key = pd.Series(np.where(has, keys[pick] if len(keys) else None, None), index=names.index, dtype="string")
    shown = pd.Series(np.where(has, labels[pick] if len(labels) else None, None), index=names.index, dtype="string")
    return key, shown.fillna(names)


def _decide_compare(df: pd.DataFrame, roles: tuple[str, str], compare: str) -> tuple[str, tuple[str, str]]:
    """Return ("role" | "family", the two group labels)."""
    if compare not in ("auto", "role", "family"):
        raise KitError(f"compare={compare!r}: expected 'auto', 'role' or 'family'")
    fam_labels = (FAMILY_OF.get(roles[0], roles[0]), FAMILY_OF.get(roles[1], roles[1]))
    if compare == "role":
        return "role", roles
    if compare == "family":
        return "family", fam_labels
    role = df["role"].astype("string").str.lower()
    fam = _families(df)
    for r in roles:
        if r in ("pmt", "tpm"):
            n_fam = int((fam == FAMILY_OF[r]).sum())
            n_role = int((role == r).sum())
            if n_fam and n_role < FAMILY_FALLBACK_SHARE * n_fam:
                return "family", fam_labels
    return "role", roles


def _prepare(pay, *, company, market, roles, by, measure, compare):
    if by not in ("ladder", "level"):
        raise KitError(f"by={by!r}: expected 'ladder' (normalized rank) or 'level' (company's own code)")
    if measure not in MEASURES:
        raise KitError(f"measure={measure!r}: expected one of {', '.join(MEASURES)}")
    if len(roles) != 2:
        raise KitError(f"roles={roles!r}: expected two role codes, e.g. ('pmt', 'tpm')")
    _need(pay, ("role", measure), "pay statistics")
    df = pay.copy()
    df.attrs = {}
    if by == "ladder" and "ladder" not in df.columns:

        df = assign_ladder(df)
        df.attrs = {}
    _need(df, (by,), f"by={by!r}")
    df = _select(df, company, market).copy()
    df.attrs = {}
    mode, labels = _decide_compare(df, tuple(roles), compare)
    role = df["role"].astype("string").str.lower()
    # by family: only manager roles count (a "product" family row with role "other" is not a PM)
    key = role if mode == "role" else _families(df).where(role.isin(list(FAMILY_OF)))
    df["_group"] = key.where(key.isin(labels))
    df["_value"] = _values(df[measure], measure)
    src = df["source"].astype("string") if "source" in df.columns else pd.Series(pd.NA, index=df.index,
                                                                                 dtype="string")
    df["source"] = src.fillna("unknown")
    if "company" not in df.columns:
        df["company"] = pd.Series(pd.NA, index=df.index, dtype="string")
    df["_ckey"], df["company"] = _company_display(df["company"])
    if "ladder_rank" not in df.columns:
        df["ladder_rank"] = df["ladder"].astype("string").map(_RANK).astype("Int64") if "ladder" in df.columns \
            else pd.Series(pd.NA, index=df.index, dtype="Int64")
    cur = df["currency"].astype("string") if "currency" in df.columns else pd.Series(pd.NA, index=df.index,
                                                                                    dtype="string")
    df["currency"] = cur.str.upper().fillna("unknown")
    present = sorted(df.loc[df["_group"].notna(), "currency"].unique().tolist())
    currency = present[0] if len(present) == 1 else None
    return df, mode, labels, currency


# -- bootstrap -------------------------------------------------------------------------------------


def _ratio(xa: np.ndarray, xb: np.ndarray, *, n_boot: int, rng: np.random.Generator):
    """Point ratio median(b)/median(a) and its percentile-bootstrap 95% interval."""
    if len(xa) == 0 or len(xb) == 0:
        return np.nan, np.nan, np.nan
    ma, mb = float(np.median(xa)), float(np.median(xb))
    if ma <= 0:
        return np.nan, np.nan, np.nan
    if len(xa) < 2 or len(xb) < 2:  # resampling one value says nothing about its uncertainty
        return mb / ma, np.nan, np.nan
    ba = boot_medians(xa, n_boot, rng)
    bb = boot_medians(xb, n_boot, rng)
    with np.errstate(divide="ignore", invalid="ignore"):
        low, high = percentile_interval(bb / ba)
    return mb / ma, low, high


def _pooled_ratio(cells: list[tuple[np.ndarray, np.ndarray]], *, n_boot: int, rng: np.random.Generator):
    """Rank-standardized ratio over several ranks, with its bootstrap interval.

    The pooled ratio is exp(sum_k w_k log(median_b,k / median_a,k)) with weights
    w_k = n_a,k n_b,k / (n_a,k + n_b,k), normalized; each bootstrap replicate resamples every cell and
    recomputes the same weighted mean. Comparing within ranks first keeps a role that is simply more
    senior on average from looking better paid.
    """
    if not cells:
        return np.nan, np.nan, np.nan
    w = np.array([len(a) * len(b) / (len(a) + len(b)) for a, b in cells])
    w = w / w.sum()
    point = np.array([np.log(np.median(b) / np.median(a)) for a, b in cells])
    boots = np.vstack([np.log(boot_medians(b, n_boot, rng) / boot_medians(a, n_boot, rng)) for a, b in cells])
    low, high = percentile_interval(np.exp(w @ boots))
    return float(np.exp(w @ point)), low, high


# -- pay by level ----------------------------------------------------------------------------------


def pay_by_level(
    pay: pd.DataFrame,
    *,
    company: str | Sequence[str] | None = None,
    market: str | Sequence[str] | None = None,
    roles: tuple[str, str] = ("pmt", "tpm"),
    by: str = "ladder",
    measure: str = "total",
    min_n: int = MIN_N,
    n_boot: int = 2000,
    seed: int = 0,
    compare: str = "auto",
    unassigned: bool = False,
) -> pd.DataFrame:
    """Pay per ladder rank (or company level) and role: n, median, p25, p75, and the ratio of medians.

    Args:
        pay: A pay table (``kit.load_pay``) or any frame with ``role``, the measure column, and
            ``ladder`` (or ``level`` for ``by="level"``); ``source``, ``family``, ``company``,
            ``market``, ``currency`` are used when present.
        company: Keep these companies (alias-aware, via :func:`kit.select`).
        market: Keep these markets.
        roles: The two roles compared, (a, b); the ratio is median b / median a.
        by: ``"ladder"`` (normalized rank, pooled across companies) or ``"level"`` (company-native
            code, always grouped by company).
        measure: ``"total"``, ``"base"``, ``"stock"`` or ``"bonus"``.
        min_n: Groups with fewer observations are flagged ``small_sample``.
        n_boot: Bootstrap replicates for the ratio interval.
        seed: Seed of the bootstrap (results are identical for the same seed).
        compare: ``"auto"`` (family fallback as described in the module docstring), ``"role"`` or
            ``"family"``.
        unassigned: Also report the rows without a rank / level as one group labelled
            :data:`UNASSIGNED` (rank NA, sorted last) — useful for LCA filings, whose titles often
            state no seniority. By default they are left out and counted in ``attrs["n_unassigned"]``.

    Returns:
        One row per (source, currency, [company,] rank, role): columns ``[<by>, ladder_rank, role, n,
        median, p25, p75, small_sample, basis, source, currency]`` (``company`` first when
        ``by="level"``), sorted by source, currency, rank, role a then b. ``role`` holds the role
        codes, or "product" / "program" when compared by family. ``attrs``: ``ratio`` (the frame
        :func:`pay_ratio` returns), ``by``, ``measure``, ``roles`` (the two labels a, b),
        ``compare`` / ``compared_by`` ("role" or "family"), ``ratio_definition``, ``min_n``,
        ``n_boot``, ``seed``, ``sources``, ``currencies``, ``currency`` (the one currency, or None),
        ``n_unassigned`` (rows of the two roles with a value but no ``<by>``, left out) and ``note``.
        To ``pd.concat`` several results, clear their ``attrs`` first (pandas compares ``attrs`` on
        concat and cannot compare the ratio frames); use :func:`pay_ratio` for the ratios.

    Raises:
        KitError: an unknown ``by``, ``measure`` or ``compare``.
        DataError: a required column is missing.
        SelectionError: the company / market selection matches no rows.
    """
    df, mode, (a, b), currency = _prepare(pay, company=company, market=market, roles=roles, by=by,
                                          measure=measure, compare=compare)
    keys = ["source", "currency", "company", by] if by == "level" else ["source", "currency", by]
    usable = df[df["_group"].notna() & df["_value"].notna()]
    n_unassigned = int(usable[by].isna().sum())
    usable = usable.copy()
    usable[by] = usable[by].astype("string")
    usable["company"] = usable["company"].fillna("(unknown company)")
    if unassigned:
        usable[by] = usable[by].fillna(UNASSIGNED)
    else:
        usable = usable[usable[by].notna()]

    rows, ratio_rows = [], []
    values = usable["_value"].to_numpy(dtype=float, na_value=np.nan)
    groups = usable["_group"].to_numpy(dtype=object)
    ranks = usable["ladder_rank"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    for key, idx in usable.groupby(keys, sort=False).indices.items():
        key = key if isinstance(key, tuple) else (key,)
        rank = ranks[idx][~np.isnan(ranks[idx])]
        rank_value = int(np.bincount(rank.astype(int)).argmax()) if len(rank) else pd.NA  # most frequent
        if by == "ladder":
            rank_value = _RANK.get(str(key[-1]), rank_value)
        samples = {}
        for label in (a, b):
            x = values[idx][groups[idx] == label]
            samples[label] = x
            if len(x):
                p25, med, p75 = np.quantile(x, [0.25, 0.5, 0.75])
                rows.append((*key, rank_value, label, len(x), med, p25, p75, len(x) < min_n))
        ratio, low, high = _ratio(samples[a], samples[b], n_boot=n_boot, rng=seeded_rng(seed, "|".join(map(str, key))))
        na_, nb_ = len(samples[a]), len(samples[b])
        ratio_rows.append((*key, rank_value, np.median(samples[a]) if na_ else np.nan,
                           np.median(samples[b]) if nb_ else np.nan, ratio, low, high, na_, nb_,
                           na_ < min_n or nb_ < min_n))

    stat_cols = [*keys, "ladder_rank", "role", "n", "median", "p25", "p75", "small_sample"]
    stats = _typed(pd.DataFrame(rows, columns=stat_cols), by)
    order = {a: 0, b: 1}
    stats = (stats.assign(_o=stats["role"].map(order), _r=stats["ladder_rank"].astype("Float64").fillna(99))
             .sort_values([*keys[:-1], "_r", by, "_o"], kind="stable").drop(columns=["_o", "_r"]))
    stats["basis"] = pd.Series(mode, index=stats.index, dtype="string")
    lead = ["company", by] if by == "level" else [by]
    stats = stats[[*lead, "ladder_rank", "role", "n", "median", "p25", "p75", "small_sample", "basis", "source",
                   "currency"]]
    stats = stats.reset_index(drop=True)

    ratio_cols = [*keys, "ladder_rank", "median_a", "median_b", "ratio", "ci_low", "ci_high", "n_a", "n_b",
                  "small_sample"]
    ratio = _typed(pd.DataFrame(ratio_rows, columns=ratio_cols), by)
    for col in ("median_a", "median_b", "ratio", "ci_low", "ci_high"):
        ratio[col] = ratio[col].astype("Float64")
    ratio = (ratio.assign(_r=ratio["ladder_rank"].astype("Float64").fillna(99))
             .sort_values([*keys[:-1], "_r", by], kind="stable").drop(columns=["_r"]))
    ratio["basis"] = pd.Series(mode, index=ratio.index, dtype="string")
    ratio = ratio[[*lead, "ladder_rank", "median_a", "median_b", "ratio", "ci_low", "ci_high", "n_a", "n_b",
                   "small_sample", "basis", "source", "currency"]].reset_index(drop=True)
    definition = f"median {b} / median {a}"
    note = (f"compared by family ({a} vs {b}): the source does not tell technical from other "
            f"{'product' if a == 'product' else a} managers" if mode == "family" else "")
    common = {"by": by, "measure": measure, "roles": (a, b), "compare": mode, "compared_by": mode,
              "ratio_definition": definition, "min_n": min_n, "n_boot": n_boot, "seed": seed,
              "sources": sorted(usable["source"].unique().tolist()), "currency": currency,
              "currencies": sorted(usable["currency"].unique().tolist()),
              "n_unassigned": n_unassigned, "note": note}
    ratio.attrs.update(common)
    stats.attrs.update(common)
    stats.attrs["ratio"] = ratio
    return stats


def _typed(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    for col in ("source", "currency", "company", by, "role"):
        if col in frame.columns:
            frame[col] = frame[col].astype("string")
    frame["ladder_rank"] = pd.array(frame["ladder_rank"].tolist(), dtype="Int64")
    for col in ("n", "n_a", "n_b"):
        if col in frame.columns:
            frame[col] = frame[col].astype("Int64")
    for col in ("median", "p25", "p75"):
        if col in frame.columns:
            frame[col] = frame[col].astype("Float64")
    frame["small_sample"] = frame["small_sample"].astype("boolean")
    return frame


def pay_ratio(pay: pd.DataFrame, **options) -> pd.DataFrame:
    """The ratio frame of :func:`pay_by_level` on its own (same options).

    Returns:
        ``[<by>, ladder_rank, median_a, median_b, ratio, ci_low, ci_high, n_a, n_b, small_sample, basis,
        source, currency]`` (``company`` first when ``by="level"``), one row per rank present for either role;
        ``ratio = median_b / median_a`` (default: median TPM / median PM-T) with a 95% percentile
        bootstrap interval; NA where a side has no observations. ``attrs`` as for ``pay_by_level``.
    """
    return pay_by_level(pay, **options).attrs["ratio"]


# -- sources side by side --------------------------------------------------------------------------


def pay_from_postings(postings: pd.DataFrame) -> pd.DataFrame:
    """Turn the salary ranges of postings into pay rows (source ``"posted range"``).

    One row per posting that states both ``salary_min`` and ``salary_max``; the value is the midpoint.
    A posted range is a *base* salary offer, so it goes in ``base``; ``total``, ``stock`` and
    ``bonus`` stay NA (never invented). ``ladder`` is the posting's ``seniority``.

    Args:
        postings: A postings table (``kit.load_postings``) with ``salary_min``, ``salary_max``,
            ``company``, ``title``, and ``role`` / ``family`` / ``seniority`` (classified from the
            title when absent).

    Returns:
        ``conform(rows, "pay")``.
    """
    require_columns(postings.columns, ("salary_min", "salary_max", "title"), path="<postings table>",
                    expected="a postings table with salary_min, salary_max and title",
                    fix="load it with kit.load_postings()")
    lo = pd.to_numeric(postings["salary_min"], errors="coerce").astype("Float64")
    hi = pd.to_numeric(postings["salary_max"], errors="coerce").astype("Float64")
    keep = lo.notna() & hi.notna()
    src = postings[keep]
    derived: pd.DataFrame | dict = {}
    if any(c not in src.columns for c in ("role", "family", "seniority")) and len(src):

        derived = classify_titles(src["title"].astype("string").tolist()).set_index(src.index)

    def get(name: str) -> pd.Series:
        if name in src.columns:
            return src[name]
        if name in derived:
            return derived[name]
        return pd.Series(pd.NA, index=src.index, dtype="string")

    posted = pd.to_datetime(get("posted_date"), errors="coerce")
    out = pd.DataFrame({
        "company": get("company"), "title": src["title"], "family": get("family"), "role": get("role"),
        "ladder": get("seniority"), "base": (lo[keep] + hi[keep]) / 2,
        "currency": get("salary_currency"), "location": get("location"), "market": get("market"),
        "country": get("country"), "date": posted, "year": posted.dt.year.astype("Int64"),
        "source": pd.Series(POSTED_SOURCE, index=src.index, dtype="string"),
        "n": pd.Series(1, index=src.index, dtype="Int64"),
    }, index=src.index)
    out["ladder_rank"] = out["ladder"].astype("string").map(_RANK).astype("Int64")
    return conform(out.reset_index(drop=True), "pay")


def pay_by_source(
    pay: pd.DataFrame | None = None,
    *,
    postings: pd.DataFrame | None = None,
    measure: str = "base",
    **options,
) -> pd.DataFrame:
    """:func:`pay_by_level` over several sources at once, each labelled, none pooled.

    Args:
        pay: A pay table (levels-style, LCA, sample ... rows keep their ``source``).
        postings: A postings table whose salary ranges are added as source "posted range".
        measure: Defaults to ``"base"``: the one measure every source has (posted ranges and LCA
            wages are base salary offers).
        **options: Passed to :func:`pay_by_level` (company, market, roles, by, min_n, n_boot, seed).

    Returns:
        ``pay_by_level`` output; the ``source`` column tells the sources apart.
    """
    frames = []
    if pay is not None:
        part = pay.copy()
        part.attrs = {}
        frames.append(part)
    if postings is not None:
        frames.append(pay_from_postings(postings))
    if not frames:
        raise KitError("pay_by_source: give a pay table, postings, or both")
    combined = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    return pay_by_level(combined, measure=measure, **options)


# -- claims ----------------------------------------------------------------------------------------


def check_pay_claims(
    pay: pd.DataFrame,
    *,
    roles: tuple[str, str] = ("pmt", "tpm"),
    measure: str = "total",
    min_n: int = MIN_N,
    tolerance: float = 0.05,
    n_boot: int = 2000,
    seed: int = 0,
    compare: str = "auto",
    company: str | Sequence[str] | None = None,
    market: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Check the domain's pay claims per company (and source): same bracket, one paid more, converge.

    Figures: the *rank-standardized ratio* of medians (median b / median a, default TPM / PM-T) —
    ratios are taken within each ladder rank, then combined as a weighted geometric mean with weights
    n_a n_b / (n_a + n_b), so a role that is simply more senior on average does not look better paid.
    Its 95% interval is a percentile bootstrap (each cell resampled, seeded). "Below director" pools
    the ranks mid, senior, staff; "director+" pools director and vp. A rank takes part when both roles
    have at least :data:`MIN_CELL` (3) observations there, and a pool has *enough data* when its ranks
    hold at least ``min_n`` observations of each role (small ranks get small weights).

    Rules (``tol`` = ``tolerance``, band = [1 - tol, 1 + tol]):

    * **same bracket** — supported when the below-director interval lies inside the band (an
      equivalence test: the data rule out a gap larger than tol); contradicted when "one role paid
      more" is supported; otherwise "not enough data".
    * **one role paid more** — supported when the gap is both real and material: the interval
      excludes 1 and the ratio lies outside the band (the detail says which role, by how much);
      contradicted when the interval lies inside the band; otherwise "not enough data".
    * **converge at director** — needs eligible ranks both below and at director+. Supported when
      |ratio - 1| at director+ is smaller than below and the director+ interval includes 1;
      contradicted when the director+ interval excludes 1 and its gap is at least the gap below;
      otherwise "not enough data" (mixed evidence).

    Args:
        pay: A pay table with ``ladder`` filled (``kit.load_pay``).
        roles: The two roles, (a, b); family fallback as in :func:`pay_by_level`.
        measure: Pay measure.
        min_n: Minimum observations per role in a rank for it to count.
        tolerance: Half-width of the "same bracket" band, as a fraction (0.05 = within 5%).
        n_boot: Bootstrap replicates.
        seed: Bootstrap seed.
        compare: "auto", "role" or "family".
        company: Restrict to these companies.
        market: Restrict to these markets.

    Returns:
        One row per company x source x claim, for every company that has observations of both roles:
        ``[company, source, currency, claim, ratio, ci_low, ci_high, n_a, n_b, ranks, verdict, detail,
        basis]``;
        ``n_a`` / ``n_b`` count the observations in the ranks that take part. ``attrs``: ``roles``, ``tolerance``,
        ``min_n``, ``compared_by``, ``ratio_definition``, ``skipped_companies`` (count with only one role, or no rank
        where both roles are observed).
    """
    if not 0 <= tolerance < 1:
        raise KitError(f"tolerance={tolerance!r}: expected a fraction between 0 and 1, e.g. 0.05")
    df, mode, (a, b), _ = _prepare(pay, company=company, market=market, roles=roles, by="ladder",
                                   measure=measure, compare=compare)
    df = df[df["_group"].notna() & df["_value"].notna() & df["ladder"].notna()].copy()
    df["_ckey"] = df["_ckey"].fillna("(unknown)")
    rows, skipped = [], 0
    for (source, currency, ckey), part in df.groupby(["source", "currency", "_ckey"], sort=True):
        name = str(part["company"].astype("string").mode().iloc[0]) if part["company"].notna().any() else ckey
        if part["_group"].nunique() < 2:
            skipped += 1
            continue
        rng = seeded_rng(seed, f"claims|{source}|{currency}|{ckey}")
        below = _cells(part, _BELOW, a, b, min_n)
        top = _cells(part, _TOP, a, b, min_n)
        if not (below[1] and below[2]) and not (top[1] and top[2]):
            skipped += 1  # no rank where both roles are observed: nothing to compare
            continue
        r_below = _pooled_ratio([c for _, c in below[0]], n_boot=n_boot, rng=rng)
        r_top = _pooled_ratio([c for _, c in top[0]], n_boot=n_boot, rng=rng)
        base = dict(company=name, source=source, currency=currency, basis=mode)
        rows.append({**base, **_bracket_rows(r_below, below, a, b, tolerance, min_n, "same bracket")})
        rows.append({**base, **_bracket_rows(r_below, below, a, b, tolerance, min_n, "one role paid more")})
        rows.append({**base, **_converge_row(r_top, top, r_below, below, a, b, min_n)})
    cols = ["company", "source", "currency", "claim", "ratio", "ci_low", "ci_high", "n_a", "n_b", "ranks",
            "verdict", "detail", "basis"]
    out = pd.DataFrame(rows, columns=cols)
    for col in ("company", "source", "currency", "claim", "ranks", "verdict", "detail", "basis"):
        out[col] = out[col].astype("string")
    for col in ("ratio", "ci_low", "ci_high"):
        out[col] = pd.array(out[col].tolist(), dtype="Float64")
    for col in ("n_a", "n_b"):
        out[col] = out[col].astype("Int64")
    out.attrs.update({"roles": (a, b), "tolerance": tolerance, "min_n": min_n, "compared_by": mode,
                      "compare": mode, "ratio_definition": f"median {b} / median {a}, rank-standardized",
                      "skipped_companies": skipped, "seed": seed, "n_boot": n_boot, "measure": measure})
    return out


def _cells(part: pd.DataFrame, ranks: Sequence[str], a: str, b: str, min_n: int) -> tuple[list, int, int]:
    """Ranks usable for a pooled ratio: ``([(rung, (x_a, x_b)), ...], n_a, n_b)``.

    A rank counts when both roles have at least :data:`MIN_CELL` observations there; the list is
    empty when the counted ranks hold fewer than ``min_n`` observations of either role (n_a / n_b are
    still reported).
    """
    ladder = part["ladder"].astype("string").to_numpy(dtype=object, na_value=None)
    group = part["_group"].to_numpy(dtype=object)
    values = part["_value"].to_numpy(dtype=float, na_value=np.nan)
    cells = []
    for rung in ranks:
        at = ladder == rung
        xa, xb = values[at & (group == a)], values[at & (group == b)]
        if len(xa) >= MIN_CELL and len(xb) >= MIN_CELL:
            cells.append((rung, (xa, xb)))
    n_a, n_b = sum(len(c[0]) for _, c in cells), sum(len(c[1]) for _, c in cells)
    return (cells if n_a >= min_n and n_b >= min_n else []), n_a, n_b


def _not_enough(ranks: Sequence[str], a: str, b: str, n_a: int, n_b: int, min_n: int) -> str:
    return (f"ranks {', '.join(ranks)} hold {n_a} {a} and {n_b} {b} observations (counting ranks where both "
            f"have {MIN_CELL}+); {min_n}+ of each are needed")


def _fmt(r) -> str:
    return f"{r[0]:.2f} [{r[1]:.2f}, {r[2]:.2f}]"


def _bracket_rows(r, below, a, b, tol, min_n, claim) -> dict:
    cells, n_a, n_b = below
    out = dict(claim=claim, ratio=r[0], ci_low=r[1], ci_high=r[2], n_a=n_a, n_b=n_b,
               ranks=", ".join(rung for rung, _ in cells))
    if not cells:
        return {**out, "ratio": np.nan, "ci_low": np.nan, "ci_high": np.nan, "verdict": "not enough data",
                "detail": _not_enough(_BELOW, a, b, n_a, n_b, min_n)}
    inside = r[1] >= 1 - tol and r[2] <= 1 + tol
    # a real, material gap: the interval excludes 1 and the estimate lies beyond the band
    outside = (r[1] > 1 or r[2] < 1) and abs(r[0] - 1) > tol
    gap = f"{b}/{a} = {_fmt(r)}"
    if claim == "same bracket":
        if inside:
            verdict, detail = "supported", f"{gap} lies within ±{tol:.0%}"
        elif outside:
            verdict, detail = "contradicted", f"{gap}: the gap is real (interval excludes 1) and beyond ±{tol:.0%}"
        else:
            verdict, detail = "not enough data", f"{gap}: neither inside ±{tol:.0%} nor a clear gap beyond it"
    else:
        higher, lower = (b, a) if r[0] > 1 else (a, b)
        pct = abs(r[0] - 1) * 100 if r[0] > 1 else abs(1 / r[0] - 1) * 100
        if outside:
            verdict, detail = "supported", f"{higher} paid {pct:.0f}% more than {lower}: {gap}"
        elif inside:
            verdict, detail = "contradicted", f"{gap} lies within ±{tol:.0%}: no material difference"
        else:
            verdict, detail = "not enough data", f"{gap}: neither inside ±{tol:.0%} nor a clear gap beyond it"
    return {**out, "verdict": verdict, "detail": detail}


def _converge_row(r_top, top, r_below, below, a, b, min_n) -> dict:
    cells, n_a, n_b = top
    out = dict(claim="converge at director", ratio=r_top[0], ci_low=r_top[1], ci_high=r_top[2], n_a=n_a, n_b=n_b,
               ranks=", ".join(rung for rung, _ in cells))
    if not cells:
        return {**out, "ratio": np.nan, "ci_low": np.nan, "ci_high": np.nan, "verdict": "not enough data",
                "detail": _not_enough(_TOP, a, b, n_a, n_b, min_n)}
    if not below[0]:
        return {**out, "verdict": "not enough data",
                "detail": "no gap below director to compare with: " + _not_enough(_BELOW, a, b, *below[1:], min_n)}
    gap_top, gap_below = abs(r_top[0] - 1), abs(r_below[0] - 1)
    includes_one = r_top[1] <= 1 <= r_top[2]
    detail = f"director+ {b}/{a} = {_fmt(r_top)}; below director {_fmt(r_below)}"
    if gap_top < gap_below and includes_one:
        verdict = "supported"
    elif not includes_one and gap_top >= gap_below:
        verdict = "contradicted"
    else:
        verdict = "not enough data"
        detail += " (mixed: gap and interval disagree)"
    return {**out, "verdict": verdict, "detail": detail}

"""One adapter per source format: raw columns -> canonical columns (names, types; nothing invented).

Every adapter takes the raw frame from :func:`kit.io.readers.read_source` and returns ``(frame, used)`` where
``used`` maps each source column it read to the canonical column it fed (what ``kit validate`` prints).
Postings adapters leave salaries as stated, with the stated interval in the helper column ``_salary_interval``;
:mod:`kit.load.postings` annualizes them. Pay adapters annualize themselves (the interval is part of the pay source).

Column maps are data: :data:`POSTINGS_MAPS` and :data:`LCA_ALIASES` list the source columns each format uses.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from kit.core.errors import DataError
from kit.core.schema import PAY_COLUMNS, POSTINGS_RAW
from kit.io.values import plausible_pay, to_date, to_number, warn_unparsed
from kit.prepare.salary import annualize, interval_factor

__all__ = ["GENERIC_SYNONYMS", "LCA_ALIASES", "POSTINGS_MAPS", "adapt_pay", "adapt_postings"]

#: canonical (or helper) column -> source column(s), first present wins
POSTINGS_MAPS: dict[str, dict[str, tuple[str, ...]]] = {
    "jobspy": {
        "posting_id": ("id",), "company": ("company",), "title": ("title",), "description": ("description",),
        "location": ("location",), "posted_date": ("date_posted",), "url": ("job_url", "job_url_direct"),
        "remote": ("is_remote",), "salary_min": ("min_amount",), "salary_max": ("max_amount",),
        "salary_currency": ("currency",), "_salary_interval": ("interval",),
    },
    "linkedin": {
        "posting_id": ("job_id",), "company": ("company_name",), "title": ("title",),
        "description": ("description",), "location": ("location",),
        "posted_date": ("listed_time", "original_listed_time"), "url": ("job_posting_url", "application_url"),
        "remote": ("remote_allowed",), "salary_min": ("min_salary", "med_salary"),
        "salary_max": ("max_salary", "med_salary"), "salary_currency": ("currency",),
        "_salary_interval": ("pay_period",),
    },
}

#: lower-cased source column names tried for a canonical column when a generic file has no ``mapping=``
GENERIC_SYNONYMS: dict[str, tuple[str, ...]] = {
    "posting_id": ("posting_id", "id", "job_id", "jobid", "job id", "requisition_id", "req_id"),
    "company": ("company", "company_name", "employer", "employer_name", "organization", "company name"),
    "title": ("title", "job_title", "job title", "position", "position_title", "role", "jobtitle"),
    "description": ("description", "job_description", "job description", "text", "body", "summary", "details"),
    "location": ("location", "job_location", "city", "job location", "office"),
    "posted_date": ("posted_date", "date_posted", "posted", "date", "posting_date", "created", "created_at",
                    "published", "listed"),
    "url": ("url", "job_url", "link", "posting_url", "apply_url"),
    "remote": ("remote", "is_remote", "remote_allowed"),
    "salary_min": ("salary_min", "min_salary", "min_amount", "salary_from", "pay_min"),
    "salary_max": ("salary_max", "max_salary", "max_amount", "salary_to", "pay_max"),
    "salary_currency": ("salary_currency", "currency"),
    "_salary_interval": ("salary_interval", "interval", "pay_period", "salary_period"),
}

#: canonical-ish LCA field -> upper-case column names across disclosure file generations (FY2020+, FY2015-2019,
#: pre-2015 ``LCA_CASE_*``), first present wins
LCA_ALIASES: dict[str, tuple[str, ...]] = {
    "case_number": ("CASE_NUMBER", "LCA_CASE_NUMBER", "CASE_NO"),
    "case_status": ("CASE_STATUS", "STATUS"),
    "company": ("EMPLOYER_NAME", "LCA_CASE_EMPLOYER_NAME", "EMPLOYER_BUSINESS_NAME"),
    "title": ("JOB_TITLE", "LCA_CASE_JOB_TITLE"),
    "city": ("WORKSITE_CITY", "WORKSITE_CITY_1", "LCA_CASE_WORKLOC1_CITY", "WORKLOC1_CITY"),
    "state": ("WORKSITE_STATE", "WORKSITE_STATE_1", "LCA_CASE_WORKLOC1_STATE", "WORKLOC1_STATE"),
    "wage": ("WAGE_RATE_OF_PAY_FROM", "WAGE_RATE_OF_PAY_FROM_1", "LCA_CASE_WAGE_RATE_FROM", "WAGE_RATE_OF_PAY"),
    "wage_to": ("WAGE_RATE_OF_PAY_TO", "WAGE_RATE_OF_PAY_TO_1", "LCA_CASE_WAGE_RATE_TO"),
    "unit": ("WAGE_UNIT_OF_PAY", "WAGE_UNIT_OF_PAY_1", "LCA_CASE_WAGE_RATE_UNIT"),
    "date": ("RECEIVED_DATE", "CASE_SUBMITTED", "LCA_CASE_SUBMIT", "DECISION_DATE", "BEGIN_DATE",
             "EMPLOYMENT_START_DATE", "LCA_CASE_EMPLOYMENT_START_DATE"),
}
_LCA_REQUIRED = ("company", "title", "wage")

_TRUE = {"true", "t", "1", "1.0", "yes", "y"}
_FALSE = {"false", "f", "0", "0.0", "no", "n"}
_FIRST_NUMBER = re.compile(r"^\s*\$?\s*(\d[\d,]*(?:\.\d+)?)")


def _missing_columns(label: str, fmt: str, missing: list[str], found: list[str], fix: str) -> DataError:
    shown = ", ".join(repr(c) for c in found[:40]) + (" ..." if len(found) > 40 else "")
    return DataError.build(
        f"missing required column(s) {', '.join(repr(m) for m in missing)} for format {fmt!r}",
        path=label, column=missing[0], expected=f"the {fmt} columns; columns found: {shown}", fix=fix,
    )


def _pick(df: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    return next((n for n in names if n in df.columns), None)


def to_bool(values: pd.Series, *, label: str, column: str) -> pd.Series:
    """Parse flags ("True", "1", "yes", 1.0 ...) into a ``boolean`` series; others -> NA with one warning."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("boolean")
    s = values.astype("string").str.strip().str.lower()
    out = pd.Series(pd.NA, index=values.index, dtype="boolean")
    out[s.isin(_TRUE).fillna(False).to_numpy(dtype=bool)] = True
    out[s.isin(_FALSE).fillna(False).to_numpy(dtype=bool)] = False
    bad = s.notna() & (s != "") & ~s.isin(["nan", "none", "null"]) & out.isna()
    warn_unparsed(label, column, int(bad.sum()), "true/false")
    return out


def _id_text(values: pd.Series) -> pd.Series:
    if pd.api.types.is_float_dtype(values.dtype):
        whole = values.dropna()
        if (whole == whole.round()).all():
            return values.astype("Int64").astype("string")
    return values.astype("string").str.strip()


def _mapped_frame(raw: pd.DataFrame, plan: dict[str, str | list[str]], *, label: str, source: str) -> pd.DataFrame:
    """Build canonical postings columns from a plan ``canonical -> source column(s)``."""
    out = pd.DataFrame(index=raw.index)
    for canon, src in plan.items():
        cols = [src] if isinstance(src, str) else src
        series = None
        for col in cols:
            part = raw[col]
            if canon == "posted_date":
                unit = "ms" if col in ("listed_time", "original_listed_time") else None
                part = to_date(part, label=label, column=col, unit=unit)
            elif canon in ("salary_min", "salary_max"):
                part = to_number(part, label=label, column=col)
            elif canon == "remote":
                part = to_bool(part, label=label, column=col)
            elif canon == "posting_id":
                part = _id_text(part)
            elif canon != "duplicates":
                part = part.astype("string").str.strip().replace("", pd.NA)
            series = part if series is None else series.fillna(part)
        out[canon] = series
    if "source" not in out.columns:
        out["source"] = source
    return out


def adapt_postings(raw: pd.DataFrame, fmt: str, *, label: str, mapping: dict[str, str] | None = None
                   ) -> tuple[pd.DataFrame, dict[str, str]]:
    """Turn a raw postings table into canonical columns.

    Args:
        raw: The table as read.
        fmt: "jobspy", "linkedin", "generic" or "kit".
        label: File label for messages.
        mapping: For "generic": canonical column -> source column, e.g. ``{"title": "Job Title"}``. Also accepted
            with other formats to override single columns.

    Returns:
        ``(frame, used)``: canonical columns (plus ``_salary_interval``, and for "generic" / "kit" the unmapped
        source columns) and the source -> canonical map actually used.

    Raises:
        DataError: A required column (``title``, ``description``) is missing, or ``mapping`` names a column
            that is not there, or ``fmt`` is unknown.
    """
    found = list(raw.columns)
    plan: dict[str, str | list[str]] = {}
    if fmt in POSTINGS_MAPS:
        for canon, names in POSTINGS_MAPS[fmt].items():
            present = [n for n in names if n in raw.columns]
            if present:
                plan[canon] = present
    elif fmt == "kit":
        for canon in [*POSTINGS_RAW, "_salary_interval"]:
            if canon in raw.columns:
                plan[canon] = canon
    elif fmt == "generic":
        lower = {str(c).lower().strip(): c for c in raw.columns}
        for canon, names in GENERIC_SYNONYMS.items():
            hit = next((lower[n] for n in names if n in lower), None)
            if hit is not None and hit not in plan.values():
                plan[canon] = hit
    else:
        raise DataError.build(f"unknown postings format {fmt!r}", path=label,
                              expected="one of 'jobspy', 'linkedin', 'generic', 'kit'",
                              fix="leave format=None to detect it from the columns")
    for canon, src in (mapping or {}).items():
        if canon not in POSTINGS_RAW and canon != "salary_interval":
            raise DataError.build(f"mapping key {canon!r} is not a postings column", path=label,
                                  expected=f"keys among {', '.join(sorted(POSTINGS_RAW))}, salary_interval",
                                  fix='write mapping={"title": "<your title column>", ...}')
        if src not in raw.columns:
            raise _missing_columns(label, fmt, [src], found,
                                   f"fix mapping[{canon!r}]; it must name one of the columns found")
        plan["_salary_interval" if canon == "salary_interval" else canon] = src
    missing = [c for c in ("title", "description") if c not in plan]
    if missing:
        example = ", ".join(f'"{c}": "<your {c} column>"' for c in missing)
        raise _missing_columns(label, fmt, missing, found, f"pass mapping={{{example}}} (format='generic')")
    out = _mapped_frame(raw, plan, label=label, source=fmt if fmt != "kit" else "kit")
    if fmt == "kit" and "source" in raw.columns:
        out["source"] = raw["source"].astype("string").fillna("kit")
    if fmt == "kit" and "duplicates" in raw.columns:
        out["duplicates"] = to_number(raw["duplicates"], label=label, column="duplicates").round().astype("Int64")
    used_sources = {s for v in plan.values() for s in ([v] if isinstance(v, str) else v)}
    if fmt in ("generic", "kit"):
        for col in raw.columns:
            if col not in used_sources and col not in out.columns:
                out[col] = raw[col]
    used: dict[str, str] = {}
    for canon, src in plan.items():
        for s in [src] if isinstance(src, str) else src:
            used[s] = f"{used[s]}, {canon.lstrip('_')}" if s in used else canon.lstrip("_")
    return out, used


# --- pay -----------------------------------------------------------------------------------------------------------
def adapt_pay(raw: pd.DataFrame, fmt: str, *, label: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """Turn a raw pay table into canonical pay columns (before role / ladder / market enrichment).

    Args:
        raw: The table as read.
        fmt: "levels", "lca" or "kit".
        label: File label for messages.

    Returns:
        ``(frame, used)`` as for :func:`adapt_postings`.

    Raises:
        DataError: A required column is missing or ``fmt`` is unknown.
    """
    if fmt == "levels":
        return _adapt_levels(raw, label=label)
    if fmt == "lca":
        return _adapt_lca(raw, label=label)
    if fmt == "kit":
        return _adapt_kit_pay(raw, label=label)
    raise DataError.build(f"unknown pay format {fmt!r}", path=label, expected="one of 'levels', 'lca', 'kit'",
                          fix="leave format=None to detect it from the columns")


def _text(s: pd.Series) -> pd.Series:
    return s.astype("string").str.strip().replace("", pd.NA)


def _adapt_levels(raw: pd.DataFrame, *, label: str) -> tuple[pd.DataFrame, dict[str, str]]:
    required = ["company", "title", "totalyearlycompensation"]
    if missing := [c for c in required if c not in raw.columns]:
        raise _missing_columns(label, "levels", missing, list(raw.columns),
                               "rename the columns to the levels export names, or pass format='kit' with canonical "
                               "pay columns (company, title, level, total ...)")
    out = pd.DataFrame(index=raw.index)
    used: dict[str, str] = {}

    def take(src: str, canon: str, kind: str = "text") -> None:
        if src not in raw.columns:
            return
        used[src] = canon
        if kind == "num":
            out[canon] = to_number(raw[src], label=label, column=src)
        elif kind == "date":
            out[canon] = to_date(raw[src], label=label, column=src)
        else:
            out[canon] = _text(raw[src])

    take("company", "company")
    take("title", "title")
    take("level", "level")
    take("location", "location")
    take("totalyearlycompensation", "total", "num")
    take("basesalary", "base", "num")
    take("stockgrantvalue", "stock", "num")
    take("bonus", "bonus", "num")
    take("yearsofexperience", "years_experience", "num")
    take("timestamp", "date", "date")
    take("tag", "tag")
    take("yearsatcompany", "years_at_company", "num")
    if "date" in out.columns:
        out["year"] = out["date"].dt.year.astype("Int64")
        used["timestamp"] = "date, year"
    if "base" in out.columns:
        # base 0 is the export's "no breakdown given" (with or without a total), never a zero salary
        no_breakdown = (out["base"] == 0).fillna(False)
        for col in ("base", "stock", "bonus"):
            if col in out.columns:
                out.loc[no_breakdown.to_numpy(dtype=bool), col] = pd.NA
    _bound_pay(out, label=label, used=used)
    out["currency"] = "USD"
    out["source"] = "levels"
    out["n"] = 1
    return out, used


def _adapt_lca(raw: pd.DataFrame, *, label: str) -> tuple[pd.DataFrame, dict[str, str]]:
    upper = {str(c).upper().strip(): c for c in raw.columns}
    cols = {field: next((upper[n] for n in names if n in upper), None) for field, names in LCA_ALIASES.items()}
    if missing := [f for f in _LCA_REQUIRED if cols[f] is None]:
        wanted = [LCA_ALIASES[f][0] for f in missing]
        raise _missing_columns(label, "lca", wanted, list(raw.columns),
                               "use a DOL LCA disclosure file (FY2020+ names such as EMPLOYER_NAME, JOB_TITLE, "
                               "WAGE_RATE_OF_PAY_FROM, WAGE_UNIT_OF_PAY, or the older LCA_CASE_* names)")
    used: dict[str, str] = {}
    out = pd.DataFrame(index=raw.index)
    out["company"] = _text(raw[cols["company"]])
    out["title"] = _text(raw[cols["title"]])
    used[cols["company"]] = "company"
    used[cols["title"]] = "title"
    wage_raw = raw[cols["wage"]]
    if not pd.api.types.is_numeric_dtype(wage_raw.dtype):
        # "$120,000.00", "1e5": the whole value when it is one number; "120000 - 150000": the first figure is
        # the wage offered ("rate of pay from")
        text = wage_raw.astype("string")
        cleaned = text.str.strip().str.replace(r"[\s$,]", "", regex=True)
        whole = pd.to_numeric(cleaned.astype(object).where(cleaned.notna(), None), errors="coerce")
        first = pd.to_numeric(text.str.extract(_FIRST_NUMBER, expand=False).str.replace(",", "", regex=False),
                              errors="coerce")
        wage = pd.Series(np.where(pd.isna(whole), first, whole), index=raw.index).astype("Float64")
        finite = np.isfinite(wage.to_numpy(dtype="float64", na_value=np.nan))
        bad = (text.notna() & (text.str.strip() != "")).to_numpy(dtype=bool) & ~finite
        warn_unparsed(label, cols["wage"], int(bad.sum()), "a wage")
        wage = wage.mask(~finite)
    else:
        wage = to_number(wage_raw, label=label, column=cols["wage"])
    used[cols["wage"]] = "base, total"
    if cols["unit"] is not None:
        unit = _text(raw[cols["unit"]])
        used[cols["unit"]] = "(annualized by)"
        factor = interval_factor(unit)
        bad = unit.notna() & factor.isna()
        warn_unparsed(label, cols["unit"], int(bad.sum()), "a pay unit (Hour, Week, Bi-Weekly, Month, Year)")
        annual = (wage * factor).astype("Float64")
    else:
        annual = annualize(wage)
    annual = plausible_pay(annual, "USD", label=label, column=cols["wage"])
    out["base"] = annual
    out["total"] = annual
    city = _text(raw[cols["city"]]) if cols["city"] else pd.Series(pd.NA, index=raw.index, dtype="string")
    state = _text(raw[cols["state"]]) if cols["state"] else pd.Series(pd.NA, index=raw.index, dtype="string")
    for f in ("city", "state"):
        if cols[f]:
            used[cols[f]] = "location"
    city = city.str.title()
    out["location"] = (city + ", " + state).fillna(city).fillna(state)
    if cols["case_status"]:
        out["case_status"] = _text(raw[cols["case_status"]])
        used[cols["case_status"]] = "case_status"
    if cols["case_number"]:
        out["case_number"] = _text(raw[cols["case_number"]])
        used[cols["case_number"]] = "case_number"
    if cols["date"]:
        out["date"] = to_date(raw[cols["date"]], label=label, column=cols["date"])
        out["year"] = out["date"].dt.year.astype("Int64")
        used[cols["date"]] = "date, year"
    out["currency"] = "USD"
    out["source"] = "lca"
    out["n"] = 1
    return out, used


def _adapt_kit_pay(raw: pd.DataFrame, *, label: str) -> tuple[pd.DataFrame, dict[str, str]]:
    if missing := [c for c in ("company",) if c not in raw.columns] or (
        [] if {"total", "base"} & set(raw.columns) else ["total"]
    ):
        raise _missing_columns(label, "kit", missing, list(raw.columns),
                               "name the columns as kit.core.schema.PAY_COLUMNS (company, title, level, base, stock, "
                               "bonus, total, currency, location, year, source, n)")
    out = raw.copy()
    used = {}
    for col, dtype in PAY_COLUMNS.items():
        if col not in out.columns:
            continue
        used[col] = col
        if dtype == "Float64":
            out[col] = to_number(out[col], label=label, column=col)
        elif dtype == "Int64":
            num = to_number(out[col], label=label, column=col)
            out[col] = num.round().astype("Int64")
        elif dtype.startswith("datetime"):
            out[col] = to_date(out[col], label=label, column=col)
        else:
            out[col] = _text(out[col])
    _bound_pay(out, label=label, used=used)
    if "total" not in out.columns:
        out["total"] = out["base"]
    if "source" not in out.columns:
        out["source"] = "kit"
    if "n" not in out.columns:
        out["n"] = 1
    return out, used


def _bound_pay(out: pd.DataFrame, *, label: str, used: dict[str, str]) -> None:
    """Pay figures outside the plausible band of their currency (kit/data/bounds.yaml) -> NA, one warning each."""
    source_of = {canon.split(",")[0].strip(): src for src, canon in used.items()}
    currency = out["currency"] if "currency" in out.columns else None
    for col, allow_zero in (("total", False), ("base", False), ("stock", True), ("bonus", True)):
        if col in out.columns:
            out[col] = plausible_pay(out[col], currency, label=label, column=source_of.get(col, col),
                                     allow_zero=allow_zero)


def pay_rows_without_figures(df: pd.DataFrame) -> np.ndarray:
    """Boolean mask of pay rows with neither a total nor a base figure."""
    total = df["total"] if "total" in df.columns else pd.Series(pd.NA, index=df.index, dtype="Float64")
    base = df["base"] if "base" in df.columns else pd.Series(pd.NA, index=df.index, dtype="Float64")
    return (total.isna() & base.isna()).to_numpy(dtype=bool)

"""US DOL H-1B LCA disclosure files (FY2020+ names, FY2015-2019 names, pre-2015 ``LCA_CASE_*`` names)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from kit.io.formats.common import missing_columns, text
from kit.io.formats.registry import Format, register
from kit.io.intervals import annualize, interval_factor
from kit.io.values import plausible_pay, to_date, to_number, warn_unparsed

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
_REQUIRED = ("company", "title", "wage")
_FIRST_NUMBER = re.compile(r"^\s*\$?\s*(\d[\d,]*(?:\.\d+)?)")


def _adapt(raw: pd.DataFrame, *, label: str, mapping: dict[str, str] | None = None
           ) -> tuple[pd.DataFrame, dict[str, str]]:
    upper = {str(c).upper().strip(): c for c in raw.columns}
    cols = {field: next((upper[n] for n in names if n in upper), None) for field, names in LCA_ALIASES.items()}
    if missing := [f for f in _REQUIRED if cols[f] is None]:
        wanted = [LCA_ALIASES[f][0] for f in missing]
        raise missing_columns(label, "lca", wanted, list(raw.columns),
                               "use a DOL LCA disclosure file (FY2020+ names such as EMPLOYER_NAME, JOB_TITLE, "
                               "WAGE_RATE_OF_PAY_FROM, WAGE_UNIT_OF_PAY, or the older LCA_CASE_* names)")
    used: dict[str, str] = {}
    out = pd.DataFrame(index=raw.index)
    out["company"] = text(raw[cols["company"]])
    out["title"] = text(raw[cols["title"]])
    used[cols["company"]] = "company"
    used[cols["title"]] = "title"
    wage_raw = raw[cols["wage"]]
    if not pd.api.types.is_numeric_dtype(wage_raw.dtype):
        # "$120,000.00", "1e5": the whole value when it is one number; "120000 - 150000": the first figure is
        # the wage offered ("rate of pay from")
        wage_text = wage_raw.astype("string")
        cleaned = wage_text.str.strip().str.replace(r"[\s$,]", "", regex=True)
        whole = pd.to_numeric(cleaned.astype(object).where(cleaned.notna(), None), errors="coerce")
        first = pd.to_numeric(wage_text.str.extract(_FIRST_NUMBER, expand=False).str.replace(",", "", regex=False),
                              errors="coerce")
        wage = pd.Series(np.where(pd.isna(whole), first, whole), index=raw.index).astype("Float64")
        finite = np.isfinite(wage.to_numpy(dtype="float64", na_value=np.nan))
        bad = (wage_text.notna() & (wage_text.str.strip() != "")).to_numpy(dtype=bool) & ~finite
        warn_unparsed(label, cols["wage"], int(bad.sum()), "a wage")
        wage = wage.mask(~finite)
    else:
        wage = to_number(wage_raw, label=label, column=cols["wage"])
    used[cols["wage"]] = "base, total"
    if cols["unit"] is not None:
        unit = text(raw[cols["unit"]])
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
    city = text(raw[cols["city"]]) if cols["city"] else pd.Series(pd.NA, index=raw.index, dtype="string")
    state = text(raw[cols["state"]]) if cols["state"] else pd.Series(pd.NA, index=raw.index, dtype="string")
    for f in ("city", "state"):
        if cols[f]:
            used[cols[f]] = "location"
    city = city.str.title()
    out["location"] = (city + ", " + state).fillna(city).fillna(state)
    if cols["case_status"]:
        out["case_status"] = text(raw[cols["case_status"]])
        used[cols["case_status"]] = "case_status"
    if cols["case_number"]:
        out["case_number"] = text(raw[cols["case_number"]])
        used[cols["case_number"]] = "case_number"
    if cols["date"]:
        out["date"] = to_date(raw[cols["date"]], label=label, column=cols["date"])
        out["year"] = out["date"].dt.year.astype("Int64")
        used[cols["date"]] = "date, year"
    out["currency"] = "USD"
    out["source"] = "lca"
    out["n"] = 1
    return out, used


FORMAT = register(Format(
    name="lca", table="pay", adapt=_adapt, description="US DOL H-1B LCA disclosure file", upper=True,
    identifying=frozenset({"CASE_NUMBER", "CASE_STATUS", "EMPLOYER_NAME", "JOB_TITLE", "WAGE_RATE_OF_PAY_FROM",
                           "WAGE_UNIT_OF_PAY", "WORKSITE_CITY", "WORKSITE_STATE", "LCA_CASE_NUMBER",
                           "LCA_CASE_EMPLOYER_NAME", "LCA_CASE_JOB_TITLE", "LCA_CASE_WAGE_RATE_FROM",
                           "LCA_CASE_WAGE_RATE_UNIT", "WAGE_RATE_OF_PAY", "STATUS", "VISA_CLASS"}),
    min_hits=3,
))

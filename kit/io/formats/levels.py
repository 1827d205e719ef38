"""The levels-style compensation export (company-native level codes, total yearly compensation in USD)."""

from __future__ import annotations

import pandas as pd

from kit.io.formats.common import bound_pay, missing_columns, text
from kit.io.formats.registry import Format, register
from kit.io.readers import to_date, to_number


def _adapt(raw: pd.DataFrame, *, label: str, mapping: dict[str, str] | None = None
           ) -> tuple[pd.DataFrame, dict[str, str]]:
    required = ["company", "title", "totalyearlycompensation"]
    if missing := [c for c in required if c not in raw.columns]:
        raise missing_columns(label, "levels", missing, list(raw.columns),
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
            out[canon] = text(raw[src])

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
    bound_pay(out, label=label, used=used)
    out["currency"] = "USD"
    out["source"] = "levels"
    out["n"] = 1
    return out, used


FORMAT = register(Format(
    name="levels", table="pay", adapt=_adapt, description="levels-style compensation export",
    required=frozenset({"totalyearlycompensation"}),
    identifying=frozenset({"timestamp", "company", "level", "title", "basesalary", "stockgrantvalue", "bonus",
                           "yearsofexperience"}),
    min_hits=3,
))

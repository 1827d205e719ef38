"""The kit's own pay columns (:data:`kit.core.schema.PAY_COLUMNS`), e.g. a table saved by the kit."""

from __future__ import annotations

import pandas as pd

from kit.core.schema import PAY_COLUMNS
from kit.io.formats.common import bound_pay, missing_columns, text
from kit.io.formats.registry import Format, register
from kit.io.readers import to_date, to_number


def _adapt(raw: pd.DataFrame, *, label: str, mapping: dict[str, str] | None = None
           ) -> tuple[pd.DataFrame, dict[str, str]]:
    if missing := [c for c in ("company",) if c not in raw.columns] or (
        [] if {"total", "base"} & set(raw.columns) else ["total"]
    ):
        raise missing_columns(label, "kit", missing, list(raw.columns),
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
            out[col] = text(out[col])
    bound_pay(out, label=label, used=used)
    if "total" not in out.columns:
        out["total"] = out["base"]
    if "source" not in out.columns:
        out["source"] = "kit"
    if "n" not in out.columns:
        out["n"] = 1
    return out, used


FORMAT = register(Format(
    name="kit", table="pay", adapt=_adapt, description="the kit's canonical pay columns",
    required=frozenset({"company", "total"}), identifying=frozenset({"level", "title", "base", "ladder", "currency"}),
    min_hits=1, canonical=True,
))

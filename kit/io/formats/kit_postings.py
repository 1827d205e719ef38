"""The kit's own postings columns (:data:`kit.core.schema.POSTINGS_RAW`), e.g. a table saved by the kit."""

from __future__ import annotations

import pandas as pd

from kit.core.schema import POSTINGS_RAW
from kit.io.formats.common import mapped
from kit.io.formats.registry import Format, register
from kit.io.readers import to_number

_mapped = mapped("kit", lambda raw: {c: c for c in [*POSTINGS_RAW, "_salary_interval"] if c in raw.columns},
                 keep_unmapped=True)


def _adapt(raw: pd.DataFrame, *, label: str, mapping: dict[str, str] | None = None
           ) -> tuple[pd.DataFrame, dict[str, str]]:
    out, used = _mapped(raw, label=label, mapping=mapping)
    if "source" in raw.columns:
        out["source"] = raw["source"].astype("string").fillna("kit")
    if "duplicates" in raw.columns:
        out["duplicates"] = to_number(raw["duplicates"], label=label, column="duplicates").round().astype("Int64")
    return out, used


FORMAT = register(Format(
    name="kit", table="postings", adapt=_adapt, description="the kit's canonical postings columns",
    required=frozenset({"title", "description"}),
    identifying=frozenset({"posting_id", "company", "posted_date", "location", "market", "salary_min"}),
    min_hits=1, canonical=True,
))

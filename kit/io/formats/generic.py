"""Any table of postings: columns found by common names (:data:`SYNONYMS`) or named with ``mapping=``.

Never detected from columns: it is the fallback when no other postings format fits, or chosen with
``format="generic"`` / a ``mapping=``.
"""

from __future__ import annotations

import pandas as pd

from kit.io.formats.common import mapped
from kit.io.formats.registry import Format, register

#: lower-cased source column names tried for a canonical column when a generic file has no ``mapping=``
SYNONYMS: dict[str, tuple[str, ...]] = {
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


def _plan(raw: pd.DataFrame) -> dict[str, str]:
    lower = {str(c).lower().strip(): c for c in raw.columns}
    plan: dict[str, str] = {}
    for canon, names in SYNONYMS.items():
        hit = next((lower[n] for n in names if n in lower), None)
        if hit is not None and hit not in plan.values():
            plan[canon] = hit
    return plan


FORMAT = register(Format(
    name="generic", table="postings", adapt=mapped("generic", _plan, keep_unmapped=True),
    description="any postings table (columns by common names, or mapping=)",
))

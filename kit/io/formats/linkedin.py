"""The LinkedIn job postings export (``job_id``, ``company_name``, ``listed_time`` in epoch ms ...)."""

from __future__ import annotations

from kit.io.formats.common import column_map, mapped
from kit.io.formats.registry import Format, register

#: canonical (or helper) column -> LinkedIn export column(s), first present wins.
COLUMNS: dict[str, tuple[str, ...]] = {
    "posting_id": ("job_id",), "company": ("company_name",), "title": ("title",),
    "description": ("description",), "location": ("location",),
    "posted_date": ("listed_time", "original_listed_time"), "url": ("job_posting_url", "application_url"),
    "remote": ("remote_allowed",), "salary_min": ("min_salary", "med_salary"),
    "salary_max": ("max_salary", "med_salary"), "salary_currency": ("currency",),
    "_salary_interval": ("pay_period",),
}

FORMAT = register(Format(
    name="linkedin", table="postings", adapt=mapped("linkedin", column_map(COLUMNS)),
    description="LinkedIn job postings export",
    required=frozenset({"title"}),
    identifying=frozenset({"job_id", "company_name", "listed_time", "pay_period", "max_salary", "min_salary",
                           "med_salary", "formatted_work_type", "job_posting_url", "original_listed_time",
                           "normalized_salary", "remote_allowed"}),
    min_hits=4,
))

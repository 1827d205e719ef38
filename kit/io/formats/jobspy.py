"""JobSpy scraper output (``python-jobspy``'s ``scrape_jobs`` DataFrame, or its CSV): a column-map format."""

from __future__ import annotations

from kit.io.formats.common import column_map, mapped
from kit.io.formats.registry import Format, register

#: canonical (or helper) column -> JobSpy column(s), first present wins.
COLUMNS: dict[str, tuple[str, ...]] = {
    "posting_id": ("id",), "company": ("company",), "title": ("title",), "description": ("description",),
    "location": ("location",), "posted_date": ("date_posted",), "url": ("job_url", "job_url_direct"),
    "remote": ("is_remote",), "salary_min": ("min_amount",), "salary_max": ("max_amount",),
    "salary_currency": ("currency",), "_salary_interval": ("interval",),
}

FORMAT = register(Format(
    name="jobspy", table="postings", adapt=mapped("jobspy", column_map(COLUMNS)),
    description="JobSpy scraper output (LinkedIn, Indeed, Glassdoor, Google searches)",
    required=frozenset({"title"}),
    identifying=frozenset({"job_url", "site", "date_posted", "min_amount", "max_amount", "interval", "is_remote",
                           "job_url_direct", "salary_source", "job_type", "company_url"}),
    min_hits=4,
))

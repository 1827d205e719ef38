"""The fetch sources: one small class per job-board API, in a registry (name -> source).

Every source has the same shape: ``pages(board, client)`` yields the responses of one fetch (URLs and paging are
the source's business), and ``adapt(payload, *, board)`` turns one response into raw posting rows with the
columns of :data:`kit.io.store.RAW_COLUMNS` (description as published, HTML and all; pay as stated with its
interval in ``_salary_interval``). The shared pipeline (``kit.load_postings``) cleans, annualizes and enriches
them, as for every other source. A field a board lacks is NA, never invented.

Documented shapes coded to:

* Greenhouse job board API, ``GET /v1/boards/{token}/jobs?content=true``: ``{"jobs": [{id, title, updated_at,
  first_published, location: {name}, absolute_url, content (HTML, itself HTML-escaped), departments, offices,
  company_name, pay_input_ranges: [{min_cents, max_cents, currency_type, title}]}], "meta": {"total"}}``.
* Lever postings API (``lever/postings-api`` README), ``GET /v0/postings/{site}?mode=json&skip=&limit=``: a list
  of ``{id, text, categories: {location, team, department, commitment}, createdAt (epoch ms), descriptionPlain,
  lists: [{text, content (HTML <li> items)}], additionalPlain, hostedUrl, workplaceType, salaryRange: {min, max,
  currency, interval}}``.
* Ashby job posting API, ``GET /posting-api/job-board/{name}?includeCompensation=true``: ``{"jobs": [{id, title,
  location, secondaryLocations: [{location}], department, isListed, isRemote, descriptionHtml, descriptionPlain,
  publishedAt, employmentType, jobUrl, compensation: {summaryComponents: [{compensationType, interval,
  currencyCode, minValue, maxValue}]}}]}``.
* JobSpy ``scrape_jobs(...)``: a DataFrame (id, site, job_url, title, company, location, date_posted, interval,
  min_amount, max_amount, currency, is_remote, description, ...) read by the existing ``jobspy`` adapter.

A new source is one class registered with :func:`register_source`; the callers never change.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import quote, urlencode

import pandas as pd

from kit.core.errors import DataError
from kit.fetch.client import FetchError, HttpClient
from kit.io.store import raw_frame

__all__ = ["SOURCES", "AshbySource", "Board", "GreenhouseSource", "JobSpySource", "LeverSource", "Page", "jobspy_board",
           "register_source"]


@dataclass(frozen=True)
class Board:
    """One board to fetch.

    Attributes:
        kind: The fetch source: "greenhouse", "lever", "lever-eu", "ashby" or "jobspy".
        token: The board token (for jobspy: a slug of the search).
        company: The company name from ``boards.csv``, or None (the API's own name is used then).
        options: Search options (jobspy only): search, location, sites, results.
    """

    kind: str
    token: str
    company: str | None = None
    options: tuple[tuple[str, object], ...] = ()

    @property
    def name(self) -> str:
        """``"greenhouse:stripe"``: what the summary and the ``board`` column show."""
        return f"{self.kind}:{self.token}"


@dataclass
class Page:
    """One response of a fetch: the body as received (kept in the store) and its parsed payload."""

    url: str
    body: bytes
    payload: Any


class HttpSource:
    """Base of the JSON-over-HTTP sources: base URL from an environment variable, 404 explained."""

    kind: ClassVar[str] = ""
    source: ClassVar[str] = ""  # the ``source`` column value
    env: ClassVar[str] = ""
    default_base: ClassVar[str] = ""
    board_url: ClassVar[str] = ""  # how a careers URL with the token looks, for messages

    def base(self) -> str:
        """The API base URL: ``$<env>`` when set (mirrors, proxies, tests), else the public API."""
        return (os.environ.get(self.env) or self.default_base).rstrip("/")

    def first_url(self, board: Board) -> str:  # pragma: no cover - every source defines it
        raise NotImplementedError

    def next_url(self, board: Board, payload: Any, url: str, page: int) -> str | None:
        """The URL of the next page, or None (single-page APIs)."""
        return None

    def check(self, payload: Any, url: str) -> None:
        """Raise :class:`FetchError` when the payload is not in the documented shape."""

    def pages(self, board: Board, client: HttpClient) -> Iterator[Page]:
        """Yield every page of one board (all or nothing: the caller stores them only when all arrived)."""
        url: str | None = self.first_url(board)
        page = 0
        while url is not None:
            try:
                resp = client.get(url)
            except FetchError as exc:
                if exc.status == 404:
                    raise FetchError(f"board not found (HTTP 404 at {url}): the token {board.token!r} is probably "
                                     f"wrong. Find it on the company's careers page, the last part of "
                                     f"{self.board_url}<token>", status=404, url=url) from None
                raise
            payload = resp.json()
            self.check(payload, url)
            yield Page(url, resp.body, payload)
            page += 1
            url = self.next_url(board, payload, url, page)

    def adapt(self, payload: Any, *, board: Board) -> pd.DataFrame:  # pragma: no cover
        raise NotImplementedError


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _shape_error(what: str, url: str, env: str) -> FetchError:
    return FetchError(f"unexpected response from {url}: {what}; is ${env} (if set) pointing at the right API?",
                      url=url)


def _one_range(ranges: list[tuple[Any, Any, Any, Any]]) -> tuple[Any, Any, Any, Any]:
    """One stated pay range, or NA: several different ranges (location tiers, currencies) are ambiguous, as for
    ranges in description text (kit.prepare.salary)."""
    distinct = list(dict.fromkeys(ranges))
    return distinct[0] if len(distinct) == 1 else (None, None, None, None)


class _JobsListSource(HttpSource):
    """A source whose response is one object with a ``jobs`` list (Greenhouse, Ashby)."""

    def check(self, payload: Any, url: str) -> None:
        """Raise :class:`FetchError` unless the payload is an object with a ``jobs`` list."""
        if not isinstance(payload, dict) or not isinstance(payload.get("jobs"), list):
            raise _shape_error("no 'jobs' list", url, self.env)


class GreenhouseSource(_JobsListSource):
    kind = "greenhouse"
    source = "greenhouse"
    env = "KIT_GREENHOUSE_API"
    default_base = "https://boards-api.greenhouse.io/v1/boards"
    board_url = "boards.greenhouse.io/"

    def first_url(self, board: Board) -> str:
        return f"{self.base()}/{quote(board.token)}/jobs?content=true"

    def adapt(self, payload: Any, *, board: Board) -> pd.DataFrame:
        rows = []
        for job in payload.get("jobs") or []:
            if not isinstance(job, dict) or job.get("id") is None:
                continue
            location = (job.get("location") or {}).get("name") if isinstance(job.get("location"), dict) else None
            offices = [o.get("name") for o in job.get("offices") or [] if isinstance(o, dict) and o.get("name")]
            departments = [d.get("name") for d in job.get("departments") or [] if isinstance(d, dict)]
            ranges = [(r.get("min_cents"), r.get("max_cents"), r.get("currency_type"), None)
                      for r in job.get("pay_input_ranges") or [] if isinstance(r, dict)]
            lo, hi, cur, _ = _one_range(ranges)
            content = job.get("content")
            rows.append({
                "native_id": str(job["id"]),
                "company": board.company or _text(job.get("company_name")),
                "title": _text(job.get("title")),
                # content is HTML that is itself HTML-escaped: decode once, the pipeline cleans the HTML
                "description": html.unescape(content) if isinstance(content, str) else None,
                "location": _text(location) or ("; ".join(offices) if offices else None),
                "posted_date": job.get("first_published") or job.get("updated_at"),
                "url": _text(job.get("absolute_url")),
                "salary_min": lo / 100 if isinstance(lo, int | float) else None,
                "salary_max": hi / 100 if isinstance(hi, int | float) else None,
                "salary_currency": _text(cur),
                "department": "; ".join(d for d in departments if d) or None,
            })
        return raw_frame(rows, board=board.name, source=self.source)


_LEVER_INTERVAL = re.compile(r"per-(hour|day|week|month|year)", re.IGNORECASE)


class LeverSource(HttpSource):
    kind = "lever"
    source = "lever"
    env = "KIT_LEVER_API"
    default_base = "https://api.lever.co/v0/postings"
    board_url = "jobs.lever.co/"
    page_size = 100

    def first_url(self, board: Board) -> str:
        return self._url(board, 0)

    def _url(self, board: Board, skip: int) -> str:
        return f"{self.base()}/{quote(board.token)}?" + urlencode({"mode": "json", "skip": skip,
                                                                   "limit": self.page_size})

    def check(self, payload: Any, url: str) -> None:
        if not isinstance(payload, list):
            raise _shape_error("expected a list of postings", url, self.env)

    def next_url(self, board: Board, payload: Any, url: str, page: int) -> str | None:
        if len(payload) < self.page_size or page >= 500:
            return None
        return self._url(board, page * self.page_size)

    def pages(self, board: Board, client: HttpClient) -> Iterator[Page]:
        seen_first: set[str] = set()
        for page in super().pages(board, client):
            first = str(page.payload[0].get("id")) if page.payload and isinstance(page.payload[0], dict) else ""
            if first and first in seen_first:  # a server ignoring skip would loop forever: stop
                return
            seen_first.add(first)
            yield page

    def adapt(self, payload: Any, *, board: Board) -> pd.DataFrame:
        rows = []
        for job in payload or []:
            if not isinstance(job, dict) or job.get("id") is None:
                continue
            cats = job.get("categories") if isinstance(job.get("categories"), dict) else {}
            parts = []
            if _text(job.get("descriptionPlain")):
                parts.append(f"<p>{html.escape(job['descriptionPlain'])}</p>")
            for item in job.get("lists") or []:
                if isinstance(item, dict):
                    parts.append(f"<h3>{html.escape(str(item.get('text') or ''))}</h3>"
                                 f"<ul>{item.get('content') or ''}</ul>")
            if _text(job.get("additionalPlain")):
                parts.append(f"<p>{html.escape(job['additionalPlain'])}</p>")
            salary = job.get("salaryRange") if isinstance(job.get("salaryRange"), dict) else {}
            interval = _LEVER_INTERVAL.search(str(salary.get("interval") or ""))
            workplace = str(job.get("workplaceType") or "").lower()
            created = job.get("createdAt")
            rows.append({
                "native_id": str(job["id"]),
                "company": board.company,
                "title": _text(job.get("text")),
                "description": "\n".join(parts) or None,
                "location": _text(cats.get("location")),
                "posted_date": pd.to_datetime(created, unit="ms", utc=True) if isinstance(created, int | float)
                else None,
                "url": _text(job.get("hostedUrl")),
                "remote": True if workplace == "remote" else False if workplace in ("on-site", "hybrid") else None,
                "salary_min": salary.get("min"),
                "salary_max": salary.get("max"),
                "salary_currency": _text(salary.get("currency")),
                "_salary_interval": interval.group(1).lower() if interval else None,
                "department": _text(cats.get("department")) or _text(cats.get("team")),
                "employment_type": _text(cats.get("commitment")),
            })
        return raw_frame(rows, board=board.name, source=self.source)


class LeverEuSource(LeverSource):
    kind = "lever-eu"
    env = "KIT_LEVER_EU_API"
    default_base = "https://api.eu.lever.co/v0/postings"
    board_url = "jobs.eu.lever.co/"


class AshbySource(_JobsListSource):
    kind = "ashby"
    source = "ashby"
    env = "KIT_ASHBY_API"
    default_base = "https://api.ashbyhq.com/posting-api/job-board"
    board_url = "jobs.ashbyhq.com/"

    def first_url(self, board: Board) -> str:
        return f"{self.base()}/{quote(board.token)}?includeCompensation=true"

    def adapt(self, payload: Any, *, board: Board) -> pd.DataFrame:
        rows = []
        for job in payload.get("jobs") or []:
            if not isinstance(job, dict) or job.get("isListed") is False:
                continue
            native = job.get("id") or str(job.get("jobUrl") or "").rstrip("/").rsplit("/", 1)[-1]
            if not native:
                continue
            comp = job.get("compensation") if isinstance(job.get("compensation"), dict) else {}
            salaries = [(c.get("minValue"), c.get("maxValue"), c.get("currencyCode"), c.get("interval"))
                        for c in comp.get("summaryComponents") or []
                        if isinstance(c, dict) and c.get("compensationType") == "Salary"]
            lo, hi, cur, interval = _one_range(salaries)
            primary = _text(job.get("location"))
            others = [_text(s.get("location")) for s in job.get("secondaryLocations") or [] if isinstance(s, dict)]
            every = [x for x in [primary, *others] if x]
            remote = job.get("isRemote")
            rows.append({
                "native_id": str(native),
                "company": board.company,
                "title": _text(job.get("title")),
                "description": job.get("descriptionHtml") or job.get("descriptionPlain"),
                "location": primary,
                "locations": "; ".join(dict.fromkeys(every)) if len(every) > 1 else None,
                "posted_date": job.get("publishedAt"),
                "url": _text(job.get("jobUrl")),
                "remote": remote if isinstance(remote, bool) else None,
                "salary_min": lo,
                "salary_max": hi,
                "salary_currency": _text(cur),
                "_salary_interval": _text(interval),
                "department": _text(job.get("department")),
                "employment_type": _text(job.get("employmentType")),
            })
        return raw_frame(rows, board=board.name, source=self.source)


_SLUG = re.compile(r"[^a-z0-9]+")
JOBSPY_EXTRA = "pip install 'swimlanes-kit[jobspy]'"


def jobspy_board(*, search: object, location: object = None, sites: object = None, results: object = None) -> Board:
    """A JobSpy search as a board: ``jobspy:<slug of search, location, sites>``.

    Raises:
        DataError: No search text.
    """
    if not search or not str(search).strip():
        raise DataError.build("a jobspy board needs a search", expected="--search TEXT (e.g. --search "
                              "'technical program manager')", fix="add --search, and optionally --location, --sites")
    site_list = tuple(s.strip().lower() for s in (sites.split(",") if isinstance(sites, str) else sites or ())
                      if s and s.strip()) or ("indeed", "linkedin")
    parts = [str(search), str(location or ""), "-".join(site_list)]
    token = "-".join(p for p in (_SLUG.sub("-", x.lower()).strip("-") for x in parts) if p)[:100]
    options = (("search", str(search).strip()), ("location", str(location).strip() if location else None),
               ("sites", site_list), ("results", int(results) if results else 50))
    return Board("jobspy", token, None, options)


class JobSpySource:
    """JobSpy (``python-jobspy``, the optional extra ``jobspy``): LinkedIn, Indeed, Glassdoor, Google ... searches.

    The network part is JobSpy's own ``scrape_jobs``; its DataFrame goes through the kit's ``jobspy`` adapter.
    """

    kind = "jobspy"
    source = "jobspy"

    def pages(self, board: Board, client: HttpClient) -> Iterator[Page]:
        try:
            import jobspy
        except ImportError:
            raise DataError.build("the jobspy source needs the python-jobspy package, which is not installed",
                                  fix=f"install the extra: {JOBSPY_EXTRA}") from None
        opts = dict(board.options)
        frame = jobspy.scrape_jobs(site_name=list(opts.get("sites") or ()), search_term=opts.get("search"),
                                   location=opts.get("location"), results_wanted=opts.get("results") or 50)
        if not isinstance(frame, pd.DataFrame):
            raise FetchError("jobspy.scrape_jobs returned no table; check the python-jobspy version")
        body = frame.to_json(orient="records", date_format="iso").encode("utf-8")
        yield Page("jobspy:scrape_jobs", body, frame)

    def adapt(self, payload: Any, *, board: Board) -> pd.DataFrame:
        from kit.io.formats import adapt_postings  # noqa: PLC0415 - only on the jobspy path

        frame = payload if isinstance(payload, pd.DataFrame) else pd.DataFrame(payload)
        if frame.empty:
            return raw_frame([], board=board.name, source=self.source)
        if "id" not in frame.columns:
            frame = frame.assign(id=frame.get("job_url"))
        out, _ = adapt_postings(frame, "jobspy", label=board.name)
        out = out[out["posting_id"].notna() & out["title"].notna()]
        records = out.rename(columns={"posting_id": "native_id"}).to_dict("records")
        return raw_frame(records, board=board.name, source=self.source)


#: fetch source name -> source object
SOURCES: dict[str, Any] = {}


def register_source(source: Any) -> None:
    """Add a fetch source (an object with ``kind``, ``source``, ``pages(board, client)`` and ``adapt``)."""
    SOURCES[source.kind] = source


for _source in (GreenhouseSource(), LeverSource(), LeverEuSource(), AshbySource(), JobSpySource()):
    register_source(_source)

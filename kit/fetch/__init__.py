"""Fetch postings from public job-board APIs (Greenhouse, Lever, Ashby) and JobSpy into the posting store.

* :mod:`kit.fetch.client`: the polite HTTP client (timeouts, per-host rate limit, retries, no cookies);
* :mod:`kit.fetch.sources`: the registry of fetch sources (URLs, paging, adapt to raw posting rows);
* :mod:`kit.fetch.boards`: board specs and the company list ``kit/data/boards.csv``;
* :mod:`kit.fetch.run`: ``fetch_boards`` / ``fetch_postings`` (the store itself is :mod:`kit.io.store`).
"""

from kit.fetch.client import FetchError, HttpClient
from kit.fetch.run import fetch_boards, fetch_postings

__all__ = ["FetchError", "HttpClient", "fetch_boards", "fetch_postings"]

"""A polite HTTP client for public job-board APIs.

Why httpx: a well-kept client with separate connect / read timeouts, a pluggable transport (tests swap nothing
but the server) and HTTP/1.1 keep-alive per host. On top of it this module adds what a good citizen needs:

* a per-host rate limit (default one request per second; ``rate=`` or ``$KIT_FETCH_RATE``, 0 = no limit);
* retries with exponential backoff on 429 and 5xx and on network errors, honouring ``Retry-After``
  (seconds or an HTTP date), capped by ``max_wait`` (``$KIT_FETCH_BACKOFF`` sets the backoff base);
* an identifying ``User-Agent`` naming the kit and its version; no cookies kept or sent; no login.

Failures raise :class:`FetchError` with the HTTP status (when there was one) and a one-line message.
"""

from __future__ import annotations

import email.utils
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any
from urllib.parse import urlsplit

import httpx

from kit._version import __version__
from kit.core.errors import KitError

__all__ = ["FetchError", "HttpClient", "user_agent"]

#: Where the User-Agent points a site operator who wants to know who is calling.
PROJECT_URL = "https://pypi.org/project/swimlanes-kit/"
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


class FetchError(KitError):
    """A board could not be fetched: HTTP error, network down, or a response the kit cannot read.

    Attributes:
        status: The HTTP status code, or None (network error, malformed body).
        url: The URL concerned.
    """

    def __init__(self, message: str, *, status: int | None = None, url: str | None = None):
        super().__init__(message)
        self.status = status
        self.url = url


def user_agent() -> str:
    """The User-Agent every request carries: ``swimlanes-kit/<version> (+<project url>)``."""
    return f"swimlanes-kit/{__version__} (+{PROJECT_URL})"


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return max(0.0, float(raw))
    except ValueError:
        raise KitError(f"${name}={raw!r} is not a number; set it to e.g. 1 (or unset it)") from None


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Parse a ``Retry-After`` header: delay seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


@dataclass
class Response:
    """What one successful GET returned: the body exactly as received, and the final URL."""

    url: str
    status: int
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON.

        Raises:
            FetchError: The body is not valid JSON (truncated, an HTML error page ...).
        """
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise FetchError(f"the response is not valid JSON ({exc.__class__.__name__}: {exc}; "
                             f"{len(self.body)} bytes, maybe truncated); try again later", url=self.url) from None


class HttpClient:
    """GET with timeouts, a per-host rate limit, retries with backoff, no cookies.

    Args:
        rate: Requests per second per host (None: ``$KIT_FETCH_RATE`` or 1.0; 0: no limit).
        retries: Retries after the first attempt on 429 / 5xx / network errors.
        backoff: Base of the exponential backoff in seconds (attempt n waits ``backoff * 2**n`` unless the server
            says ``Retry-After``); None: ``$KIT_FETCH_BACKOFF`` or 1.0.
        max_wait: Longest single wait; a server asking for more makes the request fail ("try again later").
        connect_timeout: Seconds to establish a connection.
        read_timeout: Seconds to wait for data.
        sleep: The sleep function (tests pass a recorder).
        transport: An httpx transport (None: the default network transport).
    """

    def __init__(self, *, rate: float | None = None, retries: int = 4, backoff: float | None = None,
                 max_wait: float = 120.0, connect_timeout: float = 10.0, read_timeout: float = 30.0,
                 sleep: Callable[[float], None] = time.sleep, transport: httpx.BaseTransport | None = None):
        self.rate = _env_float("KIT_FETCH_RATE", 1.0) if rate is None else max(0.0, float(rate))
        self.retries = max(0, int(retries))
        self.backoff = _env_float("KIT_FETCH_BACKOFF", 1.0) if backoff is None else max(0.0, float(backoff))
        self.max_wait = float(max_wait)
        self._sleep = sleep
        self._last: dict[str, float] = {}
        no_cookies = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
        self._client = httpx.Client(
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            headers={"User-Agent": user_agent(), "Accept": "application/json"},
            cookies=no_cookies, follow_redirects=True, transport=transport,
        )

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections."""
        self._client.close()

    def _wait_turn(self, host: str) -> None:
        if self.rate <= 0:
            return
        gap = 1.0 / self.rate
        last = self._last.get(host)
        if last is not None:
            wait = last + gap - time.monotonic()
            if wait > 0:
                self._sleep(wait)
        self._last[host] = time.monotonic()

    def get(self, url: str) -> Response:
        """GET ``url``; retry transient failures; return the body as received.

        Raises:
            FetchError: A 4xx other than 429, a 429 / 5xx / network error still failing after the retries, or a
                server asking to wait longer than ``max_wait``.
        """
        host = urlsplit(url).netloc
        attempt = 0
        while True:
            self._wait_turn(host)
            try:
                resp = self._client.get(url)
                self._client.cookies.clear()  # belt and braces: the jar's policy already refuses every cookie
            except httpx.TimeoutException as exc:
                problem, status, retry_after = f"timed out ({exc.__class__.__name__})", None, None
            except httpx.TransportError as exc:
                problem, status, retry_after = f"network error ({exc.__class__.__name__}: {exc})", None, None
            else:
                if resp.status_code < 400:
                    return Response(str(resp.url), resp.status_code, resp.content)
                status = resp.status_code
                if status not in _RETRY_STATUS:
                    raise FetchError(f"HTTP {status} from {url}", status=status, url=url)
                problem = f"HTTP {status}"
                retry_after = retry_after_seconds(resp.headers.get("Retry-After"))
            if attempt >= self.retries:
                hint = ("check your connection (or the KIT_*_API base URL)" if status is None
                        else "the server is busy or failing; try again later")
                raise FetchError(f"{problem} from {url} after {attempt + 1} attempt(s); {hint}", status=status,
                                 url=url)
            wait = retry_after if retry_after is not None else self.backoff * (2 ** attempt)
            if wait > self.max_wait:
                raise FetchError(f"{problem} from {url}: the server asks to wait {wait:.0f} s (more than "
                                 f"{self.max_wait:.0f} s); try again later", status=status, url=url)
            if wait > 0:
                self._sleep(wait)
            attempt += 1

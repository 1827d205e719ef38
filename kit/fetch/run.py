"""Fetch boards into the posting store: one board at a time, each failure contained to its board.

Per board: resolve the spec -> fetch every page (the source's paging) -> keep the responses as received
(``raw/``) -> adapt -> merge into the board's history -> write its partition atomically. Any failure (HTTP
error, network down, malformed or truncated JSON, an unexpected shape) ends that board only: its partition is
untouched, the next board runs, and the summary shows one line saying what happened and what to do.
"""

from __future__ import annotations

import re
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import pandas as pd

from kit.core.errors import KitError
from kit.core.schema import conform
from kit.fetch.boards import Board, parse_board
from kit.fetch.client import FetchError, HttpClient
from kit.fetch.sources import SOURCES
from kit.io.store import PostingStore, is_store, merge_history
from kit.load.postings import load_postings

__all__ = ["BoardResult", "FetchRun", "FetchWarning", "fetch_boards", "fetch_postings", "printable", "store_postings"]

_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def printable(text: object) -> str:
    """Text safe for a terminal: control characters, ESC sequences and bidi overrides removed, newlines -> space."""
    return _UNPRINTABLE.sub("", str(text).replace("\n", " ").replace("\r", " ").replace("\t", " "))


class FetchWarning(UserWarning):
    """A board failed during :func:`fetch_postings` (the others were fetched)."""


@dataclass
class BoardResult:
    """How one board went: counts, status ("ok" / "failed"), the one-line message, seconds."""

    board: str
    fetched: int = 0
    new: int = 0
    changed: int = 0
    closed: int = 0
    reopened: int = 0
    status: str = "ok"
    message: str = ""
    seconds: float = 0.0


@dataclass
class FetchRun:
    """The result of :func:`fetch_boards`: per-board results and the raw rows each successful board listed."""

    results: list[BoardResult] = field(default_factory=list)
    rows: list[pd.DataFrame] = field(default_factory=list)

    @property
    def failed(self) -> list[BoardResult]:
        return [r for r in self.results if r.status != "ok"]

    def summary(self) -> pd.DataFrame:
        """One row per board: board, fetched, new, changed, closed, status, time (s), message."""
        return pd.DataFrame([{"board": r.board, "fetched": r.fetched, "new": r.new, "changed": r.changed,
                              "closed": r.closed, "status": r.status, "time": round(r.seconds, 1),
                              "message": r.message} for r in self.results],
                            columns=["board", "fetched", "new", "changed", "closed", "status", "time", "message"])

    def render(self) -> str:
        """The summary table as text for a terminal (every value made printable)."""
        table = self.summary().drop(columns="message")
        cols = list(table.columns)
        cells = [[printable(v) for v in row] for row in table.astype(str).to_numpy().tolist()]
        widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(cols)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True))]
        lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
        return "\n".join(lines)


def fetch_boards(boards: Iterable[str | Board], *, store: str | PathLike | None = None,
                 client: HttpClient | None = None, progress: Callable[[str], None] | None = None,
                 now: Callable[[], pd.Timestamp] | None = None, **jobspy_options: object) -> FetchRun:
    """Fetch each board, keep it in ``store`` (if given), and report per board.

    Args:
        boards: Board specs ("greenhouse:stripe", "lever:SITE", "ashby:NAME", "jobspy", a company name) or boards.
        store: A posting-store folder (created on first use); None keeps nothing on disk.
        client: The HTTP client (None: a new :class:`HttpClient` with its defaults / environment settings).
        progress: Called with one line per board as it finishes.
        now: The clock (UTC timestamps); tests pass a fake one.
        **jobspy_options: search, location, sites, results (for the ``jobspy`` board).

    Returns:
        A :class:`FetchRun`. Never raises for a board's failure; it is in ``results``.
    """
    clock = now or (lambda: pd.Timestamp.now(tz="UTC"))
    kept = PostingStore(store) if store is not None else None
    own_client = client is None
    client = client or HttpClient()
    run = FetchRun()
    try:
        for spec in boards:
            started = time.monotonic()
            label = spec.name if isinstance(spec, Board) else str(spec)
            result = BoardResult(label)
            try:
                board = spec if isinstance(spec, Board) else parse_board(str(spec), **jobspy_options)
                result.board = label = board.name
                source = SOURCES[board.kind]
                at = clock()
                pages = list(source.pages(board, client))  # all pages, or the board fails with nothing written
                frames = [source.adapt(p.payload, board=board) for p in pages]
                fetched = pd.concat(frames, ignore_index=True).drop_duplicates("posting_id") if frames else None
                if fetched is None:
                    raise FetchError("no response")
                if kept is not None:
                    raw = kept.write_raw(board.kind, board.token, at, [p.body for p in pages])
                    update = kept.update_board(board.kind, board.token, fetched, fetched_at=at, raw_files=raw)
                else:
                    update = merge_history(None, fetched, fetched_at=at)
                current = update.frame[update.frame["closed_at"].isna()]
                run.rows.append(current)
                result.fetched, result.new, result.changed = update.fetched, update.new, update.changed
                result.closed, result.reopened = update.closed, update.reopened
            except (KitError, OSError, ValueError) as exc:
                result.status = "failed"
                result.message = printable(f"{label}: {_what(exc)}")
            result.seconds = time.monotonic() - started
            run.results.append(result)
            if progress is not None:
                progress(_line(result))
    finally:
        if own_client:
            client.close()
    return run


def _what(exc: BaseException) -> str:
    if isinstance(exc, KitError):
        return str(exc)
    if isinstance(exc, OSError):
        return f"cannot write the store ({exc.strerror or exc}); check the folder and free disk space"
    return f"{type(exc).__name__}: {exc}"


def _line(r: BoardResult) -> str:
    if r.status != "ok":
        return f"FAILED {r.message}"
    extra = f", {r.reopened} reopened" if r.reopened else ""
    return printable(f"ok     {r.board}: {r.fetched} listed, {r.new} new, {r.changed} changed, {r.closed} closed"
                     f"{extra} ({r.seconds:.1f} s)")


def fetch_postings(boards: str | Board | Iterable[str | Board], *, store: str | PathLike | None = None,
                   client: HttpClient | None = None, **jobspy_options: object) -> pd.DataFrame:
    """Fetch postings from public job boards as a canonical postings table.

    Args:
        boards: One board spec or several: "greenhouse:TOKEN", "lever:SITE", "lever-eu:SITE", "ashby:NAME",
            "jobspy" (with ``search=``, ``location=``, ``sites=``, ``results=``), or a company name listed in
            ``kit/data/boards.csv`` ("Stripe").
        store: A posting-store folder to keep the responses and the history in (created on first use; the CLI
            default is ``data/postings``); None keeps nothing on disk (every posting is then new).
        client: An :class:`~kit.fetch.client.HttpClient` (rate limit, retries); None uses the defaults.
        **jobspy_options: For the jobspy board.

    Returns:
        ``kit.load_postings`` of the postings the successful boards list now (cleaned, annualized pay, enriched),
        with ``board``, ``first_seen``, ``last_seen`` and ``closed_at``. ``attrs["fetch_summary"]`` holds the
        per-board summary (board, fetched, new, changed, closed, status, time, message). Each failed board also
        emits one :class:`FetchWarning`.

    Raises:
        KitError: Every board failed (the message lists each failure), or nothing was listed.
    """
    specs = [boards] if isinstance(boards, str | Board) else list(boards)
    run = fetch_boards(specs, store=store, client=client, **jobspy_options)
    for failure in run.failed:
        warnings.warn(FetchWarning(failure.message), stacklevel=2)
    if run.failed and len(run.failed) == len(run.results):
        raise KitError("no board could be fetched: " + " | ".join(r.message for r in run.failed))
    rows = [r for r in run.rows if len(r)]
    if not rows:
        raise KitError(f"the board(s) {', '.join(r.board for r in run.results)} list no postings right now")
    df = load_postings(pd.concat(rows, ignore_index=True), format="kit")
    df.attrs["fetch_summary"] = run.summary().to_dict("records")
    return df


def default_store() -> Path:
    """The CLI's default store: ``data/postings`` under the current directory."""
    return Path.cwd() / "data" / "postings"


def store_postings(store: str | PathLike | None = None, *, board: str = "") -> pd.DataFrame:
    """A store's postings, fetching ``board`` into it first when given (what notebooks/06_fetch.ipynb calls).

    Args:
        store: The posting-store folder (None or "": ``data/postings`` under the current folder).
        board: A board spec to fetch first ("greenhouse:stripe", "Stripe" ...); "" fetches nothing (no network).

    Returns:
        ``kit.load_postings(store)``, or an empty postings table when the store does not exist yet.
    """
    path = store or default_store()
    if board:
        fetch_postings(board, store=path)
    if not is_store(path):
        return conform(pd.DataFrame(), "postings")
    return load_postings(path)

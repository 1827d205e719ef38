"""Board specs: ``greenhouse:TOKEN``, ``lever:SITE``, ``lever-eu:SITE``, ``ashby:NAME``, ``jobspy`` or a company
name looked up in the editable list ``kit/data/boards.csv`` (company, ats, token, verified_on, note).
"""

from __future__ import annotations

import csv
import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from os import PathLike
from pathlib import Path

from kit.core.errors import DataError
from kit.core.paths import DATA_DIR
from kit.fetch.sources import SOURCES, Board, jobspy_board

__all__ = ["BOARDS_FILE", "Board", "BoardEntry", "load_boards", "parse_board"]

BOARDS_FILE = DATA_DIR / "boards.csv"
#: board tokens are path segments of a careers URL; anything else is refused before a request is made
_TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_FIND_TOKEN = ("find the token on the company's careers page: it is the last part of the job-board URL "
               "(boards.greenhouse.io/<token>, jobs.lever.co/<site>, jobs.ashbyhq.com/<name>); then run "
               "`kit fetch greenhouse:<token>` (or lever:, lever-eu:, ashby:), or add a row to " + str(BOARDS_FILE))


@dataclass(frozen=True)
class BoardEntry:
    """One row of ``boards.csv``."""

    company: str
    ats: str
    token: str
    verified_on: str
    note: str


def load_boards(path: str | PathLike | None = None) -> list[BoardEntry]:
    """Read the company -> board list.

    Args:
        path: A boards file (None: ``kit/data/boards.csv``).

    Returns:
        The rows, in file order.

    Raises:
        DataError: The file is missing, lacks a column, or a row has an unknown ATS or a bad token.
    """
    path = Path(path) if path is not None else BOARDS_FILE
    return list(_load(path, path.stat().st_mtime_ns if path.exists() else 0))


@lru_cache(maxsize=4)
def _load(path: Path, _mtime: int) -> tuple[BoardEntry, ...]:

    try:
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(line for line in fh if line.strip() and not line.lstrip().startswith("#")))
    except OSError as exc:
        raise DataError.build(f"cannot read the board list ({exc.strerror or exc})", path=path,
                              fix="restore kit/data/boards.csv from git") from None
    need = {"company", "ats", "token", "verified_on", "note"}
    if rows and (missing := need - set(rows[0])):
        raise DataError.build(f"missing column(s) {', '.join(sorted(missing))}", path=path,
                              expected="columns company,ats,token,verified_on,note")
    out = []
    for i, row in enumerate(rows, start=1):
        ats, token = (row.get("ats") or "").strip(), (row.get("token") or "").strip()
        if ats not in SOURCES or ats == "jobspy":
            raise DataError.build(f"unknown ats {ats!r}", path=path, column="ats", row=i,
                                  expected="greenhouse, lever, lever-eu or ashby")
        if not _TOKEN.match(token):
            raise DataError.build(f"bad token {token!r}", path=path, column="token", row=i,
                                  expected="letters, digits, '.', '_' or '-'")
        out.append(BoardEntry((row.get("company") or "").strip(), ats, token, (row.get("verified_on") or "").strip(),
                              (row.get("note") or "").strip()))
    return tuple(out)


def _fold(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", name.lower())


def parse_board(spec: str, *, boards_file: str | PathLike | None = None, **jobspy_options: object) -> Board:
    """Turn a board spec into a :class:`Board`.

    Args:
        spec: ``kind:token`` (kind among the fetch sources), ``jobspy``, or a company name in ``boards.csv``
            (case- and punctuation-insensitive: "scale ai" finds "Scale AI").
        boards_file: Another company list (None: ``kit/data/boards.csv``).
        **jobspy_options: For ``jobspy``: search, location, sites, results.

    Returns:
        The board.

    Raises:
        DataError: An unknown source kind, a bad token, a ``jobspy`` without a search, or an unknown company
            (the message lists the closest names and how to find a token).
    """
    spec = spec.strip()
    if spec.lower() == "jobspy" or spec.lower().startswith("jobspy:"):
        search = jobspy_options.get("search") or (spec.split(":", 1)[1] if ":" in spec else None)
        return jobspy_board(search=search, location=jobspy_options.get("location"),
                            sites=jobspy_options.get("sites"), results=jobspy_options.get("results"))
    if ":" in spec:
        kind, token = (part.strip() for part in spec.split(":", 1))
        kind = kind.lower()
        if kind not in SOURCES:
            raise DataError.build(f"unknown board kind {kind!r} in {spec!r}",
                                  expected=f"one of {', '.join(sorted(SOURCES))}, e.g. greenhouse:stripe")
        if not _TOKEN.match(token):
            raise DataError.build(f"bad board token {token!r} in {spec!r}",
                                  expected="letters, digits, '.', '_' or '-' (the last part of the board URL)")
        company = next((e.company for e in load_boards(boards_file) if e.ats == kind and e.token == token), None)
        return Board(kind, token, company)
    entries = load_boards(boards_file)
    wanted = _fold(spec)
    for entry in entries:
        if _fold(entry.company) == wanted:
            return Board(entry.ats, entry.token, entry.company)
    names = [e.company for e in entries]
    folded = {_fold(n): n for n in names}
    close = [folded[c] for c in difflib.get_close_matches(wanted, list(folded), n=5, cutoff=0.5)]
    close += [n for n in names if wanted and _fold(n).startswith(wanted[:3]) and n not in close]
    hint = f"closest: {', '.join(close[:5])}" if close else "no similar name"
    raise DataError.build(f"unknown company {spec!r} (not in the board list; {hint})", path=boards_file or BOARDS_FILE,
                          fix=_FIND_TOKEN)

"""The posting store: every fetched response kept as received, plus one canonical table with history.

Layout of a store folder (created on first use)::

    store.json                                  <- marks the folder as a posting store (kind, version)
    raw/<source>/<token>/<UTC timestamp>.json.gz      <- each response exactly as fetched, gzip, never rewritten
    raw/<source>/<token>/<UTC timestamp>.p2.json.gz   <- page 2, 3 ... of a paged fetch
    postings/<source>/<token>/postings.parquet  <- one partition per board: raw posting rows + history

A partition holds the rows of :data:`RAW_COLUMNS` (the board's postings as the source adapter produced them:
description as published, pay as stated) and the history columns ``first_seen``, ``last_seen`` (UTC times of
the fetches that listed the posting) and ``closed_at`` (the first fetch of the board that no longer listed it;
NA while open). A posting that reappears is reopened (``closed_at`` back to NA), never duplicated; a posting
whose text changed keeps one row with the latest text. The partition's schema metadata lists the fetches it
went through. Partitions are written atomically (temp file in the same folder + ``os.replace``), after the
raw files, so an interrupted fetch leaves the board as it was.

``kit.load_postings(DIR)`` reads a store through :func:`read_store` and the usual pipeline.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

import pandas as pd

from kit.core.errors import DataError

__all__ = ["HISTORY_COLUMNS", "RAW_COLUMNS", "BoardUpdate", "PostingStore", "is_store", "merge_history",
           "raw_frame", "read_store", "store_fingerprint"]

STORE_MARK = "store.json"
STORE_KIND = "swimlanes-posting-store"
STORE_VERSION = 1

#: raw posting columns every fetch source produces (canonical names; ``_salary_interval`` as in kit.io.formats)
RAW_COLUMNS: dict[str, str] = {
    "posting_id": "string",  # "<board>:<the board's own id>", unique across boards
    "board": "string",
    "source": "string",
    "company": "string",
    "title": "string",
    "description": "string",  # as published (HTML or text): the pipeline cleans it
    "location": "string",
    "locations": "string",  # every location of a multi-location posting, "; "-joined, else NA
    "posted_date": "datetime64[ns]",
    "url": "string",
    "remote": "boolean",
    "salary_min": "Float64",  # as stated (not annualized)
    "salary_max": "Float64",
    "salary_currency": "string",
    "_salary_interval": "string",  # as stated; the pipeline annualizes by it
    "department": "string",
    "employment_type": "string",
}
HISTORY_COLUMNS: dict[str, str] = {"first_seen": "datetime64[ns]", "last_seen": "datetime64[ns]",
                                   "closed_at": "datetime64[ns]"}
#: which columns make a posting "changed" between fetches
_CONTENT = ("title", "description", "location", "locations", "salary_min", "salary_max", "salary_currency",
            "_salary_interval", "url", "remote")


def _naive_utc(values: pd.Series) -> pd.Series:
    out = pd.to_datetime(values, errors="coerce", utc=True, format="ISO8601")
    return out.dt.tz_convert(None).astype("datetime64[ns]")


def raw_frame(records: list[dict[str, Any]], *, board: str, source: str) -> pd.DataFrame:
    """Raw posting rows in the store's column types, from a source adapter's records.

    Args:
        records: One dict per posting with ``native_id`` (the board's own id) and any of :data:`RAW_COLUMNS`.
        board: The board name ("greenhouse:stripe").
        source: The ``source`` value ("greenhouse").

    Returns:
        A frame with exactly the :data:`RAW_COLUMNS`, one row per distinct ``native_id`` (the first kept).
    """
    df = pd.DataFrame.from_records(records, columns=sorted({k for r in records for k in r} | {"native_id"}))
    n = len(df)
    out = pd.DataFrame(index=pd.RangeIndex(n))
    native = df["native_id"].astype("string").str.strip()
    out["posting_id"] = (board + ":" + native).astype("string")
    for col, dtype in RAW_COLUMNS.items():
        if col == "posting_id":
            continue
        if col in ("board", "source"):
            out[col] = pd.Series([board if col == "board" else source] * n, dtype="string")
        elif col not in df.columns:
            out[col] = pd.Series([pd.NA] * n, dtype=dtype if dtype != "datetime64[ns]" else "object")
            if dtype == "datetime64[ns]":
                out[col] = out[col].astype("datetime64[ns]")
        elif dtype == "datetime64[ns]":
            out[col] = _naive_utc(df[col].reset_index(drop=True))
        elif dtype == "Float64":
            out[col] = pd.to_numeric(df[col].reset_index(drop=True), errors="coerce").astype("Float64")
        elif dtype == "boolean":
            out[col] = df[col].reset_index(drop=True).astype("object").where(df[col].notna(), None).astype("boolean")
        else:
            out[col] = df[col].reset_index(drop=True).astype("string").str.strip().replace("", pd.NA)
    out = out[native.notna().to_numpy()]
    return out.drop_duplicates("posting_id", keep="first").reset_index(drop=True)


def _content_hash(df: pd.DataFrame) -> pd.Series:
    cols = [c for c in _CONTENT if c in df.columns]
    text = df[cols].astype("string").fillna("\x00").agg("\x1f".join, axis=1) if len(df) else pd.Series(
        [], dtype="string")
    return text.map(lambda s: hashlib.blake2b(s.encode("utf-8"), digest_size=8).hexdigest()).astype("string")


@dataclass
class BoardUpdate:
    """What one fetch of a board changed."""

    frame: pd.DataFrame  # the board's partition after the fetch
    fetched: int
    new: int
    changed: int
    closed: int
    reopened: int


def merge_history(previous: pd.DataFrame | None, fetched: pd.DataFrame, *, fetched_at: pd.Timestamp) -> BoardUpdate:
    """Fold one fetch of a board into its history.

    Args:
        previous: The board's partition before (None or empty for a first fetch).
        fetched: The rows this fetch listed (:func:`raw_frame`).
        fetched_at: When this fetch ran (UTC, naive or aware).

    Returns:
        The new partition: previous rows first (updated in place: latest text, ``last_seen``; closed when this
        fetch no longer lists them), then new postings in fetch order; and the counts.
    """
    at = pd.Timestamp(fetched_at)
    at = (at.tz_convert(None) if at.tzinfo else at).as_unit("ns")
    now = fetched.copy()
    now["_content_hash"] = _content_hash(now)
    if previous is None or previous.empty:
        now["first_seen"] = at
        now["last_seen"] = at
        now["closed_at"] = pd.Series(pd.NaT, index=now.index, dtype="datetime64[ns]")
        return BoardUpdate(_typed(now), len(now), len(now), 0, 0, 0)
    prev = previous.set_index("posting_id", drop=False)
    cur = now.set_index("posting_id", drop=False)
    listed = prev.index.isin(cur.index)
    was_closed = prev["closed_at"].notna().to_numpy()
    rows = []
    for pid, old in prev.iterrows():
        if pid in cur.index:
            row = cur.loc[pid].copy()
            row["first_seen"] = old["first_seen"]
            row["last_seen"] = at
            row["closed_at"] = pd.NaT
        else:
            row = old.copy()
            if pd.isna(old["closed_at"]):
                row["closed_at"] = at
        rows.append(row)
    fresh = cur[~cur.index.isin(prev.index)].copy()
    fresh["first_seen"] = at
    fresh["last_seen"] = at
    fresh["closed_at"] = pd.NaT
    both = cur.index[cur.index.isin(prev.index)]
    changed = int((cur.loc[both, "_content_hash"].astype("string")
                   != prev.loc[both, "_content_hash"].astype("string")).sum())
    merged = pd.concat([pd.DataFrame(rows), fresh], ignore_index=True) if rows else fresh.reset_index(drop=True)
    return BoardUpdate(_typed(merged.reset_index(drop=True)), len(now), len(fresh), changed,
                       int((~listed & ~was_closed).sum()), int((listed & was_closed).sum()))


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=pd.RangeIndex(len(df)))
    for col, dtype in {**RAW_COLUMNS, **HISTORY_COLUMNS, "_content_hash": "string"}.items():
        values = df[col].reset_index(drop=True) if col in df.columns else pd.Series([pd.NA] * len(df))
        if dtype == "datetime64[ns]":
            out[col] = pd.to_datetime(values, errors="coerce").astype("datetime64[ns]")
        elif dtype == "boolean":
            out[col] = values.astype("object").where(values.notna(), None).astype("boolean")
        else:
            out[col] = values.astype(dtype)
    return out


def is_store(path: object) -> bool:
    """Whether ``path`` is a posting-store folder (it has a ``store.json``)."""
    if not isinstance(path, str | PathLike):
        return False
    return (Path(path) / STORE_MARK).is_file()


def _stamp(at: pd.Timestamp) -> str:
    return at.strftime("%Y%m%dT%H%M%S.%fZ")


class PostingStore:
    """A posting-store folder (see the module docstring).

    Args:
        root: The folder; created (with ``store.json``) when ``create`` and missing.
        create: Create the folder if it does not exist.

    Raises:
        DataError: The folder exists, is not empty and is not a store (the kit never writes into a folder of
            yours by mistake), or it is a file.
    """

    def __init__(self, root: str | PathLike, *, create: bool = True):
        self.root = Path(root)
        mark = self.root / STORE_MARK
        if self.root.exists() and not self.root.is_dir():
            raise DataError.build("is a file, not a posting store folder", path=self.root,
                                  fix="pass --store a folder (it is created on first use)")
        if not mark.is_file():
            if self.root.is_dir() and any(self.root.iterdir()):
                raise DataError.build("the folder exists and is not a posting store (no store.json)",
                                      path=self.root, fix="pass --store an empty or new folder")
            if not create:
                raise DataError.build("no posting store here", path=self.root,
                                      fix="run `kit fetch BOARD --store DIR` first")
            self.root.mkdir(parents=True, exist_ok=True)
            _write_bytes(mark, json.dumps({"kind": STORE_KIND, "version": STORE_VERSION}).encode())

    # --- raw responses ------------------------------------------------------------------------------------------
    def raw_dir(self, kind: str, token: str) -> Path:
        return self.root / "raw" / kind / token

    def write_raw(self, kind: str, token: str, fetched_at: pd.Timestamp, bodies: list[bytes]) -> list[Path]:
        """Keep each response body exactly as received (gzip); never overwrite an existing file.

        Returns:
            The files written (relative to the store root).

        Raises:
            FileExistsError: A file for this timestamp exists already.
        """
        folder = self.raw_dir(kind, token)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = _stamp(pd.Timestamp(fetched_at))
        written = []
        for i, body in enumerate(bodies, start=1):
            path = folder / (f"{stamp}.json.gz" if i == 1 else f"{stamp}.p{i}.json.gz")
            _write_bytes(path, gzip.compress(body, mtime=0), exclusive=True)
            written.append(path.relative_to(self.root))
        return written

    # --- partitions ---------------------------------------------------------------------------------------------
    def partition(self, kind: str, token: str) -> Path:
        return self.root / "postings" / kind / token / "postings.parquet"

    def read_board(self, kind: str, token: str) -> tuple[pd.DataFrame | None, list[dict]]:
        """The board's partition and its fetch log (None and [] before its first fetch)."""
        path = self.partition(kind, token)
        if not path.is_file():
            return None, []
        return _read_partition(path)

    def update_board(self, kind: str, token: str, fetched: pd.DataFrame, *, fetched_at: pd.Timestamp,
                     raw_files: list[Path] | None = None) -> BoardUpdate:
        """Merge one successful fetch into the board's history and write its partition atomically."""
        previous, log = self.read_board(kind, token)
        update = merge_history(previous, fetched, fetched_at=fetched_at)
        entry = {"at": pd.Timestamp(fetched_at).isoformat(), "fetched": update.fetched, "new": update.new,
                 "changed": update.changed, "closed": update.closed, "reopened": update.reopened,
                 "raw": [str(p) for p in raw_files or []]}
        _write_partition(self.partition(kind, token), update.frame, [*log, entry])
        return update

    def table(self) -> pd.DataFrame:
        """Every partition, concatenated (board order: sorted by path)."""
        return read_store(self.root)


def read_store(root: str | PathLike) -> pd.DataFrame:
    """All partitions of a store as one raw table (what ``kit.load_postings(DIR)`` feeds to its pipeline).

    Raises:
        DataError: ``root`` is not a store, or it holds no postings yet.
    """
    root = Path(root)
    if not is_store(root):
        raise DataError.build("not a posting store (no store.json)", path=root,
                              fix="create one with `kit fetch BOARD --store DIR`")
    parts = sorted((root / "postings").glob("*/*/postings.parquet"))
    frames = [_read_partition(p)[0] for p in parts]
    frames = [f for f in frames if len(f)]
    if not frames:
        raise DataError.build("the posting store holds no postings yet", path=root,
                              fix="run `kit fetch BOARD --store DIR` (e.g. kit fetch greenhouse:stripe)")
    return _typed(pd.concat(frames, ignore_index=True))


def store_fingerprint(root: str | PathLike) -> str:
    """A 16-hex-digit hash of a store's partitions (names and contents): changes with every fetch that changed
    a board."""
    h = hashlib.sha256()
    root = Path(root)
    for path in sorted((root / "postings").glob("*/*/postings.parquet")):
        h.update(str(path.relative_to(root)).encode() + b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


_META_KEY = b"swimlanes_store"


def _read_partition(path: Path) -> tuple[pd.DataFrame, list[dict]]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:
        raise DataError.build(f"cannot read a store partition ({type(exc).__name__}: {exc})", path=path,
                              fix="restore the file from a backup, or delete it and fetch the board again "
                                  "(the raw responses are kept under raw/)") from None
    meta = json.loads((table.schema.metadata or {}).get(_META_KEY, b"{}") or b"{}")
    df = table.to_pandas()
    df.attrs = {}
    return _typed(df), list(meta.get("fetches") or [])


def _write_partition(path: Path, df: pd.DataFrame, log: list[dict]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrow = pa.Table.from_pandas(df, preserve_index=False)
    arrow = arrow.replace_schema_metadata({**(arrow.schema.metadata or {}),
                                           _META_KEY: json.dumps({"version": STORE_VERSION, "fetches": log}).encode()})
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        pq.write_table(arrow, tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_bytes(path: Path, data: bytes, *, exclusive: bool = False) -> None:
    """Write a file atomically (temp file in the same folder); with ``exclusive``, never replace an existing one."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        if exclusive:
            os.link(tmp, path)  # fails with FileExistsError instead of replacing
            os.unlink(tmp)
        else:
            os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

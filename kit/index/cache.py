"""The phrase index's on-disk cache: one pickle per (data key, index parameters), bounded in size.

Files live in :func:`kit.core.paths.cache_dir` and are named ``index-<key>-<lexicon hash>-<params
digest>-v<version>.pkl``. Rules:

* **Atomic**: a file is written to a temporary name in the same folder and moved into place with
  ``os.replace``, so a reader never sees half a file.
* **One writer per key**: :func:`build_lock` holds an exclusive lock file (``<name>.lock``, ``fcntl.flock``)
  while an index is built and saved; a second process building the same key waits, then finds the
  first one's file (the caller re-checks the cache after taking the lock) instead of building and
  writing it again. The lock is released when the process exits, even on a crash.
* **Bounded**: after each write the cache is trimmed to ``$KIT_CACHE_MAX_BYTES`` (default 2 GiB) by
  deleting the least recently used index files (a file's modification time is refreshed each time it is
  read, so it counts as "last used"). The file just written is kept even if alone it is over the cap.

:func:`cache_info` and :func:`clear_cache` back ``kit cache info`` / ``kit cache clear``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from kit.core.errors import DataError
from kit.core.paths import cache_dir
from kit.index.model import PhraseIndex
from kit.index.tokenize import lengths_and_ends

__all__ = [
    "DEFAULT_MAX_BYTES",
    "build_lock",
    "cache_info",
    "cache_path",
    "clear_cache",
    "load_index",
    "max_bytes",
    "save_index",
    "trim_cache",
]

_CACHE_FORMAT = 1
DEFAULT_MAX_BYTES = 2 * 2**30
_PATTERN = "index-*.pkl"


def max_bytes() -> int:
    """The cache's size cap: ``$KIT_CACHE_MAX_BYTES`` (bytes; suffixes K, M, G allowed) or 2 GiB.

    Raises:
        DataError: The variable is not a non-negative size.
    """
    raw = os.environ.get("KIT_CACHE_MAX_BYTES", "").strip()
    if not raw:
        return DEFAULT_MAX_BYTES
    scale = {"K": 2**10, "M": 2**20, "G": 2**30}.get(raw[-1].upper(), 1)
    number = raw[:-1] if scale > 1 else raw
    try:
        value = int(float(number) * scale)
    except ValueError:
        value = -1
    if value < 0:
        raise DataError.build(
            f"KIT_CACHE_MAX_BYTES={raw!r} is not a size",
            path="$KIT_CACHE_MAX_BYTES",
            expected="a number of bytes, optionally with K, M or G (e.g. 2G)",
            fix="set it to e.g. 2G, or unset it for the 2 GiB default",
        )
    return value


def cache_path(key: str, params: dict) -> Path:
    """The cache file of an index of data ``key`` built with ``params``."""
    digest = hashlib.blake2b(repr(sorted(params.items())).encode(), digest_size=6).hexdigest()
    safe = "".join(c for c in key if c.isalnum() or c in "-_")[:64]
    return cache_dir() / f"index-{safe}-{params['lexicon_hash']}-{digest}-v{params['version']}.pkl"


@contextlib.contextmanager
def build_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``<path>.lock`` (waits for another holder); no-op where locks are unavailable."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: atomic replace still keeps files whole
        yield
        return
    lock = path.with_name(path.name + ".lock")
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:  # a read-only cache folder: build without the lock (nothing will be written)
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def save_index(index: PhraseIndex, path: Path, *, cap: int | None = None) -> None:
    """Write ``index`` to ``path`` atomically, then trim the cache to ``cap`` (default :func:`max_bytes`)."""
    payload = {
        "format": _CACHE_FORMAT,
        "key": index.key,
        "params": index.params,
        "posting_ids": None if index.posting_ids is None else index.posting_ids.to_numpy(dtype=object),
        "lexicon": index.lexicon,
        "phrases": index.phrases,
        "ngrams": index.ngrams,
        "vocabulary": "\n".join(index.vocabulary.tolist()),
        "n_vocabulary": len(index.vocabulary),
        "doc_lengths": index.doc_lengths,
    }
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(payload, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    trim_cache(max_bytes() if cap is None else cap, keep=path)


def load_index(path: Path, key: str, params: dict) -> PhraseIndex | None:
    """The index cached in ``path`` if it was built for ``key`` and ``params`` (else None); marks it used."""
    try:
        with open(path, "rb") as fh:
            payload = pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError):
        return None
    if not isinstance(payload, dict) or payload.get("format") != _CACHE_FORMAT:
        return None
    if payload.get("key") != key or payload.get("params") != params:
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # least-recently-used order: reading counts as using
    vocab = payload["vocabulary"].split("\n") if payload["n_vocabulary"] else []
    vocabulary = np.array(vocab, dtype=object)
    ids = payload["posting_ids"]
    return PhraseIndex(
        posting_ids=None if ids is None else pd.Index(ids, dtype="string"),
        lexicon=payload["lexicon"],
        phrases=payload["phrases"],
        ngrams=payload["ngrams"],
        vocabulary=vocabulary,
        ngram_lengths=lengths_and_ends(vocabulary)[0],
        doc_lengths=payload["doc_lengths"],
        key=key,
        params=params,
    )


def _entries(folder: Path) -> list[tuple[Path, int, float]]:
    out = []
    for path in folder.glob(_PATTERN):
        try:
            st = path.stat()
        except OSError:  # removed meanwhile by another process
            continue
        out.append((path, st.st_size, st.st_mtime))
    return out


def trim_cache(cap: int, *, keep: Path | None = None) -> list[Path]:
    """Delete least-recently-used index files until the cache is at most ``cap`` bytes; returns the deleted files."""
    entries = sorted(_entries(cache_dir()), key=lambda e: e[2])  # oldest use first
    total = sum(size for _, size, _ in entries)
    removed = []
    for path, size, _ in entries:
        if total <= cap:
            break
        if keep is not None and path == keep:
            continue
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed.append(path)
        total -= size
    return removed


def cache_info() -> pd.DataFrame:
    """The cached index files, most recently used first: ``[file, bytes, last_used]``.

    ``attrs``: ``folder``, ``total_bytes``, ``max_bytes``.
    """
    folder = cache_dir()
    entries = sorted(_entries(folder), key=lambda e: -e[2])
    df = pd.DataFrame(
        {
            "file": pd.array([p.name for p, _, _ in entries], dtype="string"),
            "bytes": pd.array([s for _, s, _ in entries], dtype="Int64"),
            "last_used": pd.to_datetime([m for _, _, m in entries], unit="s", utc=True),
        }
    )
    df.attrs.update(folder=str(folder), total_bytes=int(sum(s for _, s, _ in entries)), max_bytes=max_bytes())
    return df


def clear_cache() -> int:
    """Delete every cached index file (and temporary files older than an hour); returns the index files deleted.

    Lock files stay: another process may hold one while it builds.
    """
    folder = cache_dir()
    count = 0
    for path in folder.glob(_PATTERN):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            count += 1
    for path in folder.glob("index-*.pkl.*.tmp"):  # left by a killed writer; a live writer's is recent
        with contextlib.suppress(OSError):
            if time.time() - path.stat().st_mtime > 3600:
                path.unlink()
    return count

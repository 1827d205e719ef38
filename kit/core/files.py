"""File helpers used everywhere the kit writes or fingerprints files: one atomic write, one fingerprint.

Every file the kit writes (reports, manifests, the index cache, kit Parquet, the sample) goes through
:func:`atomic_write`, so a reader sees the old file or the new one, never half of it, and an interrupt leaves
no temp file behind. :func:`file_fingerprint` is the one content hash of a set of files (rule files, code,
data files) that decides whether a saved result is still valid.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable
from os import PathLike
from pathlib import Path

__all__ = ["atomic_write", "file_fingerprint"]


def atomic_write(path: str | PathLike, data: str | bytes | None = None, *,
                 write: Callable[[Path], object] | None = None, mode: int = 0o644, fsync: bool = True) -> Path:
    """Write ``path`` atomically: into a temp file in the same folder, then ``os.replace``.

    Args:
        path: Destination; its folder is created.
        data: Text (written as UTF-8) or bytes. Give either ``data`` or ``write``.
        write: A function that writes the temp file it is given (for writers that take a path, e.g.
            ``pyarrow.parquet.write_table``).
        mode: File permissions of the result (``mkstemp`` makes 0600; kit outputs are meant to be shared).
        fsync: Flush ``data`` to disk before the rename.

    Returns:
        ``Path(path)``.
    """
    if (data is None) == (write is None):
        raise TypeError("atomic_write needs exactly one of data= or write=")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(name)
    try:
        if write is None:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data.encode("utf-8") if isinstance(data, str) else data)
                if fsync:
                    fh.flush()
                    os.fsync(fh.fileno())
        else:
            os.close(fd)
            write(tmp)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def file_fingerprint(paths: Iterable[str | PathLike]) -> str:
    """A 16-hex-digit hash of the names and contents of ``paths`` (a missing file counts as "missing").

    Files are read in 1 MiB chunks, so large data files are hashed without being held in memory.

    Args:
        paths: The files whose contents decide a result (rule files, the code that applies them, data files).

    Returns:
        A digest that changes whenever any of the files changes.
    """
    h = hashlib.sha256()
    for path in paths:
        path = Path(path)
        h.update(path.name.encode() + b"\0")
        try:
            with open(path, "rb") as fh:
                for chunk in iter(lambda fh=fh: fh.read(1 << 20), b""):
                    h.update(chunk)
        except OSError:
            h.update(b"<missing>")
        h.update(b"\0")
    return h.hexdigest()[:16]

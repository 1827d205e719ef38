"""Give memory freed by a finished step back to the operating system between the big steps of a load.

Arrow's allocator (mimalloc) and glibc keep freed pages for reuse; between the big steps of a load nothing reuses
them soon, so they only add to the process's resident size (its peak is then one step's arrays plus what the steps
before it left). :func:`release_memory` hands them back; both calls take well under a millisecond.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from typing import Any

import pyarrow as pa

__all__ = ["release_memory"]


@functools.cache
def _malloc_trim() -> Any:
    """The C library's ``malloc_trim`` (glibc; None elsewhere: macOS, musl, Windows)."""
    name = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    except OSError:  # pragma: no cover - (no loadable C library)
        return None


def release_memory() -> None:
    """Give the memory freed by the last step back to the system (Arrow's pool and C malloc), not only to the pool."""
    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)

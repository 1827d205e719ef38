"""Run one pure function in a second process while this one keeps working (the machine has more than one core).

:func:`start` submits ``fn(*args)`` to a fresh single-worker process (``spawn``: no fork of a process holding
Arrow's thread pool) and returns a :class:`Background` whose :meth:`~Background.result` waits for it. When a
second process is not wanted (the default: ``KIT_WORKERS`` unset or 1; set ``KIT_WORKERS=2`` to use one), there
is only one CPU, or the worker cannot be started or fails, the function simply runs in this process when the
result is asked for: the answer is the same either way, only the wall
time differs. Only small inputs and outputs should travel (they are pickled through a pipe).

Why opt-in: the worker pays ~1 s of CPU to import pandas and the kit; on the shared 2-core development machine
(load average 4-10 from other jobs) that did not pay back (30k postings: 7.7-12.5 s with the worker against
8.5-8.9 s without), so it is there for machines with idle cores.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

__all__ = ["Background", "start", "workers_allowed"]


def workers_allowed() -> bool:
    """Whether a second process may be used (``KIT_WORKERS`` >= 2 and more than one CPU available)."""
    try:
        if int(os.environ.get("KIT_WORKERS", "1").strip() or 1) < 2:
            return False
    except ValueError:
        return False
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return cpus > 1


class Background:
    """A function running in another process (or deferred to this one); :meth:`result` gives its value."""

    def __init__(self, fn: Callable[..., Any], args: tuple, pool: ProcessPoolExecutor | None,
                 future: Future | None) -> None:
        self._fn, self._args, self._pool, self._future = fn, args, pool, future

    def result(self) -> Any:
        """The function's value (computed here if the worker was not used or failed)."""
        try:
            if self._future is not None:
                try:
                    return self._future.result()
                except Exception:  # a worker that died or could not import: compute here, same answer
                    pass
            return self._fn(*self._args)
        finally:
            self.close()

    def close(self) -> None:
        """Stop the worker (cancelling the call if it has not started)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


def start(fn: Callable[..., Any], *args: Any) -> Background:
    """Start ``fn(*args)`` in a second process when one may be used (see :func:`workers_allowed`).

    Args:
        fn: A module-level (picklable) pure function.
        *args: Its picklable arguments.

    Returns:
        A :class:`Background`; call ``result()`` once.
    """
    if not workers_allowed():
        return Background(fn, args, None, None)
    try:
        pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        future = pool.submit(fn, *args)
    except (OSError, RuntimeError, ValueError):
        return Background(fn, args, None, None)
    return Background(fn, args, pool, future)

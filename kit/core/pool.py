"""A process pool that stops cleanly: workers ignore Ctrl-C; leaving the block by an error or interrupt ends them.

``concurrent.futures.ProcessPoolExecutor`` on its own lets a terminal's Ctrl-C reach every worker (each prints a
traceback) and, on the way out of its ``with`` block, waits for the running tasks to finish. :func:`worker_pool`
starts the workers with SIGINT ignored (the caller's process receives the interrupt and decides) and, when the block
is left by an exception (``KeyboardInterrupt`` included), cancels what is queued and terminates the workers at once.
"""

from __future__ import annotations

import multiprocessing as mp
import signal
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

__all__ = ["worker_pool"]


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextmanager
def worker_pool(workers: int, *, preload: Sequence[str] = (), max_tasks_per_child: int | None = None
                ) -> Iterator[ProcessPoolExecutor]:
    """A forkserver ``ProcessPoolExecutor`` of ``workers`` processes (see the module docstring).

    Args:
        workers: Worker processes.
        preload: Modules the fork server imports once, so each worker starts with them imported.
        max_tasks_per_child: Replace a worker after this many tasks (None: never), e.g. 1 to give each task's memory
            back to the system.

    Yields:
        The executor.
    """
    ctx = mp.get_context("forkserver")
    if preload:
        ctx.set_forkserver_preload(list(preload))
    pool = ProcessPoolExecutor(max_workers=max(1, int(workers)), mp_context=ctx, initializer=_ignore_sigint,
                               max_tasks_per_child=max_tasks_per_child)
    try:
        yield pool
    except BaseException:
        processes = list((getattr(pool, "_processes", None) or {}).values())  # the stdlib keeps them by pid
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=10)
        raise
    else:
        pool.shutdown(wait=True)

"""The "dask" backend of the counting seam: ``count_partition`` on a ``dask.distributed`` cluster.

Optional: needs the ``swimlanes-kit[dask]`` extra (``dask[distributed]``); this module is imported
only when the backend is asked for, and says so clearly when the extra is missing.

Which cluster: the ``client`` passed in, else a client connected to ``$KIT_DASK_SCHEDULER``
(``tcp://host:8786``), else the current default client (``distributed.get_client``), else a
``LocalCluster`` on this machine (started once per process and reused).

What travels over the network: for a pandas frame, each partition's description texts go to a
worker (``client.scatter``), and each partition's counts come back (a sparse int32 matrix of the
n-grams kept in that partition, their strings, the lexicon counts and token counts), about the
size of the text or less. For a Dask DataFrame (for instance ``dask.dataframe.read_parquet`` of a
posting store on shared or object storage) the workers read their own partitions, so the texts
never pass through the client; only the counts do, plus the ``posting_id`` column. The merge (vocabulary
union, stacking, ``min_df`` pruning) runs on the client.
"""

from __future__ import annotations

import os

from kit.core.errors import DataError
from kit.index.counting import count_partition

__all__ = ["cluster_threads", "frame_ids", "frame_key", "get_client", "run_dask"]

_LOCAL: dict = {}


def _require():
    try:
        import dask  # noqa: F401
        import distributed
    except ImportError as exc:
        raise DataError.build(
            "the 'dask' index backend needs Dask, which is not installed",
            path="backend='dask'",
            expected="the optional extra swimlanes-kit[dask] (dask[distributed])",
            fix="pip install 'swimlanes-kit[dask]' (or use backend='local' / 'processes')",
        ) from exc
    return distributed


def get_client(client=None):
    """The ``dask.distributed.Client`` to count on (see the module docstring for the order tried).

    Raises:
        DataError: Dask is not installed, or ``$KIT_DASK_SCHEDULER`` cannot be reached.
    """
    distributed = _require()
    if client is not None:
        return client
    address = os.environ.get("KIT_DASK_SCHEDULER", "").strip()
    if address:
        known = _LOCAL.get(address)
        if known is not None and known.status == "running":
            return known  # one connection per scheduler and process, reused by every build
        try:
            _LOCAL[address] = distributed.Client(address, timeout="10s", set_as_default=False)
            return _LOCAL[address]
        except (OSError, TimeoutError) as exc:
            raise DataError.build(
                f"cannot reach the Dask scheduler at {address!r}: {exc}",
                path="$KIT_DASK_SCHEDULER",
                expected="the address of a running dask scheduler, e.g. tcp://10.0.0.5:8786",
                fix="start the scheduler (dask scheduler) or unset KIT_DASK_SCHEDULER to index locally",
            ) from exc
    try:
        return distributed.get_client()
    except ValueError:  # no default client: a local cluster, once per process
        if "client" not in _LOCAL:
            cluster = distributed.LocalCluster(processes=True, dashboard_address=None)
            _LOCAL["client"] = distributed.Client(cluster, set_as_default=False)
        return _LOCAL["client"]


def cluster_threads(client=None) -> int:
    """Threads across the cluster's workers (at least 1): how many partitions it counts at once.

    Args:
        client: A ``dask.distributed.Client`` (default: :func:`get_client`).
    """
    try:
        return max(1, sum(get_client(client).nthreads().values()))
    except (OSError, TimeoutError, AttributeError):  # a cluster that cannot say: one at a time
        return 1


def run_dask(partitions: list, params, *, client=None, folder=None, **_options) -> list:
    """Run :func:`kit.index.counting.count_partition` over ``partitions`` on the cluster, results in order.

    Args:
        partitions: Lists of texts, or ``dask.delayed`` objects yielding them (a Dask DataFrame
            column's ``to_delayed()``).
        params: The :class:`kit.index.counting.CountParams`.
        client: A ``dask.distributed.Client`` (default: :func:`get_client`).
        folder: Spill: write each partition's counts to a file in this folder as it arrives (and let the
            cluster forget it), so the client holds one partition's counts at a time; the files' paths are
            returned instead of the counts (merge them with :func:`kit.index.spill.merge_spilled`).

    Returns:
        One :class:`kit.index.counting.PartitionCounts` per partition (with ``folder``: one file path each).
    """
    client = get_client(client)
    import dask
    from dask.delayed import Delayed

    partitions = list(partitions)
    delayed = bool(partitions) and isinstance(partitions[0], Delayed)
    count = dask.delayed(count_partition, pure=True)
    if folder is None:
        if delayed:
            futures = client.compute([count(p, params) for p in partitions])
        else:
            data = client.scatter(list(partitions))
            futures = client.map(count_partition, data, params=params, pure=False)
            del data  # the cluster keeps the scattered texts only while a count still needs them
        return client.gather(futures)
    return _spill(client, partitions, params, folder, delayed=delayed, count=count)


def _spill(client, partitions: list, params, folder, *, delayed: bool, count) -> list[str]:
    """Counts to files as they arrive; texts sent a few partitions ahead of the cluster (not all at once)."""
    from itertools import islice

    from distributed import as_completed

    from kit.index.spill import part_paths, write_part

    paths = part_paths(folder, len(partitions))
    # the client's own texts go out at most a window ahead (two per thread, plus two queued for work stealing):
    # serialized copies of every partition would otherwise sit in the client's memory at once
    window = len(partitions) if delayed else 2 * cluster_threads(client) + 2
    todo = iter(range(len(partitions)))
    running: dict = {}
    queue = as_completed(loop=client.loop)

    def submit(i: int) -> None:
        if delayed:
            future = client.compute(count(partitions[i], params))
        else:
            [data] = client.scatter([partitions[i]])
            future = client.submit(count_partition, data, params, pure=False)
        running[future.key] = (i, future)
        queue.add(future)

    try:
        for i in islice(todo, window):
            submit(i)
        for future in queue:
            i, _ = running.pop(future.key)
            write_part(future.result(), paths[i])
            future.release()  # the worker may drop this result now
            nxt = next(todo, None)
            if nxt is not None:
                submit(nxt)
    finally:
        client.cancel([f for _, f in running.values()])
    return paths


def frame_key(ddf) -> str:
    """A data key for a Dask DataFrame: its deterministic Dask token (same files and graph, same key)."""
    from dask.base import tokenize

    return "dask-" + tokenize(ddf)[:16]


def frame_ids(ddf, *, client=None):
    """The ``posting_id`` column of a Dask DataFrame as a string index, or None (positional rows)."""
    import pandas as pd

    if "posting_id" not in ddf.columns:
        return None
    col = ddf["posting_id"]
    values = get_client(client).compute(col).result()
    ids = pd.Index(pd.Series(values).astype("string"))
    if ids.hasnans or not ids.is_unique:
        return None
    return ids

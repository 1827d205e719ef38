"""The index on a Dask cluster: 2 workers, 3 equal workers, and 3 workers of which one runs at half speed (a straggler).

Figures (issue 13, item 5), each the median of 3 builds per configuration, interleaved (local, 2 workers, 3 equal,
3 with a straggler, local, ...) in one interpreter, clusters started beforehand (start-up not timed):

* ``index build on Dask LocalCluster, 2 workers`` - ``build_index(backend="dask")`` on a 2-worker ``LocalCluster``
  (one thread per worker process) against the local backend in the same interpreter.
* ``... 3 equal workers`` - the same on 3 workers (the machine has 2 cores, so 3 workers share them).
* ``... 3 workers, one at half speed`` - the same on 3 workers where worker ``2`` is a straggler. Baselines: the 3
  equal workers (what the straggler costs) and, in the note, local.

**How "half speed" is simulated.** On a shared 2-core machine a worker cannot be given half a core, so the slow
worker does the same work and then waits as long again: a worker plugin (:class:`Straggler`, registered on that
cluster only) replaces ``kit.index.counting.count_partition`` in the slow worker's process with a wrapper that times
the real call and then sleeps for that wall time (``factor - 1`` times it; factor 2). The client's code is untouched:
Dask sends the function by reference and the slow worker resolves it to the wrapper. Sleeping frees the core, as a
slower machine would not take a core from its neighbours. The note says how many partitions the slow worker counted
(Dask's work stealing moves queued partitions away from it).

Every Dask index is checked equal to the local one (vocabulary and both matrices). The corpus is
:func:`benchmarks.bench_index.corpus` (100k postings; 20k with ``--quick``; with ``--full`` also 300k: Dask at 1M
held the texts, the partitions' counts and the in-memory merge at once; since the client spills, ``--full`` also
builds 1M once on 2 workers and once locally, with the client's and the workers' peak memory).
"""

from __future__ import annotations

import time

from benchmarks.bench_index import corpus
from benchmarks.common import OPTIONS, result, run_isolated

SLOW_WORKER = 2
FACTOR = 2.0

try:  # the plugin class must be importable by the workers (this module is on their path)
    from distributed import WorkerPlugin
except ImportError:  # pragma: no cover - without the dask extra the benchmark reports "not installed"
    WorkerPlugin = object


class Straggler(WorkerPlugin):
    """Makes one worker ``factor`` times slower at counting partitions (see the module docstring)."""

    name = "kit-straggler"

    def __init__(self, slow=SLOW_WORKER, factor: float = FACTOR):
        """Slow down the worker named ``slow`` by ``factor``."""
        self.slow, self.factor = slow, factor

    def setup(self, worker):
        """Swap in the slowed ``count_partition`` on the slow worker only."""
        if str(worker.name) != str(self.slow):
            return
        import kit.index.counting as counting

        original, factor = counting.count_partition, self.factor
        calls = {"n": 0, "slept": 0.0}

        def count_partition(texts, params):
            t0 = time.perf_counter()
            out = original(texts, params)
            pause = (factor - 1) * (time.perf_counter() - t0)
            time.sleep(pause)
            calls["n"] += 1
            calls["slept"] += pause
            return out

        count_partition.__module__, count_partition.__qualname__ = original.__module__, original.__qualname__
        count_partition.straggler_calls = calls
        self._original = original
        counting.count_partition = count_partition

    def teardown(self, worker):
        """Put the real function back."""
        if getattr(self, "_original", None) is not None:
            import kit.index.counting as counting

            counting.count_partition = self._original


_CODE = (
    "import time, statistics\nimport pandas as pd\n"
    "from distributed import Client, LocalCluster\n"
    "from kit.index.lookup import build_index, clear_memory\n"
    "from benchmarks.bench_dask import Straggler\n"
    "df = pd.read_parquet({path!r})\n"
    "def cluster(n, plugin=None):\n"
    "    c = Client(LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None))\n"
    "    if plugin is not None:\n"
    "        c.register_plugin(plugin)\n"
    "    c.run(lambda: __import__('kit.index.counting'))\n"
    "    return c\n"
    "clients = {{'dask2': cluster(2), 'dask3': cluster(3), 'straggler': cluster(3, Straggler())}}\n"
    "times = {{k: [] for k in ['local', *clients]}}\n"
    "import kit.index.counting as counting\n"
    "phase = {{}}; current = ['local']\n"
    "def timed(fn, label):\n"
    "    def wrapper(*a, **k):\n"
    "        t0 = time.perf_counter()\n"
    "        try:\n"
    "            return fn(*a, **k)\n"
    "        finally:\n"
    "            phase.setdefault((current[0], label), []).append(time.perf_counter() - t0)\n"
    "    return wrapper\n"
    "counting.run_map = timed(counting.run_map, 'map')\n"
    "seen_parts = {{}}\n"
    "_map = counting.run_map\n"
    "def counted(backend, parts, *a, **k):\n"
    "    seen_parts[current[0]] = seen_parts.get(current[0], 0) + len(parts)\n"
    "    return _map(backend, parts, *a, **k)\n"
    "counting.run_map = counted\n"
    "counting.merge_partitions = timed(counting.merge_partitions, 'merge')\n"
    "def same(a, b):\n"
    "    return a.vocabulary.tolist() == b.vocabulary.tolist() and (a.ngrams != b.ngrams).nnz == 0 "
    "and (a.lexicon != b.lexicon).nnz == 0\n"
    "equal = {{}}\n"
    "for _ in range({repeat}):\n"
    "    current[0] = 'local'\n"
    "    clear_memory(); t = time.perf_counter(); ref = build_index(df, cache=False, backend='local')\n"
    "    times['local'].append(time.perf_counter() - t)\n"
    "    for name, client in clients.items():\n"
    "        current[0] = name; clear_memory(); t = time.perf_counter()\n"
    "        got = build_index(df, cache=False, backend='dask', client=client)\n"
    "        times[name].append(time.perf_counter() - t)\n"
    "        equal[name] = equal.get(name, True) and same(ref, got)\n"
    "        del got\n"
    "def _calls():\n"
    "    import kit.index.counting as c\n"
    "    return getattr(c.count_partition, 'straggler_calls', None)\n"
    "slow = [v for v in clients['straggler'].run(_calls).values() if v]\n"

    "for c in clients.values():\n"
    "    c.cluster.close(); c.close()\n"
    "emit(seconds={{k: statistics.median(v) for k, v in times.items()}}, runs=times, equal=equal,\n"
    "     slow_calls=slow[0]['n'] if slow else 0, slept=slow[0]['slept'] if slow else 0.0,\n"
    "     partitions=seen_parts.get('straggler', 0), rows=len(df),\n"
    "     phases={{f'{{k[0]}} {{k[1]}}': statistics.median(v) for k, v in phase.items()}})\n"
)


def _label(n: int) -> str:
    return f"{n // 1000}k"


def _dask(n: int, repeat: int) -> list[dict]:
    try:
        import distributed  # noqa: F401
    except ImportError:
        return [result("index build on Dask (straggler)", None, "s", goal="dask not installed")]
    got = run_isolated(_CODE.format(path=str(corpus(n)), repeat=repeat), timeout=3 * 3600)
    s, runs, equal, label = got["seconds"], got["runs"], got["equal"], _label(n)
    straggled = (f"the slow worker counted {got['slow_calls']} of {got['partitions']} partitions and waited "
                 f"{got['slept']:.1f} s in all; local {s['local']:.2f} s")
    print(f"  dask ({label}): " + ", ".join(f"{k} {v:.2f} s" for k, v in s.items()) + f"; {straggled}", flush=True)
    print("  median seconds of the map (counting, on the workers, transfers included) and the merge (client): "
          + ", ".join(f"{k} {v:.2f}" for k, v in got["phases"].items()), flush=True)
    return [
        result(f"index build on Dask LocalCluster, 2 workers ({label} postings)", s["dask2"], "s",
               baseline_name="local backend, same process", baseline_value=s["local"], goal="equal to local",
               met=bool(equal["dask2"]), runs=runs["dask2"], baseline_runs=runs["local"],
               note=f"indexes equal: {equal['dask2']}", phases=got["phases"]),
        result(f"index build on Dask LocalCluster, 3 equal workers ({label} postings)", s["dask3"], "s",
               baseline_name="local backend, same process", baseline_value=s["local"], goal="equal to local",
               met=bool(equal["dask3"]), runs=runs["dask3"], baseline_runs=runs["local"],
               note=f"indexes equal: {equal['dask3']}; 3 worker processes share 2 cores"),
        result(f"index build on Dask, 3 workers, one at half speed ({label} postings)", s["straggler"], "s",
               baseline_name="3 equal workers, same process", baseline_value=s["dask3"], goal="equal to local",
               met=bool(equal["straggler"]), runs=runs["straggler"], baseline_runs=runs["dask3"],
               note=f"indexes equal: {equal['straggler']}; {straggled}"),
    ]


#: one build at 1M (``--full``): the local backend, or Dask on a 2-worker LocalCluster (spilled on the client: above
#: SPILL_ROWS); peak RSS of this process (the client) and of each worker process
_ONE = (
    "import time\nimport pandas as pd\n"
    "from kit.index.lookup import build_index\n"
    "from benchmarks.common import own_peak_rss\n"
    "df = pd.read_parquet({path!r})\n"
    "client = None\n"
    "if {backend!r} == 'dask':\n"
    "    from distributed import Client, LocalCluster\n"
    "    client = Client(LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None))\n"
    "    client.run(lambda: __import__('kit.index.counting'))\n"
    "t = time.perf_counter()\n"
    "idx = build_index(df, cache=False, backend={backend!r}, client=client)\n"
    "seconds = time.perf_counter() - t\n"
    "workers = 0\n"
    "if client is not None:\n"
    "    peaks = client.run(own_peak_rss)  # (each worker's own: ru_maxrss would count this process's size in)\n"
    "    workers = sum(peaks.values())\n"
    "    client.cluster.close(); client.close()\n"
    "import hashlib\n"
    "h = hashlib.sha256(repr(idx.vocabulary.tolist()).encode())\n"
    "for m in (idx.ngrams, idx.lexicon):\n"
    "    m.sort_indices(); [h.update(a.tobytes()) for a in (m.indptr, m.indices, m.data)]\n"
    "emit(seconds=seconds, workers_rss=workers, digest=h.hexdigest(), rows=len(df))\n"
)


def _million() -> list[dict]:
    """Dask (2 workers) against local at 1M postings, one build each in a fresh process (``--full``)."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        return [result("index build on Dask LocalCluster, 2 workers (1M postings)", None, "s",
                       goal="dask not installed")]
    path = str(corpus(1_000_000))
    local = run_isolated(_ONE.format(path=path, backend="local"), timeout=3 * 3600)
    dask = run_isolated(_ONE.format(path=path, backend="dask"), timeout=3 * 3600)
    same = local["digest"] == dask["digest"]
    print(f"  dask (1M): 2 workers {dask['seconds']:.1f} s, local {local['seconds']:.1f} s; client peak "
          f"{dask['peak_rss'] / 2**30:.2f} GiB (local {local['peak_rss'] / 2**30:.2f}), workers "
          f"{dask['workers_rss'] / 2**30:.2f} GiB; equal {same}", flush=True)
    return [
        result("index build on Dask LocalCluster, 2 workers (1M postings)", dask["seconds"], "s",
               baseline_name="local backend (spilled), fresh process", baseline_value=local["seconds"],
               goal="equal to local", met=same, runs=[dask["seconds"]], baseline_runs=[local["seconds"]],
               note=f"one run each; index digests equal: {same}; cluster start not timed"),
        result("Dask client peak memory, 2 workers (1M postings)", dask["peak_rss"], "bytes",
               baseline_name="local backend (spilled), peak memory", baseline_value=local["peak_rss"],
               goal="equal to local", met=same,
               note=f"the client spills each partition's counts as they arrive; the two workers peaked at "
                    f"{dask['workers_rss'] / 2**30:.2f} GiB together"),
    ]


def run(quick: bool) -> list[dict]:
    """Dask 2 workers, 3 equal workers and 3 with a straggler, against local (and 300k, 1M with ``--full``)."""
    out = _dask(20_000 if quick else 100_000, repeat=3)
    if OPTIONS.get("full") and not quick:
        out += _dask(300_000, repeat=3)
        out += _million()
    return out

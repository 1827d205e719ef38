"""Past memory: a postings file loaded and indexed out of core, time and peak memory against ``pandas.read_csv``.

Figures (issue 13, items 2 and 5):

* ``load + index (N postings, out of core)`` - wall time of :func:`kit.load.partitioned.load_postings_partitioned`
  (the file in company partitions, a worker process per core, the same table as ``load_postings``) followed by
  :func:`kit.index.lookup.build_index` with ``spill=True`` (partitions counted by a process per core, spilled to a
  temporary folder, merged in two passes: the same index) on the same file. Baseline: ``pandas.read_csv`` of the
  same file alone (it only parses), in the same run. Goal at 1M postings: <= 300 s.
* ``load + index peak memory (N postings, out of core)`` - the peak of the summed resident memory of the process
  and all its worker processes (sampled every 50 ms with psutil; shared pages are counted once per process, so this
  overstates), against ``read_csv``'s peak RSS (one process). Goal at 1M postings: <= 6 GiB.

Each run is a fresh subprocess, baseline and kit interleaved. The default size is 100k postings (median of 3); with
``--full`` also 1M postings (one run each: a run takes minutes); ``--quick`` uses 20k. The note gives the seconds
and peak memory of the load and the index phases apart. The corpus is
:func:`benchmarks.bench_load.corpus` (``write_corpus``, seed 11: reposts, HTML and markdown descriptions).
"""

from __future__ import annotations

import statistics

from benchmarks.bench_load import corpus
from benchmarks.common import OPTIONS, interleaved, result

GB = 2**30
GOAL_SECONDS = 300.0
GOAL_BYTES = 6 * GB

#: psutil sampler of the summed RSS of this process and its children, per phase (``_phase[0]``).
_SAMPLER = (
    "import threading, time, psutil\n"
    "_me = psutil.Process(); _phase = ['start']; _peaks = {{}}\n"
    "def _tree():\n"
    "    total = 0\n"
    "    for p in [_me] + _me.children(recursive=True):\n"
    "        try:\n"
    "            total += p.memory_info().rss\n"
    "        except psutil.Error:\n"
    "            pass\n"
    "    return total\n"
    "def _sample():\n"
    "    while True:\n"
    "        r = _tree(); _peaks[_phase[0]] = max(_peaks.get(_phase[0], 0), r); time.sleep(0.05)\n"
    "threading.Thread(target=_sample, daemon=True).start()\n"
)
_BASELINE = (
    _SAMPLER + "import pandas as pd\n"
    "t = time.perf_counter()\ndf = pd.read_csv({path!r})\n"
    "emit(seconds=time.perf_counter() - t, rows=len(df), tree_peak=max(_peaks.values()))\n"
)
_KIT = (
    _SAMPLER + "from kit.load.partitioned import load_postings_partitioned\nfrom kit.index.lookup import build_index\n"
    "import kit.load.partitioned as _lp, kit.index.spill as _sp\n"
    "_steps = {{}}\n"
    "def _timed(module, name, label):\n"
    "    fn = getattr(module, name)\n"
    "    def wrapper(*a, **k):\n"
    "        t0 = time.perf_counter()\n"
    "        try:\n"
    "            return fn(*a, **k)\n"
    "        finally:\n"
    "            _steps[label] = _steps.get(label, 0.0) + time.perf_counter() - t0\n"
    "    setattr(module, name, wrapper)\n"
    "for _m, _n, _l in {steps!r}:\n"
    "    _timed(_lp if _m == 'load' else _sp, _n, _l)\n"
    "if __name__ == '__main__':\n"
    "    t = time.perf_counter(); _phase[0] = 'load'\n"
    "    df = load_postings_partitioned({path!r})\n"
    "    load_s = time.perf_counter() - t; _phase[0] = 'index'\n"
    "    idx = build_index(df, cache=False, backend='processes', spill=True)\n"
    "    seconds = time.perf_counter() - t; _phase[0] = 'end'; time.sleep(0.2)\n"
    "    emit(seconds=seconds, load_s=load_s, index_s=seconds - load_s, rows=len(df), nnz=int(idx.ngrams.nnz),\n"
    "         columns=int(idx.ngrams.shape[1]), tree_peak=max(_peaks.values()), load_peak=_peaks.get('load', 0),\n"
    "         index_peak=_peaks.get('index', 0), steps=_steps)\n"
)


#: the steps timed inside the kit run: (module, function, label)
_STEPS = (
    ("load", "_plan", "load: pass 1 (adapt chunks, partition of each row)"),
    ("load", "_write_partitions", "load: pass 2 (raw partitions to Parquet)"),
    ("load", "_load_partitions", "load: read_postings per partition (workers)"),
    ("load", "_assemble", "load: rows back in file order"),
    ("index", "count_spilled", "index: count partitions (workers) + spill"),
    ("index", "merge_spilled", "index: two-pass merge"),
)


def _label(n: int) -> str:
    return f"{n // 1000}k" if n < 1_000_000 else f"{n // 1_000_000}M"


def _scale(n: int, repeat: int) -> list[dict]:
    path = corpus(n)
    base, mine, runs = interleaved(_BASELINE.format(path=path), _KIT.format(path=path, steps=_STEPS), repeat=repeat,
                                   timeout=3 * 3600, baseline_timeout=3600)
    label, at_goal = _label(n), n >= 1_000_000
    note = (f"{int(mine['rows'])} postings kept; load {mine['load_s']:.1f} s (peak {mine['load_peak'] / GB:.2f} GiB), "
            f"index {mine['index_s']:.1f} s (peak {mine['index_peak'] / GB:.2f} GiB); {int(mine['columns'])} n-grams, "
            f"{int(mine['nnz'])} counts; {len(runs)} run(s)")
    steps = {lab: round(statistics.median(r[1]["steps"].get(lab, 0.0) for r in runs), 2) for *_, lab in _STEPS}
    print(f"  out of core ({label}): {note}", flush=True)
    print("  steps (median s): " + "; ".join(f"{k} {v:.1f}" for k, v in steps.items()), flush=True)
    return [
        result(
            f"load + index ({label} postings, out of core)",
            mine["seconds"],
            "s",
            baseline_name="pandas.read_csv (same file)",
            baseline_value=base["seconds"],
            goal=f"<= {GOAL_SECONDS:g} s at 1M" if at_goal else "(goal at 1M: --full)",
            met=mine["seconds"] <= GOAL_SECONDS if at_goal else None,
            runs=mine["runs"],
            baseline_runs=base["runs"],
            note=note,
            steps=steps,
        ),
        result(
            f"load + index peak memory ({label} postings, out of core, all processes)",
            mine["tree_peak"],
            "bytes",
            baseline_name="pandas.read_csv (same file)",
            baseline_value=base["tree_peak"],
            goal="<= 6 GiB at 1M" if at_goal else "(goal at 1M: --full)",
            met=mine["tree_peak"] <= GOAL_BYTES if at_goal else None,
        ),
    ]


def run(quick: bool) -> list[dict]:
    """Out-of-core load + index at 100k (20k with ``quick``), and at 1M with ``--full``."""
    out = _scale(20_000 if quick else 100_000, repeat=3)
    if OPTIONS.get("full") and not quick:
        out += _scale(1_000_000, repeat=1)
    return out

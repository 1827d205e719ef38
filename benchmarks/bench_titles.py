"""Title classification: the whole-list reader (kit/prepare/titles_fast.py) against the one-title reader.

Figure:

* ``classify_keys (N postings' distinct titles)`` - :func:`kit.prepare.titles.classify_keys` (what ``load_postings``
  runs on the distinct titles, in its title worker) against the one-title reader ``_classify_one`` over the same
  keys, each in a fresh subprocess (rules compiled before the clock starts, nothing memoized), interleaved (baseline,
  kit, baseline, ...); median of 3 runs. Both give the same rows (tests/test_titles_fast.py compares them value for
  value); the check is repeated here on the benchmark keys. Goal: ratio <= 0.2 (2.1 s -> 0.4 s at 100k, issue 13).

Where the time goes: one Python pass per distinct normalized title (splitting into segments, looking up memoized
segments / chunks / head parts), the Python ``re`` confirmations of what the RE2 prefilters select (requisition
codes, abbreviations), and the first sight of each distinct chunk (seniority words, level codes).

The keys are the distinct stripped, lower-cased titles of :func:`benchmarks.bench_load.corpus` (the load benchmark's
corpus, titles as written: ``load_postings`` cleans them first, so its keys differ slightly), read in each subprocess.
"""

from __future__ import annotations

from benchmarks.bench_load import corpus
from benchmarks.common import interleaved, result

GOAL_RATIO = 0.2

_SETUP = (
    "import time\nimport pandas as pd\nimport pyarrow.compute\n"
    "from kit.prepare import titles as T\n"
    "keys = T.title_keys(pd.read_csv({path!r}, usecols=['title'], dtype=str)['title'].str.replace('\\n', ' '))\n"
    "rules = T.load_title_rules()\n"
)
_BASELINE = _SETUP + (
    "t = time.perf_counter()\nrows = [T._classify_one(k, rules) for k in keys]\n"
    "emit(seconds=time.perf_counter() - t, keys=len(keys))\n"
)
_KIT = _SETUP + (
    "import kit.prepare.titles_fast\n"
    "t = time.perf_counter()\nrows = T.classify_keys(keys)\n"
    "seconds = time.perf_counter() - t\n"
    "emit(seconds=seconds, keys=len(keys), same=list(rows.values()) == [T._classify_one(k, rules) for k in keys])\n"
)


def _titles(n: int, repeat: int) -> list[dict]:
    path = corpus(n)
    base, mine, pairs = interleaved(_BASELINE.format(path=path), _KIT.format(path=path), repeat=repeat)
    same = all(p[1]["same"] for p in pairs)
    label = f"{n // 1000}k"
    ratio = mine["seconds"] / base["seconds"]
    print(f"classify_keys ({label}): {mine['seconds']:.2f} s / one-title reader {base['seconds']:.2f} s = "
          f"{ratio:.2f}x (goal <= {GOAL_RATIO:g}x); same rows: {same}", flush=True)
    return [
        result(
            f"classify_keys ({label} postings' distinct titles)",
            mine["seconds"],
            "s",
            baseline_name="_classify_one per distinct title (same keys)",
            baseline_value=base["seconds"],
            goal=f"ratio <= {GOAL_RATIO:g}",
            met=same and mine["seconds"] <= GOAL_RATIO * base["seconds"],
            runs=mine["runs"],
            baseline_runs=base["runs"],
            note=f"{int(mine['keys'])} distinct titles; same rows: {same}",
        ),
    ]


def run(quick: bool) -> list[dict]:
    """``classify_keys`` vs the one-title reader on the load corpus' distinct titles (100k; 20k with ``quick``)."""
    return _titles(20_000 if quick else 100_000, repeat=3)

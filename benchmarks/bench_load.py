"""Loading postings: ``kit.load_postings`` wall time and peak memory against ``pandas.read_csv`` of the same file.

Figures:

* ``load_postings vs read_csv (N postings)`` - :func:`kit.load_postings` on a generated ``postings.csv.gz`` (read,
  adapt, clean text, markets, de-duplicate, salaries, enrich titles / roles, conform, content key) against
  ``pandas.read_csv`` of the same file alone, each in a fresh subprocess, interleaved (baseline, kit, baseline,
  ...) so a busy machine slows both alike; median of 3 runs. The extra key ``steps`` holds the median seconds
  of each step of the kit run (printed below the table). Goal: ratio <= 3 (issue 13; see GOAL_RATIO).
* ``load_postings peak memory (N postings)`` - peak RSS of the same subprocesses (imports included). Goal:
  ratio <= 2.

Where the time goes: ``read_csv`` only parses; the kit also cleans the text (HTML pieces and distinct lines
cleaned once, the rest over byte offsets in numpy: kit/prepare/text_fast.py), classifies every distinct title
(kit/prepare/titles_fast.py: RE2 picks the titles a rule can change, segments memoized), cuts every description
into sections (lines as views on the text bytes, headings decided in RE2: kit/prepare/sections_fast.py), scans the
distinct lines of the role's own sections for role phrases in one RE2 pass (kit/prepare/signalscan.py),
de-duplicates (texts told apart by their normalized ends first, exact) and parses pay. The per-step medians
printed with the figure say which of these is left (the enrich steps are timed where ``enrich_postings`` calls
them); the CPU line says what the work itself allows: its CPU seconds (all threads) and the least wall time they
could take on two cores shared perfectly after the read (:func:`two_core_floor`). Peak memory is the load process's
own (its high-water mark: :func:`benchmarks.common.own_peak_rss`); with ``KIT_WORKERS=2`` the title worker's memory
is not in it.

The corpus is :func:`kit.sample.synthetic.write_corpus` (seed 11: ~7% reposts, 20% HTML, markdown elsewhere), written
once to ``benchmarks/out/load-<N>/postings.csv.gz`` and reused. ``--quick`` uses 20k postings.
"""

from __future__ import annotations

import statistics

from benchmarks.common import OUT_DIR, interleaved, result

SEED = 11
GOAL_RATIO = 3.0
GOAL_MEMORY_RATIO = 2.0

#: the kit's steps timed inside the subprocess (module attribute -> label)
_STEPS = (
    ("kit.load.postings", "_adapt_one", "read + adapt"),
    ("kit.load.postings", "display_names", "company names"),
    ("kit.load.postings", "_clean_text", "clean text"),
    ("kit.load.postings", "assign_markets", "markets"),
    ("kit.load.postings", "dedupe_postings", "de-duplicate"),
    ("kit.load.postings", "_salaries", "salaries"),
    # enrich_postings imported these by name: they are timed where it calls them
    ("kit.prepare.enrich", "spans_series", "enrich: sections"),
    ("kit.prepare.enrich", "classify_titles", "enrich: titles"),
    ("kit.prepare.enrich", "roles_from_text", "enrich: roles from text"),
    ("kit.load.postings", "conform", "conform"),
    # hashed on a thread while enrich runs: what is left to wait for after conform
    ("kit.load.postings", "_KeyAhead.result", "content key (wait)"),
)


def corpus(n: int) -> str:
    """The path of the benchmark ``postings.csv.gz`` with ``n`` postings (generated once)."""
    folder = OUT_DIR / f"load-{n}"
    path = folder / "postings.csv.gz"
    if not path.exists():
        from kit.sample.synthetic import write_corpus

        write_corpus(folder, n_postings=n, seed=SEED)
    return str(path)


_BASELINE = (
    "import time\nimport pandas as pd\n"
    "t = time.perf_counter()\ndf = pd.read_csv({path!r})\n"
    "emit(seconds=time.perf_counter() - t, rows=len(df))\n"
)
_KIT = (
    "import importlib, time, functools\nimport kit, kit.load.postings, kit.prepare.titles, kit.prepare.roles\n"
    "import kit.prepare.sections\n"
    "steps = {{}}\n"
    "def _timed(mod, name, label):\n"
    "    owner = importlib.import_module(mod)\n"
    "    *path, name = name.split('.')\n"
    "    for part in path:\n"
    "        owner = getattr(owner, part)\n"
    "    fn = getattr(owner, name)\n"
    "    @functools.wraps(fn)\n"
    "    def wrapper(*a, **k):\n"
    "        t0 = time.perf_counter()\n"
    "        try:\n"
    "            return fn(*a, **k)\n"
    "        finally:\n"
    "            steps[label] = steps.get(label, 0.0) + time.perf_counter() - t0\n"
    "    setattr(owner, name, wrapper)\n"
    "for _mod, _name, _label in {steps!r}:\n"
    "    _timed(_mod, _name, _label)\n"
    "c = time.process_time()\nt = time.perf_counter()\ndf = kit.load_postings({path!r})\n"
    "emit(seconds=time.perf_counter() - t, cpu=time.process_time() - c, rows=len(df), steps=steps)\n"
)


def two_core_floor(cpu: float, read: float) -> float:
    """The least wall time of a load using ``cpu`` CPU seconds on two cores when the first ``read`` s run alone.

    Reading a gzip CSV is one stream (nothing to share until it is read); everything after it counted as if it split
    perfectly over both cores, with no cost for splitting or joining. A bound, not a forecast: it says what the
    CPU work itself allows, whatever the parallel scheme.
    """
    return read + max(cpu - read, 0.0) / 2


def _load(n: int, repeat: int) -> list[dict]:
    path = corpus(n)
    base, mine, pairs = interleaved(_BASELINE.format(path=path), _KIT.format(path=path, steps=_STEPS), repeat=repeat)
    steps = {
        label: round(statistics.median(p[1]["steps"].get(label, 0.0) for p in pairs), 3) for *_, label in _STEPS
    }
    label = f"{n // 1000}k"
    ratio = mine["seconds"] / base["seconds"]
    print(f"load vs read_csv ({label}): {mine['seconds']:.2f} s / {base['seconds']:.2f} s = {ratio:.1f}x "
          f"(goal <= {GOAL_RATIO:g}x); peak memory {mine['peak_rss'] / base['peak_rss']:.2f}x "
          f"(goal <= {GOAL_MEMORY_RATIO:g}x)", flush=True)
    print("  steps (median s): " + ", ".join(f"{k} {v:.2f}" for k, v in steps.items()), flush=True)
    cpu = statistics.median(p[1]["cpu"] for p in pairs)
    floor = two_core_floor(cpu, steps["read + adapt"])
    print(f"  CPU {cpu:.2f} s (all threads); shared perfectly over two cores after the read, the load could take no "
          f"less than {floor:.2f} s = {floor / base['seconds']:.1f}x read_csv", flush=True)
    return [
        result(
            f"load_postings vs read_csv ({label} postings)",
            mine["seconds"],
            "s",
            baseline_name="pandas.read_csv (same file)",
            baseline_value=base["seconds"],
            goal=f"ratio <= {GOAL_RATIO:g}",
            met=mine["seconds"] <= GOAL_RATIO * base["seconds"],
            runs=mine["runs"],
            baseline_runs=base["runs"],
            steps=steps,
            cpu_seconds=round(cpu, 3),
            two_core_floor=round(floor, 3),
            note=f"{int(mine['rows'])} postings kept of {int(base['rows'])} rows",
        ),
        result(
            f"load_postings peak memory ({label} postings)",
            mine["peak_rss"],
            "bytes",
            baseline_name="pandas.read_csv (same file)",
            baseline_value=base["peak_rss"],
            goal=f"ratio <= {GOAL_MEMORY_RATIO:g}",
            met=mine["peak_rss"] <= GOAL_MEMORY_RATIO * base["peak_rss"],
        ),
    ]


def run(quick: bool) -> list[dict]:
    """``load_postings`` time and peak memory vs ``pandas.read_csv`` (100k postings; 20k with ``quick``)."""
    return _load(20_000 if quick else 100_000, repeat=3)

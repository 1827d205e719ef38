"""The benchmark protocol shared by every ``benchmarks/bench_*.py`` module.

A benchmark module defines ``run(quick: bool) -> list[dict]``; each dict (made with :func:`result`)
has the keys ``name, value, unit, baseline_name, baseline_value, ratio, goal``: the measured figure,
the named baseline measured *in the same run* on the same input (or None), ``ratio = value /
baseline_value``, and the goal as text ("ratio <= 1.5", "<= 100 ms"). ``quick`` asks for a smaller,
faster run (smoke test); :data:`OPTIONS` carries runner flags such as ``full`` (the slow 1M-posting
runs). Timings are medians of at least three runs (:func:`median_time`); peak memory is measured in
a fresh subprocess (:func:`run_isolated`), so imports and earlier runs do not blur it.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = Path(__file__).resolve().parent / "out"
#: Runner flags: ``full`` (include the slow, large runs).
OPTIONS: dict[str, Any] = {"full": False}
MIN_REPEAT = 3
KEYS = ("name", "value", "unit", "baseline_name", "baseline_value", "ratio", "goal")


def result(
    name: str,
    value: float,
    unit: str,
    *,
    baseline_name: str | None = None,
    baseline_value: float | None = None,
    goal: str | None = None,
    **extra: Any,
) -> dict:
    """One benchmark figure (``extra`` keys, e.g. ``met`` or ``note``, are kept after the standard ones)."""
    ratio = value / baseline_value if baseline_value not in (None, 0) and value is not None else None
    return {
        "name": name,
        "value": value,
        "unit": unit,
        "baseline_name": baseline_name,
        "baseline_value": baseline_value,
        "ratio": ratio,
        "goal": goal,
        **extra,
    }


def median_time(fn: Callable[[], Any], *, repeat: int = MIN_REPEAT, warmup: int = 1) -> tuple[float, list[float]]:
    """Median wall time in seconds of ``fn()`` over ``repeat`` (>= 3) runs after ``warmup`` runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(max(repeat, MIN_REPEAT)):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def own_peak_rss() -> int:
    """This process's own peak resident memory in bytes (its memory map's high-water mark, ``VmHWM``).

    Not ``getrusage(RUSAGE_SELF).ru_maxrss``: Linux carries the parent's high-water mark over fork + exec into
    it, so a fresh interpreter started by a large process (``make bench`` runs every benchmark in one) reported at
    least the parent's size (measured: a child of an 800 MB parent, itself 11 MB, gave 811 MB). ``ru_maxrss``
    stays the answer where there is no ``/proc`` (macOS gives it in bytes, Linux in KiB).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def run_isolated(code: str, *, timeout: float = 3600) -> dict:
    """Run Python ``code`` in a fresh interpreter and return the JSON it prints last, plus ``peak_rss``.

    The code should print one JSON object on its last stdout line (e.g. ``{"seconds": 1.2}``);
    ``peak_rss`` (bytes, the interpreter's own peak at exit: :func:`own_peak_rss`) is added.
    """
    wrapper = (
        "import json, sys\n"
        "from benchmarks.common import own_peak_rss\n"
        "_out = {}\n"
        "def emit(**kw):\n"
        "    _out.update(kw)\n"
        f"exec(compile({code!r}, '<bench>', 'exec'))\n"
        "_out['peak_rss'] = own_peak_rss()\n"
        "print(json.dumps(_out))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run(
        [sys.executable, "-c", wrapper], capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT
    )
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark subprocess failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def summarize(runs: list[dict]) -> dict:
    """The median of every numeric key over several :func:`run_isolated` results, plus ``runs`` (the seconds)."""
    out = {k: statistics.median(r[k] for r in runs) for k in runs[0] if isinstance(runs[0][k], int | float)}
    out["runs"] = [r.get("seconds") for r in runs]
    return out


def interleaved(baseline: str, mine: str, *, repeat: int = MIN_REPEAT, timeout: float = 3600,
                baseline_timeout: float | None = None) -> tuple[dict, dict, list[tuple[dict, dict]]]:
    """Baseline and kit code each in a fresh interpreter, alternately (a busy machine slows both alike).

    Returns:
        ``(summarize(baseline runs), summarize(kit runs), [(baseline run, kit run), ...])``.
    """
    pairs = [(run_isolated(baseline, timeout=baseline_timeout or timeout), run_isolated(mine, timeout=timeout))
             for _ in range(max(repeat, 1))]
    return summarize([p[0] for p in pairs]), summarize([p[1] for p in pairs]), pairs


def median_isolated(code: str, *, repeat: int = MIN_REPEAT, timeout: float = 3600) -> dict:
    """:func:`run_isolated` ``repeat`` times and :func:`summarize` the results."""
    return summarize([run_isolated(code, timeout=timeout) for _ in range(max(repeat, 1))])


def fmt(value: float | None, unit: str | None = None) -> str:
    """Human-readable figure: bytes as MB/GB, seconds as s/ms."""
    if value is None:
        return "-"
    if unit == "bytes":
        return f"{value / 2**30:.2f} GB" if value >= 2**30 else f"{value / 2**20:.0f} MB"
    if unit == "s":
        return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"
    return f"{value:.3g} {unit or ''}".strip()


def table(results: list[dict]) -> str:
    """The results as an aligned text table: figure beside its baseline, ratio and goal."""
    rows = [("benchmark", "value", "baseline", "baseline value", "ratio", "goal")]
    for r in results:
        rows.append(
            (
                r["name"],
                fmt(r["value"], r["unit"]),
                r.get("baseline_name") or "-",
                fmt(r.get("baseline_value"), r["unit"]),
                f"{r['ratio']:.2f}x" if r.get("ratio") is not None else "-",
                (r.get("goal") or "-") + ("" if r.get("met") is None else (" ok" if r["met"] else " MISSED")),
            )
        )
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)

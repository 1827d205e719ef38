"""Run every ``benchmarks/bench_*.py`` module and print / save the figures beside their baselines.

Usage: ``python -m benchmarks [--quick] [--full] [--only NAME ...]``. Results are written to
``benchmarks/out/results.json``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
import time
from pathlib import Path

from benchmarks import common


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks chosen on the command line and print each figure beside its baseline.

    Args:
        argv: Command-line arguments (default: ``sys.argv[1:]``).

    Returns:
        The process exit code.
    """
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller corpora, for a fast smoke run")
    parser.add_argument("--full", action="store_true", help="also the slow large runs (1M postings)")
    parser.add_argument("--only", nargs="*", default=None, help="module names, e.g. bench_index")
    args = parser.parse_args(argv)
    common.OPTIONS["full"] = args.full
    here = Path(__file__).resolve().parent
    names = sorted(p.stem for p in here.glob("bench_*.py"))
    if args.only:
        names = [n for n in names if n in args.only or n.removeprefix("bench_") in args.only]
    results, started = [], time.time()
    for name in names:
        print(f"== {name}", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        found = module.run(quick=args.quick)
        for r in found:
            r.setdefault("module", name)
        results.extend(found)
        print(common.table(found), flush=True)
    print("\n== all\n" + common.table(results))
    common.OUT_DIR.mkdir(parents=True, exist_ok=True)
    meta = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "seconds": round(time.time() - started, 1),
        "python": sys.version.split()[0],
        "machine": platform.platform(),
        "quick": args.quick,
        "full": args.full,
    }
    path = common.OUT_DIR / "results.json"
    if args.only and path.exists():  # a partial run replaces its own modules' figures, keeps the others
        try:
            previous = json.loads(path.read_text())["results"]
        except (ValueError, KeyError):
            previous = []
        results = [r for r in previous if r.get("module") not in names] + results
    path.write_text(json.dumps({"meta": meta, "results": results}, indent=2, default=str) + "\n")
    print(f"\nwritten {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Batch reports: ``kit report --jobs 2`` against the naive loop, on the bundled sample.

Figures (issue 5, item 6):

* ``kit report --jobs 2 (N companies)`` - wall time of the CLI in a subprocess, from nothing (empty
  output folder, empty ``KIT_CACHE_DIR``), against the *naive loop*: for each company, the
  ``papermill`` CLI then ``jupyter nbconvert --to html``, one after another, also from an empty
  cache. Same notebook, same companies, same machine, same run. Goal: ratio <= 1/3 (3x faster).
* The breakdown of both: the naive loop's mean papermill and nbconvert seconds per report, and
  ``kit report``'s parent load + enrich, key figures (which builds the phrase index once), worker
  pool wall time, and the mean per-report kernel / execute / export seconds in the warm workers
  (read from ``<out>/.work/last_run.json``).

N = 15 companies (the 15 with the most PM-T/TPM postings), 3 with ``quick``. One run of each (the
naive loop alone takes minutes); the figures are wall times on a shared machine, so compare the
ratio, not the seconds.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import ROOT, result

BIN = Path(sys.executable).parent
NOTEBOOK = ROOT / "notebooks" / "company_report.ipynb"


def _companies(n: int) -> list[str]:
    import kit
    from kit.prepare.companies import company_labels

    df = kit.load_postings()
    df = df[df["role"].isin(["pmt", "tpm"]).fillna(False).astype(bool)]
    return [str(c) for c in company_labels(df).value_counts().index[:n]]


def _env(cache: Path) -> dict[str, str]:
    return {**os.environ, "KIT_CACHE_DIR": str(cache), "PYTHONWARNINGS": "ignore"}


def _check(proc: subprocess.CompletedProcess) -> None:
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, proc.args[:2]))} failed:\n{proc.stderr[-3000:]}")


def _naive(companies: list[str], work: Path) -> dict[str, float]:
    """The papermill CLI + jupyter nbconvert CLI per company, sequentially (what a user would script)."""
    env = _env(work / "cache-naive")
    out = work / "naive"
    out.mkdir(parents=True)
    t_pm = t_nbc = 0.0
    t0 = time.perf_counter()
    for i, company in enumerate(companies):
        ipynb = out / f"r{i}.ipynb"
        t = time.perf_counter()
        _check(subprocess.run([str(BIN / "papermill"), str(NOTEBOOK), str(ipynb), "-p", "company", company,
                               "-p", "stories", "", "--cwd", str(NOTEBOOK.parent)],
                              env=env, capture_output=True, text=True))
        t_pm += time.perf_counter() - t
        t = time.perf_counter()
        _check(subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", str(ipynb)], env=env,
                              capture_output=True, text=True))
        t_nbc += time.perf_counter() - t
    total = time.perf_counter() - t0
    n = len(companies)
    return {"total": total, "papermill": t_pm / n, "nbconvert": t_nbc / n}


def _kit(companies: list[str], work: Path) -> dict:
    env = _env(work / "cache-kit")
    out = work / "kit"
    args = [str(BIN / "kit"), "report", "--jobs", "2", "--out", str(out), "--force"]
    for company in companies:
        args += ["--company", company]
    t0 = time.perf_counter()
    proc = subprocess.run(args, env=env, capture_output=True, text=True)
    total = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"kit report failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    last = json.loads((out / ".work" / "last_run.json").read_text())
    reps = [r for r in last["reports"] if r["status"] == "ok"]

    def mean(key: str) -> float:
        vals = [r["timings"].get(key, 0.0) for r in reps]
        return sum(vals) / len(vals) if vals else 0.0

    return {"total": total, **{f"parent_{k}": v for k, v in last["timings"].items()},
            "kernel": mean("kernel"), "execute": mean("execute"), "export": mean("export"),
            "first_execute": max((r["timings"].get("execute", 0.0) for r in reps), default=0.0)}


def run(quick: bool) -> list[dict]:
    """Time ``kit report --jobs 2`` and the naive loop on the same companies."""
    n = 3 if quick else 15
    companies = _companies(n)
    work = Path(tempfile.mkdtemp(prefix="bench-report-"))
    try:
        naive = _naive(companies, work)
        fast = _kit(companies, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    # the 3x goal is for 15 reports; the quick smoke run is dominated by the once-per-run costs
    ratio_goal = "ratio <= 0.33 (3x faster)" if not quick else None
    met = fast["total"] <= naive["total"] / 3 if not quick else None
    name = f"kit report --jobs 2 ({len(companies)} companies)"
    out = [
        result(name, fast["total"], "s", baseline_name="naive loop: papermill CLI + nbconvert CLI per company",
               baseline_value=naive["total"], goal=ratio_goal, met=met),
        result("naive: papermill per report", naive["papermill"], "s"),
        result("naive: nbconvert per report", naive["nbconvert"], "s"),
        result("kit report: load + enrich postings once (parent)", fast["parent_load"], "s"),
        result("kit report: phrase index once (parent, cold cache)", fast["parent_index"], "s"),
        result("kit report: key figures for the index (parent)", fast["parent_figures"], "s"),
        result("kit report: kernel start + imports (per worker, overlaps the above)", fast["parent_kernel_warmup"],
               "s"),
        result("kit report: worker pool wall time", fast["parent_reports"], "s"),
        result("kit report: per report, kernel (warm)", fast["kernel"], "s"),
        result("kit report: per report, execute (mean)", fast["execute"], "s"),
        result("kit report: per report, execute (slowest: a worker's first, loads the postings)",
               fast["first_execute"], "s"),
        result("kit report: per report, HTML export (mean)", fast["export"], "s"),
    ]
    return out

"""Batch reports: run the report notebook once per company (or market) into offline HTML + an index.

How a run goes, and why it is fast:

1. The parent loads and enriches the postings ONCE (``kit.load_postings``), saves the canonical
   table with ``kit.load.postings.save_postings`` to ``<out>/.work/postings-<hash>.parquet`` and passes
   that path to every notebook as the ``postings`` parameter; ``kit.load_postings`` in the kernel
   reads that file as stored (no cleaning, de-duplication or enrichment again).
2. The parent computes each report's key figures for the index (postings per role, overlap score,
   most distinctive phrase per side) with kit functions; this also builds the phrase index once
   and leaves it in the disk cache (``KIT_CACHE_DIR``) for the kernels.
3. ``jobs`` worker processes (``kit.report.runner.WorkerPool``) each keep ONE warm Jupyter kernel:
   papermill parameterizes and runs the notebook in it, a first cell clears the namespace between
   reports but keeps imported modules, so kernel start and ``import pandas, plotly, kit`` are paid
   once per worker, not once per report. HTML export is nbconvert in-process.
4. Every file is written atomically (temp file + ``os.replace``). A manifest next to each report
   (``<slug>.manifest.json``) records the inputs' key; a re-run skips reports whose notebook, data,
   parameters and kit version are unchanged, unless ``force``. The index is rebuilt from the
   manifests, so it lists reports of earlier runs too, failed ones with their error.

Parameters reach the notebook through papermill, which writes them as Python literals (``repr``):
a company called ``x"; import os #`` is a string, never code.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from kit._version import __version__
from kit.analysis.overlap import role_overlap
from kit.analysis.phrases import distinctive_phrases, readable_phrases
from kit.analysis.selection import date_range, select
from kit.core.errors import KitError, SelectionError
from kit.core.files import atomic_write, file_fingerprint
from kit.core.paths import DATA_DIR, NOTEBOOKS_DIR, PACKAGE_DIR, REPORTS_DIR, SAMPLE_PAY, SAMPLE_POSTINGS
from kit.core.schema import conform, content_key
from kit.index.lookup import index_for
from kit.io.readers import write_kit_parquet
from kit.io.store import store_fingerprint
from kit.load.postings import load_postings, save_postings
from kit.prepare.companies import company_key, company_labels
from kit.report import htmlexport
from kit.report.options import ReportOptions
from kit.report.pdf import write_pdfs
from kit.report.runner import WorkerPool, clip, remove_temp_files, stop_descendants
from kit.report.slugs import target_slug

__all__ = ["FORMAT", "ReportOptions", "ReportResult", "RunResult", "run"]

#: Bumped when the report layout changes, so older outputs are not skipped as "unchanged".
FORMAT = 1
DEFAULT_NOTEBOOK = NOTEBOOKS_DIR / "company_report.ipynb"
MANIFEST_SUFFIX = ".manifest.json"
#: The ``role_overlap`` measure the index shows as "overlap" (else the first one).
OVERLAP_MEASURE = "cosine_lexicon"


@dataclass
class ReportResult:
    """One report of a run.

    Attributes:
        company: Company name ("" when the report is per market).
        market: Market name ("" when the report is per company).
        slug: File stem of the outputs.
        status: "ok", "skipped" (inputs unchanged) or "failed".
        seconds: Wall time of this report (execution + export), 0 when skipped.
        html: The HTML report, or None.
        notebook: The executed notebook (also written for failures, with the traceback), or None.
        error: One-line reason when failed.
        figures: Key figures for the index: ``n``, ``n_pmt``, ``n_tpm``, ``overlap``,
            ``overlap_measure``, ``top_pmt``, ``top_tpm``.
        timings: Seconds spent per step in the worker (``reset``, ``execute``, ``export``).
        pdf: The PDF copy (``pdf`` option), or None.
    """

    company: str
    market: str
    slug: str
    status: str
    seconds: float = 0.0
    html: Path | None = None
    notebook: Path | None = None
    error: str | None = None
    figures: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    pdf: Path | None = None

    @property
    def label(self) -> str:
        """The target as people say it: "Acme", "SF Bay Area" or "Acme in SF Bay Area"."""
        if self.company and self.market:
            return f"{self.company} in {self.market}"
        return self.company or self.market or "(all)"


@dataclass
class RunResult:
    """What :func:`run` did.

    Attributes:
        reports: One entry per target, in target order.
        index: The index page.
        out: The output folder.
        timings: Parent-side seconds: ``load``, ``figures``, ``reports`` (the pool), ``total``.
    """

    reports: list[ReportResult]
    index: Path
    out: Path
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def failed(self) -> list[ReportResult]:
        """The reports that failed."""
        return [r for r in self.reports if r.status == "failed"]

    @property
    def exit_code(self) -> int:
        """0 when every report is ok or skipped, else 1."""
        return 1 if self.failed else 0

    def table(self) -> str:
        """The end-of-run summary: target, postings per role, status, time, output path."""
        rows = [("report", "PM-T", "TPM", "status", "time", "output")]
        for r in self.reports:
            out = r.html if r.status != "failed" else (r.notebook or "")
            rows.append((clip(r.label, 40), str(r.figures.get("n_pmt", "")), str(r.figures.get("n_tpm", "")),
                         r.status, f"{r.seconds:.1f}s", str(out)))
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        lines = ["  ".join(c.rjust(w) if i in (1, 2) else c.ljust(w)
                           for i, (c, w) in enumerate(zip(row, widths, strict=True)))
                 for row in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        for r in self.failed:
            lines.append(f"failed: {r.label}: {r.error}")
        return "\n".join(line.rstrip() for line in lines)


def _data_fingerprint(paths: list[Path]) -> str:
    """Fingerprint of the data files, a posting store folder (kit fetch) by its partitions."""
    parts = [store_fingerprint(p) if Path(p).is_dir() else file_fingerprint([p]) for p in paths]
    return parts[0] if len(parts) == 1 else file_fingerprint([]) + ":" + ":".join(parts)


# ------------------------------------------------------------------------------------------- parent


def _load(postings: Any) -> tuple[pd.DataFrame, str, list[str]]:
    """Load postings (paths or a DataFrame) -> (canonical table, data hash, source labels)."""
    if isinstance(postings, pd.DataFrame):
        df = conform(postings, "postings")
        return df, content_key(df, tuple(df.columns)), ["DataFrame (in memory)"]
    paths = [Path(p) for p in (postings if isinstance(postings, list | tuple) else [postings])] if postings else []
    paths = paths or [SAMPLE_POSTINGS]
    for p in paths:
        if not p.exists():
            raise KitError(f"{p}: posting file not found. Check the path, or leave out --postings for the sample")
    df = load_postings(paths if len(paths) > 1 else paths[0])
    return df, _data_fingerprint(paths), [str(p) for p in paths]


def _select(df: pd.DataFrame, *, company: str = "", market: str = "", since: str = "", until: str = "") -> pd.DataFrame:
    return select(df, company=company or None, market=market or None, since=since or None, until=until or None)


def _display_company(df: pd.DataFrame, company: str) -> str:
    """The data's name for ``company`` ("Acme" -> "Acme Cloud"); the name as given when it selects nothing."""
    try:
        names = _select(df, company=company)["company"].dropna().unique()
    except KitError:
        return company
    return str(names[0]) if len(names) == 1 else company


def _targets(df: pd.DataFrame, *, companies, markets, all_: bool, min_postings: int, since: str,
             until: str) -> list[tuple[str, str]]:
    """(company, market) pairs to report on; "" means "not restricted"."""
    companies = list(dict.fromkeys(_display_company(df, c) for c in companies))
    markets = list(dict.fromkeys(markets)) or [""]
    if all_ or (not companies and markets == [""]):
        for market in markets:
            sel = _select(df, market=market, since=since, until=until)
            sel = sel[sel["role"].isin(["pmt", "tpm"]).fillna(False).astype(bool)]
            counts = company_labels(sel).value_counts()  # "Initech" and "Initech, Inc." are one company
            eligible = sorted(str(c) for c, n in counts.items() if n >= min_postings)
            companies += [c for c in eligible if c not in companies]
        if not companies:
            raise SelectionError(f"no company has at least {min_postings} PM-T/TPM postings"
                                 + (f" in {', '.join(markets)}" if markets != [""] else "")
                                 + "; lower --min-postings or name companies with --company")
    return [(c, m) for c in (companies or [""]) for m in markets]


def _top_phrase(dp: pd.DataFrame, side: str, *, first: bool) -> str | None:
    """The side's most distinctive multi-word phrase (a single word only when the side has no longer one)."""
    part = dp[dp["side"] == side]
    if not first:
        part = part.iloc[::-1]
    multi = part[part["phrase"].astype(str).str.contains(" ", regex=False).to_numpy(dtype=bool)]
    best = multi if len(multi) else part
    return str(best["phrase"].iloc[0]) if len(best) else None


def _key_figures(df: pd.DataFrame, *, company: str, market: str, since: str, until: str) -> dict[str, Any]:
    """Index figures for one target; raises SelectionError when the target selects nothing."""
    sel = _select(df, company=company, market=market, since=since, until=until)
    roles = sel["role"].value_counts()
    figures: dict[str, Any] = {"n": len(sel), "n_pmt": int(roles.get("pmt", 0)), "n_tpm": int(roles.get("tpm", 0))}
    pair = sel[sel["role"].isin(["pmt", "tpm"]).fillna(False).to_numpy(dtype=bool)]
    figures["markets"] = sorted(str(m) for m in pair["market"].dropna().unique())  # the index's market filter
    notes = []
    try:
        ov = role_overlap(sel)
        keys = ov["company"].map(lambda name: "(all)" if name == "(all)" else company_key(name))
        rows = ov[keys == company_key(company)] if company else ov.iloc[0:0]
        rows = rows if len(rows) else ov[keys == "(all)"]
        preferred = rows[rows["measure"] == OVERLAP_MEASURE]
        rows = preferred if len(preferred) else rows
        value = float(rows["value"].iloc[0]) if len(rows) else float("nan")
        if math.isfinite(value):  # NaN when one role has no postings: show nothing rather than "nan"
            figures["overlap"] = value
            figures["overlap_measure"] = str(rows["measure"].iloc[0])
    except Exception as exc:  # the index shows what it could not compute; the report still runs
        notes.append(f"overlap: {exc}")
    try:
        if not (figures["n_pmt"] and figures["n_tpm"]):  # "most distinctive" needs both sides
            raise ValueError("needs postings of both roles")
        dp = readable_phrases(distinctive_phrases(sel))  # "product" vs "program" says nothing new
        figures["top_pmt"] = _top_phrase(dp, "pmt", first=True)
        figures["top_tpm"] = _top_phrase(dp, "tpm", first=False)
    except Exception as exc:
        notes.append(f"phrases: {exc}")
    if notes:
        figures["notes"] = notes
    return figures


def _shared_parquet(df: pd.DataFrame, work: Path, data_hash: str, *, loaded: bool) -> Path:
    """Write the table every notebook reads (``postings-<data hash>.parquet``; older ones are removed).

    ``loaded`` (the parent ran ``kit.load_postings``): saved with :func:`kit.load.postings.save_postings`, which
    the kernels read back as is. A DataFrame the caller passed in is written plain, so each notebook runs the
    full pipeline on it, as it would on the caller's own file.
    """
    path = work / f"postings-{data_hash}.parquet"
    work.mkdir(parents=True, exist_ok=True)
    for old in work.glob("postings-*.parquet"):
        if old != path:
            old.unlink(missing_ok=True)
    if loaded:  # rewritten every run: cheap, and a file from an older kit or older rule files would be slow
        return save_postings(df, path)
    return write_kit_parquet(df, path, table="postings", files=None)


def _read_manifest(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _dates(since: str | None, until: str | None) -> tuple[str, str]:

    lo, hi = date_range(since or None, until or None, names=("--since", "--until"))
    return (f"{lo:%Y-%m-%d}" if lo is not None else ""), (f"{hi:%Y-%m-%d}" if hi is not None else "")


def run(options: ReportOptions | None = None, **overrides: Any) -> RunResult:
    """Run the report notebook per company (and/or market) into offline HTML reports plus an index.

    Args:
        options: What to run (:class:`kit.report.options.ReportOptions`: companies, markets, postings,
            pay, notebook, out, jobs, since, until, force, pdf, progress); None for the defaults.
        **overrides: Option fields given as keywords (``run(companies=["Acme"], out=...)``).

    Returns:
        A :class:`RunResult`; ``exit_code`` is 1 when any report failed.

    Raises:
        KitError: Missing files or a notebook without the expected parameters.
        SelectionError: No company to report on, or a date that is not a date.
    """
    opts = ReportOptions.build(options, **overrides)
    t0 = time.perf_counter()
    out = opts.out or REPORTS_DIR
    out.mkdir(parents=True, exist_ok=True)
    nb_path = opts.notebook or DEFAULT_NOTEBOOK
    if not nb_path.exists():
        raise KitError(f"{nb_path}: report notebook not found. Pass --notebook PATH")
    since, until = _dates(opts.since, opts.until)
    opts = ReportOptions.build(opts, out=out, notebook=nb_path, since=since or None, until=until or None)
    if opts.pay is not None and not opts.pay.exists():
        raise KitError(f"{opts.pay}: pay file not found. Check the path, or leave out --pay for the bundled sample")
    jobs = max(1, int(opts.jobs or os.cpu_count() or 1))
    if opts.companies and not opts.all_:  # no more kernels than reports
        jobs = min(jobs, len(set(opts.companies)) * max(1, len(set(opts.markets))))
    kernel_name = _kernel_name(nb_path)
    if not isinstance(opts.postings, pd.DataFrame):
        for p in opts.postings or ():
            if not p.exists():
                raise KitError(f"{p}: posting file not found. Check the path, or leave out --postings for the sample")

    pool = None
    try:
        pool = WorkerPool(jobs=jobs, cwd=nb_path.resolve().parent, log_dir=out / ".work", kernel_name=kernel_name)
        results, timings = _run_in(pool, opts)
    except KeyboardInterrupt:
        _stop(pool, out)
        if opts.progress:  # end the progress bar's line: the interrupt message gets a line of its own
            sys.stderr.write("\n")
        raise
    except BaseException:
        if pool is not None:
            pool.close()
        raise
    pool.close()
    index = write_index(out)
    if opts.pdf:
        t_pdf = time.perf_counter()
        _say(opts.progress, "printing PDFs with headless Chromium ...")
        done = [r for r in results if r.status in ("ok", "skipped") and r.html and r.html.exists()]
        for r, pdf in zip(done, write_pdfs([r.html for r in done]), strict=True):
            r.pdf = pdf
        timings["pdf"] = time.perf_counter() - t_pdf
    timings["total"] = time.perf_counter() - t0
    last = {"timings": timings, "jobs": jobs, "reports": [
        {"label": r.label, "slug": r.slug, "status": r.status, "seconds": r.seconds, "timings": r.timings}
        for r in results]}
    atomic_write(out / ".work" / "last_run.json", json.dumps(last, indent=1))  # what benchmarks read
    return RunResult(results, index, out, timings)


def _stop(pool: WorkerPool | None, out: Path) -> None:
    """After an interrupt: stop workers and kernels, remove temp files, index what finished (manifests)."""
    import signal

    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not break the clean-up
    try:
        if pool is not None:
            pool.terminate()
        else:  # interrupted while the pool was starting its processes
            stop_descendants()
        remove_temp_files(out)
        try:
            write_index(out)
        except Exception:  # the index is rebuilt on the next run; never hide the interrupt behind this
            pass
    finally:
        signal.signal(signal.SIGINT, previous)


def _kernel_name(nb_path: Path) -> str:
    try:
        meta = json.loads(nb_path.read_text(encoding="utf-8")).get("metadata", {})
    except ValueError as exc:
        raise KitError(f"{nb_path}: not a notebook ({exc}). Pass --notebook with an .ipynb file") from None
    return meta.get("kernelspec", {}).get("name") or "python3"


def _run_in(pool: WorkerPool, opts: ReportOptions) -> tuple[list[ReportResult], dict[str, float]]:
    """The parent's part of :func:`run` while ``pool``'s kernels warm up (``opts`` resolved by :func:`run`)."""
    t0 = time.perf_counter()
    out, nb_path, postings, pay_path, progress = opts.out, opts.notebook, opts.postings, opts.pay, opts.progress
    since, until = opts.since or "", opts.until or ""
    _say(progress, "loading postings ...")
    df, data_hash, sources = _load(postings)
    parquet = _shared_parquet(df, out / ".work", data_hash, loaded=not isinstance(postings, pd.DataFrame))
    targets = _targets(df, companies=opts.companies, markets=opts.markets, all_=opts.all_,
                       min_postings=opts.min_postings, since=since, until=until)
    pay_file = pay_path or (SAMPLE_PAY if SAMPLE_PAY.exists() else None)
    pay_hash = file_fingerprint([pay_file]) if pay_file else "none"
    nb_hash = hashlib.sha256(nb_path.read_bytes()).hexdigest()[:16]
    # the kit's code and rule files decide every figure: an edited titles.yaml or lexicon re-runs reports
    kit_hash = __version__ + ":" + file_fingerprint(sorted([*PACKAGE_DIR.rglob("*.py"), *DATA_DIR.glob("*")]))
    context = {"data_hash": data_hash, "sources": sources, "pay": str(pay_file or "(none)"), "pay_hash": pay_hash,
               "report_notebook": str(nb_path), "notebook_hash": nb_hash, "kit_version": __version__}
    t_load = time.perf_counter()

    results: list[ReportResult] = []
    tasks: list[dict[str, Any]] = []
    for company, market in targets:
        slug = target_slug(company, market)
        params = {"company": company, "market": market, "postings": str(parquet.resolve()),
                  "pay": str(pay_path.resolve()) if pay_path else "", "since": since, "until": until, "stories": ""}
        key = hashlib.sha256(json.dumps([FORMAT, nb_hash, data_hash, pay_hash, kit_hash, params],
                                        sort_keys=True).encode()).hexdigest()[:24]
        res = ReportResult(company, market, slug, "pending", html=out / f"{slug}.html", notebook=out / f"{slug}.ipynb")
        results.append(res)
        old = _read_manifest(out / f"{slug}{MANIFEST_SUFFIX}")
        if (not opts.force and old and old.get("key") == key and old.get("status") == "ok"
                and res.html.exists() and res.notebook.exists()):
            res.status, res.figures = "skipped", old.get("figures", {})
            continue
        try:
            _select(df, company=company, market=market, since=since, until=until)
        except KitError as exc:  # an unknown name fails here, with the closest names, and runs nothing
            res.status, res.error, res.html, res.notebook = "failed", str(exc), None, None
            _write_manifest(out, res, key, params, context)
            continue
        tasks.append({"index": len(results) - 1, "key": key, "params": params, "notebook": str(nb_path),
                      "html": str(res.html), "ipynb": str(res.notebook), "title": res.label,
                      "header": _header_rows(res, params, context)})
    if tasks:
        _say(progress, f"{len(tasks)} report(s) to run, {len(results) - len(tasks)} unchanged; phrase index ...")
        _warm_index(df)  # before any kernel needs it: built once here, read from the disk cache there
    t_index = time.perf_counter()

    pool.submit(tasks)
    for task in tasks:  # while the workers run
        res = results[task["index"]]
        try:
            res.figures = _key_figures(df, company=res.company, market=res.market, since=since, until=until)
        except KitError as exc:
            res.figures = {"notes": [str(exc)]}
    t_figures = time.perf_counter()
    for task, outcome in pool.results(total=len(results), progress=progress):
        res = results[task["index"]]
        res.status, res.error = outcome["status"], outcome.get("error")
        res.seconds, res.timings = outcome.get("seconds", 0.0), outcome.get("timings", {})
        if res.status == "failed":
            res.html = None
            res.notebook = Path(task["ipynb"]) if Path(task["ipynb"]).exists() and outcome.get("wrote_ipynb") else None
        _write_manifest(out, res, task["key"], task["params"], context)
    t_reports = time.perf_counter()
    warm = [f.result() for f in pool.warm if f.done() and not f.cancelled() and f.exception() is None]
    timings = {"load": t_load - t0, "index": t_index - t_load, "figures": t_figures - t_index,
               "reports": t_reports - t_figures, "kernel_warmup": max(warm, default=0.0)}
    return results, timings


def _say(progress: bool, message: str) -> None:
    if progress:
        sys.stderr.write(message + "\n")  # one write: an interrupt cannot split the line from its newline
        sys.stderr.flush()


def _warm_index(df: pd.DataFrame) -> None:
    index_for(df)


def _header_rows(res: ReportResult, params: dict[str, str], context: dict[str, Any]) -> list[tuple[str, str]]:
    rows = [("Company", res.company or "(all)"), ("Market", res.market or "(all)"),
            ("Postings since", params["since"] or "(all)"), ("Postings until", params["until"] or "(all)"),
            ("Posting data", ", ".join(context["sources"])), ("Pay data", context["pay"]),
            ("Data hash", f"{context['data_hash']} (pay {context['pay_hash']})"),
            ("Notebook", f"{Path(context['report_notebook']).name} ({context['notebook_hash']})"),
            ("Kit version", context["kit_version"])]
    return rows


def _write_manifest(out: Path, res: ReportResult, key: str, params: dict[str, str], context: dict[str, Any]) -> None:
    manifest = {
        "format": FORMAT, "key": key, "slug": res.slug, "company": res.company, "market": res.market,
        "label": res.label, "status": res.status, "error": res.error, "figures": res.figures,
        "html": res.html.name if res.html else None, "notebook": res.notebook.name if res.notebook else None,
        "params": params, "seconds": round(res.seconds, 2), "timings": res.timings,
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"), **context,
    }
    atomic_write(out / f"{res.slug}{MANIFEST_SUFFIX}", json.dumps(manifest, indent=1, default=str))


def write_index(out: Path) -> Path:
    """(Re)write ``<out>/index.html`` from every report manifest in ``out``.

    Args:
        out: The reports folder.

    Returns:
        The index path.
    """
    import jinja2

    manifests = [m for p in sorted(Path(out).glob(f"*{MANIFEST_SUFFIX}")) if (m := _read_manifest(p))]
    manifests.sort(key=lambda m: (m.get("status") != "failed", str(m.get("label", "")).casefold()))
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(htmlexport.TEMPLATES_DIR), autoescape=True)
    markets = sorted({str(x) for m in manifests for x in [m.get("market"), *(m.get("figures") or {}).get("markets", [])]
                      if x})
    largest = max([int((m.get("figures") or {}).get(k) or 0) for m in manifests for k in ("n_pmt", "n_tpm")] or [0])
    page = env.get_template("index.html.j2").render(
        reports=manifests, n_failed=sum(m.get("status") == "failed" for m in manifests), markets=markets,
        largest=max(largest, 1),
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), kit_version=__version__)
    return atomic_write(Path(out) / "index.html", page)

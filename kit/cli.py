"""The ``kit`` command line. It only parses arguments and delegates to library functions.

Errors the kit raises on purpose (``KitError``) print as one line and exit 1; ``--debug`` shows
the traceback instead.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kit.core.errors import KitError
from kit.core.text_safety import printable, printable_line

#: Exit code of a run stopped by Ctrl-C (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED = 130


def echo(text: object = "", *, err: bool = False) -> None:
    """Print data text: terminal control characters (ESC, BEL, bidi overrides ...) shown, never acted on."""
    click.echo(printable(text), err=err)


def _error_line(message: object, *, hint: str = "") -> None:
    click.secho(f"error: {printable_line(message)}{hint}", fg="red", err=True)


class _Group(click.Group):
    def main(self, *args, **kwargs):
        """Like click's, but every usage error is ONE line on stderr (exit 2) and Ctrl-C exits 130."""
        if not kwargs.get("standalone_mode", True):
            return super().main(*args, **kwargs)
        kwargs["standalone_mode"] = False
        try:
            rv = super().main(*args, **kwargs)
        except click.ClickException as exc:
            ctx = getattr(exc, "ctx", None)
            where = f" (see {ctx.command_path} --help)" if ctx is not None and isinstance(exc, click.UsageError) \
                else ""
            _error_line(exc.format_message(), hint=where)
            sys.exit(exc.exit_code)
        except (click.Abort, KeyboardInterrupt):
            _error_line("interrupted")
            sys.exit(EXIT_INTERRUPTED)
        sys.exit(rv if isinstance(rv, int) else 0)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (KitError, OSError) as exc:
            # KitError: bad input, said clearly by the kit; OSError: the file system said no (an --out that is a
            # file, a full disk, no permission): both are the user's to fix, so one line, not a traceback
            if ctx.params.get("debug"):
                raise
            message = str(exc) if isinstance(exc, KitError) else _os_message(exc)
            _error_line(message)
            sys.exit(1)
        except KeyboardInterrupt:
            if ctx.params.get("debug"):
                raise
            _error_line("interrupted; finished work was kept (run the command again to complete it)")
            _exit_now(EXIT_INTERRUPTED)


def _exit_now(code: int) -> None:
    """Exit at once after an interrupt.

    The command has cleaned up (workers stopped, outputs consistent); waiting for library threads at interpreter
    exit (a pool's queue feeder, a progress bar) could hang.
    """
    import os

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    os._exit(code)


def _date_option(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """--since / --until: a plausible YYYY-MM-DD date, else a usage error (exit 2)."""
    if value is None:
        return None
    from kit.io.values import to_timestamp

    try:
        to_timestamp(value, what=f"--{param.name}")
    except KitError as exc:
        raise click.BadParameter(str(exc).removeprefix(f"--{param.name} ")) from None
    return value


def _check_date_range(ctx: click.Context, since: str | None, until: str | None) -> None:
    """--since after --until is a usage error (exit 2), whatever order the options were given in."""
    if since and until:
        from kit.analysis.selection import date_range

        try:
            date_range(since, until, names=("--since", "--until"))
        except KitError as exc:
            raise click.UsageError(str(exc), ctx=ctx) from None


def _os_message(exc: OSError) -> str:
    where = f"{exc.filename}: " if exc.filename else ""
    return f"{where}{exc.strerror or exc}. Check the path and its permissions (--debug shows the traceback)"


@click.group(cls=_Group)
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.version_option(package_name="swimlanes-kit")
def cli(debug: bool) -> None:
    """Swimlanes: compare Technical Product Manager and Technical Program Manager roles."""


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", default=None,
              help="Force the source format (jobspy, linkedin, generic, kit, levels, lca).")
@click.option("--kind", type=click.Choice(["auto", "postings", "pay"]), default="auto", show_default=True,
              help="Read the files as postings or pay tables.")
def validate(paths: tuple[Path, ...], fmt: str | None, kind: str) -> None:
    """Show how each file is read: format, rows, columns mapped, unparsed values, duplicates."""
    from kit.load.validation import validate as run_validate

    for report in run_validate(list(paths), format=fmt, kind=kind):
        echo(report.render())
        echo()


@cli.command()
@click.option("--postings", "n_postings", type=click.IntRange(min=0), default=3600, show_default=True,
              help="How many posting rows (about 8% are reposts / multi-location copies).")
@click.option("--companies", type=click.IntRange(min=1), default=18, show_default=True,
              help="How many fictional companies.")
@click.option("--seed", type=int, default=7, show_default=True, help="Random seed (same seed, same files).")
@click.option("--pay", "n_pay", type=click.IntRange(min=0), default=8000, show_default=True,
              help="How many pay observations.")
@click.option("--prefix", default="", help='File name prefix; "sample_" writes the bundled sample names.')
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Output folder.")
def generate(n_postings: int, companies: int, seed: int, n_pay: int, prefix: str, out: Path) -> None:
    """Generate a synthetic posting / pay / level corpus (the bundled sample, or benchmark corpora).

    The defaults reproduce the bundled sample: kit generate --out datasets --prefix sample_
    """
    from kit.sample.synthetic import write_corpus

    paths = write_corpus(out, n_postings=n_postings, n_companies=companies, seed=seed, n_pay=n_pay, prefix=prefix,
                         progress=n_postings > 100_000)
    for path in paths:
        echo(str(path))


@cli.command()
@click.option("--company", "companies", multiple=True, help="Company to report on (repeatable).")
@click.option("--market", "markets", multiple=True, help="Market to report on (repeatable).")
@click.option("--all", "all_", is_flag=True, help="Every company with at least --min-postings postings.")
@click.option("--min-postings", type=click.IntRange(min=1), default=20, show_default=True,
              help="With --all or no --company: companies with at least this many PM-T/TPM postings.")
@click.option("--postings", "postings", multiple=True, type=click.Path(path_type=Path),
              help="Posting files (default: bundled sample).")
@click.option("--pay", type=click.Path(path_type=Path), default=None, help="Pay table (default: bundled sample).")
@click.option("--notebook", type=click.Path(path_type=Path), default=None, help="Report notebook template.")
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Output folder (default: reports/).")
@click.option("--jobs", type=click.IntRange(min=1, max=256), default=None,
              help="Parallel processes (default: CPU count).")
@click.option("--since", default=None, callback=_date_option, help="First posting date, YYYY-MM-DD.")
@click.option("--until", default=None, callback=_date_option, help="Last posting date, YYYY-MM-DD.")
@click.option("--force", is_flag=True, help="Re-run reports whose inputs are unchanged.")
@click.option("--pdf", is_flag=True, help="Also print each report to PDF (headless Chromium; needs Playwright).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Build the phrase index on this Dask scheduler (tcp://host:8786; sets KIT_DASK_SCHEDULER).")
def report(scheduler: str | None, **options) -> None:
    """Run the report notebook per company or market into self-contained HTML plus an index."""
    import os

    # the report stack (papermill, nbconvert, jupyter_client) is heavy: imported when the command runs
    from kit.report.batch import run
    from kit.report.options import ReportOptions

    _check_date_range(click.get_current_context(), options.get("since"), options.get("until"))
    if scheduler:
        os.environ["KIT_DASK_SCHEDULER"] = scheduler  # read by kit.index.lookup.build_index, inherited by kernels
    result = run(ReportOptions(**options, progress=True))
    echo(result.table())  # company names are data: never let one drive the terminal
    done = {s: sum(r.status == s for r in result.reports) for s in ("ok", "skipped", "failed")}
    pdfs = [r.pdf for r in result.reports if r.pdf]
    if pdfs:
        echo(f"{len(pdfs)} PDF(s): " + ", ".join(str(p) for p in pdfs))
    echo(f"\n{done['ok']} written, {done['skipped']} unchanged (skipped; --force re-runs them), "
               f"{done['failed']} failed in {result.timings['total']:.1f}s. Index: {result.index}")
    sys.exit(result.exit_code)


@cli.group()
def cache() -> None:
    """The on-disk phrase-index cache ($KIT_CACHE_DIR, capped at $KIT_CACHE_MAX_BYTES)."""


@cache.command("info")
def cache_info_cmd() -> None:
    """List the cached index files, most recently used first, and the total against the cap."""
    from kit.index.cache import cache_info

    info = cache_info()
    for row in info.itertuples(index=False):
        click.echo(f"{int(row.bytes) / 2**20:10.1f} MB  {row.last_used:%Y-%m-%d %H:%M}  {row.file}")
    click.echo(f"{len(info)} index files, {info.attrs['total_bytes'] / 2**20:.1f} MB of "
               f"{info.attrs['max_bytes'] / 2**20:.0f} MB in {info.attrs['folder']}")


@cache.command("clear")
def cache_clear_cmd() -> None:
    """Delete every cached index file (they are rebuilt when next needed)."""
    from kit.core.paths import cache_dir
    from kit.index.cache import clear_cache

    click.echo(f"deleted {clear_cache()} index files from {cache_dir()}")


@cli.command()
@click.argument("boards", nargs=-1, required=True)
@click.option("--store", type=click.Path(path_type=Path), default=None,
              help="Posting store folder (default: data/postings under the current directory).")
@click.option("--search", default=None, help="jobspy: search text, e.g. 'technical program manager'.")
@click.option("--location", default=None, help="jobspy: location, e.g. 'Seattle, WA'.")
@click.option("--sites", default=None, help="jobspy: comma-separated sites (default: indeed,linkedin).")
@click.option("--results", type=click.IntRange(min=1), default=None, help="jobspy: results wanted per site.")
def fetch(boards: tuple[str, ...], store: Path | None, search: str | None, location: str | None,
          sites: str | None, results: int | None) -> None:
    """Fetch current postings from public job boards into the posting store.

    BOARD is greenhouse:TOKEN, lever:SITE, lever-eu:SITE, ashby:NAME, jobspy (with --search) or a company
    name listed in kit/data/boards.csv (e.g. Stripe). Then: kit report --postings STORE --all
    """
    from kit.fetch.run import default_store, fetch_boards

    store = store or default_store()
    click.echo(f"fetching {len(boards)} board(s) into {store}")
    run = fetch_boards(boards, store=store, progress=click.echo, search=search, location=location, sites=sites,
                       results=results)
    click.echo()
    click.echo(run.render())
    for failure in run.failed:
        click.secho(f"error: {failure.message}", fg="red", err=True)
    sys.exit(1 if run.failed else 0)


@cli.command()
@click.argument("stories", type=click.Path(path_type=Path))
@click.option("--company", default=None)
@click.option("--market", default=None)
@click.option("--postings", "postings", multiple=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def fit(stories: Path, company: str | None, market: str | None, postings: tuple[Path, ...], as_json: bool) -> None:
    """Which role do my experience stories read like, and what is missing."""
    import json

    # pandas and the analyses load only for the commands that need them (``kit --help`` stays fast)
    from kit.analysis.storyfit import fit as fit_stories

    result = fit_stories(stories, _fit_postings(list(postings)), company=company, market=market)
    echo(json.dumps(result.to_dict(), indent=2, default=str) if as_json else str(result))


def _fit_postings(paths: list[Path]):
    """The postings ``kit fit`` weighs against: the files given, or the bundled sample."""
    from kit.load.postings import load_postings

    if not paths:
        return load_postings()
    return load_postings(paths if len(paths) > 1 else paths[0])


@cli.command("role-confidence")
@click.argument("postings", nargs=-1, type=click.Path(path_type=Path))
@click.option("--truth", default=None, help="Column of the postings holding known roles (the sample: synthetic_role).")
@click.option("--labels", type=click.Path(path_type=Path), default=None,
              help="CSV of judged roles (posting_id, label), e.g. tests/fixtures/judged_roles.csv.")
@click.option("--bins", default=5, show_default=True, type=click.IntRange(1, 50), help="Probability bins.")
def role_confidence(postings: tuple[Path, ...], truth: str | None, labels: Path | None, bins: int) -> None:
    """How well role_confidence of generic titles matches known roles (reliability table, Brier score)."""
    from kit.analysis.rolecal import read_role_labels, role_reliability

    loaded = _fit_postings(list(postings))
    if labels is not None:
        known = loaded["posting_id"].astype("string").map(read_role_labels(labels))
    else:
        known = truth or "synthetic_role"
    table = role_reliability(loaded, known, bins=bins)
    echo(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    echo(f"Brier score {table.attrs['brier']:.4f} on {table.attrs['n']} generic titles read with their text")


@cli.command()
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The prepared table (.parquet); kit report --postings OUT and load_postings(OUT) read it as stored.")
@click.option("--workers", default=None, type=click.IntRange(1, 256),
              help="Processes loading company partitions at once (default: the CPU count; 1: one process).")
@click.option("--rows-per-partition", default=None, type=click.IntRange(100, None),
              help="Titled rows per partition: bounds each worker's memory (default: 80,000).")
def prepare(source: Path, out: Path, workers: int | None, rows_per_partition: int | None) -> None:
    """Load and enrich a (large) postings file once, in company partitions over a process per core.

    The table equals kit.load_postings(SOURCE); it is written atomically to OUT (Parquet marked with the kit
    version and rule-file fingerprint), so reports and notebooks reading OUT skip the pipeline.
    """
    import time

    from kit.load.partitioned import load_postings_partitioned
    from kit.load.postings import save_postings

    if out.suffix.lower() != ".parquet":
        raise click.BadParameter(f"{out}: expected a .parquet file name", param_hint="--out")
    if out.resolve() == source.resolve():
        raise click.BadParameter(f"{out} is the input file; choose another name (inputs are never modified)",
                                 param_hint="--out")
    started = time.perf_counter()
    options = {} if rows_per_partition is None else {"rows_per_partition": rows_per_partition}
    df = load_postings_partitioned(source, workers=workers, **options)
    written = save_postings(df, out)
    echo(f"{len(df):,} postings from {source} -> {written} "
         f"in {time.perf_counter() - started:.1f} s")


@cli.command()
@click.argument("dest", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite notebooks that already exist in DEST.")
def notebooks(dest: Path, force: bool) -> None:
    """Copy the kit's notebooks into DEST, to open and edit them there (e.g. jupyter lab DEST)."""
    from kit.core.bundle import copy_notebooks

    for path in copy_notebooks(dest, force=force):
        click.echo(str(path))


def main() -> None:
    """Entry point of the ``kit`` console script."""
    cli(prog_name="kit")

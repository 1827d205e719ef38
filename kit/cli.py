"""The ``kit`` command line. It only parses arguments and delegates to library functions.

Errors the kit raises on purpose (``KitError``) print as one line and exit 1; ``--debug`` shows
the traceback instead.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kit.errors import KitError


class _Group(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KitError as exc:
            if ctx.params.get("debug"):
                raise
            click.secho(f"error: {exc}", fg="red", err=True)
            sys.exit(1)


@click.group(cls=_Group)
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.version_option(package_name="swimlanes-kit")
def cli(debug: bool) -> None:
    """Swimlanes: compare Technical Product Manager and Technical Program Manager roles."""


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", default=None, help="Force the source format (jobspy, linkedin, generic, kit, levels, lca).")
@click.option("--kind", type=click.Choice(["auto", "postings", "pay"]), default="auto", show_default=True,
              help="Read the files as postings or pay tables.")
def validate(paths: tuple[Path, ...], fmt: str | None, kind: str) -> None:
    """Show how each file is read: format, rows, columns mapped, unparsed values, duplicates."""
    from kit.validation import validate as run_validate

    for report in run_validate(list(paths), format=fmt, kind=kind):
        click.echo(report.render())
        click.echo()


def main() -> None:
    """Entry point of the ``kit`` console script."""
    cli(prog_name="kit")

"""What a batch report run is asked to do: one dataclass, built once (by ``kit report`` or a caller).

:func:`kit.report.batch.run` takes a :class:`ReportOptions` (or the same fields as keywords, which build
one); the run passes it down instead of spelling out each option at every level.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["ReportOptions"]


@dataclass(frozen=True)
class ReportOptions:
    """The options of one ``kit report`` run.

    Attributes:
        companies: Companies to report on; with none (and no markets) every company with at least
            ``min_postings`` PM-T/TPM postings.
        markets: Markets to report on; with companies, one report per company x market.
        all_: Add every company with at least ``min_postings`` PM-T/TPM postings.
        min_postings: Threshold for the automatic company list.
        postings: Posting file(s) (any format ``kit.load_postings`` reads) or a loaded DataFrame;
            None (or an empty list) for the bundled sample.
        pay: Pay table path; None for the bundled sample (the notebook's default).
        notebook: Report notebook; None for the bundled ``company_report.ipynb``.
        out: Output folder; None for ``reports/``.
        jobs: Worker processes; None for the CPU count.
        since: First posting date (YYYY-MM-DD), or None.
        until: Last posting date (YYYY-MM-DD), or None.
        force: Re-run reports whose inputs are unchanged.
        pdf: Also print each report to PDF with headless Chromium (:mod:`kit.report.pdf`).
        progress: Show progress on stderr.
    """

    companies: tuple[str, ...] = ()
    markets: tuple[str, ...] = ()
    all_: bool = False
    min_postings: int = 20
    postings: Any = None
    pay: Path | None = None
    notebook: Path | None = None
    out: Path | None = None
    jobs: int | None = None
    since: str | None = None
    until: str | None = None
    force: bool = False
    pdf: bool = False
    progress: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "companies", tuple(self.companies or ()))
        object.__setattr__(self, "markets", tuple(self.markets or ()))
        postings = self.postings
        if not isinstance(postings, pd.DataFrame):
            if isinstance(postings, list | tuple):
                postings = [Path(p) for p in postings if p] or None
            elif postings:
                postings = [Path(postings)]
            else:
                postings = None
            object.__setattr__(self, "postings", postings)
        for name in ("pay", "notebook", "out"):
            value = getattr(self, name)
            object.__setattr__(self, name, Path(value) if value else None)

    @classmethod
    def build(cls, options: ReportOptions | None = None, **overrides: Any) -> ReportOptions:
        """``options`` with ``overrides`` applied (or new options from the keywords alone).

        Args:
            options: Options to start from, or None for the defaults.
            **overrides: Field values (the names of :class:`ReportOptions`' attributes).

        Returns:
            The options.

        Raises:
            TypeError: A keyword that is not an option.
        """
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(overrides) - names)
        if unknown:
            raise TypeError(f"unknown report option(s): {', '.join(unknown)}; known: {', '.join(sorted(names))}")
        return replace(options, **overrides) if options is not None else cls(**overrides)

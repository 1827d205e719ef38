"""The format registry: every source format, postings or pay, file or fetched, is one :class:`Format` entry.

A format says how to *recognise* a source (a column signature, for files) and how to *adapt* it (raw table ->
canonical columns). The loaders (:mod:`kit.load.postings`, :mod:`kit.load.pay`), ``kit validate`` and the error
messages read this registry; nothing else lists format names. Each format lives in its own module of this package
and registers itself with :func:`register` when the package is imported, so **a new format is one new module**
(plus its tests): see ``jobspy.py`` for a column-map format and ``lca.py`` for one that needs code.

Why two shapes of ``adapt``? Postings sources differ mostly in column *names* (a map is enough: :func:`mapped`
builds the adapter from it, and ``mapping=`` overrides work for every postings format), while pay sources differ in
*meaning* (wage units, "base 0 means no breakdown", several generations of LCA column names), which needs code.
Both end in the same signature, ``adapt(raw, *, label, mapping) -> (frame, used)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pandas as pd

from kit.core.errors import DataError

__all__ = ["FORMATS", "Format", "adapt", "detect_format", "get_format", "names", "register"]

Adapter = Callable[..., tuple[pd.DataFrame, dict[str, str]]]


@dataclass(frozen=True)
class Format:
    """One source format.

    Attributes:
        name: The name users pass as ``format=`` ("jobspy", "lca", ...).
        table: "postings" or "pay": which canonical table it feeds.
        adapt: ``adapt(raw, *, label, mapping=None) -> (frame, used)``: canonical columns plus the map of source
            column -> canonical column it read (what ``kit validate`` prints).
        description: One line for messages and ``kit validate``.
        required: Columns a file must have to be recognised (exact names, or upper-cased when ``upper``).
        identifying: Columns typical of the format; at least ``min_hits`` must be present.
        min_hits: See ``identifying``; 0 with no identifying columns means "never detected, only named".
        upper: Match column names case-insensitively (upper-cased), e.g. DOL files.
        canonical: The kit's own columns (scored below real formats when both fit).
        kind: "file" (read from a file) or "fetched" (adapted from a job-board API response).
    """

    name: str
    table: str
    adapt: Adapter
    description: str
    required: frozenset[str] = field(default_factory=frozenset)
    identifying: frozenset[str] = field(default_factory=frozenset)
    min_hits: int = 0
    upper: bool = False
    canonical: bool = False
    kind: str = "file"

    def score(self, columns: set[str], upper: set[str]) -> float | None:
        """How well ``columns`` fit this format's signature (None: not this format)."""
        if not self.identifying and not self.required:
            return None
        have = upper if self.upper else columns
        if not self.required <= have:
            return None
        hits = len(self.identifying & have)
        if hits < self.min_hits:
            return None
        return hits / max(len(self.identifying), 1) + (0 if self.canonical else 0.5)


#: (table, name) -> Format, in registration order.
FORMATS: dict[tuple[str, str], Format] = {}


def register(fmt: Format) -> Format:
    """Add ``fmt`` to the registry (a later entry of the same table and name replaces the earlier one)."""
    if fmt.table not in ("postings", "pay"):
        raise ValueError(f"format {fmt.name!r}: table must be 'postings' or 'pay', not {fmt.table!r}")
    FORMATS[(fmt.table, fmt.name)] = fmt
    return fmt


def names(table: str, *, kind: str | None = None) -> tuple[str, ...]:
    """The format names of one table ("postings" / "pay"), optionally only file or fetched ones."""
    return tuple(f.name for (t, _), f in FORMATS.items() if t == table and (kind is None or f.kind == kind))


def get_format(name: str, table: str, *, label: str = "<source>") -> Format:
    """The format ``name`` of ``table``.

    Raises:
        DataError: No such format; the message lists the known ones.
    """
    fmt = FORMATS.get((table, name))
    if fmt is None:
        known = ", ".join(repr(n) for n in names(table))
        raise DataError.build(f"unknown {table} format {name!r}", path=label, expected=f"one of {known}",
                              fix="leave format=None to detect it from the columns")
    return fmt


def adapt(raw: pd.DataFrame, name: str, table: str, *, label: str, mapping: dict[str, str] | None = None
          ) -> tuple[pd.DataFrame, dict[str, str]]:
    """Adapt ``raw`` with the format ``name`` of ``table`` (see :class:`Format`)."""
    return get_format(name, table, label=label).adapt(raw, label=label, mapping=mapping)


def detect_format(columns: Iterable[object], *, kind: str = "auto") -> str | None:
    """Guess a source format from its column names.

    Args:
        columns: The column names.
        kind: "postings", "pay" or "auto" (either).

    Returns:
        The best-fitting format name; with ``kind="auto"`` the kit's own formats come back as "kit_postings" /
        "kit_pay" (so the caller knows the table). None when nothing fits.
    """
    cols = {str(c).strip() for c in columns}
    upper = {c.upper() for c in cols}
    best: tuple[float, Format] | None = None
    for (table, _), fmt in FORMATS.items():
        if kind != "auto" and table != kind:
            continue
        score = fmt.score(cols, upper)
        if score is not None and (best is None or score > best[0]):
            best = (score, fmt)
    if best is None:
        return None
    fmt = best[1]
    return f"{fmt.name}_{fmt.table}" if kind == "auto" and fmt.canonical else fmt.name

"""``validate(paths)``: how each file is read — format, rows, columns mapped, unparsed values, duplicates merged.

This is what ``kit validate PATH...`` prints. It runs the real loaders, so a file that validates loads.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

from kit.core.errors import DataError
from kit.io.formats import detect_format, names
from kit.io.readers import ParseWarning, read_source
from kit.load.pay import read_pay
from kit.load.postings import read_postings

__all__ = ["ValidationReport", "validate"]


@dataclass
class ValidationReport:
    """What one file was read as."""

    path: str
    kind: str  # "postings" or "pay"
    format: str
    rows_read: int
    rows_loaded: int  # after skipping unusable rows and (postings) de-duplication
    columns: dict[str, str] = field(default_factory=dict)  # source column -> canonical column
    unparsed: dict[str, int] = field(default_factory=dict)  # source column -> values left empty
    notes: list[str] = field(default_factory=list)  # other warnings (encoding fallback, skipped rows)
    rows_skipped: int = 0
    duplicates_merged: int = 0  # postings: source rows folded into another row
    salaries_stated: int = 0
    salaries_from_text: int = 0
    markets: int = 0  # distinct markets

    def render(self) -> str:
        """A short human-readable summary, one fact per line."""
        lines = [
            f"{self.path}",
            f"  read as:      {self.kind}, format {self.format!r}",
            f"  rows read:    {self.rows_read:,}",
        ]
        if self.rows_skipped:
            lines.append(f"  rows skipped: {self.rows_skipped:,} (no title / no pay figure)")
        if self.kind == "postings":
            merged = f"{self.duplicates_merged:,} duplicate rows merged"
            lines.append(f"  after de-dup: {self.rows_loaded:,} postings ({merged})")
            lines.append(f"  salaries:     {self.salaries_stated:,} stated, {self.salaries_from_text:,} from text")
        else:
            lines.append(f"  rows loaded:  {self.rows_loaded:,}")
        lines.append(f"  markets:      {self.markets:,} distinct")
        lines.append("  columns mapped (source -> canonical):")
        width = max((len(c) for c in self.columns), default=0)
        lines += [f"    {src:<{width}} -> {canon}" for src, canon in self.columns.items()]
        if self.unparsed:
            lines.append("  values that could not be parsed (left empty):")
            lines += [f"    {col}: {n:,}" for col, n in self.unparsed.items()]
        else:
            lines.append("  values that could not be parsed: none")
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)


def validate(
    paths: str | PathLike | list[str | PathLike],
    *,
    format: str | None = None,  # noqa: A002 - mirrors the loaders' keyword
    kind: str = "auto",
) -> list[ValidationReport]:
    """Read each file with the kit's loaders and report how it was read.

    Args:
        paths: One path or several.
        format: Force a format ("jobspy", "linkedin", "generic", "kit", "levels", "lca").
        kind: "postings", "pay" or "auto" (decided from the format or the columns).

    Returns:
        One :class:`ValidationReport` per path, in order.

    Raises:
        DataError: A file cannot be read or used (the message names the file and the fix).
    """
    items = [paths] if isinstance(paths, str | PathLike) else list(paths)
    return [_validate_one(Path(p), format=format, kind=kind) for p in items]


def _decide_kind(path: Path, fmt: str | None, kind: str) -> str:
    if kind in ("postings", "pay"):
        return kind
    in_pay, in_postings = fmt in names("pay"), fmt in names("postings")
    if in_pay != in_postings:  # a name only one table has ("lca", "jobspy"); "kit" is both: detect
        return "pay" if in_pay else "postings"
    detected = detect_format(read_source(path).columns, kind="auto")
    if detected is None:
        return "postings"  # the postings loader explains what columns it needs
    return "pay" if detected == "kit_pay" or (detected in names("pay") and detected not in names("postings")) \
        else "postings"


def _validate_one(path: Path, *, format: str | None, kind: str) -> ValidationReport:  # noqa: A002
    if kind not in ("auto", "postings", "pay"):
        raise DataError.build(f"unknown kind {kind!r}", expected="'auto', 'postings' or 'pay'")
    chosen = _decide_kind(path, format, kind)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if chosen == "postings":

            loaded = read_postings(path, format=format)
            frame, info = loaded.frame, loaded.sources[0]
            rows_before = loaded.rows_before_dedupe
        else:

            loaded = read_pay(path, format=format)
            frame, info = loaded.frame, loaded.sources[0]
            rows_before = len(frame)
    report = ValidationReport(
        path=str(path), kind=chosen, format=info.format, rows_read=info.rows_read, rows_loaded=len(frame),
        columns=dict(info.columns), rows_skipped=info.rows_dropped,
        markets=int(frame["market"].nunique()) if "market" in frame.columns else 0,
    )
    for w in caught:
        msg = w.message
        if isinstance(msg, ParseWarning) and msg.column is not None and msg.count and "skipped" not in str(msg):
            report.unparsed[msg.column] = report.unparsed.get(msg.column, 0) + msg.count
        elif isinstance(msg, ParseWarning) and "skipped" in str(msg):
            continue
        elif isinstance(msg, UserWarning):
            report.notes.append(str(msg))
    if chosen == "postings":
        report.duplicates_merged = rows_before - len(frame)
        basis = frame["salary_basis"]
        report.salaries_stated = int((basis == "stated").sum())
        report.salaries_from_text = int((basis == "description").sum())
    return report

"""One exception hierarchy for the kit.

Every message says *which* file, column or row, *what* was expected, and *what to do*.
Build messages with :func:`DataError.build` (or pass a finished sentence).
"""

from __future__ import annotations

from os import PathLike

__all__ = ["DataError", "KitError", "SelectionError"]


class KitError(Exception):
    """Base class of every error the kit raises on purpose."""


class DataError(KitError):
    """Input data the kit cannot use: a missing column, an unreadable or empty file, ..."""

    @classmethod
    def build(
        cls,
        problem: str,
        *,
        path: str | PathLike | None = None,
        column: str | None = None,
        row: int | None = None,
        expected: str | None = None,
        fix: str | None = None,
    ) -> DataError:
        """Compose a one-line message: ``file: column 'x', row 5: problem; expected ...; fix``.

        Args:
            problem: What is wrong, in a few words.
            path: The file (or a label such as ``"<DataFrame>"``) the problem is in.
            column: The column concerned.
            row: The 1-based data row concerned.
            expected: What the kit expected instead.
            fix: What the user can do about it.

        Returns:
            A ``DataError`` (or subclass) ready to raise.
        """
        where = []
        if path is not None:
            where.append(str(path))
        loc = []
        if column is not None:
            loc.append(f"column {column!r}")
        if row is not None:
            loc.append(f"row {row}")
        if loc:
            where.append(", ".join(loc))
        msg = ": ".join(where + [problem]) if where else problem
        if expected:
            msg += f"; expected {expected}"
        if fix:
            msg += f". {fix[0].upper()}{fix[1:]}"
        return cls(msg)


class SelectionError(KitError):
    """A selection the data cannot answer: an unknown company or market, no rows left.

    Attributes:
        suggestions: The closest known names, best first (may be empty).
    """

    def __init__(self, message: str, suggestions: list[str] | None = None):
        super().__init__(message)
        self.suggestions = list(suggestions or [])

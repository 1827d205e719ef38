"""The kit's one in-memory memo for values derived from a table column, with a documented lifetime.

Analyses of one selection ask for the same derived arrays again and again (company keys, market codes, the
distinct values of the role column): :class:`ColumnMemo` computes each once per column *content*.

Lifetime of an entry: it is valid while the column's backing array is the same object with the same length
(pandas replaces the array when a column is assigned or copied, so an edited column is recomputed); it lives at
most until ``maxsize`` newer columns were remembered (least recently used dropped first), and at the latest
until the process ends. An entry holds a reference to the backing array, so memory is bounded by ``maxsize``
columns per memo. Nothing here is written to disk (the phrase index has its own disk cache, ``kit.index.cache``;
file loads in notebooks are remembered by path and mtime in ``kit.views``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

import pandas as pd

__all__ = ["ColumnMemo", "column_token"]

T = TypeVar("T")


def column_token(series: pd.Series) -> object:
    """An object that stays the same while a column's data is unchanged (its backing array)."""
    array = series.array
    return getattr(array, "_ndarray", array)


class ColumnMemo(Generic[T]):
    """Remember ``compute(series)`` per column content, for at most ``maxsize`` columns (LRU).

    Args:
        name: What is remembered (for ``repr`` and debugging).
        maxsize: Columns kept.
    """

    def __init__(self, name: str, *, maxsize: int = 4) -> None:
        self.name = name
        self.maxsize = maxsize
        self._entries: OrderedDict[int, tuple[object, int, T]] = OrderedDict()

    def get(self, series: pd.Series, compute: Callable[[pd.Series], T]) -> T:
        """The remembered value for ``series``, computing (and remembering) it when the column is new."""
        token = column_token(series)
        slot = id(token)
        hit = self._entries.get(slot)
        if hit is not None and hit[0] is token and hit[1] == len(series):
            self._entries.move_to_end(slot)
            return hit[2]
        value = compute(series)
        self._entries[slot] = (token, len(series), value)
        self._entries.move_to_end(slot)
        while len(self._entries) > self.maxsize:
            self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        """Forget every entry."""
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"ColumnMemo({self.name!r}, {len(self)}/{self.maxsize} columns)"

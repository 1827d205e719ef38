"""Source formats: one module per format, each registering one :class:`~kit.io.formats.registry.Format`.

Importing this package imports every module in it (so a new format needs no edit here), in name order.
Use :func:`detect_format`, :func:`get_format`, :func:`names` and :func:`adapt` from the registry.
"""

from __future__ import annotations

import pkgutil
from importlib import import_module

import pandas as pd

from kit.io.formats.registry import FORMATS, Format, adapt, detect_format, get_format, names, register

__all__ = ["FORMATS", "Format", "adapt", "adapt_pay", "adapt_postings", "detect_format", "get_format", "names",
           "register"]

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if _info.name not in ("registry", "common"):
        import_module(f"{__name__}.{_info.name}")


def adapt_postings(raw: pd.DataFrame, fmt: str, *, label: str, mapping: dict[str, str] | None = None
                   ) -> tuple[pd.DataFrame, dict[str, str]]:
    """Adapt a raw postings table with the postings format ``fmt`` (see :func:`adapt`)."""
    return adapt(raw, fmt, "postings", label=label, mapping=mapping)


def adapt_pay(raw: pd.DataFrame, fmt: str, *, label: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """Adapt a raw pay table with the pay format ``fmt`` (see :func:`adapt`)."""
    return adapt(raw, fmt, "pay", label=label)

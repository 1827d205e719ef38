"""Swimlanes kit: compare Technical Product Manager (PM-T) and Technical Program Manager (TPM)
roles from job postings and pay tables.

The public names below are imported lazily (on first use), so ``import kit`` stays cheap for
notebook kernels and worker processes.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from kit.errors import DataError, KitError, SelectionError

__version__ = "0.1.0"

# public name -> module that defines it
_LAZY = {
    "build_index": "kit.index",
    "check_claims": "kit.claims",
    "check_pay_claims": "kit.paystats",
    "classify_titles": "kit.titles",
    "distinctive_phrases": "kit.phrases",
    "explain_role": "kit.roles",
    "explore": "kit.explorer",
    "fit": "kit.fit",
    "load_levels": "kit.levels",
    "load_lexicon": "kit.lexicon",
    "load_pay": "kit.pay",
    "load_postings": "kit.postings",
    "pay_by_level": "kit.paystats",
    "phrase_frequency": "kit.phrases",
    "role_overlap": "kit.overlap",
    "role_trend": "kit.trend",
    "role_text": "kit.prepare.sections",
    "section_text": "kit.prepare.sections",
    "sections": "kit.prepare.sections",
    "select": "kit.selection",
    "title_variants": "kit.variants",
}

__all__ = sorted([*_LAZY, "DataError", "KitError", "SelectionError", "__version__"])


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'kit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # for editors and type checkers
    from kit.claims import check_claims
    from kit.explorer import explore
    from kit.fit import fit
    from kit.index import build_index
    from kit.levels import load_levels
    from kit.lexicon import load_lexicon
    from kit.overlap import role_overlap
    from kit.pay import load_pay
    from kit.paystats import check_pay_claims, pay_by_level
    from kit.phrases import distinctive_phrases, phrase_frequency
    from kit.postings import load_postings
    from kit.prepare.sections import role_text, section_text, sections
    from kit.roles import explain_role
    from kit.selection import select
    from kit.titles import classify_titles
    from kit.trend import role_trend
    from kit.variants import title_variants

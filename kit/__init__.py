"""Swimlanes kit: compare Technical Product Manager (PM-T) and Technical Program Manager (TPM)
roles from job postings and pay tables.

The public names below are imported lazily (on first use), so ``import kit`` stays cheap for
notebook kernels and worker processes.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from kit._version import __version__
from kit.core.errors import DataError, KitError, SelectionError

# public name -> module that defines it
_LAZY = {
    "build_index": "kit.index.phraseindex",
    "check_claims": "kit.analysis.claims",
    "check_pay_claims": "kit.analysis.paystats",
    "classify_titles": "kit.prepare.titles",
    "distinctive_phrases": "kit.analysis.phrases",
    "explain_role": "kit.prepare.roles",
    "explore": "kit.widgets.explorer",
    "fetch_postings": "kit.fetch.run",
    "fit": "kit.analysis.storyfit",
    "load_levels": "kit.prepare.levels",
    "load_lexicon": "kit.index.lexicon",
    "load_pay": "kit.load.pay",
    "load_postings": "kit.load.postings",
    "load_postings_partitioned": "kit.load.partitioned",
    "pay_by_level": "kit.analysis.paystats",
    "phrase_frequency": "kit.analysis.phrases",
    "role_overlap": "kit.analysis.overlap",
    "role_reliability": "kit.analysis.rolecal",
    "role_text": "kit.prepare.sections",
    "role_trend": "kit.analysis.trend",
    "section_text": "kit.prepare.sections",
    "sections": "kit.prepare.sections",
    "select": "kit.analysis.selection",
    "title_variants": "kit.analysis.variants",
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
    from kit.analysis.claims import check_claims
    from kit.analysis.overlap import role_overlap
    from kit.analysis.paystats import check_pay_claims, pay_by_level
    from kit.analysis.phrases import distinctive_phrases, phrase_frequency
    from kit.analysis.rolecal import role_reliability
    from kit.analysis.selection import select
    from kit.analysis.storyfit import fit
    from kit.analysis.trend import role_trend
    from kit.analysis.variants import title_variants
    from kit.fetch.run import fetch_postings
    from kit.index.lexicon import load_lexicon
    from kit.index.phraseindex import build_index
    from kit.load.partitioned import load_postings_partitioned
    from kit.load.pay import load_pay
    from kit.load.postings import load_postings
    from kit.prepare.levels import load_levels
    from kit.prepare.roles import explain_role
    from kit.prepare.sections import role_text, section_text, sections
    from kit.prepare.titles import classify_titles
    from kit.widgets.explorer import explore

"""Which sections of a posting the index counts: the ``sections=`` option shared by every text analysis.

The analyses read the job, not the boilerplate: by default (``sections="role"``) the phrase index is built
on the role's own sections (:data:`kit.prepare.sections.ROLE_KINDS`: summary, responsibilities,
requirements and un-headed body text), so a phrase in the "About us" paragraph, the benefits, the legal
text or a paragraph repeated across a company's postings is not counted. ``sections="all"`` counts the
whole description (the behaviour before sections existed); a list of kinds (``["requirements"]``)
counts only those.

The text is cut from the postings' stored ``sections`` spans (:func:`kit.prepare.sections.section_text`, no
parsing; a frame without that column gets its spans computed once, when its index is built). The choice is
part of the index's parameters (:func:`scope_label`), so each choice has its own cached index and the
default one is built once, on role text.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from kit.core.errors import DataError
from kit.core.schema import require_columns
from kit.prepare.sections import KINDS, ROLE_KINDS, section_text

__all__ = ["DEFAULT_SECTIONS", "Sections", "scope_kinds", "scope_label", "scope_note", "scoped_text"]

#: What the analyses count unless told otherwise.
DEFAULT_SECTIONS = "role"

#: The ``sections=`` option: "role", "all", one kind or a list of kinds.
Sections = str | Iterable[str] | None


def scope_kinds(sections: Sections = DEFAULT_SECTIONS) -> tuple[str, ...] | None:
    """The section kinds counted for a ``sections=`` value (None: the whole description).

    Args:
        sections: "role" (or None) for :data:`~kit.prepare.sections.ROLE_KINDS`, "all" for the whole
            description, or kind names from :data:`~kit.prepare.sections.KINDS` (``"requirements"`` includes
            ``requirements/minimum`` and ``requirements/preferred``).

    Returns:
        The kinds in the order given, or None for "all".

    Raises:
        DataError: An unknown kind, or an empty list.
    """
    if sections is None or (isinstance(sections, str) and sections == "role"):
        return ROLE_KINDS
    if isinstance(sections, str) and sections == "all":
        return None
    kinds = (sections,) if isinstance(sections, str) else tuple(str(k) for k in sections)
    bad = [k for k in kinds if k.split("/")[0] not in KINDS]
    if bad or not kinds:
        raise DataError.build(
            f"sections={sections!r}: unknown section kinds {bad}" if bad else "sections=[]: no section kinds",
            expected=f"'role', 'all' or a list of kinds from {list(KINDS)}",
            fix="pass sections='role' (the role's own text, default) or sections='all' (the whole description)",
        )
    return tuple(dict.fromkeys(kinds))


def scope_label(sections: Sections = DEFAULT_SECTIONS) -> str:
    """A short, canonical name of the choice ("role", "all", "requirements+responsibilities"): part of index keys.

    Raises:
        DataError: As :func:`scope_kinds`.
    """
    kinds = scope_kinds(sections)
    if kinds is None:
        return "all"
    if kinds == ROLE_KINDS:
        return "role"
    return "+".join(sorted(kinds))


def scope_note(sections: Sections = DEFAULT_SECTIONS) -> str:
    """One line saying which sections were counted (shown by the report and the explorer).

    Raises:
        DataError: As :func:`scope_kinds`.
    """
    kinds = scope_kinds(sections)
    if kinds is None:
        return "Text counted: the whole description (all sections, company description and boilerplate included)."
    if kinds == ROLE_KINDS:
        return ("Text counted: the role's own sections (summary, responsibilities, requirements, text under no "
                "heading); the company description, benefits, legal text and paragraphs repeated across a "
                "company's postings are left out.")
    return "Text counted: only the sections " + ", ".join(kinds) + "."


def scoped_text(postings: pd.DataFrame, sections: Sections = DEFAULT_SECTIONS) -> pd.Series:
    """The counted text of each posting: the description, or the chosen sections of it.

    Args:
        postings: A frame with ``description`` (and, for a loaded table, ``sections`` spans; else ``company``
            helps find company-repeated boilerplate).
        sections: As :func:`scope_kinds`.

    Returns:
        A series on the postings' index.

    Raises:
        DataError: No ``description`` column, or an unknown kind.
    """
    require_columns(postings.columns, ("description",), problem="postings have no 'description' column",
                    expected="a postings table with the posting text",
                    fix="load it with kit.load_postings or rename your text column to 'description'")
    kinds = scope_kinds(sections)
    if kinds is None:
        return postings["description"]
    return section_text(postings, list(kinds))

r"""Cut a posting's text into sections: about the company, summary, duties, requirements, benefits, legal, body.

Kinds: about the company, role summary, responsibilities, requirements (minimum / preferred), benefits and pay,
legal boilerplate, company-repeated boilerplate, body.

Headings and boilerplate wording live in ``kit/data/sections.yaml`` (documented at its top). The text is
read line by line (:func:`kit.prepare.text.clean_text` leaves markdown ``#`` / ``**bold**`` headings, HTML ``<h2>`` /
``<b>`` headings and plain caps lines each on a line of their own); a short non-bullet line that matches a
heading pattern starts a section, and so does "Heading: text" on one line. Lines with legal wording are legal
wherever they are; pay / benefits wording and the company's self-description count as such outside the role's
headed sections. A text without any heading is one "body" section (minus such lines).

Loaded postings keep the result as a compact span column (``sections``: ``"about:0-120;responsibilities:120-900"``,
offsets into ``description``), computed once in :func:`kit.prepare.enrich.enrich_postings`; :func:`role_text` and
:func:`section_text` read it back without parsing again. Paragraphs repeated across most of one company's postings
(same line in >= ``repeat_share`` of them) become "boilerplate" even without a heading
(:func:`company_boilerplate`, run over the company groups at load time).

Example:
    >>> from kit.prepare.sections import sections
    >>> [k for k, _ in sections("About us\\nAcme makes rockets.\\nWhat you'll do\\n- Own the API roadmap")]
    ['about', 'responsibilities']
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from kit.core.datafiles import read_yaml
from kit.core.errors import DataError
from kit.core.schema import require_columns
from kit.prepare.text import clean_text

__all__ = [
    "KINDS",
    "ROLE_KINDS",
    "SECTIONS_FILE",
    "company_boilerplate",
    "lever_text",
    "load_section_rules",
    "parse_spans",
    "role_text",
    "section_spans",
    "section_text",
    "sections",
    "spans_series",
]

SECTIONS_FILE = Path(__file__).resolve().parents[1] / "data" / "sections.yaml"

#: Section kinds (``requirements`` may carry a qualifier: ``requirements/minimum``, ``requirements/preferred``).
KINDS = ("about", "summary", "responsibilities", "requirements", "benefits", "legal", "boilerplate", "body")
#: The role's own text: what analyses and the role decision count by default.
ROLE_KINDS = ("summary", "responsibilities", "requirements", "body")
_HEADING_KINDS = ("summary", "responsibilities", "requirements/minimum", "requirements/preferred", "requirements",
                  "benefits", "legal", "about")
_ROLE_HEADED = ("summary", "responsibilities", "requirements")

_LEAD = re.compile(r"^[^\w$(]+", re.UNICODE)  # emoji, bullets, numbering punctuation before a heading
_NUMBERING = re.compile(r"^(?:\d{1,2}[.)]|[ivx]{1,4}[.)])\s+")
_SPACES = re.compile(r"\s+")
_INLINE = re.compile(r"^([^:\n]{3,60}?)\s*:\s*(\S.*)$")
_SPAN = re.compile(r"([a-z/]+):(\d+)-(\d+)")


@dataclass(frozen=True)
class SectionRules:
    """Compiled contents of a sections.yaml file (see :func:`load_section_rules`)."""

    headings: tuple[tuple[str, re.Pattern], ...]
    legal: re.Pattern
    benefits: re.Pattern
    about: re.Pattern
    max_words: int
    max_chars: int
    repeat_share: float
    repeat_min_postings: int
    repeat_min_chars: int


def _compile(patterns: Iterable[str], *, path: Path, where: str, whole: bool) -> re.Pattern:
    alts = []
    for p in patterns:
        try:
            re.compile(str(p))
        except re.error as exc:
            raise DataError.build(f"{where}: bad pattern {p!r} ({exc})", path=path,
                                  fix="fix the regular expression") from None
        alts.append(f"(?:{p})")
    body = "|".join(alts) or "(?!)"
    return re.compile(rf"^(?:{body})$" if whole else body)


@functools.lru_cache(maxsize=8)
def load_section_rules(path: str | Path | None = None) -> SectionRules:
    """Load and compile the section rules.

    Args:
        path: A sections.yaml file; the bundled ``kit/data/sections.yaml`` by default.

    Returns:
        The compiled rules (cached per path).

    Raises:
        DataError: If the file is missing or malformed, or a pattern is not a valid regular expression.
    """
    path = Path(path) if path is not None else SECTIONS_FILE
    raw = read_yaml(path, what="section rules")
    heads, words = raw.get("headings"), raw.get("wording")
    if not isinstance(heads, Mapping) or not isinstance(words, Mapping):
        raise DataError.build("missing 'headings' or 'wording'", path=path, expected="mappings kind -> patterns")
    unknown = set(heads) - set(_HEADING_KINDS)
    if unknown:
        raise DataError.build(f"unknown heading kinds {sorted(unknown)}", path=path, expected=list(_HEADING_KINDS))
    compiled = tuple(
        (kind, _compile(heads[kind] or [], path=path, where=f"headings.{kind}", whole=True))
        for kind in _HEADING_KINDS if kind in heads
    )
    rules = {"max_heading_words": 10, "max_heading_chars": 80, "repeat_share": 0.6, "repeat_min_postings": 3,
             "repeat_min_chars": 40, **(raw.get("rules") or {})}
    return SectionRules(
        headings=compiled,
        legal=_compile(words.get("legal") or [], path=path, where="wording.legal", whole=False),
        benefits=_compile(words.get("benefits") or [], path=path, where="wording.benefits", whole=False),
        about=_compile(words.get("about") or [], path=path, where="wording.about", whole=False),
        max_words=int(rules["max_heading_words"]),
        max_chars=int(rules["max_heading_chars"]),
        repeat_share=float(rules["repeat_share"]),
        repeat_min_postings=int(rules["repeat_min_postings"]),
        repeat_min_chars=int(rules["repeat_min_chars"]),
    )


def _norm_heading(line: str) -> str:
    s = line.strip().lower().replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    s = _LEAD.sub("", s)
    s = _NUMBERING.sub("", s)
    s = s.strip().rstrip(":").strip()
    s = s.strip("_*").strip()
    return _SPACES.sub(" ", s)


def _heading_kind(line: str, rules: SectionRules) -> str | None:
    """The kind a heading line starts, or None when the line is not a known heading."""
    stripped = line.strip()
    if not stripped or stripped.startswith("- ") or len(stripped) > rules.max_chars:
        return None
    norm = _norm_heading(stripped)
    if not norm or len(norm.split()) > rules.max_words:
        return None
    for kind, pattern in rules.headings:
        if pattern.match(norm):
            return kind
    return None


_LINE_CACHE: dict[tuple[int, str], dict[str, Any]] = {}  # per rules object and question: line -> answer


def _wording(line: str, rules: SectionRules, which: str) -> bool:
    """Whether a line has ``which`` ("benefits" / "about") wording; cached per distinct line, asked only when needed."""
    cache = _LINE_CACHE.setdefault((id(rules), which), {})
    hit = cache.get(line)
    if hit is None:
        low = line.lower()
        hit = bool(rules.benefits.search(low)) if which == "benefits" else bool(rules.about.search(low.strip()))
        if len(cache) > 200_000:
            cache.clear()
        cache[line] = hit
    return hit


def _line_info(line: str, rules: SectionRules) -> tuple[str | None, bool]:
    """(heading kind, legal wording) of one line, cached per distinct line."""
    cache = _LINE_CACHE.setdefault((id(rules), "line"), {})
    hit = cache.get(line)
    if hit is None:
        kind = _heading_kind(line, rules)
        if kind is None and ":" in line[:62]:
            m = _INLINE.match(line.strip())
            if m and (k := _heading_kind(m.group(1), rules)) is not None and len(m.group(2)) > 20:
                kind = k
        hit = (kind, bool(rules.legal.search(line.lower())))
        if len(cache) > 200_000:
            cache.clear()
        cache[line] = hit
    return hit


def _line_offsets(text: str) -> list[tuple[int, int]]:
    out, start = [], 0
    for line in text.split("\n"):
        end = start + len(line)
        out.append((start, end))
        start = end + 1
    return out


def _line_hash(line: str) -> str:
    return _norm_hash(" ".join(line.lower().split()))


def _norm_hash(normalized: str) -> str:
    return hashlib.blake2b(normalized.encode(), digest_size=8).hexdigest()


def section_spans(
    text: str | None, *, repeated: frozenset[str] | set[str] = frozenset(), rules: SectionRules | None = None
) -> list[tuple[str, int, int]]:
    """Sections of an already-clean text as ``(kind, start, end)`` character spans covering it.

    Args:
        text: Plain text as :func:`kit.prepare.text.clean_text` leaves it (lines); None / empty gives ``[]``.
        repeated: Hashes (:func:`company_boilerplate`) of lines repeated across the company's postings:
            such lines under no heading ("body") become "boilerplate".
        rules: Compiled rules; the bundled ones by default.

    Returns:
        Consecutive spans ``(kind, start, end)``; ``text[start:end]`` is the section (headings included).
    """
    if not text:
        return []
    rules = rules or load_section_rules()
    kinds: list[tuple[str, int, int]] = []
    current, headed = "body", False
    for start, end in _line_offsets(text):
        line = text[start:end]
        if not line.strip():
            kinds.append((current, start, end))
            continue
        kind, is_legal = _line_info(line, rules)
        if kind is not None:
            current, headed = kind, True
            kinds.append((kind, start, end))
            continue
        family = current.split("/")[0]
        if is_legal:
            kinds.append(("legal", start, end))
        elif family not in _ROLE_HEADED and _wording(line, rules, "benefits"):
            kinds.append(("benefits", start, end))
        elif repeated and current == "body" and len(line.strip()) >= rules.repeat_min_chars and (
                _line_hash(line) in repeated):
            kinds.append(("boilerplate", start, end))
        elif not headed and current == "body" and _wording(line, rules, "about"):
            kinds.append(("about", start, end))
        else:
            kinds.append((current, start, end))
    # merge runs of one kind; blank lines join the section before them
    spans: list[list[Any]] = []
    for kind, start, end in kinds:
        if spans and (spans[-1][0] == kind or not text[start:end].strip()):
            spans[-1][2] = end
        else:
            if spans:
                spans[-1][2] = start
            spans.append([kind, start, end])
    if spans:
        spans[0][1] = 0
        spans[-1][2] = len(text)
    return [(k, s, e) for k, s, e in spans]


def lever_text(posting: Mapping[str, Any]) -> str:
    """One text with heading lines from a Lever posting.

    Reads ``descriptionPlain`` / ``description``, ``lists`` and ``additionalPlain`` / ``additional``: each
    ``lists`` entry's ``text`` becomes a heading line above its content.

    Args:
        posting: A Lever postings-API object.

    Returns:
        Clean text (see :func:`kit.prepare.text.clean_text`).
    """
    parts = [posting.get("descriptionPlain") or posting.get("description") or ""]
    for item in posting.get("lists") or []:
        if isinstance(item, Mapping):
            parts.append(str(item.get("text") or ""))
            parts.append(str(item.get("content") or ""))
    parts.append(posting.get("additionalPlain") or posting.get("additional") or "")
    return clean_text("\n".join(p if p.lstrip().startswith("<") else f"<p>{p}</p>" if "<" in p else p
                                for p in parts if p)) or ""


def sections(text: str | Mapping[str, Any] | None, *, rules_file: str | Path | None = None) -> list[tuple[str, str]]:
    """A posting's text as ``(kind, text)`` sections, in order.

    Args:
        text: Raw or clean posting text (HTML and markdown are cleaned first), or a Lever posting object
            (its ``lists`` headings are used).
        rules_file: A sections.yaml; the bundled one by default.

    Returns:
        ``[(kind, section_text), ...]``; kind in :data:`KINDS` (``requirements/minimum`` and
        ``requirements/preferred`` qualify requirements). A text without headings is ``[("body", text)]``
        (minus lines with legal / pay wording). Empty text gives ``[]``.
    """
    if isinstance(text, Mapping):
        clean = lever_text(text)
    else:
        clean = clean_text(text) if text else ""
    rules = load_section_rules(rules_file)
    return [(k, clean[s:e].strip()) for k, s, e in section_spans(clean, rules=rules) if clean[s:e].strip()]


def _format_spans(spans: list[tuple[str, int, int]]) -> str:
    return ";".join(f"{k}:{s}-{e}" for k, s, e in spans)


def parse_spans(value: str | None) -> list[tuple[str, int, int]]:
    """``"about:0-120;responsibilities:120-900"`` -> ``[("about", 0, 120), ("responsibilities", 120, 900)]``."""
    if value is None or (not isinstance(value, str) and pd.isna(value)) or not value:
        return []
    return [(m.group(1), int(m.group(2)), int(m.group(3))) for m in _SPAN.finditer(value)]


def company_boilerplate(
    descriptions: pd.Series, companies: pd.Series, *, rules: SectionRules | None = None
) -> dict[Any, frozenset[str]]:
    """Lines repeated across most of each company's postings (hashes), per company.

    Args:
        descriptions: Clean description texts.
        companies: Company per posting (same index); NA companies are skipped.
        rules: Compiled rules; the bundled ones by default.

    Returns:
        ``{company: frozenset(line hashes)}`` for companies with at least ``repeat_min_postings`` postings.
    """
    from kit.prepare.sections_fast import spans_column

    rules = rules or load_section_rules()
    _, found = spans_column(descriptions.astype("string"), companies.astype("string"), rules, spans=False)
    return {company: frozenset(_norm_hash(line) for line in lines) for company, lines in found.items()}


def spans_series(
    descriptions: pd.Series, companies: pd.Series | None = None, *, rules: SectionRules | None = None
) -> pd.Series:
    """The ``sections`` column: compact spans per description (each distinct text x company parsed once).

    Args:
        descriptions: Clean description texts (NA allowed).
        companies: Company per posting, for company-repeated boilerplate; None skips that step.
        rules: Compiled rules; the bundled ones by default.

    Returns:
        A ``string`` series on the same index (NA where the description is NA / empty).
    """
    from kit.prepare.sections_fast import spans_column

    rules = rules or load_section_rules()
    comp = companies.astype("string") if companies is not None else None
    return spans_column(descriptions.astype("string"), comp, rules)[0]


def _as_kinds(kinds: str | Iterable[str] | None) -> tuple[str, ...] | None:
    if kinds is None or kinds == "role":
        return ROLE_KINDS
    if kinds == "all":
        return None
    if isinstance(kinds, str):
        kinds = [kinds]
    kinds = tuple(kinds)
    bad = [k for k in kinds if k.split("/")[0] not in KINDS]
    if bad:
        raise DataError.build(f"unknown section kinds {bad}", expected=f"'role', 'all' or kinds from {list(KINDS)}")
    return kinds


def _pick(text: str, spans: str | None, kinds: tuple[str, ...] | None) -> str:
    if kinds is None:
        return text
    parsed = parse_spans(spans)
    if not parsed:  # no span column value: the whole text is one body
        return text if "body" in kinds else ""
    keep = [text[s:e] for k, s, e in parsed if k in kinds or k.split("/")[0] in kinds]
    return "\n".join(p.strip("\n") for p in keep if p.strip())


def section_text(postings: pd.DataFrame, kinds: str | Iterable[str] | None = "role") -> pd.Series:
    """The text of the chosen sections of each posting, from the stored ``sections`` spans (no parsing).

    Args:
        postings: A loaded postings frame (``description`` and ``sections``); a frame without ``sections``
            gets them computed on the fly.
        kinds: "role" (default: summary, responsibilities, requirements, body), "all" (the whole description),
            or kind names (``"requirements"`` includes its minimum / preferred parts).

    Returns:
        A ``string`` series on the postings' index (NA where the description is NA).

    Raises:
        DataError: If ``postings`` has no ``description`` column or a kind is unknown.
    """
    require_columns(postings.columns, ("description",), problem="postings have no 'description' column",
                    expected="a loaded postings table")
    wanted = _as_kinds(kinds)
    desc = postings["description"].astype("string")
    spans = postings["sections"] if "sections" in postings.columns else spans_series(
        desc, postings["company"] if "company" in postings.columns else None)
    out = [pd.NA if (d is pd.NA or d is None) else _pick(str(d), s if isinstance(s, str) else None, wanted)
           for d, s in zip(desc.tolist(), spans.tolist(), strict=True)]
    return pd.Series(out, index=postings.index, dtype="string")


def role_text(postings: pd.DataFrame) -> pd.Series:
    """The role's own text per posting (summary, responsibilities, requirements, body): ``section_text(p, "role")``."""
    return section_text(postings, "role")

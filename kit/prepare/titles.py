"""Read raw job titles: clean title, seniority, role family, role (pmt / tpm / pm / pgm / other), variant.

All words, patterns and decisions live in ``kit/data/titles.yaml`` (documented at its top); this
module only applies them. Titles repeat heavily in posting data, so :func:`classify_titles`
classifies each distinct title once and maps the result back.

Example:
    >>> from kit.prepare.titles import classify_titles
    >>> classify_titles(["Sr. Technical Program Mgr, AWS"]).loc[0, ["role", "seniority"]].tolist()
    ['tpm', 'senior']
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from kit.core.datafiles import read_yaml
from kit.core.errors import DataError
from kit.core.paths import DATA_DIR
from kit.core.schema import LADDER, ROLES

__all__ = ["TITLE_COLUMNS", "TITLES_FILE", "classify_titles", "load_title_rules"]

TITLES_FILE = DATA_DIR / "titles.yaml"

#: Output columns of :func:`classify_titles`, in order, with their dtypes.
TITLE_COLUMNS: dict[str, str] = {
    "title_clean": "string",
    "seniority": "string",
    "family": "string",
    "role": "string",
    "variant": "string",
    "role_confidence": "Float64",
    "role_basis": "string",
}

FAMILIES = ("product", "program", "project", "engineering", "other")

_SPLIT = re.compile(r"\s*(?:[,;|:()\[\]{}]|\s[-–—]+\s*|[-–—]+\s|\s/\s)\s*")
_SPACES = re.compile(r"\s+")
_TRIM = re.compile(r"^[\s\-–—.,/&:;]+|[\s\-–—.,/&:;]+$")
_BARE_PM = re.compile(r"(?<![\w/])pm(?!\s*-\s*t\b)(?![\w/])")
_END_NUMERAL = re.compile(r"(?<!\w)(?:i{1,3}|iv|v|vi|\d{1,2})\s*$")
_LEAD_OF = re.compile(r"^(?:of|for|the|and|&)\s+")
_DIGIT_OR_HASH = re.compile(r"[\d#]")
_WORD_DOT = re.compile(r"(?<![\w.])([a-z]+)\.?(?![\w])")  # a word and its abbreviation period, not ".net"


@dataclass(frozen=True)
class _Head:
    family: str
    role: str
    kind: str | None
    variant: str | None
    confidence: float


@dataclass(frozen=True)
class _Modifier:
    pattern: re.Pattern
    where: str
    variant: str
    confidence: float
    role: str | None


@dataclass(frozen=True)
class TitleRules:
    """The compiled contents of a titles.yaml file (see :func:`load_title_rules`)."""

    replacements: tuple[tuple[str, str], ...]
    requisition: re.Pattern
    abbreviation_patterns: re.Pattern
    pattern_expansions: tuple[str, ...]
    abbreviations: dict[str, str]
    heads_rx: re.Pattern
    heads: tuple[_Head, ...]
    modifiers: dict[str, tuple[_Modifier, ...]]
    nontechnical: re.Pattern
    qualifier_rx: re.Pattern
    location_rx: re.Pattern
    seniority_rx: re.Pattern
    seniority_levels: tuple[str, ...]
    numeral_rx: re.Pattern
    strip_rx: re.Pattern
    skip_rx: re.Pattern
    numerals: dict[str, str]
    code_rx: re.Pattern
    codes: dict[str, dict[int, str]]
    acronyms: frozenset[str]
    small_words: frozenset[str]
    variants: dict[str, tuple[str, ...]]
    overrides: tuple[tuple[re.Pattern, _Head], ...] = ()


def _words(alternation: str) -> str:
    """Wrap a regex alternation so it only matches whole words."""
    return rf"(?<!\w)(?:{alternation})(?!\w)"


def _named_words(prefix: str, alternations: list[str]) -> str:
    """Whole-word alternatives, each in a group named ``prefix`` + its index (the first one matching wins).

    The same matches as ``"|".join(f"(?P<{prefix}{k}>{_words(a)})" ...)``: the lookbehind every alternative opens
    with is tested once per position instead of once per alternative (about 3x faster in Python's ``re``).
    """
    if not alternations:
        return r"(?!x)x"
    return r"(?<!\w)(?:" + "|".join(rf"(?P<{prefix}{k}>(?:{a})(?!\w))" for k, a in enumerate(alternations)) + ")"


@functools.lru_cache(maxsize=8)
def load_title_rules(path: str | Path | None = None) -> TitleRules:
    """Load and compile the title rules.

    Args:
        path: A titles.yaml file; the bundled ``kit/data/titles.yaml`` by default.

    Returns:
        The compiled rules (cached per path).

    Raises:
        DataError: If the file is missing, not valid YAML, or names an unknown role, family,
            seniority level or variant, or holds an invalid regular expression.
    """
    path = Path(path) if path is not None else TITLES_FILE
    raw = read_yaml(path, what="title rules")

    def bad(problem: str, *, expected: str | None = None) -> DataError:
        return DataError.build(problem, path=path, expected=expected, fix="edit the file (see its header)")

    def rx(pattern: str, where: str, flags: int = 0) -> re.Pattern:
        try:
            return re.compile(pattern, flags)
        except re.error as exc:
            raise bad(f"{where}: invalid regular expression {pattern!r} ({exc})") from exc

    variants = {role: tuple(names) for role, names in (raw.get("variants") or {}).items()}
    known_variants = {v for names in variants.values() for v in names}
    for role in variants:
        if role not in ROLES:
            raise bad(f"variants: unknown role {role!r}", expected=f"one of {ROLES}")

    heads, head_alts = [], []
    for i, item in enumerate(raw.get("heads") or []):
        if item.get("family") not in FAMILIES or item.get("role") not in ROLES:
            raise bad(f"heads[{i}]: bad family/role in {item}", expected=f"family in {FAMILIES}, role in {ROLES}")
        if item.get("variant") and item["variant"] not in known_variants:
            raise bad(f"heads[{i}]: variant {item['variant']!r} is not listed under `variants`")
        rx(item["pattern"], f"heads[{i}]")
        head_alts.append(f"(?P<h{i}>{item['pattern']})")
        heads.append(
            _Head(
                item["family"], item["role"], item.get("kind"), item.get("variant"), float(item.get("confidence", 0.8))
            )
        )

    overrides = []
    for i, item in enumerate(raw.get("overrides") or []):
        if item.get("family") not in FAMILIES or item.get("role") not in ROLES:
            raise bad(f"overrides[{i}]: bad family/role in {item}", expected=f"family in {FAMILIES}, role in {ROLES}")
        if item.get("variant") and item["variant"] not in known_variants:
            raise bad(f"overrides[{i}]: variant {item['variant']!r} is not listed under `variants`")
        overrides.append((rx(item["pattern"], f"overrides[{i}]"), _Head(
            item["family"], item["role"], None, item.get("variant"), float(item.get("confidence", 0.8)))))

    modifiers: dict[str, tuple[_Modifier, ...]] = {}
    for kind, items in (raw.get("modifiers") or {}).items():
        mods = []
        for j, item in enumerate(items):
            if item["variant"] not in known_variants:
                raise bad(f"modifiers.{kind}[{j}]: variant {item['variant']!r} is not listed under `variants`")
            if item.get("where", "any") not in ("prefix", "suffix", "any"):
                raise bad(f"modifiers.{kind}[{j}]: bad `where`", expected="prefix, suffix or any")
            mods.append(
                _Modifier(
                    rx(_words(item["pattern"]), f"modifiers.{kind}[{j}]"),
                    item.get("where", "any"),
                    item["variant"],
                    float(item.get("confidence", 0.85)),
                    item.get("role"),
                )
            )
        modifiers[kind] = tuple(mods)

    seniority = raw.get("seniority") or {}
    for level in seniority:
        if level not in LADDER:
            raise bad(f"seniority: unknown level {level!r}", expected=f"one of {LADDER}")
    levels = tuple(seniority)
    seniority_rx = rx(_named_words("s", [seniority[level] for level in levels]), "seniority")
    numerals = {str(k): str(v) for k, v in (raw.get("numerals") or {}).items()}
    codes = {str(p): {int(n): str(v) for n, v in table.items()} for p, table in (raw.get("level_codes") or {}).items()}
    for table in [numerals, *codes.values()]:
        for level in table.values():
            if level not in LADDER:
                raise bad(f"numerals/level_codes: unknown level {level!r}", expected=f"one of {LADDER}")
    num_alt = "|".join(sorted(map(re.escape, numerals), key=len, reverse=True)) or r"(?!x)x"
    code_alt = "|".join(sorted(map(re.escape, codes), key=len, reverse=True)) or r"(?!x)x"

    qualifier = raw.get("qualifier_words") or r"(?!x)x"
    strip_alts = [
        *(seniority[level] for level in levels),
        rf"(?:{code_alt})-?\d{{1,2}}",
        raw.get("location_words") or r"(?!x)x",
    ]
    patterns = raw.get("abbreviation_patterns") or {}
    abbr_rx = rx(_named_words("a", list(patterns)), "abbreviation_patterns")
    return TitleRules(
        replacements=tuple((str(k).lower(), str(v)) for k, v in (raw.get("replacements") or {}).items()),
        requisition=rx("|".join(f"(?:{p})" for p in raw.get("requisition_codes") or [r"(?!x)x"]), "requisition_codes"),
        abbreviation_patterns=abbr_rx,
        pattern_expansions=tuple(str(v) for v in patterns.values()),
        abbreviations={str(k).lower(): str(v) for k, v in (raw.get("abbreviations") or {}).items()},
        heads_rx=rx(_words("|".join(head_alts)) if head_alts else r"(?!x)x", "heads"),
        overrides=tuple(overrides),
        heads=tuple(heads),
        modifiers=modifiers,
        nontechnical=rx(_words(raw.get("nontechnical_context") or r"(?!x)x"), "nontechnical_context"),
        qualifier_rx=rx(_words(raw.get("qualifier_words") or r"(?!x)x"), "qualifier_words"),
        location_rx=rx(_words(raw.get("location_words") or r"(?!x)x"), "location_words"),
        seniority_rx=seniority_rx,
        seniority_levels=levels,
        numeral_rx=rx(rf"(?<=[a-z.])\s+({num_alt})\s*$", "numerals"),
        strip_rx=rx(_words("|".join(strip_alts)), "seniority/level_codes/location_words"),
        skip_rx=rx(_words("|".join([qualifier, *strip_alts])), "qualifier_words"),
        numerals=numerals,
        code_rx=rx(rf"(?<![\w/])({code_alt})-?(\d{{1,2}})(?![\w/])", "level_codes"),
        codes=codes,
        acronyms=frozenset(str(a).lower() for a in raw.get("acronyms") or []),
        small_words=frozenset(str(a).lower() for a in raw.get("small_words") or []),
        variants=variants,
    )


def normalize_title(title: str, rules: TitleRules | None = None) -> str:
    """Lower-case a title, fix encoding debris, drop requisition codes and expand abbreviations.

    Args:
        title: A raw title.
        rules: Compiled rules; the bundled ones by default.

    Returns:
        The normalized title, e.g. ``"Sr. TPM - KBGFJG17086-11"`` -> ``"senior technical program manager"``.
    """
    rules = rules or load_title_rules()
    text = str(title).lower()
    if not text.isascii():
        for old, new in rules.replacements:
            text = text.replace(old, new)
    if _DIGIT_OR_HASH.search(text):
        text = rules.requisition.sub(" ", text)
    text = rules.abbreviation_patterns.sub(lambda m: rules.pattern_expansions[int(m.lastgroup[1:])], text)
    abbr = rules.abbreviations
    text = _WORD_DOT.sub(lambda m: abbr.get(m.group(1), m.group(0)), text)
    return _TRIM.sub("", _SPACES.sub(" ", text))


def _strip_words(text: str, rules: TitleRules) -> str:
    """Remove seniority words, level codes, trailing numerals and location words."""
    if not text:
        return text
    text = _END_NUMERAL.sub(" ", rules.strip_rx.sub(" ", text))
    return _TRIM.sub("", _SPACES.sub(" ", text))


def _seniority(text: str, segments: list[str], rules: TitleRules) -> str | None:
    found: list[str] = []
    for m in rules.seniority_rx.finditer(text):
        found.append(rules.seniority_levels[int(m.lastgroup[1:])])
    for m in rules.code_rx.finditer(text):
        level = rules.codes.get(m.group(1), {}).get(int(m.group(2)))
        if level:
            found.append(level)
    for seg in segments:
        m = rules.numeral_rx.search(seg)
        if m and m.group(1) in rules.numerals:
            found.append(rules.numerals[m.group(1)])
    if not found:
        return None
    if "intern" in found:
        return "intern"
    return max(found, key=LADDER.index)


def _title_case(text: str, rules: TitleRules) -> str:
    text = _LEAD_OF.sub("", text)
    if not text:
        return text
    out = []
    for k, word in enumerate(text.split(" ")):
        parts = []
        for part in word.split("/"):
            if part in rules.acronyms:
                parts.append(part.upper())
            elif part in rules.small_words and k > 0:
                parts.append(part)
            else:
                parts.append(part[:1].upper() + part[1:])
        out.append("/".join(parts))
    return " ".join(out)


def _modifier(kind: str, prefix: str, suffixes: list[str], rules: TitleRules) -> tuple[_Modifier | None, str | None]:
    """The first modifier (list order) found before the head or opening a suffix, and the suffix words it matched.

    A suffix counts when the modifier opens it ("- Technical", ", Infrastructure", "Technical III") or
    when the suffix is at most two words ("Analytics Platform"); a suffix naming a business team
    (``nontechnical_context``) never counts. The first modifier in list order wins; for one modifier the
    prefix is tried first, then the suffixes in order (:func:`_first_modifier` combines the pieces, which
    :mod:`kit.prepare.titles_fast` memoizes).
    """
    found = [_prefix_modifier(kind, prefix, rules)]
    found.extend(_suffix_modifier(kind, _suffix_candidate(suffix, rules), rules) for suffix in suffixes)
    return _first_modifier(found, rules.modifiers.get(kind, ()))


def _suffix_candidate(suffix: str, rules: TitleRules) -> tuple[str, bool] | None:
    """A suffix as a modifier candidate: (its words without seniority / codes / locations, at most two words)."""
    bare = _strip_words(suffix, rules)
    if bare and not rules.nontechnical.search(bare):
        return bare, bare.count(" ") < 2
    return None


def _prefix_modifier(kind: str, prefix: str, rules: TitleRules) -> tuple[int, str | None] | None:
    """(index, None) of the first prefix / any modifier of ``kind`` found in ``prefix``, or None."""
    for j, mod in enumerate(rules.modifiers.get(kind, ())):
        if mod.where in ("prefix", "any") and mod.pattern.search(prefix):
            return j, None
    return None


def _suffix_modifier(kind: str, cand: tuple[str, bool] | None, rules: TitleRules) -> tuple[int, str | None] | None:
    """(index, words to name) of the first suffix / any modifier of ``kind`` a suffix candidate holds, or None."""
    if cand is None:
        return None
    bare, short = cand
    for j, mod in enumerate(rules.modifiers.get(kind, ())):
        if mod.where in ("suffix", "any"):
            m = mod.pattern.search(bare)
            if m and (m.start() == 0 or short):
                # name the qualifier in title_clean: the whole suffix when short, else the modifier
                return j, bare if bare.count(" ") < 3 else m.group(0)
    return None


def _first_modifier(found: list[tuple[int, str | None] | None],
                    mods: tuple[_Modifier, ...]) -> tuple[_Modifier | None, str | None]:
    """The lowest modifier index among ``found`` (prefix first, then suffixes in order, on a tie) and its words."""
    best = None
    for hit in found:
        if hit is not None and (best is None or hit[0] < best[0]):
            best = hit
    return (None, None) if best is None else (mods[best[0]], best[1])


def _classify_one(title: Any, rules: TitleRules) -> tuple:
    text = normalize_title(title, rules)
    segments = [s for s in (_TRIM.sub("", x) for x in _SPLIT.split(text)) if s]
    seniority = _seniority(text, segments, rules)
    # the first segment that names a job (skipping pure qualifiers such as "Principal" or "Manager")
    head_seg, head_idx, match = None, -1, None
    first_named = None
    for k, seg in enumerate(segments):
        if not _TRIM.sub("", rules.numeral_rx.sub("", rules.skip_rx.sub("", seg)).replace(" ", "")):
            continue
        if first_named is None:
            first_named = seg
        matches = list(rules.heads_rx.finditer(seg))
        if matches:
            head_seg, head_idx, match = seg, k, matches[-1]
            break
    for pattern, over in rules.overrides:  # whole-title decisions (executives, technical product owner)
        if pattern.search(text):
            clean = _TRIM.sub("", rules.location_rx.sub(" ", text))
            clean = _title_case(_SPACES.sub(" ", clean), rules) or None
            return (clean, seniority, over.family, over.role, over.variant, over.confidence, "title")
    if match is None:
        clean = _strip_words(first_named or "", rules)
        family = "engineering" if clean and re.search(r"\bengineer", clean) else "other"
        return (_title_case(clean, rules) or None, seniority, family, "other", None, 0.7, "title")

    head = rules.heads[int(match.lastgroup[1:])]
    prefix = head_seg[: match.start()]
    rest = head_seg[match.end() :]
    nxt = segments[head_idx + 1] if head_idx + 1 < len(segments) else ""
    role, variant, confidence = head.role, head.variant, head.confidence
    suffix_label = None
    if head.kind in rules.modifiers:
        mod, suffix_label = _modifier(head.kind, f"{prefix} {match.group(0)}", [rest, nxt], rules)
        if mod is not None:
            role = mod.role or {"product": "pmt", "program": "tpm"}.get(head.kind, role)
            variant, confidence = mod.variant, mod.confidence
    if head.kind == "product" and _BARE_PM.search(str(title).lower()):
        # "PM" alone may be a project / portfolio manager
        confidence = min(confidence, 0.55 if role == head.role else 0.8)
    clean = _strip_words(prefix, rules)
    clean = f"{clean} {match.group(0)}".strip()
    rest_clean = _strip_words(rest, rules)
    if suffix_label and suffix_label not in clean:
        clean = f"{clean}, {suffix_label}"
    elif rest_clean and head.role == "other" and not rules.heads_rx.search(rest_clean):
        clean = f"{clean}{rest[: len(rest) - len(rest.lstrip())][:1] or ' '}{rest_clean}"
    return (_title_case(clean, rules), seniority, head.family, role, variant, confidence, "title")


def classify_titles(titles: Iterable[Any], *, rules_path: str | Path | None = None) -> pd.DataFrame:
    """Classify job titles.

    Args:
        titles: Any iterable of titles (strings; None / NaN allowed). A pandas Series keeps its index.
        rules_path: A titles.yaml to use instead of the bundled ``kit/data/titles.yaml``.

    Returns:
        One row per input, same order, columns ``title_clean``, ``seniority`` (one of LADDER or NA),
        ``family`` (product, program, project, engineering, other), ``role`` (pmt, tpm, pm, pgm,
        other), ``variant`` (canonical variant or NA), ``role_confidence`` (0-1) and ``role_basis``
        ("title"). A missing title gives role "other" with confidence 0 and NA elsewhere.
    """
    rules = load_title_rules(rules_path)
    if isinstance(titles, str):  # one title, not an iterable of characters
        titles = [titles]
    index = titles.index if isinstance(titles, pd.Series) else None
    values = pd.Series(list(titles) if not isinstance(titles, pd.Series) else titles.to_numpy(), dtype=object)
    # classification reads the lower-cased title, so case variants are classified once
    keys = values.astype("string").str.strip().str.lower()
    keys = keys.where(keys != "", pd.NA)
    codes, uniques = pd.factorize(keys, use_na_sentinel=True)
    known = _PRIMED.get(rules_path) if _PRIMED else None
    if callable(known):  # still being classified elsewhere: wait for it now, when it is needed
        known = _PRIMED[rules_path] = known()
    from kit.prepare.titles_fast import classify_many  # noqa: PLC0415 - it builds on this module

    distinct = uniques.to_numpy(dtype=object).tolist()
    if known is not None:  # classified ahead, in another process (see :func:`title_keys`)
        missing = [t for t in distinct if t not in known]
        more = dict(zip(missing, classify_many(missing, rules), strict=True))
        rows = [known[t] if t in known else more[t] for t in distinct]
    else:
        rows = classify_many(distinct, rules)  # all distinct titles at once (same rows as _classify_one)
    rows.append((None, None, "other", "other", None, 0.0, "title"))  # for missing titles
    codes = codes.copy()
    codes[codes < 0] = len(rows) - 1
    table = pd.DataFrame(rows, columns=list(TITLE_COLUMNS))
    out = table.take(codes).reset_index(drop=True)
    out = out.astype(TITLE_COLUMNS)
    if index is not None:
        out.index = index
    return out


# --- classifying ahead (load_postings runs this in a second process while it de-duplicates and cuts sections) ---
#: rules path -> {key: row}: rows classified ahead, consulted by classify_titles while :func:`primed` is active
_PRIMED: dict[Any, Any] = {}


def title_keys(titles: pd.Series) -> list[str]:
    """The distinct classification keys of ``titles`` (stripped, lower-cased; what :func:`classify_titles` reads)."""
    keys = titles.astype("string").str.strip().str.lower()
    return keys[keys != ""].dropna().unique().tolist()


def classify_keys(keys: list[str], rules_path: str | Path | None = None) -> dict[str, tuple]:
    """Classify distinct title keys (:func:`title_keys`): ``{key: row}`` for :func:`primed`."""
    from kit.prepare.titles_fast import classify_many  # noqa: PLC0415 - it builds on this module

    return dict(zip(keys, classify_many(keys, load_title_rules(rules_path)), strict=True))


class primed:  # noqa: N801 - used as a context manager, like contextlib's
    """While active, :func:`classify_titles` takes the rows of ``known`` keys instead of classifying them again.

    ``known`` is the ``{key: row}`` of :func:`classify_keys`, or a function returning it (called the first time
    :func:`classify_titles` needs it, e.g. ``Background.result`` of a worker still classifying).
    """

    def __init__(self, known: dict[str, tuple] | Callable[[], dict[str, tuple]],
                 rules_path: str | Path | None = None) -> None:
        self._known, self._path = known, rules_path

    def __enter__(self) -> primed:
        _PRIMED[self._path] = self._known
        return self

    def __exit__(self, *exc: object) -> None:
        _PRIMED.pop(self._path, None)

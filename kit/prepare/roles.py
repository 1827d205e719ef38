"""Role from the description: technical depth for generic titles, title/text mismatch, and ``explain_role``.

The title decides first (:mod:`kit.prepare.titles`). A generic title ("Product Manager" -> ``pm``, "Program
Manager" -> ``pgm``) whose description shows technical depth becomes ``pmt`` / ``tpm`` with
``role_basis`` "description". A posting titled as one role whose text reads like the other gets
``title_text_mismatch`` True. Phrases, weights and thresholds live in ``kit/data/role_signals.yaml``.

Matching: one compiled alternation (a character trie, so the regex engine does not try every phrase at
every position) run once per DISTINCT lower-cased line (Arrow splits and de-duplicates the lines), in one RE2
pass over all of them (:mod:`kit.prepare.signalscan`: the same matches as Python's ``findall`` of the trie, which
stays the path for rule files RE2 cannot spell); the per-line phrase counts are summed per description with one
sparse matrix product, never with a Python loop over the lexicon, the lines or the postings. ``roles_from_text``
sums the weights straight from those counts (exact sums, so equal to summing the long match frame in pandas).
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kit.core.datafiles import read_yaml
from kit.core.errors import DataError
from kit.core.paths import DATA_DIR
from kit.prepare.calibration import Calibration, load_calibration
from kit.prepare.phrasematch import normalize_phrase as _norm  # the one phrase normalization
from kit.prepare.phrasematch import trie_regex as _trie_regex
from kit.prepare.sections import ROLE_KINDS, parse_spans, section_spans, section_text, spans_series
from kit.prepare.signalscan import RE2_SPACE as _RE2_SPACE
from kit.prepare.signalscan import find_all, re2_pattern
from kit.prepare.spanlines import lines_in_kinds
from kit.prepare.titles import classify_titles

__all__ = [
    "SIGNALS_FILE", "RoleExplanation", "explain_role", "load_signals", "own_text", "roles_from_text", "signal_matches",
]

SIGNALS_FILE = DATA_DIR / "role_signals.yaml"
SIGNALS = ("technical", "product", "program")

_TITLE_SIDE = {"pmt": "product", "pm": "product", "tpm": "program", "pgm": "program"}
_UPGRADE = {"pm": "pmt", "pgm": "tpm"}


@dataclass(frozen=True)
class Signals:
    """The compiled contents of a role_signals.yaml file (see :func:`load_signals`)."""

    regex: re.Pattern
    lookup: dict[str, tuple[str, str, float]]  # normalized variant -> (phrase, signal, weight)
    rules: dict[str, float]
    phrases: pd.DataFrame  # phrase, signal, weight, variants
    prefilter: str = ""  # RE2 pattern matching every line that ``regex`` can match in (and a few more)
    re2: str | None = None  # the same matches as ``regex`` in RE2 (kit.prepare.signalscan); None: Python's re only


@functools.lru_cache(maxsize=8)
def load_signals(path: str | Path | None = None) -> Signals:
    """Load and compile the role signals.

    Args:
        path: A role_signals.yaml file; the bundled ``kit/data/role_signals.yaml`` by default.

    Returns:
        The compiled signals (cached per path).

    Raises:
        DataError: If the file is missing or malformed, or a variant belongs to two phrases.
    """
    path = Path(path) if path is not None else SIGNALS_FILE
    raw = read_yaml(path, what="role signals")
    lookup: dict[str, tuple[str, str, float]] = {}
    rows = []
    for signal in SIGNALS:
        items = raw.get(signal)
        if not isinstance(items, list) or not items:
            raise DataError.build(
                f"missing or empty section {signal!r}",
                path=path,
                expected="a list of phrases",
                fix="see the file header",
            )
        for item in items:
            weight = 1.0
            if isinstance(item, str):
                phrase, variants = item, []
            elif isinstance(item, Mapping) and len(item) == 1:
                phrase, spec = next(iter(item.items()))
                if isinstance(spec, Mapping):
                    variants, weight = list(spec.get("variants") or []), float(spec.get("weight", 1.0))
                else:
                    variants = list(spec or [])
            else:
                raise DataError.build(
                    f"section {signal!r}: cannot read item {item!r}",
                    path=path,
                    expected="a string or a one-key mapping `phrase: [variants]`",
                )
            phrase = str(phrase)
            for variant in [phrase, *map(str, variants)]:
                key = _norm(variant)
                if key in lookup and lookup[key][:2] != (phrase, signal):
                    raise DataError.build(
                        f"variant {variant!r} belongs to both {lookup[key][1]}/{lookup[key][0]!r} "
                        f"and {signal}/{phrase!r}",
                        path=path,
                        fix="keep it under one phrase",
                    )
                lookup[key] = (phrase, signal, weight)
            rows.append({"phrase": phrase, "signal": signal, "weight": weight, "variants": tuple(variants)})
    words = sorted(lookup, key=len, reverse=True)
    regex = re.compile(rf"(?<![a-z0-9])(?:{_trie_regex(words)})(?:e?s)?(?![a-z0-9])")
    defaults = {"lean_min": 4.0, "lean_ratio": 2.0}
    rules = {**defaults, **{k: float(v) for k, v in (raw.get("rules") or {}).items()}}
    moved = sorted(set(rules) & {"technical_min", "confidence_slope", "confidence_max"})
    if moved:
        raise DataError.build(
            f"rules {moved} are no longer read here",
            path=path,
            expected="only lean_min / lean_ratio under `rules`",
            fix="the upgrade threshold and role_confidence curve are fitted: see kit/data/role_calibration.yaml",
        )
    return Signals(regex=regex, lookup=lookup, rules=rules, phrases=pd.DataFrame(rows),
                   prefilter=_trie_regex(words, space=_RE2_SPACE), re2=re2_pattern(words))


def _resolve(match: str, lookup: dict[str, tuple[str, str, float]]) -> tuple[str, str, float] | None:
    key = _norm(match)
    hit = lookup.get(key)
    if hit is None and key.endswith("es"):
        hit = lookup.get(key[:-2])
    if hit is None and key.endswith("s"):
        hit = lookup.get(key[:-1])
    return hit


def _empty_matches(index_dtype: Any) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "row": pd.Series(dtype=index_dtype),
            "phrase": pd.Series(dtype="string"),
            "signal": pd.Series(dtype="string"),
            "weight": pd.Series(dtype="float64"),
            "count": pd.Series(dtype="int64"),
        }
    )


def signal_matches(descriptions: pd.Series, *, signals: Signals | None = None, sections: pd.Series | None = None,
                   kinds: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Every signal phrase found in each description.

    Descriptions are cut into lines and each DISTINCT line is scanned once (boilerplate such as
    benefits and equal-opportunity paragraphs repeats across postings), in one RE2 pass over all of them
    (:mod:`kit.prepare.signalscan`; Python's compiled regex where a rule file cannot be spelled for RE2).

    Args:
        descriptions: Description texts (NA allowed); the index is kept as ``row``.
        signals: Compiled signals; the bundled ones by default.
        sections: With ``kinds``: the descriptions' section spans (the postings' ``sections`` column, same
            index); only lines in sections of ``kinds`` count - the same as scanning
            :func:`kit.prepare.sections.section_text` of those kinds, without cutting the texts.
        kinds: The section kinds counted with ``sections``.

    Returns:
        Long frame ``[row, phrase, signal, weight, count]``: one line per description x phrase found.
    """
    signals = signals or load_signals()
    labels, per_doc = _phrase_counts(descriptions, signals, sections, kinds)
    if per_doc is None or per_doc.nnz == 0:
        return _empty_matches(descriptions.index.dtype)
    table = signals.phrases.reset_index(drop=True)
    pos = np.repeat(np.arange(per_doc.shape[0]), np.diff(per_doc.indptr))
    cols = per_doc.indices
    out = pd.DataFrame(
        {
            "row": labels[pos],
            "phrase": table["phrase"].to_numpy()[cols],
            "signal": table["signal"].to_numpy()[cols],
            "weight": table["weight"].to_numpy(dtype="float64")[cols],
            "count": per_doc.data.astype("int64"),
        }
    )
    out["phrase"] = out["phrase"].astype("string")
    out["signal"] = out["signal"].astype("string")
    return out


def _phrase_counts(descriptions: pd.Series, signals: Signals, sections: pd.Series | None,
                   kinds: tuple[str, ...] | None) -> tuple[pd.Index, Any]:
    """The labels of the non-NA descriptions and their (text x phrase) counts (CSR, sorted, no zeros; None: no text).

    Same arguments as :func:`signal_matches`.
    """
    text = descriptions.astype("string").dropna()
    labels = text.index
    if len(text) == 0:
        return labels, None
    spans = sections.reindex(labels) if sections is not None and kinds is not None else None
    counts = _arrow_counts(_arrow_strings(text), None if spans is None else _arrow_strings(spans), kinds, signals)
    if counts is None:  # spans that do not fit the texts: cut the texts as section_text does
        picked = section_text(pd.DataFrame({"description": text, "sections": spans}), kinds)
        return _phrase_counts(picked, signals, None, None)
    return labels, counts


def _arrow_strings(s: pd.Series) -> Any:
    """``s`` as one Arrow string array (no copy for a pyarrow-backed ``string`` series)."""
    import pyarrow as pa

    arr = pa.array(s.astype("string").array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.chunk(0) if arr.num_chunks == 1 else arr.combine_chunks()
    return arr


def _arrow_counts(texts: Any, spans: Any | None, kinds: tuple[str, ...] | None, signals: Signals, *,
                  rows: np.ndarray | None = None) -> Any:
    """(text x phrase) counts of Arrow ``texts`` (no nulls), only lines in ``kinds`` with ``spans``; None: no fit.

    With ``rows``, the counts of ``texts.take(rows)`` (and ``spans.take(rows)``), taken one chunk at a time: the
    picked texts are never copied all at once.
    """
    import pyarrow as pa
    from scipy import sparse

    table = signals.phrases.reset_index(drop=True)
    pid_of = {(p, sig): k for k, (p, sig) in enumerate(zip(table["phrase"], table["signal"], strict=True))}
    scan = _LineScan(signals, pid_of)
    parts = []
    n_rows = len(texts) if rows is None else len(rows)

    def pick(arr: Any, at: int) -> Any:
        if rows is None:
            return arr.slice(at, _SCAN_ROWS)
        return arr.take(pa.array(rows[at:at + _SCAN_ROWS], type=pa.int64()))

    for at in range(0, n_rows, _SCAN_ROWS):  # in chunks of texts: the per-line arrays stay small
        part = scan.chunk(pick(texts, at), None if spans is None else pick(spans, at), kinds, len(table))
        if part is None:
            return None
        parts.append(part)
    per_doc = sparse.vstack(parts).tocsr()
    per_doc.eliminate_zeros()
    per_doc.sort_indices()
    return per_doc


#: texts scanned per chunk by :func:`signal_matches`
_SCAN_ROWS = 10_000


class _LineScan:
    """Signal phrase ids of distinct lower-cased lines, each line scanned once per chunk of texts."""

    def __init__(self, signals: Signals, pid_of: dict[tuple[str, str], int]) -> None:
        self._signals, self._pid_of = signals, pid_of
        self._lines: dict[str, list[int]] = {}  # line -> phrase ids of its matches (in order)
        self._matches: dict[str, int] = {}  # matched string -> phrase id (-1: not a phrase)

    def _pid(self, match: str) -> int:
        pid = self._matches.get(match)
        if pid is None:
            r = _resolve(match, self._signals.lookup)
            pid = self._matches[match] = -1 if r is None else self._pid_of[(r[0], r[1])]
        return pid

    def _pids(self, line: str) -> list[int]:
        got = self._lines.get(line)
        if got is None:
            got = []
            for m in self._signals.regex.findall(line):  # one regex pass per distinct line
                pid = self._pid(m)
                if pid >= 0:
                    got.append(pid)
            self._lines[line] = got
        return got

    def _find(self, lines: Any) -> tuple[np.ndarray, np.ndarray]:
        """(line number, phrase id) of every phrase match in the lower-cased Arrow ``lines``."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if self._signals.re2 is not None:
            try:  # one RE2 pass over all the lines (C++); Python only once per distinct matched string
                line, matched = find_all(lines, self._signals.re2)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # RE2 cannot read the pattern: Python's re
                pass
            else:
                encoded = pc.dictionary_encode(matched)
                pid_of = np.array([self._pid(m) for m in encoded.dictionary.to_pylist()] + [-1], dtype=np.int64)
                pid = pid_of[encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)] if len(matched) else (
                    np.empty(0, dtype=np.int64))
                keep = pid >= 0
                return line[keep], pid[keep]
        try:  # RE2 picks the lines that contain any phrase at all; Python's re runs on those
            maybe = pc.match_substring_regex(lines, pattern=self._signals.prefilter).to_numpy(zero_copy_only=False)
            maybe = maybe.nonzero()[0]
            texts = lines.take(pa.array(maybe)).to_pylist()
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # a phrase RE2 cannot read: scan every line
            maybe, texts = np.arange(len(lines)), lines.to_pylist()
        found = [self._pids(line) for line in texts]
        per_line = np.fromiter(map(len, found), dtype=np.int64, count=len(found))
        pid = np.fromiter(chain.from_iterable(found), dtype=np.int64, count=int(per_line.sum()))
        return np.repeat(maybe.astype(np.int64), per_line), pid

    def chunk(self, arr: Any, spans: Any | None, kinds: tuple[str, ...] | None, n_phrases: int) -> Any:
        """(text x phrase) counts of one chunk of texts; None when ``spans`` do not fit the texts."""
        import pyarrow as pa
        import pyarrow.compute as pc
        from scipy import sparse


        # cut into lines and find the distinct lines in Arrow (C++), not in Python; lower-case only those
        lists = pc.split_pattern(arr, pattern="\n")
        n_lines = np.diff(lists.offsets.to_numpy())
        encoded = pc.dictionary_encode(lists.flatten())
        codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        raw = encoded.dictionary
        lowered = pc.utf8_lower(raw)
        line_doc = np.repeat(np.arange(len(n_lines)), n_lines)
        if spans is not None:
            low_len = pc.utf8_length(lowered).to_numpy(zero_copy_only=False).astype(np.int64)
            grew = low_len - pc.utf8_length(raw).to_numpy(zero_copy_only=False).astype(np.int64)
            # the spans count characters of the text itself: lower-casing must not have changed any text's length
            if grew.any() and np.any(np.bincount(line_doc, weights=grew[codes], minlength=len(n_lines)) != 0):
                return None
            counted = lines_in_kinds(n_lines, low_len[codes], spans, kinds)
            if counted is None:
                return None
            codes, line_doc = codes[counted], line_doc[counted]
        # only the distinct lines that count are scanned
        used = np.zeros(len(raw), dtype=bool)
        used[codes] = True
        wanted = np.flatnonzero(used)
        position = np.cumsum(used) - 1  # distinct line -> its row among the wanted ones
        hit_line, pid = self._find(lowered.take(pa.array(wanted, type=pa.int64())))
        # (wanted line x phrase) counts, then (text x wanted line) occurrences @ that = per-text counts; the
        # occurrences of lines without a phrase add nothing and are left out
        per_phrase = sparse.csr_matrix((np.ones(len(pid), dtype=np.int64), (hit_line, pid)),
                                       shape=(len(wanted), n_phrases))
        line_row = position[codes]
        hit = np.zeros(len(wanted), dtype=bool)
        hit[hit_line] = True
        found = hit[line_row]
        doc_lines = sparse.csr_matrix((np.ones(int(found.sum()), dtype=np.int64), (line_doc[found], line_row[found])),
                                      shape=(len(n_lines), len(wanted)))
        return (doc_lines @ per_phrase).tocsr()


def _scores(matches: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    """Weighted count of distinct phrases per row and signal -> columns technical, product, program."""
    if matches.empty:
        table = pd.DataFrame(0.0, index=index, columns=list(SIGNALS))
    else:
        table = matches.pivot_table(index="row", columns="signal", values="weight", aggfunc="sum", fill_value=0.0)
        table = table.reindex(index=index, columns=list(SIGNALS), fill_value=0.0).fillna(0.0)
    return table.astype("float64")


def _signal_scores(descriptions: pd.Series, needs: pd.Series, signals: Signals, sections: pd.Series | None,
                   kinds: tuple[str, ...] | None) -> pd.DataFrame:
    """:func:`_scores` of :func:`signal_matches` of ``descriptions[needs]``, summed straight from the counts.

    ``descriptions`` is a ``string`` series (the texts where ``needs`` hold none NA) and ``sections`` their spans on
    the same index. The weighted sums are exact (weights are multiples of 2**-20 below 2**20: every partial sum is
    a float without rounding), so their order does not matter and they equal pandas' sums; other weights, and
    spans that do not fit the texts, go the long way.
    """
    index = descriptions.index
    weights = signals.phrases["weight"].to_numpy(dtype="float64")
    exact = (np.all(weights > 0) and np.all(weights < 2.0 ** 20) and np.all(weights * 2.0 ** 20 % 1 == 0)
             and len(weights) < 2 ** 12)
    rows = np.flatnonzero(needs.to_numpy(dtype=bool))
    counts = None
    if exact and len(rows):
        counts = _arrow_counts(_arrow_strings(descriptions), None if kinds is None else _arrow_strings(sections),
                               kinds, signals, rows=rows)
    if counts is None:
        picked = descriptions[needs]
        return _scores(signal_matches(picked, signals=signals, sections=None if kinds is None else sections[needs],
                                      kinds=kinds), index)
    values = np.zeros((len(index), len(SIGNALS)), dtype="float64")
    by_signal = np.zeros((len(weights), len(SIGNALS)), dtype="float64")
    by_signal[np.arange(len(weights)), [SIGNALS.index(s) for s in signals.phrases["signal"]]] = weights
    values[rows] = counts.astype(bool).astype("float64") @ by_signal
    return pd.DataFrame(values, index=index, columns=list(SIGNALS))


def _has_text(descriptions: pd.Series) -> pd.Series:
    """``descriptions.str.strip().fillna("").ne("")`` of a ``string`` series, trimming only what can be blank.

    A text whose first character is not white space (by the same Arrow kernel pandas strips with) is not blank.
    """
    if getattr(descriptions.dtype, "storage", None) != "pyarrow":
        return descriptions.str.strip().fillna("").ne("")
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = _arrow_strings(descriptions)
    first = pc.utf8_slice_codeunits(arr, 0, 1)
    maybe = pc.fill_null(pc.equal(pc.binary_length(pc.utf8_trim_whitespace(first)), 0), False).to_numpy(
        zero_copy_only=False)
    out = pc.is_valid(arr).to_numpy(zero_copy_only=False) & ~maybe  # NA: no text
    blank = np.flatnonzero(maybe)
    if blank.size:
        trimmed = pc.utf8_trim_whitespace(arr.take(pa.array(blank, type=pa.int64())))
        out[blank] = pc.greater(pc.binary_length(trimmed), 0).to_numpy(zero_copy_only=False)
    dtype = pd.Series([""], dtype=descriptions.dtype).str.strip().ne("").dtype  # the dtype pandas answers in
    return pd.Series(out, index=descriptions.index).astype(dtype)


def own_text(descriptions: pd.Series, sections: pd.Series | None = None) -> pd.Series:
    """The role's own text of each description (summary, responsibilities, requirements, body sections).

    Args:
        descriptions: Clean description texts (NA allowed).
        sections: Their section spans (the postings' ``sections`` column); computed when None.

    Returns:
        A ``string`` series on the same index.
    """
    frame = pd.DataFrame({"description": descriptions.astype("string")})
    if sections is not None:
        frame["sections"] = sections.reindex(descriptions.index).astype("string")
    return section_text(frame, "role")


def roles_from_text(
    classified: pd.DataFrame,
    descriptions: pd.Series,
    *,
    signals: Signals | None = None,
    sections: pd.Series | None = None,
    text: str = "role",
    calibration: Calibration | None = None,
) -> pd.DataFrame:
    """Refine title-based roles with the description.

    Only the role's own sections count (summary, responsibilities, requirements and un-headed body): the
    company's self-description, benefits / pay, legal text and boilerplate repeated across the company's
    postings are left out (:mod:`kit.prepare.sections`), so a consumer PM at a company that sells APIs
    stays a PM.

    Args:
        classified: Output of :func:`kit.prepare.titles.classify_titles` (columns ``role``, ``role_confidence``,
            ``role_basis``), aligned with ``descriptions`` by index.
        descriptions: Description texts (NA allowed).
        signals: Compiled signals; the bundled ones by default.
        sections: Section spans of the descriptions (the postings' ``sections`` column); computed when None.
        text: "role" (default: the role's own sections) or "all" (the whole description, the old behaviour).
        calibration: The P(technical | technical score) curve and threshold for generic titles; the bundled
            ``kit/data/role_calibration.yaml`` by default (:func:`kit.prepare.calibration.load_calibration`).

    Returns:
        A frame on the same index with ``role``, ``role_confidence`` (for a generic title read with its text,
        the calibrated probability of the role given: P(technical) when upgraded, 1 - P(technical) when the
        generic role stays; the title's confidence otherwise), ``role_basis``, ``title_text_mismatch``
        (boolean; NA when a product / program title has no description),
        ``text_lean`` ("product", "program", "mixed", "none"; NA without description) and the scores
        ``technical_score``, ``product_score``, ``program_score``.
    """
    signals = signals or load_signals()
    calibration = calibration or load_calibration()
    rules = signals.rules
    idx = classified.index
    desc = descriptions.reindex(idx)
    title_role = classified["role"].astype("string")
    text_s = desc.astype("string")
    has_text = _has_text(text_s)
    needs = has_text & title_role.isin(list(_TITLE_SIDE))
    if text == "all":
        scores = _signal_scores(text_s, needs, signals, None, None)
    elif text == "role":  # the lines in the role's own sections (own_text), found from the spans
        if sections is None:
            spans = pd.Series(pd.NA, index=idx, dtype="string")
            spans[needs] = spans_series(text_s[needs])
        else:
            spans = sections.reindex(idx).astype("string")
        scores = _signal_scores(text_s, needs, signals, spans, ROLE_KINDS)
    else:
        raise DataError.build(f"text={text!r}", expected="'role' or 'all'")
    tech, prod, prog = scores["technical"], scores["product"], scores["program"]

    role = title_role.copy()
    conf = classified["role_confidence"].astype("Float64").copy()
    basis = classified["role_basis"].astype("string").copy()
    generic = needs & title_role.isin(list(_UPGRADE))
    # P(technical | score): the fitted curve of kit/data/role_calibration.yaml; below its threshold the title stays
    p_tech = calibration.p_technical(tech)
    upgrade = generic & (p_tech >= calibration.threshold)
    role[upgrade] = title_role[upgrade].map(_UPGRADE)
    conf[upgrade] = p_tech[upgrade]
    basis[upgrade] = "description"
    kept = generic & ~upgrade
    conf[kept] = 1 - p_tech[kept]

    lean = pd.Series(pd.NA, index=idx, dtype="string")
    lean[needs] = "none"
    lean[needs & ((prod > 0) | (prog > 0))] = "mixed"
    is_prod = needs & (prod >= rules["lean_min"]) & (prod >= rules["lean_ratio"] * prog)
    is_prog = needs & (prog >= rules["lean_min"]) & (prog >= rules["lean_ratio"] * prod)
    lean[is_prod] = "product"
    lean[is_prog] = "program"
    side = title_role.map(_TITLE_SIDE)
    mismatch = pd.Series(False, index=idx, dtype="boolean")
    mismatch[title_role.isin(list(_TITLE_SIDE)) & ~has_text] = pd.NA
    mismatch[(side == "product") & is_prog] = True
    mismatch[(side == "program") & is_prod] = True
    return pd.DataFrame(
        {
            "role": role,
            "role_confidence": conf,
            "role_basis": basis,
            "title_text_mismatch": mismatch,
            "text_lean": lean,
            "technical_score": tech,
            "product_score": prod,
            "program_score": prog,
        },
        index=idx,
    )


_EVIDENCE = ("section", "counted", "sentence", "phrases", "why")
_NOT_COUNTED = {
    "about": "the company describing itself, not what the job asks of the person",
    "benefits": "benefits / pay text",
    "legal": "legal / equal-opportunity boilerplate",
    "boilerplate": "repeated across most of the company's postings",
}
_SENTENCE = re.compile(r"(?<=[.!?;])\s+(?=[A-Z(\"'])|\n+")


def _evidence(description: str, spans: str | None) -> pd.DataFrame:
    """Every sentence with a signal phrase, its section, and whether it counted."""
    parsed = parse_spans(spans) or section_spans(description)
    rows = []
    for kind, start, end in parsed:
        for sentence in _SENTENCE.split(description[start:end]):
            if sentence and sentence.strip():
                rows.append((kind, sentence.strip()))
    if not rows:
        return pd.DataFrame(columns=list(_EVIDENCE))
    frame = pd.DataFrame(rows, columns=["section", "sentence"])
    matches = signal_matches(frame["sentence"])
    if matches.empty:
        return pd.DataFrame(columns=list(_EVIDENCE))
    found = matches.groupby("row").apply(
        lambda g: ", ".join(f"{p} ({sig})" for p, sig in zip(g["phrase"], g["signal"], strict=True)),
        include_groups=False)
    out = frame.loc[found.index].copy()
    out["phrases"] = found.to_numpy()
    family = out["section"].str.split("/").str[0]
    out["counted"] = family.isin(ROLE_KINDS)
    out["why"] = [("" if c else _NOT_COUNTED.get(f, f)) for c, f in zip(out["counted"], family, strict=True)]
    return out[list(_EVIDENCE)].reset_index(drop=True)


_NAMES = {"pmt": "PM-T", "tpm": "TPM", "pm": "Product Manager", "pgm": "Program Manager", "other": "other"}


@dataclass
class RoleExplanation:
    """Why a posting got its role: the decision, its confidence, and the phrases that drove it.

    Attributes:
        title: The posting's title.
        role: Final role (pmt, tpm, pm, pgm, other).
        confidence: 0-1.
        basis: "title" or "description".
        title_role: The role the title alone gives.
        text_lean: "product", "program", "mixed", "none" or None (no description).
        mismatch: True when the title is one role and the text reads like the other (None: no text).
        phrases: Frame ``[phrase, signal, count]`` of the signal phrases found, most frequent first.
        scores: Weighted distinct-phrase scores per signal (technical, product, program), own sections only.
        evidence: Frame ``[section, counted, sentence, phrases, why]``: every sentence holding a signal
            phrase, the section it is in, whether it counted (the role's own sections only) and why not.
        variant: The title's canonical variant, or None.
        description: The description text (shown escaped in HTML).
        p_technical: For a generic title read with its text, the calibrated P(technical | technical score)
            (kit/data/role_calibration.yaml); None otherwise (the title decides, or there is no text).
        threshold: The P(technical) at which a generic title is upgraded to PM-T / TPM (None with p_technical).
    """

    title: str | None
    role: str
    confidence: float
    basis: str
    title_role: str
    text_lean: str | None
    mismatch: bool | None
    phrases: pd.DataFrame
    scores: dict[str, float] = field(default_factory=dict)
    variant: str | None = None
    description: str | None = field(default=None, repr=False)
    evidence: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(_EVIDENCE)))
    p_technical: float | None = None
    threshold: float | None = None

    def _calibration_line(self) -> str:
        if self.p_technical is None:
            return ""
        stays = {"pm": "Product Manager", "pgm": "Program Manager"}.get(self.title_role, self.title_role)
        up = {"pm": "PM-T", "pgm": "TPM"}.get(self.title_role, "technical")
        verdict = f"at least {self.threshold:.2f}: {up}" if self.p_technical >= self.threshold else (
            f"below {self.threshold:.2f}: the generic role ({stays}) stays")
        return f"P(technical | own sections) = {self.p_technical:.3f}, {verdict} (fitted curve, role_calibration.yaml)"

    def _phrase_lines(self) -> list[str]:
        lines = []
        for signal in SIGNALS:
            sub = self.phrases[self.phrases["signal"] == signal]
            if len(sub):
                items = ", ".join(f"{p} ({c})" for p, c in zip(sub["phrase"], sub["count"], strict=True))
                lines.append(f"  {signal:<9} {self.scores.get(signal, 0.0):>4.1f}  {items}")
            else:
                lines.append(f"  {signal:<9} {0.0:>4.1f}  -")
        return lines

    def __str__(self) -> str:
        lines = [
            f"Role: {_NAMES.get(self.role, self.role)} ({self.role}), "
            f"confidence {self.confidence:.2f}, from the {self.basis}",
            f"Title: {self.title!r} -> {self.title_role}" + (f" ({self.variant})" if self.variant else ""),
            *([self._calibration_line()] if self.p_technical is not None else []),
            f"Text leans: {self.text_lean or 'n/a (no description)'}"
            + ("; MISMATCH: the title and the text point to different roles" if self.mismatch else ""),
            "Phrases counted (signal, score, phrase (count)):",
            *self._phrase_lines(),
        ]
        if len(self.evidence):
            lines.append("Sentences with signal phrases (section, counted?):")
            for row in self.evidence.itertuples():
                mark = "counted" if row.counted else f"NOT counted: {row.why}"
                text = row.sentence if len(row.sentence) <= 140 else row.sentence[:137] + "..."
                lines.append(f"  [{row.section}] {mark}: {text!r} -> {row.phrases}")
        return "\n".join(lines)

    def _evidence_html(self) -> str:
        if not len(self.evidence):
            return ""
        esc = html.escape
        rows = "".join(
            f"<tr><td{_LEFT}>{esc(r.section)}</td><td{_LEFT}>{'yes' if r.counted else 'no: ' + esc(r.why)}</td>"
            f"<td{_LEFT}>{esc(r.sentence)}</td><td{_LEFT}>{esc(r.phrases)}</td></tr>"
            for r in self.evidence.itertuples()
        )
        return (f"<table><thead><tr><th{_LEFT}>section</th><th{_LEFT}>counted</th><th{_LEFT}>sentence</th>"
                f"<th{_LEFT}>phrases</th></tr></thead><tbody>{rows}</tbody></table>")

    def _repr_html_(self) -> str:
        esc = html.escape
        rows = "".join(
            f"<tr><td{_LEFT}>{esc(str(s))}</td><td{_LEFT}>{esc(str(p))}</td><td>{int(c)}</td></tr>"
            for p, s, c in zip(self.phrases["phrase"], self.phrases["signal"], self.phrases["count"], strict=True)
        )
        flag = " <b style='color:#D55E00'>title/text mismatch</b>" if self.mismatch else ""
        excerpt = ""
        if self.description:
            text = self.description if len(self.description) <= 1500 else self.description[:1500] + " ..."
            excerpt = (
                f"<details><summary>description</summary><pre style='white-space:pre-wrap'>{esc(text)}</pre></details>"
            )
        return (
            "<div class='kit-role-explanation'>"
            f"<p><b>{esc(_NAMES.get(self.role, self.role))}</b> ({esc(self.role)}), confidence "
            f"{self.confidence:.2f}, from the {esc(self.basis)}{flag}</p>"
            + (f"<p>{esc(self._calibration_line())}</p>" if self.p_technical is not None else "")
            +             f"<p>Title: <i>{esc(str(self.title))}</i> &rarr; {esc(self.title_role)}"
            + (f" ({esc(self.variant)})" if self.variant else "")
            + f"; text leans: {esc(self.text_lean or 'n/a')}; scores: "
            + ", ".join(f"{esc(k)} {v:.1f}" for k, v in self.scores.items())
            + f"</p><table><thead><tr><th{_LEFT}>signal</th><th{_LEFT}>phrase</th><th>count</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>{self._evidence_html()}{excerpt}</div>"
        )


#: text cells read left to right (JupyterLab right-aligns table cells by default; numbers keep that)
_LEFT = " style='text-align:left'"


def _field(posting: Any, name: str) -> Any:
    if posting is None:
        return None
    if isinstance(posting, pd.Series | Mapping):
        value = posting.get(name)
    else:
        value = getattr(posting, name, None)
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value)


def explain_role(
    posting: Mapping | pd.Series | None = None, *, title: str | None = None, description: str | None = None
) -> RoleExplanation:
    """Explain the role the kit gives one posting.

    Args:
        posting: A dict / pandas Series (e.g. ``postings.iloc[0]``) with ``title`` and ``description``.
        title: The title (overrides ``posting``'s).
        description: The description (overrides ``posting``'s).

    Only the role's own sections (summary, responsibilities, requirements, body) count; ``evidence`` lists
    every sentence with a signal phrase and says why the ones in the company's self-description, benefits,
    legal text or company-repeated boilerplate did not count. A loaded posting's ``sections`` spans are used.

    Returns:
        A :class:`RoleExplanation`; print it, or display it in a notebook (HTML, text escaped).

    Raises:
        DataError: If neither a title nor a description is given.
    """
    title = title if title is not None else _field(posting, "title")
    description = description if description is not None else _field(posting, "description")
    if title is None and description is None:
        raise DataError.build(
            "explain_role needs a title or a description",
            expected="a posting with 'title' / 'description', or title=... / description=...",
        )
    classified = classify_titles([title])
    same_text = description is None or description == _field(posting, "description")
    spans = _field(posting, "sections") if same_text else None
    span_series = None if spans is None else pd.Series([spans], dtype="string")
    result = roles_from_text(classified, pd.Series([description], dtype="object"), sections=span_series).iloc[0]
    own = own_text(pd.Series([description], dtype="string"), span_series) if description else None
    if description:
        matches = signal_matches(own)
        phrases = (
            matches[["phrase", "signal", "count"]]
            .sort_values(["count", "signal", "phrase"], ascending=[False, True, True])
            .reset_index(drop=True)
        )
    else:
        phrases = pd.DataFrame({"phrase": pd.Series(dtype="string"), "signal": pd.Series(dtype="string"), "count": []})
    scores = {s: float(result[f"{s}_score"]) for s in SIGNALS}
    if description:  # scores for every title, not only product / program ones
        all_scores = _scores(signal_matches(own), pd.Index([0]))
        scores = {s: float(all_scores.loc[0, s]) for s in SIGNALS}
    mismatch = result["title_text_mismatch"]
    lean = result["text_lean"]
    if description and pd.isna(lean):
        lean = "n/a (title is not product / program)"
    variant = classified.loc[0, "variant"]
    title_role = str(classified.loc[0, "role"])
    calibration = load_calibration()
    p_tech = None
    if description and description.strip() and title_role in _UPGRADE:
        p_tech = float(calibration.p_technical(float(result["technical_score"])))
    return RoleExplanation(
        title=title,
        role=str(result["role"]),
        confidence=float(result["role_confidence"]),
        basis=str(result["role_basis"]),
        title_role=title_role,
        text_lean=None if pd.isna(lean) else str(lean),
        mismatch=None if pd.isna(mismatch) else bool(mismatch),
        phrases=phrases,
        scores=scores,
        variant=None if pd.isna(variant) else str(variant),
        description=description,
        evidence=_evidence(description, spans) if description else pd.DataFrame(columns=list(_EVIDENCE)),
        p_technical=p_tech,
        threshold=None if p_tech is None else calibration.threshold,
    )

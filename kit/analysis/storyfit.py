"""Story fit: which role do my experience stories read like, and what is missing.

Every number traces to phrases; there is no fitted model.

1. **Stories** come as a list of strings, pasted text, or a ``.txt`` / ``.md`` file: one story per
   paragraph (blank-line separated); in a paragraph of bullet lines (a pasted resume) each bullet
   is a story, and the non-bullet lines above the bullets (job headers) are skipped.
2. **Story phrases**: each story is matched against the lexicon's phrases and variants
   (``kit/data/lexicon.yaml``) and against everyday first-person wording mapped to the same
   themes (``kit/data/story_signals.yaml``: "unblocked three teams" -> dependencies). Words are
   lightly stemmed (ship / ships / shipped / shipping), so ordinary wording matches.
3. **Theme weights come from the postings in scope** (the bundled sample by default, narrowed with
   ``company`` / ``market``): for each theme, the share of PM-T and of TPM postings mentioning it,
   and the log odds ratio ``log[(x_p+.5)/(n_p-x_p+.5)] - log[(x_t+.5)/(n_t-x_t+.5)]`` (Haldane-
   Anscombe corrected) with its z = ratio / sqrt(sum of the four reciprocals). A theme weighs its
   log odds ratio when it separates the roles in these postings (|z| >= 1.96 and |ratio| >= 0.25,
   i.e. odds differ by at least ~28%); otherwise it weighs 0: shared ground. Themes the lexicon
   declares shared by both roles (side "shared": written communication, cross-functional
   influence, technical credibility, stakeholder alignment) always weigh 0: DESIGN.md names them
   the overlap, so showing them moves a story towards neither role (``kit.check_claims`` tests
   whether the postings in scope agree; their shares still appear in ``weights`` and ``gaps``).
4. **A story's score**: P = sum of the positive weights of the distinct themes it shows, T = sum
   of the negative ones (as positive numbers); ``score = (P - T) / (P + T + 1)`` in (-1, 1), +1 =
   PM-T, -1 = TPM; the +1 damps stories with little evidence towards 0. ``lean`` is "pmt" when
   score >= 0.2, "tpm" when <= -0.2, else "shared".
5. **Overall**: the PM-T share of all evidence, sum(P) / (sum(P) + sum(T)); the lean is the role
   with >= 60% of the evidence, else "shared"; labelled like "70% TPM".
6. **Gaps**: themes that at least 20% of a role's postings in scope mention and no story shows,
   with the theme's commonest phrases in those postings.
7. **Matches**: the postings of each role the stories fit best: cosine similarity between the
   stories' themes and each posting's themes, each theme weighted by its inverse document
   frequency in scope (rare shared themes count more) and, for the role's own ranking, themes
   that lean to that role weighted (1 + |weight|) times; ``why`` lists the posting's phrases of
   the shared themes, most telling first.

English only: a story whose letters are mostly non-ASCII, or which has 8+ words of which under
10% are common English function words and no theme match, is rejected with its number.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

from kit.core.errors import DataError, KitError, SelectionError
from kit.core.paths import DATA_DIR

__all__ = [
    "EXAMPLE_STORIES",
    "FitResult",
    "cli_fit",
    "fit",
    "highlight",
    "match_story",
    "read_stories",
    "split_stories",
    "stem",
    "theme_weights",
]

SIGNALS_FILE = DATA_DIR / "story_signals.yaml"
#: Example stories (used by notebooks/05_story_fit.ipynb when no stories are given).
EXAMPLE_STORIES = DATA_DIR / "example_stories.md"

#: A theme separates the roles when |z| >= Z_MIN and |log odds ratio| >= MIN_LOG_ODDS.
Z_MIN = 1.96
MIN_LOG_ODDS = 0.25
#: A story leans to a role when |score| >= LEAN_SCORE; overall when a role has >= LEAN_SHARE of evidence.
LEAN_SCORE = 0.2
LEAN_SHARE = 0.6
#: A theme is a gap when at least this share of the role's postings mention it.
GAP_MIN_SHARE = 0.2
#: Best-matching postings shown per role.
TOP_MATCHES = 5
#: Weights need at least this many postings of each role; fewer in scope -> weights from all postings.
MIN_ROLE_POSTINGS = 10
#: "..." in a signal pattern lets up to this many words sit between its neighbours.
MAX_GAP = 3

ROLE_NAMES = {"pmt": "PM-T", "tpm": "TPM", "shared": "shared"}
TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text", ""}
BINARY_SUFFIXES = {
    ".pdf": "PDF", ".docx": "Word", ".doc": "Word", ".rtf": "RTF", ".odt": "OpenDocument", ".pages": "Pages",
    ".pptx": "PowerPoint", ".xlsx": "Excel", ".xls": "Excel", ".zip": "zip", ".png": "image", ".jpg": "image",
    ".jpeg": "image", ".html": "HTML", ".htm": "HTML",
}

_TOKEN = re.compile(r"[a-z]+|\d+(?:[.,]\d+)*%?", re.IGNORECASE)
_PARAGRAPHS = re.compile(r"\n[ \t]*\n")
_BULLET = re.compile(r"^\s*(?:[-*+\u2022\u00b7\u25aa\u25e6\u2023\u2013\u2014]|\d{1,2}[.)])\s+")
_HEADING = re.compile(r"^\s*#{1,6}\s")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MD_MARK = re.compile(r"\*\*|__|`")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_DOUBLE = re.compile(r"([bdgmnprt])\1$")
_NUMBER_WORDS = frozenset(
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
    "eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred hundreds thousand thousands "
    "million millions dozen dozens half double twice several".split()
)
#: Common English function words for the language check.
ENGLISH_FUNCTION_WORDS = frozenset(
    "a about above across after against all also an and any are as at be because been before being between both "
    "but by can could did do does down during each few for from had has have he her here him his how i if in into "
    "is it its just me more most my no not of off on once only or other our ours out over own same she should so "
    "some such than that the their them then there these they this those through to too under until up us very "
    "was we were what when where which while who whom why will with would you your".split()
)
_GAP = "..."
_NUM = "#"


# --------------------------------------------------------------------------------------------- reading


def split_stories(text: str) -> list[str]:
    """Split pasted text into stories: paragraphs, or bullet lines of a resume.

    Args:
        text: Stories separated by blank lines; bullet lines (``-``, ``*``, ``•``, ``1.``) are one
            story each, indented lines continue the bullet above, other lines in a bullet
            paragraph (job headers), markdown headings and HTML comments are skipped.

    Returns:
        The stories, markdown emphasis and links removed, whitespace collapsed.
    """
    text = _HTML_COMMENT.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    stories: list[str] = []
    for para in _PARAGRAPHS.split(text):
        lines = [ln for ln in para.split("\n") if ln.strip() and not _HEADING.match(ln)]
        if not lines:
            continue
        if any(_BULLET.match(ln) for ln in lines):
            current: list[str] | None = None
            for ln in lines:
                if _BULLET.match(ln):
                    if current:
                        stories.append(" ".join(current))
                    current = [_BULLET.sub("", ln, count=1)]
                elif current is not None and ln[:1].isspace():
                    current.append(ln.strip())
                else:  # a header line between bullet groups
                    if current:
                        stories.append(" ".join(current))
                    current = None
            if current:
                stories.append(" ".join(current))
        else:
            stories.append(" ".join(ln.strip() for ln in lines))
    cleaned = [" ".join(_MD_MARK.sub("", _MD_LINK.sub(r"\1", s)).split()) for s in stories]
    return [s for s in cleaned if s]


def _read_file(path: Path) -> str:
    if not path.exists():
        raise DataError.build("file not found", path=path, fix="check the path (stories go in a .txt or .md file)")
    if path.is_dir():
        raise DataError.build("is a folder", path=path, expected="a .txt or .md file of stories")
    kind = BINARY_SUFFIXES.get(path.suffix.lower())
    if kind:
        raise DataError.build(f"is a {kind} file; the kit reads plain text", path=path,
                              fix="save it as .txt or .md (one story per paragraph) and pass that file")
    from kit.io.readers import _utf16_encoding, reading

    with reading(path, what="stories file"):
        data = path.read_bytes()
    utf16 = _utf16_encoding(data[:4096])
    if utf16:  # UTF-16 (with or without a BOM), as Windows editors save "Unicode" text
        data = data.decode(utf16, errors="replace").lstrip("\ufeff").encode("utf-8")
    if b"\x00" in data or data.startswith((b"%PDF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise DataError.build("is not a text file (binary content)", path=path,
                              fix="save it as .txt or .md (one story per paragraph) and pass that file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    if not text.strip():
        raise DataError.build("is empty", path=path, expected="stories, one per paragraph")
    return text


def _looks_like_path(value: str) -> bool:
    if "\n" in value or len(value) > 400 or not value.strip():
        return False
    p = Path(value.strip())
    return p.suffix.lower() in (TEXT_SUFFIXES | set(BINARY_SUFFIXES)) - {""} or p.exists()


def read_stories(stories: str | PathLike | Sequence[str]) -> list[str]:
    """Turn any accepted input into a list of story strings.

    Args:
        stories: A list of stories; a path (str or Path) to a .txt / .md file; or pasted text
            (split with :func:`split_stories`).

    Returns:
        Non-empty story strings.

    Raises:
        DataError: Empty input, a missing / non-text file, a non-string item.
    """
    if isinstance(stories, PathLike) or (isinstance(stories, str) and _looks_like_path(stories)):
        path = Path(stories)
        out = split_stories(_read_file(path))
        where = str(path)
    elif isinstance(stories, str):
        out = split_stories(stories)
        where = "<text>"
    elif isinstance(stories, Iterable):
        out = []
        for i, s in enumerate(stories, start=1):
            if not isinstance(s, str):
                raise DataError.build(f"story {i} is a {type(s).__name__}, not text", path="<stories>",
                                      fix="pass a list of strings, or a .txt / .md file")
            if s.strip():
                out.append(" ".join(_MD_MARK.sub("", s).split()))
        where = "<stories>"
    else:
        raise DataError(f"stories must be text, a list of strings or a .txt / .md path, not {type(stories).__name__}")
    if not out:
        raise DataError.build("no stories found", path=where, expected="at least one story (one per paragraph)",
                              fix="write a few sentences about work you did, e.g. 'I shipped ...'")
    return out


# --------------------------------------------------------------------------------------------- matching


def stem(word: str) -> str:
    """Light stemmer: ship/ships/shipped/shipping -> ship; dependencies -> dependency.

    Strips one of -ies/-ied (-> y), -ing, -ed, -s (not -ss/-us/-is), then a final -e of longer
    words, and undoubles a final consonant left by -ing/-ed (shipp -> ship).

    Args:
        word: One word.

    Returns:
        Its stem (lower case).
    """
    w = word.lower()
    if len(w) <= 3 or not w.isalpha():
        return w
    if w.endswith(("ies", "ied")) and len(w) > 4:
        return w[:-3] + "y"
    stripped = ""
    for suf in ("ing", "ed"):
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            w, stripped = w[: -len(suf)], suf
            break
    else:
        if w.endswith("s") and not w.endswith(("ss", "us", "is")):
            w = w[:-1]
    if stripped and _DOUBLE.search(w):
        w = w[:-1]
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]
    return w


def _tokens(text: str) -> list[tuple[str, int, int]]:
    """(stem, start, end) per word; a number (digits or number word) becomes the stem "#"."""
    out = []
    for m in _TOKEN.finditer(text):
        word = m.group().lower()
        out.append((_NUM if _is_number(word) else stem(word), m.start(), m.end()))
    return out


def _compile(pattern: str) -> tuple[str, ...]:
    elems: list[str] = []
    for piece in pattern.split():
        if piece in (_GAP, _NUM):
            elems.append(piece)
        else:
            elems.extend(_NUM if _is_number(m.group().lower()) else stem(m.group()) for m in _TOKEN.finditer(piece))
    while elems and elems[0] == _GAP:
        elems.pop(0)
    while elems and elems[-1] == _GAP:
        elems.pop()
    return tuple(elems)


def _is_number(word: str) -> bool:
    return word[:1].isdigit() or word in _NUMBER_WORDS


def _match_from(stems: list[str], elems: tuple[str, ...], k: int, i: int) -> int:
    """Last token index of a match of ``elems[k:]`` starting at token ``i``, or -1."""
    if k == len(elems):
        return i - 1
    e = elems[k]
    if e == _GAP:
        for skip in range(MAX_GAP + 1):
            end = _match_from(stems, elems, k + 1, i + skip)
            if end >= 0:
                return end
        return -1
    if i >= len(stems):
        return -1
    if e == stems[i]:
        return _match_from(stems, elems, k + 1, i + 1)
    return -1


@dataclass(frozen=True)
class _Matcher:
    """Compiled patterns: first element -> [(elements, theme, phrase, source)]."""

    by_first: dict

    def find(self, text: str) -> list[dict]:
        toks = _tokens(text)
        stems = [t[0] for t in toks]
        hits = []
        for i, s in enumerate(stems):
            for elems, theme, phrase, source in self.by_first.get(s, ()):
                end = _match_from(stems, elems, 0, i)
                if end >= 0:
                    a, b = toks[i][1], toks[end][2]
                    hits.append({"theme": theme, "phrase": phrase, "source": source, "start": a, "end": b,
                                 "matched": text[a:b]})
        # one hit per theme and span; drop a span inside a longer span of the same theme (lexicon first)
        hits.sort(key=lambda h: (h["theme"], h["start"], -h["end"], h["source"] != "lexicon"))
        kept: list[dict] = []
        for h in hits:
            if kept and kept[-1]["theme"] == h["theme"] and h["start"] >= kept[-1]["start"] \
                    and h["end"] <= kept[-1]["end"]:
                continue
            kept.append(h)
        return sorted(kept, key=lambda h: (h["start"], h["theme"]))


@lru_cache(maxsize=2)
def _signals(path: str) -> tuple[tuple[str, str], ...]:
    from kit.io.readers import read_yaml

    spec = read_yaml(path, what="story signals")
    out = []
    for theme, pats in (spec.get("signals") or {}).items():
        for p in pats or ():
            if not isinstance(p, str):
                raise DataError.build(f"theme {theme!r}: pattern {p!r} is not text", path=path,
                                      expected="a string pattern", fix='quote patterns that start with "#"')
            out.append((str(theme), p))
    return tuple(out)


def _lexicon_patterns(lex: pd.DataFrame) -> list[tuple[str, str]]:
    from kit.analysis.claims import _variants

    out = []
    for row in lex.itertuples(index=False):
        for p in [row.phrase, *_variants(getattr(row, "variants", None))]:
            if isinstance(p, str) and p.strip():
                out.append((str(row.theme), p))
    return out


def _matcher(lex: pd.DataFrame) -> _Matcher:
    themes = set(lex["theme"].dropna().astype(str))
    by_first: dict[str, list] = {}
    items = [(t, p, "lexicon") for t, p in _lexicon_patterns(lex)]
    items += [(t, p, "signal") for t, p in _signals(str(SIGNALS_FILE)) if t in themes]
    for theme, phrase, source in items:
        elems = _compile(phrase)
        if not elems:
            continue
        by_first.setdefault(elems[0], []).append((elems, theme, phrase, source))
    return _Matcher(by_first=by_first)


def match_story(text: str, *, lexicon: pd.DataFrame | None = None) -> pd.DataFrame:
    """The theme phrases in one story.

    Args:
        text: The story.
        lexicon: A lexicon frame (default :func:`kit.load_lexicon`).

    Returns:
        One row per match: ``theme, phrase`` (the lexicon phrase or signal pattern), ``source``
        ("lexicon" / "signal"), ``start, end`` (character offsets), ``matched`` (the story's words).
    """
    lex = lexicon if lexicon is not None else _lexicon()
    hits = _matcher(lex).find(text)
    return pd.DataFrame(hits, columns=["theme", "phrase", "source", "start", "end", "matched"])


def highlight(text: str, spans: Iterable[tuple[int, int, str]]) -> str:
    """HTML-escape ``text`` and wrap each span in ``<mark title="label">``; overlapping spans merge.

    Args:
        text: Plain text.
        spans: (start, end, label) character spans.

    Returns:
        Safe HTML.
    """
    merged: list[list] = []
    for a, b, label in sorted(spans):
        if merged and a < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
            if label not in merged[-1][2]:
                merged[-1][2].append(label)
        else:
            merged.append([a, b, [label]])
    out, pos = [], 0
    for a, b, labels in merged:
        out.append(html.escape(text[pos:a]))
        out.append(f'<mark title="{html.escape(", ".join(labels))}">{html.escape(text[a:b])}</mark>')
        pos = b
    out.append(html.escape(text[pos:]))
    return "".join(out)


# --------------------------------------------------------------------------------------------- language


def _check_english(stories: list[str], matches: list[list[dict]]) -> None:
    bad = []
    for i, (s, hits) in enumerate(zip(stories, matches, strict=True), start=1):
        letters = [c for c in s if c.isalpha()]
        ascii_share = sum(c.isascii() for c in letters) / len(letters) if letters else 1.0
        words = [w.lower() for w in re.findall(r"[^\W\d_]+", s)]
        fw = sum(w in ENGLISH_FUNCTION_WORDS for w in words) / len(words) if words else 1.0
        if (len(letters) >= 10 and ascii_share < 0.85) or (len(words) >= 8 and fw < 0.10 and not hits):
            preview = s if len(s) <= 40 else s[:40] + "..."
            bad.append(f"story {i} ({preview!r})")
    if bad:
        raise DataError.build(
            f"{'; '.join(bad)} does not look like English", path="<stories>",
            expected="English text (the kit's phrase lists are English only)",
            fix="translate the story to English or remove it",
        )


# --------------------------------------------------------------------------------------------- weights


def _lexicon() -> pd.DataFrame:
    from kit.analysis.claims import _lexicon as load

    return load()


def theme_weights(postings: pd.DataFrame, *, a: str = "pmt", b: str = "tpm", mentions=None) -> pd.DataFrame:
    """How much each lexicon theme separates role a from role b in these postings.

    Args:
        postings: Postings with ``role`` and ``description`` (uses the cached index when loaded).
        a: The role with positive weights (PM-T).
        b: The role with negative weights (TPM).
        mentions: Precomputed :class:`kit.analysis.claims.Mentions` for ``postings`` (internal).

    Returns:
        One row per theme: ``theme, theme_label, side, docs_a, docs_b, n_a, n_b, share_a, share_b,
        log_odds, z, weight, leans`` (``leans`` in a / b / "shared"); ``attrs`` carry a, b.
    """
    from kit.analysis.claims import lexicon_mentions

    role = postings["role"].astype("string").fillna("").to_numpy()
    is_a, is_b = role == a, role == b
    m = mentions if mentions is not None else lexicon_mentions(postings)
    tmat, names = m.themes()
    tmat = tmat.tocsc()
    docs_a = np.asarray(tmat[is_a].sum(axis=0)).ravel().astype(float)
    docs_b = np.asarray(tmat[is_b].sum(axis=0)).ravel().astype(float)
    n_a, n_b = int(is_a.sum()), int(is_b.sum())
    lor = np.log((docs_a + 0.5) / (n_a - docs_a + 0.5)) - np.log((docs_b + 0.5) / (n_b - docs_b + 0.5))
    var = 1 / (docs_a + 0.5) + 1 / (n_a - docs_a + 0.5) + 1 / (docs_b + 0.5) + 1 / (n_b - docs_b + 0.5)
    z = lor / np.sqrt(var)
    info = m.phrases.groupby("theme", sort=False).agg(
        theme_label=("theme_label", "first"), side=("side", lambda s: s.mode().iloc[0] if s.notna().any() else pd.NA)
    )
    side = np.array([info["side"].get(n, pd.NA) for n in names], dtype=object)
    shared = np.array([isinstance(v, str) and v == "shared" for v in side], dtype=bool)
    separates = (np.abs(z) >= Z_MIN) & (np.abs(lor) >= MIN_LOG_ODDS) & ~shared
    weight = np.where(separates, lor, 0.0)
    out = pd.DataFrame({
        "theme": names,
        "theme_label": [info["theme_label"].get(n, n) for n in names],
        "side": side,
        "docs_a": docs_a.astype(int), "docs_b": docs_b.astype(int), "n_a": n_a, "n_b": n_b,
        "share_a": docs_a / n_a if n_a else np.nan, "share_b": docs_b / n_b if n_b else np.nan,
        "log_odds": lor, "z": z, "weight": weight,
        "leans": np.where(weight > 0, a, np.where(weight < 0, b, "shared")),
    })
    out["theme_label"] = out["theme_label"].fillna(out["theme"].str.replace("_", " "))
    out.attrs.update({"a": a, "b": b})
    return out


# --------------------------------------------------------------------------------------------- result


def _pct(x: float) -> str:
    return f"{x * 100:.0f}%"


@dataclass
class FitResult:
    """What :func:`fit` returns. Every frame is tidy; ``str()`` is the CLI summary.

    Attributes:
        stories: ``story_id, text, lean, score, pmt_evidence, tpm_evidence, phrases, themes``.
        overall: One row: ``lean, label, pmt_share, tpm_share, pmt_evidence, tpm_evidence,
            n_stories, n_pmt, n_tpm, n_shared, pulling_pmt, pulling_tpm``.
        gaps: ``role, theme, theme_label, share, n_postings, weight, distinctive, phrases``.
        matches: ``role, rank, posting_id, company, title, score, shared_themes, why``.
        evidence: One row per story x match: ``story_id, theme, theme_label, matched, phrase,
            source, start, end, weight``.
        weights: :func:`theme_weights` of the postings the weights came from.
        scope: What was compared: company, market, n_pmt, n_tpm, weights_from.
        notes: Caveats (small scope, stories with no signal).
    """

    stories: pd.DataFrame
    overall: pd.DataFrame
    gaps: pd.DataFrame
    matches: pd.DataFrame
    evidence: pd.DataFrame
    weights: pd.DataFrame
    scope: dict
    notes: list[str] = field(default_factory=list)

    @property
    def lean(self) -> str:
        """The overall lean: "pmt", "tpm" or "shared"."""
        return str(self.overall["lean"].iloc[0])

    def gaps_for(self, role: str | None = None) -> pd.DataFrame:
        """Gaps of one role (default: the overall lean; both when shared)."""
        role = role or self.lean
        out = self.gaps if role == "shared" else self.gaps[self.gaps["role"] == role]
        return out.reset_index(drop=True)

    def __str__(self) -> str:
        o = self.overall.iloc[0]
        sc = self.scope
        where = ", ".join(f"{k} {sc[k]}" for k in ("company", "market") if sc.get(k)) or "all postings"
        lines = [
            f"Story fit: {len(self.stories)} stories against {where} "
            f"({sc['n_pmt']} PM-T and {sc['n_tpm']} TPM postings)",
            "",
            f"Overall: {o['label']}  (lean: {ROLE_NAMES[o['lean']]}; {o['n_tpm']} stories read TPM, "
            f"{o['n_pmt']} PM-T, {o['n_shared']} shared ground)",
        ]
        if o["pulling_pmt"]:
            lines.append(f"  pulling PM-T: stories {o['pulling_pmt']}")
        if o["pulling_tpm"]:
            lines.append(f"  pulling TPM:  stories {o['pulling_tpm']}")
        lines += ["", "Stories (score: -1 TPM ... +1 PM-T)"]
        for r in self.stories.itertuples(index=False):
            text = r.text if len(r.text) <= 90 else r.text[:87] + "..."
            lines.append(f"  #{r.story_id} {ROLE_NAMES[r.lean]:<6} {r.score:+.2f}  {text}")
            lines.append(f"       {r.phrases or 'no role phrases found'}")
        role = self.lean
        gaps = self.gaps_for(role)
        title = "both roles" if role == "shared" else f"{ROLE_NAMES[role]} postings"
        lines += ["", f"Gaps: common in {title}, not in your stories"]
        if gaps.empty:
            lines.append("  none: your stories cover every theme most of these postings mention")
        for r in gaps.head(12).itertuples(index=False):
            mark = " *" if r.distinctive else ""
            lines.append(f"  {ROLE_NAMES[r.role]:<5} {r.theme_label:<34} {_pct(r.share):>4} of postings{mark}"
                         f"  e.g. {r.phrases}")
        if not gaps.empty:
            lines.append("  (* = distinctive of that role in these postings)")
        lines += ["", "Postings your stories fit best"]
        if self.matches.empty:
            lines.append("  none share a theme with your stories")
        for r in self.matches.itertuples(index=False):
            lines.append(f"  {ROLE_NAMES[r.role]:<5} {r.rank}. {r.company} - {r.title} [{r.posting_id}] "
                         f"score {r.score:.2f}")
            lines.append(f"           why: {r.why}")
        if self.notes:
            lines += ["", *[f"Note: {n}" for n in self.notes]]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """JSON-ready dict: scope, overall, stories, evidence, gaps, matches, weights, notes."""

        def records(df: pd.DataFrame) -> list[dict]:
            return json.loads(df.to_json(orient="records", date_format="iso"))

        return {
            "scope": self.scope,
            "overall": records(self.overall)[0],
            "stories": records(self.stories),
            "evidence": records(self.evidence),
            "gaps": records(self.gaps),
            "matches": records(self.matches),
            "weights": records(self.weights),
            "notes": list(self.notes),
        }

    def stories_html(self) -> str:
        """The per-story table as HTML, story text escaped with ``<mark>`` around matched phrases."""
        rows = []
        for r in self.stories.itertuples(index=False):
            ev = self.evidence[self.evidence["story_id"] == r.story_id]
            spans = [(int(e.start), int(e.end), f"{e.theme_label} ({e.weight:+.2f})") for e in ev.itertuples()]
            rows.append(
                f"<tr><td>{r.story_id}</td><td>{html.escape(ROLE_NAMES[r.lean])}</td><td>{r.score:+.2f}</td>"
                f"<td style='text-align:left'>{highlight(r.text, spans)}</td>"
                f"<td style='text-align:left'>{html.escape(r.phrases)}</td></tr>"
            )
        head = "<tr><th>#</th><th>lean</th><th>score</th><th>story</th><th>driven by</th></tr>"
        return f"<table class='kit-fit-stories'>{head}{''.join(rows)}</table>"

    def _repr_html_(self) -> str:
        o = self.overall.iloc[0]
        gaps = self.gaps_for().drop(columns=["weight"])
        notes = "".join(f"<p><em>Note: {html.escape(n)}</em></p>" for n in self.notes)
        return (
            f"<h4>Overall: {html.escape(str(o['label']))} "
            f"(lean {html.escape(ROLE_NAMES[o['lean']])})</h4>"
            f"{self.stories_html()}<h4>Gaps</h4>{gaps.to_html(index=False, escape=True)}"
            f"<h4>Best-matching postings</h4>{self.matches.to_html(index=False, escape=True)}{notes}"
        )


# --------------------------------------------------------------------------------------------- fit


def _load_scope(postings, company: str | None, market: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    if postings is None or not isinstance(postings, pd.DataFrame):
        from kit.load.postings import load_postings

        full = load_postings() if postings is None else load_postings(postings)
    else:
        full = postings
    for col in ("role", "description"):
        if col not in full.columns:
            raise DataError.build(f"no {col!r} column", path="<postings>", column=col,
                                  expected="a postings table", fix="load postings with kit.load_postings")
    scope = full
    if company or market:
        from kit.analysis.selection import select

        scope = select(full, company=company or None, market=market or None)
    return full, scope


def _role_rows(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["role"].astype("string").isin(["pmt", "tpm"]).fillna(False).to_numpy()]


def _score_stories(texts: list[str], found: list[list[dict]], wmap: dict, label: dict):
    """Per-story scores and the evidence rows behind them (module docstring, step 4)."""
    notes: list[str] = []
    ev_rows, story_rows = [], []
    for sid, (text, hits) in enumerate(zip(texts, found, strict=True), start=1):
        seen: dict[tuple[str, str], dict] = {}
        for h in hits:
            seen.setdefault((h["theme"], h["matched"].lower()), h)
        themes_hit: dict[str, list[str]] = {}
        for (theme, _), h in seen.items():
            w = float(wmap.get(theme, 0.0))
            ev_rows.append({"story_id": sid, "theme": theme, "theme_label": label.get(theme, theme),
                            "matched": h["matched"], "phrase": h["phrase"], "source": h["source"],
                            "start": h["start"], "end": h["end"], "weight": w})
            themes_hit.setdefault(theme, []).append(h["matched"])
        ws = {t: float(wmap.get(t, 0.0)) for t in themes_hit}
        p = sum(w for w in ws.values() if w > 0)
        tt = sum(-w for w in ws.values() if w < 0)
        score = (p - tt) / (p + tt + 1)
        lean = "pmt" if score >= LEAN_SCORE else "tpm" if score <= -LEAN_SCORE else "shared"
        order = sorted(themes_hit, key=lambda t: -abs(ws[t]))
        phrases = "; ".join(
            f"{label.get(t, t)} ({ws[t]:+.2f}): " + ", ".join(f'"{x}"' for x in dict.fromkeys(themes_hit[t]))
            for t in order
        )
        story_rows.append({"story_id": sid, "text": text, "lean": lean, "score": score, "pmt_evidence": p,
                           "tpm_evidence": tt, "phrases": phrases, "themes": ", ".join(order)})
        if not hits:
            notes.append(f"story {sid} has no phrase the kit knows; add what you did and its result")
    stories_df = pd.DataFrame(story_rows)
    evidence = pd.DataFrame(ev_rows, columns=["story_id", "theme", "theme_label", "matched", "phrase", "source",
                                              "start", "end", "weight"])
    return stories_df, evidence, notes


def _overall(stories_df: pd.DataFrame) -> pd.DataFrame:
    """The lean across all stories (module docstring, step 5)."""
    P, T = float(stories_df["pmt_evidence"].sum()), float(stories_df["tpm_evidence"].sum())
    total = P + T
    pmt_share = P / total if total else 0.5
    lean = "pmt" if total and pmt_share >= LEAN_SHARE else "tpm" if total and 1 - pmt_share >= LEAN_SHARE else "shared"
    if not total:
        text_label = "no role signal (shared ground)"
    elif pmt_share >= 0.5:
        text_label = f"{_pct(pmt_share)} PM-T"
    else:
        text_label = f"{_pct(1 - pmt_share)} TPM"

    def pulling(role: str) -> str:
        s = stories_df[stories_df["lean"] == role].sort_values("score", ascending=role == "tpm")
        return ", ".join(str(i) for i in s["story_id"])

    overall = pd.DataFrame([{
        "lean": lean, "label": text_label, "pmt_share": pmt_share if total else np.nan,
        "tpm_share": 1 - pmt_share if total else np.nan, "pmt_evidence": P, "tpm_evidence": T,
        "n_stories": len(stories_df), "n_pmt": int((stories_df["lean"] == "pmt").sum()),
        "n_tpm": int((stories_df["lean"] == "tpm").sum()), "n_shared": int((stories_df["lean"] == "shared").sum()),
        "pulling_pmt": pulling("pmt"), "pulling_tpm": pulling("tpm"),
    }])
    return overall


def fit(
    stories: str | PathLike | Sequence[str],
    postings: pd.DataFrame | str | PathLike | Sequence | None = None,
    *,
    company: str | None = None,
    market: str | None = None,
) -> FitResult:
    """Which role do these experience stories read like, against the postings in scope?

    Args:
        stories: A list of stories, pasted text, or a path to a .txt / .md file (one story per
            paragraph; resume bullets are one story each).
        postings: A postings table, or posting file path(s) for :func:`kit.load_postings`
            (default: the bundled sample).
        company: Narrow to one company (:func:`kit.select`, alias-aware).
        market: Narrow to one market.

    Returns:
        A :class:`FitResult` (module docstring: how every number is computed).

    Raises:
        DataError: Empty, non-text or non-English stories; postings without role/description.
        SelectionError: An unknown company / market.
        KitError: Postings without both PM-T and TPM postings.
    """
    texts = read_stories(stories)
    lex = _lexicon()
    matcher = _matcher(lex)
    found = [matcher.find(t) for t in texts]
    _check_english(texts, found)

    from kit.analysis.claims import lexicon_mentions

    full, scope = _load_scope(postings, company, market)
    scope = _role_rows(scope)
    notes: list[str] = []
    n_p = int((scope["role"] == "pmt").sum())
    n_t = int((scope["role"] == "tpm").sum())
    if n_p + n_t == 0 and (company or market):
        where = " / ".join(x for x in (company, market) if x)
        raise SelectionError(f"{where}: no PM-T or TPM postings in this selection; pick another company or market")
    m_scope = lexicon_mentions(scope)
    weights_from = "scope"
    if min(n_p, n_t) >= MIN_ROLE_POSTINGS:
        weights = theme_weights(scope, mentions=m_scope)
    else:
        pool = _role_rows(full)
        fp, ft = int((pool["role"] == "pmt").sum()), int((pool["role"] == "tpm").sum())
        if min(fp, ft) < MIN_ROLE_POSTINGS:
            hint = ("the 'role' column is empty: load postings with kit.load_postings, which classifies titles"
                    if full["role"].isna().all() else "use a larger posting file (default: the bundled sample)")
            raise KitError(
                f"fit needs at least {MIN_ROLE_POSTINGS} PM-T and {MIN_ROLE_POSTINGS} TPM postings to weigh "
                f"phrases; these postings have {fp} PM-T and {ft} TPM ({hint})"
            )
        weights = theme_weights(pool)
        weights_from = "all postings"
        notes.append(f"the selection has {n_p} PM-T and {n_t} TPM postings (< {MIN_ROLE_POSTINGS} of one role); "
                     "theme weights come from all postings, gaps and matches from the selection")

    wmap = weights.set_index("theme")["weight"].to_dict()
    label = weights.set_index("theme")["theme_label"].to_dict()
    label.update({t: lbl for t, lbl in zip(lex["theme"].astype(str), lex.get("theme_label", lex["theme"]),
                                           strict=True) if t not in label and isinstance(lbl, str)})

    stories_df, evidence, story_notes = _score_stories(texts, found, wmap, label)
    notes += story_notes
    overall = _overall(stories_df)

    story_themes = set(evidence["theme"])
    gaps = _gaps(scope, m_scope, weights, story_themes, label)
    matches = _matches(scope, m_scope, story_themes, label, weights)
    info = {"company": company or None, "market": market or None, "n_pmt": n_p, "n_tpm": n_t,
            "weights_from": weights_from}
    return FitResult(stories=stories_df, overall=overall, gaps=gaps, matches=matches, evidence=evidence,
                     weights=weights, scope=info, notes=notes)


def _gaps(scope: pd.DataFrame, m, weights: pd.DataFrame, story_themes: set, label: dict) -> pd.DataFrame:
    tmat, names = m.themes()
    tmat = tmat.tocsc()
    pmat = m.matrix.tocsc()
    role = scope["role"].astype("string").fillna("").to_numpy()
    wmap = weights.set_index("theme")["weight"].to_dict()
    rows = []
    for r in ("pmt", "tpm"):
        mask = role == r
        n = int(mask.sum())
        if not n:
            continue
        share = np.asarray(tmat[mask].sum(axis=0)).ravel() / n
        pshare = np.asarray(pmat[mask].sum(axis=0)).ravel() / n
        for j, theme in enumerate(names):
            if theme in story_themes or share[j] < GAP_MIN_SHARE:
                continue
            cols = np.flatnonzero((m.phrases["theme"].astype(str) == theme).to_numpy())
            top = cols[np.argsort(-pshare[cols], kind="stable")][:3]
            top = [c for c in top if pshare[c] > 0]
            w = float(wmap.get(theme, 0.0))
            rows.append({
                "role": r, "theme": theme, "theme_label": label.get(theme, theme), "share": float(share[j]),
                "n_postings": n, "weight": w, "distinctive": bool(w > 0 if r == "pmt" else w < 0),
                "phrases": ", ".join(f'"{m.phrases["phrase"].iloc[c]}" ({_pct(pshare[c])})' for c in top),
            })
    out = pd.DataFrame(rows, columns=["role", "theme", "theme_label", "share", "n_postings", "weight", "distinctive",
                                      "phrases"])
    return out.sort_values(["role", "distinctive", "share"], ascending=[True, False, False], ignore_index=True)


def _matches(scope: pd.DataFrame, m, story_themes: set, label: dict, weights: pd.DataFrame) -> pd.DataFrame:
    """Best-matching postings per role (module docstring, step 7)."""
    cols = ["role", "rank", "posting_id", "company", "title", "score", "shared_themes", "why"]
    tmat, names = m.themes()
    tmat = tmat.tocsr().astype(float)
    n = tmat.shape[0]
    if not n or not story_themes:
        return pd.DataFrame(columns=cols)
    idf = np.log((n + 1) / (np.asarray(tmat.sum(axis=0)).ravel() + 1)) + 1
    post_norm = np.sqrt(np.asarray(tmat.multiply(idf**2).sum(axis=1)).ravel())
    wmap = weights.set_index("theme")["weight"].to_dict()
    w = np.array([float(wmap.get(t, 0.0)) for t in names])
    in_story = np.array([t in story_themes for t in names])
    role = scope["role"].astype("string").fillna("").to_numpy()
    pmat = m.matrix.tocsr()
    theme_of = m.phrases["theme"].astype(str).to_numpy()
    phrase_of = m.phrases["phrase"].astype(str).to_numpy()
    rows = []
    for r, sign in (("pmt", 1.0), ("tpm", -1.0)):
        # story theme vector for role r: themes leaning to r count (1 + |weight|) times, others once
        s = np.where(in_story, idf * (1 + np.clip(sign * w, 0, None)), 0.0)
        dot = tmat @ (s * idf)
        denom = post_norm * np.linalg.norm(s)
        score = np.divide(dot, denom, out=np.zeros(n), where=denom > 0)
        idx = np.flatnonzero((role == r) & (score > 0))
        idx = idx[np.argsort(-score[idx], kind="stable")][:TOP_MATCHES]
        for rank, i in enumerate(idx, start=1):
            shared = sorted((j for j in tmat[i].indices if in_story[j]), key=lambda j: -s[j] * idf[j])
            order = {names[j]: k for k, j in enumerate(shared)}
            ph = sorted((c for c in pmat[i].indices if theme_of[c] in order), key=lambda c: order[theme_of[c]])
            rec = scope.iloc[i]
            rows.append({
                "role": r, "rank": rank, "posting_id": str(rec.get("posting_id", i)),
                "company": str(rec.get("company", "")), "title": str(rec.get("title", "")), "score": float(score[i]),
                "shared_themes": ", ".join(label.get(names[j], names[j]) for j in shared),
                "why": "both mention " + ", ".join(f'"{phrase_of[c]}"' for c in list(dict.fromkeys(ph))[:6]),
            })
    return pd.DataFrame(rows, columns=cols)


def cli_fit(
    stories,
    *,
    company: str | None = None,
    market: str | None = None,
    postings=None,
    as_json: bool = False,
) -> str:
    """What ``kit fit`` prints: the readable summary, or JSON with ``as_json``.

    Args:
        stories: Path to a .txt / .md file of stories.
        company: Narrow to one company.
        market: Narrow to one market.
        postings: Posting file path(s) (default: bundled sample).
        as_json: Return JSON instead of text.

    Returns:
        The text to print.
    """
    result = fit(Path(stories) if isinstance(stories, str) else stories, postings, company=company, market=market)
    if as_json:
        return json.dumps(result.to_dict(), indent=2, default=str)
    return str(result)

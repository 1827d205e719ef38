"""The role-phrase lexicon: themes (PM-T, TPM, shared, technical) with phrases and their variants.

The phrases live in ``kit/data/lexicon.yaml`` (documented at its top); :func:`load_lexicon` reads
and validates it into one row per canonical phrase. The text normalization used to match phrases
(:func:`normalize`, :data:`TOKEN_PATTERN`) is defined here once and shared with the phrase index,
so a variant and a description are always normalized the same way.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from os import PathLike
from pathlib import Path

import pandas as pd

from kit.core.datafiles import read_yaml
from kit.core.errors import DataError
from kit.core.paths import DATA_DIR
from kit.prepare.phrasematch import JOINER_RUN
from kit.prepare.phrasematch import spellings as phrase_spellings

__all__ = [
    "DEFAULT_LEXICON",
    "LEXICON_COLUMNS",
    "MAX_WORDS",
    "SIDES",
    "TOKEN_PATTERN",
    "lexicon_hash",
    "load_lexicon",
    "load_themes",
    "normalize",
    "spellings",
    "tokenize",
]

DEFAULT_LEXICON = DATA_DIR / "lexicon.yaml"
#: Columns of :func:`load_lexicon`, in order (stable: other modules rely on them).
LEXICON_COLUMNS = ("phrase", "theme", "theme_label", "side", "variants", "pattern")
SIDES = ("pmt", "tpm", "shared", "technical")
#: Longest variant, in words (the index counts 1-3 word n-grams).
MAX_WORDS = 3
#: Index tokens: hyphenated and slashed compounds as one token ("trade-offs", "end-to-end", "go/no-go", "ai/ml"),
#: else scikit-learn's default word pattern (runs of two or more word characters).
TOKEN_PATTERN = r"(?u)\b\w+(?:[-/]\w+)+\b|\b\w\w+\b"
#: The pattern before compounds were tokens (the n-gram analyses of kit 0.1 used it).
WORD_PATTERN = r"(?u)\b\w\w+\b"

_TOKEN = re.compile(WORD_PATTERN)  # lexicon variants: words, joiners already turned into spaces by normalize
_JOINER = re.compile(r"(?<=\w)[-/\u2010-\u2015](?=\w)")
_WORD = re.compile(r"(?u)\w+")


def normalize(text: str) -> str:
    """Lower-case ``text`` and turn a hyphen, slash or dash between two word characters into a space.

    This is the phrase index's preprocessor: "Cross-functional" and "cross functional" normalize alike.

    Args:
        text: Raw text.

    Returns:
        The normalized text (same length or shorter).
    """
    return _JOINER.sub(" ", text.lower())


def tokenize(text: str) -> list[str]:
    """Normalize and split ``text`` into the index's tokens (words of two or more characters)."""
    return _TOKEN.findall(normalize(text))


def spellings(variant: str) -> tuple[str, ...]:
    """Every index spelling of a normalized lexicon variant: words joined by a space, a hyphen or a slash.

    The one place where "cross functional" and "cross-functional" meet: the index keeps a compound as one token
    (:data:`TOKEN_PATTERN`), a lexicon variant is normalized to words (:func:`normalize`), and the variant is
    counted under each of its spellings, so a posting's "cross-functional" matches the lexicon's
    "cross functional" and a lexicon "go/no-go" (normalized "go no go") matches the posting's "go no go" too.

    Args:
        variant: A normalized variant (lower case, words separated by single spaces).

    Returns:
        The spellings, the space-separated one first (:func:`kit.prepare.phrasematch.spellings`: the kit's one
        phrase normalization, with its joiners).
    """
    return phrase_spellings(variant)


def _resolve(source: str | PathLike) -> Path:
    if isinstance(source, str) and source == "default":
        return DEFAULT_LEXICON
    return Path(source)


def lexicon_hash(source: str | PathLike = "default") -> str:
    """A 16-hex-digit hash of the lexicon file's bytes (part of the phrase-index cache key)."""
    path = _resolve(source)
    try:
        stat = path.stat()
        return _file_hash(path, stat.st_mtime_ns, stat.st_size)
    except OSError as exc:
        raise DataError.build(
            f"cannot read the lexicon ({exc.strerror})",
            path=path,
            fix="pass 'default' or the path of a lexicon YAML file",
        ) from exc


@lru_cache(maxsize=16)
def _file_hash(path: Path, _mtime_ns: int, _size: int) -> str:
    return hashlib.blake2b(path.read_bytes(), digest_size=8).hexdigest()


def _pattern(variants: list[str]) -> str:
    alts = sorted({JOINER_RUN.join(re.escape(w) for w in v.split(" ")) for v in variants}, key=len, reverse=True)
    return r"(?i)\b(?:" + "|".join(alts) + r")\b"


def _variant(raw: object, *, path: Path, theme: str) -> str:
    if not isinstance(raw, str | int | float) or isinstance(raw, bool):
        raise DataError.build(
            f"theme {theme!r}: phrase entry {raw!r} is not text", path=path, expected="a string or `phrase: [variants]`"
        )
    raw = str(raw)
    tokens = tokenize(raw)
    words = _WORD.findall(normalize(raw))
    if tokens != words or not tokens:
        raise DataError.build(
            f"theme {theme!r}: variant {raw!r} has a word shorter than two characters (or none), which the "
            "tokenizer drops",
            path=path,
            expected="words of at least two letters or digits",
            fix="rewrite the variant, e.g. 'ab testing' for 'A/B testing'",
        )
    if len(tokens) > MAX_WORDS:
        raise DataError.build(
            f"theme {theme!r}: variant {raw!r} has {len(tokens)} words",
            path=path,
            expected=f"at most {MAX_WORDS} words (the index counts 1-{MAX_WORDS} word n-grams)",
            fix="shorten it to its distinctive core ('customer needs' for 'translate customer needs into specs')",
        )
    return " ".join(tokens)


@lru_cache(maxsize=8)
def _load(path: Path, digest: str) -> pd.DataFrame:
    data = read_yaml(path, what="lexicon")
    themes = data.get("themes") if isinstance(data, dict) else None
    if not isinstance(themes, list) or not themes:
        raise DataError.build(
            "no `themes` list", path=path, expected="a top-level `themes:` list (see kit/data/lexicon.yaml)"
        )
    rows = []
    seen_theme: set[str] = set()
    owner: dict[str, str] = {}  # normalized variant -> canonical phrase
    for t in themes:
        if not isinstance(t, dict) or not t.get("id"):
            raise DataError.build(f"theme entry {t!r} has no id", path=path, expected="id, label, side, phrases")
        tid = str(t["id"])
        if tid in seen_theme:
            raise DataError.build(f"theme {tid!r} is defined twice", path=path, fix="merge the two entries")
        seen_theme.add(tid)
        side = str(t.get("side", ""))
        if side not in SIDES:
            raise DataError.build(f"theme {tid!r} has side {side!r}", path=path, expected=f"one of {', '.join(SIDES)}")
        label = str(t.get("label") or tid)
        phrases = t.get("phrases") or []
        if not isinstance(phrases, list) or not phrases:
            raise DataError.build(f"theme {tid!r} has no phrases", path=path, expected="a list under `phrases:`")
        for item in phrases:
            if isinstance(item, dict) and len(item) == 1:
                ((canon, extra),) = item.items()
                extra = extra or []
                if not isinstance(extra, list):
                    extra = [extra]
            else:
                canon, extra = item, []
            canon = _variant(canon, path=path, theme=tid)
            variants = [canon] + [_variant(v, path=path, theme=tid) for v in extra]
            variants = list(dict.fromkeys(variants))
            # a variant containing another variant of the same phrase adds nothing and would count twice
            variants = [v for v in variants if not any(u != v and f" {u} " in f" {v} " for u in variants)]
            for v in variants:
                if v in owner:
                    raise DataError.build(
                        f"theme {tid!r}: variant {v!r} of phrase {canon!r} already belongs to phrase {owner[v]!r}",
                        path=path,
                        expected="each normalized variant in one phrase only",
                        fix="remove one of the two",
                    )
                owner[v] = canon
            rows.append((canon, tid, label, side, tuple(variants), _pattern(variants)))
    df = pd.DataFrame(rows, columns=list(LEXICON_COLUMNS))
    for col in ("phrase", "theme", "theme_label", "side", "pattern"):
        df[col] = df[col].astype("string")
    df.attrs["source"] = str(path)
    df.attrs["hash"] = digest
    return df


def load_lexicon(source: str | PathLike = "default") -> pd.DataFrame:
    """Load and validate a lexicon YAML file (by default ``kit/data/lexicon.yaml``).

    Args:
        source: ``"default"`` or the path of a lexicon file in the same format.

    Returns:
        One row per canonical phrase with columns ``phrase`` (canonical, normalized), ``theme``
        (id), ``theme_label``, ``side`` ("pmt", "tpm", "shared", "technical"), ``variants`` (tuple
        of normalized n-grams counted for the phrase, in file order) and ``pattern`` (regex that
        finds any variant in raw text). ``attrs`` carry ``source`` (file) and ``hash`` (file hash).

    Raises:
        DataError: The file is unreadable or breaks a rule documented at the top of the YAML file.
    """
    path = _resolve(source)
    return _load(path, lexicon_hash(path)).copy()


def load_themes(source: str | PathLike = "default") -> pd.DataFrame:
    """The themes of a lexicon: ``[theme, theme_label, side, n_phrases]`` in file order."""
    lex = load_lexicon(source)
    out = lex.groupby("theme", sort=False).agg(
        theme_label=("theme_label", "first"), side=("side", "first"), n_phrases=("phrase", "size")
    )
    return out.reset_index()

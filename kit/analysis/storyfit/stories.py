"""Story fit, step 1: reading stories (a list, pasted text or a .txt / .md file) and the English check.

One story per paragraph (blank-line separated); in a paragraph of bullet lines (a pasted resume) each
bullet is a story, and the non-bullet lines above the bullets (job headers) are skipped.

English only: a story whose letters are mostly non-ASCII, or which has 8+ words of which under 10% are
common English function words and no theme match, is rejected with its number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from os import PathLike
from pathlib import Path

from kit.core.errors import DataError

__all__ = ["BINARY_SUFFIXES", "ENGLISH_FUNCTION_WORDS", "TEXT_SUFFIXES", "check_english", "read_stories",
           "split_stories"]

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text", ""}
BINARY_SUFFIXES = {
    ".pdf": "PDF", ".docx": "Word", ".doc": "Word", ".rtf": "RTF", ".odt": "OpenDocument", ".pages": "Pages",
    ".pptx": "PowerPoint", ".xlsx": "Excel", ".xls": "Excel", ".zip": "zip", ".png": "image", ".jpg": "image",
    ".jpeg": "image", ".html": "HTML", ".htm": "HTML",
}
_PARAGRAPHS = re.compile(r"\n[ \t]*\n")
_BULLET = re.compile(r"^\s*(?:[-*+\u2022\u00b7\u25aa\u25e6\u2023\u2013\u2014]|\d{1,2}[.)])\s+")
_HEADING = re.compile(r"^\s*#{1,6}\s")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MD_MARK = re.compile(r"\*\*|__|`")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
#: Common English function words for the language check.
ENGLISH_FUNCTION_WORDS = frozenset(
    "a about above across after against all also an and any are as at be because been before being between both "
    "but by can could did do does down during each few for from had has have he her here him his how i if in into "
    "is it its just me more most my no not of off on once only or other our ours out over own same she should so "
    "some such than that the their them then there these they this those through to too under until up us very "
    "was we were what when where which while who whom why will with would you your".split()
)


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



def check_english(stories: list[str], matches: list[list[dict]]) -> None:
    """Reject stories that do not look like English, naming each one.

    Args:
        stories: The story texts.
        matches: Per story, its theme matches (a story with a theme match is never rejected for few
            function words: resume keyword lists are English too).

    Raises:
        DataError: One or more stories, by number, are not English.
    """
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



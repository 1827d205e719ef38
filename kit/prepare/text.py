"""Plain text from posting descriptions: HTML stripped, entities decoded, markdown removed, whitespace normalized.

:func:`clean_series` cleans a whole column, :func:`clean_text` one string. Line breaks survive as ``"\\n"``
(block HTML tags and list items become line breaks; at most one blank line in a row) so later steps can still
split sentences and bullet points; list bullets become ``"- "``.

Speed: every step is guarded by a cheap substring test (``"<" in text``, ``"**" in text`` ...) and every
pattern starts with a literal character, which lets Python's regex engine skip ahead; plain text passes through
almost untouched. :func:`clean_series` gives the same answers over a whole column without a Python call per
value: each distinct tag piece and each distinct LINE cleaned once (:mod:`kit.prepare.text_fast`; the tag steps
are :func:`_strip_tags`, the steps after HTML the two line-local halves :func:`_before_rules` / :func:`_after_rules`).
"""

from __future__ import annotations

import html
import re

import pandas as pd
import pyarrow as pa

__all__ = ["clean_series", "clean_text"]

# --- HTML ---------------------------------------------------------------------------------------------------------
# Every pattern is linear in the text whatever the markup: a tag's body stops at the next "<" (an unclosed "<a"
# is text up to there, not a scan to the end of the text for each "<"), comments / scripts / styles are cut
# by one left-to-right pass with str.find (:func:`_drop_hidden`), and markdown spans are bounded in length.
_HAS_TAG = re.compile(r"<[a-zA-Z/!]")
_HIDDEN_START = re.compile(r"<!--|<(script|style)\b", re.I)
_LIST_ITEM_END = re.compile(r"</li\s*>", re.I)
_LIST_ITEM = re.compile(r"<li\b[^<>\x00]*>", re.I)
_BLOCK_TAG = re.compile(
    r"</?(?:br|p|div|ul|ol|h[1-6]|tr|td|th|dt|dd|table|section|article|header|footer|blockquote)\b[^<>\x00]*>", re.I
)
_ANY_TAG = re.compile(r"<[a-zA-Z/!][^<>\x00]*>")

# --- characters ---------------------------------------------------------------------------------------------------
#: character -> replacement (each is looked for with a fast substring scan, then replaced with str.replace)
_CHAR_FIXES: tuple[tuple[str, str], ...] = (
    *((c, " ") for c in "\t\f\v\u00a0\u202f\u205f\u3000"),
    *((chr(c), " ") for c in range(0x2000, 0x200B)),
    *((c, "\n") for c in "\u2028\u2029"),
    *((c, "") for c in "\u200b\u200c\u200d\u2060\ufeff\u00ad"),
)
_ASCII_FIXES = _CHAR_FIXES[:3]

# --- markdown (line-start patterns are matched after a "\n", which the cleaner puts in front) ---------------------
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|~>])")
_MD_IMAGE = re.compile(r"!\[([^\[\]\n]*)\]\([^()\s]*\)")
_MD_LINK = re.compile(r"\[([^\[\]\n]+)\]\([^()\s]*\)")
_MD_RULE = re.compile(r"\n *(?:[-*_] *){3,}(?=\n|$)")
_MD_HEADER = re.compile(r"\n *#{1,6}(?: +|(?=\n)|$)")
_MD_BULLET = re.compile(r"\n *[*+•·▪●◦] +")
_MD_STRONG_STAR = re.compile(r"\*\*(?=\S)([^\n]{1,300}?)(?<=\S)\*\*")  # bounded: linear on "**" without an end
_MD_STRONG_UNDER = re.compile(r"__(?<![\w_]__)(?=\S)([^\n]{1,300}?)(?<=\S)__(?![\w_])")
_MD_EM_STAR = re.compile(r"\*(?<![\w*]\*)(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])")
_MD_EM_UNDER = re.compile(r"_(?<![\w_]_)(?=[^\s_])([^_\n]+?)(?<=[^\s_])_(?![\w_])")
_MD_STRAY = re.compile(r"\*\*+")
_BULLET_CHARS = ("•", "·", "▪", "●", "◦")

# --- whitespace ---------------------------------------------------------------------------------------------------
_MANY_NL = re.compile(r"\n\n\n+")


def _drop_hidden(text: str) -> str:
    """Remove comments, scripts and styles in one left-to-right pass.

    An unclosed one hides the rest of the text, as in a browser.
    """
    if "<!--" not in text and "<s" not in text and "<S" not in text:
        return text
    parts, at, lower = [], 0, None
    while True:
        m = _HIDDEN_START.search(text, at)
        if m is None:
            parts.append(text[at:])
            break
        parts.append(text[at:m.start()])
        parts.append(" ")
        if m.group(1) is None:  # a comment
            end = text.find("-->", m.end())
            at = len(text) if end == -1 else end + 3
        else:
            if lower is None:
                lower = text.lower()
            close = f"</{m.group(1).lower()}"
            end = lower.find(close, m.end())
            gt = -1 if end == -1 else text.find(">", end + len(close))
            at = len(text) if gt == -1 else gt + 1
        if at >= len(text):
            break
    return "".join(parts)


def _clean_html(text: str) -> str:
    return _strip_tags(_drop_hidden(text))


def _strip_tags(text: str) -> str:
    """The tag steps of the HTML step (after :func:`_drop_hidden`): list items, block tags, other tags."""
    text = _LIST_ITEM_END.sub("", text)
    text = _LIST_ITEM.sub("\n- ", text)
    text = _BLOCK_TAG.sub("\n", text)
    return _ANY_TAG.sub("", text)


def _clean_one(text: str) -> str:
    # guards are single-character scans (memchr-fast) before any multi-character scan or regex
    if "<" in text and _HAS_TAG.search(text):
        text = _clean_html(text)
    return _after_html(text)


def _after_html(text: str) -> str:
    text = _before_rules(text, "&" in text and ";" in text)
    text = _after_rules(text, _rule_guard(text))
    if "\n\n\n" in text:
        text = _MANY_NL.sub("\n\n", text)
    return text.strip()


# The steps after HTML are cut in two at the one guard that looks at the whole text (horizontal rules, see
# _rule_guard). Everything else only ever looks inside one line, which lets kit/prepare/text_fast.py run the
# same two functions once per distinct LINE of a column (see there).
def _before_rules(text: str, entities: bool) -> str:
    """Entities, line breaks, odd characters, escapes, links and headers.

    ``entities``: decode HTML entities (the whole text has both "&" and ";"). Returns the text with a ``"\\n"`` in
    front (line-start patterns match after a newline).
    """
    if entities:
        text = html.unescape(text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    for char, repl in _ASCII_FIXES if text.isascii() else _CHAR_FIXES:
        if char in text:
            text = text.replace(char, repl)
    if "\\" in text:
        text = _MD_ESCAPE.sub(r"\1", text)
    if "]" in text and "](" in text:
        text = _MD_LINK.sub(r"\1", _MD_IMAGE.sub(r"\1", text))
    text = "\n" + text  # line-start patterns match after a newline
    if "#" in text:
        text = _MD_HEADER.sub("\n", text)
    return text


def _rule_guard(text: str) -> bool:
    """Whether horizontal rules are removed: the text (after :func:`_before_rules`) has a double marker.

    That is "**", "* *", "__", "--" or "- -" somewhere; none of them spans a line break, so a text's answer is the
    OR of its lines' answers.
    """
    return "**" in text or "* *" in text or "__" in text or "--" in text or "- -" in text


def _after_rules(text: str, rules: bool) -> str:
    """Rules (when ``rules``), bullets, emphasis and spaces: the rest of the cleaning of a ``"\\n"``-prefixed text."""
    if rules:
        text = _MD_RULE.sub("\n", text)
    star, under = "*" in text, "_" in text
    if (star and "* " in text) or ("+" in text and "+ " in text) or (
            not text.isascii() and any(b in text for b in _BULLET_CHARS)):
        text = _MD_BULLET.sub("\n- ", text)
    if star:
        if "**" in text:
            text = _MD_STRONG_STAR.sub(r"\1", text)
        text = _MD_EM_STAR.sub(r"\1", text)
        if "**" in text:
            text = _MD_STRAY.sub("", text)
    if under:
        if "__" in text:
            text = _MD_STRONG_UNDER.sub(r"\1", text)
        text = _MD_EM_UNDER.sub(r"\1", text)
    while "  " in text:
        text = text.replace("  ", " ")
    while " \n" in text:
        text = text.replace(" \n", "\n")
    while "\n " in text:
        text = text.replace("\n ", "\n")
    return text


def clean_series(text: pd.Series) -> pd.Series:
    """Clean a column of description text.

    Args:
        text: Raw text (HTML, markdown or plain); NA stays NA.

    Returns:
        A ``string`` series, same index: tags removed (block tags become line breaks), entities decoded,
        markdown emphasis / headers / links / escapes removed, bullets as ``"- "``, runs of spaces collapsed,
        at most one blank line in a row, no leading or trailing whitespace.
    """
    from kit.prepare.text_fast import clean_chunks  # the column engine (imports this module: not at the top)

    s = text.astype("string")
    # chunks of at most CHUNK_ROWS values: no chunk's 32-bit string offsets overflow
    chunks = [c.cast(pa.string()) for c in clean_chunks(pa.array(s.array))]
    out = pd.array(pa.chunked_array(chunks, type=pa.string()), dtype="string")
    return pd.Series(out, index=s.index, dtype="string")


def clean_text(text: str | None) -> str | None:
    """Clean one description (see :func:`clean_series`).

    Args:
        text: Raw text, or None.

    Returns:
        The plain text, or None for None.

    Examples:
        >>> clean_text("<p>Lead <b>programs</b> &amp; launches</p>")
        'Lead programs & launches'
    """
    return None if text is None else _clean_one(str(text))

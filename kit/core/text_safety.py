r"""Data text made safe to print in a terminal: no escape sequences, no control or direction-override characters.

Company names, titles and file contents are untrusted: a name holding ``ESC ] 0 ; ... BEL`` retitles the
terminal, ``ESC [ 2 J`` clears it, a right-to-left override (U+202E) reverses what follows. Every line the CLI
prints goes through :func:`printable`, which shows such characters as visible escapes (``\\x1b``, ``\\u202e``)
instead of letting the terminal act on them. Newlines and tabs of the kit's own layout are kept.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["printable", "printable_line"]

#: bidirectional controls (embeddings, overrides, isolates, marks) that reorder the text after them
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_UNSAFE = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{_BIDI}\\u2028\\u2029\\ufff9-\\ufffb]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object, *, keep_newlines: bool = True) -> str:
    r"""``text`` with every terminal control character shown as a visible escape.

    Args:
        text: Anything; converted with ``str``.
        keep_newlines: Keep ``"\\n"`` and ``"\\t"`` (the layout of a multi-line table); False escapes them too.

    Returns:
        Text a terminal prints literally: C0/C1 controls (ESC, BEL, CR, NUL ...), DEL, bidirectional
        overrides and line / paragraph separators appear as ``\\x1b``, ``\\u202e`` ...

    Examples:
        >>> printable("Acme\x1b]0;pwned\x07")
        'Acme\\x1b]0;pwned\\x07'
    """
    text = str(text)
    out = _UNSAFE.sub(_escape, text)
    if not keep_newlines:
        out = out.replace("\n", "\\n").replace("\t", "\\t")
    if not out.isascii():  # other format characters (Cf) that some terminals act on
        out = "".join(c if unicodedata.category(c) != "Cf" or c in "\u200b\u200c\u200d\u2060\ufeff"
                      else f"\\u{ord(c):04x}" for c in out)
    return out


def printable_line(text: object) -> str:
    """One printable line: :func:`printable` with line breaks and runs of spaces collapsed to one space."""
    return " ".join(printable(text).split())

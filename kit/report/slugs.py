r"""Safe, unique file names for report targets (a company, a market, or both).

A slug is made only of ``[a-z0-9-]``: the name is folded to ASCII (``Société`` -> ``societe``),
everything else becomes ``-``, and it is cut to :data:`MAX_READABLE` characters. A short hash of
the exact name (and its kind) is always appended, so two names that fold alike (``ACME`` and
``Acme``, ``a/b`` and ``a b``, two long names with the same first 60 characters) never share a
file, and no name can climb out of the output folder (``../x``, ``/etc/passwd``, ``..\x``).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

__all__ = ["MAX_READABLE", "slugify", "target_slug"]

#: Longest readable part of a slug; the whole slug stays under 80 characters.
MAX_READABLE = 60

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(name: str, *, kind: str = "company") -> str:
    """Return a file-system-safe, unique slug for ``name``.

    Args:
        name: Any text: a company or market name, possibly hostile (path parts, unicode, 10 kB long).
        kind: What the name is ("company" or "market"); part of the hash and, for a market, a
            readable prefix.

    Returns:
        ``<readable>-<8 hex>``, e.g. ``acme-cloud-1a2b3c4d``; ``market-sf-bay-area-...`` for markets.
        Only ``[a-z0-9-]``; never empty, never starts with ``.`` or ``-``.
    """
    folded = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode("ascii").lower()
    readable = _NOT_SLUG.sub("-", folded).strip("-")
    if len(readable) > MAX_READABLE:
        cut = readable[:MAX_READABLE]
        readable = (cut.rsplit("-", 1)[0] if "-" in cut else cut).strip("-")
    if kind != "company":
        readable = f"{kind}-{readable}" if readable else kind
    readable = readable or kind
    digest = hashlib.sha256(f"{kind}\0{name}".encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{readable}-{digest}"


def target_slug(company: str = "", market: str = "") -> str:
    """Slug for one report target: a company, a market, or a company within a market.

    Args:
        company: Company name, or "" for none.
        market: Market name, or "" for none.

    Returns:
        The slug (see :func:`slugify`).
    """
    if company and market:
        return _pair(company, market)
    if market:
        return slugify(market, kind="market")
    return slugify(company or "all", kind="company")


def _pair(company: str, market: str) -> str:
    head = slugify(company, kind="company").rsplit("-", 1)[0]
    tail = slugify(market, kind="market").rsplit("-", 1)[0]
    readable = f"{head}-{tail}"[: MAX_READABLE + 10].strip("-")
    digest = hashlib.sha256(f"pair\0{company}\0{market}".encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{readable}-{digest}"

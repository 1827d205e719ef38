"""What the kit ships besides code: the notebooks, copied out for a user to open and edit (``kit notebooks DIR``).

Where the shipped files are (package resources in an installed kit, the repository's folders in a checkout)
is decided once, in :mod:`kit.core.paths`.
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path

from kit.core.errors import KitError
from kit.core.files import atomic_write
from kit.core.paths import NOTEBOOKS_DIR

__all__ = ["bundled_notebooks", "copy_notebooks"]


def bundled_notebooks() -> list[Path]:
    """The notebooks the kit ships (the tour, the analyses, the report template), sorted by name.

    Returns:
        Paths of the ``.ipynb`` files.

    Raises:
        KitError: The kit was installed without its notebooks (a broken build).
    """
    found = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
    if not found:
        raise KitError(f"{NOTEBOOKS_DIR}: no notebooks found; the kit is installed without them. "
                       "Reinstall it from a wheel built by `pip wheel .` in the repository")
    return found


def copy_notebooks(dest: str | PathLike, *, force: bool = False) -> list[Path]:
    """Copy the shipped notebooks into ``dest`` so they can be opened and edited there.

    Nothing is copied when any of them already exists in ``dest`` (unless ``force``), so a user's edited
    notebook is never overwritten by surprise; each file is written atomically.

    Args:
        dest: Target folder; created if missing.
        force: Overwrite notebooks that already exist in ``dest``.

    Returns:
        The paths written, sorted by name.

    Raises:
        KitError: ``dest`` is a file, or notebooks exist there and ``force`` is not set.
    """
    dest = Path(dest)
    if dest.exists() and not dest.is_dir():
        raise KitError(f"{dest}: is a file, not a folder. Pass a folder to copy the notebooks into")
    sources = bundled_notebooks()
    existing = [dest / src.name for src in sources if (dest / src.name).exists()]
    if existing and not force:
        names = ", ".join(p.name for p in existing)
        raise KitError(f"{dest}: {len(existing)} notebook(s) already there ({names}); nothing copied. "
                       "Pass --force to overwrite them, or choose another folder")
    return [atomic_write(dest / src.name, src.read_bytes()) for src in sources]

"""Anchored paths: every file the kit ships or writes is found from here, never from the cwd.

The kit runs in two layouts, and this module is the only place that knows which one it is in:

* **Installed** (``pip install swimlanes-kit``, a wheel): the bundled sample and the notebooks are package
  resources under ``kit/_bundled/`` (copied there from the repository's top-level ``datasets/`` and
  ``notebooks/`` by the build step in ``setup.py``), found with :mod:`importlib.resources`. Reports go to
  ``./reports`` under the current directory, never into site-packages.
* **Checkout** (``make setup``: an editable install inside the repository): there is no ``kit/_bundled/``;
  the sample and notebooks are read straight from the repository's ``datasets/`` and ``notebooks/``, so an
  edit there is seen at once, and reports go to the repository's ``reports/``.

Package resources win when both exist. The kit is not zip-safe (papermill and pandas need real files), so
a bundle that is not a folder on disk (a zipped install) is ignored and the checkout paths are used.
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

__all__ = [
    "BUNDLED_DIR",
    "DATASETS_DIR",
    "DATA_DIR",
    "INSTALLED",
    "NOTEBOOKS_DIR",
    "PACKAGE_DIR",
    "REPORTS_DIR",
    "ROOT",
    "SAMPLE_LEVELS",
    "SAMPLE_PAY",
    "SAMPLE_POSTINGS",
    "TEMPLATES_DIR",
    "cache_dir",
]

PACKAGE_DIR = Path(__file__).resolve().parents[1]
#: Editable data files: lexicon, title variants, level ladders, market rules, company aliases.
DATA_DIR = PACKAGE_DIR / "data"
#: Jinja / nbconvert templates of the reports (``kit_report/``, ``index.html.j2``).
TEMPLATES_DIR = PACKAGE_DIR / "templates"
#: The repository root in a checkout. In an installed kit this is site-packages: do not write there.
ROOT = PACKAGE_DIR.parent


def _bundled_dir() -> Path | None:
    """The wheel's ``kit/_bundled/`` folder, or None in a checkout (or a zipped install, see the module doc)."""
    resource = files("kit").joinpath("_bundled")
    return resource if isinstance(resource, Path) and resource.is_dir() else None


#: ``kit/_bundled/`` in an installed kit, else None.
BUNDLED_DIR = _bundled_dir()
#: True when the kit runs from a built wheel (package resources), False in a repository checkout.
INSTALLED = BUNDLED_DIR is not None

if BUNDLED_DIR is not None:
    DATASETS_DIR = BUNDLED_DIR / "datasets"
    NOTEBOOKS_DIR = BUNDLED_DIR / "notebooks"
    #: Where ``kit report`` writes by default: ``./reports`` of the directory the kit was started in.
    REPORTS_DIR = Path.cwd() / "reports"
else:
    DATASETS_DIR = ROOT / "datasets"
    NOTEBOOKS_DIR = ROOT / "notebooks"
    REPORTS_DIR = ROOT / "reports"

SAMPLE_POSTINGS = DATASETS_DIR / "sample_postings.csv.gz"
SAMPLE_PAY = DATASETS_DIR / "sample_pay.csv"
SAMPLE_LEVELS = DATASETS_DIR / "sample_levels.csv"


def cache_dir() -> Path:
    """Where derived data (the phrase index) is cached: ``$KIT_CACHE_DIR`` or ``~/.cache/swimlanes``.

    Returns:
        The folder, created if missing.
    """
    base = os.environ.get("KIT_CACHE_DIR")
    path = Path(base) if base else Path.home() / ".cache" / "swimlanes"
    path.mkdir(parents=True, exist_ok=True)
    return path

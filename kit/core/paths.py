"""Anchored paths: every file the kit ships or writes is found from here, never from the cwd."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]
#: Editable data files: lexicon, title variants, level ladders, market rules, company aliases.
DATA_DIR = PACKAGE_DIR / "data"
#: The repository root (the kit is installed in editable mode by ``make setup``).
ROOT = PACKAGE_DIR.parent
DATASETS_DIR = ROOT / "datasets"
NOTEBOOKS_DIR = ROOT / "notebooks"
REPORTS_DIR = ROOT / "reports"

SAMPLE_POSTINGS = DATASETS_DIR / "sample_postings.csv.gz"
SAMPLE_PAY = DATASETS_DIR / "sample_pay.csv"
SAMPLE_LEVELS = DATASETS_DIR / "sample_levels.csv"


def cache_dir() -> Path:
    """Where derived data (the phrase index) is cached: ``$KIT_CACHE_DIR`` or ``~/.cache/swimlanes``."""
    base = os.environ.get("KIT_CACHE_DIR")
    path = Path(base) if base else Path.home() / ".cache" / "swimlanes"
    path.mkdir(parents=True, exist_ok=True)
    return path

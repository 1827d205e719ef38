"""Shared test fixtures.

Real public files live in ``../shared/data/real`` beside the repository, or in ``$KIT_REAL_DIR`` (never copied into it);
tests that read them skip with a reason when they are absent, as on a user's fresh clone.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kit.core.paths import ROOT

FIXTURES = Path(__file__).resolve().parent / "fixtures"
# $KIT_REAL_DIR points elsewhere (e.g. from a git worktree)
REAL_DIR = Path(os.environ.get("KIT_REAL_DIR") or ROOT.parent / "shared" / "data" / "real")


@pytest.fixture
def fixtures() -> Path:
    """The folder of small hand-written fixture files, in the real schemas of each source."""
    return FIXTURES


@pytest.fixture
def real_file():
    """Return a function ``real_file(name) -> Path`` that skips the test when the file is absent."""

    def _get(name: str) -> Path:
        path = REAL_DIR / name
        if not path.exists():
            pytest.skip(f"real data file {path} not present (it lives outside the repo in ../shared)")
        return path

    return _get


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Each test session caches the phrase index in a temporary folder, not in ~/.cache."""
    monkeypatch.setenv("KIT_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "kit-cache"))

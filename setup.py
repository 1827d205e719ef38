"""Build step that ships the repository's ``datasets/`` and ``notebooks/`` inside the wheel as ``kit/_bundled/``.

All other metadata is in pyproject.toml; this file only adds the copy.

Why a build step, and not the files moved into ``kit/`` with thin copies at the top level: the sample and the
notebooks stay in one place in git (``datasets/`` with its datasheet, ``notebooks/`` where JupyterLab and
``make lab`` open them), nothing is duplicated (no 1.5 MB second copy of the sample, no "do the copies still
match" test), and an editable checkout reads the repository's folders directly, so editing a notebook or
regenerating the sample needs no re-install. Only a built wheel (or an sdist built into one; MANIFEST.in puts
both folders in the sdist) carries the copy, and ``kit/core/paths.py`` finds it with ``importlib.resources``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent

#: top-level folder -> the files of it the kit needs at run time
BUNDLE = {
    "datasets": ["README.md", "sample_postings.csv.gz", "sample_pay.csv", "sample_levels.csv"],
    "notebooks": sorted(p.name for p in (HERE / "notebooks").glob("*.ipynb")),
}


class BuildPyWithBundle(build_py):
    """``build_py`` that also copies :data:`BUNDLE` into ``<build_lib>/kit/_bundled/``."""

    def run(self) -> None:
        """Build the package, then add the bundle (not in editable mode: a checkout reads the folders)."""
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for path in self._bundle_outputs():
            source = HERE / path.relative_to(Path(self.build_lib) / "kit" / "_bundled")
            if not source.is_file():
                raise SystemExit(f"{source}: missing; a wheel without it would fail at run time (see setup.py)")
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, path)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        """The package files plus the bundle (so ``install --record`` lists them)."""
        outputs = super().get_outputs(include_bytecode)
        if getattr(self, "editable_mode", False):
            return outputs
        return [*outputs, *(str(p) for p in self._bundle_outputs())]

    def _bundle_outputs(self) -> list[Path]:
        target = Path(self.build_lib) / "kit" / "_bundled"
        if not BUNDLE["notebooks"]:
            raise SystemExit(f"{HERE / 'notebooks'}: no notebooks to bundle")
        return [target / folder / name for folder, names in BUNDLE.items() for name in names]


setup(cmdclass={"build_py": BuildPyWithBundle})

"""The kit without its optional extras (``swimlanes-kit[dask]``, ``swimlanes-kit[jobspy]``).

CI installs ``.[dev,dask]``, so the extras' absence is simulated: each test runs a fresh interpreter in which an
import hook makes ``dask``, ``distributed`` and ``jobspy`` (and their submodules) impossible to import, as on a
clean install without them. In it, every kit module imports, the non-Dask paths work, the Dask backend and the
JobSpy source say which extra to install, and the test files that need an extra skip instead of failing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXTRAS = ("dask", "distributed", "jobspy")

#: Installed first in the child interpreter: a meta path finder that refuses the extras' modules.
BLOCKER = textwrap.dedent(f"""
    import sys
    from importlib.abc import MetaPathFinder

    class _NoExtras(MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in {EXTRAS!r}:
                raise ModuleNotFoundError(f"No module named {{name!r}} (blocked: no optional extras)", name=name)
            return None

    assert not any(m.split(".")[0] in {EXTRAS!r} for m in sys.modules), "an extra was imported at startup"
    sys.meta_path.insert(0, _NoExtras())
""")


def _run(code: str, tmp_path: Path, *, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "KIT_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("KIT_DASK_SCHEDULER", None)
    return subprocess.run([sys.executable, "-c", BLOCKER + textwrap.dedent(code)], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=timeout)


def test_the_blocker_blocks(tmp_path):
    proc = _run("import dask\n", tmp_path)
    assert proc.returncode != 0 and "blocked: no optional extras" in proc.stderr


def test_kit_works_without_the_extras_and_names_them_when_asked_for(tmp_path):
    proc = _run("""
        import importlib, json, pkgutil, sys
        import kit
        from kit.core.errors import DataError
        modules = [m.name for m in pkgutil.walk_packages(kit.__path__, "kit.") if not m.name.endswith("__main__")]
        for name in modules:
            importlib.import_module(name)
        df = kit.load_postings().head(400)
        local = kit.build_index(df, cache=False, backend="local")
        spilled = kit.build_index(df, cache=False, spill=True, chunk_size=50)
        same = local.vocabulary.tolist() == spilled.vocabulary.tolist() and (local.ngrams != spilled.ngrams).nnz == 0
        phrases = kit.phrase_frequency(df)
        from kit.index.lookup import clear_memory
        clear_memory()  # else the local build above is found in memory and no backend is asked
        try:
            kit.build_index(df, cache=False, backend="dask")
            dask_error = None
        except DataError as exc:
            dask_error = str(exc)
        from kit.fetch.run import fetch_boards
        run = fetch_boards(["jobspy"], search="tpm")
        print(json.dumps({"modules": len(modules), "same": bool(same), "phrases": len(phrases),
                          "dask_error": dask_error, "jobspy": run.failed[0].message if run.failed else None,
                          "extras": sorted(m for m in sys.modules if m.split(".")[0] in ("dask", "distributed",
                                                                                        "jobspy"))}))
    """, tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["modules"] > 40 and out["same"] and out["phrases"] > 0
    assert out["extras"] == []
    assert "swimlanes-kit[dask]" in out["dask_error"] and "backend='local'" in out["dask_error"]
    assert "pip install 'swimlanes-kit[jobspy]'" in out["jobspy"]


def test_the_extras_tests_skip_without_them(tmp_path):
    """The test files using Dask or JobSpy: collected and run without the extras, they skip or pass, never fail."""
    proc = _run("""
        import sys
        import pytest
        sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", "-p", "no:randomly", "-rs",
                              "tests/test_counting.py", "-k", "dask or scheduler"]))
    """, tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "skipped" in proc.stdout and "dask.distributed is not installed" in proc.stdout
    assert "failed" not in proc.stdout and "error" not in proc.stdout.lower()

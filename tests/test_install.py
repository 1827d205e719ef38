"""The kit as a user installs it: sdist -> wheel -> pip into a fresh virtual environment, run from elsewhere.

No network: the fresh environment gets the wheel with ``pip install --no-deps --no-index``, and its
dependencies (pandas, papermill, ...) from the test's own environment through a ``.pth`` file added *after*
the install (so pip never sees the checkout's editable kit). The test then checks that the kit imported is
the wheel's copy inside the fresh environment, not the checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
from pathlib import Path

import pytest

from kit.core.paths import ROOT

pytestmark = pytest.mark.slow

#: what the build needs from the checkout (everything else, .venv and .git included, stays out)
SOURCES = ["pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "kit", "datasets", "notebooks"]
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "_bundled", "*.egg-info")


def _run(args: list[str], *, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120):
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{args} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Build the sdist from a copy of the checkout, then the wheel from the unpacked sdist (as ``python -m build``)."""
    tmp = tmp_path_factory.mktemp("build")
    src = tmp / "src"
    src.mkdir()
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=IGNORE)
        else:
            shutil.copy2(path, src / name)
    (tmp / "sdist").mkdir()
    proc = _run([sys.executable, "-c", "import sys; from setuptools import build_meta as b; "
                 "print(b.build_sdist(sys.argv[1]))", str(tmp / "sdist")], cwd=src)
    sdist = tmp / "sdist" / proc.stdout.strip().splitlines()[-1]
    with tarfile.open(sdist) as tar:
        tar.extractall(tmp / "unpacked", filter="data")
    (unpacked,) = (tmp / "unpacked").iterdir()
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "--quiet",
          "-w", str(tmp / "wheels"), str(unpacked)], cwd=tmp)
    (whl,) = (tmp / "wheels").glob("swimlanes_kit-*.whl")
    return whl


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> dict:
    """A fresh venv with the wheel installed and the test environment's packages visible for the dependencies."""
    tmp = tmp_path_factory.mktemp("venv")
    home = tmp / "env"
    cwd = tmp / "elsewhere"  # an unrelated directory: no datasets/, notebooks/ or kit/ beside it
    cwd.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}}
    env |= {"KIT_CACHE_DIR": str(tmp / "cache"), "PATH": f"{home / 'bin'}{os.pathsep}{env.get('PATH', '')}"}
    _run([sys.executable, "-m", "venv", "--without-pip", str(home)], cwd=tmp)
    python = home / "bin" / "python"
    # pip of the test environment installs into the fresh one, which has no .pth yet and gets no PYTHONPATH:
    # it sees no other kit (a checkout's swimlanes_kit.egg-info would make pip think it is installed already)
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "--quiet",
          str(wheel)], cwd=cwd, env=env)
    purelib = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                        cwd=cwd, env=env).stdout.strip())
    # the test process runs in the checkout's venv (`make test` made .venv): its site-packages hold the deps
    deps = {sysconfig.get_paths(vars={"base": sys.prefix, "platbase": sys.prefix})[key]
            for key in ("purelib", "platlib")}
    (purelib / "_swimlanes_test_deps.pth").write_text("".join(f"{d}\n" for d in sorted(deps)))
    # ... and the data files pip would have installed with them (nbconvert's HTML templates in share/jupyter),
    # except kernelspecs: the checkout's "python3" kernel runs the checkout's kit; the fresh env's kernel must
    # be ipykernel's native one (its own python)
    shared = Path(sys.prefix) / "share" / "jupyter"
    (home / "share" / "jupyter").mkdir(parents=True)
    for entry in shared.iterdir() if shared.is_dir() else []:
        if entry.name != "kernels":
            (home / "share" / "jupyter" / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    assert (purelib / "kit" / "_bundled" / "datasets" / "sample_postings.csv.gz").is_file(), "wheel not installed"
    return {"home": home, "python": python, "kit": home / "bin" / "kit", "cwd": cwd, "env": env}


PROBE = """
import json, kit
from kit.core import paths
df = kit.load_postings()
pay = kit.load_pay()
print(json.dumps({"file": kit.__file__, "installed": paths.INSTALLED, "reports": str(paths.REPORTS_DIR),
                  "sample": str(paths.SAMPLE_POSTINGS), "n": len(df), "n_pay": len(pay),
                  "companies": sorted(df["company"].unique().tolist())}))
"""


def test_installed_kit_loads_the_bundled_sample_from_anywhere(venv):
    proc = _run([str(venv["python"]), "-c", PROBE], cwd=venv["cwd"], env=venv["env"])
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    home = venv["home"].resolve()
    assert Path(info["file"]).resolve().is_relative_to(home), f"imported {info['file']}, not the wheel's kit"
    assert not Path(info["file"]).resolve().is_relative_to(ROOT.resolve())
    assert info["installed"] is True
    assert Path(info["sample"]).resolve().is_relative_to(home)
    assert info["reports"] == str(venv["cwd"] / "reports")  # the user's ./reports, not site-packages
    assert info["n"] > 3000 and info["n_pay"] > 1000
    assert "Acme Cloud" in info["companies"]


def test_installed_kit_writes_a_company_report(venv, tmp_path):
    out = tmp_path / "out"
    proc = _run([str(venv["kit"]), "report", "--company", "Acme Cloud", "--out", str(out), "--jobs", "1"],
                cwd=venv["cwd"], env=venv["env"], timeout=150)
    pages = sorted(p.name for p in out.glob("*.html"))
    assert "index.html" in pages, proc.stdout
    (report,) = [p for p in out.glob("*.html") if p.name != "index.html"]
    html = report.read_text()
    assert "Acme Cloud" in html and "plotly" in html.lower()
    assert "Traceback" not in html
    assert not (venv["cwd"] / "reports").exists()  # --out was honoured


def test_installed_kit_copies_its_notebooks_out(venv, tmp_path):
    dest = tmp_path / "my notebooks"
    _run([str(venv["kit"]), "notebooks", str(dest)], cwd=venv["cwd"], env=venv["env"])
    names = sorted(p.name for p in dest.glob("*.ipynb"))
    assert names == sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    for name in names:
        assert (dest / name).read_bytes() == (ROOT / "notebooks" / name).read_bytes()
    again = subprocess.run([str(venv["kit"]), "notebooks", str(dest)], cwd=venv["cwd"], env=venv["env"],
                           capture_output=True, text=True, timeout=60)
    assert again.returncode == 1 and "--force" in again.stderr

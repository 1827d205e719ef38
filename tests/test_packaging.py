"""The package's outer contract: public API, dependency lists, layout."""

from __future__ import annotations

import re
import tomllib

import yaml

import kit
from kit.core.paths import ROOT

PUBLIC_API = [
    "DataError",
    "KitError",
    "SelectionError",
    "__version__",
    "build_index",
    "check_claims",
    "check_pay_claims",
    "classify_titles",
    "distinctive_phrases",
    "explain_role",
    "explore",
    "fetch_postings",
    "fit",
    "load_levels",
    "load_lexicon",
    "load_pay",
    "load_postings",
    "load_postings_partitioned",
    "pay_by_level",
    "phrase_frequency",
    "role_overlap",
    "role_reliability",
    "role_text",
    "role_trend",
    "section_text",
    "sections",
    "select",
    "title_variants",
]


def test_public_api_is_pinned():
    assert kit.__all__ == PUBLIC_API


def test_every_public_name_resolves_to_a_callable_or_class():
    for name in PUBLIC_API:
        obj = getattr(kit, name)
        assert obj is not None, name
        if name != "__version__":
            assert callable(obj), name


def test_errors_form_one_hierarchy():
    assert issubclass(kit.DataError, kit.KitError)
    assert issubclass(kit.SelectionError, kit.KitError)


def _name(spec: str) -> str:
    return re.split(r"[<>=!~\[ ;]", spec.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    # jobspy is pip-only (not on conda-forge): environment.yml names it in a comment under pip
    py_specs = set(project["dependencies"]) | set(extras["dev"]) | set(extras["dask"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda_specs = {d for d in env["dependencies"] if isinstance(d, str) and _name(d) not in ("python", "pip")}
    assert {_name(s) for s in py_specs} == {_name(s) for s in conda_specs}
    # versions agree too (same lower bounds)
    assert {re.sub(r"\s", "", s).lower() for s in py_specs} == {re.sub(r"\s", "", s).lower() for s in conda_specs}


def test_version_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert kit.__version__ == project["version"]

"""The layer order of ARCHITECTURE.md, checked on the source: imports only go down, nothing imports the facade.

Every import in every module under ``kit/`` counts: at top level, inside functions, under ``TYPE_CHECKING``,
and ``importlib.import_module("kit...")`` with a literal name, because a hidden import is still a dependency.
``lint-imports`` (the contracts in pyproject.toml, run by ``make lint``) checks the same order on the import
graph; this test is the exact one (fetch's place beside the chain, the facade's lazy names).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import kit
from kit.core.paths import PACKAGE_DIR

#: The layers, bottom-up. A module may import its own layer and any layer below it.
ORDER = ["core", "io", "prepare", "load", "index", "analysis", "charts", "views", "widgets", "report", "cli"]
#: ``kit._version`` and ``kit.core`` are usable by every layer.
BASE = {"_version", "core"}
#: Layers beside the chain: what they may import, and who may import them.
SIDE = {
    # fetch: HTTP sources write postings; above load, below report / cli, unknown to index .. widgets
    "fetch": {"may_import": {"core", "io", "prepare", "load"}, "imported_by": {"report", "cli"}},
    # sample: the seeded generator of the bundled sample and benchmark corpora; needs only the base
    "sample": {"may_import": set(), "imported_by": {"report", "cli"}},
}
#: ``kit.cli`` and ``kit.__main__`` (which only calls it) are the top.
TOP = {"cli", "__main__"}

#: Accepted violations, each ``(importing module, imported module)`` with its reason. Empty: keep it so
#: (this test fails when an entry is no longer needed, so the list can only shrink).
KNOWN: set[tuple[str, str]] = set()


def _layer(module: str) -> str:
    """``kit.analysis.claims`` -> ``analysis``; ``kit.cli`` -> ``cli``; ``kit`` -> ``kit`` (the facade)."""
    parts = module.split(".")
    if parts == ["kit"]:
        return "kit"
    return "cli" if parts[1] in TOP else parts[1]


def _allowed(src: str, dst: str) -> bool:
    if dst in BASE or src == dst:
        return True
    if src in SIDE:
        return dst in SIDE[src]["may_import"]
    if dst in SIDE:
        return src in SIDE[dst]["imported_by"]
    if src not in ORDER or dst not in ORDER:
        return False  # a new top-level package: give it a place in ORDER or SIDE first
    return ORDER.index(dst) < ORDER.index(src)


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        rel = path.relative_to(PACKAGE_DIR.parent).with_suffix("")
        parts = list(rel.parts)
        if "_bundled" in parts:
            continue
        if parts[-1] == "__init__":
            parts.pop()
        yield ".".join(parts), path


def _is_module(name: str) -> bool:
    rel = Path(*name.split("."))
    base = PACKAGE_DIR.parent / rel
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _imports(module: str, path: Path) -> Iterator[tuple[int, str, str]]:
    """``(line, imported kit module, how)`` for each import of a kit module in ``path``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    facade_names = set(kit.__all__)
    binds_kit = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "kit" or alias.name.startswith("kit."):
                    binds_kit |= alias.asname is None
                    yield node.lineno, alias.name, f"import {alias.name}"
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if not (target == "kit" or target.startswith("kit.")):
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                # ``from kit import charts`` imports the module kit.charts; ``from kit import load_postings``
                # goes through the facade
                yield node.lineno, (sub if _is_module(sub) else target), f"from {target} import {alias.name}"
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name)
              and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"
              and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
              and node.args[0].value.split(".")[0] == "kit"):
            yield node.lineno, node.args[0].value, f"import_module({node.args[0].value!r})"
    if binds_kit:  # ``import kit.x`` binds the name ``kit``: ``kit.load_postings`` then goes through the facade
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "kit"
                    and node.attr in facade_names):
                yield node.lineno, "kit", f"kit.{node.attr}"


def _violations() -> list[tuple[str, str, str]]:
    """``(module, imported module, where and why)`` for every import that breaks the layer order."""
    found = []
    for module, path in _modules():
        if module == "kit":
            continue  # the facade itself: imports everything (lazily), imported by nothing in kit/
        src = _layer(module)
        for line, target, how in _imports(module, path):
            dst = _layer(target)
            where = f"{path.relative_to(PACKAGE_DIR.parent)}:{line}: {how}"
            if dst == "kit":
                found.append((module, "kit", f"{where} (the facade: import the defining module instead)"))
            elif not _allowed(src, dst):
                found.append((module, target, f"{where} ({src} may not import {dst})"))
    return found


def test_the_layer_rules_cover_every_package():
    layers = {_layer(m) for m, _ in _modules()} - {"kit"}
    assert layers <= set(ORDER) | set(SIDE) | BASE, f"give these a place in ORDER or SIDE: {layers - set(ORDER)}"


def test_imports_only_go_down_the_layers():
    new = [why for module, target, why in _violations() if (module, target) not in KNOWN]
    assert not new, "imports against the layer order (ARCHITECTURE.md):\n" + "\n".join(new)


def test_the_known_list_only_holds_current_violations():
    current = {(module, target) for module, target, _ in _violations()}
    stale = KNOWN - current
    assert not stale, f"fixed, remove from KNOWN in tests/test_layers.py: {sorted(stale)}"


@pytest.mark.parametrize(("source", "expected"), [
    ("import kit\n", "kit"),
    ("from kit import load_postings\n", "kit"),
    ("import kit.core.paths\nkit.select(None)\n", "kit"),
    ("from kit.views import api\n", "kit.views.api"),
    ("from kit import charts\n", "kit.charts"),
    ("from ..charts import figures\n", "kit.charts.figures"),
    ("import importlib\nimportlib.import_module('kit.widgets.explorer')\n", "kit.widgets.explorer"),
])
def test_the_checker_sees_each_kind_of_import(tmp_path, source, expected):
    path = tmp_path / "probe.py"
    path.write_text(source)
    assert expected in {target for _, target, _ in _imports("kit.analysis.probe", path)}


def test_the_rules_forbid_upward_and_allow_downward_imports():
    assert _allowed("analysis", "index") and _allowed("cli", "report") and _allowed("fetch", "load")
    assert _allowed("widgets", "_version") and _allowed("io", "core")
    assert not _allowed("index", "analysis") and not _allowed("core", "io") and not _allowed("charts", "views")
    assert not _allowed("fetch", "index") and not _allowed("analysis", "fetch") and _allowed("report", "fetch")
    assert not _allowed("load", "sample") and _allowed("cli", "sample")

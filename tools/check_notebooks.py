"""Fail when a committed notebook carries outputs (the pre-commit / ``make lint`` notebook check).

Notebooks in git are sources: outputs bloat the diff, can leak data (posting text, real pay rows) and go
stale. Usage: ``python tools/check_notebooks.py [--fix] NOTEBOOK...``; ``--fix`` strips outputs and
execution counts in place (written atomically) instead of failing. No dependency beyond the standard library,
so the hook runs offline from any environment.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path


def problems(nb: dict) -> list[str]:
    """What makes ``nb`` not clean: cells with outputs or execution counts.

    Args:
        nb: A parsed notebook (nbformat 4 JSON).

    Returns:
        One line per offending cell, empty when the notebook is clean.
    """
    found = []
    for i, cell in enumerate(nb.get("cells", []), start=1):
        if cell.get("cell_type") != "code":
            continue
        if cell.get("outputs"):
            found.append(f"cell {i}: {len(cell['outputs'])} output(s)")
        if cell.get("execution_count") is not None:
            found.append(f"cell {i}: execution_count {cell['execution_count']}")
    return found


def strip(nb: dict) -> dict:
    """``nb`` with every code cell's outputs and execution count cleared.

    Args:
        nb: A parsed notebook.

    Returns:
        The same dict, changed in place.
    """
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
    return nb


def _write(path: Path, nb: dict) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(nb, fh, indent=1, sort_keys=True, ensure_ascii=False)  # as nbformat writes
            fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    """Check (or with ``--fix`` strip) the notebooks named on the command line.

    Args:
        argv: Command-line arguments (default: ``sys.argv[1:]``).

    Returns:
        0 when every notebook is clean (or was fixed), 1 otherwise.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fix", action="store_true", help="strip outputs in place instead of failing")
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args(argv)
    status = 0
    for path in args.notebooks:
        try:
            nb = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            print(f"{path}: not a readable notebook ({exc})", file=sys.stderr)
            status = 1
            continue
        found = problems(nb)
        if not found:
            continue
        if args.fix:
            _write(path, strip(nb))
            print(f"{path}: stripped ({'; '.join(found)})")
        else:
            print(f"{path}: has outputs ({'; '.join(found)}); run python tools/check_notebooks.py --fix {path}",
                  file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())

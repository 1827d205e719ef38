"""The one reader of the kit's editable YAML data files.

Lexicon, titles, role signals, claims, story signals, synthetic templates: a user who breaks one while
editing it gets the same clear error wherever it is read.
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path

import yaml

from kit.core.errors import DataError

__all__ = ["read_yaml"]

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: str | PathLike, *, what: str) -> dict:
    """Read one of the kit's editable YAML data files into a mapping.

    Every data file goes through here, so a user who breaks one while editing it gets the same clear
    error wherever it is read.

    Args:
        path: The YAML file.
        what: What the file holds, for the message (e.g. "title rules").

    Returns:
        The top-level mapping (empty for an empty file).

    Raises:
        DataError: The file is missing or unreadable, is not valid YAML, or its top level is not a mapping.
    """
    try:
        data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506 - a safe loader
    except OSError as exc:
        raise DataError.build(f"{what}: cannot read the file ({exc.strerror or exc})", path=path,
                              fix="restore the file from git, or pass the path of a valid copy") from None
    except yaml.YAMLError as exc:
        raise DataError.build(f"{what}: not valid YAML ({exc})", path=path,
                              fix="fix the YAML syntax (see the file's header), or restore it from git") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise DataError.build(f"{what}: the file holds a {type(data).__name__}, not a mapping", path=path,
                              expected="top-level keys as in the file shipped in kit/data")
    return data

"""Role decision vs. the judged real postings: ``python -m benchmarks.roles_agreement``.

Reads ``tests/fixtures/judged_roles.csv`` (ids + labels) and the real files in ``../shared/data/real``
(or ``$KIT_REAL_DIR``); prints the agreement of the full decision (title + text) and of the title alone.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd

from kit.core.paths import ROOT

JUDGED = ROOT / "tests" / "fixtures" / "judged_roles.csv"


def real_dir() -> Path:
    """Where the real files are: ``$KIT_REAL_DIR`` or ``../shared/data/real`` beside the repository."""
    return Path(os.environ.get("KIT_REAL_DIR") or ROOT.parent / "shared" / "data" / "real")


def judged_frame(directory: Path | None = None) -> pd.DataFrame:
    """The judged postings joined with what the kit decides for them now.

    Returns:
        Frame ``[source_file, posting_id, label, title_label, reason, title, role, title_role, role_confidence]``.

    Raises:
        FileNotFoundError: If a real file is absent.
    """
    import kit
    from kit.prepare.titles import classify_titles

    directory = directory or real_dir()
    judged = pd.read_csv(JUDGED, comment="#", dtype=str)
    parts = []
    for name, group in judged.groupby("source_file"):
        path = directory / name
        if not path.exists():
            raise FileNotFoundError(path)
        loaded = kit.load_postings(path)
        cols = ["posting_id", "title", "role", "role_confidence"]
        parts.append(group.merge(loaded[cols].astype({"posting_id": str}), on="posting_id", how="left"))
    out = pd.concat(parts, ignore_index=True)
    out["title_role"] = classify_titles(out["title"].tolist())["role"].to_numpy()
    return out


def judged_postings(directory: Path | None = None) -> pd.DataFrame:
    """The judged postings joined with their whole loaded rows (text, sections, role columns) and title role.

    Returns:
        The judged columns ``[source_file, posting_id, label, title_label, reason]``, every loaded column, and
        ``title_role`` (the role the title alone gives).

    Raises:
        FileNotFoundError: If a real file is absent.
    """
    import kit
    from kit.prepare.titles import classify_titles

    directory = directory or real_dir()
    judged = pd.read_csv(JUDGED, comment="#", dtype=str)
    parts = []
    for name, group in judged.groupby("source_file"):
        path = directory / name
        if not path.exists():
            raise FileNotFoundError(path)
        loaded = kit.load_postings(path).astype({"posting_id": str})
        parts.append(group.merge(loaded, on="posting_id", how="inner"))
    out = pd.concat(parts, ignore_index=True)
    out["title_role"] = classify_titles(out["title"].tolist())["role"].to_numpy()
    return out


def main() -> int:
    """Print the role agreement on the judged real set (confusion matrices, per-class P/R/F1)."""
    from kit.prepare.agreement import role_agreement

    frame = judged_frame()
    missing = frame["title"].isna().sum()
    if missing:
        print(f"{missing} judged ids not found in the loaded postings", file=sys.stderr)
    print("== title + text ==")
    print(role_agreement(frame["role"], frame["label"]))
    print("\n== title only, against the judged job ==")
    print(role_agreement(frame["title_role"], frame["label"]))
    print("\n== title only, against the judged title ==")
    print(role_agreement(frame["title_role"], frame["title_label"]))
    wrong = frame[(frame["label"] != "ambiguous") & (frame["label"] != frame["role"])]
    print("\n== still judged differently ==")
    print(wrong[["posting_id", "label", "role", "reason"]].to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

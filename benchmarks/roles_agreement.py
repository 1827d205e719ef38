"""Role decision vs. the judged real postings: ``python -m benchmarks.roles_agreement``.

Reads ``tests/fixtures/judged_roles.csv`` (ids + labels) and the real files in ``../shared/data/real``
(or ``$KIT_REAL_DIR``); prints the agreement of the full decision (title + text) and of the title alone.
Then the title rule alone on ``tests/fixtures/judged_titles.csv`` (distinct real pay-record titles, ids + labels,
split into dev / test halves): ``python -m benchmarks.roles_agreement titles`` prints only that part.
``python -m benchmarks.roles_agreement sample``: the loaded bundled sample against the generator's ground truth
(``synthetic_role``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd

from kit.core.paths import ROOT

JUDGED = ROOT / "tests" / "fixtures" / "judged_roles.csv"
JUDGED_TITLES = ROOT / "tests" / "fixtures" / "judged_titles.csv"

#: where each pay-record source keeps the id and the title: file -> (id column or None for "row:<n>", title column)
TITLE_SOURCES: dict[str, tuple[str | None, str]] = {
    "lca_disclosure.csv.gz": ("CASE_NUMBER", "JOB_TITLE"),
    "levels_salaries.csv.gz": (None, "title"),
}


def real_dir() -> Path:
    """Where the real files are: ``$KIT_REAL_DIR`` or ``../shared/data/real`` beside the repository."""
    return Path(os.environ.get("KIT_REAL_DIR") or ROOT.parent / "shared" / "data" / "real")


def judged_frame(directory: Path | None = None) -> pd.DataFrame:
    """The judged postings joined with what the kit decides for them now (ids not found kept, with NaN).

    Returns:
        Frame ``[source_file, posting_id, label, title_label, reason, title, role, title_role, role_confidence]``.

    Raises:
        FileNotFoundError: If a real file is absent.
    """
    columns = ["source_file", "posting_id", "label", "title_label", "reason", "title", "role", "role_confidence",
               "title_role"]
    return judged_postings(directory, how="left")[columns]


def judged_postings(directory: Path | None = None, *, how: str = "inner") -> pd.DataFrame:
    """The judged postings joined with their whole loaded rows (text, sections, role columns) and title role.

    Args:
        directory: The real files' folder (default :func:`real_dir`).
        how: The join: "inner" drops judged ids not found in the loaded files, "left" keeps them (NaN).

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
        parts.append(group.merge(loaded, on="posting_id", how=how))
    out = pd.concat(parts, ignore_index=True)
    out["title_role"] = classify_titles(out["title"].fillna("").tolist())["role"].to_numpy()
    return out


def judged_titles_frame(directory: Path | None = None) -> pd.DataFrame:
    """The judged real titles joined with the title rule's role for them now.

    Args:
        directory: The real files' folder (default :func:`real_dir`).

    Returns:
        Frame ``[source_file, record_id, label, reason, split, title, title_role]`` (title NA if an id is absent).

    Raises:
        FileNotFoundError: If a real file is absent.
    """
    from kit.prepare.titles import classify_titles

    directory = directory or real_dir()
    judged = pd.read_csv(JUDGED_TITLES, comment="#", dtype=str)
    parts = []
    for name, group in judged.groupby("source_file", sort=False):
        path = directory / name
        if not path.exists():
            raise FileNotFoundError(path)
        id_col, title_col = TITLE_SOURCES[name]
        raw = pd.read_csv(path, usecols=[c for c in (id_col, title_col) if c], dtype=str)
        ids = raw[id_col] if id_col else "row:" + pd.Series(range(len(raw)), index=raw.index).astype(str)
        titles = pd.DataFrame({"record_id": ids, "title": raw[title_col]}).drop_duplicates("record_id")
        parts.append(group.merge(titles, on="record_id", how="left"))
    out = pd.concat(parts, ignore_index=True)
    out["title_role"] = classify_titles(out["title"].fillna("").tolist())["role"].to_numpy()
    return out


def sample_frame() -> pd.DataFrame:
    """The bundled sample as loaded, with the generator's ground truth.

    Returns:
        Frame ``[posting_id, title, role, role_basis, synthetic_role]`` (one row per loaded posting).
    """
    import kit

    loaded = kit.load_postings()
    return loaded[["posting_id", "title", "role", "role_basis", "synthetic_role"]].reset_index(drop=True)


def print_sample() -> None:
    """Print the loaded sample's agreement with the generator's ground truth and the titles most often missed."""
    from kit.prepare.agreement import role_agreement

    frame = sample_frame()
    print("\n== bundled sample: role vs the generator's ground truth (synthetic_role) ==")
    print(role_agreement(frame["role"], frame["synthetic_role"]))
    wrong = frame[frame["role"] != frame["synthetic_role"]]
    print("\n== sample titles decided differently (truth, role, basis) ==")
    print(wrong.groupby(["synthetic_role", "role", "role_basis"]).size().to_string())


def print_titles() -> None:
    """Print the title rule's agreement on the judged real titles: dev, test and all (confusion, P/R/F1)."""
    from kit.prepare.agreement import role_agreement

    frame = judged_titles_frame()
    if missing := int(frame["title"].isna().sum()):
        print(f"{missing} judged title ids not found in the real files", file=sys.stderr)
    for split in ("dev", "test", None):
        part = frame if split is None else frame[frame["split"] == split]
        print(f"\n== judged real titles, title rule only: {split or 'all'} ({len(part)} titles) ==")
        print(role_agreement(part["title_role"], part["label"]))
    wrong = frame[(frame["label"] != "ambiguous") & (frame["label"] != frame["title_role"])]
    print("\n== judged titles decided differently (ids only) ==")
    print(wrong[["split", "source_file", "record_id", "label", "title_role", "reason"]].to_string(index=False))


def main(argv: list[str] | None = None) -> int:
    """Print the role agreement on the judged real sets (confusion matrices, per-class P/R/F1).

    Args:
        argv: ``["titles"]`` prints only the judged-titles part, ``["sample"]`` only the bundled sample's agreement
            with its ground truth (default: ``sys.argv[1:]``).

    Returns:
        0.
    """
    from kit.prepare.agreement import role_agreement

    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["titles"]:
        print_titles()
        return 0
    if argv[:1] == ["sample"]:
        print_sample()
        return 0
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
    print_titles()
    print_sample()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

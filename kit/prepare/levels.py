"""Company level codes on one ladder: :func:`load_levels` and :func:`assign_ladder`.

The mapping itself is data: ``kit/data/levels.csv`` (documented in ``kit/data/levels.md``), plus
``datasets/sample_levels.csv`` for the fictional sample companies when it exists. A user can edit
either file or pass their own to :func:`load_levels`.

:func:`assign_ladder` fills ``ladder`` / ``ladder_rank`` of a pay table: rows with a company-native
``level`` are looked up (company alias-aware, level code normalized by :func:`normalize_level`);
rows without a level (LCA filings, posted ranges) get the seniority their title states, via
:func:`kit.classify_titles` — a title without a seniority word stays NA. Levels that are not in the
table are reported (``unmapped_levels(result)``, a frame; stored in ``attrs["unmapped_levels"]``) and
in one warning, never dropped.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from os import PathLike
from pathlib import Path

import pandas as pd

from kit.core.errors import DataError
from kit.core.paths import DATA_DIR, SAMPLE_LEVELS
from kit.core.schema import LADDER, conform, require_columns
from kit.io.readers import check_source_type, read_source
from kit.prepare.companies import company_key
from kit.prepare.titles import classify_titles

__all__ = ["LEVELS_FILE", "assign_ladder", "load_levels", "normalize_level", "unmapped_levels"]

#: The built-in mapping shipped with the kit (edit it, or pass your own file to load_levels).
LEVELS_FILE = DATA_DIR / "levels.csv"

_REQUIRED = ("company", "level", "ladder")
_SPACES = re.compile(r"\s+")
# "Level 63" -> "63", "Grade 7" -> "7", "Band D" -> "D" (the word only before a number or one letter)
_LEVEL_WORD = re.compile(r"^(?:LEVEL|LVL|GRADE|GR|BAND)\.?\s*[-:#]?\s*(?=\d|[A-Z]$)")
# "L 6" -> "L6", "IC-5" -> "IC5", "ICT - 5" -> "ICT5": separators between a letter prefix and a number
_PREFIX_GAP = re.compile(r"\b([A-Z]{1,4})\s*[-_.]?\s*(?=\d)")
# a leading code followed by other words: "L6 SDM" -> "L6"
_LEADING_CODE = re.compile(r"^([A-Z]{0,4}\d{1,3}[A-Z]?)\b(?=.)")
# families a levels row can be restricted to, beside "all"
_GENERIC_FAMILIES = ("all", "manager")


def normalize_level(code: object) -> object:
    """Normalize a company level code for matching: case, spaces, dashes, "Level"/"Grade" words.

    Args:
        code: A level code as written in a source ("L 6", "ic-5", "Level 63", "Grade 7").

    Returns:
        The normalized code ("L6", "IC5", "63", "7"), or ``pd.NA`` for a missing or blank code.
    """
    if code is None or (not isinstance(code, str) and pd.isna(code)):
        return pd.NA
    text = _SPACES.sub(" ", str(code).upper()).strip()
    if not text:
        return pd.NA
    text = _LEVEL_WORD.sub("", text)
    text = _PREFIX_GAP.sub(r"\1", text)
    return text


def _leading_code(norm: str) -> str | None:
    m = _LEADING_CODE.match(norm)
    return m.group(1) if m else None


def _company_keys(names: pd.Series) -> pd.Series:
    """Alias-aware company keys (:func:`kit.prepare.companies.company_key`); NA for a missing name."""
    names = names.astype("string")
    mapping = {name: company_key(name) or pd.NA for name in names.dropna().unique()}
    return names.map(mapping).astype("string")


def _read_levels_file(path: Path) -> pd.DataFrame:
    """Read a levels table through the loaders' reader.

    The same errors as every loader: missing, folder, permissions, truncated, not decodable, header only.
    """
    df = read_source(path)
    return df.astype("string")


def _validate(df: pd.DataFrame, label: str) -> pd.DataFrame:
    """Check and complete one levels table; ``label`` names the file in error messages."""
    df = df.rename(columns={c: str(c).strip().lower() for c in df.columns})
    require_columns(df.columns, _REQUIRED, path=label,
                    expected=f"columns {', '.join(_REQUIRED)}; optional: family, ladder_rank, note",
                    fix="add the column; see kit/data/levels.md for its meaning")
    out = df.copy()
    for col in ("company", "family", "level", "ladder", "track", "note"):
        if col in out.columns:
            out[col] = out[col].astype("string").str.strip()
    for col in ("company", "level"):
        blank = out[col].isna() | (out[col] == "")
        if blank.any():
            row = int(blank.to_numpy().nonzero()[0][0]) + 1
            raise DataError.build("empty value", path=label, column=col, row=row,
                                  expected=f"a {col} on every row", fix="fill it in or delete the row")
    out["ladder"] = out["ladder"].str.lower()
    bad = ~out["ladder"].isin(LADDER).fillna(False)
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0]) + 1
        raise DataError.build(f"unknown ladder rung {out['ladder'].iloc[row - 1]!r}", path=label, column="ladder",
                              row=row, expected="one of " + ", ".join(LADDER), fix="use one of those names")
    rank = out["ladder"].map({name: i for i, name in enumerate(LADDER)}).astype("Int64")
    if "ladder_rank" in out.columns:
        given = pd.to_numeric(out["ladder_rank"], errors="coerce").astype("Int64")
        clash = given.notna() & (given != rank).fillna(True)
        if clash.any():
            row = int(clash.to_numpy().nonzero()[0][0]) + 1
            raise DataError.build(f"ladder_rank {given.iloc[row - 1]} does not match ladder "
                                  f"{out['ladder'].iloc[row - 1]!r}", path=label, column="ladder_rank", row=row,
                                  expected=f"{rank.iloc[row - 1]} (the position in {', '.join(LADDER)})",
                                  fix="correct it or leave ladder_rank empty (it is computed from ladder)")
    out["ladder_rank"] = rank
    if "family" not in out.columns:
        out["family"] = "all"
    out["family"] = out["family"].str.lower().fillna("all").replace("", "all")
    # the same code twice with different rungs is ambiguous
    key = pd.DataFrame({"c": _company_keys(out["company"]), "f": out["family"],
                        "l": out["level"].map(normalize_level).astype("string"), "ladder": out["ladder"]})
    conflict = key.groupby(["c", "f", "l"])["ladder"].transform("nunique") > 1
    if conflict.any():
        rows = [int(i) + 1 for i in conflict.to_numpy().nonzero()[0][:2]]
        raise DataError.build(f"level {out['level'].iloc[rows[0] - 1]!r} of {out['company'].iloc[rows[0] - 1]!r} "
                              f"is mapped to different rungs (rows {rows[0]} and {rows[-1]})", path=label,
                              column="ladder", row=rows[0], expected="one rung per company, family and level code",
                              fix="delete or correct one of the rows")
    return out


def load_levels(source: str | PathLike | pd.DataFrame | None = None) -> pd.DataFrame:
    """Load a levels table: company level codes mapped onto :data:`kit.core.schema.LADDER`.

    Args:
        source: ``None`` for the built-in ``kit/data/levels.csv`` plus ``datasets/sample_levels.csv``
            when it exists; a path to your own CSV with the same columns; or a DataFrame.

    Returns:
        ``conform(df, "levels")``: company, family ("all" where empty), level, ladder, ladder_rank
        (computed from ladder), track, note.

    Raises:
        DataError: the file is missing or unreadable, a required column (company, level, ladder) is
            missing, a value is empty or not a ladder rung, ladder_rank contradicts ladder, or one
            code is mapped to two rungs.
    """
    if source is None:
        frames = [_validate(_read_levels_file(LEVELS_FILE), str(LEVELS_FILE))]
        if Path(SAMPLE_LEVELS).exists():
            frames.append(_validate(_read_levels_file(Path(SAMPLE_LEVELS)), str(SAMPLE_LEVELS)))
        df = pd.concat(frames, ignore_index=True)
    elif isinstance(source, pd.DataFrame):
        if source.empty:
            raise DataError.build("no data rows", path="<DataFrame>", expected="at least one levels row")
        df = _validate(source, "<DataFrame>")
    else:

        check_source_type(source, what="levels source")
        path = Path(source)
        df = _validate(_read_levels_file(path), str(path))
    return conform(df.reset_index(drop=True), "levels")


class _Lookup:
    """(company key, family, normalized code) -> rung, plus the set of companies that have a ladder."""

    def __init__(self, levels: pd.DataFrame):
        keys = _company_keys(levels["company"])
        fams = levels["family"].astype("string").str.lower().fillna("all")
        norms = levels["level"].map(normalize_level)
        self.table: dict[tuple[str, str, str], str] = {}
        # for rows of unknown family: code -> rungs over every family
        self.any_family: dict[tuple[str, str], set[str]] = {}
        for c, f, lv, ld in zip(keys, fams, norms, levels["ladder"].astype("string"), strict=True):
            if pd.notna(c) and pd.notna(lv) and pd.notna(ld):
                self.table.setdefault((str(c), str(f), str(lv)), str(ld))
                self.any_family.setdefault((str(c), str(lv)), set()).add(str(ld))
        self.companies = {c for c, _, _ in self.table}

    def find(self, company: str, family: str | None, norm: str) -> str | None:
        """The rung of ``norm`` at ``company`` for ``family`` (None = unknown family), or None."""
        families = ([family] if family and family not in _GENERIC_FAMILIES else []) + list(_GENERIC_FAMILIES)
        codes = [norm]
        lead = _leading_code(norm)
        if lead and lead != norm:
            codes.append(lead)
        for code in codes:
            for fam in families:
                hit = self.table.get((company, fam, code))
                if hit is not None:
                    return hit
            if not family:  # family unknown: a family-specific row counts when it is unambiguous
                rungs = self.any_family.get((company, code), set())
                if len(rungs) == 1:
                    return next(iter(rungs))
        return None


def _title_seniority(titles: Iterable[str]) -> pd.Series:
    """Seniority (a LADDER name or NA) stated by each title, from :func:`kit.classify_titles`."""
    titles = list(titles)

    sen = classify_titles(titles)["seniority"].astype("string")
    return pd.Series(sen.to_numpy(), index=titles, dtype="string")


def assign_ladder(
    pay: pd.DataFrame,
    levels: pd.DataFrame | str | PathLike | None = None,
    *,
    overwrite: bool = False,
    warn: bool = True,
    title_seniority: pd.Series | None = None,
) -> pd.DataFrame:
    """Fill ``ladder`` and ``ladder_rank`` of a pay table from company levels or title seniority.

    Rows with a ``level`` are matched on (company key, family, normalized level code); a
    family-specific levels row wins over an ``all`` row. Rows without a level (LCA filings, posted
    ranges) take the seniority their ``title`` states (:func:`kit.classify_titles`); a title with no
    seniority word stays NA — nothing is invented.

    Args:
        pay: A pay table (``company``, ``level``, ``title``; ``family`` used when present).
        levels: A levels table, a path to one, or ``None`` for :func:`load_levels`'s default.
        overwrite: Recompute ``ladder`` where the input already has one (default: keep it).
        warn: Emit one ``UserWarning`` summarizing unmapped levels.
        title_seniority: Seniority per row (aligned with ``pay``'s index) when the caller has already classified
            the titles (:func:`kit.load_pay` has); None classifies them here.

    Returns:
        A copy of ``pay`` with ``ladder`` / ``ladder_rank`` filled. Levels not in the table keep an
        NA ladder and are reported: :func:`unmapped_levels` gives the frame ``[company, level, n,
        reason]`` (rows per code, most frequent first; reason "level not in table" or "company not
        in table"). It is kept in ``attrs["unmapped_levels"]`` as a tuple of ``(company, level, n,
        reason)`` records, not as a frame, because pandas compares ``attrs`` when concatenating and
        cannot compare frames: ``pd.concat`` of two subsets of the table would fail.
    """
    lookup = _Lookup(load_levels(levels))
    out = pay.copy()
    out.attrs.pop("unmapped_levels", None)
    n = len(out)
    for col in ("company", "title", "family", "level", "ladder"):
        if col not in out.columns:
            out[col] = pd.Series([pd.NA] * n, index=out.index, dtype="string")
    ladder = out["ladder"].astype("string").str.lower()
    todo = ladder.isna() | pd.Series(overwrite, index=out.index)
    level = out["level"].astype("string").str.strip().replace("", pd.NA)
    has_level = level.notna()

    # 1. company-native level codes
    by_code = todo & has_level
    unmapped = _empty_unmapped()
    if by_code.any():
        sub = pd.DataFrame({"company": out.loc[by_code, "company"].astype("string"),
                            "family": out.loc[by_code, "family"].astype("string").str.lower(),
                            "level": level[by_code]})
        sub["ckey"] = _company_keys(sub["company"])
        sub["norm"] = sub["level"].map(normalize_level).astype("string")
        combos = sub[["ckey", "family", "norm"]].drop_duplicates()
        found = {
            (c, f, lv): lookup.find(c, None if pd.isna(f) else f, lv) if pd.notna(c) else None
            for c, f, lv in combos.itertuples(index=False, name=None)
        }
        hits = pd.Series([found[k] for k in sub[["ckey", "family", "norm"]].itertuples(index=False, name=None)],
                         index=sub.index, dtype="string")
        ladder.loc[sub.index] = hits
        miss = sub[hits.isna()]
        if len(miss):
            known = miss["ckey"].isin(lookup.companies)
            miss = miss.assign(reason=known.map({True: "level not in table", False: "company not in table"}))
            unmapped = (miss.groupby(["company", "level", "reason"], dropna=False).size().rename("n").reset_index()
                        .sort_values(["n", "company", "level"], ascending=[False, True, True], kind="stable")
                        .reset_index(drop=True)[["company", "level", "n", "reason"]])
            unmapped["n"] = unmapped["n"].astype("Int64")
            unmapped["reason"] = unmapped["reason"].astype("string")

    # 2. no level: the title's seniority
    by_title = todo & ~has_level & out["title"].notna()
    if by_title.any():
        if title_seniority is not None:
            ladder.loc[by_title] = title_seniority.astype("string")[by_title]
        else:
            titles = out.loc[by_title, "title"].astype("string")
            sen = _title_seniority(titles.unique().tolist())
            ladder.loc[titles.index] = titles.map(sen).astype("string")

    out["ladder"] = ladder.where(ladder.isin(LADDER).fillna(False)).astype("string")
    out["ladder_rank"] = out["ladder"].map({name: i for i, name in enumerate(LADDER)}).astype("Int64")
    if len(unmapped):
        out.attrs["unmapped_levels"] = tuple(
            (str(c), str(lv), int(k), str(r)) for c, lv, k, r in unmapped.itertuples(index=False, name=None))
        if warn:
            warnings.warn(_unmapped_message(unmapped), UserWarning, stacklevel=2)
    return out


def _unmapped_message(unmapped: pd.DataFrame) -> str:
    parts = []
    codes = unmapped[unmapped["reason"] == "level not in table"]
    if len(codes):
        shown = ", ".join(f"{c} {lv!r} ({k})" for c, lv, k, _ in codes.head(5).itertuples(index=False))
        parts.append(f"{len(codes)} level codes ({int(codes['n'].sum())} rows) of companies in the levels table "
                     f"are not mapped (most frequent: {shown})")
    other = unmapped[unmapped["reason"] != "level not in table"]
    if len(other):
        n_comp = other["company"].nunique()
        parts.append(f"{n_comp} companies ({int(other['n'].sum())} rows) have no ladder in the levels table")
    return ("; ".join(parts) + ". Their ladder is NA. See kit.prepare.levels.unmapped_levels(result) and add rows to "
            "kit/data/levels.csv, or to your own file passed to load_levels().")


def unmapped_levels(pay: pd.DataFrame) -> pd.DataFrame:
    """The report of level codes :func:`assign_ladder` (``load_pay``) could not map (empty if none).

    Args:
        pay: A table returned by :func:`assign_ladder` (or ``load_pay``), or a subset of one.

    Returns:
        ``[company, level, n, reason]``: each unmapped code with its row count in the table as
        loaded, most frequent first.
    """
    found = pay.attrs.get("unmapped_levels")
    if isinstance(found, pd.DataFrame):
        return found.copy()
    if not found:
        return _empty_unmapped()
    out = pd.DataFrame(list(found), columns=["company", "level", "n", "reason"])
    return out.astype({"company": "string", "level": "string", "n": "Int64", "reason": "string"})


def _empty_unmapped() -> pd.DataFrame:
    return pd.DataFrame({"company": pd.Series(dtype="string"), "level": pd.Series(dtype="string"),
                         "n": pd.Series(dtype="Int64"), "reason": pd.Series(dtype="string")})

"""Check the domain claims of DESIGN.md against postings: which role mentions which themes more.

A posting *mentions* a theme when its description contains any lexicon phrase of the theme
(``kit/data/lexicon.yaml``); mention matrices come from the phrase index
(:func:`kit.index.phraseindex.index_for`: a loaded table or a selection of it reuses the cached index, so
nothing is re-tokenized; any other frame with a ``description`` is indexed on the fly). Only the role's own sections
count by default (``sections="role"``; ``"all"`` for the whole description; :mod:`kit.index.scope`), so a theme
mentioned only in the company's "About us" is not a mention. The claims themselves live in ``kit/data/claims.yaml``.

Statistics, per claim x theme:

* ``share_a`` / ``share_b``: share of postings of role a / b mentioning the theme (0-1).
* ``effect``: ``share_a - share_b`` in percentage points.
* ``ci_low`` / ``ci_high``: 95% interval for that difference, Newcombe's hybrid score interval
  (Newcombe 1998, method 10: Wilson intervals of each share combined by the square-and-add rule),
  in percentage points. It is exact enough at small n and never leaves [-100, 100]. With
  ``method="bootstrap"`` a seeded percentile bootstrap (2,000 resamples) is used instead.
* ``verdict``: "not enough data" when either group has fewer than ``min_n`` postings, or when the
  interval cannot tell; for "a"/"b" claims "supported" when the interval lies wholly on the
  expected side of 0 and "contradicted" when it lies wholly on the other side; for "similar"
  claims (equivalence, margin +/-10 points by default) "supported" when the interval lies wholly
  inside the margin and "contradicted" when it lies wholly outside it. ``note`` says which.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import sparse

from kit.analysis.stats import MIN_N, newcombe_interval
from kit.core.datafiles import read_yaml
from kit.core.errors import DataError
from kit.core.paths import DATA_DIR
from kit.core.schema import require_columns
from kit.index.scope import DEFAULT_SECTIONS, Sections, scope_label, scoped_text
from kit.prepare.phrasematch import WORD_EDGE_AFTER, WORD_EDGE_BEFORE, PhraseMatcher, normalize_phrase, trie_regex

__all__ = ["CLAIMS_FILE", "MIN_N", "Mentions", "check_claims", "lexicon_mentions", "load_claims", "phrase_variants",
           "theme_lexicon"]

#: Where the claims are defined (editable).
CLAIMS_FILE = DATA_DIR / "claims.yaml"
#: The output columns, in order.
COLUMNS = ["claim", "theme", "expected", "share_a", "share_b", "n_a", "n_b", "effect", "ci_low", "ci_high",
           "verdict", "note"]

@dataclass(frozen=True)
class Mentions:
    """Which posting mentions which lexicon phrase.

    Attributes:
        matrix: Sparse boolean posting x phrase matrix, rows in the order of the postings given.
        phrases: One row per matrix column: ``phrase``, ``theme``, ``theme_label``, ``side``.
    """

    matrix: sparse.csr_matrix
    phrases: pd.DataFrame

    def themes(self) -> tuple[sparse.csr_matrix, list[str]]:
        """Collapse phrases to themes: posting x theme boolean matrix (any phrase of the theme).

        Returns:
            The matrix and the theme ids of its columns.
        """
        codes, names = pd.factorize(self.phrases["theme"].astype("string").fillna("(none)"))
        onehot = sparse.csr_matrix(
            (np.ones(len(codes), dtype=np.int32), (np.arange(len(codes)), codes)), shape=(len(codes), len(names))
        )
        m = (self.matrix.astype(np.int32) @ onehot) > 0
        return sparse.csr_matrix(m), [str(n) for n in names]


# --------------------------------------------------------------------------------------------- lexicon


def theme_lexicon() -> pd.DataFrame:
    """The lexicon as a frame [phrase, theme, theme_label, side, variants] (:func:`kit.index.lexicon.load_lexicon`).

    Returns:
        The lexicon, with ``theme_label`` and ``side`` columns always present.
    """
    from kit.index.lexicon import load_lexicon

    lex = load_lexicon()
    for col in ("theme_label", "side"):
        if col not in lex.columns:
            lex = lex.assign(**{col: pd.NA})
    return lex


def phrase_variants(value) -> list[str]:
    """A lexicon row's ``variants`` cell as a list: a "|" or ";" separated string, a list, or missing.

    Args:
        value: The cell.

    Returns:
        The variant phrases (empty when missing).
    """
    if value is None or (not isinstance(value, (list, tuple, np.ndarray)) and pd.isna(value)):
        return []
    if isinstance(value, str):
        return [v.strip() for v in re.split(r"[|;]", value) if v.strip()]
    return [str(v) for v in value if isinstance(v, str) and v.strip()]


def phrase_pattern(phrases: list[str]) -> re.Pattern:
    """One case-insensitive regex matching any of ``phrases`` as whole words (space, hyphen, slash alike).

    The rules are the shared matcher's (:mod:`kit.prepare.phrasematch`); to find many phrases in many texts
    use :class:`kit.prepare.phrasematch.PhraseMatcher`, which scans each distinct text once.

    Args:
        phrases: Phrases and their variants.

    Returns:
        A compiled pattern (one that never matches when there is no phrase).
    """
    body = trie_regex(sorted({normalize_phrase(p) for p in phrases if p and p.strip()} - {""}))
    return re.compile(WORD_EDGE_BEFORE + "(?:" + (body or "(?!)") + ")" + WORD_EDGE_AFTER, re.IGNORECASE)


def _regex_mentions(texts: pd.Series, table: pd.DataFrame) -> sparse.csr_matrix:
    """Fallback: which text mentions which row of ``table`` (phrase + variants). Used without an index."""
    groups = [[row["phrase"], *phrase_variants(row.get("variants"))] for _, row in table.iterrows()]
    return PhraseMatcher(groups).find(texts)


def _index_mentions(postings: pd.DataFrame, sections: Sections) -> tuple[sparse.csr_matrix, pd.DataFrame] | None:
    """Lexicon mentions from the phrase index (cached, or built on the fly), or None without kit.index.phraseindex."""
    try:
        from kit.index.phraseindex import index_for
    except ImportError:  # pragma: no cover - kit.index.phraseindex is part of the kit
        return None
    index, rows = index_for(postings, sections=sections)
    mat = sparse.csr_matrix(index.lexicon[np.asarray(rows)] > 0)
    table = index.phrases[["phrase", "theme", "theme_label", "side"]].reset_index(drop=True)
    return mat, table


def lexicon_mentions(
    postings: pd.DataFrame, *, extra: dict[str, list[str]] | None = None, sections: Sections = DEFAULT_SECTIONS
) -> Mentions:
    """Which posting mentions which lexicon phrase (from the cached index when there is one).

    Args:
        postings: Any frame with a ``description`` column (a loaded postings table uses its index).
        extra: Theme id -> phrases for themes the lexicon lacks (matched in the text).
        sections: The text counted: "role" (default: the role's own sections), "all" or a list of kinds.

    Returns:
        A :class:`Mentions`.

    Raises:
        DataError: When there is no ``description`` column.
    """
    require_columns(postings.columns, ("description",), path="<postings>", problem="no 'description' column",
                    expected="a postings table with the posting text",
                    fix="load postings with kit.load_postings or add a description column")
    found = _index_mentions(postings, sections)
    if found is None:
        lex = theme_lexicon().reset_index(drop=True)
        mat = _regex_mentions(scoped_text(postings, sections), lex)
        table = lex[["phrase", "theme", "theme_label", "side"]]
    else:
        mat, table = found
    known = set(table["theme"].dropna().astype(str))
    add = {t: ps for t, ps in (extra or {}).items() if t not in known}
    if add:
        rows = pd.DataFrame(
            [{"phrase": p, "theme": t, "theme_label": t.replace("_", " "), "side": pd.NA} for t, ps in add.items()
             for p in ps]
        )
        mat = sparse.hstack([mat, _regex_mentions(scoped_text(postings, sections), rows)], format="csr")
        table = pd.concat([table, rows], ignore_index=True)
    return Mentions(matrix=sparse.csr_matrix(mat, dtype=bool), phrases=table)


# --------------------------------------------------------------------------------------------- statistics


def _bootstrap_interval(x_a: int, n_a: int, x_b: int, n_b: int, *, seed: int, reps: int = 2000) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    a = rng.binomial(n_a, x_a / n_a, reps) / n_a
    b = rng.binomial(n_b, x_b / n_b, reps) / n_b
    lo, hi = np.quantile(a - b, [0.025, 0.975])
    return float(lo), float(hi)


def _verdict(expected: str, low: float, high: float, margin: float, a: str, b: str) -> tuple[str, str]:
    """Verdict and note from an interval in percentage points."""
    if expected == "similar":
        if -margin < low and high < margin:
            return "supported", f"95% interval inside +/-{margin:g} points"
        if low >= margin or high <= -margin:
            return "contradicted", f"95% interval wholly outside +/-{margin:g} points"
        return "not enough data", f"95% interval overlaps the +/-{margin:g} point margin; cannot tell"
    sign = 1 if expected == "a" else -1
    more, less = (a, b) if sign > 0 else (b, a)
    if sign * low > 0 and sign * high > 0:
        return "supported", f"{more} mentions it more (95% interval excludes 0)"
    if sign * low < 0 and sign * high < 0:
        return "contradicted", f"{less} mentions it more (95% interval excludes 0)"
    return "not enough data", "95% interval includes 0; cannot tell"


# --------------------------------------------------------------------------------------------- claims


@lru_cache(maxsize=4)
def _read_claims(path: str) -> dict:
    return read_yaml(path, what="claims")


def load_claims(path=None) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Read the claims file.

    Args:
        path: A claims YAML file (default ``kit/data/claims.yaml``).

    Returns:
        (claims frame with one row per claim x theme: ``claim, theme, expected, margin``,
        fallback phrases per theme).

    Raises:
        DataError: When a claim lacks text, themes or a valid ``expected``.
    """
    path = str(path or CLAIMS_FILE)
    spec = _read_claims(path)
    rows = []
    for i, c in enumerate(spec.get("claims") or [], start=1):
        if not c.get("claim") or not c.get("themes") or c.get("expected") not in ("a", "b", "similar"):
            raise DataError.build(f"claim {i} is incomplete", path=path,
                                  expected="claim text, a list of themes and expected: a, b or similar",
                                  fix="complete the entry (the file's header documents the fields)")
        for theme in c["themes"]:
            rows.append({"claim": c["claim"], "theme": str(theme), "expected": c["expected"],
                         "margin": float(c.get("margin", 10))})
    fallback = {str(k): [str(p) for p in v] for k, v in (spec.get("fallback") or {}).items()}
    return pd.DataFrame(rows), fallback


def check_claims(
    postings: pd.DataFrame,
    *,
    a: str = "pmt",
    b: str = "tpm",
    min_n: int = MIN_N,
    seed: int = 0,
    method: str = "newcombe",
    claims=None,
    sections: Sections = DEFAULT_SECTIONS,
) -> pd.DataFrame:
    """Test the domain claims (``kit/data/claims.yaml``) on postings, theme by theme.

    Args:
        postings: A postings table (or any frame with ``role`` and ``description``), e.g. a
            selection from :func:`kit.select`.
        a: First role (the claims' "a"; default PM-T).
        b: Second role (default TPM).
        min_n: Fewer postings than this in either role gives "not enough data".
        seed: Random seed, used by ``method="bootstrap"`` only.
        method: "newcombe" (default; deterministic) or "bootstrap".
        claims: Another claims YAML file.
        sections: The text counted: "role" (default: the role's own sections), "all" (the whole description)
            or a list of section kinds (:mod:`kit.index.scope`).

    Returns:
        One row per claim x theme: ``claim, theme, expected, share_a, share_b, n_a, n_b, effect,
        ci_low, ci_high, verdict, note``; shares in 0-1, effect and interval in percentage points.
        ``attrs`` carry ``a``, ``b``, ``min_n``, ``method``, ``sections`` (label of the counted sections).

    Raises:
        DataError: Without ``role`` or ``description`` columns.
    """
    require_columns(postings.columns, ("role",), path="<postings>", problem="no 'role' column",
                    expected="role codes (pmt, tpm, ...)", fix="load postings with kit.load_postings")
    if method not in ("newcombe", "bootstrap"):
        raise DataError(f"method {method!r} is unknown; expected 'newcombe' or 'bootstrap'")
    table, fallback = load_claims(claims)
    role = postings["role"].astype("string").fillna("")
    keep = role.isin([a, b]).to_numpy()
    sub = postings.loc[keep]
    mentions = lexicon_mentions(sub, extra=fallback, sections=sections)
    tmat, names = mentions.themes()
    is_a = (role[keep] == a).to_numpy()
    n_a, n_b = int(is_a.sum()), int((~is_a).sum())
    col = {n: i for i, n in enumerate(names)}
    tmat = tmat.tocsc()
    out = []
    for r in table.itertuples(index=False):
        hits = tmat[:, col[r.theme]].toarray().ravel() if r.theme in col else np.zeros(len(sub), dtype=bool)
        x_a, x_b = int(hits[is_a].sum()), int(hits[~is_a].sum())
        share_a = x_a / n_a if n_a else np.nan
        share_b = x_b / n_b if n_b else np.nan
        expected = {"a": f"{a} > {b}", "b": f"{b} > {a}", "similar": f"similar (within {r.margin:g} points)"}[
            r.expected]
        if n_a < min_n or n_b < min_n:
            low = high = np.nan
            verdict, note = "not enough data", f"fewer than {min_n} postings in {a if n_a < min_n else b}"
            if n_a and n_b:
                low, high = newcombe_interval(x_a, n_a, x_b, n_b)
                low, high = low * 100, high * 100
        else:
            if method == "bootstrap":
                low, high = _bootstrap_interval(x_a, n_a, x_b, n_b, seed=seed)
            else:
                low, high = newcombe_interval(x_a, n_a, x_b, n_b)
            low, high = low * 100, high * 100
            verdict, note = _verdict(r.expected, low, high, r.margin, a, b)
        effect = (share_a - share_b) * 100 if n_a and n_b else np.nan
        out.append([r.claim, r.theme, expected, share_a, share_b, n_a, n_b, effect, low, high, verdict, note])
    res = pd.DataFrame(out, columns=COLUMNS)
    for c in ("share_a", "share_b", "effect", "ci_low", "ci_high"):
        res[c] = res[c].astype(float)
    for c in ("n_a", "n_b"):
        res[c] = res[c].astype("int64")
    res.attrs.update({"a": a, "b": b, "min_n": min_n, "method": method, "sections": scope_label(sections)})
    return res

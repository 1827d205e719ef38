"""How well ``role_confidence`` is calibrated: reliability tables, Brier scores, out-of-fold re-fits.

For a generic title read with its text (:mod:`kit.prepare.roles`), ``role_confidence`` is a fitted
probability (:mod:`kit.prepare.calibration`): P(technical) when the title was upgraded to PM-T / TPM,
1 - P(technical) when the generic role stayed. :func:`role_reliability` compares those probabilities with known
roles (the bundled sample's ``synthetic_role``, or your own judged labels) in a tidy table; the lower-level
:func:`reliability_table`, :func:`brier_score` and :func:`out_of_fold_probabilities` are what
``python -m benchmarks.role_calibration`` uses to re-fit and check the curve.

Example:
    >>> import kit
    >>> table = kit.role_reliability(kit.load_postings(), "synthetic_role")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from kit.analysis.stats import wilson_interval
from kit.core.errors import DataError
from kit.prepare.calibration import fit_logistic

__all__ = ["brier_score", "out_of_fold_probabilities", "p_technical", "read_role_labels", "reliability_table",
           "role_reliability", "stratified_folds"]

_TECHNICAL = {"pmt", "tpm"}
_GENERIC_SIDE = {"pmt": "pm", "pm": "pm", "tpm": "pgm", "pgm": "pgm"}
RELIABILITY_COLUMNS = ["bin", "p_low", "p_high", "n", "mean_predicted", "observed", "observed_low", "observed_high"]


def p_technical(postings: pd.DataFrame) -> pd.Series:
    """P(technical) of each loaded posting whose generic title was read with its text.

    Args:
        postings: A loaded postings frame (``role``, ``role_confidence``, ``role_basis``, ``description``).

    Returns:
        A ``Float64`` series on the postings' index: ``role_confidence`` where a generic title was upgraded to
        PM-T / TPM by its text, ``1 - role_confidence`` where a generic PM / program manager title kept its
        role with a description; NA for every other posting (titles that decide the role, no text, other roles).

    Raises:
        DataError: If a column is missing.
    """
    missing = [c for c in ("role", "role_confidence", "role_basis", "description") if c not in postings.columns]
    if missing:
        raise DataError.build(f"postings have no column(s) {missing}", expected="a loaded postings table")
    role = postings["role"].astype("string")
    conf = postings["role_confidence"].astype("Float64")
    basis = postings["role_basis"].astype("string")
    has_text = postings["description"].astype("string").str.strip().fillna("").ne("")
    upgraded = role.isin(list(_TECHNICAL)) & basis.eq("description")
    kept = role.isin(["pm", "pgm"]) & has_text
    out = pd.Series(pd.NA, index=postings.index, dtype="Float64")
    out[upgraded.fillna(False)] = conf[upgraded.fillna(False)]
    out[kept.fillna(False)] = 1 - conf[kept.fillna(False)]
    return out


def brier_score(p: pd.Series | np.ndarray, y: pd.Series | np.ndarray) -> float:
    """Mean squared difference between predicted probabilities and 0 / 1 outcomes (lower is better).

    Args:
        p: Predicted probabilities.
        y: Outcomes (0 / 1 or booleans), same length.

    Returns:
        The Brier score (NaN for no rows).
    """
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    return float(np.mean((p - y) ** 2)) if len(p) else float("nan")


def reliability_table(p: pd.Series | np.ndarray, y: pd.Series | np.ndarray, *,
                      bins: int | list[float] = 5) -> pd.DataFrame:
    """Predicted vs observed rate of technical postings, by bins of predicted probability.

    Args:
        p: Predicted P(technical).
        y: Outcomes (1 = technical), same length.
        bins: Number of equal-width bins on [0, 1], or the bin edges.

    Returns:
        Frame ``[bin, p_low, p_high, n, mean_predicted, observed, observed_low, observed_high]``, one row per
        bin (empty bins have n 0 and NA rates); ``observed_low`` / ``observed_high`` are the 95% Wilson interval.
        A well-calibrated curve has ``mean_predicted`` inside the observed interval in every bin.
    """
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    edges = np.linspace(0, 1, bins + 1) if isinstance(bins, int) else np.asarray(bins, dtype=float)
    which = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, len(edges) - 2)
    rows = []
    for k in range(len(edges) - 1):
        inside = which == k
        n, hits = int(inside.sum()), float(y[inside].sum())
        low, high = wilson_interval(hits, n)
        rows.append({"bin": f"[{edges[k]:.2f}, {edges[k + 1]:.2f}{']' if k == len(edges) - 2 else ')'}",
                     "p_low": edges[k], "p_high": edges[k + 1], "n": n,
                     "mean_predicted": float(p[inside].mean()) if n else np.nan,
                     "observed": hits / n if n else np.nan,
                     "observed_low": float(low) if n else np.nan, "observed_high": float(high) if n else np.nan})
    return pd.DataFrame(rows, columns=RELIABILITY_COLUMNS)


def out_of_fold_probabilities(score: pd.Series | np.ndarray, y: pd.Series | np.ndarray, *, k: int = 5,
                              seed: int = 0, ridge: float = 0.01) -> np.ndarray:
    """P(technical | score) for each row from a logistic curve fitted on the OTHER folds (honest estimate).

    Args:
        score: Technical scores.
        y: Outcomes (1 = technical).
        k: Folds (stratified by outcome; at most the size of the smaller class).
        seed: Seed of the fold assignment.
        ridge: Ridge on the slope (see :func:`kit.prepare.calibration.fit_logistic`).

    Returns:
        Out-of-fold probabilities, in row order.
    """
    score, y = np.asarray(score, dtype=float), np.asarray(y, dtype=int)
    folds = stratified_folds(y, k=k, seed=seed)
    out = np.empty(len(y))
    for f in np.unique(folds):
        test = folds == f
        a, b = fit_logistic(score[~test], y[~test], ridge=ridge)
        out[test] = 1.0 / (1.0 + np.exp(-(a + b * score[test])))
    return out


def stratified_folds(y: pd.Series | np.ndarray, *, k: int = 5, seed: int = 0) -> np.ndarray:
    """Fold number (0 .. k-1) of each row, each class spread evenly over the folds in a seeded random order.

    Args:
        y: Class labels.
        k: Folds (lowered to the size of the smallest class, at least 2).
        seed: Seed.

    Returns:
        Integer array of fold numbers.
    """
    y = np.asarray(y)
    classes, counts = np.unique(y, return_counts=True)
    k = max(2, min(k, int(counts.min())))
    rng = np.random.default_rng(seed)
    folds = np.empty(len(y), dtype=int)
    for c in classes:
        rows = rng.permutation(np.flatnonzero(y == c))
        folds[rows] = np.arange(len(rows)) % k
    return folds


def role_reliability(postings: pd.DataFrame, truth: str | pd.Series, *, bins: int | list[float] = 5) -> pd.DataFrame:
    """Reliability of ``role_confidence`` on postings whose role is known, for generic titles read with text.

    Args:
        postings: A loaded postings frame.
        truth: The known role per posting (pmt, pm, tpm, pgm; other values are left out): a column name of
            ``postings`` (the bundled sample's ``"synthetic_role"``) or a series aligned by index (judged labels).
        bins: Number of equal-width probability bins, or their edges.

    Returns:
        The :func:`reliability_table` of P(technical) (see :func:`p_technical`) against the known roles, with
        ``frame.attrs["brier"]`` (Brier score) and ``frame.attrs["n"]`` (postings compared).

    Raises:
        DataError: If ``truth`` names no column, or a needed postings column is missing.
    """
    if isinstance(truth, str):
        if truth not in postings.columns:
            raise DataError.build(f"no column {truth!r} in the postings", expected="a column of known roles",
                                  fix="pass the column name (e.g. 'synthetic_role') or a series of roles")
        truth = postings[truth]
    known = truth.reindex(postings.index).astype("string")
    p = p_technical(postings)
    use = p.notna() & known.isin(list(_GENERIC_SIDE)).fillna(False)
    y = known[use].isin(list(_TECHNICAL)).to_numpy(dtype=float)
    probs = p[use].to_numpy(dtype=float)
    table = reliability_table(probs, y, bins=bins)
    table.attrs["brier"] = brier_score(probs, y)
    table.attrs["n"] = int(use.sum())
    return table


def read_role_labels(path: str | Path) -> pd.Series:
    """Judged roles from a CSV file with ``posting_id`` and ``label`` columns (``#`` lines are comments).

    The format of ``tests/fixtures/judged_roles.csv``: ids and labels only (other columns are ignored).

    Args:
        path: The CSV file.

    Returns:
        A ``string`` series of labels indexed by ``posting_id`` (as text).

    Raises:
        DataError: If the file cannot be read, a column is missing, or an id is labelled twice.
    """
    try:
        frame = pd.read_csv(path, comment="#", dtype=str)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError.build(f"cannot read the role labels ({exc})", path=path,
                              expected="a CSV file with columns posting_id, label") from None
    missing = [c for c in ("posting_id", "label") if c not in frame.columns]
    if missing:
        raise DataError.build(f"no column(s) {missing}", path=path, expected="columns posting_id, label",
                              fix="one row per judged posting: its id and its role (pmt, pm, tpm, pgm, ...)")
    twice = frame["posting_id"][frame["posting_id"].duplicated()]
    if len(twice):
        raise DataError.build(f"posting_id {twice.iloc[0]!r} is labelled more than once", path=path,
                              expected="one label per posting")
    return pd.Series(frame["label"].str.strip().to_numpy(), index=frame["posting_id"].str.strip(), dtype="string",
                     name="label")

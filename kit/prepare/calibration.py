"""``role_confidence`` for a generic title read with its text: a fitted probability P(technical | technical score).

A generic "Product Manager" / "Program Manager" title becomes PM-T / TPM when the role's own sections ask for
technical depth (:mod:`kit.prepare.roles`). How sure that call is comes from a logistic curve FITTED on labelled
postings (Platt scaling of the technical score): ``p = 1 / (1 + exp(-(intercept + slope * score)))``; the role is
upgraded when ``p >= threshold``, otherwise the generic role stays and ``role_confidence`` is ``1 - p``.

The coefficients, the threshold and what they were fitted on live in ``kit/data/role_calibration.yaml``, not
here. :func:`fit_logistic` is the fit (two parameters, Newton's method, a small ridge so a perfectly separated
set still gives a finite slope); :mod:`kit.analysis.rolecal` measures reliability and re-fits
(``python -m benchmarks.role_calibration``).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kit.core.datafiles import read_yaml
from kit.core.errors import DataError
from kit.core.paths import DATA_DIR

__all__ = ["CALIBRATION_FILE", "Calibration", "fit_logistic", "load_calibration"]

CALIBRATION_FILE = DATA_DIR / "role_calibration.yaml"


@dataclass(frozen=True)
class Calibration:
    """A fitted P(technical | technical score) curve and the decision threshold on it.

    Attributes:
        intercept: Logistic intercept.
        slope: Logistic slope per point of technical score (> 0).
        threshold: A generic title is upgraded to PM-T / TPM when P(technical) is at least this.
        fitted_on: What the curve was fitted on (free text, from the data file).
        path: The data file it was read from (None when built in code).
    """

    intercept: float
    slope: float
    threshold: float
    fitted_on: str = ""
    path: Path | None = None

    def p_technical(self, score: pd.Series | np.ndarray | float) -> pd.Series | np.ndarray | float:
        """P(technical) for technical scores (same shape and index as ``score``)."""
        z = self.intercept + self.slope * (score if isinstance(score, pd.Series) else np.asarray(score, float))
        return 1.0 / (1.0 + np.exp(-z))

    @property
    def score_threshold(self) -> float:
        """The technical score at which P(technical) reaches ``threshold``."""
        return (math.log(self.threshold / (1 - self.threshold)) - self.intercept) / self.slope


@functools.lru_cache(maxsize=8)
def load_calibration(path: str | Path | None = None) -> Calibration:
    """Read a role_calibration.yaml file.

    Args:
        path: The file; the bundled ``kit/data/role_calibration.yaml`` by default.

    Returns:
        The :class:`Calibration` (cached per path).

    Raises:
        DataError: If the file is missing, or ``intercept`` / ``slope`` / ``threshold`` are missing or out of range.
    """
    path = Path(path) if path is not None else CALIBRATION_FILE
    raw = read_yaml(path, what="role calibration")
    values = {}
    for key in ("intercept", "slope", "threshold"):
        try:
            values[key] = float(raw[key])
        except (KeyError, TypeError, ValueError):
            raise DataError.build(f"missing or non-numeric {key!r}", path=path, expected="a number",
                                  fix="see the file header; python -m benchmarks.role_calibration re-fits it") from None
    if not values["slope"] > 0:
        raise DataError.build(f"slope {values['slope']} is not positive", path=path,
                              expected="P(technical) growing with the technical score")
    if not 0 < values["threshold"] < 1:
        raise DataError.build(f"threshold {values['threshold']} is not a probability", path=path,
                              expected="a number strictly between 0 and 1")
    return Calibration(**values, fitted_on=str(raw.get("fitted_on") or ""), path=path)


def fit_logistic(x: np.ndarray | pd.Series, y: np.ndarray | pd.Series, *, ridge: float = 0.01,
                 weights: np.ndarray | pd.Series | None = None) -> tuple[float, float]:
    """Fit ``P(y = 1 | x) = 1 / (1 + exp(-(a + b x)))`` by penalised maximum likelihood (Newton's method).

    Args:
        x: One feature (the technical score).
        y: 0 / 1 labels (True / False allowed).
        ridge: L2 penalty on the slope (``ridge * b**2 / 2``), so a perfectly separated set gives a finite slope.
        weights: Optional per-row weights (e.g. to balance two labelled sources).

    Returns:
        ``(intercept, slope)``.

    Raises:
        DataError: If there are fewer than two rows or only one label.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    if len(x) < 2 or len(np.unique(y)) < 2:
        raise DataError.build("cannot fit a calibration curve", expected="at least one technical and one "
                              f"non-technical labelled posting (got {len(x)} rows, labels {sorted(set(y))})")
    design = np.column_stack([np.ones_like(x), x])
    beta = np.zeros(2)
    penalty = np.diag([0.0, ridge])
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(design @ beta)))
        grad = design.T @ (w * (y - p)) - penalty @ beta
        hess = design.T @ (design * (w * p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hess, grad)
        beta = beta + step
        if np.abs(step).max() < 1e-10:
            break
    return float(beta[0]), float(beta[1])

"""The statistics every analysis shares: the small-sample threshold, proportion intervals, bootstrap helpers.

* :data:`MIN_N` (20): groups with fewer postings (or pay observations) are flagged ``small_sample`` and marked
  in charts, never hidden. One kit-wide threshold.
* :func:`wilson_interval`: Wilson score interval of a proportion (vectorized; NaN where ``n == 0``).
* :func:`newcombe_interval`: Newcombe's hybrid score interval of a difference of two proportions.
* :func:`boot_medians` / :func:`percentile_interval`: the percentile bootstrap used for pay medians and ratios.
"""

from __future__ import annotations

import math
import zlib

import numpy as np

__all__ = ["MIN_N", "Z95", "boot_medians", "newcombe_interval", "percentile_interval", "seeded_rng",
           "wilson_interval"]

#: Groups with fewer postings (or pay observations) than this are flagged as small samples (kit-wide).
MIN_N = 20
#: z for a two-sided 95% interval.
Z95 = 1.959963984540054
#: The bootstrap index matrix is drawn in blocks of at most this many cells (bounds memory).
_MAX_CELLS = 4_000_000


def wilson_interval(k, n, *, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for ``k`` successes out of ``n``.

    Args:
        k: Successes (scalar or array).
        n: Trials (scalar or array; may be fractional, e.g. company-balanced effective sizes).
        z: Normal quantile.

    Returns:
        ``(low, high)`` arrays (0-d for scalars) clipped to [0, 1]; NaN where ``n`` is 0.
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    lo = np.where(n > 0, np.clip(centre - half, 0, 1), np.nan)
    hi = np.where(n > 0, np.clip(centre + half, 0, 1), np.nan)
    return lo, hi


def newcombe_interval(x_a: int, n_a: int, x_b: int, n_b: int, *, z: float = Z95) -> tuple[float, float]:
    """Newcombe's hybrid score interval for ``x_a/n_a - x_b/n_b`` (Newcombe 1998, method 10).

    Args:
        x_a: Postings of group a mentioning.
        n_a: Postings of group a.
        x_b: Postings of group b mentioning.
        n_b: Postings of group b.
        z: Normal quantile (1.96 for 95%).

    Returns:
        (low, high) as proportions in [-1, 1]; an empty group counts as the uninformative interval [0, 1].
    """
    def _wilson(x: int, n: int) -> tuple[float, float]:
        if n == 0:
            return 0.0, 1.0
        lo, hi = wilson_interval(x, n, z=z)
        return float(lo), float(hi)

    p_a, p_b = (x_a / n_a if n_a else 0.0), (x_b / n_b if n_b else 0.0)
    l_a, u_a = _wilson(x_a, n_a)
    l_b, u_b = _wilson(x_b, n_b)
    d = p_a - p_b
    low = d - math.sqrt((p_a - l_a) ** 2 + (u_b - p_b) ** 2)
    high = d + math.sqrt((u_a - p_a) ** 2 + (p_b - l_b) ** 2)
    return max(-1.0, low), min(1.0, high)


def seeded_rng(seed: int, key: str) -> np.random.Generator:
    """A generator seeded by ``seed`` and a text key, so each group's draws are reproducible on their own."""
    return np.random.default_rng([int(seed), zlib.crc32(key.encode("utf-8"))])


def boot_medians(x: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Medians of ``n_boot`` resamples (with replacement) of ``x``, drawn in one array op per block."""
    n = len(x)
    block = max(1, _MAX_CELLS // max(n, 1))
    out = np.empty(n_boot)
    for start in range(0, n_boot, block):
        stop = min(n_boot, start + block)
        idx = rng.integers(0, n, size=(stop - start, n))
        out[start:stop] = np.median(x[idx], axis=1)
    return out


def percentile_interval(samples: np.ndarray) -> tuple[float, float]:
    """The 95% percentile interval of the finite bootstrap ``samples`` (NaN, NaN when none are finite)."""
    samples = samples[np.isfinite(samples)]
    if samples.size == 0:
        return (np.nan, np.nan)
    low, high = np.percentile(samples, [2.5, 97.5])
    return float(low), float(high)

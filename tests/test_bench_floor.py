"""The benchmark harness's own measurements: two_core_floor (bench_load) and own_peak_rss (common)."""

from __future__ import annotations

import pytest

from benchmarks.bench_load import two_core_floor
from benchmarks.common import run_isolated


@pytest.mark.parametrize(("cpu", "read", "floor"), [
    (4.3, 0.5, 0.5 + 3.8 / 2),  # the read alone, the rest over two cores
    (0.5, 0.5, 0.5),
    (0.3, 0.5, 0.5),  # (CPU seconds below the read's wall time: the read is still waited for)
])
def test_the_floor_counts_the_read_alone_and_halves_the_rest(cpu, read, floor):
    assert two_core_floor(cpu, read) == pytest.approx(floor)


def test_an_isolated_run_reports_its_own_peak_not_its_parents():
    """Started by a large process (``make bench`` runs every benchmark in one), a small run is still small."""
    ballast = b"\x01" * (400 << 20)  # this process now holds 400 MB more than the child will
    small = run_isolated("emit(seconds=0.0)")
    big = run_isolated("x = b'\\x01' * (300 << 20)\nemit(seconds=0.0)")
    assert len(ballast) == 400 << 20
    assert small["peak_rss"] < 250 << 20
    assert big["peak_rss"] - small["peak_rss"] > 250 << 20  # (and a child's own growth is seen)

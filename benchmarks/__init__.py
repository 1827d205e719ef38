"""Reproducible timing and memory benchmarks, each figure beside a named baseline.

Run ``make bench`` (= ``python -m benchmarks``); see :mod:`benchmarks.common` for the protocol.
Never run by the test suite.
"""

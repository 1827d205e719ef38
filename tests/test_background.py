"""kit.core.background: a function run in a second process gives the same value as run here."""

from __future__ import annotations

import pandas as pd

from kit.core.background import start, workers_allowed
from kit.prepare.titles import classify_keys, classify_titles, primed, title_keys


def test_worker_and_in_process_give_the_same_rows(monkeypatch):
    titles = pd.Series(["Sr. TPM - KBG17086", "senior technical program manager", "Product Manager, Payments",
                        None, "  ", "Staff Software Engineer"], dtype="string")
    plain = classify_titles(titles)
    monkeypatch.setenv("KIT_WORKERS", "2")
    job = start(classify_keys, title_keys(titles))
    with primed(job.result):
        ahead = classify_titles(titles)
    pd.testing.assert_frame_equal(plain, ahead)
    assert set(title_keys(titles)) == {"sr. tpm - kbg17086", "senior technical program manager",
                                       "product manager, payments", "staff software engineer"}


def test_workers_are_opt_in(monkeypatch):
    monkeypatch.delenv("KIT_WORKERS", raising=False)
    assert not workers_allowed()
    monkeypatch.setenv("KIT_WORKERS", "nope")
    assert not workers_allowed()
    assert start(sum, [1, 2, 3]).result() == 6  # deferred to this process

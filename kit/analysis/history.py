"""Postings open over time, from a posting store's history (``first_seen`` / ``closed_at``; ``kit fetch``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["open_by_fetch"]


def open_by_fetch(postings: pd.DataFrame, *, by: str = "role") -> pd.DataFrame:
    """How many postings were open at each fetch, per group.

    A posting is open at fetch time ``t`` when ``first_seen <= t`` and it was not closed by then
    (``closed_at`` NA or later than ``t``). The fetch times are the distinct ``first_seen`` / ``last_seen`` /
    ``closed_at`` values of the table. A posting that was reopened counts as open over its closed gap too: the
    store keeps one ``closed_at`` per posting (NA again once it is listed again).

    Args:
        postings: A postings table from a posting store (``kit.load_postings(DIR)``).
        by: The grouping column (``"role"``, ``"company"``, ``"board"`` ...).

    Returns:
        ``[fetched_at, <by>, n_open]``, one row per fetch and group (0 where none was open), sorted; empty when the
        table has no history (not from a store).
    """
    cols = ["fetched_at", by, "n_open"]
    if postings is None or len(postings) == 0 or "first_seen" not in postings or postings["first_seen"].isna().all():
        return pd.DataFrame(columns=cols)
    first = pd.to_datetime(postings["first_seen"]).to_numpy(dtype="datetime64[ns]")
    closed = pd.to_datetime(postings["closed_at"]).to_numpy(dtype="datetime64[ns]")
    times = pd.unique(np.concatenate([first, pd.to_datetime(postings["last_seen"]).to_numpy(dtype="datetime64[ns]"),
                                      closed]))
    times = np.sort(times[~pd.isna(times)])
    groups = postings[by].astype("string").fillna("(none)")
    rows = []
    for t in times:
        is_open = (first <= t) & (pd.isna(closed) | (closed > t))
        counts = groups[is_open].value_counts()
        for g in sorted(groups.unique()):
            rows.append((pd.Timestamp(t), g, int(counts.get(g, 0))))
    return pd.DataFrame(rows, columns=cols).astype({"n_open": "int64"})

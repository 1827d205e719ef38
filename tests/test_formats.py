"""Tests for the format registry (kit/io/formats): one entry per format, read by loaders, validate and messages."""

from __future__ import annotations

import pandas as pd
import pytest

import kit
from kit.core.errors import DataError
from kit.io import formats
from kit.io.formats import Format, detect_format, get_format, names, register
from kit.io.formats.common import column_map, mapped


def test_every_format_module_registers_itself():
    assert set(names("postings")) == {"jobspy", "linkedin", "generic", "kit"}
    assert set(names("pay")) == {"levels", "lca", "kit"}
    for (table, name), fmt in formats.FORMATS.items():
        assert fmt.table == table and fmt.name == name and fmt.description


def test_unknown_format_lists_the_registered_ones():
    with pytest.raises(DataError, match="unknown pay format 'glassdoor'; expected one of 'kit', 'lca', 'levels'"):
        get_format("glassdoor", "pay")


@pytest.fixture
def workday_format():
    """A new postings format, added the way a newcomer would: one Format entry (here at run time)."""
    cols = {"posting_id": ("JobReqId",), "company": ("Org",), "title": ("JobTitle",), "description": ("JobText",),
            "location": ("Site",)}
    fmt = register(Format(name="workday_export", table="postings", adapt=mapped("workday_export", column_map(cols)),
                          description="a made-up ATS export", required=frozenset({"JobTitle"}),
                          identifying=frozenset({"JobReqId", "Org", "JobText", "Site"}), min_hits=3))
    yield fmt
    del formats.FORMATS[("postings", "workday_export")]


def test_a_new_format_is_one_registry_entry(workday_format, tmp_path):
    path = tmp_path / "export.csv"
    pd.DataFrame({"JobReqId": ["R1", "R2"], "Org": ["Acme Cloud", "Acme Cloud"],
                  "JobTitle": ["Technical Program Manager", "Technical Product Manager"],
                  "JobText": ["Lead cross-team programs, manage risks and dependencies.",
                              "Own the API roadmap and product strategy."],
                  "Site": ["Seattle, WA", "Remote"]}).to_csv(path, index=False)
    assert detect_format(pd.read_csv(path, nrows=0).columns, kind="postings") == "workday_export"
    df = kit.load_postings(path)  # detected, adapted and enriched with no other edit
    assert list(df["source"].unique()) == ["workday_export"]
    assert set(df["role"]) == {"tpm", "pmt"}
    assert "workday_export" in names("postings")

"""Tests for kit.load.postings.load_postings: the whole read -> ... -> conform pipeline, and its bad-input errors."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pyarrow as pa
import pytest

import kit
from kit.core.errors import DataError
from kit.core.paths import SAMPLE_POSTINGS
from kit.core.schema import POSTINGS_COLUMNS, content_key
from kit.io.readers import ParseWarning

GENERIC_MAPPING = {"title": "Job Title", "description": "Text", "company": "Employer", "location": "Where",
                   "posted_date": "Posted On", "posting_id": "Req"}


def _load(*args, **kwargs) -> tuple[pd.DataFrame, list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = kit.load_postings(*args, **kwargs)
    return df, [w for w in caught if issubclass(w.category, ParseWarning)]


def test_jobspy_end_to_end(fixtures):
    df, caught = _load(fixtures / "jobspy_postings.csv")
    assert list(df.columns[: len(POSTINGS_COLUMNS)]) == list(POSTINGS_COLUMNS)
    assert "locations" in df.columns
    assert len(df) == 5  # two Quillfeather TPM rows are one posting in two cities
    assert len(caught) == 1 and caught[0].message.column == "date_posted"
    by_id = df.set_index("posting_id")
    tpm = by_id.loc["in-2"]
    assert tpm.duplicates == 2 and tpm.locations == "Seattle, WA; Austin, TX"
    assert tpm.description.startswith("About Quillfeather\n\nQuillfeather builds")
    assert "**" not in tpm.description and "[our site]" not in tpm.description
    assert tpm.description_raw.startswith("**About Quillfeather**")
    hourly = by_id.loc["in-3"]
    assert (hourly.salary_min, hourly.salary_max, hourly.salary_basis) == (70 * 2080, 85 * 2080, "stated")
    assert hourly.market == "Remote - US" and bool(hourly.remote) is True
    parsed = by_id.loc["in-4"]
    assert (parsed.salary_min, parsed.salary_max, parsed.salary_currency, parsed.salary_basis) == (
        150000, 210000, "USD", "description")
    assert parsed.market == "SF Bay Area" and parsed.country == "US"
    monthly = by_id.loc["in-5"]
    assert (monthly.salary_min, monthly.salary_currency) == (72000, "GBP") and pd.isna(monthly.posted_date)
    unknown = by_id.loc["in-6"]
    assert unknown.market == "Springfield, ZZ" and pd.isna(unknown.salary_min) and pd.isna(unknown.description_raw)
    assert df.attrs["kit_source_key"] == content_key(df)


def test_linkedin_end_to_end(fixtures):
    df, caught = _load(fixtures / "linkedin_postings.csv")
    assert len(df) == 4 and (df.source == "linkedin").all()
    assert {w.message.column for w in caught} == {"listed_time", "original_listed_time"}
    row = df.set_index("posting_id").loc["3700000002"]
    assert row.salary_min == row.salary_max == 80 * 2080 and row.market == "New York"
    assert df.posted_date.iloc[0] == pd.Timestamp("2024-04-15")


def test_generic_mapping_implies_generic(fixtures):
    df, _ = _load(fixtures / "generic_postings.csv", mapping=GENERIC_MAPPING)
    assert df.posting_id.tolist() == ["R-1", "R-2", "R-3"]
    assert df.market.tolist() == ["Boston", "Remote - Europe", "Toronto"]
    assert "Team" in df.columns  # unmapped columns are kept


def test_dataframe_and_list_sources_dedupe_together(fixtures):
    a = pd.read_csv(fixtures / "jobspy_postings.csv")
    before = a.copy()
    df, _ = _load([a, fixtures / "jobspy_postings.csv"])
    pd.testing.assert_frame_equal(a, before)  # the caller's frame is untouched
    assert len(df) == 5 and df.set_index("posting_id").loc["in-2", "duplicates"] == 4
    assert df.posting_id.is_unique


def test_same_ids_different_text_stay_distinct():
    a = pd.DataFrame({"posting_id": ["1"], "title": ["TPM"], "description": ["Ship the release train."]})
    b = pd.DataFrame({"posting_id": ["1"], "title": ["PM"], "description": ["Own the product roadmap."]})
    df, _ = _load([a, b])
    assert df.posting_id.tolist() == ["1", "1#2"]


def test_kit_format_round_trip(fixtures, tmp_path):
    df, _ = _load(fixtures / "jobspy_postings.csv")
    df.to_csv(tmp_path / "kit.csv", index=False)
    again, _ = _load(tmp_path / "kit.csv")
    assert len(again) == len(df)
    assert again.set_index("posting_id").loc["in-2", "duplicates"] == 2
    assert again.salary_min.tolist() == df.salary_min.tolist()  # already annual: not annualized twice
    assert again.market.tolist() == df.market.tolist()


def test_rows_without_title_are_skipped_with_one_warning():
    frame = pd.DataFrame({"title": ["TPM", None, " "], "description": ["a", "b", "c"]})
    df, caught = _load(frame)
    assert len(df) == 1 and len(caught) == 1 and caught[0].message.count == 2


def test_zero_rows_left_raises():
    frame = pd.DataFrame({"title": [None, None], "description": ["a", "b"]})
    with pytest.raises(DataError, match="no postings left"):
        _load(frame)


def test_missing_required_column_names_file_and_fix(fixtures):
    with pytest.raises(DataError) as info:
        kit.load_postings(fixtures / "bad_missing_title.csv")
    msg = str(info.value)
    assert "bad_missing_title.csv" in msg and "'title'" in msg and "mapping=" in msg
    assert "columns found: 'company', 'description', 'location'" in msg


def test_pay_table_is_refused(fixtures):
    with pytest.raises(DataError, match="looks like a pay table.*load_pay"):
        kit.load_postings(fixtures / "levels_salaries.csv")


def test_unknown_format_keyword(fixtures):
    with pytest.raises(DataError, match="unknown postings format 'monster'"):
        kit.load_postings(fixtures / "jobspy_postings.csv", format="monster")


@pytest.mark.parametrize("name", ["bad_empty.csv", "bad_header_only.csv", "bad_binary.csv", "nope.csv"])
def test_bad_files(fixtures, name):
    with pytest.raises(DataError, match=name):
        kit.load_postings(fixtures / name)


def test_wrong_encoding_loads_with_warning(fixtures):
    df, caught = _load(fixtures / "bad_cp1252.csv")
    assert df.company.iloc[0] == "Café Numérique" and df.market.iloc[0] == "Paris"
    assert any("cp1252" in str(w.message) for w in caught)


@pytest.mark.skipif(not SAMPLE_POSTINGS.exists(), reason="bundled sample not generated yet")
def test_default_loads_bundled_sample():
    df, _ = _load()
    assert len(df) >= 3000 and df.company.nunique() >= 15
    assert df.market.notna().all() and df.posting_id.is_unique


def test_unknown_columns_explain_the_mapping(fixtures):
    with pytest.raises(DataError) as info:
        kit.load_postings(fixtures / "bad_unknown.csv")
    msg = str(info.value)
    assert "bad_unknown.csv" in msg and "columns found: 'alpha', 'beta', 'gamma'" in msg
    assert 'mapping={"title": "<your title column>", "description": "<your description column>"}' in msg


def test_remote_flag_filled_from_location_only_when_missing():
    frame = pd.DataFrame({"title": ["TPM", "PM", "TPM"], "description": ["a", "b", "c"],
                          "location": ["Remote - US", "Seattle, WA", "Remote (US)"],
                          "remote": [None, None, "false"]})
    df, _ = _load(frame, format="generic")
    assert df.remote.iloc[0] == True  # noqa: E712
    assert pd.isna(df.remote.iloc[1]) and df.remote.iloc[2] == False  # noqa: E712


def test_content_key_tracks_values_boundaries_and_slices():
    df = pd.DataFrame({"posting_id": ["a", "b", "c"], "title": ["x", "y", None], "description": ["ab", "c", "d"]})
    key = content_key(df)
    assert content_key(df.iloc[1:]) == content_key(df.iloc[1:].reset_index(drop=True).copy())
    assert content_key(df.iloc[1:]) != key
    assert content_key(df.assign(description=["a", "bc", "d"])) != key  # same bytes, other boundaries
    assert content_key(df.assign(title=["x", "y", ""])) != key
    assert content_key(df.astype(object)) == key


# --- saved tables: the fast path -------------------------------------------------------------------------------------
def _spy_full_pipeline(monkeypatch) -> list[object]:
    """Record every call of the full pipeline (``read_postings``) that ``load_postings`` makes."""
    import kit.load.postings as postings

    calls: list[object] = []
    real = postings.read_postings

    def spy(source, **kwargs):
        calls.append(source)
        return real(source, **kwargs)

    monkeypatch.setattr(postings, "read_postings", spy)
    return calls


def test_saved_table_is_read_as_stored_and_equals_the_full_pipeline(fixtures, tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    from kit.io.readers import KIT_PARQUET_KEY
    from kit.load.postings import read_postings, save_postings

    df, _ = _load([fixtures / "jobspy_postings.csv", fixtures / "linkedin_postings.csv"])
    path = save_postings(df, tmp_path / "sub" / "saved.parquet")
    assert path.exists() and [p.name for p in path.parent.iterdir()] == ["saved.parquet"]  # no temp file left
    mark = json.loads(pq.read_schema(path).metadata[KIT_PARQUET_KEY])
    assert mark["kit_version"] == kit.__version__ and mark["attrs"]["kit_source_key"] == df.attrs["kit_source_key"]
    full = read_postings(path).frame  # the whole pipeline on the saved file
    calls = _spy_full_pipeline(monkeypatch)
    fast, caught = _load(path)
    assert calls == [] and caught == []
    pd.testing.assert_frame_equal(fast, full)
    pd.testing.assert_frame_equal(fast, df)
    assert fast.attrs["kit_source_key"] == full.attrs["kit_source_key"] == df.attrs["kit_source_key"]


def test_saved_selection_gets_its_own_key(fixtures, tmp_path):
    from kit.load.postings import read_postings, save_postings

    df, _ = _load(fixtures / "jobspy_postings.csv")
    part = df.iloc[[3, 1]]
    fast = kit.load_postings(save_postings(part, tmp_path / "part.parquet"))
    full = read_postings(tmp_path / "part.parquet").frame
    pd.testing.assert_frame_equal(fast, full)
    assert fast.attrs["kit_source_key"] == full.attrs["kit_source_key"] != df.attrs["kit_source_key"]


@pytest.mark.parametrize("change", ["rule file edited", "other kit version", "plain parquet", "rows edited",
                                    "format given", "mapping given"])
def test_stale_or_foreign_files_run_the_full_pipeline(fixtures, tmp_path, monkeypatch, change):
    import pyarrow.parquet as pq

    import kit.load.postings as postings

    rules = tmp_path / "rules.yaml"
    rules.write_text("a: 1\n")
    monkeypatch.setattr(postings, "PIPELINE_FILES", (*postings.PIPELINE_FILES, rules))
    df, _ = _load(fixtures / "jobspy_postings.csv")
    path = tmp_path / "saved.parquet"
    postings.save_postings(df, path)
    kwargs = {}
    if change == "rule file edited":
        rules.write_text("a: 2\n")
    elif change == "other kit version":
        monkeypatch.setattr(kit._version, "__version__", "0.0.0-other")
    elif change == "plain parquet":  # a user's own kit-format file
        df.to_parquet(path, index=False)
    elif change == "rows edited":  # rewritten with the kit's mark kept, but other text
        table = pq.read_table(path)
        text = table.column("description").to_pylist()
        table = table.set_column(table.schema.get_field_index("description"), "description",
                                 pa.array(["Edited. " + t for t in text], type=table.schema.field("description").type))
        pq.write_table(table, path)
    elif change == "format given":
        kwargs = {"format": "generic"}
    else:
        kwargs = {"mapping": {"title": "title", "description": "description"}}
    calls = _spy_full_pipeline(monkeypatch)
    got, _ = _load(path, **kwargs)
    assert calls == [path]
    assert got.attrs["kit_source_key"] == content_key(got)
    if change == "rows edited":
        assert got.description.str.startswith("Edited. ").all()
    else:
        assert got.posting_id.tolist() == df.posting_id.tolist()


def test_interrupted_save_keeps_the_old_file(fixtures, tmp_path, monkeypatch):
    import os

    from kit.load.postings import save_postings

    df, _ = _load(fixtures / "jobspy_postings.csv")
    path = tmp_path / "saved.parquet"
    path.write_bytes(b"old")

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        save_postings(df, path)
    assert path.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["saved.parquet"]


def test_every_module_the_load_runs_is_a_pipeline_file():
    """A saved table is re-used only while PIPELINE_FILES are unchanged: every module a load runs must be listed."""
    import subprocess
    import sys

    code = (
        "import sys, kit\nfrom pathlib import Path\nfrom kit.load.postings import PIPELINE_FILES\n"
        "kit.load_postings()\nlisted = {Path(p).resolve() for p in PIPELINE_FILES}\n"
        "for name, m in sorted(sys.modules.items()):\n"
        "    if name.startswith(('kit.prepare', 'kit.io', 'kit.load')) and getattr(m, '__file__', None):\n"
        "        f = Path(m.__file__).resolve()\n"
        "        if f not in listed and f.name != '__init__.py':\n"
        "            print(name)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == [], f"modules run by load_postings but missing from PIPELINE_FILES: {out}"

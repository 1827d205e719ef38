"""Tests for kit.io.readers: file types, encodings, format detection, value parsing, bad input."""

from __future__ import annotations

import builtins
import hashlib

import pandas as pd
import pytest

from kit.core.errors import DataError
from kit.io.formats import detect_format
from kit.io.readers import ParseWarning, read_source, to_date, to_number


def test_read_csv_gz_parquet_jsonl_xlsx_agree(fixtures, tmp_path):
    base = read_source(fixtures / "generic_postings.csv")
    base.to_csv(tmp_path / "g.csv.gz", index=False)
    base.to_parquet(tmp_path / "g.parquet", index=False)
    base.to_json(tmp_path / "g.jsonl", orient="records", lines=True)
    base.to_excel(tmp_path / "g.xlsx", index=False)
    base.to_csv(tmp_path / "g.tsv", sep="\t", index=False)
    for name in ("g.csv.gz", "g.parquet", "g.jsonl", "g.xlsx", "g.tsv"):
        got = read_source(tmp_path / name)
        assert list(got.columns) == list(base.columns), name
        assert got["Job Title"].tolist() == base["Job Title"].tolist(), name


def test_read_dataframe_is_not_modified(fixtures):
    df = pd.read_csv(fixtures / "generic_postings.csv")
    before = df.copy()
    out = read_source(df)
    out.loc[0, "Job Title"] = "changed"
    pd.testing.assert_frame_equal(df, before)


def test_source_file_never_modified(fixtures):
    path = fixtures / "bad_cp1252.csv"
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.warns(ParseWarning):
        read_source(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def test_cp1252_fallback_warns_and_decodes(fixtures):
    with pytest.warns(ParseWarning, match="not valid UTF-8; read as cp1252"):
        df = read_source(fixtures / "bad_cp1252.csv")
    assert df.loc[0, "company"] == "Café Numérique"
    assert "–" in df.loc[0, "description"]


def test_utf8_bom_and_utf16(tmp_path):
    (tmp_path / "bom.csv").write_bytes("\ufefftitle,description\nTPM,x\n".encode())
    assert list(read_source(tmp_path / "bom.csv").columns) == ["title", "description"]
    (tmp_path / "u16.csv").write_bytes("title,description\nTPM,é\n".encode("utf-16"))
    assert read_source(tmp_path / "u16.csv").loc[0, "description"] == "é"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("bad_empty.csv", "file is empty"),
        ("bad_header_only.csv", "no data rows"),
        ("bad_binary.csv", "not a text file"),
        ("does_not_exist.csv", "file not found"),
    ],
)
def test_bad_files_raise_data_error(fixtures, name, message):
    with pytest.raises(DataError, match=message) as info:
        read_source(fixtures / name)
    assert name in str(info.value)


def test_folder_and_unsupported_type(tmp_path):
    with pytest.raises(DataError, match="is a folder"):
        read_source(tmp_path)
    (tmp_path / "x.pdf").write_bytes(b"%PDF-1.4")
    with pytest.raises(DataError, match="unsupported file type '.pdf'"):
        read_source(tmp_path / "x.pdf")


def test_corrupt_gzip_and_parquet(tmp_path):
    (tmp_path / "x.csv.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(DataError, match="x.csv.gz"):
        read_source(tmp_path / "x.csv.gz")
    (tmp_path / "x.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(DataError, match="cannot be read as parquet"):
        read_source(tmp_path / "x.parquet")


def test_malformed_csv(tmp_path):
    (tmp_path / "m.csv").write_text('title,description\n"unclosed,quote\nx,y,z,w\n')
    with pytest.raises(DataError, match="m.csv"):
        read_source(tmp_path / "m.csv")


def test_xlsx_without_openpyxl(tmp_path, monkeypatch):
    pd.DataFrame({"title": ["x"], "description": ["y"]}).to_excel(tmp_path / "x.xlsx", index=False)
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name in ("openpyxl", "python_calamine"):
            raise ImportError("No module named 'openpyxl'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(DataError, match="openpyxl"):
        read_source(tmp_path / "x.xlsx")


@pytest.mark.parametrize(
    ("fixture", "kind", "expected"),
    [
        ("jobspy_postings.csv", "postings", "jobspy"),
        ("linkedin_postings.csv", "postings", "linkedin"),
        ("levels_salaries.csv", "pay", "levels"),
        ("lca_fy2021.csv", "pay", "lca"),
        ("lca_fy2017.csv", "pay", "lca"),
        ("lca_fy2013.csv", "pay", "lca"),
        ("jobspy_postings.csv", "auto", "jobspy"),
        ("lca_fy2013.csv", "auto", "lca"),
        ("generic_postings.csv", "postings", None),
        ("bad_unknown.csv", "auto", None),
        ("levels_salaries.csv", "postings", None),
    ],
)
def test_detect_format(fixtures, fixture, kind, expected):
    cols = pd.read_csv(fixtures / fixture, nrows=0).columns
    assert detect_format(cols, kind=kind) == expected


def test_detect_kit_formats():
    assert detect_format(["posting_id", "company", "title", "description", "posted_date"], kind="postings") == "kit"
    assert detect_format(["company", "title", "level", "total", "base"], kind="pay") == "kit"
    assert detect_format(["company", "title", "level", "total"], kind="auto") == "kit_pay"


def test_to_number_counts_bad_values_once():
    s = pd.Series(["120000", "$95,500.50", " 7 ", "n/a", "", None, "abc", "12x"])
    with pytest.warns(ParseWarning, match="2 value") as rec:
        out = to_number(s, label="f.csv", column="wage")
    assert len(rec) == 1 and rec[0].message.count == 2 and rec[0].message.column == "wage"
    assert out.tolist()[:3] == [120000, 95500.5, 7]
    assert out.iloc[3:].isna().all()


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["2024-03-01"], "2024-03-01"),
        (["2024-03-01T10:00:00Z"], "2024-03-01 10:00:00"),
        (["6/11/2017 14:53:57"], "2017-06-11 14:53:57"),
        (["10/01/2012"], "2012-10-01"),
    ],
)
def test_to_date_formats(values, expected):
    assert to_date(pd.Series(values), label="f", column="d").iloc[0] == pd.Timestamp(expected)


def test_to_date_epoch_ms_and_bad_values():
    out = to_date(pd.Series(["1713139200000.0", None]), label="f", column="t", unit="ms")
    assert out.iloc[0] == pd.Timestamp("2024-04-15") and pd.isna(out.iloc[1])
    with pytest.warns(ParseWarning, match="1 value"):
        bad = to_date(pd.Series(["2024-01-01", "not a date", None]), label="f", column="d")
    assert str(bad.dtype) == "datetime64[ns]" and pd.isna(bad.iloc[1])


# --- shared by both loaders -----------------------------------------------------------------------------------------
def _adapt(src):
    frame = pd.DataFrame({"x": [src] * 2}, index=[7, 9])
    return frame, f"info {src}"


def test_adapt_sources_concatenates_with_a_fresh_index(tmp_path):
    from kit.io.readers import adapt_sources

    df, infos = adapt_sources(["a", "b"], sample=tmp_path / "unused.csv", adapt=_adapt)
    assert df["x"].tolist() == ["a", "a", "b", "b"] and list(df.index) == [0, 1, 2, 3]
    assert infos == ["info a", "info b"]
    one, infos = adapt_sources("c", sample=tmp_path / "unused.csv", adapt=_adapt)
    assert list(one.index) == [0, 1] and infos == ["info c"]
    sample = tmp_path / "sample.csv"
    sample.write_text("x\n1\n")
    _, infos = adapt_sources(None, sample=sample, adapt=_adapt)
    assert infos == [f"info {sample}"]


@pytest.mark.parametrize(("source", "message"), [(None, "the bundled sample is missing.*kit generate"),
                                                 ([], "no sources given")])
def test_adapt_sources_errors(tmp_path, source, message):
    from kit.io.readers import adapt_sources

    with pytest.raises(DataError, match=message):
        adapt_sources(source, sample=tmp_path / "missing.csv", adapt=_adapt)


def test_kit_parquet_is_recognised_only_when_it_matches(tmp_path):
    from kit.io.readers import read_kit_parquet, write_kit_parquet

    rules = tmp_path / "rules.yaml"
    rules.write_text("a: 1\n")
    df = pd.DataFrame({"title": pd.Series(["TPM", None], dtype="string"), "n": pd.Series([1, None], dtype="Int64")})
    df.attrs["dropped"] = "not written"
    path = write_kit_parquet(df, tmp_path / "t.parquet", table="postings", files=[rules], attrs={"k": "v"})
    got, attrs = read_kit_parquet(path, table="postings", files=[rules])
    pd.testing.assert_frame_equal(got, df)
    assert attrs == {"k": "v"} and got.attrs == {}
    assert read_kit_parquet(str(path), table="postings", files=[rules]) is not None
    assert read_kit_parquet(path, table="pay", files=[rules]) is None
    assert read_kit_parquet(path, table="postings", files=[rules, tmp_path / "other.yaml"]) is None
    plain = write_kit_parquet(df, tmp_path / "p.parquet", table="postings", files=None)
    assert read_kit_parquet(plain, table="postings", files=[rules]) is None
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 not really")
    df.to_csv(tmp_path / "t.csv", index=False)
    for other in (df, tmp_path / "t.csv", tmp_path / "broken.parquet", tmp_path / "missing.parquet", [path]):
        assert read_kit_parquet(other, table="postings", files=[rules]) is None
    rules.write_text("a: 2\n")
    assert read_kit_parquet(path, table="postings", files=[rules]) is None


# --- the kit's editable YAML data files: one clear error wherever a broken file is read --------------------------
def _yaml_loaders():
    from kit.analysis import claims
    from kit.analysis import storyfit as fit
    from kit.index import lexicon
    from kit.prepare import roles, titles
    from kit.sample import synthetic

    return {
        "claims": lambda p: claims.load_claims(p),
        "story signals": lambda p: fit._signals(str(p)),
        "lexicon": lambda p: lexicon.load_lexicon(p),
        "role signals": lambda p: roles.load_signals(p),
        "title rules": lambda p: titles.load_title_rules(p),
        "generator templates": lambda p: synthetic.load_templates(p),
    }


@pytest.mark.parametrize("what", ["claims", "story signals", "lexicon", "role signals", "title rules",
                                  "generator templates"])
@pytest.mark.parametrize(("text", "message"), [
    ("themes: [\n  - id: x\n", "not valid YAML"),
    ("- just\n- a list\n", "not a mapping"),
])
def test_broken_data_files_raise_one_clear_data_error(tmp_path, what, text, message):
    path = tmp_path / f"{what.replace(' ', '_')}.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as err:
        _yaml_loaders()[what](path)
    assert str(path) in str(err.value) and message in str(err.value) and what in str(err.value)


def test_missing_data_file_names_it(tmp_path):
    from kit.core.datafiles import read_yaml

    with pytest.raises(DataError, match=r"nope.yaml: title rules: cannot read the file .*Restore the file from git"):
        read_yaml(tmp_path / "nope.yaml", what="title rules")

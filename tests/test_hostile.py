"""Hostile input: every bad file, value and argument ends in a clear error or a flagged value (issue 14).

Generated cases (hypothesis, derandomized; counts are ``max_examples``):

* random bytes under every file suffix -> load_postings, load_pay, load_levels (3 x 40);
* random column subsets / permutations of a JobSpy file, with random extreme values -> load_postings (40);
* extreme numbers and dates in salary, wage and date columns -> load_postings, load_pay (40 + 30);
* random markup descriptions -> load_postings, each within the time bound (25);
* random bytes and encodings -> ``kit validate`` and ``kit fit`` through the CLI (20 + 15);

plus the hand-written cases of the issue, one test each. For every case: a ``KitError`` (API) or ONE line on
stderr with a non-zero exit and no traceback (CLI), within a time bound; the input file unchanged; no temp file
left beside it.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
import warnings
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kit
from kit.cli import cli
from kit.core.errors import DataError, KitError, SelectionError
from kit.core.text_safety import printable
from kit.io.readers import ParseWarning
from kit.prepare.levels import load_levels

# warnings are the flagged values this suite provokes; the tests that check one use pytest.warns
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

TIME_BOUND = 60.0  # seconds per case: generous (a shared, loaded machine); hangs are still caught
SETTINGS = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

JOBSPY_COLUMNS = ["id", "site", "job_url", "title", "company", "location", "date_posted", "job_type", "interval",
                  "min_amount", "max_amount", "currency", "is_remote", "description"]
SUFFIXES = [".csv", ".csv.gz", ".tsv", ".jsonl", ".json", ".parquet", ".xlsx", ".txt", ""]


def within(fn, *, seconds: float = TIME_BOUND):
    """Run ``fn`` in a thread; fail when it takes longer than ``seconds`` (a hang), else return or raise its outcome."""
    box: dict[str, object] = {}

    def target():
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            box["error"] = exc

    th = threading.Thread(target=target, daemon=True)
    th.start()
    th.join(seconds)
    assert not th.is_alive(), f"did not finish within {seconds} s"
    if "error" in box:
        raise box["error"]
    return box.get("value")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "<not a file>"


def assert_kit_outcome(load, path: Path):
    """``load(path)`` returns or raises a KitError (nothing else), in time, leaving the file and its folder alone."""
    before, siblings = _digest(path), set(path.parent.iterdir())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = within(lambda: load(path))
        except KitError as exc:
            assert "\n" not in str(exc), f"multi-line error: {exc!r}"
            result = exc
    assert _digest(path) == before, "the input file was modified"
    assert set(path.parent.iterdir()) == siblings, "files left beside the input"
    return result


def assert_cli_outcome(args: list[str], inputs: list[Path]):
    """The CLI exits non-zero with one ``error:`` line and no traceback, or succeeds; inputs unchanged."""
    before = {p: _digest(p) for p in inputs}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a user sees warnings on stderr; this suite's test config makes them errors
        result = within(lambda: CliRunner().invoke(cli, args))
    assert {p: _digest(p) for p in inputs} == before
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if result.exit_code != 0:
        errors = [ln for ln in result.stderr.splitlines() if ln.startswith("error")]
        assert len(errors) == 1 and errors[0].startswith("error: "), result.stderr  # progress lines aside
        assert "Traceback" not in result.output
    return result


LOADERS = {"postings": kit.load_postings, "pay": kit.load_pay, "levels": load_levels}


# --- generated: random bytes -------------------------------------------------------------------------------------
@pytest.mark.parametrize("loader", list(LOADERS))
@SETTINGS
@given(data=st.binary(min_size=0, max_size=3000), suffix=st.sampled_from(SUFFIXES),
       gz=st.booleans())
def test_random_bytes(tmp_path_factory, loader, data, suffix, gz):
    folder = tmp_path_factory.mktemp("bytes")
    path = folder / f"input{suffix}"
    path.write_bytes(gzip.compress(data)[: max(10, len(data) // 2)] if gz and suffix.endswith(".gz") else data)
    assert_kit_outcome(LOADERS[loader], path)


# --- generated: column subsets and permutations, extreme values --------------------------------------------------
EXTREME = st.one_of(
    st.sampled_from(["inf", "-inf", "nan", "1e309", "-5", "1e306", "0", "", "9999-12-31", "0001-01-01",
                     "2025-13-45", "1e6", "per sprint", "\x1b]0;x\x07", "\u202eevil", "<!--", '"', "'", ";"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-10**20, max_value=10**20).map(str),
    st.text(max_size=30),
)


@SETTINGS
@given(columns=st.lists(st.sampled_from(JOBSPY_COLUMNS), min_size=1, max_size=len(JOBSPY_COLUMNS), unique=True),
       rows=st.lists(st.lists(EXTREME, min_size=len(JOBSPY_COLUMNS), max_size=len(JOBSPY_COLUMNS)),
                     min_size=1, max_size=4))
def test_column_subsets_with_extreme_values(tmp_path_factory, columns, rows):
    path = tmp_path_factory.mktemp("cols") / "postings.csv"
    pd.DataFrame([r[: len(columns)] for r in rows], columns=columns).to_csv(path, index=False)
    out = assert_kit_outcome(kit.load_postings, path)
    if isinstance(out, pd.DataFrame):
        for col in ("salary_min", "salary_max"):
            v = out[col].dropna()
            assert ((v >= 1000) & (v <= 20_000_000)).all(), v.tolist()
        d = out["posted_date"].dropna()
        assert ((d >= pd.Timestamp("1990-01-01")) & (d <= pd.Timestamp("2101-01-01"))).all()


@SETTINGS
@given(amount=EXTREME, interval=st.sampled_from(["hourly", "yearly", "monthly", "per sprint", "", "HOUR", "weird"]),
       date=EXTREME)
def test_extreme_posting_values(tmp_path_factory, amount, interval, date):
    path = tmp_path_factory.mktemp("vals") / "postings.csv"
    row = {"title": "Technical Program Manager", "description": "Lead programs.", "company": "Acme",
           "site": "indeed", "job_url": "u", "date_posted": date, "interval": interval, "min_amount": amount,
           "max_amount": amount}
    pd.DataFrame([row]).to_csv(path, index=False)
    out = assert_kit_outcome(kit.load_postings, path)
    assert isinstance(out, pd.DataFrame)  # values are flagged, never fatal
    v = out["salary_min"].dropna()
    assert ((v >= 1000) & (v <= 20_000_000)).all()


@settings(SETTINGS, max_examples=30)
@given(total=EXTREME, base=EXTREME, stamp=EXTREME, wage=EXTREME, unit=st.sampled_from(["Hour", "Year", "Sprint", ""]))
def test_extreme_pay_values(tmp_path_factory, total, base, stamp, wage, unit):
    folder = tmp_path_factory.mktemp("pay")
    levels = folder / "levels.csv"
    pd.DataFrame([{"timestamp": stamp, "company": "Acme", "level": "L5", "title": "Product Manager",
                   "totalyearlycompensation": total, "basesalary": base, "stockgrantvalue": "0", "bonus": "0"}]
                 ).to_csv(levels, index=False)
    lca = folder / "lca.csv"
    pd.DataFrame([{"CASE_NUMBER": "I-1", "CASE_STATUS": "Certified", "EMPLOYER_NAME": "Acme",
                   "JOB_TITLE": "Technical Program Manager", "WAGE_RATE_OF_PAY_FROM": wage, "WAGE_UNIT_OF_PAY": unit,
                   "WORKSITE_CITY": "Seattle", "WORKSITE_STATE": "WA"}]).to_csv(lca, index=False)
    for path in (levels, lca):
        out = assert_kit_outcome(kit.load_pay, path)
        if isinstance(out, pd.DataFrame):
            v = out["total"].dropna()
            assert ((v >= 1000) & (v <= 20_000_000)).all(), v.tolist()


MARKUP = st.lists(st.sampled_from(["<!--", "-->", "<script>", "</script>", "<style>", "<div>", "</div>", "<a href=",
                                   ">", "<", "**", "__", "*", "_", "[", "](", ")", "&amp;", "&#x", "\n", " ", "x",
                                   "<li>", "<br", "\\", "#"]), max_size=400).map("".join)


@settings(SETTINGS, max_examples=25)
@given(description=MARKUP, repeat=st.sampled_from([1, 50, 500]))
def test_random_markup_is_cleaned_in_time(tmp_path_factory, description, repeat):
    path = tmp_path_factory.mktemp("markup") / "postings.csv"
    pd.DataFrame([{"title": "Technical Product Manager <b>x</b>", "description": description * repeat}]).to_csv(
        path, index=False)
    assert_kit_outcome(kit.load_postings, path)


# --- generated: the CLI ------------------------------------------------------------------------------------------
@settings(SETTINGS, max_examples=20)
@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".csv", ".jsonl", ".xlsx", ".parquet", ".csv.gz"]))
def test_cli_validate_random_bytes(tmp_path_factory, data, suffix):
    path = tmp_path_factory.mktemp("cli") / f"input{suffix}"
    path.write_bytes(data)
    assert_cli_outcome(["validate", str(path)], [path])


@settings(SETTINGS, max_examples=15)
@given(text=st.text(max_size=500), encoding=st.sampled_from(["utf-8", "utf-16", "utf-16-le", "utf-16-be", "cp1252",
                                                             "latin-1"]))
def test_cli_fit_random_stories(tmp_path_factory, fixtures, text, encoding):
    path = tmp_path_factory.mktemp("fit") / "stories.txt"
    path.write_bytes(text.encode(encoding, errors="replace"))
    assert_cli_outcome(["fit", str(path), "--postings", str(fixtures / "jobspy_postings.csv")], [path])


# --- the cases of the issue, one test each -----------------------------------------------------------------------
def _csv(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


POSTINGS_HEADER = "title,description,company,date_posted,min_amount,max_amount,interval,site,job_url\n"


def test_dates_outside_pandas_range_become_missing_with_one_warning(tmp_path):
    path = _csv(tmp_path, "p.csv", POSTINGS_HEADER + "TPM,Lead,Acme,9999-12-31,,,,indeed,u\n"
                "TPM,Lead,Beta,0001-01-01,,,,indeed,u2\nTPM,Lead,Gamma,2025-01-02,,,,indeed,u3\n")
    with pytest.warns(ParseWarning, match=r"2 value\(s\).*between 1990-01-01 and 2100-12-31"):
        df = kit.load_postings(path)
    assert df["posted_date"].notna().sum() == 1


def test_levels_timestamp_of_year_one(tmp_path):
    path = _csv(tmp_path, "l.csv", "timestamp,company,level,title,totalyearlycompensation\n"
                "0001-01-01,Acme,L5,Product Manager,200000\n6/11/2017 14:53:57,Acme,L5,Product Manager,210000\n")
    with pytest.warns(ParseWarning, match="timestamp"):
        df = kit.load_pay(path)
    assert df["year"].tolist()[1] == 2017


def test_linkedin_epoch_seconds_and_milliseconds(tmp_path):
    path = _csv(tmp_path, "li.csv", "job_id,company_name,title,description,listed_time,pay_period,max_salary,"
                "min_salary,med_salary,job_posting_url\n1,Acme,TPM,Lead,1713398400,YEARLY,200000,150000,,u\n"
                "2,Acme,PM,Lead,1713398400000,YEARLY,200000,150000,,u2\n3,Acme,X,Lead,5,YEARLY,1,1,,u3\n")
    with pytest.warns(ParseWarning):
        df = kit.load_postings(path)
    dates = df.set_index("posting_id")["posted_date"]
    assert dates["1"] == dates["2"] == pd.Timestamp("2024-04-18")
    assert pd.isna(dates["3"])


@pytest.mark.parametrize(("amount", "interval"), [("inf", "yearly"), ("1e309", "yearly"), ("-120000", "yearly"),
                                                  ("1000000", "hourly"), ("150000", "per sprint")])
def test_implausible_salaries_become_missing(tmp_path, amount, interval):
    path = _csv(tmp_path, "p.csv", POSTINGS_HEADER + f"TPM,Lead,Acme,2025-01-02,{amount},{amount},{interval},i,u\n")
    with pytest.warns(ParseWarning):
        df = kit.load_postings(path)
    assert df["salary_min"].isna().all() and df["salary_max"].isna().all()


def test_lca_wage_1e306_is_not_read_as_1(tmp_path):
    path = _csv(tmp_path, "lca.csv", "CASE_NUMBER,CASE_STATUS,EMPLOYER_NAME,JOB_TITLE,WAGE_RATE_OF_PAY_FROM,"
                "WAGE_UNIT_OF_PAY\nI-1,Certified,Acme,TPM,1e306,Year\nI-2,Certified,Acme,TPM,\"$150,000.00\",Year\n")
    with pytest.warns(ParseWarning, match="WAGE_RATE_OF_PAY_FROM"):
        df = kit.load_pay(path)
    assert df["total"].tolist() == [150000.0]


@pytest.mark.parametrize("kwargs", [{"since": "2025-13-45"}, {"since": "0001-01-01", "until": "9999-12-31"},
                                    {"since": "2025-03-01", "until": "2025-01-01"}, {"company": 123},
                                    {"roles": ["ceo"]}, {"seniority": "overlord"}, {"since": 20250101}])
def test_select_rejects_nonsense(kwargs):
    df = kit.load_postings()
    with pytest.raises(SelectionError) as err:
        kit.select(df, **kwargs)
    msg = str(err.value)
    assert "\n" not in msg and "unique()" not in msg
    if "roles" in kwargs:
        assert "pmt" in msg and "tpm" in msg
    if "seniority" in kwargs:
        assert "senior" in msg


def test_unknown_company_message_speaks_to_people():
    with pytest.raises(SelectionError) as err:
        kit.select(kit.load_postings(), company="Nonexistent Widgets")
    assert "df[" not in str(err.value)


@pytest.mark.parametrize("loader", list(LOADERS))
def test_not_a_path(loader):
    with pytest.raises(DataError, match="not a file"):
        LOADERS[loader](42)


@pytest.mark.parametrize("loader", list(LOADERS))
def test_folder_truncated_gz_and_header_only(tmp_path, loader):
    with pytest.raises(DataError, match="folder"):
        LOADERS[loader](tmp_path)
    gz = tmp_path / "t.csv.gz"
    gz.write_bytes(gzip.compress(b"company,level,ladder,title,description,totalyearlycompensation\n" * 200)[:60])
    with pytest.raises(DataError, match="truncated or corrupt"):
        LOADERS[loader](gz)
    header = _csv(tmp_path, "h.csv", "company,level,ladder,title,description,totalyearlycompensation\n")
    with pytest.raises(DataError, match="no data rows"):
        LOADERS[loader](header)


def test_unreadable_file_without_root_capabilities(tmp_path):
    import os
    import subprocess
    import sys

    path = _csv(tmp_path, "secret.csv", "company,level,ladder\nAcme,L5,senior\n")
    path.chmod(0)
    code = ("import sys; from kit.prepare.levels import load_levels\n"
            "try:\n    load_levels(sys.argv[1])\nexcept Exception as e:\n    print(type(e).__name__, e)\n")
    cmd = [sys.executable, "-c", code, str(path)]
    if os.geteuid() == 0:
        import shutil

        if not shutil.which("capsh"):
            pytest.skip("running as root without capsh: cannot drop the capability to read any file")
        cmd = ["capsh", "--drop=cap_dac_override,cap_dac_read_search", "--", "-c", " ".join(
            f"'{c}'" for c in cmd)]
    out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(
        Path(__file__).resolve().parents[1])}, timeout=60)
    assert out.stdout.startswith("DataError") and "permission denied" in out.stdout, out.stdout + out.stderr


def test_parquet_binary_column(tmp_path):
    path = tmp_path / "b.parquet"
    pd.DataFrame({"title": [b"Technical Program Manager", b"\xff\xfe\x00bad"],
                  "description": [b"Lead programs", b"x"]}).to_parquet(path)
    with pytest.warns(ParseWarning, match="binary"):
        df = kit.load_postings(path)
    assert df["title"].tolist() == ["Technical Program Manager"]
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 0 and "Traceback" not in result.output


def test_semicolon_separated_file_is_read(tmp_path):
    path = _csv(tmp_path, "semi.csv", "title;description;company\nTPM;Lead programs, and more;Acme\n")
    assert kit.load_postings(path)["company"].tolist() == ["Acme"]


def test_utf16_without_bom(tmp_path):
    path = _csv(tmp_path, "u16.csv", "title,description\nTPM,Lead programs – délivery\n", "utf-16-le")
    assert kit.load_postings(path)["description"].tolist() == ["Lead programs – délivery"]


def test_utf16_stories_for_kit_fit(tmp_path, fixtures):
    stories = _csv(tmp_path, "s.txt", "I shipped a launch across five teams and managed the risks.\n", "utf-16")
    result = CliRunner().invoke(cli, ["fit", str(stories)])  # the bundled sample: enough postings to weigh phrases
    assert result.exit_code == 0, result.output


def test_json_array_in_jsonl_and_broken_line_number(tmp_path):
    arr = _csv(tmp_path, "a.jsonl", json.dumps([{"title": "TPM", "description": "Lead"}]))
    assert len(kit.load_postings(arr)) == 1
    broken = _csv(tmp_path, "b.jsonl", '{"title": "TPM", "description": "a"}\n{"title": "PM", "descr\n')
    with pytest.raises(DataError, match="line 2"):
        kit.load_postings(broken)


def test_html_saved_as_csv(tmp_path):
    path = _csv(tmp_path, "page.csv", "<!DOCTYPE html>\n<html><body><table><tr><td>x</td></tr></table></body></html>\n")
    with pytest.raises(DataError, match="web page"):
        kit.load_postings(path)


def test_nul_bytes_anywhere(tmp_path):
    body = "TPM,Lead programs\n" * 5000
    path = _csv(tmp_path, "nul.csv", ("title,description\n" + body + "TP\x00M,late nul\n"))
    with pytest.raises(DataError, match="NUL"):
        kit.load_postings(path)


def test_unbalanced_quote_names_quoting(tmp_path):
    path = _csv(tmp_path, "q.csv", 'title,description,company\n"TPM,Lead,Acme\nPM,Own,Beta\n')
    try:
        df = kit.load_postings(path)
    except DataError as exc:
        assert "quot" in str(exc)
    else:  # read as one swallowed title: at least nothing else was blamed
        assert len(df) <= 1


def test_excel_sheet_two_and_title_row(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    data = book.create_sheet("Postings")
    data.append(["title", "description"])
    data.append(["TPM", "Lead programs"])
    titled = book.create_sheet("Titled")
    titled.append(["Exported postings, March"])
    titled.append(["title", "description"])
    titled.append(["PM", "Own the roadmap"])
    path = tmp_path / "book.xlsx"
    book.save(path)
    with pytest.raises(DataError, match="sheet='<name>'"):
        kit.load_postings(path)
    assert kit.load_postings(path, sheet="Postings")["title"].tolist() == ["TPM"]
    with pytest.raises(DataError, match="header_row="):
        kit.load_postings(path, sheet="Titled")
    assert kit.load_postings(path, sheet="Titled", header_row=2)["title"].tolist() == ["PM"]


def test_excel_formulas_without_saved_values(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["title", "description"])
    ws.append(["=CONCAT(\"T\",\"PM\")", "Lead"])
    ws.append(["PM", "Own"])
    path = tmp_path / "f.xlsx"
    book.save(path)  # openpyxl saves formulas without computed values
    with pytest.warns(ParseWarning, match="formula"):
        kit.load_postings(path)


def test_five_thousand_columns(tmp_path):
    cols = ["title", "description", *[f"c{i}" for i in range(5000)]]
    path = tmp_path / "wide.csv"
    pd.DataFrame([["TPM", "Lead", *range(5000)], ["PM", "Own", *range(5000)]], columns=cols).to_csv(path, index=False)
    assert len(within(lambda: kit.load_postings(path), seconds=60)) == 2


def test_terminal_escapes_are_printable():
    text = printable("Acme\x1b]0;pwned\x07 \u202eevil\x9b")
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text and "\x9b" not in text
    assert "\\x1b" in text and "\\u202e" in text


@pytest.mark.parametrize("args", [["--jobs", "0"], ["--jobs", "-1"], ["--min-postings", "-5"],
                                  ["--since", "2025-03-01", "--until", "2025-01-01"],
                                  ["--since", "0001-01-01", "--until", "9999-12-31"], ["--since", "2025-13-45"]])
def test_report_rejects_nonsense_arguments(args):
    result = CliRunner().invoke(cli, ["report", *args])
    assert result.exit_code == 2
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("content", [b"\x00\x01binary", b"<html><body>x</body></html>", b"title;x\n"])
def test_report_on_hostile_postings(tmp_path, fixtures, content):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    out = tmp_path / "out"
    assert_cli_outcome(["report", "--postings", str(path), "--notebook", str(fixtures / "report_notebook.ipynb"),
                        "--out", str(out), "--jobs", "1"], [path])
    assert not list(out.glob(".*.tmp*"))


def test_a_frame_with_lone_surrogates_loads_with_a_counted_warning():
    """A DataFrame's str cells may hold lone surrogates (e.g. surrogateescape-decoded bytes): no Arrow string can.

    The text is kept with each such character as U+FFFD, and one warning per column names the column and count.
    """
    df = pd.DataFrame({"title": ["Technical Product Manager", "Program Manager \udc80"],
                       "company": ["Acme", "Acme"],
                       "description": ["Own the API roadmap \ud800 with engineering.", "Drive the schedule."]},
                      dtype=object)
    before = df.copy()
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        out = kit.load_postings(df)
    assert df.equals(before)  # the caller's frame is not modified
    found = {str(w.message).split(":")[1].strip(): w.message for w in seen if isinstance(w.message, ParseWarning)}
    assert "column 'description'" in found and "column 'title'" in found
    assert found["column 'description'"].count == 1
    texts = dict(zip(out["company"] + out["title"], out["description"], strict=True))
    assert "Own the API roadmap \ufffd with engineering." in out["description"].tolist(), texts
    assert "Program Manager \ufffd" in out["title"].tolist()

"""The posting store: raw responses kept as received, partitions with history, reload, failures, the CLI.

Fetches run against a local Greenhouse-speaking server (pytest-httpserver) with the fixture board
tests/fixtures/fetch/greenhouse_jobs_{1,2,3}.json: fetch 2 drops one posting, changes one and adds one;
fetch 3 brings the dropped one back.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
import os
import re

import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import kit
from kit.cli import cli
from kit.core.errors import DataError
from kit.fetch.client import HttpClient
from kit.fetch.run import fetch_boards
from kit.io.store import PostingStore, is_store, merge_history, read_store

BOARD = "greenhouse:northwindcloud"
T = [pd.Timestamp(f"2026-12-0{d} 08:00", tz="UTC") for d in (1, 2, 3, 4)]


@pytest.fixture
def server(httpserver, monkeypatch):
    monkeypatch.setenv("KIT_GREENHOUSE_API", httpserver.url_for("/gh"))
    monkeypatch.setenv("KIT_FETCH_RATE", "0")
    monkeypatch.setenv("KIT_FETCH_BACKOFF", "0")
    return httpserver


@pytest.fixture
def client():
    with HttpClient(rate=0, backoff=0, retries=1, sleep=lambda s: None) as c:
        yield c


def _fetch(server, fixtures, n, store, client, clock):
    server.clear()
    body = (fixtures / "fetch" / f"greenhouse_jobs_{n}.json").read_bytes()
    server.expect_request("/gh/northwindcloud/jobs").respond_with_data(body, content_type="application/json")
    return fetch_boards([BOARD], store=store, client=client, now=lambda: next(clock)), body


def _hashes(root):
    return {p.relative_to(root): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*"))
            if p.is_file()}


def test_history_across_fetches_close_change_new_reopen(server, fixtures, client, tmp_path):
    store, clock = tmp_path / "s", iter(T)
    run1, body1 = _fetch(server, fixtures, 1, store, client, clock)
    assert [(r.fetched, r.new, r.changed, r.closed, r.status) for r in run1.results] == [(4, 4, 0, 0, "ok")]
    raw1 = _hashes(store / "raw")
    run2, _ = _fetch(server, fixtures, 2, store, client, clock)
    assert [(r.fetched, r.new, r.changed, r.closed) for r in run2.results] == [(4, 1, 1, 1)]
    table = read_store(store).set_index("posting_id")
    gone, changed, fresh = (f"{BOARD}:{i}" for i in (4001003, 4001001, 4001005))
    assert table.loc[gone, "closed_at"] == T[1].tz_convert(None)
    assert table.loc[gone, "last_seen"] == T[0].tz_convert(None)
    assert table.loc[changed, "first_seen"] == T[0].tz_convert(None)
    assert table.loc[changed, "last_seen"] == T[1].tz_convert(None)
    assert "seven engineering teams" in table.loc[changed, "description"]  # the latest text, one row
    assert table.loc[fresh, "first_seen"] == T[1].tz_convert(None) and pd.isna(table.loc[fresh, "closed_at"])
    # raw files of the first fetch are untouched, byte for byte; the second fetch added its own
    raw2 = _hashes(store / "raw")
    assert {k: raw2[k] for k in raw1} == raw1 and len(raw2) == len(raw1) + 1
    first_raw = store / "raw" / next(iter(raw1))
    assert gzip.decompress(first_raw.read_bytes()) == body1  # kept exactly as fetched
    run3, _ = _fetch(server, fixtures, 3, store, client, clock)
    assert [(r.new, r.reopened, r.closed) for r in run3.results] == [(0, 1, 0)]
    table = read_store(store)
    assert table["posting_id"].is_unique and len(table) == 5
    back = table.set_index("posting_id").loc[gone]
    assert pd.isna(back["closed_at"]) and back["first_seen"] == T[0].tz_convert(None)
    _, log = PostingStore(store).read_board("greenhouse", "northwindcloud")
    assert [e["new"] for e in log] == [4, 1, 0] and all(e["raw"] for e in log)


def test_load_postings_reads_a_store_with_history_and_open_only(server, fixtures, client, tmp_path):
    store, clock = tmp_path / "s", iter(T)
    _fetch(server, fixtures, 1, store, client, clock)
    _fetch(server, fixtures, 2, store, client, clock)
    df = kit.load_postings(store)
    assert {"board", "first_seen", "last_seen", "closed_at"} <= set(df.columns)
    assert str(df["closed_at"].dtype) == "datetime64[ns]" and set(df["board"]) == {BOARD}
    assert len(df) == 5 and set(df["role"]) >= {"tpm", "pmt", "pm"}
    open_now = kit.select(df, open_only=True)
    assert len(open_now) == 4 and open_now["closed_at"].isna().all()
    assert len(kit.select(df, open_only=True, roles="tpm")) == 2
    again = kit.load_postings(store)  # the store reloads identically
    pd.testing.assert_frame_equal(df, again)
    assert df.attrs["kit_source_key"] == again.attrs["kit_source_key"]


def test_non_store_tables_have_the_history_columns_as_na(fixtures):
    df = kit.load_postings(fixtures / "generic_postings.csv")
    assert df[["board", "first_seen", "last_seen", "closed_at"]].isna().all().all()
    assert len(kit.select(df, open_only=True)) == len(df)


def test_failed_fetch_leaves_the_store_as_it_was(server, fixtures, client, tmp_path):
    store, clock = tmp_path / "s", iter(T)
    _fetch(server, fixtures, 1, store, client, clock)
    before = _hashes(store)
    for response in ("oops", b'{"jobs": [{"id": 1, "title": "x"'):  # 5xx after retries; truncated JSON
        server.clear()
        if response == "oops":
            server.expect_request("/gh/northwindcloud/jobs").respond_with_data(response, status=500)
        else:
            server.expect_request("/gh/northwindcloud/jobs").respond_with_data(response,
                                                                               content_type="application/json")
        run = fetch_boards([BOARD], store=store, client=client, now=lambda: next(clock))
        assert run.failed and run.failed[0].board == BOARD
        assert _hashes(store) == before


def test_interrupted_partition_write_keeps_the_old_partition(server, fixtures, client, tmp_path, monkeypatch):
    store, clock = tmp_path / "s", iter(T)
    _fetch(server, fixtures, 1, store, client, clock)
    part = PostingStore(store).partition("greenhouse", "northwindcloud")
    old = part.read_bytes()

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pq, "write_table", boom)  # the partition write is interrupted half-way
    with pytest.raises(KeyboardInterrupt):
        _fetch(server, fixtures, 2, store, client, clock)
    assert part.read_bytes() == old
    assert not [p for p in part.parent.iterdir() if p.name.endswith(".tmp")]


def test_raw_files_are_never_overwritten(tmp_path):
    s = PostingStore(tmp_path / "s")
    s.write_raw("greenhouse", "acme", T[0], [b"{}"])
    with pytest.raises(FileExistsError):
        s.write_raw("greenhouse", "acme", T[0], [b'{"other": 1}'])
    (only,) = (tmp_path / "s" / "raw" / "greenhouse" / "acme").iterdir()
    assert gzip.decompress(only.read_bytes()) == b"{}"


def test_store_refuses_a_folder_that_is_not_a_store(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(DataError, match="not a posting store"):
        PostingStore(tmp_path / "mine")
    assert not is_store(tmp_path / "mine")
    with pytest.raises(DataError, match="no postings yet"):
        read_store(PostingStore(tmp_path / "empty").root)


def test_merge_history_counts_and_keeps_one_row_per_posting():
    from kit.io.store import raw_frame

    a = raw_frame([{"native_id": "1", "title": "TPM"}, {"native_id": "2", "title": "PM"}], board="b:x", source="b")
    b = raw_frame([{"native_id": "2", "title": "PM, changed"}, {"native_id": "3", "title": "New"}], board="b:x",
                  source="b")
    first = merge_history(None, a, fetched_at=T[0])
    second = merge_history(first.frame, b, fetched_at=T[1])
    assert (second.new, second.changed, second.closed, second.reopened) == (1, 1, 1, 0)
    third = merge_history(second.frame, a, fetched_at=T[2])
    assert (third.new, third.reopened, third.closed) == (0, 1, 1)
    assert third.frame["posting_id"].tolist() == ["b:x:1", "b:x:2", "b:x:3"]


# --- the CLI, as a new user would ----------------------------------------------------------------------------------
def test_cli_fetch_prints_progress_summary_and_fails_nonzero(server, fixtures, tmp_path):
    server.expect_request("/gh/northwindcloud/jobs").respond_with_data(
        (fixtures / "fetch" / "greenhouse_jobs_1.json").read_bytes(), content_type="application/json")
    server.expect_request("/gh/typo/jobs").respond_with_json({"status": 404}, status=404)
    store = tmp_path / "s"
    result = CliRunner().invoke(cli, ["fetch", BOARD, "greenhouse:typo", "--store", str(store)])
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert f"ok     {BOARD}: 4 listed, 4 new" in out
    assert re.search(r"^board\s+fetched\s+new\s+changed\s+closed\s+status\s+time$", out, re.M)
    assert re.search(r"^greenhouse:typo\s+0\s+0\s+0\s+0\s+failed", out, re.M)
    assert "FAILED greenhouse:typo: board not found (HTTP 404" in out
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "greenhouse:typo" in errors[0] and "probably wrong" in errors[0]
    assert len(kit.load_postings(store)) == 4  # the good board is stored


def test_cli_fetch_default_store_is_data_postings_under_cwd(server, fixtures, tmp_path, monkeypatch):
    server.expect_request("/gh/northwindcloud/jobs").respond_with_data(
        (fixtures / "fetch" / "greenhouse_jobs_1.json").read_bytes(), content_type="application/json")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["fetch", BOARD])
    assert result.exit_code == 0, result.output
    assert is_store(tmp_path / "data" / "postings")


@pytest.mark.slow
def test_cli_fetch_then_report_on_the_store(server, fixtures, tmp_path):
    server.expect_request("/gh/northwindcloud/jobs").respond_with_data(
        (fixtures / "fetch" / "greenhouse_jobs_1.json").read_bytes(), content_type="application/json")
    store, out = tmp_path / "s", tmp_path / "reports"
    runner = CliRunner()
    assert runner.invoke(cli, ["fetch", BOARD, "--store", str(store)]).exit_code == 0
    result = runner.invoke(cli, ["report", "--postings", str(store), "--all", "--min-postings", "1", "--jobs", "1",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    html = [p for p in out.glob("*.html") if p.name != "index.html"]
    assert len(html) == 1 and "Northwind Cloud" in html[0].read_text(encoding="utf-8")
    text = html[0].read_text(encoding="utf-8")
    assert "<img src=x onerror" not in text  # the untrusted title reaches the report only escaped / cleaned
    index = json.dumps((out / "index.html").read_text(encoding="utf-8"))
    assert "Northwind Cloud" in index
    assert os.path.exists(out / "index.html") and list(itertools.islice(out.glob("*.ipynb"), 1))


def test_open_by_fetch_counts_open_postings_per_role_and_fetch(server, fixtures, client, tmp_path):
    from kit import charts
    from kit.analysis import history

    store, clock = tmp_path / "s", iter(T)
    for n in (1, 2):
        _fetch(server, fixtures, n, store, client, clock)
    opened = history.open_by_fetch(kit.load_postings(store))
    counts = {role: opened[opened["role"] == role]["n_open"].tolist() for role in ("tpm", "pm", "pmt")}
    assert counts == {"tpm": [1, 2], "pm": [1, 0], "pmt": [1, 1]}  # a TPM added at fetch 2, the PM closed
    _fetch(server, fixtures, 3, store, client, clock)
    opened = history.open_by_fetch(kit.load_postings(store))
    # the PM is reopened at fetch 3; the store keeps one closed_at, so its gap is not remembered
    assert opened[opened["role"] == "pm"]["n_open"].tolist() == [1, 1, 1]
    fig = charts.open_postings_chart(opened)
    assert {t.name for t in fig.data} >= {"TPM", "PM-T"} and fig.layout.title.text.startswith("Open postings")
    assert history.open_by_fetch(kit.load_postings(fixtures / "generic_postings.csv")).empty
    assert not charts.open_postings_chart(history.open_by_fetch(pd.DataFrame())).data


@pytest.mark.slow
def test_fetch_notebook_charts_a_store_built_from_fixtures(server, fixtures, client, tmp_path):
    import nbformat
    import papermill as pm

    from kit.core.paths import NOTEBOOKS_DIR

    store, clock = tmp_path / "s", iter(T)
    for n in (1, 2):
        _fetch(server, fixtures, n, store, client, clock)
    out = tmp_path / "06.ipynb"
    pm.execute_notebook(str(NOTEBOOKS_DIR / "06_fetch.ipynb"), str(out), parameters={"store": str(store)},
                        kernel_name="python3", cwd=str(tmp_path), progress_bar=False)
    outputs = [o for c in nbformat.read(out, as_version=4).cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = json.dumps([o.get("data", {}) for o in outputs])
    assert "Northwind Cloud" in text and "Open postings per role" in text and "TPM" in text

"""kit fetch: the HTTP client, the sources against a local server speaking each API, the JobSpy path.

The server is pytest-httpserver on 127.0.0.1, serving fixture files written in each API's documented shape
(tests/fixtures/fetch/). Nothing here reaches the internet.
"""

from __future__ import annotations

import json
import sys
import types

import pandas as pd
import pytest
from werkzeug import Response

import kit
from kit.core.errors import DataError, KitError
from kit.fetch.boards import load_boards, parse_board
from kit.fetch.client import FetchError, HttpClient, retry_after_seconds, user_agent
from kit.fetch.run import fetch_boards, fetch_postings, printable
from kit.fetch.sources import SOURCES, LeverSource
from kit.io.readers import ParseWarning


@pytest.fixture
def fetch_fixtures(fixtures):
    return fixtures / "fetch"


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(sleeps):
    with HttpClient(rate=0, backoff=0.01, retries=3, sleep=sleeps.append) as c:
        yield c


@pytest.fixture
def apis(httpserver, monkeypatch):
    base = httpserver.url_for("")
    monkeypatch.setenv("KIT_GREENHOUSE_API", base + "gh")
    monkeypatch.setenv("KIT_LEVER_API", base + "lever")
    monkeypatch.setenv("KIT_LEVER_EU_API", base + "lever-eu")
    monkeypatch.setenv("KIT_ASHBY_API", base + "ashby")
    return httpserver


def _serve(server, path, fixture, query=None):
    server.expect_request(path, query_string=query).respond_with_data(fixture.read_bytes(),
                                                                      content_type="application/json")


# --- client ---------------------------------------------------------------------------------------------------------
def test_user_agent_names_the_kit_and_its_version(httpserver, client):
    httpserver.expect_request("/ua").respond_with_json({})
    client.get(httpserver.url_for("/ua"))
    request = httpserver.log[0][0]
    assert request.headers["User-Agent"] == user_agent()
    assert user_agent().startswith(f"swimlanes-kit/{kit.__version__} (+http")


def test_no_cookies_are_kept_or_sent(httpserver, client):
    httpserver.expect_request("/a").respond_with_response(Response("{}", headers={"Set-Cookie": "sid=abc; Path=/"}))
    httpserver.expect_request("/b").respond_with_json({})
    client.get(httpserver.url_for("/a"))
    client.get(httpserver.url_for("/b"))
    assert "Cookie" not in httpserver.log[1][0].headers


def test_429_waits_as_retry_after_says_then_succeeds(httpserver, client, sleeps):
    httpserver.expect_ordered_request("/r").respond_with_response(Response("slow down", status=429,
                                                                           headers={"Retry-After": "3"}))
    httpserver.expect_ordered_request("/r").respond_with_json({"ok": True})
    assert client.get(httpserver.url_for("/r")).json() == {"ok": True}
    assert sleeps == [3.0]


def test_500_then_success_backs_off_exponentially(httpserver, client, sleeps):
    for _ in range(2):
        httpserver.expect_ordered_request("/s").respond_with_data("oops", status=500)
    httpserver.expect_ordered_request("/s").respond_with_json([1])
    assert client.get(httpserver.url_for("/s")).json() == [1]
    assert sleeps == [0.01, 0.02]


def test_5xx_after_retries_fails_with_one_line(httpserver, client):
    httpserver.expect_request("/down").respond_with_data("no", status=503)
    with pytest.raises(FetchError, match=r"HTTP 503 .* after 4 attempt\(s\); .*try again later") as info:
        client.get(httpserver.url_for("/down"))
    assert info.value.status == 503 and len(httpserver.log) == 4


def test_retry_after_longer_than_max_wait_gives_up(httpserver, sleeps):
    httpserver.expect_request("/long").respond_with_response(Response("", status=429, headers={"Retry-After": "999"}))
    with HttpClient(rate=0, max_wait=10, sleep=sleeps.append) as c, pytest.raises(FetchError, match="wait 999 s"):
        c.get(httpserver.url_for("/long"))
    assert sleeps == []


def test_rate_limit_spaces_requests_to_one_host(httpserver, sleeps):
    httpserver.expect_request("/x").respond_with_json({})
    with HttpClient(rate=2, sleep=sleeps.append) as c:
        for _ in range(3):
            c.get(httpserver.url_for("/x"))
    assert len(sleeps) == 2 and all(0 < s <= 0.5 for s in sleeps)


def test_network_down_is_a_fetch_error(client):
    with pytest.raises(FetchError, match="network error .*check your connection"):
        client.get("http://127.0.0.1:9/nothing-listens-here")


@pytest.mark.parametrize(("value", "seconds"), [("7", 7.0), ("0", 0.0), (None, None), ("soon", None),
                                                ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0)])
def test_retry_after_parsing(value, seconds):
    assert retry_after_seconds(value) == seconds


def test_env_rate_is_read(monkeypatch):
    monkeypatch.setenv("KIT_FETCH_RATE", "0")
    with HttpClient() as c:
        assert c.rate == 0
    monkeypatch.setenv("KIT_FETCH_RATE", "fast")
    with pytest.raises(KitError, match="KIT_FETCH_RATE"):
        HttpClient()


# --- board specs -------------------------------------------------------------------------------------------------
def test_board_list_has_40_large_employers_and_parses():
    entries = load_boards()
    assert len(entries) >= 40
    assert len({e.company for e in entries}) == len(entries)
    assert {e.ats for e in entries} <= {"greenhouse", "lever", "lever-eu", "ashby"}
    verified = [e for e in entries if e.verified_on]
    assert verified and all(e.note for e in verified)


def test_company_name_resolves_through_the_board_list():
    board = parse_board("stripe")
    assert (board.kind, board.token, board.company, board.name) == ("greenhouse", "stripe", "Stripe",
                                                                    "greenhouse:stripe")
    assert parse_board("scale ai").token == "scaleai"


def test_unknown_company_lists_closest_names_and_how_to_find_a_token():
    with pytest.raises(DataError, match=r"unknown company 'Strype'.*closest: Stripe.*last part of the job-board URL"):
        parse_board("Strype")


@pytest.mark.parametrize("spec", ["workday:acme", "greenhouse:../etc", "greenhouse:"])
def test_bad_specs_are_refused_before_any_request(spec):
    with pytest.raises(DataError):
        parse_board(spec)


def test_jobspy_board_needs_a_search():
    with pytest.raises(DataError, match="--search"):
        parse_board("jobspy")
    board = parse_board("jobspy", search="Technical Program Manager", location="Seattle, WA", sites="indeed")
    assert board.name == "jobspy:technical-program-manager-seattle-wa-indeed"


# --- sources against the local server ------------------------------------------------------------------------------
def test_greenhouse_fetch_decodes_content_uses_pay_and_keeps_titles_as_data(apis, fetch_fixtures, client):
    _serve(apis, "/gh/northwindcloud/jobs", fetch_fixtures / "greenhouse_jobs_1.json", {"content": "true"})
    df = fetch_postings("greenhouse:northwindcloud", client=client)
    assert len(df) == 4
    by_title = df.set_index("title")
    tpm = by_title.loc["Senior Technical Program Manager, Storage"]
    assert tpm["role"] == "tpm" and tpm["company"] == "Northwind Cloud" and tpm["board"] == "greenhouse:northwindcloud"
    assert (tpm["salary_min"], tpm["salary_max"], tpm["salary_currency"]) == (185000, 240000, "USD")
    assert "- Own the program schedule" in tpm["description"] and "&amp;" not in tpm["description"]
    assert "<" not in tpm["description"] and "&lt;" not in tpm["description"]
    assert tpm["posted_date"] == pd.Timestamp("2026-11-02 14:00:00")
    pmt = by_title.loc["Technical Product Manager, Developer Platform"]
    assert pmt["role"] == "pmt" and pd.isna(pmt["salary_min"])  # two different zone ranges: ambiguous, none taken
    assert by_title.loc["Product Manager, Growth", "role"] == "pm"
    assert by_title.loc["Product Manager, Growth", "remote"]
    xss = df[df["posting_id"] == "greenhouse:northwindcloud:4001004"].iloc[0]  # title carried an <img onerror=...>
    assert "onerror" not in xss["title"] and "<" not in xss["title"] and xss["title"].startswith("Program Manager")
    assert "alert(" not in xss["description"]
    assert df.attrs["fetch_summary"][0]["status"] == "ok"


def test_lever_pages_with_skip_and_limit(apis, fetch_fixtures, client, monkeypatch):
    monkeypatch.setattr(LeverSource, "page_size", 2)
    for page, skip in ((1, "0"), (2, "2")):
        _serve(apis, "/lever/contosolabs", fetch_fixtures / f"lever_page_{page}.json",
               {"mode": "json", "skip": skip, "limit": "2"})
    df = fetch_postings("lever:contosolabs", client=client)
    assert len(apis.log) == 2 and len(df) == 3
    t = df.set_index("title")
    tpm = t.loc["Technical Program Manager, Payments"]
    assert (tpm["role"], tpm["remote"], tpm["salary_min"]) == ("tpm", False, 150000)
    assert "Responsibilities" in tpm["description"] and "- Track risks and dependencies" in tpm["description"]
    pmt = t.loc["Technical Product Manager, Data APIs"]
    assert pmt["remote"] and pmt["salary_min"] == 70 * 2080  # per-hour-wage annualized
    assert t.loc["Product Manager", "posted_date"] == pd.Timestamp(1762000000000 + 3 * 86400000, unit="ms")


def test_lever_eu_uses_its_own_base(apis, fetch_fixtures, client):
    _serve(apis, "/lever-eu/contosolabs", fetch_fixtures / "lever_page_2.json")
    df = fetch_postings("lever-eu:contosolabs", client=client)
    assert df["board"].tolist() == ["lever-eu:contosolabs"] and df["source"].tolist() == ["lever"]


def test_ashby_compensation_locations_and_unlisted(apis, fetch_fixtures, client):
    _serve(apis, "/ashby/fabrikam", fetch_fixtures / "ashby_board.json", {"includeCompensation": "true"})
    df = fetch_postings("ashby:fabrikam", client=client).set_index("title")
    assert "Product Manager (unlisted)" not in df.index
    tpm = df.loc["Senior Technical Program Manager"]
    assert (tpm["salary_min"], tpm["salary_max"], tpm["salary_currency"]) == (160000, 200000, "USD")
    assert tpm["locations"] == "New York, NY; Boston, MA" and not tpm["remote"]
    sdk = df.loc["Technical Product Manager, SDKs"]
    assert (sdk["salary_min"], sdk["salary_currency"], sdk["remote"]) == (108000, "EUR", True)  # 1 MONTH x 12


def test_404_says_the_token_is_probably_wrong_and_others_still_run(apis, fetch_fixtures, client):
    apis.expect_request("/gh/nosuchco/jobs").respond_with_json({"status": 404, "error": "Job not found"}, status=404)
    _serve(apis, "/ashby/fabrikam", fetch_fixtures / "ashby_board.json")
    with pytest.warns(Warning, match="token 'nosuchco' is probably wrong"):
        df = fetch_postings(["greenhouse:nosuchco", "ashby:fabrikam"], client=client)
    assert set(df["board"]) == {"ashby:fabrikam"}
    summary = pd.DataFrame(df.attrs["fetch_summary"])
    assert summary["status"].tolist() == ["failed", "ok"]
    assert "boards.greenhouse.io/<token>" in summary["message"].iloc[0]


def test_truncated_json_fails_that_board_only(apis, fetch_fixtures, client):
    body = (fetch_fixtures / "greenhouse_jobs_1.json").read_bytes()
    apis.expect_request("/gh/cut/jobs").respond_with_data(body[: len(body) // 2], content_type="application/json")
    run = fetch_boards(["greenhouse:cut"], client=client)
    assert run.failed[0].message.startswith("greenhouse:cut: the response is not valid JSON")
    assert "truncated" in run.failed[0].message


def test_wrong_shape_is_explained(apis, client):
    apis.expect_request("/gh/odd/jobs").respond_with_json({"hello": "world"})
    run = fetch_boards(["greenhouse:odd"], client=client)
    assert "no 'jobs' list" in run.failed[0].message and "KIT_GREENHOUSE_API" in run.failed[0].message


def test_every_board_failing_raises(apis, client):
    apis.expect_request("/gh/a/jobs").respond_with_data("x", status=404)
    with pytest.warns(Warning), pytest.raises(KitError, match="no board could be fetched"):
        fetch_postings("greenhouse:a", client=client)


def test_printable_strips_escape_sequences_and_bidi():
    assert printable("ok\x1b[31mred\x1b[0m\u202eevil\nline") == "ok[31mred[0mevil line"


# --- JobSpy: only the network call (jobspy.scrape_jobs) is replaced --------------------------------------------------
def test_jobspy_path_uses_the_jobspy_adapter(fixtures, monkeypatch):
    frame = pd.read_csv(fixtures / "jobspy_postings.csv")
    calls = []

    def scrape_jobs(**kwargs):
        calls.append(kwargs)
        return frame

    monkeypatch.setitem(sys.modules, "jobspy", types.SimpleNamespace(scrape_jobs=scrape_jobs))
    with pytest.warns(ParseWarning, match="date_posted"):  # the fixture carries one unreadable date on purpose
        df = fetch_postings("jobspy", search="technical program manager", location="Seattle, WA",
                            sites="indeed,linkedin", results=5)
    assert calls == [{"site_name": ["indeed", "linkedin"], "search_term": "technical program manager",
                      "location": "Seattle, WA", "results_wanted": 5}]
    assert len(df) >= 1 and set(df["source"]) == {"jobspy"}
    assert df["posting_id"].str.startswith("jobspy:technical-program-manager-seattle-wa-indeed-linkedin:").all()
    row = df[df["title"] == "Technical Program Manager"].iloc[0]  # in-1 and in-2 are one posting, merged
    assert (row["company"], row["salary_min"], row["duplicates"], row["role"]) == ("Quillfeather", 140000, 2, "tpm")


def test_jobspy_missing_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "jobspy", None)  # import jobspy -> ImportError
    run = fetch_boards(["jobspy"], search="tpm")
    assert "pip install 'swimlanes-kit[jobspy]'" in run.failed[0].message


def test_every_source_is_registered():
    assert set(SOURCES) == {"greenhouse", "lever", "lever-eu", "ashby", "jobspy"}


def test_fixtures_are_in_the_documented_shapes(fetch_fixtures):
    gh = json.loads((fetch_fixtures / "greenhouse_jobs_1.json").read_text())
    assert {"jobs", "meta"} <= set(gh) and {"id", "title", "updated_at", "location", "absolute_url", "content",
                                             "departments", "offices"} <= set(gh["jobs"][0])
    assert "&lt;" in gh["jobs"][0]["content"]
    lever = json.loads((fetch_fixtures / "lever_page_1.json").read_text())
    assert {"id", "text", "categories", "createdAt", "descriptionPlain", "lists", "additionalPlain", "hostedUrl",
            "workplaceType"} <= set(lever[0])
    ashby = json.loads((fetch_fixtures / "ashby_board.json").read_text())
    assert {"title", "location", "secondaryLocations", "isRemote", "descriptionHtml", "descriptionPlain",
            "publishedAt", "jobUrl"} <= set(ashby["jobs"][0])

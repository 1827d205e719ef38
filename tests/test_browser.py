"""Reports in a real browser: headless Chromium (Debian's ``chromium``) driven by Playwright.

Asserts that the plotly charts render, nothing logs a console error, no request leaves ``file://``,
the index links open their reports, and ``<script>`` / ``<img onerror>`` planted in posting text
and company names run nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from kit.core.schema import conform
from kit.report import batch as report

pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
BOLT = "Bolt <script>document.title='pwned';window.pwned=1</script> Labs"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip("headless Chromium not installed (apt-get install chromium; .ci/run does it)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[dev]')")
    out = tmp_path_factory.mktemp("browser-reports")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KIT_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "kit-cache"))
        df = conform(pd.read_csv(FIXTURES / "report_postings.csv"), "postings")
        result = report.run(companies=["Acme Cloud", BOLT], postings=df, notebook=FIXTURES / "report_notebook.ipynb",
                            out=out, jobs=2, progress=False)
    assert result.exit_code == 0, result.table()
    return result


@pytest.fixture(scope="module")
def browser(reports):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Watch:
    """Console errors, page errors and every request a page makes (non-file ones are aborted)."""

    def __init__(self, page):
        self.errors: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(msg.text))
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("request", lambda req: self.requests.append(req.url))
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://")
                   else route.abort())

    @property
    def outside(self) -> list[str]:
        return [u for u in self.requests if not u.startswith("file://")]


def _assert_charts(page) -> int:
    page.wait_for_selector(".plotly-graph-div .main-svg", timeout=30_000)
    n_bars = page.evaluate("document.querySelectorAll('.plotly-graph-div .main-svg .trace.bars path').length")
    assert n_bars > 0
    return n_bars


def _assert_not_pwned(page) -> None:
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert page.title() != "pwned"


def test_index_links_open_reports_that_render(reports, browser):
    page = browser.new_page()
    watch = Watch(page)
    page.goto(reports.index.as_uri())
    links = page.locator("a[href$='.html']")
    assert links.count() == 2
    hrefs = sorted(links.nth(i).get_attribute("href") for i in range(links.count()))
    assert hrefs == sorted(r.html.name for r in reports.reports)
    _assert_not_pwned(page)
    assert "<script>document.title='pwned'" in page.inner_text("body")  # shown as text

    page.get_by_role("link", name="Acme Cloud").click()
    page.wait_for_load_state("load")
    assert page.url.endswith(next(r.html.name for r in reports.reports if r.company == "Acme Cloud"))
    _assert_charts(page)
    assert "Acme Cloud" in page.inner_text("header.kit-header")
    _assert_not_pwned(page)
    assert watch.errors == []
    assert watch.outside == []
    page.close()


def test_planted_script_in_posting_text_does_not_run(reports, browser):
    bolt = next(r for r in reports.reports if r.company == BOLT)
    page = browser.new_page()
    watch = Watch(page)
    page.goto(bolt.html.as_uri())
    _assert_charts(page)
    _assert_not_pwned(page)
    header = page.inner_text("header.kit-header")
    assert "<script>document.title='pwned';window.pwned=1</script>" in header
    body = page.inner_text("body")
    assert '<img src=x onerror="window.pwned=1' in body  # the planted tag is visible text
    assert page.locator("main img[src='x']").count() == 0
    chart_text = page.evaluate("Array.from(document.querySelectorAll('.main-svg .gtitle')).map(e => e.textContent)")
    assert chart_text and all("pwned" not in t or "script" in t or "Bolt" in t for t in chart_text)
    assert watch.errors == []
    assert watch.outside == []
    assert not [u for u in watch.requests if u.endswith("/x")]  # the <img src=x> was never loaded
    page.close()


@pytest.fixture(scope="module")
def real_report(tmp_path_factory, reports):
    """The shipped notebook on the bundled sample, for one company (the integration the user sees)."""
    from kit.core.paths import SAMPLE_POSTINGS
    from kit.report.batch import DEFAULT_NOTEBOOK

    if not (DEFAULT_NOTEBOOK.exists() and SAMPLE_POSTINGS.exists()):
        pytest.skip("notebooks/company_report.ipynb or the bundled sample is missing")
    out = tmp_path_factory.mktemp("browser-real")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KIT_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "kit-cache"))
        result = report.run(companies=["Acme Cloud"], out=out, jobs=1, progress=False)
    assert result.exit_code == 0, result.table()
    return result.reports[0].html


def test_shipped_report_renders_every_chart_offline(real_report, browser):
    page = browser.new_page()
    watch = Watch(page)
    page.goto(real_report.as_uri())
    page.wait_for_selector(".plotly-graph-div .main-svg", timeout=30_000)
    page.wait_for_load_state("load")
    n_divs = page.locator(".plotly-graph-div").count()
    n_drawn = page.evaluate("Array.from(document.querySelectorAll('.plotly-graph-div')).filter("
                            "d => d.querySelector('.main-svg') && d.getBoundingClientRect().height > 50).length")
    assert n_divs >= 5 and n_drawn == n_divs
    assert page.locator("header.kit-header").count() == 1
    assert watch.errors == []
    assert watch.outside == []
    page.close()


# JS run in the page: chart text that leaves its figure, index-like table columns, floats with > 3 decimals
_OVERFLOW_JS = """() => {
  const out = [];
  document.querySelectorAll('.plotly-graph-div').forEach(div => {
    const box = div.getBoundingClientRect();
    div.querySelectorAll('svg text').forEach(t => {
      const r = t.getBoundingClientRect();
      if (!t.textContent.trim() || r.width === 0) return;
      if (r.left < box.left - 2 || r.right > box.right + 2 || r.top < box.top - 2 || r.bottom > box.bottom + 2)
        out.push(t.textContent.trim().slice(0, 60));
    });
  });
  return out;
}"""
_TABLES_JS = """() => {
  const index = [], floats = [];
  document.querySelectorAll('table').forEach(tb => {
    tb.querySelectorAll('tbody tr > th:first-child').forEach(th => {
      if (/^\\s*\\d+\\s*$/.test(th.textContent)) index.push(th.textContent.trim());
    });
    tb.querySelectorAll('td').forEach(td => {
      const m = td.textContent.match(/\\d+\\.\\d{4,}/);
      if (m) floats.push(m[0]);
    });
  });
  return {index, floats, overflow: document.documentElement.scrollWidth - window.innerWidth};
}"""


@pytest.mark.parametrize("width", [1000, 1600])
def test_report_and_index_fit_their_frame(real_report, browser, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(real_report.as_uri())
    page.wait_for_selector(".plotly-graph-div .main-svg", timeout=30_000)
    page.wait_for_load_state("load")
    page.wait_for_timeout(500)  # plotly's responsive relayout after load
    assert page.evaluate(_OVERFLOW_JS) == []
    tables = page.evaluate(_TABLES_JS)
    assert tables["index"] == [] and tables["floats"] == []
    assert page.locator(".kit-findings").count() == 1 and page.locator(".kit-badge").count() > 0
    page.goto((real_report.parent / "index.html").as_uri())
    tables = page.evaluate(_TABLES_JS)
    assert tables["index"] == [] and tables["floats"] == [] and tables["overflow"] <= 1
    assert page.locator("svg.mini").count() >= 1
    page.close()


def test_pdf_copy_of_a_report(real_report, browser, tmp_path):
    import re

    from kit.report.pdf import write_pdfs

    html = tmp_path / "report.html"
    shutil.copy(real_report, html)
    (pdf,) = write_pdfs([html], browser=browser)
    data = pdf.read_bytes()
    assert pdf == tmp_path / "report.pdf" and data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page[^s]", data)) >= 3  # sections start on new pages
    assert not list(tmp_path.glob("*.tmp*"))  # written atomically


def test_pdf_charts_are_laid_out_for_the_page_not_the_screen(real_report, browser):
    from kit.report.pdf import PRINT_CSS, PRINT_WIDTH

    assert 650 <= PRINT_WIDTH <= 720  # A4 minus the print margins, in CSS px
    page = browser.new_page(viewport={"width": PRINT_WIDTH, "height": 1200})
    page.goto(real_report.as_uri())
    page.wait_for_selector(".plotly-graph-div .main-svg", timeout=30_000)
    page.add_style_tag(content=PRINT_CSS)
    page.emulate_media(media="print")
    widths = page.evaluate("[...document.querySelectorAll('.plotly-graph-div .main-svg')]"
                           ".map(s => s.getBoundingClientRect().width)")
    page.close()
    assert widths and max(widths) <= PRINT_WIDTH  # no chart runs past the printable width (it would be cut)

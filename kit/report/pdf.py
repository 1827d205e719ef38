"""PDF copies of the HTML reports, printed by headless Chromium (``kit report --pdf``).

Each report page is opened in headless Chromium (Debian's ``/usr/bin/chromium``, or ``$KIT_CHROMIUM``) through
Playwright and printed with the print stylesheet below: no widgets or interactive chrome, plotly charts as they are
drawn (static SVG in the PDF, the mode bar hidden), a page break before each numbered section, tables kept whole
where they fit. The browser is offline: every request that is not ``file://`` is aborted, so a report cannot
reach the network while it is printed. Each PDF is written atomically next to its HTML.

Playwright is an optional dependency (the ``dev`` extra): it is imported only when PDFs are asked for.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from kit.core.errors import KitError
from kit.core.files import atomic_write

__all__ = ["CHROMIUM_ARGS", "PRINT_CSS", "PRINT_WIDTH", "chromium_path", "write_pdfs"]

#: The printable width of an A4 page with the margins of :data:`PRINT_CSS` (210 mm - 2 x 12 mm), in CSS px: the
#: width the charts are laid out at, so a chart drawn for the screen is never cut at the page's right edge.
PRINT_WIDTH = round((210 - 2 * 12) / 25.4 * 96)

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PRINT_CSS = """
@page { size: A4; margin: 14mm 12mm; }
@media print {
  .modebar, .modebar-container, .jupyter-widgets, .widget-area, .jp-OutputPrompt, .jp-InputPrompt {
    display: none !important; }
  .jp-MarkdownOutput h2 { break-before: page; }
  h1, h2, h3, h4 { break-after: avoid; }  /* a heading stays with what follows it */
  p, li { orphans: 3; widows: 3; }
  .plotly-graph-div, .js-plotly-plot, .jp-OutputArea-output { max-width: 100% !important; }
  .kit-header, .kit-findings, .gt_table, .plotly-graph-div { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""


def chromium_path() -> str:
    """The Chromium executable: ``$KIT_CHROMIUM``, else ``chromium`` on the PATH, else ``/usr/bin/chromium``."""
    return os.environ.get("KIT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def write_pdfs(html_files: Sequence[Path], *, width: int = PRINT_WIDTH, browser=None) -> list[Path]:
    """Print each HTML report to ``<same name>.pdf``.

    Args:
        html_files: Report HTML files.
        width: Viewport width (px) the charts are laid out at before printing; default the printable width of
            the page (:data:`PRINT_WIDTH`), so charts fit the page instead of being cut at its edge.
        browser: A Playwright Chromium ``Browser`` already running (Playwright's sync API allows one session per
            thread); default: start headless Chromium for this call.

    Returns:
        The PDF paths, in the order given.

    Raises:
        KitError: Playwright or Chromium is not installed.
    """
    if not html_files:
        return []
    if browser is not None:
        return [_print(browser, Path(f), width) for f in html_files]
    try:  # optional and heavy: only ``--pdf`` needs it
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise KitError("--pdf needs Playwright: pip install playwright (Chromium itself: apt-get install chromium)"
                       ) from None
    exe = chromium_path()
    if not Path(exe).exists():
        raise KitError(f"--pdf needs headless Chromium; {exe} not found. Install it (apt-get install chromium) "
                       "or set KIT_CHROMIUM to its path")
    with sync_playwright() as p:
        own = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        try:
            return [_print(own, Path(f), width) for f in html_files]
        finally:
            own.close()


def _print(browser, html_file: Path, width: int) -> Path:
    page = browser.new_page(viewport={"width": width, "height": 1200})
    try:
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://")
                   else route.abort())  # offline: a report cannot reach the network while it is printed
        page.goto(html_file.resolve().as_uri())
        page.wait_for_load_state("load")
        if page.locator(".plotly-graph-div").count():
            page.wait_for_selector(".plotly-graph-div .main-svg", timeout=30_000)
        page.add_style_tag(content=PRINT_CSS)
        page.emulate_media(media="print")
        data = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    finally:
        page.close()
    return atomic_write(html_file.with_suffix(".pdf"), data)

"""Re-make the README's chart images from the bundled sample: ``python -m kit.report.readme_images`` (``make images``).

Figures are drawn by plotly.js in a headless Chromium (through Playwright, a dev dependency) and saved
as PNG with ``Plotly.toImage``, so the images match what the notebooks show. The browser is
``$BROWSER_PATH`` if set, else the first of ``chromium`` / ``chromium-browser`` / ``google-chrome`` on
the PATH, else Playwright's own download.
"""

from __future__ import annotations

import argparse
import base64
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

import plotly.graph_objects as go

from kit import charts, views
from kit.core.paths import ROOT

__all__ = ["IMAGES", "IMG_DIR", "browser_path", "make_images", "render_png"]

IMG_DIR = ROOT / "docs" / "img"

#: file stem -> (chart name in kit.widgets.views.CHARTS, selection options, width, height)
IMAGES: dict[str, tuple[str, dict, int, int]] = {
    "phrases": ("phrases", {}, 1000, 0),
    "distinctive": ("distinctive", {}, 1000, 620),
    "titles": ("titles", {}, 900, 720),
    "themes": ("themes", {}, 1000, 0),
    "pay": ("pay", {}, 1000, 560),
    "trend": ("trend", {}, 1000, 480),
}


def browser_path() -> str | None:
    """The Chromium to drive: ``$BROWSER_PATH``, else one on the PATH, else None (Playwright's own)."""
    env = os.environ.get("BROWSER_PATH")
    if env:
        return env
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


_TO_IMAGE = """async ([w, h]) => {
    const gd = document.querySelector('.plotly-graph-div');
    return await Plotly.toImage(gd, {format: 'png', width: w, height: h, scale: 1.5});
}"""


def render_png(figures: Iterable[tuple[go.Figure, Path, int, int]]) -> list[Path]:
    """Render figures to PNG files in one browser session.

    Args:
        figures: ``(figure, path, width, height)``; a height of 0 uses the figure's own height.

    Returns:
        The paths written.
    """
    from playwright.sync_api import sync_playwright

    written = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_path(), args=["--no-sandbox"])
        page = browser.new_page()
        for fig, path, width, height in figures:
            height = height or int(fig.layout.height or 500)
            page.set_viewport_size({"width": width, "height": height})
            page.set_content(fig.to_html(include_plotlyjs=True, full_html=True, default_width=f"{width}px",
                                         default_height=f"{height}px"))
            page.wait_for_selector(".plotly-graph-div .main-svg")
            url = page.evaluate(_TO_IMAGE, [width, height])
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(base64.b64decode(url.split(",", 1)[1]))
            written.append(path)
        browser.close()
    return written


def make_images(out: Path = IMG_DIR, *, names: Iterable[str] | None = None) -> list[Path]:
    """Draw the README charts from the bundled sample into ``out``.

    Args:
        out: Folder for the PNG files.
        names: Which images (keys of :data:`IMAGES`); default all.

    Returns:
        The paths written.
    """
    charts.setup()
    jobs = []
    for stem in names or IMAGES:
        chart, options, width, height = IMAGES[stem]
        fig = views.view(**options).figure(chart)
        jobs.append((fig, Path(out) / f"{stem}.png", width, height))
    return render_png(jobs)


def main(argv: list[str] | None = None) -> None:
    """Command line: ``python -m kit.report.readme_images [--out DIR] [NAME ...]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"images to make (default all: {', '.join(IMAGES)})")
    parser.add_argument("--out", type=Path, default=IMG_DIR, help="output folder (default docs/img)")
    args = parser.parse_args(argv)
    for path in make_images(args.out, names=args.names or None):
        print(path)


if __name__ == "__main__":
    main()

"""README chart images: drawn by plotly.js in headless Chromium and saved as PNG."""

from __future__ import annotations

import struct

import pytest

from kit import charts
from kit.report import readme_images


def _png_size(path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def test_every_image_names_a_known_chart():
    from kit.views import CHARTS

    assert set(readme_images.IMAGES) and all(chart in CHARTS for chart, *_ in readme_images.IMAGES.values())


@pytest.mark.slow
def test_render_png_writes_an_image_of_the_asked_size(tmp_path):
    pytest.importorskip("playwright")
    fig = charts.empty_figure("hello")
    try:
        (path,) = readme_images.render_png([(fig, tmp_path / "x.png", 400, 0)])
    except Exception as exc:  # no Chromium on this machine
        if "Executable doesn't exist" in str(exc) or "executable" in str(exc).lower():
            pytest.skip(f"no Chromium for Playwright: {exc}")
        raise
    assert _png_size(path) == (600, 450)  # scale 1.5 of 400 x the figure's own height (300)

"""A plotly ``FigureWidget`` that takes the width of its container and follows it when it changes.

Plotly's widget (an anywidget since plotly 6) draws once when it is created, before JupyterLab attaches it to the
page: it cannot measure its container then and falls back to plotly's default 700 px, and nothing resizes it
afterwards — not showing its tab, not resizing the window. In a 1,270 px explorer tab the chart stays 700 px wide
and a long subtitle or legend is clipped. :class:`FitFigureWidget` runs plotly's own front end unchanged and adds
one ``ResizeObserver`` on the chart's element: whenever the element gets a new width (its tab shown, the window or
the JupyterLab panel resized) the view calls plotly's own ``autosizeFigure`` (``Plotly.Plots.resize``), so the
chart is laid out again at the width it really has. If a plotly release no longer exports its ``FigureView`` the
stock widget is used as is.
"""

from __future__ import annotations

import functools
import pathlib
import re

import plotly
import plotly.graph_objects as go

__all__ = ["FitFigureWidget", "resizing_esm"]

_BUNDLE = pathlib.Path(plotly.__file__).parent / "package_data" / "widgetbundle.js"
_EXPORT = re.compile(r"export\s*\{[^}]*?\b([A-Za-z_$][\w$]*)\s+as\s+FigureView\b[^}]*\}\s*;?")

#: Appended to plotly's widget module: observe the element's width and let plotly's view autosize the figure.
_PATCH = """
;(function (View) {
  if (!View || View.prototype.__kitFit) { return; }
  View.prototype.__kitFit = true;
  const render = View.prototype.perform_render;
  const remove = View.prototype.remove;
  View.prototype.perform_render = function () {
    const out = render.apply(this, arguments);
    const view = this;
    if (typeof ResizeObserver === "function" && view.el) {
      let last = -1;
      view.__kitObserver = new ResizeObserver(function () {
        const width = view.el.clientWidth;
        if (width > 0 && width !== last) { last = width; view.autosizeFigure(); }
      });
      view.__kitObserver.observe(view.el);
    }
    return out;
  };
  View.prototype.remove = function () {
    if (this.__kitObserver) { this.__kitObserver.disconnect(); }
    return remove.apply(this, arguments);
  };
})(%s);
"""


@functools.cache
def resizing_esm() -> str | None:
    """Plotly's widget front end with the resize observer added; None when its ``FigureView`` is not exported.

    Returns:
        The JavaScript module text, or None (then the stock widget is used).
    """
    try:
        text = _BUNDLE.read_text(encoding="utf-8")
    except OSError:
        return None
    exports = list(_EXPORT.finditer(text))
    if not exports:
        return None
    return text + _PATCH % exports[-1].group(1)


class FitFigureWidget(go.FigureWidget):
    """``go.FigureWidget`` whose chart is as wide as its container, redrawn when that width changes."""

    def __init__(self, *args, **kwargs):
        esm = resizing_esm()
        if esm is not None:
            type(self)._esm = esm  # anywidget reads the module text from the class when the widget is created
        super().__init__(*args, **kwargs)

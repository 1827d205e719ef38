"""Executed report notebook -> one HTML file that opens offline and runs no posting text.

What :func:`standalone_html` does to the notebook before nbconvert sees it:

* plotly figures (``application/vnd.plotly.v1+json`` outputs, whichever renderer made them) become
  a ``<div>`` plus a ``Plotly.newPlot`` call built by plotly itself from the figure JSON (plotly
  escapes ``<``, ``>`` and ``/`` inside the JSON, so text cannot close the script); plotly.js is
  inlined once in ``<head>`` by the ``kit_report`` template (no CDN, no require.js);
* plotly.js "activation" outputs of the ``notebook`` renderers and ``application/javascript``
  outputs are dropped;
* every other HTML or markdown output (DataFrames, ``Markdown(...)`` with posting text) is cleaned
  with bleach: ``<script>``, ``<img onerror=...>`` and the like are shown as text, not run;
* code cells are hidden (``exclude_input``), markdown cells written by the notebook author stay.

A header with the parameters, data sources, data hash, kit version and run time sits on top; every
value in it is escaped here.
"""

from __future__ import annotations

import copy
import html
import re
from functools import lru_cache
from typing import Any

from kit.charts.tables import REPORT_CSS
from kit.core.paths import TEMPLATES_DIR

__all__ = ["TEMPLATES_DIR", "clean_fragment", "header_html", "prepare_outputs", "standalone_html", "warm_up"]

PLOTLY_MIME = "application/vnd.plotly.v1+json"

_PLOTLYJS_ACTIVATION = re.compile(r"window\.PlotlyConfig|define\(\s*['\"]plotly['\"]|require\.undef\(\s*['\"]plotly")
_STYLE_OR_SCRIPT = re.compile(r"<(style|script)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "details", "div",
    "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "kbd", "li", "ol", "p", "pre", "s",
    "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
    "u", "ul",
})
_ALLOWED_ATTRS = {
    "*": ["class", "id", "title", "align"],
    "a": ["href", "title"],
    "td": ["colspan", "rowspan"],
    "th": ["colspan", "rowspan", "scope"],
    "table": ["border"],
}


def clean_fragment(fragment: str) -> str:
    """Clean an untrusted HTML fragment: keep tables and text markup, show anything else as text.

    ``<style>`` elements are removed (they could pull remote fonts); ``<script>`` elements are
    removed too (their text would only be noise); any other unknown tag such as ``<img onerror=...>``
    or ``<iframe>`` is escaped and so shown literally; ``javascript:`` links lose their ``href``.

    Args:
        fragment: HTML text from a notebook output.

    Returns:
        Safe HTML.
    """
    import bleach

    text = _STYLE_OR_SCRIPT.sub("", fragment)
    return bleach.clean(text, tags=_ALLOWED_TAGS, attributes=_ALLOWED_ATTRS, protocols={"http", "https", "mailto"})


def _figure_html(spec: Any) -> str:
    import plotly.io as pio

    return pio.to_html(spec, include_plotlyjs=False, full_html=False, validate=False,
                       config={"responsive": True, "displaylogo": False})


def _markdown_html(text: str) -> str:
    from nbconvert.filters import markdown2html_mistune

    return clean_fragment(markdown2html_mistune(text))


def prepare_outputs(nb: Any) -> Any:
    """Return a copy of ``nb`` whose outputs are safe and self-contained (see the module docstring).

    Args:
        nb: An executed ``nbformat.NotebookNode``.

    Returns:
        A new notebook; ``nb`` is unchanged.
    """
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        kept = []
        for out in cell.get("outputs", []):
            data = out.get("data")
            if out.get("output_type") not in ("display_data", "execute_result") or not data:
                kept.append(out)  # streams and errors: nbconvert escapes them
                continue
            if PLOTLY_MIME in data:
                out["data"] = {"text/html": _figure_html(data[PLOTLY_MIME])}
            elif "text/html" in data and _PLOTLYJS_ACTIVATION.search(str(data["text/html"])):
                continue  # plotly.js injected by a "notebook" renderer: the template has it already
            else:
                data.pop("application/javascript", None)
                if "text/html" in data:
                    data["text/html"] = clean_fragment(str(data["text/html"]))
                    data.pop("text/markdown", None)
                elif "text/markdown" in data:
                    data["text/html"] = _markdown_html(str(data.pop("text/markdown")))
                if not data:
                    continue
            out.setdefault("metadata", {})
            kept.append(out)
        cell["outputs"] = kept
    return nb


def header_html(*, title: str, rows: list[tuple[str, str]], links: list[tuple[str, str]] = ()) -> str:
    """The report header: a title, a two-column table of facts, and links; everything escaped.

    Args:
        title: The heading, e.g. the company name.
        rows: ``(label, value)`` pairs: parameters, data sources, data hash, kit version, run time.
        links: ``(label, relative href)`` pairs, e.g. back to the index.

    Returns:
        An HTML fragment.
    """
    esc = html.escape
    body = "".join(f"<tr><th>{esc(k)}</th><td><code>{esc(v)}</code></td></tr>" for k, v in rows)
    nav = " · ".join(f'<a href="{esc(href)}">{esc(label)}</a>' for label, href in links)
    return (f'<header class="kit-header"><h1>{esc(title)}</h1><table>{body}</table>'
            + (f"<p>{nav}</p>" if nav else "") + "</header>")


@lru_cache(maxsize=1)
def _exporter():
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name="kit_report", extra_template_basedirs=[str(TEMPLATES_DIR)],
                        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                        sanitize_html=False)


@lru_cache(maxsize=1)
def _plotlyjs() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def warm_up() -> None:
    """Load the exporter, its templates, plotly.js and bleach now (a worker does this while its kernel starts)."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.v4.new_output("display_data", data=data) for data in (
        {PLOTLY_MIME: {"data": [{"type": "bar", "x": ["a"], "y": [1]}], "layout": {}}},
        {"text/html": "<table><tr><td>1</td></tr></table>"}, {"text/markdown": "**warm**"})]
    cell.outputs.append(nbformat.v4.new_output("stream", text="warm"))
    nb.cells = [nbformat.v4.new_markdown_cell("# warm"), cell]
    standalone_html(nb, title="warm", header="")


def standalone_html(nb: Any, *, title: str, header: str) -> str:
    """Export an executed notebook to one offline HTML page (plotly.js inside, code hidden).

    Args:
        nb: The executed notebook.
        title: The page ``<title>``.
        header: Trusted header HTML from :func:`header_html`.

    Returns:
        The HTML text.
    """
    nb = prepare_outputs(nb)
    nb.metadata["title"] = title
    resources = {"kit_plotlyjs": _plotlyjs(), "kit_header": header, "kit_css": REPORT_CSS, "metadata": {"name": title}}
    body, _ = _exporter().from_notebook_node(nb, resources=resources)
    return body

"""View layer: the notebook API (``kit.views.view(...)`` -> :class:`View`, the ``TABLES`` / ``CHARTS`` registry).

Notebooks, the explorer and the reports call this layer: one cached load, one selection, then any table or chart
by name. It never raises for a selection without data: empty frames and message figures instead.
"""

from kit.views.api import CHARTS, TABLES, Note, View, load, view

__all__ = ["CHARTS", "TABLES", "Note", "View", "load", "view"]

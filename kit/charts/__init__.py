"""Chart layer: one plotly figure per analysis result, one template (``kit.charts``).

Chart functions take an analysis result and return a ``go.Figure``; they never show or write anything.
The figures live in :mod:`kit.charts.figures`; this package re-exports them so ``kit.charts.X`` is the
public spelling.
"""

from kit.charts.figures import *  # noqa: F403 - the chart module's public names, listed in its __all__
from kit.charts.figures import __all__  # noqa: F401

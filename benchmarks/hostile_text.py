"""Text cleaning on hostile markup: seconds for one 256 KB description per case (``python -m benchmarks.hostile_text``).

Measured on the shared 2-core machine (issue 14), before -> after the linear-time cleaner:

====================  =====================  ======
case                  before                 after
====================  =====================  ======
unclosed ``<!--``     > 15 s (hung; killed)  0.001
``<script>`` x 32k    54 s                   0.007
unclosed ``<a href``  24 s                   0.06
deep ``<div>``        0.01                   0.02
``**a`` x 64k         (not reached)          0.9
plain words           0.001                  0.001
====================  =====================  ======

Each case runs in a thread joined with a timeout, so a pathological one is reported as TIMEOUT, not waited for.
"""

from __future__ import annotations

import sys
import threading
import time

from kit.prepare.text import clean_text

N = 256 * 1024
CASES = {
    "unclosed_comment": "<!--" * (N // 4),
    "script_open": "<script>" * (N // 8),
    "unclosed_tags": "<a href=x " * (N // 10),
    "deep_nesting": "<div>" * (N // 10) + "x" + "</div>" * (N // 10),
    "strong_open": "**a " * (N // 4),
    "links_open": "[a " * (N // 3),
    "under_open": "__a " * (N // 4),
    "plain": "word " * (N // 5),
}


def main(timeout: float = 15.0) -> None:
    """Print seconds per case (TIMEOUT past ``timeout``)."""
    for name, text in CASES.items():
        t0 = time.perf_counter()
        th = threading.Thread(target=clean_text, args=(text,), daemon=True)
        th.start()
        th.join(timeout)
        print(f"{name:18s} {'TIMEOUT' if th.is_alive() else f'{time.perf_counter() - t0:.3f}s'}", flush=True)


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 15.0)

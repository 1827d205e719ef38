"""Loading an LCA disclosure workbook: ``kit.load_pay`` against ``pandas.read_excel(engine="calamine")``.

Figure (issue 13, item 1): ``load_pay (LCA workbook, N rows)`` - wall time of :func:`kit.load_pay` on a generated
XLSX in the FY2021 LCA layout (typed cells: dates, numbers, text; titles, employers and wages varied) against
``pandas.read_excel(path, engine="calamine")`` alone, each in a fresh subprocess, interleaved, median of 3.
Goal: ratio <= 2. The workbook is 20,000 rows (5,000 with ``--quick``), written once to
``benchmarks/out/lca-<N>.xlsx``; DOL's real quarters are 100k-200k rows, scale accordingly.
"""

from __future__ import annotations

from benchmarks.common import OUT_DIR, ROOT, interleaved, result

GOAL_RATIO = 2.0
_TITLES = ("Technical Program Manager", "Senior Product Manager, Technical", "Software Engineer", "Data Scientist",
           "Program Manager", "Product Manager", "Principal Technical Program Manager", "Staff Software Engineer")


def workbook(n: int) -> str:
    """The path of a generated LCA workbook with ``n`` rows (written once)."""
    import numpy as np
    import pandas as pd

    path = OUT_DIR / f"lca-{n}.xlsx"
    if path.exists():
        return str(path)
    rng = np.random.default_rng(13)
    base = pd.read_csv(ROOT / "tests" / "fixtures" / "lca_fy2021.csv", dtype=str)
    df = base.iloc[rng.integers(0, len(base), n)].reset_index(drop=True)
    df["CASE_NUMBER"] = [f"I-200-21{i:03d}-{i:06d}" for i in range(n)]
    df["JOB_TITLE"] = rng.choice(_TITLES, n)
    df["EMPLOYER_NAME"] = [f"Employer {k} Inc." for k in rng.integers(0, 2_000, n)]
    for col in ("RECEIVED_DATE", "DECISION_DATE", "BEGIN_DATE", "END_DATE"):
        df[col] = pd.to_datetime(df[col], errors="coerce")
    df["WAGE_RATE_OF_PAY_FROM"] = rng.integers(90_000, 260_000, n).astype(float)
    df["WAGE_UNIT_OF_PAY"] = "Year"
    df["PREVAILING_WAGE"] = rng.integers(80_000, 200_000, n)
    df["WORKSITE_POSTAL_CODE"] = pd.to_numeric(df["WORKSITE_POSTAL_CODE"], errors="coerce")
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.xlsx")
    df.to_excel(tmp, index=False)
    tmp.replace(path)
    return str(path)


_BASELINE = (
    "import time\nimport pandas as pd\n"
    "t = time.perf_counter()\ndf = pd.read_excel({path!r}, engine='calamine')\n"
    "emit(seconds=time.perf_counter() - t, rows=len(df))\n"
)
_KIT = (
    "import time\nfrom kit.load.pay import load_pay\n"
    "t = time.perf_counter()\ndf = load_pay({path!r})\n"
    "emit(seconds=time.perf_counter() - t, rows=len(df))\n"
)


def run(quick: bool) -> list[dict]:
    """``load_pay`` of an LCA workbook vs ``read_excel(engine="calamine")`` (20k rows; 5k with ``quick``)."""
    n = 5_000 if quick else 20_000
    path = workbook(n)
    base, mine, _ = interleaved(_BASELINE.format(path=path), _KIT.format(path=path), repeat=3)
    return [
        result(
            f"load_pay (LCA workbook, {n // 1000}k rows)",
            mine["seconds"],
            "s",
            baseline_name="pandas.read_excel(engine='calamine')",
            baseline_value=base["seconds"],
            goal=f"ratio <= {GOAL_RATIO:g}",
            met=mine["seconds"] <= GOAL_RATIO * base["seconds"],
            runs=mine["runs"],
            baseline_runs=base["runs"],
            note=f"{int(mine['rows'])} pay rows of {int(base['rows'])}",
        )
    ]

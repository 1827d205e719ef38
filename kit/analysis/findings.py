"""Key findings: the "what this data says" block at the top of a report, written from the analyses.

:func:`key_findings` reads the tables the analyses already returned (the claims check, the pay claims check,
postings per role) and writes one plain sentence per finding, each with its numbers and n, into a tidy frame.
Nothing is hard-coded: change the data and the sentences change. Four kinds, in this order:

* ``scope``: what was compared (postings per role, where);
* ``difference``: the largest differences in how often each role's postings mention a theme, among the
  claim tests whose 95% interval excludes 0 (at most :data:`TOP_DIFFERENCES`);
* ``claim`` / ``pay``: each claim of the domain brief, held or not (and the pay claims that could be tested);
* ``limit``: what the data cannot say (small samples, currencies with too little pay data, sources that
  cannot tell PM-T from other product managers).

:func:`kit.charts.tables.findings_html` renders the frame.
"""

from __future__ import annotations

import pandas as pd

from kit.analysis.stats import MIN_N

__all__ = ["COLUMNS", "TOP_DIFFERENCES", "key_findings"]

COLUMNS = ["kind", "sentence", "value_a", "value_b", "n_a", "n_b", "verdict"]
#: How many theme differences the block states.
TOP_DIFFERENCES = 3
_NAMES = {"pmt": "PM-T", "tpm": "TPM", "pm": "PM (generic)", "pgm": "Program Mgr (generic)", "other": "Other"}


def _name(code: object) -> str:
    return _NAMES.get(str(code), str(code))


def _pct(x: float) -> str:
    return f"{x * 100:.0f}%"


def _how_much(points: float) -> str:
    points = abs(points)
    return "far more often" if points >= 30 else "more often" if points >= 15 else "somewhat more often"


def _row(kind: str, sentence: str, value_a=None, value_b=None, n_a=None, n_b=None, verdict=None) -> dict:
    return {"kind": kind, "sentence": sentence, "value_a": value_a, "value_b": value_b, "n_a": n_a, "n_b": n_b,
            "verdict": verdict}


def key_findings(
    *,
    counts: dict[str, int],
    claims: pd.DataFrame | None = None,
    pay_claims: pd.DataFrame | None = None,
    label: str = "",
    roles: tuple[str, str] = ("pmt", "tpm"),
) -> pd.DataFrame:
    """Plain sentences, each a finding with its numbers and n (module docstring: which, in what order).

    Args:
        counts: Postings per role code in the selection, e.g. ``{"pmt": 106, "tpm": 109, "pm": 18}``.
        claims: :func:`kit.check_claims` of the selection (None or empty: no claim sentences).
        pay_claims: :func:`kit.check_pay_claims` of the selection (None or empty: no pay sentences).
        label: Where, as people say it ("Acme Cloud"); "" for the whole data.
        roles: The two roles compared (a, b).

    Returns:
        A frame with :data:`COLUMNS`: ``kind`` (scope / difference / claim / pay / limit), ``sentence``,
        the two values and their n where the sentence states them (shares as fractions, pay as ratios),
        and the ``verdict`` of a claim.
    """
    a, b = roles
    na, nb = _name(a), _name(b)
    at = f" at {label}" if label else ""
    n_a, n_b = int(counts.get(a, 0)), int(counts.get(b, 0))
    rows = [_row("scope", f"This selection{at} has {n_a:,} {na} and {n_b:,} {nb} postings.", n_a=n_a, n_b=n_b)]

    if claims is not None and len(claims):
        clear = claims[(claims["ci_low"] > 0) | (claims["ci_high"] < 0)]
        clear = clear.reindex(clear["effect"].abs().sort_values(ascending=False).index).head(TOP_DIFFERENCES)
        for r in clear.itertuples(index=False):
            more, less = (na, nb) if r.effect > 0 else (nb, na)
            s_more, s_less = (r.share_a, r.share_b) if r.effect > 0 else (r.share_b, r.share_a)
            n_more, n_less = (r.n_a, r.n_b) if r.effect > 0 else (r.n_b, r.n_a)
            theme = str(r.theme).replace("_", " ")
            rows.append(_row(
                "difference",
                f"{more} postings{at} mention {theme} {_how_much(r.effect)} than {less} postings: "
                f"{_pct(s_more)} vs {_pct(s_less)} of postings, n = {int(n_more):,} / {int(n_less):,}.",
                value_a=float(r.share_a), value_b=float(r.share_b), n_a=int(r.n_a), n_b=int(r.n_b),
            ))
        for claim, part in claims.groupby("claim", sort=False):
            held = int((part["verdict"] == "supported").sum())
            against = int((part["verdict"] == "contradicted").sum())
            total = len(part)
            if held == total:
                verdict, text = "supported", f"Held: “{claim}” ({held} of {total} themes)."
            elif against and not held:
                verdict = "contradicted"
                text = f"Did not hold: “{claim}” (contradicted on {against} of {total} themes)."
            elif held or against:
                verdict, text = "mixed", (f"Partly held: “{claim}” ({held} of {total} themes held, "
                                          f"{against} contradicted, {total - held - against} undecided).")
            else:
                verdict, text = "not enough data", (f"Cannot tell: “{claim}” (the 95% intervals of all {total} "
                                                    "themes are too wide to decide).")
            rows.append(_row("claim", text, n_a=int(part["n_a"].max()), n_b=int(part["n_b"].max()), verdict=verdict))

    folded: list[str] = []
    if pay_claims is not None and len(pay_claims):
        for r in pay_claims.itertuples(index=False):
            if pd.isna(r.ratio):
                continue
            where = f" ({r.currency})" if getattr(r, "currency", None) else ""
            held = {"supported": "holds", "contradicted": "does not hold"}.get(str(r.verdict), "cannot be decided")
            rows.append(_row(
                "pay", f"Pay{where}: “{r.claim}” {held}: {nb} / {na} median pay {float(r.ratio):.2f} "
                       f"[{float(r.ci_low):.2f}, {float(r.ci_high):.2f}], n = {int(r.n_b):,} / {int(r.n_a):,}.",
                value_a=float(r.ratio), n_a=int(r.n_a), n_b=int(r.n_b), verdict=str(r.verdict)))
        keys = [c for c in ("currency",) if c in pay_claims.columns]
        if keys:
            for cur, part in pay_claims.groupby(keys[0], sort=True):
                if part["ratio"].isna().all():
                    folded.append(f"{cur} ({int(part['n_a'].max())} / {int(part['n_b'].max())})")
        if "basis" in pay_claims.columns and (pay_claims["basis"] == "family").any():
            rows.append(_row("limit", "Some pay sources cannot tell technical from other product managers; "
                                      "there the roles are compared by family (product vs program)."))

    small = [f"{_name(r)} ({n})" for r, n in counts.items() if 0 < int(n) < MIN_N]
    if min(n_a, n_b) < MIN_N:
        rows.append(_row("limit", f"Fewer than {MIN_N} postings of one role ({na} {n_a}, {nb} {n_b}): "
                                  "read shares as anecdotes, not rates.", n_a=n_a, n_b=n_b))
    elif small:
        rows.append(_row("limit", f"Small groups, not compared here: {', '.join(small)} postings."))
    if folded:
        rows.append(_row("limit", f"Too little pay data to test any pay claim in {', '.join(folded)} "
                                  f"({na} / {nb} observations; {MIN_N}+ of each needed)."))
    return pd.DataFrame(rows, columns=COLUMNS)

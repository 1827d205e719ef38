"""Fit and check the ``role_confidence`` curve of generic titles: ``python -m benchmarks.role_calibration``.

P(technical | technical score) for a generic "Product Manager" / "Program Manager" title read with its text
(:mod:`kit.prepare.calibration`; the shipped coefficients are in ``kit/data/role_calibration.yaml``).

Two labelled sets:

* **sample**: the bundled sample's generic product / program titles with a description; label = the generator's
  ground truth ``synthetic_role``. The shipped curve is fitted here (printed as "refit on the whole sample").
* **judged**: the judged real postings (``tests/fixtures/judged_roles.csv``, ids + labels; text in
  ``$KIT_REAL_DIR`` or ``../shared/data/real``) whose title alone does not decide the role (title role pm / pgm),
  ambiguous ones left out. Never used for the shipped fit: the shipped curve is only CHECKED on it. Caveat: the
  role_signals lexicon was tuned on these postings, so every figure on them is optimistic.

Printed: Brier scores (previous hand-set curve, shipped curve, out-of-fold re-fits), reliability tables, and a
cross-validated estimate of the decision threshold (fitted on k-1 folds, agreement measured on the held-out
fold) on both sets. Small: a few hundred rows and 2-parameter fits.
"""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pandas as pd

from kit.analysis.rolecal import (
    brier_score,
    out_of_fold_probabilities,
    reliability_table,
    role_reliability,
    stratified_folds,
)
from kit.prepare.calibration import fit_logistic, load_calibration

#: the hand-set curve the kit used before the fit (role_signals.yaml rules at a7df683), for the "before" figures
PREVIOUS = {"technical_min": 3.0, "slope": 0.9, "cap": 0.95}
TECHNICAL = ("pmt", "tpm")
RIDGE = 0.01
FOLDS = 5
SEEDS = range(10)


def previous_curve(score: np.ndarray) -> np.ndarray:
    """P(technical) as the kit computed it before the fit (a logistic through 0.5 near the rule's cut, capped)."""
    p = 1.0 / (1.0 + np.exp(-PREVIOUS["slope"] * (np.asarray(score, float) - PREVIOUS["technical_min"] + 0.5)))
    return np.clip(p, 1 - PREVIOUS["cap"], PREVIOUS["cap"])


def generic_scores(postings: pd.DataFrame, truth: pd.Series) -> pd.DataFrame:
    """Technical score and 0/1 label of each posting whose generic title is decided by its text.

    Args:
        postings: Loaded postings (title, description, sections).
        truth: Known role per posting (pmt, pm, tpm, pgm; other rows are left out), aligned by index.

    Returns:
        Frame ``[posting_id, title_role, technical_score, y, role]`` (``role`` = the kit's decision).
    """
    from kit.prepare.roles import roles_from_text
    from kit.prepare.titles import classify_titles

    classified = classify_titles(postings["title"])
    refined = roles_from_text(classified, postings["description"], sections=postings.get("sections"))
    has_text = postings["description"].astype("string").str.strip().fillna("").ne("")
    keep = classified["role"].isin(["pm", "pgm"]) & has_text & truth.isin(["pmt", "pm", "tpm", "pgm"])
    return pd.DataFrame({
        "posting_id": postings.loc[keep, "posting_id"].astype(str),
        "title_role": classified.loc[keep, "role"],
        "technical_score": refined.loc[keep, "technical_score"],
        "y": truth[keep].isin(TECHNICAL).astype(int),
        "role": refined.loc[keep, "role"],
    }).reset_index(drop=True)


def sample_set() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The bundled sample (loaded) and its generic-title rows (see :func:`generic_scores`)."""
    import kit

    sample = kit.load_postings()
    return sample, generic_scores(sample, sample["synthetic_role"].astype("string"))


def judged_set() -> pd.DataFrame | None:
    """The judged real generic-title rows, or None (with a message) when the real files are absent."""
    from benchmarks.roles_agreement import judged_postings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # real files carry a few unparseable values (ParseWarning)
            judged = judged_postings()
    except FileNotFoundError as exc:
        print(f"judged set skipped: real file {exc} not found (set KIT_REAL_DIR)", file=sys.stderr)
        return None
    return generic_scores(judged, judged["label"].astype("string"))


def best_cut(score: np.ndarray, y: np.ndarray) -> float:
    """The score cut (upgrade when score >= cut) with the highest agreement; ties -> the middle of the best run."""
    cands = np.unique(np.concatenate([score, [score.max() + 0.5]]))
    acc = np.array([np.mean((score >= c) == y) for c in cands])
    best = np.flatnonzero(acc == acc.max())
    run = best[: np.argmax(np.diff(np.append(best, best[-1] + 2)) != 1) + 1]  # first run of consecutive best cuts
    lo, hi = cands[run[0]], cands[run[-1]]
    below = cands[cands < lo]
    lo = (lo + below.max()) / 2 if len(below) else lo  # any cut between the previous score and lo is as good
    return float((lo + hi) / 2)


def cv_threshold(frame: pd.DataFrame, *, k: int = FOLDS) -> pd.DataFrame:
    """Out-of-fold agreement of the fitted score cut, over several seeded fold assignments.

    Returns:
        Frame ``[seed, agreement, cuts]``: the held-out agreement and the cuts fitted per fold.
    """
    score, y = frame["technical_score"].to_numpy(float), frame["y"].to_numpy(int)
    rows = []
    for seed in SEEDS:
        folds = stratified_folds(y, k=k, seed=seed)
        hit, cuts = np.zeros(len(y), dtype=bool), []
        for f in np.unique(folds):
            test = folds == f
            cut = best_cut(score[~test], y[~test])
            cuts.append(cut)
            hit[test] = (score[test] >= cut) == y[test]
        rows.append({"seed": seed, "agreement": hit.mean(), "cuts": sorted(set(cuts))})
    return pd.DataFrame(rows)


def brier_rows(name: str, frame: pd.DataFrame, shipped) -> tuple[list[dict], np.ndarray]:
    """Brier scores of the previous, shipped and out-of-fold re-fitted curves on one set, and the OOF probabilities."""
    score, y = frame["technical_score"].to_numpy(float), frame["y"].to_numpy(int)
    oof = np.mean([out_of_fold_probabilities(score, y, k=FOLDS, seed=s, ridge=RIDGE) for s in SEEDS], axis=0)
    oof_brier = np.mean([brier_score(out_of_fold_probabilities(score, y, k=FOLDS, seed=s, ridge=RIDGE), y)
                         for s in SEEDS])
    return [
        {"set": name, "n": len(y), "curve": "previous (hand-set)", "brier": brier_score(previous_curve(score), y)},
        {"set": name, "n": len(y), "curve": "shipped (fitted on the sample)",
         "brier": brier_score(shipped.p_technical(score), y)},
        {"set": name, "n": len(y), "curve": f"re-fitted on this set, out-of-fold ({FOLDS}-fold, mean of "
         f"{len(SEEDS)} seeds)", "brier": oof_brier},
    ], oof


def main() -> int:
    """Print the calibration figures (see the module docstring)."""
    shipped = load_calibration()
    sample, s_frame = sample_set()
    j_frame = judged_set()
    sets = [("sample", s_frame)] + ([("judged", j_frame)] if j_frame is not None else [])
    a, b = fit_logistic(s_frame["technical_score"], s_frame["y"], ridge=RIDGE)
    print(f"== refit on the whole sample (n = {len(s_frame)}): intercept {a:.3f}, slope {b:.3f}, "
          f"P = 0.5 at score {-a / b:.2f} ==")
    print(f"shipped (kit/data/role_calibration.yaml): intercept {shipped.intercept}, slope {shipped.slope}, "
          f"threshold {shipped.threshold} (score cut {shipped.score_threshold:.2f})\n")
    rows, oofs = [], {}
    for name, frame in sets:
        r, oofs[name] = brier_rows(name, frame, shipped)
        rows += r
    if j_frame is not None:
        ja, jb = fit_logistic(j_frame["technical_score"], j_frame["y"], ridge=RIDGE)
        print(f"(fit on the judged set alone: intercept {ja:.2f}, slope {jb:.2f}, P = 0.5 at {-ja / jb:.2f}; "
              "nearly separated, hence the steep slope)\n")
    print("== Brier score (lower is better) ==")
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    fmt = {"float_format": lambda v: f"{v:.3f}", "index": False}
    for name, frame in sets:
        score, y = frame["technical_score"].to_numpy(float), frame["y"].to_numpy(int)
        print(f"\n== reliability, {name}: shipped curve ==")
        print(reliability_table(shipped.p_technical(score), y).to_string(**fmt))
        print(f"\n== reliability, {name}: previous hand-set curve ==")
        print(reliability_table(previous_curve(score), y).to_string(**fmt))
        print(f"\n== reliability, {name}: re-fitted out-of-fold ==")
        print(reliability_table(oofs[name], y).to_string(**fmt))
    print("\n== kit.role_reliability(kit.load_postings(), 'synthetic_role') (the loaded role_confidence) ==")
    table = role_reliability(sample, "synthetic_role")
    print(table.to_string(**fmt))
    print(f"Brier {table.attrs['brier']:.4f} on {table.attrs['n']} postings")
    print("\n== decision threshold fitted in k-fold (upgrade when technical score >= cut), held-out agreement ==")
    for name, frame in sets:
        cv = cv_threshold(frame)
        cuts = sorted({c for cs in cv["cuts"] for c in cs})
        in_sample = float(((frame["technical_score"] >= 3.0) == frame["y"].astype(bool)).mean())
        print(f"{name}: n = {len(frame)}, out-of-fold agreement {cv['agreement'].mean():.1%} "
              f"(min {cv['agreement'].min():.1%}, max {cv['agreement'].max():.1%} over {len(SEEDS)} seeds); "
              f"fitted cuts {cuts}; the shipped cut (score >= 3) in-sample {in_sample:.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

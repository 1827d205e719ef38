"""How much two roles overlap, overall and per company, by a few clearly defined measures.

Every measure compares the postings of role ``a`` with those of role ``b`` (``role`` column) in one
scope: all postings (``company`` = "(all)") or one company (grouped by :func:`kit.prepare.companies.company_key`,
shown under its most frequent spelling). A posting *mentions* a lexicon phrase (or theme) when its
description contains any variant of it (kit/data/lexicon.yaml). Only the role's own sections count by default
(``sections="role"``; ``"all"`` for the whole description; :mod:`kit.index.scope`).

Measures (``measure`` column; all in [0, 1]):

* ``jaccard_frequent_phrases`` - Jaccard index |A n B| / |A u B| of the two roles' *frequent*
  lexicon phrases: those mentioned by at least ``FREQUENT_SHARE`` (10%) of the role's postings.
  1 = the same frequent phrases. NA when neither role has a frequent phrase.
* ``cosine_lexicon`` - cosine similarity of the two roles' lexicon profiles (the vector of shares of
  postings mentioning each lexicon phrase). 1 = identical profiles.
* ``cosine_ngrams`` - cosine similarity of the role centroids of the postings' tf-idf vectors over
  the index's open 1-3 word n-grams (raw counts x smoothed idf ln((1+N)/(1+df))+1 over the whole
  indexed table, so every company is weighed alike; each posting l2-normalized;
  :meth:`kit.index.phraseindex.PhraseIndex.tfidf`).
* ``share_nearer_other`` - share of the two roles' postings whose lexicon profile (which lexicon
  phrases the posting mentions, as a 0/1 vector scaled to unit length) is closer (cosine) to the
  *other* role's centroid than to its own role's centroid computed without the posting itself
  (leave-one-out). About 0 = cleanly separated roles; around 0.5 = indistinguishable. Postings
  mentioning no lexicon phrase are left out. NA when a role has fewer than 2 postings.
* ``shared_theme_gap`` - mean absolute difference between the roles' shares of postings mentioning
  each *shared-skills* theme (side "shared": written communication, cross-functional influence,
  technical credibility, stakeholder alignment). 0 = parity.

``small_sample`` is True when ``n_a`` or ``n_b`` is below ``MIN_N`` (20): the value is shown, not
hidden, but is noisy. ``attrs["themes"]`` holds the theme mention shares of the "(all)" scope:
``[theme, side, share_a, share_b, n_a, n_b, theme_label]``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from kit.analysis.phrases import _mask, _need
from kit.analysis.stats import MIN_N
from kit.index.scope import DEFAULT_SECTIONS, Sections, scope_label

__all__ = ["FREQUENT_SHARE", "MEASURES", "MIN_N", "role_overlap"]

FREQUENT_SHARE = 0.10
ALL = "(all)"
#: measure -> description (the ``description`` column).
MEASURES = {
    "jaccard_frequent_phrases": f"Jaccard index of the lexicon phrases mentioned by >= {FREQUENT_SHARE:.0%} of each "
    "role's postings (1 = same frequent phrases)",
    "cosine_lexicon": "cosine similarity of the roles' lexicon profiles (share of postings mentioning each phrase)",
    "cosine_ngrams": "cosine similarity of the roles' tf-idf n-gram centroids (1 = same vocabulary profile)",
    "share_nearer_other": "share of postings whose lexicon profile is closer to the other role's centroid than "
    "to their own (leave-one-out); 0.5 = indistinguishable",
    "shared_theme_gap": "mean absolute difference in the share of postings mentioning each shared-skills theme "
    "(0 = parity)",
}
COLUMNS = ["company", "measure", "value", "n_a", "n_b", "small_sample", "description"]


def _cosine(u: np.ndarray, v: np.ndarray) -> float:
    # plain reductions, not BLAS dot: multithreaded BLAS stalls on a busy machine for these short vectors
    nu, nv = np.sqrt((u * u).sum()), np.sqrt((v * v).sum())
    return float((u * v).sum() / (nu * nv)) if nu > 0 and nv > 0 else np.nan


def _nearer_other(x: sp.csr_matrix, is_a: np.ndarray, sums: np.ndarray) -> float:
    """Leave-one-out nearest-centroid share on l2-normalized rows (cosine is scale-free: use sums).

    Args:
        x: The scope's postings (rows l2-normalized, so |x|^2 is 1, or 0 for an empty posting).
        is_a: Row belongs to role a.
        sums: ``V x 2`` column sums of the a rows and the b rows.
    """
    n_a, n_b = int(is_a.sum()), int((~is_a).sum())
    if n_a < 2 or n_b < 2:
        return np.nan
    dots = np.asarray(x @ sums)  # one pass: each posting's dot with both sums
    x_norm2 = (np.diff(x.indptr) > 0).astype(np.float64)
    sq = (sums * sums).sum(axis=0)
    own = np.where(is_a, dots[:, 0], dots[:, 1])
    other = np.where(is_a, dots[:, 1], dots[:, 0])
    own_sq = np.where(is_a, sq[0], sq[1])
    other_sq = np.where(is_a, sq[1], sq[0])
    own_loo2 = own_sq - 2 * own + x_norm2
    with np.errstate(divide="ignore", invalid="ignore"):
        cos_own = (own - x_norm2) / np.sqrt(own_loo2)
        cos_other = other / np.sqrt(other_sq)
    ok = (x_norm2 > 0) & (own_loo2 > 1e-9) & np.isfinite(cos_other)
    cos_own = np.where(np.isfinite(cos_own), cos_own, 0.0)
    evaluated = int(ok.sum())
    return int((cos_other[ok] > cos_own[ok]).sum()) / evaluated if evaluated else np.nan


def _tfidf_sums(index, rows_a: np.ndarray, rows_b: np.ndarray, *, shared: bool) -> np.ndarray:
    """``2 x V`` sums of the tf-idf rows (:meth:`PhraseIndex.tfidf`) of index rows ``rows_a`` and ``rows_b``.

    Computed from the raw n-gram counts, the idf and the row norms in float64 (one matrix-vector
    product per role, no tf-idf slice); ``shared`` reuses the n-gram row slices of
    ``distinctive_phrases`` on the same selection (:func:`kit.index.phraseindex.row_slice`).
    """
    from kit.index.phraseindex import column_sums, row_slice

    idf, scale = index.tfidf_weights()
    sums = np.empty((2, index.ngrams.shape[1]))
    for g, rows in enumerate((rows_a, rows_b)):
        x = row_slice(index, "ngrams", rows) if shared else index.ngrams[rows]
        sums[g] = column_sums(x, row_weights=scale[rows])
    sums *= idf
    return sums


def _theme_strings(index, info: pd.DataFrame) -> dict:
    """The theme table's text columns as "string" arrays, converted once per index (copied per call)."""
    if "theme_strings" not in index.derived:
        columns = ("theme", "side", "theme_label")
        index.derived["theme_strings"] = {c: pd.array(info[c], dtype="string") for c in columns}
    return {c: v.copy() for c, v in index.derived["theme_strings"].items()}


def _scope(
    lex: sp.csr_matrix, tfidf_sums: np.ndarray, themes: sp.csr_matrix, is_a: np.ndarray, shared_cols
) -> dict:
    """The measures for one scope: its postings of both roles (``is_a`` marks role a).

    ``tfidf_sums`` is the scope's ``2 x V`` tf-idf row sums of role a and role b (:func:`_tfidf_sums`).
    """
    n_a, n_b = int(is_a.sum()), int((~is_a).sum())
    out = dict.fromkeys(MEASURES, np.nan)
    if n_a == 0 or n_b == 0:
        return out
    groups = np.column_stack([is_a, ~is_a]).astype(np.float64)
    shares = np.asarray(lex.T @ groups) / [n_a, n_b]
    share_a, share_b = shares[:, 0], shares[:, 1]
    freq_a, freq_b = share_a >= FREQUENT_SHARE, share_b >= FREQUENT_SHARE
    union = int((freq_a | freq_b).sum())
    out["jaccard_frequent_phrases"] = (freq_a & freq_b).sum() / union if union else np.nan
    out["cosine_lexicon"] = _cosine(share_a, share_b)
    out["cosine_ngrams"] = _cosine(tfidf_sums[0], tfidf_sums[1])
    norms = np.sqrt(np.diff(lex.indptr).astype(np.float64))  # binary rows: |x| = sqrt(phrases mentioned)
    unit = sp.csr_matrix(sp.diags(np.where(norms > 0, 1 / np.where(norms > 0, norms, 1), 0)) @ lex)
    out["share_nearer_other"] = _nearer_other(unit, is_a, np.asarray(unit.T @ groups))
    if len(shared_cols):
        t = np.asarray(themes[:, shared_cols].T @ groups) / [n_a, n_b]
        out["shared_theme_gap"] = float(np.abs(t[:, 0] - t[:, 1]).mean())
    return out


def role_overlap(
    postings: pd.DataFrame, a: str = "pmt", b: str = "tpm", *, by: str = "role", sections: Sections = DEFAULT_SECTIONS
) -> pd.DataFrame:
    """Overlap measures between two roles, overall and per company (see the module doc for definitions).

    Args:
        postings: A frame with ``description`` and ``role`` (and ``company`` for per-company rows);
            a loaded table or selection uses the cached phrase index.
        a: First role (``by`` value).
        b: Second role.
        by: The role column.
        sections: The text counted: "role" (default: the role's own sections), "all" or a list of kinds.

    Returns:
        ``[company, measure, value, n_a, n_b, small_sample, description]``: first the "(all)" rows,
        then each company with postings of either role (by decreasing n_a + n_b). ``attrs``: ``a``,
        ``b``, ``min_n``, ``frequent_share``, ``sections`` (label of the counted sections) and ``themes``
        (frame ``[theme, side, share_a, share_b, n_a, n_b, theme_label]`` for "(all)").
    """
    from kit.index.phraseindex import index_for, row_slice

    _need(postings, "description", by)
    index, pos = index_for(postings, sections=sections)
    in_a, in_b = _mask(postings[by], a), _mask(postings[by], b)
    keep = np.flatnonzero(in_a | in_b)
    rows = pos[keep]
    lex = row_slice(index, "lexicon", rows)
    lex_bin = sp.csr_matrix(((lex.data != 0).astype(np.float64), lex.indices, lex.indptr), shape=lex.shape)
    all_themes, info = index.theme_mentions()
    themes = all_themes[rows]
    shared_cols = np.flatnonzero(info["side"].to_numpy(dtype=object) == "shared")
    is_a = in_a[keep]

    scopes: list[tuple[str, np.ndarray]] = [(ALL, np.arange(len(keep)))]
    if "company" in postings.columns and len(keep):
        from kit.prepare.companies import company_keys

        codes, _keys, labels = company_keys(postings, "company")
        sub = codes[keep]
        valid = np.flatnonzero(sub >= 0)
        if len(valid):
            order = np.argsort(sub[valid], kind="stable")
            sorted_codes = sub[valid][order]
            bounds = np.flatnonzero(np.diff(sorted_codes)) + 1
            groups = np.split(valid[order], bounds)
            groups.sort(key=lambda rows: (-len(rows), str(labels[sub[rows[0]]])))
            scopes += [(str(labels[sub[rows[0]]]), rows) for rows in groups]

    records = []
    theme_frame = None
    for name, rows in scopes:
        if name == ALL:
            sums = _tfidf_sums(index, pos[keep[is_a]], pos[keep[~is_a]], shared=True)
            values = _scope(lex_bin, sums, themes, is_a, shared_cols)
            all_values = values
        elif len(rows) == len(keep):  # one company makes up the whole selection: same rows as "(all)"
            values = all_values
        else:
            sub = keep[rows]
            sums = _tfidf_sums(index, pos[sub[is_a[rows]]], pos[sub[~is_a[rows]]], shared=False)
            values = _scope(lex_bin[rows], sums, themes[rows], is_a[rows], shared_cols)
        ra, rb = rows[is_a[rows]], rows[~is_a[rows]]
        n_a, n_b = len(ra), len(rb)
        small = n_a < MIN_N or n_b < MIN_N
        records += [(name, m, values[m], n_a, n_b, small, MEASURES[m]) for m in MEASURES]
        if name == ALL:
            counts = np.asarray(themes.T @ np.column_stack([is_a, ~is_a]).astype(np.float64))
            with np.errstate(invalid="ignore", divide="ignore"):
                share_a = counts[:, 0] / n_a if n_a else np.full(len(info), np.nan)
                share_b = counts[:, 1] / n_b if n_b else np.full(len(info), np.nan)
            labels_ = _theme_strings(index, info)
            theme_frame = pd.DataFrame(
                {
                    "theme": labels_["theme"],
                    "side": labels_["side"],
                    "share_a": share_a,
                    "share_b": share_b,
                    "n_a": np.full(len(info), n_a, dtype=np.int64),
                    "n_b": np.full(len(info), n_b, dtype=np.int64),
                    "theme_label": labels_["theme_label"],
                }
            )
    # one column array each, converted once (not a record frame re-typed column by column)
    columns = list(zip(*records, strict=True)) if records else [()] * len(COLUMNS)
    out = pd.DataFrame(
        {
            "company": pd.array(list(columns[0]), dtype="string"),
            "measure": pd.array(list(columns[1]), dtype="string"),
            "value": np.array(columns[2], dtype=np.float64),
            "n_a": np.array(columns[3], dtype=np.int64),
            "n_b": np.array(columns[4], dtype=np.int64),
            "small_sample": np.array(columns[5], dtype=bool),
            "description": pd.array(list(columns[6]), dtype="string"),
        }
    )
    out.attrs = {"a": a, "b": b, "min_n": MIN_N, "frequent_share": FREQUENT_SHARE, "themes": theme_frame,
                 "sections": scope_label(sections)}
    return out

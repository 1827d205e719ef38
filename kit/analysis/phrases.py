"""Phrase analyses: how often each phrase is mentioned, and which phrases set two roles apart.

Both functions accept any frame with a ``description`` column and a group column (``role`` by
default); on a loaded postings table (or a selection of it) they read the cached phrase index
(:func:`kit.index.phraseindex.index_for`) instead of re-tokenizing. They count the role's own sections
by default (``sections="role"``: summary, responsibilities, requirements, un-headed body; ``"all"`` for
the whole description; :mod:`kit.index.scope`), so the company's "About us" does not count as the job.

Statistics
----------
``phrase_frequency`` reports the *share of postings mentioning* a phrase (a posting mentions it when
any variant occurs at least once), so one long posting does not dominate, with a Wilson score 95%
interval. With ``balance="company"`` every company in a group weighs the same: posting i of company
c gets weight 1/n_c, ``share`` is the mean of the per-company shares, and the interval is the Wilson
interval at that share with Kish's effective sample size n_eff = (sum w)^2 / sum w^2 (equal to the
number of postings when all companies are equally large, smaller the more unequal they are, and
never more than the postings); ``n_mentioning`` and ``n_postings`` stay raw counts and
``n_effective`` is added. The interval treats postings as independent; postings of one company
are alike, so read it as a lower bound on the uncertainty.

``distinctive_phrases`` is the log-odds ratio with informative Dirichlet prior of Monroe, Colaresi &
Quinn (2008, "Fightin' Words", section 3.5.1). With y_w^a the count of phrase w in group a,
n^a = sum_w y_w^a, alpha_w the prior and alpha_0 = sum_w alpha_w over the vocabulary V (the phrases
seen in either group)::

    delta_w = log((y_w^a + alpha_w) / (n^a + alpha_0 - y_w^a - alpha_w))
            - log((y_w^b + alpha_w) / (n^b + alpha_0 - y_w^b - alpha_w))
    variance_w = 1 / (y_w^a + alpha_w) + 1 / (y_w^b + alpha_w)          (their eq. 20)
    z_w = delta_w / sqrt(variance_w)

A number for ``prior`` is a uniform alpha_w (so alpha_0 = prior x |V|); a background corpus gives
alpha_w = prior_scale x (background count of w) + 0.01 (the floor keeps a proper prior for
phrases the background lacks). Swapping a and b flips every sign.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from os import PathLike

import numpy as np
import pandas as pd
import scipy.sparse as sp

from kit.analysis.stats import MIN_N, wilson_interval
from kit.core.datafiles import read_yaml
from kit.core.memo import ColumnMemo
from kit.core.paths import DATA_DIR
from kit.core.schema import require_columns
from kit.index.scope import DEFAULT_SECTIONS, Sections, scope_label, scoped_text

__all__ = ["MIN_N", "STOP_PHRASES_FILE", "distinctive_phrases", "phrase_frequency", "readable_phrases"]

FREQUENCY_COLUMNS = ["phrase", "theme", "side", "n_mentioning", "n_postings", "share", "ci_low", "ci_high"]
DISTINCTIVE_COLUMNS = [
    "phrase", "count_a", "count_b", "docs_a", "docs_b", "total", "log_odds", "variance", "z", "side",
]
_BACKGROUND_FLOOR = 0.01


def _need(df: pd.DataFrame, *columns: str | None) -> None:
    require_columns(df.columns, columns, path="<DataFrame>", problem="column missing",
                    expected=f"a frame with columns {', '.join(repr(c) for c in columns if c)}",
                    fix="load postings with kit.load_postings, or pass by= / text= naming your columns")


def _groups(df: pd.DataFrame, by: str | None) -> tuple[np.ndarray, list]:
    """Group codes per row (-1 = no group) and the group labels, roles in ROLES order."""
    if by is None:
        return np.zeros(len(df), dtype=np.int64), ["(all)"]
    values = df[by]
    if by == "company":  # alias-aware: "AWS" and "Amazon.com Services LLC" are one group
        from kit.prepare.companies import company_labels

        values = company_labels(df)
    codes, uniques = pd.factorize(values, sort=True)
    labels = list(uniques)
    if by == "role":
        from kit.core.schema import ROLES

        order = sorted(range(len(labels)), key=lambda i: (ROLES.index(labels[i]) if labels[i] in ROLES else 99, i))
        remap = np.empty(len(labels), dtype=np.int64)
        remap[order] = np.arange(len(labels))
        codes = np.where(codes >= 0, remap[np.maximum(codes, 0)] if len(labels) else codes, -1)
        labels = [labels[i] for i in order]
    return np.asarray(codes, dtype=np.int64), labels


def _indicator(codes: np.ndarray, n_groups: int, weights: np.ndarray | None = None) -> sp.csr_matrix:
    rows = np.flatnonzero(codes >= 0)
    w = np.ones(len(rows)) if weights is None else weights[rows]
    return sp.csr_matrix((w, (codes[rows], rows)), shape=(n_groups, len(codes)))


def _company_weights(df: pd.DataFrame, codes: np.ndarray) -> np.ndarray:
    _need(df, "company")
    from kit.prepare.companies import company_keys

    comp = company_keys(df, "company")[0].astype(np.int64)
    comp = np.where(comp < 0, comp.max(initial=-1) + 1, comp)  # missing names form one "company"
    pair = codes * (comp.max(initial=0) + 1) + comp
    _, inverse, counts = np.unique(pair, return_inverse=True, return_counts=True)
    return 1.0 / counts[inverse]


def phrase_frequency(
    postings: pd.DataFrame,
    *,
    by: str | None = "role",
    lexicon: str | PathLike | pd.DataFrame = "default",
    top: int | None = None,
    balance: str | None = None,
    sections: Sections = DEFAULT_SECTIONS,
) -> pd.DataFrame:
    """Share of postings mentioning each phrase, per group.

    Args:
        postings: A frame with ``description`` and the ``by`` column (a loaded postings table or
            any selection of it uses the cached phrase index).
        by: Group column ("role", "company", "seniority", ...), or None for one group "(all)".
            Rows whose group is missing are left out. Companies are grouped by company key
            (aliases merged) and shown under their most frequent spelling.
        lexicon: ``"default"`` (kit/data/lexicon.yaml), a lexicon file / frame, or ``"ngrams"``
            for the index's open 1-3 word n-grams (then only phrases mentioned in a group appear).
        top: Keep the ``top`` phrases with the highest share in each group.
        balance: None, or ``"company"`` to weigh every company in a group equally (see module doc).
        sections: The text counted (:mod:`kit.index.scope`): "role" (default: the role's own sections),
            "all" (the whole description) or a list of section kinds.

    Returns:
        Columns ``[<by>, phrase, theme, side, n_mentioning, n_postings, share, ci_low, ci_high,
        theme_label]`` (plus ``n_effective`` when balanced); one row per group x phrase, groups in
        order, phrases by decreasing share. ``theme`` / ``side`` are NA for n-grams.
        ``attrs``: ``by``, ``lexicon``, ``balance``, ``min_n``, ``sections`` (the counted sections' label).

    Raises:
        DataError: A needed column is missing.
        ValueError: ``balance`` is not None or "company".
    """
    from kit.index.phraseindex import index_for, row_slice

    _need(postings, "description", by)
    if balance not in (None, "company"):
        raise ValueError(f"balance={balance!r}: expected None or 'company'")
    ngrams = isinstance(lexicon, str) and lexicon == "ngrams"
    index, pos = index_for(postings, lexicon="default" if ngrams else lexicon, sections=sections)
    if ngrams:
        mat = index.ngrams[pos]
        names = index.vocabulary
        themes = sides = labels_ = np.full(len(names), None, dtype=object)
    else:
        mat = row_slice(index, "lexicon", pos)
        names, themes, sides, labels_ = _phrase_columns(index)
    codes, groups = _groups(postings, by)
    n_groups = len(groups)
    n_post = np.bincount(codes[codes >= 0], minlength=n_groups).astype(np.float64)
    w = _company_weights(postings, codes) if balance == "company" else None
    if w is not None:
        wsum = np.bincount(codes[codes >= 0], weights=w[codes >= 0], minlength=n_groups)
        w2 = np.bincount(codes[codes >= 0], weights=(w**2)[codes >= 0], minlength=n_groups)
        n_eff = np.where(w2 > 0, wsum**2 / np.where(w2 > 0, w2, 1), 0.0)
        denom = wsum
    else:
        n_eff = n_post.copy()
        denom = n_post
    if ngrams:
        # group x phrase counts stay sparse (n-gram vocabularies are large): the mentioned ones only
        binary = mat.astype(bool).astype(np.float64)
        raw = _indicator(codes, n_groups)
        mention = sp.csr_matrix(raw @ binary)
        mention.sum_duplicates()
        numer = mention
        if w is not None:
            numer = sp.csr_matrix(_indicator(codes, n_groups, w) @ binary)
            numer.sum_duplicates()
        coo = mention.tocoo()
        g_idx, cols, m = coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data
        s = np.asarray(numer[g_idx, cols]).ravel() if numer is not mention else m.copy()
    else:
        # a lexicon is small: dense group x phrase counts from one bincount over the stored entries
        n_phr = len(names)
        entry_group = np.repeat(codes, np.diff(mat.indptr))
        hit = (entry_group >= 0) & (mat.data != 0)
        key = entry_group[hit] * n_phr + mat.indices[hit]
        m = np.bincount(key, minlength=n_groups * n_phr).astype(np.float64)
        if w is not None:
            entry_w = np.repeat(w, np.diff(mat.indptr))[hit]
            s = np.bincount(key, weights=entry_w, minlength=n_groups * n_phr)
        else:
            s = m.copy()
        g_idx = np.repeat(np.arange(n_groups), n_phr)
        cols = np.tile(np.arange(n_phr), n_groups)
    m = np.asarray(m, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.nan_to_num(np.asarray(s, dtype=np.float64) / denom[g_idx], nan=0.0)
    order = np.lexsort((cols, -m, -s, g_idx))  # group, then share and mentions descending
    g_idx, cols, s, m = g_idx[order], cols[order], s[order], m[order]
    if top is not None:
        starts = np.searchsorted(g_idx, np.arange(n_groups))
        rank = np.arange(len(g_idx)) - starts[g_idx]
        keep = rank < top
        g_idx, cols, s, m = g_idx[keep], cols[keep], s[keep], m[keep]
    lo, hi = wilson_interval(s * n_eff[g_idx], n_eff[g_idx])
    group_values = np.empty(n_groups, dtype=object)
    group_values[:] = groups
    data = {
        by or "group": group_values[g_idx],
        "phrase": pd.array(names[cols].astype(str) if len(cols) else [], dtype="string"),
        "theme": pd.array(themes[cols], dtype="string"),
        "side": pd.array(sides[cols], dtype="string"),
        "n_mentioning": m.astype(np.int64),
        "n_postings": n_post[g_idx].astype(np.int64),
        "share": s.astype(np.float64),
        "ci_low": lo,
        "ci_high": hi,
        "theme_label": pd.array(labels_[cols], dtype="string"),
    }
    if balance:
        data["n_effective"] = n_eff[g_idx].astype(np.float64)
    out = pd.DataFrame(data)
    out.attrs = {"by": by, "lexicon": "ngrams" if ngrams else str(lexicon), "balance": balance, "min_n": MIN_N,
                 "sections": scope_label(sections)}
    return out


def _phrase_columns(index) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The lexicon's ``phrase, theme, side, theme_label`` as object arrays (converted once per index)."""
    if "phrase_columns" not in index.derived:
        cols = ("phrase", "theme", "side", "theme_label")
        index.derived["phrase_columns"] = tuple(index.phrases[c].to_numpy(dtype=object) for c in cols)
    return index.derived["phrase_columns"]


def _strings(names: np.ndarray, arrow, take: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """``names[take]`` as a "string" array (through pyarrow's take when the index has an Arrow vocabulary)."""
    if arrow is not None:
        return pd.array(arrow.take(take), dtype="string")
    return pd.array(names[take].astype(str) if len(take) else [], dtype="string")


#: ``pd.factorize`` of group columns (analyses of one selection share it; lifetime in :mod:`kit.core.memo`).
_CODES: ColumnMemo[tuple[np.ndarray, list]] = ColumnMemo("group codes", maxsize=4)


def _codes(values: pd.Series) -> tuple[np.ndarray, list]:
    """``pd.factorize(values)``, remembered for the last few columns."""
    return _CODES.get(values, _factorize)


def _factorize(values: pd.Series) -> tuple[np.ndarray, list]:
    codes, uniques = pd.factorize(values)
    return codes, list(uniques)


def _mask(values: pd.Series, group: str | Iterable[str]) -> np.ndarray:
    """Rows whose value is one of ``group`` (missing values never match), via the column's distinct values."""
    wanted = {group} if isinstance(group, str) else set(group)
    codes, uniques = _codes(values)
    hits = [i for i, u in enumerate(uniques) if u in wanted]
    return np.isin(codes, hits) if hits else np.zeros(len(values), dtype=bool)


def _background_texts(prior: pd.DataFrame | pd.Series | Iterable[str], text: str) -> list:
    if isinstance(prior, pd.DataFrame):
        _need(prior, text)
        return prior[text].tolist()
    return list(prior)


def distinctive_phrases(
    postings: pd.DataFrame,
    a: str | Iterable[str] = "pmt",
    b: str | Iterable[str] = "tpm",
    *,
    text: str = "description",
    by: str = "role",
    prior: float | pd.DataFrame | pd.Series | Iterable[str] = 0.05,
    prior_scale: float = 1.0,
    ngram_range: tuple[int, int] = (1, 3),
    stop_words: str | Iterable[str] | None = "english",
    sections: Sections = DEFAULT_SECTIONS,
) -> pd.DataFrame:
    """Phrases that set group ``a`` apart from group ``b``: log-odds ratios with informative Dirichlet prior.

    Args:
        postings: A frame with the ``text`` and ``by`` columns.
        a: Group value(s) of ``by`` for the first group (positive z).
        b: Group value(s) for the second group (negative z).
        text: The text column.
        by: The group column.
        prior: A number (uniform alpha_w per phrase) or a background corpus (a frame with the
            ``text`` column, a Series or list of texts): alpha_w = prior_scale x background count + 0.01.
        prior_scale: Multiplies background counts (ignored for a numeric prior).
        ngram_range: Phrase lengths in words.
        stop_words: ``"english"``, a list, or None; n-grams starting or ending with one are dropped.
        sections: When ``text`` is "description", the sections counted (:mod:`kit.index.scope`): "role"
            (default), "all" or a list of kinds. Ignored for another text column.

    Returns:
        ``[phrase, count_a, count_b, docs_a, docs_b, total, log_odds, variance, z, side]`` sorted by
        ``z`` descending, one row per phrase seen in either group. ``count_*`` are occurrences,
        ``docs_*`` postings containing the phrase, ``side`` is ``a`` if z > 0 else ``b``.
        ``attrs``: ``a``, ``b``, ``n_a``, ``n_b`` (postings), ``tokens_a``, ``tokens_b``, ``prior``,
        ``variance``, ``source`` ("index" or "vectorized"), ``sections`` (label of the counted sections, or
        the ``text`` column's name).

    Notes:
        When ``text`` is "description", ``stop_words`` is "english" and ``ngram_range`` lies within
        (1, 3), a loaded table (or selection) reads the cached index, whose vocabulary keeps n-grams
        seen in at least 2 postings of the whole table; otherwise the two groups' texts are
        vectorized here with the same tokenizer and no minimum frequency.
    """
    from kit.index.phraseindex import (
        INDEX_NGRAM_RANGE,
        INDEX_STOP_WORDS,
        column_sums,
        count_ngrams,
        index_for,
        row_slice,
        source_key,
    )

    _need(postings, text, by)
    if not isinstance(prior, pd.DataFrame | pd.Series) and np.ndim(prior) == 0:
        if not float(prior) > 0:
            raise ValueError(f"prior={prior!r}: expected a positive number or a background corpus")
    in_a = _mask(postings[by], a)
    in_b = _mask(postings[by], b)
    lo, hi = ngram_range
    use_index = (
        text == "description"
        and isinstance(stop_words, str)
        and stop_words == INDEX_STOP_WORDS
        and INDEX_NGRAM_RANGE[0] <= lo <= hi <= INDEX_NGRAM_RANGE[1]
        and source_key(postings) is not None
    )
    rows_a = np.flatnonzero(in_a)
    rows_b = np.flatnonzero(in_b & ~in_a)  # a row in both groups counts as a
    arrow = None
    if use_index:
        index, pos = index_for(postings, sections=sections)
        # the same row slices as role_overlap's on this selection: the n-gram matrix is sliced once
        x_a, x_b = row_slice(index, "ngrams", pos[rows_a]), row_slice(index, "ngrams", pos[rows_b])
        names = index.vocabulary
        arrow = index.vocabulary_arrow()
        wanted = (index.ngram_lengths >= lo) & (index.ngram_lengths <= hi)
    else:
        rows = np.flatnonzero(in_a | in_b)  # vectorized in table order (the vocabulary is in first-seen order)
        texts = scoped_text(postings.iloc[rows], sections) if text == "description" else postings[text].iloc[rows]
        counts = count_ngrams(texts, ngram_range=ngram_range, stop_words=stop_words, min_df=1)
        x_a, x_b = counts.ngrams[np.flatnonzero(in_a[rows])], counts.ngrams[np.flatnonzero(~in_a[rows])]
        names = counts.vocabulary
        wanted = np.ones(len(names), dtype=bool)
    y = np.stack([column_sums(x_a), column_sums(x_b)])  # (a, b) x phrase occurrence counts
    docs = np.stack([column_sums(x_a, binary=True), column_sums(x_b, binary=True)])  # postings containing it
    seen = np.flatnonzero(wanted & ((y[0] + y[1]) > 0))
    all_names = names
    y_a, y_b, names = y[0, seen], y[1, seen], names[seen]
    d_a, d_b = docs[0, seen], docs[1, seen]
    if isinstance(prior, pd.DataFrame | pd.Series) or np.ndim(prior) > 0:
        bg = count_ngrams(
            _background_texts(prior, text), ngram_range=ngram_range, stop_words=None, vocabulary=list(names)
        )
        alpha = prior_scale * np.asarray(bg.ngrams.sum(axis=0)).ravel() + _BACKGROUND_FLOOR
        prior_note = f"background corpus ({bg.ngrams.shape[0]} texts) x {prior_scale} + {_BACKGROUND_FLOOR}"
    else:
        alpha = np.full(len(names), float(prior))
        prior_note = f"uniform {float(prior)} per phrase"
    alpha0 = alpha.sum()
    n_a, n_b = y_a.sum(), y_b.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        log_a = np.log((y_a + alpha) / (n_a + alpha0 - y_a - alpha))
        delta = log_a - np.log((y_b + alpha) / (n_b + alpha0 - y_b - alpha))
        variance = 1.0 / (y_a + alpha) + 1.0 / (y_b + alpha)
        z = delta / np.sqrt(variance)
    a_name = a if isinstance(a, str) else "+".join(a)
    b_name = b if isinstance(b, str) else "+".join(b)
    order = np.argsort(-z, kind="stable")  # ties keep vocabulary order
    sides = np.array([a_name, b_name], dtype=object)
    sides_arrow = None
    if arrow is not None:  # pyarrow is at hand: take from a 2-value array, no per-row Python strings
        import pyarrow as pa

        sides_arrow = pa.array([a_name, b_name], type=pa.large_string())
    out = pd.DataFrame(
        {
            "phrase": _strings(all_names, arrow, seen[order]),
            "count_a": y_a[order].astype(np.int64),
            "count_b": y_b[order].astype(np.int64),
            "docs_a": np.asarray(d_a)[order].astype(np.int64),
            "docs_b": np.asarray(d_b)[order].astype(np.int64),
            "total": (y_a + y_b)[order].astype(np.int64),
            "log_odds": delta[order],
            "variance": variance[order],
            "z": z[order],
            "side": _strings(sides, sides_arrow, (~(z[order] > 0)).astype(np.intp)),
        }
    )
    out.attrs = {
        "a": a_name,
        "b": b_name,
        "n_a": int(in_a.sum()),
        "n_b": int(in_b.sum()),
        "tokens_a": int(n_a),
        "tokens_b": int(n_b),
        "prior": prior_note,
        "variance": "1/(y_a + alpha) + 1/(y_b + alpha)",
        "source": "index" if use_index else "vectorized",
        "min_n": MIN_N,
        "sections": scope_label(sections) if text == "description" else text,
    }
    return out


STOP_PHRASES_FILE = DATA_DIR / "stop_phrases.yaml"


@lru_cache(maxsize=2)
def _stop_phrases(path: str) -> tuple[frozenset[str], float]:
    spec = read_yaml(path, what="stop phrases") or {}
    words = frozenset(str(w).lower() for w in spec.get("title_words") or ())
    return words, float(spec.get("fold_share", 0.8))


def readable_phrases(
    dist: pd.DataFrame,
    *,
    exclude_title_words: bool = True,
    fold: bool = True,
    significant: float = 1.96,
    path: str | PathLike | None = None,
) -> pd.DataFrame:
    """The distinctive phrases a reader learns from (what charts, the explorer and reports show).

    Two rules from ``kit/data/stop_phrases.yaml`` (documented there): phrases containing one of the roles'
    own title words are left out ("product", "program management"), and a shorter phrase wholly explained
    by a longer distinctive one on the same side is folded into it ("offs" into "trade offs").

    Args:
        dist: :func:`distinctive_phrases` output.
        exclude_title_words: Leave out phrases with a title word.
        fold: Fold shorter phrases into longer ones.
        significant: Only phrases with ``|z|`` at least this large can absorb shorter ones.
        path: Another stop-phrase file.

    Returns:
        ``dist`` without those rows (same columns, order and ``attrs``); ``attrs["folded"]`` maps each
        folded phrase to the phrase it was folded into, ``attrs["title_words_excluded"]`` says whether
        title words were left out.
    """
    if dist is None or dist.empty or "phrase" not in dist.columns:
        return dist
    words, share = _stop_phrases(str(path or STOP_PHRASES_FILE))
    phrases = dist["phrase"].astype(str)
    keep = np.ones(len(dist), dtype=bool)
    if exclude_title_words and words:
        keep &= ~phrases.map(lambda p: not words.isdisjoint(p.split())).to_numpy(dtype=bool)
    folded: dict[str, str] = {}
    if fold and share > 0 and {"docs_a", "docs_b", "z"} <= set(dist.columns):
        docs = dict(zip(phrases, (dist["docs_a"] + dist["docs_b"]).to_numpy(), strict=True))
        z = dict(zip(phrases, dist["z"].astype(float).to_numpy(), strict=True))
        strong = [p for p, k in zip(phrases, keep, strict=True) if k and abs(z[p]) >= significant and " " in p]
        for longer in sorted(strong, key=lambda p: -abs(z[p])):
            parts = longer.split()
            for size in range(1, len(parts)):
                for start in range(len(parts) - size + 1):
                    sub = " ".join(parts[start:start + size])
                    if sub in docs and sub not in folded and np.sign(z[sub]) == np.sign(z[longer]) \
                            and docs[longer] >= share * docs[sub]:
                        folded[sub] = longer
        if folded:
            keep &= ~phrases.isin(list(folded)).to_numpy(dtype=bool)
    out = dist[keep]
    out.attrs = {**dist.attrs, "folded": folded, "title_words_excluded": bool(exclude_title_words and words)}
    return out

"""The phrase index's data model: :class:`PhraseIndex` (sparse posting x phrase counts of one table)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

__all__ = ["PhraseIndex"]


@dataclass(eq=False)
class PhraseIndex:
    """Sparse posting x phrase counts for one table.

    Attributes:
        posting_ids: One label per indexed posting (``posting_id``), or ``None`` for a positional
            index (a frame without unique posting ids: rows are matched by position).
        lexicon: CSR ``n_postings x n_phrases`` int32 counts of each canonical lexicon phrase.
        phrases: The lexicon frame (:func:`kit.index.lexicon.load_lexicon`), row ``j`` = column ``j``.
        ngrams: CSR ``n_postings x n_ngrams`` int32 counts of the open n-grams.
        vocabulary: Object array of the n-gram strings, entry ``j`` = column ``j``.
        ngram_lengths: Words per n-gram (int8), aligned with ``vocabulary``.
        doc_lengths: Tokens per posting (int32).
        key: The data key the index was built (and cached) under.
        params: ``ngram_range``, ``stop_words``, ``min_df``, ``lexicon_hash``, ``version``.
    """

    posting_ids: pd.Index | None
    lexicon: sp.csr_matrix
    phrases: pd.DataFrame
    ngrams: sp.csr_matrix
    vocabulary: np.ndarray
    ngram_lengths: np.ndarray
    doc_lengths: np.ndarray
    key: str
    params: dict = field(default_factory=dict)
    derived: dict = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return self.lexicon.shape[0]

    def __repr__(self) -> str:
        return (
            f"PhraseIndex({len(self)} postings, {self.lexicon.shape[1]} lexicon phrases, "
            f"{self.ngrams.shape[1]} n-grams, key={self.key!r})"
        )

    def tfidf(self) -> sp.csr_matrix:
        """Rows of ``ngrams`` as l2-normalized tf-idf (float32), computed once per index.

        tf is the raw count, idf the smoothed ln((1 + N) / (1 + df)) + 1 over all N indexed postings
        (scikit-learn's ``TfidfTransformer`` defaults); a posting without n-grams is a zero row.
        """
        if "tfidf" not in self.derived:
            x = self.ngrams
            n = x.shape[0]
            dfreq = np.bincount(x.indices, minlength=x.shape[1])
            idf = (np.log((1 + n) / (1 + dfreq)) + 1).astype(np.float32)
            data = x.data.astype(np.float32) * idf[x.indices]
            row = np.repeat(np.arange(n), np.diff(x.indptr))
            norms = np.sqrt(np.bincount(row, weights=data.astype(np.float64) ** 2, minlength=n))
            data /= np.where(norms > 0, norms, 1)[row].astype(np.float32)
            self.derived["tfidf"] = sp.csr_matrix((data, x.indices, x.indptr), shape=x.shape)
        return self.derived["tfidf"]

    def tfidf_weights(self) -> tuple[np.ndarray, np.ndarray]:
        """``(idf, row_scale)`` (float64) with ``tfidf()[i, j] = ngrams[i, j] * idf[j] * row_scale[i]``, computed once.

        ``idf`` is the smoothed ln((1 + N) / (1 + df)) + 1; ``row_scale`` is 1 / the l2 norm of the
        row's count x idf vector (0 for a posting without n-grams). Analyses that only need sums of
        tf-idf rows use these with :func:`column_sums` instead of slicing the tf-idf matrix.
        """
        if "tfidf_weights" not in self.derived:
            x = self.ngrams
            n = x.shape[0]
            dfreq = np.bincount(x.indices, minlength=x.shape[1])
            idf = np.log((1 + n) / (1 + dfreq)) + 1
            weighted = x.data * idf[x.indices]
            row = np.repeat(np.arange(n), np.diff(x.indptr))
            norms = np.sqrt(np.bincount(row, weights=weighted**2, minlength=n))
            scale = np.where(norms > 0, 1 / np.where(norms > 0, norms, 1), 0.0)
            self.derived["tfidf_weights"] = (idf, scale)
        return self.derived["tfidf_weights"]

    def vocabulary_arrow(self):
        """The n-gram vocabulary as a pyarrow string array (for fast ``take``), computed once."""
        if "vocabulary_arrow" not in self.derived:
            import pyarrow as pa

            self.derived["vocabulary_arrow"] = pa.array(self.vocabulary.tolist(), type=pa.large_string())
        return self.derived["vocabulary_arrow"]

    def theme_mentions(self) -> tuple[sp.csr_matrix, pd.DataFrame]:
        """Postings x themes 0/1 matrix (mentions any phrase of the theme) and ``[theme, side, theme_label]``."""
        if "themes" not in self.derived:
            codes, themes = pd.factorize(self.phrases["theme"])
            n_p = len(codes)
            mapping = sp.csr_matrix((np.ones(n_p), (np.arange(n_p), codes)), shape=(n_p, len(themes)))
            mentions = (self.lexicon.astype(bool).astype(np.float64) @ mapping).astype(bool).astype(np.float64)
            first = self.phrases.drop_duplicates("theme").set_index("theme").loc[list(themes)]
            info = first[["side", "theme_label"]].reset_index()
            self.derived["themes"] = (sp.csr_matrix(mentions), info)
        return self.derived["themes"]

    def positions(self, df: pd.DataFrame) -> np.ndarray | None:
        """Row positions of ``df``'s postings in this index, or ``None`` if some are not in it."""
        if self.posting_ids is None:
            return None
        if "posting_id" not in df.columns:
            return None
        pos = self.posting_ids.get_indexer(df["posting_id"])
        if (pos < 0).any():
            return None
        return pos

"""Story fit: which role do my experience stories read like, and what is missing.

Every number traces to phrases; there is no fitted model.

1. **Stories** come as a list of strings, pasted text, or a ``.txt`` / ``.md`` file: one story per
   paragraph (blank-line separated); in a paragraph of bullet lines (a pasted resume) each bullet
   is a story, and the non-bullet lines above the bullets (job headers) are skipped.
2. **Story phrases**: each story is matched against the lexicon's phrases and variants
   (``kit/data/lexicon.yaml``) and against everyday first-person wording mapped to the same
   themes (``kit/data/story_signals.yaml``: "unblocked three teams" -> dependencies). Words are
   lightly stemmed (ship / ships / shipped / shipping), so ordinary wording matches.
3. **Theme weights come from the postings in scope** (the postings passed in, narrowed with
   ``company`` / ``market``): for each theme, the share of PM-T and of TPM postings mentioning it,
   and the log odds ratio ``log[(x_p+.5)/(n_p-x_p+.5)] - log[(x_t+.5)/(n_t-x_t+.5)]`` (Haldane-
   Anscombe corrected) with its z = ratio / sqrt(sum of the four reciprocals). A theme weighs its
   log odds ratio when it separates the roles in these postings (|z| >= 1.96 and |ratio| >= 0.25,
   i.e. odds differ by at least ~28%); otherwise it weighs 0: shared ground. Themes the lexicon
   declares shared by both roles (side "shared": written communication, cross-functional
   influence, technical credibility, stakeholder alignment) always weigh 0: DESIGN.md names them
   the overlap, so showing them moves a story towards neither role (``kit.check_claims`` tests
   whether the postings in scope agree; their shares still appear in ``weights`` and ``gaps``).
4. **A story's score**: P = sum of the positive weights of the distinct themes it shows, T = sum
   of the negative ones (as positive numbers); ``score = (P - T) / (P + T + 1)`` in (-1, 1), +1 =
   PM-T, -1 = TPM; the +1 damps stories with little evidence towards 0. ``lean`` is "pmt" when
   score >= 0.2, "tpm" when <= -0.2, else "shared".
5. **Overall**: the PM-T share of all evidence, sum(P) / (sum(P) + sum(T)); the lean is the role
   with >= 60% of the evidence, else "shared"; labelled like "70% TPM".
6. **Gaps**: themes that at least 20% of a role's postings in scope mention and no story shows,
   with the theme's commonest phrases in those postings.
7. **Matches**: the postings of each role the stories fit best: cosine similarity between the
   stories' themes and each posting's themes, each theme weighted by its inverse document
   frequency in scope (rare shared themes count more) and, for the role's own ranking, themes
   that lean to that role weighted (1 + |weight|) times; ``why`` lists the posting's phrases of
   the shared themes, most telling first.

English only: a story whose letters are mostly non-ASCII, or which has 8+ words of which under
10% are common English function words and no theme match, is rejected with its number.

The package, by job: :mod:`~kit.analysis.storyfit.stories` (reading and splitting story files, the English
check), :mod:`~kit.analysis.storyfit.matching` (stemming, phrase matching, highlighting),
:mod:`~kit.analysis.storyfit.weights` (theme weights), :mod:`~kit.analysis.storyfit.fitting` (scores, gaps,
matches: :func:`fit`) and :mod:`~kit.analysis.storyfit.result` (:class:`FitResult` and its text / HTML).
:func:`fit` takes postings and never loads files; ``kit fit`` (``kit.cli``) loads them and prints.
"""

from __future__ import annotations

from kit.analysis.storyfit.fitting import GAP_MIN_SHARE, LEAN_SCORE, LEAN_SHARE, MIN_ROLE_POSTINGS, TOP_MATCHES, fit
from kit.analysis.storyfit.matching import (
    MAX_GAP,
    SIGNALS_FILE,
    _signals,  # noqa: F401 - the data-file error tests read it here
    highlight,
    match_story,
    stem,
)
from kit.analysis.storyfit.result import ROLE_NAMES, FitResult
from kit.analysis.storyfit.stories import read_stories, split_stories
from kit.analysis.storyfit.weights import MIN_LOG_ODDS, Z_MIN, theme_weights
from kit.core.paths import DATA_DIR

__all__ = [
    "DATA_DIR",
    "EXAMPLE_STORIES",
    "GAP_MIN_SHARE",
    "LEAN_SCORE",
    "LEAN_SHARE",
    "MAX_GAP",
    "MIN_LOG_ODDS",
    "MIN_ROLE_POSTINGS",
    "ROLE_NAMES",
    "SIGNALS_FILE",
    "TOP_MATCHES",
    "Z_MIN",
    "FitResult",
    "fit",
    "highlight",
    "match_story",
    "read_stories",
    "split_stories",
    "stem",
    "theme_weights",
]

#: Example stories (used by notebooks/05_story_fit.ipynb when no stories are given).
EXAMPLE_STORIES = DATA_DIR / "example_stories.md"

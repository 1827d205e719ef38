"""The analyses read the job, not the boilerplate: ``sections=`` (kit.index.scope) through the index and analyses."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import kit
from kit.analysis.claims import check_claims, lexicon_mentions
from kit.analysis.overlap import role_overlap
from kit.analysis.phrases import distinctive_phrases, phrase_frequency
from kit.analysis.storyfit.weights import theme_weights
from kit.analysis.trend import role_trend
from kit.core.errors import DataError
from kit.index import lookup
from kit.index.cache import cache_path
from kit.index.scope import scope_kinds, scope_label, scope_note, scoped_text

ABOUT = ("About us\nZephyrline builds APIs, a public roadmap and developer tooling for clinics in "
         "Ruritania.\n")
PM_DUTIES = ("What you'll do\n- Grow weekly signups of the consumer app with lifecycle email and referral offers\n"
             "- Run pricing experiments for the membership plan {k}\n")
TPM_DUTIES = ("Responsibilities\n- Coordinate the release train across five teams and track dependencies {k}\n"
              "- Run the weekly program review with engineering leads\n")


@pytest.fixture(autouse=True)
def _fresh_memory():
    lookup.clear_memory()
    yield
    lookup.clear_memory()


@pytest.fixture()
def postings(tmp_path, fixtures):
    """A jobspy-format file: two PM-T postings' company blurb names APIs and a roadmap; no duty does.

    (Two, so the blurb's words pass the index's minimum document frequency of 2.)
    """
    columns = pd.read_csv(fixtures / "jobspy_postings.csv", nrows=0).columns
    rows = []
    for k, word in enumerate(["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"]):
        about = ABOUT if k < 2 else ""
        rows.append({"id": f"pm-{k}", "site": "indeed", "job_url": f"https://jobs.example/pm{k}",
                     "title": "Technical Product Manager", "company": f"Company {word}", "location": "Seattle, WA",
                     "date_posted": f"2025-0{1 + k % 3}-04", "description": about + PM_DUTIES.format(k=word)})
        rows.append({"id": f"tpm-{k}", "site": "indeed", "job_url": f"https://jobs.example/tpm{k}",
                     "title": "Technical Program Manager", "company": f"Company {word}", "location": "Seattle, WA",
                     "date_posted": f"2025-0{1 + k % 3}-04", "description": TPM_DUTIES.format(k=word)})
    frame = pd.DataFrame(rows).reindex(columns=columns)
    path = tmp_path / "postings.csv"
    frame.to_csv(path, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return kit.load_postings(path)


def _pid(df: pd.DataFrame) -> str:
    hit = df.loc[df["description"].str.contains("Zephyrline", regex=False), "posting_id"]
    assert len(hit) == 2
    return str(hit.iloc[0])


def _mentions(freq: pd.DataFrame, pid: str, phrase: str) -> int:
    row = freq[(freq["posting_id"] == pid) & (freq["phrase"] == phrase)]
    return int(row["n_mentioning"].sum())


def test_about_us_phrases_are_not_counted_by_default_but_are_with_all(postings):
    pid = _pid(postings)
    assert "about" in postings.loc[postings["posting_id"] == pid, "sections"].iloc[0]
    role = phrase_frequency(postings, by="posting_id")
    full = phrase_frequency(postings, by="posting_id", sections="all")
    assert _mentions(role, pid, "roadmap") == 0 and _mentions(role, pid, "apis") == 0
    assert _mentions(full, pid, "roadmap") == 1 and _mentions(full, pid, "apis") == 1
    assert role.attrs["sections"] == "role" and full.attrs["sections"] == "all"
    only_about = phrase_frequency(postings, by="posting_id", sections=["about"])
    assert _mentions(only_about, pid, "roadmap") == 1
    assert _mentions(only_about, pid, "signups") == 0


def test_claims_overlap_fit_weights_and_distinctive_follow_the_choice(postings):
    cols = {}
    for sections in ("role", "all"):
        m = lexicon_mentions(postings, sections=sections)
        j = m.phrases.index[m.phrases["phrase"] == "roadmap"][0]
        cols[sections] = int(m.matrix[:, j].sum())
    assert cols == {"role": 0, "all": 2}
    claims = check_claims(postings, min_n=1)
    assert claims.attrs["sections"] == "role"
    roadmap = claims[claims["theme"] == "roadmap"]
    if len(roadmap):
        assert (roadmap["share_a"] == 0).all()
    assert (check_claims(postings, min_n=1, sections="all").query("theme == 'roadmap'")["share_a"] > 0).all()
    w_role = theme_weights(postings).set_index("theme")
    w_all = theme_weights(postings, sections="all").set_index("theme")
    assert w_role.loc["roadmap", "docs_a"] == 0 and w_all.loc["roadmap", "docs_a"] == 2
    dist_role = distinctive_phrases(postings)
    dist_all = distinctive_phrases(postings, sections="all")
    assert "zephyrline" not in set(dist_role["phrase"]) and "zephyrline" in set(dist_all["phrase"])
    assert dist_role.attrs["sections"] == "role" and dist_role.attrs["source"] == "index"
    assert role_overlap(postings).attrs["sections"] == "role"
    assert role_overlap(postings, sections="all").attrs["sections"] == "all"
    trend = role_trend(postings, phrases=["zephyrline"])
    assert trend.loc[trend["kind"] == "phrase", "n"].sum() == 0
    trend_all = role_trend(postings, phrases=["zephyrline"], sections="all")
    assert trend_all.loc[trend_all["kind"] == "phrase", "n"].sum() == 2


def test_an_unloaded_frame_is_cut_on_the_fly_and_vectorized_the_same_way(postings):
    plain = postings[["posting_id", "role", "description"]].copy()
    plain.attrs = {}
    dist = distinctive_phrases(plain)  # no data key: vectorized here, on role text computed from the text
    assert dist.attrs["source"] == "vectorized"
    assert "zephyrline" not in set(dist["phrase"])
    assert "zephyrline" in set(distinctive_phrases(plain, sections="all")["phrase"])
    own = scoped_text(plain)
    assert not own.str.contains("Zephyrline").any()


def test_one_index_per_choice_built_once_and_cached_apart(postings, tmp_path, monkeypatch):
    monkeypatch.setenv("KIT_CACHE_DIR", str(tmp_path / "own-cache"))  # nothing cached by the other tests
    before = lookup.STATS["builds"]
    phrase_frequency(postings)
    distinctive_phrases(postings)
    role_overlap(postings)
    check_claims(postings, min_n=1)
    theme_weights(postings)
    sub = kit.select(postings, roles=["pmt", "tpm"])
    phrase_frequency(sub)
    assert lookup.STATS["builds"] == before + 1  # the default index, on role text, once
    phrase_frequency(postings, sections="all")
    check_claims(postings, min_n=1, sections="all")
    assert lookup.STATS["builds"] == before + 2
    role_index, _ = lookup.index_for(postings)
    all_index, _ = lookup.index_for(postings, sections="all")
    assert role_index is not all_index
    assert role_index.params["sections"] == "role" and all_index.params["sections"] == "all"
    assert cache_path(role_index.key, role_index.params) != cache_path(all_index.key, all_index.params)
    lookup.clear_memory()
    again, _ = lookup.index_for(postings)  # from the disk cache, not re-tokenized
    assert lookup.STATS["builds"] == before + 2 and again.params["sections"] == "role"


def test_the_option_is_checked_and_described():
    assert scope_label() == "role" and scope_label(None) == "role" and scope_label("all") == "all"
    assert scope_label(["responsibilities", "requirements"]) == scope_label(("requirements", "responsibilities"))
    assert scope_kinds("requirements") == ("requirements",)
    assert "role's own sections" in scope_note() and "whole description" in scope_note("all")
    with pytest.raises(DataError, match="unknown section kinds"):
        scope_label(["perks"])
    with pytest.raises(DataError, match="unknown section kinds"):
        phrase_frequency(pd.DataFrame({"description": ["x"], "role": ["pm"]}), sections="perks")

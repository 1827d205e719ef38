"""The title rule on the judged real titles (tests/fixtures/judged_titles.csv: ids + labels only, never text).

Reads ../shared/data/real (or $KIT_REAL_DIR); skips with a reason when the files are absent. The rows were split
into dev / test halves by a hash of the id before anything was measured; the title rules were tuned on dev only.
The floors are the issue-15 target (PM-T F1 >= 0.97) plus "no class worse than before the tuning"; the exact
ids decided differently are pinned so a regression names the record.
"""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from kit.prepare.agreement import role_agreement

#: judged ids the title rule still decides differently (split, id): see the issue-15 note for why
KNOWN_DIFFERENT: set[str] = {
    "I-200-26005730",  # dev: a technical area in a segment BEFORE the product head ("<area> - Product Manager")
    "I-200-26008893",  # dev: a lab named in a segment before "Program Manager" (judged tpm, weakly)
    # test half: left as they are so the held-out figure stays honest (fixing them would tune on the test half)
    "I-200-26009305",  # test: "Computer" as the program's area (judged tpm, like IT); not a program modifier
    "I-200-26003343",  # test: an abbreviated "Dir <brand> Products" (no comma); judged a director of product (pm)
    "I-200-26007774",  # test: an executive over several organisations ("EVP, Product, <more>"); judged other
    "I-200-26013789",  # test: "<grade>-PM <area> Operations": an operations manager; "PM" read as product manager
    "I-200-26011972",  # test: IoT as the product area (judged pmt); not in the technical-area list
}

#: per-class F1 floors on each half (the figures before the tuning, rounded down; PM-T at the issue target)
F1_FLOORS = {
    "dev": {"pmt": 0.97, "tpm": 0.90, "pm": 0.85, "pgm": 0.90, "other": 0.97},
    "test": {"pmt": 0.97, "tpm": 0.97, "pm": 0.92, "pgm": 0.96, "other": 0.98},
}


def _fixture() -> pd.DataFrame:
    from benchmarks.roles_agreement import JUDGED_TITLES

    return pd.read_csv(JUDGED_TITLES, comment="#", dtype=str)


@pytest.fixture(scope="module")
def judged():
    from benchmarks.roles_agreement import judged_titles_frame
    from tests.conftest import REAL_DIR

    names = _fixture()["source_file"].unique()
    missing = [n for n in names if not (REAL_DIR / n).exists()]
    if missing:
        pytest.skip(f"real data files {missing} not present in {REAL_DIR} (they live outside the repo in ../shared)")
    return judged_titles_frame(REAL_DIR)


def test_the_fixture_is_ids_and_labels_split_by_hash():
    df = _fixture()
    assert list(df.columns) == ["source_file", "record_id", "label", "reason", "split"]
    assert not df.duplicated(["source_file", "record_id"]).any()
    assert set(df["label"]) <= {"pmt", "pm", "tpm", "pgm", "other", "ambiguous"}
    expected = ["dev" if int(hashlib.sha256(f"{s}:{r}".encode()).hexdigest(), 16) % 2 == 0 else "test"
                for s, r in zip(df["source_file"], df["record_id"], strict=True)]
    assert df["split"].tolist() == expected
    assert len(df) >= 450 and (df["label"] == "pmt").sum() >= 40


@pytest.mark.real
def test_every_judged_id_is_found_once(judged):
    assert judged["title"].notna().all()
    assert len(judged) == len(_fixture())


@pytest.mark.real
@pytest.mark.parametrize("split", ["dev", "test"])
def test_title_rule_agrees_with_the_judged_titles(judged, split):
    part = judged[judged["split"] == split]
    result = role_agreement(part["title_role"], part["label"])
    f1 = result.scores.set_index("role")["f1"]
    for role, floor in F1_FLOORS[split].items():
        assert f1[role] >= floor, f"{split}: {role} F1 {f1[role]:.2f} < {floor}\n{result}"


@pytest.mark.real
def test_no_judged_title_newly_decided_differently(judged):
    scored = judged[judged["label"] != "ambiguous"]
    different = set(scored.loc[scored["label"] != scored["title_role"], "record_id"])
    assert different <= KNOWN_DIFFERENT, f"newly decided differently: {sorted(different - KNOWN_DIFFERENT)}"

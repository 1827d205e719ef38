"""The loaded bundled sample's role against the generator's ground truth (``synthetic_role``).

``python -m benchmarks.roles_agreement sample`` prints the confusion matrix. 98.7% before issue 15's title changes
(old truth), 98.2% after them, 98.6% once bare executive titles were made truth ``other`` in the generator
(kit/data/synthetic.yaml ``executive_truth``) and the executive program titles ``other`` in titles.yaml. The floor
keeps it from dropping again; the exact count of disagreements is pinned so a change shows up at once.
"""

from __future__ import annotations

import pytest

from kit.prepare.agreement import role_agreement

#: postings of the loaded sample (3355) whose role differs from synthetic_role, at branch titles3 (issue 15)
DIFFERENT_AT_PIN = 46


@pytest.fixture(scope="module")
def sample():
    from benchmarks.roles_agreement import sample_frame

    return sample_frame()


def test_sample_role_agrees_with_the_ground_truth(sample):
    result = role_agreement(sample["role"], sample["synthetic_role"])
    assert result.accuracy >= 0.986, str(result)
    f1 = result.scores.set_index("role")["f1"]
    assert (f1[["pmt", "tpm"]] >= 0.98).all() and (f1[["pm", "pgm"]] >= 0.93).all() and f1["other"] >= 0.99, str(result)
    different = int((sample["role"] != sample["synthetic_role"]).sum())
    assert different <= DIFFERENT_AT_PIN, f"{different} sample postings now differ from the ground truth\n{result}"


def test_executive_titles_agree(sample):
    bare = sample["title"].str.match(r"(?:VP,? (?:of )?|Vice President, |Head of )(?:Product|Program)\b"
                                     r"(?!.*(?:Platform|Infrastructure|Developer|Data|Technical))")
    assert bare.sum() >= 20
    assert (sample.loc[bare, "role"] == sample.loc[bare, "synthetic_role"]).all()

"""benchmarks/roles_model.py, the learned-role-model experiment: its training labels and features (no fitting here)."""

from __future__ import annotations

import pandas as pd

from benchmarks.roles_model import AGGREGATES, explicit_labels, features


def test_explicit_titles_give_training_labels_and_generic_ones_do_not():
    titles = pd.Series(["Senior Software Engineer", "Technical Product Manager", "Product Marketing Manager",
                        "Technical Product Marketing Manager", "Product Manager", "Program Manager",
                        "Engineering Manager, Payments", "Recruiter", "Data Scientist", None])
    labels = explicit_labels(titles)
    assert labels.tolist() == [1, 1, 0, 0, pd.NA, pd.NA, 1, 0, pd.NA, pd.NA]


def test_features_count_the_role_sections_and_keep_the_company_text_apart():
    text = ("About us\nWe build APIs, SDKs and microservices for developers.\n"
            "Responsibilities\n- Own the roadmap and talk to customers.\n"
            "Requirements\n- Experience with SQL and distributed systems.")
    frame = pd.DataFrame({"description": [text, ""], "company": ["Acme", "Acme"]})
    out = features(frame)
    assert set(AGGREGATES) <= set(out.columns)
    row = out.iloc[0]
    assert row["technical@about"] >= 3  # the company's self-description, a separate feature
    assert row["technical@asks"] == 2 and row["technical@duties"] == 0
    assert row["has:technical:sql"] == 1 and row["has:technical:api"] == 0  # "APIs" is only in the about text
    assert row["has:product:roadmap"] == 1 and row["product"] >= 1
    assert (out.iloc[1] == 0).all()

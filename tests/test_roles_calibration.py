"""role_confidence as a fitted probability: kit.prepare.calibration, kit.analysis.rolecal, explain_role."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kit
from kit.analysis.rolecal import (
    brier_score,
    out_of_fold_probabilities,
    p_technical,
    read_role_labels,
    reliability_table,
    role_reliability,
    stratified_folds,
)
from kit.core.errors import DataError
from kit.prepare.calibration import CALIBRATION_FILE, Calibration, fit_logistic, load_calibration
from kit.prepare.roles import explain_role, load_signals, roles_from_text
from kit.prepare.titles import classify_titles

WEAK = "Responsibilities\n- Own the API roadmap and SDKs; review architecture.\n- Talk to customers."  # score 3
PLAIN = "Responsibilities\n- Own the roadmap and talk to customers."


@pytest.fixture(scope="module")
def sample():
    return kit.load_postings()


def _refine(titles: list[str], texts: list[str], **kw) -> pd.DataFrame:
    return roles_from_text(classify_titles(titles), pd.Series(texts, dtype="object"), **kw)


def test_bundled_calibration_is_read_and_documented():
    cal = load_calibration()
    assert cal.slope > 0 and 0 < cal.threshold < 1 and cal.path == CALIBRATION_FILE
    assert "sample" in cal.fitted_on and "2026" in cal.fitted_on
    # the fitted cut lies between the score steps 2.5 and 3, so the decision is the former rule "score >= 3"
    assert 2.5 < cal.score_threshold <= 3.0
    assert "fitted" in CALIBRATION_FILE.read_text().lower()


def test_role_confidence_is_the_fitted_curve():
    cal = load_calibration()
    out = _refine(["Product Manager", "Product Manager", "Program Manager"], [WEAK, PLAIN, PLAIN])
    assert out["role"].tolist() == ["pmt", "pm", "pgm"]
    p = cal.p_technical(out["technical_score"].to_numpy(float))
    assert out["role_confidence"].iloc[0] == pytest.approx(p[0])
    assert out["role_confidence"].iloc[1] == pytest.approx(1 - p[1])
    assert out["role_confidence"].iloc[2] == pytest.approx(1 - p[2])


def test_threshold_decides_and_titles_that_decide_keep_their_confidence():
    strict = Calibration(intercept=load_calibration().intercept, slope=load_calibration().slope, threshold=0.9)
    out = _refine(["Product Manager", "Technical Product Manager"], [WEAK, PLAIN], calibration=strict)
    assert out.loc[0, "role"] == "pm"  # P(technical) 0.6 < 0.9: the generic role stays
    assert out.loc[0, "role_confidence"] == pytest.approx(1 - strict.p_technical(3.0))
    title_only = classify_titles(["Technical Product Manager"]).loc[0, "role_confidence"]
    assert out.loc[1, "role_confidence"] == title_only


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ("slope: 1\nthreshold: 0.5\n", "intercept"),
        ("intercept: -6\nslope: -1\nthreshold: 0.5\n", "not positive"),
        ("intercept: -6\nslope: 2\nthreshold: 1.5\n", "not a probability"),
        ("intercept: x\nslope: 2\nthreshold: 0.5\n", "non-numeric"),
    ],
)
def test_bad_calibration_file(tmp_path, body, match):
    path = tmp_path / "cal.yaml"
    path.write_text(body)
    with pytest.raises(DataError, match=match) as info:
        load_calibration(path)
    assert str(path) in str(info.value)


def test_old_rule_keys_in_a_signals_file_say_where_they_went(tmp_path):
    path = tmp_path / "signals.yaml"
    path.write_text("rules: {technical_min: 2}\ntechnical: [api]\nproduct: [roadmap]\nprogram: [milestones]\n")
    with pytest.raises(DataError, match="role_calibration.yaml"):
        load_signals(path)


def test_fit_logistic_recovers_a_known_curve_and_survives_separation():
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 8, 4000)
    y = rng.random(4000) < 1 / (1 + np.exp(-(-5 + 2 * x)))
    a, b = fit_logistic(x, y, ridge=0.0)
    assert a == pytest.approx(-5, abs=0.5) and b == pytest.approx(2, abs=0.2)
    a, b = fit_logistic([0, 1, 2, 4, 5, 6], [0, 0, 0, 1, 1, 1])  # perfectly separated: finite thanks to the ridge
    assert np.isfinite([a, b]).all() and 2 < -a / b < 4
    with pytest.raises(DataError, match="one technical and one"):
        fit_logistic([1, 2], [1, 1])


def test_reliability_table_and_brier():
    p = np.array([0.1, 0.1, 0.9, 0.9, 0.5])
    y = np.array([0, 0, 1, 0, 1])
    table = reliability_table(p, y, bins=[0, 0.4, 0.6, 1])
    assert table["n"].tolist() == [2, 1, 2]
    assert table["observed"].tolist() == [0.0, 1.0, 0.5]
    assert table["mean_predicted"].tolist() == pytest.approx([0.1, 0.5, 0.9])
    assert (table["observed_low"] <= table["observed"]).all() and (table["observed"] <= table["observed_high"]).all()
    assert brier_score(p, y) == pytest.approx((0.01 + 0.01 + 0.01 + 0.81 + 0.25) / 5)
    assert reliability_table(p, y, bins=4)["n"].sum() == 5


def test_out_of_fold_probabilities_never_see_their_own_row():
    x = np.array([0, 0, 0, 1, 1, 5, 5, 6, 6, 6], dtype=float)
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1, 1])
    folds = stratified_folds(y, k=5, seed=1)
    assert set(folds) == set(range(4))  # lowered to the smaller class size
    oof = out_of_fold_probabilities(x, y, k=4, seed=1)
    for f in set(folds):
        test = folds == f
        a, b = fit_logistic(x[~test], y[~test])
        assert oof[test] == pytest.approx(1 / (1 + np.exp(-(a + b * x[test]))))


def test_p_technical_reads_the_loaded_columns():
    frame = pd.DataFrame({
        "role": ["pmt", "pm", "pmt", "pm", "other"],
        "role_confidence": [0.8, 0.9, 0.95, 0.75, 0.7],
        "role_basis": ["description", "title", "title", "title", "title"],
        "description": ["text", "text", "text", None, "text"],
    })
    assert p_technical(frame).tolist() == [0.8, pytest.approx(0.1), pd.NA, pd.NA, pd.NA]
    with pytest.raises(DataError, match="role_basis"):
        p_technical(frame.drop(columns="role_basis"))


def test_sample_reliability_and_ground_truth_agreement(sample):
    # the bundled sample's ground-truth agreement must not drop (98.24% at a7df683, before the calibration)
    assert (sample["role"] == sample["synthetic_role"]).mean() >= 0.9824
    table = role_reliability(sample, "synthetic_role")
    # 804 generic titles before titles3 made the bare executive program titles role (and truth) "other": 779 now
    assert table.attrs["n"] >= 770 and table.attrs["brier"] < 0.035
    big = table[table["n"] >= 30]
    assert len(big) >= 2
    assert ((big["mean_predicted"] >= big["observed_low"]) & (big["mean_predicted"] <= big["observed_high"])).all()
    with pytest.raises(DataError, match="no column"):
        role_reliability(sample, "truth")


def test_explain_role_shows_the_probability_and_threshold():
    ex = explain_role(title="Product Manager", description=WEAK)
    assert ex.role == "pmt" and ex.p_technical == pytest.approx(ex.confidence) and ex.threshold == 0.5
    assert "P(technical | own sections) = 0.60" in str(ex) and "P(technical" in ex._repr_html_()
    kept = explain_role(title="Program Manager", description=PLAIN)
    assert kept.p_technical < 0.5 and "generic role (Program Manager) stays" in str(kept)
    assert explain_role(title="Technical Product Manager", description=WEAK).p_technical is None
    assert explain_role(title="Product Manager").p_technical is None


def test_read_role_labels(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("# judged\nsource_file,posting_id,label\nx.csv,SYN0000001, pmt\nx.csv,SYN0000002,pm\n")
    labels = read_role_labels(path)
    assert labels.to_dict() == {"SYN0000001": "pmt", "SYN0000002": "pm"}
    path.write_text("posting_id,role\n1,pm\n")
    with pytest.raises(DataError, match="label"):
        read_role_labels(path)
    path.write_text("posting_id,label\n1,pm\n1,pmt\n")
    with pytest.raises(DataError, match="more than once"):
        read_role_labels(path)


def test_cli_role_confidence(tmp_path, sample):
    from click.testing import CliRunner

    from kit.cli import cli

    result = CliRunner().invoke(cli, ["role-confidence", "--bins", "4"])
    assert result.exit_code == 0, result.output
    assert "mean_predicted" in result.output and "Brier score 0.02" in result.output and "on 779" in result.output
    generic = sample[p_technical(sample).notna().to_numpy()].head(30)
    labels = tmp_path / "labels.csv"
    pd.DataFrame({"posting_id": generic["posting_id"], "label": generic["synthetic_role"]}).to_csv(labels, index=False)
    result = CliRunner().invoke(cli, ["role-confidence", "--labels", str(labels)])
    assert result.exit_code == 0, result.output
    assert "on 30 generic titles" in result.output
    result = CliRunner().invoke(cli, ["role-confidence", "--truth", "nope"])
    assert result.exit_code == 1 and "no column 'nope'" in result.output and "Traceback" not in result.output

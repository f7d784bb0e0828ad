"""Drift in production, on data whose answers are known: planted shifts, twins, broken inputs."""

import numpy as np
import pytest

from scoring import metrics
from scoring.drift import MIN_WEEK_LEADS, drift_reference, feature_drift, week_drift
from scoring.features import QuestionInput, feature_matrix, feature_spec_build

SOURCES = ["google", "linkedin", "event", "referral"]


def _leads(rng, n, source_shares, *, size_missing=0.0, source_missing=0.0):
    leads = []
    for _ in range(n):
        source = None if rng.random() < source_missing else rng.choice(SOURCES, p=source_shares)
        size = None if rng.random() < size_missing else float(rng.integers(1, 500))
        answers = {"source": source, "size": size}
        leads.append({"answers": {k: v for k, v in answers.items() if v is not None}})
    return leads


@pytest.fixture
def spec_and_reference():
    rng = np.random.default_rng(7)
    questions = [
        QuestionInput(
            key="source",
            kind="single_choice",
            label="Lead source",
            choices=(
                ("google", "Google"),
                ("linkedin", "LinkedIn"),
                ("event", "Event"),
                ("referral", "Referral"),
            ),
        ),
        QuestionInput(key="size", kind="number", label="Company size"),
    ]
    training = _leads(rng, 2000, [0.31, 0.29, 0.2, 0.2], size_missing=0.03, source_missing=0.03)
    spec = feature_spec_build(questions=questions, rows=training)
    return spec, drift_reference(spec, feature_matrix(spec, training), rng.integers(0, 101, 2000))


def test_identical_distributions_have_a_psi_of_about_zero():
    assert metrics.psi_of_shares([10, 20, 30, 40], [10, 20, 30, 40]) == pytest.approx(0.0)
    assert metrics.psi_of_shares([10, 20, 30, 40], [20, 40, 60, 80]) == pytest.approx(0.0)
    assert metrics.psi_level(0.0) == "stable"


def test_a_planted_shift_gives_a_psi_above_the_shifted_level():
    rng = np.random.default_rng(1)
    before = metrics.score_bin_counts(rng.uniform(0, 100, 5000))
    after = metrics.score_bin_counts(rng.beta(5, 2, 500) * 100)  # piled up at the top
    value = metrics.psi_of_shares(before, after)
    assert value > metrics.SHIFTED_PSI
    assert metrics.psi_level(value) == "shifted"


def test_the_levels_follow_the_rule_of_thumb():
    assert metrics.psi_level(0.05) == "stable"
    assert metrics.psi_level(0.1) == "drifting"
    assert metrics.psi_level(0.25) == "drifting"
    assert metrics.psi_level(0.26) == "shifted"
    assert metrics.psi_level(float("nan")) == "unknown"


def test_score_bands_put_100_in_the_top_band():
    assert metrics.score_bin_counts([0, 9, 10, 99, 100]) == [2, 1, 0, 0, 0, 0, 0, 0, 0, 2]


def test_numeric_bins_count_missing_values_apart():
    edges = metrics.numeric_bin_edges([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    counts = metrics.numeric_bin_counts([1, 10, float("nan")], edges)
    assert len(counts) == len(edges) + 2
    assert counts[-1] == 1 and sum(counts) == 3


def test_an_input_that_stops_arriving_is_a_data_problem():
    problem = metrics.data_problem([60, 37, 3], [0, 0, 50], missing_bin=2)
    assert problem == {"kind": "stopped", "before": 0.03, "after": 1.0}


def test_an_input_stuck_on_one_value_is_a_data_problem():
    problem = metrics.data_problem([40, 30, 30, 0], [100, 0, 0, 0], missing_bin=3)
    assert problem["kind"] == "stuck" and problem["bin"] == 0


def test_a_changed_mix_is_not_a_data_problem():
    assert metrics.data_problem([31, 29, 20, 20], [9, 51, 20, 20], missing_bin=None) is None


def test_the_reference_keeps_each_inputs_spread_and_the_scores(spec_and_reference):
    _spec, reference = spec_and_reference
    assert reference["n"] == 2000
    assert sum(reference["score_counts"]) == 2000
    entries = list(reference["features"].values())
    assert {entry["kind"] for entry in entries} == {"categorical", "numeric"}
    assert all(sum(entry["counts"]) == 2000 for entry in entries)
    source = reference["features"]["q_source"]
    assert source["bins"][source["missing_bin"]] == "__missing__"


def test_a_changed_lead_source_mix_is_named_in_words(spec_and_reference):
    spec, reference = spec_and_reference
    week = _leads(np.random.default_rng(3), 600, [0.09, 0.29, 0.31, 0.31], size_missing=0.03)
    rows = feature_drift(spec, reference, feature_matrix(spec, week))
    top = rows[0]
    assert top["label"] == "Lead source"
    assert top["psi"] > metrics.SHIFTED_PSI
    assert top["problem"] is None
    assert top["text"].startswith("Lead source: “Google” fell from 3")
    assert "to 9%" in top["text"] or "to 8%" in top["text"] or "to 10%" in top["text"]


def test_a_hidden_field_that_stopped_arriving_is_called_a_data_problem_not_drift(
    spec_and_reference,
):
    spec, reference = spec_and_reference
    week = _leads(np.random.default_rng(4), 300, [0.31, 0.29, 0.2, 0.2], source_missing=1.0)
    rng = np.random.default_rng(5)
    report = week_drift(
        spec=spec,
        reference=reference,
        score_reference=reference["score_counts"],
        score_counts=metrics.score_bin_counts(rng.beta(2, 5, 300) * 100),
        feed=feature_matrix(spec, week),
    )
    assert report["level"] == "data_problem"
    assert (
        "“Lead source” stopped arriving (missing in 100% of this week's leads, 2% before)"
        in (report["text"])
    )


def test_a_week_like_the_reference_is_stable(spec_and_reference):
    spec, reference = spec_and_reference
    week = _leads(
        np.random.default_rng(6),
        800,
        [0.31, 0.29, 0.2, 0.2],
        size_missing=0.03,
        source_missing=0.03,
    )
    report = week_drift(
        spec=spec,
        reference=reference,
        score_reference=reference["score_counts"],
        score_counts=metrics.score_bin_counts(np.random.default_rng(8).integers(0, 101, 800)),
        feed=feature_matrix(spec, week),
    )
    assert report["level"] == "stable"
    assert all(row["level"] != "shifted" for row in report["features"])


def test_too_few_leads_are_not_judged(spec_and_reference):
    spec, reference = spec_and_reference
    report = week_drift(
        spec=spec,
        reference=reference,
        score_reference=reference["score_counts"],
        score_counts=[MIN_WEEK_LEADS - 1] + [0] * 9,
        feed=None,
    )
    assert report["level"] == "too_few"

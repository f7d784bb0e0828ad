"""Lift by decile and calibration on small holdouts whose figures are checked by hand."""

import json

import numpy as np
import pytest

from scoring.evidence import holdout_evidence

# Ten leads, four converted (base rate 0.4); the higher the probability, the likelier the win.
Y = [1, 1, 0, 1, 0, 0, 1, 0, 0, 0]
P = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05]


def test_deciles_run_from_the_best_scored_fifth_down():
    evidence = holdout_evidence(Y, P, deciles=5, calibration_bins=2)

    assert evidence["base_rate"] == 0.4
    assert evidence["deciles"] == [
        {"decile": 1, "n": 2, "conversions": 2, "rate": 1.0, "lift": 2.5},
        {"decile": 2, "n": 2, "conversions": 1, "rate": 0.5, "lift": 1.25},
        {"decile": 3, "n": 2, "conversions": 0, "rate": 0.0, "lift": 0.0},
        {"decile": 4, "n": 2, "conversions": 1, "rate": 0.5, "lift": 1.25},
        {"decile": 5, "n": 2, "conversions": 0, "rate": 0.0, "lift": 0.0},
    ]


def test_calibration_compares_the_mean_probability_with_the_rate_lowest_first():
    evidence = holdout_evidence(Y, P, deciles=5, calibration_bins=2)

    # Lowest five: 0.05, 0.1, 0.2, 0.3, 0.4 (mean 0.21), one win; top five: mean 0.7, three.
    assert evidence["calibration"] == [
        {"predicted": 0.21, "observed": 0.2, "n": 5},
        {"predicted": 0.7, "observed": 0.6, "n": 5},
    ]


def test_uneven_counts_give_the_remainder_to_the_first_bins_and_skip_empty_ones():
    evidence = holdout_evidence([1, 0, 0], [0.9, 0.5, 0.1], deciles=2, calibration_bins=10)

    assert [d["n"] for d in evidence["deciles"]] == [2, 1]
    assert [d["rate"] for d in evidence["deciles"]] == [0.5, 0.0]
    assert [c["n"] for c in evidence["calibration"]] == [1, 1, 1]


def test_ties_keep_the_input_order_so_the_bins_never_change():
    y = [1, 0, 0, 1]
    same = [0.5, 0.5, 0.5, 0.5]

    first = holdout_evidence(y, same, deciles=2, calibration_bins=2)

    # Best first keeps the input order among equals: leads 1-2 then 3-4.
    assert [d["conversions"] for d in first["deciles"]] == [1, 1]
    assert first == holdout_evidence(y, same, deciles=2, calibration_bins=2)


def test_the_figures_are_plain_json_with_rounded_floats():
    rng = np.random.default_rng(3)
    probabilities = rng.random(1000)
    y = rng.random(1000) < probabilities

    evidence = holdout_evidence(y, probabilities)

    assert json.loads(json.dumps(evidence)) == evidence
    assert len(evidence["deciles"]) == 10 and len(evidence["calibration"]) == 10
    assert sum(d["n"] for d in evidence["deciles"]) == 1000
    assert evidence["deciles"][0]["lift"] > 1.5 > evidence["deciles"][-1]["lift"]
    for row in evidence["calibration"]:
        assert row["predicted"] == round(row["predicted"], 6)
        assert abs(row["predicted"] - row["observed"]) < 0.1  # a calibrated toy


def test_no_conversions_means_no_lift_and_an_empty_holdout_no_bins():
    assert {d["lift"] for d in holdout_evidence([0, 0], [0.2, 0.1])["deciles"]} == {None}
    assert holdout_evidence([], []) == {"deciles": [], "calibration": [], "base_rate": None}


def test_mismatched_lengths_are_refused():
    with pytest.raises(ValueError, match="y has 2 values but probabilities has 1"):
        holdout_evidence([0, 1], [0.5])

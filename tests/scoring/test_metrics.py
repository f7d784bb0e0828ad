import math

import numpy as np
import pytest
from sklearn import metrics as sk

from scoring import metrics


@pytest.fixture(params=[0, 1, 2])
def sample(request):
    rng = np.random.default_rng(request.param)
    y = rng.random(500) < 0.3
    # Rounded scores make plenty of ties, the case that trips naive implementations.
    scores = np.round(rng.random(500) * 0.6 + y * 0.3, 1 + request.param)
    return y.astype(int), scores


def test_roc_auc_matches_sklearn(sample):
    y, scores = sample
    assert metrics.roc_auc(y, scores) == pytest.approx(sk.roc_auc_score(y, scores), abs=1e-12)


def test_average_precision_matches_sklearn(sample):
    y, scores = sample
    expected = sk.average_precision_score(y, scores)
    assert metrics.average_precision(y, scores) == pytest.approx(expected, abs=1e-12)


def test_brier_matches_sklearn(sample):
    y, scores = sample
    assert metrics.brier(y, scores) == pytest.approx(sk.brier_score_loss(y, scores), abs=1e-12)


def test_precision_and_recall_at_a_threshold_match_sklearn(sample):
    y, scores = sample
    result = metrics.precision_recall_at(y, scores * 100, 60)
    predicted = scores * 100 >= 60
    assert result["precision"] == pytest.approx(sk.precision_score(y, predicted))
    assert result["recall"] == pytest.approx(sk.recall_score(y, predicted))
    assert result["selected"] == int(predicted.sum())


def test_precision_is_none_when_nothing_reaches_the_threshold():
    result = metrics.precision_recall_at([0, 1], [10, 20], 80)
    assert result == {"threshold": 80, "selected": 0, "precision": None, "recall": 0.0}


def test_one_class_gives_nan_auc():
    assert math.isnan(metrics.roc_auc([1, 1, 1], [0.1, 0.2, 0.3]))


def test_lift_at_top():
    y = [1, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    scores = [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]
    # Top 20 % = the 2 best, both converted; base rate 0.3.
    assert metrics.lift_at_top(y, scores, 0.2) == pytest.approx(1 / 0.3)


def test_psi_is_zero_for_the_same_distribution_and_grows_with_shift():
    rng = np.random.default_rng(0)
    reference = rng.uniform(0, 100, 5000)

    assert metrics.psi(reference, reference) == pytest.approx(0.0)
    assert metrics.psi(reference, rng.uniform(0, 100, 5000)) < 0.02
    assert metrics.psi(reference, rng.uniform(40, 100, 5000)) > 0.25

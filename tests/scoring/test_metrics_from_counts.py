"""The count-based metrics of the proof pages, on data whose answers are known, and against the
row-wise metrics they stand in for."""

import math
from collections import Counter

import numpy as np
import pytest

from scoring import metrics


def histograms(y, scores):
    positives = Counter(int(s) for s, t in zip(scores, y, strict=True) if t)
    negatives = Counter(int(s) for s, t in zip(scores, y, strict=True) if not t)
    return dict(positives), dict(negatives)


def test_a_perfect_ranking_has_an_auc_of_1():
    assert metrics.roc_auc_from_counts({90: 3, 80: 1}, {10: 5, 20: 2}) == 1.0


def test_a_reversed_ranking_has_an_auc_of_0():
    assert metrics.roc_auc_from_counts({10: 2}, {90: 2}) == 0.0


def test_all_ties_give_an_auc_of_a_half():
    assert metrics.roc_auc_from_counts({50: 4}, {50: 6}) == 0.5


def test_one_class_only_has_no_auc():
    assert math.isnan(metrics.roc_auc_from_counts({50: 4}, {}))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_auc_from_counts_is_the_auc_over_the_leads(seed):
    rng = np.random.default_rng(seed)
    y = rng.random(800) < 0.3
    scores = np.clip(np.round(rng.normal(50, 20, 800) + y * 15), 0, 100).astype(int)
    positives, negatives = histograms(y, scores)
    assert metrics.roc_auc_from_counts(positives, negatives) == pytest.approx(
        metrics.roc_auc(y, scores), abs=1e-12
    )


def test_the_top_band_at_a_threshold_counts_its_conversions():
    # Scores >= 80: 3 converted and 1 did not; below: 1 converted, 5 did not.
    result = metrics.at_threshold_from_counts(
        positives={95: 2, 80: 1, 40: 1}, negatives={85: 1, 30: 5}, threshold=80
    )
    assert result == {"selected": 4, "converted": 3, "precision": 0.75, "recall": 0.75}


def test_nothing_above_the_threshold_has_no_precision():
    result = metrics.at_threshold_from_counts(positives={40: 1}, negatives={30: 1}, threshold=90)
    assert (result["selected"], result["precision"], result["recall"]) == (0, None, 0.0)


def test_the_median_of_known_values():
    assert metrics.median_of([3, 1, 2]) == 2.0
    assert metrics.median_of([4, 1, 3, 2]) == 2.5
    assert metrics.median_of([]) is None


def test_a_total_splits_in_proportion_to_the_counts():
    assert metrics.share_split({"ana": 3, "ben": 1}, 20) == {"ana": 15.0, "ben": 5.0}
    assert metrics.share_split({}, 20) == {}

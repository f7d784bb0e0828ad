"""Quality metrics of a scorer, in numpy only so the web process can compute them too.

``y`` is 0/1 (or bool) outcomes; ``scores`` any real-valued ranking (probabilities, 0-100 scores
or points). The definitions match scikit-learn's (checked in tests/scoring/test_metrics.py).
"""

from __future__ import annotations

import math

import numpy as np


def _arrays(y, scores) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y, dtype=np.float64).ravel()
    scores = np.asarray(scores, dtype=np.float64).ravel()
    if y.shape != scores.shape:
        raise ValueError(f"y has {y.size} values but scores has {scores.size}")
    return y, scores


def roc_auc(y, scores) -> float:
    """Area under the ROC curve (Mann-Whitney U, ties counted half); NaN with one class."""
    y, scores = _arrays(y, scores)
    positives = int(y.sum())
    negatives = y.size - positives
    if positives == 0 or negatives == 0:
        return math.nan
    order = np.argsort(scores, kind="mergesort")
    sorted_scores = scores[order]
    ranks = np.empty(y.size, dtype=np.float64)
    # Average ranks over ties.
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    average = first + (counts - 1) / 2.0 + 1.0
    ranks[order] = np.repeat(average, counts)
    rank_sum = ranks[y == 1].sum()
    return float((rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives))


def average_precision(y, scores) -> float:
    """Average precision: sum over thresholds of (recall step) x precision, as scikit-learn."""
    y, scores = _arrays(y, scores)
    positives = y.sum()
    if positives == 0:
        return math.nan
    order = np.argsort(-scores, kind="mergesort")
    y_sorted, s_sorted = y[order], scores[order]
    # Last index of each distinct score (descending): one threshold per distinct score.
    ends = np.r_[np.flatnonzero(np.diff(s_sorted)), y.size - 1]
    true_pos = np.cumsum(y_sorted)[ends]
    precision = true_pos / (ends + 1)
    recall = true_pos / positives
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def brier(y, probabilities) -> float:
    y, probabilities = _arrays(y, probabilities)
    return float(np.mean((probabilities - y) ** 2))


def lift_at_top(y, scores, fraction: float = 0.2) -> float:
    """Conversion rate among the top ``fraction`` of leads by score, over the overall rate.

    The top slice is ``ceil(fraction * n)`` leads; ties at its edge are broken by input order.
    """
    y, scores = _arrays(y, scores)
    base = y.mean() if y.size else 0.0
    if base == 0:
        return math.nan
    k = max(1, math.ceil(fraction * y.size))
    top = np.argsort(-scores, kind="mergesort")[:k]
    return float(y[top].mean() / base)


def precision_recall_at(y, scores, threshold: float) -> dict:
    """Precision and recall of "score >= threshold"; precision is None when nothing qualifies."""
    y, scores = _arrays(y, scores)
    selected = scores >= threshold
    n_selected = int(selected.sum())
    hits = float(y[selected].sum())
    positives = float(y.sum())
    return {
        "threshold": threshold,
        "selected": n_selected,
        "precision": hits / n_selected if n_selected else None,
        "recall": hits / positives if positives else None,
    }


def psi(expected, actual, bins: int = 10, eps: float = 1e-4) -> float:
    """Population stability index of ``actual`` against ``expected`` (e.g. 0-100 scores).

    Bins are the quantiles of ``expected`` (so each holds about 1/bins of it); empty bins count
    as ``eps``. Rule of thumb: < 0.1 stable, 0.1-0.25 drifting, > 0.25 shifted.
    """
    expected = np.asarray(expected, dtype=np.float64).ravel()
    actual = np.asarray(actual, dtype=np.float64).ravel()
    if expected.size == 0 or actual.size == 0:
        return math.nan
    edges = np.unique(np.quantile(expected, np.linspace(0, 1, bins + 1)[1:-1]))
    e = np.bincount(np.searchsorted(edges, expected, side="right"), minlength=edges.size + 1)
    a = np.bincount(np.searchsorted(edges, actual, side="right"), minlength=edges.size + 1)
    e = np.maximum(e / expected.size, eps)
    a = np.maximum(a / actual.size, eps)
    return float(np.sum((a - e) * np.log(a / e)))


# --- Proof over time: metrics from counts per integer score ------------------------------------
# Scores and points are whole numbers from 0 to 100, so the database can hand over a histogram
# (leads and conversions per score) instead of one row per lead: these take such histograms and
# give the same answers as the row-wise functions above (checked in tests/scoring/test_metrics.py).


def roc_auc_from_counts(positives: dict[int, int], negatives: dict[int, int]) -> float:
    """ROC AUC from conversions and non-conversions per score, ties counted half; NaN with
    one class. The same number ``roc_auc`` gives over the leads themselves."""
    total_positives = sum(positives.values())
    total_negatives = sum(negatives.values())
    if total_positives == 0 or total_negatives == 0:
        return math.nan
    wins = 0.0
    negatives_below = 0
    for score in sorted(set(positives) | set(negatives)):
        here_pos, here_neg = positives.get(score, 0), negatives.get(score, 0)
        wins += here_pos * (negatives_below + here_neg / 2.0)
        negatives_below += here_neg
    return wins / (total_positives * total_negatives)


def at_threshold_from_counts(
    *, positives: dict[int, int], negatives: dict[int, int], threshold: int
) -> dict:
    """What "score >= threshold" selects among resolved leads: how many, the share of them
    that converted (precision, the top band's conversion) and the share of all conversions
    caught (recall). Precision is None when nothing qualifies, recall when nothing converted."""
    hits = sum(n for score, n in positives.items() if score >= threshold)
    misses = sum(n for score, n in negatives.items() if score >= threshold)
    total_positives = sum(positives.values())
    selected = hits + misses
    return {
        "selected": selected,
        "converted": hits,
        "precision": hits / selected if selected else None,
        "recall": hits / total_positives if total_positives else None,
    }


def median_of(values) -> float | None:
    """The median, or None for no values (a page shows "—" rather than failing)."""
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2.0


def share_split(counts: dict, total: float) -> dict:
    """``total`` split in proportion to ``counts`` (e.g. a week's leads over reps by their share
    of past assignments); empty when nothing was counted."""
    whole = sum(counts.values())
    if not whole:
        return {}
    return {key: total * n / whole for key, n in counts.items()}

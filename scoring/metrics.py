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


# --- Drift in production --------------------------------------------------------------------
# How this week's leads compare with the ones the active version learned from. Distributions are
# given as counts (or shares) per bin, so the caller can count in the database; the bins of one
# input are fixed at training (``scoring.drift.drift_reference``) and reused for every week.

DRIFTING_PSI = 0.1  # below it: stable
SHIFTED_PSI = 0.25  # above it: shifted; the alert level
SCORE_BINS = 10  # score bands of ten points: 0-9, 10-19, ..., 90-100
# A data problem: an input (nearly) always missing, or stuck on one value, in this week's leads
# when it was not in the reference. A broken integration looks like this, not a changed market.
STOPPED_SHARE = 0.9  # missing in at least this share of this week's leads ...
STOPPED_BEFORE = 0.5  # ... when at most this share missed it before
STUCK_SHARE = 0.99  # one value in at least this share of this week's leads ...
STUCK_BEFORE = 0.8  # ... when the commonest value held at most this share before


def shares(counts) -> np.ndarray:
    """Counts per bin as shares of their total (all zero when there is nothing to count)."""
    counts = np.asarray(counts, dtype=np.float64).ravel()
    total = counts.sum()
    return counts / total if total else np.zeros_like(counts)


def psi_of_shares(expected, actual, eps: float = 1e-4) -> float:
    """Population stability index of two distributions over the same bins (shares or counts).

    Empty bins count as ``eps``, as in ``psi``. NaN when either side is empty.
    """
    expected = np.asarray(expected, dtype=np.float64).ravel()
    actual = np.asarray(actual, dtype=np.float64).ravel()
    if expected.shape != actual.shape:
        raise ValueError(f"expected has {expected.size} bins but actual has {actual.size}")
    if expected.sum() <= 0 or actual.sum() <= 0:
        return math.nan
    e = np.maximum(shares(expected), eps)
    a = np.maximum(shares(actual), eps)
    return float(np.sum((a - e) * np.log(a / e)))


def psi_level(value: float | None) -> str:
    """ "stable" (< 0.1), "drifting" (0.1-0.25) or "shifted" (> 0.25); "unknown" for NaN."""
    if value is None or not math.isfinite(value):
        return "unknown"
    if value > SHIFTED_PSI:
        return "shifted"
    if value >= DRIFTING_PSI:
        return "drifting"
    return "stable"


def score_bin_counts(scores) -> list[int]:
    """How many 0-100 scores fall in each band of ten (100 counts in the top band)."""
    scores = np.asarray(scores, dtype=np.float64).ravel()
    scores = scores[np.isfinite(scores)]
    bins = np.clip((scores // (100 / SCORE_BINS)).astype(np.int64), 0, SCORE_BINS - 1)
    return np.bincount(bins, minlength=SCORE_BINS).tolist()


def numeric_bin_edges(values, bins: int = 10) -> list[float]:
    """Cut points of a numeric input: its quantiles, so each bin holds about 1/bins of it."""
    values = np.asarray(values, dtype=np.float64).ravel()
    values = values[np.isfinite(values)]
    if values.size == 0:
        return []
    return np.unique(np.quantile(values, np.linspace(0, 1, bins + 1)[1:-1])).tolist()


def numeric_bin_counts(values, edges) -> list[int]:
    """Counts per bin of ``edges`` (``len(edges) + 1`` bins) followed by the count of missing."""
    values = np.asarray(values, dtype=np.float64).ravel()
    missing = ~np.isfinite(values)
    present = np.searchsorted(np.asarray(edges, dtype=np.float64), values[~missing], "right")
    counts = np.bincount(present, minlength=len(edges) + 1).tolist()
    return [*counts, int(missing.sum())]


def data_problem(expected, actual, *, missing_bin: int | None) -> dict | None:
    """Whether this week's distribution of an input looks like broken data rather than drift.

    ``expected`` and ``actual`` are counts (or shares) over the same bins; ``missing_bin`` is
    the index of the "missing" bin, if the input has one. Returns ``None`` or
    ``{"kind": "stopped", "before": share, "after": share}`` (missing in nearly every lead when
    it used to arrive) or ``{"kind": "stuck", "bin": index, "before": share, "after": share}``
    (one value in nearly every lead when the reference varied).
    """
    e, a = shares(expected), shares(actual)
    if not e.any() or not a.any():
        return None
    if missing_bin is not None:
        before, after = float(e[missing_bin]), float(a[missing_bin])
        if after >= STOPPED_SHARE and before <= STOPPED_BEFORE:
            return {"kind": "stopped", "before": before, "after": after}
    top = int(np.argmax(a))
    if a[top] >= STUCK_SHARE and e.max() <= STUCK_BEFORE and top != missing_bin:
        return {"kind": "stuck", "bin": top, "before": float(e[top]), "after": float(a[top])}
    return None


def largest_move(expected, actual) -> dict:
    """The bin whose share moved most: ``{"bin", "before", "after"}`` (shares)."""
    e, a = shares(expected), shares(actual)
    index = int(np.argmax(np.abs(a - e)))
    return {"bin": index, "before": float(e[index]), "after": float(a[index])}

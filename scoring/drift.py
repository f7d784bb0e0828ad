"""Does the holdout look like the leads a model learned from?

A model is judged on the newest leads of its history. When those differ sharply from the older
ones (a new campaign, a changed form, a different season), the holdout figures describe a moment,
not the model, and a marketer should hear so. Pure numpy: the models page reads the result.
"""

from __future__ import annotations

import numpy as np

from scoring.features import CATEGORICAL, FeatureSpec
from scoring.metrics import psi

SHIFTED_PSI = 0.25  # the usual rule of thumb: above it a distribution has shifted
RATE_RATIO = 1.5  # conversion rate of the holdout against the older leads, either way
RANKING_DROP = 0.1  # ROC AUC across the older leads minus on the newest
FEATURES_NAMED = 3


def _categorical_psi(expected: np.ndarray, actual: np.ndarray, size: int, eps=1e-4) -> float:
    e = np.maximum(np.bincount(expected, minlength=size) / max(expected.size, 1), eps)
    a = np.maximum(np.bincount(actual, minlength=size) / max(actual.size, 1), eps)
    return float(np.sum((a - e) * np.log(a / e)))


def _numeric_psi(expected: np.ndarray, actual: np.ndarray) -> float:
    # Missing numbers form a bin of their own (a constant far below any real value).
    expected = np.where(np.isnan(expected), -1e30, expected)
    actual = np.where(np.isnan(actual), -1e30, actual)
    return psi(expected, actual)


def holdout_drift(
    spec: FeatureSpec,
    feed: dict[str, np.ndarray],
    n_train: int,
    y,
    *,
    ranking: tuple[float, float] | None = None,
) -> dict:
    """How far the holdout (rows from ``n_train`` on, oldest first) drifted from the rows before.

    Returns ``{"drifted", "text", "features": [{"feature", "label", "psi"}], "train_rate",
    "holdout_rate", "ranking"}``: drifted when an input's population stability index reaches
    ``SHIFTED_PSI``, the conversion rate moved by a factor of ``RATE_RATIO``, or ``ranking``
    (ROC AUC across the older leads, out of fold, and on the holdout) fell by ``RANKING_DROP``:
    the answers that predicted conversion before no longer do.
    """
    y = np.asarray(y, dtype=np.float64)
    shifts = []
    for feature in spec.features:
        column = feed[feature.name][:, 0]
        before, after = column[:n_train], column[n_train:]
        if feature.kind == CATEGORICAL:
            value = _categorical_psi(before, after, len(feature.categories))
        else:
            value = _numeric_psi(before.astype(np.float64), after.astype(np.float64))
        if np.isfinite(value):
            shifts.append({"feature": feature.name, "label": feature.label, "psi": round(value, 3)})
    shifts.sort(key=lambda s: -s["psi"])
    shifted = [s for s in shifts if s["psi"] >= SHIFTED_PSI]
    train_rate, holdout_rate = float(y[:n_train].mean()), float(y[n_train:].mean())
    low, high = sorted((train_rate, holdout_rate))
    rate_moved = low == 0 or high / low >= RATE_RATIO
    parts = []
    if shifted:
        named = ", ".join(f"{s['label']} (PSI {s['psi']:.2f})" for s in shifted[:FEATURES_NAMED])
        parts.append(f"their answers shifted in {named}")
    if rate_moved:
        parts.append(
            f"they convert at {holdout_rate:.0%} against {train_rate:.0%} for the older leads"
        )
    if ranking is not None and ranking[0] - ranking[1] >= RANKING_DROP:
        parts.append(
            f"the answers rank them at {ranking[1]:.2f} ROC AUC against {ranking[0]:.2f} across"
            " the older leads"
        )
    drifted = bool(parts)
    text = (
        "The newest leads (the holdout) look different from the older ones: "
        + "; ".join(parts)
        + ". The holdout figures describe them, and may not hold as leads change; retrain as"
        " outcomes arrive."
        if drifted
        else "The newest leads look like the older ones: the holdout figures should hold."
    )
    return {
        "drifted": drifted,
        "text": text,
        "features": shifts[:FEATURES_NAMED],
        "train_rate": round(train_rate, 4),
        "holdout_rate": round(holdout_rate, 4),
        "ranking": [round(v, 4) for v in ranking] if ranking is not None else None,
    }

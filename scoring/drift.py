"""Does the holdout look like the leads a model learned from?

A model is judged on the newest leads of its history. When those differ sharply from the older
ones (a new campaign, a changed form, a different season), the holdout figures describe a moment,
not the model, and a marketer should hear so. Pure numpy: the models page reads the result.
"""

from __future__ import annotations

import numpy as np

from scoring import metrics
from scoring.features import (
    CATEGORICAL,
    MISSING,
    T_ANSWERED,
    T_CONSENT,
    T_KEY_PAGE,
    T_NUMBER_ANSWERED,
    T_OPTION,
    Feature,
    FeatureSpec,
)
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


# --- Drift in production: this week's leads against the version's reference ------------------
# A version stores, per input, how its training leads were spread over fixed bins (categories,
# or quantile bins of a number plus a "missing" bin); every week's leads are counted in the same
# bins and compared by PSI (scoring.metrics). Versions trained before this have no such
# reference: only their score distribution is compared until they are retrained.

REFERENCE_FORMAT = 1
MIN_WEEK_LEADS = 30  # fewer leads in a week say too little to call anything drift
BINARY_TRANSFORMS = (T_OPTION, T_CONSENT, T_ANSWERED, T_NUMBER_ANSWERED, T_KEY_PAGE)
BINARY_EDGES = [0.5]  # 0/1 inputs: "no" and "yes"


def _feature_counts(feature: Feature, entry: dict, column: np.ndarray) -> list[int]:
    if feature.kind == CATEGORICAL:
        return np.bincount(column.astype(np.int64), minlength=len(entry["bins"])).tolist()
    return metrics.numeric_bin_counts(column, entry["edges"])


def drift_reference(spec: FeatureSpec, feed: dict[str, np.ndarray], scores=None) -> dict:
    """What the training leads looked like, per input, in the bins every week is counted in.

    ``feed`` is ``feature_matrix(spec, training leads)``; ``scores`` their 0-100 scores, whose
    counts per band of ten are the score distribution's reference.
    """
    features = {}
    for feature in spec.features:
        column = feed[feature.name][:, 0]
        if feature.kind == CATEGORICAL:
            entry = {
                "kind": CATEGORICAL,
                "bins": list(feature.categories),
                "missing_bin": list(feature.categories).index(MISSING),
            }
        else:
            binary = feature.transform in BINARY_TRANSFORMS
            edges = BINARY_EDGES if binary else metrics.numeric_bin_edges(column)
            entry = {"kind": feature.kind, "edges": edges, "missing_bin": len(edges) + 1}
        entry["counts"] = _feature_counts(feature, entry, column)
        features[feature.name] = entry
    return {
        "format": REFERENCE_FORMAT,
        "n": len(next(iter(feed.values()))) if feed else 0,
        "score_counts": metrics.score_bin_counts(scores) if scores is not None else [],
        "features": features,
    }


def _percent(share: float) -> str:
    if 0 < share < 0.005:
        return "<1%"
    return f"{share * 100:.0f}%"


def _number(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 10 or value == int(value) else f"{value:.2g}"


def _bin_name(feature: Feature, entry: dict, index: int) -> str:
    """A bin in the words of the question: a choice's label, "under 40", "not answered"."""
    if feature.kind == CATEGORICAL:
        shown = feature.value_label(entry["bins"][index])
    elif index == entry["missing_bin"]:
        shown = feature.value_label(None)
    elif entry["edges"] == BINARY_EDGES:
        shown = feature.value_label(float(index))
    else:
        edges = entry["edges"]
        if index == 0:
            return f"under {_number(edges[0])}"
        if index == len(edges):
            return f"{_number(edges[-1])} or more"
        return f"{_number(edges[index - 1])} to under {_number(edges[index])}"
    return shown.removeprefix(f"{feature.label}: ")


def feature_drift(spec: FeatureSpec, reference: dict, feed: dict[str, np.ndarray]) -> list[dict]:
    """Each input's PSI this week, what moved most, and whether it looks like broken data.

    Data problems first, then by PSI, largest first. Each row: ``{"feature", "label", "psi",
    "level", "text", "change", "problem" (None or a sentence), "bins": [{"name", "before",
    "after"}]}``.
    """
    rows = []
    entries = reference.get("features") or {}
    for feature in spec.features:
        entry = entries.get(feature.name)
        if entry is None or feature.name not in feed:
            continue
        before = entry["counts"]
        after = _feature_counts(feature, entry, feed[feature.name][:, 0])
        value = metrics.psi_of_shares(before, after)
        if not np.isfinite(value):
            continue
        move = metrics.largest_move(before, after)
        name = _bin_name(feature, entry, move["bin"])
        before_text, after_text = _percent(move["before"]), _percent(move["after"])
        if before_text == after_text:
            change = f"about the same as before (“{name}” {after_text})"
        else:
            verb = "rose" if move["after"] > move["before"] else "fell"
            change = f"“{name}” {verb} from {before_text} to {after_text}"
        problem = metrics.data_problem(before, after, missing_bin=entry["missing_bin"])
        problem_text = None
        if problem and problem["kind"] == "stopped":
            problem_text = (
                f"“{feature.label}” stopped arriving (missing in {_percent(problem['after'])}"
                f" of this week's leads, {_percent(problem['before'])} before)"
            )
        elif problem:
            problem_text = (
                f"“{feature.label}” is stuck on “{_bin_name(feature, entry, problem['bin'])}”"
                f" (in {_percent(problem['after'])} of this week's leads,"
                f" {_percent(problem['before'])} before)"
            )
        before_shares, after_shares = metrics.shares(before), metrics.shares(after)
        rows.append(
            {
                "feature": feature.name,
                "label": feature.label,
                "psi": round(value, 3),
                "level": metrics.psi_level(value),
                "text": f"{feature.label}: {change}",
                "change": change,  # the text without the input's name, for a table by input
                "problem": problem_text,
                "bins": [
                    {
                        "name": _bin_name(feature, entry, i),
                        "before": round(float(before_shares[i]), 4),
                        "after": round(float(after_shares[i]), 4),
                    }
                    for i in range(len(before))
                    if before_shares[i] or after_shares[i]
                ],
            }
        )
    rows.sort(key=lambda row: (row["problem"] is None, -row["psi"]))
    return rows


def week_drift(
    *,
    spec: FeatureSpec | None,
    reference: dict,
    score_reference: list[int],
    score_counts: list[int],
    feed: dict[str, np.ndarray] | None,
) -> dict:
    """This week's verdict: the score distribution's PSI and each input's, in words.

    ``level`` is "too_few" (under ``MIN_WEEK_LEADS`` scored leads), "data_problem" (an input
    stopped arriving or is stuck: said instead of drift, since retraining on broken data would
    learn the breakage), or the score PSI's level: "stable", "drifting" or "shifted".
    """
    n = int(sum(score_counts))
    score_psi = metrics.psi_of_shares(score_reference, score_counts) if n else float("nan")
    features = feature_drift(spec, reference, feed) if spec is not None and feed is not None else []
    problems = [row["problem"] for row in features if row["problem"]]
    if n < MIN_WEEK_LEADS:
        level = "too_few"
        text = (
            f"{n} lead{'s' if n != 1 else ''} scored by this version in the last 7 days:"
            f" drift is judged from {MIN_WEEK_LEADS}."
        )
    elif problems:
        level = "data_problem"
        text = (
            "Data problem, not drift: "
            + "; ".join(problems[:3])
            + ". Scores move because an input broke, not because leads changed: fix the form"
            " or the integration that fills it; retraining would learn the breakage."
        )
    else:
        level = metrics.psi_level(score_psi)
        moved = [row["text"] for row in features if row["level"] != "stable"][:3]
        text = {
            "stable": "This week's scores are spread like the ones the model learned from.",
            "drifting": "This week's scores are drifting from the ones the model learned from.",
            "shifted": "This week's scores have shifted away from the ones the model learned"
            " from: its figures may no longer hold.",
        }[level]
        if moved and level != "stable":
            text += " Moved most: " + "; ".join(moved) + "."
    return {
        "level": level,
        "n": n,
        "score_psi": round(score_psi, 3) if np.isfinite(score_psi) else None,
        "score_level": metrics.psi_level(score_psi),
        "text": text,
        "features": features,
        "has_feature_reference": bool(reference.get("features")),
    }

"""Train a form's conversion model: candidates, time-ordered holdout, calibration, metrics, ONNX.

Training side only: imports scikit-learn and pandas, so the web process must never import it
(task workers and management commands do).

The recipe, in order:

1. Sort the labelled leads by time; the newest ``holdout_fraction`` (20 %) is the holdout.
2. Screen for leaks (``scoring.leakage``): questions the marketer said were not known when the
   lead arrived, and questions named like fields filled in later, are left out unless the marketer
   said they were known; so is an answer that alone ranks the outcome almost perfectly.
3. Build the feature spec from all labelled leads (vocabularies and dropped constant features use
   only the answers). Categories are ordered by their conversion rate in the older 80 % only, so
   the holdout's outcomes stay unseen.
4. Fit each candidate on the older 80 % and rank them by holdout ROC AUC: logistic regression
   (one-hot + median imputation + scaling), random forest and histogram gradient boosting (the
   categorical codes as they are, no scaler: a scaler in front of trees breaks ONNX parity at
   split thresholds; each of the forest's trees learns from at most 20,000 rows, so its size
   does not grow with the history), and the blend of logistic regression and boosted trees
   (their mean probability), measured from its members' holdout probabilities.
5. The winner is wrapped in sigmoid calibration (``ensemble=False``: one model refit on all rows
   plus a sigmoid fitted on out-of-fold predictions, so serving runs one model, not five), kept
   only when the fitted sigmoid is increasing: calibration then cannot reorder leads, and the
   holdout AUC after it is the winner's. Its holdout metrics come from that recipe fitted on the
   older 80 %; percentile scores there are computed against that model's own training leads,
   exactly as production will.
6. The same recipe is refit on all labelled leads, exported to ONNX and checked for parity on the
   holdout rows plus a stressed copy of them (unseen categories, missing answers). A calibrated
   model that fails parity falls back to the uncalibrated one; if that fails too, training raises.
7. What drives the score (the permutation importance of each input on the holdout), the leakage
   suspects and the holdout's drift (``scoring.drift``) are kept with the metrics for the gate
   (``scoring.services.gate_verdict``), the models page and the ``train`` command.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import version as package_version
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    RandomForestClassifier,
    VotingClassifier,
)
from sklearn.impute import SimpleImputer
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from scoring import metrics
from scoring.drift import drift_reference, holdout_drift
from scoring.evidence import holdout_evidence
from scoring.features import (
    CATEGORICAL,
    DEFAULT_MIN_CATEGORY_COUNT,
    MISSING,
    OTHER,
    T_OPTION,
    FeatureSpec,
    QuestionInput,
    feature_matrix,
    feature_spec_build,
)
from scoring.leakage import data_suspects, name_suspect
from scoring.onnx_export import PARITY_TOLERANCE, ParityError, check_parity, export, feed_frame
from scoring.points import points_score, validate_rule
from scoring.runtime import (
    MARKETING_QUALIFIED,
    NURTURE,
    SALES_READY,
    artefact_sha256,
    percentile_score,
    predict_probability,
    reference_array,
    session_load,
    tier_for,
)

SINGLE_ALGORITHMS = ("logistic_regression", "random_forest", "hist_gradient_boosting")
BLEND = "blend"
# The blend averages the probabilities of a linear model and boosted trees: they err on
# different leads, so the average usually ranks better than either (and never far worse).
BLEND_MEMBERS = ("logistic_regression", "hist_gradient_boosting")
ALGORITHMS = (*SINGLE_ALGORITHMS, BLEND)
REFERENCE_SIZE = 1001
CALIBRATION_FOLDS = 3  # out-of-fold predictions for the sigmoid; each fold is one more fit
# Small enough to load in a web process in tens of milliseconds (a forest's file grows with it).
RF_TREES = 100
# A tree grows with the rows it learns from (about one leaf per min_samples_leaf rows), and so do
# the forest's fit time, memory and ONNX file. Each tree draws at most this many rows, so a long
# history costs no more than this; below it, the forest is the usual one (every tree draws n).
RF_MAX_ROWS_PER_TREE = 20_000
DRIVER_REPEATS = 3  # shuffles per input when measuring what drives the score
DRIVERS_KEPT = 10
# One answer that lifts the holdout AUC by this much, and this many times the next, is suspect.
DOMINANT_DRIVER_LIFT = 0.15
DOMINANT_DRIVER_RATIO = 6.0
# Why a version is served without calibration (metrics["calibration"] otherwise says "sigmoid").
CALIBRATION_REVERSED = "none: the fitted sigmoid would have reversed the ranking"
CALIBRATION_UNFAITHFUL = "none: the calibrated model did not export faithfully"


class TrainingError(Exception):
    """Training cannot produce a trustworthy model; the message says why, for a marketer."""


@dataclass
class TrainingResult:
    spec: FeatureSpec
    algorithm: str
    calibrated: bool
    onnx_bytes: bytes
    metrics: dict
    candidates: list[dict]
    reference: list[float]
    library_versions: dict[str, str]
    window: dict  # {"start": oldest time, "end": newest time} as given (e.g. datetimes)
    counts: dict  # n, positives, train_n, holdout_n, holdout_positives
    parity: float  # max |p_onnx - p_sklearn| on the holdout and its stressed copy
    baseline: dict  # feature name -> value used for occlusion (None = NaN)
    holdout_indices: list[int]  # positions in the ``leads`` given to train()
    # Per input and for the score, how the training leads spread (scoring.drift.drift_reference)
    drift_reference: dict = field(default_factory=dict)
    model: Any = field(default=None, repr=False)  # the fitted scikit-learn pipeline

    @property
    def sha256(self) -> str:
        """The hash of the whole artefact, as the registry stores and checks it."""
        return artefact_sha256(
            onnx_bytes=self.onnx_bytes,
            spec=self.spec.to_dict(),
            reference=self.reference,
            baseline=self.baseline,
        )


def library_versions() -> dict[str, str]:
    return {
        name: package_version(dist)
        for name, dist in (
            ("scikit-learn", "scikit-learn"),
            ("onnx", "onnx"),
            ("onnxruntime", "onnxruntime"),
            ("skl2onnx", "skl2onnx"),
            ("numpy", "numpy"),
        )
    }


# --- candidates ----------------------------------------------------------------------------


_AS_FLOAT = StandardScaler(with_mean=False, with_std=False)


def candidate_build(
    algorithm: str,
    spec: FeatureSpec,
    seed: int = 0,
    by_position: bool = False,
    *,
    n_rows: int | None = None,
):
    """An unfitted pipeline over the spec's named columns, to be fitted on ``n_rows`` rows
    (the random forest's trees draw at most ``RF_MAX_ROWS_PER_TREE`` of them each).

    The blend is one pipeline too: its first step lines the named columns up into one matrix
    (the converters of the calibration and voting steps take a single input), and each member
    picks its columns from that matrix by position (``by_position``).
    """
    if algorithm == BLEND:
        members = [(name, candidate_build(name, spec, seed, True)) for name in BLEND_MEMBERS]
        # skl2onnx casts int64 codes to float when it joins them to float numbers; with no
        # numbers at all an identity scaler makes that cast (the members need float input).
        codes = "passthrough" if spec.numeric_names else clone(_AS_FLOAT)
        parts = [("codes", codes, spec.categorical_names)]
        parts.append(("numbers", "passthrough", spec.numeric_names))
        line_up = ColumnTransformer([part for part in parts if part[2]])
        return Pipeline(
            [
                ("prepare", line_up),
                ("classify", VotingClassifier(members, voting="soft", flatten_transform=False)),
            ]
        )
    categorical, numeric = spec.categorical_names, spec.numeric_names
    # Inside the blend every column is already float; its converters need float throughout.
    passthrough = clone(_AS_FLOAT) if by_position else "passthrough"
    if by_position:  # the blend's line-up: the categoricals, then the numerics
        categorical = list(range(len(categorical)))
        numeric = list(range(len(categorical), len(categorical) + len(numeric)))
    if algorithm == "logistic_regression":
        parts = [("categorical", OneHotEncoder(handle_unknown="ignore"), categorical)]
        numeric_steps = Pipeline(
            [
                ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
                ("scale", StandardScaler()),
            ]
        )
        parts.append(("numeric", numeric_steps, numeric))
        classifier = LogisticRegression(C=0.5, max_iter=2000)
    elif algorithm == "random_forest":
        parts = [("categorical", passthrough, categorical)]
        # Missing numbers sit far below any real value, so trees can split missing off.
        parts.append(("numeric", SimpleImputer(strategy="constant", fill_value=-1e9), numeric))
        classifier = RandomForestClassifier(
            n_estimators=RF_TREES,
            min_samples_leaf=3,
            max_features="sqrt",
            # A fraction, not a count: calibration fits the same forest on parts of the rows.
            max_samples=(
                RF_MAX_ROWS_PER_TREE / n_rows
                if n_rows is not None and n_rows > RF_MAX_ROWS_PER_TREE
                else None
            ),
            n_jobs=2,
            random_state=seed,
        )
    elif algorithm == "hist_gradient_boosting":
        parts = [("categorical", passthrough, categorical), ("numeric", passthrough, numeric)]
        classifier = HistGradientBoostingClassifier(
            learning_rate=0.06,
            max_iter=200,
            max_leaf_nodes=15,
            min_samples_leaf=20,
            l2_regularization=1.0,
            early_stopping=False,
            random_state=seed,
        )
    else:
        raise ValueError(f"unknown algorithm {algorithm!r}; choose from {', '.join(ALGORITHMS)}")
    parts = [part for part in parts if part[2]]
    return Pipeline([("prepare", ColumnTransformer(parts)), ("classify", classifier)])


def calibrated_build(
    algorithm: str, spec: FeatureSpec, seed: int, folds: int, *, n_rows: int | None = None
):
    """The candidate wrapped in sigmoid calibration (one refit model, not one per fold)."""
    model = candidate_build(algorithm, spec, seed, n_rows=n_rows)
    classifier = model.steps[-1][1]
    model.steps[-1] = (
        "classify",
        CalibratedClassifierCV(classifier, method="sigmoid", cv=folds, ensemble=False),
    )
    return model


def calibration_increasing(model) -> bool:
    """Whether the fitted sigmoid maps a higher raw score to a higher probability.

    Platt scaling fits p = 1 / (1 + exp(a·f + b)) on out-of-fold predictions; when those rank
    leads backwards (drift inside the training window), a comes out positive and calibration
    would reverse the model's ranking. Such a calibration is refused.
    """
    calibrated = model.steps[-1][1]
    return all(
        calibrator.a_ < 0
        for fitted in calibrated.calibrated_classifiers_
        for calibrator in fitted.calibrators
    )


# --- helpers -------------------------------------------------------------------------------


def _rows(feed: dict[str, np.ndarray], index) -> dict[str, np.ndarray]:
    return {name: column[index] for name, column in feed.items()}


def _concat(*feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {name: np.concatenate([f[name] for f in feeds]) for name in feeds[0]}


def _stressed(spec: FeatureSpec, feed: dict[str, np.ndarray], limit: int = 300) -> dict:
    """A copy of some rows with unseen categories, missing answers and NaN numbers planted."""
    rows = _rows(feed, slice(0, limit))
    rows = {name: column.copy() for name, column in rows.items()}
    n = len(next(iter(rows.values()))) if rows else 0
    for j, feature in enumerate(spec.features):
        column = rows[feature.name]
        for i in range(n):
            phase = (i + j) % 3
            if feature.kind == CATEGORICAL:
                if phase == 0:
                    column[i, 0] = feature.category_code(OTHER)
                elif phase == 1:
                    column[i, 0] = feature.category_code(MISSING)
            elif phase == 0:
                column[i, 0] = np.nan
    return rows


def baseline_values(spec: FeatureSpec, feed: dict[str, np.ndarray]) -> dict:
    """Occlusion baseline: the most frequent category (ties: the first of its ``categories``),
    stored as the category itself rather than its code, or the median of a numeric.
    """
    baseline: dict[str, Any] = {}
    for feature in spec.features:
        column = feed[feature.name][:, 0]
        if feature.kind == CATEGORICAL:
            counts = np.bincount(column, minlength=len(feature.categories))
            baseline[feature.name] = feature.categories[int(np.argmax(counts))]
        else:
            values = column.astype(np.float64)
            values = values[~np.isnan(values)]
            baseline[feature.name] = float(np.float32(np.median(values))) if values.size else None
    return baseline


def score_drivers(model, spec: FeatureSpec, frame, y: np.ndarray, seed: int) -> list[dict]:
    """What the model relies on: each input's permutation importance on the holdout.

    Importance is the drop in holdout ROC AUC when the input's values are shuffled among the
    holdout leads (mean of a few shuffles); inputs that do not lower it are left out. Measured on
    the model that was evaluated, so it describes the same leads as the metrics.
    """
    with threadpool_limits(limits=1):
        result = permutation_importance(
            model, frame, y, scoring="roc_auc", n_repeats=DRIVER_REPEATS, random_state=seed
        )
    drivers = []
    for feature, importance in zip(spec.features, result.importances_mean, strict=True):
        if importance > 0.0005:
            label = feature.value_label(1.0) if feature.transform == T_OPTION else feature.label
            drivers.append(
                {"feature": feature.name, "label": label, "importance": round(float(importance), 4)}
            )
    drivers.sort(key=lambda d: -d["importance"])
    return drivers[:DRIVERS_KEPT]


def reference_compress(probabilities, size: int = REFERENCE_SIZE) -> list[float]:
    """Sorted probabilities, or ``size`` evenly spaced quantiles of them when there are more."""
    values = np.sort(np.asarray(probabilities, dtype=np.float64))
    if values.size > size:
        values = np.quantile(values, np.linspace(0.0, 1.0, size))
    return [float(v) for v in values]


def _finite(value: float | None) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value), 6)


def holdout_metrics(
    y: np.ndarray,
    probabilities: np.ndarray,
    scores: np.ndarray,
    *,
    points: np.ndarray | None,
    sales_ready: int,
    marketing_qualified: int,
) -> dict:
    """The JSON-serialisable quality figures of one scorer on a holdout."""
    at_sales = metrics.precision_recall_at(y, scores, sales_ready)
    at_marketing = metrics.precision_recall_at(y, scores, marketing_qualified)
    tiers = {}
    tier_names = [tier_for(int(s), sales_ready, marketing_qualified) for s in scores]
    for tier in (SALES_READY, MARKETING_QUALIFIED, NURTURE):
        members = np.array([t == tier for t in tier_names], dtype=bool)
        conversions = int(y[members].sum())
        count = int(members.sum())
        tiers[tier] = {
            "n": count,
            "conversions": conversions,
            "rate": _finite(conversions / count) if count else None,
        }
    return {
        "holdout_n": int(y.size),
        "holdout_positives": int(y.sum()),
        "base_rate": _finite(float(y.mean())),
        "roc_auc": _finite(metrics.roc_auc(y, probabilities)),
        "average_precision": _finite(metrics.average_precision(y, probabilities)),
        "brier": _finite(metrics.brier(y, probabilities)),
        "lift_top_20": _finite(metrics.lift_at_top(y, probabilities, 0.2)),
        "thresholds": {SALES_READY: sales_ready, MARKETING_QUALIFIED: marketing_qualified},
        f"precision_at_{sales_ready}": _finite(at_sales["precision"]),
        f"recall_at_{sales_ready}": _finite(at_sales["recall"]),
        f"precision_at_{marketing_qualified}": _finite(at_marketing["precision"]),
        f"recall_at_{marketing_qualified}": _finite(at_marketing["recall"]),
        "tiers": tiers,
        "points_roc_auc": _finite(metrics.roc_auc(y, points)) if points is not None else None,
        "evidence": holdout_evidence(y, probabilities),
    }


# --- leakage ---------------------------------------------------------------------------------


def _suspect(question: QuestionInput, how: str, reason: str, excluded: bool, auc=None) -> dict:
    return {
        "column": question.label,
        "key": question.key,
        "how": how,
        "reason": reason,
        "roc_auc": auc,
        "excluded": excluded,
    }


def leaks_screened(questions: Sequence[QuestionInput]) -> tuple[list[QuestionInput], list[dict]]:
    """The questions a model may learn from, and the suspects set aside or kept knowingly.

    A question the marketer said was not known when the lead arrived is left out; one whose
    name says it is usually filled in later (``scoring.leakage.name_suspect``) is left out too
    unless the marketer said it was known.
    """
    kept, suspects = [], []
    for question in questions:
        known = question.known_at_arrival
        reason = name_suspect(question.label) or name_suspect(question.key)
        if question.feeds_score and known is False:
            said = "You said it was not known when the lead arrived."
            suspects.append(_suspect(question, "marketer", said, True))
            continue
        if question.feeds_score and reason and known is not True:
            suspects.append(_suspect(question, "name", reason, True))
            continue
        if question.feeds_score and reason:
            suspects.append(
                _suspect(question, "name", reason + " Kept: you said it was known.", False)
            )
        kept.append(question)
    return kept, suspects


def _column_values(feature, column: np.ndarray) -> list:
    if feature.kind == CATEGORICAL:
        categories = feature.categories
        return [None if categories[c] == MISSING else categories[c] for c in column[:, 0]]
    return [None if math.isnan(v) else float(v) for v in column[:, 0]]


def leaks_in_data(spec: FeatureSpec, feed: dict, y: np.ndarray, questions) -> tuple:
    """Leave out each answer that alone ranks the outcome almost perfectly (a leak, unless the
    marketer said it was known when the lead arrived); returns the spec, feed and suspects."""
    by_key = {q.key: q for q in questions}
    candidates = {
        feature.label: feature
        for feature in spec.features
        if feature.source == "answer"
        and feature.key in by_key
        and by_key[feature.key].known_at_arrival is not True
        and feature.transform not in (T_OPTION,)
    }
    columns = {label: _column_values(f, feed[f.name]) for label, f in candidates.items()}
    found = data_suspects(columns, [int(v) for v in y]) if columns else []
    suspects, dropped = [], set()
    for suspect in found:
        question = by_key[candidates[suspect.column].key]
        dropped |= {f.name for f in spec.features if f.key == question.key}
        suspects.append(_suspect(question, "data", suspect.reason, True, suspect.roc_auc))
    if not dropped:
        return spec, feed, suspects
    spec = FeatureSpec(features=tuple(f for f in spec.features if f.name not in dropped))
    return spec, {name: feed[name] for name in spec.names}, suspects


def leaks_in_drivers(drivers: list[dict], spec: FeatureSpec, questions) -> list[dict]:
    """A warning when one answer lifts the holdout AUC far more than any other input does."""
    if not drivers:
        return []
    top, runner_up = drivers[0], (drivers[1]["importance"] if len(drivers) > 1 else 0.0)
    feature = spec.feature(top["feature"])
    question = next((q for q in questions if q.key == feature.key), None)
    if (
        feature.source != "answer"
        or question is None
        or question.known_at_arrival is True
        or top["importance"] < DOMINANT_DRIVER_LIFT
        or top["importance"] < DOMINANT_DRIVER_RATIO * runner_up
    ):
        return []
    reason = (
        f"{question.label!r} lifts the holdout ROC AUC by {top['importance']:.2f}, far more than"
        f" any other answer ({runner_up:.2f}); check it was known when the lead arrived."
    )
    return [_suspect(question, "data", reason, False)]


def _calibrated_and_exported(
    algorithm: str,
    spec: FeatureSpec,
    seed: int,
    *,
    train: tuple,
    everything: tuple,
    fitted,
    feeds: tuple[dict, dict],
    parity_tolerance: float,
    report: Callable[[str, float], None],
) -> tuple[Any, Any, bytes, float, str]:
    """The winner as evaluated (fitted on the older leads) and as served (refit on all, exported).

    Calibrated with a sigmoid when the fitted sigmoid is increasing (it then cannot reorder
    leads) and the calibrated model exports faithfully; otherwise served uncalibrated, and the
    returned calibration says why. Returns (evaluated, final, onnx_bytes, parity, calibration).
    """
    frame_train, y_train, folds = train
    frame, y, all_folds = everything
    parity_feed, sample_feed = feeds

    def uncalibrated(fit_frame, fit_y):
        return candidate_build(algorithm, spec, seed, n_rows=len(fit_y)).fit(fit_frame, fit_y)

    evaluated = calibrated_build(algorithm, spec, seed, folds, n_rows=len(y_train)).fit(
        frame_train, y_train
    )
    calibration, final = "sigmoid", None
    if calibration_increasing(evaluated):
        report(f"refitting {algorithm} on all leads", 0.7)
        final = calibrated_build(algorithm, spec, seed, all_folds, n_rows=len(y)).fit(frame, y)
        if not calibration_increasing(final):
            final = None
    if final is None:
        calibration = CALIBRATION_REVERSED
    else:
        report("exporting to ONNX", 0.85)
        try:
            onnx_bytes = export(final, spec, sample_feed)
            parity = check_parity(onnx_bytes, final, parity_feed, parity_tolerance)
            return evaluated, final, onnx_bytes, parity, calibration
        except ParityError:
            calibration = CALIBRATION_UNFAITHFUL
    evaluated = fitted or uncalibrated(frame_train, y_train)
    final = uncalibrated(frame, y)
    onnx_bytes = export(final, spec, sample_feed)
    try:
        parity = check_parity(onnx_bytes, final, parity_feed, parity_tolerance)
    except ParityError as error:
        raise TrainingError(f"{algorithm} cannot be served faithfully: {error}") from error
    return evaluated, final, onnx_bytes, parity, calibration


def _ranking_older_and_newest(spec, seed: int, frame, y: np.ndarray, n_train: int):
    """ROC AUC of the (cheap) linear candidate across the older leads, out of fold in time
    order, and on the newest: far apart, the newest leads behave differently."""
    model = candidate_build("logistic_regression", spec, seed)
    older, y_older = frame.iloc[:n_train], y[:n_train]
    folds = int(min(CALIBRATION_FOLDS, y_older.sum(), n_train - y_older.sum()))
    if folds < 2:
        return None
    out_of_fold = cross_val_predict(model, older, y_older, cv=folds, method="predict_proba")
    newest = model.fit(older, y_older).predict_proba(frame.iloc[n_train:])[:, 1]
    before = metrics.roc_auc(y_older, out_of_fold[:, 1])
    after = metrics.roc_auc(y[n_train:], newest)
    return None if math.isnan(before) or math.isnan(after) else (before, after)


def _candidates_fit(
    algorithms: Sequence[str],
    spec: FeatureSpec,
    seed: int,
    frame_train,
    y_train: np.ndarray,
    frame_holdout,
    y_holdout: np.ndarray,
    report: Callable[[str, float], None],
) -> tuple[list[dict], dict]:
    """Fit each single candidate on the older leads and measure it on the holdout; the blend's
    holdout figures come from its members' probabilities (soft voting is their mean)."""
    # The blend's members are fitted even when not asked for as candidates of their own.
    members = BLEND_MEMBERS if BLEND in algorithms else ()
    singles = [a for a in SINGLE_ALGORITHMS if a in algorithms or a in members]
    unknown = [a for a in algorithms if a not in ALGORITHMS]
    if unknown:
        raise ValueError(f"unknown algorithm {unknown[0]!r}; choose from {', '.join(ALGORITHMS)}")
    candidates, fitted, probabilities, seconds = [], {}, {}, {}
    for step, algorithm in enumerate(singles):
        report(f"training {algorithm}", 0.05 + 0.45 * step / len(singles))
        started = time.perf_counter()
        model = candidate_build(algorithm, spec, seed, n_rows=len(y_train))
        fitted[algorithm] = model.fit(frame_train, y_train)
        seconds[algorithm] = time.perf_counter() - started
        probabilities[algorithm] = fitted[algorithm].predict_proba(frame_holdout)[:, 1]
    if members:
        probabilities[BLEND] = np.mean([probabilities[m] for m in members], axis=0)
        seconds[BLEND] = sum(seconds[m] for m in members)
    for name in (a for a in ALGORITHMS if a in algorithms):
        p_holdout = probabilities[name]
        candidates.append(
            {
                "name": name,
                "roc_auc": _finite(metrics.roc_auc(y_holdout, p_holdout)),
                "average_precision": _finite(metrics.average_precision(y_holdout, p_holdout)),
                "fit_seconds": round(seconds[name], 3),
            }
        )
    return candidates, fitted


def _check_data(positives: int, negatives: int, min_converted: int, min_not_converted: int) -> None:
    if positives < min_converted or negatives < min_not_converted:
        raise TrainingError(
            f"needs at least {min_converted} converted and {min_not_converted} not converted"
            f" leads; has {positives} and {negatives}"
        )


# --- train ---------------------------------------------------------------------------------


def train(
    *,
    spec_questions: list[QuestionInput],
    key_pages: Sequence[str] = (),
    leads: list[dict],
    outcomes: list[bool],
    times: list,
    points_rules: Sequence[dict] = (),
    seed: int = 0,
    progress: Callable[[str, float], None] | None = None,
    min_converted: int,
    min_not_converted: int,
    holdout_fraction: float = 0.2,
    algorithms: Sequence[str] = ALGORITHMS,
    min_category_count: int = DEFAULT_MIN_CATEGORY_COUNT,
    sales_ready: int = 80,
    marketing_qualified: int = 60,
    parity_tolerance: float = PARITY_TOLERANCE,
) -> TrainingResult:
    """Train, evaluate, calibrate and export a model from labelled leads (see module doc).

    min_converted, min_not_converted: the history a model needs, stated once for the product by
    scoring.services.history_minimum and passed in here (this module reads no settings); below
    it, a TrainingError says what is missing.

    Runs OpenMP/BLAS single-threaded: on a small, shared machine (web workers on the same cores)
    HistGradientBoosting's OpenMP threads spin against each other, measured 4-20x slower on a
    few hundred leads than one thread. The random forest still builds trees on 2 threads.
    """
    with threadpool_limits(limits=1):
        return _train(
            spec_questions=spec_questions,
            key_pages=key_pages,
            leads=leads,
            outcomes=outcomes,
            times=times,
            points_rules=points_rules,
            seed=seed,
            progress=progress,
            min_converted=min_converted,
            min_not_converted=min_not_converted,
            holdout_fraction=holdout_fraction,
            algorithms=algorithms,
            min_category_count=min_category_count,
            sales_ready=sales_ready,
            marketing_qualified=marketing_qualified,
            parity_tolerance=parity_tolerance,
        )


def _train(
    *,
    spec_questions,
    key_pages,
    leads,
    outcomes,
    times,
    points_rules,
    seed,
    progress,
    min_converted,
    min_not_converted,
    holdout_fraction,
    algorithms,
    min_category_count,
    sales_ready,
    marketing_qualified,
    parity_tolerance,
) -> TrainingResult:

    def report(stage: str, fraction: float) -> None:
        if progress is not None:
            progress(stage, fraction)

    if not (len(leads) == len(outcomes) == len(times)):
        raise TrainingError(
            f"leads, outcomes and times differ in length: {len(leads)}, {len(outcomes)},"
            f" {len(times)}"
        )
    for rule in points_rules:
        validate_rule(rule)
    y_given = np.array([bool(o) for o in outcomes], dtype=np.int64)
    n, positives = len(leads), int(y_given.sum())
    _check_data(positives, n - positives, min_converted, min_not_converted)

    report("preparing features", 0.02)
    # Oldest first; equal times keep their given order, so the split is deterministic.
    order = sorted(range(n), key=lambda i: (times[i], i))
    leads_sorted = [leads[i] for i in order]
    y = y_given[order]
    n_holdout = max(1, round(n * holdout_fraction))
    n_train = n - n_holdout
    train_index, holdout_index = np.arange(n_train), np.arange(n_train, n)
    y_train, y_holdout = y[train_index], y[holdout_index]
    if y_holdout.min() == y_holdout.max():
        kind = "conversions" if y_holdout.max() == 0 else "non-converted leads"
        raise TrainingError(
            f"the newest {n_holdout} leads (the holdout) contain no {kind}, so the model"
            " cannot be evaluated; wait for more outcomes"
        )
    folds = int(min(CALIBRATION_FOLDS, y_train.sum(), n_train - y_train.sum()))
    if folds < 2:
        raise TrainingError(
            "the older 80 % of leads need at least 2 conversions and 2 non-conversions"
        )

    questions, suspects = leaks_screened(spec_questions)
    spec = feature_spec_build(
        questions=questions,
        key_pages=list(key_pages),
        rows=leads_sorted,
        min_category_count=min_category_count,
        ranking=[bool(o) for o in y_train],
    )
    feed = feature_matrix(spec, leads_sorted)
    spec, feed, found = leaks_in_data(spec, feed, y, questions)
    suspects += found
    if not spec.features:
        raise TrainingError(
            "no question or capture signal varies across these leads"
            + (" once the suspected leaks are left out" if suspects else "")
        )
    frame = feed_frame(feed)
    frame_train, frame_holdout = frame.iloc[train_index], frame.iloc[holdout_index]

    candidates, fitted = _candidates_fit(
        algorithms, spec, seed, frame_train, y_train, frame_holdout, y_holdout, report
    )
    # Best holdout AUC; ties go to the earlier (simpler) candidate.
    winner = max(candidates, key=lambda c: (c["roc_auc"] or 0.0, -candidates.index(c)))
    algorithm = winner["name"]

    holdout_leads = leads_sorted[n_train:]
    points = (
        np.array([points_score(list(points_rules), lead) for lead in holdout_leads])
        if points_rules
        else None
    )

    def evaluate(model) -> dict:
        # Percentiles against the model's own training leads, as production scores them.
        p_train = model.predict_proba(frame_train)[:, 1]
        p_holdout = model.predict_proba(frame_holdout)[:, 1]
        scores = percentile_score(reference_array(reference_compress(p_train)), p_holdout)
        return holdout_metrics(
            y_holdout,
            p_holdout,
            scores,
            points=points,
            sales_ready=sales_ready,
            marketing_qualified=marketing_qualified,
        )

    report(f"evaluating calibrated {algorithm}", 0.55)
    parity_feed = _concat(_rows(feed, holdout_index), _stressed(spec, _rows(feed, holdout_index)))
    served = _calibrated_and_exported(
        algorithm,
        spec,
        seed,
        train=(frame_train, y_train, folds),
        everything=(frame, y, int(min(CALIBRATION_FOLDS, y.sum(), n - y.sum()))),
        fitted=fitted.get(algorithm),
        feeds=(parity_feed, _rows(feed, slice(0, min(n, 20)))),
        parity_tolerance=parity_tolerance,
        report=report,
    )
    evaluated, final, onnx_bytes, parity, calibration = served
    result_metrics = evaluate(evaluated)
    calibrated = calibration == "sigmoid"
    result_metrics["calibration"] = calibration
    # Calibration is an increasing map of the winner's score: it never reorders leads. Checked.
    result_metrics["candidate_roc_auc"] = winner["roc_auc"]

    report("building the reference distribution", 0.95)
    p_all = predict_probability(session_load(onnx_bytes), feed)
    result_metrics["algorithm"] = algorithm
    result_metrics["calibrated"] = calibrated
    result_metrics["parity"] = float(f"{parity:.2g}")  # a tolerance figure, not bits
    report("measuring what drives the score", 0.97)
    result_metrics["drivers"] = score_drivers(evaluated, spec, frame_holdout, y_holdout, seed)
    suspects += leaks_in_drivers(result_metrics["drivers"], spec, questions)
    result_metrics["leakage"] = {"suspects": suspects}
    result_metrics["drift"] = holdout_drift(
        spec, feed, n_train, y, ranking=_ranking_older_and_newest(spec, seed, frame, y, n_train)
    )
    reference = reference_compress(p_all)
    result = TrainingResult(
        spec=spec,
        algorithm=algorithm,
        calibrated=calibrated,
        onnx_bytes=onnx_bytes,
        metrics=result_metrics,
        candidates=candidates,
        reference=reference,
        library_versions=library_versions(),
        window={"start": times[order[0]], "end": times[order[-1]]},
        counts={
            "n": n,
            "positives": positives,
            "train_n": n_train,
            "holdout_n": n_holdout,
            "holdout_positives": int(y_holdout.sum()),
        },
        parity=parity,
        baseline=baseline_values(spec, feed),
        holdout_indices=sorted(int(order[i]) for i in holdout_index),
        drift_reference=drift_reference(
            spec, feed, percentile_score(reference_array(reference), p_all)
        ),
        model=final,
    )
    report("done", 1.0)
    return result

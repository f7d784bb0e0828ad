"""Serving: cached onnxruntime sessions, scores, tiers and occlusion explanations.

Imports onnxruntime, numpy and ``scoring.features`` only, never scikit-learn or pandas (a test
imports this module in a fresh interpreter and checks), because it runs in the web process.

Session cache: one ``InferenceSession`` per model version per process, loaded on first use with
one intra-op thread (web workers are processes; threads inside a session only fight them). The cache
key is ``(version_key, sha256)``; the bytes are checked against ``sha256`` when it is given. Pass
``group`` (e.g. the form id) and loading a new version for that group drops the group's previous
session, so a process holds only the newest version per form; ``session_forget`` drops entries
explicitly (e.g. on rollback, or in tests).

``served_model_get`` caches, per version, everything scoring needs (session, parsed spec, reference
as an array, baseline) so the hot path does no JSON parsing; prefer it to ``session_get``.

Units: ``Scored.score`` is the percentile (0-100) of the probability within the version's
reference distribution: the share of reference probabilities at or below it, floored, so the
lowest lead scores 0 and one at or above the reference maximum scores 100. Explanation impacts are
in **probability points** (percentage points of conversion probability): "+18" means the lead's
value for that feature, against the baseline value, raises its probability by 0.18. Probability
points are used rather than score points because percentiles saturate at both ends (a 99th
percentile lead would show no factor at all) and depend on the reference's shape.
"""

from __future__ import annotations

import hashlib
import math
import threading
from bisect import bisect_right
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import onnxruntime as ort

from scoring.features import CATEGORICAL, FeatureSpec, feature_matrix

PROBABILITY_OUTPUT = "probabilities"
SALES_READY = "sales_ready"
MARKETING_QUALIFIED = "marketing_qualified"
NURTURE = "nurture"
MIN_IMPACT = 0.5  # probability points; smaller factors are noise to a salesperson


class ModelIntegrityError(Exception):
    """The model bytes do not match the sha256 recorded for the version."""


@dataclass(frozen=True)
class Scored:
    probability: float
    score: int


# --- session cache -------------------------------------------------------------------------


class _VersionCache:
    """A process-wide cache of loaded versions, newest only per group."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[Hashable, str | None], Any] = {}
        self._group_of: dict[tuple[Hashable, str | None], Hashable] = {}
        self._latest: dict[Hashable, tuple[Hashable, str | None]] = {}

    def get(self, key, build: Callable[[], Any], group: Hashable | None) -> Any:
        entry = self._entries.get(key)
        if entry is not None:
            return entry
        # Two requests may miss at once; load once, under the lock.
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                return entry
            entry = build()
            if group is not None:
                previous = self._latest.get(group)
                if previous is not None and previous != key:
                    self._entries.pop(previous, None)
                    self._group_of.pop(previous, None)
                self._latest[group] = key
                self._group_of[key] = group
            self._entries[key] = entry
            return entry

    def forget(self, version_key=None, group=None) -> int:
        with self._lock:
            if version_key is None and group is None:
                dropped = list(self._entries)
            else:
                dropped = [
                    key
                    for key in self._entries
                    if (version_key is not None and key[0] == version_key)
                    or (group is not None and self._group_of.get(key) == group)
                ]
            for key in dropped:
                self._entries.pop(key, None)
                owner = self._group_of.pop(key, None)
                if owner is not None and self._latest.get(owner) == key:
                    del self._latest[owner]
            return len(dropped)

    def keys(self) -> list:
        return list(self._entries)


_sessions = _VersionCache()
_served = _VersionCache()


def session_load(onnx_bytes: bytes) -> ort.InferenceSession:
    """A new session over ``onnx_bytes``: one thread, CPU, full graph optimisation."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3
    return ort.InferenceSession(onnx_bytes, options, providers=["CPUExecutionProvider"])


def _load_checked(onnx_bytes_loader: Callable[[], bytes], sha256: str | None):
    onnx_bytes = onnx_bytes_loader()
    if sha256 is not None and hashlib.sha256(onnx_bytes).hexdigest() != sha256:
        raise ModelIntegrityError(f"model bytes do not match sha256 {sha256}")
    return session_load(onnx_bytes)


def session_get(
    version_key: Hashable,
    onnx_bytes_loader: Callable[[], bytes],
    *,
    sha256: str | None = None,
    group: Hashable | None = None,
) -> ort.InferenceSession:
    """The cached session of a version; ``onnx_bytes_loader`` is called only on first use."""
    return _sessions.get(
        (version_key, sha256), lambda: _load_checked(onnx_bytes_loader, sha256), group
    )


def session_forget(version_key: Hashable | None = None, *, group: Hashable | None = None) -> int:
    """Drop cached sessions (and served models) of a version, of a group, or all; returns count."""
    return _sessions.forget(version_key, group) + _served.forget(version_key, group)


def session_cache_keys() -> list:
    """The ``(version_key, sha256)`` of every cached session (for diagnostics and tests)."""
    return _sessions.keys()


# --- scoring -------------------------------------------------------------------------------


def reference_array(reference) -> np.ndarray:
    """The reference distribution as a sorted float64 array (do this once per version)."""
    array = np.sort(np.asarray(reference, dtype=np.float64).ravel())
    if array.size == 0:
        raise ValueError("the reference distribution is empty")
    return array


def percentile_score(reference, probabilities) -> np.ndarray:
    """Percentile (int 0-100) of each probability: share of the reference at or below it."""
    ref = reference if isinstance(reference, np.ndarray) else reference_array(reference)
    p = np.asarray(probabilities, dtype=np.float64).ravel()
    at_or_below = np.searchsorted(ref, p, side="right")
    return (at_or_below * 100) // ref.size


def tier_for(score: int, sales_ready: int = 80, marketing_qualified: int = 60) -> str:
    """``sales_ready`` from ``sales_ready`` up, ``marketing_qualified`` from its threshold up."""
    if score >= sales_ready:
        return SALES_READY
    if score >= marketing_qualified:
        return MARKETING_QUALIFIED
    return NURTURE


def predict_probability(session: ort.InferenceSession, feed: dict[str, np.ndarray]) -> np.ndarray:
    """P(convert) for each row of an ONNX feed (float64 array of n)."""
    (probabilities,) = session.run([PROBABILITY_OUTPUT], feed)
    return probabilities[:, 1].astype(np.float64)


def percentile_of(reference: list[float], probability: float) -> int:
    """``percentile_score`` for one probability against a sorted list (no numpy overhead)."""
    if not reference:
        raise ValueError("the reference distribution is empty")
    return bisect_right(reference, probability) * 100 // len(reference)


def _scored(reference, probabilities: np.ndarray) -> list[Scored]:
    if len(probabilities) == 1 and isinstance(reference, list):
        p = float(probabilities[0])
        return [Scored(p, percentile_of(reference, p))]
    scores = percentile_score(reference, probabilities)
    return [Scored(float(p), int(s)) for p, s in zip(probabilities, scores, strict=True)]


def score(session, spec: FeatureSpec, reference, leads: list[dict]) -> list[Scored]:
    """Probability and 0-100 percentile score of each lead, in one session.run.

    ``reference`` is the version's sorted reference distribution (a sorted list, as stored, or
    the array from ``reference_array``).
    """
    if not leads:
        return []
    return _scored(reference, predict_probability(session, feature_matrix(spec, leads)))


def _baseline_value(spec: FeatureSpec, baseline: dict, name: str) -> Any:
    value = baseline[name]
    if spec.feature(name).kind == CATEGORICAL:
        return value
    return math.nan if value is None else float(value)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def score_explain(
    session,
    spec: FeatureSpec,
    reference,
    baseline: dict,
    lead: dict,
    top: int = 5,
    min_impact: float = MIN_IMPACT,
) -> tuple[Scored, list[dict]]:
    """Score one lead and explain it by occlusion, in ONE session.run.

    Row 0 of the batch is the lead; row i replaces feature i by its baseline value (the most
    frequent category or the median of the training leads). Impact = p(lead) - p(occluded), in
    probability points, sign kept: positive means the lead's value raises its probability.
    Factors are sorted by |impact|; those under ``min_impact`` are dropped; at most ``top``.
    """
    feed = feature_matrix(spec, [lead])
    occluded = []
    for feature in spec.features:
        value = feed[feature.name][0, 0]
        value = value if feature.kind == CATEGORICAL else float(value)
        base = _baseline_value(spec, baseline, feature.name)
        if not _same(value, base):
            occluded.append((feature, value, base))
    rows = len(occluded) + 1
    batch = {name: np.repeat(column, rows, axis=0) for name, column in feed.items()}
    for row, (feature, _, base) in enumerate(occluded, start=1):
        batch[feature.name][row, 0] = base
    probabilities = predict_probability(session, batch)
    p = float(probabilities[0])
    (scored,) = _scored(reference, probabilities[:1])
    factors = []
    for row, (feature, value, _) in enumerate(occluded, start=1):
        impact = round((p - float(probabilities[row])) * 100.0, 1)
        if abs(impact) >= min_impact:
            factors.append(
                {
                    "feature": feature.name,
                    "label": feature.value_label(value),
                    "impact": impact,
                    "value": None if isinstance(value, float) and math.isnan(value) else value,
                }
            )
    factors.sort(key=lambda f: -abs(f["impact"]))
    return scored, factors[:top]


def explain(
    session,
    spec: FeatureSpec,
    reference,
    baseline: dict,
    lead: dict,
    top: int = 5,
    min_impact: float = MIN_IMPACT,
) -> list[dict]:
    """Top factors of one lead, ``[{"feature", "label", "impact", "value"}]``; see score_explain."""
    return score_explain(session, spec, reference, baseline, lead, top, min_impact)[1]


# --- a whole version, cached ---------------------------------------------------------------


@dataclass(frozen=True)
class ServedModel:
    """Everything one version needs to score, parsed once per process."""

    session: ort.InferenceSession
    spec: FeatureSpec
    reference: list[float]  # sorted
    baseline: dict

    def score(self, leads: list[dict]) -> list[Scored]:
        return score(self.session, self.spec, self.reference, leads)

    def score_explain(self, lead: dict, top: int = 5) -> tuple[Scored, list[dict]]:
        return score_explain(self.session, self.spec, self.reference, self.baseline, lead, top)


def served_model_build(
    *, onnx_bytes: bytes, spec: FeatureSpec | dict, reference, baseline: dict
) -> ServedModel:
    return ServedModel(
        session=session_load(onnx_bytes),
        spec=spec if isinstance(spec, FeatureSpec) else FeatureSpec.from_dict(spec),
        reference=reference_array(reference).tolist(),
        baseline=dict(baseline),
    )


def served_model_get(
    version_key: Hashable,
    loader: Callable[[], dict],
    *,
    sha256: str | None = None,
    group: Hashable | None = None,
) -> ServedModel:
    """The cached ServedModel of a version.

    ``loader()`` returns ``{"onnx_bytes", "spec" (dict or FeatureSpec), "reference", "baseline"}``
    and is called only on first use; ``sha256`` and ``group`` work as in ``session_get``.
    """

    def build() -> ServedModel:
        parts = loader()
        onnx_bytes = parts["onnx_bytes"]
        if sha256 is not None and hashlib.sha256(onnx_bytes).hexdigest() != sha256:
            raise ModelIntegrityError(f"model bytes do not match sha256 {sha256}")
        return served_model_build(
            onnx_bytes=onnx_bytes,
            spec=parts["spec"],
            reference=parts["reference"],
            baseline=parts["baseline"],
        )

    return _served.get((version_key, sha256), build, group)

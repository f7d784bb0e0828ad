"""Serving: cached onnxruntime sessions, scores, tiers and occlusion explanations.

Imports onnxruntime, numpy and ``scoring.features`` only, never scikit-learn or pandas (a test
imports this module in a fresh interpreter and checks), because it runs in the web process.

Cache: ``served_model_get`` keeps one ``ServedModel`` per model version per process (its
``InferenceSession`` with one intra-op thread, since web workers are processes and threads inside
a session only fight them; the parsed spec; the reference; the baseline), loaded on first use, so
the hot path does no JSON parsing. The cache key is ``(version_key, sha256)``; when ``sha256`` is
given, the whole artefact as loaded (ONNX bytes, spec, reference, baseline) is checked against it
with ``artefact_sha256`` before anything is built, and a mismatch raises ``ModelIntegrityError``.
Pass ``group`` (e.g. the form id) and loading a new version for that group drops the group's
previous one, so a process holds only the newest version per form; ``served_model_forget`` drops
entries explicitly (e.g. on rollback, or in tests).

Speed: scoring one lead writes its values into buffers bound once to the session (see
``_BoundFeed``), so a submit costs the model's arithmetic plus a few microseconds; batches (the
rescoring of many leads) go through ``feature_matrix`` and ``session.run``.

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
import json
import math
import threading
from bisect import bisect_right
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import onnxruntime as ort

from scoring.features import FeatureSpec, feature_matrix

PROBABILITY_OUTPUT = "probabilities"
SALES_READY = "sales_ready"
MARKETING_QUALIFIED = "marketing_qualified"
NURTURE = "nurture"
MIN_IMPACT = 0.5  # probability points; smaller factors are noise to a salesperson


class ModelIntegrityError(Exception):
    """The artefact loaded for a version does not match the sha256 recorded for it."""


def _hashable_json(value: Any) -> Any:
    """``value`` with integral floats as ints: PostgreSQL's jsonb returns 1e16 as an integer."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _hashable_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_hashable_json(item) for item in value]
    return value


def artefact_sha256(*, onnx_bytes: bytes, spec: dict, reference: list, baseline: dict) -> str:
    """The sha256 of a whole model version: its ONNX bytes and everything served with them.

    The ONNX bytes, then the spec, the reference and the baseline as canonical JSON (sorted keys,
    fixed separators), each part preceded by its length so no part can run into the next. The
    JSON parts hash the same before they are stored and after the database gives them back
    (tuples become lists, keys are reordered, integral floats may come back as integers).
    Migration scoring 0003 holds a frozen copy of this function: a change here needs a new
    scheme tag (the first bytes) and a migration that rehashes every version.
    """
    digest = hashlib.sha256(b"formscore model version 1\n")
    parts = [bytes(onnx_bytes)] + [
        json.dumps(
            _hashable_json(part),
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
            allow_nan=False,
        ).encode()
        for part in (spec, reference, baseline)
    ]
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


@dataclass(frozen=True)
class Scored:
    probability: float
    score: int


# --- the cache of served versions ----------------------------------------------------------


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


_served = _VersionCache()


def session_load(onnx_bytes: bytes) -> ort.InferenceSession:
    """A new session over ``onnx_bytes``: one thread, CPU, full graph optimisation."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3
    return ort.InferenceSession(onnx_bytes, options, providers=["CPUExecutionProvider"])


def served_model_forget(
    version_key: Hashable | None = None, *, group: Hashable | None = None
) -> int:
    """Drop cached versions: one version, a group's, or all; returns how many."""
    return _served.forget(version_key, group)


def served_model_cache_keys() -> list:
    """The ``(version_key, sha256)`` of every cached version (for diagnostics and tests)."""
    return _served.keys()


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


# --- a whole version, served ----------------------------------------------------------------


class _BoundFeed:
    """Input and output buffers for a fixed number of rows, bound once to an IOBinding.

    onnxruntime reads bound CPU buffers in place, so a call writes values into ``numbers`` and
    ``codes`` and runs: none of the per-input conversion of ``session.run``, which is most of
    the cost of scoring one lead. One per thread and row count (a binding is not shared).
    """

    def __init__(self, session: ort.InferenceSession, spec: FeatureSpec, rows: int) -> None:
        self.numbers = np.zeros((len(spec.numeric_features), rows, 1), dtype=np.float32)
        self.codes = np.zeros((len(spec.categorical_features), rows, 1), dtype=np.int64)
        self.probabilities = np.zeros((rows, 2), dtype=np.float32)
        self._session = session
        self._binding = session.io_binding()
        for name, is_numeric, index in spec.feed_layout:
            self._binding.bind_cpu_input(name, (self.numbers if is_numeric else self.codes)[index])
        self._binding.bind_output(
            PROBABILITY_OUTPUT,
            "cpu",
            0,
            np.float32,
            list(self.probabilities.shape),
            self.probabilities.ctypes.data,
        )

    def run(self) -> np.ndarray:
        """P(convert) of every row, as float64."""
        self._session.run_with_iobinding(self._binding)
        return self.probabilities[:, 1].astype(np.float64)


class ServedModel:
    """Everything one version needs to score and explain, prepared once per process.

    Explanation is occlusion in ONE run: row 0 of the batch is the lead and each further row
    replaces one feature by its baseline value (the most frequent category or the median of the
    training leads). Impact = p(lead) - p(occluded), in probability points,
    sign kept: positive means the lead's value raises its probability.
    """

    def __init__(
        self,
        session: ort.InferenceSession,
        spec: FeatureSpec,
        reference: list[float],
        baseline: dict,
    ) -> None:
        self.session = session
        self.spec = spec
        self.reference = reference  # sorted
        self.baseline = baseline
        numeric, categorical = spec.numeric_features, spec.categorical_features
        self._baseline_numbers = np.array(
            [math.nan if baseline[f.name] is None else baseline[f.name] for f in numeric],
            dtype=np.float32,
        )
        self._baseline_codes = np.array(
            [f.category_code(baseline[f.name]) for f in categorical], dtype=np.int64
        )
        self._threads = threading.local()

    def _feed(self, rows: int) -> _BoundFeed:
        feeds = self._threads.__dict__.setdefault("feeds", {})
        feed = feeds.get(rows)
        if feed is None:
            feed = feeds[rows] = _BoundFeed(self.session, self.spec, rows)
        return feed

    def score(self, leads: list[dict]) -> list[Scored]:
        """Probability and 0-100 score of each lead; one lead takes the bound fast path."""
        if len(leads) != 1:
            return score(self.session, self.spec, self.reference, leads)
        numbers, codes = self.spec.lead_values(leads[0])
        feed = self._feed(1)
        feed.numbers[:, 0, 0] = numbers
        feed.codes[:, 0, 0] = codes
        return _scored(self.reference, feed.run())

    def score_explain(
        self, lead: dict, top: int = 5, min_impact: float = MIN_IMPACT
    ) -> tuple[Scored, list[dict]]:
        """Score one lead and its top factors ``[{"feature", "label", "impact", "value"}]``.

        Only features whose value differs from the baseline get an occlusion row (the others
        would have no impact). Factors are sorted by |impact|; those under ``min_impact`` are
        dropped; at most ``top``.
        """
        number_values, code_values = self.spec.lead_values(lead)
        numbers = np.array(number_values, dtype=np.float32)
        codes = np.array(code_values, dtype=np.int64)
        baseline_numbers, baseline_codes = self._baseline_numbers, self._baseline_codes
        numbers_differ = ~(
            (numbers == baseline_numbers) | (np.isnan(numbers) & np.isnan(baseline_numbers))
        )
        codes_differ = codes != baseline_codes
        occluded = [
            (name, is_numeric, index)
            for name, is_numeric, index in self.spec.feed_layout
            if (numbers_differ if is_numeric else codes_differ)[index]
        ]
        feed = self._feed(len(occluded) + 1)
        feed.numbers[:, :, 0] = numbers[:, None]
        feed.codes[:, :, 0] = codes[:, None]
        for row, (_, is_numeric, index) in enumerate(occluded, start=1):
            if is_numeric:
                feed.numbers[index, row, 0] = baseline_numbers[index]
            else:
                feed.codes[index, row, 0] = baseline_codes[index]
        probabilities = feed.run()
        p = float(probabilities[0])
        (scored,) = _scored(self.reference, probabilities[:1])

        factors = []
        for row, (name, is_numeric, index) in enumerate(occluded, start=1):
            impact = round((p - float(probabilities[row])) * 100.0, 1)
            if abs(impact) < min_impact:
                continue
            feature = self.spec.feature(name)
            if is_numeric:
                value = float(numbers[index])
                shown = None if math.isnan(value) else value
            else:
                value = shown = feature.categories[codes[index]]
            factors.append(
                {
                    "feature": name,
                    "label": feature.value_label(value),
                    "impact": impact,
                    "value": shown,
                }
            )
        factors.sort(key=lambda f: -abs(f["impact"]))
        return scored, factors[:top]

    def explain(self, lead: dict, top: int = 5, min_impact: float = MIN_IMPACT) -> list[dict]:
        """The top factors of one lead; see ``score_explain``."""
        return self.score_explain(lead, top, min_impact)[1]


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
    """The cached ServedModel of a version (see the module's docstring for the cache).

    ``loader()`` returns ``{"onnx_bytes", "spec" (dict or FeatureSpec), "reference", "baseline"}``
    and is called only on first use. With ``sha256``, an artefact that does not hash to it
    (``artefact_sha256``) raises ``ModelIntegrityError`` and nothing is cached.
    """

    def build() -> ServedModel:
        parts = loader()
        spec = parts["spec"]
        if sha256 is not None:
            loaded = artefact_sha256(
                onnx_bytes=parts["onnx_bytes"],
                spec=spec.to_dict() if isinstance(spec, FeatureSpec) else spec,
                reference=parts["reference"],
                baseline=parts["baseline"],
            )
            if loaded != sha256:
                raise ModelIntegrityError(
                    f"the model version's artefact hashes to {loaded}, not {sha256} as registered"
                )
        return served_model_build(
            onnx_bytes=parts["onnx_bytes"],
            spec=spec,
            reference=parts["reference"],
            baseline=parts["baseline"],
        )

    return _served.get((version_key, sha256), build, group)

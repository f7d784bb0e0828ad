"""Scoring use cases: score a row of answers, train a version, activate it, roll it back.

Forms and leads are not known here: callers (forms_app/scoring_adapter.py) pass a form's id, its
questions as `QuestionInput`, rows of answers and capture, outcomes, points rules and thresholds.

This module is imported by the web process, so it imports onnxruntime (through scoring.runtime)
and never scikit-learn or pandas: training is imported lazily, only where a model is trained (a
task worker or a management command).
"""

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from scoring import metrics, runtime
from scoring.features import QuestionInput
from scoring.models import ModelVersion, ModelVersionEvent, PointsRule
from scoring.points import points_breakdown, points_score

logger = logging.getLogger(__name__)

ACTIVATE_CHOICES = ("auto", "always", "never")


@dataclass
class ScoreResult:
    score: int
    probability: float | None
    tier: str
    points_score: int
    factors: list[dict]
    model_version: ModelVersion | None
    # True when the points system scored the lead although an ML version is active (it failed).
    fallback: bool = False
    error: str = ""


@dataclass
class TrainOutcome:
    version: ModelVersion
    activated: bool
    reason: str
    candidates: list[dict] = field(default_factory=list)


class ActivationError(Exception):
    """An activation or rollback that cannot be done; the message says why."""


LIVE_MIN_OUTCOMES = 20


@dataclass(frozen=True)
class LiveQuality:
    """How a version ranks the leads it scored in production, once their outcomes are known."""

    outcomes: int  # leads it scored after its training window that now have an outcome
    converted: int
    roc_auc: float | None  # None until LIVE_MIN_OUTCOMES outcomes of both kinds are in

    @property
    def missing(self) -> int:
        return max(LIVE_MIN_OUTCOMES - self.outcomes, 0)


@dataclass(frozen=True)
class Thresholds:
    """A form's tier thresholds: scores at or above them are sales-ready / marketing-qualified."""

    sales_ready: int = 80
    marketing_qualified: int = 60

    def tier(self, score: int) -> str:
        return runtime.tier_for(
            score, sales_ready=self.sales_ready, marketing_qualified=self.marketing_qualified
        )


@dataclass(frozen=True)
class TrainingHistory:
    """What a form's model learns from: its questions, and its labelled leads oldest first.

    The fields are `scoring.training.train`'s arguments, so the history is passed as it is.
    """

    spec_questions: list[QuestionInput]
    key_pages: list[str]
    leads: list[dict[str, Any]]  # {"answers": {...}, "capture": {...}} per lead
    outcomes: list[bool]  # converted or not, per lead
    times: list[Any]  # when each lead arrived (datetimes), per lead
    points_rules: list[dict]
    sales_ready: int
    marketing_qualified: int


def points_rules_for(form_id: int) -> list[dict]:
    return [rule.as_rule() for rule in PointsRule.objects.filter(form_id=form_id)]


def active_version(form_id: int) -> ModelVersion | None:
    return (
        ModelVersion.objects.filter(form_id=form_id, status=ModelVersion.Status.ACTIVE)
        .only("id", "form_id", "number", "sha256", "algorithm")
        .first()
    )


def model_version_artefact(version_id: int) -> dict[str, Any]:
    """A stored version's artefact, as `runtime.served_model_get` loads and hashes it."""
    row = ModelVersion.objects.values("onnx", "feature_spec", "reference", "baseline").get(
        pk=version_id
    )
    return {
        "onnx_bytes": bytes(row["onnx"]),
        "spec": row["feature_spec"],
        "reference": row["reference"],
        "baseline": row["baseline"],
    }


def served_model(version: ModelVersion) -> runtime.ServedModel:
    """The version's cached onnxruntime session (loaded from the database on first use)."""
    return runtime.served_model_get(
        version.pk,
        lambda: model_version_artefact(version.pk),
        sha256=version.sha256,
        group=version.form_id,
    )


def _points_factors(rules: list[dict], row: dict) -> list[dict]:
    return [
        {"feature": f"rule_{item['rule']}", "label": item["label"], "impact": item["points"]}
        for item in sorted(points_breakdown(rules, row), key=lambda i: -abs(i["points"]))[:5]
    ]


def score_row(
    *, version: ModelVersion | None, row: dict[str, Any], rules: list[dict], thresholds: Thresholds
) -> ScoreResult:
    """Score one lead's answers and capture with the form's active version, storing nothing.

    version: the form's active version (`active_version`; the submit path caches it), or None.
    The points system always runs. The active ML version, when there is one, gives the score;
    when it cannot (a broken file, an error), the points score stands in and `fallback` is set.
    """
    points = points_score(rules, row)
    if version is None:
        return _points_result(points, rules, row, thresholds)
    try:
        scored, factors = served_model(version).score_explain(row)
    except Exception as exc:  # a broken model must never lose or block a lead
        logger.exception("Scoring with %s failed; using the points score", version)
        return _points_result(points, rules, row, thresholds, error=f"{type(exc).__name__}: {exc}")
    return ScoreResult(
        score=scored.score,
        probability=scored.probability,
        tier=thresholds.tier(scored.score),
        points_score=points,
        factors=factors,
        model_version=version,
    )


def _points_result(
    points: int, rules: list[dict], row: dict, thresholds: Thresholds, *, error: str = ""
) -> ScoreResult:
    """The points system's score; with an error, it stands in for a version that failed."""
    return ScoreResult(
        score=points,
        probability=None,
        tier=thresholds.tier(points),
        points_score=points,
        factors=_points_factors(rules, row),
        model_version=None,
        fallback=bool(error),
        error=error,
    )


# --- training and the registry ------------------------------------------------------------


def live_quality(probabilities: list[float], converted: list[bool]) -> LiveQuality:
    """How well the probabilities a version gave live leads rank their outcomes (numpy only)."""
    n, positives = len(probabilities), sum(converted)
    auc = None
    if n >= LIVE_MIN_OUTCOMES and 0 < positives < n:
        auc = round(metrics.roc_auc(converted, probabilities), 3)
    return LiveQuality(outcomes=n, converted=positives, roc_auc=auc)


def _form_lock(form_id: int) -> None:
    """Lock the version's form row (the model is named through the foreign key, not imported)."""
    form_model = ModelVersion._meta.get_field("form").related_model
    form_model.objects.select_for_update().filter(pk=form_id).first()


@dataclass(frozen=True)
class HistoryMinimum:
    """The labelled history a form needs before a model may score it (its cold start)."""

    converted: int
    not_converted: int

    def sentence(self) -> str:
        return f"{self.converted} converted and {self.not_converted} not-converted leads"


def history_minimum() -> HistoryMinimum:
    """The one minimum (FORMSCORE_MIN_CONVERTED, FORMSCORE_MIN_NOT_CONVERTED): `train`, the gate,
    retraining and the models page all read it here."""
    return HistoryMinimum(settings.FORMSCORE_MIN_CONVERTED, settings.FORMSCORE_MIN_NOT_CONVERTED)


def cold_start_progress(converted: int, not_converted: int) -> dict:
    """How far a form's labelled history is from the minimum, and what is missing.

    Until `reached`, the points system scores the form (no version can be trained or activated).
    """
    minimum = history_minimum()
    parts = [
        {"name": "converted", "have": converted, "need": minimum.converted},
        {"name": "not converted", "have": not_converted, "need": minimum.not_converted},
    ]
    for part in parts:
        part["missing"] = max(0, part["need"] - part["have"])
        part["percent"] = min(100, round(100 * part["have"] / part["need"]))
    return {
        "reached": not any(part["missing"] for part in parts),
        "converted": converted,
        "not_converted": not_converted,
        "min_converted": minimum.converted,
        "min_not_converted": minimum.not_converted,
        "missing_converted": parts[0]["missing"],
        "missing_not_converted": parts[1]["missing"],
        "parts": parts,
        "minimum": minimum.sentence(),
        "text": ", ".join(f"{p['have']} of {p['need']} {p['name']}" for p in parts),
    }


# A holdout ROC AUC this high on lead data means an answer knows the outcome: a leak.
TOO_GOOD_AUC = 0.97
CHANCE_AUC = 0.5
READY = "Ready to activate: "


@dataclass(frozen=True)
class Verdict:
    """The gate's one-line decision on a challenger, kept with its metrics for the models page."""

    activate: bool
    kind: str  # ready, leakage, worse_than_chance, not_better, too_few
    text: str
    comparison: dict  # {"name", "roc_auc", "holdout_n"}: what it was measured against

    def to_dict(self) -> dict:
        return {"activate": self.activate, "kind": self.kind, "text": self.text}


def _incumbent_auc(form_id: int, result, history: TrainingHistory) -> tuple[str, float | None]:
    """The active scorer's ROC AUC on the challenger's holdout: the same leads, the same day."""
    incumbent = active_version(form_id)
    if incumbent is None:
        return "your points rules", result.metrics.get("points_roc_auc")
    y = [history.outcomes[i] for i in result.holdout_indices]
    try:
        scored = served_model(incumbent).score([history.leads[i] for i in result.holdout_indices])
        return f"v{incumbent.number}", metrics.roc_auc(y, [s.probability for s in scored])
    except Exception:
        logger.exception("The active version %s could not score the holdout", incumbent)
        return f"v{incumbent.number}", None


def _leak_named(result) -> str:
    suspects = [s for s in result.metrics.get("leakage", {}).get("suspects", []) if s["excluded"]]
    drivers = result.metrics.get("drivers") or []
    if drivers:
        return drivers[0]["label"]
    return suspects[0]["column"] if suspects else "an answer"


def gate_verdict(form_id: int, result, history: TrainingHistory) -> Verdict:
    """Whether a challenger may replace the active scorer, measured on the same holdout.

    Never activated: a version trained on less than the history minimum, one whose holdout AUC
    is too good to be true (a leak), one that ranks no better than chance, or one that does not
    beat what it would replace by the margin. A form without points rules (every lead would score
    the same) is compared with chance, and the verdict says so.
    """
    auc = result.metrics.get("roc_auc") or 0.0
    n, positives = result.counts["n"], result.counts["positives"]
    holdout_n = result.counts["holdout_n"]
    margin = settings.FORMSCORE_GATE_MARGIN
    name, incumbent_auc = _incumbent_auc(form_id, result, history)
    if incumbent_auc is None or math.isnan(incumbent_auc):
        without = "no points rules" if name == "your points rules" else f"{name} cannot score"
        name, incumbent_auc = f"chance ({without})", CHANCE_AUC
    comparison = {"name": name, "roc_auc": round(float(incumbent_auc), 4), "holdout_n": holdout_n}

    def verdict(activate: bool, kind: str, text: str) -> Verdict:
        return Verdict(activate, kind, text, comparison)

    # `train` refuses less history already; this holds for a result trained with a lower one.
    progress = cold_start_progress(positives, n - positives)
    if not progress["reached"]:
        return verdict(
            False,
            "too_few",
            f"Do not activate yet: a model needs at least {progress['minimum']} with an"
            f" outcome; training had {positives} and {n - positives}.",
        )
    if auc >= TOO_GOOD_AUC:
        return verdict(
            False,
            "leakage",
            f"Do not activate: suspected leakage in {_leak_named(result)} (holdout ROC AUC"
            f" {auc:.3f} is too good to be true for leads; an answer seems to know the outcome).",
        )
    if auc <= CHANCE_AUC + margin:
        return verdict(
            False,
            "worse_than_chance",
            f"Do not activate: holdout ROC AUC {auc:.3f} ranks leads no better than chance"
            f" (0.500).",
        )
    if auc <= incumbent_auc + margin:
        return verdict(
            False,
            "not_better",
            f"Do not activate: holdout ROC AUC {auc:.3f} does not beat {name}"
            f" ({incumbent_auc:.3f}) by {margin} on the same {holdout_n} newest leads.",
        )
    return verdict(
        True,
        "ready",
        f"{READY}ranks leads {auc - incumbent_auc:.2f} better than {name}"
        f" (holdout ROC AUC {auc:.3f} against {incumbent_auc:.3f} on the same {holdout_n}"
        " newest leads).",
    )


def model_version_train(
    *,
    form_id: int,
    history: TrainingHistory,
    actor=None,
    activate: str = "auto",
    progress: Callable[[str, float], None] | None = None,
    seed: int = 0,
) -> TrainOutcome:
    """Train a challenger on a form's history, register it, and let the gate decide.

    Raises scoring.training.TrainingError (with a marketer-readable message) when the data
    cannot produce a trustworthy model.
    """
    from scoring import training  # scikit-learn: only where a model is trained

    if activate not in ACTIVATE_CHOICES:
        raise ValueError(f"activate must be one of {ACTIVATE_CHOICES}, not {activate!r}")
    minimum = history_minimum()
    result = training.train(
        **vars(history),
        seed=seed,
        progress=progress,
        min_converted=minimum.converted,
        min_not_converted=minimum.not_converted,
    )
    verdict = gate_verdict(form_id, result, history)
    result.metrics["verdict"] = verdict.to_dict()
    result.metrics["comparison"] = verdict.comparison
    drift = result.metrics.get("drift") or {}
    reason = verdict.text + (f" {drift['text']}" if drift.get("drifted") else "")
    if activate == "always":
        should_activate = True
        reason = f"Activated on request (--activate always). The gate's verdict: {reason}"
    elif activate == "never":
        should_activate = False
        reason = f"Kept as a candidate on request (--activate never). The gate's verdict: {reason}"
    else:
        should_activate = verdict.activate
        if should_activate:
            reason = "Activated: " + reason.removeprefix(READY)
    with transaction.atomic():
        version = model_version_register(form_id=form_id, result=result, actor=actor)
        if should_activate:
            model_version_activate(version=version, actor=actor, reason=reason)
        else:
            ModelVersionEvent.objects.create(
                form_id=form_id,
                version=version,
                action=ModelVersionEvent.Action.KEPT,
                actor=actor,
                reason=reason,
            )
    return TrainOutcome(
        version=version, activated=should_activate, reason=reason, candidates=result.candidates
    )


def model_version_register(*, form_id: int, result, actor=None) -> ModelVersion:
    """Store a trained model (a scoring.training.TrainingResult) as the form's next version."""
    with transaction.atomic():
        # Race: two trainings finishing together must not take the same version number.
        _form_lock(form_id)
        versions = ModelVersion.objects.filter(form_id=form_id)
        number = (versions.aggregate(n=Max("number"))["n"] or 0) + 1
        spec = result.spec.to_dict()
        version = ModelVersion.objects.create(
            form_id=form_id,
            number=number,
            algorithm=result.algorithm + (" (calibrated)" if result.calibrated else ""),
            onnx=result.onnx_bytes,
            # The hash of exactly what is stored; served_model checks it on every load.
            sha256=runtime.artefact_sha256(
                onnx_bytes=result.onnx_bytes,
                spec=spec,
                reference=result.reference,
                baseline=result.baseline,
            ),
            feature_spec=spec,
            metrics={**result.metrics, "parity": result.parity},
            candidates=result.candidates,
            library_versions=result.library_versions,
            reference=result.reference,
            baseline=result.baseline,
            drift_reference=result.drift_reference,
            window_start=result.window["start"],
            window_end=result.window["end"],
            n_leads=result.counts["n"],
            n_converted=result.counts["positives"],
            created_by=actor,
        )
        ModelVersionEvent.objects.create(
            form_id=form_id, version=version, action=ModelVersionEvent.Action.TRAINED, actor=actor
        )
    return version


def model_version_activate(*, version: ModelVersion, actor=None, reason: str = "") -> None:
    """Make a version the one that scores its form's leads; the previous one is retired."""
    with transaction.atomic():
        # Race: two activations at once must not leave two active versions.
        _form_lock(version.form_id)
        ModelVersion.objects.filter(
            form_id=version.form_id, status=ModelVersion.Status.ACTIVE
        ).exclude(pk=version.pk).update(status=ModelVersion.Status.RETIRED)
        ModelVersion.objects.filter(pk=version.pk).update(
            status=ModelVersion.Status.ACTIVE, activated_at=timezone.now()
        )
        ModelVersionEvent.objects.create(
            form_id=version.form_id,
            version=version,
            action=ModelVersionEvent.Action.ACTIVATED,
            actor=actor,
            reason=reason,
        )
    version.refresh_from_db(fields=["status", "activated_at"])
    runtime.served_model_forget(group=version.form_id)


def model_version_rollback(*, form_id: int, actor=None, reason: str = "") -> ModelVersion | None:
    """Go back to the version active before the current one, or to the points system.

    A version that was rolled back is never a rollback target again (it can still be activated).

    Returns the version now active (None: the points system scores the form again).
    """
    with transaction.atomic():
        # Race: a rollback and an activation at once must agree on which version was current.
        _form_lock(form_id)
        versions = ModelVersion.objects.filter(form_id=form_id)
        current = versions.filter(status=ModelVersion.Status.ACTIVE).first()
        if current is None:
            raise ActivationError("The points system is active; there is nothing to roll back.")
        previous = (
            versions.filter(
                status=ModelVersion.Status.RETIRED,
                activated_at__isnull=False,
                activated_at__lt=current.activated_at,
            )
            .exclude(events__action=ModelVersionEvent.Action.ROLLED_BACK)
            .order_by("-activated_at")
            .first()
        )
        current.status = ModelVersion.Status.RETIRED
        current.save(update_fields=["status"])
        ModelVersionEvent.objects.create(
            form_id=form_id,
            version=current,
            action=ModelVersionEvent.Action.ROLLED_BACK,
            actor=actor,
            reason=reason
            or (f"Rolled back to v{previous.number}." if previous else "Back to points."),
        )
        if previous is not None:
            model_version_activate(
                version=previous, actor=actor, reason=f"Rollback from v{current.number}."
            )
    runtime.served_model_forget(group=form_id)
    return previous

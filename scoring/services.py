"""Scoring use cases: score a lead, train a version, activate it, roll it back.

This module is imported by the web process, so it imports onnxruntime (through scoring.runtime)
and never scikit-learn or pandas: training is imported lazily, only where a model is trained (a
task worker or a management command).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from forms_app.models import Form, Lead
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


def lead_as_row(lead: Lead) -> dict[str, Any]:
    return {"answers": lead.answers, "capture": lead.capture}


def spec_questions(form: Form) -> list[QuestionInput]:
    """The form's questions as the scoring engine sees them (only those that feed the score)."""
    return [
        QuestionInput(
            key=q.key,
            label=q.label,
            kind=q.kind,
            choices=tuple((c["value"], c["label"]) for c in q.choices),
            feeds_score=q.feeds_score,
        )
        for q in form.questions.filter(archived=False)
    ]


def points_rules_for(form: Form) -> list[dict]:
    return [rule.as_rule() for rule in PointsRule.objects.filter(form=form)]


def tier_for(form: Form, score: int) -> str:
    return runtime.tier_for(
        score,
        sales_ready=form.sales_ready_threshold,
        marketing_qualified=form.marketing_qualified_threshold,
    )


def active_version(form: Form) -> ModelVersion | None:
    return (
        ModelVersion.objects.filter(form=form, status=ModelVersion.Status.ACTIVE)
        .only("id", "form_id", "number", "sha256", "algorithm")
        .first()
    )


def served_model(version: ModelVersion) -> runtime.ServedModel:
    """The version's cached onnxruntime session (loaded from the database on first use)."""

    def load() -> dict:
        row = ModelVersion.objects.values("onnx", "feature_spec", "reference", "baseline").get(
            pk=version.pk
        )
        return {
            "onnx_bytes": bytes(row["onnx"]),
            "spec": row["feature_spec"],
            "reference": row["reference"],
            "baseline": row["baseline"],
        }

    return runtime.served_model_get(version.pk, load, sha256=version.sha256, group=version.form_id)


def _points_factors(rules: list[dict], row: dict) -> list[dict]:
    return [
        {"feature": f"rule_{item['rule']}", "label": item["label"], "impact": item["points"]}
        for item in sorted(points_breakdown(rules, row), key=lambda i: -abs(i["points"]))[:5]
    ]


def score_answers(
    *,
    form: Form,
    answers: dict[str, Any],
    capture: dict[str, Any],
    rules: list[dict] | None = None,
) -> ScoreResult:
    """Score answers without storing anything: the submit path, previews and score_csv use it.

    The points system always runs. The active ML version, when there is one, gives the score;
    when it cannot (a broken file, an error), the points score stands in and `fallback` is set.
    """
    row = {"answers": answers, "capture": capture}
    rules = points_rules_for(form) if rules is None else rules
    points = points_score(rules, row)
    version = active_version(form)
    if version is not None:
        try:
            scored, factors = served_model(version).score_explain(row)
        except Exception as exc:  # a broken model must never lose or block a lead
            logger.exception("Scoring with %s failed; using the points score", version)
            return ScoreResult(
                score=points,
                probability=None,
                tier=tier_for(form, points),
                points_score=points,
                factors=_points_factors(rules, row),
                model_version=None,
                fallback=True,
                error=f"{type(exc).__name__}: {exc}",
            )
        return ScoreResult(
            score=scored.score,
            probability=scored.probability,
            tier=tier_for(form, scored.score),
            points_score=points,
            factors=factors,
            model_version=version,
        )
    return ScoreResult(
        score=points,
        probability=None,
        tier=tier_for(form, points),
        points_score=points,
        factors=_points_factors(rules, row),
        model_version=None,
    )


def score_fields(result: ScoreResult) -> dict[str, Any]:
    """The Lead fields that store a score result."""
    return {
        "score": result.score,
        "probability": result.probability,
        "tier": result.tier,
        "points_score": result.points_score,
        "model_version": result.model_version,
        "factors": result.factors,
        "needs_rescoring": result.fallback,
        "scored_at": timezone.now(),
    }


def lead_score(lead: Lead) -> ScoreResult:
    """Score a stored lead with its form's active version and save the result on it."""
    result = score_answers(form=lead.form, answers=lead.answers, capture=lead.capture)
    for name, value in score_fields(result).items():
        setattr(lead, name, value)
    lead.save(update_fields=[*score_fields(result)])
    return result


RESCORE_SCOPES = ("flagged", "unscored", "all")


def leads_rescore(*, form: Form | None = None, scope: str = "flagged") -> int:
    """Score leads again (flagged for rescoring, never scored, or all); returns the count."""
    if scope not in RESCORE_SCOPES:
        raise ValueError(f"scope must be one of {RESCORE_SCOPES}, not {scope!r}")
    leads = Lead.objects.select_related("form")
    if form is not None:
        leads = leads.filter(form=form)
    if scope == "flagged":
        leads = leads.filter(needs_rescoring=True)
    elif scope == "unscored":
        leads = leads.filter(score__isnull=True)
    count = 0
    for lead in leads.iterator(chunk_size=500):
        lead_score(lead)
        count += 1
    return count


# --- training and the registry ------------------------------------------------------------


def model_version_live_quality(version: ModelVersion) -> LiveQuality:
    """The version's ROC AUC on the leads it scored live: the honest sequel to its holdout AUC.

    Only leads that arrived through the form or the API after its training window count, with
    the probability stored when they were scored; numpy only, so the web process can call it.
    """
    form = version.form
    leads = Lead.objects.filter(
        model_version=version,
        status__in=form.labelled_statuses(),
        is_partial=False,
        probability__isnull=False,
        source__in=[Lead.Source.FORM, Lead.Source.API],
    )
    if version.window_end is not None:
        leads = leads.filter(created_at__gt=version.window_end)
    rows = list(leads.values_list("probability", "status"))
    converted_statuses = form.converted_statuses()
    y = [status in converted_statuses for _, status in rows]
    converted = sum(y)
    auc = None
    if len(rows) >= LIVE_MIN_OUTCOMES and 0 < converted < len(rows):
        auc = round(metrics.roc_auc(y, [p for p, _ in rows]), 3)
    return LiveQuality(outcomes=len(rows), converted=converted, roc_auc=auc)


def labelled_leads(form: Form) -> list[Lead]:
    """Leads with a known outcome, oldest first: what the model learns from."""
    return list(
        Lead.objects.filter(form=form, status__in=form.labelled_statuses(), is_partial=False)
        .only("id", "answers", "capture", "status", "created_at")
        .order_by("created_at", "id")
    )


def _challenger_beats_active(form: Form, result, leads: list[Lead]) -> tuple[bool, str]:
    """Compare the challenger with the active scorer (ML or points) on the same holdout."""
    challenger_auc = result.metrics.get("roc_auc")
    n, positives = result.counts["n"], result.counts["positives"]
    min_leads = settings.FORMSCORE_GATE_MIN_LEADS
    min_positives = settings.FORMSCORE_GATE_MIN_CONVERSIONS
    if n < min_leads or positives < min_positives:
        return False, (
            f"Not activated: the gate needs {min_leads} labelled leads and {min_positives}"
            f" conversions; training had {n} and {positives}."
        )
    incumbent = active_version(form)
    if incumbent is None:
        incumbent_name, incumbent_auc = "the points system", result.metrics.get("points_roc_auc")
    else:
        holdout = [leads[i] for i in result.holdout_indices]
        y = [lead.status in form.converted_statuses() for lead in holdout]
        try:
            scored = served_model(incumbent).score([lead_as_row(lead) for lead in holdout])
            incumbent_auc = metrics.roc_auc(y, [s.probability for s in scored])
        except Exception:
            logger.exception("The active version %s could not score the holdout", incumbent)
            incumbent_auc = None
        incumbent_name = f"v{incumbent.number}"
    margin = settings.FORMSCORE_GATE_MARGIN
    if incumbent_auc is None:
        # No rules (every lead scores the same) or an incumbent that cannot score: nothing to beat.
        return (
            True,
            f"Activated: holdout ROC AUC {challenger_auc:.3f}; {incumbent_name} cannot rank leads.",
        )
    if challenger_auc > incumbent_auc + margin:
        return True, (
            f"Activated: holdout ROC AUC {challenger_auc:.3f} beats {incumbent_name}"
            f" ({incumbent_auc:.3f})."
        )
    return False, (
        f"Not activated: holdout ROC AUC {challenger_auc:.3f} does not beat {incumbent_name}"
        f" ({incumbent_auc:.3f}) by {margin}."
    )


def model_version_train(
    *,
    form: Form,
    actor=None,
    activate: str = "auto",
    progress: Callable[[str, float], None] | None = None,
    seed: int = 0,
) -> TrainOutcome:
    """Train a challenger on the form's labelled leads, register it, and let the gate decide.

    Raises scoring.training.TrainingError (with a marketer-readable message) when the data
    cannot produce a trustworthy model.
    """
    from scoring import training  # scikit-learn: only where a model is trained

    if activate not in ACTIVATE_CHOICES:
        raise ValueError(f"activate must be one of {ACTIVATE_CHOICES}, not {activate!r}")
    leads = labelled_leads(form)
    converted = form.converted_statuses()
    result = training.train(
        spec_questions=spec_questions(form),
        key_pages=form.key_pages,
        leads=[lead_as_row(lead) for lead in leads],
        outcomes=[lead.status in converted for lead in leads],
        times=[lead.created_at for lead in leads],
        points_rules=points_rules_for(form),
        seed=seed,
        progress=progress,
        sales_ready=form.sales_ready_threshold,
        marketing_qualified=form.marketing_qualified_threshold,
    )
    if activate == "always":
        should_activate, reason = True, "Activated on request (--activate always)."
    elif activate == "never":
        should_activate, reason = False, "Kept as a candidate on request (--activate never)."
    else:
        should_activate, reason = _challenger_beats_active(form, result, leads)
    with transaction.atomic():
        version = model_version_register(form=form, result=result, actor=actor)
        if should_activate:
            model_version_activate(version=version, actor=actor, reason=reason)
        else:
            ModelVersionEvent.objects.create(
                form=form,
                version=version,
                action=ModelVersionEvent.Action.KEPT,
                actor=actor,
                reason=reason,
            )
    return TrainOutcome(
        version=version, activated=should_activate, reason=reason, candidates=result.candidates
    )


def model_version_register(*, form: Form, result, actor=None) -> ModelVersion:
    """Store a trained model (a scoring.training.TrainingResult) as the form's next version."""
    with transaction.atomic():
        # Two trainings finishing together must not take the same version number.
        Form.objects.select_for_update().filter(pk=form.pk).first()
        number = (form.model_versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = ModelVersion.objects.create(
            form=form,
            number=number,
            algorithm=result.algorithm + (" (calibrated)" if result.calibrated else ""),
            onnx=result.onnx_bytes,
            sha256=result.sha256,
            feature_spec=result.spec.to_dict(),
            metrics={**result.metrics, "parity": result.parity},
            candidates=result.candidates,
            library_versions=result.library_versions,
            reference=result.reference,
            baseline=result.baseline,
            window_start=result.window["start"],
            window_end=result.window["end"],
            n_leads=result.counts["n"],
            n_converted=result.counts["positives"],
            created_by=actor,
        )
        ModelVersionEvent.objects.create(
            form=form, version=version, action=ModelVersionEvent.Action.TRAINED, actor=actor
        )
    return version


def model_version_activate(*, version: ModelVersion, actor=None, reason: str = "") -> None:
    """Make a version the one that scores its form's leads; the previous one is retired."""
    with transaction.atomic():
        # Lock the form row: two activations at once must not leave two active versions.
        Form.objects.select_for_update().filter(pk=version.form_id).first()
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


def model_version_rollback(*, form: Form, actor=None, reason: str = "") -> ModelVersion | None:
    """Go back to the version active before the current one, or to the points system.

    A version that was rolled back is never a rollback target again (it can still be activated).

    Returns the version now active (None: the points system scores the form again).
    """
    with transaction.atomic():
        Form.objects.select_for_update().filter(pk=form.pk).first()
        current = form.model_versions.filter(status=ModelVersion.Status.ACTIVE).first()
        if current is None:
            raise ActivationError("The points system is active; there is nothing to roll back.")
        previous = (
            form.model_versions.filter(
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
            form=form,
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
    runtime.served_model_forget(group=form.pk)
    return previous

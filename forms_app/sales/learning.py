"""Continuous learning: retrain a form's model once enough new outcomes came back from sales."""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Max

from forms_app.models import Form, Lead
from forms_app.sales.reps import marketer_emails
from forms_app.scoring_adapter import form_cold_start, form_model_train, training_run_finish
from scoring.models import ModelVersion, TrainingRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetrainCheck:
    form_slug: str
    new_outcomes: int
    threshold: int
    trained: bool = False
    promoted: bool = False
    detail: str = ""


def retrain_threshold(form: Form) -> int:
    return form.retrain_after_outcomes or settings.FORMSCORE_RETRAIN_AFTER_OUTCOMES


def last_trained_at(form: Form) -> datetime | None:
    """When the form's model was last trained (or a training was last tried), if ever."""
    moments = [
        ModelVersion.objects.filter(form=form).aggregate(last=Max("created_at"))["last"],
        TrainingRun.objects.filter(form=form).aggregate(last=Max("created_at"))["last"],
    ]
    return max((moment for moment in moments if moment is not None), default=None)


def outcomes_since_training(form: Form) -> int:
    """Leads whose outcome (converted or not, per the form's definition) was recorded since."""
    leads = Lead.objects.filter(form=form, status__in=form.labelled_statuses())
    since = last_trained_at(form)
    if since is not None:
        leads = leads.filter(status_changed_at__gt=since)
    return leads.count()


def _notify_marketers_of_promotion(form: Form) -> None:
    version = ModelVersion.objects.filter(form=form, status=ModelVersion.Status.ACTIVE).first()
    recipients = marketer_emails()
    if not recipients or version is None:
        return
    auc = (version.metrics or {}).get("roc_auc")
    try:
        send_mail(
            f"{form.name}: model v{version.number} is now scoring leads",
            f"Enough new outcomes arrived from sales to retrain the model of {form.name}.\n"
            f"The challenger v{version.number} ({version.algorithm}) beat the active model on the "
            f"holdout and was promoted"
            + (f" (ROC AUC {auc:.3f})" if isinstance(auc, float) else "")
            + f".\n\nReview or roll back: {settings.SITE_URL}/app/models/\n",
            None,
            recipients,
        )
    except Exception:  # the promotion stands; a mail server hiccup must not undo it
        logger.exception("Could not tell marketers about the promotion of %s", version)


def form_retrain_if_due(*, form: Form, force: bool = False) -> RetrainCheck:
    threshold = retrain_threshold(form)
    if not form.retrain_enabled and not force:
        # Turned off in the form's settings: no outcome counting either (it reads leads).
        return RetrainCheck(form.slug, 0, threshold, detail="automatic retraining is off")
    new_outcomes = outcomes_since_training(form)
    if new_outcomes < threshold and not force:
        return RetrainCheck(form.slug, new_outcomes, threshold)
    cold_start = form_cold_start(form)
    if not cold_start["reached"]:
        # `train` would refuse: no failed run every hour until the history is there.
        return RetrainCheck(
            form.slug,
            new_outcomes,
            threshold,
            detail=f"not trained: the points system scores it until it has"
            f" {cold_start['minimum']} ({cold_start['text']})",
        )
    # Recorded like a training started from the workspace, so the Models page shows it and the
    # next check counts outcomes from here even when this training fails.
    run = TrainingRun.objects.create(
        form=form, status=TrainingRun.Status.RUNNING, message="Retraining on new outcomes"
    )
    try:
        outcome = form_model_train(form=form, activate="auto")
    except Exception as exc:  # a failed training must not stop the check of other forms
        logger.exception("Retraining %s failed", form.slug)
        training_run_finish(run.pk, TrainingRun.Status.FAILED, f"Not trained: {exc}")
        return RetrainCheck(form.slug, new_outcomes, threshold, detail=f"training failed: {exc}")
    training_run_finish(
        run.pk, TrainingRun.Status.SUCCEEDED, outcome.reason, version=outcome.version
    )
    if outcome.activated:
        _notify_marketers_of_promotion(form)
    return RetrainCheck(
        form.slug,
        new_outcomes,
        threshold,
        trained=True,
        promoted=outcome.activated,
        detail=outcome.reason,
    )


def forms_retrain_due(*, slugs: list[str] | None = None) -> list[RetrainCheck]:
    forms = Form.objects.all()
    if slugs:
        forms = forms.filter(slug__in=slugs)
    return [form_retrain_if_due(form=form) for form in forms]

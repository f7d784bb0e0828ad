"""Use cases that change forms and leads. Views, the API, commands and tests all call these."""

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from forms_app.models import Form, Lead
from scoring.services import score_answers, score_fields

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CaptureResult:
    lead: Lead
    created: bool


def lead_capture(
    *,
    form: Form,
    answers: dict[str, Any],
    capture: dict[str, Any],
    submission_token: str | None = None,
    source: str = Lead.Source.FORM,
    created_at: datetime | None = None,
) -> CaptureResult:
    """Store and score a submission. A replayed submission token returns the lead it created.

    The score is computed before the insert and stored with it: scoring never raises (a broken
    model falls back to the points score and flags the lead), so nothing after the lead's insert
    can lose it.
    """
    if submission_token:
        existing = Lead.objects.filter(submission_token=submission_token).first()
        if existing is not None:
            return CaptureResult(lead=existing, created=False)
    try:
        scored = score_fields(score_answers(form=form, answers=answers, capture=capture))
    except Exception:  # e.g. a points rule that no longer fits: store now, rescore later
        logger.exception("Scoring a submission to %s failed; storing it unscored", form.slug)
        scored = {"needs_rescoring": True}
    try:
        with transaction.atomic():
            lead = Lead.objects.create(
                **scored,
                form=form,
                answers=answers,
                capture=capture,
                source=source,
                submission_token=submission_token,
                created_at=created_at or timezone.now(),
            )
    except IntegrityError:
        # Race: a double click sent the same token twice and the other request stored it first.
        if not submission_token:
            raise
        return CaptureResult(
            lead=Lead.objects.get(submission_token=submission_token), created=False
        )
    return CaptureResult(lead=lead, created=True)

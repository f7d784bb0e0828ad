"""Use cases that change forms and leads. Views, the API, commands and tests all call these."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from forms_app.models import Form, Lead


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
    partial: bool = False,
) -> CaptureResult:
    """Store a submission. A replayed submission token returns the lead it already created.

    partial: the answers so far of a multi-step form (after a step with an e-mail address); the
    same token later updates that lead, and the final submit turns it complete.
    """
    if submission_token:
        existing = Lead.objects.filter(submission_token=submission_token).first()
        if existing is not None:
            if existing.is_partial:
                return _partial_lead_update(
                    existing, answers=answers, capture=capture, partial=partial
                )
            return CaptureResult(lead=existing, created=False)
    created_at = created_at or timezone.now()
    try:
        with transaction.atomic():
            lead = Lead.objects.create(
                form=form,
                answers=answers,
                capture=capture,
                source=source,
                submission_token=submission_token,
                created_at=created_at,
                is_partial=partial,
                completed_at=None if partial else created_at,
            )
            # Partial leads are scored like any other but never routed: check lead.is_partial.
    except IntegrityError:
        # Race: a double click sent the same token twice and the other request stored it first.
        if not submission_token:
            raise
        return CaptureResult(
            lead=Lead.objects.get(submission_token=submission_token), created=False
        )
    return CaptureResult(lead=lead, created=True)


def _partial_lead_update(
    lead: Lead, *, answers: dict[str, Any], capture: dict[str, Any], partial: bool
) -> CaptureResult:
    with transaction.atomic():
        # Race: a double click on a step sends the same token twice; the second waits here.
        lead = Lead.objects.select_for_update().get(pk=lead.pk)
        if not lead.is_partial:  # the final submit completed it meanwhile
            return CaptureResult(lead=lead, created=False)
        lead.answers = answers
        lead.capture = capture
        lead.is_partial = partial
        if not partial:
            lead.completed_at = timezone.now()
        lead.save(update_fields=["answers", "capture", "is_partial", "completed_at"])
        # Scored again with the new answers; routed once it is complete (not lead.is_partial).
    return CaptureResult(lead=lead, created=False)

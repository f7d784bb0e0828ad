"""Use cases that change forms and leads. Views, the API, commands and tests all call these."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from forms_app.capture.closing import COUNTED_SOURCES, form_response_take
from forms_app.capture.form_runtime import FormRuntime, form_runtime
from forms_app.models import Form, Lead
from forms_app.models.inserts import rows_insert
from forms_app.sales.contacts import contact_for_answers, contact_store
from forms_app.sales.routing import lead_assign, lead_route, lead_routing_record
from forms_app.scoring_adapter import score_answers, score_fields

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
    partial: bool = False,
    with_lead: Callable[[], None] | None = None,
) -> CaptureResult:
    """Store and score a submission. A replayed submission token returns the lead it created.

    The score is computed before the insert and stored with it: scoring never raises (a broken
    model falls back to the points score and flags the lead), so nothing after the lead's insert
    can lose it.

    partial: the answers so far of a multi-step form (after a step with an e-mail address); the
    same token later updates that lead, and the final submit turns it complete.
    with_lead: more writes that belong with the lead's submit, run in its transaction (the last
    step counted); also when the token finds an earlier lead, since the step was submitted.
    Raises capture.closing.FormClosed (storing nothing) when the form's last response place was
    taken meanwhile.
    """
    runtime = form_runtime(form)
    created_at = created_at or timezone.now()
    scored = _scored_fields(form=form, runtime=runtime, answers=answers, capture=capture)
    try:
        with transaction.atomic():
            person = contact_for_answers(form=form, answers=answers)
            lead = Lead(
                contact=person if person is not None and person.pk is not None else None,
                **scored,
                form=form,
                answers=answers,
                capture=capture,
                source=source,
                submission_token=submission_token,
                created_at=created_at,
                is_partial=partial,
                completed_at=None if partial else created_at,
            )
            # After scoring, in one transaction: the rep goes in with the lead's insert, then its
            # timeline and outbox rows. Partial leads are scored but never routed.
            routing = lead_assign(lead=lead, setup=runtime.routing)
            if person is not None and person.pk is None:  # a new person, owned by their rep
                lead.contact = contact_store(person, owner=lead.assigned_to)
            rows_insert([lead])  # the ORM's save, without compiling its INSERT each time
            if not partial and source in COUNTED_SOURCES:
                form_response_take(form=form)
            lead_routing_record(lead=lead, decision=routing)
            if with_lead is not None:
                with_lead()
    except IntegrityError:
        # The token is taken: a replay, a double click (the other request stored it first), or
        # the next step of a multi-step lead. Asking first would cost every submit a query.
        existing = (
            Lead.objects.filter(submission_token=submission_token).first()
            if submission_token
            else None
        )
        if existing is None:
            raise
        if existing.is_partial:
            return _partial_lead_update(
                existing,
                runtime,
                answers=answers,
                capture=capture,
                partial=partial,
                with_lead=with_lead,
            )
        if with_lead is not None:
            with_lead()
        return CaptureResult(lead=existing, created=False)
    return CaptureResult(lead=lead, created=True)


def _scored_fields(
    *, form: Form, runtime: FormRuntime, answers: dict[str, Any], capture: dict[str, Any]
) -> dict:
    try:
        return score_fields(
            score_answers(
                form=form,
                answers=answers,
                capture=capture,
                rules=runtime.points_rules,
                version=runtime.active_version,
            )
        )
    except Exception:  # e.g. a points rule that no longer fits: store now, rescore later
        logger.exception("Scoring a submission to %s failed; storing it unscored", form.slug)
        return {"needs_rescoring": True}


def _partial_lead_update(
    lead: Lead,
    runtime: FormRuntime,
    *,
    answers: dict[str, Any],
    capture: dict[str, Any],
    partial: bool,
    with_lead: Callable[[], None] | None = None,
) -> CaptureResult:
    scored = _scored_fields(form=lead.form, runtime=runtime, answers=answers, capture=capture)
    with transaction.atomic():
        # Race: a double click on a step sends the same token twice; the second waits here.
        lead = Lead.objects.select_for_update().get(pk=lead.pk)
        if not lead.is_partial:  # the final submit completed it meanwhile
            return CaptureResult(lead=lead, created=False)
        for name, value in scored.items():
            setattr(lead, name, value)
        lead.answers = answers
        lead.capture = capture
        lead.is_partial = partial
        if not partial:
            lead.completed_at = timezone.now()
            if lead.source in COUNTED_SOURCES:
                form_response_take(form=lead.form)
        lead.save(
            update_fields=["answers", "capture", "is_partial", "completed_at", *scored.keys()]
        )
        # Routed once it is complete, like a lead stored in one go.
        lead_route(lead=lead, setup=runtime.routing)
        if with_lead is not None:
            with_lead()
    return CaptureResult(lead=lead, created=False)


PARTIAL_LEAD_RESUMABLE_DAYS = 30


def lead_partial_resume(*, form: Form, email_keys: list[str], answers: dict, token: str) -> None:
    """Let this submit continue an earlier partial lead of the same e-mail address on the form.

    A prospect who left after the e-mail step and comes back later (a new page, so a new token)
    completes the lead they started instead of leaving a partial one behind: the partial lead
    takes this submit's token, so lead_capture finds it (and a double click still finds it).
    """
    if not token or Lead.objects.filter(submission_token=token).exists():
        return
    since = timezone.now() - timedelta(days=PARTIAL_LEAD_RESUMABLE_DAYS)
    for key in email_keys:
        email = answers.get(key)
        if not email:
            continue
        earlier = (
            Lead.objects.filter(form=form, is_partial=True, created_at__gte=since)
            .filter(**{f"answers__{key}": email})
            .order_by("-created_at")
            .first()
        )
        if earlier is None:
            continue
        try:
            with transaction.atomic():
                Lead.objects.filter(pk=earlier.pk, is_partial=True).update(submission_token=token)
        except IntegrityError:
            pass  # Race: a double click stored a lead with this token first; it continues that one.
        return

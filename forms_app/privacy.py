"""A person's data on request, and retention per form (docs/privacy.md).

- `person_leads` finds a person's leads by e-mail: the one place that says who "a person" is.
- `person_export` gathers everything stored about them, JSON-ready.
- `person_erase` deletes their leads with everything hanging off them (timeline events, outbox
  rows, which are also the webhook endpoints' delivery logs). Deleting, not blanking: a
  registered model version holds no lead, and a blanked lead would still tie a score and an
  outcome to a date and a rep that could identify the person.
- `form_retention_apply` anonymises a form's leads older than its retention period: contact
  details, free text and URLs with query strings go; choices, numbers, scores and outcomes stay,
  so the lead keeps teaching the model.

Every action is written to the privacy log (PrivacyAction) with who and when; the person appears
there only as a keyed fingerprint of the e-mail address.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac

from forms_app.models import Form, Lead, LeadEvent, Notification, PrivacyAction, Question
from forms_app.models.contacts import Contact, ContactRole
from forms_app.sales.reps import user_display_name

# Answers of these kinds say who the person is or are free text: retention clears them.
PERSONAL_KINDS = {
    Question.Kind.EMAIL,
    Question.Kind.PHONE,
    Question.Kind.SHORT_TEXT,
    Question.Kind.LONG_TEXT,
}
# Capture fields that identify a visitor or their browser: retention clears them (the device
# class derived from the user agent stays).
PERSONAL_CAPTURE = ("ip", "user_agent")
# Timeline events whose message ends in a rep's free text (": reason").
FREE_TEXT_EVENTS = (LeadEvent.Kind.STATUS, LeadEvent.Kind.FEEDBACK)
RETENTION_BATCH = 500


def email_normalised(email: str) -> str:
    return email.strip().lower()


def email_fingerprint(email: str) -> str:
    """A keyed hash of the address: the same for the same address, useless without SECRET_KEY."""
    return salted_hmac(
        "formscore.privacy.email", email_normalised(email), algorithm="sha256"
    ).hexdigest()


def person_leads(email: str) -> QuerySet[Lead]:
    """The person's leads: their contact's, and any whose answer to an e-mail question (by kind
    or by role) is this address, whatever its case (leads without a contact, e.g. imported)."""
    address = email_normalised(email)
    if not address:
        return Lead.objects.none()
    email_questions = Question.objects.filter(
        Q(kind=Question.Kind.EMAIL) | Q(contact_role=ContactRole.EMAIL)
    ).values_list("form_id", "key")
    match = Q(contact__email_normalized=address)
    for form_id, key in email_questions:
        match |= Q(form_id=form_id, **{f"answers__{key}__iexact": address})
    return Lead.objects.filter(match)


def _log(*, action: str, actor, email: str = "", form: Form | None = None, count: int) -> None:
    PrivacyAction.objects.create(
        action=action,
        actor=actor,
        actor_name=actor.get_username() if actor is not None else "",
        email_fingerprint=email_fingerprint(email) if email else "",
        form=form,
        leads_affected=count,
    )


# ---------------------------------------------------------------------------------------------
# Export


def _answers_export(lead: Lead, questions: dict[str, Question]) -> list[dict]:
    rows = []
    for key, value in (lead.answers or {}).items():
        question = questions.get(key)
        shown = value
        if question is not None and question.choices:
            values = value if isinstance(value, list) else [value]
            shown = [question.choice_label(str(v)) for v in values]
            shown = shown if isinstance(value, list) else shown[0]
        rows.append(
            {
                "key": key,
                "question": question.label if question else key,
                "value": value,
                "shown_as": shown,
            }
        )
    return rows


def _lead_export(lead: Lead, questions: dict[str, Question]) -> dict[str, Any]:
    return {
        "id": str(lead.public_id),
        "form": {"slug": lead.form.slug, "name": lead.form.name},
        "submitted_at": lead.created_at,
        "source": lead.source,
        "is_partial": lead.is_partial,
        "answers": _answers_export(lead, questions),
        "capture": lead.capture,
        "score": lead.score,
        "probability": lead.probability,
        "tier": lead.tier,
        "points_score": lead.points_score,
        "model_version": lead.model_version.number if lead.model_version else None,
        "factors": lead.factors,
        "status": lead.status,
        "status_changed_at": lead.status_changed_at,
        "outcome_reason": lead.outcome_reason,
        "won_amount": lead.won_amount,
        "won_on": lead.won_on,
        "assigned_to": user_display_name(lead.assigned_to) if lead.assigned_to else None,
        "first_contacted_at": lead.first_contacted_at,
        "score_feedback": lead.score_feedback,
        "anonymised_at": lead.anonymised_at,
        "events": [
            {"at": event.created_at, "kind": event.kind, "message": event.message}
            for event in lead.events.all()
        ],
        "notifications": [
            {
                "channel": row.channel,
                "destination": row.destination,
                "status": row.status,
                "created_at": row.created_at,
                "delivered_at": row.delivered_at,
                "payload": row.payload,
            }
            for row in lead.notifications.order_by("created_at", "id")
        ],
    }


def person_export(*, email: str, actor) -> dict[str, Any]:
    """Everything stored about the person; dates and decimals need DjangoJSONEncoder."""
    leads = list(
        person_leads(email)
        .select_related("form", "model_version", "assigned_to")
        .prefetch_related("events", "form__questions")
        .order_by("created_at", "id")
    )
    _log(action=PrivacyAction.Action.EXPORT, actor=actor, email=email, count=len(leads))
    return {
        "email": email_normalised(email),
        "exported_at": timezone.now(),
        "leads": [
            _lead_export(lead, {q.key: q for q in lead.form.questions.all()}) for lead in leads
        ],
    }


# ---------------------------------------------------------------------------------------------
# Erasure


@dataclass(frozen=True)
class ErasureReport:
    leads: int
    events: int
    notifications: int


def _person_records_delete(lead_ids: list[int]) -> ErasureReport:
    """Delete every row about these leads. Each table that holds a person's data is named here,
    so a new one (a contact) is added in this one place."""
    contact_ids = set(
        Lead.objects.filter(pk__in=lead_ids, contact__isnull=False).values_list(
            "contact_id", flat=True
        )
    )
    notifications, _ = Notification.objects.filter(lead_id__in=lead_ids).delete()
    events, _ = LeadEvent.objects.filter(lead_id__in=lead_ids).delete()
    leads, _ = Lead.objects.filter(pk__in=lead_ids).delete()
    # The contact holds the address, name, company and phone as last given.
    Contact.objects.filter(pk__in=contact_ids, leads__isnull=True).delete()
    return ErasureReport(leads=leads, events=events, notifications=notifications)


def person_erase(*, email: str, actor) -> ErasureReport:
    """Delete the person's leads and everything about them; log who did it and when.

    CSV exports are made on demand from the leads, so none holds the person afterwards.
    """
    with transaction.atomic():
        lead_ids = list(person_leads(email).values_list("pk", flat=True))
        report = _person_records_delete(lead_ids)
        Contact.objects.filter(email_normalized=email_normalised(email)).delete()
        _log(action=PrivacyAction.Action.ERASE, actor=actor, email=email, count=report.leads)
    return report


# ---------------------------------------------------------------------------------------------
# Retention


def _has_query_string(value: Any) -> bool:
    if not isinstance(value, str) or "?" not in value:
        return False
    parts = urlsplit(value.strip())
    return bool(parts.scheme and parts.netloc and parts.query)


def _answers_anonymised(answers: dict, personal_keys: set[str], known_keys: set[str]) -> dict:
    """Choices and numbers stay; contact details, free text (also under keys no question has
    any more) and URLs with query strings go."""
    kept = {}
    for key, value in answers.items():
        if key in personal_keys or _has_query_string(value):
            continue
        if key not in known_keys and isinstance(value, str):
            continue
        kept[key] = value
    return kept


def _capture_anonymised(capture: dict) -> dict:
    return {
        key: value
        for key, value in capture.items()
        if key not in PERSONAL_CAPTURE and not _has_query_string(value)
    }


def _leads_anonymise(form: Form, leads: Iterable[Lead], now: datetime) -> None:
    questions = list(Question.objects.filter(form=form).values_list("key", "kind", "contact_role"))
    personal_keys = {key for key, kind, role in questions if kind in PERSONAL_KINDS or role}
    known_keys = {key for key, _kind, _role in questions}
    # One UPDATE per lead: bulk_update (a CASE per field over the batch) measured 3-4 times
    # slower on SQLite.
    for lead in leads:
        Lead.objects.filter(pk=lead.pk).update(
            answers=_answers_anonymised(lead.answers or {}, personal_keys, known_keys),
            capture=_capture_anonymised(lead.capture or {}),
            outcome_reason="",
            score_feedback="",
            anonymised_at=now,
            contact=None,
        )
    lead_ids = [lead.pk for lead in leads]
    # A contact whose every lead is anonymised says nothing any more but who the person was.
    Contact.objects.filter(
        pk__in={lead.contact_id for lead in leads if lead.contact_id}, leads__isnull=True
    ).delete()
    # Outbox rows keep their delivery facts (status, timing) for the endpoint's log; the
    # payload carried the contact.
    Notification.objects.filter(lead_id__in=lead_ids).update(payload={"anonymised": True})
    for event in LeadEvent.objects.filter(lead_id__in=lead_ids, kind__in=FREE_TEXT_EVENTS):
        event.message = event.message.split(": ", 1)[0]
        event.save(update_fields=["message"])


def form_retention_apply(*, form: Form, now: datetime | None = None) -> int:
    """Anonymise the form's leads older than its retention period; how many were anonymised.

    Idempotent: an anonymised lead is not touched again. Works in batches, each its own
    transaction, so a large backlog never holds SQLite's one write lock for long.
    """
    if form.retention_days is None:
        return 0
    now = now or timezone.now()
    due = Lead.objects.filter(
        form=form,
        created_at__lt=now - timedelta(days=form.retention_days),
        anonymised_at__isnull=True,
    ).order_by("pk")
    total = 0
    while True:
        with transaction.atomic():
            # Race: two runs at once (cron and the task): the second re-reads after the first
            # committed and finds those leads anonymised already.
            batch = list(due.select_for_update()[:RETENTION_BATCH])
            if not batch:
                break
            _leads_anonymise(form, batch, now)
            total += len(batch)
    if total:
        _log(action=PrivacyAction.Action.RETENTION, actor=None, form=form, count=total)
    return total


def retention_apply_all(*, now: datetime | None = None) -> dict[str, int]:
    """Apply every form's retention period; the number of leads anonymised per form slug."""
    forms = Form.objects.filter(retention_days__isnull=False).order_by("pk")
    return {form.slug: form_retention_apply(form=form, now=now) for form in forms}


def privacy_log(*, limit: int = 50) -> QuerySet[PrivacyAction]:
    return PrivacyAction.objects.select_related("form")[:limit]


def privacy_log_for(email: str) -> QuerySet[PrivacyAction]:
    """Past actions about this address (found by its fingerprint)."""
    return PrivacyAction.objects.filter(email_fingerprint=email_fingerprint(email))


def person_lookup(email: str) -> list[Lead]:
    """The person's leads as the privacy page lists them, newest first."""
    return list(person_leads(email).select_related("form").order_by("-created_at", "-id"))

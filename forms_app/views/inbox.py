"""The sales inbox: a rep's leads (a manager's: everyone's), one lead, and one-click outcomes.

Every answer shows a lead's personal data: never_cache keeps it out of every cache.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from forms_app.models import Lead, Notification, lead_contact
from forms_app.permissions import inbox_required, is_sales_manager
from forms_app.sales.contacts import company_people_count, contact_leads
from forms_app.sales.leads import (
    InboxFilters,
    Outcome,
    OutcomeError,
    forms_for_inbox,
    inbox_leads,
    lead_for_user,
    lead_outcome_record,
    lead_reassign,
    lead_score_feedback,
    leads_visible_to,
)
from forms_app.sales.outbox import notification_resend
from forms_app.sales.reps import reps_for_assignment
from scoring.features import CAPTURE_SIGNAL_LABELS, capture_signal_label

PAGE_SIZE = 50


@never_cache
@inbox_required
def inbox(request: HttpRequest) -> HttpResponse:
    filters = InboxFilters(
        tier=request.GET.get("tier", ""),
        status=request.GET.get("status", "open"),
        form=request.GET.get("form", ""),
        overdue=request.GET.get("overdue") == "1",
        company=request.GET.get("company", "").strip().lower(),
    )
    page = Paginator(inbox_leads(user=request.user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [(lead, lead_contact(lead)) for lead in page.object_list]
    context = {
        "nav": "inbox",
        "page": page,
        "rows": rows,
        "filters": filters,
        "tiers": Lead.Tier.choices,
        "statuses": Lead.Status.choices,
        "forms": forms_for_inbox(),
        "company_people": company_people_count(domain=filters.company),
        "is_manager": is_sales_manager(request.user),
        "now": timezone.now(),
    }
    template = "forms_app/inbox/_lead_table.html" if request.htmx else "forms_app/inbox/inbox.html"
    return render(request, template, context)


def _answers(lead: Lead) -> list[tuple[str, str]]:
    """Each answer under the question's wording, choices by their labels."""
    answers = lead.answers or {}
    rows = []
    for question in lead.form.questions.all():
        if question.key not in answers:
            continue
        value = answers[question.key]
        if isinstance(value, list):
            shown = ", ".join(question.choice_label(str(v)) for v in value)
        elif isinstance(value, bool):
            shown = "Yes" if value else "No"
        elif question.choices:
            shown = question.choice_label(str(value))
        else:
            shown = "" if value is None else str(value)
        rows.append((question.label, shown))
    return rows


def _timeline(lead: Lead) -> list[dict]:
    submitted = f"Submitted “{lead.form.name}”"
    entries = [{"at": lead.created_at, "kind": "submitted", "text": submitted}]
    if lead.scored_at:
        version = (
            f"model v{lead.model_version.number}" if lead.model_version else "the points system"
        )
        score = f" {lead.score}" if lead.score is not None else ""
        entries.append(
            # Scoring runs just before the insert; on the timeline it follows the submit.
            {
                "at": max(lead.scored_at, lead.created_at),
                "kind": "scored",
                "text": f"Scored{score} by {version}",
            }
        )
    for event in lead.events.all():
        entries.append({"at": event.created_at, "kind": event.kind, "text": event.message})
    return sorted(entries, key=lambda entry: entry["at"])


def _capture_rows(lead: Lead) -> list[tuple[str, str]]:
    """Capture signals in words; the client address and user agent stay out of the way."""
    rows = []
    for key, value in (lead.capture or {}).items():
        if key in ("ip", "user_agent") or value in ("", None, [], {}):
            continue
        if key == "seconds_to_complete":
            value = f"{float(value):.0f}"
        elif isinstance(value, list):
            value = ", ".join(str(item) for item in value)
        rows.append((capture_signal_label(key), str(value)))
    order = list(CAPTURE_SIGNAL_LABELS.values())
    return sorted(rows, key=lambda row: order.index(row[0]) if row[0] in order else len(order))


def _factors(lead: Lead) -> tuple[list[dict], list[dict]]:
    factors = [f for f in (lead.factors or []) if isinstance(f, dict) and f.get("impact")]
    positive = sorted((f for f in factors if f["impact"] > 0), key=lambda f: -f["impact"])
    negative = sorted((f for f in factors if f["impact"] < 0), key=lambda f: f["impact"])
    return positive[:6], negative[:6]


def _detail_context(request: HttpRequest, lead: Lead) -> dict:
    positive, negative = _factors(lead)
    person = lead.contact
    others = (
        contact_leads(contact=person, leads=leads_visible_to(request.user)).exclude(pk=lead.pk)
        if person
        else Lead.objects.none()
    )
    return {
        "nav": "inbox",
        "lead": lead,
        "contact": lead_contact(lead),
        "person": person,
        "other_submissions": others,
        "company_people": company_people_count(domain=person.company_domain if person else ""),
        "answers": _answers(lead),
        "capture": _capture_rows(lead),
        "positive_factors": positive,
        "negative_factors": negative,
        "timeline": _timeline(lead),
        "notifications": lead.notifications.order_by("created_at"),
        "reps": reps_for_assignment(),
        "is_manager": is_sales_manager(request.user),
        "today": date.today(),
        "now": timezone.now(),
    }


@never_cache
@inbox_required
def lead_detail(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = lead_for_user(user=request.user, lead_id=lead_id)
    return render(request, "forms_app/inbox/lead.html", _detail_context(request, lead))


def _live_response(request: HttpRequest, lead: Lead, *, error: OutcomeError | None = None):
    """htmx: the actions card plus the status and timeline swapped out of band."""
    lead = lead_for_user(user=request.user, lead_id=lead.pk)
    context = _detail_context(request, lead) | {"error": error}
    status = 422 if error else 200
    return render(request, "forms_app/inbox/_lead_live.html", context, status=status)


def _finish(request: HttpRequest, lead: Lead, *, error: OutcomeError | None = None, done: str):
    if request.htmx:
        return _live_response(request, lead, error=error)
    if error:
        messages.error(request, f"{error.field}: {error}")
    else:
        messages.success(request, done)
    return redirect("forms_app:lead_detail", lead_id=lead.pk)


@never_cache
@require_POST
@inbox_required
def lead_outcome(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = lead_for_user(user=request.user, lead_id=lead_id)
    amount = won_on = None
    try:
        if request.POST.get("amount", "").strip():
            amount = Decimal(request.POST["amount"].replace(",", "").strip())
            if not amount.is_finite():
                raise InvalidOperation
        if request.POST.get("won_on", "").strip():
            won_on = date.fromisoformat(request.POST["won_on"].strip())
    except (InvalidOperation, ValueError):
        error = OutcomeError(
            "amount" if amount is None else "won_on",
            "Enter a number like 12500." if amount is None else "Enter a date like 2026-11-27.",
        )
        return _finish(request, lead, error=error, done="")
    outcome = Outcome(
        status=request.POST.get("status", ""),
        reason=request.POST.get("reason", ""),
        amount=amount,
        won_on=won_on,
    )
    try:
        lead_outcome_record(lead=lead, actor=request.user, outcome=outcome)
    except OutcomeError as error:
        return _finish(request, lead, error=error, done="")
    return _finish(request, lead, done="Outcome saved.")


@never_cache
@require_POST
@inbox_required
def lead_feedback(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = lead_for_user(user=request.user, lead_id=lead_id)
    try:
        lead_score_feedback(lead=lead, actor=request.user, reason=request.POST.get("reason", ""))
    except OutcomeError as error:
        return _finish(request, lead, error=error, done="")
    return _finish(request, lead, done="Thanks: your feedback is stored with the lead.")


@never_cache
@require_POST
@inbox_required
def lead_reassign_view(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = lead_for_user(user=request.user, lead_id=lead_id)
    candidates = {str(user.pk): user for user in reps_for_assignment()}
    assignee = candidates.get(request.POST.get("assignee", ""))
    if assignee is None:
        return HttpResponseBadRequest("assignee: choose one of the listed reps.")
    lead_reassign(lead=lead, actor=request.user, assignee=assignee)
    if not is_sales_manager(request.user) and assignee != request.user:
        # The rep handed the lead off: it left their inbox, so go back there.
        messages.success(request, "Lead handed over.")
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = "/app/inbox/"
            return response
        return redirect("forms_app:inbox")
    return _finish(request, lead, done="Lead reassigned.")


@never_cache
@require_POST
@inbox_required
def notification_resend_view(request: HttpRequest, lead_id: int, notification_id: int):
    lead = lead_for_user(user=request.user, lead_id=lead_id)
    notification = get_object_or_404(Notification, pk=notification_id, lead=lead)
    notification_resend(notification=notification, actor=request.user)
    if request.htmx:
        return render(
            request,
            "forms_app/inbox/_notification.html",
            {"notification": notification, "lead": lead},
        )
    messages.success(request, "Sending again.")
    return redirect("forms_app:lead_detail", lead_id=lead.pk)

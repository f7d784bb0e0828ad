"""The sales inbox: a rep's leads (a manager's: everyone's), one lead, and one-click outcomes.

Every answer shows a lead's personal data: never_cache keeps it out of every cache.
"""

from datetime import date

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from forms_app.models import Lead, Notification, lead_contact
from forms_app.permissions import inbox_required, is_sales_manager
from forms_app.sales.contacts import company_people_count, contact_leads
from forms_app.sales.leads import (
    UNASSIGNED,
    InboxFilters,
    Outcome,
    OutcomeError,
    forms_for_inbox,
    inbox_leads,
    lead_for_user,
    lead_outcome_record,
    lead_reassign,
    lead_score_feedback,
    leads_bulk_outcome,
    leads_bulk_reassign,
    leads_visible_to,
)
from forms_app.sales.money import AmountError, amount_parsed, money_format
from forms_app.sales.outbox import notification_resend
from forms_app.sales.reps import reps_for_assignment, user_display_name
from forms_app.workspace.workspace_settings import workspace_currency
from scoring.features import CAPTURE_SIGNAL_LABELS, capture_signal_label

PAGE_SIZE = 50


def _date_or_none(raw: str) -> date | None:
    """A date from a date input; a malformed one is ignored rather than refused (a filter)."""
    try:
        return date.fromisoformat(raw.strip()) if raw.strip() else None
    except ValueError:
        return None


def _filters_from(params: QueryDict) -> InboxFilters:
    return InboxFilters(
        tier=params.get("tier", ""),
        status=params.get("status", "open"),
        form=params.get("form", ""),
        overdue=params.get("overdue") == "1",
        company=params.get("company", "").strip().lower(),
        query=params.get("q", "").strip()[:200],
        rep=params.get("rep", ""),
        received_from=_date_or_none(params.get("from", "")),
        received_to=_date_or_none(params.get("to", "")),
    )


def _inbox_context(request: HttpRequest, params: QueryDict) -> dict:
    filters = _filters_from(params)
    page = Paginator(inbox_leads(user=request.user, filters=filters), PAGE_SIZE).get_page(
        params.get("page")
    )
    rows = [(lead, lead_contact(lead)) for lead in page.object_list]
    is_manager = is_sales_manager(request.user)
    filter_params = params.copy()
    filter_params.pop("page", None)
    return {
        "nav": "inbox",
        "page": page,
        "rows": rows,
        "filters": filters,
        "filter_params": filter_params,
        "tiers": Lead.Tier.choices,
        "statuses": Lead.Status.choices,
        "outcome_statuses": [(v, label) for v, label in Lead.Status.choices if v != "new"],
        "forms": forms_for_inbox(),
        "reps": reps_for_assignment(),
        "unassigned": UNASSIGNED,
        "company_people": company_people_count(domain=filters.company),
        "is_manager": is_manager,
        "now": timezone.now(),
    }


@never_cache
@inbox_required
def inbox(request: HttpRequest) -> HttpResponse:
    context = _inbox_context(request, request.GET)
    template = "forms_app/inbox/_lead_table.html" if request.htmx else "forms_app/inbox/inbox.html"
    return render(request, template, context)


def _inbox_params(request: HttpRequest) -> QueryDict:
    """The filters the bulk form was sent from (kept in the form), so the list stays as it was."""
    return QueryDict(request.POST.get("filters", ""))


def _bulk_refused(request: HttpRequest, message: str) -> HttpResponse:
    """htmx: the message alone, shown beside the bulk controls; without JS, on the inbox page."""
    if request.htmx:
        return HttpResponse(message, status=422, content_type="text/plain; charset=utf-8")
    messages.error(request, message)
    return redirect(f"/app/inbox/?{_inbox_params(request).urlencode()}")


def _bulk_done(request: HttpRequest, message: str) -> HttpResponse:
    if request.htmx:
        context = _inbox_context(request, _inbox_params(request)) | {"bulk_message": message}
        return render(request, "forms_app/inbox/_lead_table.html", context)
    messages.success(request, message)
    return redirect(f"/app/inbox/?{_inbox_params(request).urlencode()}")


def _count(n: int) -> str:
    return f"{n} lead{pluralize(n)}"


@never_cache
@require_POST
@inbox_required
def inbox_bulk(request: HttpRequest) -> HttpResponse:
    """Reassign the selected leads, or record one outcome on them."""
    lead_ids = [int(raw) for raw in request.POST.getlist("lead") if raw.isdigit()]
    action = request.POST.get("action")
    try:
        if action == "reassign":
            candidates = {str(user.pk): user for user in reps_for_assignment()}
            assignee = candidates.get(request.POST.get("assignee", ""))
            if assignee is None:
                return _bulk_refused(request, "Choose the rep to reassign the leads to.")
            done = leads_bulk_reassign(user=request.user, lead_ids=lead_ids, assignee=assignee)
            return _bulk_done(
                request, f"{_count(len(done))} reassigned to {user_display_name(assignee)}."
            )
        if action == "outcome":
            status, amount = request.POST.get("status", ""), None
            # The amount field stays in the form whatever the status: it counts only for won.
            if status == Lead.Status.WON and request.POST.get("amount", "").strip():
                amount = amount_parsed(request.POST["amount"], currency=workspace_currency())
            outcome = Outcome(
                status=status,
                reason=request.POST.get("reason", ""),
                amount=amount,
            )
            done = leads_bulk_outcome(user=request.user, lead_ids=lead_ids, outcome=outcome)
            label = Lead.Status(outcome.status).label.lower()
            message = f"{_count(len(done))} marked {label}"
            if outcome.status == Lead.Status.WON:
                currency = workspace_currency()
                each = money_format(amount, currency)
                total = money_format(sum(lead.won_amount for lead in done), currency)
                message += f" ({each} each, {total} in all)" if len(done) > 1 else f" ({each})"
            return _bulk_done(request, message + ".")
    except AmountError as error:
        return _bulk_refused(request, f"Amount: {error}")
    except OutcomeError as error:
        return _bulk_refused(request, str(error))
    return _bulk_refused(request, "Choose an action: reassign or mark an outcome.")


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
            amount = amount_parsed(request.POST["amount"], currency=workspace_currency())
    except AmountError as error:
        return _finish(request, lead, error=OutcomeError("amount", str(error)), done="")
    try:
        if request.POST.get("won_on", "").strip():
            won_on = date.fromisoformat(request.POST["won_on"].strip())
    except ValueError:
        error = OutcomeError("won_on", "Enter a date like 2026-11-27.")
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
        message = "Choose one of the listed reps."
        if request.htmx:  # shown next to the select by app.js
            return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
        messages.error(request, message)
        return redirect("forms_app:lead_detail", lead_id=lead.pk)
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

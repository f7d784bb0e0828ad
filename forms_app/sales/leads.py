"""Sales work on a lead: who may see it, outcomes, reassignment and feedback on its score."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from forms_app.models import Form, Lead, LeadEvent, WorkspaceSettings
from forms_app.models.text import CONTROL_CHARACTERS_MESSAGE, has_control_characters
from forms_app.permissions import is_sales_manager
from forms_app.sales.contacts import contact_owner_claim
from forms_app.sales.money import money_format
from forms_app.sales.reps import user_display_name
from forms_app.sales.routing import OPEN_STATUSES


class OutcomeError(ValueError):
    """A bad outcome request; the message names the field and the problem."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


# ---------------------------------------------------------------------------------------------
# Selectors


def leads_visible_to(user) -> QuerySet[Lead]:
    """Managers see every lead; a rep sees the leads assigned to them. Partial leads are hidden."""
    leads = Lead.objects.filter(is_partial=False).exclude(
        source__in=[Lead.Source.DEMO, Lead.Source.IMPORT]
    )
    if not is_sales_manager(user):
        leads = leads.filter(assigned_to=user)
    return leads


def lead_for_user(*, user, lead_id: int) -> Lead:
    """The lead if this user may see it. Another rep's lead is a 404: its existence is not shown."""
    try:
        return (
            leads_visible_to(user)
            .select_related(
                "form", "assigned_to__rep_profile", "model_version", "routed_by", "contact"
            )
            .get(pk=lead_id)
        )
    except Lead.DoesNotExist:
        raise Http404("No such lead in your inbox.") from None


@dataclass(frozen=True)
class InboxFilters:
    tier: str = ""
    status: str = ""
    form: str = ""
    overdue: bool = False
    mine: bool = False
    company: str = ""  # a contact's business e-mail domain
    query: str = ""  # words found in the person's name, e-mail or company
    rep: str = ""  # a user id, or UNASSIGNED
    received_from: date | None = None  # local dates, both included
    received_to: date | None = None

    @property
    def narrowed(self) -> bool:
        """Whether anything beyond the default (open leads) is asked for."""
        return self != InboxFilters(status="open")


UNASSIGNED = "none"
MAX_QUERY_WORDS = 5


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _matching_people(query: str) -> Q:
    """Every word in the person's name, e-mail or company, ignoring case. The words match the
    contact row (one per person, joined on an indexed key), not each lead's answers: a substring
    needs a scan either way, and contacts are far fewer than leads."""
    condition = Q()
    for word in query.split()[:MAX_QUERY_WORDS]:
        condition &= (
            Q(contact__name__icontains=word)
            | Q(contact__email_normalized__contains=word.lower())
            | Q(contact__company__icontains=word)
        )
    return condition


def inbox_leads(*, user, filters: InboxFilters, now: datetime | None = None) -> QuerySet[Lead]:
    """The inbox: each person once (their newest lead among those shown, annotated with
    `submissions`, how many of theirs are shown), highest score first, then newest."""
    now = now or timezone.now()
    leads = leads_visible_to(user)
    if filters.tier in Lead.Tier.values:
        leads = leads.filter(tier=filters.tier)
    if filters.status == "open":
        leads = leads.filter(status__in=OPEN_STATUSES)
    elif filters.status in Lead.Status.values:
        leads = leads.filter(status=filters.status)
    if filters.form:
        leads = leads.filter(form__slug=filters.form)
    if filters.overdue:
        leads = leads.filter(first_contacted_at__isnull=True, sla_due_at__lt=now)
    if filters.mine:
        leads = leads.filter(assigned_to=user)
    if filters.company:
        leads = leads.filter(contact__company_domain=filters.company)
    if filters.query.strip():
        leads = leads.filter(_matching_people(filters.query))
    if filters.rep == UNASSIGNED:
        leads = leads.filter(assigned_to__isnull=True)
    elif filters.rep.isdigit():
        leads = leads.filter(assigned_to_id=int(filters.rep))
    if filters.received_from:
        leads = leads.filter(created_at__gte=_local_midnight(filters.received_from))
    if filters.received_to:
        leads = leads.filter(
            created_at__lt=_local_midnight(filters.received_to + timedelta(days=1))
        )
    return _one_per_contact(leads).order_by("-score", "-created_at", "-id")


def _one_per_contact(leads: QuerySet[Lead]) -> QuerySet[Lead]:
    """The newest of each contact's leads in this set (leads without a contact stay), with the
    number of the contact's leads in the set."""
    same_contact = leads.filter(contact_id=OuterRef("contact_id"))
    newer = same_contact.filter(
        Q(created_at__gt=OuterRef("created_at"))
        | Q(created_at=OuterRef("created_at"), pk__gt=OuterRef("pk"))
    )
    count = same_contact.order_by().values("contact_id").annotate(n=Count("pk")).values("n")
    return (
        leads.exclude(Q(contact__isnull=False) & Exists(newer))
        .annotate(submissions=Coalesce(Subquery(count, output_field=IntegerField()), Value(1)))
        .select_related("form", "assigned_to__rep_profile", "contact")
    )


@dataclass(frozen=True)
class ApiLeadFilters:
    tier: str | None = None
    status: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    imported: bool = False  # the imported history instead of the submissions


# What a lead's JSON shows beside the lead itself, read in the same query.
_API_RELATED = ("form", "model_version", "assigned_to__rep_profile")


def leads_for_api(*, user, form: Form, filters: ApiLeadFilters) -> QuerySet[Lead]:
    """The token API's list of a form's leads the user may see, newest first: its submissions
    as the forms list and Analytics count them (`lead_counts`), or its imported history."""
    leads = Lead.objects.filter(form=form)
    leads = leads.imported_history() if filters.imported else leads.submissions()
    if not is_sales_manager(user):
        leads = leads.filter(assigned_to=user)
    if filters.tier is not None:
        leads = leads.filter(tier=filters.tier)
    if filters.status is not None:
        leads = leads.filter(status=filters.status)
    leads = leads.received_between(filters.since, filters.until)
    return leads.select_related(*_API_RELATED).order_by("-created_at", "-id")


def lead_for_api(*, lead_id: int) -> Lead:
    """A lead just stored or changed, with what its JSON shows."""
    return Lead.objects.select_related(*_API_RELATED).get(pk=lead_id)


def lead_for_user_by_public_id(*, user, public_id) -> Lead:
    """The lead with this public id (the one webhooks carry) if this user may see it; a 404
    otherwise."""
    # Whatever the API lists (submissions, demo data, imported history) it can also read by id.
    leads = Lead.objects.filter(is_partial=False, public_id=public_id)
    if not is_sales_manager(user):
        leads = leads.filter(assigned_to=user)
    try:
        return leads.select_related(
            "form", "assigned_to__rep_profile", "model_version", "routed_by", "contact"
        ).get()
    except Lead.DoesNotExist:
        raise Http404("No such lead.") from None


# ---------------------------------------------------------------------------------------------
# Writes


@dataclass(frozen=True)
class Outcome:
    status: str
    reason: str = ""
    amount: Decimal | None = None
    won_on: date | None = None


def _note_checked(reason: str | None) -> str:
    """A rep's note (why a lead was lost, what looks wrong about a score), as it is stored."""
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise OutcomeError("reason", "Keep the reason under 500 characters.")
    if has_control_characters(reason):
        raise OutcomeError("reason", CONTROL_CHARACTERS_MESSAGE)
    return reason


def _outcome_checked(outcome: Outcome) -> Outcome:
    if outcome.status not in Lead.Status.values or outcome.status == Lead.Status.NEW:
        raise OutcomeError("status", f"Unknown outcome {outcome.status!r}.")
    reason = _note_checked(outcome.reason)
    if outcome.status == Lead.Status.UNQUALIFIED and not reason:
        raise OutcomeError("reason", "Say why the lead is unqualified.")
    if outcome.status == Lead.Status.WON:
        if outcome.amount is None:
            raise OutcomeError("amount", "Enter the amount won.")
        if outcome.amount < 0 or outcome.amount >= Decimal("1e12"):
            raise OutcomeError("amount", "The amount must be between 0 and 999,999,999,999.")
        return Outcome(outcome.status, reason, outcome.amount, outcome.won_on or date.today())
    return Outcome(outcome.status, reason)


def lead_outcome_record(*, lead: Lead, actor, outcome: Outcome, currency: str = "") -> Lead:
    """Record contacted / qualified / won / lost / unqualified; outcomes feed retraining.

    currency: the workspace's, when the caller has read it already (bulk outcomes)."""
    outcome = _outcome_checked(outcome)
    now = timezone.now()
    with transaction.atomic():
        # Race: a rep and a manager clicking at once must not interleave their field writes.
        lead = Lead.objects.select_for_update().get(pk=lead.pk)
        lead.status = outcome.status
        lead.status_changed_at = now
        lead.outcome_reason = outcome.reason
        lead.won_amount = outcome.amount
        lead.won_on = outcome.won_on
        if lead.first_contacted_at is None:
            lead.first_contacted_at = now
        lead.save(
            update_fields=[
                "status",
                "status_changed_at",
                "outcome_reason",
                "won_amount",
                "won_on",
                "first_contacted_at",
            ]
        )
        label = Lead.Status(outcome.status).label
        detail = ""
        if outcome.status == Lead.Status.WON:
            amount = money_format(outcome.amount, currency or WorkspaceSettings.current().currency)
            detail = f": {amount} on {outcome.won_on:%Y-%m-%d}"
        elif outcome.reason:
            detail = f": {outcome.reason}"
        LeadEvent.objects.create(
            lead=lead,
            kind=LeadEvent.Kind.STATUS,
            actor=actor,
            message=f"Marked {label.lower()} by {user_display_name(actor)}{detail}"[:500],
        )
    return lead


def lead_score_feedback(*, lead: Lead, actor, reason: str) -> Lead:
    """A rep says the score looks wrong, and why: reviewed beside the model's metrics."""
    reason = _note_checked(reason)
    if not reason:
        raise OutcomeError("reason", "Say what looks wrong about the score.")
    with transaction.atomic():
        Lead.objects.filter(pk=lead.pk).update(
            score_feedback=reason, score_feedback_at=timezone.now()
        )
        LeadEvent.objects.create(
            lead=lead,
            kind=LeadEvent.Kind.FEEDBACK,
            actor=actor,
            message=f"{user_display_name(actor)} says the score looks wrong: {reason}"[:500],
        )
    lead.refresh_from_db()
    return lead


def lead_reassign(*, lead: Lead, actor, assignee) -> Lead:
    with transaction.atomic():
        lead = Lead.objects.select_for_update().get(pk=lead.pk)
        lead.assigned_to = assignee
        lead.assigned_at = timezone.now()
        lead.save(update_fields=["assigned_to", "assigned_at"])
        contact_owner_claim(lead=lead, assignee=assignee)
        LeadEvent.objects.create(
            lead=lead,
            kind=LeadEvent.Kind.REASSIGNED,
            actor=actor,
            message=f"Reassigned to {user_display_name(assignee)} by {user_display_name(actor)}",
        )
    return lead


MAX_BULK = 500


def _bulk_leads(*, user, lead_ids: list[int]) -> list[Lead]:
    """The selected leads, if this user may act on every one of them (as for one lead)."""
    lead_ids = sorted(set(lead_ids))
    if not lead_ids:
        raise OutcomeError("lead", "Select at least one lead.")
    if len(lead_ids) > MAX_BULK:
        raise OutcomeError("lead", f"Select at most {MAX_BULK} leads at a time.")
    leads = list(leads_visible_to(user).filter(pk__in=lead_ids).order_by("pk"))
    if len(leads) != len(lead_ids):
        missing = len(lead_ids) - len(leads)
        raise OutcomeError(
            "lead",
            f"{missing} of the selected leads {'is' if missing == 1 else 'are'} no longer in "
            "your inbox; reload and select again.",
        )
    return leads


def leads_bulk_reassign(*, user, lead_ids: list[int], assignee) -> list[Lead]:
    """Reassign each selected lead as one reassignment would (timeline, contact owner), all or
    none."""
    leads = _bulk_leads(user=user, lead_ids=lead_ids)
    with transaction.atomic():
        return [lead_reassign(lead=lead, actor=user, assignee=assignee) for lead in leads]


def leads_bulk_outcome(*, user, lead_ids: list[int], outcome: Outcome) -> list[Lead]:
    """Record one outcome on each selected lead as one click would (timeline, learning counts),
    all or none; the outcome is checked before any lead changes."""
    outcome = _outcome_checked(outcome)
    leads = _bulk_leads(user=user, lead_ids=lead_ids)
    currency = WorkspaceSettings.current().currency
    with transaction.atomic():
        return [
            lead_outcome_record(lead=lead, actor=user, outcome=outcome, currency=currency)
            for lead in leads
        ]


def forms_for_inbox() -> QuerySet[Form]:
    return Form.objects.order_by("name")

"""Routing: which rule a lead matches, which rep gets it, and which notifications it causes.

`lead_route` runs inside `lead_capture`'s transaction, after scoring: the assignment, the outbox
rows and the timeline are stored with the lead or not at all. `routing_preview` answers the same
question for a stored lead without writing anything (the "try it on this lead" button).
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from forms_app.models import Form, Lead, LeadEvent, RoutingRule, Team
from forms_app.sales.contacts import contact_owner_claim, contact_owner_routed_to
from forms_app.sales.notifications import notifications_for_rule
from forms_app.sales.reps import user_display_name
from scoring.conditions import InvalidCondition, condition_shape_check, conditions_hold

logger = logging.getLogger(__name__)

OPEN_STATUSES = (Lead.Status.NEW, Lead.Status.CONTACTED)
# What the routing rule editor offers of the condition language (scoring.conditions).
ROUTING_OPERATORS = ("equals", "in", "gte", "lte")
ROUTING_SOURCES = ("tier", "score", "answer", "capture")


@dataclass
class RoutingDecision:
    matched: list[RoutingRule] = field(default_factory=list)
    assignee: Any = None  # a user, or None
    assigned_by: RoutingRule | None = None
    kept_owner: bool = False  # the assignee owns the lead's contact
    explanation: list[str] = field(default_factory=list)


def sla_minutes(form: Form, tier: str) -> int | None:
    return {
        Lead.Tier.SALES_READY: form.sla_sales_ready_minutes,
        Lead.Tier.MARKETING_QUALIFIED: form.sla_marketing_qualified_minutes,
        Lead.Tier.NURTURE: form.sla_nurture_minutes,
    }.get(tier)


def lead_facts(lead: Lead) -> dict[str, Any]:
    """What a routing condition reads of a lead (see scoring.conditions)."""
    return {
        "answers": lead.answers,
        "capture": lead.capture,
        "tier": lead.tier,
        "score": lead.score,
    }


def rule_matches(rule: RoutingRule, lead: Lead) -> bool:
    return conditions_hold(rule.conditions or [], lead_facts(lead))


def _open_counts(user_ids: list[int]) -> dict[int, int]:
    rows = (
        Lead.objects.filter(assigned_to_id__in=user_ids, status__in=OPEN_STATUSES)
        .values("assigned_to_id")
        .annotate(n=Count("id"))
    )
    return {row["assigned_to_id"]: row["n"] for row in rows}


def _available_members(team: Team) -> tuple[list, dict[int, int]]:
    """Active members with a rep profile, in a stable order, and their open lead counts."""
    members = list(
        team.members.filter(is_active=True, rep_profile__active=True)
        .select_related("rep_profile")
        .order_by("id")
    )
    counts = _open_counts([member.pk for member in members])
    return [m for m in members if counts.get(m.pk, 0) < m.rep_profile.capacity], counts


def _round_robin_pick(team: Team, *, lock: bool):
    if lock:
        # Race: two leads arriving together must not both read the same cursor and pick the same
        # rep; the row lock makes the second transaction wait for the first one's cursor.
        team = Team.objects.select_for_update().get(pk=team.pk)
    available, _ = _available_members(team)
    if not available:
        return None
    after = team.last_assigned_id or 0
    chosen = next((m for m in available if m.pk > after), available[0])
    if lock:
        Team.objects.filter(pk=team.pk).update(last_assigned=chosen)
    return chosen


def _least_loaded_pick(team: Team, *, lock: bool):
    if lock:
        # Race: concurrent leads would all see the same counts and pile onto one rep.
        team = Team.objects.select_for_update().get(pk=team.pk)
    available, counts = _available_members(team)
    if not available:
        return None
    chosen = min(available, key=lambda m: (counts.get(m.pk, 0), m.pk))
    if lock:
        Team.objects.filter(pk=team.pk).update(last_assigned=chosen)
    return chosen


def _assignee(rule: RoutingRule, *, lock: bool):
    if rule.action == RoutingRule.Action.ASSIGN_REP:
        rep = rule.rep
        profile = getattr(rep, "rep_profile", None) if rep else None
        return rep if rep and rep.is_active and (profile is None or profile.active) else None
    if rule.team_id is None:
        return None
    if rule.action == RoutingRule.Action.ROUND_ROBIN:
        return _round_robin_pick(rule.team, lock=lock)
    if rule.action == RoutingRule.Action.LEAST_LOADED:
        return _least_loaded_pick(rule.team, lock=lock)
    return None


def _decide(lead: Lead, *, lock: bool) -> RoutingDecision:
    decision = RoutingDecision()
    rules = (
        RoutingRule.objects.filter(form_id=lead.form_id, enabled=True)
        .select_related("rep__rep_profile", "team", "webhook_endpoint")
        .order_by("position", "id")
    )
    for rule in rules:
        if not rule_matches(rule, lead):
            decision.explanation.append(f"{rule.name}: conditions not met")
            continue
        decision.matched.append(rule)
        if decision.assignee is None and rule.action != RoutingRule.Action.NOTIFY_ONLY:
            owner = contact_owner_routed_to(lead=lead, rule=rule)
            assignee = owner or _assignee(rule, lock=lock)
            if owner is not None:
                decision.assignee, decision.assigned_by, decision.kept_owner = owner, rule, True
                decision.explanation.append(
                    f"{rule.name}: keeps {user_display_name(owner)}, who owns this contact"
                )
            elif assignee is not None:
                decision.assignee, decision.assigned_by = assignee, rule
                decision.explanation.append(f"{rule.name}: assigns {user_display_name(assignee)}")
            else:
                decision.explanation.append(f"{rule.name}: matches, but no rep is available")
        else:
            decision.explanation.append(f"{rule.name}: matches (notifications)")
        if rule.stop_after:
            decision.explanation.append(f"{rule.name}: stops here")
            break
    return decision


def routing_preview(*, form: Form, lead: Lead) -> RoutingDecision:
    """What routing would do with this lead now, without assigning or notifying anyone."""
    lead.form = form
    return _decide(lead, lock=False)


def lead_route(*, lead: Lead) -> RoutingDecision:
    """Assign the lead and write its outbox rows; call inside the lead's transaction.

    Routing never costs the lead: if it fails (a malformed rule, a lock timeout), its savepoint
    is rolled back, the lead stays unassigned for a manager, and the timeline says why.
    """
    if lead.is_partial or lead.source in (Lead.Source.IMPORT, Lead.Source.DEMO):
        return RoutingDecision()  # history and abandoned multi-step leads are nobody's to call
    try:
        with transaction.atomic():
            return _route(lead)
    except Exception as exc:
        logger.exception("Routing lead %s failed; it stays unassigned", lead.pk)
        lead.assigned_to = lead.assigned_at = lead.routed_by = lead.sla_due_at = None
        LeadEvent.objects.create(
            lead=lead,
            kind=LeadEvent.Kind.UNROUTED,
            message=f"Routing failed ({type(exc).__name__}); assign this lead by hand"[:500],
        )
        return RoutingDecision()


def _route(lead: Lead) -> RoutingDecision:
    decision = _decide(lead, lock=True)
    now = timezone.now()
    if decision.assignee is not None:
        lead.assigned_to = decision.assignee
        lead.assigned_at = now
        lead.routed_by = decision.assigned_by
        minutes = sla_minutes(lead.form, lead.tier)
        lead.sla_due_at = lead.created_at + timedelta(minutes=minutes) if minutes else None
        lead.save(update_fields=["assigned_to", "assigned_at", "routed_by", "sla_due_at"])
        contact_owner_claim(lead=lead, assignee=decision.assignee)
        LeadEvent.objects.create(
            lead=lead,
            kind=LeadEvent.Kind.ROUTED,
            message=f"Routed by rule “{decision.assigned_by.name}” to "
            f"{user_display_name(decision.assignee)}"
            + (", who owns this contact" if decision.kept_owner else ""),
        )
    elif not decision.matched:
        LeadEvent.objects.create(
            lead=lead, kind=LeadEvent.Kind.UNROUTED, message="No routing rule matched"
        )
    else:
        LeadEvent.objects.create(
            lead=lead,
            kind=LeadEvent.Kind.UNROUTED,
            message=f"Rule “{decision.matched[0].name}” matched, but no rep was available",
        )
    for rule in decision.matched:
        notifications_for_rule(lead=lead, rule=rule, assignee=decision.assignee)
    return decision


def routing_rule_save(*, rule: RoutingRule, conditions: list[dict]) -> RoutingRule:
    for condition in conditions:
        # The values stay as typed ("google, linkedin", "50"): the language reads them as such.
        try:
            condition_shape_check(condition, sources=ROUTING_SOURCES, operators=ROUTING_OPERATORS)
        except InvalidCondition as exc:
            raise ValueError(f"Unsupported condition {condition!r}: {exc}.") from exc
    rule.conditions = conditions
    if rule.position == 0 and rule.pk is None:
        last = RoutingRule.objects.filter(form=rule.form).order_by("-position").first()
        rule.position = (last.position + 1) if last else 1
    rule.save()
    return rule


def routing_rule_delete(*, rule: RoutingRule) -> None:
    rule.delete()

"""Routing: which rule a lead matches, which rep gets it, and which notifications it causes.

`lead_assign` and `lead_routing_record` run inside `lead_capture`'s transaction, after scoring
and around the lead's insert: the assignment, the outbox rows and the timeline are stored with
the lead or not at all. `routing_preview` answers the same
question for a stored lead without writing anything (the "try it on this lead" button).
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from forms_app.models import Form, Lead, LeadEvent, RepOpenLeads, RoutingRule, Team
from forms_app.models.inserts import rows_insert
from forms_app.sales.contacts import contact_owner_claim, contact_owner_routed_to
from forms_app.sales.notifications import notifications_for_rule
from forms_app.sales.reps import user_display_name
from forms_app.scoring_adapter import condition_questions, question_input
from scoring.conditions import (
    OPERATORS,
    condition_check,
    condition_fit,
    condition_holds,
    condition_problem,
    conditions_hold,
    describe,
    describe_miss,
)

logger = logging.getLogger(__name__)

OPEN_STATUSES = (Lead.Status.NEW, Lead.Status.CONTACTED)
# What the routing rule editor offers of the condition language (scoring.conditions): all of
# it; the picker offers each subject only the operators that fit it.
ROUTING_OPERATORS = tuple(OPERATORS)
ROUTING_SOURCES = ("tier", "score", "answer", "capture")


@dataclass
class RoutingDecision:
    matched: list[RoutingRule] = field(default_factory=list)
    assignee: Any = None  # a user, or None
    assigned_by: RoutingRule | None = None
    kept_owner: bool = False  # the assignee owns the lead's contact
    explanation: list[str] = field(default_factory=list)
    routed: bool = True  # False: a lead routing leaves alone (history, a partial lead)
    failure: str = ""  # why routing failed, when it did: the lead stays unassigned
    steps: dict[int, str] = field(default_factory=dict)  # rule id → what it did, in words
    stopped_by: RoutingRule | None = None  # the rule that ended the list


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


@dataclass(frozen=True)
class RoutingSetup:
    """A form's enabled rules, in order, and the reps each team may hand a lead to.

    Cached per web process by `forms_app.capture.form_runtime` (the rules, reps and teams change
    rarely); what changes with every lead, a team's cursor and reps' open leads, is read per lead.
    """

    rules: list[RoutingRule]
    members: dict[int, list]  # team id → active members with an active rep profile, by id

    @cached_property
    def reps_by_id(self) -> dict:
        """The teams' active reps by id (a contact's owner among them costs no query)."""
        return {rep.pk: rep for members in self.members.values() for rep in members}


def routing_setup_load(form_id: int) -> RoutingSetup:
    rules = list(
        RoutingRule.objects.filter(form_id=form_id, enabled=True)
        .select_related("rep__rep_profile", "team", "webhook_endpoint")
        .order_by("position", "id")
    )
    team_ids = {rule.team_id for rule in rules if rule.team_id is not None}
    members: dict[int, list] = {team_id: [] for team_id in team_ids}
    memberships = (
        Team.members.through.objects.filter(
            team_id__in=team_ids, user__is_active=True, user__rep_profile__active=True
        )
        .select_related("user__rep_profile")
        .order_by("user_id")
    )
    for membership in memberships:
        members[membership.team_id].append(membership.user)
    return RoutingSetup(rules=rules, members=members)


# A team's cursor and its reps' open leads are read and moved on every routed lead: plain SQL,
# since compiling these tiny statements through the ORM costs more than running them.
_TEAM = Team._meta.db_table
_LOAD = RepOpenLeads._meta.db_table


def _team_state(team_id: int, members: list, *, lock: bool) -> tuple[int | None, dict[int, int]]:
    """The team's round-robin cursor (its last assigned rep) and its members' open leads, in one
    primary-key query: the database keeps the counts (see `RepOpenLeads`), so the cost is the
    same however many leads the reps hold.

    Race: two leads arriving together must not both read the same cursor and pick the same rep
    (or pile onto the least-loaded one); locking the team's row makes the second one wait until
    the first commits (SQLite's write transactions are serial already).
    """
    ids = ", ".join(["%s"] * len(members))
    lock_clause = ""
    if lock and connection.features.has_select_for_update:
        lock_clause = " FOR UPDATE OF t" if connection.features.has_select_for_update_of else ""
        lock_clause = lock_clause or " FOR UPDATE"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT t.last_assigned_id, r.rep_id, r.open_leads FROM {_TEAM} t"
            f" LEFT JOIN {_LOAD} r ON r.rep_id IN ({ids}) WHERE t.id = %s{lock_clause}",
            [*(member.pk for member in members), team_id],
        )
        rows = cursor.fetchall()
    after = rows[0][0] if rows else None
    return after, {rep_id: count for _, rep_id, count in rows if rep_id is not None}


def _team_pick(rule: RoutingRule, setup: RoutingSetup, *, lock: bool):
    """The next rep of the rule's team with room for a lead: round-robin or least-loaded."""
    team_id = rule.team_id
    members = setup.members.get(team_id, [])
    if not members:
        return None
    after, counts = _team_state(team_id, members, lock=lock)
    available = [m for m in members if counts.get(m.pk, 0) < m.rep_profile.capacity]
    if not available:
        return None
    if rule.action == RoutingRule.Action.ROUND_ROBIN:
        chosen = next((m for m in available if m.pk > (after or 0)), available[0])
    else:
        chosen = min(available, key=lambda m: (counts.get(m.pk, 0), m.pk))
    if lock:
        _team_cursor_move(team_id, chosen.pk)
    return chosen


def _team_cursor_move(team_id: int, user_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_TEAM} SET last_assigned_id = %s WHERE id = %s", [user_id, team_id]
        )


def _assignee(rule: RoutingRule, setup: RoutingSetup, *, lock: bool):
    if rule.action == RoutingRule.Action.ASSIGN_REP:
        rep = rule.rep
        profile = getattr(rep, "rep_profile", None) if rep else None
        return rep if rep and rep.is_active and (profile is None or profile.active) else None
    if rule.team_id is None:
        return None
    if rule.action in (RoutingRule.Action.ROUND_ROBIN, RoutingRule.Action.LEAST_LOADED):
        return _team_pick(rule, setup, lock=lock)
    return None


def _note(decision: RoutingDecision, rule: RoutingRule, words: str) -> None:
    decision.explanation.append(f"{rule.name}: {words}")
    decision.steps[rule.pk] = words


def _decide(lead: Lead, setup: RoutingSetup, *, lock: bool) -> RoutingDecision:
    decision = RoutingDecision()
    for rule in setup.rules:
        if not rule_matches(rule, lead):
            _note(decision, rule, "conditions not met")
            continue
        decision.matched.append(rule)
        if decision.assignee is None and rule.action != RoutingRule.Action.NOTIFY_ONLY:
            owner = contact_owner_routed_to(lead=lead, rule=rule, known_reps=setup.reps_by_id)
            assignee = owner or _assignee(rule, setup, lock=lock)
            if owner is not None:
                decision.assignee, decision.assigned_by, decision.kept_owner = owner, rule, True
                _note(decision, rule, f"keeps {user_display_name(owner)}, who owns this contact")
            elif assignee is not None:
                decision.assignee, decision.assigned_by = assignee, rule
                _note(decision, rule, f"assigns {user_display_name(assignee)}")
            else:
                _note(decision, rule, "matches, but no rep is available")
        else:
            _note(decision, rule, "matches (notifications)")
        if rule.stop_after:
            decision.explanation.append(f"{rule.name}: stops here")
            decision.stopped_by = rule
            break
    return decision


def routing_preview(*, form: Form, lead: Lead) -> RoutingDecision:
    """What routing would do with this lead now, without assigning or notifying anyone."""
    lead.form = form
    return _decide(lead, routing_setup_load(form.pk), lock=False)


@dataclass
class RuleVerdict:
    """One rule of a form tried on a lead, for "try the rules": what it did or why it did not."""

    rule: RoutingRule
    conditions: list[str]  # the rule's conditions, in words
    outcome: str  # "assigned", "matched", "missed", "off" or "not_reached"
    reasons: list[str]  # what it did, or why it did not match, in words


@dataclass
class RoutingExplanation:
    decision: RoutingDecision
    verdicts: list[RuleVerdict]


def routing_explain(*, form: Form, lead: Lead) -> RoutingExplanation:
    """Which rule would take this lead and why each other rule would not, in words.

    Read-only, beside the submit path: the decision is `routing_preview`'s (the evaluation
    routing itself runs, without locks or writes); each rule that did not match names the
    conditions that failed with the lead's own values ("Company size is 11–50, not one of
    201–1,000 or More than 1,000"). Every rule of the form is listed, turned-off ones too.
    """
    decision = routing_preview(form=form, lead=lead)
    facts = lead_facts(lead)
    words = condition_questions(form.questions.all())
    matched = {rule.pk for rule in decision.matched}
    stopped = False
    verdicts = []
    rules = form.routing_rules.select_related("rep__rep_profile", "team").order_by("position", "id")
    for rule in rules:
        conditions = rule.conditions or []
        verdict = RuleVerdict(rule, [describe(c, words) for c in conditions], "missed", [])
        if not rule.enabled:
            verdict.outcome, verdict.reasons = "off", ["Turned off: it is skipped."]
        elif stopped:
            verdict.outcome = "not_reached"
            verdict.reasons = [
                f"Not tried: “{decision.stopped_by.name}” matched and stops the list."
            ]
        elif rule.pk in matched:
            assigned = decision.assigned_by is not None and decision.assigned_by.pk == rule.pk
            verdict.outcome = "assigned" if assigned else "matched"
            verdict.reasons = [_sentence(decision.steps.get(rule.pk, "matches"))]
            stopped = decision.stopped_by is not None and decision.stopped_by.pk == rule.pk
        else:
            verdict.reasons = (
                routing_rule_problems(rule, words)
                or [
                    describe_miss(c, facts, words)
                    for c in conditions
                    if not condition_holds(c, facts)
                ]
                or ["Its conditions do not hold."]
            )
        verdicts.append(verdict)
    return RoutingExplanation(decision=decision, verdicts=verdicts)


def _sentence(words: str) -> str:
    return f"{words[:1].upper()}{words[1:]}."


def lead_assign(*, lead: Lead, setup: RoutingSetup | None = None) -> RoutingDecision:
    """Decide who gets a lead and set it on the lead, before its insert (or save).

    Call inside the lead's transaction, then `lead_routing_record` once the lead is stored: the
    assignment goes in with the lead's own insert, the timeline entry and outbox rows beside it.
    setup: the form's rules and reps as the submit path caches them (read when not given).

    Routing never costs the lead: if deciding fails (a malformed rule, a lock timeout), its
    savepoint is rolled back, the lead stays unassigned for a manager, and the timeline says why.
    """
    if lead.is_partial or lead.source in (Lead.Source.IMPORT, Lead.Source.DEMO):
        # History and abandoned multi-step leads are nobody's to call.
        return RoutingDecision(routed=False)
    try:
        with transaction.atomic():
            decision = _decide(lead, setup or routing_setup_load(lead.form_id), lock=True)
    except Exception as exc:
        logger.exception("Routing a lead of form %s failed; it stays unassigned", lead.form_id)
        return RoutingDecision(failure=type(exc).__name__)
    if decision.assignee is not None:
        lead.assigned_to = decision.assignee
        lead.assigned_at = timezone.now()
        lead.routed_by = decision.assigned_by
        minutes = sla_minutes(lead.form, lead.tier)
        lead.sla_due_at = lead.created_at + timedelta(minutes=minutes) if minutes else None
    return decision


_ASSIGNMENT_FIELDS = ["assigned_to", "assigned_at", "routed_by", "sla_due_at"]


def lead_routing_record(*, lead: Lead, decision: RoutingDecision) -> None:
    """The stored lead's routing on its timeline, and the outbox rows of the rules it matched."""
    if not decision.routed:
        return
    try:
        with transaction.atomic():
            _record(lead, decision)
    except Exception as exc:
        logger.exception("Recording the routing of lead %s failed; it stays unassigned", lead.pk)
        decision = RoutingDecision(failure=type(exc).__name__)
        if lead.assigned_to_id is not None:
            for name in _ASSIGNMENT_FIELDS:
                setattr(lead, name, None)
            lead.save(update_fields=_ASSIGNMENT_FIELDS)
        _record(lead, decision)


def lead_route(*, lead: Lead, setup: RoutingSetup | None = None) -> RoutingDecision:
    """Route a lead already stored (a multi-step lead's last step): assign, save, record."""
    decision = lead_assign(lead=lead, setup=setup)
    if decision.assignee is not None:
        lead.save(update_fields=_ASSIGNMENT_FIELDS)
    lead_routing_record(lead=lead, decision=decision)
    return decision


def _record(lead: Lead, decision: RoutingDecision) -> None:
    if decision.failure:
        message = f"Routing failed ({decision.failure}); assign this lead by hand"
    elif decision.assignee is not None:
        contact_owner_claim(lead=lead, assignee=decision.assignee)
        event = LeadEvent(
            lead=lead,
            kind=LeadEvent.Kind.ROUTED,
            message=f"Routed by rule “{decision.assigned_by.name}” to "
            f"{user_display_name(decision.assignee)}"
            + (", who owns this contact" if decision.kept_owner else ""),
        )
        rows_insert([event])
        message = ""
    elif not decision.matched:
        message = "No routing rule matched"
    else:
        message = f"Rule “{decision.matched[0].name}” matched, but no rep was available"
    if message:
        LeadEvent.objects.create(lead=lead, kind=LeadEvent.Kind.UNROUTED, message=message[:500])
    for rule in decision.matched:
        notifications_for_rule(lead=lead, rule=rule, assignee=decision.assignee)


def routing_rule_save(*, rule: RoutingRule, conditions: list[dict]) -> RoutingRule:
    """Save a rule with its conditions, each checked against the form's questions.

    Raises InvalidCondition (a ValueError) naming the problem: a condition the language cannot
    read, an operator that does not fit its subject, or a value that is not one of the
    question's choices (a rule that could never match is refused, not saved silently). A
    choice given by its label is stored as its value.
    """
    questions = {q.key: question_input(q) for q in rule.form.questions.all()}
    checked = []
    for condition in conditions:
        condition_check(condition, sources=ROUTING_SOURCES, operators=ROUTING_OPERATORS)
        question = questions.get(condition.get("key")) if condition["source"] == "answer" else None
        checked.append(condition_fit(condition, question))
    rule.conditions = checked
    if rule.position == 0 and rule.pk is None:
        last = RoutingRule.objects.filter(form=rule.form).order_by("-position").first()
        rule.position = (last.position + 1) if last else 1
    rule.save()
    return rule


def recent_leads(form: Form, limit: int = 25):
    """The form's most recent complete leads, to try rules on."""
    return form.leads.filter(is_partial=False).order_by("-created_at")[:limit]


def routing_rule_problems(rule: RoutingRule, questions: dict[str, Any]) -> list[str]:
    """Why a stored rule's conditions are wrong (it could never match), in words; [] if fine.

    questions: the form's questions by key, as the condition language takes them.
    """
    problems = []
    for condition in rule.conditions or []:
        keyed = isinstance(condition, dict) and condition.get("source") == "answer"
        question = questions.get(condition.get("key")) if keyed else None
        problem = condition_problem(condition, question)
        if problem:
            problems.append(problem)
    return problems


def routing_forms_overview() -> list[Form]:
    """Every form with how many routing rules it has (``rule_count``) and how many are on."""
    return list(
        Form.objects.annotate(
            rule_count=Count("routing_rules"),
            enabled_count=Count("routing_rules", filter=Q(routing_rules__enabled=True)),
        ).order_by("name")
    )


def routing_rule_delete(*, rule: RoutingRule) -> None:
    rule.delete()

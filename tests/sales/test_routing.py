"""Routing: rules in order, conditions, round-robin and least-loaded, safe under concurrency."""

import threading
from collections import Counter

import pytest
from django.db import close_old_connections, connection

from forms_app.capture.submit import lead_capture
from forms_app.models import Lead, LeadEvent, Notification, RoutingRule
from forms_app.sales.routing import lead_route, routing_preview
from tests.helpers.answers import CONTACT_ANSWERS as ANSWERS
from tests.helpers.leads import scored_lead
from tests.helpers.webhooks import endpoint_at
from tests.helpers.worker import run_worker


def capture(form, answers=ANSWERS, **capture) -> Lead:
    return lead_capture(form=form, answers=answers, capture=capture).lead


def test_round_robin_gives_each_rep_a_lead_in_turn(round_robin_rule, sam, riley, alex):
    leads = [capture(round_robin_rule.form) for _ in range(4)]

    assert [lead.assigned_to for lead in leads] == [sam, riley, alex, sam]
    assert leads[0].routed_by == round_robin_rule
    assert LeadEvent.objects.filter(lead=leads[1], kind="routed").get().message == (
        "Routed by rule “Everyone to the closers” to Riley Rep"
    )


def test_round_robin_skips_inactive_reps_and_reps_at_capacity(round_robin_rule, sam, riley, alex):
    riley.rep_profile.active = False
    riley.rep_profile.save()
    alex.rep_profile.capacity = 0
    alex.rep_profile.save()

    leads = [capture(round_robin_rule.form) for _ in range(3)]
    assert {lead.assigned_to for lead in leads} == {sam}


def test_least_loaded_picks_the_rep_with_fewest_open_leads(contact_form, team, sam, riley, alex):
    for rep, status in [(sam, "new"), (sam, "contacted"), (riley, "new"), (alex, "won")]:
        lead = scored_lead(contact_form, score=50, tier="nurture")
        Lead.objects.filter(pk=lead.pk).update(assigned_to=rep, status=status)  # won: not a load
    RoutingRule.objects.create(
        form=contact_form, name="By load", team=team, action=RoutingRule.Action.LEAST_LOADED
    )

    assert capture(contact_form).assigned_to == alex
    assert capture(contact_form).assigned_to == riley
    assert capture(contact_form).assigned_to == alex


def test_rules_apply_in_order_and_stop_after_the_first_match(contact_form, team, sam, riley):
    RoutingRule.objects.create(
        form=contact_form,
        name="Sales-ready to Sam",
        position=1,
        action=RoutingRule.Action.ASSIGN_REP,
        rep=sam,
        conditions=[{"source": "tier", "key": "", "operator": "in", "value": ["sales_ready"]}],
    )
    RoutingRule.objects.create(
        form=contact_form,
        name="The rest to Riley",
        position=2,
        action=RoutingRule.Action.ASSIGN_REP,
        rep=riley,
    )
    hot = scored_lead(contact_form, score=91, tier="sales_ready")
    cold = scored_lead(contact_form, score=20, tier="nurture")

    assert lead_route(lead=hot).assignee == sam
    assert lead_route(lead=cold).assignee == riley


@pytest.mark.parametrize(
    ("condition", "matches"),
    [
        ({"source": "score", "operator": "gte", "value": 70}, True),
        ({"source": "score", "operator": "lte", "value": 70}, False),
        ({"source": "answer", "key": "timeline", "operator": "equals", "value": "later"}, True),
        ({"source": "answer", "key": "timeline", "operator": "in", "value": "soon, later"}, True),
        ({"source": "answer", "key": "team_size", "operator": "gte", "value": "50"}, False),
        ({"source": "answer", "key": "team_size", "operator": "lte", "value": "40"}, True),
        ({"source": "answer", "key": "company", "operator": "gte", "value": "5"}, False),
        ({"source": "capture", "key": "country", "operator": "in", "value": ["DE", "fr"]}, True),
        ({"source": "capture", "key": "utm_source", "operator": "equals", "value": "ads"}, False),
    ],
)
def test_conditions_on_score_answers_and_capture_signals(contact_form, sam, condition, matches):
    RoutingRule.objects.create(
        form=contact_form,
        name="Rule",
        action=RoutingRule.Action.ASSIGN_REP,
        rep=sam,
        conditions=[{"key": "", **condition}],
    )
    lead = scored_lead(
        contact_form, score=75, tier="marketing_qualified", capture={"country": "de"}
    )
    assert (routing_preview(form=contact_form, lead=lead).assignee == sam) is matches


def test_the_preview_assigns_nothing_and_sends_nothing(round_robin_rule, receiver):
    round_robin_rule.webhook_endpoint = endpoint_at(f"{receiver.url}/ok")
    round_robin_rule.save()
    lead = scored_lead(round_robin_rule.form, score=80, tier="sales_ready")

    decision = routing_preview(form=round_robin_rule.form, lead=lead)
    assert decision.assignee.username == "sam"
    lead.refresh_from_db()
    assert lead.assigned_to is None
    assert not Notification.objects.exists()


def test_a_partial_lead_is_not_routed(round_robin_rule):
    lead = scored_lead(round_robin_rule.form, score=90, tier="sales_ready")
    lead.is_partial = True
    assert lead_route(lead=lead).assignee is None
    lead.refresh_from_db()
    assert lead.assigned_to is None


def test_a_lead_no_rule_matches_stays_unassigned_with_a_timeline_entry(contact_form, sam):
    RoutingRule.objects.create(
        form=contact_form,
        name="Only Germany",
        action=RoutingRule.Action.ASSIGN_REP,
        rep=sam,
        conditions=[{"source": "capture", "key": "country", "operator": "equals", "value": "de"}],
    )
    lead = capture(contact_form, country="fr")
    assert lead.assigned_to is None
    assert lead.events.get().message == "No routing rule matched"


def test_the_sla_follows_the_lead_tier(contact_form, sam):
    RoutingRule.objects.create(
        form=contact_form, name="Sam", action=RoutingRule.Action.ASSIGN_REP, rep=sam
    )
    hot = scored_lead(contact_form, score=90, tier="sales_ready")
    lead_route(lead=hot)
    nurture = scored_lead(contact_form, score=10, tier="nurture")
    lead_route(lead=nurture)

    assert (hot.sla_due_at - hot.created_at).total_seconds() == 3600
    assert nurture.sla_due_at is None


@pytest.mark.django_db(transaction=True)
def test_forty_concurrent_submissions_share_a_round_robin_team_fairly(
    round_robin_rule, receiver, sam, riley, alex
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises every write, so there is no race to test")
    round_robin_rule.webhook_endpoint = endpoint_at(f"{receiver.url}/ok")
    round_robin_rule.save()
    form = round_robin_rule.form
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def submit_five(n: int) -> None:
        try:
            start.wait()
            for i in range(5):
                lead_capture(
                    form=form, answers={**ANSWERS, "full_name": f"Lead {n}-{i}"}, capture={}
                )
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=submit_five, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    leads = Lead.objects.filter(form=form)
    assert leads.count() == 40
    assert not leads.filter(assigned_to=None).exists()
    counts = Counter(leads.values_list("assigned_to__username", flat=True))
    assert set(counts) == {"sam", "riley", "alex"}
    assert max(counts.values()) - min(counts.values()) <= 1

    run_worker()
    assert Notification.objects.filter(status="delivered").count() == 40
    delivery_ids = [r.headers["X-Formscore-Delivery"] for r in receiver.acknowledged]
    assert len(delivery_ids) == len(set(delivery_ids)) == 40


def test_a_broken_rule_never_costs_the_lead(contact_form, sam, receiver):
    RoutingRule.objects.create(
        form=contact_form,
        name="Edited by hand in the admin",
        action=RoutingRule.Action.ASSIGN_REP,
        rep=sam,
        conditions=[["not", "a", "condition"]],
        webhook_endpoint=endpoint_at(f"{receiver.url}/ok"),
    )
    lead = capture(contact_form)

    lead.refresh_from_db()
    assert lead.answers == ANSWERS
    assert lead.assigned_to is None
    assert lead.events.get().message == "Routing failed (AttributeError); assign this lead by hand"
    assert not Notification.objects.exists()

"""Each rep's open leads, kept by the database's triggers, always equal a count of the leads.

Routing reads these counts for capacity and least-loaded instead of counting on every submit, so
every way a lead changes hands or status must keep them exact: the ORM's save, `update()`,
`bulk_create`, plain SQL, deletes, a rep's account deleted, a rolled-back transaction.
"""

import random

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from forms_app.capture.submit import lead_capture
from forms_app.models import Lead, RepOpenLeads, RoutingRule
from forms_app.sales.routing import OPEN_STATUSES
from tests.helpers.answers import CONTACT_ANSWERS
from tests.helpers.leads import scored_lead


def kept() -> dict[int, int]:
    return {row.rep_id: row.open_leads for row in RepOpenLeads.objects.all() if row.open_leads}


def counted() -> dict[int, int]:
    rows = (
        Lead.objects.filter(assigned_to__isnull=False, status__in=OPEN_STATUSES)
        .values("assigned_to")
        .annotate(n=Count("id"))
    )
    return {row["assigned_to"]: row["n"] for row in rows}


def test_every_kind_of_change_keeps_the_counts_exact(contact_form, sam, riley, alex):
    lead = scored_lead(contact_form, score=50, tier="nurture")
    assert kept() == {}  # unassigned leads are nobody's load

    lead.assigned_to, lead.status = sam, Lead.Status.NEW
    lead.save()
    assert kept() == counted() == {sam.pk: 1}

    lead.save()  # saved again unchanged: still one
    lead.status = Lead.Status.CONTACTED  # still open
    lead.save()
    assert kept() == {sam.pk: 1}

    lead.status = Lead.Status.WON
    lead.save()
    assert kept() == counted() == {}

    Lead.objects.filter(pk=lead.pk).update(status=Lead.Status.NEW, assigned_to=riley)
    assert kept() == counted() == {riley.pk: 1}

    now = timezone.now()
    Lead.objects.bulk_create(
        [
            Lead(form=contact_form, answers={}, created_at=now, assigned_to=alex, status=status)
            for status in ("new", "contacted", "lost", "new")
        ]
    )
    assert kept() == counted() == {riley.pk: 1, alex.pk: 3}

    Lead.objects.filter(assigned_to=alex).update(assigned_to=sam)  # a rep's leads handed over
    assert kept() == counted() == {riley.pk: 1, sam.pk: 3}

    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Lead._meta.db_table} SET status = 'unqualified' WHERE assigned_to_id = %s",
            [riley.pk],
        )
    assert kept() == counted() == {sam.pk: 3}

    Lead.objects.filter(assigned_to=sam, status="contacted").delete()
    assert kept() == counted() == {sam.pk: 2}

    sam.delete()  # their leads stay, unassigned
    assert kept() == counted() == {}


def test_a_rolled_back_assignment_leaves_the_counts_as_they_were(contact_form, sam):
    lead = scored_lead(contact_form, score=50, tier="nurture")
    try:
        with transaction.atomic():
            Lead.objects.filter(pk=lead.pk).update(assigned_to=sam)
            assert kept() == {sam.pk: 1}
            raise RuntimeError("the submit failed after routing")
    except RuntimeError:
        pass
    assert kept() == counted() == {}


def test_counts_stay_exact_through_many_random_changes(contact_form, sam, riley, alex):
    chance = random.Random(16)
    reps = [sam, riley, alex, None]
    statuses = [status for status, _ in Lead.Status.choices]
    leads = [scored_lead(contact_form, score=50, tier="nurture") for _ in range(12)]
    for _ in range(150):
        lead = chance.choice(leads)
        move = chance.random()
        if move < 0.4:
            lead.assigned_to = chance.choice(reps)
            lead.save()
        elif move < 0.8:
            Lead.objects.filter(pk=lead.pk).update(status=chance.choice(statuses))
            lead.refresh_from_db()
        elif move < 0.9:
            Lead.objects.filter(pk=lead.pk).delete()
            leads.remove(lead)
            leads.append(scored_lead(contact_form, score=50, tier="nurture"))
        else:
            Lead.objects.filter(pk__in=[x.pk for x in leads[:4]]).update(
                assigned_to=chance.choice(reps), status=chance.choice(statuses)
            )
        assert kept() == counted()


def test_routing_reads_the_counts_and_stops_at_capacity(contact_form, team, sam, riley, alex):
    RoutingRule.objects.create(
        form=contact_form, name="By load", team=team, action=RoutingRule.Action.LEAST_LOADED
    )
    for rep in (sam, riley, alex):
        rep.rep_profile.capacity = 2
        rep.rep_profile.save()

    def submit() -> Lead:
        return lead_capture(form=contact_form, answers=CONTACT_ANSWERS, capture={}).lead

    leads = [submit() for _ in range(7)]

    assert [lead.assigned_to for lead in leads[:6]] == [sam, riley, alex] * 2
    assert leads[6].assigned_to is None  # everyone is at capacity
    assert kept() == counted() == {sam.pk: 2, riley.pk: 2, alex.pk: 2}

    leads[0].status = Lead.Status.WON  # Sam closes one: room again
    leads[0].save()
    assert submit().assigned_to == sam

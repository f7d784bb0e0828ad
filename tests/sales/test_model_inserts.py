"""The submit path's plain-SQL inserts store exactly what the ORM's insert stores."""

import pytest
from django.utils import timezone

from forms_app.models import Lead, LeadEvent, Notification
from forms_app.models.inserts import rows_insert

pytestmark = pytest.mark.django_db


def stored(model, pk) -> dict:
    row = model.objects.get(pk=pk)
    values = {f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields}
    return {k: v for k, v in values.items() if k not in ("id", "public_id", "delivery_id")}


def test_a_lead_its_event_and_outbox_rows_as_the_orm_stores_them(contact_form, sam):
    now = timezone.now()

    def lead() -> Lead:
        return Lead(
            form=contact_form,
            answers={"company": "Analytical Engines", "team_size": 40, "tags": ["a", "ü"]},
            capture={"utm_source": "linkedin"},
            created_at=now,
            completed_at=now,
            score=87,
            probability=0.8731,
            tier="sales_ready",
            factors=[{"feature": "team_size", "impact": 12.5}],
            assigned_to=sam,
            assigned_at=now,
        )

    by_orm, by_sql = lead(), lead()
    by_orm.save(force_insert=True)
    rows_insert([by_sql])
    assert by_sql.pk is not None and by_sql.pk != by_orm.pk
    assert not by_sql._state.adding
    assert stored(Lead, by_sql.pk) == stored(Lead, by_orm.pk)
    assert Lead.objects.get(pk=by_sql.pk).public_id == by_sql.public_id

    events = [LeadEvent(lead=by_sql, kind="routed", message=f"“Rule {n}”") for n in (1, 2)]
    rows_insert(events)
    orm_event = LeadEvent.objects.create(lead=by_sql, kind="routed", message="“Rule 1”")
    assert [e.message for e in LeadEvent.objects.filter(pk__in=[e.pk for e in events])] == [
        "“Rule 1”",
        "“Rule 2”",
    ]
    assert stored(LeadEvent, events[0].pk) | {"created_at": None} == stored(
        LeadEvent, orm_event.pk
    ) | {"created_at": None}
    assert events[0].created_at is not None  # auto_now_add, as the ORM sets it

    def notification() -> Notification:
        return Notification(
            lead=by_sql,
            channel="webhook",
            destination="https://crm.example/hook",
            payload={"lead": {"score": 87, "answers": {"tags": ["ü"]}}},
            next_attempt_at=now,
        )

    by_sql_row, by_orm_row = notification(), notification()
    rows_insert([by_sql_row])
    Notification.objects.bulk_create([by_orm_row])
    ours, theirs = stored(Notification, by_sql_row.pk), stored(Notification, by_orm_row.pk)
    assert ours | {"created_at": None} == theirs | {"created_at": None}
    assert Notification.objects.get(pk=by_sql_row.pk).delivery_id == by_sql_row.delivery_id


def test_nothing_to_insert_is_no_statement(django_assert_num_queries):
    with django_assert_num_queries(0):
        rows_insert([])

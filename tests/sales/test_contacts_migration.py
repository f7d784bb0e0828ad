"""The migration that gives existing questions their contact roles and existing leads their
contacts, with owners from their newest assigned lead."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from forms_app.models import Contact, Lead, Question

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("forms_app", "0010_privacy")]
AFTER = [("forms_app", "0012_contacts_link")]
START = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def latest() -> list:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def migrate(targets):
    MigrationExecutor(connection).migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def test_existing_leads_join_their_contacts_and_owners_come_from_the_newest_assignment():
    sam = User.objects.create_user("sam")
    riley = User.objects.create_user("riley")
    try:
        apps = migrate(BEFORE)
        form_model = apps.get_model("forms_app", "Form")
        question_model = apps.get_model("forms_app", "Question")
        lead_model = apps.get_model("forms_app", "Lead")
        form = form_model.objects.create(name="Old form", slug="old-form")
        other_form = form_model.objects.create(name="Survey", slug="survey")
        for position, (key, label, kind, archived) in enumerate(
            [
                ("work_e_mail", "Work e-mail", "email", False),
                ("full_name", "Full name", "short_text", False),
                ("organisation", "Organisation", "short_text", False),
                ("billing_email", "Billing e-mail", "email", False),  # a second: no role
                ("old_email", "E-mail", "short_text", True),  # archived: old leads keep it
                ("seats", "Seats", "number", False),
            ]
        ):
            question_model.objects.create(
                form=form, key=key, label=label, kind=kind, archived=archived, position=position
            )
        question_model.objects.create(form=other_form, key="rating", label="Rating", kind="number")

        def lead(answers, minutes, assigned=None, target=form):
            return lead_model.objects.create(
                form=target,
                answers=answers,
                created_at=START + timedelta(minutes=minutes),
                assigned_to_id=assigned.pk if assigned else None,
            ).pk

        dana_first = lead(
            {"work_e_mail": "Dana@Northwind.example", "full_name": "Dana"}, 1, assigned=riley
        )
        dana_newest = lead(
            {"work_e_mail": "dana@northwind.example", "full_name": "Dana Buyer"}, 5, assigned=sam
        )
        dana_unassigned = lead({"work_e_mail": "DANA@northwind.example"}, 9)
        old_style = lead({"old_email": "ann@gmail.com", "organisation": "Ann Co"}, 3)
        nobody = lead({"full_name": "No e-mail"}, 4)
        survey = lead({"rating": 4}, 2, target=other_form)

        migrate(AFTER)
    finally:
        migrate(latest())

    roles = dict(Question.objects.filter(form__slug="old-form").values_list("key", "contact_role"))
    assert roles == {
        "work_e_mail": "email",
        "full_name": "name",
        "organisation": "company",
        "billing_email": "",
        "old_email": "email",
        "seats": "",
    }
    dana = Contact.objects.get(email_normalized="dana@northwind.example")
    assert set(Lead.objects.filter(contact=dana).values_list("pk", flat=True)) == {
        dana_first,
        dana_newest,
        dana_unassigned,
    }
    assert (dana.email, dana.name) == ("DANA@northwind.example", "Dana Buyer")
    assert dana.owner == sam  # from the newest assigned lead
    assert dana.company_domain == "northwind.example"
    ann = Lead.objects.get(pk=old_style).contact
    assert (ann.email_normalized, ann.company, ann.company_domain) == (
        "ann@gmail.com",
        "Ann Co",
        "",
    )
    assert ann.owner is None
    assert Lead.objects.get(pk=nobody).contact is None
    assert Lead.objects.get(pk=survey).contact is None
    assert Contact.objects.count() == 2

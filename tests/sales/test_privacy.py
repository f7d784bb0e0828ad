"""A person's data on request: erase and export by e-mail, retention per form, the privacy log and
who may use them — against the real database, with real deliveries to a local receiver first."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from forms_app.capture.submit import lead_capture
from forms_app.models import Lead, LeadEvent, Notification, PrivacyAction
from forms_app.privacy import (
    email_fingerprint,
    form_retention_apply,
    person_erase,
    person_export,
    person_leads,
    retention_apply_all,
)
from forms_app.sales.leads import Outcome, lead_outcome_record, lead_score_feedback
from forms_app.tasks import periodic_tasks_ensure
from tests.helpers.rules import notify_rule
from tests.helpers.worker import run_worker

ADA = {
    "full_name": "Ada Lovelace",
    "company": "Analytical Engines",
    "work_email": "Ada@Lovelace.example",
    "team_size": 40,
    "timeline": "within_1_month",
}
GRACE = {**ADA, "full_name": "Grace Hopper", "work_email": "grace@navy.example"}
ADA_CAPTURE = {
    "page_url": "https://www.example.com/pricing?email=ada%40lovelace.example",
    "referrer": "https://www.google.com/",
    "utm_source": "linkedin",
    "device": "desktop",
    "ip": "203.0.113.7",
    "user_agent": "Mozilla/5.0 (X11; Linux x86_64)",
    "seconds_to_complete": 42.0,
}


@pytest.fixture
def admin_user(db) -> User:
    user = User.objects.create_user("avery", password="pw-for-tests-123")
    user.groups.add(Group.objects.get_or_create(name="admin")[0])
    return user


def _captured(form, answers, *, days_ago: int = 0) -> Lead:
    lead = lead_capture(form=form, answers=answers, capture=dict(ADA_CAPTURE)).lead
    if days_ago:
        Lead.objects.filter(pk=lead.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
        lead.refresh_from_db()
    return lead


def _every_table_mentioning(text: str) -> list[str]:
    """Every table in the database whose rows hold this text anywhere, found by scanning them all:
    not only the tables the erasure is known to touch."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            columns = [
                c.name for c in connection.introspection.get_table_description(cursor, table)
            ]
            quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
            cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)}")
            if any(
                text.lower() in str(value).lower() for row in cursor.fetchall() for value in row
            ):
                found.append(table)
    return found


# --- erasure ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # the task worker reads what the test wrote
def test_erasing_a_person_leaves_nothing_of_them_in_any_table(
    contact_form, team, receiver, admin_user, sam
):
    notify_rule(contact_form, team, webhook_url=f"{receiver.url}/crm")
    first = _captured(contact_form, ADA)
    _captured(contact_form, {**ADA, "work_email": "ada@lovelace.example"})
    grace = _captured(contact_form, GRACE)
    lead_outcome_record(
        lead=first, actor=sam, outcome=Outcome("lost", reason="Ada chose another vendor")
    )
    run_worker()
    assert len(receiver.acknowledged) == 3  # a real delivery log, about both people
    assert "Ada Lovelace" in receiver.acknowledged[0].body.decode()
    assert set(_every_table_mentioning("ada@lovelace.example")) >= {
        "forms_app_lead",
        "forms_app_notification",
    }

    report = person_erase(email="  ADA@lovelace.EXAMPLE ", actor=admin_user)

    assert (report.leads, report.notifications) == (2, 2)
    assert report.events >= 3  # routed, notified, lost
    for trace in ("ada@lovelace.example", "Ada Lovelace", "another vendor"):
        assert _every_table_mentioning(trace) == [], trace
    assert list(Lead.objects.all()) == [grace]
    assert Notification.objects.get().lead == grace
    assert LeadEvent.objects.filter(lead=grace).exists()
    entry = PrivacyAction.objects.get()
    assert (entry.action, entry.actor, entry.actor_name, entry.leads_affected) == (
        "erase",
        admin_user,
        "avery",
        2,
    )
    assert entry.email_fingerprint == email_fingerprint("ada@lovelace.example")


def test_a_person_is_found_by_any_e_mail_question_whatever_its_key_and_case(
    make_form, contact_form
):
    other = make_form(
        ("Business e-mail", "email", {"key": "work_e_mail"}),
        ("Notes", "long_text", {}),
        slug="webinar",
    )
    on_contact = _captured(contact_form, ADA)
    on_webinar = lead_capture(
        form=other, answers={"work_e_mail": "ADA@LOVELACE.EXAMPLE"}, capture={}
    ).lead
    lead_capture(form=other, answers={"notes": "ada@lovelace.example"}, capture={})  # free text

    assert set(person_leads("ada@lovelace.example")) == {on_contact, on_webinar}
    assert not person_leads("").exists()
    assert not person_leads("lovelace.example").exists()


def test_erasing_an_address_nobody_gave_erases_nothing_and_is_logged(contact_form, admin_user):
    grace = _captured(contact_form, GRACE)
    report = person_erase(email="nobody@example.com", actor=admin_user)
    assert (report.leads, report.events, report.notifications) == (0, 0, 0)
    assert list(Lead.objects.all()) == [grace]
    assert PrivacyAction.objects.get().leads_affected == 0


# --- export -----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_export_holds_every_lead_with_answers_capture_scores_events_and_notifications(
    contact_form, team, receiver, admin_user, sam
):
    notify_rule(contact_form, team, webhook_url=f"{receiver.url}/crm")
    older = _captured(contact_form, ADA, days_ago=3)
    newer = _captured(contact_form, ADA)
    _captured(contact_form, GRACE)
    lead_outcome_record(lead=newer, actor=sam, outcome=Outcome("lost", reason="Budget"))
    run_worker()

    exported = person_export(email="ada@lovelace.example", actor=admin_user)
    data = json.loads(json.dumps(exported, cls=DjangoJSONEncoder))

    assert data["email"] == "ada@lovelace.example"
    assert [lead["id"] for lead in data["leads"]] == [str(older.public_id), str(newer.public_id)]
    lead = data["leads"][1]
    answers = {row["key"]: row for row in lead["answers"]}
    assert answers["work_email"]["value"] == "Ada@Lovelace.example"
    assert answers["timeline"]["shown_as"] == "Within 1 month"
    assert answers["full_name"]["question"] == "Your name"
    assert lead["capture"]["ip"] == "203.0.113.7"
    assert lead["score"] == newer.score and lead["points_score"] == newer.points_score
    assert lead["tier"] == newer.tier
    assert (lead["status"], lead["outcome_reason"]) == ("lost", "Budget")
    assert lead["assigned_to"] in {"Sam Seller", "Riley Rep", "Alex Closer"}
    assert {event["kind"] for event in lead["events"]} >= {"routed", "notified", "status"}
    [notification] = lead["notifications"]
    assert notification["status"] == "delivered"
    assert notification["payload"]["data"]["lead"]["email"] == "Ada@Lovelace.example"
    assert "Grace Hopper" not in json.dumps(data)
    entry = PrivacyAction.objects.get()
    assert (entry.action, entry.leads_affected, entry.actor) == ("export", 2, admin_user)


def test_the_export_command_prints_the_same_json_and_logs_the_actor(
    contact_form, admin_user, capsys
):
    lead = _captured(contact_form, ADA)
    call_command("privacy_export", "ada@lovelace.example", "--actor", "avery")
    data = json.loads(capsys.readouterr().out)
    assert [row["id"] for row in data["leads"]] == [str(lead.public_id)]
    assert PrivacyAction.objects.get().actor == admin_user


def test_the_erase_command_erases_and_refuses_an_unknown_actor(contact_form, admin_user, capsys):
    _captured(contact_form, ADA)
    with pytest.raises(Exception, match="No user is called 'nobody'"):
        call_command("privacy_erase", "ada@lovelace.example", "--actor", "nobody")
    assert Lead.objects.count() == 1
    call_command("privacy_erase", "ada@lovelace.example", "--actor", "avery")
    assert "Erased 1 leads" in capsys.readouterr().out
    assert not Lead.objects.exists()


# --- retention --------------------------------------------------------------------------------


def test_retention_clears_contact_details_free_text_and_urls_with_queries_and_keeps_the_rest(
    make_form, sam
):
    form = make_form(
        ("Work e-mail", "email", {"key": "work_email"}),
        ("Your name", "short_text", {"key": "full_name"}),
        ("Phone", "phone", {"key": "phone"}),
        ("What do you need?", "long_text", {"key": "needs"}),
        ("Team size", "number", {"key": "team_size"}),
        (
            "Timeline",
            "single_choice",
            {"key": "timeline", "choices": [{"value": "now", "label": "Now"}]},
        ),
        ("Campaign", "hidden", {"key": "campaign", "url_parameter": "utm_campaign"}),
        ("Landing page", "hidden", {"key": "landing", "url_parameter": "landing"}),
        slug="retained",
    )
    form.retention_days = 30
    form.save()
    answers = {
        "work_email": "ada@lovelace.example",
        "full_name": "Ada Lovelace",
        "phone": "+44 20 7946 0000",
        "needs": "Call me on my mobile",
        "team_size": 40,
        "timeline": "now",
        "campaign": "spring",
        "landing": "https://www.example.com/?ref=ada",
    }
    old = _captured(form, answers, days_ago=31)
    lead_outcome_record(lead=old, actor=sam, outcome=Outcome("lost", reason="Ada went elsewhere"))
    lead_score_feedback(lead=old, actor=sam, reason="Ada was never a fit")
    recent = _captured(form, answers, days_ago=29)
    old.refresh_from_db()
    score, points, probability = old.score, old.points_score, old.probability

    assert form_retention_apply(form=form) == 1

    old.refresh_from_db()
    assert old.answers == {"team_size": 40, "timeline": "now", "campaign": "spring"}
    assert old.capture == {
        "referrer": "https://www.google.com/",
        "utm_source": "linkedin",
        "device": "desktop",
        "seconds_to_complete": 42.0,
    }
    assert (old.score, old.points_score, old.probability) == (score, points, probability)
    assert (old.status, old.outcome_reason, old.score_feedback) == ("lost", "", "")
    assert old.anonymised_at is not None
    messages = " ".join(old.events.values_list("message", flat=True))
    assert "Ada" not in messages and "Marked lost by Sam Seller" in messages
    recent.refresh_from_db()
    assert recent.answers == answers and recent.anonymised_at is None
    entry = PrivacyAction.objects.get()
    assert (entry.action, entry.form, entry.leads_affected, entry.actor) == (
        "retention",
        form,
        1,
        None,
    )


@pytest.mark.django_db(transaction=True)
def test_retention_clears_the_payloads_of_the_old_leads_notifications_and_runs_once(
    contact_form, team, receiver
):
    notify_rule(contact_form, team, webhook_url=f"{receiver.url}/crm")
    old = _captured(contact_form, ADA, days_ago=400)
    run_worker()
    contact_form.retention_days = 365
    contact_form.save()

    assert retention_apply_all() == {"contact": 1}
    assert retention_apply_all() == {"contact": 0}  # idempotent

    row = Notification.objects.get(lead=old)
    assert row.payload == {"anonymised": True}
    assert (row.status, row.response_status) == ("delivered", 200)  # the delivery log's facts
    assert _every_table_mentioning("ada@lovelace.example") == []
    assert PrivacyAction.objects.count() == 1


def test_a_form_without_a_retention_period_keeps_its_leads(contact_form):
    lead = _captured(contact_form, ADA, days_ago=3000)
    assert form_retention_apply(form=contact_form) == 0
    lead.refresh_from_db()
    assert lead.answers["work_email"] == "Ada@Lovelace.example"


def test_the_retention_command_reports_per_form(contact_form, capsys):
    _captured(contact_form, ADA, days_ago=10)
    contact_form.retention_days = 7
    contact_form.save()
    call_command("apply_retention")
    assert capsys.readouterr().out.strip() == "contact: 1 leads anonymised"


@pytest.mark.django_db(transaction=True)
def test_the_worker_applies_retention_and_queues_the_next_run_a_day_later(contact_form):
    old = _captured(contact_form, ADA, days_ago=10)
    contact_form.retention_days = 7
    contact_form.save()
    assert "apply_retention" in periodic_tasks_ensure()

    run_worker()

    old.refresh_from_db()
    assert old.anonymised_at is not None and "work_email" not in old.answers
    next_run = DBTaskResult.objects.get(task_path="forms_app.tasks.apply_retention", status="READY")
    assert timedelta(hours=23) < next_run.run_after - timezone.now() <= timedelta(days=1)


# --- the privacy page -------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/app/privacy/", "/app/privacy/erase/?email=a@b.example"])
def test_the_privacy_page_is_refused_to_marketers_and_sales(client, marketer, sam, url):
    for user in (marketer, sam):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post("/app/privacy/export/", {"email": "a@b.example"}).status_code == 403
        assert client.post("/app/privacy/erase/", {"email": "a@b.example"}).status_code == 403
    assert not PrivacyAction.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/app/privacy/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_only_admins_see_privacy_in_the_navigation(client, marketer, admin_user):
    client.force_login(marketer)
    assert 'href="/app/privacy/"' not in client.get("/app/forms/").content.decode()
    client.force_login(admin_user)
    assert 'href="/app/privacy/"' in client.get("/app/forms/").content.decode()


def test_a_malformed_address_is_a_400_that_says_so(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/app/privacy/", {"email": "not-an-address"})
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()
    assert client.post("/app/privacy/erase/", {"email": ""}).status_code == 400


def test_an_admin_finds_exports_and_erases_a_person_after_one_confirmation(
    client, admin_user, contact_form
):
    client.force_login(admin_user)
    ada = _captured(contact_form, ADA)
    _captured(contact_form, GRACE)

    page = client.get("/app/privacy/", {"email": "ADA@lovelace.example"}).content.decode()
    assert ">1 lead<" in page and f"/app/inbox/{ada.pk}/" in page

    download = client.post("/app/privacy/export/", {"email": "ada@lovelace.example"})
    assert download["Content-Type"] == "application/json; charset=utf-8"
    assert download["Content-Disposition"].startswith('attachment; filename="formscore-person-')
    assert json.loads(download.content)["leads"][0]["id"] == str(ada.public_id)

    confirm = client.get("/app/privacy/erase/", {"email": "ada@lovelace.example"})
    assert "Erase 1 lead" in confirm.content.decode()
    assert Lead.objects.filter(pk=ada.pk).exists()  # asking erases nothing

    done = client.post("/app/privacy/erase/", {"email": "ada@lovelace.example"}, follow=True)
    page = done.content.decode()
    assert "Erased ada@lovelace.example: 1 lead," in page
    assert not Lead.objects.filter(pk=ada.pk).exists() and Lead.objects.count() == 1
    assert [entry.action for entry in PrivacyAction.objects.all()] == ["erase", "export"]
    assert "person " + email_fingerprint("ada@lovelace.example")[:10] in page
    assert "ada@lovelace.example" not in page.split("Privacy log", 1)[1]
    asked_again = client.get("/app/privacy/", {"email": "ada@lovelace.example"})
    assert "No lead has this e-mail address." in asked_again.content.decode()
    assert "erasure by avery" in asked_again.content.decode()


def test_the_retention_period_is_set_in_the_forms_settings(client, marketer, contact_form):
    client.force_login(marketer)
    page = client.get("/app/forms/contact/settings/")
    fields = {
        name: value
        for name, value in page.context["settings_form"].initial.items()
        if name in page.context["settings_form"].fields
    }
    fields = {key: "" if value is None else value for key, value in fields.items()}
    fields["allowed_sites"] = fields["key_pages"] = ""

    refused = client.post("/app/forms/contact/settings/", {**fields, "retention_days": "0"})
    assert refused.status_code == 422
    assert "greater than or equal to 1" in refused.content.decode()

    saved = client.post("/app/forms/contact/settings/", {**fields, "retention_days": "90"})
    assert saved.status_code == 302
    contact_form.refresh_from_db()
    assert contact_form.retention_days == 90

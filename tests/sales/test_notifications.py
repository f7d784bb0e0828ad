"""Delivery that loses nothing: a real local HTTP server receives Slack and webhook posts."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection, connections, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from forms_app.capture.submit import lead_capture
from forms_app.models import Lead, LeadEvent, Notification, RoutingRule
from forms_app.sales.outbox import SIGNATURE_HEADER, outbox_sweep
from forms_app.sales.signatures import legacy_signature_verify as signature_verify
from tests.helpers.rules import notify_rule
from tests.helpers.submit import submit
from tests.helpers.worker import database_url, run_worker

pytestmark = pytest.mark.django_db(transaction=True)

ANSWERS = {
    "full_name": "Ada Lovelace",
    "company": "Analytical Engines",
    "work_email": "ada@engines.example",
    "team_size": 40,
    "timeline": "within_1_month",
}


def capture(form, answers=ANSWERS) -> Lead:
    return lead_capture(form=form, answers=answers, capture={"utm_source": "linkedin"}).lead


def test_a_submitted_lead_reaches_slack_and_a_signed_webhook(client, contact_form, team, receiver):
    rule = notify_rule(
        contact_form,
        team,
        notify_slack_url=f"{receiver.url}/slack",
        webhook_url=f"{receiver.url}/crm",
    )
    response = submit(client, "contact", {**ANSWERS, "team_size": "40"})
    assert response.status_code == 302

    lead = Lead.objects.get()
    assert Notification.objects.filter(lead=lead, status="pending").count() == 2
    run_worker()

    assert sorted(r.path for r in receiver.acknowledged) == ["/crm", "/slack"]
    crm = next(r for r in receiver.received if r.path == "/crm")
    secret = rule.webhook_endpoint.secret
    assert signature_verify(secret=secret, body=crm.body, header=crm.headers[SIGNATURE_HEADER])
    assert not signature_verify(
        secret="whsec_c29tZW9uZS1lbHNl", body=crm.body, header=crm.headers[SIGNATURE_HEADER]
    )
    assert not signature_verify(
        secret=secret,
        body=crm.body + b" ",
        header=crm.headers[SIGNATURE_HEADER],
    )
    payload = crm.json()
    assert payload["type"] == "lead.created"
    assert payload["data"]["lead"]["id"] == str(lead.public_id)
    assert payload["data"]["lead"]["name"] == "Ada Lovelace"
    assert payload["data"]["assigned_to"]["display_name"] == "Sam Seller"

    slack = next(r for r in receiver.received if r.path == "/slack").json()
    assert "Ada Lovelace" in slack["text"] and "Analytical Engines" in slack["text"]
    assert "Assigned to Sam Seller" in slack["text"]
    assert f"/app/inbox/{lead.pk}/|Open the lead" in slack["text"]
    assert set(Notification.objects.values_list("status", flat=True)) == {"delivered"}
    assert list(
        LeadEvent.objects.filter(kind="notified").values_list("message", flat=True).order_by("id")
    ) in (
        ["Notified via Slack", "Notified via Webhook"],
        ["Notified via Webhook", "Notified via Slack"],
    )


def test_a_signature_older_than_five_minutes_is_refused(contact_form, team):
    from forms_app.sales.signatures import legacy_signature_header

    body = b'{"type":"lead.created"}'
    old = int(time.time()) - 600
    secret = "whsec_czNjcmV0"  # the old-style secret "s3cret", re-issued
    header = legacy_signature_header(secret=secret, body=body, timestamp=old)
    assert not signature_verify(secret=secret, body=body, header=header)
    assert signature_verify(secret=secret, body=body, header=header, now=old + 10)


def test_answers_are_escaped_in_the_slack_message(contact_form, team, receiver):
    notify_rule(contact_form, team, notify_slack_url=f"{receiver.url}/slack")
    capture(contact_form, {**ANSWERS, "full_name": "<!channel> & <http://evil|click>"})
    run_worker()

    text = receiver.received[0].json()["text"]
    assert "&lt;!channel&gt; &amp; &lt;http://evil|click&gt;" in text
    assert "<!channel>" not in text


def test_an_email_notification_goes_to_the_assigned_rep(contact_form, sam):
    RoutingRule.objects.create(
        form=contact_form,
        name="Sam takes everything",
        action=RoutingRule.Action.ASSIGN_REP,
        rep=sam,
        notify_emails="rep, lead-desk@example.com",
    )
    capture(contact_form)
    run_worker()

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["sam@example.com", "lead-desk@example.com"]
    assert "Ada Lovelace" in mail.outbox[0].subject
    assert "/app/inbox/" in mail.outbox[0].body


@pytest.mark.parametrize("endpoint", ["/fail", "/slow", "refused"])
def test_a_failing_endpoint_is_retried_then_marked_failed_and_the_lead_is_intact(
    contact_form, team, receiver, fast_retries, endpoint
):
    if endpoint == "refused":
        with socket.socket() as probe:  # a port nobody listens on
            probe.bind(("127.0.0.1", 0))
            url = f"http://127.0.0.1:{probe.getsockname()[1]}/"
    else:
        url = f"{receiver.url}{endpoint}"
    notify_rule(contact_form, team, webhook_url=url)
    lead = capture(contact_form)
    run_worker()

    row = Notification.objects.get()
    assert row.status == "failed"
    assert row.attempts == 3
    assert row.last_error
    if endpoint != "refused":
        assert len(receiver.received) == 3
    lead.refresh_from_db()
    assert lead.answers == ANSWERS
    assert lead.assigned_to.username == "sam"
    assert LeadEvent.objects.filter(lead=lead, kind="notification_failed").exists()


def test_backoff_doubles_after_each_failure_up_to_the_limit(settings):
    from forms_app.sales.outbox import backoff_seconds

    settings.FORMSCORE_OUTBOX_BACKOFF_SECONDS = 30
    assert [backoff_seconds(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff_seconds(20) == 3600


def test_a_failed_retry_waits_for_its_backoff_before_the_next_attempt(
    contact_form, team, receiver, settings
):
    settings.FORMSCORE_OUTBOX_BACKOFF_SECONDS = 30
    notify_rule(contact_form, team, webhook_url=f"{receiver.url}/fail")
    capture(contact_form)
    run_worker()  # one attempt; the retry is queued 30 s ahead, so the batch worker stops

    row = Notification.objects.get()
    assert (row.status, row.attempts) == ("pending", 1)
    assert 25 < (row.next_attempt_at - timezone.now()).total_seconds() <= 30
    assert DBTaskResult.objects.filter(status="READY", run_after__gt=timezone.now()).exists()


def test_send_again_delivers_a_failed_notification(
    client, contact_form, team, receiver, fast_retries, marketer
):
    notify_rule(contact_form, team, webhook_url=f"{receiver.url}/flaky")
    lead = capture(contact_form)
    run_worker()
    row = Notification.objects.get()
    assert row.status == "failed"

    client.force_login(marketer)
    page = client.get(f"/app/inbox/{lead.pk}/").content.decode()
    assert "Failed" in page and "Send again" in page
    assert "Send again" in client.get("/app/reps/").content.decode()

    receiver.flaky_failing = False
    response = client.post(
        f"/app/inbox/{lead.pk}/notifications/{row.pk}/resend/", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "Waiting" in response.content.decode()
    run_worker()

    row.refresh_from_db()
    assert row.status == "delivered"
    assert len(receiver.acknowledged) == 1


def test_with_no_worker_running_the_rows_wait(contact_form, team, receiver):
    notify_rule(contact_form, team, webhook_url=f"{receiver.url}/ok")
    capture(contact_form)
    time.sleep(0.3)

    assert Notification.objects.get().status == "pending"
    assert receiver.received == []
    assert DBTaskResult.objects.filter(status="READY").count() == 1


def test_leads_arriving_before_a_worker_share_one_delivery_task(contact_form, team, receiver):
    notify_rule(contact_form, team, webhook_url=f"{receiver.url}/ok")
    for n in range(5):
        capture(contact_form, {**ANSWERS, "work_email": f"person{n}@engines.example"})

    assert Notification.objects.filter(status="pending").count() == 5
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    run_worker()

    assert set(Notification.objects.values_list("status", flat=True)) == {"delivered"}
    assert len(receiver.acknowledged) == 5
    capture(contact_form, {**ANSWERS, "work_email": "later@engines.example"})
    assert DBTaskResult.objects.filter(status="READY").count() == 1  # the next lead, a new task


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: on SQLite the submit holds the write lock a worker's claim needs",
)
def test_a_worker_cannot_take_the_waiting_task_before_a_submit_that_counts_on_it_commits(
    contact_form, team, receiver
):
    notify_rule(contact_form, team, webhook_url=f"{receiver.url}/ok")
    capture(contact_form)  # leaves a waiting delivery task
    waiting = DBTaskResult.objects.get(status="READY")
    other = connections.create_connection("default")
    try:
        with transaction.atomic():
            capture(contact_form, {**ANSWERS, "work_email": "second@engines.example"})
            with other.cursor() as cursor:  # a worker's claim, from its own connection
                cursor.execute(
                    "SELECT id FROM django_tasks_database_dbtaskresult WHERE id = %s "
                    "FOR UPDATE SKIP LOCKED",
                    [str(waiting.pk)],
                )
                assert cursor.fetchall() == []  # skipped until this submit commits
        with other.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM django_tasks_database_dbtaskresult WHERE id = %s "
                "FOR UPDATE SKIP LOCKED",
                [str(waiting.pk)],
            )
            assert len(cursor.fetchall()) == 1
    finally:
        other.close()
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    run_worker()
    assert len(receiver.acknowledged) == 2


def test_the_sweep_re_enqueues_a_row_whose_task_was_lost(contact_form, team, receiver):
    notify_rule(contact_form, team, webhook_url=f"{receiver.url}/ok")
    capture(contact_form)
    DBTaskResult.objects.all().delete()  # the task backend lost it

    assert outbox_sweep(now=timezone.now() + timedelta(minutes=5)) == 1
    run_worker()
    assert Notification.objects.get().status == "delivered"
    assert len(receiver.acknowledged) == 1


def test_a_worker_killed_mid_delivery_delivers_exactly_once_after_the_sweep(
    contact_form, team, receiver
):
    notify_rule(contact_form, team, webhook_url=f"{receiver.url}/hang-first")
    capture(contact_form)
    root = Path(settings.BASE_DIR)
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-startup-delay", "--interval", "0.1"],
        cwd=root,
        env={
            **os.environ,
            "DATABASE_URL": database_url(),
            "FORMSCORE_TASKS": "database",
            "FORMSCORE_OUTGOING_ALLOW_PRIVATE": "true",  # the receiver is on 127.0.0.1
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert receiver.first_arrived.wait(30), "the worker never started delivering"
        worker.send_signal(signal.SIGKILL)  # killed mid-delivery: no cleanup runs
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    receiver.release.set()

    row = Notification.objects.get()
    assert (row.status, row.attempts) == ("sending", 1)
    assert outbox_sweep() == 0  # its lease has not expired yet: a live worker may still be on it
    Notification.objects.update(lease_expires_at=timezone.now() - timedelta(seconds=1))  # later…
    assert outbox_sweep() == 1
    run_worker()

    row.refresh_from_db()
    assert (row.status, row.attempts) == ("delivered", 2)
    assert len(receiver.acknowledged) == 1
    delivery_ids = {r.headers["X-Formscore-Delivery"] for r in receiver.received}
    assert delivery_ids == {str(row.delivery_id)}  # a receiver can de-duplicate on it
    run_worker()
    assert len(receiver.acknowledged) == 1
    json.dumps(receiver.acknowledged[0].json())

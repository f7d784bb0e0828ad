"""Webhook endpoints, signed the Standard Webhooks way: real deliveries to a real local receiver,
verified by the `standardwebhooks` reference library; rotation; disabling and enabling; the log."""

import base64
import os
import select
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from forms_app.capture.submit import lead_capture
from forms_app.models import Lead, Notification, RoutingRule, WebhookEndpoint
from forms_app.sales.outbox import notification_resend
from forms_app.sales.signatures import legacy_signature_verify
from tests.helpers.answers import CONTACT_ANSWERS
from tests.helpers.rules import notify_rule
from tests.helpers.webhooks import endpoint_at
from tests.helpers.worker import run_worker

pytestmark = pytest.mark.django_db(transaction=True)  # the task worker reads what the test wrote


def crm_rule(form, team, url: str) -> RoutingRule:
    return notify_rule(form, team, webhook_url=url, name="CRM")


def capture(form, name: str = "Ada Lovelace") -> Lead:
    answers = {**CONTACT_ANSWERS, "full_name": name}
    return lead_capture(form=form, answers=answers, capture={}).lead


def library_verifies(secret: str, received) -> dict:
    """What a receiver using the reference library does with the raw body and the headers."""
    return Webhook(secret).verify(received.body, received.headers)


@pytest.fixture
def disable_after_two(fast_retries):
    fast_retries.FORMSCORE_WEBHOOK_DISABLE_AFTER_FAILURES = 2
    return fast_retries


# --- real deliveries ------------------------------------------------------------------------------


def test_a_delivered_webhook_verifies_with_the_standard_webhooks_library(
    contact_form, team, receiver
):
    rule = crm_rule(contact_form, team, f"{receiver.url}/crm")
    lead = capture(contact_form)
    run_worker()

    received = receiver.acknowledged[0]
    secret = rule.webhook_endpoint.secret
    assert secret.startswith("whsec_")
    payload = library_verifies(secret, received)
    assert set(payload) == {"type", "timestamp", "data"}
    assert payload["type"] == "lead.created"
    assert payload["data"]["lead"]["id"] == str(lead.public_id)
    assert payload["data"]["assigned_to"]["display_name"] == "Sam Seller"
    row = Notification.objects.get()
    assert received.headers["webhook-id"] == f"msg_{row.delivery_id.hex}"
    assert abs(int(received.headers["webhook-timestamp"]) - time.time()) < 30
    with pytest.raises(WebhookVerificationError):
        library_verifies("whsec_" + base64.b64encode(b"not the secret").decode(), received)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(received.body + b" ", received.headers)
    # For one more release the old headers come along, from the same secret.
    assert received.headers["X-Formscore-Delivery"] == str(row.delivery_id)
    assert received.headers["X-Formscore-Event"] == "lead.created"
    assert legacy_signature_verify(
        secret=secret, body=received.body, header=received.headers["X-Formscore-Signature"]
    )
    assert (row.status, row.response_status) == ("delivered", 200)
    assert row.response_ms is not None and row.response_ms < 5000
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.last_success_at is not None and endpoint.consecutive_failures == 0


def test_every_attempt_of_a_message_carries_the_same_webhook_id(
    contact_form, team, receiver, fast_retries
):
    rule = crm_rule(contact_form, team, f"{receiver.url}/flaky")
    capture(contact_form)
    run_worker()
    row = Notification.objects.get()
    assert row.status == "failed" and len(receiver.received) == 3

    receiver.flaky_failing = False
    notification_resend(notification=row, actor=None)
    run_worker()

    assert {r.headers["webhook-id"] for r in receiver.received} == {f"msg_{row.delivery_id.hex}"}
    library_verifies(rule.webhook_endpoint.secret, receiver.acknowledged[0])


# --- rotation -------------------------------------------------------------------------------------


def test_during_the_grace_period_both_secrets_sign_and_receivers_holding_either_verify(
    client, marketer, contact_form, team, receiver
):
    rule = crm_rule(contact_form, team, f"{receiver.url}/crm")
    endpoint = rule.webhook_endpoint
    old_secret = endpoint.secret
    client.force_login(marketer)

    response = client.post(f"/app/webhooks/{endpoint.pk}/rotate/", follow=True)
    endpoint.refresh_from_db()
    new_secret = endpoint.secret
    assert new_secret != old_secret and new_secret.startswith("whsec_")
    assert new_secret in response.content.decode()  # shown once…
    assert new_secret not in client.get(f"/app/webhooks/{endpoint.pk}/").content.decode()
    assert endpoint.previous_secret == old_secret
    grace = endpoint.previous_secret_expires_at - timezone.now()
    assert timedelta(hours=23, minutes=59) < grace <= timedelta(hours=24)

    capture(contact_form)
    run_worker()
    during = receiver.acknowledged[-1]
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    assert library_verifies(old_secret, during)["type"] == "lead.created"
    assert library_verifies(new_secret, during)["type"] == "lead.created"

    WebhookEndpoint.objects.update(previous_secret_expires_at=timezone.now())  # a day later…
    capture(contact_form, name="Grace Hopper")
    run_worker()
    after = receiver.acknowledged[-1]
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    assert library_verifies(new_secret, after)["data"]["lead"]["name"] == "Grace Hopper"
    with pytest.raises(WebhookVerificationError):
        library_verifies(old_secret, after)


def test_the_grace_period_is_a_setting(client, marketer, contact_form, team, receiver, settings):
    settings.FORMSCORE_WEBHOOK_ROTATION_GRACE_HOURS = 2
    endpoint = crm_rule(contact_form, team, f"{receiver.url}/crm").webhook_endpoint
    client.force_login(marketer)
    client.post(f"/app/webhooks/{endpoint.pk}/rotate/")

    endpoint.refresh_from_db()
    grace = endpoint.previous_secret_expires_at - timezone.now()
    assert timedelta(hours=1, minutes=59) < grace <= timedelta(hours=2)


# --- disabling and enabling -------------------------------------------------------------------


def test_an_endpoint_that_keeps_failing_is_disabled_and_marketers_are_told_once(
    contact_form, team, receiver, marketer, disable_after_two
):
    endpoint = crm_rule(contact_form, team, f"{receiver.url}/flaky").webhook_endpoint
    capture(contact_form)
    capture(contact_form, name="Grace Hopper")
    run_worker()

    endpoint.refresh_from_db()
    assert endpoint.state == "disabled"
    assert endpoint.consecutive_failures == 2
    assert "2 failed attempts in a row; the last: HTTP 500" in endpoint.disabled_reason
    assert len(receiver.received) == 2  # attempts stop at the threshold
    webhooks = Notification.objects.filter(channel="webhook")
    assert set(webhooks.values_list("status", flat=True)) == {"held"}
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["morgan@example.com"]
    assert "“CRM” was disabled" in mail.outbox[0].subject
    assert f"/app/webhooks/{endpoint.pk}/" in mail.outbox[0].body
    told = Notification.objects.get(channel="email")
    assert (told.lead, told.endpoint, told.status) == (None, endpoint, "delivered")

    capture(contact_form, name="Katherine Johnson")  # arrives while disabled: it waits
    run_worker()
    assert webhooks.filter(status="held").count() == 3
    assert len(receiver.received) == 2
    assert len(mail.outbox) == 1


def test_enabling_sends_what_waited_and_a_new_failure_streak_is_told_again(
    client, contact_form, team, receiver, marketer, disable_after_two
):
    rule = crm_rule(contact_form, team, f"{receiver.url}/flaky")
    endpoint = rule.webhook_endpoint
    for name in ("Ada Lovelace", "Grace Hopper", "Alan Turing"):
        capture(contact_form, name=name)
    run_worker()
    assert Notification.objects.filter(channel="webhook", status="held").count() == 3
    client.force_login(marketer)
    page = client.get(f"/app/webhooks/{endpoint.pk}/").content.decode()
    assert "Enable and send 3 waiting" in page

    client.post(f"/app/webhooks/{endpoint.pk}/enable/")  # the receiver still fails: disabled again
    run_worker()
    endpoint.refresh_from_db()
    assert endpoint.state == "disabled"
    assert len(mail.outbox) == 2  # one e-mail per time it is disabled

    receiver.flaky_failing = False
    response = client.post(f"/app/webhooks/{endpoint.pk}/enable/", follow=True)
    assert "3 waiting deliveries are being sent" in response.content.decode()
    run_worker()

    endpoint.refresh_from_db()
    assert (endpoint.state, endpoint.consecutive_failures) == ("active", 0)
    assert endpoint.last_success_at is not None
    webhooks = Notification.objects.filter(channel="webhook")
    assert set(webhooks.values_list("status", flat=True)) == {"delivered"}
    names = {
        library_verifies(endpoint.secret, r)["data"]["lead"]["name"] for r in receiver.acknowledged
    }
    assert names == {"Ada Lovelace", "Grace Hopper", "Alan Turing"}


def test_a_marketer_disables_an_endpoint_by_hand_and_nobody_is_mailed(
    client, contact_form, team, receiver, marketer
):
    endpoint = crm_rule(contact_form, team, f"{receiver.url}/ok").webhook_endpoint
    client.force_login(marketer)
    client.post(f"/app/webhooks/{endpoint.pk}/disable/")
    capture(contact_form)
    run_worker()

    endpoint.refresh_from_db()
    assert endpoint.state == "disabled"
    assert endpoint.disabled_reason == "Disabled by Morgan Marketer"
    assert Notification.objects.get().status == "held"
    assert receiver.received == [] and mail.outbox == []

    client.post(f"/app/webhooks/{endpoint.pk}/enable/")
    run_worker()
    assert Notification.objects.get().status == "delivered"
    library_verifies(endpoint.secret, receiver.acknowledged[0])


# --- the workspace ----------------------------------------------------------------------------


def test_the_delivery_log_shows_each_attempt_in_words_and_sends_a_failed_one_again(
    client, contact_form, team, receiver, marketer, fast_retries
):
    endpoint = crm_rule(contact_form, team, f"{receiver.url}/flaky").webhook_endpoint
    capture(contact_form)
    run_worker()
    row = Notification.objects.get()
    client.force_login(marketer)

    page = client.get(f"/app/webhooks/{endpoint.pk}/").content.decode()
    assert "Delivery log" in page and "lead.created" in page
    assert "Failed" in page and "HTTP 500" in page and " ms" in page
    assert "Send again" in page
    listing = client.get("/app/webhooks/").content.decode()
    assert "CRM" in listing and "Active" in listing

    receiver.flaky_failing = False
    response = client.post(
        f"/app/webhooks/{endpoint.pk}/deliveries/{row.pk}/resend/", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "Waiting" in response.content.decode()
    run_worker()

    page = client.get(f"/app/webhooks/{endpoint.pk}/").content.decode()
    assert "Delivered" in page and "HTTP 200" in page and "Send again" not in page
    row.refresh_from_db()
    assert (row.status, row.response_status) == ("delivered", 200)


def test_endpoint_pages_are_for_marketers_only(client, sam, contact_form, team, receiver):
    endpoint = crm_rule(contact_form, team, f"{receiver.url}/ok").webhook_endpoint
    pages = ["/app/webhooks/", "/app/webhooks/new/", f"/app/webhooks/{endpoint.pk}/"]
    actions = [
        f"/app/webhooks/{endpoint.pk}/{action}/" for action in ("rotate", "disable", "enable")
    ]

    for path in pages:
        assert client.get(path).status_code == 302  # to the login page
    client.force_login(sam)
    for path in pages:
        assert client.get(path).status_code == 403
    for path in actions:
        assert client.post(path).status_code == 403
    endpoint.refresh_from_db()
    assert endpoint.state == "active" and not endpoint.previous_secret


def test_a_marketer_creates_an_endpoint_and_sees_its_secret_once(client, marketer):
    client.force_login(marketer)
    response = client.post(
        "/app/webhooks/new/", {"url": "https://crm.example.com/hooks/formscore"}, follow=True
    )

    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.name == "crm.example.com"
    assert endpoint.secret in response.content.decode()
    assert endpoint.secret not in client.get(f"/app/webhooks/{endpoint.pk}/").content.decode()


def test_a_private_endpoint_url_is_refused_in_words(client, marketer, settings):
    settings.FORMSCORE_OUTGOING_ALLOW_PRIVATE = False
    client.force_login(marketer)
    response = client.post("/app/webhooks/new/", {"url": "http://10.0.0.8/hook"})

    assert response.status_code == 422
    assert "Refused: private address." in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_a_routing_rule_picks_an_endpoint_or_creates_one_from_a_url(
    client, marketer, contact_form, team
):
    crm = endpoint_at("https://crm.example.com/hook")
    client.force_login(marketer)
    rule_page = client.get("/app/forms/contact/routing/new/").content.decode()
    assert f'<option value="{crm.pk}">CRM</option>' in rule_page
    base = {"name": "Hot to the CRM", "action": "round_robin", "team": team.pk}

    client.post("/app/forms/contact/routing/new/", {**base, "webhook_endpoint": crm.pk})
    assert RoutingRule.objects.get().webhook_endpoint == crm
    assert "webhook to" in client.get("/app/forms/contact/routing/").content.decode()

    both = client.post(
        "/app/forms/contact/routing/new/",
        {**base, "webhook_endpoint": crm.pk, "webhook_url": "https://other.example/hook"},
    )
    assert both.status_code == 422
    assert "Choose an endpoint or give a new URL, not both." in both.content.decode()

    response = client.post(
        "/app/forms/contact/routing/new/",
        {**base, "name": "Hot to the ERP", "webhook_url": "https://erp.example.com/in"},
        follow=True,
    )
    erp = WebhookEndpoint.objects.get(url="https://erp.example.com/in")
    assert RoutingRule.objects.get(name="Hot to the ERP").webhook_endpoint == erp
    assert erp.secret in response.content.decode()  # landed on its page, secret shown once


# --- the development receiver ---------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_manage_py_webhook_receiver_verifies_the_standard_signature(contact_form, team):
    port = _free_port()
    rule = crm_rule(contact_form, team, f"http://127.0.0.1:{port}/")
    receiver = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "webhook_receiver",
            "--port",
            str(port),
            "--secret",
            rule.webhook_endpoint.secret,
        ],
        cwd=Path(settings.BASE_DIR),
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        text=True,
    )

    def next_line() -> str:
        ready, _, _ = select.select([receiver.stdout], [], [], 30)
        assert ready, "the receiver said nothing for 30 s"
        return receiver.stdout.readline()

    try:
        assert "Receiving webhooks" in next_line()
        capture(contact_form)
        run_worker()
        line = next_line()
    finally:
        receiver.terminate()
        receiver.wait(10)

    assert "lead.created: Ada Lovelace" in line
    assert line.strip().endswith("signature verified")
    assert Notification.objects.get().status == "delivered"

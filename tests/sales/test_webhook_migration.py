"""The migration that moved the rules' webhook URLs and secrets into endpoints, both ways."""

import hashlib
import hmac
import time
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from standardwebhooks import Webhook

from forms_app.models import Form, Lead, Notification, RoutingRule, WebhookEndpoint
from forms_app.sales.signatures import secret_key
from tests.helpers.worker import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("forms_app", "0003_embed_spam_and_sales_loop")]
AFTER = [("forms_app", "0006_webhook_endpoints_drop_rule_fields")]
OLD_SECRET = "Jq3r0dJ9c8rZ0y1Kx0mS2oVnGm5t5yq2m8cYwG4a1s8"  # token_urlsafe(32), as rules had
OTHER_SECRET = "another-rules-secret"
CREATED = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def latest() -> list:
    """Every app's newest migration: where the test database must be left for the next test."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def migrate(targets) -> object:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def old_body(lead_id: str) -> dict:
    return {
        "event": "lead.created",
        "lead": {"id": lead_id, "name": "Ada Lovelace"},
        "assigned_to": None,
    }


def old_verify(secret: str, body: bytes, header: str) -> bool:
    """The sample a CRM copied from docs/sales-loop.md before endpoints existed."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), parts["v1"])


def test_rules_webhooks_become_endpoints_and_old_receivers_keep_verifying(receiver):
    form = Form.objects.create(name="Contact", slug="contact")
    lead = Lead.objects.create(form=form, created_at=timezone.now())
    crm = f"{receiver.url}/crm"
    try:
        apps = migrate(BEFORE)
        rule_model = apps.get_model("forms_app", "RoutingRule")
        row_model = apps.get_model("forms_app", "Notification")
        shared = {"form_id": form.pk, "action": "notify_only"}
        first = rule_model.objects.create(
            name="Hot", notify_webhook_url=crm, webhook_secret=OLD_SECRET, **shared
        )
        same = rule_model.objects.create(
            name="Warm", notify_webhook_url=crm, webhook_secret=OLD_SECRET, **shared
        )
        other = rule_model.objects.create(
            name="Other", notify_webhook_url=crm, webhook_secret=OTHER_SECRET, **shared
        )
        plain = rule_model.objects.create(name="Slack only", webhook_secret="unused", **shared)
        row = {"lead_id": lead.pk, "channel": "webhook", "next_attempt_at": CREATED}
        waiting = row_model.objects.create(
            destination=crm,
            signing_secret=OLD_SECRET,
            payload=old_body(str(lead.public_id)),
            **row,
        )
        sent = row_model.objects.create(
            destination=crm,
            signing_secret=OLD_SECRET,
            status="delivered",
            payload={"event": "x"},
            **row,
        )
        orphan_failed = row_model.objects.create(
            destination="https://old-crm.example/hook",
            signing_secret="s3cret",
            status="failed",
            payload=old_body(str(lead.public_id)),
            **row,
        )
        orphan_sent = row_model.objects.create(
            destination="https://older.example/hook",
            signing_secret="gone",
            status="delivered",
            payload={"event": "lead.created"},
            **row,
        )

        migrate(AFTER)
    finally:
        migrate(latest())

    assert WebhookEndpoint.objects.count() == 3
    endpoint = RoutingRule.objects.get(pk=first.pk).webhook_endpoint
    assert RoutingRule.objects.get(pk=same.pk).webhook_endpoint == endpoint
    assert RoutingRule.objects.get(pk=other.pk).webhook_endpoint != endpoint
    assert RoutingRule.objects.get(pk=plain.pk).webhook_endpoint is None
    assert (endpoint.name, endpoint.url, endpoint.state) == ("127.0.0.1", crm, "active")
    assert RoutingRule.objects.get(pk=other.pk).webhook_endpoint.name == "127.0.0.1 (2)"
    assert endpoint.secret.startswith("whsec_")
    assert secret_key(endpoint.secret) == OLD_SECRET.encode()  # the same key, re-issued
    assert Notification.objects.get(pk=sent.pk).endpoint == endpoint
    assert Notification.objects.get(pk=sent.pk).payload == {"event": "x"}  # as it was sent
    failed_endpoint = Notification.objects.get(pk=orphan_failed.pk).endpoint
    assert failed_endpoint.url == "https://old-crm.example/hook"  # it can still be sent again
    assert Notification.objects.get(pk=orphan_sent.pk).endpoint is None
    moved = Notification.objects.get(pk=waiting.pk)
    assert moved.endpoint == endpoint
    assert moved.payload == {
        "type": "lead.created",
        "timestamp": moved.created_at.isoformat().replace("+00:00", "Z"),
        "data": {"lead": {"id": str(lead.public_id), "name": "Ada Lovelace"}, "assigned_to": None},
    }

    Notification.objects.filter(pk=waiting.pk).update(next_attempt_at=timezone.now())
    from forms_app.sales.outbox import notifications_enqueue

    notifications_enqueue(ids=[waiting.pk])
    run_worker()
    received = receiver.acknowledged[0]
    assert old_verify(OLD_SECRET, received.body, received.headers["X-Formscore-Signature"])
    assert Webhook(endpoint.secret).verify(received.body, received.headers)["type"] == (
        "lead.created"
    )
    assert abs(int(received.headers["webhook-timestamp"]) - time.time()) < 30


def test_the_migration_runs_backwards_to_urls_and_secrets_on_rules():
    form = Form.objects.create(name="Contact", slug="contact")
    lead = Lead.objects.create(form=form, created_at=timezone.now())
    migrated = WebhookEndpoint.objects.create(
        name="CRM",
        url="https://crm.example/hook",
        secret="whsec_" + "czNjcmV0",  # "s3cret"
    )
    rule = RoutingRule.objects.create(form=form, name="Hot", webhook_endpoint=migrated)
    bare = RoutingRule.objects.create(form=form, name="Slack only")
    Notification.objects.create(
        lead=lead,
        endpoint=migrated,
        channel="webhook",
        destination=migrated.url,
        status="held",
        payload={"type": "lead.created", "timestamp": "…", "data": {"lead": {"id": "x"}}},
        next_attempt_at=timezone.now(),
    )
    Notification.objects.create(
        endpoint=migrated,
        channel="email",
        destination="morgan@example.com",
        payload={"subject": "Disabled", "body": "…"},
        next_attempt_at=timezone.now(),
    )
    try:
        apps = migrate(BEFORE)
        rule_model = apps.get_model("forms_app", "RoutingRule")
        row_model = apps.get_model("forms_app", "Notification")
        old_rule = rule_model.objects.get(pk=rule.pk)
        assert (old_rule.notify_webhook_url, old_rule.webhook_secret) == (migrated.url, "s3cret")
        assert rule_model.objects.get(pk=bare.pk).notify_webhook_url == ""
        row = row_model.objects.get()  # the e-mail about the endpoint had no lead: gone
        assert (row.status, row.signing_secret) == ("pending", "s3cret")
        assert row.payload == {"event": "lead.created", "lead": {"id": "x"}}
    finally:
        migrate(latest())

# Existing webhooks become endpoints: one per distinct (URL, secret) pair of the routing rules,
# and one per pair that only rows still to be delivered carry. Each secret is re-issued in the
# Standard Webhooks form as "whsec_" + base64(the old secret's bytes): the key bytes stay the same,
# so a receiver that verifies the old X-Formscore-Signature with its old secret keeps working while
# it moves to the new headers. Outbox rows point at their endpoint; rows still to be sent get the
# new body ({type, timestamp, data}); delivered rows keep the body they were sent with.
#
# Backwards: the rules get their URL and secret again (the old secret is the decoded key), rows
# about no lead (e-mails about an endpoint) are deleted, held rows wait as pending again.

import base64
import binascii
import secrets
from urllib.parse import urlsplit

from django.db import migrations

PREFIX = "whsec_"
UNFINISHED = ("pending", "sending", "failed")


def _whsec(legacy_secret):
    return PREFIX + base64.b64encode(legacy_secret.encode()).decode()


def _legacy(secret):
    """The secret the old scheme keyed its HMAC with: the whsec_ key bytes, as text."""
    try:
        return base64.b64decode(secret.removeprefix(PREFIX), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return secret  # a fresh binary key has no text form; receivers need the new secret


def _name(url, taken):
    base = (urlsplit(url).hostname or "Webhook")[:100]
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base} ({n})"
    taken.add(name)
    return name


def _standard_body(payload, created_at):
    if "type" in payload and "data" in payload:
        return payload
    data = {key: value for key, value in payload.items() if key != "event"}
    return {
        "type": payload.get("event", "lead.created"),
        "timestamp": created_at.isoformat().replace("+00:00", "Z"),
        "data": data,
    }


def _old_body(payload):
    if "type" not in payload or "data" not in payload:
        return payload
    return {"event": payload["type"], **payload["data"]}


def endpoints_from_rules(apps, schema_editor):
    RoutingRule = apps.get_model("forms_app", "RoutingRule")
    Notification = apps.get_model("forms_app", "Notification")
    WebhookEndpoint = apps.get_model("forms_app", "WebhookEndpoint")
    endpoints, taken = {}, set()

    def endpoint_for(url, legacy_secret):
        key = (url, legacy_secret)
        if key not in endpoints:
            endpoints[key] = WebhookEndpoint.objects.create(
                name=_name(url, taken), url=url, secret=_whsec(legacy_secret)
            )
        return endpoints[key]

    for rule in RoutingRule.objects.exclude(notify_webhook_url="").order_by("pk"):
        rule.webhook_endpoint = endpoint_for(rule.notify_webhook_url, rule.webhook_secret)
        rule.save(update_fields=["webhook_endpoint"])
    webhooks = Notification.objects.filter(channel="webhook")
    unsent_pairs = (
        webhooks.filter(status__in=UNFINISHED)
        .exclude(signing_secret="")
        .values_list("destination", "signing_secret")
        .distinct()
    )
    for url, legacy_secret in sorted(set(unsent_pairs)):
        endpoint_for(url, legacy_secret)
    for (url, legacy_secret), endpoint in endpoints.items():
        webhooks.filter(destination=url, signing_secret=legacy_secret).update(endpoint=endpoint)
    for row in list(webhooks.filter(status__in=UNFINISHED)):  # few; not iterated while written
        row.payload = _standard_body(row.payload, row.created_at)
        row.save(update_fields=["payload"])


def rules_from_endpoints(apps, schema_editor):
    RoutingRule = apps.get_model("forms_app", "RoutingRule")
    Notification = apps.get_model("forms_app", "Notification")
    WebhookEndpoint = apps.get_model("forms_app", "WebhookEndpoint")
    Notification.objects.filter(lead__isnull=True).delete()
    Notification.objects.filter(status="held").update(status="pending")
    for rule in RoutingRule.objects.select_related("webhook_endpoint"):
        endpoint = rule.webhook_endpoint
        rule.notify_webhook_url = endpoint.url if endpoint else ""
        rule.webhook_secret = _legacy(endpoint.secret) if endpoint else secrets.token_urlsafe(32)
        rule.save(update_fields=["notify_webhook_url", "webhook_secret"])
    for endpoint in WebhookEndpoint.objects.all():
        Notification.objects.filter(endpoint=endpoint).update(
            signing_secret=_legacy(endpoint.secret)
        )
    webhooks = Notification.objects.filter(channel="webhook", status__in=UNFINISHED)
    for row in list(webhooks):
        row.payload = _old_body(row.payload)
        row.save(update_fields=["payload"])


class Migration(migrations.Migration):

    dependencies = [
        ('forms_app', '0004_webhook_endpoints'),
    ]

    operations = [
        migrations.RunPython(endpoints_from_rules, rules_from_endpoints),
    ]

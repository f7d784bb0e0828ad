"""Webhook endpoints for tests: where a rule's CRM webhook goes."""

from forms_app.models import WebhookEndpoint


def endpoint_at(url: str, *, name: str = "CRM") -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(name=name, url=url)

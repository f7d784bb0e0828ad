"""Webhook endpoints: created and edited by marketers, their secret rotated, disabled and enabled
again (which releases the deliveries that waited), and their delivery log.

Delivery itself, the failure count and the automatic disabling live in forms_app/sales/outbox.py.
"""

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from forms_app.models import Notification, RoutingRule, WebhookEndpoint
from forms_app.models.sales import webhook_secret_new
from forms_app.sales.outbox import WAITING, notifications_enqueue
from forms_app.sales.reps import user_display_name


def rotation_grace() -> timedelta:
    return timedelta(hours=settings.FORMSCORE_WEBHOOK_ROTATION_GRACE_HOURS)


def webhook_endpoint_name_for(url: str) -> str:
    """A name for an endpoint made from a URL alone: its host, numbered if the name is taken."""
    base = (urlsplit(url).hostname or "Webhook")[:100]
    taken = set(
        WebhookEndpoint.objects.filter(name__startswith=base).values_list("name", flat=True)
    )
    name, number = base, 1
    while name in taken:
        number += 1
        name = f"{base} ({number})"
    return name


def webhook_endpoint_create(*, url: str, name: str = "") -> WebhookEndpoint:
    """A new active endpoint with a fresh whsec_ secret; check the URL with outgoing_url_check."""
    return WebhookEndpoint.objects.create(name=name or webhook_endpoint_name_for(url), url=url)


def webhook_endpoint_update(*, endpoint: WebhookEndpoint, name: str, url: str) -> WebhookEndpoint:
    """Rows still waiting go to the new URL: a row is sent wherever its endpoint points then."""
    endpoint.name, endpoint.url = name, url
    endpoint.save(update_fields=["name", "url"])
    return endpoint


def webhook_endpoint_secret_rotate(*, endpoint: WebhookEndpoint) -> str:
    """Issue a new secret; the one it replaces keeps signing beside it for the grace period.

    Rotating again during a grace period drops the oldest secret: two sign at most.
    """
    with transaction.atomic():
        # Race: two rotations at once would both keep the same "previous" secret and one new
        # secret would be lost before anyone saw it; the second waits and replaces the first.
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_secret_expires_at = timezone.now() + rotation_grace()
        endpoint.secret = webhook_secret_new()
        endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
    return endpoint.secret


def webhook_endpoint_disable(*, endpoint: WebhookEndpoint, actor) -> bool:
    """Stop calling the endpoint: its rows wait as held until it is enabled. False if it was."""
    return bool(
        WebhookEndpoint.objects.filter(pk=endpoint.pk, state=WebhookEndpoint.State.ACTIVE).update(
            state=WebhookEndpoint.State.DISABLED,
            disabled_at=timezone.now(),
            disabled_reason=f"Disabled by {user_display_name(actor)}"[:300],
        )
    )


def webhook_endpoint_enable(*, endpoint: WebhookEndpoint) -> int:
    """Call the endpoint again from a clean count and send what waited; returns how many rows."""
    now = timezone.now()
    with transaction.atomic():
        # Race: a worker holding a row takes this lock to read the state (outbox._hold): it either
        # holds the row before this releases held rows, or sees the endpoint active and sends it.
        WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            state=WebhookEndpoint.State.ACTIVE,
            consecutive_failures=0,
            disabled_at=None,
            disabled_reason="",
        )
        held = list(
            Notification.objects.filter(
                endpoint=endpoint, status=Notification.Status.HELD
            ).values_list("pk", flat=True)
        )
        # A fresh set of attempts: the receiver was fixed, the rows did not fail on their own.
        Notification.objects.filter(pk__in=held, status=Notification.Status.HELD).update(
            status=Notification.Status.PENDING,
            attempts=0,
            next_attempt_at=now,
            last_error="",
            response_status=None,
            response_ms=None,
        )
        if held:
            transaction.on_commit(lambda: notifications_enqueue(ids=held))
    endpoint.refresh_from_db()
    return len(held)


def webhook_endpoints_overview() -> QuerySet[WebhookEndpoint]:
    """Every endpoint with the number of rules using it and of deliveries waiting or failed."""
    webhook = Q(notifications__channel=Notification.Channel.WEBHOOK)
    return WebhookEndpoint.objects.annotate(
        rule_count=Count("rules", distinct=True),
        waiting_count=Count(
            "notifications", filter=webhook & Q(notifications__status__in=WAITING), distinct=True
        ),
        failed_count=Count(
            "notifications",
            filter=webhook & Q(notifications__status=Notification.Status.FAILED),
            distinct=True,
        ),
    ).order_by("name", "id")


def webhook_endpoint_deliveries(*, endpoint: WebhookEndpoint) -> QuerySet[Notification]:
    """The endpoint's delivery log, newest first."""
    return (
        Notification.objects.filter(endpoint=endpoint, channel=Notification.Channel.WEBHOOK)
        .select_related("lead", "lead__form")
        .order_by("-created_at", "-id")
    )


def webhook_endpoint_rules(*, endpoint: WebhookEndpoint) -> QuerySet[RoutingRule]:
    """The routing rules that send to the endpoint, by form."""
    return endpoint.rules.select_related("form").order_by("form__name", "position", "id")


def webhook_endpoint_held_count(*, endpoint: WebhookEndpoint) -> int:
    return Notification.objects.filter(endpoint=endpoint, status=Notification.Status.HELD).count()

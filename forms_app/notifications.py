"""The outbox: notification rows written with the lead, delivered by a task, never dropped.

A row moves pending → sending → delivered, or back to pending with exponential backoff after a
failure, and to failed after the last attempt (a person can send it again). A worker claims a row
with a conditional UPDATE: zero rows updated means another worker has it. A worker that dies while
sending leaves the row "sending" with an expired lease; the sweep puts it back to pending.

Delivery is at least once: a receiver that acknowledged a request the worker never saw answered gets
it again, so every request carries the row's delivery id for de-duplication.

Webhook signature: header ``X-Formscore-Signature: t=<unix seconds>,v1=<hex>`` where hex is
HMAC-SHA256(secret, f"{t}.{raw body}"). See docs/sales-loop.md for a verification sample.
"""

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from forms_app.models import Lead, LeadEvent, Notification, RoutingRule

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Formscore-Signature"
DELIVERY_HEADER = "X-Formscore-Delivery"
EVENT_HEADER = "X-Formscore-Event"


def _setting(name: str, default: float) -> float:
    return getattr(settings, name, default)


def max_attempts() -> int:
    return int(_setting("FORMSCORE_OUTBOX_MAX_ATTEMPTS", 6))


def backoff_seconds(attempts: int) -> float:
    """Wait after the n-th failed attempt: base · 2^(n−1), capped at an hour."""
    base = _setting("FORMSCORE_OUTBOX_BACKOFF_SECONDS", 30)
    return min(base * 2 ** max(attempts - 1, 0), 3600)


def request_timeout() -> float:
    return _setting("FORMSCORE_OUTBOX_TIMEOUT_SECONDS", 10)


def lease_seconds() -> float:
    # Longer than any request can take, so a live worker never loses its row to the sweep.
    return max(_setting("FORMSCORE_OUTBOX_LEASE_SECONDS", 120), 2 * request_timeout() + 10)


# ---------------------------------------------------------------------------------------------
# What a lead looks like in a message


@dataclass(frozen=True)
class LeadContact:
    name: str
    company: str
    email: str


def lead_contact(lead: Lead) -> LeadContact:
    """Name, company and e-mail from the answers, whatever the form calls those questions."""
    answers = {key: value for key, value in (lead.answers or {}).items() if isinstance(value, str)}
    name = answers.get("full_name") or answers.get("name") or ""
    if not name:
        name = " ".join(answers[k] for k in ("first_name", "last_name") if answers.get(k)).strip()
    if not name:
        name = next((v for k, v in answers.items() if k.endswith("name") and v), "")
    company = next(
        (
            answers[k]
            for k in ("company", "company_name", "organization", "organisation")
            if k in answers
        ),
        "",
    )
    email = next((v for k, v in answers.items() if "email" in k and "@" in v), "")
    return LeadContact(name=name.strip(), company=company.strip(), email=email.strip())


def lead_url(lead: Lead) -> str:
    return f"{settings.SITE_URL}/app/inbox/{lead.pk}/"


def _top_factors(lead: Lead, limit: int = 3) -> list[dict]:
    factors = [f for f in (lead.factors or []) if isinstance(f, dict)]
    return sorted(factors, key=lambda f: abs(f.get("impact") or 0), reverse=True)[:limit]


def slack_escape(text: str) -> str:
    """Slack's mrkdwn needs only these three escaped; answers are untrusted text."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_message(lead: Lead, assignee_name: str) -> dict:
    contact = lead_contact(lead)
    who = slack_escape(contact.name or contact.email or f"Lead {lead.pk}")
    company = f" at {slack_escape(contact.company)}" if contact.company else ""
    tier = lead.get_tier_display() or "Not scored"
    score = f"{lead.score}/100" if lead.score is not None else "no score"
    factors = "\n".join(
        f"• {slack_escape(f.get('label', f.get('feature', '')))}  {f.get('impact', 0):+.0f}"
        for f in _top_factors(lead)
    )
    lines = [
        f"*New lead: {who}{company}*",
        f"Score *{score}* · {slack_escape(tier)} · form {slack_escape(lead.form.name)}",
    ]
    if assignee_name:
        lines.append(f"Assigned to {slack_escape(assignee_name)}")
    if factors:
        lines.append(f"Top factors:\n{factors}")
    lines.append(f"<{lead_url(lead)}|Open the lead in formscore>")
    text = "\n".join(lines)
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


def webhook_payload(lead: Lead, assignee) -> dict:
    contact = lead_contact(lead)
    rep = getattr(assignee, "rep_profile", None) if assignee else None
    return {
        "event": "lead.created",
        "lead": {
            "id": str(lead.public_id),
            "url": lead_url(lead),
            "form": lead.form.slug,
            "created_at": lead.created_at.isoformat(),
            "name": contact.name,
            "company": contact.company,
            "email": contact.email,
            "answers": lead.answers,
            "capture": {k: v for k, v in (lead.capture or {}).items() if k != "ip"},
            "score": lead.score,
            "probability": lead.probability,
            "tier": lead.tier,
            "points_score": lead.points_score,
            "factors": _top_factors(lead, limit=5),
        },
        "assigned_to": (
            {
                "username": assignee.get_username(),
                "email": assignee.email,
                "display_name": rep.display_name if rep else assignee.get_full_name(),
            }
            if assignee
            else None
        ),
    }


def email_message(lead: Lead, assignee_name: str) -> dict:
    contact = lead_contact(lead)
    who = contact.name or contact.email or f"Lead {lead.pk}"
    score = f"{lead.score}/100" if lead.score is not None else "no score"
    factors = "\n".join(
        f"  {f.get('label', f.get('feature', ''))}  {f.get('impact', 0):+.0f}"
        for f in _top_factors(lead)
    )
    body = (
        f"{who}{' at ' + contact.company if contact.company else ''} submitted {lead.form.name}.\n"
        f"Score {score}, {lead.get_tier_display() or 'not scored'}.\n"
        + (f"Assigned to {assignee_name}.\n" if assignee_name else "")
        + (f"\nTop factors:\n{factors}\n" if factors else "")
        + f"\nOpen the lead: {lead_url(lead)}\n"
    )
    # Header injection is impossible (Django refuses newlines), but keep the subject to one line.
    subject = " ".join(f"New {lead.get_tier_display() or 'lead'}: {who}".split())[:150]
    return {"subject": subject, "body": body}


def notifications_for_rule(*, lead: Lead, rule: RoutingRule, assignee) -> list[Notification]:
    """Outbox rows for one matched rule; call inside the lead's transaction."""
    from forms_app.routing import user_display_name

    assignee_name = user_display_name(assignee) if assignee else ""
    now = timezone.now()
    rows = []
    if rule.notify_slack_url:
        rows.append(
            Notification(
                channel=Notification.Channel.SLACK,
                destination=rule.notify_slack_url,
                payload=slack_message(lead, assignee_name),
            )
        )
    if rule.notify_webhook_url:
        rows.append(
            Notification(
                channel=Notification.Channel.WEBHOOK,
                destination=rule.notify_webhook_url,
                signing_secret=rule.webhook_secret,
                payload=webhook_payload(lead, assignee),
            )
        )
    recipients = []
    for item in (rule.notify_emails or "").split(","):
        item = item.strip()
        if item == "rep":
            if assignee is not None and assignee.email:
                recipients.append(assignee.email)
        elif "@" in item:
            recipients.append(item)
    if recipients:
        rows.append(
            Notification(
                channel=Notification.Channel.EMAIL,
                destination=",".join(dict.fromkeys(recipients)),
                payload=email_message(lead, assignee_name),
            )
        )
    for row in rows:
        row.lead, row.rule, row.next_attempt_at = lead, rule, now
    created = Notification.objects.bulk_create(rows)
    if created:
        ids = [row.pk for row in created]
        transaction.on_commit(lambda: notifications_enqueue(ids=ids))
    return created


# ---------------------------------------------------------------------------------------------
# Delivery


def signature_header(*, secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def signature_verify(
    *, secret: str, body: bytes, header: str, tolerance: int = 300, now: float | None = None
) -> bool:
    """What a receiver does: recompute the HMAC and reject stale timestamps (replays)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance:
        return False
    expected = signature_header(secret=secret, body=body, timestamp=timestamp)
    return hmac.compare_digest(expected.encode(), header.encode())


class DeliveryError(Exception):
    pass


def _post_json(row: Notification) -> None:
    body = json.dumps(row.payload, separators=(",", ":"), ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "formscore",
        DELIVERY_HEADER: str(row.delivery_id),
    }
    if row.channel == Notification.Channel.WEBHOOK:
        headers[EVENT_HEADER] = str(row.payload.get("event", ""))
        headers[SIGNATURE_HEADER] = signature_header(
            secret=row.signing_secret, body=body, timestamp=int(time.time())
        )
    request = urllib.request.Request(row.destination, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=request_timeout()) as response:
            response.read(1024)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code} from {row.destination}") from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"{type(reason).__name__}: {reason}") from exc


def _send(row: Notification) -> None:
    if row.channel == Notification.Channel.EMAIL:
        try:
            send_mail(
                row.payload["subject"],
                row.payload["body"],
                None,
                row.destination.split(","),
                fail_silently=False,
            )
        except Exception as exc:  # any mail backend error is a failed attempt, retried later
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
        return
    _post_json(row)


def notification_deliver(*, notification_id: int) -> str:
    """One delivery attempt of one row; returns the row's status afterwards (or "skipped")."""
    now = timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id,
        status=Notification.Status.PENDING,
        next_attempt_at__lte=now,
    ).update(
        status=Notification.Status.SENDING,
        attempts=F("attempts") + 1,
        lease_expires_at=now + timedelta(seconds=lease_seconds()),
    )
    if not claimed:
        return "skipped"  # delivered, failed, not due yet, or another worker is sending it
    row = Notification.objects.select_related("lead").get(pk=notification_id)
    try:
        _send(row)
    except DeliveryError as exc:
        return _record_failure(row, str(exc))
    Notification.objects.filter(pk=row.pk, status=Notification.Status.SENDING).update(
        status=Notification.Status.DELIVERED,
        delivered_at=timezone.now(),
        lease_expires_at=None,
        last_error="",
    )
    LeadEvent.objects.create(
        lead=row.lead,
        kind=LeadEvent.Kind.NOTIFIED,
        message=f"Notified via {row.get_channel_display()}",
    )
    return Notification.Status.DELIVERED


def _record_failure(row: Notification, error: str) -> str:
    logger.warning("Notification %s attempt %s failed: %s", row.pk, row.attempts, error)
    if row.attempts >= max_attempts():
        Notification.objects.filter(pk=row.pk, status=Notification.Status.SENDING).update(
            status=Notification.Status.FAILED, lease_expires_at=None, last_error=error[:2000]
        )
        LeadEvent.objects.create(
            lead=row.lead,
            kind=LeadEvent.Kind.NOTIFICATION_FAILED,
            message=f"{row.get_channel_display()} notification failed after "
            f"{row.attempts} attempts: {error[:300]}",
        )
        return Notification.Status.FAILED
    retry_at = timezone.now() + timedelta(seconds=backoff_seconds(row.attempts))
    Notification.objects.filter(pk=row.pk, status=Notification.Status.SENDING).update(
        status=Notification.Status.PENDING,
        next_attempt_at=retry_at,
        lease_expires_at=None,
        last_error=error[:2000],
    )
    notifications_enqueue(ids=[row.pk], run_after=retry_at)
    return Notification.Status.PENDING


def notifications_enqueue(*, ids: list[int], run_after=None) -> None:
    """Hand rows to the task backend. A lost enqueue is harmless: the sweep finds the row."""
    from forms_app.tasks import deliver_notification

    task = deliver_notification.using(run_after=run_after) if run_after else deliver_notification
    for notification_id in ids:
        try:
            task.enqueue(notification_id)
        except Exception:
            logger.exception("Could not enqueue notification %s; the sweep will", notification_id)


def outbox_sweep(*, now=None, stale_after: timedelta = timedelta(minutes=2)) -> int:
    """Take back rows whose worker died mid-delivery and re-enqueue rows nobody is working on.

    Rows "sending" past their lease go back to pending; pending rows due for longer than
    stale_after (their task was lost, e.g. the backend was down at commit) are enqueued again.
    Re-enqueueing a row twice is harmless: only one claim can succeed.
    """
    now = now or timezone.now()
    expired = list(
        Notification.objects.filter(
            status=Notification.Status.SENDING, lease_expires_at__lt=now
        ).values_list("pk", flat=True)
    )
    taken_back = Notification.objects.filter(
        pk__in=expired, status=Notification.Status.SENDING, lease_expires_at__lt=now
    ).update(status=Notification.Status.PENDING, next_attempt_at=now, lease_expires_at=None)
    stale = list(
        Notification.objects.filter(
            status=Notification.Status.PENDING, next_attempt_at__lte=now - stale_after
        ).values_list("pk", flat=True)
    )
    ids = list(dict.fromkeys(expired + stale))
    if ids:
        notifications_enqueue(ids=ids)
    return taken_back + len(stale)


def notification_resend(*, notification: Notification, actor) -> Notification:
    """Send a failed notification again: a fresh set of attempts, delivered by the worker."""
    updated = Notification.objects.filter(
        pk=notification.pk, status=Notification.Status.FAILED
    ).update(
        status=Notification.Status.PENDING,
        attempts=0,
        next_attempt_at=timezone.now(),
        last_error="",
    )
    if updated:
        transaction.on_commit(lambda: notifications_enqueue(ids=[notification.pk]))
    notification.refresh_from_db()
    return notification


def outbox_summary() -> dict[str, int]:
    """How many rows are in each state, e.g. for a health check."""
    counts = dict.fromkeys(Notification.Status.values, 0)
    for row in Notification.objects.values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    return counts

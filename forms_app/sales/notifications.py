"""Notifications of a lead: what Slack, e-mail and a CRM webhook receive, and the outbox rows.

The webhook body follows the Standard Webhooks shape, {type, timestamp, data} (docs/webhooks.md);
the rule names a webhook endpoint, whose URL and secrets the outbox uses when it sends.

`notifications_for_rule` writes one outbox row per channel of a matched routing rule, inside the
lead's transaction; `forms_app.sales.outbox` delivers them.
"""

from django.conf import settings
from django.utils import timezone

from forms_app.models import Lead, Notification, RoutingRule, lead_contact
from forms_app.models.inserts import rows_insert
from forms_app.sales.outbox import notifications_enqueue_with_rows
from forms_app.sales.reps import user_display_name

# ---------------------------------------------------------------------------------------------
# What a lead looks like in a message


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
    """The Standard Webhooks body: {type, timestamp, data}; data is the lead and its rep."""
    contact = lead_contact(lead)
    rep = getattr(assignee, "rep_profile", None) if assignee else None
    data = {
        "lead": {
            "id": str(lead.public_id),
            "url": lead_url(lead),
            "form": lead.form.slug,
            "created_at": lead.created_at.isoformat(),
            "name": contact.name,
            "company": contact.company,
            "email": contact.email,
            "phone": contact.phone,
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
    return {
        "type": "lead.created",
        "timestamp": timezone.now().isoformat().replace("+00:00", "Z"),
        "data": data,
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
    endpoint = rule.webhook_endpoint  # selected with the rule (routing._decide)
    if endpoint is not None:
        rows.append(
            Notification(
                channel=Notification.Channel.WEBHOOK,
                endpoint=endpoint,
                destination=endpoint.url,  # where it was meant to go; sent to endpoint.url then
                payload=webhook_payload(lead, assignee),
                # Pending even if the endpoint is disabled now: the worker holds it under the
                # endpoint's lock, so an "Enable" committing meanwhile cannot miss it.
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
    rows_insert(rows)
    if rows:
        notifications_enqueue_with_rows(ids=[row.pk for row in rows])
    return rows

"""Small display helpers for the inbox: SLA state, relative times, scores."""

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html

from forms_app.sales.money import money_format

register = template.Library()


def _duration(seconds: float) -> str:
    minutes = int(abs(seconds) // 60)
    if minutes < 60:
        return f"{max(minutes, 1)} min"
    hours = minutes // 60
    if hours < 48:
        rest = minutes % 60
        return f"{hours} h {rest:02d} min" if hours < 10 and rest else f"{hours} h"
    return f"{hours // 24} days"


@register.simple_tag
def sla_badge(lead, now: datetime | None = None) -> str:
    """Time left to first contact, or how long it is overdue; nothing once contacted."""
    now = now or timezone.now()
    if lead.first_contacted_at or not lead.sla_due_at:
        return ""
    left = (lead.sla_due_at - now).total_seconds()
    exact = timezone.localtime(lead.sla_due_at).strftime("%Y-%m-%d %H:%M")
    if left < 0:
        return format_html(
            '<span class="sla sla-overdue" title="First contact was due {}">Overdue {}</span>',
            exact,
            _duration(left),
        )
    urgent = " sla-soon" if left < 15 * 60 else ""
    return format_html(
        '<span class="sla{}" title="First contact due {}">{} left</span>',
        urgent,
        exact,
        _duration(left),
    )


@register.simple_tag
def when(moment: datetime | None, now: datetime | None = None) -> str:
    """A relative time with the exact time on hover."""
    if moment is None:
        return ""
    now = now or timezone.now()
    seconds = (now - moment).total_seconds()
    if seconds < 60:
        text = "just now"
    elif seconds < 86400 * 7:
        text = f"{_duration(seconds)} ago"
    else:
        text = timezone.localtime(moment).strftime("%b %d")
    exact = timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S %Z")
    return format_html('<time datetime="{}" title="{}">{}</time>', moment.isoformat(), exact, text)


@register.filter
def percent(value) -> str:
    if value is None:
        return "—"
    return f"{value * 100:.0f} %"


@register.filter
def signed(value) -> str:
    try:
        return f"{float(value):+.0f}".replace("-", "−")  # a real minus sign lines up with +
    except (TypeError, ValueError):
        return ""


@register.filter
def event_type(notification) -> str:
    """A webhook row's event type; rows written before the Standard Webhooks body said "event"."""
    payload = notification.payload if isinstance(notification.payload, dict) else {}
    return str(payload.get("type") or payload.get("event") or "—")


@register.filter
def money(amount, currency) -> str:
    """An amount with the workspace currency: {{ lead.won_amount|money:workspace_currency }}."""
    return money_format(amount, str(currency))


@register.filter
def money_whole(amount, currency) -> str:
    """A total in whole units of the workspace currency: "$1,204,500"."""
    return money_format(amount, str(currency), whole=True)

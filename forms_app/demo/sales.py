"""The demo's sales side: rep profiles, a team and routing rules for the demo form."""

from urllib.parse import urlsplit

from django.contrib.auth import get_user_model

from forms_app.models import Form, RepProfile, RoutingRule, Team, WebhookEndpoint

DEMO_REPS = [
    ("sales1", "Sam Sales", "https://cal.example.com/sam-sales/30min"),
    ("sales2", "Riley Sales", "https://cal.example.com/riley-sales/30min"),
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def demo_sales_setup(*, form: Form, webhook_url: str = "") -> list[RoutingRule]:
    """Profiles for the demo reps, the "Sales" team and two rules; safe to re-run.

    webhook_url (optional) must point at this machine: the demo never posts anywhere else. The
    sales-ready rule sends to a "Demo receiver" webhook endpoint at that URL.
    """
    if webhook_url and urlsplit(webhook_url).hostname not in LOCAL_HOSTS:
        raise ValueError("The demo webhook must point at 127.0.0.1 or localhost.")
    users = get_user_model().objects.in_bulk(
        [username for username, _, _ in DEMO_REPS], field_name="username"
    )
    team, _ = Team.objects.get_or_create(name="Sales")
    for username, display_name, booking_url in DEMO_REPS:
        user = users.get(username)
        if user is None:
            continue
        RepProfile.objects.update_or_create(
            user=user,
            defaults={"display_name": display_name, "booking_url": booking_url, "active": True},
        )
        team.members.add(user)
    hot, _ = RoutingRule.objects.update_or_create(
        form=form,
        name="Sales-ready: round-robin to Sales",
        defaults={
            "position": 1,
            "conditions": [
                {"source": "tier", "key": "", "operator": "in", "value": ["sales_ready"]}
            ],
            "action": RoutingRule.Action.ROUND_ROBIN,
            "team": team,
            "notify_emails": "rep",
            "stop_after": True,
        },
    )
    if webhook_url:
        hot.webhook_endpoint, _ = WebhookEndpoint.objects.get_or_create(
            url=webhook_url, defaults={"name": "Demo receiver"}
        )
        hot.save(update_fields=["webhook_endpoint"])
    rest, _ = RoutingRule.objects.update_or_create(
        form=form,
        name="Everyone else: least-loaded in Sales",
        defaults={
            "position": 2,
            "conditions": [],
            "action": RoutingRule.Action.LEAST_LOADED,
            "team": team,
            "stop_after": True,
        },
    )
    return [hot, rest]

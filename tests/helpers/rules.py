"""Routing rules as the sales tests need them: a team's round-robin with its notifications."""

from forms_app.models import RoutingRule
from tests.helpers.webhooks import endpoint_at


def notify_rule(
    form, team, *, webhook_url: str = "", name: str = "Hot leads", position: int = 1, **fields
) -> RoutingRule:
    """A round-robin rule to the team; `webhook_url` gets an endpoint of its own."""
    if webhook_url:
        fields["webhook_endpoint"] = endpoint_at(webhook_url, name=name)
    return RoutingRule.objects.create(
        form=form,
        name=name,
        position=position,
        team=team,
        action=RoutingRule.Action.ROUND_ROBIN,
        **fields,
    )

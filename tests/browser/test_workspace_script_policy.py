"""The app's pages run under a policy that allows scripts from our own files only: what used to
be an inline handler (the confirm before deleting a routing rule) still works, and no page
reports a blocked script or style to the console."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from forms_app.models import Lead, RoutingRule
from tests.helpers.answers import KEEN_DEMO_ANSWERS
from tests.helpers.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def policy_reports(page) -> list[str]:
    """What the browser says it blocked: every console message about the policy."""
    reports: list[str] = []
    page.on(
        "console",
        lambda message: (
            reports.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return reports


def test_deleting_a_routing_rule_asks_first_and_nothing_is_blocked(
    page, live_server, demo_form, policy_reports
):
    rule = RoutingRule.objects.create(form=demo_form, name="Everyone to Sam", position=1)
    log_in(page, live_server, "morgan", "marketer")
    page.goto(f"{live_server.url}/app/forms/demo/routing/{rule.pk}/")
    asked: list[str] = []

    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Delete rule").click()
    expect(page.get_by_role("heading", name="Everyone to Sam")).to_be_visible()
    assert asked == ["Delete this rule?"]
    assert RoutingRule.objects.filter(pk=rule.pk).exists()

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete rule").click()
    expect(page).to_have_url(f"{live_server.url}/app/forms/demo/routing/")
    expect(page.get_by_text("Deleted rule “Everyone to Sam”.")).to_be_visible()
    assert not RoutingRule.objects.filter(pk=rule.pk).exists()
    assert policy_reports == []


def test_the_app_pages_and_their_htmx_run_with_nothing_blocked(
    page, live_server, demo_form, policy_reports
):
    lead = Lead.objects.create(form=demo_form, answers=KEEN_DEMO_ANSWERS, created_at=timezone.now())
    log_in(page, live_server, "morgan", "marketer")
    for path in ["/app/forms/", "/app/forms/demo/", "/app/forms/demo/scoring/", "/app/models/"]:
        page.goto(f"{live_server.url}{path}")
    page.goto(f"{live_server.url}/app/forms/demo/preview/")
    page.get_by_label("Within 1 month").check()  # htmx posts the answers for a new score
    expect(page.get_by_test_id("factors")).to_contain_text("Within 1 month")
    page.goto(f"{live_server.url}/app/inbox/{lead.pk}/")
    page.get_by_role("button", name="Contacted").click()  # an htmx swap
    expect(page.get_by_role("button", name="Contacted")).to_have_attribute("aria-pressed", "true")

    assert policy_reports == []
